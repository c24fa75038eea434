/* task.h -- asyncio.Task: a Future that drives a coroutine (tasks.py Task).
 *
 * Creating a task schedules its first __step with call_soon (L3); nothing of
 * the coroutine runs in the constructor.  One __step sends None (or throws an
 * exception) into the coroutine and acts on the outcome (L4): return ->
 * set_result, CancelledError -> cancel, other exception -> set_exception,
 * a yielded blocking future -> wait for it (its done callback __wakeup calls
 * __step directly), a bare yield -> call_soon(__step) again.
 */
#ifndef CORO_TASK_H
#define CORO_TASK_H

#include "future.h"
#include "gen.h"

struct task {
	struct future fut;
	/* what a step reads, together */
	struct gen *coro;         /* the coroutine (referenced) */
	struct future *waiter;    /* _fut_waiter (referenced), or NULL */
	unsigned must_cancel : 1;
	unsigned num_cancels_requested : 31;
	unsigned number;          /* N of its Task-N name, when it has no other */
	struct task *prev, *next; /* interp->all_tasks */
};

/* Task(coro, loop=L, name=NULL): takes a Task-N number when name is NULL
 * (4.5).  coro is borrowed.  A non-coroutine gives *err = TypeError("a
 * coroutine was expected, got ...") and returns None. */
struct value task_new(struct loop *L, struct value coro, const char *name, struct value *err);

/* The done callback by which a task waits for a future (Task.task_wakeup). */
void task_wakeup_callback(struct interp *I, void *target, struct value arg);

/* task.cancel(msg): 4.3.  Returns 1 (True) or 0 (False). */
int task_cancel(struct task *t, struct value msg);
int task_cancelling(const struct task *t);
/* At the end of a run: every task still pending is destroyed, as CPython
 * does at exit ("Task was destroyed but it is pending!"), which also breaks
 * the task <-> future reference cycles. */
void task_destroy_pending(struct interp *I);
static inline struct task *value_task(struct value v)
{
	struct future *f = value_future(v);
	return f && f->is_task ? (struct task *)f : NULL;
}

#endif
