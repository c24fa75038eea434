/* render_text.c -- the text renderer: trace events in, a timeline out.
 *
 * Each event becomes rows the moment it arrives: the values it carries are
 * borrowed and gone after the emit call.  So nothing of the run is kept but
 * counters, the first few tasks and generators (for the summary), the last
 * lines of output once the timeline is folded and, with --verbose, the
 * loop's ready queue and timers, rebuilt from the handle events.
 *
 * The layout, at the terminal's width (80 when not a terminal, at most 100):
 *
 *       11 │         n = yield r                      a Python line it reaches
 *            consumer     → yield '200 OK'    GEN_RUNNING → GEN_SUSPENDED
 *      out ┃ [CONSUMER] Consuming 1...                its own output
 *     ── iteration 2 · t=1 s ─────────────────        each turn of the loop
 *
 * A row is built in rt->row with its display width counted as it grows
 * (UTF-8 decoded, wcwidth(), double width for CJK even in the C locale), so
 * the columns line up in Chinese as in English; colour codes add bytes only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* wcwidth() */
#endif
#include <config.h>

#include <errno.h>
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
#include "../../lessons/lesson.h"
#include "render_text.h"

/* A space where a line must not break: "→ StopIteration(3)" stays whole. */
#define NBSP "\u00a0"

enum {
	GUTTER = 8,          /* "   12 │ ", "  out ┃ ": events start here */
	WHO_W = 12,          /* the "who" column */
	WHO_MAX = 20,        /* a longer name is cut */
	WHAT_COL = GUTTER + WHO_W + 1,
	STATE_W = 30,        /* the widest state change, and a space */
	REPR_W = 48,         /* a value's repr is cut to this many columns */
	SAY_MAX_W = 78,      /* narration reads best in short lines */
	ROWS_CONDENSED = 200,/* timeline rows before a condensed run folds */
	ROWS_MAX = 10000,    /* ... and any other run */
	SAYS_FOLDED = 50,    /* narration still shown once folded ... */
	WINDOW = 12,         /* ... each with this many rows of what follows it */
	WARNS_FOLDED = 20,
	TAIL = 5,            /* lines of output shown at the end of a fold */
	LISTED = 8           /* tasks, generators named in the summary */
};

/* One colour per family of events. */
enum family { F_GEN, F_TASK, F_FUT, F_LOOP, F_PRINT, F_SAY, F_WARN, F_NOTE, F_ERR, F_ORDER, F_N };

static const char *const family_sgr[F_N] = {
	[F_GEN] = "36",     /* cyan: generators and coroutines */
	[F_TASK] = "32",    /* green: tasks */
	[F_FUT] = "35",     /* magenta: futures and done callbacks */
	[F_LOOP] = "34",    /* blue: the loop, handles, timers */
	[F_PRINT] = "1",    /* bold: the program's output */
	[F_SAY] = "33",     /* yellow: narration (italic is reverse video in some terminals) */
	[F_WARN] = "91",    /* bright red: warnings (Python's stderr) */
	[F_NOTE] = "",
	[F_ERR] = "31",     /* red: exceptions */
	[F_ORDER] = "1;33"  /* bold yellow: set order, Python's may differ */
};

struct sbuf {
	char *s;
	size_t len, cap;
};

/* A task, future or generator the summary names. */
struct tracked {
	enum actor_kind kind;
	unsigned id;
	char *name;
	int state;     /* gen_state or fut_state; -1 unknown */
	char *outcome; /* "result: 3", "ValueError: x" ...; NULL if none */
};

struct group {
	struct tracked v[LISTED];
	unsigned n;                  /* entries of v in use */
	uint64_t count;              /* all created */
	uint64_t done, failed, cancelled;
};

enum { G_TASK, G_GEN, G_CORO, G_N };

/* Narration and timeline are kept apart by a blank line. */
enum part { PART_NONE, PART_PROSE, PART_TIMELINE };

/* A handle in the ready queue or a timer, for --verbose. */
struct pend {
	unsigned id;
	double when;
	char *what;
};

struct pendq {
	struct pend *v;
	size_t head, len, cap;
};

struct render_text {
	FILE *out;
	struct render_text_opts o;
	int width;
	int err;                 /* errno of the first failed write */
	int header_done, finished;
	enum part part;          /* what the last rows were */
	int last_line;           /* the Python line the last source row showed */
	uint64_t shown_iter;     /* the iteration of the last rule */
	int set_order_noted;
	int realtime;
	int t0_set;
	double t0;               /* real time is shown from this reading on */

	struct sbuf row;         /* the row being built */
	int col;                 /* its display width so far */
	char want[16], have[16]; /* the SGR style asked for, and the one in effect */
	int cur_fam, cur_dim, cur_bold; /* the last style() */
	int label_w;             /* the summary's label column */
	struct sbuf what, state, tmp;

	uint64_t nevents, rows, hidden;
	uint64_t nprint_lines, nwarn;
	int loop_seen;
	double tmax;
	uint64_t itmax;

	int folded;
	int window;              /* rows still shown after narration in a fold */
	uint64_t folded_events, folded_prints, says_folded, warns_folded;
	char *tail[TAIL];
	uint64_t ntail;

	struct group groups[G_N];

	int track;               /* --verbose: follow the ready queue and timers */
	struct pendq ready, timers;
};

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

static void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
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

/* One UTF-8 sequence at s (n > 0 bytes left): its length, the code point in
 * *cp.  A malformed byte counts as one U+FFFD. */
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
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

/* East Asian wide and fullwidth ranges (Unicode UAX #11), for when
 * wcwidth() cannot tell: outside a UTF-8 locale it knows no Chinese. */
