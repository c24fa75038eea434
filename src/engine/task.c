/* task.c -- asyncio.Task (tasks.py Task, _asynciomodule.c task_step_impl). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "task.h"

static void task_step_cb(struct interp *I, void *target, struct value arg);
static int task_cancel_(struct future *f, struct value msg) { return task_cancel((struct task *)f, msg); }
static const struct future_class task_class = {"Task", ACT_TASK, task_cancel_};

static void task_event(struct task *t, enum ev_kind k, struct trace_actor other, struct value v)
{
	struct trace_event ev;
	trace_event_init(&ev, k);
	ev.actor = future_actor(&t->fut);
	ev.other = other;
	ev.value = v;
	ev.state_from = ev.state_to = -1;
	interp_emit(t->fut.I, &ev);
}

static void task_unlink(struct task *t)
{
	struct interp *I = t->fut.I;
	if (t->prev) t->prev->next = t->next;
	else if (I->all_tasks == t) I->all_tasks = t->next;
	if (t->next) t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

static void task_dealloc(struct obj *o)
{
	struct task *t = (struct task *)o;
	task_unlink(t);
	future_fini(&t->fut); /* first: its report shows the coroutine */
	obj_unref(t->coro);
	future_drop_cancel_message(&t->fut);
	obj_unref(t->waiter);
	obj_free(t, sizeof *t);
}

int task_cancelling(const struct task *t) { return t->num_cancels_requested; }

/* call_soon(self.__step, exc).  Inline: it is most of a bare yield's step. */
static inline __attribute__((always_inline)) void step_soon(struct task *t, struct value exc)
{
	struct interp *I = t->fut.I;
	struct trace_actor who = {0};
	if (trace_on(I)) who = future_actor(&t->fut); /* only the trace reads it */
	loop_call_soon(future_loop(&t->fut), task_step_cb, "__step", t, who, exc);
}

/* Prefetch the 64-byte lines of the first size bytes at p. */
static inline void prefetch_lines(const void *p, size_t size)
{
	for (size_t off = 0; off < size; off += 64) __builtin_prefetch((const char *)p + off);
}

/* For the loop's prefetching (a future's wakeup of this task, for a timer
 * about to fire): a step reads the task (stage 0: its
 * head and the lines of the fields a step uses) and resumes its coroutine
 * (stage 1), which resumes the one it awaits (stage 2).  A coroutine's
 * size is not read here: its line may not have arrived yet. */
static void task_prefetch(const void *target, int stage)
{
	const struct task *t = target;
	if (stage == 0) {
		/* the future's head (header, state, interp) and the task's
		 * fields a step reads: two short runs, each on one or two lines */
		__builtin_prefetch(t);
		__builtin_prefetch(&t->fut.I + 1);
		__builtin_prefetch(&t->coro);
		__builtin_prefetch(&t->number + 1);
		return;
	}
	const struct gen *c = t->coro;
	if (!c) return;
	if (stage == 1) prefetch_lines(c, sizeof *c + 3 * sizeof(struct value));
	else if (c->yf) prefetch_lines(c->yf, sizeof *c + 2 * sizeof(struct value));
}

struct value task_new(struct loop *L, struct value coro, const char *name, struct value *err)
{
	struct gen *c = value_gen(coro);
	struct interp *I = loop_interp(L);
	if (!c) { /* coroutines.iscoroutine: 3.11 accepts generators too */
		char *r = value_repr(coro);
		*err = exc_newf(EXC_TYPE_ERROR, "a coroutine was expected, got %s", r);
		free(r);
		return value_none();
	}
	static int prefetching; /* registered once per process */
	if (!prefetching) {
		loop_prefetch_with(task_wakeup_callback, task_prefetch);
		prefetching = 1;
	}
	struct task *t = obj_alloc(sizeof *t);
	memset(t, 0, sizeof *t);
	future_init(&t->fut, I, L, &task_class, task_dealloc);
	I->live++;
	t->fut.is_task = 1;
	t->fut.log_destroy_pending = 1;
	obj_ref(c);
	t->coro = c;
	/* 4.5: one process-wide counter, taken only when no name is given. */
	if (name) t->fut.name = obj_strdup(name);
	else t->number = ++I->task_counter;
	if (trace_on(I)) future_name(&t->fut);
	t->next = I->all_tasks;
	if (t->next) t->next->prev = t;
	I->all_tasks = t;
	if (trace_on(I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_TASK_CREATE);
		ev.actor = future_actor(&t->fut);
		ev.other = gen_actor(c);
		ev.state_from = -1;
		ev.state_to = FUT_PENDING;
		interp_emit(I, &ev);
	}
	/* L3: the first step is scheduled, not run. */
	step_soon(t, value_none());
	struct value v = value_obj(t);
	obj_unref(t);
	return v;
}

