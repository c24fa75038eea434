/* xcheck.c -- ordering cross-check: each scenario is also written in Python
 * (tests/ordering/NAME.py); tests/xcheck.sh runs both and compares their
 * output line for line.  Usage: xcheck NAME */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/aio.h"

static void P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void P(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static char *S(struct value v) { return value_str_of(v); }
static char *R(struct value v) { return value_repr(v); }

/* print(*args) as a loop callback: arg is the text */
static void print_cb(struct interp *I, void *target, struct value arg)
{
	(void)I;
	(void)target;
	P("%s", value_cstr(arg));
}

static const struct trace_actor print_actor = {ACT_CALLBACK, 0, "print"};

static void call_soon_print(struct loop *L, const char *text)
{
	struct value s = value_str(text);
	loop_call_soon(L, print_cb, "print", NULL, print_actor, s);
	value_unref(s);
}

/* asyncio.ensure_future(coro), consuming the coroutine reference */
static struct value spawn(struct interp *I, struct value coro)
{
	struct value t;
	if (aio_ensure_future(I, coro, &t)) abort();
	value_unref(coro);
	return t;
}

static struct value spawn_named(struct loop *L, struct value coro, const char *name)
{
	struct value t;
	if (aio_create_task(L, coro, name, &t)) abort();
	value_unref(coro);
	return t;
}

static void run_main(struct interp *I, struct value coro)
{
	struct value r;
	if (aio_run(I, coro, &r)) {
		char *s = exc_format(value_exc(r));
		P("uncaught %s", s);
		free(s);
	}
	value_unref(r);
	value_unref(coro);
}

#define CORO(fn, nvars, ...)                                                        \
	static const char *const fn##_vars[] = {__VA_ARGS__};                       \
	static GEN_BODY(fn##_body);                                                 \
	static const struct gen_code fn##_code = {                                  \
		.name = #fn, .kind = GEN_KIND_COROUTINE, .body = fn##_body,         \
		.nlocals = nvars, .varnames = fn##_vars};                           \
	static GEN_BODY(fn##_body)

/* ---- l3_first_step ---- */

CORO(worker, 1, "name")
{
	const char *name = value_cstr(g->locals[0]);
	GEN_BEGIN(g);
	P("%s: step 1", name);
	GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	P("%s: step 2", value_cstr(g->locals[0]));
	GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	P("%s: step 3", value_cstr(g->locals[0]));
	GEN_END(g);
}

CORO(l3_main, 2, "a", "b")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	GEN_BEGIN(g);
	P("main: creating A and B");
	L[0] = spawn(I, gen_new(I, &worker_code, 1, value_str("A")));
	call_soon_print(I->loop, "plain call_soon between A and B");
	L[1] = spawn(I, gen_new(I, &worker_code, 1, value_str("B")));
	P("main: awaiting A");
	GEN_AWAIT(g, value_ref(L[0]), NULL);
	P("main: awaiting B");
	GEN_AWAIT(g, value_ref(L[1]), NULL);
	P("main: done");
	GEN_END(g);
}

/* ---- l5_done_callbacks ---- */

/* a callback's closure: an int kept alive as an object */
struct boxed {
	struct obj hdr;
	struct value v;
};
static void boxed_free(struct obj *o) { free(o); }
static void *box_int(int i)
{
	struct boxed *b = xcalloc(1, sizeof *b);
	b->hdr.refcnt = 1;
	b->hdr.kind = VAL_OBJ;
	static uint8_t boxed_type;
	obj_set_dealloc(&b->hdr, boxed_free, &boxed_type);
	b->v = value_int(i);
	return b;
}
static void done_cb(struct interp *I, void *target, struct value fut)
{
	(void)I;
	struct value r;
	future_result(value_future(fut), &r);
	char *s = S(r);
	P("done-cb %lld result = %s", ((struct boxed *)target)->v.u.i, s);
	free(s);
	value_unref(r);
}

static void add_cb(struct future *f, int i)
{
	struct boxed *b = box_int(i);
	future_add_done_callback(f, done_cb, "cb", b, print_actor);
	obj_unref(b);
}

CORO(setter, 1, "fut")
{
	struct future *f = value_future(g->locals[0]);
	struct value err;
	GEN_BEGIN(g);
	P("setter: calling set_result");
	{
		struct value v = value_int(42);
		if (future_set_result(f, v, &err)) abort();
	}
	P("setter: set_result returned");
	call_soon_print(future_loop(f), "call_soon queued after set_result");
	add_cb(f, 4);
	P("setter: added a callback to a done future");
	GEN_END(g);
}

CORO(l5_main, 2, "fut", "t")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	GEN_BEGIN(g);
	L[0] = future_new(I->loop);
	for (int i = 1; i <= 3; i++) add_cb(value_future(L[0]), i);
	L[1] = spawn(I, gen_new(I, &setter_code, 1, value_ref(L[0])));
	call_soon_print(I->loop, "call_soon queued before the setter ran");
	GEN_AWAIT(g, value_ref(L[1]), NULL);
	P("main: setter finished");
	GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	P("main: after one more iteration");
	GEN_END(g);
}

/* ---- l7_mixed ---- */

CORO(d, 0, "")
{
	GEN_BEGIN(g);
	P("D before sleep(0.001)");
	GEN_AWAIT(g, aio_sleep(g->I, 0.001, value_none()), NULL);
	P("D after sleep(0.001)");
	GEN_END(g);
}

CORO(z, 1, "i")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	for (L[0] = value_int(0); L[0].u.i < 4; L[0].u.i++) {
		P("Z iter %lld", L[0].u.i);
		GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	}
	GEN_END(g);
}

