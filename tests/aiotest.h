/* aiotest.h -- what the engine's asyncio suites share: an interp whose trace
 * sink records the lines the program prints (with the loop iteration and
 * clock at which each was printed), a few callbacks, and a macro that
 * declares a coroutine function the way `async def` does.
 *
 * Each suite runs every test in a fresh process (Criterion), with
 * aiotest_init/aiotest_fini around it; every test ends with aiotest_end(),
 * which tears the run down and checks that no engine object is left alive.
 * Expected outputs in the suites come from python3 3.11.7 (the snippet is in
 * the comment above each test) or from semantics.md, never from the engine.
 */
#ifndef CORO_AIOTEST_H
#define CORO_AIOTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "engine/aio.h"

/* One line printed by the program: print() in a coroutine or a callback. */
struct aiotest_line {
	char *text;
	uint64_t iteration; /* loop iterations so far when it was printed */
	double time;        /* the loop's clock when it was printed */
};

static struct {
	struct aiotest_line *v;
	size_t n, cap;
	size_t nwarn;       /* EV_WARN events ("never awaited", "destroyed") */
	char *last_warn;
	char *joined;
} aiotest_rec;

static struct interp *I; /* the run every test uses */

static void aiotest_emit(void *ud, const struct trace_event *ev)
{
	(void)ud;
	if (ev->kind == EV_WARN) {
		aiotest_rec.nwarn++;
		free(aiotest_rec.last_warn);
		aiotest_rec.last_warn = xstrdup(ev->text ? ev->text : "");
		return;
	}
	if (ev->kind != EV_PRINT) return;
	if (aiotest_rec.n == aiotest_rec.cap) {
		aiotest_rec.cap = aiotest_rec.cap ? 2 * aiotest_rec.cap : 32;
		aiotest_rec.v = xrealloc(aiotest_rec.v, aiotest_rec.cap * sizeof *aiotest_rec.v);
	}
	aiotest_rec.v[aiotest_rec.n++] = (struct aiotest_line){xstrdup(ev->text), ev->iteration, ev->time};
}

static inline void aiotest_init(void)
{
	struct trace_sink sink = {aiotest_emit, NULL};
	memset(&aiotest_rec, 0, sizeof aiotest_rec);
	I = interp_new(&sink);
}

/* The end of every test: destroy the tasks still pending (as CPython does at
 * exit) and the loop, then check that no engine object is left alive.  The
 * test must have released every value it holds.  (Criterion ignores
 * assertions made in .fini, so this runs in the test body.) */
static inline void aiotest_end(void)
{
	task_destroy_pending(I);
	if (I->loop) loop_free(I->loop);
	cr_expect_eq(I->live, 0, "%llu engine object(s) still alive at the end of the test", I->live);
}

static inline void aiotest_fini(void)
{
	interp_free(I);
	for (size_t i = 0; i < aiotest_rec.n; i++) free(aiotest_rec.v[i].text);
	free(aiotest_rec.v);
	free(aiotest_rec.last_warn);
	free(aiotest_rec.joined);
	memset(&aiotest_rec, 0, sizeof aiotest_rec);
}

/* print(...) from a coroutine body, a callback or the top level. */
static inline __attribute__((format(printf, 1, 2))) void P(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	interp_print(I, buf);
}

/* Everything printed so far, one "|" after each line (the form of the
 * oracle outputs quoted in semantics.md).  Valid until the next call. */
static inline const char *printed(void)
{
	size_t len = 1;
	for (size_t i = 0; i < aiotest_rec.n; i++) len += strlen(aiotest_rec.v[i].text) + 1;
	free(aiotest_rec.joined);
	char *s = aiotest_rec.joined = xmalloc(len);
	*s = '\0';
	for (size_t i = 0; i < aiotest_rec.n; i++) {
		strcat(s, aiotest_rec.v[i].text);
		strcat(s, "|");
	}
	return s;
}

