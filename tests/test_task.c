/* test_task.c -- asyncio.Task: semantics.md L3, L4 and §4.3-4.5.
 *
 * Every expected output below was printed by python3 3.11.7 running the
 * snippet in the comment above the test, or is quoted from semantics.md.
 */
#include "config.h"

#include "aiotest.h"

TestSuite(task, .init = aiotest_init, .fini = aiotest_fini);

static struct value sleep0(struct gen *g) { return aio_sleep(g->I, 0, value_none()); }

/*
 * async def worker(name):
 *     print(f"{name}: step 1 (start)")
 *     await asyncio.sleep(0)
 *     print(f"{name}: step 2 (after sleep(0))")
 *     await asyncio.sleep(0)
 *     print(f"{name}: step 3 (after 2nd sleep(0))")
 */
ASYNC_DEF(worker, "name")
{
	const char *name = value_cstr(g->locals[0]);
	GEN_BEGIN(g);
	P("%s: step 1 (start)", name);
	GEN_AWAIT(g, sleep0(g), NULL);
	P("%s: step 2 (after sleep(0))", name);
	GEN_AWAIT(g, sleep0(g), NULL);
	P("%s: step 3 (after 2nd sleep(0))", name);
	GEN_END(g);
}

/*
 * async def main():
 *     print("main: creating tasks A,B")
 *     a = asyncio.ensure_future(worker("A"))
 *     loop.call_soon(print, "plain call_soon registered after A, before B")
 *     b = asyncio.ensure_future(worker("B"))
 *     print("main: created; nothing has run yet; now awaiting a")
 *     await a
 *     await b
 */
ASYNC_DEF(l3_main, "a", "b")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	P("main: creating tasks A,B");
	L[0] = ensure_future(CALL(worker, value_str("A")));
	soon_print(g->I->loop, "plain call_soon registered after A, before B");
	L[1] = ensure_future(CALL(worker, value_str("B")));
	P("main: created; nothing has run yet; now awaiting a");
	GEN_AWAIT(g, value_ref(L[0]), NULL);
	GEN_AWAIT(g, value_ref(L[1]), NULL);
	GEN_END(g);
}

/* (semantics.md L3; 03_loop_order.out) */
Test(task, L3_task_first_step_is_scheduled)
{
	struct loop *L = loop_new(I);
	struct value r = run_ok(L, CALL0(l3_main));
	cr_expect_str_eq(printed(), "main: creating tasks A,B|"
				    "main: created; nothing has run yet; now awaiting a|"
				    "A: step 1 (start)|"
				    "plain call_soon registered after A, before B|"
				    "B: step 1 (start)|"
				    "A: step 2 (after sleep(0))|"
				    "B: step 2 (after sleep(0))|"
				    "A: step 3 (after 2nd sleep(0))|"
				    "B: step 3 (after 2nd sleep(0))|");
	value_unref(r);
	aiotest_end();
}

/* L3: Task.__init__ only call_soon()s the first step: the coroutine is
 * still CORO_CREATED and one handle waits in the ready queue. */
Test(task, L3_constructor_runs_nothing)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL(worker, value_str("A")));
	cr_expect_str_eq(gen_state_name(T(t)->coro), "CORO_CREATED");
	cr_expect_eq(loop_ready_count(L), 1);
	cr_expect_eq(aiotest_rec.n, 0);
	run_once(L);
	cr_expect_str_eq(printed(), "A: step 1 (start)|");
	cr_expect_str_eq(gen_state_name(T(t)->coro), "CORO_SUSPENDED");
	value_unref(t);
	aiotest_end();
}

/* --- L4: what one step does --- */

ASYNC_DEF(ret_r1, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_str("R1"));
	GEN_END(g);
}

ASYNC_DEF(fail_oops, "_")
{
	GEN_BEGIN(g);
	GEN_RAISE(g, exc_new(EXC_KEY_ERROR, "oops"));
	GEN_END(g);
}

