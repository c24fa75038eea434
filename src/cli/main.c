/* main.c -- the coro-learn command line: parse, pick a lesson, run it through
 * a renderer, and turn every failure into one line on stderr and an exit
 * status (0 done, 1 failed, 2 usage error).
 *
 * Output goes to stdout through stdio.  SIGPIPE is ignored so that a closed
 * pipe (coro-learn lesson 3 | head -1) shows up as EPIPE on a write: the run
 * then stops writing and the tool exits 1 without a message, as a filter
 * should.  Any other write error (ENOSPC on /dev/full) is reported.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lessons/lesson.h"
#include "i18n.h"
#include "recorder.h"
#include "render_chrome.h"
#include "render_json.h"
#include "render_text.h"
#include "stepper.h"

enum { EXIT_USAGE = 2 };

enum {
	OPT_VERSION = 256,
	OPT_LANG,
	OPT_NO_COLOR,
	OPT_PYTHON,
	OPT_OUTPUT_ONLY,
	OPT_SET,
	OPT_VERBOSE,
	OPT_REALTIME,
	OPT_STEP,
	OPT_JSON,
	OPT_CHROME
};

static const struct option long_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"lang", required_argument, NULL, OPT_LANG},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"python", no_argument, NULL, OPT_PYTHON},
	{"output-only", no_argument, NULL, OPT_OUTPUT_ONLY},
	{"set", required_argument, NULL, OPT_SET},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"realtime", no_argument, NULL, OPT_REALTIME},
	{"step", no_argument, NULL, OPT_STEP},
	{"json", required_argument, NULL, OPT_JSON},
	{"chrome", required_argument, NULL, OPT_CHROME},
	{NULL, 0, NULL, 0}
};

struct options {
	const char *lang;
	int help, version;
	int no_color, python, output_only, verbose, realtime, step;
	const char *json, *chrome;
	const char **sets;     /* the --set arguments, in order */
	size_t nsets;
	const char *lesson_only; /* the first option that needs `lesson N` */
};

/* A command-line argument as a message quotes it: on one line (a control
 * character becomes '?', so a newline cannot split the message and an
 * escape cannot reach the terminal) and at most QUOTE_MAX bytes, cut at a
 * character boundary and marked "...".  The result lives in one of a few
 * rotating buffers: enough for the arguments of one message. */
enum { QUOTE_MAX = 64, QUOTE_BUFS = 4 };

static const char *q(const char *s)
{
	static char bufs[QUOTE_BUFS][QUOTE_MAX + 4];
	static unsigned next;
	char *t = bufs[next++ % QUOTE_BUFS];
	size_t len = strlen(s), n = len, i;

	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		t[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(t + n, n < len ? "..." : "");
	return t;
}

/* One line on stderr, then exit 2.  Never a second line: a hint, when one
 * helps, goes at the end of the same line.  Arguments from the command line
 * go through q(). */
static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("coro-learn: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("coro-learn: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

/* --- output --- */

/* Flushes stdout and reports a write error that happened at any point
 * (err: one already seen, or 0).  Returns 0, or 1 after the message (none
 * for EPIPE: the reader has gone, nobody is left to tell). */
static int finish_output(int err)
{
	if (!err) {
		errno = 0;
		if (fflush(stdout) != 0 || ferror(stdout))
			err = errno ? errno : EIO;
	}
	if (!err)
		return 0;
	if (err != EPIPE)
		fprintf(stderr, "coro-learn: %s: %s\n", _("cannot write the output"), strerror(err));
	return 1;
}

/* Columns on a terminal: CJK ideographs and full-width forms take two. */
static int display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (*p) {
		unsigned c = *p;
		int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
		int i;
		for (i = 0; i < n && (p[i + 1] & 0xc0) == 0x80; i++)
			c = (c << 6) | (p[i + 1] & 0x3f);
		if (n == 1)
			c &= 0x7ff;
		else if (n == 2)
			c &= 0xffff;
		else if (n == 3)
			c &= 0x1fffff;
		p += 1 + i;
		if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
		    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
		    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
		    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd))
			w += 2;
		else if (c >= 0x300 && c <= 0x36f)
			;
		else
			w += 1;
	}
	return w;
}

/* Prints s and pads it with spaces to width columns. */
static void print_padded(const char *s, int width)
{
	int pad = width - display_width(s);

	fputs(s, stdout);
	while (pad-- > 0)
		putchar(' ');
}

