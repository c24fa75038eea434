/* lesson.c -- what every lesson shares: knobs (defaults, --set parsing and
 * their Python spelling), the filled-in program and its lines, and the
 * narration helpers that turn a lesson's words into trace events.
 *
 * A knob's numbers are kept as doubles.  In the Python program a whole number
 * is written as an int literal (5) and any other as a float in repr() form
 * (0.5): a lesson that prints a knob's value must build the same kind of
 * value (value_int for whole numbers, value_float otherwise) so that its
 * output matches what python3 prints for the filled-in program.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"

/* Bumped by every lesson_run_init, so a line cache filled during one run is
 * never trusted in the next (the program text may differ with the knobs).
 * Starts at 0 and a run never gets 0: a zeroed cache is always stale. */
static unsigned lesson_epoch;

/* --- numbers --- */

/* Text from the command line as an error message may quote it: on one
 * line (a control character becomes '?', so a newline or an escape in a
 * --set value cannot break the one-line rule or reach the terminal), and
 * at most SHOWN_MAX bytes, cut at a character boundary and marked "...". A
 * --set of a million items is refused in a short line.  Caller frees. */
enum { SHOWN_MAX = 64 };

static char *shown(const char *s, size_t len)
{
	size_t n = len, i;
	char *t;

	if (n > SHOWN_MAX) {
		n = SHOWN_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	t = xmalloc(n + 4);
	for (i = 0; i < n; i++)
		t[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(t + n, n < len ? "..." : "");
	return t;
}

/* A bound or a value as a person would write it: 1000, 0.5, 1e-05. */
static void num_text(char *buf, size_t size, double x)
{
	snprintf(buf, size, "%.15g", x);
}

/* One number of a knob as Python source: an int literal when whole, else
 * the float's repr() (the engine's, so the program and the run agree). */
static void py_number(char *buf, size_t size, double x)
{
	if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(buf, size, "%.0f", x);
	} else {
		char *r = value_repr(value_float(x));
		snprintf(buf, size, "%s", r);
		free(r);
	}
}

/* "n must be a whole number from 1 to 1000": the knob's rule in one clause,
 * which every --set error ends with.  Caller frees. */
static char *knob_rule(const struct knob *k)
{
	char lo[32], hi[32];

	num_text(lo, sizeof lo, k->min);
	num_text(hi, sizeof hi, k->max);
	if (k->type == KNOB_INT)
		return xasprintf(k->integral ? _("%s must be a whole number from %s to %s")
				 : _("%s must be a number from %s to %s"),
				 k->name, lo, hi);
	return xasprintf(k->integral
			 ? _("%s must be a list of 1 to %zu whole numbers from %s to %s, separated by commas")
			 : _("%s must be a list of 1 to %zu numbers from %s to %s, separated by commas"),
			 k->name, k->max_items, lo, hi);
}

/* Reads one number of a knob (text is exactly one item, not NUL-terminated
 * at len).  Returns 0 with *out, or 1 with the reason in *why (caller frees). */
static int parse_number(const struct knob *k, const char *text, size_t len, double *out,
			char **why)
{
	char item[64];
	char *end;
	const char *s;
	double x;
	size_t i;

	/* "1, 2, 4" reads as well as "1,2,4". */
	while (len && *text == ' ') {
		text++;
		len--;
	}
	while (len && text[len - 1] == ' ')
		len--;
	if (len == 0) {
		*why = xstrdup(_("a number is missing"));
		return 1;
	}
	if (len >= sizeof item) {
		*why = xstrdup(_("a number is too long"));
		return 1;
	}
	memcpy(item, text, len);
	item[len] = '\0';

	s = item + (item[0] == '+' || item[0] == '-');
	if (!strcasecmp(s, "nan") || !strcasecmp(s, "inf") || !strcasecmp(s, "infinity")) {
		*why = xasprintf(_("%s is not a finite number"), item);
		return 1;
	}
	/* Only decimal notation: strtod would also take hex and white space. */
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)item[i]) && !strchr("+-.eE", item[i]))
			break;
	errno = 0;
	x = strtod(item, &end);
	if (i < len || end == item || *end != '\0') {
		char *what = shown(item, len);
		*why = xasprintf(_("\"%s\" is not a number"), what);
		free(what);
		return 1;
	}
	if (errno == ERANGE && fabs(x) > 1) {
		*why = xasprintf(x < 0 ? _("%s is too small") : _("%s is too large"), item);
		return 1;
	}
	if (x == 0)
		x = 0; /* "-0" is 0, not the float -0.0 */
	if (x < 0 && k->min >= 0) {
		*why = xasprintf(_("%s is negative"), item);
		return 1;
	}
	if (k->integral && x != floor(x)) {
		*why = xasprintf(_("%s is not a whole number"), item);
		return 1;
	}
	if (x < k->min) {
		*why = xasprintf(_("%s is too small"), item);
		return 1;
	}
	if (x > k->max) {
		*why = xasprintf(_("%s is too large"), item);
		return 1;
	}
	*out = x;
	return 0;
}

