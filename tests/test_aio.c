/* test_aio.c -- asyncio's functions: semantics.md L7-L10 (sleep and resume
 * latencies), §5 (wait, gather, as_completed), §6 (run_until_complete,
 * get_event_loop, asyncio.run) and the three programs of §7.
 *
 * Every expected output below was printed by python3 3.11.7 running the
 * snippet in the comment above the test, or is quoted from semantics.md.
 * CPython's set order (wait's done/pending) is arbitrary (§5.3): those
 * results are compared sorted.
 */
#include "config.h"

#include <math.h>

#include "aiotest.h"

TestSuite(aio, .init = aiotest_init, .fini = aiotest_fini);

#define UNIT 0.01

static struct value sleep0(struct gen *g) { return aio_sleep(g->I, 0, value_none()); }

/* async def work(name, delay, fail=False):
 *     await asyncio.sleep(delay)
 *     if fail: raise ValueError(f'{name} failed')
 *     return f'{name}-result' */
ASYNC_DEF(work, "name", "delay", "fail")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, L[1].u.f, value_none()), NULL);
	if (value_truthy(L[2])) GEN_RAISE(g, exc_newf(EXC_VALUE_ERROR, "%s failed", value_cstr(L[0])));
	GEN_RETURN(g, value_strf("%s-result", value_cstr(L[0])));
	GEN_END(g);
}
#define WORK(name, d) CALL(work, value_str(name), value_float(d), value_bool(0))
#define WORK_FAIL(name, d) CALL(work, value_str(name), value_float(d), value_bool(1))

/* [a, b, c] (the items are stolen), built left to right: the items are
 * evaluated in order, so tasks get their numbers and first steps in
 * argument order as in Python.  Not reentrant (no LIST inside a LIST). */
static struct value list_;
#define LIST1(a) (list_ = value_list(), value_append(list_, (a)), list_)
#define LIST2(a, b) (list_ = value_list(), value_append(list_, (a)), value_append(list_, (b)), list_)
#define LIST3(a, b, c)                                                                     \
	(list_ = value_list(), value_append(list_, (a)), value_append(list_, (b)),             \
	 value_append(list_, (c)), list_)

/* The labels of the futures in `set` (the labels are the futures' positions
 * in `all`, named by `labels`), sorted: "B,C". */
static const char *labels_of(struct value set, struct value all, const char *labels)
{
	static char buf[64];
	size_t n = 0;
	for (size_t i = 0; i < value_len(all); i++)
		for (size_t j = 0; j < value_len(set); j++)
			if (value_item(set, j).u.o == value_item(all, i).u.o) {
				if (n) buf[n++] = ',';
				buf[n++] = labels[i];
			}
	buf[n] = '\0';
	return buf;
}

/* ---------------------------------------------------------------- L7 */

/*
 *   async def s0():
 *       print("X before"); loop.call_soon(print, "queued by X before sleep(0)")
 *       await asyncio.sleep(0); print("X after")
 *   t = loop.create_task(s0()); loop.call_soon(print, "queued after X was created")
 *   loop.run_until_complete(t)
 */
ASYNC_DEF(s0, "_")
{
	GEN_BEGIN(g);
	P("X before");
	soon_print(g->I->loop, "queued by X before sleep(0)");
	GEN_AWAIT(g, sleep0(g), NULL);
	P("X after");
	GEN_END(g);
}

Test(aio, L7_sleep0_requeues_at_end)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(s0));
	soon_print(L, "queued after X was created");
	value_unref(run_ok(L, value_ref(t)));
	cr_expect_str_eq(printed(), "X before|queued after X was created|queued by X before sleep(0)|X after|");
	cr_expect_eq(iterations_between("X before", "X after"), 1);
	cr_expect_eq(loop_timer_count(L), 0, "sleep(0) must not make a timer");
	value_unref(t);
	aiotest_end();
}

/*
 *   async def A():
 *       print("A: before sleep(0.01)")
 *       await asyncio.sleep(0.01)
 *       print("A: after sleep(0.01)")
 *   async def main():
 *       t = asyncio.ensure_future(A())
 *       await asyncio.sleep(0)
 *       loop.call_later(0.01, print, "plain timer callback registered after A's timer")
 *       loop.call_later(0.01, lambda: loop.call_soon(print, "call_soon issued from a later timer callback"))
 *       await t
 * (11_sleep_wakeup_latency.out)
 */
ASYNC_DEF(sleeper_a, "_")
{
	GEN_BEGIN(g);
	P("A: before sleep(0.01)");
	GEN_AWAIT(g, aio_sleep(g->I, 0.01, value_none()), NULL);
	P("A: after sleep(0.01)");
	GEN_END(g);
}

static void later_soon_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	(void)arg;
	soon_print(in->loop, "call_soon issued from a later timer callback");
}

ASYNC_DEF(l7_main, "t")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = ensure_future(CALL0(sleeper_a));
	GEN_AWAIT(g, sleep0(g), NULL);
	later_print(g->I->loop, 0.01, "plain timer callback registered after A's timer");
	timer_unref(loop_call_later(g->I->loop, 0.01, later_soon_cb, "lambda", NULL, aiotest_cb_actor, value_none()));
	GEN_AWAIT(g, value_ref(L[0]), NULL);
	GEN_END(g);
}

Test(aio, L7_sleep_wakes_one_iteration_after_timer)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(l7_main)));
	cr_expect_str_eq(printed(), "A: before sleep(0.01)|"
				    "plain timer callback registered after A's timer|"
				    "A: after sleep(0.01)|"
				    "call_soon issued from a later timer callback|");
	/* the timer fires in iteration k (with the plain timer callback), the
	 * sleeping task resumes in k+1 */
	cr_expect_eq(iterations_between("plain timer callback registered after A's timer", "A: after sleep(0.01)"), 1);
	cr_expect_float_eq(line_of("A: after sleep(0.01)")->time, 0.01, 1e-9);
	aiotest_end();
}

/*
 *   async def D(): print("D before sleep(0.001)"); await asyncio.sleep(0.001); print("D after sleep(0.001)")
 *   async def Z():
 *       for i in range(4): print(f"Z iter {i}"); await asyncio.sleep(0)
 *   async def E(): print("E before sleep(0)"); await asyncio.sleep(0); print("E after sleep(0)")
 *   await asyncio.gather(D(), Z(), E())
 * (03_loop_order.out)
 */
ASYNC_DEF(mixed_d, "_")
{
	GEN_BEGIN(g);
	P("D before sleep(0.001)");
	GEN_AWAIT(g, aio_sleep(g->I, 0.001, value_none()), NULL);
	P("D after sleep(0.001)");
	GEN_END(g);
}

ASYNC_DEF(mixed_z, "i")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	for (L[0] = value_int(0); L[0].u.i < 4; L[0].u.i++) {
		P("Z iter %lld", L[0].u.i);
		GEN_AWAIT(g, sleep0(g), NULL);
	}
	GEN_END(g);
}

ASYNC_DEF(mixed_e, "_")
{
	GEN_BEGIN(g);
	P("E before sleep(0)");
	GEN_AWAIT(g, sleep0(g), NULL);
	P("E after sleep(0)");
	GEN_END(g);
}

/* await asyncio.gather(*aws): aws is the coroutine's first local (a list). */
ASYNC_DEF(gather_all, "aws", "outer", "res")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	cr_assert_eq(aio_gather(g->I, L[0], 0, &L[1]), 0, "gather raised %s", exc_text(L[1]));
	GEN_AWAIT(g, value_ref(L[1]), &L[2]);
	GEN_RETURN(g, value_ref(L[2]));
	GEN_END(g);
}

Test(aio, L7_mixed_sleeps)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL(gather_all, LIST3(CALL0(mixed_d), CALL0(mixed_z), CALL0(mixed_e)))));
	cr_expect_str_eq(printed(), "D before sleep(0.001)|Z iter 0|E before sleep(0)|Z iter 1|"
				    "E after sleep(0)|Z iter 2|Z iter 3|D after sleep(0.001)|");
	aiotest_end();
}

/*
 *   print(await asyncio.sleep(0, 'r0'), await asyncio.sleep(0.01, 'r1'))   # r0 r1
 */
/* asyncio.sleep(delay, result) with a str result */
static struct value sleep_with(struct gen *g, double delay, const char *result)
{
	struct value r = value_str(result), s = aio_sleep(g->I, delay, r);
	value_unref(r);
	return s;
}

ASYNC_DEF(sleep_results, "a", "b")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep_with(g, 0, "r0"), &L[0]);
	GEN_AWAIT(g, sleep_with(g, 0.01, "r1"), &L[1]);
	P("%s %s", value_cstr(L[0]), value_cstr(L[1]));
	GEN_END(g);
}

Test(aio, L7_sleep_returns_result)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(sleep_results)));
	cr_expect_str_eq(printed(), "r0 r1|");
	aiotest_end();
}

/* ---------------------------------------------------------------- L8 */

/*
 *   async def T(i):
 *       print(f"T{i} start"); await asyncio.sleep(0.01); print(f"T{i} woke")
 *   await asyncio.gather(*[T(i) for i in range(6)])
 */
ASYNC_DEF(tsleep, "i")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	P("T%lld start", L[0].u.i);
	GEN_AWAIT(g, aio_sleep(g->I, 0.01, value_none()), NULL);
	P("T%lld woke", L[0].u.i);
	GEN_END(g);
}

Test(aio, L8_equal_sleeps_wake_in_creation_order)
{
	struct loop *L = loop_new(I);
	struct value aws = value_list();
	for (int i = 0; i < 6; i++) value_append(aws, CALL(tsleep, value_int(i)));
	value_unref(run_ok(L, CALL(gather_all, aws)));
	cr_expect_str_eq(printed(), "T0 start|T1 start|T2 start|T3 start|T4 start|T5 start|"
				    "T0 woke|T1 woke|T2 woke|T3 woke|T4 woke|T5 woke|");
	aiotest_end();
}