ASYNC_DEF(raise_cancelled, "_")
{
	GEN_BEGIN(g);
	GEN_RAISE(g, exc_new(EXC_CANCELLED_ERROR, NULL));
	GEN_END(g);
}

/* @types.coroutine def badyield(): yield 42 -- a generator-based coroutine,
 * written here as a coroutine body that yields a plain value. */
ASYNC_DEF(bad_yield, "_")
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_int(42), NULL);
	GEN_END(g);
}

/*
 *   async def ret(): return 'R1'
 *   t = loop.create_task(ret()); loop.run_until_complete(t)   # 'R1'
 */
Test(task, L4_return_sets_result)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(ret_r1));
	struct value r = run_ok(L, value_ref(t));
	cr_expect_str_eq(repr(r), "'R1'");
	cr_expect_str_eq(future_state_name(F(t)), "FINISHED");
	/* 4.1: <Task finished name='Task-1' coro=<ret() done, defined at FILE:1> result='R1'> */
	cr_expect(starts_with(repr(t), "<Task finished name='Task-1' coro=<ret_r1() done"), "%s", repr(t));
	cr_expect(strstr(repr(t), "> result='R1'>") != NULL, "%s", repr(t));
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/*
 *   async def fail(): raise KeyError('oops')
 *   # run_until_complete raises KeyError 'oops'; t.cancelled() False
 */
Test(task, L4_exception_sets_exception)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(fail_oops)), r;
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect_str_eq(exc_text(r), "KeyError: 'oops'");
	cr_expect_not(future_cancelled(F(t)));
	/* 4.1: <Task finished name='Task-1' coro=<fail() done, ...> exception=KeyError('oops')> */
	cr_expect(strstr(repr(t), "> exception=KeyError('oops')>") != NULL, "%s", repr(t));
	cr_expect_str_eq(future_state_name(F(t)), "FINISHED");
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/*
 *   async def canc(): raise asyncio.CancelledError()
 *   # run_until_complete raises CancelledError; t.cancelled() True
 */
Test(task, L4_cancelled_error_cancels_task)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(raise_cancelled)), r;
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_cancelled(F(t)));
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/*
 *   @types.coroutine
 *   def badyield(): yield 42
 *   async def bad(): await badyield()
 *   # RuntimeError: Task got bad yield: 42
 */
Test(task, L4_bad_yield_raises_runtime_error)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(bad_yield)), r;
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect_str_eq(exc_text(r), "RuntimeError: Task got bad yield: 42");
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/* @types.coroutine def bare(): yield */
GEN_DEF(bare, "_")
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_none(), NULL);
	GEN_END(g);
}

ASYNC_DEF(yielder, "_")
{
	GEN_BEGIN(g);
	P("y before");
	GEN_AWAIT(g, CALL0(bare), NULL);
	P("y after");
	GEN_END(g);
}

/*
 *   @types.coroutine
 *   def bare(): yield
 *   async def y(): print('y before'); await bare(); print('y after')
 *   t = loop.create_task(y()); loop.call_soon(print, 'soon')
 *   loop.run_until_complete(t)       # y before, soon, y after
 */
Test(task, L4_bare_yield_requeues_step)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(yielder));
	soon_print(L, "soon");
	value_unref(run_ok(L, value_ref(t)));
	cr_expect_str_eq(printed(), "y before|soon|y after|");
	cr_expect_eq(iterations_between("y before", "y after"), 1);
	value_unref(t);
	aiotest_end();
}

static struct value fut;

/* async def catcher(): try: await fut  except ValueError as e: print('caught', repr(e)) */
ASYNC_DEF(catcher, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, value_ref(fut), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		P("caught %s", repr(e));
		value_unref(e);
	}
	GEN_END(g);
}

