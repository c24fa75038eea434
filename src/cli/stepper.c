/* stepper.c -- step mode (see stepper.h).
 *
 * A position is a number of events: 0 before the first, N after the last.
 * Every command reads the state at the position from the fold
 * (rec_state_seek); moving back refolds from the nearest checkpoint.
 *
 * What a move prints follows the timeline of the text view: a rule when
 * the loop starts a new iteration, the Python line when it changes, then
 * one row per event, "#seq  who  what  state".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* wcwidth() */
#endif
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <histedit.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "../i18n.h"
#include "../engine/future.h"
#include "../engine/gen.h"
#include "render_json.h"
#include "stepper.h"

/* A space where a line must not break. */
#define NBSP "\u00a0"

enum {
	WHO_W = 12,          /* the "who" column of an event row */
	REPR_W = 48,         /* a value is cut to this many columns */
	SHOW_MAX = 24,       /* a move prints at most this many events ... */
	SHOW_TAIL = 10,      /* ... else a count and the last ones */
	LIST_MAX = 40,       /* rows of tasks / ready / timers before "and N more" */
	WHERE_MAX = 12,      /* task trees `where` prints without a name */
	CHAIN_MAX = 64,      /* links of an await chain followed */
	NAMES_MAX = 4000,    /* names offered by completion */
	COL_MAX = 30,        /* a table column but the last is cut to this */
	WORD_MAX = 200       /* bytes of a command's word */
};

enum family { F_GEN, F_TASK, F_FUT, F_LOOP, F_PRINT, F_SAY, F_WARN, F_NOTE, F_ERR, F_N };

static const char *const family_sgr[F_N] = {
	[F_GEN] = "36", [F_TASK] = "32", [F_FUT] = "35", [F_LOOP] = "34", [F_PRINT] = "1",
	[F_SAY] = "33", [F_WARN] = "91", [F_NOTE] = "", [F_ERR] = "31",
};

struct sbuf {
	char *s;
	size_t len, cap;
};

/* A breakpoint: an event kind (or a family of kinds), a name, a Python
 * line, or a moment of virtual time. */
enum bp_type { BP_KIND, BP_NAME, BP_LINE, BP_TIME };

struct bp {
	enum bp_type type;
	char *spec;          /* as the user wrote it, for `break` */
	unsigned char kinds[EV_N_KINDS];
	uint32_t name;       /* string id */
	int line;
	double t;
};