/* The next character of s: its length in bytes and its display width. */
static size_t next_char(const char *s, int *width)
{
	char one[5] = "";
	size_t n = 1;

	while (n < 4 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	memcpy(one, s, n);
	*width = display_width(one);
	return n;
}

/* A full-width mark that must not start a line: ，。、；：？！）」』》 */
static int closing_punct(const char *s)
{
	static const char *const marks[] = {
		"，", "。", "、", "；", "：", "？", "！", "）", "」", "』", "》", "…"
	};
	size_t i;

	for (i = 0; i < sizeof marks / sizeof marks[0]; i++)
		if (!strncmp(s, marks[i], strlen(marks[i])))
			return 1;
	return 0;
}

/* Prints text wrapped to fit `width` columns, each line after `indent`
 * spaces.  Lines break at spaces, or anywhere between two CJK characters
 * (Chinese has no spaces); a word longer than a line is not broken. */
static void print_wrapped(const char *text, int indent, int width)
{
	const char *p = text;

	while (*p) {
		const char *q = p, *brk = NULL;
		int col = 0;

		while (*q) {
			int w;
			size_t n = next_char(q, &w);
			if (*q == ' ')
				brk = q;
			else if (w == 2 && q > p && !closing_punct(q))
				brk = q;
			if (col + w > width && brk)
				break;
			col += w;
			q += n;
		}
		if (!*q)
			brk = q;
		printf("%*s%.*s\n", indent, "", (int)(brk - p), p);
		p = brk;
		while (*p == ' ')
			p++;
	}
}

/* --- help --- */

static void print_help(void)
{
	fputs(_("Usage: coro-learn COMMAND [OPTIONS]\n"), stdout);
	putchar('\n');
	fputs(_("Watch Python generators and asyncio at work.  Each lesson re-enacts the\n"
		"program of one chapter of the notes and shows every yield, send, task\n"
		"switch, timer and callback beside the line of Python it mirrors.\n"), stdout);
	putchar('\n');
	fputs(_("Commands:\n"
		"  list                 list the ten lessons\n"
		"  lesson N             run lesson N (1 to 10)\n"
		"  lesson N --help      describe lesson N and its knobs\n"
		"  help                 show this help\n"
		"  replay FILE          step through a trace saved with --json\n"), stdout);
	putchar('\n');
	fputs(_("Options for lesson N:\n"
		"      --python         print the lesson's Python program and nothing else\n"
		"      --output-only    print only what the Python program prints\n"
		"      --set KEY=VALUE  change a knob of the lesson (may be repeated)\n"
		"      --verbose        show more detail, asyncio's own steps included\n"
		"      --realtime       really wait for timers instead of jumping the clock\n"
		"      --no-color       no colours (colours are used only on a terminal,\n"
		"                       and never when NO_COLOR is set)\n"
		"      --step           step through the run at a prompt (help lists\n"
		"                       its commands)\n"
		"      --json FILE      write the trace as JSON (- for standard output)\n"
		"      --chrome FILE    write a Chrome trace, for Perfetto (ui.perfetto.dev)\n"), stdout);
	putchar('\n');
	fputs(_("General options:\n"
		"      --lang en|zh     language of messages and narration\n"
		"                       (default: from LANGUAGE, LC_ALL, LC_MESSAGES, LANG)\n"
		"  -h, --help           show this help\n"
		"      --version        show the version\n"), stdout);
	putchar('\n');
	fputs(_("Examples:\n"
		"  coro-learn list\n"
		"  coro-learn lesson 2\n"
		"  coro-learn lesson 2 --lang zh\n"
		"  coro-learn lesson 3 --help\n"
		"  coro-learn lesson 2 --python > lesson2.py && python3 lesson2.py\n"
		"  coro-learn lesson 9 --step\n"
		"  coro-learn lesson 9 --json trace.json && coro-learn replay trace.json\n"), stdout);
	putchar('\n');
	fputs(_("Exit status: 0 on success, 1 on failure, 2 on a usage error.\n"), stdout);
}

static void print_version(void)
{
	printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
}

/* "whole number from 1 to 1000": a knob's type and range. */
static char *knob_kind(const struct knob *k)
{
	char lo[32], hi[32];

	snprintf(lo, sizeof lo, "%.15g", k->min);
	snprintf(hi, sizeof hi, "%.15g", k->max);
	if (k->type == KNOB_INT)
		return xasprintf(k->integral ? _("whole number from %s to %s")
				 : _("number from %s to %s"), lo, hi);
	return xasprintf(k->integral ? _("list of 1 to %zu whole numbers from %s to %s")
			 : _("list of 1 to %zu numbers from %s to %s"),
			 k->max_items, lo, hi);
}

/* A value worth trying for --set: twice the default for a number (or the
 * minimum if that is out of range), the default reversed for a list. */
static char *knob_example(const struct knob *k)
{
	const char *p;
	char *s, *q;
	size_t len;

	if (k->type == KNOB_INT) {
		double d = strtod(k->def, NULL);
		if (d * 2 <= k->max && d * 2 != d)
			return xasprintf("%.15g", d * 2);
		return xasprintf("%.15g", k->min);
	}
	len = strlen(k->def);
	s = xmalloc(len + 1);
	q = s;
	for (p = k->def + len; p > k->def;) {
		const char *start = p;
		while (start > k->def && start[-1] != ',')
			start--;
		if (q > s)
			*q++ = ',';
		memcpy(q, start, (size_t)(p - start));
		q += p - start;
		p = start > k->def ? start - 1 : start;
	}
	*q = '\0';
	return s;
}

static int available(const struct lesson *l)
{
	return l->run != NULL && l->python != NULL;
}

static void print_lesson_help(const struct lesson *l)
{
	size_t i;
	int width = 0;
	char *example;

	printf(_("Lesson %d: %s\n"), l->number, _(l->title));
	printf(_("Chapter of the notes: %s\n"), l->chapter);
	putchar('\n');
	if (!available(l)) {
		fputs(_("This lesson is not available yet.\n"), stdout);
		return;
	}
	printf(_("Usage: coro-learn lesson %d [OPTIONS] [--set KEY=VALUE]...\n"), l->number);
	putchar('\n');
	if (l->nknobs == 0) {
		fputs(_("This lesson has no knobs.\n"), stdout);
	} else {
		fputs(_("Knobs (change them with --set KEY=VALUE):\n"), stdout);
		for (i = 0; i < l->nknobs; i++) {
			int w = display_width(l->knobs[i].name);
			if (w > width)
				width = w;
		}
		for (i = 0; i < l->nknobs; i++) {
			const struct knob *k = &l->knobs[i];
			char *kind = knob_kind(k);
			fputs("  ", stdout);
			print_padded(k->name, width + 2);
			printf(_("%s (default: %s)\n"), kind, k->def);
			if (k->help)
				print_wrapped(_(k->help), width + 4, 76 - width);
			free(kind);
		}
		putchar('\n');
		example = knob_example(&l->knobs[0]);
		printf(_("Example: coro-learn lesson %d --set %s=%s\n"), l->number,
		       l->knobs[0].name, example);
		free(example);
	}
	putchar('\n');
	fputs(_("See 'coro-learn --help' for the other options.\n"), stdout);
}

/* --- list --- */

static void print_list(void)
{
	const char *h_num = "N", *h_title = _("Lesson"), *h_chapter = _("Chapter of the notes");
	int wtitle = display_width(h_title), wchapter = display_width(h_chapter);
	size_t i;

	for (i = 0; i < lesson_count; i++) {
		int w = display_width(_(lesson_registry[i]->title));
		if (w > wtitle)
			wtitle = w;
		w = display_width(lesson_registry[i]->chapter);
		if (w > wchapter)
			wchapter = w;
	}
	printf("%3s  ", h_num);
	print_padded(h_title, wtitle + 2);
	fputs(h_chapter, stdout);
	putchar('\n');
	for (i = 0; i < lesson_count; i++) {
		const struct lesson *l = lesson_registry[i];
		printf("%3d  ", l->number);
		print_padded(_(l->title), wtitle + 2);
		if (available(l)) {
			fputs(l->chapter, stdout);
		} else {
			print_padded(l->chapter, wchapter + 2);
			fputs(_("(not available yet)"), stdout);
		}
		putchar('\n');
	}
	putchar('\n');
	fputs(_("Run one with: coro-learn lesson N   (coro-learn lesson N --help for its knobs)\n"),
	      stdout);
}

/* --- running a lesson --- */

/* Passes events to the renderer until a write fails; from then on the run
 * goes on silently (the engine cannot be stopped mid-run) and the error is
 * kept for finish_output. */
struct guard {
	struct trace_sink inner;
	FILE *out;
	int err;
};

static void guard_emit(void *ud, const struct trace_event *ev)
{
	struct guard *g = ud;

	if (g->err)
		return;
	errno = 0;
	g->inner.emit(g->inner.ud, ev);
	if (ferror(g->out))
		g->err = errno ? errno : EIO;
}

static int want_color(const struct options *o)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

	if (o->no_color || (no_color && *no_color))
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(STDOUT_FILENO);
}

