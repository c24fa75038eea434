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

struct fut_callback {
	loop_cb cb;           /* called as cb(I, ctx, <the future>) */
	const char *name;     /* "callback", "Task.task_wakeup", "_on_completion" */
	void *ctx;            /* referenced object, or NULL */
	struct trace_actor who;
	int library;          /* registered by asyncio's own code */
};

struct future {
	struct obj hdr;
	struct interp *I;
	struct loop *loop;
	enum fut_state state;
	unsigned is_task : 1;
	unsigned blocking : 1;        /* _asyncio_future_blocking */
	unsigned log_destroy_pending : 1;
	unsigned log_traceback : 1;   /* an exception nobody has retrieved yet */
	struct trace_actor actor;     /* actor.name points at name */
	const char *type_name;        /* "Future", "Task", "_GatheringFuture" */
	char name[24];                /* "Task-3" (Python's), "Future-2" (the trace's) */
	struct value result;          /* FINISHED with a result */
	struct value exception;       /* FINISHED with an exception (VAL_EXC) or None */
	struct value cancel_msg;      /* cancel(msg) */
	struct value cancelled_exc;   /* the CancelledError that cancelled a task */
	struct fut_callback *cbs;
	unsigned ncbs, capcbs;
	/* cancel() of a subclass (Task, _GatheringFuture); NULL: Future's. */
	int (*cancel)(struct future *f, struct value msg);
};

/* loop.create_future().  Returns a new reference (as a VAL_FUTURE value). */
struct value future_new(struct loop *L);
/* For subclasses: initialise storage inside a larger object. */
void future_init(struct future *f, struct loop *L, enum actor_kind k, const char *type_name,
		 void (*dealloc)(struct obj *));
void future_fini(struct future *f);
/* f->name = prefix followed by n in decimal ("Task-3"), without snprintf,
 * which would be a good part of the cost of creating a task.  prefix has at
 * most 13 characters. */
void future_name_id_(struct future *f, const char *prefix, unsigned n);

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

/* repr(): "<Future pending cb=[...]>", "<Task finished name='Task-1' ...>". */
char *future_repr(const struct future *f);

#endif
