/* future.c -- asyncio.Future (futures.py, _asynciomodule.c; semantics.md §4). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "future.h"
#include "gen.h"
#include "task.h"

static void fut_event(struct future *f, enum ev_kind k, struct value v, int from, int to, const char *text)
{
	struct trace_event ev;
	trace_event_init(&ev, k);
	ev.actor = f->actor;
	ev.value = v;
	ev.state_from = from;
	ev.state_to = to;
	ev.text = text;
	interp_emit(f->I, &ev);
}

void future_init(struct future *f, struct loop *L, enum actor_kind k, const char *type_name,
		 void (*dealloc)(struct obj *))
{
	memset(f, 0, sizeof *f);
	f->hdr.refcnt = 1;
	f->hdr.kind = VAL_FUTURE;
	/* Future, Task and _GatheringFuture each have their own dealloc; the
	 * last one looked up is kept, as most futures in a run are tasks. */
	static obj_dealloc_fn last_fn;
	static uint8_t last_type;
	if (dealloc != last_fn) {
		last_type = obj_type_register(dealloc);
		last_fn = dealloc;
	}
	f->hdr.type = last_type;
	f->I = L ? loop_interp(L) : NULL;
	f->loop = L;
	f->actor.name = f->name;
	f->state = FUT_PENDING;
	f->type_name = type_name;
	f->actor.kind = k;
	f->result = f->exception = f->cancel_msg = f->cancelled_exc = value_none();
}

void future_fini(struct future *f)
{
	/* Future.__del__: an exception set and never retrieved is reported
	 * when the future is destroyed. */
	if (f->log_traceback && trace_on(f->I)) {
		char *r = future_repr(f), *e = exc_format(value_exc(f->exception));
		char *msg = xasprintf("%s exception was never retrieved\nfuture: %s\n%s",
				      f->is_task ? "Task" : "Future", r, e);
		interp_warn(f->I, msg);
		free(msg);
		free(e);
		free(r);
	}
	value_unref(f->result);
	value_unref(f->exception);
	value_unref(f->cancel_msg);
	value_unref(f->cancelled_exc);
	for (unsigned i = 0; i < f->ncbs; i++) obj_unref(f->cbs[i].ctx);
	if (f->cbs) obj_free(f->cbs, f->capcbs * sizeof *f->cbs);
	f->I->live--;
}

static void future_dealloc(struct obj *o)
{
	struct future *f = (struct future *)o;
	future_fini(f);
	obj_free(f, sizeof *f);
}

struct value future_new(struct loop *L)
{
	struct future *f = obj_alloc(sizeof *f);
	future_init(f, L, ACT_FUTURE, "Future", future_dealloc);
	struct interp *I = f->I;
	I->live++;
	/* Futures have no name in Python; the trace calls them Future-N. */
	f->actor.id = interp_new_id(I, ACT_FUTURE);
	future_name_id_(f, "Future-", f->actor.id);
	struct value v = value_obj(f);
	obj_unref(f);
	if (trace_on(I)) fut_event(f, EV_FUT_CREATE, value_none(), -1, FUT_PENDING, NULL);
	return v;
}

void future_name_id_(struct future *f, const char *prefix, unsigned n)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				    "8081828384858687888990919293949596979899";
	char digits[10], *d = digits + sizeof digits, *p = f->name;
	while (*prefix) *p++ = *prefix++;
	while (n >= 100) { /* two digits per division */
		unsigned r = n % 100;
		n /= 100;
		*--d = pairs[2 * r + 1];
		*--d = pairs[2 * r];
	}
	if (n >= 10) {
		*--d = pairs[2 * n + 1];
		*--d = pairs[2 * n];
	} else {
		*--d = (char)('0' + n);
	}
	size_t nd = (size_t)(digits + sizeof digits - d);
	memcpy(p, d, nd);
	p[nd] = '\0';
}

const char *future_state_name(const struct future *f)
{
	static const char *const names[] = {"PENDING", "CANCELLED", "FINISHED"};
	return names[f->state];
}

/* _make_cancelled_error: the CancelledError that cancelled a task is raised
 * once; otherwise a new one carrying cancel(msg)'s message. */