CORO(e, 0, "")
{
	GEN_BEGIN(g);
	P("E before sleep(0)");
	GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	P("E after sleep(0)");
	GEN_END(g);
}

CORO(l7_main, 0, "")
{
	struct interp *I = g->I;
	struct value aws, gf;
	GEN_BEGIN(g);
	aws = value_tuple(3, gen_new(I, &d_code, 0), gen_new(I, &z_code, 0), gen_new(I, &e_code, 0));
	if (aio_gather(I, aws, 0, &gf)) abort();
	value_unref(aws);
	GEN_AWAIT(g, gf, NULL);
	P("gather done");
	GEN_END(g);
}

/* ---- l9_latency ---- */

CORO(child, 0, "")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	P("  child returns");
	GEN_RETURN(g, value_str("C"));
	GEN_END(g);
}

CORO(ticker, 1, "i")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	for (L[0] = value_int(0); L[0].u.i < 6; L[0].u.i++) {
		P("  tick %lld", L[0].u.i);
		GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	}
	GEN_END(g);
}

static const char *const kinds[] = {"await task", "await gather", "await wait", "as_completed", "wait_for"};

CORO(one, 6, "kind", "tick", "t", "r", "it", "c")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	struct value x;
	long long k = L[0].u.i;
	GEN_BEGIN(g);
	P("%s", kinds[k]);
	L[1] = spawn(I, gen_new(I, &ticker_code, 0));
	L[2] = spawn(I, gen_new(I, &child_code, 0));
	if (k == 0) {
		GEN_AWAIT(g, value_ref(L[2]), &L[3]);
	} else if (k == 1) {
		x = value_tuple(1, value_ref(L[2]));
		if (aio_gather(I, x, 0, &L[4])) abort();
		value_unref(x);
		GEN_AWAIT(g, value_ref(L[4]), &L[3]);
		value_set(&L[3], value_ref(value_item(L[3], 0)));
	} else if (k == 2) {
		x = value_tuple(1, value_ref(L[2]));
		L[4] = aio_wait(I, x, -1, AIO_ALL_COMPLETED);
		value_unref(x);
		GEN_AWAIT(g, value_ref(L[4]), NULL);
		future_result(value_future(L[2]), &x);
		value_set(&L[3], x);
	} else if (k == 3) {
		x = value_tuple(1, value_ref(L[2]));
		aio_as_completed(I, x, -1, &L[4]);
		value_unref(x);
		for (;;) {
			if (gen_next(value_gen(L[4]), &x) != GEN_YIELDED) {
				value_unref(x);
				break;
			}
			value_set(&L[5], x);
			GEN_AWAIT(g, value_ref(L[5]), &L[3]);
		}
	} else {
		GEN_AWAIT(g, aio_wait_for(I, L[2], 10), &L[3]);
	}
	{
		char *s = S(L[3]);
		P("  main resumed with %s", s);
		free(s);
	}
	GEN_AWAIT(g, value_ref(L[1]), NULL);
	GEN_END(g);
}

CORO(l9_main, 1, "kind")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	for (L[0] = value_int(0); L[0].u.i < 5; L[0].u.i++)
		GEN_AWAIT(g, gen_new(g->I, &one_code, 1, value_int(L[0].u.i)), NULL);
	GEN_END(g);
}

/* ---- l10_inline ---- */

CORO(inline_coro, 0, "")
{
	GEN_BEGIN(g);
	P("inline coroutine body");
	GEN_RETURN(g, value_str("I"));
	GEN_END(g);
}

CORO(ticker2, 1, "i")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	for (L[0] = value_int(0); L[0].u.i < 2; L[0].u.i++) {
		P("tick %lld", L[0].u.i);
		GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	}
	GEN_END(g);
}