/* ---------------------------------------------------------------- L9 */

/* async def child(): await asyncio.sleep(0); print("child returning"); return 'C' */
ASYNC_DEF(child, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep0(g), NULL);
	P("child returning");
	GEN_RETURN(g, value_str("C"));
	GEN_END(g);
}

enum { VIA_TASK, VIA_GATHER, VIA_WAIT, VIA_AS_COMPLETED, VIA_WAIT_FOR };

/* async def measure(kind):
 *     t = asyncio.ensure_future(child())
 *     if kind == 'task': await t
 *     elif kind == 'gather': await asyncio.gather(t)
 *     elif kind == 'wait': await asyncio.wait([t])
 *     elif kind == 'as_completed':
 *         for f in asyncio.as_completed([t]): await f
 *     elif kind == 'wait_for': await asyncio.wait_for(t, 10)
 *     print("main resumed") */
ASYNC_DEF(measure, "kind", "t", "aw", "it", "item")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[1] = ensure_future(CALL0(child));
	switch (L[0].u.i) {
	case VIA_TASK: L[2] = value_ref(L[1]); break;
	case VIA_GATHER: {
		struct value aws = LIST1(value_ref(L[1]));
		cr_assert_eq(aio_gather(g->I, aws, 0, &L[2]), 0);
		value_unref(aws);
		break;
	}
	case VIA_WAIT: {
		struct value fs = LIST1(value_ref(L[1]));
		L[2] = aio_wait(g->I, fs, -1, AIO_ALL_COMPLETED);
		value_unref(fs);
		break;
	}
	case VIA_AS_COMPLETED: {
		struct value fs = LIST1(value_ref(L[1]));
		cr_assert_eq(aio_as_completed(g->I, fs, -1, &L[3]), 0);
		value_unref(fs);
		cr_assert_eq(gen_next(value_gen(L[3]), &L[2]), GEN_YIELDED);
		break;
	}
	default: L[2] = aio_wait_for(g->I, L[1], 10); break;
	}
	GEN_AWAIT(g, value_ref(L[2]), NULL);
	P("main resumed");
	GEN_END(g);
}

static long long latency(int kind)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL(measure, value_int(kind))));
	return iterations_between("child returning", "main resumed");
}

/* (13_resume_latency.out: "await task  ticks between child return and main resume: 1") */
Test(aio, L9_await_task_latency_1)
{
	cr_expect_eq(latency(VIA_TASK), 1);
	aiotest_end();
}

/* "await gather(task)  ticks between child return and main resume: 2" */
Test(aio, L9_gather_latency_2)
{
	cr_expect_eq(latency(VIA_GATHER), 2);
	aiotest_end();
}

/* "await wait([task])  ticks between child return and main resume: 2" */
Test(aio, L9_wait_latency_2)
{
	cr_expect_eq(latency(VIA_WAIT), 2);
	aiotest_end();
}

/* "as_completed([task])  ticks between child return and main resume: 2" */
Test(aio, L9_as_completed_latency_2)
{
	cr_expect_eq(latency(VIA_AS_COMPLETED), 2);
	aiotest_end();
}

/* "await wait_for(task, 10)  ticks between child return and main resume: 2" */
Test(aio, L9_wait_for_latency_2)
{
	cr_expect_eq(latency(VIA_WAIT_FOR), 2);
	aiotest_end();
}

/*
 *   async def child(): print("child: returning"); return "C"
 *   async def other():
 *       for i in (1, 2, 3): print(f"other: step {i}"); await asyncio.sleep(0)
 *   async def main():
 *       t = asyncio.ensure_future(child()); o = asyncio.ensure_future(other())
 *       print("main: awaiting child"); r = await t; print("main: resumed with", r)
 *       await o
 * (08_edges.out: the awaiter resumes after the child)
 */
ASYNC_DEF(child_c, "_")
{
	GEN_BEGIN(g);
	P("child: returning");
	GEN_RETURN(g, value_str("C"));
	GEN_END(g);
}

ASYNC_DEF(other, "i")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	for (L[0] = value_int(1); L[0].u.i <= 3; L[0].u.i++) {
		P("other: step %lld", L[0].u.i);
		GEN_AWAIT(g, sleep0(g), NULL);
	}
	GEN_END(g);
}

ASYNC_DEF(edges_main, "t", "o", "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = ensure_future(CALL0(child_c));
	L[1] = ensure_future(CALL0(other));
	P("main: awaiting child");
	GEN_AWAIT(g, value_ref(L[0]), &L[2]);
	P("main: resumed with %s", str(L[2]));
	GEN_AWAIT(g, value_ref(L[1]), NULL);
	GEN_END(g);
}

Test(aio, L9_awaiter_resumes_after_child)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(edges_main)));
	cr_expect_str_eq(printed(), "main: awaiting child|child: returning|other: step 1|"
				    "main: resumed with C|other: step 2|other: step 3|");
	aiotest_end();
}

/* ---------------------------------------------------------------- L10 */

/* async def inline(): print("inline coroutine body"); return "I" */
ASYNC_DEF(inline_coro, "_")
{
	GEN_BEGIN(g);
	P("inline coroutine body");
	GEN_RETURN(g, value_str("I"));
	GEN_END(g);
}

static struct value done_fut;

/*
 *   f = loop.create_future(); f.set_result("F")
 *   async def main():
 *       print("main: awaiting done future"); r = await f
 *       print("main: got", r, "(no tick in between)")
 *       print("main: awaiting a coroutine directly (runs inline, no scheduling)")
 *       r = await inline(); print("main: got", r)
 * (08_edges.out)
 */
ASYNC_DEF(l10_main, "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	P("main: awaiting done future");
	GEN_AWAIT(g, value_ref(done_fut), &L[0]);
	P("main: got %s (no tick in between)", str(L[0]));
	P("main: awaiting a coroutine directly (runs inline, no scheduling)");
	GEN_AWAIT(g, CALL0(inline_coro), &L[0]);
	P("main: got %s", str(L[0]));
	GEN_END(g);
}

Test(aio, L10_await_done_future_no_suspend)
{
	struct loop *L = loop_new(I);
	struct value err, f = value_str("F");
	done_fut = future_new(L);
	future_set_result(F(done_fut), f, &err);
	value_unref(f);
	value_unref(run_ok(L, CALL0(l10_main)));
	cr_expect_str_eq(printed(), "main: awaiting done future|main: got F (no tick in between)|"
				    "main: awaiting a coroutine directly (runs inline, no scheduling)|"
				    "inline coroutine body|main: got I|");
	cr_expect_eq(iterations_between("main: awaiting done future", "main: got I"), 0);
	/* one iteration ran the whole task; the next ran _run_until_complete_cb */
	cr_expect_eq(loop_iteration(L), 2);
	value_unref(done_fut);
	aiotest_end();
}

/* ---------------------------------------------------------------- §5.1 */

ASYNC_DEF(c, "_")
{
	GEN_BEGIN(g);
	GEN_END(g);
}

/* Run wait(fs) as run_until_complete does and return the exception text. */
static const char *wait_error(struct loop *L, struct value fs)
{
	struct value r;
	static char buf[512];
	cr_assert_eq(run_until_complete(L, aio_wait(I, fs, -1, AIO_ALL_COMPLETED), &r), 1,
		     "wait() returned %s", repr(r));
	snprintf(buf, sizeof buf, "%s", exc_text(r));
	value_unref(r);
	value_unref(fs);
	return buf;
}

/*
 *   await asyncio.wait([c()])
 *   # TypeError: Passing coroutines is forbidden, use tasks explicitly.
 *   # RuntimeWarning: coroutine 'c' was never awaited
 */
Test(aio, wait_bare_coroutine_list_raises)
{
	struct loop *L = loop_new(I);
	cr_expect_str_eq(wait_error(L, LIST1(CALL0(c))),
			 "TypeError: Passing coroutines is forbidden, use tasks explicitly.");
	cr_expect_eq(aiotest_rec.nwarn, 1);
	cr_expect(aiotest_rec.last_warn && strstr(aiotest_rec.last_warn, "coroutine 'c' was never awaited"),
		  "warning: %s", aiotest_rec.last_warn);
	aiotest_end();
}

/*
 *   await asyncio.wait(c())                          # TypeError: expect a list of futures, not coroutine
 *   await asyncio.wait(asyncio.ensure_future(c()))   # TypeError: expect a list of futures, not Task
 *   await asyncio.wait([])                           # ValueError: Set of Tasks/Futures is empty.
 */
Test(aio, wait_validation_messages)
{
	struct loop *L = loop_new(I);
	cr_expect_str_eq(wait_error(L, CALL0(c)), "TypeError: expect a list of futures, not coroutine");
	cr_expect_str_eq(wait_error(L, create_task(L, CALL0(c))), "TypeError: expect a list of futures, not Task");
	cr_expect_str_eq(wait_error(L, value_list()), "ValueError: Set of Tasks/Futures is empty.");
	aiotest_end();
}

/* 5.1: the checks run when the wait() coroutine runs, not when wait() is
 * called: calling it only makes a coroutine. */
Test(aio, wait_checks_run_when_awaited)
{
	struct loop *L = loop_new(I);
	struct value empty = value_list();
	struct value w = aio_wait(I, empty, -1, AIO_ALL_COMPLETED);
	cr_expect(aio_iscoroutine(w));
	cr_expect_str_eq(gen_state_name(value_gen(w)), "CORO_CREATED");
	value_unref(empty);
	cr_expect_str_eq(wait_error(L, value_list()), "ValueError: Set of Tasks/Futures is empty.");
	struct value r;
	gen_close(value_gen(w), &r);
	value_unref(w);
	aiotest_end();
}

