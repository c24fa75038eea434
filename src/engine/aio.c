/* aio.c -- asyncio's functions (tasks.py, base_events.py, runners.py,
 * queues.py) as library coroutines on the engine.  Each Python coroutine is
 * a gen_code whose locals are named as in CPython's source, so step mode
 * shows the same frames a Python debugger would. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio.h"

#define LIB GEN_CODE_LIBRARY

static double num(struct value v)
{
	return v.kind == VAL_FLOAT ? v.u.f : v.kind == VAL_INT ? (double)v.u.i : -1.0;
}

/* A number as the program wrote it, for a frame's locals: sleep(1) shows
 * delay=1, sleep(0.5) delay=0.5. */
static struct value py_num(double d)
{
	return d == (double)(long long)d && d >= -1e15 && d <= 1e15 ? value_int((long long)d) : value_float(d);
}

/* loop = events.get_running_loop(), for a frame's locals: only the trace's
 * frame texts show them, so the slot is filled only while tracing, when
 * those are asked for (step mode, the JSON trace, --verbose). */
static void bind_loop(struct interp *I, struct value *slot, const struct loop *L)
{
	if (!trace_on(I) || !I->want_frames) return;
	char *r = loop_repr(L);
	value_set(slot, value_opaque(r));
	free(r);
}

/* timeout=None is a negative timeout in the C API. */
static struct value timeout_value(double timeout)
{
	return timeout < 0 ? value_none() : py_num(timeout);
}

/* return_when is one of concurrent.futures' strings in Python
 * ('ALL_COMPLETED' ...); anything else is kept as the number it was. */
static const char *const return_when_names[] = {"ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"};

static struct value return_when_value(enum aio_return_when rw)
{
	if ((unsigned)rw < sizeof return_when_names / sizeof *return_when_names) return value_str(return_when_names[rw]);
	return value_int(rw);
}

static long long return_when_of(struct value v)
{
	const char *s = value_cstr(v);
	for (size_t i = 0; s && i < sizeof return_when_names / sizeof *return_when_names; i++)
		if (strcmp(s, return_when_names[i]) == 0) return (long long)i;
	return v.kind == VAL_INT ? v.u.i : -1;
}

/* 3.11: coroutines._COROUTINE_TYPES still holds types.GeneratorType, so a
 * plain generator counts as a coroutine (and may drive a Task). */
int aio_iscoroutine(struct value x)
{
	return value_gen(x) != NULL;
}

/* The running loop, or NULL. */
static struct loop *running_loop_or_null(struct interp *I)
{
	return I->loop && loop_is_running(I->loop) ? I->loop : NULL;
}

/* events.get_running_loop() */
static int running_loop(struct interp *I, struct loop **out, struct value *err)
{
	if (!(*out = running_loop_or_null(I))) {
		*err = exc_new(EXC_RUNTIME_ERROR, "no running event loop");
		return 1;
	}
	return 0;
}

int aio_get_event_loop(struct interp *I, struct loop **out, struct value *err)
{
	if (!I->loop && I->no_current_loop) {
		*err = exc_new(EXC_RUNTIME_ERROR, "There is no current event loop in thread 'MainThread'.");
		return 1;
	}
	*out = loop_get(I);
	return 0;
}

int aio_create_task(struct loop *L, struct value coro, const char *name, struct value *out)
{
	struct value err;
	*out = task_new(L, coro, name, &err);
	if (out->kind == VAL_NONE) {
		*out = err;
		return 1;
	}
	return 0;
}

static int ensure_future_on(struct interp *I, struct loop *L, struct value x, struct value *out)
{
	if (x.kind == VAL_FUTURE) { /* returned unchanged (4.4) */
		*out = value_ref(x);
		return 0;
	}
	if (!aio_iscoroutine(x)) {
		*out = exc_new(EXC_TYPE_ERROR, "An asyncio.Future, a coroutine or an awaitable is required");
		return 1;
	}
	if (!L) {
		if (aio_get_event_loop(I, &L, out)) return 1;
	}
	return aio_create_task(L, x, NULL, out);
}

int aio_ensure_future(struct interp *I, struct value x, struct value *out)
{
	return ensure_future_on(I, NULL, x, out);
}

/* ---- sleep (L7) ---- */

static GEN_BODY(sleep0_body)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_none(), NULL); /* bare yield: one loop iteration */
	GEN_END(g);
}
static const struct gen_code sleep0_code = {
	.name = "__sleep0", .kind = GEN_KIND_GENERATOR, .body = sleep0_body, .flags = LIB};

/* futures._set_result_unless_cancelled(fut, result) */
static void set_result_unless_cancelled_cb(struct interp *I, void *target, struct value result)
{
	(void)I;
	struct future *f = target;
	struct value err;
	if (future_cancelled(f)) return;
	if (future_set_result(f, result, &err)) value_unref(err);
}

enum { SL_DELAY, SL_RESULT, SL_LOOP, SL_FUTURE, SL_H, SL_N };
static const char *const sleep_vars[] = {"delay", "result", "loop", "future", "h"};

/* h = loop.call_later(delay, futures._set_result_unless_cancelled, future,
 * result): returns h (a reference). */
static struct timer *sleep_arm(struct loop *lp, struct future *f, struct value delay, struct value result)
{
	static int prefetching; /* registered once per process */
	if (!prefetching) {
		loop_prefetch_with(set_result_unless_cancelled_cb, future_prefetch);
		prefetching = 1;
	}
	struct timer *t = loop_call_later(lp, num(delay), set_result_unless_cancelled_cb,
					  "_set_result_unless_cancelled", f, future_actor(f), result);
	timer_set_nargs(t, 2); /* (future, result) */
	return t;
}

