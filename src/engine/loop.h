/* loop.h -- the event loop: a ready FIFO, a timer heap and a clock.
 *
 * loop_run_once() is BaseEventLoop._run_once (semantics.md L0), phase by phase:
 *   1. if nothing is ready and a timer is due later, advance the clock to it
 *      (virtual clock) or sleep until then (realtime);
 *   2. move every timer whose deadline has come to the END of the ready FIFO,
 *      in (deadline, registration) order (L2, L8);
 *   3. snapshot ntodo = number of ready handles;
 *   4. run exactly ntodo handles, skipping cancelled ones.  Whatever they
 *      schedule waits for the next iteration (L1, L5).
 * run_forever() checks stop() only between iterations (L0).
 *
 * A handle is a callback, a target object (referenced while queued) and one
 * argument value.  Cancelling a timer only marks it; the heap drops it when
 * it reaches the top (mark-then-reap), so a callback may cancel its own timer.
 */
#ifndef CORO_LOOP_H
#define CORO_LOOP_H

#include "interp.h"

struct loop;
struct timer;

/* The part of a loop that every trace event reads: the first member of
 * struct loop, so that interp_emit reads it inline (loop_clock_) instead
 * of calling loop_time and loop_iteration for each of millions of events. */
struct loop_clock {
	double now;               /* the virtual clock */
	uint64_t iteration;       /* iterations so far */
	int realtime;             /* the clock is CLOCK_MONOTONIC, not `now` */
};
static inline const struct loop_clock *loop_clock_(const struct loop *L)
{
	return (const struct loop_clock *)(const void *)L;
}

/* A callback run by the loop.  target is the object the handle keeps alive
 * (may be NULL); arg is the handle's argument (borrowed). */
typedef void (*loop_cb)(struct interp *I, void *target, struct value arg);

/* What a handle will run, for the trace: "Task-2.__step()" is built from
 * what="__step" and the target's actor. */
struct loop_callee {
	loop_cb cb;
	const char *what;          /* "__step", "task_wakeup", "callback" ... */
	struct trace_actor target; /* who it runs on behalf of */
};

/* get_event_loop(): the policy's loop, created on first use (3.11: silently). */
struct loop *loop_get(struct interp *I);
/* new_event_loop() + set_event_loop(): a fresh loop becomes current. */
struct loop *loop_new(struct interp *I);
/* close() and free; handles still queued are dropped (their targets released). */
void loop_free(struct loop *L);

struct interp *loop_interp(const struct loop *L);
/* The loop's number, from 1, unique in its interp (its actor id). */
unsigned loop_id(const struct loop *L);
/* repr(loop), as asyncio.new_event_loop()'s loop on Linux prints it:
 * "<_UnixSelectorEventLoop running=True closed=False debug=False>".
 * Caller frees. */
char *loop_repr(const struct loop *L);
double loop_time(const struct loop *L);
/* time.sleep(d) with the virtual clock: the program blocks, the clock moves. */
void loop_advance(struct loop *L, double d);
uint64_t loop_iteration(const struct loop *L);
int loop_is_running(const struct loop *L);
int loop_is_closed(const struct loop *L);
void loop_close(struct loop *L);

/* call_soon(cb, arg): append to the ready FIFO.  target (may be NULL) gets a
 * new reference until the handle runs; arg is referenced too.  Returns the
 * handle id. */
unsigned loop_call_soon(struct loop *L, loop_cb cb, const char *what,
			void *target, struct trace_actor who, struct value arg);
/* call_later(delay, ...) = call_at(time() + delay, ...).  Returns a timer the
 * caller owns one reference to (timer_unref when done with it). */
struct timer *loop_call_later(struct loop *L, double delay, loop_cb cb, const char *what,
			      void *target, struct trace_actor who, struct value arg);
struct timer *loop_call_at(struct loop *L, double when, loop_cb cb, const char *what,
			   void *target, struct trace_actor who, struct value arg);
void timer_cancel(struct timer *t);   /* TimerHandle.cancel(): mark only */
/* How many of (target, arg) the Python callback takes, for the timer's
 * repr: by default target if there is one, and arg if it is not None;
 * futures._set_result_unless_cancelled(fut, None) needs 2. */
void timer_set_nargs(struct timer *t, int n);
void timer_unref(struct timer *t);
double timer_when(const struct timer *t);

/* A hint for the cache, never needed for correctness.  For the timers
 * about to fire (with many timers: see loop.c, "the front of the timer
 * queue"), the loop calls fetch(target, 0) for a timer's callback cb
 * (prefetch target itself), then, as the timer comes nearer, fetch(target,
 * 1), fetch(target, 2) ..., which prefetch what running the callback will
 * reach through target, one pointer further each time (a future, the task
 * that awaits it, the task's coroutines).  When 100 000 timers fire in an
 * order unrelated to where their objects are, each of those would
 * otherwise be a wait for memory.  A stage past the last a fetch knows
 * does that last one again.  A few callbacks at most; registering one
 * twice is harmless. */
void loop_prefetch_with(loop_cb cb, void (*fetch)(const void *target, int stage));
/* Start loading what the callback cb will touch on target: stage 0 the
 * target itself, each further stage one pointer further (what the
 * registered function for cb does; without one, stage 0 only). */
void loop_prefetch(loop_cb cb, const void *target, int stage);

/* One iteration (the phases above). */
void loop_run_once(struct loop *L);
/* run_forever(): iterate until stop().  Returns -1 (and does nothing) if the
 * loop is already running or closed: a misuse for the caller to report. */
int loop_run_forever(struct loop *L);
void loop_stop(struct loop *L);

/* For step mode and tests: the ready FIFO and timers as they are now. */
size_t loop_ready_count(const struct loop *L);
size_t loop_timer_count(const struct loop *L); /* live (uncancelled) timers */

#endif