/* The line that was printed with this text (the first one), or NULL. */
static inline const struct aiotest_line *line_of(const char *text)
{
	for (size_t i = 0; i < aiotest_rec.n; i++)
		if (strcmp(aiotest_rec.v[i].text, text) == 0) return &aiotest_rec.v[i];
	cr_assert_fail("nothing printed \"%s\"; printed: %s", text, printed());
	return NULL;
}

/* How many loop iterations passed between two printed lines. */
static inline long long iterations_between(const char *first, const char *second)
{
	return (long long)line_of(second)->iteration - (long long)line_of(first)->iteration;
}

/* --- exceptions as the learner sees them --- */

/* "TypeError: msg" for an exception value (the last line of a traceback). */
static inline const char *exc_text(struct value v)
{
	static char buf[512];
	struct exc *e = value_exc(v);
	if (!e) {
		char *r = value_repr(v);
		snprintf(buf, sizeof buf, "<not an exception: %s>", r);
		free(r);
		return buf;
	}
	char *s = exc_format(e);
	snprintf(buf, sizeof buf, "%s", s);
	free(s);
	return buf;
}

/* repr(v), in a buffer valid until the next call. */
static inline const char *repr(struct value v)
{
	static char *buf;
	free(buf);
	buf = value_repr(v);
	return buf;
}

/* str(v), as print() shows it, in a buffer valid until the next call. */
static inline const char *str(struct value v)
{
	static char *buf;
	free(buf);
	buf = value_str_of(v);
	return buf;
}

/* repr(exc.args) */
static inline const char *exc_args(struct value v)
{
	struct exc *e = value_exc(v);
	cr_assert(e, "not an exception: %s", repr(v));
	return repr(e->args);
}

static inline int starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline int is_exc(struct value v, enum exc_type t)
{
	struct exc *e = value_exc(v);
	return e && e->type == t;
}

/* --- callbacks (loop_cb) --- */

/* print(arg): a handle whose argument is the line to print. */
static void print_cb(struct interp *in, void *target, struct value arg)
{
	(void)in;
	(void)target;
	P("%s", value_cstr(arg));
}

/* loop.stop() */
static void stop_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	(void)arg;
	loop_stop(in->loop);
}

static const struct trace_actor aiotest_cb_actor = {ACT_CALLBACK, 0, "callback"};

/* loop.call_soon(print, text) */
static inline void soon_print(struct loop *L, const char *text)
{
	struct value s = value_str(text);
	loop_call_soon(L, print_cb, "print", NULL, aiotest_cb_actor, s);
	value_unref(s);
}

/* loop.call_later(delay, print, text); the timer handle is dropped. */
static inline void later_print(struct loop *L, double delay, const char *text)
{
	struct value s = value_str(text);
	timer_unref(loop_call_later(L, delay, print_cb, "print", NULL, aiotest_cb_actor, s));
	value_unref(s);
}

static inline void soon_stop(struct loop *L)
{
	loop_call_soon(L, stop_cb, "stop", NULL, aiotest_cb_actor, value_none());
}

/* --- coroutine functions ---
 *
 *   ASYNC_DEF(worker, "name", "n") { ...GEN_BEGIN(g) ... GEN_END(g); }
 *
 * declares `async def worker(name, n)`: worker_code (its code object) and
 * worker(args...) to call it (returns the new coroutine).  The names are its
 * locals, arguments first; keep what must survive an await in g->locals. */