static GEN_BODY(sleep_body)
{
	struct value *L = g->locals;
	struct loop *lp;
	struct value err, res = value_none();
	GEN_BEGIN(g);
	if (num(L[SL_DELAY]) <= 0) {
		GEN_AWAIT(g, gen_new(g->I, &sleep0_code, 0), NULL);
		GEN_RETURN(g, value_ref(L[SL_RESULT]));
	}
	if (running_loop(g->I, &lp, &err)) GEN_RAISE(g, err);
	bind_loop(g->I, &L[SL_LOOP], lp);
	value_set(&L[SL_FUTURE], future_new(lp));
	{
		struct timer *t = sleep_arm(lp, value_future(L[SL_FUTURE]), L[SL_DELAY], L[SL_RESULT]);
		value_set(&L[SL_H], value_obj(t));
		timer_unref(t);
	}
	/* return await future: the result lives only from the resume to the
	 * return, within one call of the body, as on CPython's value stack */
	GEN_AWAIT_TRY(g, value_ref(L[SL_FUTURE]), &res);
	timer_cancel((struct timer *)L[SL_H].u.o); /* finally: h.cancel() */
	if (gen_has_thrown(g)) GEN_RAISE(g, gen_take_thrown(g));
	GEN_RETURN(g, res);
	GEN_END(g);
}

/* sleep(delay > 0) awaited where it is made, with the trace off
 * (gen_code.await_instead): the frame that awaits it awaits the body's
 * future directly, and that future holds the timer, which the end of the
 * await cancels (future_await_over) as the body's finally does.  What the
 * awaiting frame gets, and when, is the same: the future's result or
 * exception, at the same iteration; a throw() or close() reaches it through
 * the future as it would through the frame.  No running loop, or a delay
 * the body would hand to __sleep0: the body runs after all. */
static struct value sleep_await_instead(struct gen *sub)
{
	struct value *L = sub->locals;
	struct loop *lp = running_loop_or_null(sub->I);
	if (num(L[SL_DELAY]) <= 0 || !lp) return value_none();
	struct value f = future_new_timed(lp);
	future_hold_timer(value_future(f), sleep_arm(lp, value_future(f), L[SL_DELAY], L[SL_RESULT]));
	value_set(&L[SL_DELAY], value_none());
	value_set(&L[SL_RESULT], value_none());
	return f;
}

static const struct gen_code sleep_code = {
	.name = "sleep", .kind = GEN_KIND_COROUTINE, .body = sleep_body, .nlocals = SL_N,
	.varnames = sleep_vars, .flags = LIB, .await_instead = sleep_await_instead};

/* sleep(delay <= 0) with the trace off.  Nobody sees its frame or its
 * __sleep0, so the coroutine keeps only `result` and makes __sleep0's bare
 * yield itself (a throw or a close reaches the frame at that same yield
 * either way): no generator to make, run twice and free, and a frame of
 * two cache lines instead of four.  Half the cost of a sleep(0). */
static GEN_BODY(sleep0_untraced_body)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_none(), NULL);
	GEN_RETURN(g, value_ref(g->locals[0]));
	GEN_END(g);
}
static const char *const sleep0_untraced_vars[] = {"result"};
static const struct gen_code sleep0_untraced_code = {
	.name = "sleep", .kind = GEN_KIND_COROUTINE, .body = sleep0_untraced_body, .nlocals = 1,
	.varnames = sleep0_untraced_vars, .flags = LIB | GEN_CODE_BARE_YIELD};

struct value aio_sleep(struct interp *I, double delay, struct value result)
{
	if (delay <= 0 && !trace_on(I)) {
		struct value arg = value_ref(result);
		return gen_newv(I, &sleep0_untraced_code, 1, &arg);
	}
	/* the frame shows delay as the program passed it: sleep(1), sleep(0.5) */
	struct value args[2] = {py_num(delay), value_ref(result)};
	return gen_newv(I, &sleep_code, 2, args);
}

/* ---- wait (5.1, 5.2) ---- */

/* _release_waiter(waiter, *args) */
static void release_waiter_cb(struct interp *I, void *target, struct value arg)
{
	(void)I;
	(void)arg;
	struct future *w = target;
	struct value err;
	if (!future_done(w) && future_set_result(w, value_none(), &err)) value_unref(err);
}

enum { WT_FS, WT_TIMEOUT, WT_RETURN_WHEN, WT_LOOP, WT_WAITER, WT_TIMEOUT_HANDLE, WT_COUNTER, WT_DONE, WT_PENDING, WT_N };
static const char *const _wait_vars[] = {"fs", "timeout", "return_when", "loop", "waiter",
					 "timeout_handle", "counter", "done", "pending"};

/* _wait.<locals>._on_completion(f) */
static void wait_on_completion_cb(struct interp *I, void *target, struct value arg)
{
	(void)I;
	struct gen *g = target;
	struct value *L = g->locals;
	struct future *f = value_future(arg);
	f->log_traceback = 0; /* f.exception() below retrieves it */
	L[WT_COUNTER].u.i--;
	long long rw = return_when_of(L[WT_RETURN_WHEN]);
	if (L[WT_COUNTER].u.i <= 0 || rw == AIO_FIRST_COMPLETED ||
	    (rw == AIO_FIRST_EXCEPTION && !future_cancelled(f) && future_peek_exception(f).kind != VAL_NONE)) {
		if (L[WT_TIMEOUT_HANDLE].kind != VAL_NONE) timer_cancel((struct timer *)L[WT_TIMEOUT_HANDLE].u.o);
		struct future *w = value_future(L[WT_WAITER]);
		struct value err;
		if (w && !future_done(w) && future_set_result(w, value_none(), &err)) value_unref(err);
	}
}

