/* recorder.h -- step mode's memory of a run: every event kept as a compact
 * record, and the state of the program at any step derived from them.
 *
 * Step mode neither re-runs the lesson nor snapshots the engine.  The state
 * after event N -- the tasks, the ready queue, the timers, each generator's
 * frame, the await chains -- is a function of events 1..N alone, computed by
 * folding them (rec_state_seek).  A trace file carries the same events, so
 * `coro-learn replay FILE` folds to exactly the states a live run shows.
 *
 * Both sources meet in struct rec_flat: an event reduced to numbers and
 * text (the value as its repr).  A live run makes one from each engine event
 * (rec_flat_from_event); the JSON loader makes one from each object of the
 * file; the recorder and the JSON writer consume them.
 *
 * Strings (names, reprs, narration, locals) are interned: each distinct one
 * is stored once and named by a 32-bit id, 0 meaning none.
 */
#ifndef CORO_CLI_RECORDER_H
#define CORO_CLI_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "../engine/trace.h"

/* --- an event as numbers and text --- */

struct rec_flat_actor {
	int kind;          /* enum actor_kind; ACT_NONE when absent */
	unsigned id;
	const char *name;  /* may be NULL */
};

struct rec_flat {
	uint64_t seq;
	double time;
	uint64_t iteration;
	int kind;                     /* enum ev_kind */
	struct rec_flat_actor actor, other;
	struct rec_flat_actor vactor; /* the value's own actor when it is a
	                                 future, task or generator */
	int line;                     /* 0: none */
	int state_from, state_to;     /* -1: none */
	unsigned handle;              /* 0: none */
	unsigned flags;               /* TRACE_SET_ORDER, TRACE_LIBRARY */
	double when;
	const char *value;            /* repr(value); NULL when absent */
	const char *exc;              /* an exception value as a traceback's
	                                 last line, "ValueError: x"; or NULL */
	const char *text, *frame;     /* may be NULL */
};

/* Strings rec_flat_from_event made for one event (reprs). */
struct rec_flat_buf {
	char *value, *exc, *frame;
};

/* f describes ev; the strings it points to are ev's (borrowed, valid during
 * the emit call) or buf's (freed by the next call or rec_flat_buf_fini). */
void rec_flat_from_event(struct rec_flat *f, const struct trace_event *ev,
			 struct rec_flat_buf *buf);
void rec_flat_buf_fini(struct rec_flat_buf *buf);
/* What a handle calls, the way asyncio's repr names it: "Task-1.__step()",
 * "Task-2.task_wakeup(Future-3)", "callback(Task-1)".  Caller frees. */
char *rec_flat_handle_desc(const struct rec_flat *f);
/* Whether a trace file carries "value" for this event: when it is not None,
 * and for the kinds where None itself is the news (send(None), yield None,
 * return None, a None result). */
int rec_value_wanted(int kind, int value_is_none);
/* Whether "when" means something for this kind (timers, the clock jump). */
int rec_when_wanted(int kind);

/* --- what a trace says about its run --- */

struct trace_knob {
	char *name;
	double *v;
	size_t n;
	int list;          /* a list knob (delays=1,2,4), else one number */
};

/* Owned strings, any of them may be NULL. */
struct trace_meta {
	int lesson;        /* 0 if unknown */
	char *slug, *title, *chapter;
	char *language;    /* "en", "zh": of the narration and messages */
	char *python;      /* the program, knob values filled in */
	char *generator;   /* "coro-learn 0.1" */
	struct trace_knob *knobs;
	size_t nknobs;
};

void trace_meta_fini(struct trace_meta *m);

/* --- the record --- */

struct rec_actor {
	uint32_t id;
	uint32_t name;   /* string id */
	uint8_t kind;    /* enum actor_kind */
};

struct rec_event {
	double time, when;
	uint64_t iteration;
	struct rec_actor actor, other, vactor;
	int32_t line;
	uint32_t handle;
	uint32_t value, exc, text, frame; /* string ids */
	uint8_t kind, flags;
	int8_t state_from, state_to;
};

struct recorder;

/* Events beyond this many are refused: step mode keeps every one. */
#define REC_MAX_EVENTS 5000000u

/* An empty recorder; free it with recorder_free. */
struct recorder *recorder_new(void);
void recorder_free(struct recorder *r);   /* NULL is a no-op */
/* Appends f as event number recorder_count()+1 (f->seq is not checked
 * here: the loader does).  Returns 0, or -1 when REC_MAX_EVENTS are
 * already kept. */
int recorder_add(struct recorder *r, const struct rec_flat *f);
/* A sink that records every event of a live run; once full it drops the
 * rest and recorder_full() says so. */