static int is_wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	       (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	       (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	       (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	       (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	       (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	       (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd);
}

/* Columns c takes at column col.  Control characters are dropped (0). */
static int char_width(uint32_t c, int col)
{
	int w;

	if (c == '\t')
		return 8 - col % 8;
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return 0;
	if (c < 0x7f)
		return 1;
	w = wcwidth((wchar_t)c);
	if (w >= 0 && !(w == 1 && is_wide(c)))
		return w;
	if (is_wide(c))
		return 2;
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || c == 0xfe0f)
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
		w += char_width(c, w);
	}
	return w;
}

/* Chinese line breaking: no closing mark starts a line, no opening mark
 * ends one. */
static int no_break_before(uint32_t c)
{
	static const uint32_t closing[] = {0xff0c, 0x3002, 0x3001, 0xff1b, 0xff1a, 0xff01, 0xff1f,
					   0xff09, 0x300d, 0x300f, 0x300b, 0x3009, 0x3011, 0x2026,
					   ',', '.', ';', ':', '!', '?', ')', ']'};
	size_t i;

	for (i = 0; i < sizeof closing / sizeof closing[0]; i++)
		if (c == closing[i])
			return 1;
	return 0;
}

static int no_break_after(uint32_t c)
{
	return c == 0xff08 || c == 0x300c || c == 0x300e || c == 0x300a || c == 0x3008 ||
	       c == 0x3010 || c == '(' || c == '[';
}

/* How many bytes of s[0..n) fit between column col and column lim.  soft:
 * cut after a word or between two CJK characters when there is a place to,
 * never inside `code`; otherwise cut anywhere.  A newline always ends the piece.  *skip is what
 * to drop after the cut (the spaces or the newline there).  At least one
 * character is taken, so a caller always progresses. */
static size_t fit(const char *s, size_t n, int col, int lim, int soft, size_t *skip)
{
	size_t i = 0, brk = 0;
	uint32_t prev = 0;
	int code = 0;

	*skip = 0;
	while (i < n) {
		uint32_t c;
		size_t k = utf8_next(s + i, n - i, &c);
		int w;

		if (c == '\n') {
			*skip = 1;
			return i;
		}
		if (c == '`')
			code = !code;
		if (soft && i > 0 && !code) {
			if (c == ' ' && prev != ' ')
				brk = i;
			else if (c != ' ' && prev != ' ' && (is_wide(c) || is_wide(prev)) &&
				 !no_break_before(c) && !no_break_after(prev))
				brk = i;
		}
		w = char_width(c, col);
		if (col + w > lim && i > 0) {
			size_t cut = soft && brk ? brk : i;
			while (soft && cut + *skip < n && s[cut + *skip] == ' ')
				++*skip;
			if (soft && cut + *skip < n && s[cut + *skip] == '\n')
				++*skip;
			return cut;
		}
		col += w;
		i += k;
		prev = c;
	}
	return n;
}

/* s cut to at most w columns, with "…" where it was cut.  Caller frees. */
static char *cut_dup(const char *s, int w)
{
	size_t n, skip;

	if (text_width(s) <= w)
		return xstrdup(s);
	n = fit(s, strlen(s), 0, w - 1, 0, &skip);
	return xasprintf("%.*s…", (int)n, s);
}

/* --- output --- */

static void out_write(struct render_text *rt, const char *s, size_t n)
{
	if (rt->err || !n)
		return;
	errno = 0;
	if (fwrite(s, 1, n, rt->out) != n)
		rt->err = errno ? errno : EIO;
}

/* Set the colour of what follows: a family (or -1 for none), dimmed for
 * asyncio's own steps and source text, bold for emphasis.  The escape
 * sequence is written only before the next visible character, so padding
 * and unchanged styles cost nothing. */
static void style(struct render_text *rt, int fam, int dim, int bold)
{
	rt->cur_fam = fam;
	rt->cur_dim = dim;
	rt->cur_bold = bold;
	snprintf(rt->want, sizeof rt->want, "0%s%s%s%s", dim ? ";2" : "", bold ? ";1" : "",
		 fam >= 0 && *family_sgr[fam] ? ";" : "", fam >= 0 ? family_sgr[fam] : "");
}

static void apply_style(struct render_text *rt)
{
	if (!rt->o.color || !strcmp(rt->want, rt->have))
		return;
	sb_printf(&rt->row, "\033[%sm", rt->want);
	strcpy(rt->have, rt->want);
}

static void plain(struct render_text *rt)
{
	if (rt->o.color && strcmp(rt->have, "0"))
		sb_add(&rt->row, "\033[0m");
	strcpy(rt->have, "0");
	strcpy(rt->want, "0");
}

/* Append s[0..n) to the row: control characters dropped, tabs expanded. */
static void put_n(struct render_text *rt, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t c;
		size_t k = utf8_next(s + i, n - i, &c);
		int w = char_width(c, rt->col);

		if (c != ' ' && c != '\t')
			apply_style(rt);
		if (c == '\t')
			sb_add_n(&rt->row, "        ", (size_t)w);
		else if (c == 0xfffd && k == 1)
			sb_add(&rt->row, "\xef\xbf\xbd");
		else if (w > 0 || c >= 0xa0)
			sb_add_n(&rt->row, s + i, k);
		rt->col += w;
		i += k;
	}
}

static void put(struct render_text *rt, const char *s)
{
	put_n(rt, s, strlen(s));
}

/* s, cut with "…" to end by column lim. */
static void put_fit(struct render_text *rt, const char *s, int lim)
{
	char *c;

	if (rt->col + text_width(s) <= lim) {
		put(rt, s);
		return;
	}
	c = cut_dup(s, lim - rt->col);
	put(rt, c);
	free(c);
}

static void pad_to(struct render_text *rt, int col)
{
	while (rt->col < col) {
		sb_add(&rt->row, " ");
		rt->col++;
	}
}

static void end_row(struct render_text *rt)
{
	while (rt->row.len && rt->row.s[rt->row.len - 1] == ' ')
		rt->row.s[--rt->row.len] = '\0';
	plain(rt);
	sb_add(&rt->row, "\n");
	out_write(rt, rt->row.s, rt->row.len);
	sb_clear(&rt->row);
	rt->col = 0;
}

static void blank_row(struct render_text *rt)
{
	end_row(rt);
}

/* A label right-aligned to end at column GUTTER - 3, then its bar: dim for
 * the Python lines, bold for output so that it stands out. */
static void gutter(struct render_text *rt, const char *label, const char *bar, int fam, int bold)
{
	int w = text_width(label);

	style(rt, fam, 1, 0);
	pad_to(rt, GUTTER - 3 - w);
	put(rt, label);
	put(rt, " ");
	style(rt, fam, !bold, bold);
	put(rt, bar);
	put(rt, " ");
}

/* A horizontal rule with a title: "── title ─────". */
static void rule(struct render_text *rt, const char *title, int fam)
{
	style(rt, fam, 0, 0);
	put(rt, "  ── ");
	put_fit(rt, title, rt->width - 4);
	put(rt, " ");
	while (rt->col < rt->width)
		put(rt, "─");
	end_row(rt);
}

/* Leave a blank line between narration and timeline. */
static void enter(struct render_text *rt, enum part part)
{
	if (rt->part != PART_NONE && rt->part != part)
		blank_row(rt);
	rt->part = part;
}

/* --- words for values, actors and states --- */

/* 3 -> "3", 1.5 -> "1.5", 0.001 -> "0.001": virtual seconds as a learner
 * would write them. */
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

static double shown_time(const struct render_text *rt, double t)
{
	return rt->realtime && rt->t0_set ? t - rt->t0 : t;
}

/* 1234567 -> "1,234,567". */
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

static const char *actor_name(const struct trace_actor *a, char *buf, size_t n)
{
	if (a->name && *a->name)
		return a->name;
	switch (a->kind) {
	case ACT_MAIN:
		return "<module>";
	case ACT_LOOP:
		return "loop";
	case ACT_NONE:
		return "";
	default:
		snprintf(buf, n, "%s-%u", trace_actor_kind_name(a->kind), a->id);
		return buf;
	}
}

/* An awaited object as the program names it: "sleep()" for a coroutine,
 * "Task-2" for a task or future. */
static void awaitable_name(struct sbuf *b, const struct trace_actor *a)
{
	char buf[48];

	sb_add(b, actor_name(a, buf, sizeof buf));
	if (a->kind == ACT_GEN || a->kind == ACT_CORO)
		sb_add(b, "()");
}

/* repr(v), but a future or task inside it is named as the timeline names
 * it: "({Task-1, Task-2}, set())" where Python's repr would fill the screen.
 * Stops once b holds more than `room` bytes: the caller cuts it anyway. */
static void compact_repr(struct sbuf *b, struct value v, size_t room)
{
	char buf[48];
	struct future *f = value_future(v);
	size_t i, n;
	const char *open, *close;

	if (f) {
		struct trace_actor a = future_actor(f);
		sb_add(b, actor_name(&a, buf, sizeof buf));
		return;
	}
	switch (v.kind) {
	case VAL_TUPLE:
		open = "(", close = ")";
		break;
	case VAL_LIST:
		open = "[", close = "]";
		break;
	case VAL_SET:
		open = "{", close = "}";
		break;
	default: {
		char *r = value_repr(v);
		sb_add(b, r);
		free(r);
		return;
	}
	}
	n = value_len(v);
	if (v.kind == VAL_SET && !n) {
		sb_add(b, "set()");
		return;
	}
	sb_add(b, open);
	for (i = 0; i < n; i++) {
		if (b->len > room) {
			sb_add(b, "...");
			break;
		}
		if (i)
			sb_add(b, ", ");
		compact_repr(b, value_item(v, i), room);
	}
	if (v.kind == VAL_TUPLE && n == 1)
		sb_add(b, ",");
	sb_add(b, close);
}

/* What the timeline shows for a value, cut to n columns: the compact repr,
 * or "Type: message" for an exception. */
static char *value_text(struct value v, int n)
{
	struct exc *e = value_exc(v);
	struct sbuf b = {0};
	char *c;

	if (e) {
		char *s = exc_format(e);
		c = cut_dup(s, n);
		free(s);
		return c;
	}
	compact_repr(&b, v, 4 * (size_t)n);
	c = cut_dup(sb_str(&b), n);
	free(b.s);
	return c;
}

static void add_value(struct sbuf *b, struct value v, int n)
{
	char *s = value_text(v, n);

	sb_add(b, s);
	free(s);
}

/* Python's names for the states: inspect.getgeneratorstate(),
 * inspect.getcoroutinestate() and Future._state. */
static const char *state_name(int s, enum actor_kind who, int futurelike)
{
	static const char *const gen[] = {
		[GEN_CREATED] = "GEN_CREATED", [GEN_RUNNING] = "GEN_RUNNING",
		[GEN_SUSPENDED] = "GEN_SUSPENDED", [GEN_CLOSED] = "GEN_CLOSED"};
	static const char *const coro[] = {
		[GEN_CREATED] = "CORO_CREATED", [GEN_RUNNING] = "CORO_RUNNING",
		[GEN_SUSPENDED] = "CORO_SUSPENDED", [GEN_CLOSED] = "CORO_CLOSED"};
	static const char *const fut[] = {
		[FUT_PENDING] = "PENDING", [FUT_CANCELLED] = "CANCELLED", [FUT_FINISHED] = "FINISHED"};

	if (futurelike)
		return s >= 0 && (size_t)s < sizeof fut / sizeof fut[0] ? fut[s] : "?";
	if (s < 0 || (size_t)s >= sizeof gen / sizeof gen[0])
		return "?";
	return who == ACT_CORO ? coro[s] : gen[s];
}

static int is_gen_event(enum ev_kind k)
{
	return k >= EV_GEN_CREATE && k <= EV_GEN_AWAIT;
}

static int futurelike_event(const struct trace_event *ev)
{
	if (is_gen_event(ev->kind))
		return 0;
	if (ev->kind >= EV_FUT_CREATE && ev->kind <= EV_TASK_WAKEUP)
		return 1;
	return ev->actor.kind == ACT_FUTURE || ev->actor.kind == ACT_TASK;
}

/* Task.__step and the task's wakeup are methods of the task:
 * "Task-1.__step()"; other done callbacks are functions called with the
 * future: "_run_until_complete_cb(Task-1)". */
static int is_method(const struct trace_actor *o, const char *name)
{
	return (o->kind == ACT_TASK || o->kind == ACT_FUTURE) &&
	       (!strncmp(name, "__", 2) || !strcmp(name, "task_wakeup"));
}

/* What a ready handle will call, the way asyncio's repr names it:
 * "Task-1.__step()", "Task-2.task_wakeup(Future-3)", "callback(Task-1)". */
static void handle_desc(struct sbuf *b, const struct trace_event *ev)
{
	char buf[48];
	const struct trace_actor *o = &ev->other;
	const char *what = ev->text ? ev->text : "";
	int method = is_method(o, what), target_arg = 0;
	struct future *f = value_future(ev->value);

	if (method) {
		sb_add(b, actor_name(o, buf, sizeof buf));
		sb_add(b, ".");
	} else if (!*what) {
		what = actor_name(o, buf, sizeof buf);
	} else {
		target_arg = o->kind == ACT_TASK || o->kind == ACT_FUTURE;
	}
	sb_add(b, what);
	sb_add(b, "(");
	if (f) {
		struct trace_actor a = future_actor(f);
		sb_add(b, actor_name(&a, buf, sizeof buf));
	} else if (!value_is_none(ev->value))
		add_value(b, ev->value, REPR_W / 2);
	else if (target_arg)
		sb_add(b, actor_name(o, buf, sizeof buf));
	sb_add(b, ")");
}

/* The "what" and "state" columns of an event, and its family. */
static enum family describe(struct render_text *rt, const struct trace_event *ev)
{
	struct sbuf *w = &rt->what;
	enum actor_kind ak = ev->actor.kind;
	int is_gen = ak == ACT_GEN;
	char t1[32], t2[32];
	enum family fam = F_NOTE;

	sb_clear(w);
	sb_clear(&rt->state);
	if (ev->state_to >= 0) {
		int fl = futurelike_event(ev);
		if (ev->state_from >= 0 && ev->state_from != ev->state_to)
			sb_printf(&rt->state, "%s → ", state_name(ev->state_from, ak, fl));
		sb_add(&rt->state, state_name(ev->state_to, ak, fl));
	}

	switch (ev->kind) {
	case EV_NOTE:
		sb_add(w, ev->text ? ev->text : "");
		break;
	case EV_GEN_CREATE:
		fam = F_GEN;
		/* TRANSLATORS: a generator or coroutine object was made; its body has not run */
		sb_add(w, _("created, not started"));
		break;
	case EV_GEN_RESUME:
		fam = F_GEN;
		if (ev->text && (!strcmp(ev->text, "send") || !strcmp(ev->text, "throw"))) {
			/* As the program wrote the call: throw(ValueError('x')). */
			char *r = value_repr(ev->value), *c = cut_dup(r, REPR_W);
			sb_printf(w, "←" NBSP "%s(%s)", ev->text, c);
			free(r);
			free(c);
		} else {
			sb_printf(w, "←" NBSP "%s()", ev->text ? ev->text : "next");
		}
		break;
	case EV_GEN_YIELD:
		fam = F_GEN;
		sb_add(w, "→" NBSP "yield ");
		add_value(w, ev->value, REPR_W);
		break;
	case EV_GEN_RETURN:
		fam = F_GEN;
		sb_add(w, "→" NBSP "return ");
		add_value(w, ev->value, REPR_W);
		/* G4: return x ends a generator as StopIteration(x). */
		if (is_gen) {
			sb_add(w, " →" NBSP "StopIteration(");
			if (!value_is_none(ev->value))
				add_value(w, ev->value, REPR_W);
			sb_add(w, ")");
		}
		break;
	case EV_GEN_RAISE:
		/* G6: close() throws GeneratorExit in; leaving by it is how a
		 * generator closes, not an error. */
		if (value_exc(ev->value) && value_exc(ev->value)->type == EXC_GENERATOR_EXIT) {
			fam = F_GEN;
			sb_add(w, "→" NBSP);
			/* TRANSLATORS: the generator ended by GeneratorExit, as close() wants */
			sb_add(w, _("closed by GeneratorExit"));
			break;
		}
		fam = F_ERR;
		sb_clear(&rt->tmp);
		add_value(&rt->tmp, ev->value, 4 * REPR_W);
		sb_add(w, "✗" NBSP);
		/* TRANSLATORS: an exception leaves the generator: "raises ValueError: x" */
		sb_printf(w, _("raises %s"), sb_str(&rt->tmp));
		break;
	case EV_GEN_ERROR:
		fam = F_ERR;
		sb_clear(&rt->tmp);
		add_value(&rt->tmp, ev->value, 4 * REPR_W);
		sb_add(w, "✗" NBSP);
		/* TRANSLATORS: the call itself failed and the body did not run:
		   "send() fails: TypeError: can't send non-None value ..." */
		sb_printf(w, _("%s() fails: %s"), ev->text ? ev->text : "next", sb_str(&rt->tmp));
		break;
	case EV_GEN_AWAIT:
		fam = F_GEN;
		sb_add(w, is_gen ? "yield from " : "await ");
		awaitable_name(w, &ev->other);
		break;
	case EV_FUT_CREATE:
		fam = F_FUT;
		sb_add(w, _("created"));
		break;
	case EV_FUT_RESULT:
		fam = ak == ACT_TASK ? F_TASK : F_FUT;
		sb_clear(&rt->tmp);
		add_value(&rt->tmp, ev->value, REPR_W);
		/* TRANSLATORS: a future's or task's result is set */
		sb_printf(w, _("result: %s"), sb_str(&rt->tmp));
		break;
	case EV_FUT_EXCEPTION:
		fam = F_ERR;
		sb_clear(&rt->tmp);
		add_value(&rt->tmp, ev->value, 4 * REPR_W);
		sb_printf(w, _("exception: %s"), sb_str(&rt->tmp));
		break;
	case EV_FUT_CANCEL:
		fam = ak == ACT_TASK ? F_TASK : F_FUT;
		sb_add(w, _("cancelled"));
		if (ev->text || !value_is_none(ev->value)) {
			sb_add(w, ": ");
			if (ev->text)
				sb_add(w, ev->text);
			else
				add_value(w, ev->value, REPR_W);
		}
		break;
	case EV_FUT_CANCEL_REQUEST:
		fam = ak == ACT_TASK ? F_TASK : F_FUT;
		sb_clear(&rt->tmp);
		sb_add(&rt->tmp, "cancel(");
		if (!value_is_none(ev->value))
			add_value(&rt->tmp, ev->value, REPR_W);
		sb_add(&rt->tmp, ")");
		/* TRANSLATORS: %s is "cancel()"; the task stops at its next step */
		sb_printf(w, _("%s requested"), sb_str(&rt->tmp));
		break;
	case EV_CB_ADD:
	case EV_CB_REMOVE: {
		char buf[48];
		const struct trace_actor *o = &ev->other;
		const char *name = ev->text ? ev->text : "";
		fam = F_FUT;
		sb_add(w, ev->kind == EV_CB_ADD ? "add_done_callback(" : "remove_done_callback(");
		if (is_method(o, name))
			sb_printf(w, "%s.", actor_name(o, buf, sizeof buf));
		sb_printf(w, "%s)", name);
		if (ev->kind == EV_CB_REMOVE) {
			sb_add(w, " → ");
			add_value(w, ev->value, REPR_W);
		}
		break;
	}
	case EV_TASK_CREATE:
		fam = F_TASK;
		sb_clear(&rt->tmp);
		awaitable_name(&rt->tmp, &ev->other);
		/* TRANSLATORS: %s is the coroutine the task drives, "main()" */
		sb_printf(w, _("new, wraps %s"), sb_str(&rt->tmp));
		break;
	case EV_TASK_STEP:
		fam = F_TASK;
		if (value_is_none(ev->value)) {
			/* TRANSLATORS: Task.__step begins: the task runs its coroutine */
			sb_add(w, _("step begins"));
		} else {
			sb_clear(&rt->tmp);
			add_value(&rt->tmp, ev->value, REPR_W);
			/* TRANSLATORS: %s is an exception thrown into the coroutine */
			sb_printf(w, _("step begins, throws in %s"), sb_str(&rt->tmp));
		}
		break;
	case EV_TASK_STEP_END:
		fam = F_TASK;
		sb_add(w, _("step ends"));
		/* The state is unchanged: a result row above shows a finish. */
		sb_clear(&rt->state);
		break;
	case EV_TASK_WAIT:
		fam = F_TASK;
		sb_clear(&rt->tmp);
		awaitable_name(&rt->tmp, &ev->other);
		/* TRANSLATORS: the task is suspended until %s (a future) is done */
		sb_printf(w, _("waits for %s"), sb_str(&rt->tmp));
		break;
	case EV_TASK_WAKEUP:
		fam = F_TASK;
		sb_clear(&rt->tmp);
		awaitable_name(&rt->tmp, &ev->other);
		sb_printf(w, _("wakes up: %s is done"), sb_str(&rt->tmp));
		break;
	case EV_LOOP_START:
		fam = F_LOOP;
		sb_add(w, _("run_forever(): the loop starts"));
		break;
	case EV_LOOP_CLOCK:
		fam = F_LOOP;
		fmt_time(t1, sizeof t1, shown_time(rt, ev->when));
		fmt_time(t2, sizeof t2, shown_time(rt, ev->time));
		/* TRANSLATORS: nothing is ready, so the virtual clock jumps to the
		   next timer: "clock 0 s → 1 s" */
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
		sb_add(w, "call_soon(");
		handle_desc(w, ev);
		sb_add(w, ")");
		if (rt->o.verbose)
			sb_printf(w, " #%u", ev->handle);
		break;
	case EV_HANDLE_RUN:
		fam = F_LOOP;
		sb_clear(&rt->tmp);
		handle_desc(&rt->tmp, ev);
		sb_printf(w, _("runs %s"), sb_str(&rt->tmp));
		if (rt->o.verbose)
			sb_printf(w, " #%u", ev->handle);
		break;
	case EV_TIMER_ADD:
		fam = F_LOOP;
		sb_clear(&rt->tmp);
		handle_desc(&rt->tmp, ev);
		fmt_time(t1, sizeof t1, shown_time(rt, ev->when));
		/* TRANSLATORS: "timer #3 at t=1 s: Task-1.task_wakeup()" */
		sb_printf(w, _("timer #%u at t=%s s: %s"), ev->handle, t1, sb_str(&rt->tmp));
		break;
	case EV_TIMER_FIRE:
		fam = F_LOOP;
		/* TRANSLATORS: an expired timer's callback joins the ready queue */
		sb_printf(w, _("timer #%u is due → ready queue"), ev->handle);
		break;
	case EV_TIMER_CANCEL:
		fam = F_LOOP;
		sb_printf(w, _("timer #%u cancelled"), ev->handle);
		break;
	default:
		sb_add(w, trace_kind_name(ev->kind));
		break;
	}
	return fam;
}

/* --- rows --- */

static void header(struct render_text *rt)
{
	const struct lesson *l = rt->o.run ? rt->o.run->lesson : NULL;
	char *s;

	rt->header_done = 1;
	if (!l)
		return;
	style(rt, -1, 0, 1);
	/* TRANSLATORS: "Lesson 3 · yield and send()": number, then title */
	s = xasprintf(_("Lesson %d · %s"), l->number, l->title ? _(l->title) : "");
	put_fit(rt, s, rt->width);
	free(s);
	end_row(rt);
	if (l->chapter) {
		style(rt, -1, 1, 0);
		/* TRANSLATORS: %s is the chapter's heading, in Chinese as written */
		s = xasprintf(_("From the notes: %s"), l->chapter);
		put_fit(rt, s, rt->width);
		free(s);
		end_row(rt);
	}
	style(rt, -1, 1, 0);
	while (rt->col < rt->width)
		put(rt, "═");
	end_row(rt);
	blank_row(rt);
	rt->part = PART_NONE;
}

/* The Python line an event happened at, unless the last row showed it. */
static void source_row(struct render_text *rt, int line)
{
	const struct lesson_run *r = rt->o.run;
	const char *src;
	size_t n;
	char num[16];

	if (line <= 0 || line == rt->last_line || !r || !r->lines || line > r->nlines ||
	    !r->lines[line])
		return;
	rt->last_line = line;
	src = r->lines[line];
	n = strlen(src);
	while (n && (src[n - 1] == ' ' || src[n - 1] == '\t' || src[n - 1] == '\r'))
		n--;
	snprintf(num, sizeof num, "%d", line);
	for (;;) {
		size_t k, skip;

		gutter(rt, num, "│", -1, 0);
		style(rt, -1, 0, 0);
		k = fit(src, n, rt->col, rt->width, 1, &skip);
		put_n(rt, src, k);
		end_row(rt);
		if (k + skip >= n)
			break;
		src += k + skip;
		n -= k + skip;
		num[0] = '\0'; /* a long line goes on under the same bar */
	}
}

/* s from the current column to column lim, wrapped softly; every line but
 * the first starts at column col, in the style already set. */
static void wrapped(struct render_text *rt, const char *s, int col, int lim)
{
	size_t n = strlen(s), skip, k;

	for (;;) {
		k = fit(s, n, rt->col, lim, 1, &skip);
		put_n(rt, s, k);
		s += k + skip;
		n -= k + skip;
		if (!n)
			break;
		end_row(rt);
		style(rt, rt->cur_fam, rt->cur_dim, rt->cur_bold);
		pad_to(rt, col);
	}
}

/* Where the state column starts.  States are left-aligned in one column so
 * that a generator's chain of states reads down the page; the longest change
 * ("CORO_SUSPENDED → CORO_RUNNING") still fits at the margin. */
static int state_col(const struct render_text *rt)
{
	int c = rt->width - STATE_W;

	return c > WHAT_COL + 32 ? WHAT_COL + 32 : c;
}

static void event_row(struct render_text *rt, const struct trace_event *ev, enum family fam)
{
	char buf[48];
	int dim = (ev->flags & TRACE_LIBRARY) != 0;
	const char *state = sb_str(&rt->state);
	const char *s = sb_str(&rt->what);
	int sc = state_col(rt), sw = text_width(state);
	int own_row = *state && sc - WHAT_COL < 16; /* a narrow terminal */
	int wc, lim;
	size_t n = strlen(s), skip, k;

	if (ev->flags & TRACE_SET_ORDER) {
		style(rt, F_ORDER, 0, 0);
		put(rt, "↕");
	}
	style(rt, fam, dim, 0);
	pad_to(rt, GUTTER);
	/* A long name pushes this row's description right rather than lose
	 * its end: "do_some_work_sync" is not "do_some_wor…". */
	put_fit(rt, actor_name(&ev->actor, buf, sizeof buf), GUTTER + WHO_MAX);
	pad_to(rt, rt->col < WHAT_COL ? WHAT_COL : rt->col + 1);
	wc = rt->col;
	if (!*state || own_row) {
		lim = rt->width;
	} else if (wc + text_width(s) + 2 <= sc) {
		lim = sc - 2;
	} else if (wc + text_width(s) + 2 + sw <= rt->width) {
		/* Too long for the state column, short enough for the row:
		 * the state follows it. */
		sc = wc + text_width(s) + 2;
		lim = sc - 2;
	} else {
		lim = sc - 2;
	}
	k = fit(s, n, rt->col, lim, 1, &skip);
	put_n(rt, s, k);
	if (*state && !own_row) {
		pad_to(rt, sc);
		style(rt, fam, dim, !dim);
		put(rt, state);
		style(rt, fam, dim, 0);
	}
	if (k + skip < n) {
		/* The rest of a long description wraps under the "what" column,
		 * out to the margin: the state is on the first line only. */
		end_row(rt);
		style(rt, fam, dim, 0);
		pad_to(rt, wc);
		wrapped(rt, s + k + skip, wc, rt->width);
	}
	if (own_row) {
		end_row(rt);
		style(rt, fam, dim, !dim);
		pad_to(rt, rt->width - sw);
		put(rt, state);
	}
	end_row(rt);
	if (rt->o.verbose && ev->kind == EV_GEN_YIELD && ev->frame && *ev->frame) {
		style(rt, fam, 1, 0);
		pad_to(rt, wc + 2);
		/* TRANSLATORS: the generator's local variables while it is suspended */
		put(rt, _("locals: "));
		{
			/* Two lines at most: step mode shows whole frames. */
			char *f = cut_dup(ev->frame, (rt->width - rt->col) + (rt->width - wc - 2));
			wrapped(rt, f, wc + 2, rt->width);
			free(f);
		}
		end_row(rt);
	}
}

/* The program's output (or a warning on its stderr), set apart: a line
 * too long for the terminal continues under a dotted bar. */
static void output_rows(struct render_text *rt, const char *text, const char *label, int fam,
			int marked)
{
	const char *line = text;

	/* Each line the program wrote gets the label, as print("a\nb") writes
	 * two lines; the pieces of one long line continue under "┊". */
	for (;;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line), k, skip;
		int first = 1;

		do {
			if (marked && first && line == text) {
				style(rt, F_ORDER, 0, 0);
				put(rt, "↕");
			}
			gutter(rt, first ? label : "", first ? "┃" : "┊", fam, 1);
			style(rt, fam, 0, fam == F_PRINT);
			k = fit(line, n, rt->col, rt->width, 0, &skip);
			put_n(rt, line, k);
			end_row(rt);
			line += k;
			n -= k;
			first = 0;
		} while (n);
		if (!nl)
			break;
		line = nl + 1;
	}
}