struct stepper {
	struct recorder *r;
	struct rec_state *st;
	const struct trace_meta *m;
	uint64_t n;                /* events */
	char *pycopy;
	const char **lines;        /* lines[1] is line 1 */
	int nlines;
	int color, tty, width, gw; /* gw: the gutter's width */
	int col;                   /* columns written on the current row */
	uint64_t shown_iter;
	int shown_line;
	int at_end_said;
	struct bp *bps;
	size_t nbps;
	char *last;                /* the last stepping command, for Enter */
	int quit;
	char **names;              /* task and generator names, for completion */
	size_t nnames;
	EditLine *el;
	History *hist;
	struct sbuf what, state, tmp;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* --- small buffers --- */

static void sb_add_n(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_add(struct sbuf *b, const char *s)
{
	sb_add_n(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		fputs("coro-learn: out of memory\n", stderr);
		abort();
	}
	sb_add(b, s);
	free(s);
}

static void sb_clear(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

static const char *sb_str(const struct sbuf *b)
{
	return b->s ? b->s : "";
}

/* --- display width --- */

static size_t utf8_next(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		c = u[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (len > n)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		c = c << 6 | (u[i] & 0x3f);
	}
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

/* East Asian wide ranges (UAX #11), for a locale whose wcwidth() knows
 * no Chinese. */
static int is_wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	       (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	       (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	       (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	       (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	       (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
}

static int char_width(uint32_t c)
{
	int w;

	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return 0;
	if (c < 0x7f)
		return 1;
	if (is_wide(c))
		return 2;
	w = wcwidth((wchar_t)c);
	if (w >= 0)
		return w;
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f))
		return 0;
	return 1;
}

static int text_width(const char *s)
{
	size_t n = strlen(s), i = 0;
	int w = 0;

	while (i < n) {
		uint32_t c;
		i += utf8_next(s + i, n - i, &c);
		w += char_width(c);
	}
	return w;
}

/* How many bytes of s[0..n) fit in w columns; soft: break after a space
 * or next to a CJK character when there is a place to.  *skip: spaces to
 * drop after the cut.  At least one character is taken. */
static size_t fit(const char *s, size_t n, int w, int soft, size_t *skip)
{
	size_t i = 0, brk = 0;
	int col = 0;
	uint32_t prev = 0;

	*skip = 0;
	while (i < n) {
		uint32_t c;
		size_t k = utf8_next(s + i, n - i, &c);
		int cw = char_width(c);

		if (c == '\n') {
			*skip = 1;
			return i;
		}
		if (soft && i > 0 && ((c == ' ' && prev != ' ') || is_wide(c) || is_wide(prev)))
			brk = i;
		if (col + cw > w && i > 0) {
			size_t cut = soft && brk ? brk : i;
			while (cut + *skip < n && s[cut + *skip] == ' ')
				++*skip;
			return cut;
		}
		col += cw;
		i += k;
		prev = c;
	}
	return n;
}

/* s cut to w columns with "…".  Caller frees. */
static char *cut_dup(const char *s, int w)
{
	size_t n, skip;

	if (w < 2)
		w = 2;
	if (text_width(s) <= w)
		return xstrdup(s);
	n = fit(s, strlen(s), w - 1, 0, &skip);
	return xasprintf("%.*s…", (int)n, s);
}

/* --- output --- */

static void style(struct stepper *S, const char *sgr)
{
	if (S->color)
		printf("\033[0%s%sm", sgr && *sgr ? ";" : "", sgr ? sgr : "");
}

static void style_fam(struct stepper *S, int fam, int dim)
{
	char sgr[16];

	if (!S->color)
		return;
	snprintf(sgr, sizeof sgr, "%s%s%s", dim ? "2" : "", dim && *family_sgr[fam] ? ";" : "",
		 family_sgr[fam]);
	style(S, sgr);
}

static void plain(struct stepper *S)
{
	if (S->color)
		fputs("\033[0m", stdout);
}

/* Control characters in a program's text must not reach the terminal. */
static void put_n(struct stepper *S, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t c;
		size_t k = utf8_next(s + i, n - i, &c);
		if (c == '\t') {
			int sp = 8 - S->col % 8;
			S->col += sp;
			while (sp--)
				putchar(' ');
		} else if (c >= 0x20 && !(c >= 0x7f && c < 0xa0)) {
			if (c == 0xfffd && k == 1)
				fputs("\xef\xbf\xbd", stdout);
			else
				fwrite(s + i, 1, k, stdout);
			S->col += char_width(c);
		}
		i += k;
	}
}

static void put(struct stepper *S, const char *s)
{
	put_n(S, s, strlen(s));
}

static void pad_to(struct stepper *S, int col)
{
	while (S->col < col) {
		putchar(' ');
		S->col++;
	}
}

static void nl(struct stepper *S)
{
	plain(S);
	putchar('\n');
	S->col = 0;
}

/* s from the current column, cut at the margin. */
static void put_fit(struct stepper *S, const char *s)
{
	char *c = cut_dup(s, S->width - S->col);

	put(S, c);
	free(c);
}

/* s wrapped softly at the margin; continuation lines start at column at. */
static void wrapped(struct stepper *S, const char *s, int at)
{
	size_t n = strlen(s), k, skip;

	for (;;) {
		k = fit(s, n, S->width - S->col > 8 ? S->width - S->col : 8, 1, &skip);
		put_n(S, s, k);
		s += k + skip;
		n -= k + skip;
		if (!n)
			break;
		putchar('\n');
		S->col = 0;
		pad_to(S, at);
	}
}

/* A message on its own line: a hint or an error in a command. */
static void say(struct stepper *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct stepper *S, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	wrapped(S, s, 0);
	nl(S);
	free(s);
}

/* --- words --- */

static void fmt_time(char *buf, size_t n, double t)
{
	char *p;

	snprintf(buf, n, "%.3f", t);
	p = buf + strlen(buf);
	while (p > buf && p[-1] == '0')
		*--p = '\0';
	if (p > buf && p[-1] == '.')
		*--p = '\0';
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
}

static void fmt_count(char *buf, size_t n, uint64_t v)
{
	char tmp[32];
	size_t len, i, o = 0;

	snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
	len = strlen(tmp);
	for (i = 0; i < len && o + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
}

static const char *str(const struct stepper *S, uint32_t id)
{
	return recorder_cstr(S->r, id);
}

static const char *flat_name(const struct rec_flat_actor *a)
{
	if (a->name && *a->name)
		return a->name;
	return trace_actor_kind_name((enum actor_kind)a->kind);
}

/* "sleep()" for a coroutine, "Task-2" for a task or future. */
static void awaitable(struct sbuf *b, const struct rec_flat_actor *a)
{
	sb_add(b, flat_name(a));
	if (a->kind == ACT_GEN || a->kind == ACT_CORO)
		sb_add(b, "()");
}

static void awaitable_r(struct stepper *S, struct sbuf *b, const struct rec_actor *a)
{
	struct rec_flat_actor f = {a->kind, a->id, recorder_str(S->r, a->name)};

	awaitable(b, &f);
}

/* The value of an event as the timeline shows it: a future by name, an
 * exception as "Type: message", anything else by its repr. */
static void add_value(struct sbuf *b, const struct rec_flat *f, int w)
{
	const char *v;
	char *c;

	if (f->vactor.kind == ACT_TASK || f->vactor.kind == ACT_FUTURE)
		v = flat_name(&f->vactor);
	else if (f->exc)
		v = f->exc;
	else
		v = f->value ? f->value : "None";
	c = cut_dup(v, w);
	sb_add(b, c);
	free(c);
}

static const char *state_word(const struct rec_flat *f, int s)
{
	const char *n = trace_state_name(f->kind, f->actor.kind, s);

	return n ? n : "?";
}

/* The what and state columns of an event, and its family (as the text
 * view words them). */
static int describe(struct stepper *S, const struct rec_flat *f)
{
	struct sbuf *w = &S->what, *t = &S->tmp;
	char t1[32], t2[32];
	int fam = F_NOTE;
	char *h;

	sb_clear(w);
	sb_clear(&S->state);
	if (f->state_to >= 0 && f->kind != EV_TASK_STEP_END) {
		if (f->state_from >= 0 && f->state_from != f->state_to)
			sb_printf(&S->state, "%s → ", state_word(f, f->state_from));
		sb_add(&S->state, state_word(f, f->state_to));
	}
	switch (f->kind) {
	case EV_NOTE:
		sb_add(w, f->text ? f->text : "");
		break;
	case EV_GEN_CREATE:
		fam = F_GEN;
		sb_add(w, _("created, not started"));
		break;
	case EV_GEN_RESUME:
		fam = F_GEN;
		if (f->text && (!strcmp(f->text, "send") || !strcmp(f->text, "throw"))) {
			sb_printf(w, "←" NBSP "%s(", f->text);
			add_value(w, f, REPR_W);
			sb_add(w, ")");
		} else {
			sb_printf(w, "←" NBSP "%s()", f->text ? f->text : "next");
		}
		break;
	case EV_GEN_YIELD:
		fam = F_GEN;
		sb_add(w, "→" NBSP "yield ");
		add_value(w, f, REPR_W);
		break;
	case EV_GEN_RETURN:
		fam = F_GEN;
		sb_add(w, "→" NBSP "return ");
		add_value(w, f, REPR_W);
		/* G4: return x ends a generator as StopIteration(x). */
		if (f->actor.kind == ACT_GEN) {
			sb_add(w, " →" NBSP "StopIteration(");
			if (f->value && strcmp(f->value, "None"))
				add_value(w, f, REPR_W);
			sb_add(w, ")");
		}
		break;
	case EV_GEN_RAISE:
		/* G6: leaving by GeneratorExit is how close() ends a generator. */
		if (f->exc && !strncmp(f->exc, "GeneratorExit", 13)) {
			fam = F_GEN;
			sb_add(w, "→" NBSP);
			sb_add(w, _("closed by GeneratorExit"));
			break;
		}
		fam = F_ERR;
		sb_clear(t);
		add_value(t, f, 4 * REPR_W);
		sb_add(w, "✗" NBSP);
		sb_printf(w, _("raises %s"), sb_str(t));
		break;
	case EV_GEN_ERROR:
		fam = F_ERR;
		sb_clear(t);
		add_value(t, f, 4 * REPR_W);
		sb_add(w, "✗" NBSP);
		sb_printf(w, _("%s() fails: %s"), f->text ? f->text : "next", sb_str(t));
		break;
	case EV_GEN_AWAIT:
		fam = F_GEN;
		sb_add(w, f->actor.kind == ACT_GEN ? "yield from " : "await ");
		awaitable(w, &f->other);
		break;
	case EV_FUT_CREATE:
		fam = F_FUT;
		sb_add(w, _("created"));
		break;
	case EV_FUT_RESULT:
		fam = f->actor.kind == ACT_TASK ? F_TASK : F_FUT;
		sb_clear(t);
		add_value(t, f, REPR_W);
		sb_printf(w, _("result: %s"), sb_str(t));
		break;
	case EV_FUT_EXCEPTION:
		fam = F_ERR;
		sb_clear(t);
		add_value(t, f, 4 * REPR_W);
		sb_printf(w, _("exception: %s"), sb_str(t));
		break;
	case EV_FUT_CANCEL:
		fam = f->actor.kind == ACT_TASK ? F_TASK : F_FUT;
		sb_add(w, _("cancelled"));
		if (f->text || (f->value && strcmp(f->value, "None"))) {
			sb_add(w, ": ");
			if (f->text)
				sb_add(w, f->text);
			else
				add_value(w, f, REPR_W);
		}
		break;
	case EV_FUT_CANCEL_REQUEST:
		fam = f->actor.kind == ACT_TASK ? F_TASK : F_FUT;
		sb_clear(t);
		sb_add(t, "cancel(");
		if (f->value && strcmp(f->value, "None"))
			add_value(t, f, REPR_W);
		sb_add(t, ")");
		sb_printf(w, _("%s requested"), sb_str(t));
		break;
	case EV_CB_ADD:
	case EV_CB_REMOVE: {
		const struct rec_flat_actor *o = &f->other;
		const char *name = f->text ? f->text : "";
		fam = F_FUT;
		sb_add(w, f->kind == EV_CB_ADD ? "add_done_callback(" : "remove_done_callback(");
		if ((o->kind == ACT_TASK || o->kind == ACT_FUTURE) && o->name && strcmp(o->name, name))
			sb_printf(w, "%s.", flat_name(o));
		sb_printf(w, "%s)", name);
		if (f->kind == EV_CB_REMOVE) {
			sb_add(w, " → ");
			add_value(w, f, REPR_W);
		}
		break;
	}
	case EV_TASK_CREATE:
		fam = F_TASK;
		sb_clear(t);
		awaitable(t, &f->other);
		sb_printf(w, _("new, wraps %s"), sb_str(t));
		break;
	case EV_TASK_STEP:
		fam = F_TASK;
		if (!f->value || !strcmp(f->value, "None")) {
			sb_add(w, _("step begins"));
		} else {
			sb_clear(t);
			add_value(t, f, REPR_W);
			sb_printf(w, _("step begins, throws in %s"), sb_str(t));
		}
		break;
	case EV_TASK_STEP_END:
		fam = F_TASK;
		sb_add(w, _("step ends"));
		break;
	case EV_TASK_WAIT:
		fam = F_TASK;
		sb_clear(t);
		awaitable(t, &f->other);
		sb_printf(w, _("waits for %s"), sb_str(t));
		break;
	case EV_TASK_WAKEUP:
		fam = F_TASK;
		sb_clear(t);
		awaitable(t, &f->other);
		sb_printf(w, _("wakes up: %s is done"), sb_str(t));
		break;
	case EV_LOOP_START:
		fam = F_LOOP;
		sb_add(w, _("run_forever(): the loop starts"));
		break;
	case EV_LOOP_ITER:
		fam = F_LOOP;
		/* TRANSLATORS: a loop iteration begins; %s handles are ready (L0) */
		sb_printf(w, _("iteration begins: %s ready to run"), f->value ? f->value : "0");
		break;
	case EV_LOOP_CLOCK:
		fam = F_LOOP;
		fmt_time(t1, sizeof t1, f->when);
		fmt_time(t2, sizeof t2, f->time);
		sb_printf(w, _("clock %s s → %s s"), t1, t2);
		break;
	case EV_LOOP_STOP:
		fam = F_LOOP;
		sb_add(w, _("stop(): the loop ends after this iteration"));
		break;
	case EV_LOOP_END:
		fam = F_LOOP;
		sb_add(w, _("run_forever() returns"));
		break;
	case EV_HANDLE_SCHEDULE:
		fam = F_LOOP;
		h = rec_flat_handle_desc(f);
		sb_printf(w, "call_soon(%s) #%u", h, f->handle);
		free(h);
		break;
	case EV_HANDLE_RUN:
		fam = F_LOOP;
		h = rec_flat_handle_desc(f);
		sb_printf(w, _("runs %s"), h);
		sb_printf(w, " #%u", f->handle);
		free(h);
		break;
	case EV_TIMER_ADD:
		fam = F_LOOP;
		h = rec_flat_handle_desc(f);
		fmt_time(t1, sizeof t1, f->when);
		sb_printf(w, _("timer #%u at t=%s s: %s"), f->handle, t1, h);
		free(h);
		break;
	case EV_TIMER_FIRE:
		fam = F_LOOP;
		sb_printf(w, _("timer #%u is due → ready queue"), f->handle);
		break;
	case EV_TIMER_CANCEL:
		fam = F_LOOP;
		sb_printf(w, _("timer #%u cancelled"), f->handle);
		break;
	default:
		sb_add(w, trace_kind_name((enum ev_kind)f->kind));
		break;
	}
	return fam;
}

/* --- the rows of a move --- */

static const char *source_line(const struct stepper *S, int line)
{
	if (line <= 0 || line > S->nlines || !S->lines)
		return NULL;
	return S->lines[line];
}

static void source_row(struct stepper *S, int line)
{
	const char *src = source_line(S, line);
	char num[16];
	size_t n;
	char *code;

	if (!src || line == S->shown_line)
		return;
	S->shown_line = line;
	n = strlen(src);
	while (n && (src[n - 1] == ' ' || src[n - 1] == '\r'))
		n--;
	snprintf(num, sizeof num, "%d", line);
	style(S, "2");
	pad_to(S, S->gw - text_width(num));
	put(S, num);
	put(S, " │ ");
	style(S, "");
	code = xasprintf("%.*s", (int)n, src);
	put_fit(S, code);
	free(code);
	nl(S);
}

static void iteration_rule(struct stepper *S, const struct rec_event *e)
{
	char it[32], t[32];
	char *s;

	S->shown_iter = e->iteration;
	fmt_count(it, sizeof it, e->iteration);
	fmt_time(t, sizeof t, e->time);
	style_fam(S, F_LOOP, 0);
	put(S, "── ");
	s = xasprintf(_("iteration %s · t=%s s"), it, t);
	put_fit(S, s);
	free(s);
	put(S, " ");
	while (S->col < S->width)
		put(S, "─");
	nl(S);
}

/* Where the state column starts: states line up down the page. */
static int state_col(const struct stepper *S)
{
	int c = S->width - 30, want = S->gw + 2 + WHO_W + 1 + 34;

	return c > want ? want : c;
}

static void event_row(struct stepper *S, uint64_t seq)
{
	const struct rec_event *e = recorder_event(S->r, seq);
	struct rec_flat f;
	char num[32];
	int fam, dim, what_col = S->gw + 2 + WHO_W + 1, sc = state_col(S);
	const char *state, *w;
	size_t n, k, skip;

	recorder_flat(S->r, seq, &f);
	if (e->iteration && e->iteration != S->shown_iter)
		iteration_rule(S, e);
	snprintf(num, sizeof num, "#%llu", (unsigned long long)seq);
	dim = (f.flags & TRACE_LIBRARY) != 0;
	if (f.kind == EV_SAY) {
		style_fam(S, F_SAY, 0);
		style(S, "2");
		pad_to(S, S->gw - text_width(num));
		put(S, num);
		style_fam(S, F_SAY, 0);
		pad_to(S, S->gw + 2);
		wrapped(S, f.text ? f.text : "", S->gw + 2);
		nl(S);
		S->shown_line = 0;
		return;
	}
	source_row(S, f.line);
	style(S, "2");
	pad_to(S, S->gw - text_width(num));
	put(S, num);
	if (f.flags & TRACE_SET_ORDER) {
		style(S, "1;33");
		put(S, "↕");
	}
	if (f.kind == EV_PRINT || f.kind == EV_WARN) {
		int fm = f.kind == EV_PRINT ? F_PRINT : F_WARN;
		style_fam(S, fm, 0);
		pad_to(S, S->gw + 2);
		/* TRANSLATORS: the program's output; at most 5 columns */
		put(S, f.kind == EV_PRINT ? _("out") : _("err"));
		put(S, " ┃ ");
		wrapped(S, f.text ? f.text : "", S->col);
		nl(S);
		return;
	}
	fam = describe(S, &f);
	style_fam(S, fam, dim);
	pad_to(S, S->gw + 2);
	{
		char *who = cut_dup(flat_name(&f.actor), WHO_W);
		put(S, who);
		free(who);
	}
	pad_to(S, what_col);
	w = sb_str(&S->what);
	state = sb_str(&S->state);
	n = strlen(w);
	k = fit(w, n, (*state ? sc - 2 : S->width) - S->col, 1, &skip);
	put_n(S, w, k);
	if (*state) {
		pad_to(S, sc);
		put(S, state);
	}
	while (k + skip < n) {
		w += k + skip;
		n -= k + skip;
		nl(S);
		style_fam(S, fam, dim);
		pad_to(S, what_col);
		k = fit(w, n, S->width - what_col, 1, &skip);
		put_n(S, w, k);
	}
	nl(S);
}

static void at_end(struct stepper *S)
{
	char n[32];

	if (rec_state_pos(S->st) < S->n || S->at_end_said)
		return;
	S->at_end_said = 1;
	fmt_count(n, sizeof n, S->n);
	style(S, "2");
	/* TRANSLATORS: %s is the number of events; back, goto and quit are commands */
	say(S, _("End of the trace (%s events). Type back, goto N or quit."), n);
	plain(S);
}

/* Prints the events after `from` up to the position: all of them when
 * few, else a count and the last SHOW_TAIL. */
static void show_forward(struct stepper *S, uint64_t from)
{
	uint64_t to = rec_state_pos(S->st), i;

	S->shown_line = 0;
	if (to - from > SHOW_MAX) {
		char n[32];
		fmt_count(n, sizeof n, to - from - SHOW_TAIL);
		style(S, "2");
		pad_to(S, S->gw + 2);
		/* TRANSLATORS: %s events were passed without being shown */
		put(S, "⋮ ");
		{
			char *s = xasprintf(_("%s events not shown"), n);
			put(S, s);
			free(s);
		}
		nl(S);
		from = to - SHOW_TAIL;
		S->shown_iter = 0;
	}
	for (i = from + 1; i <= to; i++)
		event_row(S, i);
}

/* After a move back or a goto: the event the position is after. */
static void show_here(struct stepper *S)
{
	uint64_t pos = rec_state_pos(S->st);

	S->shown_line = 0;
	S->shown_iter = 0;
	if (pos == 0) {
		style(S, "2");
		say(S, "%s", _("At the start: no event has happened yet."));
		plain(S);
		return;
	}
	event_row(S, pos);
}

/* --- breakpoints --- */

/* Whether event seq hits a breakpoint (its number, 1-based) or not (0).
 * prev_line: the last line an event before it was at; events of
 * asyncio's own code carry none and do not count as leaving a line. */
static int bp_hit(const struct stepper *S, uint64_t seq, int prev_line)
{
	const struct rec_event *e = recorder_event(S->r, seq), *p = recorder_event(S->r, seq - 1);
	size_t i;

	for (i = 0; i < S->nbps; i++) {
		const struct bp *b = &S->bps[i];
		switch (b->type) {
		case BP_KIND:
			if (b->kinds[e->kind])
				return (int)i + 1;
			break;
		case BP_NAME:
			if (e->actor.name == b->name || e->other.name == b->name)
				return (int)i + 1;
			break;
		case BP_LINE:
			/* on reaching the line, not at every event on it */
			if (e->line == b->line && prev_line != b->line)
				return (int)i + 1;
			break;
		case BP_TIME:
			if (e->time >= b->t && (!p || p->time < b->t))
				return (int)i + 1;
			break;
		}
	}
	return 0;
}

/* Folds forward to `to`, stopping early at a breakpoint (if honour) or on
 * Ctrl-C.  Returns the breakpoint hit (1-based), -1 if interrupted, or 0. */
static int run_to(struct stepper *S, uint64_t to, int honour, int (*stop)(struct stepper *, uint64_t))
{
	uint64_t pos = rec_state_pos(S->st), i;
	int hit = 0, prev_line = 0;
	const struct rec_event *e;

	interrupted = 0;
	for (i = pos; i > 0 && i + 10000 > pos && !prev_line; i--)
		prev_line = recorder_event(S->r, i)->line;
	for (i = pos + 1; i <= to; i++) {
		if ((i & 4095) == 0 && interrupted) {
			rec_state_seek(S->st, i - 1);
			return -1;
		}
		if (honour && S->nbps && (hit = bp_hit(S, i, prev_line)) != 0) {
			rec_state_seek(S->st, i);
			return hit;
		}
		e = recorder_event(S->r, i);
		if (e->line)
			prev_line = e->line;
		if (stop && stop(S, i)) {
			rec_state_seek(S->st, i);
			return 0;
		}
	}
	rec_state_seek(S->st, to);
	return 0;
}

static void report_stop(struct stepper *S, int hit)
{
	if (hit > 0) {
		style(S, "1;33");
		/* TRANSLATORS: "Breakpoint 1 (print) at #12" */
		say(S, _("Breakpoint %d (%s) at #%llu."), hit, S->bps[hit - 1].spec,
		    (unsigned long long)rec_state_pos(S->st));
		plain(S);
	} else if (hit < 0) {
		style(S, "1;33");
		say(S, _("Interrupted at #%llu."), (unsigned long long)rec_state_pos(S->st));
		plain(S);
	}
}

/* --- commands --- */

/* A whole number from s, 0 .. max; -1 if it is not one. */
static long long parse_count(const char *s, unsigned long long max)
{
	unsigned long long v = 0;

	if (*s == '#')
		s++;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	return (long long)v;
}

static void usage_hint(struct stepper *S, const char *cmd, const char *args)
{
	/* TRANSLATORS: "usage: step [K]   (help step for more)" */
	say(S, _("usage: %s %s"), cmd, args);
}

static int count_arg(struct stepper *S, int argc, char **argv, const char *cmd, long long *k)
{
	*k = 1;
	if (argc > 2) {
		usage_hint(S, cmd, "[K]");
		return 1;
	}
	if (argc == 2) {
		*k = parse_count(argv[1], 1000000000000ULL);
		if (*k < 1) {
			/* TRANSLATORS: %s is the command, "step" or "back" */
			say(S, _("%s: K must be a whole number from 1 up"), cmd);
			return 1;
		}
	}
	return 0;
}

static void cmd_step(struct stepper *S, int argc, char **argv)
{
	long long k;
	uint64_t pos = rec_state_pos(S->st), to;
	int hit;

	if (count_arg(S, argc, argv, argv[0], &k))
		return;
	if (pos == S->n) {
		S->at_end_said = 0;
		at_end(S);
		return;
	}
	to = (uint64_t)k > S->n - pos ? S->n : pos + (uint64_t)k;
	hit = run_to(S, to, 0, NULL);
	show_forward(S, pos);
	report_stop(S, hit);
	at_end(S);
}

static void cmd_back(struct stepper *S, int argc, char **argv)
{
	long long k;
	uint64_t pos = rec_state_pos(S->st);

	if (count_arg(S, argc, argv, argv[0], &k))
		return;
	if (pos == 0) {
		say(S, "%s", _("Already at the start."));
		return;
	}
	rec_state_seek(S->st, (uint64_t)k > pos ? 0 : pos - (uint64_t)k);
	S->at_end_said = 0;
	show_here(S);
}

static int stop_at_iteration(struct stepper *S, uint64_t seq)
{
	return recorder_event(S->r, seq)->kind == EV_LOOP_ITER;
}

static void cmd_next(struct stepper *S, int argc, char **argv)
{
	uint64_t pos = rec_state_pos(S->st);
	int hit;

	if (argc > 1) {
		usage_hint(S, argv[0], "");
		return;
	}
	if (pos == S->n) {
		S->at_end_said = 0;
		at_end(S);
		return;
	}
	hit = run_to(S, S->n, 1, stop_at_iteration);
	show_forward(S, pos);
	report_stop(S, hit);
	at_end(S);
}

static void cmd_continue(struct stepper *S, int argc, char **argv)
{
	uint64_t pos = rec_state_pos(S->st);
	int hit;

	if (argc > 1) {
		usage_hint(S, argv[0], "");
		return;
	}
	if (pos == S->n) {
		S->at_end_said = 0;
		at_end(S);
		return;
	}
	hit = run_to(S, S->n, 1, NULL);
	show_forward(S, pos);
	report_stop(S, hit);
	at_end(S);
}

static void cmd_goto(struct stepper *S, int argc, char **argv)
{
	long long k;
	uint64_t pos = rec_state_pos(S->st);

	if (argc != 2) {
		usage_hint(S, argv[0], "SEQ");
		return;
	}
	k = parse_count(argv[1], S->n);
	if (k < 0) {
		/* TRANSLATORS: goto's argument is out of range: 0 to N */
		say(S, _("goto: give an event number from 0 to %llu"), (unsigned long long)S->n);
		return;
	}
	if ((uint64_t)k > pos && (uint64_t)k - pos <= SHOW_MAX) {
		rec_state_seek(S->st, (uint64_t)k);
		show_forward(S, pos);
	} else {
		rec_state_seek(S->st, (uint64_t)k);
		show_here(S);
	}
	S->at_end_said = 0;
	at_end(S);
}

/* "gen" matches every gen.* kind, "yield" matches gen.yield, "print"
 * matches print. */
static int kinds_matching(const char *w, unsigned char *kinds)
{
	size_t wl = strlen(w);
	int k, n = 0;

	for (k = 0; k < EV_N_KINDS; k++) {
		const char *name = trace_kind_name((enum ev_kind)k), *dot = strchr(name, '.');
		if (!strcmp(name, w) || (!strncmp(name, w, wl) && name[wl] == '.') ||
		    (dot && !strcmp(dot + 1, w))) {
			kinds[k] = 1;
			n++;
		}
	}
	return n;
}

static void list_breaks(struct stepper *S)
{
	size_t i;

	if (!S->nbps) {
		say(S, "%s", _("No breakpoints. Set one with: break print | break Task-2 | break line 12 | break t=2"));
		return;
	}
	for (i = 0; i < S->nbps; i++)
		say(S, "  %zu  %s", i + 1, S->bps[i].spec);
}

static void cmd_break(struct stepper *S, int argc, char **argv)
{
	struct bp b;
	const char *a;
	long long v;
	size_t i;

	if (argc == 1) {
		list_breaks(S);
		return;
	}
	memset(&b, 0, sizeof b);
	a = argv[1];
	if ((!strcmp(a, "line") || !strcmp(a, "l")) && argc == 3) {
		a = argv[2];
		goto line;
	}
	if (argc > 2) {
		usage_hint(S, argv[0], _("KIND | NAME | line N | t=SECONDS"));
		return;
	}
	if (!strncmp(a, "t=", 2)) {
		char *end;
		b.t = strtod(a + 2, &end);
		if (a[2] == '\0' || *end || !(b.t >= 0) || b.t > 1e15) {
			say(S, "%s", _("break: t= needs a time in seconds, like t=2 or t=0.5"));
			return;
		}
		b.type = BP_TIME;
		b.spec = xstrdup(a);
		goto add;
	}
	if (isdigit((unsigned char)*a)) {
line:
		v = parse_count(a, 1000000);
		if (v < 1) {
			say(S, "%s", _("break: line needs a line number of the Python program"));
			return;
		}
		b.type = BP_LINE;
		b.line = (int)v;
		b.spec = xasprintf("line %lld", v);
		goto add;
	}
	if (kinds_matching(a, b.kinds)) {
		b.type = BP_KIND;
		b.spec = xstrdup(a);
		goto add;
	}
	b.name = recorder_find_str(S->r, a);
	if (!b.name) {
		/* TRANSLATORS: break's argument names nothing in the trace */
		say(S, _("break: no event kind, task or generator is called \"%s\" (try TAB, or help break)"), a);
		return;
	}
	b.type = BP_NAME;
	b.spec = xstrdup(a);
add:
	for (i = 0; i < S->nbps; i++)
		if (!strcmp(S->bps[i].spec, b.spec)) {
			say(S, _("Breakpoint %zu is already %s."), i + 1, b.spec);
			free(b.spec);
			return;
		}
	S->bps = xrealloc(S->bps, (S->nbps + 1) * sizeof *S->bps);
	S->bps[S->nbps++] = b;
	/* TRANSLATORS: "Breakpoint 2: line 12" */
	say(S, _("Breakpoint %zu: %s"), S->nbps, b.spec);
}

static void cmd_delete(struct stepper *S, int argc, char **argv)
{
	long long k;
	size_t i;

	if (argc == 1) {
		for (i = 0; i < S->nbps; i++)
			free(S->bps[i].spec);
		S->nbps = 0;
		say(S, "%s", _("All breakpoints deleted."));
		return;
	}
	k = argc == 2 ? parse_count(argv[1], S->nbps) : -1;
	if (k < 1) {
		say(S, _("delete: give a breakpoint number from 1 to %zu (break lists them)"), S->nbps);
		return;
	}
	free(S->bps[k - 1].spec);
	memmove(&S->bps[k - 1], &S->bps[k], (S->nbps - (size_t)k) * sizeof *S->bps);
	S->nbps--;
	say(S, _("Breakpoint %lld deleted."), k);
}

/* --- tables --- */

struct table {
	char **cells;
	size_t ncols, nrows, cap;
};

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

/* Appends a row of ncols cells (each strdup'd). */
static void table_row(struct table *t, ...)
{
	va_list ap;
	size_t i;

	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *c = va_arg(ap, const char *);
		if ((t->nrows + 1) * t->ncols > t->cap) {
			t->cap = t->cap ? 2 * t->cap : 64;
			t->cells = xrealloc(t->cells, t->cap * sizeof *t->cells);
		}
		t->cells[t->nrows * t->ncols + i] = xstrdup(c ? c : "");
	}
	va_end(ap);
	t->nrows++;
}

/* Columns padded to their widest cell (header included), two spaces
 * apart; the last column is cut at the margin.  Row 0 is the header. */
static void table_print(struct stepper *S, struct table *t, int indent)
{
	int *w = xcalloc(t->ncols, sizeof *w);
	size_t r, c;

	/* A long cell (a task's result) is cut rather than pushing the
	 * columns after it off the screen. */
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c + 1 < t->ncols; c++) {
			char **cell = &t->cells[r * t->ncols + c];
			int x = text_width(*cell);
			if (x > COL_MAX) {
				char *cut = cut_dup(*cell, COL_MAX);
				free(*cell);
				*cell = cut;
				x = COL_MAX;
			}
			if (x > w[c])
				w[c] = x;
		}
	for (r = 0; r < t->nrows && !interrupted; r++) {
		int col = indent;
		if (r == 0)
			style(S, "1");
		pad_to(S, indent);
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			pad_to(S, col);
			if (c + 1 < t->ncols) {
				put(S, cell);
				col += w[c] + 2;
			} else {
				put_fit(S, cell);
			}
		}
		nl(S);
	}
	table_free(t);
	free(w);
}

static void more_rows(struct stepper *S, size_t n, const char *cmd)
{
	char c[32];

	fmt_count(c, sizeof c, n);
	style(S, "2");
	/* TRANSLATORS: "… and 12 more (tasks all shows them all)" */
	say(S, _("  … and %s more (%s all shows them all)"), c, cmd);
	plain(S);
}

/* "do_some_work() · line 10 · await asyncio.sleep(x)": where a frame
 * stands, with its Python line. */
static void frame_place(struct stepper *S, struct sbuf *b, const struct rec_gen *g)
{
	const char *src;

	if (!g)
		return;
	switch (g->state) {
	case GEN_CREATED:
		/* TRANSLATORS: a generator or coroutine that has not run yet */
		sb_add(b, _("not started"));
		return;
	case GEN_CLOSED:
		sb_add(b, _("finished"));
		return;
	case GEN_RUNNING: {
		/* The innermost running frame is at the current event's line. */
		const struct rec_actor *run;
		size_t n = rec_state_running(S->st, &run);
		const struct rec_event *e = recorder_event(S->r, rec_state_pos(S->st));
		sb_add(b, _("running"));
		if (n && run[n - 1].kind == g->who.kind && run[n - 1].id == g->who.id && e && e->line &&
		    !g->library) {
			sb_add(b, ", ");
			sb_printf(b, _("line %d"), e->line);
			src = source_line(S, e->line);
			if (src) {
				while (*src == ' ' || *src == '\t')
					src++;
				sb_printf(b, ": %s", src);
			}
		}
		return;
	}
	default:
		break;
	}
	/* asyncio's own coroutines have no line in the program: the line
	 * their events carry is their caller's. */
	if (g->library) {
		/* TRANSLATORS: a coroutine of asyncio itself (sleep, wait) is suspended */
		sb_add(b, _("suspended in asyncio's code"));
		return;
	}
	if (!g->line) {
		sb_add(b, _("suspended"));
		return;
	}
	sb_printf(b, _("line %d"), g->line);
	src = source_line(S, g->line);
	if (src) {
		while (*src == ' ' || *src == '\t')
			src++;
		sb_printf(b, ": %s", src);
	}
}

static const struct rec_handle *ready_of_task(const struct rec_handle *q, size_t n, uint32_t task)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (q[i].other.kind == ACT_TASK && q[i].other.id == task)
			return &q[i];
	return NULL;
}

/* What a task is doing: "running", "waits for Future-1", "ready", or how
 * it ended. */
static void task_now(struct stepper *S, struct sbuf *b, const struct rec_task *t,
		     const struct rec_handle *q, size_t nq)
{
	const struct rec_task *cur = rec_state_current_task(S->st);
	const struct rec_handle *h;

	if (t->state == FUT_CANCELLED) {
		sb_add(b, _("cancelled"));
		return;
	}
	if (t->state == FUT_FINISHED) {
		if (t->outcome_exc)
			sb_printf(b, _("exception: %s"), str(S, t->outcome_exc));
		else
			sb_printf(b, _("result: %s"), str(S, t->outcome));
		return;
	}
	if (cur && cur->who.id == t->who.id) {
		sb_add(b, _("running"));
	} else if (t->waits.kind != ACT_NONE) {
		sb_clear(&S->tmp);
		awaitable_r(S, &S->tmp, &t->waits);
		sb_printf(b, _("waits for %s"), sb_str(&S->tmp));
	} else if ((h = ready_of_task(q, nq, t->who.id)) != NULL) {
		/* TRANSLATORS: the task's next step is in the ready queue: "ready (__step queued)" */
		sb_printf(b, _("ready (%s queued)"), str(S, h->text));
	} else {
		sb_add(b, "-");
	}
	if (t->cancelling)
		/* TRANSLATORS: cancel() was called; it takes effect at the task's next step */
		sb_add(b, _(", cancel requested"));
}

static void cmd_tasks(struct stepper *S, int argc, char **argv)
{
	const struct rec_task *v;
	const struct rec_handle *q;
	size_t n = rec_state_tasks(S->st, &v), nq = rec_state_ready(S->st, &q, NULL), i, shown = 0;
	int all = argc == 2 && !strcmp(argv[1], "all");
	const char *only = argc == 2 && !all ? argv[1] : NULL;
	struct table t = {NULL, 4, 0, 0};
	struct sbuf now = {0}, where = {0};

	if (argc > 2) {
		usage_hint(S, argv[0], "[all | NAME]");
		return;
	}
	if (!n) {
		say(S, "%s", _("No task has been created yet."));
		return;
	}
	/* TRANSLATORS: column headings of `tasks` */
	table_row(&t, _("task"), _("state"), _("now"), _("coroutine"));
	for (i = 0; i < n; i++) {
		const struct rec_task *tk = &v[i];
		const struct rec_gen *g = rec_state_gen(S->st, tk->coro.kind, tk->coro.id);
		if (only && strcmp(str(S, tk->who.name), only))
			continue;
		if (!all && !only && shown == LIST_MAX)
			break;
		shown++;
		sb_clear(&now);
		task_now(S, &now, tk, q, nq);
		sb_clear(&where);
		sb_printf(&where, "%s() · ", str(S, tk->coro.name));
		frame_place(S, &where, g);
		table_row(&t, str(S, tk->who.name), trace_state_name(EV_FUT_RESULT, ACT_TASK, tk->state),
			  sb_str(&now), sb_str(&where));
	}
	if (only && !shown) {
		say(S, _("tasks: no task is called \"%s\""), only);
		table_free(&t);
	} else {
		table_print(S, &t, 2);
		if (!only && !all && n > shown)
			more_rows(S, n - shown, "tasks");
	}
	free(now.s);
	free(where.s);
}

static void cmd_ready(struct stepper *S, int argc, char **argv)
{
	const struct rec_handle *q;
	size_t nbatch, n = rec_state_ready(S->st, &q, &nbatch), i;
	int all = argc == 2 && !strcmp(argv[1], "all");
	struct table t = {NULL, 3, 0, 0};
	char num[32], id[32];

	if (argc > 2 || (argc == 2 && !all)) {
		usage_hint(S, argv[0], "[all]");
		return;
	}
	if (!n) {
		say(S, "%s", _("The ready queue is empty."));
		return;
	}
	fmt_count(num, sizeof num, n);
	/* TRANSLATORS: %s: how many handles; the loop runs them first in, first out */
	say(S, _("Ready queue (%s), run first in, first out:"), num);
	table_row(&t, "", _("handle"), _("calls"));
	for (i = 0; i < n && (all || i < LIST_MAX); i++) {
		struct rec_flat f;
		char *d;
		if (i == nbatch && nbatch && i) {
			table_print(S, &t, 2);
			t.ncols = 3;
			style(S, "2");
			/* TRANSLATORS: L0: handles queued during an iteration wait for the next one */
			say(S, "  %s", _("── queued during this iteration: they run in the next one ──"));
			plain(S);
		}
		memset(&f, 0, sizeof f);
		f.text = recorder_str(S->r, q[i].text);
		f.other.kind = q[i].other.kind;
		f.other.id = q[i].other.id;
		f.other.name = recorder_str(S->r, q[i].other.name);
		f.vactor.kind = q[i].vactor.kind;
		f.vactor.name = recorder_str(S->r, q[i].vactor.name);
		f.value = recorder_str(S->r, q[i].value);
		d = rec_flat_handle_desc(&f);
		snprintf(num, sizeof num, "%zu.", i + 1);
		snprintf(id, sizeof id, "#%u", q[i].id);
		table_row(&t, num, id, d);
		free(d);
	}
	table_print(S, &t, 2);
	if (!all && n > LIST_MAX)
		more_rows(S, n - LIST_MAX, "ready");
	if (nbatch == 0) {
		style(S, "2");
		say(S, "%s", _("  (between iterations: the next iteration runs them all)"));
		plain(S);
	}
}

static double now_time(const struct stepper *S)
{
	const struct rec_event *e = recorder_event(S->r, rec_state_pos(S->st));

	return e ? e->time : 0;
}

static void cmd_timers(struct stepper *S, int argc, char **argv)
{
	struct rec_handle *v;
	size_t n, i;
	int all = argc == 2 && !strcmp(argv[1], "all");
	struct table t = {NULL, 4, 0, 0};
	double now = now_time(S);
	char num[32], when[48], in[48], a[32];

	if (argc > 2 || (argc == 2 && !all)) {
		usage_hint(S, argv[0], "[all]");
		return;
	}
	n = rec_state_timers(S->st, &v);
	if (!n) {
		say(S, "%s", _("No timer is pending."));
		free(v);
		return;
	}
	fmt_count(num, sizeof num, n);
	fmt_time(a, sizeof a, now);
	/* TRANSLATORS: "Timers: 3 pending at t=1 s, in the order they fire:" */
	say(S, _("Timers: %s pending at t=%s s, in the order they fire:"), num, a);
	/* TRANSLATORS: column headings of `timers` */
	table_row(&t, _("timer"), _("due at"), _("in"), _("calls"));
	for (i = 0; i < n && (all || i < LIST_MAX); i++) {
		struct rec_flat f;
		char *d;
		memset(&f, 0, sizeof f);
		f.text = recorder_str(S->r, v[i].text);
		f.other.kind = v[i].other.kind;
		f.other.name = recorder_str(S->r, v[i].other.name);
		f.vactor.kind = v[i].vactor.kind;
		f.vactor.name = recorder_str(S->r, v[i].vactor.name);
		f.value = recorder_str(S->r, v[i].value);
		d = rec_flat_handle_desc(&f);
		snprintf(num, sizeof num, "#%u", v[i].id);
		fmt_time(a, sizeof a, v[i].when);
		/* TRANSLATORS: a timer's deadline, "t=2 s" */
		snprintf(when, sizeof when, _("t=%s s"), a);
		fmt_time(a, sizeof a, v[i].when - now > 0 ? v[i].when - now : 0);
		/* TRANSLATORS: seconds until a timer is due, "1.5 s" */
		snprintf(in, sizeof in, _("%s s"), a);
		table_row(&t, num, when, in, d);
		free(d);
	}
	table_print(S, &t, 2);
	if (!all && n > LIST_MAX)
		more_rows(S, n - LIST_MAX, "timers");
	free(v);
}

/* --- where and frame --- */

static const struct rec_task *task_named(const struct stepper *S, const char *name)
{
	const struct rec_task *v;
	size_t n = rec_state_tasks(S->st, &v), i;
	uint32_t id = recorder_find_str(S->r, name);

	if (!id)
		return NULL;
	for (i = n; i > 0; i--)
		if (v[i - 1].who.name == id)
			return &v[i - 1];
	return NULL;
}

/* The generator called name: the latest one made, or name#ID. */
static const struct rec_gen *gen_named(const struct stepper *S, const char *name)
{
	const struct rec_gen *v;
	size_t n = rec_state_gens(S->st, &v), i;
	const char *hash = strrchr(name, '#');
	char *base = hash ? xasprintf("%.*s", (int)(hash - name), name) : xstrdup(name);
	size_t bl = strlen(base);
	uint32_t id;
	long long want = hash ? parse_count(hash + 1, 4294967295ULL) : -1;
	const struct rec_gen *found = NULL;

	if (bl > 2 && !strcmp(base + bl - 2, "()"))
		base[bl - 2] = '\0';
	id = recorder_find_str(S->r, base);
	free(base);
	if (!id)
		return NULL;
	for (i = n; i > 0 && !found; i--)
		if (v[i - 1].who.name == id && (want < 0 || v[i - 1].who.id == (uint32_t)want))
			found = &v[i - 1];
	return found;
}

static void tree_prefix(struct stepper *S, int depth)
{
	int i;

	pad_to(S, 2);
	for (i = 1; i < depth; i++)
		put(S, "   ");
	if (depth)
		put(S, "└─ ");
}

static void where_task(struct stepper *S, const struct rec_task *t, int depth, int budget);

/* The await chain down from actor a, one row per link. */
static void where_chain(struct stepper *S, struct rec_actor a, int depth, int budget)
{
	struct sbuf *b = &S->tmp;

	while (budget-- > 0) {
		if (a.kind == ACT_GEN || a.kind == ACT_CORO) {
			const struct rec_gen *g = rec_state_gen(S->st, a.kind, a.id);
			tree_prefix(S, depth);
			style_fam(S, F_GEN, g && g->library);
			sb_clear(b);
			sb_printf(b, "%s()", str(S, a.name));
			put(S, sb_str(b));
			style(S, "");
			sb_clear(b);
			frame_place(S, b, g);
			put(S, "  ");
			put_fit(S, sb_str(b));
			nl(S);
			if (!g || g->awaits.kind == ACT_NONE || g->state == GEN_CLOSED)
				return;
			if ((g->awaits.kind == ACT_GEN || g->awaits.kind == ACT_CORO) &&
			    rec_state_done(S->st, &g->awaits))
				return;
			a = g->awaits;
			depth++;
			continue;
		}
		if (a.kind == ACT_TASK) {
			const struct rec_task *t = rec_state_task(S->st, a.id);
			if (t)
				where_task(S, t, depth, budget);
			return;
		}
		tree_prefix(S, depth);
		style_fam(S, F_FUT, 0);
		put(S, str(S, a.name));
		style(S, "");
		put(S, "  ");
		{
			const struct rec_future *f = rec_state_future(S->st, a.id);
			put(S, trace_state_name(EV_FUT_RESULT, ACT_FUTURE, f ? f->state : FUT_PENDING));
		}
		nl(S);
		return;
	}
}

static void where_task(struct stepper *S, const struct rec_task *t, int depth, int budget)
{
	const struct rec_handle *q;
	size_t nq = rec_state_ready(S->st, &q, NULL);
	struct sbuf now = {0};

	tree_prefix(S, depth);
	style_fam(S, F_TASK, 0);
	style(S, "1;32");
	put(S, str(S, t->who.name));
	style(S, "");
	task_now(S, &now, t, q, nq);
	put(S, "  ");
	put_fit(S, sb_str(&now));
	nl(S);
	free(now.s);
	if (t->state == FUT_PENDING && budget > 0)
		where_chain(S, t->coro, depth + 1, budget - 1);
}

/* The frames running outside any task (a generator driven by the top
 * level); inside a task step they show in the task's tree. */
static void where_running(struct stepper *S)
{
	const struct rec_actor *run;
	size_t n = rec_state_running(S->st, &run), i;

	if (!n || rec_state_current_task(S->st))
		return;
	/* TRANSLATORS: the frames running right now, the top level first */
	say(S, "%s", _("Running now (innermost last):"));
	tree_prefix(S, 0);
	put(S, "<module>");
	nl(S);
	for (i = 0; i < n; i++) {
		const struct rec_gen *g = rec_state_gen(S->st, run[i].kind, run[i].id);
		tree_prefix(S, (int)i + 1);
		style_fam(S, F_GEN, g && g->library);
		put(S, str(S, run[i].name));
		put(S, "()");
		style(S, "");
		if (i + 1 == n) {
			const struct rec_event *e = recorder_event(S->r, rec_state_pos(S->st));
			if (e && e->line) {
				char *s = xasprintf("  line %d", e->line);
				put(S, s);
				free(s);
			}
		}
		nl(S);
	}
}

static void cmd_where(struct stepper *S, int argc, char **argv)
{
	const struct rec_task *v, *cur;
	const struct rec_actor *run;
	size_t n, i, j, shown = 0, rest = 0;
	unsigned char *child;

	if (argc > 2) {
		usage_hint(S, argv[0], "[TASK | GENERATOR]");
		return;
	}
	if (argc == 2) {
		const struct rec_task *t = task_named(S, argv[1]);
		const struct rec_gen *g = t ? NULL : gen_named(S, argv[1]);
		if (t)
			where_task(S, t, 0, CHAIN_MAX);
		else if (g)
			where_chain(S, g->who, 0, CHAIN_MAX);
		else
			say(S, _("where: no task or generator is called \"%s\""), argv[1]);
		return;
	}
	where_running(S);
	n = rec_state_tasks(S->st, &v);
	cur = rec_state_current_task(S->st);
	/* Like `python -m asyncio pstree`: a task another task waits for
	 * shows under it, not as a tree of its own. */
	child = xcalloc(n ? n : 1, 1);
	for (i = 0; i < n; i++)
		if (v[i].state == FUT_PENDING && v[i].waits.kind == ACT_TASK)
			for (j = 0; j < n; j++)
				if (v[j].who.id == v[i].waits.id)
					child[j] = 1;
	/* The running task first, then the others in creation order. */
	if (cur && cur->state == FUT_PENDING) {
		where_task(S, cur, 0, CHAIN_MAX);
		shown++;
	}
	for (i = 0; i < n; i++) {
		if (v[i].state != FUT_PENDING || child[i] || &v[i] == cur)
			continue;
		if (shown >= WHERE_MAX) {
			rest++;
			continue;
		}
		where_task(S, &v[i], 0, CHAIN_MAX);
		shown++;
	}
	free(child);
	if (rest) {
		char c[32];
		fmt_count(c, sizeof c, rest);
		style(S, "2");
		/* TRANSLATORS: more pending tasks than `where` shows at once */
		say(S, _("  … and %s more pending tasks (where NAME shows one)"), c);
		plain(S);
	}
	if (!shown && !rec_state_running(S->st, &run)) {
		const struct rec_gen *g;
		size_t ng = rec_state_gens(S->st, &g), k, m;
		int any = 0;
		/* No task: the generators suspended part-way, each chain from
		 * the one no other suspended generator delegates to. */
		for (k = 0; k < ng; k++) {
			int inner = 0;
			if (g[k].state != GEN_SUSPENDED || g[k].library)
				continue;
			for (m = 0; m < ng && !inner; m++)
				inner = g[m].state == GEN_SUSPENDED && g[m].awaits.kind == g[k].who.kind &&
					g[m].awaits.id == g[k].who.id;
			if (inner)
				continue;
			where_chain(S, g[k].who, 0, CHAIN_MAX);
			any = 1;
		}
		if (!any)
			say(S, "%s", _("Nothing is running, no task is pending and no generator is suspended."));
	}
}

/* The frame `frame` shows by default: the event's own generator, or the
 * coroutine of its task, or the innermost one running, or the last one
 * that did something. */
static const struct rec_gen *default_frame(struct stepper *S)
{
	uint64_t pos = rec_state_pos(S->st), i;
	const struct rec_event *e = recorder_event(S->r, pos);
	const struct rec_actor *run;
	size_t n;

	if (e && (e->actor.kind == ACT_GEN || e->actor.kind == ACT_CORO))
		return rec_state_gen(S->st, e->actor.kind, e->actor.id);
	if (e && e->actor.kind == ACT_TASK) {
		const struct rec_task *t = rec_state_task(S->st, e->actor.id);
		if (t)
			return rec_state_gen(S->st, t->coro.kind, t->coro.id);
	}
	n = rec_state_running(S->st, &run);
	if (n)
		return rec_state_gen(S->st, run[n - 1].kind, run[n - 1].id);
	for (i = pos; i > 0; i--) {
		e = recorder_event(S->r, i);
		if (e->actor.kind == ACT_GEN || e->actor.kind == ACT_CORO)
			return rec_state_gen(S->st, e->actor.kind, e->actor.id);
	}
	return NULL;
}

static void label_row(struct stepper *S, const char *label, int lw, const char *value)
{
	pad_to(S, 2);
	style(S, "2");
	put(S, label);
	style(S, "");
	pad_to(S, 2 + lw + 2);
	wrapped(S, value, 2 + lw + 2);
	nl(S);
}

static void cmd_frame(struct stepper *S, int argc, char **argv)
{
	const struct rec_gen *g;
	const char *labels[7];
	int lw = 0, i;
	struct sbuf b = {0};
	char *s;

	if (argc > 2) {
		usage_hint(S, argv[0], "[GENERATOR | TASK]");
		return;
	}
	if (argc == 2) {
		const struct rec_task *t = task_named(S, argv[1]);
		g = t ? rec_state_gen(S->st, t->coro.kind, t->coro.id) : gen_named(S, argv[1]);
		if (!g) {
			say(S, _("frame: no generator, coroutine or task is called \"%s\""), argv[1]);
			return;
		}
	} else {
		g = default_frame(S);
		if (!g) {
			say(S, "%s", _("No generator or coroutine has been created yet."));
			return;
		}
	}
	/* TRANSLATORS: labels of `frame`, in one column */
	labels[0] = _("state");
	labels[1] = _("resumes at");
	labels[2] = _("locals");
	labels[3] = _("awaits");
	labels[4] = _("created at");
	labels[5] = _("outcome");
	labels[6] = _("now");
	for (i = 0; i < 7; i++)
		if (text_width(labels[i]) > lw)
			lw = text_width(labels[i]);
	style_fam(S, F_GEN, 0);
	style(S, "1;36");
	s = xasprintf("%s()", str(S, g->who.name));
	put(S, s);
	free(s);
	style(S, "2");
	s = xasprintf("  %s #%u%s", trace_actor_kind_name((enum actor_kind)g->who.kind), g->who.id,
		      g->library ? " (asyncio)" : "");
	put(S, s);
	free(s);
	nl(S);
	label_row(S, labels[0], lw,
		  trace_state_name(EV_GEN_CREATE, g->who.kind, g->state));
	if (g->state == GEN_SUSPENDED || g->state == GEN_CREATED) {
		sb_clear(&b);
		if (g->state == GEN_CREATED)
			/* TRANSLATORS: where a generator that never ran will start */
			sb_add(&b, _("the first line of its body (not started)"));
		else
			frame_place(S, &b, g);
		label_row(S, labels[1], lw, sb_str(&b));
	}
	if (g->state == GEN_RUNNING) {
		sb_clear(&b);
		frame_place(S, &b, g);
		label_row(S, labels[6], lw, sb_str(&b));
	}
	if (g->state == GEN_SUSPENDED)
		label_row(S, labels[2], lw, g->locals ? str(S, g->locals) : _("(none)"));
	if (g->awaits.kind != ACT_NONE && g->state != GEN_CLOSED) {
		sb_clear(&b);
		awaitable_r(S, &b, &g->awaits);
		if (rec_state_done(S->st, &g->awaits))
			sb_add(&b, _(" (done)"));
		label_row(S, labels[3], lw, sb_str(&b));
	}
	if (g->state == GEN_CLOSED) {
		sb_clear(&b);
		if (g->outcome_exc)
			sb_printf(&b, _("raised %s"), str(S, g->outcome_exc));
		else if (g->outcome)
			sb_printf(&b, _("returned %s"), str(S, g->outcome));
		else
			sb_add(&b, _("closed"));
		if (g->line)
			sb_printf(&b, _(" (line %d)"), g->line);
		label_row(S, labels[5], lw, sb_str(&b));
	}
	sb_clear(&b);
	sb_printf(&b, "#%llu", (unsigned long long)g->created);
	{
		const struct rec_event *e = recorder_event(S->r, g->created);
		if (e && e->line)
			sb_printf(&b, _(" (line %d)"), e->line);
	}
	label_row(S, labels[4], lw, sb_str(&b));
	free(b.s);
}

static void cmd_py(struct stepper *S, int argc, char **argv)
{
	const struct rec_event *e = recorder_event(S->r, rec_state_pos(S->st));
	int cur = e ? e->line : 0, i, nw;
	char num[16];

	if (argc > 1) {
		usage_hint(S, argv[0], "");
		return;
	}
	if (!S->nlines) {
		say(S, "%s", _("This trace has no Python program."));
		return;
	}
	snprintf(num, sizeof num, "%d", S->nlines);
	nw = (int)strlen(num);
	for (i = 1; i <= S->nlines; i++) {
		snprintf(num, sizeof num, "%*d", nw, i);
		if (i == cur) {
			style(S, "1;33");
			put(S, "→ ");
			put(S, num);
			put(S, " │ ");
			style(S, "1");
		} else {
			style(S, "2");
			put(S, "  ");
			put(S, num);
			put(S, " │ ");
			style(S, "");
		}
		put_fit(S, S->lines[i]);
		nl(S);
	}
}

static void cmd_out(struct stepper *S, int argc, char **argv)
{
	uint64_t pos = rec_state_pos(S->st), i;
	int any = 0;

	if (argc > 1) {
		usage_hint(S, argv[0], "");
		return;
	}
	for (i = 1; i <= pos && !interrupted; i++) {
		const struct rec_event *e = recorder_event(S->r, i);
		const char *t, *nlp;
		if (e->kind != EV_PRINT)
			continue;
		/* put_n drops control characters: a trace file cannot send
		 * escape sequences to the terminal. */
		for (t = str(S, e->text);; t = nlp + 1) {
			nlp = strchr(t, '\n');
			put_n(S, t, nlp ? (size_t)(nlp - t) : strlen(t));
			nl(S);
			if (!nlp)
				break;
		}
		any = 1;
	}
	if (!any)
		say(S, "%s", _("(no output yet)"));
}

static void cmd_help(struct stepper *S, int argc, char **argv);

static void cmd_quit(struct stepper *S, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	S->quit = 1;
}

struct command {
	const char *name, *alias;
	int stepping;     /* Enter repeats it */
	void (*fn)(struct stepper *S, int argc, char **argv);
	const char *args;
	const char *help; /* N_() */
};

static const struct command commands[] = {
	{"step", "s", 1, cmd_step, "[K]", N_("go forward one event (or K)")},
	{"back", "b", 1, cmd_back, "[K]", N_("go back one event (or K)")},
	{"next", "n", 1, cmd_next, "", N_("go to the start of the next loop iteration")},
	{"continue", "c", 1, cmd_continue, "", N_("go to the next breakpoint, or the end")},
	{"goto", "g", 0, cmd_goto, "SEQ", N_("go to event number SEQ (0 is the start)")},
	{"break", "br", 0, cmd_break, "[WHAT]",
	 N_("stop at an event kind (print, gen.yield, task), a task or generator (Task-2), a line (line 12) or a time (t=2); alone, list them")},
	{"delete", "d", 0, cmd_delete, "[N]", N_("delete breakpoint N, or all of them")},
	{"tasks", "t", 0, cmd_tasks, "[all|NAME]", N_("the tasks: state, what each waits for, where its coroutine stands")},
	{"ready", "r", 0, cmd_ready, "[all]", N_("the loop's ready queue, in the order it runs")},
	{"timers", "ti", 0, cmd_timers, "[all]", N_("the pending timers, in the order they fire")},
	{"where", "w", 0, cmd_where, "[NAME]", N_("the await chain of each task (like python -m asyncio pstree)")},
	{"frame", "f", 0, cmd_frame, "[NAME]", N_("a generator's or a task's frame: state, where it resumes, its locals")},
	{"py", "l", 0, cmd_py, "", N_("the Python program, the current line marked")},
	{"out", "o", 0, cmd_out, "", N_("what the program has printed so far")},
	{"help", "h", 0, cmd_help, "[COMMAND]", N_("this list")},
	{"quit", "q", 0, cmd_quit, "", N_("leave step mode (Ctrl-D too)")},
};

enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

/* The command named s: a name, an alias, or an unambiguous prefix.
 * *ambiguous is set when a prefix fits several. */
static const struct command *find_command(const char *s, int *ambiguous)
{
	const struct command *found = NULL;
	size_t i, n = strlen(s);

	*ambiguous = 0;
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(s, commands[i].name) || !strcmp(s, commands[i].alias) ||
		    (!strcmp(s, "?") && commands[i].fn == cmd_help) ||
		    (!strcmp(s, "exit") && commands[i].fn == cmd_quit))
			return &commands[i];
	for (i = 0; i < NCOMMANDS; i++)
		if (n && !strncmp(s, commands[i].name, n)) {
			if (found) {
				*ambiguous = 1;
				return NULL;
			}
			found = &commands[i];
		}
	return found;
}

static void cmd_help(struct stepper *S, int argc, char **argv)
{
	size_t i;
	int w = 0;

	if (argc == 2) {
		int amb;
		const struct command *c = find_command(argv[1], &amb);
		if (!c) {
			say(S, _("help: no command \"%s\""), argv[1]);
			return;
		}
		style(S, "1");
		say(S, "%s %s   (%s)", c->name, c->args, c->alias);
		plain(S);
		pad_to(S, 2);
		wrapped(S, _(c->help), 2);
		nl(S);
		return;
	}
	for (i = 0; i < NCOMMANDS; i++) {
		int x = (int)(strlen(commands[i].name) + 1 + strlen(commands[i].args) + 3 +
			      strlen(commands[i].alias));
		if (x > w)
			w = x;
	}
	/* TRANSLATORS: heading of help in step mode */
	say(S, "%s", _("Commands (short forms in brackets):"));
	for (i = 0; i < NCOMMANDS; i++) {
		char *s = xasprintf("%s %s (%s)", commands[i].name, commands[i].args, commands[i].alias);
		pad_to(S, 2);
		style(S, "1");
		put(S, s);
		style(S, "");
		free(s);
		pad_to(S, 2 + w + 2);
		wrapped(S, _(commands[i].help), 2 + w + 2);
		nl(S);
	}
	say(S, "%s", _("Enter repeats the last step, back, next or continue. TAB completes commands and names."));
}

/* --- reading commands --- */

/* Splits line (modified) into at most 8 words.  A word longer than
 * WORD_MAX bytes is cut (ending in "…"): no name or number is that long,
 * and a message that quotes it stays one short line. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;

	while (*p && argc < 8) {
		char *w;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		argv[argc++] = w = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
		if (strlen(w) > WORD_MAX) {
			size_t n = WORD_MAX - 3;
			while (n && ((unsigned char)w[n] & 0xc0) == 0x80)
				n--;
			memcpy(w + n, "…", sizeof "…");
		}
	}
	return argc;
}

static int terminal_width(void);

static void execute(struct stepper *S, const char *input)
{
	char *line = xstrdup(input), *argv[8];
	int argc = split(line, argv), amb;
	const struct command *c;

	S->width = terminal_width();

	if (argc == 0) {
		free(line);
		if (S->last) {
			line = xstrdup(S->last);
			argc = split(line, argv);
		} else {
			return;
		}
	}
	c = find_command(argv[0], &amb);
	if (!c) {
		if (amb)
			/* TRANSLATORS: a prefix that fits more than one command */
			say(S, _("\"%s\" could be more than one command: type more of it, or help"), argv[0]);
		else
			/* TRANSLATORS: an unknown command in step mode */
			say(S, _("unknown command \"%s\": type help for the list"), argv[0]);
		free(line);
		return;
	}
	if (c->stepping) {
		int i;
		free(S->last);
		S->last = xstrdup(c->name);
		for (i = 1; i < argc; i++) {
			char *s = xasprintf("%s %s", S->last, argv[i]);
			free(S->last);
			S->last = s;
		}
	}
	argv[0] = (char *)c->name;
	c->fn(S, argc, argv);
	/* A Ctrl-C during the command stopped it (or came too late to): it
	 * is spent, and must not abandon the next line. */
	interrupted = 0;
	free(line);
}