/* A run with its knobs set from --set (a refused one is a usage error)
 * and its program filled in. */
static void prepare_run(struct lesson_run *run, const struct lesson *l, const struct options *o)
{
	size_t i;

	lesson_run_init(run, l);
	for (i = 0; i < o->nsets; i++) {
		char *msg = NULL;
		if (lesson_set_knob(run, o->sets[i], &msg)) {
			fprintf(stderr, "coro-learn: %s\n", msg);
			free(msg);
			lesson_run_fini(run);
			exit(EXIT_USAGE);
		}
	}
	lesson_run_python(run);
}

static int run_lesson(const struct lesson *l, const struct options *o)
{
	struct lesson_run run;
	struct render_text_opts ro;
	struct render_text *rt;
	struct guard g;
	struct trace_sink sink = {guard_emit, &g};
	struct interp *I;
	int rc;

	prepare_run(&run, l, o);

	if (o->python) {
		size_t len = strlen(run.python);
		fputs(run.python, stdout);
		if (len && run.python[len - 1] != '\n')
			putchar('\n');
		lesson_run_fini(&run);
		return finish_output(0);
	}

	memset(&ro, 0, sizeof ro);
	ro.color = want_color(o);
	ro.verbose = o->verbose;
	ro.output_only = o->output_only;
	ro.run = &run;
	rt = render_text_new(stdout, &ro);
	g.inner = render_text_sink(rt);
	g.out = stdout;
	g.err = 0;
	I = interp_new(&sink);
	I->realtime = o->realtime;
	I->want_frames = !o->output_only; /* generators' locals: not printed there */
	I->app = &run;
	run.I = I;
	rc = l->run(&run);
	if (!g.err) {
		errno = 0;
		render_text_finish(rt);
		if (ferror(stdout))
			g.err = errno ? errno : EIO;
	}
	interp_free(I);
	render_text_free(rt);
	lesson_run_fini(&run);

	if (finish_output(g.err))
		return 1;
	if (rc) {
		fputs("coro-learn: ", stderr);
		fprintf(stderr, _("lesson %d stopped on an internal error"), l->number);
		fputc('\n', stderr);
		return 1;
	}
	return 0;
}