/* ---------------------------------------------------------------- §5.2 */

/* async def wait_main(fs, timeout, return_when):
 *     done, pending = await asyncio.wait(fs, ...)
 * returns the tuple; the futures are the first local. */
ASYNC_DEF(wait_main, "fs", "timeout", "return_when", "res")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_wait(g->I, L[0], L[1].u.f, (enum aio_return_when)L[2].u.i), &L[3]);
	GEN_RETURN(g, value_ref(L[3]));
	GEN_END(g);
}

static struct value run_wait(struct loop *L, struct value fs, double timeout, enum aio_return_when rw)
{
	struct value r = run_ok(L, CALL(wait_main, value_ref(fs), value_float(timeout), value_int(rw)));
	cr_assert_eq(r.kind, VAL_TUPLE, "wait() returned %s", repr(r));
	cr_assert_eq(value_len(r), 2);
	cr_assert_eq(value_item(r, 0).kind, VAL_SET);
	cr_assert_eq(value_item(r, 1).kind, VAL_SET);
	return r;
}

/*
 *   A = ensure_future(work('A', 0.03)); B = ...('B', 0.01); C = ...('C', 0.02)
 *   done, pending = await asyncio.wait([A, B, C], return_when=asyncio.FIRST_COMPLETED)
 *   # done: ['B'] pending: ['A', 'C'], both sets
 */
Test(aio, wait_first_completed)
{
	struct loop *L = loop_new(I);
	struct value fs = LIST3(create_task(L, WORK("A", 0.03)), create_task(L, WORK("B", 0.01)),
				  create_task(L, WORK("C", 0.02)));
	struct value r = run_wait(L, fs, -1, AIO_FIRST_COMPLETED);
	cr_expect_str_eq(labels_of(value_item(r, 0), fs, "ABC"), "B");
	cr_expect_str_eq(labels_of(value_item(r, 1), fs, "ABC"), "A,C");
	value_unref(r);
	value_unref(fs);
	aiotest_end();
}

/*
 *   A = ...('A', 0.03); B = ...('B', 0.01); C = work('C', 0.02, fail=True)
 *   done, pending = await asyncio.wait([A, B, C], return_when=asyncio.FIRST_EXCEPTION)
 *   # done: ['B', 'C'] pending: ['A']   (B had finished normally earlier)
 */
Test(aio, wait_first_exception)
{
	struct loop *L = loop_new(I);
	struct value fs = LIST3(create_task(L, WORK("A", 0.03)), create_task(L, WORK("B", 0.01)),
				  create_task(L, WORK_FAIL("C", 0.02)));
	struct value r = run_wait(L, fs, -1, AIO_FIRST_EXCEPTION);
	cr_expect_str_eq(labels_of(value_item(r, 0), fs, "ABC"), "B,C");
	cr_expect_str_eq(labels_of(value_item(r, 1), fs, "ABC"), "A");
	value_unref(r);
	value_unref(fs);
	aiotest_end();
}

/*
 *   A = ...('A', 0.03); B = ...('B', 0.01)
 *   r = await asyncio.wait([A, B], timeout=0.02)
 *   # done: ['B'] pending: ['A'], a tuple of 2, no exception
 */
Test(aio, wait_timeout_returns_without_raising)
{
	struct loop *L = loop_new(I);
	struct value fs = LIST2(create_task(L, WORK("A", 0.03)), create_task(L, WORK("B", 0.01)));
	struct value r = run_wait(L, fs, 0.02, AIO_ALL_COMPLETED);
	cr_expect_str_eq(labels_of(value_item(r, 0), fs, "AB"), "B");
	cr_expect_str_eq(labels_of(value_item(r, 1), fs, "AB"), "A");
	cr_expect_float_eq(loop_time(L), 0.02, 1e-9);
	value_unref(r);
	value_unref(fs);
	aiotest_end();
}

/* async def quick(n): for _ in range(n): await asyncio.sleep(0) */
ASYNC_DEF(quick, "n", "i")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	for (L[1] = value_int(0); L[1].u.i < L[0].u.i; L[1].u.i++) GEN_AWAIT(g, sleep0(g), NULL);
	GEN_END(g);
}

/*
 * 5.2: `done` holds every future done when the waiter resumes, two
 * iterations after the first completion:
 *   A = ensure_future(quick(1)); B = ensure_future(quick(2)); C = ensure_future(quick(9))
 *   done, pending = await asyncio.wait([A, B, C], return_when=asyncio.FIRST_COMPLETED)
 *   # done: ['A', 'B'] pending: ['C']
 */
Test(aio, wait_first_completed_done_can_hold_more)
{
	struct loop *L = loop_new(I);
	struct value fs = LIST3(create_task(L, CALL(quick, value_int(1))), create_task(L, CALL(quick, value_int(2))),
				  create_task(L, CALL(quick, value_int(9))));
	struct value r = run_wait(L, fs, -1, AIO_FIRST_COMPLETED);
	cr_expect_str_eq(labels_of(value_item(r, 0), fs, "ABC"), "A,B");
	cr_expect_str_eq(labels_of(value_item(r, 1), fs, "ABC"), "C");
	value_unref(r);
	value_unref(fs);
	aiotest_end();
}

/* ---------------------------------------------------------------- §5.5 */

/*
 *   r = await asyncio.gather(work('A', 0.03), work('B', 0.01), work('C', 0.02))
 *   print("gather result:", r)   # ['A-result', 'B-result', 'C-result']
 */
Test(aio, gather_results_in_argument_order)
{
	struct loop *L = loop_new(I);
	struct value r = run_ok(L, CALL(gather_all, LIST3(WORK("A", 0.03), WORK("B", 0.01), WORK("C", 0.02))));
	cr_expect_str_eq(repr(r), "['A-result', 'B-result', 'C-result']");
	value_unref(r);
	aiotest_end();
}

/*
 *   A = asyncio.ensure_future(work('A', 0.03))
 *   try: await asyncio.gather(A, work('B', 0.01, True))
 *   except Exception as e: print("gather raised:", repr(e), "| A done?", A.done(), "| A cancelled?", A.cancelled())
 *   print("A finished anyway:", await A)
 *   # gather raised: ValueError('B failed') | A done? False | A cancelled? False
 *   # A finished anyway: A-result
 */
ASYNC_DEF(gather_first_exc, "A", "aws", "outer", "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = ensure_future(WORK("A", 0.03));
	L[1] = LIST2(value_ref(L[0]), WORK_FAIL("B", 0.01));
	cr_assert_eq(aio_gather(g->I, L[1], 0, &L[2]), 0);
	GEN_AWAIT_TRY(g, value_ref(L[2]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		P("gather raised: %s | A done? %s | A cancelled? %s", repr(e), future_done(F(L[0])) ? "True" : "False",
		  future_cancelled(F(L[0])) ? "True" : "False");
		value_unref(e);
	}
	GEN_AWAIT(g, value_ref(L[0]), &L[3]);
	P("A finished anyway: %s", str(L[3]));
	GEN_END(g);
}

Test(aio, gather_propagates_first_exception_without_cancelling)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(gather_first_exc)));
	cr_expect_str_eq(printed(), "gather raised: ValueError('B failed') | A done? False | A cancelled? False|"
				    "A finished anyway: A-result|");
	aiotest_end();
}

/*
 *   r = await asyncio.gather(work('A', 0.01), work('B', 0.02, True), return_exceptions=True)
 *   print([repr(x) for x in r])     # ["'A-result'", "ValueError('B failed')"]
 */
ASYNC_DEF(gather_rexc, "aws", "outer", "res")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	cr_assert_eq(aio_gather(g->I, L[0], 1, &L[1]), 0);
	GEN_AWAIT(g, value_ref(L[1]), &L[2]);
	GEN_RETURN(g, value_ref(L[2]));
	GEN_END(g);
}

Test(aio, gather_return_exceptions_keeps_positions)
{
	struct loop *L = loop_new(I);
	struct value r = run_ok(L, CALL(gather_rexc, LIST2(WORK("A", 0.01), WORK_FAIL("B", 0.02))));
	cr_expect_str_eq(repr(r), "['A-result', ValueError('B failed')]");
	value_unref(r);
	aiotest_end();
}

/*
 *   async def survivor():
 *       try: await asyncio.sleep(0)
 *       except asyncio.CancelledError: return 'caught'
 *   outer = asyncio.gather(survivor()); await asyncio.sleep(0)
 *   print(outer.cancel('msg'))      # True: the child is asked, not yet cancelled
 *   try: await outer
 *   except asyncio.CancelledError as e: print(repr(e))   # CancelledError('msg')
 * The child finishes with a result, and _done_callback builds the outer's
 * error from the child's _cancel_message, which outlives the cancel.
 */
ASYNC_DEF(survivor, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 0, value_none()), NULL);
	if (gen_has_thrown(g)) {
		value_unref(gen_take_thrown(g));
		GEN_RETURN(g, value_str("caught"));
	}
	GEN_RETURN(g, value_str("done"));
	GEN_END(g);
}

ASYNC_DEF(gather_cancel_survived, "aws", "outer")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = LIST1(CALL0(survivor));
	cr_assert_eq(aio_gather(g->I, L[0], 0, &L[1]), 0);
	GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	{
		struct value msg = value_str("msg");
		P("%s", future_cancel(F(L[1]), msg) ? "True" : "False");
		value_unref(msg);
	}
	GEN_AWAIT_TRY(g, value_ref(L[1]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		P("%s", repr(e));
		value_unref(e);
	}
	GEN_END(g);
}

Test(aio, gather_cancel_uses_message_of_child_that_finished)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(gather_cancel_survived)));
	cr_expect_str_eq(printed(), "True|CancelledError('msg')|");
	aiotest_end();
}