static GEN_BODY(_wait_body)
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	size_t i, n;
	GEN_BEGIN(g);
	{
		struct loop *lp = I->loop;
		bind_loop(I, &L[WT_LOOP], lp);
		value_set(&L[WT_WAITER], future_new(lp));
		struct future *w = value_future(L[WT_WAITER]);
		value_set(&L[WT_TIMEOUT_HANDLE], value_none());
		if (num(L[WT_TIMEOUT]) >= 0) {
			struct timer *t = loop_call_later(lp, num(L[WT_TIMEOUT]), release_waiter_cb, "_release_waiter",
							  w, future_actor(w), value_none());
			value_set(&L[WT_TIMEOUT_HANDLE], value_obj(t));
			timer_unref(t);
		}
		n = value_len(L[WT_FS]);
		value_set(&L[WT_COUNTER], value_int((long long)n));
		I->set_order++; /* for f in fs: a set */
		for (i = 0; i < n; i++)
			future_add_done_callback(value_future(value_item(L[WT_FS], i)), wait_on_completion_cb,
						 "_wait.<locals>._on_completion", g, gen_actor(g));
		I->set_order--;
	}
	GEN_AWAIT_TRY(g, value_ref(L[WT_WAITER]), NULL);
	/* finally: */
	if (L[WT_TIMEOUT_HANDLE].kind != VAL_NONE) timer_cancel((struct timer *)L[WT_TIMEOUT_HANDLE].u.o);
	n = value_len(L[WT_FS]);
	for (i = 0; i < n; i++)
		future_remove_done_callback(value_future(value_item(L[WT_FS], i)), wait_on_completion_cb, g);
	if (gen_has_thrown(g)) GEN_RAISE(g, gen_take_thrown(g));
	value_set(&L[WT_DONE], value_new_set());
	value_set(&L[WT_PENDING], value_new_set());
	for (i = 0; i < n; i++) {
		struct value f = value_item(L[WT_FS], i);
		value_append(future_done(value_future(f)) ? L[WT_DONE] : L[WT_PENDING], value_ref(f));
	}
	GEN_RETURN(g, value_tuple(2, value_ref(L[WT_DONE]), value_ref(L[WT_PENDING])));
	GEN_END(g);
}
static const struct gen_code _wait_code = {
	.name = "_wait", .kind = GEN_KIND_COROUTINE, .body = _wait_body, .nlocals = WT_N,
	.varnames = _wait_vars, .flags = LIB};

enum { W_FS, W_TIMEOUT, W_RETURN_WHEN, W_LOOP, W_RES, W_N };
static const char *const wait_vars[] = {"fs", "timeout", "return_when", "loop", "res"};

static GEN_BODY(wait_body)
{
	struct value *L = g->locals;
	struct loop *lp;
	struct value err;
	GEN_BEGIN(g);
	{
		struct value fs = L[W_FS];
		if (fs.kind == VAL_FUTURE || aio_iscoroutine(fs))
			GEN_RAISE(g, exc_newf(EXC_TYPE_ERROR, "expect a list of futures, not %s", value_type_name(fs)));
		if (!value_truthy(fs)) GEN_RAISE(g, exc_new(EXC_VALUE_ERROR, "Set of Tasks/Futures is empty."));
		long long rw = return_when_of(L[W_RETURN_WHEN]);
		if (rw != AIO_ALL_COMPLETED && rw != AIO_FIRST_COMPLETED && rw != AIO_FIRST_EXCEPTION) {
			char *v = value_str_of(L[W_RETURN_WHEN]);
			struct value e = exc_newf(EXC_VALUE_ERROR, "Invalid return_when value: %s", v);
			free(v);
			GEN_RAISE(g, e);
		}
		struct value set = value_new_set(); /* fs = set(fs) */
		size_t n = value_len(fs);
		for (size_t i = 0; i < n; i++) value_append(set, value_ref(value_item(fs, i)));
		value_set(&L[W_FS], set);
		for (size_t i = 0; i < value_len(set); i++)
			if (value_item(set, i).kind != VAL_FUTURE)
				GEN_RAISE(g, exc_new(EXC_TYPE_ERROR, "Passing coroutines is forbidden, use tasks explicitly."));
		if (running_loop(g->I, &lp, &err)) GEN_RAISE(g, err);
		bind_loop(g->I, &L[W_LOOP], lp);
	}
	GEN_AWAIT(g, gen_new(g->I, &_wait_code, 3, value_ref(L[W_FS]), value_ref(L[W_TIMEOUT]), value_ref(L[W_RETURN_WHEN])),
		  &L[W_RES]);
	GEN_RETURN(g, value_ref(L[W_RES]));
	GEN_END(g);
}
static const struct gen_code wait_code = {
	.name = "wait", .kind = GEN_KIND_COROUTINE, .body = wait_body, .nlocals = W_N,
	.varnames = wait_vars, .flags = LIB};