int task_cancel(struct task *t, struct value msg)
{
	if (future_done(&t->fut)) return 0;
	t->num_cancels_requested++;
	if (trace_on(t->fut.I)) task_event(t, EV_FUT_CANCEL_REQUEST, (struct trace_actor){0}, msg);
	/* 4.3: cancel what it waits for; its wakeup will throw CancelledError. */
	if (t->waiter && future_cancel(t->waiter, msg)) return 1;
	/* Otherwise __step is already scheduled: it throws instead of sending. */
	t->must_cancel = 1;
	value_set(&t->fut.result, value_ref(msg)); /* _cancel_message (PENDING) */
	return 1;
}

static void schedule_error(struct task *t, struct value exc)
{
	step_soon(t, exc);
	value_unref(exc);
}


/* Task.__step (L4). */
static void task_step(struct task *t, struct value exc_in)
{
	struct interp *I = t->fut.I;
	struct future *self = &t->fut;
	if (future_done(self)) return; /* a step queued before cancel() finished it */
	struct value exc = value_ref(exc_in);
	if (t->must_cancel) {
		struct exc *e = value_exc(exc);
		if (!(e && exc_matches(e, EXC_CANCELLED_ERROR))) {
			value_unref(exc);
			struct value msg = future_cancel_message(self);
			exc = msg.kind == VAL_NONE ? exc_new(EXC_CANCELLED_ERROR, NULL)
						   : exc_new_arg(EXC_CANCELLED_ERROR, value_ref(msg));
		}
		t->must_cancel = 0;
	}
	if (t->waiter) { /* not written when NULL: a step dirties no line it need not */
		obj_unref(t->waiter);
		t->waiter = NULL;
	}

	struct task *prev = I->current_task;
	I->current_task = t; /* _enter_task */
	if (trace_on(I)) task_event(t, EV_TASK_STEP, gen_actor(t->coro), exc);

	struct value r, err;
	struct gen *coro = t->coro;
	enum gen_status st = exc.kind == VAL_NONE ? gen_send(coro, value_none(), &r) : gen_throw(coro, exc, &r);

	switch (st) {
	case GEN_RETURNED:
		if (t->must_cancel) { /* cancelled right before the coroutine returned */
			t->must_cancel = 0;
			future_cancel_base(self, future_cancel_message(self));
		} else if (future_set_result(self, r, &err)) {
			value_unref(err);
		}
		break;
	case GEN_RAISED: {
		struct exc *e = value_exc(r);
		if (e && exc_matches(e, EXC_CANCELLED_ERROR)) {
			struct value none = value_none();
			/* super().cancel(): no message; _cancelled_exc = exc is kept
			 * where the message would be. */
			if (future_cancel_base(self, none)) {
				self->result = value_ref(r);
				self->holds_cancelled_exc = 1;
			}
		} else if (future_set_exception(self, r, &err)) {
			value_unref(err);
		}
		break;
	}
	default: {
		struct future *f = value_future(r);
		if (f && f->loop_id != self->loop_id) {
			char *a = future_repr(self), *b = future_repr(f);
			schedule_error(t, exc_newf(EXC_RUNTIME_ERROR, "Task %s got Future %s attached to a different loop", a, b));
			free(a);
			free(b);
		} else if (f && f->blocking) {
			if (f == self) {
				char *a = future_repr(self);
				schedule_error(t, exc_newf(EXC_RUNTIME_ERROR, "Task cannot await on itself: %s", a));
				free(a);
			} else {
				/* await future: wake up when it is done (via call_soon, L5) */
				f->blocking = 0;
				future_add_done_callback(f, task_wakeup_callback, "task_wakeup", t, future_actor(self));
				obj_ref(f);
				t->waiter = f;
				if (trace_on(I)) task_event(t, EV_TASK_WAIT, future_actor(f), value_none());
				if (t->must_cancel && future_cancel(f, future_cancel_message(self))) t->must_cancel = 0;
			}
		} else if (f) {
			char *a = future_repr(self), *b = value_repr(r);
			schedule_error(t, exc_newf(EXC_RUNTIME_ERROR, "yield was used instead of yield from in task %s with %s", a, b));
			free(a);
			free(b);
		} else if (r.kind == VAL_NONE) {
			/* Bare yield relinquishes control for one event loop iteration. */
			step_soon(t, value_none());
		} else {
			char *b = value_repr(r);
			if (r.kind == VAL_GEN) {
				char *a = future_repr(self);
				schedule_error(t, exc_newf(EXC_RUNTIME_ERROR,
							   "yield was used instead of yield from for generator in task %s with %s", a, b));
				free(a);
			} else {
				schedule_error(t, exc_newf(EXC_RUNTIME_ERROR, "Task got bad yield: %s", b));
			}
			free(b);
		}
	}
	}
	I->current_task = prev; /* _leave_task */
	if (trace_on(I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_TASK_STEP_END);
		ev.actor = future_actor(self);
		ev.state_from = ev.state_to = (int)self->state;
		interp_emit(I, &ev);
	}
	value_unref(exc);
	value_unref(r);
}