/*
 *   async def sl(): await asyncio.sleep(1)
 *   X = ensure_future(sl()); Y = ensure_future(sl())
 *   async def killer(): await asyncio.sleep(0.01); X.cancel('m'); Y.cancel()
 *   ensure_future(killer())
 *   r = await asyncio.gather(X, Y, work('Z', 0.02), return_exceptions=True)
 *   print([repr(x) for x in r])   # ["CancelledError('')", "CancelledError('')", "'Z-result'"]
 */
ASYNC_DEF(sl, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, 1, value_none()), NULL);
	GEN_END(g);
}

ASYNC_DEF(killer, "X", "Y")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, 0.01, value_none()), NULL);
	{
		struct value m = value_str("m");
		task_cancel(T(L[0]), m);
		value_unref(m);
	}
	task_cancel(T(L[1]), value_none());
	GEN_END(g);
}

ASYNC_DEF(gather_cancelled_children, "X", "Y", "k", "aws", "outer", "res")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = ensure_future(CALL0(sl));
	L[1] = ensure_future(CALL0(sl));
	L[2] = ensure_future(CALL(killer, value_ref(L[0]), value_ref(L[1])));
	L[3] = LIST3(value_ref(L[0]), value_ref(L[1]), WORK("Z", 0.02));
	cr_assert_eq(aio_gather(g->I, L[3], 1, &L[4]), 0);
	GEN_AWAIT(g, value_ref(L[4]), &L[5]);
	GEN_RETURN(g, value_ref(L[5]));
	GEN_END(g);
}

Test(aio, gather_return_exceptions_cancelled_child)
{
	struct loop *L = loop_new(I);
	struct value r = run_ok(L, CALL0(gather_cancelled_children));
	cr_expect_str_eq(repr(r), "[CancelledError(''), CancelledError(''), 'Z-result']");
	value_unref(r);
	aiotest_end();
}

/*
 *   async def sl(): await asyncio.sleep(1)
 *   X = asyncio.ensure_future(sl())
 *   asyncio.get_running_loop().call_later(0.01, X.cancel)
 *   try: await asyncio.gather(X, work('Q', 0.02))
 *   except asyncio.CancelledError as e: print("gather cancelled child ->", repr(e))
 *   # gather cancelled child -> CancelledError()
 */
static void cancel_cb(struct interp *in, void *target, struct value arg)
{
	(void)in;
	(void)arg;
	future_cancel(target, value_none());
}

ASYNC_DEF(gather_cancelled_child, "X", "aws", "outer")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = ensure_future(CALL0(sl));
	timer_unref(loop_call_later(g->I->loop, 0.01, cancel_cb, "cancel", F(L[0]), future_actor(F(L[0])), value_none()));
	L[1] = LIST2(value_ref(L[0]), WORK("Q", 0.02));
	cr_assert_eq(aio_gather(g->I, L[1], 0, &L[2]), 0);
	GEN_AWAIT_TRY(g, value_ref(L[2]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		if (is_exc(e, EXC_CANCELLED_ERROR)) P("gather cancelled child -> %s", repr(e));
		GEN_RAISE(g, e);
	}
	GEN_END(g);
}

Test(aio, gather_cancelled_child_raises_cancelled_error)
{
	struct loop *L = loop_new(I);
	struct value r;
	cr_assert_eq(run_until_complete(L, CALL0(gather_cancelled_child), &r), 1);
	cr_expect_str_eq(printed(), "gather cancelled child -> CancelledError()|");
	value_unref(r);
	/* Q keeps running (5.5); let it finish so the run ends with nothing
	 * pending (a pending gather child is pending_gather_is_freed_at_end_of_run). */
	value_unref(run_ok(L, aio_sleep(I, 0.05, value_none())));
	aiotest_end();
}

/*
 *   g = asyncio.gather(); print(repr(g), g.done(), g.result())
 *   # <Future finished result=[]> True []      (works outside a running loop)
 */
Test(aio, gather_no_arguments_is_done_with_empty_list)
{
	struct value aws = value_list(), g, r;
	cr_assert_eq(aio_gather(I, aws, 0, &g), 0);
	cr_expect_str_eq(repr(g), "<Future finished result=[]>");
	cr_assert_eq(future_result(F(g), &r), 0);
	cr_expect_str_eq(repr(r), "[]");
	value_unref(r);
	value_unref(g);
	value_unref(aws);
	aiotest_end();
}

/*
 *   g = asyncio.gather(work('A', 0), work('B', 0))   # module level: no loop running
 *   print(asyncio.get_event_loop().run_until_complete(g))   # ['A-result', 'B-result']
 */
Test(aio, gather_outside_running_loop)
{
	struct value aws = LIST2(WORK("A", 0), WORK("B", 0)), g;
	cr_assert_eq(aio_gather(I, aws, 0, &g), 0);
	cr_assert_not_null(I->loop, "gather must create the current loop");
	cr_expect_eq(aiotest_rec.nwarn, 0, "3.11 gives no warning: %s", aiotest_rec.last_warn);
	struct value r = run_ok(I->loop, g);
	cr_expect_str_eq(repr(r), "['A-result', 'B-result']");
	value_unref(r);
	value_unref(aws);
	aiotest_end();
}

/* ---------------------------------------------------------------- §5.6 */

/*
 *   A = ...('A', 0.03); B = ...('B', 0.01); C = ...('C', 0.02)
 *   it = asyncio.as_completed([A, B, C]); print(type(it).__name__)    # generator
 *   for i, f in enumerate(it):
 *       print(f"item {i}: type={type(f).__name__} repr=...")
 *       # item 0: type=coroutine repr=<coroutine object as_completed.<locals>._wait_for_one>
 *       print(f"item {i} awaited ->", await f)
 *   # item 0 awaited -> B-result / item 1 ... C-result / item 2 ... A-result
 */
ASYNC_DEF(ac_main, "fs", "timeout", "it", "item", "i", "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	cr_assert_eq(aio_as_completed(g->I, L[0], L[1].u.f, &L[2]), 0);
	P("%s", value_type_name(L[2]));
	for (L[4] = value_int(0);; L[4].u.i++) {
		{
			struct value item;
			if (gen_next(value_gen(L[2]), &item) != GEN_YIELDED) {
				value_unref(item);
				break;
			}
			value_set(&L[3], item);
		}
		P("item %lld: type=%s repr=%s", L[4].u.i, value_type_name(L[3]), repr(L[3]));
		GEN_AWAIT_TRY(g, value_ref(L[3]), &L[5]);
		if (gen_has_thrown(g)) {
			struct value e = gen_take_thrown(g);
			P("item %lld raised %s", L[4].u.i, repr(e));
			value_unref(e);
		} else {
			P("item %lld awaited -> %s", L[4].u.i, str(L[5]));
		}
	}
	GEN_END(g);
}

Test(aio, as_completed_yields_in_completion_order)
{
	struct loop *L = loop_new(I);
	struct value fs = LIST3(create_task(L, WORK("A", 0.03)), create_task(L, WORK("B", 0.01)),
				  create_task(L, WORK("C", 0.02)));
	value_unref(run_ok(L, CALL(ac_main, value_ref(fs), value_float(-1))));
	cr_expect_str_eq(printed(), "generator|"
				    "item 0: type=coroutine repr=<coroutine object as_completed.<locals>._wait_for_one>|"
				    "item 0 awaited -> B-result|"
				    "item 1: type=coroutine repr=<coroutine object as_completed.<locals>._wait_for_one>|"
				    "item 1 awaited -> C-result|"
				    "item 2: type=coroutine repr=<coroutine object as_completed.<locals>._wait_for_one>|"
				    "item 2 awaited -> A-result|");
	value_unref(fs);
	aiotest_end();
}

/*
 *   A = ...('A', 0.03); B = ...('B', 0.01)
 *   for f in asyncio.as_completed([A, B], timeout=0.02):
 *       try: res.append(await f)
 *       except asyncio.TimeoutError as e: res.append(repr(e))
 *   # ['B-result', 'TimeoutError()']
 */
Test(aio, as_completed_timeout_raises_timeout_error)
{
	struct loop *L = loop_new(I);
	struct value fs = LIST2(create_task(L, WORK("A", 0.03)), create_task(L, WORK("B", 0.01)));
	value_unref(run_ok(L, CALL(ac_main, value_ref(fs), value_float(0.02))));
	cr_expect(strstr(printed(), "item 0 awaited -> B-result|") != NULL, "%s", printed());
	cr_expect(strstr(printed(), "item 1 raised TimeoutError()|") != NULL, "%s", printed());
	value_unref(fs);
	aiotest_end();
}

/*
 *   it = asyncio.as_completed(A)     # a task, not a list: nothing yet
 *   next(it)     # TypeError: expect an iterable of futures, not Task
 */
Test(aio, as_completed_rejects_single_future_when_iterated)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(c)), it, r;
	cr_assert_eq(aio_as_completed(I, t, -1, &it), 0);
	cr_assert_eq(gen_next(value_gen(it), &r), GEN_RAISED);
	cr_expect_str_eq(exc_text(r), "TypeError: expect an iterable of futures, not Task");
	value_unref(r);
	value_unref(it);
	value_unref(t);
	aiotest_end();
}

/* ------------------------------------------------------- wait_for (L9) */

/*
 *   print(await asyncio.wait_for(work('W', 0.01), 1))          # W-result
 *   try: await asyncio.wait_for(work('W', 1), 0.01)
 *   except asyncio.TimeoutError as e: print(repr(e), type(e.__cause__).__name__)
 *   # TimeoutError() CancelledError
 *   T = ensure_future(work('T', 1))
 *   try: await asyncio.wait_for(T, 0.01)
 *   except asyncio.TimeoutError: print("T cancelled:", T.cancelled())   # True
 *   print(await asyncio.wait_for(work('N', 0.01), None))       # N-result
 */
