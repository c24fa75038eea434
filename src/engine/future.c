/* future.c -- asyncio.Future (futures.py, _asynciomodule.c; semantics.md §4). */
#include "config.h"

#include <assert.h>
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
	ev.actor = future_actor(f);
	ev.value = v;
	ev.state_from = from;
	ev.state_to = to;
	ev.text = text;
	interp_emit(f->I, &ev);
}

static const struct future_class future_class_future = {"Future", ACT_FUTURE, NULL};

const struct future_class *future_classes[4];

static unsigned class_id(const struct future_class *cls)
{
	unsigned i = 0;
	while (i < 4 && future_classes[i] && future_classes[i] != cls) i++;
	assert(i < 4 && "a few classes of future exist, not five");
	future_classes[i] = cls;
	return i;
}

void future_init(struct future *f, struct interp *I, struct loop *L, const struct future_class *cls,
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
	f->I = I;
	f->loop_id = L ? loop_id(L) : 0;
	f->state = FUT_PENDING;
	f->cls_id = class_id(cls);
	f->id = interp_new_id(I, cls->kind);
	f->result = value_none();
}

static struct fut_callback *cb_at(struct future *f, unsigned i)
{
	return i ? &f->more->cbs[i - 1] : &f->cb0;
}

/* The block and its info array come from the pool (obj_alloc): while
 * tracing every future that gets a callback has them. */
static size_t callbacks_size(unsigned cap)
{
	return sizeof(struct fut_callbacks) + cap * sizeof(struct fut_callback);
}

static size_t callbacks_info_size(unsigned cap)
{
	return (cap + 1) * sizeof(struct fut_callback_info);
}

static void callbacks_free(struct fut_callbacks *m)
{
	if (!m) return;
	if (m->info) obj_free(m->info, callbacks_info_size(m->cap));
	obj_free(m, callbacks_size(m->cap));
}

void future_fini(struct future *f)
{
	/* Future.__del__: an exception set and never retrieved is reported
	 * when the future is destroyed. */
	if (f->log_traceback && trace_on(f->I)) {
		char *r = future_repr(f), *e = exc_format(value_exc(future_peek_exception(f)));
		char *msg = xasprintf("%s exception was never retrieved\nfuture: %s\n%s",
				      f->is_task ? "Task" : "Future", r, e);
		interp_warn(f->I, msg);
		free(msg);
		free(e);
		free(r);
	}
	value_unref(f->result);
	for (unsigned i = 0; i < f->ncbs; i++) obj_unref(future_callback(f, i)->ctx);
	callbacks_free(f->more);
	obj_strfree((char *)f->name);
	f->I->live--;
}

void future_await_over_(struct future *f)
{
	struct timed_future *tf = (struct timed_future *)f;
	struct timer *t = tf->timer;
	if (!t) return;
	tf->timer = NULL;
	timer_cancel(t);
	timer_unref(t);
}

static void future_dealloc(struct obj *o)
{
	struct future *f = (struct future *)o;
	future_await_over(f);
	future_fini(f);
	obj_free(f, f->timed ? sizeof(struct timed_future) : sizeof *f);
}

void future_prefetch(const void *target, int stage)
{
	const struct future *f = target;
	if (stage == 0) {
		__builtin_prefetch(f);
		__builtin_prefetch((const char *)f + 64);
		return;
	}
	if (f->ncbs) loop_prefetch(f->cb0.cb, f->cb0.ctx, stage - 1);
}

struct value future_new_timed(struct loop *L)
{
	struct timed_future *tf = obj_alloc(sizeof *tf);
	struct interp *I = loop_interp(L);
	future_init(&tf->fut, I, L, &future_class_future, future_dealloc);
	I->live++;
	tf->fut.timed = 1;
	tf->timer = NULL;
	struct value v = value_obj(&tf->fut);
	obj_unref(&tf->fut);
	return v;
}