struct value aio_wait(struct interp *I, struct value fs, double timeout, enum aio_return_when rw)
{
	return gen_new(I, &wait_code, 3, value_ref(fs), timeout_value(timeout), return_when_value(rw));
}

/* ---- gather (5.5) ---- */

struct gathering {
	struct future fut; /* _GatheringFuture */
	struct value children;
	long long nfuts, nfinished;
	int return_exceptions, cancel_requested, outer_ready;
	struct gathering *prev, *next; /* interp->gatherings */
};

static void gather_done_cb(struct interp *I, void *target, struct value arg);

static void gathering_unlink(struct gathering *G)
{
	struct interp *I = G->fut.I;
	if (G->prev) G->prev->next = G->next;
	else if (I->gatherings == G) I->gatherings = G->next;
	if (G->next) G->next->prev = G->prev;
	G->prev = G->next = NULL;
}

/* At the end of a run: a gather whose children never finished is held by
 * their callbacks while it holds them (CPython's cycle collector frees such
 * pairs); drop the callbacks so both can go. */
static void gatherings_teardown(struct interp *I)
{
	size_t n = 0, k = 0;
	for (struct gathering *G = I->gatherings; G; G = G->next) n++;
	struct gathering **v = xmalloc((n ? n : 1) * sizeof *v);
	for (struct gathering *G = I->gatherings; G; G = G->next) { /* hold each while we work */
		obj_ref(G);
		v[k++] = G;
	}
	for (k = 0; k < n; k++) {
		if (future_done(&v[k]->fut)) continue;
		for (size_t i = 0; i < value_len(v[k]->children); i++)
			future_remove_done_callback(value_future(value_item(v[k]->children, i)), gather_done_cb, v[k]);
	}
	for (k = 0; k < n; k++) obj_unref(v[k]);
	free(v);
}

static void gathering_dealloc(struct obj *o)
{
	struct gathering *G = (struct gathering *)o;
	gathering_unlink(G);
	value_unref(G->children);
	future_fini(&G->fut);
	free(G);
}

/* _GatheringFuture.cancel(msg): cancel the children instead. */
static int gathering_cancel(struct future *f, struct value msg)
{
	struct gathering *G = (struct gathering *)f;
	if (future_done(f)) return 0;
	int ret = 0;
	for (size_t i = 0; i < value_len(G->children); i++)
		if (future_cancel(value_future(value_item(G->children, i)), msg)) ret = 1;
	if (ret) G->cancel_requested = 1;
	return ret;
}

static const struct future_class gathering_class = {"_GatheringFuture", ACT_FUTURE, gathering_cancel};

/* gather.<locals>._done_callback(fut) */
static void gather_done_cb(struct interp *I, void *target, struct value arg)
{
	(void)I;
	struct gathering *G = target;
	struct future *outer = &G->fut, *fut = value_future(arg);
	struct value exc, err;
	G->nfinished++;
	if (!G->outer_ready || future_done(outer)) {
		if (!future_cancelled(fut)) {
			future_exception(fut, &exc); /* mark the exception retrieved */
			value_unref(exc);
		}
		return;
	}
	if (!G->return_exceptions) {
		if (future_cancelled(fut)) {
			exc = future_make_cancelled_error(fut);
			if (future_set_exception(outer, exc, &err)) value_unref(err);
			value_unref(exc);
			return;
		}
		fut->log_traceback = 0; /* exc = fut.exception() */
		if (future_peek_exception(fut).kind != VAL_NONE) {
			if (future_set_exception(outer, future_peek_exception(fut), &err)) value_unref(err);
			return;
		}
	}
	if (G->nfinished != G->nfuts) return;
	struct value results = value_list();
	size_t n = value_len(G->children);
	for (size_t i = 0; i < n; i++) {
		struct future *c = value_future(value_item(G->children, i));
		if (future_cancelled(c)) {
			struct value msg = future_cancel_message(c);
			value_append(results, msg.kind == VAL_NONE ? exc_new(EXC_CANCELLED_ERROR, "")
								   : exc_new_arg(EXC_CANCELLED_ERROR, value_ref(msg)));
		} else {
			c->log_traceback = 0; /* res = fut.exception() */
			struct value res = future_peek_exception(c);
			value_append(results, value_ref(res.kind != VAL_NONE ? res : future_peek_result(c)));
		}
	}
	if (G->cancel_requested) {
		exc = future_make_cancelled_error(fut);
		if (future_set_exception(outer, exc, &err)) value_unref(err);
		value_unref(exc);
	} else if (future_set_result(outer, results, &err)) {
		value_unref(err);
	}
	value_unref(results);
}