CORO(l10_main, 3, "t", "f", "r")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	struct value err;
	GEN_BEGIN(g);
	L[0] = spawn(I, gen_new(I, &ticker2_code, 0));
	L[1] = future_new(I->loop);
	{
		struct value v = value_str("F");
		if (future_set_result(value_future(L[1]), v, &err)) abort();
		value_unref(v);
	}
	P("main: awaiting done future");
	GEN_AWAIT(g, value_ref(L[1]), &L[2]);
	P("main: got %s", value_cstr(L[2]));
	P("main: awaiting a coroutine directly");
	GEN_AWAIT(g, gen_new(I, &inline_coro_code, 0), &L[2]);
	P("main: got %s", value_cstr(L[2]));
	GEN_AWAIT(g, value_ref(L[0]), NULL);
	GEN_END(g);
}

/* ---- wait_modes ---- */

CORO(work, 3, "name", "delay", "fail")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, L[1].u.f, value_none()), NULL);
	if (value_truthy(L[2])) GEN_RAISE(g, exc_newf(EXC_VALUE_ERROR, "%s failed", value_cstr(L[0])));
	GEN_RETURN(g, value_ref(L[0]));
	GEN_END(g);
}

static struct value mkwork(struct interp *I, const char *name, double delay, int fail)
{
	return gen_new(I, &work_code, 3, value_str(name), value_float(delay), value_bool(fail));
}

/* sorted(t.get_name() for t in s), printed as a list */
static char *names(struct value set)
{
	size_t n = value_len(set);
	const char **v = xcalloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i++) v[i] = future_name(value_future(value_item(set, i)));
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(v[j], v[i]) < 0) {
				const char *t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	struct value l = value_list();
	for (size_t i = 0; i < n; i++) value_append(l, value_str(v[i]));
	free(v);
	char *s = R(l);
	value_unref(l);
	return s;
}

static void print_done_pending(const char *label, struct value res)
{
	char *d = names(value_item(res, 0)), *p = names(value_item(res, 1));
	P("%s done: %s pending: %s", label, d, p);
	free(d);
	free(p);
}

CORO(wait_modes_main, 8, "a", "b", "c", "d", "e", "res", "coro", "x")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	struct value x, ex;
	GEN_BEGIN(g);
	L[0] = spawn_named(I->loop, mkwork(I, "A", 0.03, 0), "A");
	L[1] = spawn_named(I->loop, mkwork(I, "B", 0.01, 0), "B");
	L[2] = spawn_named(I->loop, mkwork(I, "C", 0.02, 0), "C");
	x = value_tuple(3, value_ref(L[0]), value_ref(L[1]), value_ref(L[2]));
	L[7] = aio_wait(I, x, -1, AIO_FIRST_COMPLETED);
	value_unref(x);
	GEN_AWAIT(g, value_ref(L[7]), &L[5]);
	print_done_pending("FIRST_COMPLETED", L[5]);
	L[3] = spawn_named(I->loop, mkwork(I, "D", 0.01, 1), "D");
	x = value_tuple(3, value_ref(L[0]), value_ref(L[2]), value_ref(L[3]));
	value_set(&L[7], aio_wait(I, x, -1, AIO_FIRST_EXCEPTION));
	value_unref(x);
	GEN_AWAIT(g, value_ref(L[7]), &L[5]);
	print_done_pending("FIRST_EXCEPTION", L[5]);
	future_exception(value_future(L[3]), &ex);
	{
		char *s = R(ex);
		P("D exception: %s", s);
		free(s);
	}
	value_unref(ex);
	L[4] = spawn_named(I->loop, mkwork(I, "E", 5, 0), "E");
	x = value_tuple(2, value_ref(L[0]), value_ref(L[4]));
	value_set(&L[7], aio_wait(I, x, 0.02, AIO_ALL_COMPLETED));
	value_unref(x);
	GEN_AWAIT(g, value_ref(L[7]), &L[5]);
	print_done_pending("timeout", L[5]);
	task_cancel(value_task(L[4]), value_none());
	GEN_AWAIT_TRY(g, value_ref(L[4]), NULL);
	ex = gen_take_thrown(g);
	if (value_exc(ex) && exc_matches(value_exc(ex), EXC_CANCELLED_ERROR))
		P("E cancelled: %s", future_cancelled(value_future(L[4])) ? "True" : "False");
	value_unref(ex);
	x = value_list();
	value_set(&L[7], aio_wait(I, x, -1, AIO_ALL_COMPLETED));
	value_unref(x);
	GEN_AWAIT_TRY(g, value_ref(L[7]), NULL);
	ex = gen_take_thrown(g);
	{
		char *s = S(ex);
		P("ValueError: %s", s);
		free(s);
	}
	value_unref(ex);
	L[6] = mkwork(I, "X", 0, 0);
	x = value_list();
	value_append(x, value_ref(L[6]));
	value_set(&L[7], aio_wait(I, x, -1, AIO_ALL_COMPLETED));
	value_unref(x);
	GEN_AWAIT_TRY(g, value_ref(L[7]), NULL);
	ex = gen_take_thrown(g);
	{
		char *s = S(ex);
		P("TypeError: %s", s);
		free(s);
	}
	value_unref(ex);
	gen_close(value_gen(L[6]), &x);
	value_unref(x);
	GEN_END(g);
}