/* L4 wakeup: __wakeup calls fut.result(); if that raises, __step throws the
 * exception into the coroutine.
 *   async def catcher():
 *       try: await fut
 *       except ValueError as e: print('caught', repr(e))
 *   t = loop.create_task(catcher()); loop.call_soon(fut.set_exception, ValueError('bad'))
 *   loop.run_until_complete(t)    # caught ValueError('bad')
 */
static void set_bad_cb(struct interp *in, void *target, struct value arg)
{
	(void)in;
	(void)target;
	(void)arg;
	struct value err, e = exc_new(EXC_VALUE_ERROR, "bad");
	future_set_exception(F(fut), e, &err);
	value_unref(e);
}

Test(task, L4_wakeup_throws_exception_into_coroutine)
{
	struct loop *L = loop_new(I);
	fut = future_new(L);
	struct value t = create_task(L, CALL0(catcher));
	loop_call_soon(L, set_bad_cb, "set_exception", NULL, aiotest_cb_actor, value_none());
	value_unref(run_ok(L, value_ref(t)));
	cr_expect_str_eq(printed(), "caught ValueError('bad')|");
	value_unref(t);
	value_unref(fut);
	aiotest_end();
}

/* --- 4.3 cancel() --- */

/* async def coro_sleep(): await asyncio.sleep(10); return 'R' */
ASYNC_DEF(coro_sleep, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, 10, value_none()), NULL);
	GEN_RETURN(g, value_str("R"));
	GEN_END(g);
}

/* The state of a task as 04_future_task.py prints it. */
static void print_state(const char *what, struct value t)
{
	P("%s | cancelled(): %s | done(): %s | cancelling(): %d", what,
	  future_cancelled(F(t)) ? "True" : "False", future_done(F(t)) ? "True" : "False",
	  task_cancelling(T(t)));
}

/*
 *   t = loop.create_task(coro_sleep())
 *   loop.call_soon(loop.stop); loop.run_forever()
 *   r = t.cancel()
 *   print(f"cancel() pending task -> {r} | cancelled(): {t.cancelled()} | done(): {t.done()} | cancelling(): {t.cancelling()}")
 *   # cancel() pending task -> True | cancelled(): False | done(): False | cancelling(): 1
 *   print(repr(t))
 *   # <Task cancelling name='Task-1' coro=<coro_sleep() running at FILE:3> wait_for=<Future cancelled>>
 *   try: loop.run_until_complete(t)
 *   except asyncio.CancelledError as e: print(e.args)     # ()
 *   print(repr(t), t.cancel())
 *   # <Task cancelled name='Task-1' coro=<coro_sleep() done, defined at FILE:3>> False
 * (semantics.md 4.3, 04_future_task.out)
 */
Test(task, cancel_is_not_immediate)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(coro_sleep)), r;
	run_once(L);
	cr_expect_eq(task_cancel(T(t), value_none()), 1);
	print_state("cancel() pending task -> True", t);
	cr_expect_str_eq(printed(), "cancel() pending task -> True | cancelled(): False | done(): False | cancelling(): 1|");
	cr_expect(starts_with(repr(t), "<Task cancelling name='Task-1' coro=<coro_sleep() running"),
		  "repr: %s", repr(t));
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect_str_eq(exc_args(r), "()");
	value_unref(r);
	cr_expect(future_cancelled(F(t)));
	cr_expect(starts_with(repr(t), "<Task cancelled name='Task-1' coro=<coro_sleep() done"),
		  "repr: %s", repr(t));
	cr_expect_eq(task_cancel(T(t), value_none()), 0, "cancel() on a done task returns False");
	value_unref(t);
	aiotest_end();
}

/*
 *   t2 = loop.create_task(coro_sleep()); loop.call_soon(loop.stop); loop.run_forever()
 *   t2.cancel('stop now')
 *   try: loop.run_until_complete(t2)
 *   except asyncio.CancelledError as e: print(e.args)    # ('stop now',)
 *   try: t2.result()
 *   except asyncio.CancelledError as e: print(e.args)    # ()
 */