struct value future_make_cancelled_error(struct future *f)
{
	if (f->cancelled_exc.kind != VAL_NONE) {
		struct value e = f->cancelled_exc;
		f->cancelled_exc = value_none();
		return e;
	}
	if (f->cancel_msg.kind == VAL_NONE) return exc_new(EXC_CANCELLED_ERROR, NULL);
	return exc_new_arg(EXC_CANCELLED_ERROR, value_ref(f->cancel_msg));
}

int future_result(struct future *f, struct value *out)
{
	if (f->state == FUT_CANCELLED) {
		*out = future_make_cancelled_error(f);
		return 1;
	}
	if (f->state != FUT_FINISHED) {
		*out = exc_new(EXC_INVALID_STATE_ERROR, "Result is not set.");
		return 1;
	}
	f->log_traceback = 0;
	if (f->exception.kind != VAL_NONE) {
		*out = value_ref(f->exception);
		return 1;
	}
	*out = value_ref(f->result);
	return 0;
}

int future_exception(struct future *f, struct value *out)
{
	if (f->state == FUT_CANCELLED) {
		*out = future_make_cancelled_error(f);
		return 1;
	}
	if (f->state != FUT_FINISHED) {
		*out = exc_new(EXC_INVALID_STATE_ERROR, "Exception is not set.");
		return 1;
	}
	f->log_traceback = 0;
	*out = value_ref(f->exception);
	return 0;
}

/* __schedule_callbacks: L5 -- every callback goes through call_soon, in
 * registration order; none runs inside set_result/set_exception/cancel. */
static void schedule_callbacks(struct future *f)
{
	unsigned n = f->ncbs, cap = f->capcbs;
	struct fut_callback *cbs = f->cbs;
	f->cbs = NULL;
	f->ncbs = f->capcbs = 0;
	struct value self = value_obj(f);
	for (unsigned i = 0; i < n; i++) {
		f->I->library += cbs[i].library;
		loop_call_soon(f->loop, cbs[i].cb, cbs[i].name, cbs[i].ctx, cbs[i].who, self);
		f->I->library -= cbs[i].library;
		obj_unref(cbs[i].ctx);
	}
	value_unref(self);
	if (cbs) obj_free(cbs, cap * sizeof *cbs);
}

int future_set_result(struct future *f, struct value v, struct value *err)
{
	if (f->state != FUT_PENDING) {
		*err = exc_new(EXC_INVALID_STATE_ERROR, "invalid state");
		return 1;
	}
	f->result = value_ref(v);
	f->state = FUT_FINISHED;
	if (trace_on(f->I)) fut_event(f, EV_FUT_RESULT, v, FUT_PENDING, FUT_FINISHED, NULL);
	schedule_callbacks(f);
	return 0;
}

int future_set_exception(struct future *f, struct value e, struct value *err)
{
	if (f->state != FUT_PENDING) {
		*err = exc_new(EXC_INVALID_STATE_ERROR, "invalid state");
		return 1;
	}
	struct exc *x = value_exc(e);
	if (x && exc_matches(x, EXC_STOP_ITERATION)) {
		*err = exc_new(EXC_TYPE_ERROR,
			       "StopIteration interacts badly with generators and cannot be raised into a Future");
		return 1;
	}
	f->exception = value_ref(e);
	f->state = FUT_FINISHED;
	f->log_traceback = 1;
	if (trace_on(f->I)) fut_event(f, EV_FUT_EXCEPTION, e, FUT_PENDING, FUT_FINISHED, NULL);
	schedule_callbacks(f);
	return 0;
}

int future_cancel(struct future *f, struct value msg)
{
	return f->cancel ? f->cancel(f, msg) : future_cancel_base(f, msg);
}

int future_cancel_base(struct future *f, struct value msg)
{
	if (f->state != FUT_PENDING) return 0;
	f->state = FUT_CANCELLED;
	value_set(&f->cancel_msg, value_ref(msg));
	if (trace_on(f->I)) fut_event(f, EV_FUT_CANCEL, msg, FUT_PENDING, FUT_CANCELLED, NULL);
	schedule_callbacks(f);
	return 1;
}