int aio_gather(struct interp *I, struct value aws, int return_exceptions, struct value *out)
{
	size_t n = value_len(aws);
	struct loop *L = NULL;
	struct value err;
	if (n == 0) { /* an already completed future with [] */
		if (aio_get_event_loop(I, &L, out)) return 1;
		*out = future_new(L);
		struct value empty = value_list();
		if (future_set_result(value_future(*out), empty, &err)) value_unref(err);
		value_unref(empty);
		return 0;
	}
	struct gathering *G = xcalloc(1, sizeof *G);
	G->children = value_list();
	G->return_exceptions = return_exceptions;
	/* The outer future is made after its children (bpo-46672: outer is None
	 * until then); its storage exists already so callbacks can name it. */
	future_init(&G->fut, I, NULL, &gathering_class, gathering_dealloc);
	I->live++;
	G->next = I->gatherings;
	if (G->next) G->next->prev = G;
	I->gatherings = G;
	I->at_teardown = gatherings_teardown;
	if (trace_on(I)) future_name(&G->fut);
	/* arg_to_fut: duplicates share a child.  The distinct arguments so far
	 * are kept in a set (hashed: gather of 100 000 tasks would compare
	 * each with all before it), with their futures at the same positions
	 * in seen_futs. */
	struct value seen = value_new_set(), seen_futs = value_list();
	for (size_t i = 0; i < n; i++) {
		struct value arg = value_item(aws, i), fut = value_none();
		long j = arg.kind >= VAL_STR ? value_find(seen, arg) : -1;
		if (j >= 0) fut = value_ref(value_item(seen_futs, (size_t)j));
		if (fut.kind == VAL_NONE) {
			if (ensure_future_on(I, L, arg, &fut)) {
				value_unref(seen);
				value_unref(seen_futs);
				/* The children made so far keep running, as in CPython;
				 * their _done_callback sees no outer future and returns. */
				*out = fut;
				obj_unref(G);
				return 1;
			}
			if (arg.kind >= VAL_STR) {
				value_append(seen, value_ref(arg));
				value_append(seen_futs, value_ref(fut));
			}
			struct future *f = value_future(fut);
			if (!L) L = future_loop(f);
			if (fut.u.o != arg.u.o) f->log_destroy_pending = 0;
			G->nfuts++;
			future_add_done_callback(f, gather_done_cb, "gather.<locals>._done_callback", G, future_actor(&G->fut));
		}
		value_append(G->children, fut);
	}
	value_unref(seen);
	value_unref(seen_futs);
	G->fut.loop_id = L ? loop_id(L) : 0;
	G->outer_ready = 1;
	if (trace_on(I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_FUT_CREATE);
		ev.actor = future_actor(&G->fut);
		ev.state_from = -1;
		ev.state_to = FUT_PENDING;
		ev.text = "_GatheringFuture";
		interp_emit(I, &ev);
	}
	*out = value_obj(G);
	obj_unref(G);
	return 0;
}

/* ---- as_completed (5.6, 3.11: a generator of coroutines over a Queue) ---- */

struct as_completed {
	struct obj hdr;
	struct interp *I;
	struct loop *loop;
	struct trace_actor who;  /* the as_completed generator */
	struct value todo;       /* set of futures not yet done */
	struct value done;       /* Queue: futures (or None) in completion order */
	size_t done_head;
	struct value getters;    /* Queue._getters */
	struct timer *timeout_handle;
};

static void ac_dealloc(struct obj *o)
{
	struct as_completed *a = (struct as_completed *)o;
	value_unref(a->todo);
	value_unref(a->done);
	value_unref(a->getters);
	if (a->timeout_handle) timer_unref(a->timeout_handle);
	free(a);
}

/* Queue.__repr__ without its address: "<Queue maxsize=0 _queue=[...]
 * _getters[1] tasks=2>".  Nothing calls task_done(), so every put counts
 * as an unfinished task. */
static char *ac_repr(const struct obj *o)
{
	const struct as_completed *a = (const struct as_completed *)o;
	size_t puts = value_len(a->done), getters = value_len(a->getters);
	char *queue = NULL, *s;
	if (puts > a->done_head) {
		struct value l = value_list();
		for (size_t i = a->done_head; i < puts; i++) value_append(l, value_ref(value_item(a->done, i)));
		char *r = value_repr(l);
		queue = xasprintf(" _queue=%s", r);
		free(r);
		value_unref(l);
	}
	char g[32] = "", t[32] = "";
	if (getters) snprintf(g, sizeof g, " _getters[%zu]", getters);
	if (puts) snprintf(t, sizeof t, " tasks=%zu", puts);
	s = xasprintf("<Queue maxsize=0%s%s%s>", queue ? queue : "", g, t);
	free(queue);
	return s;
}

/* Queue._wakeup_next(self._getters) */
static void ac_wakeup_next(struct as_completed *a)
{
	struct vseq *q = (struct vseq *)a->getters.u.o;
	while (q->len) {
		struct value w = q->items[0];
		memmove(q->items, q->items + 1, (q->len - 1) * sizeof *q->items);
		q->len--;
		struct future *f = value_future(w);
		struct value err;
		int woke = !future_done(f);
		if (woke && future_set_result(f, value_none(), &err)) value_unref(err);
		value_unref(w);
		if (woke) break;
	}
}

static void ac_put_nowait(struct as_completed *a, struct value item)
{
	value_append(a->done, value_ref(item));
	ac_wakeup_next(a);
}

static int ac_remove(struct value seq, struct value item)
{
	struct vseq *q = (struct vseq *)seq.u.o;
	for (size_t i = 0; i < q->len; i++)
		if (q->items[i].u.o == item.u.o) {
			value_unref(q->items[i]);
			memmove(q->items + i, q->items + i + 1, (q->len - i - 1) * sizeof *q->items);
			q->len--;
			return 1;
		}
	return 0;
}

/* as_completed.<locals>._on_completion(f) */
static void ac_on_completion_cb(struct interp *I, void *target, struct value f)
{
	(void)I;
	struct as_completed *a = target;
	if (!value_len(a->todo)) return; /* _on_timeout() was here first */
	value_discard(a->todo, f);
	ac_put_nowait(a, f);
	if (!value_len(a->todo) && a->timeout_handle) timer_cancel(a->timeout_handle);
}