/* Parses value into *kv (replacing what it held).  Returns 0, or 1 with the
 * reason in *why (caller frees); *kv is unchanged on failure. */
static int parse_knob(const struct knob *k, const char *value, struct knob_value *kv, char **why)
{
	struct knob_value nv = {NULL, 0};
	const char *p = value, *comma;
	size_t nitems = 1, i;

	if (*value == '\0') {
		*why = xstrdup(_("no value given"));
		return 1;
	}
	if (k->type == KNOB_LIST)
		for (p = value; *p; p++)
			nitems += *p == ',';
	if (k->type == KNOB_LIST && nitems > k->max_items) {
		*why = xasprintf(_("%zu numbers are too many"), nitems);
		return 1;
	}
	nv.v = xcalloc(nitems, sizeof *nv.v);
	for (p = value, i = 0; i < nitems; i++) {
		size_t len;
		if (k->type == KNOB_LIST) {
			comma = strchr(p, ',');
			len = comma ? (size_t)(comma - p) : strlen(p);
		} else {
			comma = NULL;
			len = strlen(p);
		}
		if (parse_number(k, p, len, &nv.v[i], why)) {
			free(nv.v);
			return 1;
		}
		p += len + (comma != NULL);
	}
	nv.n = nitems;
	free(kv->v);
	*kv = nv;
	return 0;
}

/* --- runs and knobs --- */

void lesson_run_init(struct lesson_run *r, const struct lesson *l)
{
	size_t i;

	memset(r, 0, sizeof *r);
	r->lesson = l;
	if (++lesson_epoch == 0)
		++lesson_epoch;
	r->epoch = lesson_epoch;
	for (i = 0; i < l->nknobs && i < sizeof r->kv / sizeof r->kv[0]; i++) {
		char *why = NULL;
		/* A default that does not parse is a mistake in the lesson's
		 * table, caught by the first test that runs it. */
		if (parse_knob(&l->knobs[i], l->knobs[i].def, &r->kv[i], &why)) {
			fprintf(stderr, "coro-learn: lesson %d: knob %s: bad default \"%s\": %s\n",
				l->number, l->knobs[i].name, l->knobs[i].def, why);
			abort();
		}
	}
}

int lesson_set_knob(struct lesson_run *r, const char *assignment, char **msg)
{
	const struct lesson *l = r->lesson;
	const char *eq = strchr(assignment, '=');
	char *why = NULL, *rule, *what;
	size_t i, klen;

	*msg = NULL;
	what = shown(assignment, strlen(assignment));
	if (!eq || eq == assignment) {
		*msg = xasprintf(_("--set %s: expected KEY=VALUE, for example --set %s=%s"),
				 what, l->nknobs ? l->knobs[0].name : "n",
				 l->nknobs ? l->knobs[0].def : "5");
		free(what);
		return 1;
	}
	klen = (size_t)(eq - assignment);
	for (i = 0; i < l->nknobs; i++)
		if (strlen(l->knobs[i].name) == klen && !strncmp(l->knobs[i].name, assignment, klen))
			break;
	if (i == l->nknobs) {
		char names[256] = "", *key;
		size_t j;
		if (l->nknobs == 0) {
			*msg = xasprintf(_("--set %s: lesson %d has no knobs"), what, l->number);
			free(what);
			return 1;
		}
		for (j = 0; j < l->nknobs; j++) {
			if (j)
				strncat(names, ", ", sizeof names - strlen(names) - 1);
			strncat(names, l->knobs[j].name, sizeof names - strlen(names) - 1);
		}
		key = shown(assignment, klen);
		*msg = xasprintf(_("--set %s: lesson %d has no knob \"%.*s\" (its knobs: %s)"),
				 what, l->number, (int)strlen(key), key, names);
		free(key);
		free(what);
		return 1;
	}
	if (parse_knob(&l->knobs[i], eq + 1, &r->kv[i], &why)) {
		rule = knob_rule(&l->knobs[i]);
		*msg = xasprintf(_("--set %s: %s; %s"), what, why, rule);
		free(rule);
		free(why);
		free(what);
		return 1;
	}
	free(what);
	return 0;
}

const struct knob_value *lesson_knob(const struct lesson_run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->lesson->nknobs; i++)
		if (!strcmp(r->lesson->knobs[i].name, name))
			return &r->kv[i];
	return NULL;
}

char *knob_python(const struct knob *k, const struct knob_value *v)
{
	char num[48];
	size_t i, cap, len = 0;
	char *s;

	if (k->type == KNOB_INT) {
		py_number(num, sizeof num, v->n ? v->v[0] : 0);
		return xstrdup(num);
	}
	cap = 3 + v->n * (sizeof num + 2);
	s = xmalloc(cap);
	s[len++] = '[';
	for (i = 0; i < v->n; i++) {
		py_number(num, sizeof num, v->v[i]);
		len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? ", " : "", num);
	}
	s[len++] = ']';
	s[len] = '\0';
	return s;
}

/* The line of text starting at p that begins with "PYVAR = ", or NULL. */
static const char *find_assignment(const char *text, const char *pyvar)
{
	size_t n = strlen(pyvar);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, pyvar, n) && !strncmp(p + n, " = ", 3))
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* Splits r->python into r->lines, one block holding the pointers and a copy
 * of the text, so lesson_run_fini frees it with one free(). */
