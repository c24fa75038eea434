/* future.h -- asyncio.Future, following _asynciomodule.c (semantics.md §4).
 *
 * States PENDING -> FINISHED or CANCELLED.  Completing a future never runs a
 * callback: each registered callback is scheduled with call_soon, in
 * registration order (L5), and so is one added to a future already done (L6).
 * Errors of use are Python exceptions with the C type's texts:
 * "Result is not set.", "Exception is not set.", "invalid state".
 */
#ifndef CORO_FUTURE_H
#define CORO_FUTURE_H

#include "loop.h"
#include "value.h"

enum fut_state { FUT_PENDING, FUT_CANCELLED, FUT_FINISHED };

/* What a subclass of Future changes: its name and its cancel().  One static
 * const instance per class (Future in future.c, Task in task.c,
 * _GatheringFuture in aio.c). */
struct future_class {
	const char *name;     /* type(f).__name__ */
	enum actor_kind kind; /* ACT_FUTURE or ACT_TASK, for the trace */
	/* cancel() of a subclass (Task, _GatheringFuture); NULL: Future's. */
	int (*cancel)(struct future *f, struct value msg);
};

/* A done callback.  Who registered it and whether asyncio's own code did are
 * only the trace's business: they are kept apart (struct fut_callbacks), and
 * only while a sink is installed. */
struct fut_callback {
	loop_cb cb;           /* called as cb(I, ctx, <the future>) */
	const char *name;     /* "callback", "Task.task_wakeup", "_wait.<locals>._on_completion" */
	void *ctx;            /* referenced object, or NULL */
};

struct fut_callback_info {
	struct trace_actor who;
	int library;          /* registered by asyncio's own code */
};

/* The callbacks after the first, and, while tracing, the trace's side of
 * every callback (info[0] is the first one's).  Made for a second callback,
 * or for the first while tracing; freed when the callbacks are scheduled. */
struct fut_callbacks {
	unsigned cap;                    /* room in cbs: callbacks 1 .. cap */
	struct fut_callback_info *info;  /* cap + 1 of them, or NULL (no trace) */
	struct fut_callback cbs[];
};

struct future {
	/* What every step of a task reads comes first, with the task's own
	 * (struct task): the header, the state and the interp */
	struct obj hdr;
	unsigned char state;          /* enum fut_state */
	unsigned is_task : 1;
	unsigned blocking : 1;        /* _asyncio_future_blocking */
	unsigned log_destroy_pending : 1;
	unsigned log_traceback : 1;   /* an exception nobody has retrieved yet */
	unsigned has_exception : 1;   /* FINISHED: result is the exception */
	unsigned holds_cancelled_exc : 1; /* CANCELLED: result is _cancelled_exc */
	unsigned timed : 1;           /* a struct timed_future (future_new_timed) */
	unsigned keeps_cancel_msg : 1; /* a finished task with a cancel(msg) it survived */
	unsigned cls_id : 2;          /* future_classes[]: Future, Task or _GatheringFuture */
	unsigned ncbs;                /* callbacks registered */
	struct interp *I;
	/* The loop it belongs to, by its id (future_loop): a number, not a
	 * pointer, since only the interp's current loop is alive; 0 while a
	 * _GatheringFuture has not learnt its loop. */
	unsigned loop_id;
	unsigned id;                  /* the trace's: Future-N's N, a task's id */
	/* One slot for what a state needs: FINISHED -- the result, or the
	 * exception when has_exception (a result may itself be an exception
	 * instance); PENDING and CANCELLED -- cancel(msg)'s message, or, when
	 * holds_cancelled_exc, the CancelledError that cancelled a task (its
	 * message is then None: Task.__step cancels with super().cancel()).
	 * A task that finishes after cancel(msg) keeps the message elsewhere
	 * (keeps_cancel_msg; future.c). */
	struct value result;
	/* Most futures get one callback (the task that awaits them): the first
	 * is kept here, the others in more->cbs. */
	struct fut_callback cb0;
	struct fut_callbacks *more;
	/* The name is made on demand (future_name): only the trace, repr and
	 * get_name() read it.  While tracing it exists from creation on, since
	 * every event carries it.  Owned (heap) when not NULL.  The kind of
	 * actor is the class's (future_actor). */
	const char *name;
};


/* A future that holds the timer set to finish it: what sleep(delay) comes
 * to when it is awaited inline, with the trace off (aio.c).  Whoever awaits
 * it calls future_await_over() when the await ends, however it ends; that
 * cancels the timer, as sleep's `finally: h.cancel()` does. */
struct timed_future {
	struct future fut;
	struct timer *timer; /* referenced; NULL once the await is over */
};

/* The class of f: an index into the classes future_init has seen (there
 * are three), not a pointer in every future. */
extern const struct future_class *future_classes[4];
static inline const struct future_class *future_cls(const struct future *f) { return future_classes[f->cls_id]; }