/* as_completed.<locals>._on_timeout() */
static void ac_on_timeout_cb(struct interp *I, void *target, struct value arg)
{
	(void)arg;
	struct as_completed *a = target;
	I->set_order++;
	for (size_t i = 0; i < value_len(a->todo); i++) {
		future_remove_done_callback(value_future(value_item(a->todo, i)), ac_on_completion_cb, a);
		ac_put_nowait(a, value_none());
	}
	I->set_order--;
	value_set(&a->todo, value_new_set());
}

enum { QG_SELF, QG_GETTER, QG_N };
static const char *const queue_get_vars[] = {"self", "getter"};

static GEN_BODY(queue_get_body)
{
	struct value *L = g->locals;
	struct as_completed *a = (struct as_completed *)L[QG_SELF].u.o;
	GEN_BEGIN(g);
	while (value_len(a->done) == a->done_head) {
		value_set(&L[QG_GETTER], future_new(a->loop));
		value_append(a->getters, value_ref(L[QG_GETTER]));
		GEN_AWAIT_TRY(g, value_ref(L[QG_GETTER]), NULL);
		a = (struct as_completed *)L[QG_SELF].u.o;
		if (gen_has_thrown(g)) {
			struct future *gt = value_future(L[QG_GETTER]);
			future_cancel(gt, value_none());
			ac_remove(a->getters, L[QG_GETTER]);
			if (value_len(a->done) != a->done_head && !future_cancelled(gt)) ac_wakeup_next(a);
			GEN_RAISE(g, gen_take_thrown(g));
		}
	}
	GEN_RETURN(g, value_ref(value_item(a->done, a->done_head++)));
	GEN_END(g);
}
static const struct gen_code queue_get_code = {
	.name = "Queue.get", .kind = GEN_KIND_COROUTINE, .body = queue_get_body, .nlocals = QG_N,
	.varnames = queue_get_vars, .flags = LIB};

enum { WO_DONE, WO_F, WO_N };
static const char *const wait_for_one_vars[] = {"done", "f"};

static GEN_BODY(wait_for_one_body)
{
	struct value *L = g->locals;
	struct value r;
	GEN_BEGIN(g);
	GEN_AWAIT(g, gen_new(g->I, &queue_get_code, 1, value_ref(L[WO_DONE])), &L[WO_F]);
	if (L[WO_F].kind == VAL_NONE) GEN_RAISE(g, exc_new(EXC_TIMEOUT_ERROR, NULL));
	if (future_result(value_future(L[WO_F]), &r)) GEN_RAISE(g, r); /* may raise f.exception() */
	GEN_RETURN(g, r);
	GEN_END(g);
}
static const struct gen_code wait_for_one_code = {
	.name = "as_completed.<locals>._wait_for_one", .kind = GEN_KIND_COROUTINE,
	.body = wait_for_one_body, .nlocals = WO_N, .varnames = wait_for_one_vars, .flags = LIB};

enum { AC_FS, AC_TIMEOUT, AC_STATE, AC_I, AC_N };
static const char *const as_completed_vars[] = {"fs", "timeout", "done", "_"};

static GEN_BODY(as_completed_body)
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	GEN_BEGIN(g);
	{
		struct value fs = L[AC_FS];
		if (fs.kind == VAL_FUTURE || aio_iscoroutine(fs))
			GEN_RAISE(g, exc_newf(EXC_TYPE_ERROR, "expect an iterable of futures, not %s", value_type_name(fs)));
		struct as_completed *a = xcalloc(1, sizeof *a);
		a->hdr.refcnt = 1;
		a->hdr.kind = VAL_OBJ;
		static uint8_t ac_type;
		obj_set_type(&a->hdr, ac_dealloc, ac_repr, &ac_type);
		a->I = I;
		a->who = gen_actor(g);
		a->todo = value_new_set();
		a->done = value_list();
		a->getters = value_list();
		struct value st = value_obj(a);
		obj_unref(a);
		value_set(&L[AC_STATE], st);
		struct value err;
		if (aio_get_event_loop(I, &a->loop, &err)) GEN_RAISE(g, err);
		/* todo = {ensure_future(f) for f in set(fs)}: set order decides the
		 * Task-N numbers and the first steps (5.4). */
		struct value set = value_new_set();
		for (size_t i = 0; i < value_len(fs); i++) value_append(set, value_ref(value_item(fs, i)));
		I->set_order++;
		for (size_t i = 0; i < value_len(set); i++) {
			struct value f;
			if (ensure_future_on(I, a->loop, value_item(set, i), &f)) {
				I->set_order--;
				value_unref(set);
				GEN_RAISE(g, f);
			}
			value_append(a->todo, f);
		}
		value_unref(set);
		for (size_t i = 0; i < value_len(a->todo); i++)
			future_add_done_callback(value_future(value_item(a->todo, i)), ac_on_completion_cb,
						 "as_completed.<locals>._on_completion", a, a->who);
		I->set_order--;
		if (value_len(a->todo) && num(L[AC_TIMEOUT]) >= 0)
			a->timeout_handle = loop_call_later(a->loop, num(L[AC_TIMEOUT]), ac_on_timeout_cb, "_on_timeout",
							    a, a->who, value_none());
		value_set(&L[AC_I], value_int((long long)value_len(a->todo)));
	}
	while (L[AC_I].u.i > 0) {
		L[AC_I].u.i--;
		GEN_YIELD(g, gen_new(g->I, &wait_for_one_code, 1, value_ref(L[AC_STATE])), NULL);
	}
	GEN_END(g);
}
static const struct gen_code as_completed_code = {
	.name = "as_completed", .kind = GEN_KIND_GENERATOR, .body = as_completed_body, .nlocals = AC_N,
	.varnames = as_completed_vars, .flags = LIB};