/* ---- gather_errors ---- */

CORO(gwork, 3, "name", "delay", "fail")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, L[1].u.f, value_none()), NULL);
	if (value_truthy(L[2])) GEN_RAISE(g, exc_newf(EXC_VALUE_ERROR, "%s failed", value_cstr(L[0])));
	P("%s end", value_cstr(L[0]));
	GEN_RETURN(g, value_strf("%s-result", value_cstr(L[0])));
	GEN_END(g);
}

static struct value mkg(struct interp *I, const char *name, double delay, int fail)
{
	return gen_new(I, &gwork_code, 3, value_str(name), value_float(delay), value_bool(fail));
}

static struct value gather(struct interp *I, struct value aws, int ret_exc)
{
	struct value gf;
	if (aio_gather(I, aws, ret_exc, &gf)) abort();
	value_unref(aws);
	return gf;
}

CORO(gather_main, 3, "r", "a", "e")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	GEN_BEGIN(g);
	GEN_AWAIT(g, gather(I, value_tuple(3, mkg(I, "A", 0.03, 0), mkg(I, "B", 0.01, 0), mkg(I, "C", 0.02, 0)), 0),
		  &L[0]);
	{
		char *s = R(L[0]);
		P("%s", s);
		free(s);
	}
	L[1] = spawn(I, mkg(I, "A", 0.03, 0));
	GEN_AWAIT_TRY(g, gather(I, value_tuple(2, value_ref(L[1]), mkg(I, "B", 0.01, 1)), 0), NULL);
	L[2] = gen_take_thrown(g);
	{
		char *s = R(L[2]);
		P("gather raised: %s | A done? %s", s, future_done(value_future(L[1])) ? "True" : "False");
		free(s);
	}
	GEN_AWAIT(g, value_ref(L[1]), &L[0]);
	P("A finished anyway: %s", value_cstr(L[0]));
	GEN_AWAIT(g, gather(I, value_tuple(2, mkg(I, "A", 0.01, 0), mkg(I, "B", 0.02, 1)), 1), &L[0]);
	{
		struct value l = value_list();
		for (size_t i = 0; i < value_len(L[0]); i++) value_append(l, value_str_own(R(value_item(L[0], i))));
		char *s = R(l);
		P("%s", s);
		free(s);
		value_unref(l);
	}
	GEN_AWAIT(g, gather(I, value_list(), 0), &L[0]);
	{
		char *s = R(L[0]);
		P("%s", s);
		free(s);
	}
	GEN_END(g);
}

/* ---- cancel ---- */

CORO(sleeper, 2, "name", "delay")
{
	struct value *L = g->locals;
	struct value ex;
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, L[1].u.f, value_none()), NULL);
	ex = gen_take_thrown(g);
	if (ex.kind != VAL_NONE) {
		if (exc_matches(value_exc(ex), EXC_CANCELLED_ERROR)) P("%s got CancelledError", value_cstr(L[0]));
		GEN_RAISE(g, ex);
	}
	GEN_RETURN(g, value_ref(L[0]));
	GEN_END(g);
}

CORO(stubborn, 0, "")
{
	struct value ex;
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 10, value_none()), NULL);
	ex = gen_take_thrown(g);
	if (ex.kind != VAL_NONE) {
		if (!exc_matches(value_exc(ex), EXC_CANCELLED_ERROR)) GEN_RAISE(g, ex);
		P("stubborn caught CancelledError");
		value_unref(ex);
	}
	GEN_RETURN(g, value_str("survived"));
	GEN_END(g);
}

CORO(never, 0, "")
{
	GEN_BEGIN(g);
	P("never runs");
	GEN_END(g);
}

static const char *tf(int b) { return b ? "True" : "False"; }