/* --- step mode and trace files --- */

/* Hands each event to several sinks. */
struct tee {
	struct trace_sink s[4];
	int n;
};

static void tee_emit(void *ud, const struct trace_event *ev)
{
	struct tee *t = ud;
	int i;

	for (i = 0; i < t->n; i++)
		t->s[i].emit(t->s[i].ud, ev);
}

/* What a trace file and step mode say about the run. */
static void meta_of_run(struct trace_meta *m, const struct lesson_run *run)
{
	const struct lesson *l = run->lesson;
	size_t i;

	memset(m, 0, sizeof *m);
	m->lesson = l->number;
	m->slug = xstrdup(l->slug);
	m->title = xstrdup(_(l->title));
	m->chapter = xstrdup(l->chapter);
	m->language = xstrdup(i18n_lang());
	m->python = xstrdup(run->python);
	m->generator = xstrdup(PACKAGE_NAME " " PACKAGE_VERSION);
	m->knobs = xcalloc(l->nknobs ? l->nknobs : 1, sizeof *m->knobs);
	for (i = 0; i < l->nknobs; i++) {
		struct trace_knob *k = &m->knobs[i];
		k->name = xstrdup(l->knobs[i].name);
		k->list = l->knobs[i].type == KNOB_LIST;
		k->n = run->kv[i].n;
		k->v = xmalloc((k->n ? k->n : 1) * sizeof *k->v);
		memcpy(k->v, run->kv[i].v, k->n * sizeof *k->v);
	}
	m->nknobs = l->nknobs;
}

