/* render_json.h -- trace files: the coro-learn-trace/1 JSON writer, the
 * loader `coro-learn replay` uses, and the all-or-nothing output file both
 * exporters write through.
 *
 * The writer streams: each event becomes one JSON object, printed and
 * forgotten as it arrives, so memory does not grow with the run.  The
 * format is documented in docs/trace-format.md.
 *
 * The loader reads a file of any size up to TRACE_FILE_MAX without building
 * one tree for it: a scan checks the nesting (at most TRACE_DEPTH_MAX
 * levels) and finds the top-level members, then cJSON parses the small
 * members and each event on its own.  Every problem is reported as one
 * line of text; nothing in a file can crash it.
 */
#ifndef CORO_CLI_RENDER_JSON_H
#define CORO_CLI_RENDER_JSON_H

#include <stdio.h>

#include "../engine/trace.h"
#include "recorder.h"

#define TRACE_SCHEMA "coro-learn-trace/1"
#define TRACE_FILE_MAX (1024UL * 1024 * 1024) /* bytes */
#define TRACE_DEPTH_MAX 32

/* --- an output file that appears whole or not at all --- */

/* Writes go to a temporary file in the target's directory; commit renames
 * it over the target.  "-" means standard output; a target that exists and
 * is not a regular file (/dev/stdout, a fifo) is written in place. */
struct outfile {
	FILE *f;
	char *path, *tmp;   /* tmp NULL for standard output */
	int direct;         /* a device or pipe, written in place */
};

/* Returns 0, or 1 with a message (caller frees) in *msg. */
int outfile_open(struct outfile *o, const char *path, char **msg);
/* Flushes, closes and renames.  0, or 1 with *msg; the temporary file is
 * removed either way. */
int outfile_commit(struct outfile *o, char **msg);
/* Closes and removes the temporary file (safe after commit: a no-op). */
void outfile_abort(struct outfile *o);

/* --- the writer --- */

struct render_json;

/* A writer to out (borrowed, not closed), describing the run with m
 * (copied as needed: m may go after this call).  Returns a new writer the
 * caller frees with render_json_free. */
struct render_json *render_json_new(FILE *out, const struct trace_meta *m);
/* The sink to install in the interp (or tee); it borrows rj. */
struct trace_sink render_json_sink(struct render_json *rj);
/* One event given as numbers and text (replay's way in). */
void render_json_flat(struct render_json *rj, const struct rec_flat *f);
/* Closes the events and writes the summary; status: the run's outcome
 * (0 ok).  Returns nonzero if any write failed (errno is its error). */
int render_json_finish(struct render_json *rj, int status);
void render_json_free(struct render_json *rj); /* NULL is a no-op */

/* State names as a trace file writes them: "GEN_SUSPENDED",
 * "CORO_RUNNING", "PENDING"; NULL for -1.  Gen states for the gen.* kinds
 * (CORO_ for a coroutine), future states for the others. */
const char *trace_state_name(int kind, int actor_kind, int state);

/* --- the loader --- */

/* Reads trace file path into r (empty) and m (zeroed).  Returns 0, or 1
 * with a one-line message (caller frees) in *msg. */
int render_json_load(const char *path, struct recorder *r, struct trace_meta *m, char **msg);

#endif