Test(task, cancel_msg_reaches_awaiter_once)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(coro_sleep)), r, msg = value_str("stop now");
	run_once(L);
	cr_expect_eq(task_cancel(T(t), msg), 1);
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect_str_eq(exc_args(r), "('stop now',)");
	value_unref(r);
	/* The CancelledError that ended the task is raised once; later calls
	 * make a new one from _cancel_message, which super().cancel() reset. */
	cr_assert_eq(future_result(F(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect_str_eq(exc_args(r), "()");
	value_unref(r);
	value_unref(msg);
	value_unref(t);
	aiotest_end();
}

/*
 *   async def stubborn():
 *       try: await asyncio.sleep(10)
 *       except asyncio.CancelledError:
 *           print("  stubborn caught CancelledError")
 *           return "survived"
 *   t3 = asyncio.ensure_future(stubborn()); await asyncio.sleep(0); t3.cancel()
 *   print("stubborn result:", await t3, "| cancelled():", t3.cancelled(), t3._state)
 *   # stubborn result: survived | cancelled(): False FINISHED
 */
ASYNC_DEF(stubborn, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, aio_sleep(g->I, 10, value_none()), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		int cancelled = is_exc(e, EXC_CANCELLED_ERROR);
		if (!cancelled) GEN_RAISE(g, e);
		value_unref(e);
		P("  stubborn caught CancelledError");
		GEN_RETURN(g, value_str("survived"));
	}
	GEN_END(g);
}

Test(task, catching_cancelled_error_finishes_task)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(stubborn));
	run_once(L);
	task_cancel(T(t), value_none());
	struct value r = run_ok(L, value_ref(t));
	P("stubborn result: %s | cancelled(): %s %s", str(r), future_cancelled(F(t)) ? "True" : "False",
	  future_state_name(F(t)));
	cr_expect_str_eq(printed(), "  stubborn caught CancelledError|stubborn result: survived | cancelled(): False FINISHED|");
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

ASYNC_DEF(body, "_")
{
	GEN_BEGIN(g);
	P("body ran");
	GEN_END(g);
}

/*
 *   t4 = asyncio.ensure_future(body()); t4.cancel()
 *   try: await t4
 *   except asyncio.CancelledError: print("...body never ran")
 */
Test(task, cancelled_before_first_step_never_runs_body)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(body)), r;
	cr_expect_eq(task_cancel(T(t), value_none()), 1);
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_cancelled(F(t)));
	cr_expect_str_eq(printed(), "", "the body ran: %s", printed());
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/*
 *   t5 = asyncio.ensure_future(body()); t5.cancel(); t5.cancel()
 *   print("cancelling count", t5.cancelling())     # 2
 */
Test(task, cancelling_counts_requests)
{
	struct loop *L = loop_new(I);
	struct value t = create_task(L, CALL0(body)), r;
	cr_expect_eq(task_cancelling(T(t)), 0);
	task_cancel(T(t), value_none());
	task_cancel(T(t), value_none());
	cr_expect_eq(task_cancelling(T(t)), 2);
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/* --- 4.4 ensure_future / Task() --- */

/*
 *   f = loop.create_future(); asyncio.ensure_future(f) is f    # True
 *   t = loop.create_task(c()); asyncio.ensure_future(t) is t   # True
 */
Test(task, ensure_future_returns_future_unchanged)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), t = create_task(L, CALL0(body)), o;
	cr_assert_eq(aio_ensure_future(I, f, &o), 0);
	cr_expect_eq(o.u.o, f.u.o);
	value_unref(o);
	cr_assert_eq(aio_ensure_future(I, t, &o), 0);
	cr_expect_eq(o.u.o, t.u.o);
	value_unref(o);
	value_unref(f);
	value_unref(t);
	aiotest_end();
}

/*
 *   asyncio.ensure_future(42)
 *   # TypeError: An asyncio.Future, a coroutine or an awaitable is required
 *   loop.create_task(42)    # TypeError: a coroutine was expected, got 42
 */