ASYNC_DEF(wait_for_main, "r", "T")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	{
		struct value w = WORK("W", 0.01);
		L[0] = aio_wait_for(g->I, w, 1);
		value_unref(w);
	}
	GEN_AWAIT(g, value_ref(L[0]), &L[0]);
	P("%s", str(L[0]));
	{
		struct value w = WORK("W", 1);
		value_set(&L[0], aio_wait_for(g->I, w, 0.01));
		value_unref(w);
	}
	GEN_AWAIT_TRY(g, value_ref(L[0]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		struct exc *cause = value_exc(e)->cause;
		P("%s %s", repr(e), cause ? exc_type_name(cause->type) : "None");
		value_unref(e);
	}
	L[1] = ensure_future(WORK("T", 1));
	value_set(&L[0], aio_wait_for(g->I, L[1], 0.01));
	GEN_AWAIT_TRY(g, value_ref(L[0]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		cr_expect(is_exc(e, EXC_TIMEOUT_ERROR), "raised %s", repr(e));
		P("T cancelled: %s", future_cancelled(F(L[1])) ? "True" : "False");
		value_unref(e);
	}
	{
		struct value w = WORK("N", 0.01);
		value_set(&L[0], aio_wait_for(g->I, w, -1));
		value_unref(w);
	}
	GEN_AWAIT(g, value_ref(L[0]), &L[0]);
	P("%s", str(L[0]));
	GEN_END(g);
}

Test(aio, wait_for_result_timeout_and_none)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(wait_for_main)));
	cr_expect_str_eq(printed(), "W-result|TimeoutError() CancelledError|T cancelled: True|N-result|");
	aiotest_end();
}

/* ---------------------------------------------------------------- §6.1 */

ASYNC_DEF(ok, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_str("Q"));
	GEN_END(g);
}

ASYNC_DEF(bad, "_")
{
	GEN_BEGIN(g);
	GEN_RAISE(g, exc_new(EXC_VALUE_ERROR, "never retrieved"));
	GEN_END(g);
}

/*
 *   print(loop.run_until_complete(ok()))        # Q
 *   try: loop.run_until_complete(bad())
 *   except ValueError as e: print("caught:", repr(e))   # caught: ValueError('never retrieved')
 */
Test(aio, run_until_complete_returns_result_or_raises)
{
	struct loop *L = loop_new(I);
	struct value r;
	cr_assert_eq(run_until_complete(L, CALL0(ok), &r), 0);
	cr_expect_str_eq(repr(r), "'Q'");
	value_unref(r);
	cr_assert_eq(run_until_complete(L, CALL0(bad), &r), 1);
	cr_expect_str_eq(repr(r), "ValueError('never retrieved')");
	value_unref(r);
	aiotest_end();
}

static void scheduling_cb(struct interp *in, void *ctx, struct value f)
{
	(void)ctx;
	(void)f;
	P("done-callback runs; scheduling call_soon(X)");
	soon_print(in->loop, "X (runs only when the loop is run again)");
}

/*
 *   t = loop.create_task(ok())
 *   def cb(f):
 *       print("done-callback runs; scheduling call_soon(X)")
 *       loop.call_soon(print, "X (runs only when the loop is run again)")
 *   t.add_done_callback(cb)
 *   print("run_until_complete ->", loop.run_until_complete(t))
 *   print("back in sync code; now running loop again")
 *   loop.run_until_complete(asyncio.sleep(0))
 * (08_edges.out)
 */
Test(aio, run_until_complete_stops_after_callback_iteration)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(ok));
	future_add_done_callback(F(t), scheduling_cb, "cb", NULL, aiotest_cb_actor);
	struct value r = run_ok(L, value_ref(t));
	P("run_until_complete -> %s", str(r));
	value_unref(r);
	P("back in sync code; now running loop again");
	value_unref(run_ok(L, aio_sleep(I, 0, value_none())));
	cr_expect_str_eq(printed(), "done-callback runs; scheduling call_soon(X)|run_until_complete -> Q|"
				    "back in sync code; now running loop again|"
				    "X (runs only when the loop is run again)|");
	value_unref(t);
	aiotest_end();
}

/*
 *   async def nest():
 *       c = ok()
 *       try: loop.run_until_complete(c)
 *       except RuntimeError as e: print("nested:", e)
 *   # nested: This event loop is already running
 */
ASYNC_DEF(nest, "_")
{
	GEN_BEGIN(g);
	{
		struct value r;
		cr_assert_eq(run_until_complete(g->I->loop, CALL0(ok), &r), 1);
		P("nested: %s", str(r));
		value_unref(r);
	}
	GEN_END(g);
}

Test(aio, run_until_complete_inside_running_loop_raises)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(nest)));
	cr_expect_str_eq(printed(), "nested: This event loop is already running|");
	/* test_run_until_complete_nesting: the rejected coroutine was never awaited */
	cr_expect_eq(aiotest_rec.nwarn, 1);
	aiotest_end();
}

/*
 *   loop.close()
 *   try: loop.run_until_complete(ok())
 *   except RuntimeError as e: print("closed:", e)
 *   # closed: Event loop is closed
 *   # RuntimeWarning: coroutine 'ok' was never awaited
 */
Test(aio, run_until_complete_on_closed_loop_raises)
{
	struct loop *L = loop_new(I);
	struct value r;
	loop_close(L);
	cr_assert_eq(run_until_complete(L, CALL0(ok), &r), 1);
	cr_expect_str_eq(exc_text(r), "RuntimeError: Event loop is closed");
	cr_expect_eq(aiotest_rec.nwarn, 1);
	cr_expect(aiotest_rec.last_warn && strstr(aiotest_rec.last_warn, "coroutine 'ok' was never awaited"));
	value_unref(r);
	aiotest_end();
}

/*
 *   async def stopper(): loop.stop(); await asyncio.sleep(0.1)
 *   try: loop.run_until_complete(stopper())
 *   except RuntimeError as e: print(e)     # Event loop stopped before Future completed.
 */
ASYNC_DEF(stopper, "_")
{
	GEN_BEGIN(g);
	loop_stop(g->I->loop);
	GEN_AWAIT(g, aio_sleep(g->I, 0.1, value_none()), NULL);
	GEN_END(g);
}

Test(aio, run_until_complete_stopped_early_raises)
{
	struct loop *L = loop_new(I);
	struct value r;
	cr_assert_eq(run_until_complete(L, CALL0(stopper), &r), 1);
	cr_expect_str_eq(exc_text(r), "RuntimeError: Event loop stopped before Future completed.");
	value_unref(r);
	aiotest_end();
}

/*
 *   loop.run_until_complete('blah')
 *   # TypeError: An asyncio.Future, a coroutine or an awaitable is required
 */
Test(aio, run_until_complete_rejects_non_awaitable)
{
	struct loop *L = loop_new(I);
	struct value r;
	cr_assert_eq(run_until_complete(L, value_str("blah"), &r), 1);
	cr_expect_str_eq(exc_text(r), "TypeError: An asyncio.Future, a coroutine or an awaitable is required");
	value_unref(r);
	aiotest_end();
}

/*
 *   async def boom(): raise ValueError('boom')
 *   t = loop.create_task(boom()); loop.run_until_complete(asyncio.sleep(0))
 *   del t   # stderr:
 *   # Task exception was never retrieved
 *   # future: <Task finished name='Task-1' coro=<boom() done, defined at FILE:3> exception=ValueError('boom')>
 *   # Traceback (most recent call last): ...
 *   t = loop.create_task(boom()); ...; t.exception(); del t    # nothing
 * (semantics.md 6.1, 08_edges.out)
 */
ASYNC_DEF(boom, "_")
{
	GEN_BEGIN(g);
	GEN_RAISE(g, exc_new(EXC_VALUE_ERROR, "boom"));
	GEN_END(g);
}

Test(aio, task_exception_never_retrieved_warns)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(boom));
	value_unref(run_ok(L, aio_sleep(I, 0, value_none())));
	cr_expect(future_done(F(t)));
	cr_expect_eq(aiotest_rec.nwarn, 0);
	value_unref(t);
	cr_expect_eq(aiotest_rec.nwarn, 1, "dropping a task whose exception was never retrieved must warn");
	const char *w = aiotest_rec.last_warn ? aiotest_rec.last_warn : "";
	cr_expect(starts_with(w, "Task exception was never retrieved\nfuture: <Task finished name='Task-1' coro=<boom()"),
		  "warning: %s", w);
	cr_expect(strstr(w, "exception=ValueError('boom')>") != NULL, "warning: %s", w);
	aiotest_end();
}

Test(aio, task_exception_retrieved_does_not_warn)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(boom)), e;
	value_unref(run_ok(L, aio_sleep(I, 0, value_none())));
	future_exception(F(t), &e);
	value_unref(e);
	value_unref(t);
	cr_expect_eq(aiotest_rec.nwarn, 0, "warned: %s", aiotest_rec.last_warn);
	aiotest_end();
}

/* async def forever(): await asyncio.sleep(10) */
ASYNC_DEF(forever, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, 10, value_none()), NULL);
	GEN_END(g);
}

ASYNC_DEF(start_forever, "_")
{
	GEN_BEGIN(g);
	value_unref(ensure_future(CALL0(forever)));
	GEN_AWAIT(g, sleep0(g), NULL);
	GEN_END(g);
}

/*
 *   async def main():
 *       asyncio.ensure_future(forever()); await asyncio.sleep(0)
 *   loop.run_until_complete(main()); loop.close()   # at exit, stderr:
 *   # Task was destroyed but it is pending!
 *   # task: <Task pending name='Task-2' coro=<forever() ...> wait_for=<Future pending cb=[Task.task_wakeup()]>>
 */
