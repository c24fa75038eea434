/* test_errors.c -- the engine's error paths that no lesson takes: asyncio
 * functions used outside a running loop, wait_for with no time left,
 * gather() given something it cannot await, a task driven by a generator
 * that yields the wrong thing, and closing a generator suspended in
 * `yield from`.
 *
 * Each expected output is what python3 3.11.7 prints for the snippet in the
 * comment above the test.
 */
#include "aiotest.h"

TestSuite(errors, .init = aiotest_init, .fini = aiotest_fini);

/* async def w(): return 1 */
ASYNC_DEF(w, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_int(1));
	GEN_END(g);
}

/*
 *   c = asyncio.sleep(1)
 *   try: c.send(None)
 *   except RuntimeError as e: print("RuntimeError:", e)
 *   # RuntimeError: no running event loop
 *   c = asyncio.wait_for(w(), 1)
 *   try: c.send(None)
 *   except RuntimeError as e: print("RuntimeError:", e)
 *   # RuntimeError: no running event loop
 */
Test(errors, sleep_and_wait_for_need_a_running_loop)
{
	struct value c = aio_sleep(I, 1, value_none()), r, inner;

	cr_assert_eq(gen_send(value_gen(c), value_none(), &r), GEN_RAISED);
	cr_expect_str_eq(exc_text(r), "RuntimeError: no running event loop");
	value_unref(r);
	cr_assert_eq(gen_close(value_gen(c), &r), GEN_RETURNED);
	value_unref(r);
	value_unref(c);

	inner = CALL0(w);
	c = aio_wait_for(I, inner, 1);
	cr_assert_eq(gen_send(value_gen(c), value_none(), &r), GEN_RAISED);
	cr_expect_str_eq(exc_text(r), "RuntimeError: no running event loop");
	value_unref(r);
	cr_assert_eq(gen_close(value_gen(c), &r), GEN_RETURNED);
	value_unref(r);
	value_unref(c);
	cr_assert_eq(gen_close(value_gen(inner), &r), GEN_RETURNED);
	value_unref(r);
	value_unref(inner);
	aiotest_end();
}

/*
 *   async def main():
 *       loop = asyncio.get_running_loop()
 *       f = loop.create_future(); f.set_result(5)
 *       print(await asyncio.wait_for(f, 0))                  # 5
 *       t = asyncio.ensure_future(asyncio.sleep(10, 'x'))
 *       try: await asyncio.wait_for(t, 0)
 *       except asyncio.TimeoutError as e:
 *           print("timeout", t.cancelled(), type(e.__cause__).__name__)
 *   # timeout True CancelledError
 */
ASYNC_DEF(wait_for_zero_main, "f", "t", "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	{
		struct value err;
		L[0] = future_new(g->I->loop);
		cr_assert_eq(future_set_result(F(L[0]), value_int(5), &err), 0);
		L[2] = aio_wait_for(g->I, L[0], 0);
	}
	GEN_AWAIT(g, value_ref(L[2]), &L[2]);
	P("%s", str(L[2]));
	L[1] = ensure_future(aio_sleep(g->I, 10, value_str("x")));
	value_set(&L[2], aio_wait_for(g->I, L[1], 0));
	GEN_AWAIT_TRY(g, value_ref(L[2]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		struct exc *cause = value_exc(e)->cause;
		cr_expect(is_exc(e, EXC_TIMEOUT_ERROR), "raised %s", repr(e));
		P("timeout %s %s", future_cancelled(F(L[1])) ? "True" : "False",
		  cause ? exc_type_name(cause->type) : "None");
		value_unref(e);
	}
	GEN_END(g);
}

Test(errors, wait_for_with_no_time_left)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(wait_for_zero_main)));
	cr_expect_str_eq(printed(), "5|timeout True CancelledError|");
	aiotest_end();
}

/*
 *   async def wc():
 *       print("wc runs"); return 1
 *   async def main():
 *       try: asyncio.gather(wc(), 42)
 *       except TypeError as e: print("TypeError:", e)
 *       await asyncio.sleep(0)
 *       print("after")
 *   # TypeError: An asyncio.Future, a coroutine or an awaitable is required
 *   # wc runs
 *   # after
 *
 * The task gather made for wc() before it met 42 is not cancelled: it runs.
 */
ASYNC_DEF(wc, "_")
{
	GEN_BEGIN(g);
	P("wc runs");
	GEN_RETURN(g, value_int(1));
	GEN_END(g);
}

