/* fuzz_knobs.c -- libFuzzer harness for the --set parser (lesson_set_knob)
 * of every lesson, and for the runs it lets through.
 *
 * Input: the first byte picks the lesson (modulo the number of lessons);
 * the rest is split at newlines into at most 16 --set arguments, applied in
 * order.  Each refusal must be one line of bounded length; each acceptance
 * must leave every knob inside its declared limits and the program text
 * carrying the value.  When the knobs keep the run small, the lesson then
 * runs through the text renderer (output to /dev/null), so the engine meets
 * every delay and count the parser accepts.
 *
 * Built and run by tests/fuzz/run (make fuzz).
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lessons/lesson.h"
#include "cli/render_text.h"

enum {
	MAX_SETS = 16,
	MSG_MAX = 512,      /* a refusal quotes at most 64 bytes of the input */
	RUN_ITEMS_MAX = 12, /* run the lesson when lists are this short ... */
	RUN_COUNT_MAX = 40  /* ... and counts (n, tasks) this small */
};

static FILE *devnull;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_knobs: invariant broken: %s\n", what);
		abort();
	}
}

/* Every knob holds 1..max_items numbers within [min, max], whole when the
 * knob is integral; and the program shows it. */
static void check_values(const struct lesson_run *r)
{
	const struct lesson *l = r->lesson;
	size_t i, j;

	for (i = 0; i < l->nknobs; i++) {
		const struct knob *k = &l->knobs[i];
		const struct knob_value *v = &r->kv[i];
		check(v->n >= 1, "a knob has no value");
		check(v->n <= (k->type == KNOB_LIST ? k->max_items : 1), "too many items");
		for (j = 0; j < v->n; j++) {
			check(v->v[j] >= k->min && v->v[j] <= k->max, "a value out of range");
			check(!k->integral || v->v[j] == (double)(long long)v->v[j],
			      "an integral knob holds a fraction");
		}
		if (k->pyvar) {
			char *py = knob_python(k, v);
			char *line = xasprintf("%s = %s", k->pyvar, py);
			check(strstr(r->python, line) != NULL, "the program lacks the knob's value");
			free(line);
			free(py);
		}
	}
}

/* Small enough to run in a few milliseconds. */
static int small(const struct lesson_run *r)
{
	const struct lesson *l = r->lesson;
	size_t i;

	for (i = 0; i < l->nknobs; i++) {
		const struct knob_value *v = &r->kv[i];
		if (l->knobs[i].type == KNOB_LIST && v->n > RUN_ITEMS_MAX)
			return 0;
		if (l->knobs[i].type == KNOB_INT && l->knobs[i].max > 1000 &&
		    strcmp(l->knobs[i].name, "seed") && v->v[0] > RUN_COUNT_MAX)
			return 0;
	}
	return 1;
}

static void run(struct lesson_run *r)
{
	struct render_text_opts ro;
	struct render_text *rt;
	struct trace_sink sink;
	struct interp *I;

	memset(&ro, 0, sizeof ro);
	ro.run = r;
	ro.verbose = 1;
	rt = render_text_new(devnull, &ro);
	sink = render_text_sink(rt);
	I = interp_new(&sink);
	I->want_frames = 1;
	I->app = r;
	r->I = I;
	check(r->lesson->run(r) == 0, "the lesson stopped on an internal error");
	render_text_finish(rt);
	interp_free(I);
	r->I = NULL;
	render_text_free(rt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct lesson *l;
	struct lesson_run r;
	char *text, *p;
	int nsets = 0, accepted = 0;

	if (size < 1)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	l = lesson_registry[data[0] % lesson_count];
	if (!l->run || !l->python)
		return 0;
	text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	lesson_run_init(&r, l);
	for (p = text; nsets < MAX_SETS; nsets++) {
		char *nl = strchr(p, '\n'), *msg = NULL;
		if (nl)
			*nl = '\0';
		if (lesson_set_knob(&r, p, &msg)) {
			check(msg != NULL, "a refusal without a message");
			check(strchr(msg, '\n') == NULL, "a refusal on two lines");
			check(strlen(msg) < MSG_MAX, "a refusal too long");
			free(msg);
		} else {
			check(msg == NULL, "an acceptance with a message");
			accepted++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	lesson_run_python(&r);
	check_values(&r);
	if (accepted && small(&r))
		run(&r);
	lesson_run_fini(&r);
	free(text);
	return 0;
}