struct trace_sink recorder_sink(struct recorder *r);
int recorder_full(const struct recorder *r);
uint64_t recorder_count(const struct recorder *r);
/* Event seq (1 .. count), borrowed; NULL out of range. */
const struct rec_event *recorder_event(const struct recorder *r, uint64_t seq);
/* The string with this id, borrowed; NULL for id 0. */
const char *recorder_str(const struct recorder *r, uint32_t id);
/* "" for id 0. */
const char *recorder_cstr(const struct recorder *r, uint32_t id);
/* The id of s if it is interned, else 0 (s == NULL: 0). */
uint32_t recorder_find_str(const struct recorder *r, const char *s);
/* Event seq as numbers and text (strings borrowed from r).  0, or -1 out
 * of range. */
int recorder_flat(const struct recorder *r, uint64_t seq, struct rec_flat *f);

/* --- the state after N events --- */

/* A task, as Python's Task would show it. */
struct rec_task {
	struct rec_actor who;
	struct rec_actor coro;     /* the coroutine it drives */
	struct rec_actor waits;    /* _fut_waiter: the future it waits for;
	                              kind ACT_NONE when it waits for nothing */
	uint64_t created;          /* seq of task.create */
	uint32_t outcome, outcome_exc; /* result repr / exception text */
	uint8_t state;             /* enum fut_state */
	uint8_t cancelling;        /* cancel() requested, not yet effective */
};

/* A generator or coroutine frame, as gi_frame / cr_frame would show it. */
struct rec_gen {
	struct rec_actor who;
	struct rec_actor awaits;   /* gi_yieldfrom / cr_await; ACT_NONE if none */
	uint64_t created, last;    /* seqs of its creation and its last event */
	int32_t line;              /* where it is suspended (or ended); 0 if not started */
	uint32_t locals;           /* "n=1, r='200 OK'" at its last yield */
	uint32_t outcome, outcome_exc; /* return value repr / exception text */
	uint8_t state;             /* enum gen_state */
	uint8_t library;           /* asyncio's own code */
};

struct rec_future {
	struct rec_actor who;
	uint32_t outcome, outcome_exc;
	uint8_t state;             /* enum fut_state */
};

/* A handle in the ready queue, or a timer. */
struct rec_handle {
	uint32_t id;               /* handle or timer id */
	uint32_t text;             /* what it calls: "__step", "task_wakeup" */
	struct rec_actor other, vactor;
	uint32_t value;            /* the argument's repr, 0 for none */
	double when;               /* a timer's deadline */
	uint64_t seq;              /* the event that scheduled it */
};

struct rec_state;

/* The state before the first event.  Free it with rec_state_free. */
struct rec_state *rec_state_new(struct recorder *r);
void rec_state_free(struct rec_state *s);   /* NULL is a no-op */
/* Move to the state after `pos` events (0 .. count).  Forward moves fold
 * the events between; a move back restarts from the nearest checkpoint
 * (the recorder keeps one every few thousand events, more sparsely when
 * the state is big), so any move costs at most one checkpoint interval
 * plus the copy of a state. */
void rec_state_seek(struct rec_state *s, uint64_t pos);
uint64_t rec_state_pos(const struct rec_state *s);

/* Read-only views of the state; pointers stay valid until the next seek. */
size_t rec_state_tasks(const struct rec_state *s, const struct rec_task **v);
size_t rec_state_gens(const struct rec_state *s, const struct rec_gen **v);
/* The ready queue in the order the loop runs it. *nbatch: how many at its
 * head belong to the running iteration's snapshot (L0: handles queued
 * during an iteration run in the next one). */
size_t rec_state_ready(const struct rec_state *s, const struct rec_handle **v, size_t *nbatch);
/* The pending timers, in the order they will fire (deadline, then
 * registration: L2, L8).  *v is a sorted copy the caller frees. */
size_t rec_state_timers(const struct rec_state *s, struct rec_handle **v);
/* The generators running right now, outermost first. */
size_t rec_state_running(const struct rec_state *s, const struct rec_actor **v);
/* The task whose __step is running, or NULL. */
const struct rec_task *rec_state_current_task(const struct rec_state *s);

const struct rec_task *rec_state_task(const struct rec_state *s, uint32_t id);
const struct rec_gen *rec_state_gen(const struct rec_state *s, int kind, uint32_t id);
const struct rec_future *rec_state_future(const struct rec_state *s, uint32_t id);
/* Whether the actor (a future, task or generator) has finished; 0 for an
 * unknown one. */
int rec_state_done(const struct rec_state *s, const struct rec_actor *a);

#endif
