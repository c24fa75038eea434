/* render_chrome.h -- a run as a Chrome Trace Event file (opens in Perfetto
 * and chrome://tracing), written as the events arrive.
 *
 * Lanes: the program's top level, the event loop, and one per task, each
 * named with an "M" (metadata) event.  Slices ("X"): every loop iteration
 * and every handle it runs (loop lane), every task step (the task's lane),
 * and every run of a generator or coroutine from resume to yield, return
 * or raise (the lane of whatever resumed it).  Instants ("i") mark yields,
 * sends, call_soon, callbacks, timers, wakeups and the program's output.
 * Flow arrows ("s" -> "f") go from a future's completion to the task step
 * or callback it wakes up.
 *
 * Time: ts is the virtual time in microseconds, except that an event never
 * comes earlier than 1 µs after the one before it.  Steps take no virtual
 * time, so without this rule everything between two clock jumps would sit
 * at one instant; with it, each event has a 1 µs place of its own, slices
 * have a width, and slices in one lane nest by construction.  When many
 * events happen at one virtual instant the trace's clock runs ahead of the
 * virtual clock until the next jump catches up; each event's exact
 * virtual time is in its args ("t", seconds).
 */
#ifndef CORO_CLI_RENDER_CHROME_H
#define CORO_CLI_RENDER_CHROME_H

#include <stdio.h>

#include "../engine/trace.h"
#include "recorder.h"

struct render_chrome;

/* A writer to out (borrowed); m names the process.  Returns a new writer
 * the caller frees with render_chrome_free. */
struct render_chrome *render_chrome_new(FILE *out, const struct trace_meta *m);
/* The sink to install in the interp; it borrows rc. */
struct trace_sink render_chrome_sink(struct render_chrome *rc);
void render_chrome_flat(struct render_chrome *rc, const struct rec_flat *f);
/* Closes what is still open and ends the document.  Returns nonzero if
 * any write failed (errno is its error). */
int render_chrome_finish(struct render_chrome *rc);
void render_chrome_free(struct render_chrome *rc); /* NULL is a no-op */

#endif