static void fail_msg(char *msg)
{
	if (msg)
		fprintf(stderr, "coro-learn: %s\n", msg);
	free(msg);
}

/* lesson N with --step, --json or --chrome: one run, its events handed to
 * each of them (and, with --output-only, the program's output to stdout).
 * Files are complete or absent: each is written beside its target and
 * renamed once the run is over. */
static int run_traced(const struct lesson *l, const struct options *o)
{
	struct lesson_run run;
	struct trace_meta meta;
	struct outfile jf, cf;
	struct render_json *rj = NULL;
	struct render_chrome *rc = NULL;
	struct render_text *rt = NULL;
	struct recorder *rec = NULL;
	struct tee tee;
	struct trace_sink sink;
	struct interp *I;
	char *msg = NULL;
	int status, failed = 0;

	memset(&jf, 0, sizeof jf);
	memset(&cf, 0, sizeof cf);
	prepare_run(&run, l, o);
	meta_of_run(&meta, &run);
	if (o->json && outfile_open(&jf, o->json, &msg)) {
		fail_msg(msg);
		failed = 1;
		goto out;
	}
	if (o->chrome && outfile_open(&cf, o->chrome, &msg)) {
		fail_msg(msg);
		outfile_abort(&jf);
		failed = 1;
		goto out;
	}
	tee.n = 0;
	if (o->step) {
		rec = recorder_new();
		tee.s[tee.n++] = recorder_sink(rec);
	}
	if (o->json) {
		rj = render_json_new(jf.f, &meta);
		tee.s[tee.n++] = render_json_sink(rj);
	}
	if (o->chrome) {
		rc = render_chrome_new(cf.f, &meta);
		tee.s[tee.n++] = render_chrome_sink(rc);
	}
	if (o->output_only) {
		struct render_text_opts ro;
		memset(&ro, 0, sizeof ro);
		ro.output_only = 1;
		ro.run = &run;
		rt = render_text_new(stdout, &ro);
		tee.s[tee.n++] = render_text_sink(rt);
	}
	sink.emit = tee_emit;
	sink.ud = &tee;
	I = interp_new(&sink);
	I->realtime = o->realtime;
	I->app = &run;
	run.I = I;
	status = l->run(&run);
	interp_free(I);
	run.I = NULL;

	if (rj) {
		if (render_json_finish(rj, status)) {
			/* a closed pipe is no news to the reader who closed it */
			msg = errno == EPIPE ? NULL
					     : xasprintf(_("cannot write %s: %s"),
							 strcmp(o->json, "-") ? o->json : _("standard output"),
							 strerror(errno));
			outfile_abort(&jf);
			fail_msg(msg);
			failed = 1;
		} else if (outfile_commit(&jf, &msg)) {
			fail_msg(msg);
			failed = 1;
		}
	}
	if (rc) {
		if (render_chrome_finish(rc)) {
			/* a closed pipe is no news to the reader who closed it */
			msg = errno == EPIPE ? NULL
					     : xasprintf(_("cannot write %s: %s"),
							 strcmp(o->chrome, "-") ? o->chrome : _("standard output"),
							 strerror(errno));
			outfile_abort(&cf);
			fail_msg(msg);
			failed = 1;
		} else if (outfile_commit(&cf, &msg)) {
			fail_msg(msg);
			failed = 1;
		}
	}
	if (status) {
		fputs("coro-learn: ", stderr);
		fprintf(stderr, _("lesson %d stopped on an internal error"), l->number);
		fputc('\n', stderr);
		failed = 1;
	}
	if (rec && !failed) {
		struct stepper_opts so;
		if (recorder_full(rec)) {
			fputs("coro-learn: ", stderr);
			fprintf(stderr, _("the run has more than %u events: too many for step mode (make it smaller with --set)"),
				REC_MAX_EVENTS);
			fputc('\n', stderr);
			failed = 1;
		} else {
			memset(&so, 0, sizeof so);
			so.color = want_color(o);
			if (stepper_run(rec, &meta, &so))
				failed = finish_output(errno) ? 1 : 0;
		}
	}
	/* Step mode, --output-only and --json - write to stdout: a write that
	 * failed shows at the last flush (a full disk takes buffered writes). */
	if (!failed && finish_output(0))
		failed = 1;
out:
	recorder_free(rec);
	render_json_free(rj);
	render_chrome_free(rc);
	render_text_free(rt);
	trace_meta_fini(&meta);
	lesson_run_fini(&run);
	return failed;
}