static void split_lines(struct lesson_run *r)
{
	size_t len = strlen(r->python), n = 0, i;
	const char *p;
	char *copy, *q;
	const char **lines;

	for (p = r->python; *p; p++)
		n += *p == '\n';
	if (len && r->python[len - 1] != '\n')
		n++;
	lines = xmalloc((n + 2) * sizeof *lines + len + 1);
	copy = (char *)(lines + n + 2);
	memcpy(copy, r->python, len + 1);
	lines[0] = "";
	for (i = 1, q = copy; i <= n; i++) {
		lines[i] = q;
		q = strchr(q, '\n');
		if (!q)
			break;
		*q++ = '\0';
	}
	lines[n + 1] = NULL;
	r->lines = lines;
	r->nlines = (int)n;
}

void lesson_run_python(struct lesson_run *r)
{
	const struct lesson *l = r->lesson;
	char *text = xstrdup(l->python ? l->python : "");
	size_t i;

	for (i = 0; i < l->nknobs; i++) {
		const struct knob *k = &l->knobs[i];
		const char *at, *eol, *comment;
		char *val, *next;
		size_t keep;

		if (!k->pyvar || !(at = find_assignment(text, k->pyvar)))
			continue;
		eol = strchr(at, '\n');
		if (!eol)
			eol = at + strlen(at);
		/* Keep a trailing "  # comment" that explains the knob (the
		 * value itself, numbers, never holds a '#'). */
		comment = memchr(at, '#', (size_t)(eol - at));
		while (comment && comment > at && comment[-1] == ' ')
			comment--;
		val = knob_python(k, &r->kv[i]);
		keep = (size_t)(at - text);
		next = xasprintf("%.*s%s = %s%.*s%s", (int)keep, text, k->pyvar, val,
				 comment ? (int)(eol - comment) : 0, comment ? comment : "", eol);
		free(val);
		free(text);
		text = next;
	}
	free(r->python);
	r->python = text;
	free((void *)r->lines);
	split_lines(r);
}

void lesson_run_fini(struct lesson_run *r)
{
	size_t i;

	for (i = 0; i < sizeof r->kv / sizeof r->kv[0]; i++)
		free(r->kv[i].v);
	free(r->python);
	free((void *)r->lines);
	memset(r, 0, sizeof *r);
}

/* --- telling the story --- */

struct lesson_run *lesson_of(struct interp *I)
{
	return I->app;
}

int lesson_line(struct lesson_run *r, const char *text)
{
	int i;

	for (i = 1; i <= r->nlines; i++)
		if (strstr(r->lines[i], text))
			return i;
	if (r->I) {
		char *w = xasprintf("coro-learn: lesson %d: no line of the program contains \"%s\"",
				    r->lesson->number, text);
		interp_warn(r->I, w);
		free(w);
	}
	return 0;
}

int lesson_line_cached(struct line_cache *c, struct interp *I, const char *text)
{
	struct lesson_run *r = lesson_of(I);

	if (!r)
		return 0;
	if (c->epoch != r->epoch) {
		c->line = lesson_line(r, text);
		c->epoch = r->epoch;
	}
	return c->line;
}

void say(struct interp *I, const char *text)
{
	interp_say(I, text);
}

static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return xstrdup("");
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

void sayf(struct interp *I, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	interp_say(I, s);
	free(s);
}

void out(struct interp *I, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	interp_print(I, s);
	free(s);
}

char *pystr(struct value v)
{
	return value_str_of(v);
}

int lesson_line_after(struct line_cache *c, struct interp *I, const char *anchor,
				    const char *text)
{
	struct lesson_run *r = lesson_of(I);
	int a, i;

	if (!r)
		return 0;
	if (c->epoch != r->epoch) {
		c->epoch = r->epoch;
		c->line = 0;
		a = lesson_line(r, anchor);
		for (i = a + 1; a && i <= r->nlines && !c->line; i++)
			if (strstr(r->lines[i], text))
				c->line = i;
		if (a && !c->line) {
			char *w = xasprintf("coro-learn: lesson %d: no line below \"%s\" contains \"%s\"",
					    r->lesson->number, anchor, text);
			interp_warn(I, w);
			free(w);
		}
	}
	return c->line;
}

void note_call(struct interp *I, const char *call)
{
	/* TRANSLATORS: a plain function is called, e.g. "calls normal()" */
	char *s = xasprintf(_("calls %s"), call);
	interp_note(I, s);
	free(s);
}

void note_return(struct interp *I, struct value v)
{
	char *r = value_repr(v);
	/* TRANSLATORS: a plain function returns, e.g. "returns 'normal done'" */
	char *s = xasprintf(_("returns %s"), r);
	interp_note(I, s);
	free(s);
	free(r);
}

struct value stop_iteration(struct value ret)
{
	if (value_is_none(ret)) return exc_new(EXC_STOP_ITERATION, NULL);
	return exc_new_arg(EXC_STOP_ITERATION, ret);
}