void future_hold_timer(struct future *f, struct timer *t)
{
	struct timed_future *tf = (struct timed_future *)f;
	assert(f->timed && !tf->timer);
	tf->timer = t;
}

struct value future_new(struct loop *L)
{
	struct future *f = obj_alloc(sizeof *f);
	struct interp *I = loop_interp(L);
	future_init(f, I, L, &future_class_future, future_dealloc);
	I->live++;
	if (trace_on(I)) future_name(f);
	struct value v = value_obj(f);
	obj_unref(f);
	if (trace_on(I)) fut_event(f, EV_FUT_CREATE, value_none(), -1, FUT_PENDING, NULL);
	return v;
}

/* buf = prefix followed by n in decimal ("Task-3"), without snprintf,
 * which would be a good part of the cost of naming a task.  prefix has at
 * most 13 characters. */
static void name_id(char buf[24], const char *prefix, unsigned n)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				    "8081828384858687888990919293949596979899";
	char digits[10], *d = digits + sizeof digits, *p = buf;
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

/* The name without keeping it: f->name, or one made in buf.  A task
 * without a name of its own is Task-N with N from the process-wide counter
 * (4.5); futures have no name in Python, the trace calls them Future-N. */
static const char *name_of(const struct future *f, char buf[24])
{
	if (f->name) return f->name;
	if (f->is_task) name_id(buf, "Task-", ((const struct task *)f)->number);
	else name_id(buf, "Future-", f->id);
	return buf;
}

const char *future_name(struct future *f)
{
	char buf[24];
	if (!f->name) f->name = obj_strdup(name_of(f, buf));
	return f->name;
}

const char *future_state_name(const struct future *f)
{
	static const char *const names[] = {"PENDING", "CANCELLED", "FINISHED"};
	return names[f->state];
}

static struct cancel_note **cancel_note_of(const struct future *f)
{
	struct cancel_note **p = &f->I->cancel_notes;
	while ((*p)->task != f) p = &(*p)->next;
	return p;
}

static const struct value *kept_cancel_message(const struct future *f)
{
	return &(*cancel_note_of(f))->msg;
}

void future_drop_cancel_message(struct future *f)
{
	if (!f->keeps_cancel_msg) return;
	struct cancel_note **p = cancel_note_of(f), *n = *p;
	*p = n->next;
	f->keeps_cancel_msg = 0;
	value_unref(n->msg);
	free(n);
}

struct value future_cancel_message(const struct future *f)
{
	if (f->state == FUT_FINISHED) return f->keeps_cancel_msg ? *kept_cancel_message(f) : value_none();
	return f->holds_cancelled_exc ? value_none() : f->result;
}

/* _make_cancelled_error: the CancelledError that cancelled a task is raised
 * once; otherwise a new one carrying cancel(msg)'s message. */
struct value future_make_cancelled_error(struct future *f)
{
	if (f->holds_cancelled_exc) {
		struct value e = f->result;
		f->result = value_none();
		f->holds_cancelled_exc = 0;
		return e;
	}
	struct value msg = future_cancel_message(f);
	if (msg.kind == VAL_NONE) return exc_new(EXC_CANCELLED_ERROR, NULL);
	return exc_new_arg(EXC_CANCELLED_ERROR, value_ref(msg));
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
	*out = value_ref(f->result);
	return f->has_exception;
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
	*out = value_ref(future_peek_exception(f));
	return 0;
}

/* __schedule_callbacks: L5 -- every callback goes through call_soon, in
 * registration order; none runs inside set_result/set_exception/cancel. */