int aio_as_completed(struct interp *I, struct value fs, double timeout, struct value *out)
{
	*out = gen_new(I, &as_completed_code, 2, value_ref(fs), timeout_value(timeout));
	return 0;
}

/* ---- wait_for (3.11) ---- */

enum { CW_FUT, CW_LOOP, CW_WAITER, CW_N };
static const char *const cancel_and_wait_vars[] = {"fut", "loop", "waiter"};

static GEN_BODY(cancel_and_wait_body)
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	{
		struct future *f = value_future(L[CW_FUT]);
		value_set(&L[CW_WAITER], future_new(future_loop(f)));
		struct future *w = value_future(L[CW_WAITER]);
		future_add_done_callback(f, release_waiter_cb, "_release_waiter", w, future_actor(w));
		future_cancel(f, value_none());
	}
	GEN_AWAIT_TRY(g, value_ref(L[CW_WAITER]), NULL);
	future_remove_done_callback(value_future(L[CW_FUT]), release_waiter_cb, value_future(L[CW_WAITER]));
	if (gen_has_thrown(g)) GEN_RAISE(g, gen_take_thrown(g));
	GEN_END(g);
}
static const struct gen_code cancel_and_wait_code = {
	.name = "_cancel_and_wait", .kind = GEN_KIND_COROUTINE, .body = cancel_and_wait_body,
	.nlocals = CW_N, .varnames = cancel_and_wait_vars, .flags = LIB};

enum { WF_FUT, WF_TIMEOUT, WF_WAITER, WF_TIMEOUT_HANDLE, WF_RES, WF_EXC, WF_N };
static const char *const wait_for_vars[] = {"fut", "timeout", "waiter", "timeout_handle", "res", "exc"};

static void wf_cancel_handle(struct value *L)
{
	if (L[WF_TIMEOUT_HANDLE].kind != VAL_NONE) timer_cancel((struct timer *)L[WF_TIMEOUT_HANDLE].u.o);
}

/* return fut.result(), turning CancelledError into TimeoutError when asked */
static struct gen_ret wf_result(struct gen *g, int cancelled_is_timeout)
{
	struct value r;
	if (future_result(value_future(g->locals[WF_FUT]), &r)) {
		struct exc *e = value_exc(r);
		if (cancelled_is_timeout && e && exc_matches(e, EXC_CANCELLED_ERROR)) {
			struct value t = exc_new(EXC_TIMEOUT_ERROR, NULL);
			exc_set_cause(value_exc(t), e); /* raise TimeoutError() from exc */
			value_unref(r);
			return gen_ret_(GEN_RAISED, t);
		}
		return gen_ret_(GEN_RAISED, r);
	}
	return gen_ret_(GEN_RETURNED, r);
}

static GEN_BODY(wait_for_body)
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	struct loop *lp;
	struct value err, f;
	GEN_BEGIN(g);
	if (running_loop(I, &lp, &err)) GEN_RAISE(g, err);
	if (num(L[WF_TIMEOUT]) < 0) { /* timeout is None */
		GEN_AWAIT(g, value_ref(L[WF_FUT]), &L[WF_RES]);
		GEN_RETURN(g, value_ref(L[WF_RES]));
	}
	if (num(L[WF_TIMEOUT]) == 0) {
		if (ensure_future_on(I, lp, L[WF_FUT], &f)) GEN_RAISE(g, f);
		value_set(&L[WF_FUT], f);
		if (future_done(value_future(f))) return wf_result(g, 0);
		GEN_AWAIT(g, gen_new(I, &cancel_and_wait_code, 1, value_ref(L[WF_FUT])), NULL);
		return wf_result(g, 1);
	}
	value_set(&L[WF_WAITER], future_new(lp));
	{
		struct future *w = value_future(L[WF_WAITER]);
		struct timer *t = loop_call_later(lp, num(L[WF_TIMEOUT]), release_waiter_cb, "_release_waiter", w,
						  future_actor(w), value_none());
		value_set(&L[WF_TIMEOUT_HANDLE], value_obj(t));
		timer_unref(t);
		if (ensure_future_on(I, lp, L[WF_FUT], &f)) {
			wf_cancel_handle(L);
			GEN_RAISE(g, f);
		}
		value_set(&L[WF_FUT], f);
		future_add_done_callback(value_future(f), release_waiter_cb, "_release_waiter", w, future_actor(w));
	}
	GEN_AWAIT_TRY(g, value_ref(L[WF_WAITER]), NULL);
	if (gen_has_thrown(g)) {
		value_set(&L[WF_EXC], gen_take_thrown(g));
		if (!exc_matches(value_exc(L[WF_EXC]), EXC_CANCELLED_ERROR)) {
			wf_cancel_handle(L);
			GEN_RAISE(g, value_ref(L[WF_EXC]));
		}
		if (future_done(value_future(L[WF_FUT]))) {
			wf_cancel_handle(L);
			return wf_result(g, 0);
		}
		future_remove_done_callback(value_future(L[WF_FUT]), release_waiter_cb, value_future(L[WF_WAITER]));
		GEN_AWAIT(g, gen_new(I, &cancel_and_wait_code, 1, value_ref(L[WF_FUT])), NULL);
		wf_cancel_handle(L);
		GEN_RAISE(g, value_ref(L[WF_EXC]));
	}
	if (future_done(value_future(L[WF_FUT]))) {
		wf_cancel_handle(L);
		return wf_result(g, 0);
	}
	future_remove_done_callback(value_future(L[WF_FUT]), release_waiter_cb, value_future(L[WF_WAITER]));
	GEN_AWAIT(g, gen_new(I, &cancel_and_wait_code, 1, value_ref(L[WF_FUT])), NULL);
	wf_cancel_handle(L);
	return wf_result(g, 1);
	GEN_END(g);
}
static const struct gen_code wait_for_code = {
	.name = "wait_for", .kind = GEN_KIND_COROUTINE, .body = wait_for_body, .nlocals = WF_N,
	.varnames = wait_for_vars, .flags = LIB};