Test(task, ensure_future_and_task_reject_non_coroutines)
{
	struct loop *L = loop_new(I);
	struct value o;
	cr_assert_eq(aio_ensure_future(I, value_int(42), &o), 1);
	cr_expect_str_eq(exc_text(o), "TypeError: An asyncio.Future, a coroutine or an awaitable is required");
	value_unref(o);
	cr_assert_eq(aio_create_task(L, value_int(42), NULL, &o), 1);
	cr_expect_str_eq(exc_text(o), "TypeError: a coroutine was expected, got 42");
	value_unref(o);
	aiotest_end();
}

/*
 *   def g(): yield
 *   print(asyncio.iscoroutine(g()))    # True: 3.11's coroutines._COROUTINE_TYPES
 *                                      # still includes types.GeneratorType
 *   t = loop.create_task(g())          # a Task (no TypeError)
 *   loop.run_until_complete(t)         # None: the bare yield is one iteration
 */
Test(task, create_task_accepts_plain_generator)
{
	struct loop *L = loop_new(I);
	struct value gen = CALL0(bare), t;
	cr_expect(aio_iscoroutine(gen), "3.11: asyncio.iscoroutine(generator) is True");
	int rc = aio_create_task(L, gen, NULL, &t);
	value_unref(gen);
	cr_assert_eq(rc, 0, "create_task(generator) raised %s", exc_text(t));
	struct value r = run_ok(L, value_ref(t));
	cr_expect(value_is_none(r));
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/* 4.4: ensure_future(coro) at module level uses (creating) the current loop
 * and gives no warning in 3.11.
 *   t = asyncio.ensure_future(body())      # a Task of the new current loop
 */
Test(task, ensure_future_outside_loop_creates_loop_silently)
{
	struct value t;
	cr_assert_null(I->loop);
	t = ensure_future(CALL0(body));
	cr_assert_not_null(I->loop);
	cr_expect_eq(future_loop(F(t)), I->loop);
	cr_expect_eq(aiotest_rec.nwarn, 0, "warned: %s", aiotest_rec.last_warn);
	value_unref(run_ok(I->loop, value_ref(t)));
	cr_expect_str_eq(printed(), "body ran|");
	value_unref(t);
	aiotest_end();
}

/* --- 4.5 Task-N --- */

/* async def main(): return asyncio.current_task().get_name() */
ASYNC_DEF(my_name, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_str(future_name(&g->I->current_task->fut)));
	GEN_END(g);
}

/*
 *   print(asyncio.run(main()))   # Task-1
 *   print(asyncio.run(main()))   # Task-4 (shutdown_asyncgens and
 *                                #   shutdown_default_executor took 2 and 3)
 */
Test(task, asyncio_run_takes_three_numbers)
{
	struct value r;
	cr_assert_eq(asyncio_run(CALL0(my_name), &r), 0, "%s", exc_text(r));
	cr_expect_str_eq(str(r), "Task-1");
	value_unref(r);
	cr_assert_eq(asyncio_run(CALL0(my_name), &r), 0, "%s", exc_text(r));
	cr_expect_str_eq(str(r), "Task-4");
	value_unref(r);
	aiotest_end();
}

/*
 *   loop = asyncio.new_event_loop()
 *   t = loop.create_task(noop(), name="viaLoop"); t2 = loop.create_task(noop())
 *   print(t.get_name(), t2.get_name())       # viaLoop Task-1
 *   print(loop.run_until_complete(main()))   # Task-2: run_until_complete(coro) takes a number
 *   f = asyncio.ensure_future(main()); print(f.get_name())   # Task-3
 */