Test(aio, pending_task_destroyed_warns)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(start_forever)));
	cr_expect_eq(aiotest_rec.nwarn, 0);
	task_destroy_pending(I);
	cr_expect_eq(aiotest_rec.nwarn, 1);
	const char *w = aiotest_rec.last_warn ? aiotest_rec.last_warn : "";
	cr_expect(starts_with(w, "Task was destroyed but it is pending!\ntask: <Task pending name='Task-2' coro=<forever()"),
		  "warning: %s", w);
	aiotest_end();
}

/* ---------------------------------------------------------------- §6.2 */

/*
 *   loop = asyncio.get_event_loop()     # no loop yet: made silently (3.11)
 *   loop is asyncio.get_event_loop()    # True
 */
Test(aio, get_event_loop_creates_loop_silently)
{
	struct loop *a, *b;
	struct value err;
	cr_assert_eq(aio_get_event_loop(I, &a, &err), 0);
	cr_assert_eq(aio_get_event_loop(I, &b, &err), 0);
	cr_expect_eq(a, b);
	cr_expect_eq(aiotest_rec.nwarn, 0, "3.11 gives no warning: %s", aiotest_rec.last_warn);
	aiotest_end();
}

/*
 *   asyncio.run(main())
 *   asyncio.get_event_loop()
 *   # RuntimeError: There is no current event loop in thread 'MainThread'.
 */
Test(aio, get_event_loop_after_asyncio_run_raises)
{
	struct value r;
	struct loop *L;
	cr_assert_eq(asyncio_run(CALL0(ok), &r), 0);
	value_unref(r);
	cr_assert_eq(aio_get_event_loop(I, &L, &r), 1);
	cr_expect_str_eq(exc_text(r), "RuntimeError: There is no current event loop in thread 'MainThread'.");
	value_unref(r);
	aiotest_end();
}

/* ---------------------------------------------------------------- §6.3 */

/*
 *   async def main3():
 *       async def leftover():
 *           try: await asyncio.sleep(10)
 *           except asyncio.CancelledError:
 *               print("leftover: got CancelledError during asyncio.run shutdown"); raise
 *       asyncio.ensure_future(leftover())
 *       await asyncio.sleep(0)
 *       print("main3 returning")
 *       return 3
 *   print(asyncio.run(main3())); print("after asyncio.run")
 */
ASYNC_DEF(leftover, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 10, value_none()), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		if (is_exc(e, EXC_CANCELLED_ERROR)) P("leftover: got CancelledError during asyncio.run shutdown");
		GEN_RAISE(g, e);
	}
	GEN_END(g);
}

ASYNC_DEF(main3, "_")
{
	GEN_BEGIN(g);
	value_unref(ensure_future(CALL0(leftover)));
	GEN_AWAIT(g, sleep0(g), NULL);
	P("main3 returning");
	GEN_RETURN(g, value_int(3));
	GEN_END(g);
}

Test(aio, asyncio_run_cancels_leftover_tasks_after_main_returns)
{
	struct value r;
	cr_assert_eq(asyncio_run(CALL0(main3), &r), 0, "%s", exc_text(r));
	P("%s", repr(r));
	P("after asyncio.run");
	cr_expect_str_eq(printed(), "main3 returning|leftover: got CancelledError during asyncio.run shutdown|3|after asyncio.run|");
	cr_expect_eq(aiotest_rec.nwarn, 0, "warned: %s", aiotest_rec.last_warn);
	aiotest_end();
}

/* async def m2(): return asyncio.current_task().get_name() */
ASYNC_DEF(my_name, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_str(future_name(&g->I->current_task->fut)));
	GEN_END(g);
}

/* async def leftover(i):
 *     try: await asyncio.sleep(10)
 *     except asyncio.CancelledError:
 *         print(f"leftover {i} cancelled ({asyncio.current_task().get_name()})"); raise */
ASYNC_DEF(named_leftover, "i")
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 10, value_none()), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		P("leftover %lld cancelled (%s)", g->locals[0].u.i, future_name(&g->I->current_task->fut));
		GEN_RAISE(g, e);
	}
	GEN_END(g);
}

/* async def main():
 *     for i in range(3): asyncio.ensure_future(leftover(i))
 *     await asyncio.sleep(0)
 *     print("main", asyncio.current_task().get_name()) */
ASYNC_DEF(three_leftovers, "i")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	for (L[0] = value_int(0); L[0].u.i < 3; L[0].u.i++)
		value_unref(ensure_future(CALL(named_leftover, value_int(L[0].u.i))));
	GEN_AWAIT(g, sleep0(g), NULL);
	P("main %s", future_name(&g->I->current_task->fut));
	GEN_END(g);
}

/*
 *   asyncio.run(main())
 *   async def m2(): return asyncio.current_task().get_name()
 *   print(asyncio.run(m2()))
 *   # main Task-1
 *   # leftover 0 cancelled (Task-2)   } these three in set order: arbitrary
 *   # leftover 1 cancelled (Task-3)   } in CPython (5.4), compared as a set
 *   # leftover 2 cancelled (Task-4)   }
 *   # Task-7     (Task-5, Task-6: shutdown_asyncgens, shutdown_default_executor)
 */
Test(aio, asyncio_run_shutdown_cancels_every_leftover)
{
	struct value r;
	cr_assert_eq(asyncio_run(CALL0(three_leftovers), &r), 0, "%s", exc_text(r));
	value_unref(r);
	cr_assert_eq(aiotest_rec.n, 4, "%s", printed());
	cr_expect_str_eq(aiotest_rec.v[0].text, "main Task-1");
	const char *want[] = {"leftover 0 cancelled (Task-2)", "leftover 1 cancelled (Task-3)",
			      "leftover 2 cancelled (Task-4)"};
	for (int w = 0; w < 3; w++) {
		int found = 0;
		for (size_t i = 1; i < 4; i++) found += strcmp(aiotest_rec.v[i].text, want[w]) == 0;
		cr_expect_eq(found, 1, "\"%s\": %s", want[w], printed());
	}
	cr_assert_eq(asyncio_run(CALL0(my_name), &r), 0);
	cr_expect_str_eq(str(r), "Task-7");
	value_unref(r);
	aiotest_end();
}

/*
 *   asyncio.run(42)   # ValueError: a coroutine was expected, got 42
 */
Test(aio, asyncio_run_rejects_non_coroutine)
{
	struct value r;
	cr_assert_eq(aio_run(I, value_int(42), &r), 1);
	cr_expect_str_eq(exc_text(r), "ValueError: a coroutine was expected, got 42");
	value_unref(r);
	aiotest_end();
}

/*
 *   async def inner():
 *       c = ok(); asyncio.run(c)
 *   # RuntimeError: asyncio.run() cannot be called from a running event loop
 */
ASYNC_DEF(run_inside, "_")
{
	GEN_BEGIN(g);
	{
		struct value r;
		cr_assert_eq(asyncio_run(CALL0(ok), &r), 1);
		P("%s", exc_text(r));
		value_unref(r);
	}
	GEN_END(g);
}

Test(aio, asyncio_run_inside_running_loop_raises)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(run_inside)));
	cr_expect_str_eq(printed(), "RuntimeError: asyncio.run() cannot be called from a running event loop|");
	aiotest_end();
}

/* ---------------------------------------------------------------- §7 */

/* The loop's clock in units, as 07a prints it: t=1u. */
static long units(void) { return lround(loop_time(I->loop) / UNIT); }

/*
 * async def sleeper(n):
 *     print(f"t={now}u before sleep {n} (task {asyncio.current_task().get_name()})")
 *     await asyncio.sleep(n * UNIT)
 *     print(f"t={now}u after sleep {n}")
 *     return f"result {n}"
 */
ASYNC_DEF(sleeper7a, "n")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	P("t=%ldu before sleep %lld (task %s)", units(), L[0].u.i, future_name(&g->I->current_task->fut));
	GEN_AWAIT(g, aio_sleep(g->I, (double)L[0].u.i * UNIT, value_none()), NULL);
	P("t=%ldu after sleep %lld", units(), L[0].u.i);
	GEN_RETURN(g, value_strf("result %lld", L[0].u.i));
	GEN_END(g);
}

/*
 * 07a_three_tasks_wait.py (semantics.md 7(a), 3.11.7 stdout):
 *   loop = asyncio.get_event_loop()
 *   tasks = [asyncio.ensure_future(sleeper(n)) for n in (1, 2, 3)]
 *   print(f"t=0u tasks created: {names} | states: {states}")
 *   r = loop.run_until_complete(asyncio.wait(tasks))
 *   ...
 */