CORO(cancel_main, 5, "t", "u", "s", "n", "r")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	struct value ex, err;
	GEN_BEGIN(g);
	L[0] = spawn(I, gen_new(I, &sleeper_code, 2, value_str("T"), value_float(10)));
	GEN_AWAIT(g, aio_sleep(I, 0, value_none()), NULL);
	{
		int c = task_cancel(value_task(L[0]), value_none());
		P("cancel() -> %s | cancelled() right after: %s | cancelling(): %d", tf(c),
		  tf(future_cancelled(value_future(L[0]))), task_cancelling(value_task(L[0])));
	}
	GEN_AWAIT_TRY(g, value_ref(L[0]), NULL);
	ex = gen_take_thrown(g);
	{
		char *s = R(value_exc(ex)->args);
		P("await cancelled task -> CancelledError args %s", s);
		free(s);
	}
	value_unref(ex);
	P("cancelled(): %s | cancel() again -> %s", tf(future_cancelled(value_future(L[0]))),
	  tf(task_cancel(value_task(L[0]), value_none())));
	L[1] = spawn(I, gen_new(I, &sleeper_code, 2, value_str("U"), value_float(10)));
	GEN_AWAIT(g, aio_sleep(I, 0, value_none()), NULL);
	{
		struct value msg = value_str("stop now");
		task_cancel(value_task(L[1]), msg);
		value_unref(msg);
	}
	GEN_AWAIT_TRY(g, value_ref(L[1]), NULL);
	ex = gen_take_thrown(g);
	{
		char *s = R(value_exc(ex)->args);
		P("cancel(msg) -> CancelledError args %s", s);
		free(s);
	}
	value_unref(ex);
	L[2] = spawn(I, gen_new(I, &stubborn_code, 0));
	GEN_AWAIT(g, aio_sleep(I, 0, value_none()), NULL);
	task_cancel(value_task(L[2]), value_none());
	GEN_AWAIT(g, value_ref(L[2]), &L[4]);
	P("stubborn result: %s | cancelled(): %s", value_cstr(L[4]), tf(future_cancelled(value_future(L[2]))));
	L[3] = spawn(I, gen_new(I, &never_code, 0));
	task_cancel(value_task(L[3]), value_none());
	GEN_AWAIT_TRY(g, value_ref(L[3]), NULL);
	ex = gen_take_thrown(g);
	if (value_exc(ex) && exc_matches(value_exc(ex), EXC_CANCELLED_ERROR))
		P("cancelled before first step: body never ran");
	value_unref(ex);
	value_set(&L[4], future_new(I->loop));
	if (future_result(value_future(L[4]), &ex)) {
		char *s = S(ex);
		P("InvalidStateError: %s", s);
		free(s);
	}
	value_unref(ex);
	future_set_result(value_future(L[4]), value_int(1), &err);
	if (future_set_result(value_future(L[4]), value_int(2), &err)) {
		char *s = S(err);
		P("InvalidStateError: %s", s);
		free(s);
		value_unref(err);
	}
	GEN_END(g);
}

/* ---- sleep0_awaits ---- */

CORO(catcher, 0, "")
{
	struct value ex;
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 0, value_none()), NULL);
	ex = gen_take_thrown(g);
	if (ex.kind != VAL_NONE) {
		if (!exc_matches(value_exc(ex), EXC_CANCELLED_ERROR)) GEN_RAISE(g, ex);
		P("catcher caught CancelledError");
		value_unref(ex);
	}
	GEN_RETURN(g, value_str("catcher done"));
	GEN_END(g);
}

CORO(plain, 0, "")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	P("plain: not reached");
	GEN_END(g);
}

CORO(guarded, 0, "")
{
	struct value ex;
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 0, value_none()), NULL);
	ex = gen_take_thrown(g);
	P("guarded: finally ran");
	if (ex.kind != VAL_NONE) GEN_RAISE(g, ex);
	GEN_END(g);
}

CORO(held, 3, "a", "b", "r")
{
	struct value *L = g->locals;
	char *s;
	GEN_BEGIN(g);
	L[0] = aio_sleep(g->I, 0, value_none());
	{
		struct value r = value_str("b-result");
		L[1] = aio_sleep(g->I, 0, r);
		value_unref(r);
	}
	GEN_AWAIT(g, value_ref(L[1]), &L[2]);
	P("held: b -> %s", s = S(L[2]));
	free(s);
	GEN_AWAIT(g, value_ref(L[0]), &L[2]);
	P("held: a -> %s", s = S(L[2]));
	free(s);
	GEN_END(g);
}

/* a coroutine driven by hand: send(None), then throw(exc) or close() */
static void drive(struct value coro, struct value exc)
{
	struct gen *c = value_gen(coro);
	struct value out;
	char *s;
	gen_send(c, value_none(), &out);
	P("send(None) -> %s", s = R(out));
	free(s);
	value_unref(out);
	if (exc.kind != VAL_NONE) {
		if (gen_throw(c, exc, &out) == GEN_RAISED && exc_matches(value_exc(out), EXC_VALUE_ERROR))
			P("throw -> ValueError: %s | cr_frame is None: %s", s = S(out), tf(c->state == GEN_CLOSED));
		else
			P("throw -> %s", s = R(out));
		free(s);
	} else {
		gen_close(c, &out);
		P("close() -> cr_frame is None: %s", tf(c->state == GEN_CLOSED));
	}
	value_unref(out);
}