static void note_row(struct render_text *rt, const char *text, int fam)
{
	style(rt, fam, fam == F_NOTE, 0);
	pad_to(rt, GUTTER);
	wrapped(rt, text, GUTTER, rt->width);
	end_row(rt);
}

static void narrate(struct render_text *rt, const char *text)
{
	int lim = rt->width < SAY_MAX_W ? rt->width : SAY_MAX_W;

	if (!text)
		return;
	/* One paragraph per say(), a blank line between them. */
	if (rt->part == PART_PROSE)
		blank_row(rt);
	enter(rt, PART_PROSE);
	style(rt, F_SAY, 0, 0);
	pad_to(rt, 2);
	wrapped(rt, text, 2, lim);
	end_row(rt);
	/* After prose, show again where the program is. */
	rt->last_line = 0;
}

/* --- --verbose: the ready queue and the timers --- */

static void pend_free(struct pend *p)
{
	free(p->what);
}

static void ready_push(struct pendq *q, unsigned id, char *what)
{
	if (q->head + q->len == q->cap) {
		if (q->head) {
			memmove(q->v, q->v + q->head, q->len * sizeof *q->v);
			q->head = 0;
		} else {
			q->cap = q->cap ? 2 * q->cap : 64;
			q->v = xrealloc(q->v, q->cap * sizeof *q->v);
		}
	}
	q->v[q->head + q->len++] = (struct pend){id, 0, what};
}