/* coro-learn replay FILE: the saved trace in step mode. */
static int run_replay(const char *path, const struct options *o)
{
	struct recorder *rec = recorder_new();
	struct trace_meta meta;
	struct stepper_opts so;
	char *msg = NULL;
	int rc;

	memset(&meta, 0, sizeof meta);
	if (render_json_load(path, rec, &meta, &msg)) {
		recorder_free(rec);
		fail_msg(msg);
		return 1;
	}
	memset(&so, 0, sizeof so);
	so.color = want_color(o);
	rc = stepper_run(rec, &meta, &so) ? finish_output(errno) : finish_output(0);
	recorder_free(rec);
	trace_meta_fini(&meta);
	return rc;
}

/* --- the command line --- */

/* "3" -> 3; anything that is not a plain decimal number -> -1. */
static int parse_number(const char *s)
{
	long n = 0;
	const char *p;

	if (!*s)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (n < 1000000)
			n = n * 10 + (*p - '0');
	}
	return (int)n;
}

static const struct lesson *lesson_arg(const char *arg)
{
	int n = parse_number(arg);
	const struct lesson *l = n >= 0 ? lesson_find(n) : NULL;

	if (n < 0)
		usage_error(_("lesson \"%s\": not a lesson number (lessons are numbered 1 to %zu)"),
			    q(arg), lesson_count);
	if (!l)
		usage_error(_("lesson %s: no such lesson (lessons are numbered 1 to %zu)"), q(arg),
			    lesson_count);
	return l;
}

/* The language named by --lang before getopt runs, so that its own
 * messages are already in that language. */
static const char *early_lang(int argc, char **argv)
{
	const char *lang = NULL;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--lang") && i + 1 < argc)
			lang = argv[++i];
		else if (!strncmp(argv[i], "--lang=", 7))
			lang = argv[i] + 7;
		else if (!strcmp(argv[i], "--set") || !strcmp(argv[i], "--json") ||
			 !strcmp(argv[i], "--chrome"))
			i++;
	}
	return lang;
}

/* The argument getopt stopped at that starts with "-<digit>": "-1". */
static const char *negative_number(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9')
			return argv[i];
	return "-";
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c, idx;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, &idx)) != -1) {
		switch (c) {
		case 'h':
			o->help = 1;
			break;
		case OPT_VERSION:
			o->version = 1;
			break;
		case OPT_LANG:
			if (!i18n_valid(optarg))
				usage_error(_("--lang %s: choose en or zh"), q(optarg));
			o->lang = optarg;
			break;
		case OPT_NO_COLOR:
			o->no_color = 1;
			break;
		case OPT_PYTHON:
			o->python = 1;
			o->lesson_only = o->lesson_only ? o->lesson_only : "--python";
			break;
		case OPT_OUTPUT_ONLY:
			o->output_only = 1;
			o->lesson_only = o->lesson_only ? o->lesson_only : "--output-only";
			break;
		case OPT_SET:
			o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof *o->sets);
			o->sets[o->nsets++] = optarg;
			o->lesson_only = o->lesson_only ? o->lesson_only : "--set";
			break;
		case OPT_VERBOSE:
			o->verbose = 1;
			o->lesson_only = o->lesson_only ? o->lesson_only : "--verbose";
			break;
		case OPT_REALTIME:
			o->realtime = 1;
			o->lesson_only = o->lesson_only ? o->lesson_only : "--realtime";
			break;
		case OPT_STEP:
			o->step = 1;
			o->lesson_only = o->lesson_only ? o->lesson_only : "--step";
			break;
		case OPT_JSON:
			o->json = optarg;
			o->lesson_only = o->lesson_only ? o->lesson_only : "--json";
			break;
		case OPT_CHROME:
			o->chrome = optarg;
			o->lesson_only = o->lesson_only ? o->lesson_only : "--chrome";
			break;
		case ':':
			usage_error(_("option %s needs a value (see coro-learn --help)"),
				    q(argv[optind - 1]));
		default:
			if (optopt >= '0' && optopt <= '9')
				usage_error(_("lesson %s: no such lesson (lessons are numbered 1 to %zu)"),
					    q(negative_number(argc, argv)), lesson_count);
			if (optopt >= OPT_VERSION) {
				const char *a = q(argv[optind - 1]), *eq = strchr(a, '=');
				usage_error(_("option %.*s takes no value"),
					    eq ? (int)(eq - a) : (int)strlen(a), a);
			}
			if (optopt)
				usage_error(_("unknown option -%c (see coro-learn --help)"), optopt);
			usage_error(_("unknown option %s (see coro-learn --help)"), q(argv[optind - 1]));
		}
	}
}