static void schedule_callbacks(struct future *f)
{
	unsigned n = f->ncbs;
	struct fut_callback cb0 = f->cb0;
	struct fut_callbacks *m = f->more;
	f->more = NULL;
	f->ncbs = 0;
	struct value self = value_obj(f);
	/* A future whose loop is closed and gone has nowhere to run them
	 * (CPython's call_soon raises "Event loop is closed"): they are
	 * dropped. */
	struct loop *L = future_loop(f);
	for (unsigned i = 0; i < n; i++) {
		const struct fut_callback *c = i ? &m->cbs[i - 1] : &cb0;
		const struct fut_callback_info *in = m && m->info ? &m->info[i] : NULL;
		struct trace_actor who = {0};
		int library = 0;
		if (in) {
			who = in->who;
			library = in->library;
		}
		f->I->library += library;
		if (L) loop_call_soon(L, c->cb, c->name, c->ctx, who, self);
		f->I->library -= library;
		obj_unref(c->ctx);
	}
	value_unref(self);
	callbacks_free(m);
}

/* The slot is about to hold a result: a task keeps the message of a
 * cancel(msg) it survived, for _make_cancelled_error (gather reads it).
 * Few tasks do: the messages are kept in a list in the interp, not in a
 * field of every task. */
static void keep_cancel_message(struct future *f)
{
	if (!f->is_task || f->result.kind == VAL_NONE) return;
	struct cancel_note *n = xmalloc(sizeof *n);
	n->task = f;
	n->msg = f->result;
	n->next = f->I->cancel_notes;
	f->I->cancel_notes = n;
	f->keeps_cancel_msg = 1;
	f->result = value_none();
}

int future_set_result(struct future *f, struct value v, struct value *err)
{
	if (f->state != FUT_PENDING) {
		*err = exc_new(EXC_INVALID_STATE_ERROR, "invalid state");
		return 1;
	}
	keep_cancel_message(f);
	value_set(&f->result, value_ref(v));
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
	keep_cancel_message(f);
	value_set(&f->result, value_ref(e));
	f->has_exception = e.kind != VAL_NONE;
	f->state = FUT_FINISHED;
	f->log_traceback = 1;
	if (trace_on(f->I)) fut_event(f, EV_FUT_EXCEPTION, e, FUT_PENDING, FUT_FINISHED, NULL);
	schedule_callbacks(f);
	return 0;
}

int future_cancel(struct future *f, struct value msg)
{
	int (*cancel)(struct future *, struct value) = future_cls(f)->cancel;
	return cancel ? cancel(f, msg) : future_cancel_base(f, msg);
}

int future_cancel_base(struct future *f, struct value msg)
{
	if (f->state != FUT_PENDING) return 0;
	f->state = FUT_CANCELLED;
	value_set(&f->result, value_ref(msg));
	if (trace_on(f->I)) fut_event(f, EV_FUT_CANCEL, msg, FUT_PENDING, FUT_CANCELLED, NULL);
	schedule_callbacks(f);
	return 1;
}

/* Room for n callbacks in all, and, while tracing, for their info. */
static void callbacks_reserve(struct future *f, unsigned n)
{
	struct fut_callbacks *m = f->more;
	unsigned cap = m ? m->cap : 0;
	int tracing = trace_on(f->I);
	if (n - 1 <= cap && (m || !tracing)) return;
	unsigned ncap = n - 1 <= cap ? cap : cap ? 2 * cap : 1;
	struct fut_callbacks *nm = obj_alloc(callbacks_size(ncap));
	nm->info = NULL;
	if (m) memcpy(nm->cbs, m->cbs, cap * sizeof m->cbs[0]);
	nm->cap = ncap;
	if (tracing) {
		nm->info = obj_alloc(callbacks_info_size(ncap));
		if (m && m->info) memcpy(nm->info, m->info, callbacks_info_size(cap));
	}
	callbacks_free(m);
	f->more = nm;
}

