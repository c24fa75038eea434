/* trace.h -- the trace event and the sink that receives it.
 *
 * The engine reports every observable step as one struct trace_event handed to
 * a sink.  It never formats text for a terminal or a file: renderers do that.
 * Events are delivered synchronously, in order; everything an event points to
 * (names, values, text) is borrowed and valid only during the emit call, so a
 * sink that keeps an event must copy what it needs.
 *
 * With no sink installed, emitting costs one branch: hot paths test
 * trace_on() before they build an event.
 */
#ifndef CORO_TRACE_H
#define CORO_TRACE_H

#include <stdint.h>
#include "value.h"

/* Keep in step with trace_kind_name() in trace.c. */
enum ev_kind {
	/* the program and its narration */
	EV_SAY,          /* narration for the learner: text */
	EV_PRINT,        /* one line the Python program prints: text (no newline) */
	EV_WARN,         /* a warning Python would print on stderr: text */
	EV_NOTE,         /* a fact shown in the timeline, e.g. a state read: text */
	/* generators and coroutines (actor: the generator) */
	EV_GEN_CREATE,   /* calling the function made the object; nothing ran */
	EV_GEN_RESUME,   /* text: "next" "send" "throw" "close"; value: sent / thrown */
	EV_GEN_YIELD,    /* value: what it yielded; it is now suspended */
	EV_GEN_RETURN,   /* value: the return value (StopIteration.value) */
	EV_GEN_RAISE,    /* value: the exception that left the frame */
	EV_GEN_ERROR,    /* the call itself failed without running the frame: value */
	EV_GEN_AWAIT,    /* actor delegates to other (yield from / await) */
	/* futures (actor: the future or task) */
	EV_FUT_CREATE,
	EV_FUT_RESULT,   /* value: result; state -> FINISHED */
	EV_FUT_EXCEPTION,/* value: exception; state -> FINISHED */
	EV_FUT_CANCEL,   /* state -> CANCELLED (text: message or NULL) */
	EV_FUT_CANCEL_REQUEST, /* task.cancel() asked; takes effect at its next step */
	EV_CB_ADD,       /* add_done_callback: text names the callback */
	EV_CB_REMOVE,    /* remove_done_callback: text; value: how many removed */
	/* tasks (actor: the task) */
	EV_TASK_CREATE,  /* other: its coroutine */
	EV_TASK_STEP,    /* __step begins: value: exception thrown in, or None */
	EV_TASK_STEP_END,/* __step ends */
	EV_TASK_WAIT,    /* the task now waits for other (a future) */
	EV_TASK_WAKEUP,  /* other (the future it waited for) is done */
	/* the loop (actor: the loop; handle: handle or timer id) */
	EV_LOOP_START,   /* run_forever begins */
	EV_LOOP_ITER,    /* an iteration begins: value: ntodo */
	EV_LOOP_CLOCK,   /* the virtual clock jumps: when: old time, time: new;
	                    text "time.sleep" when a blocking sleep moved it */
	EV_LOOP_STOP,    /* stop() requested (effective after this iteration) */
	EV_LOOP_END,     /* run_forever returns */
	EV_HANDLE_SCHEDULE, /* call_soon: text: what will run; other: target */
	EV_HANDLE_RUN,   /* a ready handle runs now: text; other: target */
	EV_TIMER_ADD,    /* call_later/call_at: when; text; other: target */
	EV_TIMER_FIRE,   /* an expired timer moves to the ready queue */
	EV_TIMER_CANCEL, /* a timer is cancelled (reaped later) */
	EV_N_KINDS
};

enum actor_kind {
	ACT_NONE,
	ACT_MAIN,     /* the program's top level (<module>) */
	ACT_GEN,      /* a generator */
	ACT_CORO,     /* a coroutine */
	ACT_FUTURE,
	ACT_TASK,
	ACT_LOOP,
	ACT_CALLBACK
};

struct trace_actor {
	enum actor_kind kind;
	unsigned id;      /* unique per kind within one run; 0 for none */
	const char *name; /* "consumer", "Task-2", "Future-1", "loop" */
};

enum {
	TRACE_SET_ORDER = 1u << 0, /* produced while iterating a set: CPython's
	                              order is arbitrary (by address) */
	TRACE_LIBRARY = 1u << 1    /* inside asyncio's own code, not the lesson's */
};

struct trace_event {
	uint64_t seq;             /* 1, 2, 3 ... in emit order */
	double time;              /* virtual (or real) loop time, seconds */
	uint64_t iteration;       /* loop iterations so far (0 before the loop runs) */
	enum ev_kind kind;
	struct trace_actor actor; /* what the event is about */
	struct trace_actor other; /* second party, if any */
	int line;                 /* line of the Python mirror running, 0 if none */
	int state_from, state_to; /* gen_state / fut_state change, -1 if none */
	unsigned handle;          /* handle or timer id, 0 if none */
	unsigned flags;           /* TRACE_* */
	double when;              /* a timer's deadline */
	struct value value;       /* borrowed */
	const char *text;         /* borrowed, may be NULL */
	const char *frame;        /* EV_GEN_YIELD: "name=repr, ..." of its locals */
};

/* A blank event of kind k: no actor, no other party, no state change
 * (state_from = state_to = -1), no value, text or frame; interp_emit fills
 * seq, time, iteration and the line.  Every field is stored one by one: a
 * `= {0}` of this struct compiles to a `rep stos`, whose start-up costs
 * more than the 17 stores, on each of millions of events. */
static inline void trace_event_init(struct trace_event *ev, enum ev_kind k)
{
	ev->seq = 0;
	ev->time = 0.0;
	ev->iteration = 0;
	ev->kind = k;
	ev->actor.kind = ev->other.kind = ACT_NONE;
	ev->actor.id = ev->other.id = 0;
	ev->actor.name = ev->other.name = NULL;
	ev->line = 0;
	ev->state_from = ev->state_to = -1;
	ev->handle = 0;
	ev->flags = 0;
	ev->when = 0.0;
	ev->value.kind = VAL_NONE;
	ev->value.u.i = 0;
	ev->text = NULL;
	ev->frame = NULL;
}

struct trace_sink {
	void (*emit)(void *ud, const struct trace_event *ev);
	void *ud;
};

const char *trace_kind_name(enum ev_kind k); /* "gen.yield", "task.step" ... */
int trace_kind_from_name(const char *s);     /* -1 if unknown */
const char *trace_actor_kind_name(enum actor_kind k);

#endif