int main(int argc, char **argv)
{
	struct options o;
	const char *cmd, *lang;
	char **args;
	int nargs, rc;

	memset(&o, 0, sizeof o);
	signal(SIGPIPE, SIG_IGN);
	lang = early_lang(argc, argv);
	i18n_init(i18n_valid(lang) ? lang : NULL);
	parse_options(argc, argv, &o);
	/* An abbreviated --la zh reaches here only through getopt. */
	if (o.lang && (!lang || strcmp(o.lang, lang)))
		i18n_init(o.lang);

	args = argv + optind;
	nargs = argc - optind;
	cmd = nargs ? args[0] : NULL;

	if (o.version) {
		print_version();
		return finish_output(0);
	}
	if (!cmd || !strcmp(cmd, "help")) {
		if (cmd && nargs > 2)
			usage_error(_("help: unexpected argument \"%s\""), q(args[2]));
		if (cmd && nargs == 2) {
			print_lesson_help(lesson_arg(args[1]));
			return finish_output(0);
		}
		if (!cmd && !o.help)
			usage_error(_("no command given (see coro-learn --help)"));
		print_help();
		return finish_output(0);
	}

	if (!strcmp(cmd, "lesson")) {
		const struct lesson *l;
		if (nargs < 2)
			usage_error(_("lesson: which one? Give a number from 1 to %zu"), lesson_count);
		l = lesson_arg(args[1]);
		if (nargs > 2)
			usage_error(_("lesson %s: unexpected argument \"%s\""), q(args[1]), q(args[2]));
		if (o.help) {
			print_lesson_help(l);
			return finish_output(0);
		}
		if (o.python && o.output_only)
			usage_error(_("--python and --output-only cannot be used together"));
		if (o.python && (o.step || o.json || o.chrome))
			usage_error(_("--python cannot be used with %s"),
				    o.step ? "--step" : o.json ? "--json" : "--chrome");
		if (o.step && o.output_only)
			usage_error(_("--output-only cannot be used with --step"));
		if (o.json && o.chrome && !strcmp(o.json, "-") && !strcmp(o.chrome, "-"))
			usage_error(_("--json - and --chrome - cannot both write to standard output"));
		if (((o.json && !strcmp(o.json, "-")) || (o.chrome && !strcmp(o.chrome, "-"))) &&
		    (o.step || o.output_only))
			usage_error(_("%s - writes to standard output: it cannot be used with %s"),
				    o.json && !strcmp(o.json, "-") ? "--json" : "--chrome",
				    o.step ? "--step" : "--output-only");
		if (!available(l))
			fail(_("lesson %d (%s) is not available yet"), l->number, _(l->title));
		if (o.step || o.json || o.chrome)
			rc = run_traced(l, &o);
		else
			rc = run_lesson(l, &o);
		free(o.sets);
		return rc;
	}

	if (o.help) {
		print_help();
		return finish_output(0);
	}
	if (!strcmp(cmd, "list")) {
		if (nargs > 1)
			usage_error(_("list: unexpected argument \"%s\""), q(args[1]));
		if (o.lesson_only)
			usage_error(_("%s only applies to coro-learn lesson N"), o.lesson_only);
		print_list();
		return finish_output(0);
	}
	if (!strcmp(cmd, "replay")) {
		if (nargs < 2)
			usage_error(_("replay: which file? Give the trace to replay"));
		if (nargs > 2)
			usage_error(_("replay: unexpected argument \"%s\""), q(args[2]));
		if (o.lesson_only)
			usage_error(_("%s only applies to coro-learn lesson N"), o.lesson_only);
		return run_replay(args[1], &o);
	}
	if (parse_number(cmd) >= 0)
		usage_error(_("unknown command \"%s\" (did you mean coro-learn lesson %s?)"), q(cmd), q(cmd));
	usage_error(_("unknown command \"%s\" (commands: list, lesson, help)"), q(cmd));
}