#define ASYNC_DEF(fn, ...)                                                         \
	static GEN_BODY(fn##_body);                               \
	static const char *const fn##_vars[] = {__VA_ARGS__};                          \
	static const struct gen_code fn##_code = {                                  \
		.name = #fn, .kind = GEN_KIND_COROUTINE, .body = fn##_body,         \
		.nlocals = (int)(sizeof fn##_vars / sizeof *fn##_vars),             \
		.varnames = fn##_vars};                                             \
	static GEN_BODY(fn##_body)

/* The same for a plain generator function (def with yield). */
#define GEN_DEF(fn, ...)                                                           \
	static GEN_BODY(fn##_body);                               \
	static const char *const fn##_vars[] = {__VA_ARGS__};                          \
	static const struct gen_code fn##_code = {                                  \
		.name = #fn, .kind = GEN_KIND_GENERATOR, .body = fn##_body,         \
		.nlocals = (int)(sizeof fn##_vars / sizeof *fn##_vars),             \
		.varnames = fn##_vars};                                             \
	static GEN_BODY(fn##_body)

/* Call a coroutine (or generator) function: CALL(fn, args...) with 1 to 6
 * arguments (stolen), CALL0(fn) with none.  Returns the new coroutine. */
#define CALL(fn, ...) gen_new(I, &fn##_code, CALL_NARGS_(__VA_ARGS__), __VA_ARGS__)
#define CALL0(fn) gen_new(I, &fn##_code, 0)
#define CALL_NARGS_(...) CALL_NARGS_N_(__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define CALL_NARGS_N_(_1, _2, _3, _4, _5, _6, N, ...) N

/* The future or task a value holds (fails the test otherwise). */
static inline struct future *F(struct value v)
{
	struct future *f = value_future(v);
	cr_assert(f, "not a future: %s", repr(v));
	return f;
}

static inline struct task *T(struct value v)
{
	struct task *t = value_task(v);
	cr_assert(t, "not a task: %s", repr(v));
	return t;
}

/* --- running --- */

/* loop.create_task(coro): steals coro; fails the test on a Python error. */
static inline struct value create_task(struct loop *L, struct value coro)
{
	struct value t;
	int rc = aio_create_task(L, coro, NULL, &t);
	value_unref(coro);
	cr_assert_eq(rc, 0, "create_task failed: %s", exc_text(t));
	return t;
}

/* asyncio.ensure_future(x): steals x; fails the test on a Python error. */
static inline struct value ensure_future(struct value x)
{
	struct value t;
	int rc = aio_ensure_future(I, x, &t);
	value_unref(x);
	cr_assert_eq(rc, 0, "ensure_future failed: %s", exc_text(t));
	return t;
}

/* loop.run_until_complete(x): steals x.  Returns 0 with *out = the result,
 * or 1 with *out = the exception. */
static inline int run_until_complete(struct loop *L, struct value x, struct value *out)
{
	int rc = aio_run_until_complete(L, x, out);
	value_unref(x);
	return rc;
}

/* asyncio.run(coro): steals coro; like run_until_complete. */
static inline int asyncio_run(struct value coro, struct value *out)
{
	int rc = aio_run(I, coro, out);
	value_unref(coro);
	return rc;
}

/* run_until_complete for a program that must not raise: returns the result. */
static inline struct value run_ok(struct loop *L, struct value x)
{
	struct value r;
	cr_assert_eq(run_until_complete(L, x, &r), 0, "run_until_complete raised %s", exc_text(r));
	return r;
}

/* test_utils.run_once(loop): loop.call_soon(loop.stop); loop.run_forever()
 * -- one pass of the loop. */
static inline void run_once(struct loop *L)
{
	soon_stop(L);
	loop_run_forever(L);
}

/* async def once(): pass */
static inline GEN_BODY(aiotest_once_body)
{
	GEN_BEGIN(g);
	GEN_END(g);
}
static const struct gen_code aiotest_once_code = {
	.name = "once", .kind = GEN_KIND_COROUTINE, .body = aiotest_once_body};

/* test_utils.run_briefly(loop): run_until_complete(loop.create_task(once()))
 * -- the once task's step, then its done callback: two passes. */
static inline void run_briefly(struct loop *L)
{
	struct value t = create_task(L, gen_new(I, &aiotest_once_code, 0)), r;
	/* Don't log a warning if the task is not done after run_until_complete(). */
	T(t)->fut.log_destroy_pending = 0;
	aio_run_until_complete(L, t, &r);
	value_unref(r);
	value_unref(t);
}

#endif