/* --- completion --- */

static void collect_names(struct stepper *S)
{
	uint64_t i;
	size_t cap = 0;

	for (i = 1; i <= S->n && S->nnames < NAMES_MAX; i++) {
		const struct rec_event *e = recorder_event(S->r, i);
		const char *name;
		size_t j;
		if (e->kind != EV_TASK_CREATE && !(e->kind == EV_GEN_CREATE && !(e->flags & TRACE_LIBRARY)))
			continue;
		name = str(S, e->actor.name);
		if (!*name)
			continue;
		for (j = 0; j < S->nnames && strcmp(S->names[j], name); j++)
			;
		if (j < S->nnames)
			continue;
		if (S->nnames == cap) {
			cap = cap ? 2 * cap : 32;
			S->names = xrealloc(S->names, cap * sizeof *S->names);
		}
		S->names[S->nnames++] = xstrdup(name);
	}
}

struct cands {
	const char **v;
	size_t n, cap;
};

static void cand(struct cands *c, const char *word, size_t len, const char *s)
{
	size_t i;

	if (strncmp(s, word, len))
		return;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], s))
			return;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	c->v[c->n++] = s;
}

static unsigned char complete_cb(EditLine *el, int ch)
{
	struct stepper *S = NULL;
	const LineInfo *li = el_line(el);
	const char *start = li->cursor, *p;
	size_t len, i, common;
	struct cands c = {NULL, 0, 0};
	char *word, *first = NULL;
	int at_first;
	unsigned char rc = CC_REFRESH;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &S);
	while (start > li->buffer && !isspace((unsigned char)start[-1]))
		start--;
	len = (size_t)(li->cursor - start);
	word = xasprintf("%.*s", (int)len, start);
	for (p = li->buffer; p < start && isspace((unsigned char)*p); p++)
		;
	at_first = p == start;
	if (!at_first) {
		const char *q = p;
		int amb;
		const struct command *cmd;
		while (q < start && !isspace((unsigned char)*q))
			q++;
		first = xasprintf("%.*s", (int)(q - p), p);
		cmd = find_command(first, &amb);
		if (cmd && cmd->fn == cmd_break) {
			int k;
			static const char *const fams[] = {"gen", "future", "task", "loop", "handle", "timer",
							   "callback", "line", "t="};
			for (i = 0; i < sizeof fams / sizeof *fams; i++)
				cand(&c, word, len, fams[i]);
			for (k = 0; k < EV_N_KINDS; k++)
				cand(&c, word, len, trace_kind_name((enum ev_kind)k));
		}
		if (cmd && cmd->fn == cmd_help)
			for (i = 0; i < NCOMMANDS; i++)
				cand(&c, word, len, commands[i].name);
		if (cmd && (cmd->fn == cmd_break || cmd->fn == cmd_where || cmd->fn == cmd_frame ||
			    cmd->fn == cmd_tasks))
			for (i = 0; i < S->nnames; i++)
				cand(&c, word, len, S->names[i]);
		if (cmd && (cmd->fn == cmd_tasks || cmd->fn == cmd_ready || cmd->fn == cmd_timers))
			cand(&c, word, len, "all");
	} else {
		for (i = 0; i < NCOMMANDS; i++)
			cand(&c, word, len, commands[i].name);
	}
	if (c.n == 0) {
		rc = CC_ERROR;
	} else if (c.n == 1) {
		char *ins = xasprintf("%s%s", c.v[0] + len, strcmp(c.v[0], "t=") ? " " : "");
		el_insertstr(el, ins);
		free(ins);
	} else {
		common = strlen(c.v[0]);
		for (i = 1; i < c.n; i++) {
			size_t j = 0;
			while (j < common && c.v[i][j] == c.v[0][j])
				j++;
			common = j;
		}
		if (common > len) {
			char *ins = xasprintf("%.*s", (int)(common - len), c.v[0] + len);
			el_insertstr(el, ins);
			free(ins);
		} else {
			/* Nothing more in common: list them under the line. */
			putchar('\n');
			S->col = 0;
			for (i = 0; i < c.n; i++) {
				if (i)
					put(S, "  ");
				put(S, c.v[i]);
			}
			nl(S);
			fflush(stdout);
			rc = CC_REDISPLAY;
		}
	}
	free(c.v);
	free(word);
	free(first);
	return rc;
}

