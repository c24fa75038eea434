/* fuzz_replay.c -- libFuzzer harness for the trace loader `coro-learn
 * replay` uses (render_json_load), on arbitrary bytes.
 *
 * A file the loader refuses must be refused with one line.  A file it
 * accepts is then folded (the state after the last event, the middle one
 * and the first, as step mode seeks them, with every view read), and
 * written back through the JSON and Chrome writers.  The JSON written must
 * load again, and writing that a second time must give the same bytes: what
 * the loader accepts, the writer can express.
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

#include "cli/recorder.h"
#include "cli/render_chrome.h"
#include "cli/render_json.h"

static int fd = -1;
static char path[64];
static FILE *devnull;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_replay: invariant broken: %s\n", what);
		abort();
	}
}

/* data becomes the content of the file at `path`. */
static void put_file(const void *data, size_t size)
{
	check(ftruncate(fd, 0) == 0, "ftruncate");
	check(pwrite(fd, data, size, 0) == (ssize_t)size, "pwrite");
}

static void fold(struct recorder *r)
{
	struct rec_state *s = rec_state_new(r);
	uint64_t n = recorder_count(r), marks[4];
	size_t i, k;

	marks[0] = n;
	marks[1] = n / 2;
	marks[2] = 0;
	marks[3] = n ? n - 1 : 0;
	for (i = 0; i < 4; i++) {
		const struct rec_task *t;
		const struct rec_gen *g;
		const struct rec_handle *h;
		struct rec_handle *timers;
		const struct rec_actor *a;
		size_t nb, nt;

		rec_state_seek(s, marks[i]);
		check(rec_state_pos(s) == marks[i], "seek went elsewhere");
		nt = rec_state_tasks(s, &t);
		for (k = 0; k < nt; k++)
			(void)rec_state_task(s, t[k].who.id);
		nt = rec_state_gens(s, &g);
		for (k = 0; k < nt; k++)
			(void)rec_state_done(s, &g[k].who);
		nt = rec_state_ready(s, &h, &nb);
		check(nb <= nt, "a batch longer than the ready queue");
		nt = rec_state_timers(s, &timers);
		free(timers);
		nt = rec_state_running(s, &a);
		(void)nt;
		(void)rec_state_current_task(s);
	}
	rec_state_free(s);
}

/* The record written as JSON, in a malloc'd buffer (*len bytes). */
static char *write_json(struct recorder *r, const struct trace_meta *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct render_json *rj = render_json_new(f, m);
	struct render_chrome *rc = render_chrome_new(devnull, m);
	struct rec_flat fl;
	uint64_t i, n = recorder_count(r);

	for (i = 1; i <= n; i++) {
		check(recorder_flat(r, i, &fl) == 0, "an event the record does not have");
		render_json_flat(rj, &fl);
		render_chrome_flat(rc, &fl);
	}
	check(render_json_finish(rj, 0) == 0, "the JSON writer failed");
	render_chrome_finish(rc);
	render_json_free(rj);
	render_chrome_free(rc);
	fclose(f);
	return buf;
}

static int load(struct recorder **r, struct trace_meta *m)
{
	char *msg = NULL;
	int rc;

	*r = recorder_new();
	memset(m, 0, sizeof *m);
	rc = render_json_load(path, *r, m, &msg);
	if (rc) {
		check(msg != NULL && *msg, "a refusal without a message");
		check(strchr(msg, '\n') == NULL, "a refusal on two lines");
		free(msg);
	} else {
		check(msg == NULL, "an acceptance with a message");
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recorder *r, *r2;
	struct trace_meta m, m2;
	char *j1, *j2;
	size_t n1, n2;

	if (fd < 0) {
		fd = memfd_create("trace", 0);
		check(fd >= 0, "memfd_create");
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		devnull = fopen("/dev/null", "w");
	}
	put_file(data, size);
	if (load(&r, &m)) {
		recorder_free(r);
		return 0;
	}
	fold(r);
	j1 = write_json(r, &m, &n1);
	put_file(j1, n1);
	check(load(&r2, &m2) == 0, "the loader refuses what the writer wrote");
	check(recorder_count(r2) == recorder_count(r), "the events changed in number");
	j2 = write_json(r2, &m2, &n2);
	check(n1 == n2 && !memcmp(j1, j2, n1), "a second round trip changed the file");
	free(j1);
	free(j2);
	trace_meta_fini(&m2);
	recorder_free(r2);
	trace_meta_fini(&m);
	recorder_free(r);
	return 0;
}