CORO(s0_main, 4, "t", "p", "r", "n")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	struct value ex;
	char *s;
	GEN_BEGIN(g);
	L[0] = spawn(I, gen_new(I, &catcher_code, 0));
	GEN_AWAIT(g, aio_sleep(I, 0, value_none()), NULL);
	task_cancel(value_task(L[0]), value_none());
	GEN_AWAIT(g, value_ref(L[0]), &L[2]);
	P("catcher task -> %s | cancelled(): %s", value_cstr(L[2]), tf(future_cancelled(value_future(L[0]))));
	L[1] = spawn(I, gen_new(I, &plain_code, 0));
	GEN_AWAIT(g, aio_sleep(I, 0, value_none()), NULL);
	task_cancel(value_task(L[1]), value_none());
	GEN_AWAIT_TRY(g, value_ref(L[1]), NULL);
	ex = gen_take_thrown(g);
	if (value_exc(ex) && exc_matches(value_exc(ex), EXC_CANCELLED_ERROR))
		P("plain task: cancelled(): %s", tf(future_cancelled(value_future(L[1]))));
	value_unref(ex);
	{
		struct value c = gen_new(I, &plain_code, 0), e = exc_new(EXC_VALUE_ERROR, "thrown in");
		drive(c, e);
		value_unref(e);
		value_unref(c);
		c = gen_new(I, &guarded_code, 0);
		drive(c, value_none());
		value_unref(c);
	}
	GEN_AWAIT(g, gen_new(I, &held_code, 0), NULL);
	value_set(&L[2], value_str("task-sleep"));
	GEN_AWAIT(g, spawn(I, aio_sleep(I, 0, L[2])), &L[2]);
	P("task of sleep(0) -> %s", s = S(L[2]));
	free(s);
	value_set(&L[3], value_int(0));
	while (L[3].u.i < 3) {
		GEN_AWAIT(g, aio_sleep(I, 0, value_none()), NULL);
		L[3].u.i++;
	}
	P("three sleep(0) in a row -> %lld", L[3].u.i);
	GEN_END(g);
}

/* ---- sleep_awaits ---- */

static void print_at(const char *what, struct value v, struct interp *I)
{
	char *a = S(v), *t = S(value_float(loop_time(I->loop)));
	P("%s%s at %s", what, a, t);
	free(a);
	free(t);
}

CORO(sa_catcher, 0, "")
{
	struct value ex;
	char *t;
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 10, value_none()), NULL);
	ex = gen_take_thrown(g);
	if (ex.kind != VAL_NONE) {
		if (!exc_matches(value_exc(ex), EXC_CANCELLED_ERROR)) GEN_RAISE(g, ex);
		P("catcher caught CancelledError at %s", t = S(value_float(loop_time(g->I->loop))));
		free(t);
		value_unref(ex);
	}
	GEN_RETURN(g, value_str("catcher done"));
	GEN_END(g);
}

CORO(sa_plain, 2, "d", "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	{
		struct value r = value_str("plain-result"), s = aio_sleep(g->I, L[0].u.f, r);
		value_unref(r);
		GEN_AWAIT(g, s, &L[1]);
	}
	print_at("plain woke with ", L[1], g->I);
	GEN_RETURN(g, value_ref(L[1]));
	GEN_END(g);
}

CORO(sa_guarded, 0, "")
{
	struct value ex;
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 5, value_none()), NULL);
	ex = gen_take_thrown(g);
	P("guarded: finally ran");
	if (ex.kind != VAL_NONE) GEN_RAISE(g, ex);
	GEN_END(g);
}

CORO(sa_held, 3, "a", "b", "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	{
		struct value a = value_str("a-result"), b = value_str("b-result");
		L[0] = aio_sleep(g->I, 2, a);
		L[1] = aio_sleep(g->I, 1, b);
		value_unref(a);
		value_unref(b);
	}
	GEN_AWAIT(g, value_ref(L[1]), &L[2]);
	print_at("held: b -> ", L[2], g->I);
	GEN_AWAIT(g, value_ref(L[0]), &L[2]);
	print_at("held: a -> ", L[2], g->I);
	GEN_END(g);
}

static struct value sa_plain_new(struct interp *I, double d)
{
	return gen_new(I, &sa_plain_code, 1, value_float(d));
}