/* Ctrl-C while editing: drop the line and prompt again.  (The terminal
 * sends it as a character: the signal is kept for long moves.) */
static unsigned char interrupt_cb(EditLine *el, int ch)
{
	(void)el;
	(void)ch;
	interrupted = 1;
	fputs("^C", stdout);
	return CC_NEWLINE;
}

/* libedit's own reader retries a read() that a signal interrupts, so a
 * Ctrl-C that arrives as SIGINT (the terminal is not in editing mode when
 * libedit reads typed-ahead input) would be lost: this one gives up. */
static int getc_cb(EditLine *el, wchar_t *wc)
{
	char buf[8];
	size_t n = 0;

	(void)el;
	for (;;) {
		mbstate_t ps;
		size_t k;
		ssize_t r;
		if (interrupted) {
			errno = EINTR;
			return -1;
		}
		r = read(STDIN_FILENO, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		n++;
		memset(&ps, 0, sizeof ps);
		k = mbrtowc(wc, buf, n, &ps);
		if (k == (size_t)-2 && n < sizeof buf)
			continue;
		if (k == (size_t)-1 || k == (size_t)-2)
			*wc = (unsigned char)buf[0];
		return 1;
	}
}

static char *prompt_cb(EditLine *el)
{
	static char buf[96];
	struct stepper *S = NULL;

	el_get(el, EL_CLIENTDATA, &S);
	snprintf(buf, sizeof buf, "coro-learn #%llu/%llu> ", (unsigned long long)rec_state_pos(S->st),
		 (unsigned long long)S->n);
	return buf;
}

static int terminal_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col > 160 ? 160 : ws.ws_col;
	return 80;
}

