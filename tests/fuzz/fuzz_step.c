/* fuzz_step.c -- libFuzzer harness for step mode's commands.
 *
 * Step mode reads its commands with one function for the whole session
 * (stepper_run), so the harness plays a whole scripted session: the input,
 * as the lines a user would type, on standard input (not a terminal, so
 * commands are read one per line, as `printf 'step 5\n' | coro-learn
 * lesson N --step` does), over a recording made once of a real lesson.
 * The first byte picks the recording: lesson 3 (generators), lesson 9
 * (tasks and timers) or lesson 10 (nested awaits, all five ways).  Standard
 * output goes to /dev/null; a session must end (at quit or at the end of the
 * input) without a crash, a leak or a sanitizer report.
 *
 * Built and run by tests/fuzz/run (make fuzz).
 */
#define _GNU_SOURCE
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lessons/lesson.h"
#include "cli/recorder.h"
#include "cli/stepper.h"

struct recording {
	int lesson;
	const char *knob;
	struct recorder *rec;
	struct trace_meta meta;
};

static struct recording recs[] = {
	{3, "n=3", NULL, {0}},
	{9, "delays=1,2,2", NULL, {0}},
	{10, NULL, NULL, {0}},
};

enum { NRECS = sizeof recs / sizeof recs[0] };

static int fd = -1;
static char path[64];

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_step: %s\n", what);
		abort();
	}
}

/* Runs lesson rc->lesson once into a recorder, as `--step` does. */
static void record(struct recording *rc)
{
	const struct lesson *l = lesson_find(rc->lesson);
	struct lesson_run run;
	struct trace_sink sink;
	struct interp *I;
	char *msg = NULL;
	size_t i;

	check(l && l->run, "no such lesson");
	lesson_run_init(&run, l);
	if (rc->knob)
		check(lesson_set_knob(&run, rc->knob, &msg) == 0, "a knob refused");
	lesson_run_python(&run);
	rc->rec = recorder_new();
	sink = recorder_sink(rc->rec);
	I = interp_new(&sink);
	I->want_frames = 1;
	I->app = &run;
	run.I = I;
	check(l->run(&run) == 0, "the lesson failed");
	interp_free(I);
	memset(&rc->meta, 0, sizeof rc->meta);
	rc->meta.lesson = l->number;
	rc->meta.title = xstrdup(l->title);
	rc->meta.python = xstrdup(run.python);
	rc->meta.knobs = xcalloc(l->nknobs + 1, sizeof *rc->meta.knobs);
	for (i = 0; i < l->nknobs; i++) {
		struct trace_knob *k = &rc->meta.knobs[i];
		k->name = xstrdup(l->knobs[i].name);
		k->list = l->knobs[i].type == KNOB_LIST;
		k->n = run.kv[i].n;
		k->v = xmalloc(k->n * sizeof *k->v);
		memcpy(k->v, run.kv[i].v, k->n * sizeof *k->v);
	}
	rc->meta.nknobs = l->nknobs;
	lesson_run_fini(&run);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NRECS; i++)
		record(&recs[i]);
	fd = memfd_create("commands", 0);
	check(fd >= 0, "memfd_create");
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	check(freopen("/dev/null", "w", stdout) != NULL, "no /dev/null");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stepper_opts so;
	struct recording *rc;

	if (size < 1)
		return 0;
	rc = &recs[data[0] % NRECS];
	check(ftruncate(fd, 0) == 0, "ftruncate");
	check(pwrite(fd, data + 1, size - 1, 0) == (ssize_t)(size - 1), "pwrite");
	check(freopen(path, "r", stdin) != NULL, "freopen stdin");
	memset(&so, 0, sizeof so);
	so.color = data[0] & 0x80;
	stepper_run(rc->rec, &rc->meta, &so);
	clearerr(stdout);
	return 0;
}