static void task_step_cb(struct interp *I, void *target, struct value arg)
{
	(void)I;
	task_step(target, arg);
}

/* __wakeup(fut): fut.result() decides between send(None) and throw(exc); the
 * step runs directly, not through another call_soon (L4). */
void task_wakeup_callback(struct interp *I, void *target, struct value arg)
{
	struct task *t = target;
	struct future *f = value_future(arg);
	if (trace_on(I)) task_event(t, EV_TASK_WAKEUP, future_actor(f), value_none());
	struct value r;
	if (future_result(f, &r)) {
		task_step(t, r);
	} else {
		task_step(t, value_none());
	}
	value_unref(r);
}

void task_destroy_pending(struct interp *I)
{
	/* Take a reference to each first: tearing one down may free another. */
	size_t n = 0;
	for (struct task *t = I->all_tasks; t; t = t->next) n++;
	if (!n) {
		if (I->at_teardown) I->at_teardown(I);
		return;
	}
	struct task **v = xmalloc(n * sizeof *v);
	n = 0;
	for (struct task *t = I->all_tasks; t; t = t->next) {
		obj_ref(t);
		v[n++] = t;
	}
	for (size_t i = 0; i < n; i++) {
		struct task *t = v[i];
		if (!future_done(&t->fut) && t->fut.log_destroy_pending && trace_on(I)) {
			char *r = future_repr(&t->fut);
			char *msg = xasprintf("Task was destroyed but it is pending!\ntask: %s", r);
			interp_warn(I, msg);
			free(msg);
			free(r);
		}
		if (t->waiter) {
			future_remove_done_callback(t->waiter, task_wakeup_callback, t);
			obj_unref(t->waiter);
			t->waiter = NULL;
		}
		/* Its done callbacks will never run; they may hold what holds
		 * the task (a _GatheringFuture and its children). */
		if (!future_done(&t->fut)) future_drop_callbacks(&t->fut);
		struct value cr;
		struct gen *c = t->coro;
		if (c && c->state == GEN_SUSPENDED) {
			gen_close(c, &cr);
			value_unref(cr);
		}
	}
	for (size_t i = 0; i < n; i++) obj_unref(v[i]);
	free(v);
	if (I->at_teardown) I->at_teardown(I);
}