/* Handle id runs: everything queued before it ran or was skipped (FIFO, L1). */
static void ready_ran(struct pendq *q, unsigned id)
{
	size_t i;

	for (i = 0; i < q->len && q->v[q->head + i].id != id; i++)
		;
	if (i == q->len)
		return;
	for (i++; i; i--) {
		pend_free(&q->v[q->head]);
		q->head++;
		q->len--;
	}
	if (!q->len)
		q->head = 0;
}

/* Timers in (when, registration) order, as the loop's heap pops them (L2, L8). */
static void timer_push(struct pendq *q, unsigned id, double when, char *what)
{
	size_t lo = 0, hi = q->len;

	if (q->len == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 64;
		q->v = xrealloc(q->v, q->cap * sizeof *q->v);
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (q->v[mid].when <= when)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(q->v + lo + 1, q->v + lo, (q->len - lo) * sizeof *q->v);
	q->v[lo] = (struct pend){id, when, what};
	q->len++;
}

/* Removes timer id; returns its description (caller frees) or NULL. */
static char *timer_take(struct pendq *q, unsigned id)
{
	size_t i;
	char *what;

	for (i = 0; i < q->len && q->v[i].id != id; i++)
		;
	if (i == q->len)
		return NULL;
	what = q->v[i].what;
	memmove(q->v + i, q->v + i + 1, (q->len - i - 1) * sizeof *q->v);
	q->len--;
	return what;
}

static void pendq_free(struct pendq *q)
{
	size_t i;

	for (i = 0; i < q->len; i++)
		pend_free(&q->v[q->head + i]);
	free(q->v);
	memset(q, 0, sizeof *q);
}

static void track_queue(struct render_text *rt, const struct trace_event *ev)
{
	char *w;

	switch (ev->kind) {
	case EV_HANDLE_SCHEDULE:
		sb_clear(&rt->tmp);
		handle_desc(&rt->tmp, ev);
		ready_push(&rt->ready, ev->handle, xstrdup(sb_str(&rt->tmp)));
		break;
	case EV_HANDLE_RUN:
		ready_ran(&rt->ready, ev->handle);
		break;
	case EV_TIMER_ADD:
		sb_clear(&rt->tmp);
		handle_desc(&rt->tmp, ev);
		timer_push(&rt->timers, ev->handle, ev->when, xstrdup(sb_str(&rt->tmp)));
		break;
	case EV_TIMER_FIRE:
		w = timer_take(&rt->timers, ev->handle);
		if (w)
			ready_push(&rt->ready, ev->handle, w);
		break;
	case EV_TIMER_CANCEL:
		free(timer_take(&rt->timers, ev->handle));
		break;
	default:
		break;
	}
}

/* "ready (3)  a · b · c", cut at the margin. */
static void queue_row(struct render_text *rt, const char *label, const struct pendq *q, int timers)
{
	size_t i;
	char n[32], t[32];

	style(rt, F_LOOP, 1, 0);
	pad_to(rt, GUTTER);
	put(rt, "loop");
	pad_to(rt, WHAT_COL);
	fmt_count(n, sizeof n, q->len);
	sb_clear(&rt->tmp);
	sb_printf(&rt->tmp, "%s (%s):", label, n);
	for (i = 0; i < q->len && rt->tmp.len < (size_t)rt->width * 4; i++) {
		const struct pend *p = &q->v[q->head + i];
		sb_add(&rt->tmp, i ? " · " : " ");
		if (timers) {
			fmt_time(t, sizeof t, shown_time(rt, p->when));
			sb_printf(&rt->tmp, "#%u t=%s ", p->id, t);
		}
		sb_add(&rt->tmp, p->what);
	}
	put_fit(rt, sb_str(&rt->tmp), rt->width);
	end_row(rt);
}

/* --- the summary's bookkeeping --- */

static struct tracked *find_tracked(struct render_text *rt, const struct trace_actor *a)
{
	int g = a->kind == ACT_TASK ? G_TASK : a->kind == ACT_GEN ? G_GEN
					: a->kind == ACT_CORO ? G_CORO : -1;
	unsigned i;

	if (g < 0)
		return NULL;
	for (i = 0; i < rt->groups[g].n; i++)
		if (rt->groups[g].v[i].id == a->id)
			return &rt->groups[g].v[i];
	return NULL;
}

static void add_tracked(struct render_text *rt, int g, const struct trace_event *ev)
{
	struct group *gr = &rt->groups[g];
	char buf[48];

	gr->count++;
	if (gr->n < LISTED) {
		struct tracked *t = &gr->v[gr->n++];
		t->kind = ev->actor.kind;
		t->id = ev->actor.id;
		t->name = xstrdup(actor_name(&ev->actor, buf, sizeof buf));
		t->state = ev->state_to;
		t->outcome = NULL;
	}
}

static void set_outcome(struct tracked *t, char *s)
{
	free(t->outcome);
	t->outcome = s;
}

static void track(struct render_text *rt, const struct trace_event *ev)
{
	struct tracked *t;
	struct group *tasks = &rt->groups[G_TASK];

	if (ev->kind == EV_LOOP_START)
		rt->loop_seen = 1;
	/* In real time the loop's clock is time.monotonic(): count from the
	 * first reading instead. */
	if (!rt->t0_set && ev->time != 0) {
		const struct lesson_run *r = rt->o.run;
		rt->t0_set = 1;
		rt->t0 = ev->time;
		rt->realtime = r && r->I && r->I->realtime;
	}
	if (ev->time > rt->tmax)
		rt->tmax = ev->time;
	if (ev->iteration > rt->itmax)
		rt->itmax = ev->iteration;

	switch (ev->kind) {
	case EV_TASK_CREATE:
		add_tracked(rt, G_TASK, ev);
		return;
	case EV_GEN_CREATE:
		if (!(ev->flags & TRACE_LIBRARY))
			add_tracked(rt, ev->actor.kind == ACT_CORO ? G_CORO : G_GEN, ev);
		return;
	case EV_FUT_RESULT:
		if (ev->actor.kind == ACT_TASK)
			tasks->done++;
		break;
	case EV_FUT_EXCEPTION:
		if (ev->actor.kind == ACT_TASK)
			tasks->failed++;
		break;
	case EV_FUT_CANCEL:
		if (ev->actor.kind == ACT_TASK)
			tasks->cancelled++;
		break;
	default:
		break;
	}

	t = find_tracked(rt, &ev->actor);
	if (!t)
		return;
	if (ev->state_to >= 0)
		t->state = ev->state_to;
	switch (ev->kind) {
	case EV_FUT_RESULT:
	case EV_GEN_RETURN: {
		char *v = value_text(ev->value, REPR_W);
		set_outcome(t, xasprintf(ev->kind == EV_FUT_RESULT ? _("result: %s") : "return %s", v));
		free(v);
		break;
	}
	case EV_GEN_RAISE:
		if (value_exc(ev->value) && value_exc(ev->value)->type == EXC_GENERATOR_EXIT) {
			set_outcome(t, xstrdup(_("closed by GeneratorExit")));
			break;
		}
		/* fall through */
	case EV_FUT_EXCEPTION:
		set_outcome(t, value_text(ev->value, 2 * REPR_W));
		break;
	default:
		break;
	}
}

/* --- folding --- */

/* Read at each event: a lesson may decide to condense once it knows its
 * knobs. */
static uint64_t row_budget(const struct render_text *rt)
{
	return rt->o.run && rt->o.run->condensed ? ROWS_CONDENSED : ROWS_MAX;
}

static void start_fold(struct render_text *rt)
{
	rt->folded = 1;
	/* The ready queue is no longer shown: stop following it. */
	rt->track = 0;
	pendq_free(&rt->ready);
	pendq_free(&rt->timers);
}

/* "⋯ 9,800 events folded", then the last lines of output among them: where
 * narration interrupts a fold, and at the end. */
static void fold_note(struct render_text *rt)
{
	char n[32], p[32];
	char *s;
	uint64_t i, first;

	if (!rt->folded_events)
		return;
	fmt_count(n, sizeof n, rt->folded_events);
	fmt_count(p, sizeof p, rt->folded_prints);
	enter(rt, PART_TIMELINE);
	if (rt->ntail)
		/* TRANSLATORS: "⋯ 9,800 events folded, 1,000 of them lines of
		   output; the last lines:", and the last few lines follow */
		s = xasprintf(_("⋯ %s events folded, %s of them lines of output; the last lines:"),
			      n, p);
	else
		s = xasprintf(_("⋯ %s events folded"), n);
	note_row(rt, s, F_NOTE);
	free(s);
	rt->folded_events = rt->folded_prints = 0;
	first = rt->ntail > TAIL ? rt->ntail - TAIL : 0;
	for (i = first; i < rt->ntail; i++)
		output_rows(rt, rt->tail[i % TAIL], _("out"), F_PRINT, 0);
	rt->ntail = 0;
}

static void fold_print(struct render_text *rt, const char *text)
{
	free(rt->tail[rt->ntail % TAIL]);
	rt->tail[rt->ntail % TAIL] = xstrdup(text);
	rt->ntail++;
	rt->folded_prints++;
}

/* --- the sink --- */

static void print_raw(struct render_text *rt, const char *text)
{
	if (text)
		out_write(rt, text, strlen(text));
	out_write(rt, "\n", 1);
}

/* asyncio's bookkeeping that only repeats what the next rows show. */
static int plumbing(const struct trace_event *ev)
{
	if (!(ev->flags & TRACE_LIBRARY))
		return 0;
	switch (ev->kind) {
	case EV_GEN_CREATE:
	case EV_HANDLE_SCHEDULE:
	case EV_HANDLE_RUN:
	case EV_CB_ADD:
	case EV_CB_REMOVE:
	case EV_FUT_CREATE:
		return 1;
	default:
		return 0;
	}
}

static void iteration_rule(struct render_text *rt, const struct trace_event *ev)
{
	char it[32], t[32];
	char *s;

	rt->shown_iter = ev->iteration;
	fmt_count(it, sizeof it, ev->iteration);
	fmt_time(t, sizeof t, shown_time(rt, ev->time));
	/* TRANSLATORS: a rule across the timeline: "iteration 3 · t=1.5 s" */
	s = xasprintf(_("iteration %s · t=%s s"), it, t);
	rule(rt, s, F_LOOP);
	free(s);
	rt->rows++;
}

static void emit(void *ud, const struct trace_event *ev)
{
	struct render_text *rt = ud;
	enum family fam;

	if (rt->o.output_only) {
		if (ev->kind == EV_PRINT)
			print_raw(rt, ev->text);
		return;
	}
	if (!rt->header_done)
		header(rt);
	rt->nevents++;
	track(rt, ev);
	if (rt->track)
		track_queue(rt, ev);

	if (ev->kind == EV_PRINT) {
		const char *p;
		rt->nprint_lines++;
		for (p = ev->text ? ev->text : ""; (p = strchr(p, '\n')); p++)
			rt->nprint_lines++;
	}
	if (ev->kind == EV_WARN)
		rt->nwarn++;

	if (ev->kind == EV_SAY) {
		if (rt->folded && rt->says_folded++ >= SAYS_FOLDED)
			return;
		if (rt->folded) {
			/* Narration tells what comes next: show a little of it. */
			fold_note(rt);
			rt->window = WINDOW;
		}
		narrate(rt, ev->text);
		return;
	}
	if (!rt->o.verbose && plumbing(ev)) {
		rt->hidden++;
		return;
	}
	if (!rt->folded && rt->rows >= row_budget(rt))
		start_fold(rt);
	if (rt->folded && rt->window > 0) {
		rt->window--;
	} else if (rt->folded) {
		if (ev->kind == EV_WARN && rt->warns_folded++ < WARNS_FOLDED) {
			fold_note(rt);
			enter(rt, PART_TIMELINE);
			output_rows(rt, ev->text ? ev->text : "", _("err"), F_WARN, 0);
			return;
		}
		rt->folded_events++;
		if (ev->kind == EV_PRINT)
			fold_print(rt, ev->text ? ev->text : "");
		return;
	}

	enter(rt, PART_TIMELINE);
	if (ev->iteration && ev->iteration != rt->shown_iter)
		iteration_rule(rt, ev);
	if ((ev->flags & TRACE_SET_ORDER) && !rt->set_order_noted) {
		rt->set_order_noted = 1;
		/* TRANSLATORS: rows from iterating a set (asyncio.wait's done set) */
		note_row(rt, _("↕ from iterating a set: in Python these rows may come in another order"),
			 F_ORDER);
	}
	/* The rule above marks the iteration; --verbose adds the queues,
	 * unless a fold stopped following them. */
	if (ev->kind == EV_LOOP_ITER && !rt->track)
		return;
	source_row(rt, ev->line);
	rt->rows++;

	switch (ev->kind) {
	case EV_PRINT:
		/* TRANSLATORS: the program's output; at most 5 columns */
		output_rows(rt, ev->text ? ev->text : "", _("out"), F_PRINT,
			    (ev->flags & TRACE_SET_ORDER) != 0);
		return;
	case EV_WARN:
		/* TRANSLATORS: the program's stderr; at most 5 columns */
		output_rows(rt, ev->text ? ev->text : "", _("err"), F_WARN, 0);
		return;
	case EV_LOOP_ITER:
		/* The snapshot this iteration runs (L0), and what waits. */
		/* TRANSLATORS: the loop's ready queue (call_soon FIFO) */
		queue_row(rt, _("ready"), &rt->ready, 0);
		if (rt->timers.len)
			/* TRANSLATORS: the loop's timers (call_later heap) */
			queue_row(rt, _("timers"), &rt->timers, 1);
		return;
	default:
		fam = describe(rt, ev);
		event_row(rt, ev, fam);
		return;
	}
}

/* --- the summary --- */

static void summary_label(struct render_text *rt, const char *label)
{
	style(rt, -1, 0, 1);
	pad_to(rt, 2);
	put(rt, label);
	style(rt, -1, 0, 0);
	pad_to(rt, 2 + rt->label_w + 2);
}

static void summary_group(struct render_text *rt, const char *label, const struct group *g,
			  int futurelike)
{
	char n[32];
	int name_w = 0;
	unsigned i;

	if (!g->count)
		return;
	summary_label(rt, label);
	if (futurelike && g->count > 1) {
		/* TRANSLATORS: how the tasks ended: "4: 3 finished, 1 cancelled" */
		const char *how[] = {N_("%s finished"), N_("%s cancelled"), N_("%s failed"),
				     N_("%s pending")};
		uint64_t k[4];
		int first = 1;

		k[0] = g->done;
		k[1] = g->cancelled;
		k[2] = g->failed;
		k[3] = g->count - g->done - g->failed - g->cancelled;
		sb_clear(&rt->what);
		for (i = 0; i < 4; i++) {
			if (!k[i])
				continue;
			fmt_count(n, sizeof n, k[i]);
			/* TRANSLATORS: between the items of a list */
			sb_add(&rt->what, first ? "" : _(", "));
			sb_printf(&rt->what, _(how[i]), n);
			first = 0;
		}
		fmt_count(n, sizeof n, g->count);
		sb_clear(&rt->tmp);
		/* TRANSLATORS: "4: 3 finished, 1 cancelled": how many, how they ended */
		sb_printf(&rt->tmp, _("%s: %s"), n, sb_str(&rt->what));
		put_fit(rt, sb_str(&rt->tmp), rt->width);
		end_row(rt);
	}
	for (i = 0; i < g->n; i++) {
		int w = text_width(g->v[i].name);
		if (w > name_w)
			name_w = w;
	}
	if (name_w > WHO_W)
		name_w = WHO_W;
	for (i = 0; i < g->n; i++) {
		const struct tracked *t = &g->v[i];
		int col;
		if (i || (futurelike && g->count > 1))
			pad_to(rt, 2 + rt->label_w + 2);
		col = rt->col;
		put_fit(rt, t->name, col + name_w);
		pad_to(rt, col + name_w + 2);
		style(rt, -1, 0, 1);
		put(rt, state_name(t->state, t->kind, futurelike));
		style(rt, -1, 0, 0);
		if (t->outcome) {
			pad_to(rt, col + name_w + 2 + (futurelike ? 9 : 14) + 2);
			put_fit(rt, t->outcome, rt->width);
		}
		end_row(rt);
	}
	if (g->count > g->n) {
		fmt_count(n, sizeof n, g->count - g->n);
		pad_to(rt, 2 + rt->label_w + 2);
		style(rt, -1, 1, 0);
		put(rt, "⋯ ");
		/* TRANSLATORS: after the first few tasks or generators listed */
		sb_clear(&rt->tmp);
		sb_printf(&rt->tmp, _("and %s more"), n);
		put(rt, sb_str(&rt->tmp));
		end_row(rt);
	}
}


void render_text_finish(struct render_text *rt)
{
	const char *labels[7];
	size_t i, nl = 0;
	char a[32], b[32];
	struct sbuf *s = &rt->tmp;

	if (!rt || rt->finished)
		return;
	rt->finished = 1;
	if (rt->o.output_only)
		goto flush;
	if (!rt->header_done)
		header(rt);
	if (rt->folded)
		fold_note(rt);

	/* TRANSLATORS: the summary's labels are aligned in a column */
	labels[nl++] = _("virtual time");
	labels[nl++] = _("events");
	labels[nl++] = _("output");
	labels[nl++] = _("tasks");
	labels[nl++] = _("generators");
	labels[nl++] = _("coroutines");
	labels[nl++] = _("real time");
	rt->label_w = 0;
	for (i = 0; i < nl; i++)
		if (text_width(labels[i]) > rt->label_w)
			rt->label_w = text_width(labels[i]);

	if (rt->part != PART_NONE)
		blank_row(rt);
	style(rt, -1, 1, 0);
	while (rt->col < rt->width)
		put(rt, "─");
	end_row(rt);
	style(rt, -1, 0, 1);
	put(rt, _("Summary"));
	end_row(rt);

	if (rt->loop_seen || rt->tmax > 0) {
		summary_label(rt, labels[rt->realtime ? 6 : 0]);
		fmt_time(a, sizeof a, shown_time(rt, rt->tmax));
		fmt_count(b, sizeof b, rt->itmax);
		sb_clear(s);
		if (rt->loop_seen)
			/* TRANSLATORS: "3 s in 7 loop iterations" (virtual seconds) */
			sb_printf(s, ngettext("%s s in %s loop iteration", "%s s in %s loop iterations",
					      rt->itmax), a, b);
		else
			/* TRANSLATORS: virtual seconds */
			sb_printf(s, _("%s s"), a);
		put(rt, sb_str(s));
		end_row(rt);
	}

	summary_label(rt, labels[1]);
	fmt_count(a, sizeof a, rt->nevents);
	sb_clear(s);
	if (rt->hidden && !rt->o.verbose) {
		fmt_count(b, sizeof b, rt->hidden);
		/* TRANSLATORS: "146 (3 hidden: ...)": events, and how many of them
		   the timeline left out */
		sb_printf(s, _("%s (%s hidden: asyncio's bookkeeping; --verbose shows it)"), a, b);
	} else {
		sb_add(s, a);
	}
	wrapped(rt, sb_str(s), rt->col, rt->width);
	end_row(rt);

	summary_label(rt, labels[2]);
	fmt_count(a, sizeof a, rt->nprint_lines);
	sb_clear(s);
	/* TRANSLATORS: lines the program printed */
	sb_printf(s, ngettext("%s line", "%s lines", rt->nprint_lines), a);
	if (rt->nwarn) {
		char *lines = xstrdup(sb_str(s));
		fmt_count(b, sizeof b, rt->nwarn);
		sb_clear(&rt->what);
		sb_printf(&rt->what, ngettext("%s warning", "%s warnings", rt->nwarn), b);
		sb_clear(s);
		/* TRANSLATORS: "9 lines, 1 warning" */
		sb_printf(s, _("%s, %s"), lines, sb_str(&rt->what));
		free(lines);
	}
	put(rt, sb_str(s));
	end_row(rt);

	summary_group(rt, labels[3], &rt->groups[G_TASK], 1);
	summary_group(rt, labels[4], &rt->groups[G_GEN], 0);
	/* A task's coroutine is the task: list coroutines only without tasks. */
	if (!rt->groups[G_TASK].count)
		summary_group(rt, labels[5], &rt->groups[G_CORO], 0);
flush:
	if (fflush(rt->out) != 0 && !rt->err)
		rt->err = errno ? errno : EIO;
}

/* --- life cycle --- */

static int terminal_width(FILE *out)
{
	struct winsize ws;
	int fd = fileno(out);

	if (fd < 0 || !isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0 || !ws.ws_col)
		return 80;
	/* Lines past 100 columns read badly and do not fit a slide. */
	return ws.ws_col < 60 ? 60 : ws.ws_col > 100 ? 100 : ws.ws_col;
}

struct render_text *render_text_new(FILE *out, const struct render_text_opts *o)
{
	struct render_text *rt = xcalloc(1, sizeof *rt);

	strcpy(rt->want, "0");
	strcpy(rt->have, "0");
	rt->out = out;
	rt->o = *o;
	rt->width = terminal_width(out);
	rt->track = o->verbose && !o->output_only;
	return rt;
}

struct trace_sink render_text_sink(struct render_text *rt)
{
	struct trace_sink s = {emit, rt};
	return s;
}

int render_text_error(const struct render_text *rt)
{
	if (!rt->err)
		return 0;
	errno = rt->err;
	return 1;
}

void render_text_free(struct render_text *rt)
{
	size_t i;
	unsigned g, k;

	if (!rt)
		return;
	free(rt->row.s);
	free(rt->what.s);
	free(rt->state.s);
	free(rt->tmp.s);
	for (i = 0; i < TAIL; i++)
		free(rt->tail[i]);
	for (g = 0; g < G_N; g++)
		for (k = 0; k < rt->groups[g].n; k++) {
			free(rt->groups[g].v[k].name);
			free(rt->groups[g].v[k].outcome);
		}
	pendq_free(&rt->ready);
	pendq_free(&rt->timers);
	free(rt);
}