void future_add_done_callback(struct future *f, loop_cb cb, const char *name, void *ctx,
			      struct trace_actor who)
{
	if (trace_on(f->I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_CB_ADD);
		ev.actor = future_actor(f);
		ev.other = who;
		ev.state_from = ev.state_to = -1;
		ev.text = name;
		interp_emit(f->I, &ev);
	}
	if (f->state != FUT_PENDING) {
		/* L6: already done -- scheduled right away, still via call_soon. */
		struct value self = value_obj(f);
		struct loop *L = future_loop(f);
		if (L) loop_call_soon(L, cb, name, ctx, who, self); /* else: see schedule_callbacks */
		value_unref(self);
		return;
	}
	callbacks_reserve(f, f->ncbs + 1);
	obj_ref(ctx);
	*cb_at(f, f->ncbs) = (struct fut_callback){cb, name, ctx};
	if (f->more && f->more->info)
		f->more->info[f->ncbs] = (struct fut_callback_info){who, interp_in_library(f->I)};
	f->ncbs++;
}

unsigned future_remove_done_callback(struct future *f, loop_cb cb, void *ctx)
{
	unsigned kept = 0, removed = 0;
	for (unsigned i = 0; i < f->ncbs; i++) {
		struct fut_callback *c = cb_at(f, i);
		if (c->cb == cb && (!ctx || c->ctx == ctx)) {
			obj_unref(c->ctx);
			removed++;
		} else {
			if (kept != i) {
				*cb_at(f, kept) = *c;
				if (f->more->info) f->more->info[kept] = f->more->info[i];
			}
			kept++;
		}
	}
	f->ncbs = kept;
	if (removed && trace_on(f->I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_CB_REMOVE);
		ev.actor = future_actor(f);
		ev.state_from = ev.state_to = -1;
		ev.value = value_int(removed);
		interp_emit(f->I, &ev);
	}
	return removed;
}

void future_drop_callbacks(struct future *f)
{
	for (unsigned i = 0; i < f->ncbs; i++) obj_unref(future_callback(f, i)->ctx);
	f->ncbs = 0;
}

/* base_futures._future_repr_info / base_tasks._task_repr_info. */
char *future_repr(const struct future *f)
{
	char *info;
	const char *state = f->state == FUT_PENDING ? "pending" : f->state == FUT_CANCELLED ? "cancelled" : "finished";
	if (f->is_task) {
		const struct task *t = (const struct task *)f;
		if (f->state == FUT_PENDING && task_cancelling(t)) state = "cancelling";
		const struct gen *c = t->coro;
		char *coro = c ? xasprintf(" coro=<%s() %s>", c->code->name,
					   c->state == GEN_CLOSED ? "done" : "running")
			       : xstrdup("");
		char buf[24];
		info = xasprintf("%s name='%s'%s", state, name_of(f, buf), coro);
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
		char *r = value_repr(f->result);
		extra = xasprintf(" %s=%s", f->has_exception ? "exception" : "result", r);
		free(r);
	}
	if (f->ncbs) {
		/* _format_callbacks: more than two are cut to [first, <N more>, last];
		 * a C Task's wakeup shows as Task.task_wakeup(). */
		const struct fut_callback *c0 = future_callback(f, 0), *cn = future_callback(f, f->ncbs - 1);
		const char *first = c0->name, *last = cn->name;
		const char *p1 = c0->cb == task_wakeup_callback ? "Task." : "";
		const char *p2 = cn->cb == task_wakeup_callback ? "Task." : "";
		if (f->ncbs == 1) cbs = xasprintf(" cb=[%s%s()]", p1, first);
		else if (f->ncbs == 2) cbs = xasprintf(" cb=[%s%s(), %s%s()]", p1, first, p2, last);
		else cbs = xasprintf(" cb=[%s%s(), <%u more>, %s%s()]", p1, first, f->ncbs - 2, p2, last);
	}
	char *s = xasprintf("<%s %s%s%s%s>", future_cls(f)->name, info, extra ? extra : "", waiting ? waiting : "",
			    cbs ? cbs : "");
	free(info);
	free(extra);
	free(waiting);
	free(cbs);
	return s;
}