/* before asyncio.run(): c = plain(1); c.send(None) */
static void sleep_outside_loop(struct interp *I)
{
	struct value c = sa_plain_new(I, 1), r;
	if (gen_send(value_gen(c), value_none(), &r) == GEN_RAISED) {
		char *s = S(r);
		P("outside a loop: RuntimeError: %s", s);
		free(s);
	}
	value_unref(r);
	value_unref(c);
}

CORO(sa_main, 4, "t", "p", "r", "n")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	struct value ex;
	char *s;
	GEN_BEGIN(g);
	L[0] = spawn(I, gen_new(I, &sa_catcher_code, 0));
	GEN_AWAIT(g, aio_sleep(I, 1, value_none()), NULL);
	task_cancel(value_task(L[0]), value_none());
	GEN_AWAIT(g, value_ref(L[0]), &L[2]);
	P("catcher task -> %s | cancelled(): %s | timers pending: %zu", value_cstr(L[2]),
	  tf(future_cancelled(value_future(L[0]))), loop_timer_count(I->loop));
	L[1] = spawn(I, sa_plain_new(I, 3));
	GEN_AWAIT(g, aio_sleep(I, 1, value_none()), NULL);
	{
		struct value msg = value_str("stop");
		task_cancel(value_task(L[1]), msg);
		value_unref(msg);
	}
	GEN_AWAIT_TRY(g, value_ref(L[1]), NULL);
	ex = gen_take_thrown(g);
	if (value_exc(ex) && exc_matches(value_exc(ex), EXC_CANCELLED_ERROR)) {
		char *a = R(value_exc(ex)->args), *t = S(value_float(loop_time(I->loop)));
		P("plain task: cancelled(): %s | args: %s at %s", tf(future_cancelled(value_future(L[1]))), a, t);
		free(a);
		free(t);
	}
	value_unref(ex);
	{
		struct value c = sa_plain_new(I, 1), e = exc_new(EXC_VALUE_ERROR, "thrown in");
		drive(c, e);
		value_unref(e);
		value_unref(c);
		c = gen_new(I, &sa_guarded_code, 0);
		drive(c, value_none());
		value_unref(c);
	}
	P("timers pending after throw() and close(): %zu", loop_timer_count(I->loop));
	GEN_AWAIT(g, gen_new(I, &sa_held_code, 0), NULL);
	value_set(&L[2], value_str("task-sleep"));
	GEN_AWAIT(g, spawn(I, aio_sleep(I, 2, L[2])), &L[2]);
	print_at("task of sleep -> ", L[2], I);
	value_set(&L[2], sa_plain_new(I, 10));
	GEN_AWAIT_TRY(g, aio_wait_for(I, L[2], 1), NULL); /* aw is borrowed */
	ex = gen_take_thrown(g);
	if (value_exc(ex) && exc_matches(value_exc(ex), EXC_TIMEOUT_ERROR)) {
		P("wait_for timed out at %s | timers pending: %zu", s = S(value_float(loop_time(I->loop))),
		  loop_timer_count(I->loop));
		free(s);
	}
	value_unref(ex);
	GEN_AWAIT(g, sa_plain_new(I, 0.5), &L[2]);
	P("plain(0.5) -> %s", s = S(L[2]));
	free(s);
	value_set(&L[3], value_int(0));
	while (L[3].u.i < 3) {
		GEN_AWAIT(g, aio_sleep(I, 0.25, value_none()), NULL);
		L[3].u.i++;
	}
	P("three sleeps in a row -> %lld at %s", L[3].u.i, s = S(value_float(loop_time(I->loop))));
	free(s);
	GEN_END(g);
}

/* ---- as_completed_order ---- */

CORO(awork, 2, "name", "delay")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	P("%s start", value_cstr(L[0]));
	GEN_AWAIT(g, aio_sleep(g->I, L[1].u.f, value_none()), NULL);
	GEN_RETURN(g, value_strf("%s-result", value_cstr(L[0])));
	GEN_END(g);
}