static void banner(struct stepper *S)
{
	char n[32];
	char *s;

	fmt_count(n, sizeof n, S->n);
	style(S, "1");
	if (S->m->lesson)
		s = xasprintf(_("Lesson %d · %s"), S->m->lesson, S->m->title ? S->m->title : "");
	else
		s = xstrdup("coro-learn");
	put_fit(S, s);
	free(s);
	nl(S);
	style(S, "2");
	/* TRANSLATORS: %s events; help, step and Enter are what to type */
	say(S, _("Step mode: %s events recorded. Type help for the commands, step (or s) to go forward; Enter repeats the last step."),
	    n);
	plain(S);
}

static void split_python(struct stepper *S)
{
	char *p;
	int n = 0, i;

	if (!S->m->python || !*S->m->python)
		return;
	S->pycopy = xstrdup(S->m->python);
	for (p = S->pycopy; *p; p++)
		n += *p == '\n';
	n++;
	S->lines = xcalloc((size_t)n + 2, sizeof *S->lines);
	p = S->pycopy;
	for (i = 1; i <= n && *p; i++) {
		char *e = strchr(p, '\n');
		S->lines[i] = p;
		S->nlines = i;
		if (!e)
			break;
		*e = '\0';
		p = e + 1;
	}
}

static void run_plain(struct stepper *S)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	char n[32];
	char *s;

	/* One line to say what is being stepped through (a log of a scripted
	 * session starts with it); no prompt follows. */
	fmt_count(n, sizeof n, S->n);
	if (S->m->lesson)
		/* TRANSLATORS: "Lesson 3 · Producer and consumer: step mode, 38 events" */
		s = xasprintf(_("Lesson %d · %s: step mode, %s events"), S->m->lesson,
			      S->m->title ? S->m->title : "", n);
	else
		s = xasprintf(_("Step mode, %s events"), n);
	style(S, "1");
	put_fit(S, s);
	nl(S);
	free(s);

	while (!S->quit && (len = getline(&line, &cap, stdin)) >= 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		execute(S, line);
		if (ferror(stdout))
			break;
	}
	free(line);
}