struct value aio_wait_for(struct interp *I, struct value aw, double timeout)
{
	return gen_new(I, &wait_for_code, 2, value_ref(aw), timeout_value(timeout));
}

/* ---- running the loop (6.1, 6.3) ---- */

/* _run_until_complete_cb(fut) */
static void run_until_complete_cb(struct interp *I, void *target, struct value arg)
{
	(void)I;
	(void)target;
	value_future(arg)->log_traceback = 0; /* exc = fut.exception() */
	loop_stop(future_loop(value_future(arg)));
}

int aio_run_until_complete(struct loop *L, struct value x, struct value *out)
{
	struct interp *I = loop_interp(L);
	if (loop_is_closed(L)) {
		*out = exc_new(EXC_RUNTIME_ERROR, "Event loop is closed");
		return 1;
	}
	if (loop_is_running(L)) {
		*out = exc_new(EXC_RUNTIME_ERROR, "This event loop is already running");
		return 1;
	}
	int new_task = x.kind != VAL_FUTURE;
	struct value fv;
	if (ensure_future_on(I, L, x, &fv)) {
		*out = fv;
		return 1;
	}
	struct future *f = value_future(fv);
	if (new_task) f->log_destroy_pending = 0;
	static const struct trace_actor cb_actor = {ACT_CALLBACK, 0, "_run_until_complete_cb"};
	I->library++;
	future_add_done_callback(f, run_until_complete_cb, "_run_until_complete_cb", NULL, cb_actor);
	I->library--;
	loop_run_forever(L);
	I->library++;
	future_remove_done_callback(f, run_until_complete_cb, NULL);
	I->library--;
	int rc;
	if (!future_done(f)) {
		*out = exc_new(EXC_RUNTIME_ERROR, "Event loop stopped before Future completed.");
		rc = 1;
	} else {
		rc = future_result(f, out);
	}
	value_unref(fv);
	return rc;
}

/* BaseEventLoop.shutdown_asyncgens / shutdown_default_executor: with no
 * async generators and no executor they return at once, but each still runs
 * as a Task and takes a Task-N number (4.5). */
static GEN_BODY(shutdown_body)
{
	GEN_BEGIN(g);
	GEN_END(g);
}
static const struct gen_code shutdown_asyncgens_code = {
	.name = "BaseEventLoop.shutdown_asyncgens", .kind = GEN_KIND_COROUTINE, .body = shutdown_body,
	.flags = LIB};
static const struct gen_code shutdown_executor_code = {
	.name = "BaseEventLoop.shutdown_default_executor", .kind = GEN_KIND_COROUTINE,
	.body = shutdown_body, .flags = LIB};

static void run_and_drop(struct loop *L, struct value coro)
{
	struct value r;
	aio_run_until_complete(L, coro, &r);
	value_unref(r);
	value_unref(coro);
}

int aio_run(struct interp *I, struct value coro, struct value *out)
{
	if (I->loop && loop_is_running(I->loop)) {
		*out = exc_new(EXC_RUNTIME_ERROR, "asyncio.run() cannot be called from a running event loop");
		return 1;
	}
	if (!aio_iscoroutine(coro)) {
		char *r = value_repr(coro);
		*out = exc_newf(EXC_VALUE_ERROR, "a coroutine was expected, got %s", r);
		free(r);
		return 1;
	}
	struct loop *L = loop_new(I);
	struct value task;
	if (aio_create_task(L, coro, NULL, &task)) {
		*out = task;
		return 1;
	}
	int rc = aio_run_until_complete(L, task, out);
	value_unref(task);

	/* Runner.close(): _cancel_all_tasks (in set order), then the two
	 * shutdown coroutines, then set_event_loop(None) and close(). */
	struct value left = value_list();
	for (struct task *t = I->all_tasks; t; t = t->next)
		if (!future_done(&t->fut) && t->fut.loop_id == loop_id(L)) value_append(left, value_obj(t));
	if (value_len(left)) {
		size_t n = value_len(left);
		struct value rev = value_list(); /* all_tasks is newest first */
		for (size_t i = n; i-- > 0;) value_append(rev, value_ref(value_item(left, i)));
		I->set_order++;
		for (size_t i = 0; i < n; i++) task_cancel(value_task(value_item(rev, i)), value_none());
		I->set_order--;
		struct value g;
		if (!aio_gather(I, rev, 1, &g)) run_and_drop(L, g);
		else value_unref(g);
		value_unref(rev);
	}
	value_unref(left);
	run_and_drop(L, gen_new(I, &shutdown_asyncgens_code, 0));
	run_and_drop(L, gen_new(I, &shutdown_executor_code, 0));
	loop_close(L);
	loop_free(L);
	I->no_current_loop = 1;
	return rc;
}