CORO(ac_main, 6, "tasks", "it", "c", "r", "i", "t")
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	struct value x;
	GEN_BEGIN(g);
	L[0] = value_list();
	value_append(L[0], spawn(I, gen_new(I, &awork_code, 2, value_str("A"), value_float(0.03))));
	value_append(L[0], spawn(I, gen_new(I, &awork_code, 2, value_str("B"), value_float(0.01))));
	value_append(L[0], spawn(I, gen_new(I, &awork_code, 2, value_str("C"), value_float(0.02))));
	aio_as_completed(I, L[0], -1, &L[1]);
	for (L[4] = value_int(0);; L[4].u.i++) {
		if (gen_next(value_gen(L[1]), &x) != GEN_YIELDED) {
			value_unref(x);
			break;
		}
		value_set(&L[2], x);
		GEN_AWAIT(g, value_ref(L[2]), &L[3]);
		P("item %lld awaited -> %s", L[4].u.i, value_cstr(L[3]));
	}
	x = value_tuple(1, spawn(I, gen_new(I, &awork_code, 2, value_str("S"), value_float(5))));
	value_set(&L[1], value_none());
	aio_as_completed(I, x, 0.01, &L[1]);
	value_unref(x);
	for (;;) {
		if (gen_next(value_gen(L[1]), &x) != GEN_YIELDED) {
			value_unref(x);
			break;
		}
		value_set(&L[2], x);
		GEN_AWAIT_TRY(g, value_ref(L[2]), NULL);
		x = gen_take_thrown(g);
		if (x.kind != VAL_NONE) {
			if (exc_matches(value_exc(x), EXC_TIMEOUT_ERROR)) P("as_completed timeout -> TimeoutError");
			value_unref(x);
			break;
		}
	}
	L[5] = spawn(I, gen_new(I, &awork_code, 2, value_str("W"), value_float(5)));
	GEN_AWAIT_TRY(g, aio_wait_for(I, L[5], 0.01), NULL);
	x = gen_take_thrown(g);
	if (value_exc(x) && exc_matches(value_exc(x), EXC_TIMEOUT_ERROR))
		P("wait_for timeout -> TimeoutError | task cancelled: %s", tf(future_cancelled(value_future(L[5]))));
	value_unref(x);
	GEN_END(g);
}

/* ---- run_edges ---- */

CORO(quick, 0, "")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_str("Q"));
	GEN_END(g);
}

CORO(fails, 0, "")
{
	GEN_BEGIN(g);
	GEN_RAISE(g, exc_new(EXC_VALUE_ERROR, "never retrieved"));
	GEN_END(g);
}

static void edge_cb(struct interp *I, void *target, struct value fut)
{
	(void)I;
	(void)target;
	P("done-callback runs; scheduling call_soon(X)");
	call_soon_print(future_loop(value_future(fut)), "X (runs only when the loop is run again)");
}

static void run_edges(struct interp *I)
{
	struct loop *L = loop_new(I);
	struct value t, r, q = gen_new(I, &quick_code, 0);
	aio_create_task(L, q, NULL, &t);
	value_unref(q);
	future_add_done_callback(value_future(t), edge_cb, "cb", NULL, print_actor);
	aio_run_until_complete(L, t, &r);
	P("run_until_complete -> %s", value_cstr(r));
	value_unref(r);
	P("back in sync code; now running the loop again");
	struct value s = aio_sleep(I, 0, value_none());
	aio_run_until_complete(L, s, &r);
	value_unref(r);
	value_unref(s);
	struct value f = gen_new(I, &fails_code, 0);
	if (aio_run_until_complete(L, f, &r)) {
		char *x = R(r);
		P("caught: %s", x);
		free(x);
	}
	value_unref(r);
	value_unref(f);
	P("names: %s", future_name(value_future(t)));
	value_unref(t);
	loop_close(L);
	s = aio_sleep(I, 0, value_none());
	if (aio_run_until_complete(L, s, &r)) {
		char *x = S(r);
		P("RuntimeError: %s", x);
		free(x);
	}
	value_unref(r);
	value_unref(s);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		const struct gen_code *main;
	} scenarios[] = {
		{"l3_first_step", &l3_main_code},   {"l5_done_callbacks", &l5_main_code},
		{"l7_mixed", &l7_main_code},        {"l9_latency", &l9_main_code},
		{"l10_inline", &l10_main_code},     {"wait_modes", &wait_modes_main_code},
		{"gather_errors", &gather_main_code}, {"cancel", &cancel_main_code},
		{"as_completed_order", &ac_main_code}, {"sleep0_awaits", &s0_main_code},
		{"sleep_awaits", &sa_main_code},
		{"run_edges", NULL},
	};
	if (argc != 2) {
		fprintf(stderr, "usage: xcheck NAME\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
		if (strcmp(argv[1], scenarios[i].name) != 0) continue;
		struct interp *I = interp_new(NULL);
		/* the program's lines before asyncio.run() */
		if (scenarios[i].main == &sa_main_code) sleep_outside_loop(I);
		if (scenarios[i].main) run_main(I, gen_new(I, scenarios[i].main, 0));
		else run_edges(I);
		task_destroy_pending(I);
		unsigned long long live = I->live;
		interp_free(I);
		if (live) {
			fprintf(stderr, "xcheck: %llu engine objects leaked\n", live);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "xcheck: no scenario %s\n", argv[1]);
	return 2;
}