static void run_edit(struct stepper *S)
{
	HistEvent hev;
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);

	S->hist = history_init();
	history(S->hist, &hev, H_SETSIZE, 500);
	history(S->hist, &hev, H_SETUNIQUE, 1);
	S->el = el_init("coro-learn", stdin, stdout, stderr);
	el_set(S->el, EL_CLIENTDATA, S);
	el_set(S->el, EL_EDITOR, "emacs");
	el_set(S->el, EL_PROMPT, prompt_cb);
	el_set(S->el, EL_GETCFN, getc_cb);
	el_set(S->el, EL_HIST, history, S->hist);
	/* el_wset: the narrow el_set copies a function's name and help and
	 * never frees the copies. */
	el_wset(S->el, EL_ADDFN, L"coro-complete", L"complete a command or name", complete_cb);
	el_set(S->el, EL_BIND, "^I", "coro-complete", NULL);
	el_wset(S->el, EL_ADDFN, L"coro-interrupt", L"abandon the line", interrupt_cb);
	el_set(S->el, EL_BIND, "^C", "coro-interrupt", NULL);
	/* While a line is edited Ctrl-C is a key (bound above); while a
	 * command runs it is SIGINT, which stops a long move. */
	el_set(S->el, EL_SETTY, "-d", "-isig", NULL);
	el_source(S->el, NULL);

	banner(S);
	while (!S->quit) {
		int count = 0;
		const char *line;
		fflush(stdout);
		line = el_gets(S->el, &count);
		/* Ctrl-C ends the line (an empty one comes back as NULL, like
		 * end of input: the flag tells them apart). */
		if (interrupted || (!line && count < 0 && errno == EINTR)) {
			interrupted = 0;
			putchar('\n');
			continue;
		}
		if (!line) {
			putchar('\n');
			break;
		}
		{
			char *l = xstrdup(line), *e = l + strlen(l);
			while (e > l && (e[-1] == '\n' || e[-1] == '\r'))
				*--e = '\0';
			if (*l)
				history(S->hist, &hev, H_ENTER, l);
			execute(S, l);
			free(l);
		}
		if (ferror(stdout))
			break;
	}
	el_end(S->el);
	history_end(S->hist);
	sigaction(SIGINT, &old, NULL);
}

int stepper_run(struct recorder *r, const struct trace_meta *m, const struct stepper_opts *o)
{
	struct stepper S;
	char num[32];
	size_t i;
	int err = 0;

	memset(&S, 0, sizeof S);
	S.r = r;
	S.m = m;
	S.n = recorder_count(r);
	S.st = rec_state_new(r);
	S.color = o->color;
	S.tty = isatty(STDIN_FILENO);
	S.width = terminal_width();
	snprintf(num, sizeof num, "#%llu", (unsigned long long)S.n);
	S.gw = (int)strlen(num) > 6 ? (int)strlen(num) : 6;
	split_python(&S);
	if (S.tty) {
		collect_names(&S);
		run_edit(&S);
	} else {
		run_plain(&S);
	}
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		err = errno ? errno : EIO;
	rec_state_free(S.st);
	for (i = 0; i < S.nbps; i++)
		free(S.bps[i].spec);
	free(S.bps);
	for (i = 0; i < S.nnames; i++)
		free(S.names[i]);
	free(S.names);
	free(S.last);
	free(S.pycopy);
	free(S.lines);
	free(S.what.s);
	free(S.state.s);
	free(S.tmp.s);
	if (err)
		errno = err;
	return err != 0;
}
