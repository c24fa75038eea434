/* interp.h -- one run of a program: the trace sink, counters, the current
 * frame and the event loop.  Mirrors the parts of CPython's interpreter state
 * a lesson can observe: the process-wide Task-N counter (never reset), the
 * frame that is running (for line numbers), the running task.
 *
 * The caller owns the interp (interp_new/interp_free).  Everything created
 * through it must be released before interp_free.
 */
#ifndef CORO_INTERP_H
#define CORO_INTERP_H

#include "trace.h"

struct loop;
struct task;
struct gathering;

/* A frame that has a current line: the program's top level, or a generator. */
struct frame {
	struct frame *back;  /* the frame that resumed this one */
	struct trace_actor who;
	int line;            /* f_lineno in the Python mirror; 0 = unknown */
	int library;         /* asyncio's own code, not the program's */
};

struct interp {
	struct trace_sink sink;   /* emit == NULL: tracing off */
	struct frame *cur;        /* innermost running frame, while tracing: the
	                             trace-off resume path does not link frames */
	uint64_t seq;             /* last event number */
	unsigned next_id[8];      /* per actor kind */
	unsigned task_counter;    /* asyncio's global Task-N counter */
	struct frame top;         /* <module> */
	struct loop *loop;        /* the policy's current loop, or NULL */
	unsigned loop_id;         /* its id (loop_id()), 0 for none: no other
	                             loop is alive (loop_new frees the old one) */
	struct task *current_task;/* asyncio.current_task() */
	struct task *all_tasks;   /* every task not yet freed (not referenced) */
	struct gathering *gatherings; /* every _GatheringFuture not yet freed (aio.c) */
	void (*at_teardown)(struct interp *I); /* run by task_destroy_pending */
	int realtime;             /* loops wait for real instead of jumping */
	int want_frames;          /* fill trace_event.frame (costly): step mode, JSON, --verbose */
	int set_order;            /* > 0 while iterating a set: events get TRACE_SET_ORDER */
	int library;              /* > 0 while asyncio's machinery acts for the program */
	int no_current_loop;      /* set_event_loop(None) was called (after asyncio.run) */
	unsigned long long live;  /* engine objects alive (leak check) */
	struct gen *spare_gen;    /* a coroutine kept for reuse, not live (gen.c) */
	struct cancel_note {      /* the cancel(msg) message of each finished task */
		const struct future *task; /* that survived one (future.c) */
		struct value msg;
		struct cancel_note *next;
	} *cancel_notes;
	void *app;                /* the front end's context (a lesson run) */
};

struct interp *interp_new(const struct trace_sink *sink);
void interp_free(struct interp *I);

static inline int trace_on(const struct interp *I) { return I->sink.emit != 0; }
/* Is asyncio's own code running (TRACE_LIBRARY)? */
static inline int interp_in_library(const struct interp *I) { return I->library || I->cur->library; }

/* Fill seq/time/iteration/line and hand ev to the sink.  The caller fills
 * the rest; a zeroed event with state_from/to = -1 is the usual start. */
void interp_emit(struct interp *I, struct trace_event *ev);
/* An event about `who` with no other fields set. */
void interp_event(struct interp *I, enum ev_kind k, struct trace_actor who);
/* Convenience: text events from the top level or the running frame. */
void interp_say(struct interp *I, const char *text);
void interp_print(struct interp *I, const char *text);
void interp_warn(struct interp *I, const char *text);
void interp_note(struct interp *I, const char *text);

/* A plain function (a done callback) runs in a frame of its own: enter it
 * before the body, leave it after, so its lines are its own. */
void interp_enter(struct interp *I, struct frame *f, enum actor_kind k, const char *name);
void interp_leave(struct interp *I, struct frame *f);

/* The line the running frame is at (AT() in lessons). */
static inline void interp_set_line(struct interp *I, int line) { I->cur->line = line; }

static inline unsigned interp_new_id(struct interp *I, enum actor_kind k) { return ++I->next_id[k & 7]; }

/* The clock a program reads with time.time(): the loop's clock, created on
 * demand; time.sleep(d) advances it (or really sleeps in realtime mode). */
double interp_time(struct interp *I);
void interp_sleep(struct interp *I, double d);

#endif