Test(aio, S7a_three_tasks_wait)
{
	struct loop *L;
	struct value err;
	cr_assert_eq(aio_get_event_loop(I, &L, &err), 0);
	struct value tasks = LIST3(ensure_future(CALL(sleeper7a, value_int(1))),
				     ensure_future(CALL(sleeper7a, value_int(2))),
				     ensure_future(CALL(sleeper7a, value_int(3))));
	P("t=0u tasks created: ['%s', '%s', '%s'] | states: ['%s', '%s', '%s']", future_name(F(value_item(tasks, 0))),
	  future_name(F(value_item(tasks, 1))), future_name(F(value_item(tasks, 2))), future_state_name(F(value_item(tasks, 0))),
	  future_state_name(F(value_item(tasks, 1))), future_state_name(F(value_item(tasks, 2))));
	struct value r = run_ok(L, aio_wait(I, tasks, -1, AIO_ALL_COMPLETED));
	cr_assert_eq(r.kind, VAL_TUPLE);
	P("t=%ldu run_until_complete returned a tuple of %zu: len(done)=%zu len(pending)=%zu", units(), value_len(r),
	  value_len(value_item(r, 0)), value_len(value_item(r, 1)));
	struct value results = value_list();
	for (size_t i = 0; i < 3; i++) {
		struct value x;
		future_result(F(value_item(tasks, i)), &x);
		value_append(results, x);
	}
	P("results in original list order:        %s", repr(results));
	cr_expect_str_eq(printed(),
			 "t=0u tasks created: ['Task-1', 'Task-2', 'Task-3'] | states: ['PENDING', 'PENDING', 'PENDING']|"
			 "t=0u before sleep 1 (task Task-1)|"
			 "t=0u before sleep 2 (task Task-2)|"
			 "t=0u before sleep 3 (task Task-3)|"
			 "t=1u after sleep 1|"
			 "t=2u after sleep 2|"
			 "t=3u after sleep 3|"
			 "t=3u run_until_complete returned a tuple of 2: len(done)=3 len(pending)=0|"
			 "results in original list order:        ['result 1', 'result 2', 'result 3']|");
	value_unref(results);
	value_unref(r);
	value_unref(tasks);
	aiotest_end();
}

/* async def do_some_work(x):
 *     print('Waiting: ', x); await asyncio.sleep(x * UNIT)
 *     return 'Done after {}s'.format(x) */
ASYNC_DEF(do_some_work, "x")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	P("Waiting:  %lld", L[0].u.i);
	GEN_AWAIT(g, aio_sleep(g->I, (double)L[0].u.i * UNIT, value_none()), NULL);
	GEN_RETURN(g, value_strf("Done after %llds", L[0].u.i));
	GEN_END(g);
}

/*
 * 07b_nested_five_ways.py, variants 1, 2 and 5:
 *   tasks = [asyncio.ensure_future(do_some_work(x)) for x in (1, 2, 4)]
 *   1: dones, pendings = await asyncio.wait(tasks)
 *      for task in dones: print('Task ret: ', task.result())
 *   2: results = await asyncio.gather(*tasks)
 *      for result in results: print('Task ret: ', result)
 *   5: for task in asyncio.as_completed(tasks):
 *          result = await task; print('Task ret: {}'.format(result))
 */
ASYNC_DEF(nested_main, "variant", "tasks", "aw", "res", "it", "item")
{
	struct value *L = g->locals;
	size_t i;
	GEN_BEGIN(g);
	L[1] = LIST3(ensure_future(CALL(do_some_work, value_int(1))), ensure_future(CALL(do_some_work, value_int(2))),
		       ensure_future(CALL(do_some_work, value_int(4))));
	if (L[0].u.i == 1) {
		GEN_AWAIT(g, aio_wait(g->I, L[1], -1, AIO_ALL_COMPLETED), &L[3]);
		for (i = 0; i < value_len(value_item(L[3], 0)); i++) {
			struct value r;
			future_result(F(value_item(value_item(L[3], 0), i)), &r);
			P("Task ret:  %s", str(r));
			value_unref(r);
		}
	} else if (L[0].u.i == 2) {
		cr_assert_eq(aio_gather(g->I, L[1], 0, &L[2]), 0);
		GEN_AWAIT(g, value_ref(L[2]), &L[3]);
		for (i = 0; i < value_len(L[3]); i++) P("Task ret:  %s", str(value_item(L[3], i)));
	} else {
		cr_assert_eq(aio_as_completed(g->I, L[1], -1, &L[4]), 0);
		for (;;) {
			{
				struct value item;
				if (gen_next(value_gen(L[4]), &item) != GEN_YIELDED) {
					value_unref(item);
					break;
				}
				value_set(&L[5], item);
			}
			GEN_AWAIT(g, value_ref(L[5]), &L[3]);
			P("Task ret: %s", str(L[3]));
		}
	}
	GEN_END(g);
}

static const char *nested_variant(int variant)
{
	struct loop *L;
	struct value err;
	cr_assert_eq(aio_get_event_loop(I, &L, &err), 0);
	struct value r = run_ok(L, CALL(nested_main, value_int(variant)));
	P("run_until_complete returned: %s", repr(r));
	P("TIME (units):  %ld", units());
	value_unref(r);
	return printed();
}

/* (semantics.md 7(b): variants 2 and 5 are fully determined) */
Test(aio, S7b_nested_gather_variant)
{
	cr_expect_str_eq(nested_variant(2), "Waiting:  1|Waiting:  2|Waiting:  4|Task ret:  Done after 1s|"
					    "Task ret:  Done after 2s|Task ret:  Done after 4s|"
					    "run_until_complete returned: None|TIME (units):  4|");
	aiotest_end();
}

Test(aio, S7b_nested_as_completed_variant)
{
	cr_expect_str_eq(nested_variant(5), "Waiting:  1|Waiting:  2|Waiting:  4|Task ret: Done after 1s|"
					    "Task ret: Done after 2s|Task ret: Done after 4s|"
					    "run_until_complete returned: None|TIME (units):  4|");
	aiotest_end();
}

/* Variant 1 iterates a `done` set: its order is CPython's set (address)
 * order, so only the lines as a set are compared. */
Test(aio, S7b_nested_wait_variant)
{
	nested_variant(1);
	cr_assert_eq(aiotest_rec.n, 8);
	cr_expect_str_eq(aiotest_rec.v[0].text, "Waiting:  1");
	cr_expect_str_eq(aiotest_rec.v[2].text, "Waiting:  4");
	const char *want[] = {"Task ret:  Done after 1s", "Task ret:  Done after 2s", "Task ret:  Done after 4s"};
	for (int w = 0; w < 3; w++) {
		int found = 0;
		for (size_t i = 3; i < 6; i++) found += strcmp(aiotest_rec.v[i].text, want[w]) == 0;
		cr_expect_eq(found, 1, "\"%s\" printed %d times: %s", want[w], found, printed());
	}
	cr_expect_str_eq(aiotest_rec.v[6].text, "run_until_complete returned: None");
	cr_expect_str_eq(aiotest_rec.v[7].text, "TIME (units):  4");
	aiotest_end();
}

/* def callback(future): print('Callback: ', future.result()) and friends:
 * ctx is the text before the result ("Callback:  ", "late callback: ") */
static void result_cb(struct interp *in, void *ctx, struct value f)
{
	(void)in;
	struct value r;
	future_result(F(f), &r);
	P("%s%s", ((struct vstr *)ctx)->s, str(r));
	value_unref(r);
}

static void add_result_cb(struct value f, const char *prefix)
{
	struct value s = value_str(prefix);
	future_add_done_callback(F(f), result_cb, "callback", s.u.o, aiotest_cb_actor);
	value_unref(s);
}

static void label_cb(struct interp *in, void *ctx, struct value f)
{
	(void)in;
	(void)f;
	P("%s", ((struct vstr *)ctx)->s);
}

static void add_label_cb(struct value f, const char *label)
{
	struct value s = value_str(label);
	future_add_done_callback(F(f), label_cb, "callback", s.u.o, aiotest_cb_actor);
	value_unref(s);
}

/* do_some_work of 7(c): it also prints 'do_some_work returning'. */
ASYNC_DEF(do_some_work_c, "x")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	P("Waiting:  %lld", L[0].u.i);
	GEN_AWAIT(g, aio_sleep(g->I, (double)L[0].u.i * UNIT, value_none()), NULL);
	P("do_some_work returning");
	GEN_RETURN(g, value_strf("Done after %llds", L[0].u.i));
	GEN_END(g);
}

/*
 *   async def main():
 *       t = asyncio.ensure_future(do_some_work(1))
 *       t.add_done_callback(lambda f: print('cb registered before await'))
 *       r = await t; print('main resumed with', r)
 *   async def main2():
 *       t = asyncio.ensure_future(do_some_work(1))
 *       t.add_done_callback(lambda f: print('cb A'))
 *       r = await t
 *       t.add_done_callback(lambda f: print('cb B (added after done, via call_soon)'))
 *       print('main2 resumed with', r); await asyncio.sleep(0); print('main2 after sleep(0)')
 */
ASYNC_DEF(main7c, "second", "t", "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[1] = ensure_future(CALL(do_some_work_c, value_int(1)));
	add_label_cb(L[1], value_truthy(L[0]) ? "cb A" : "cb registered before await");
	GEN_AWAIT(g, value_ref(L[1]), &L[2]);
	if (!value_truthy(L[0])) {
		P("main resumed with %s", str(L[2]));
		GEN_RETURN(g, value_none());
	}
	add_label_cb(L[1], "cb B (added after done, via call_soon)");
	P("main2 resumed with %s", str(L[2]));
	GEN_AWAIT(g, sleep0(g), NULL);
	P("main2 after sleep(0)");
	GEN_END(g);
}

/* 07c_done_callback.py (semantics.md 7(c); the repr lines left out) */
Test(aio, S7c_done_callbacks_and_run_until_complete)
{
	struct loop *L;
	struct value err;
	cr_assert_eq(aio_get_event_loop(I, &L, &err), 0);
	struct value task = ensure_future(CALL(do_some_work_c, value_int(2)));
	add_result_cb(task, "Callback:  ");
	add_result_cb(task, "Callback2 (partial): 2 ");
	struct value r = run_ok(L, value_ref(task));
	P("run_until_complete returned: %s", str(r));
	value_unref(r);
	future_result(F(task), &r);
	P("Task ret: %s", str(r));
	value_unref(r);
	add_result_cb(task, "late callback: ");
	P("add_done_callback returned; nothing printed yet");
	value_unref(run_ok(L, aio_sleep(I, 0, value_none())));
	value_unref(run_ok(L, CALL(main7c, value_bool(0))));
	value_unref(run_ok(L, CALL(main7c, value_bool(1))));
	cr_expect_str_eq(printed(), "Waiting:  2|do_some_work returning|Callback:  Done after 2s|"
				    "Callback2 (partial): 2 Done after 2s|run_until_complete returned: Done after 2s|"
				    "Task ret: Done after 2s|add_done_callback returned; nothing printed yet|"
				    "late callback: Done after 2s|"
				    "Waiting:  1|do_some_work returning|cb registered before await|"
				    "main resumed with Done after 1s|"
				    "Waiting:  1|do_some_work returning|cb A|main2 resumed with Done after 1s|"
				    "cb B (added after done, via call_soon)|main2 after sleep(0)|");
	value_unref(task);
	aiotest_end();
}