ASYNC_DEF(gather_bad_main, "s")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	{
		struct value aws = value_list(), out;
		value_append(aws, CALL0(wc));
		value_append(aws, value_int(42));
		cr_assert_eq(aio_gather(g->I, aws, 0, &out), 1, "gather accepted 42");
		P("%s", exc_text(out));
		value_unref(out);
		value_unref(aws);
	}
	L[0] = aio_sleep(g->I, 0, value_none());
	GEN_AWAIT(g, value_ref(L[0]), NULL);
	P("after");
	GEN_END(g);
}

Test(errors, gather_refuses_what_it_cannot_await)
{
	struct value r;
	cr_assert_eq(asyncio_run(CALL0(gather_bad_main), &r), 0, "raised %s", exc_text(r));
	value_unref(r);
	cr_expect_str_eq(printed(),
			 "TypeError: An asyncio.Future, a coroutine or an awaitable is required|"
			 "wc runs|after|");
	aiotest_end();
}

/*
 *   def g42():
 *       yield 42
 *   async def main():
 *       t = asyncio.ensure_future(g42())
 *       try: await t
 *       except RuntimeError as e: print("RuntimeError:", e)
 *   # RuntimeError: Task got bad yield: 42
 */
GEN_DEF(g42, "_")
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_int(42), NULL);
	GEN_END(g);
}

/*
 *   def gg():
 *       yield g42()
 *   ... t2 = asyncio.ensure_future(gg()); await t2
 *   # RuntimeError: yield was used instead of yield from for generator in
 *   # task <Task pending name='Task-3' coro=<gg() running at FILE:LINE>
 *   # cb=[Task.task_wakeup()]> with <generator object g42 at 0xADDRESS>
 */
GEN_DEF(gg, "_")
{
	GEN_BEGIN(g);
	GEN_YIELD(g, CALL0(g42), NULL);
	GEN_END(g);
}

ASYNC_DEF(bad_yield_main, "t", "t2")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = ensure_future(CALL0(g42));
	GEN_AWAIT_TRY(g, value_ref(L[0]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		P("%s", exc_text(e));
		value_unref(e);
	}
	L[1] = ensure_future(CALL0(gg));
	GEN_AWAIT_TRY(g, value_ref(L[1]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		P("%s", exc_text(e));
		value_unref(e);
	}
	GEN_END(g);
}

Test(errors, a_task_refuses_a_bad_yield)
{
	struct value r;
	cr_assert_eq(asyncio_run(CALL0(bad_yield_main), &r), 0, "raised %s", exc_text(r));
	value_unref(r);
	cr_assert_eq(aiotest_rec.n, 2, "printed: %s", printed());
	cr_expect_str_eq(aiotest_rec.v[0].text, "RuntimeError: Task got bad yield: 42");
	cr_expect(starts_with(aiotest_rec.v[1].text,
			      "RuntimeError: yield was used instead of yield from for generator in task "
			      "<Task pending name='Task-"),
		  "printed: %s", aiotest_rec.v[1].text);
	/* The engine's reprs leave out file names and addresses (traces must
	 * be reproducible): compare up to them. */
	cr_expect(strstr(aiotest_rec.v[1].text, "coro=<gg() running") != NULL,
		  "printed: %s", aiotest_rec.v[1].text);
	cr_expect(strstr(aiotest_rec.v[1].text, "> with <generator object g42") != NULL,
		  "printed: %s", aiotest_rec.v[1].text);
	aiotest_end();
}

/*
 *   def inner():
 *       try: yield 1
 *       finally: print("inner closed")
 *   def outer():
 *       try: yield from inner()
 *       finally: print("outer closed")
 *   g = outer(); next(g); g.close(); print(g.gi_frame is None)
 *   # inner closed
 *   # outer closed
 *   # True
 */
GEN_DEF(inner, "_")
{
	GEN_BEGIN(g);
	GEN_YIELD_TRY(g, value_int(1), NULL);
	P("inner closed");
	if (gen_has_thrown(g))
		GEN_RAISE(g, gen_take_thrown(g));
	GEN_END(g);
}

GEN_DEF(outer, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, CALL0(inner), NULL);
	P("outer closed");
	if (gen_has_thrown(g))
		GEN_RAISE(g, gen_take_thrown(g));
	GEN_END(g);
}

Test(errors, close_reaches_the_generator_yield_from_delegates_to)
{
	struct value o = CALL0(outer), r;

	cr_assert_eq(gen_next(value_gen(o), &r), GEN_YIELDED);
	cr_expect_str_eq(repr(r), "1");
	value_unref(r);
	cr_assert_eq(gen_close(value_gen(o), &r), GEN_RETURNED, "close raised %s", exc_text(r));
	value_unref(r);
	P("%s", value_gen(o)->state == GEN_CLOSED ? "True" : "False");
	cr_expect_str_eq(printed(), "inner closed|outer closed|True|");
	value_unref(o);
	aiotest_end();
}