/* Who f is, in the trace. */
static inline struct trace_actor future_actor(const struct future *f)
{
	struct trace_actor a = {future_cls(f)->kind, f->id, f->name};
	return a;
}

/* _loop: the interp's current loop if f belongs to it, else NULL (its loop
 * is closed and gone). */
static inline struct loop *future_loop(const struct future *f)
{
	return f->loop_id && f->loop_id == f->I->loop_id ? f->I->loop : NULL;
}

/* The exception a FINISHED future holds, else None (borrowed). */
static inline struct value future_peek_exception(const struct future *f)
{
	return f->state == FUT_FINISHED && f->has_exception ? f->result : value_none();
}
/* The result a FINISHED future holds, else None (borrowed). */
static inline struct value future_peek_result(const struct future *f)
{
	return f->state == FUT_FINISHED && !f->has_exception ? f->result : value_none();
}
/* _cancel_message: cancel(msg)'s message, or None (borrowed). */
struct value future_cancel_message(const struct future *f);
/* A finished task forgets the cancel(msg) message it kept (its dealloc). */
void future_drop_cancel_message(struct future *f);

/* loop.create_future().  Returns a new reference (as a VAL_FUTURE value). */
struct value future_new(struct loop *L);
/* loop.create_future(), as a struct timed_future, and its timer: t, whose
 * reference (loop_call_at's) it takes. */
struct value future_new_timed(struct loop *L);
void future_hold_timer(struct future *f, struct timer *t);
void future_await_over_(struct future *f);
/* The await of f is over (the awaiting frame has its result or exception,
 * or is being closed). */
static inline void future_await_over(struct future *f)
{
	if (f->timed) future_await_over_(f);
}
/* For loop_prefetch_with, for a callback whose target is a future: stage 0
 * loads the future, each further stage one pointer further along what its
 * first done callback will reach (a task that awaits it: the task, its
 * coroutine, the coroutine that one awaits). */
void future_prefetch(const void *target, int stage);
/* For subclasses: initialise storage inside a larger object (L may be
 * NULL: a _GatheringFuture learns its loop late).  Takes the actor id.
 * While tracing, the creator then calls future_name(), once the name can be
 * made (a task takes its number after this). */
void future_init(struct future *f, struct interp *I, struct loop *L, const struct future_class *cls,
		 void (*dealloc)(struct obj *));
void future_fini(struct future *f);
/* The name: a task's ("Task-3", or create_task(name=...)), or the trace's
 * for a future ("Future-2"), made on first use and kept in actor.name.
 * Borrowed: it lives as long as f. */
const char *future_name(struct future *f);

static inline int future_done(const struct future *f) { return f->state != FUT_PENDING; }
static inline int future_cancelled(const struct future *f) { return f->state == FUT_CANCELLED; }
const char *future_state_name(const struct future *f); /* "PENDING" ... */

/* result(): returns 0 with *out = the result, or 1 with *out = the
 * exception to raise (InvalidStateError, the stored exception, CancelledError).
 * *out is a new reference either way. */
int future_result(struct future *f, struct value *out);
int future_exception(struct future *f, struct value *out);
/* set_result(v) / set_exception(e): 0, or 1 with *err set (InvalidStateError
 * "invalid state", the StopIteration TypeError, ...).  v is borrowed. */
int future_set_result(struct future *f, struct value v, struct value *err);
int future_set_exception(struct future *f, struct value e, struct value *err);
/* fut.cancel(msg), dispatching to a subclass's cancel: 1 (True) or 0.
 * future_cancel_base is Future.cancel itself (super().cancel()).  msg is
 * borrowed. */
int future_cancel(struct future *f, struct value msg);
int future_cancel_base(struct future *f, struct value msg);

/* Future._make_cancelled_error(): the CancelledError a cancelled future
 * raises (new reference). */
struct value future_make_cancelled_error(struct future *f);

/* add_done_callback(cb): ctx gets a new reference. */
void future_add_done_callback(struct future *f, loop_cb cb, const char *name, void *ctx,
			      struct trace_actor who);
/* remove_done_callback(cb): removes every registration of (cb, ctx match or
 * ctx == NULL for any); returns how many. */
unsigned future_remove_done_callback(struct future *f, loop_cb cb, void *ctx);
/* The i-th registered callback (i < f->ncbs); borrowed. */
static inline const struct fut_callback *future_callback(const struct future *f, unsigned i)
{
	return i ? &f->more->cbs[i - 1] : &f->cb0;
}
/* Forget every callback without scheduling it (teardown: they will never
 * run, and may hold what holds f). */
void future_drop_callbacks(struct future *f);

/* repr(): "<Future pending cb=[...]>", "<Task finished name='Task-1' ...>". */
char *future_repr(const struct future *f);

#endif
