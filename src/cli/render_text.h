/* render_text.h -- the timeline a learner reads in a terminal.
 *
 * A trace sink that turns the engine's events into text as they arrive: a
 * header (lesson, chapter), the narration as wrapped prose, then the timeline
 * -- each Python line the program reaches, who runs and what happens, the
 * program's own output set apart -- and, from render_text_finish(), a closing
 * summary (virtual time, tasks and their results).
 *
 * Memory stays bounded however long the run: nothing keeps the events.  Past
 * a row budget (200 rows for a condensed run) the rest of the timeline is
 * only counted, and the summary says how much was folded.
 */
#ifndef CORO_RENDER_TEXT_H
#define CORO_RENDER_TEXT_H

#include <stdio.h>
#include "../engine/trace.h"

struct lesson_run;
struct render_text;

struct render_text_opts {
	int color;       /* ANSI colours, one per event family */
	int verbose;     /* every event, the ready queue and timers at each
	                    iteration, a generator's locals at each yield */
	int output_only; /* only the program's output, byte for byte as
	                    python3 writes it to stdout */
	const struct lesson_run *run; /* header, Python lines, condensed; may be NULL */
};

/* A renderer writing to out (not closed by render_text_free).  o is copied;
 * o->run must outlive the renderer.  Returns a new renderer the caller frees
 * with render_text_free. */
struct render_text *render_text_new(FILE *out, const struct render_text_opts *o);
/* The sink to install in the interp; it borrows rt. */
struct trace_sink render_text_sink(struct render_text *rt);
/* The closing summary, then a flush.  Call once, after the run. */
void render_text_finish(struct render_text *rt);
/* NULL is a no-op. */
void render_text_free(struct render_text *rt);
/* Nonzero once a write has failed, with errno set to that failure's.
 * Writing stops at the first failure. */
int render_text_error(const struct render_text *rt);

#endif