/* ---------------------------------------------------------------- reprs */

/*
 *   async def w(x): await asyncio.sleep(x)
 *   async def main():
 *       a = asyncio.ensure_future(w(1)); b = asyncio.ensure_future(w(2))
 *       c = asyncio.ensure_future(w(3))
 *       g = asyncio.gather(a); wt = asyncio.ensure_future(asyncio.wait([b]))
 *       ac = asyncio.as_completed([c]); first = next(ac)
 *       await asyncio.sleep(0)
 *       for t in (a, b, c): print(repr(t))
 *       await g; await wt; await first
 * python3 3.11.7 prints, without the " at FILE:LINE" the engine leaves out:
 *   <Task pending name='Task-2' coro=<w() running> wait_for=<Future pending cb=[Task.task_wakeup()]> cb=[gather.<locals>._done_callback()]>
 *   <Task pending name='Task-3' coro=<w() running> wait_for=<Future pending cb=[Task.task_wakeup()]> cb=[_wait.<locals>._on_completion()]>
 *   <Task pending name='Task-4' coro=<w() running> wait_for=<Future pending cb=[Task.task_wakeup()]> cb=[as_completed.<locals>._on_completion()]>
 * A done callback is named by its __qualname__, as _format_callbacks does.
 */
ASYNC_DEF(w_sleep, "x")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, g->locals[0].u.f, value_none()), NULL);
	GEN_END(g);
}

ASYNC_DEF(cb_names_main, "a", "b", "c", "g", "wt", "ac", "first", "i")
{
	struct value *L = g->locals;
	struct value fs;
	GEN_BEGIN(g);
	for (int i = 0; i < 3; i++) {
		struct value coro = CALL(w_sleep, value_float(i + 1));
		cr_assert_eq(aio_ensure_future(g->I, coro, &L[i]), 0);
		value_unref(coro);
	}
	fs = LIST1(value_ref(L[0]));
	cr_assert_eq(aio_gather(g->I, fs, 0, &L[3]), 0);
	value_unref(fs);
	fs = LIST1(value_ref(L[1]));
	{
		struct value wait = aio_wait(g->I, fs, -1, AIO_ALL_COMPLETED);
		cr_assert_eq(aio_ensure_future(g->I, wait, &L[4]), 0);
		value_unref(wait);
	}
	value_unref(fs);
	fs = LIST1(value_ref(L[2]));
	cr_assert_eq(aio_as_completed(g->I, fs, -1, &L[5]), 0);
	value_unref(fs);
	cr_assert_eq(gen_next(value_gen(L[5]), &L[6]), GEN_YIELDED);
	GEN_AWAIT(g, sleep0(g), NULL);
	for (int i = 0; i < 3; i++) P("%s", repr(L[i]));
	for (value_set(&L[7], value_int(3)); L[7].u.i < 7; L[7].u.i += L[7].u.i == 4 ? 2 : 1)
		GEN_AWAIT(g, value_ref(L[L[7].u.i]), NULL);
	{
		struct value r;
		cr_assert_eq(gen_next(value_gen(L[5]), &r), GEN_RETURNED); /* the for loop ends */
		value_unref(r);
	}
	GEN_END(g);
}

Test(aio, done_callbacks_show_their_qualname_in_reprs)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(cb_names_main)));
	cr_expect_str_eq(printed(),
			 "<Task pending name='Task-2' coro=<w_sleep() running> wait_for=<Future pending "
			 "cb=[Task.task_wakeup()]> cb=[gather.<locals>._done_callback()]>|"
			 "<Task pending name='Task-3' coro=<w_sleep() running> wait_for=<Future pending "
			 "cb=[Task.task_wakeup()]> cb=[_wait.<locals>._on_completion()]>|"
			 "<Task pending name='Task-4' coro=<w_sleep() running> wait_for=<Future pending "
			 "cb=[Task.task_wakeup()]> cb=[as_completed.<locals>._on_completion()]>|");
	aiotest_end();
}

/*
 *   async def main():
 *       t = asyncio.ensure_future(asyncio.sleep(1))
 *       await asyncio.sleep(0)
 *       print(t.get_coro().cr_frame.f_locals)     # as k=repr(v), ...
 *       await t
 * python3 3.11.7, without " at FILE:LINE" and with when= on a clock that
 * starts at 0 (CPython's is time.monotonic()):
 *   delay=1, result=None, loop=<_UnixSelectorEventLoop running=True closed=False debug=False>,
 *   future=<Future pending cb=[Task.task_wakeup()]>,
 *   h=<TimerHandle when=1.0 _set_result_unless_cancelled(<Future pendi...ask_wakeup()]>, None)>
 * The handle's arguments are cut to 30 characters by reprlib.
 */
ASYNC_DEF(sleep_frame_main, "t", "sleep")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	value_set(&L[1], aio_sleep(g->I, 1, value_none()));
	cr_assert_eq(aio_ensure_future(g->I, L[1], &L[0]), 0);
	GEN_AWAIT(g, sleep0(g), NULL);
	{
		char *loc = gen_locals_repr(value_gen(L[1]));
		P("%s", loc);
		free(loc);
	}
	GEN_AWAIT(g, value_ref(L[0]), NULL);
	GEN_END(g);
}

Test(aio, sleep_frame_shows_the_loop_and_the_timer_handle)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(sleep_frame_main)));
	cr_expect_str_eq(printed(), "delay=1, result=None, loop=<_UnixSelectorEventLoop running=True closed=False "
				    "debug=False>, future=<Future pending cb=[Task.task_wakeup()]>, h=<TimerHandle "
				    "when=1.0 _set_result_unless_cancelled(<Future pendi...ask_wakeup()]>, None)>|");
	aiotest_end();
}

/*
 *   async def w(x): await asyncio.sleep(x); return x
 *   async def main():
 *       ts = [asyncio.ensure_future(w(d)) for d in (2, 1, 3)]
 *       it = asyncio.as_completed(ts); f = next(it)
 *       async def show():
 *           await asyncio.sleep(0.5); done = f.cr_frame.f_locals['done']
 *           print(repr(done)); await asyncio.sleep(1); print(repr(done))  # f is done by then
 *       asyncio.ensure_future(show())
 *       print(await f); f2 = next(it); await asyncio.sleep(1.7)
 *       print(repr(f2.cr_frame.f_locals['done'])); print(await f2)
 * python3 3.11.7, without addresses and source locations:
 *   <Queue maxsize=0 _getters[1]>
 *   1
 *   <Queue maxsize=0 tasks=1>
 *   <Queue maxsize=0 _queue=[<Task finished name='Task-2' coro=<w() done> result=2>] tasks=2>
 *   2
 */
ASYNC_DEF(w_ret, "x")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, g->locals[0].u.f, value_none()), NULL);
	GEN_RETURN(g, value_int((long long)g->locals[0].u.f));
	GEN_END(g);
}

static struct value queue_of(struct value wait_for_one)
{
	return value_gen(wait_for_one)->locals[0]; /* _wait_for_one's `done` */
}

/* show(f): the queue f waits on, now and a second later */
ASYNC_DEF(queue_show, "f", "done")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, 0.5, value_none()), NULL);
	value_set(&g->locals[1], value_ref(queue_of(g->locals[0])));
	P("%s", repr(g->locals[1]));
	GEN_AWAIT(g, aio_sleep(g->I, 1, value_none()), NULL);
	P("%s", repr(g->locals[1]));
	GEN_END(g);
}

ASYNC_DEF(queue_main, "ts", "it", "f", "show", "r", "f2")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = value_list();
	for (int i = 0; i < 3; i++) {
		static const double d[] = {2, 1, 3};
		struct value coro = CALL(w_ret, value_float(d[i])), t;
		cr_assert_eq(aio_ensure_future(g->I, coro, &t), 0);
		value_unref(coro);
		value_append(L[0], t);
	}
	cr_assert_eq(aio_as_completed(g->I, L[0], -1, &L[1]), 0);
	cr_assert_eq(gen_next(value_gen(L[1]), &L[2]), GEN_YIELDED);
	{
		struct value coro = CALL(queue_show, value_ref(L[2]));
		cr_assert_eq(aio_ensure_future(g->I, coro, &L[3]), 0);
		value_unref(coro);
	}
	GEN_AWAIT(g, value_ref(L[2]), &L[4]);
	P("%s", repr(L[4]));
	cr_assert_eq(gen_next(value_gen(L[1]), &L[5]), GEN_YIELDED);
	GEN_AWAIT(g, aio_sleep(g->I, 1.7, value_none()), NULL);
	P("%s", repr(queue_of(L[5])));
	GEN_AWAIT(g, value_ref(L[5]), &L[4]);
	P("%s", repr(L[4]));
	GEN_END(g);
}

Test(aio, as_completed_queue_repr)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(queue_main)));
	cr_expect_str_eq(printed(), "<Queue maxsize=0 _getters[1]>|1|<Queue maxsize=0 tasks=1>|"
				    "<Queue maxsize=0 _queue=[<Task finished name='Task-2' coro=<w_ret() done> "
				    "result=2>] tasks=2>|2|");
	aiotest_end();
}