void future_add_done_callback(struct future *f, loop_cb cb, const char *name, void *ctx,
			      struct trace_actor who)
{
	if (trace_on(f->I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_CB_ADD);
		ev.actor = f->actor;
		ev.other = who;
		ev.state_from = ev.state_to = -1;
		ev.text = name;
		interp_emit(f->I, &ev);
	}
	if (f->state != FUT_PENDING) {
		/* L6: already done -- scheduled right away, still via call_soon. */
		struct value self = value_obj(f);
		loop_call_soon(f->loop, cb, name, ctx, who, self);
		value_unref(self);
		return;
	}
	if (f->ncbs == f->capcbs) {
		/* Most futures get one callback (the task that awaits them):
		 * start with room for one, from the pool. */
		unsigned cap = f->capcbs ? 2 * f->capcbs : 1;
		struct fut_callback *cbs = obj_alloc(cap * sizeof *cbs);
		if (f->ncbs) memcpy(cbs, f->cbs, f->ncbs * sizeof *cbs);
		if (f->cbs) obj_free(f->cbs, f->capcbs * sizeof *f->cbs);
		f->cbs = cbs;
		f->capcbs = cap;
	}
	obj_ref(ctx);
	f->cbs[f->ncbs++] = (struct fut_callback){cb, name, ctx, who, interp_in_library(f->I)};
}

unsigned future_remove_done_callback(struct future *f, loop_cb cb, void *ctx)
{
	unsigned kept = 0, removed = 0;
	for (unsigned i = 0; i < f->ncbs; i++) {
		if (f->cbs[i].cb == cb && (!ctx || f->cbs[i].ctx == ctx)) {
			obj_unref(f->cbs[i].ctx);
			removed++;
		} else {
			f->cbs[kept++] = f->cbs[i];
		}
	}
	f->ncbs = kept;
	if (removed && trace_on(f->I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_CB_REMOVE);
		ev.actor = f->actor;
		ev.state_from = ev.state_to = -1;
		ev.value = value_int(removed);
		interp_emit(f->I, &ev);
	}
	return removed;
}

/* base_futures._future_repr_info / base_tasks._task_repr_info. */
char *future_repr(const struct future *f)
{
	char *info;
	const char *state = f->state == FUT_PENDING ? "pending" : f->state == FUT_CANCELLED ? "cancelled" : "finished";
	if (f->is_task) {
		const struct task *t = (const struct task *)f;
		if (f->state == FUT_PENDING && task_cancelling(t)) state = "cancelling";
		const struct gen *c = value_gen(t->coro);
		char *coro = c ? xasprintf(" coro=<%s() %s>", c->code->name,
					   c->state == GEN_CLOSED ? "done" : "running")
			       : xstrdup("");
		info = xasprintf("%s name='%s'%s", state, f->name, coro);
		free(coro);
	} else {
		info = xstrdup(state);
	}
	char *extra = NULL, *waiting = NULL, *cbs = NULL;
	if (f->is_task && ((const struct task *)f)->waiter) {
		char *w = future_repr(((const struct task *)f)->waiter);
		waiting = xasprintf(" wait_for=%s", w);
		free(w);
	}
	if (f->state == FUT_FINISHED) {
		char *r = value_repr(f->exception.kind != VAL_NONE ? f->exception : f->result);
		extra = xasprintf(" %s=%s", f->exception.kind != VAL_NONE ? "exception" : "result", r);
		free(r);
	}
	if (f->ncbs) {
		/* _format_callbacks: more than two are cut to [first, <N more>, last];
		 * a C Task's wakeup shows as Task.task_wakeup(). */
		const char *first = f->cbs[0].name, *last = f->cbs[f->ncbs - 1].name;
		const char *p1 = f->cbs[0].cb == task_wakeup_callback ? "Task." : "";
		const char *p2 = f->cbs[f->ncbs - 1].cb == task_wakeup_callback ? "Task." : "";
		if (f->ncbs == 1) cbs = xasprintf(" cb=[%s%s()]", p1, first);
		else if (f->ncbs == 2) cbs = xasprintf(" cb=[%s%s(), %s%s()]", p1, first, p2, last);
		else cbs = xasprintf(" cb=[%s%s(), <%u more>, %s%s()]", p1, first, f->ncbs - 2, p2, last);
	}
	char *s = xasprintf("<%s %s%s%s%s>", f->type_name, info, extra ? extra : "", waiting ? waiting : "",
			    cbs ? cbs : "");
	free(info);
	free(extra);
	free(waiting);
	free(cbs);
	return s;
}