Test(task, task_numbers_taken_by_unnamed_tasks_only)
{
	struct loop *L = loop_new(I);
	struct value a, b, r, f;
	struct value c = CALL0(body);
	cr_assert_eq(aio_create_task(L, c, "viaLoop", &a), 0);
	value_unref(c);
	b = create_task(L, CALL0(body));
	cr_expect_str_eq(future_name(F(a)), "viaLoop");
	cr_expect_str_eq(future_name(F(b)), "Task-1");
	r = run_ok(L, CALL0(my_name));
	cr_expect_str_eq(str(r), "Task-2");
	value_unref(r);
	f = ensure_future(CALL0(my_name));
	cr_expect_str_eq(future_name(F(f)), "Task-3");
	r = run_ok(L, value_ref(f));
	cr_expect_str_eq(str(r), "Task-3");
	value_unref(r);
	value_unref(f);
	value_unref(a);
	value_unref(b);
	aiotest_end();
}

/* async def child(i): print(i, asyncio.current_task().get_name()) */
ASYNC_DEF(named_child, "i")
{
	GEN_BEGIN(g);
	P("%s %s", repr(g->locals[0]), future_name(&g->I->current_task->fut));
	GEN_END(g);
}

/*
 *   async def m3(): await asyncio.gather(child(0), child(1), child(2))
 *   loop.run_until_complete(m3())
 *   # m3 is Task-1; children: (0, 'Task-2'), (1, 'Task-3'), (2, 'Task-4')
 */
ASYNC_DEF(gather3, "aws", "outer")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = value_list();
	for (int i = 0; i < 3; i++) value_append(L[0], CALL(named_child, value_int(i)));
	cr_assert_eq(aio_gather(g->I, L[0], 0, &L[1]), 0);
	GEN_AWAIT(g, value_ref(L[1]), NULL);
	GEN_END(g);
}

Test(task, gather_numbers_in_argument_order)
{
	struct loop *L = loop_new(I);
	value_unref(run_ok(L, CALL0(gather3)));
	cr_expect_str_eq(printed(), "0 Task-2|1 Task-3|2 Task-4|");
	aiotest_end();
}

/* 4.5: one process-wide counter, never reset by a new loop. */
Test(task, task_counter_survives_new_loop)
{
	struct loop *L = loop_new(I);
	struct value a = create_task(L, CALL0(body));
	value_unref(run_ok(L, value_ref(a)));
	L = loop_new(I);
	struct value b = create_task(L, CALL0(body));
	cr_expect_str_eq(future_name(F(a)), "Task-1");
	cr_expect_str_eq(future_name(F(b)), "Task-2");
	value_unref(run_ok(L, value_ref(b)));
	value_unref(a);
	value_unref(b);
	aiotest_end();
}

/* asyncio.current_task(): the task whose step is running, else None. */
Test(task, current_task_only_during_step)
{
	struct loop *L = loop_new(I);
	cr_expect_null(I->current_task);
	struct value r = run_ok(L, CALL0(my_name));
	cr_expect_str_eq(str(r), "Task-1");
	cr_expect_null(I->current_task);
	value_unref(r);
	aiotest_end();
}

/*
 *   f = loop.create_future()
 *   async def w(): return await f
 *   t = loop.create_task(w()); loop.call_soon(loop.stop); loop.run_forever()
 *   repr(t)
 *   # <Task pending name='Task-1' coro=<w() running at FILE:4> wait_for=<Future pending cb=[Task.task_wakeup()]>>
 * (4.1: `wait_for=<…>` when _fut_waiter is set)
 */
ASYNC_DEF(w, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut), NULL);
	GEN_END(g);
}

Test(task, repr_shows_wait_for)
{
	struct loop *L = loop_new(I);
	fut = future_new(L);
	struct value t = create_task(L, CALL0(w));
	run_once(L);
	const char *want = " wait_for=<Future pending cb=[Task.task_wakeup()]>>";
	const char *got = repr(t);
	cr_expect(strlen(got) > strlen(want) && strcmp(got + strlen(got) - strlen(want), want) == 0,
		  "repr(task) = %s, should end with%s", got, want);
	value_unref(t);
	value_unref(fut);
	aiotest_end();
}
