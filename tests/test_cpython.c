/* test_cpython.c -- cases ported from CPython 3.11.7's own asyncio tests
 * (Lib/test/test_asyncio/test_futures.py, test_tasks.py, test_base_events.py,
 * test_events.py).  Each test is named after the CPython test it comes from
 * (the suite is the file) and keeps its steps and assertions, on the engine's
 * API.
 *
 * CPython's tests drive a TestLoop whose clock moves only when the test's
 * generator says so; the engine's virtual clock jumps to the next timer
 * instead, which gives the same loop.time() readings for these tests.
 * White-box checks of _fut_waiter and _must_cancel read the same fields of
 * struct task.  Sets are compared as sets.
 */
#include "config.h"

#include "aiotest.h"

TestSuite(test_futures, .init = aiotest_init, .fini = aiotest_fini);
TestSuite(test_tasks, .init = aiotest_init, .fini = aiotest_fini);
TestSuite(test_base_events, .init = aiotest_init, .fini = aiotest_fini);
TestSuite(test_events, .init = aiotest_init, .fini = aiotest_fini);

/* self.new_task(loop, coro): Task(coro, loop=loop, name='TestTask'); steals coro. */
static struct value new_task(struct loop *L, struct value coro)
{
	struct value t;
	int rc = aio_create_task(L, coro, "TestTask", &t);
	value_unref(coro);
	cr_assert_eq(rc, 0, "Task() raised %s", exc_text(t));
	return t;
}

/* GatherTestsBase._run_loop: while loop._ready: test_utils.run_briefly(loop) */
static void run_loop(struct loop *L)
{
	while (loop_ready_count(L)) run_briefly(L);
}

/* test_utils.MockCallback: counts its calls and keeps the last argument. */
static int mock_calls;
static struct obj *mock_arg;

static void mock_cb(struct interp *in, void *ctx, struct value arg)
{
	(void)in;
	(void)ctx;
	mock_calls++;
	mock_arg = arg.u.o;
}

/* cb.assert_called_once_with(fut) */
static void assert_called_once_with(struct value fut)
{
	cr_expect_eq(mock_calls, 1, "callback called %d times", mock_calls);
	cr_expect_eq(mock_arg, fut.u.o, "callback called with another object");
}

/* t.cancel as a callback (loop.call_soon(t.cancel)): target is the task. */
static void cancel_cb(struct interp *in, void *target, struct value arg)
{
	(void)in;
	(void)arg;
	future_cancel(target, value_none());
}

/* bag_appender(future): bag.append(thing) -- the bag is what is printed. */
static void bag_cb(struct interp *in, void *ctx, struct value f)
{
	(void)in;
	(void)f;
	P("%s", ((struct vstr *)ctx)->s);
}

static struct value make_callback(const char *thing) { return value_str(thing); }

static void add_cb(struct value f, struct value cb)
{
	future_add_done_callback(F(f), bag_cb, "bag_appender", cb.u.o, aiotest_cb_actor);
}

static unsigned remove_cb(struct value f, struct value cb)
{
	return future_remove_done_callback(F(f), bag_cb, cb.u.o);
}

static struct value set_of(struct value a, struct value b)
{
	struct value s = value_new_set();
	value_append(s, value_ref(a));
	if (b.kind != VAL_NONE) value_append(s, value_ref(b));
	return s;
}

/* self.assertEqual(done, {a, b}): same members, any order. */
static int set_equal(struct value s, struct value a, struct value b)
{
	struct value want = set_of(a, b);
	int eq = value_len(s) == value_len(want);
	for (size_t i = 0; eq && i < value_len(want); i++) {
		int found = 0;
		for (size_t j = 0; j < value_len(s); j++) found |= value_item(s, j).u.o == value_item(want, i).u.o;
		eq = found;
	}
	value_unref(want);
	return eq;
}

static struct value sleep_(double d) { return aio_sleep(I, d, value_none()); }

static struct value sleep_str(double d, const char *result)
{
	struct value r = value_str(result), s = aio_sleep(I, d, r);
	value_unref(r);
	return s;
}

/* ============================================================ test_futures */

/* test_futures.py: BaseFutureTests.test_initial_state
 *   f = self._new_future(loop=self.loop)
 *   self.assertFalse(f.cancelled()); self.assertFalse(f.done())
 *   f.cancel(); self.assertTrue(f.cancelled()) */
Test(test_futures, test_initial_state)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L);
	cr_expect_not(future_cancelled(F(f)));
	cr_expect_not(future_done(F(f)));
	future_cancel(F(f), value_none());
	cr_expect(future_cancelled(F(f)));
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureTests.test_future_cancel_message_getter
 *   self.assertEqual(f._cancel_message, None)
 *   f.cancel('my message')
 *   with self.assertRaises(asyncio.CancelledError): self.loop.run_until_complete(f)
 *   self.assertEqual(f._cancel_message, 'my message') */
Test(test_futures, test_future_cancel_message_getter)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), r, msg = value_str("my message");
	cr_expect(value_is_none(future_cancel_message(F(f))));
	future_cancel(F(f), msg);
	cr_assert_eq(run_until_complete(L, value_ref(f), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect_str_eq(repr(future_cancel_message(F(f))), "'my message'");
	value_unref(r);
	value_unref(msg);
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureTests.test_cancel */
Test(test_futures, test_cancel)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), r;
	cr_expect(future_cancel(F(f), value_none()));
	cr_expect(future_cancelled(F(f)));
	cr_expect(future_done(F(f)));
	cr_expect_eq(future_result(F(f), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	value_unref(r);
	cr_expect_eq(future_exception(F(f), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	value_unref(r);
	cr_expect_eq(future_set_result(F(f), value_none(), &r), 1);
	cr_expect(is_exc(r, EXC_INVALID_STATE_ERROR));
	value_unref(r);
	struct value e = exc_new(EXC_RUNTIME_ERROR, NULL);
	cr_expect_eq(future_set_exception(F(f), e, &r), 1);
	cr_expect(is_exc(r, EXC_INVALID_STATE_ERROR));
	value_unref(r);
	cr_expect_not(future_cancel(F(f), value_none()));
	value_unref(e);
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureTests.test_result */
Test(test_futures, test_result)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), r, e = exc_new(EXC_RUNTIME_ERROR, NULL);
	cr_expect_eq(future_result(F(f), &r), 1);
	cr_expect(is_exc(r, EXC_INVALID_STATE_ERROR));
	value_unref(r);
	cr_assert_eq(future_set_result(F(f), value_int(42), &r), 0);
	cr_expect_not(future_cancelled(F(f)));
	cr_expect(future_done(F(f)));
	cr_assert_eq(future_result(F(f), &r), 0);
	cr_expect_str_eq(repr(r), "42");
	cr_assert_eq(future_exception(F(f), &r), 0);
	cr_expect(value_is_none(r));
	cr_expect_eq(future_set_result(F(f), value_none(), &r), 1);
	cr_expect(is_exc(r, EXC_INVALID_STATE_ERROR));
	value_unref(r);
	cr_expect_eq(future_set_exception(F(f), e, &r), 1);
	cr_expect(is_exc(r, EXC_INVALID_STATE_ERROR));
	value_unref(r);
	cr_expect_not(future_cancel(F(f), value_none()));
	value_unref(e);
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureTests.test_exception
 *   ... self.assertRaisesRegex(TypeError, "StopIteration .* cannot be raised",
 *                              f.set_exception, StopIteration) ... */
Test(test_futures, test_exception)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), r, exc = exc_new(EXC_RUNTIME_ERROR, NULL);
	struct value si = exc_new(EXC_STOP_ITERATION, NULL);
	cr_expect_eq(future_exception(F(f), &r), 1);
	cr_expect(is_exc(r, EXC_INVALID_STATE_ERROR));
	value_unref(r);
	cr_expect_eq(future_set_exception(F(f), si, &r), 1);
	cr_expect(is_exc(r, EXC_TYPE_ERROR) && strstr(exc_text(r), "StopIteration ") &&
		  strstr(exc_text(r), " cannot be raised"), "%s", exc_text(r));
	value_unref(r);
	cr_assert_eq(future_set_exception(F(f), exc, &r), 0);
	cr_expect_not(future_cancelled(F(f)));
	cr_expect(future_done(F(f)));
	cr_expect_eq(future_result(F(f), &r), 1);
	cr_expect(is_exc(r, EXC_RUNTIME_ERROR));
	value_unref(r);
	cr_assert_eq(future_exception(F(f), &r), 0);
	cr_expect_eq(r.u.o, exc.u.o);
	value_unref(r);
	cr_expect_eq(future_set_result(F(f), value_none(), &r), 1);
	value_unref(r);
	cr_expect_eq(future_set_exception(F(f), exc, &r), 1);
	value_unref(r);
	cr_expect_not(future_cancel(F(f), value_none()));
	value_unref(si);
	value_unref(exc);
	value_unref(f);
	aiotest_end();
}

static struct value fut;

/* def fixture():
 *     yield 'A'
 *     x = yield from f
 *     yield 'B', x
 *     y = yield from f
 *     yield 'C', y */
GEN_DEF(fixture, "x", "y")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_YIELD(g, value_str("A"), NULL);
	GEN_AWAIT(g, value_ref(fut), &L[0]);
	GEN_YIELD(g, value_tuple(2, value_str("B"), value_ref(L[0])), NULL);
	GEN_AWAIT(g, value_ref(fut), &L[1]);
	GEN_YIELD(g, value_tuple(2, value_str("C"), value_ref(L[1])), NULL);
	GEN_END(g);
}

/* test_futures.py: BaseFutureTests.test_yield_from_twice
 *   g = fixture()
 *   self.assertEqual(next(g), 'A')  # yield 'A'.
 *   self.assertEqual(next(g), f)  # First yield from f.
 *   f.set_result(42)
 *   self.assertEqual(next(g), ('B', 42))  # yield 'B', x.
 *   # The second "yield from f" does not yield f.
 *   self.assertEqual(next(g), ('C', 42))  # yield 'C', y. */
Test(test_futures, test_yield_from_twice)
{
	struct loop *L = loop_new(I);
	struct value g = CALL0(fixture), r, err;
	fut = future_new(L);
	cr_assert_eq(gen_next(value_gen(g), &r), GEN_YIELDED);
	cr_expect_str_eq(repr(r), "'A'");
	value_unref(r);
	cr_assert_eq(gen_next(value_gen(g), &r), GEN_YIELDED);
	cr_expect_eq(r.u.o, fut.u.o, "the first yield from f yields f");
	value_unref(r);
	future_set_result(F(fut), value_int(42), &err);
	cr_assert_eq(gen_next(value_gen(g), &r), GEN_YIELDED);
	cr_expect_str_eq(repr(r), "('B', 42)");
	value_unref(r);
	cr_assert_eq(gen_next(value_gen(g), &r), GEN_YIELDED);
	cr_expect_str_eq(repr(r), "('C', 42)");
	value_unref(r);
	gen_close(value_gen(g), &r);
	value_unref(g);
	value_unref(fut);
	aiotest_end();
}

/* test_futures.py: BaseFutureTests.test_future_repr (the non-debug cases
 * without callbacks: pending, cancelled, finished result, finished exception) */
Test(test_futures, test_future_repr)
{
	struct loop *L = loop_new(I);
	struct value p = future_new(L), c = future_new(L), r = future_new(L), x = future_new(L), err;
	struct value exc = exc_new(EXC_RUNTIME_ERROR, NULL);
	cr_expect_str_eq(repr(p), "<Future pending>");
	future_cancel(F(p), value_none());
	future_cancel(F(c), value_none());
	cr_expect_str_eq(repr(c), "<Future cancelled>");
	future_set_result(F(r), value_int(4), &err);
	cr_expect_str_eq(repr(r), "<Future finished result=4>");
	future_set_exception(F(x), exc, &err);
	cr_expect_str_eq(repr(x), "<Future finished exception=RuntimeError()>");
	value_unref(exc);
	value_unref(p);
	value_unref(c);
	value_unref(r);
	value_unref(x);
	aiotest_end();
}

/* def coro(): return (yield from fut) */
GEN_DEF(iter_coro, "r")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut), &L[0]);
	GEN_RETURN(g, value_ref(L[0]));
	GEN_END(g);
}

/* test_futures.py: BaseFutureTests.test_iter
 *   def test(): arg1, arg2 = coro()
 *   with self.assertRaisesRegex(RuntimeError, "await wasn't used"): test()
 *   fut.cancel() */
Test(test_futures, test_iter)
{
	struct loop *L = loop_new(I);
	fut = future_new(L);
	struct value g = CALL0(iter_coro), r;
	cr_assert_eq(gen_next(value_gen(g), &r), GEN_YIELDED);
	value_unref(r);
	cr_assert_eq(gen_next(value_gen(g), &r), GEN_RAISED);
	cr_expect(is_exc(r, EXC_RUNTIME_ERROR) && strstr(exc_text(r), "await wasn't used"), "%s", exc_text(r));
	value_unref(r);
	future_cancel(F(fut), value_none());
	value_unref(g);
	value_unref(fut);
	aiotest_end();
}

/* test_futures.py: BaseFutureTests.test_future_stop_iteration_args
 *   fut.set_result((1, 2)); fi = fut.__iter__()
 *   fi.send(None) raises StopIteration whose args[0] == (1, 2)
 * (here through a frame that returns (yield from fut): the send returns it) */
Test(test_futures, test_future_stop_iteration_args)
{
	struct loop *L = loop_new(I);
	struct value err, r;
	fut = future_new(L);
	struct value t = value_tuple(2, value_int(1), value_int(2));
	future_set_result(F(fut), t, &err);
	value_unref(t);
	struct value g = CALL0(iter_coro);
	cr_assert_eq(gen_send(value_gen(g), value_none(), &r), GEN_RETURNED);
	cr_expect_str_eq(repr(r), "(1, 2)");
	value_unref(r);
	value_unref(g);
	value_unref(fut);
	aiotest_end();
}

/* test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_remove_first_callback
 *   cb1, cb2, cb3 = bag appenders of 42, 17, 100; add all three
 *   f.remove_done_callback(cb1); f.remove_done_callback(cb1)
 *   f.set_result('foo'); self.run_briefly()
 *   self.assertEqual(bag, [17, 100]); self.assertEqual(f.result(), 'foo') */
Test(test_futures, test_callbacks_remove_first_callback)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, r, foo = value_str("foo");
	struct value cb1 = make_callback("42"), cb2 = make_callback("17"), cb3 = make_callback("100");
	add_cb(f, cb1);
	add_cb(f, cb2);
	add_cb(f, cb3);
	remove_cb(f, cb1);
	remove_cb(f, cb1);
	cr_expect_str_eq(printed(), "");
	future_set_result(F(f), foo, &err);
	run_briefly(L);
	cr_expect_str_eq(printed(), "17|100|");
	future_result(F(f), &r);
	cr_expect_str_eq(repr(r), "'foo'");
	value_unref(r);
	value_unref(foo);
	value_unref(cb1);
	value_unref(cb2);
	value_unref(cb3);
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_remove_first_and_second_callback
 *   remove cb1, cb2, cb1 -> bag == [100] */
Test(test_futures, test_callbacks_remove_first_and_second_callback)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, foo = value_str("foo");
	struct value cb1 = make_callback("42"), cb2 = make_callback("17"), cb3 = make_callback("100");
	add_cb(f, cb1);
	add_cb(f, cb2);
	add_cb(f, cb3);
	remove_cb(f, cb1);
	remove_cb(f, cb2);
	remove_cb(f, cb1);
	cr_expect_str_eq(printed(), "");
	future_set_result(F(f), foo, &err);
	run_briefly(L);
	cr_expect_str_eq(printed(), "100|");
	value_unref(foo);
	value_unref(cb1);
	value_unref(cb2);
	value_unref(cb3);
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_remove_third_callback
 *   remove cb3 twice -> bag == [42, 17] */
Test(test_futures, test_callbacks_remove_third_callback)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, foo = value_str("foo");
	struct value cb1 = make_callback("42"), cb2 = make_callback("17"), cb3 = make_callback("100");
	add_cb(f, cb1);
	add_cb(f, cb2);
	add_cb(f, cb3);
	remove_cb(f, cb3);
	remove_cb(f, cb3);
	future_set_result(F(f), foo, &err);
	run_briefly(L);
	cr_expect_str_eq(printed(), "42|17|");
	value_unref(foo);
	value_unref(cb1);
	value_unref(cb2);
	value_unref(cb3);
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result
 *   add appenders of 42, 17; self.assertEqual(bag, []); f.set_result('foo')
 *   self.run_briefly(); self.assertEqual(bag, [42, 17]) */
Test(test_futures, test_callbacks_invoked_on_set_result)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, foo = value_str("foo");
	struct value cb1 = make_callback("42"), cb2 = make_callback("17");
	add_cb(f, cb1);
	add_cb(f, cb2);
	future_set_result(F(f), foo, &err);
	cr_expect_str_eq(printed(), "");
	run_briefly(L);
	cr_expect_str_eq(printed(), "42|17|");
	value_unref(foo);
	value_unref(cb1);
	value_unref(cb2);
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_exception
 *   add appender of 100; exc = RuntimeError(); f.set_exception(exc)
 *   self.run_briefly(); self.assertEqual(bag, [100]); self.assertEqual(f.exception(), exc) */
Test(test_futures, test_callbacks_invoked_on_set_exception)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, r, exc = exc_new(EXC_RUNTIME_ERROR, NULL);
	struct value cb = make_callback("100");
	add_cb(f, cb);
	cr_expect_str_eq(printed(), "");
	future_set_exception(F(f), exc, &err);
	run_briefly(L);
	cr_expect_str_eq(printed(), "100|");
	future_exception(F(f), &r);
	cr_expect_eq(r.u.o, exc.u.o);
	value_unref(r);
	value_unref(exc);
	value_unref(cb);
	value_unref(f);
	aiotest_end();
}

/* test_futures.py: BaseFutureDoneCallbackTests.test_remove_done_callback
 *   add cb1, cb2; remove_done_callback(cb2) == 1; remove_done_callback(cb3) == 0
 *   add cb2, then cb1 five times; remove_done_callback(cb1) == 6
 *   f.set_result('foo'); self.run_briefly(); self.assertEqual(bag, [2]) */
Test(test_futures, test_remove_done_callback)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, foo = value_str("foo");
	struct value cb1 = make_callback("1"), cb2 = make_callback("2"), cb3 = make_callback("3");
	add_cb(f, cb1);
	add_cb(f, cb2);
	cr_expect_eq(remove_cb(f, cb2), 1);
	cr_expect_eq(remove_cb(f, cb3), 0);
	add_cb(f, cb2);
	for (int i = 0; i < 5; i++) add_cb(f, cb1);
	cr_expect_eq(remove_cb(f, cb1), 6);
	cr_expect_str_eq(printed(), "");
	future_set_result(F(f), foo, &err);
	run_briefly(L);
	cr_expect_str_eq(printed(), "2|");
	value_unref(foo);
	value_unref(cb1);
	value_unref(cb2);
	value_unref(cb3);
	value_unref(f);
	aiotest_end();
}

/* def mut(f): f.remove_done_callback(str) */
static void mut_cb(struct interp *in, void *ctx, struct value f)
{
	(void)in;
	(void)ctx;
	future_remove_done_callback(F(f), bag_cb, NULL);
}

/* test_futures.py: BaseFutureDoneCallbackTests.test_schedule_callbacks_list_mutation_1
 *   fut.add_done_callback(mut); fut.add_done_callback(str); fut.add_done_callback(str)
 *   fut.set_result(1); test_utils.run_briefly(self.loop)     # must not crash */
Test(test_futures, test_schedule_callbacks_list_mutation_1)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, s = make_callback("str");
	future_add_done_callback(F(f), mut_cb, "mut", NULL, aiotest_cb_actor);
	add_cb(f, s);
	add_cb(f, s);
	future_set_result(F(f), value_int(1), &err);
	run_briefly(L);
	cr_expect_str_eq(printed(), "str|str|", "callbacks already scheduled still run");
	value_unref(s);
	value_unref(f);
	aiotest_end();
}

/* ============================================================== test_tasks */

ASYNC_DEF(notmuch, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_int(123));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_task_repr_autogenerated
 *   t1 = self.new_task(self.loop, notmuch(), None)
 *   t2 = self.new_task(self.loop, notmuch(), None)
 *   self.assertNotEqual(repr(t1), repr(t2))
 *   match1 = re.match(r"^<Task pending name='Task-(\d+)'", repr(t1)) ... increasing */
Test(test_tasks, test_task_repr_autogenerated)
{
	struct loop *L = loop_new(I);
	struct value t1 = create_task(L, CALL0(notmuch)), t2 = create_task(L, CALL0(notmuch));
	char r1[128];
	unsigned n1 = 0, n2 = 0;
	snprintf(r1, sizeof r1, "%s", repr(t1));
	cr_expect_str_neq(r1, repr(t2));
	cr_expect_eq(sscanf(r1, "<Task pending name='Task-%u'", &n1), 1, "%s", r1);
	cr_expect_eq(sscanf(repr(t2), "<Task pending name='Task-%u'", &n2), 1, "%s", repr(t2));
	cr_expect_lt(n1, n2);
	value_unref(run_ok(L, value_ref(t1)));
	value_unref(run_ok(L, value_ref(t2)));
	value_unref(t1);
	value_unref(t2);
	aiotest_end();
}

/* async def task(): await asyncio.sleep(10) [; return 12] */
ASYNC_DEF(sleep10, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, 10, value_none()), NULL);
	GEN_RETURN(g, value_int(12));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_cancelling
 *   t = self.new_task(loop, task())
 *   self.assertFalse(t.cancelling()); self.assertNotIn(" cancelling ", repr(t))
 *   self.assertTrue(t.cancel()); self.assertTrue(t.cancelling())
 *   self.assertIn(" cancelling ", repr(t))
 *   self.assertTrue(t.cancel())
 *   with self.assertRaises(asyncio.CancelledError): loop.run_until_complete(t) */
Test(test_tasks, test_cancelling)
{
	struct loop *L = loop_new(I);
	struct value t = new_task(L, CALL0(sleep10)), r;
	cr_expect_not(task_cancelling(T(t)));
	cr_expect_null(strstr(repr(t), " cancelling "));
	cr_expect(task_cancel(T(t), value_none()));
	cr_expect(task_cancelling(T(t)));
	cr_expect_not_null(strstr(repr(t), " cancelling "), "%s", repr(t));
	cr_expect(task_cancel(T(t), value_none()));
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_cancel
 *   async def task(): await asyncio.sleep(10.0); return 12
 *   t = self.new_task(loop, task()); loop.call_soon(t.cancel)
 *   with self.assertRaises(asyncio.CancelledError): loop.run_until_complete(t)
 *   self.assertTrue(t.done()); self.assertTrue(t.cancelled()); self.assertFalse(t.cancel())
 * (the TestLoop's gen asserts the clock never moves) */
Test(test_tasks, test_cancel)
{
	struct loop *L = loop_new(I);
	struct value t = new_task(L, CALL0(sleep10)), r;
	loop_call_soon(L, cancel_cb, "cancel", F(t), future_actor(F(t)), value_none());
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_done(F(t)));
	cr_expect(future_cancelled(F(t)));
	cr_expect_not(task_cancel(T(t), value_none()));
	cr_expect_float_eq(loop_time(L), 0.0, 1e-12);
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/* async def task(): await asyncio.sleep(0); await asyncio.sleep(0); return 12 */
ASYNC_DEF(two_sleeps, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep_(0), NULL);
	GEN_AWAIT(g, sleep_(0), NULL);
	GEN_RETURN(g, value_int(12));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_cancel_yield
 *   t = self.new_task(self.loop, task())
 *   test_utils.run_briefly(self.loop)  # start coro
 *   t.cancel()
 *   self.assertRaises(asyncio.CancelledError, self.loop.run_until_complete, t)
 *   self.assertTrue(t.done()); self.assertTrue(t.cancelled()); self.assertFalse(t.cancel()) */
Test(test_tasks, test_cancel_yield)
{
	struct loop *L = loop_new(I);
	struct value t = new_task(L, CALL0(two_sleeps)), r;
	run_briefly(L);
	task_cancel(T(t), value_none());
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_done(F(t)));
	cr_expect(future_cancelled(F(t)));
	cr_expect_not(task_cancel(T(t), value_none()));
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/* async def task(): await f; return 12   (f is `fut`) */
ASYNC_DEF(await_fut_12, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut), NULL);
	GEN_RETURN(g, value_int(12));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_cancel_inner_future
 *   t = self.new_task(self.loop, task()); test_utils.run_briefly(self.loop)
 *   f.cancel()
 *   with self.assertRaises(asyncio.CancelledError): self.loop.run_until_complete(t)
 *   self.assertTrue(f.cancelled()); self.assertTrue(t.cancelled()) */
Test(test_tasks, test_cancel_inner_future)
{
	struct loop *L = loop_new(I);
	fut = future_new(L);
	struct value t = new_task(L, CALL0(await_fut_12)), r;
	run_briefly(L);
	future_cancel(F(fut), value_none());
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_cancelled(F(fut)));
	cr_expect(future_cancelled(F(t)));
	value_unref(r);
	value_unref(t);
	value_unref(fut);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_cancel_both_task_and_inner_future
 *   ... run_briefly; f.cancel(); t.cancel()
 *   with self.assertRaises(asyncio.CancelledError): self.loop.run_until_complete(t)
 *   self.assertTrue(t.done()); self.assertTrue(f.cancelled()); self.assertTrue(t.cancelled()) */
Test(test_tasks, test_cancel_both_task_and_inner_future)
{
	struct loop *L = loop_new(I);
	fut = future_new(L);
	struct value t = new_task(L, CALL0(await_fut_12)), r;
	run_briefly(L);
	future_cancel(F(fut), value_none());
	task_cancel(T(t), value_none());
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_done(F(t)));
	cr_expect(future_cancelled(F(fut)));
	cr_expect(future_cancelled(F(t)));
	value_unref(r);
	value_unref(t);
	value_unref(fut);
	aiotest_end();
}

static struct value fut1, fut2, fut3;

/* async def task():
 *     await fut1
 *     try: await fut2
 *     except asyncio.CancelledError: return 42 */
ASYNC_DEF(catching, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut1), NULL);
	GEN_AWAIT_TRY(g, value_ref(fut2), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		if (!is_exc(e, EXC_CANCELLED_ERROR)) GEN_RAISE(g, e);
		value_unref(e);
		GEN_RETURN(g, value_int(42));
	}
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_cancel_task_catching
 *   t = self.new_task(self.loop, task()); test_utils.run_briefly(self.loop)
 *   self.assertIs(t._fut_waiter, fut1)  # White-box test.
 *   fut1.set_result(None); test_utils.run_briefly(self.loop)
 *   self.assertIs(t._fut_waiter, fut2)  # White-box test.
 *   t.cancel(); self.assertTrue(fut2.cancelled())
 *   res = self.loop.run_until_complete(t); self.assertEqual(res, 42)
 *   self.assertFalse(t.cancelled()) */
Test(test_tasks, test_cancel_task_catching)
{
	struct loop *L = loop_new(I);
	struct value err;
	fut1 = future_new(L);
	fut2 = future_new(L);
	struct value t = new_task(L, CALL0(catching));
	run_briefly(L);
	cr_expect_eq(T(t)->waiter, F(fut1));
	future_set_result(F(fut1), value_none(), &err);
	run_briefly(L);
	cr_expect_eq(T(t)->waiter, F(fut2));
	task_cancel(T(t), value_none());
	cr_expect(future_cancelled(F(fut2)));
	struct value r = run_ok(L, value_ref(t));
	cr_expect_str_eq(repr(r), "42");
	cr_expect_not(future_cancelled(F(t)));
	value_unref(r);
	value_unref(t);
	value_unref(fut1);
	value_unref(fut2);
	aiotest_end();
}

/* async def task():
 *     await fut1
 *     try: await fut2
 *     except asyncio.CancelledError: pass
 *     res = await fut3
 *     return res */
ASYNC_DEF(ignoring, "res")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut1), NULL);
	GEN_AWAIT_TRY(g, value_ref(fut2), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		if (!is_exc(e, EXC_CANCELLED_ERROR)) GEN_RAISE(g, e);
		value_unref(e);
	}
	GEN_AWAIT(g, value_ref(fut3), &L[0]);
	GEN_RETURN(g, value_ref(L[0]));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_cancel_task_ignoring
 *   ... waiter is fut1; fut1.set_result(None); run_briefly; waiter is fut2
 *   t.cancel(); self.assertTrue(fut2.cancelled()); run_briefly
 *   self.assertIs(t._fut_waiter, fut3); fut3.set_result(42)
 *   res = self.loop.run_until_complete(t); self.assertEqual(res, 42)
 *   self.assertFalse(fut3.cancelled()); self.assertFalse(t.cancelled()) */
Test(test_tasks, test_cancel_task_ignoring)
{
	struct loop *L = loop_new(I);
	struct value err;
	fut1 = future_new(L);
	fut2 = future_new(L);
	fut3 = future_new(L);
	struct value t = new_task(L, CALL0(ignoring));
	run_briefly(L);
	cr_expect_eq(T(t)->waiter, F(fut1));
	future_set_result(F(fut1), value_none(), &err);
	run_briefly(L);
	cr_expect_eq(T(t)->waiter, F(fut2));
	task_cancel(T(t), value_none());
	cr_expect(future_cancelled(F(fut2)));
	run_briefly(L);
	cr_expect_eq(T(t)->waiter, F(fut3));
	future_set_result(F(fut3), value_int(42), &err);
	struct value r = run_ok(L, value_ref(t));
	cr_expect_str_eq(repr(r), "42");
	cr_expect_not(future_cancelled(F(fut3)));
	cr_expect_not(future_cancelled(F(t)));
	value_unref(r);
	value_unref(t);
	value_unref(fut1);
	value_unref(fut2);
	value_unref(fut3);
	aiotest_end();
}

static struct value cur; /* the task a coroutine refers to by name (`t`, `task`) */

/* async def task():
 *     t.cancel()
 *     self.assertTrue(t._must_cancel)  # White-box test.
 *     # The sleep should be cancelled immediately.
 *     await asyncio.sleep(100)
 *     return 12 */
ASYNC_DEF(cancel_self_then_sleep, "_")
{
	GEN_BEGIN(g);
	task_cancel(T(cur), value_none());
	cr_expect(T(cur)->must_cancel);
	GEN_AWAIT(g, sleep_(100), NULL);
	GEN_RETURN(g, value_int(12));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_cancel_current_task
 *   t = self.new_task(loop, task()); self.assertFalse(t.cancelled())
 *   self.assertRaises(asyncio.CancelledError, loop.run_until_complete, t)
 *   self.assertTrue(t.done()); self.assertTrue(t.cancelled())
 *   self.assertFalse(t._must_cancel)  # White-box test.
 *   self.assertFalse(t.cancel()) */
Test(test_tasks, test_cancel_current_task)
{
	struct loop *L = loop_new(I);
	struct value r;
	cur = new_task(L, CALL0(cancel_self_then_sleep));
	cr_expect_not(future_cancelled(F(cur)));
	cr_assert_eq(run_until_complete(L, value_ref(cur), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_done(F(cur)));
	cr_expect(future_cancelled(F(cur)));
	cr_expect_not(T(cur)->must_cancel);
	cr_expect_not(task_cancel(T(cur), value_none()));
	cr_expect_float_eq(loop_time(L), 0.0, 1e-12, "the sleep(100) must be cancelled at once");
	value_unref(r);
	value_unref(cur);
	aiotest_end();
}

/* async def task():
 *     t.cancel()
 *     self.assertTrue(t._must_cancel)  # White-box test.
 *     return 12 */
ASYNC_DEF(cancel_self_then_return, "_")
{
	GEN_BEGIN(g);
	task_cancel(T(cur), value_none());
	cr_expect(T(cur)->must_cancel);
	GEN_RETURN(g, value_int(12));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_cancel_at_end
 *   """coroutine end right after task is cancelled"""
 *   (the same assertions as test_cancel_current_task) */
Test(test_tasks, test_cancel_at_end)
{
	struct loop *L = loop_new(I);
	struct value r;
	cur = new_task(L, CALL0(cancel_self_then_return));
	cr_expect_not(future_cancelled(F(cur)));
	cr_assert_eq(run_until_complete(L, value_ref(cur), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_done(F(cur)));
	cr_expect(future_cancelled(F(cur)));
	cr_expect_not(T(cur)->must_cancel);
	cr_expect_not(task_cancel(T(cur), value_none()));
	value_unref(r);
	value_unref(cur);
	aiotest_end();
}

static struct value nested_task;

/* async def nested(): await fut */
ASYNC_DEF(nested, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut), NULL);
	GEN_END(g);
}

/* async def coro():
 *     nested_task = self.new_task(loop, nested())
 *     await asyncio.sleep(0)
 *     task.cancel()
 *     await nested_task */
ASYNC_DEF(cancel_awaited, "_")
{
	GEN_BEGIN(g);
	nested_task = new_task(g->I->loop, CALL0(nested));
	GEN_AWAIT(g, sleep_(0), NULL);
	task_cancel(T(cur), value_none());
	GEN_AWAIT(g, value_ref(nested_task), NULL);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_cancel_awaited_task (bpo-34872)
 *   task = self.new_task(loop, coro())
 *   with self.assertRaises(asyncio.CancelledError): loop.run_until_complete(task)
 *   self.assertTrue(task.cancelled()); self.assertTrue(nested_task.cancelled())
 *   self.assertTrue(fut.cancelled()) */
Test(test_tasks, test_cancel_awaited_task)
{
	struct loop *L = loop_new(I);
	struct value r;
	fut = future_new(L);
	cur = new_task(L, CALL0(cancel_awaited));
	cr_assert_eq(run_until_complete(L, value_ref(cur), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect(future_cancelled(F(cur)));
	cr_expect(future_cancelled(F(nested_task)));
	cr_expect(future_cancelled(F(fut)));
	value_unref(r);
	value_unref(cur);
	value_unref(nested_task);
	value_unref(fut);
	aiotest_end();
}

static int x_count;

/* async def task():
 *     nonlocal x
 *     while x < 10:
 *         await asyncio.sleep(0.1)
 *         x += 1
 *         if x == 2: loop.stop() */
ASYNC_DEF(stop_at_two, "_")
{
	GEN_BEGIN(g);
	while (x_count < 10) {
		GEN_AWAIT(g, sleep_(0.1), NULL);
		x_count++;
		if (x_count == 2) loop_stop(g->I->loop);
	}
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_stop_while_run_in_complete
 *   t = self.new_task(loop, task())
 *   with self.assertRaises(RuntimeError) as cm: loop.run_until_complete(t)
 *   self.assertEqual(str(cm.exception), 'Event loop stopped before Future completed.')
 *   self.assertFalse(t.done()); self.assertEqual(x, 2)
 *   t.cancel(); self.assertRaises(asyncio.CancelledError, loop.run_until_complete, t)
 * (its loop.time() == 0.3 is the TestLoop's generator; not ported) */
Test(test_tasks, test_stop_while_run_in_complete)
{
	struct loop *L = loop_new(I);
	struct value t = new_task(L, CALL0(stop_at_two)), r;
	x_count = 0;
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect_str_eq(str(r), "Event loop stopped before Future completed.");
	cr_expect(is_exc(r, EXC_RUNTIME_ERROR));
	value_unref(r);
	cr_expect_not(future_done(F(t)));
	cr_expect_eq(x_count, 2);
	task_cancel(T(t), value_none());
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

static struct value ta, tb; /* the tasks `a` and `b` of the wait tests */

/* async def foo():
 *     done, pending = await asyncio.wait([b, a])
 *     self.assertEqual(done, set([a, b])); self.assertEqual(pending, set())
 *     return 42 */
ASYNC_DEF(wait_foo, "res")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	{
		struct value fs = value_list();
		value_append(fs, value_ref(tb));
		value_append(fs, value_ref(ta));
		L[0] = aio_wait(g->I, fs, -1, AIO_ALL_COMPLETED);
		value_unref(fs);
	}
	GEN_AWAIT(g, value_ref(L[0]), &L[0]);
	cr_expect(set_equal(value_item(L[0], 0), ta, tb));
	cr_expect_eq(value_len(value_item(L[0], 1)), 0);
	GEN_RETURN(g, value_int(42));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_wait
 *   a = self.new_task(loop, asyncio.sleep(0.1)); b = self.new_task(loop, asyncio.sleep(0.15))
 *   res = loop.run_until_complete(self.new_task(loop, foo()))
 *   self.assertEqual(res, 42); self.assertAlmostEqual(0.15, loop.time())
 *   # Doing it again should take no time and exercise a different path.
 *   res = loop.run_until_complete(self.new_task(loop, foo()))
 *   self.assertAlmostEqual(0.15, loop.time()); self.assertEqual(res, 42) */
Test(test_tasks, test_wait)
{
	struct loop *L = loop_new(I);
	ta = new_task(L, sleep_(0.1));
	tb = new_task(L, sleep_(0.15));
	struct value r = run_ok(L, new_task(L, CALL0(wait_foo)));
	cr_expect_str_eq(repr(r), "42");
	cr_expect_float_eq(loop_time(L), 0.15, 1e-9);
	value_unref(r);
	r = run_ok(L, new_task(L, CALL0(wait_foo)));
	cr_expect_float_eq(loop_time(L), 0.15, 1e-9);
	cr_expect_str_eq(repr(r), "42");
	value_unref(r);
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

/* async def coro(s): return s */
ASYNC_DEF(echo, "s")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_ref(g->locals[0]));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_wait_duplicate_coroutines
 *   c = self.loop.create_task(coro('test'))
 *   task = self.new_task(self.loop,
 *       asyncio.wait([c, c, self.loop.create_task(coro('spam'))]))
 *   done, pending = self.loop.run_until_complete(task)
 *   self.assertFalse(pending)
 *   self.assertEqual(set(f.result() for f in done), {'test', 'spam'}) */
Test(test_tasks, test_wait_duplicate_coroutines)
{
	struct loop *L = loop_new(I);
	struct value c = create_task(L, CALL(echo, value_str("test")));
	struct value fs = value_list();
	value_append(fs, value_ref(c));
	value_append(fs, value_ref(c));
	value_append(fs, create_task(L, CALL(echo, value_str("spam"))));
	struct value r = run_ok(L, new_task(L, aio_wait(I, fs, -1, AIO_ALL_COMPLETED)));
	cr_expect_eq(value_len(value_item(r, 1)), 0);
	struct value done = value_item(r, 0), results = value_new_set();
	for (size_t i = 0; i < value_len(done); i++) {
		struct value x;
		future_result(F(value_item(done, i)), &x);
		value_append(results, x);
	}
	cr_expect_eq(value_len(results), 2);
	cr_expect(strstr(repr(results), "'test'") && strstr(repr(results), "'spam'"), "%s", repr(results));
	value_unref(results);
	value_unref(r);
	value_unref(fs);
	value_unref(c);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_wait_errors
 *   self.assertRaises(ValueError, self.loop.run_until_complete, asyncio.wait(set()))
 *   # -1 is an invalid return_when value
 *   sleep_coro = asyncio.sleep(10.0)
 *   wait_coro = asyncio.wait([sleep_coro], return_when=-1)
 *   self.assertRaises(ValueError, self.loop.run_until_complete, wait_coro)
 *   sleep_coro.close() */
Test(test_tasks, test_wait_errors)
{
	struct loop *L = loop_new(I);
	struct value empty = value_new_set(), r;
	cr_assert_eq(run_until_complete(L, aio_wait(I, empty, -1, AIO_ALL_COMPLETED), &r), 1);
	cr_expect(is_exc(r, EXC_VALUE_ERROR), "%s", exc_text(r));
	value_unref(r);
	value_unref(empty);
	struct value sleep_coro = sleep_(10), fs = value_list();
	value_append(fs, value_ref(sleep_coro));
	cr_assert_eq(run_until_complete(L, aio_wait(I, fs, -1, (enum aio_return_when)-1), &r), 1);
	cr_expect(is_exc(r, EXC_VALUE_ERROR), "wait(return_when=-1) raised %s", exc_text(r));
	value_unref(r);
	value_unref(fs);
	gen_close(value_gen(sleep_coro), &r);
	value_unref(sleep_coro);
	aiotest_end();
}

/* Run wait([b, a], timeout, return_when) and return (done, pending). */
static struct value wait_ba(struct loop *L, double timeout, enum aio_return_when rw, int as_task)
{
	struct value fs = value_list();
	value_append(fs, value_ref(tb));
	value_append(fs, value_ref(ta));
	struct value w = aio_wait(I, fs, timeout, rw);
	value_unref(fs);
	return run_ok(L, as_task ? new_task(L, w) : w);
}

/* test_tasks.py: BaseTaskTests.test_wait_first_completed
 *   a = self.new_task(loop, asyncio.sleep(10.0)); b = self.new_task(loop, asyncio.sleep(0.1))
 *   task = self.new_task(loop, asyncio.wait([b, a], return_when=asyncio.FIRST_COMPLETED))
 *   done, pending = loop.run_until_complete(task)
 *   self.assertEqual({b}, done); self.assertEqual({a}, pending)
 *   self.assertFalse(a.done()); self.assertTrue(b.done()); self.assertIsNone(b.result())
 *   self.assertAlmostEqual(0.1, loop.time())
 *   # move forward to close generator
 *   loop.advance_time(10); loop.run_until_complete(asyncio.wait([a, b])) */
Test(test_tasks, test_wait_first_completed)
{
	struct loop *L = loop_new(I);
	ta = new_task(L, sleep_(10));
	tb = new_task(L, sleep_(0.1));
	struct value r = wait_ba(L, -1, AIO_FIRST_COMPLETED, 1), x;
	cr_expect(set_equal(value_item(r, 0), tb, value_none()));
	cr_expect(set_equal(value_item(r, 1), ta, value_none()));
	cr_expect_not(future_done(F(ta)));
	cr_expect(future_done(F(tb)));
	cr_expect_eq(future_result(F(tb), &x), 0);
	cr_expect(value_is_none(x));
	cr_expect_float_eq(loop_time(L), 0.1, 1e-9);
	value_unref(r);
	loop_advance(L, 10);
	value_unref(wait_ba(L, -1, AIO_ALL_COMPLETED, 0));
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

ASYNC_DEF(coro1, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep_(0), NULL);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_wait_really_done
 *   async def coro1(): await asyncio.sleep(0)
 *   async def coro2(): await asyncio.sleep(0); await asyncio.sleep(0)
 *   a = self.new_task(self.loop, coro1()); b = self.new_task(self.loop, coro2())
 *   task = self.new_task(self.loop, asyncio.wait([b, a], return_when=asyncio.FIRST_COMPLETED))
 *   done, pending = self.loop.run_until_complete(task)
 *   self.assertEqual({a, b}, done); a and b done with result None */
Test(test_tasks, test_wait_really_done)
{
	struct loop *L = loop_new(I);
	ta = new_task(L, CALL0(coro1));
	tb = new_task(L, CALL0(two_sleeps));
	struct value r = wait_ba(L, -1, AIO_FIRST_COMPLETED, 1);
	cr_expect(set_equal(value_item(r, 0), ta, tb));
	cr_expect(future_done(F(ta)));
	cr_expect(future_done(F(tb)));
	value_unref(r);
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

/* async def exc(): raise ZeroDivisionError('err') */
ASYNC_DEF(zde, "_")
{
	GEN_BEGIN(g);
	GEN_RAISE(g, exc_new(EXC_ZERO_DIVISION_ERROR, "err"));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_wait_first_exception
 *   # first_exception, task already has exception
 *   a = self.new_task(loop, asyncio.sleep(10.0)); b = self.new_task(loop, exc())
 *   task = self.new_task(loop, asyncio.wait([b, a], return_when=asyncio.FIRST_EXCEPTION))
 *   done, pending = loop.run_until_complete(task)
 *   self.assertEqual({b}, done); self.assertEqual({a}, pending)
 *   self.assertAlmostEqual(0, loop.time()) */
Test(test_tasks, test_wait_first_exception)
{
	struct loop *L = loop_new(I);
	ta = new_task(L, sleep_(10));
	tb = new_task(L, CALL0(zde));
	struct value r = wait_ba(L, -1, AIO_FIRST_EXCEPTION, 1);
	cr_expect(set_equal(value_item(r, 0), tb, value_none()));
	cr_expect(set_equal(value_item(r, 1), ta, value_none()));
	cr_expect_float_eq(loop_time(L), 0.0, 1e-12);
	value_unref(r);
	loop_advance(L, 10);
	value_unref(wait_ba(L, -1, AIO_ALL_COMPLETED, 0));
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

/* async def exc(): await asyncio.sleep(0.01); raise ZeroDivisionError('err') */
ASYNC_DEF(zde_later, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep_(0.01), NULL);
	GEN_RAISE(g, exc_new(EXC_ZERO_DIVISION_ERROR, "err"));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_wait_first_exception_in_wait
 *   # first_exception, exception during waiting
 *   task = asyncio.wait([b, a], return_when=asyncio.FIRST_EXCEPTION)
 *   done, pending = loop.run_until_complete(task)
 *   self.assertEqual({b}, done); self.assertEqual({a}, pending)
 *   self.assertAlmostEqual(0.01, loop.time()) */
Test(test_tasks, test_wait_first_exception_in_wait)
{
	struct loop *L = loop_new(I);
	ta = new_task(L, sleep_(10));
	tb = new_task(L, CALL0(zde_later));
	struct value r = wait_ba(L, -1, AIO_FIRST_EXCEPTION, 0);
	cr_expect(set_equal(value_item(r, 0), tb, value_none()));
	cr_expect(set_equal(value_item(r, 1), ta, value_none()));
	cr_expect_float_eq(loop_time(L), 0.01, 1e-9);
	value_unref(r);
	loop_advance(L, 10);
	value_unref(wait_ba(L, -1, AIO_ALL_COMPLETED, 0));
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

/* async def sleeper(): await asyncio.sleep(0.15); raise ZeroDivisionError('really') */
ASYNC_DEF(sleeper_zde, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep_(0.15), NULL);
	GEN_RAISE(g, exc_new(EXC_ZERO_DIVISION_ERROR, "really"));
	GEN_END(g);
}

/* async def foo():
 *     done, pending = await asyncio.wait([b, a])
 *     self.assertEqual(len(done), 2); self.assertEqual(pending, set())
 *     errors = set(f for f in done if f.exception() is not None)
 *     self.assertEqual(len(errors), 1) */
ASYNC_DEF(wait_exc_foo, "res")
{
	struct value *L = g->locals;
	size_t errors = 0;
	GEN_BEGIN(g);
	{
		struct value fs = value_list();
		value_append(fs, value_ref(tb));
		value_append(fs, value_ref(ta));
		L[0] = aio_wait(g->I, fs, -1, AIO_ALL_COMPLETED);
		value_unref(fs);
	}
	GEN_AWAIT(g, value_ref(L[0]), &L[0]);
	cr_expect_eq(value_len(value_item(L[0], 0)), 2);
	cr_expect_eq(value_len(value_item(L[0], 1)), 0);
	for (size_t i = 0; i < value_len(value_item(L[0], 0)); i++) {
		struct value e;
		future_exception(F(value_item(value_item(L[0], 0), i)), &e);
		errors += e.kind != VAL_NONE;
		value_unref(e);
	}
	cr_expect_eq(errors, 1);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_wait_with_exception
 *   a = self.new_task(loop, asyncio.sleep(0.1)); b = self.new_task(loop, sleeper())
 *   loop.run_until_complete(self.new_task(loop, foo()))
 *   self.assertAlmostEqual(0.15, loop.time())
 *   loop.run_until_complete(self.new_task(loop, foo()))
 *   self.assertAlmostEqual(0.15, loop.time()) */
Test(test_tasks, test_wait_with_exception)
{
	struct loop *L = loop_new(I);
	ta = new_task(L, sleep_(0.1));
	tb = new_task(L, CALL0(sleeper_zde));
	value_unref(run_ok(L, new_task(L, CALL0(wait_exc_foo))));
	cr_expect_float_eq(loop_time(L), 0.15, 1e-9);
	value_unref(run_ok(L, new_task(L, CALL0(wait_exc_foo))));
	cr_expect_float_eq(loop_time(L), 0.15, 1e-9);
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_wait_with_timeout
 *   a = sleep(0.1) task; b = sleep(0.15) task
 *   async def foo():
 *       done, pending = await asyncio.wait([b, a], timeout=0.11)
 *       self.assertEqual(done, set([a])); self.assertEqual(pending, set([b]))
 *   loop.run_until_complete(self.new_task(loop, foo()))
 *   self.assertAlmostEqual(0.11, loop.time()) */
Test(test_tasks, test_wait_with_timeout)
{
	struct loop *L = loop_new(I);
	ta = new_task(L, sleep_(0.1));
	tb = new_task(L, sleep_(0.15));
	struct value r = wait_ba(L, 0.11, AIO_ALL_COMPLETED, 1);
	cr_expect(set_equal(value_item(r, 0), ta, value_none()));
	cr_expect(set_equal(value_item(r, 1), tb, value_none()));
	cr_expect_float_eq(loop_time(L), 0.11, 1e-9);
	value_unref(r);
	loop_advance(L, 10);
	value_unref(wait_ba(L, -1, AIO_ALL_COMPLETED, 0));
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_wait_concurrent_complete
 *   done, pending = loop.run_until_complete(asyncio.wait([b, a], timeout=0.1))
 *   self.assertEqual(done, set([a])); self.assertEqual(pending, set([b]))
 *   self.assertAlmostEqual(0.1, loop.time()) */
Test(test_tasks, test_wait_concurrent_complete)
{
	struct loop *L = loop_new(I);
	ta = new_task(L, sleep_(0.1));
	tb = new_task(L, sleep_(0.15));
	struct value r = wait_ba(L, 0.1, AIO_ALL_COMPLETED, 0);
	cr_expect(set_equal(value_item(r, 0), ta, value_none()));
	cr_expect(set_equal(value_item(r, 1), tb, value_none()));
	cr_expect_float_eq(loop_time(L), 0.1, 1e-9);
	value_unref(r);
	loop_advance(L, 10);
	value_unref(wait_ba(L, -1, AIO_ALL_COMPLETED, 0));
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

static int time_shifted, got_a, got_b;

/* async def sleeper(dt, x):
 *     await asyncio.sleep(dt)
 *     completed.add(x)
 *     if not time_shifted and 'a' in completed and 'b' in completed:
 *         time_shifted = True
 *         loop.advance_time(0.14)
 *     return x */
ASYNC_DEF(shifting_sleeper, "dt", "x")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep_(L[0].u.f), NULL);
	got_a |= strcmp(value_cstr(L[1]), "a") == 0;
	got_b |= strcmp(value_cstr(L[1]), "b") == 0;
	if (!time_shifted && got_a && got_b) {
		time_shifted = 1;
		loop_advance(g->I->loop, 0.14);
	}
	GEN_RETURN(g, value_ref(L[1]));
	GEN_END(g);
}

/* async def foo():
 *     values = []
 *     for f in asyncio.as_completed(fs[, timeout=...]):
 *         if values and shift: loop.advance_time(0.02)
 *         try: v = await f; values.append((1, v))
 *         except asyncio.TimeoutError as exc: values.append((2, exc))
 *     return values */
ASYNC_DEF(ac_foo, "fs", "timeout", "shift", "values", "it", "f", "v")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[3] = value_list();
	cr_assert_eq(aio_as_completed(g->I, L[0], L[1].u.f, &L[4]), 0);
	for (;;) {
		{
			struct value f;
			if (gen_next(value_gen(L[4]), &f) != GEN_YIELDED) {
				value_unref(f);
				break;
			}
			value_set(&L[5], f);
		}
		if (value_len(L[3]) && value_truthy(L[2])) loop_advance(g->I->loop, 0.02);
		GEN_AWAIT_TRY(g, value_ref(L[5]), &L[6]);
		if (gen_has_thrown(g))
			value_append(L[3], value_tuple(2, value_int(2), gen_take_thrown(g)));
		else
			value_append(L[3], value_tuple(2, value_int(1), value_ref(L[6])));
	}
	GEN_RETURN(g, value_ref(L[3]));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_as_completed
 *   a = sleeper(0.01, 'a'); b = sleeper(0.01, 'b'); c = sleeper(0.15, 'c')
 *   for f in asyncio.as_completed([b, c, a]): values.append(await f)
 *   res = loop.run_until_complete(self.new_task(loop, foo()))
 *   self.assertAlmostEqual(0.15, loop.time())
 *   self.assertTrue('a' in res[:2]); self.assertTrue('b' in res[:2])
 *   self.assertEqual(res[2], 'c') */
Test(test_tasks, test_as_completed)
{
	struct loop *L = loop_new(I);
	struct value fs = value_list();
	value_append(fs, CALL(shifting_sleeper, value_float(0.01), value_str("b")));
	value_append(fs, CALL(shifting_sleeper, value_float(0.15), value_str("c")));
	value_append(fs, CALL(shifting_sleeper, value_float(0.01), value_str("a")));
	struct value r = run_ok(L, new_task(L, CALL(ac_foo, fs, value_float(-1), value_bool(0))));
	cr_expect_float_eq(loop_time(L), 0.15, 1e-9);
	char got[64] = "";
	for (size_t i = 0; i < value_len(r); i++)
		strcat(got, value_cstr(value_item(value_item(r, i), 1)));
	cr_expect(strcmp(got, "abc") == 0 || strcmp(got, "bac") == 0, "order %s", got);
	value_unref(r);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_as_completed_with_timeout
 *   a = loop.create_task(asyncio.sleep(0.1, 'a')); b = loop.create_task(asyncio.sleep(0.15, 'b'))
 *   for f in asyncio.as_completed([a, b], timeout=0.12):
 *       if values: loop.advance_time(0.02)
 *       ...
 *   self.assertEqual(len(res), 2, res); self.assertEqual(res[0], (1, 'a'))
 *   self.assertEqual(res[1][0], 2); self.assertIsInstance(res[1][1], asyncio.TimeoutError)
 *   self.assertAlmostEqual(0.12, loop.time()) */
Test(test_tasks, test_as_completed_with_timeout)
{
	struct loop *L = loop_new(I);
	ta = create_task(L, sleep_str(0.1, "a"));
	tb = create_task(L, sleep_str(0.15, "b"));
	struct value fs = value_list();
	value_append(fs, value_ref(ta));
	value_append(fs, value_ref(tb));
	struct value r = run_ok(L, new_task(L, CALL(ac_foo, fs, value_float(0.12), value_bool(1))));
	cr_assert_eq(value_len(r), 2, "%s", repr(r));
	cr_expect_str_eq(repr(value_item(r, 0)), "(1, 'a')");
	cr_expect_str_eq(repr(value_item(r, 1)), "(2, TimeoutError())");
	cr_expect_float_eq(loop_time(L), 0.12, 1e-9);
	value_unref(r);
	loop_advance(L, 10);
	value_unref(wait_ba(L, -1, AIO_ALL_COMPLETED, 0));
	value_unref(ta);
	value_unref(tb);
	aiotest_end();
}

/* async def test():
 *     futs = list(asyncio.as_completed(fs)); self.assertEqual(len(futs), 2)
 *     x = await futs[1]; self.assertEqual(x, 'a'); self.assertAlmostEqual(0.05, loop.time())
 *     loop.advance_time(0.05)
 *     y = await futs[0]; self.assertEqual(y, 'b'); self.assertAlmostEqual(0.10, loop.time()) */
ASYNC_DEF(reverse_wait, "fs", "it", "f0", "f1", "x")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	cr_assert_eq(aio_as_completed(g->I, L[0], -1, &L[1]), 0);
	cr_assert_eq(gen_next(value_gen(L[1]), &L[2]), GEN_YIELDED);
	cr_assert_eq(gen_next(value_gen(L[1]), &L[3]), GEN_YIELDED);
	{
		struct value end;
		cr_assert_eq(gen_next(value_gen(L[1]), &end), GEN_RETURNED, "as_completed gave more than 2");
		value_unref(end);
	}
	GEN_AWAIT(g, value_ref(L[3]), &L[4]);
	cr_expect_str_eq(str(L[4]), "a");
	cr_expect_float_eq(loop_time(g->I->loop), 0.05, 1e-9);
	loop_advance(g->I->loop, 0.05);
	GEN_AWAIT(g, value_ref(L[2]), &L[4]);
	cr_expect_str_eq(str(L[4]), "b");
	cr_expect_float_eq(loop_time(g->I->loop), 0.10, 1e-9);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_as_completed_reverse_wait
 *   a = asyncio.sleep(0.05, 'a'); b = asyncio.sleep(0.10, 'b'); fs = {a, b}
 *   loop.run_until_complete(test()) */
Test(test_tasks, test_as_completed_reverse_wait)
{
	struct loop *L = loop_new(I);
	struct value fs = value_new_set();
	value_append(fs, sleep_str(0.05, "a"));
	value_append(fs, sleep_str(0.10, "b"));
	value_unref(run_ok(L, CALL(reverse_wait, fs)));
	aiotest_end();
}

/* async def runner():
 *     result = []; c = coro('ham')
 *     for f in asyncio.as_completed([c, c, coro('spam')]): result.append(await f)
 *     return result */
ASYNC_DEF(dup_runner, "fs", "it", "f", "v", "result")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[4] = value_list();
	L[0] = value_list();
	{
		struct value c = CALL(echo, value_str("ham"));
		value_append(L[0], value_ref(c));
		value_append(L[0], c);
		value_append(L[0], CALL(echo, value_str("spam")));
	}
	cr_assert_eq(aio_as_completed(g->I, L[0], -1, &L[1]), 0);
	for (;;) {
		{
			struct value f;
			if (gen_next(value_gen(L[1]), &f) != GEN_YIELDED) {
				value_unref(f);
				break;
			}
			value_set(&L[2], f);
		}
		GEN_AWAIT(g, value_ref(L[2]), &L[3]);
		value_append(L[4], value_ref(L[3]));
	}
	GEN_RETURN(g, value_ref(L[4]));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_as_completed_duplicate_coroutines
 *   fut = self.new_task(self.loop, runner()); self.loop.run_until_complete(fut)
 *   result = fut.result()
 *   self.assertEqual(set(result), {'ham', 'spam'}); self.assertEqual(len(result), 2) */
Test(test_tasks, test_as_completed_duplicate_coroutines)
{
	struct loop *L = loop_new(I);
	struct value r = run_ok(L, new_task(L, CALL0(dup_runner)));
	cr_expect_eq(value_len(r), 2, "%s", repr(r));
	cr_expect(strstr(repr(r), "'ham'") && strstr(repr(r), "'spam'"), "%s", repr(r));
	value_unref(r);
	aiotest_end();
}

/* async def sleeper(dt, arg):
 *     await asyncio.sleep(dt/2)
 *     res = await asyncio.sleep(dt/2, arg)
 *     return res */
ASYNC_DEF(half_sleeper, "dt", "arg", "res")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep_(L[0].u.f / 2), NULL);
	GEN_AWAIT(g, aio_sleep(g->I, L[0].u.f / 2, L[1]), &L[2]);
	GEN_RETURN(g, value_ref(L[2]));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_sleep
 *   t = self.new_task(loop, sleeper(0.1, 'yeah')); loop.run_until_complete(t)
 *   self.assertTrue(t.done()); self.assertEqual(t.result(), 'yeah')
 *   self.assertAlmostEqual(0.1, loop.time()) */
Test(test_tasks, test_sleep)
{
	struct loop *L = loop_new(I);
	struct value t = new_task(L, CALL(half_sleeper, value_float(0.1), value_str("yeah"))), r;
	value_unref(run_ok(L, value_ref(t)));
	cr_expect(future_done(F(t)));
	future_result(F(t), &r);
	cr_expect_str_eq(repr(r), "'yeah'");
	cr_expect_float_eq(loop_time(L), 0.1, 1e-9);
	value_unref(r);
	value_unref(t);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_sleep_cancel
 *   t = self.new_task(loop, asyncio.sleep(10.0, 'yeah'))
 *   (loop.call_later wrapped to keep the handle)
 *   test_utils.run_briefly(loop); self.assertFalse(handle._cancelled)
 *   t.cancel(); test_utils.run_briefly(loop); self.assertTrue(handle._cancelled) */
Test(test_tasks, test_sleep_cancel)
{
	struct loop *L = loop_new(I);
	struct value t = new_task(L, sleep_str(10, "yeah"));
	run_briefly(L);
	cr_expect_eq(loop_timer_count(L), 1, "the sleep's timer is live");
	task_cancel(T(t), value_none());
	run_briefly(L);
	cr_expect_eq(loop_timer_count(L), 0, "the sleep's timer was not cancelled");
	value_unref(t);
	aiotest_end();
}

/* async def doit():
 *     sleeper = self.new_task(loop, sleep(5000))
 *     loop.call_later(0.1, sleeper.cancel)
 *     try: await sleeper
 *     except asyncio.CancelledError: return 'cancelled'
 *     else: return 'slept in' */
ASYNC_DEF(doit, "sleeper")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = new_task(g->I->loop, sleep_(5000));
	timer_unref(loop_call_later(g->I->loop, 0.1, cancel_cb, "cancel", F(L[0]), future_actor(F(L[0])), value_none()));
	GEN_AWAIT_TRY(g, value_ref(L[0]), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		if (!is_exc(e, EXC_CANCELLED_ERROR)) GEN_RAISE(g, e);
		value_unref(e);
		GEN_RETURN(g, value_str("cancelled"));
	}
	GEN_RETURN(g, value_str("slept in"));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_task_cancel_sleeping_task
 *   doer = doit()
 *   self.assertEqual(loop.run_until_complete(doer), 'cancelled')
 *   self.assertAlmostEqual(0.1, loop.time()) */
Test(test_tasks, test_task_cancel_sleeping_task)
{
	struct loop *L = loop_new(I);
	struct value r = run_ok(L, CALL0(doit));
	cr_expect_str_eq(repr(r), "'cancelled'");
	cr_expect_float_eq(loop_time(L), 0.1, 1e-9);
	value_unref(r);
	aiotest_end();
}

/* async def coro(): await fut */
ASYNC_DEF(await_fut, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut), NULL);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_task_cancel_waiter_future
 *   task = self.new_task(self.loop, coro()); test_utils.run_briefly(self.loop)
 *   self.assertIs(task._fut_waiter, fut)
 *   task.cancel(); test_utils.run_briefly(self.loop)
 *   self.assertRaises(asyncio.CancelledError, self.loop.run_until_complete, task)
 *   self.assertIsNone(task._fut_waiter); self.assertTrue(fut.cancelled()) */
Test(test_tasks, test_task_cancel_waiter_future)
{
	struct loop *L = loop_new(I);
	fut = future_new(L);
	struct value t = new_task(L, CALL0(await_fut)), r;
	run_briefly(L);
	cr_expect_eq(T(t)->waiter, F(fut));
	task_cancel(T(t), value_none());
	run_briefly(L);
	cr_assert_eq(run_until_complete(L, value_ref(t), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect_null(T(t)->waiter);
	cr_expect(future_cancelled(F(fut)));
	value_unref(r);
	value_unref(t);
	value_unref(fut);
	aiotest_end();
}

static struct value step_result;

/* async def wait_for_future(): nonlocal result; result = await fut */
ASYNC_DEF(wait_for_future, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut), &step_result);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_step_result_future
 *   # If coroutine returns future, task waits on this future.
 *   t = self.new_task(self.loop, wait_for_future()); test_utils.run_briefly(self.loop)
 *   self.assertTrue(fut.cb_added)
 *   res = object(); fut.set_result(res); test_utils.run_briefly(self.loop)
 *   self.assertIs(res, result); self.assertTrue(t.done()); self.assertIsNone(t.result()) */
Test(test_tasks, test_step_result_future)
{
	struct loop *L = loop_new(I);
	struct value err, r;
	fut = future_new(L);
	step_result = value_none();
	struct value t = new_task(L, CALL0(wait_for_future));
	run_briefly(L);
	cr_expect_eq(F(fut)->ncbs, 1, "the task must add a done callback to the future");
	struct value res = value_list();
	future_set_result(F(fut), res, &err);
	run_briefly(L);
	cr_expect_eq(step_result.u.o, res.u.o);
	cr_expect(future_done(F(t)));
	future_result(F(t), &r);
	cr_expect(value_is_none(r));
	value_unref(step_result);
	value_unref(res);
	value_unref(t);
	value_unref(fut);
	aiotest_end();
}

/* async def coro(loop): self.assertIs(asyncio.current_task(), task) */
ASYNC_DEF(check_current, "_")
{
	GEN_BEGIN(g);
	cr_expect_eq(g->I->current_task, T(cur));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_current_task
 *   self.assertIsNone(asyncio.current_task(loop=self.loop))
 *   task = self.new_task(self.loop, coro(self.loop)); self.loop.run_until_complete(task)
 *   self.assertIsNone(asyncio.current_task(loop=self.loop)) */
Test(test_tasks, test_current_task)
{
	struct loop *L = loop_new(I);
	cr_expect_null(I->current_task);
	cur = new_task(L, CALL0(check_current));
	value_unref(run_ok(L, value_ref(cur)));
	cr_expect_null(I->current_task);
	value_unref(cur);
	aiotest_end();
}

static struct value task1, task2;

/* async def coro1(loop):
 *     self.assertTrue(asyncio.current_task() is task1)
 *     await fut1
 *     self.assertTrue(asyncio.current_task() is task1)
 *     fut2.set_result(True) */
ASYNC_DEF(interleave1, "_")
{
	struct value err;
	GEN_BEGIN(g);
	cr_expect_eq(g->I->current_task, T(task1));
	GEN_AWAIT(g, value_ref(fut1), NULL);
	cr_expect_eq(g->I->current_task, T(task1));
	future_set_result(F(fut2), value_bool(1), &err);
	GEN_END(g);
}

/* async def coro2(loop):
 *     self.assertTrue(asyncio.current_task() is task2)
 *     fut1.set_result(True)
 *     await fut2
 *     self.assertTrue(asyncio.current_task() is task2) */
ASYNC_DEF(interleave2, "_")
{
	struct value err;
	GEN_BEGIN(g);
	cr_expect_eq(g->I->current_task, T(task2));
	future_set_result(F(fut1), value_bool(1), &err);
	GEN_AWAIT(g, value_ref(fut2), NULL);
	cr_expect_eq(g->I->current_task, T(task2));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_current_task_with_interleaving_tasks
 *   task1 = self.new_task(self.loop, coro1(self.loop))
 *   task2 = self.new_task(self.loop, coro2(self.loop))
 *   self.loop.run_until_complete(asyncio.wait((task1, task2)))
 *   self.assertIsNone(asyncio.current_task(loop=self.loop)) */
Test(test_tasks, test_current_task_with_interleaving_tasks)
{
	struct loop *L = loop_new(I);
	cr_expect_null(I->current_task);
	fut1 = future_new(L);
	fut2 = future_new(L);
	task1 = new_task(L, CALL0(interleave1));
	task2 = new_task(L, CALL0(interleave2));
	struct value fs = value_tuple(2, value_ref(task1), value_ref(task2));
	value_unref(run_ok(L, aio_wait(I, fs, -1, AIO_ALL_COMPLETED)));
	cr_expect_null(I->current_task);
	cr_expect(future_done(F(task1)) && future_done(F(task2)));
	value_unref(fs);
	value_unref(task1);
	value_unref(task2);
	value_unref(fut1);
	value_unref(fut2);
	aiotest_end();
}

static int proof;

/* async def inner():
 *     try: await waiter
 *     except asyncio.CancelledError: proof += 1; raise
 *     else: self.fail('got past sleep() in inner()') */
ASYNC_DEF(passes_inner, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, value_ref(fut), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		if (is_exc(e, EXC_CANCELLED_ERROR)) proof += 1;
		GEN_RAISE(g, e);
	}
	cr_expect_fail("got past sleep() in inner()");
	GEN_END(g);
}

/* async def outer():
 *     try: await inner()
 *     except asyncio.CancelledError: proof += 100  # Expect this path.
 *     else: proof += 10 */
ASYNC_DEF(passes_outer, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, CALL0(passes_inner), NULL);
	if (gen_has_thrown(g)) {
		struct value e = gen_take_thrown(g);
		int c = is_exc(e, EXC_CANCELLED_ERROR);
		if (!c) GEN_RAISE(g, e);
		value_unref(e);
		proof += 100;
	} else {
		proof += 10;
	}
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_yield_future_passes_cancel
 *   # Cancelling outer() cancels inner() cancels waiter.
 *   f = asyncio.ensure_future(outer(), loop=self.loop); test_utils.run_briefly(self.loop)
 *   f.cancel(); self.loop.run_until_complete(f)
 *   self.assertEqual(proof, 101); self.assertTrue(waiter.cancelled()) */
Test(test_tasks, test_yield_future_passes_cancel)
{
	struct loop *L = loop_new(I);
	proof = 0;
	fut = future_new(L);
	struct value f = create_task(L, CALL0(passes_outer));
	run_briefly(L);
	task_cancel(T(f), value_none());
	value_unref(run_ok(L, value_ref(f)));
	cr_expect_eq(proof, 101);
	cr_expect(future_cancelled(F(fut)));
	value_unref(f);
	value_unref(fut);
	aiotest_end();
}

/* async def inner(): await waiter; proof += 1 */
ASYNC_DEF(shield_inner, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut), NULL);
	proof += 1;
	GEN_END(g);
}

/* async def outer():
 *     d, p = await asyncio.wait([asyncio.create_task(inner())])
 *     proof += 100 */
ASYNC_DEF(shield_outer, "fs")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = value_list();
	value_append(L[0], create_task(g->I->loop, CALL0(shield_inner)));
	GEN_AWAIT(g, aio_wait(g->I, L[0], -1, AIO_ALL_COMPLETED), NULL);
	proof += 100;
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_yield_wait_does_not_shield_cancel
 *   # Cancelling outer() makes wait() return early, leaves inner() running.
 *   f = asyncio.ensure_future(outer(), loop=self.loop); test_utils.run_briefly(self.loop)
 *   f.cancel()
 *   self.assertRaises(asyncio.CancelledError, self.loop.run_until_complete, f)
 *   waiter.set_result(None); test_utils.run_briefly(self.loop)
 *   self.assertEqual(proof, 1) */
Test(test_tasks, test_yield_wait_does_not_shield_cancel)
{
	struct loop *L = loop_new(I);
	struct value r, err;
	proof = 0;
	fut = future_new(L);
	struct value f = create_task(L, CALL0(shield_outer));
	run_briefly(L);
	task_cancel(T(f), value_none());
	cr_assert_eq(run_until_complete(L, value_ref(f), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	value_unref(r);
	future_set_result(F(fut), value_none(), &err);
	run_briefly(L);
	cr_expect_eq(proof, 1);
	value_unref(f);
	value_unref(fut);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_create_task_with_noncoroutine
 *   with self.assertRaisesRegex(TypeError, "a coroutine was expected, got 123"):
 *       self.new_task(self.loop, 123)
 *   (twice, for the iscoroutine() cache) */
Test(test_tasks, test_create_task_with_noncoroutine)
{
	struct loop *L = loop_new(I);
	for (int i = 0; i < 2; i++) {
		struct value t;
		cr_assert_eq(aio_create_task(L, value_int(123), "TestTask", &t), 1);
		cr_expect_str_eq(exc_text(t), "TypeError: a coroutine was expected, got 123");
		value_unref(t);
	}
	aiotest_end();
}

/* async def test(): await task */
ASYNC_DEF(await_self, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(cur), NULL);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_task_awaits_on_itself
 *   task = asyncio.ensure_future(test(), loop=self.loop)
 *   with self.assertRaisesRegex(RuntimeError, 'Task cannot await on itself'):
 *       self.loop.run_until_complete(task) */
Test(test_tasks, test_task_awaits_on_itself)
{
	struct loop *L = loop_new(I);
	struct value r;
	cur = create_task(L, CALL0(await_self));
	cr_assert_eq(run_until_complete(L, value_ref(cur), &r), 1);
	cr_expect(is_exc(r, EXC_RUNTIME_ERROR) && strstr(exc_text(r), "Task cannot await on itself"), "%s",
		  exc_text(r));
	value_unref(r);
	value_unref(cur);
	aiotest_end();
}

ASYNC_DEF(inner1, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_int(42));
	GEN_END(g);
}

ASYNC_DEF(inner2, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_int(1000));
	GEN_END(g);
}

/* async def outer(): a = await inner1(); b = await inner2(); return a+b */
ASYNC_DEF(basics_outer, "a", "b")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	GEN_AWAIT(g, CALL0(inner1), &L[0]);
	GEN_AWAIT(g, CALL0(inner2), &L[1]);
	GEN_RETURN(g, value_int(L[0].u.i + L[1].u.i));
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_task_basics
 *   t = outer(); self.assertEqual(self.loop.run_until_complete(t), 1042) */
Test(test_tasks, test_task_basics)
{
	struct loop *L = loop_new(I);
	struct value r = run_ok(L, CALL0(basics_outer));
	cr_expect_str_eq(repr(r), "1042");
	value_unref(r);
	aiotest_end();
}

/* async def coro():
 *     task = self.new_task(loop, sleep())
 *     [await asyncio.sleep(0)]   (left out when `started` is False)
 *     task.cancel(*cancel_args)
 *     done, pending = await asyncio.wait([task])
 *     task.result()  (or task.exception()) */
ASYNC_DEF(cancel_msg_coro, "msg", "started", "task", "fs")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[2] = new_task(g->I->loop, CALL0(sleep10));
	if (value_truthy(L[1])) GEN_AWAIT(g, sleep_(0), NULL);
	task_cancel(T(L[2]), L[0]);
	L[3] = value_list();
	value_append(L[3], value_ref(L[2]));
	GEN_AWAIT(g, aio_wait(g->I, L[3], -1, AIO_ALL_COMPLETED), NULL);
	{
		struct value r;
		if (future_result(F(L[2]), &r)) GEN_RAISE(g, r);
		value_unref(r);
	}
	GEN_END(g);
}

/* The exception run_until_complete(new_task(coro())) raises. */
static struct value cancel_msg_case(struct value msg, int started)
{
	struct loop *L = loop_new(I);
	struct value r;
	cr_assert_eq(run_until_complete(L, new_task(L, CALL(cancel_msg_coro, msg, value_bool(started))), &r), 1);
	cr_assert(is_exc(r, EXC_CANCELLED_ERROR), "raised %s", exc_text(r));
	return r;
}

/* test_tasks.py: BaseTaskTests.test_cancel_with_message_then_future_result
 *   cases = [((), ()), ((None,), ()), (('my message',), ('my message',)), ((5,), (5,))]
 *   ... exc = cm.exception; self.assertEqual(exc.args, expected_args)
 *   actual = get_innermost_context(exc)
 *   self.assertEqual(actual, (asyncio.CancelledError, expected_args, 0)) */
Test(test_tasks, test_cancel_with_message_then_future_result)
{
	struct value msgs[3] = {value_none(), value_str("my message"), value_int(5)};
	const char *want[3] = {"()", "('my message',)", "(5,)"};
	for (int i = 0; i < 3; i++) {
		struct value r = cancel_msg_case(value_ref(msgs[i]), 1);
		cr_expect_str_eq(exc_args(r), want[i]);
		cr_expect_null(value_exc(r)->context, "innermost context depth must be 0");
		value_unref(r);
		value_unref(msgs[i]);
	}
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_cancel_with_message_before_starting_task
 *   task = self.new_task(loop, sleep())
 *   # We deliberately leave out the sleep here.
 *   task.cancel('my message'); done, pending = await asyncio.wait([task]); task.exception()
 *   self.assertEqual(exc.args, ('my message',)) */
Test(test_tasks, test_cancel_with_message_before_starting_task)
{
	struct value r = cancel_msg_case(value_str("my message"), 0);
	cr_expect_str_eq(exc_args(r), "('my message',)");
	cr_expect_null(value_exc(r)->context);
	value_unref(r);
	aiotest_end();
}

ASYNC_DEF(coroutine_function, "_")
{
	GEN_BEGIN(g);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_wait_invalid_args
 *   fut = self.new_future(self.loop)
 *   # wait() expects a list of futures, not a future instance
 *   self.assertRaises(TypeError, self.loop.run_until_complete, asyncio.wait(fut))
 *   coro = coroutine_function()
 *   self.assertRaises(TypeError, self.loop.run_until_complete, asyncio.wait(coro))
 *   coro.close()
 *   # wait() expects at least a future
 *   self.assertRaises(ValueError, self.loop.run_until_complete, asyncio.wait([])) */
Test(test_tasks, test_wait_invalid_args)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), c = CALL0(coroutine_function), empty = value_list(), r;
	cr_assert_eq(run_until_complete(L, aio_wait(I, f, -1, AIO_ALL_COMPLETED), &r), 1);
	cr_expect(is_exc(r, EXC_TYPE_ERROR), "%s", exc_text(r));
	value_unref(r);
	cr_assert_eq(run_until_complete(L, aio_wait(I, c, -1, AIO_ALL_COMPLETED), &r), 1);
	cr_expect(is_exc(r, EXC_TYPE_ERROR), "%s", exc_text(r));
	value_unref(r);
	gen_close(value_gen(c), &r);
	cr_assert_eq(run_until_complete(L, aio_wait(I, empty, -1, AIO_ALL_COMPLETED), &r), 1);
	cr_expect(is_exc(r, EXC_VALUE_ERROR), "%s", exc_text(r));
	value_unref(r);
	value_unref(f);
	value_unref(c);
	value_unref(empty);
	aiotest_end();
}

/* test_tasks.py: BaseTaskTests.test_as_completed_invalid_args
 *   # as_completed() expects a list of futures, not a future instance
 *   self.assertRaises(TypeError, self.loop.run_until_complete, asyncio.as_completed(fut))
 *   coro = coroutine_function()
 *   self.assertRaises(TypeError, self.loop.run_until_complete, asyncio.as_completed(coro))
 *   coro.close()
 * (as_completed() is a generator, which run_until_complete rejects) */
Test(test_tasks, test_as_completed_invalid_args)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), c = CALL0(coroutine_function), it, r;
	cr_assert_eq(aio_as_completed(I, f, -1, &it), 0);
	cr_assert_eq(run_until_complete(L, it, &r), 1);
	cr_expect(is_exc(r, EXC_TYPE_ERROR), "%s", exc_text(r));
	value_unref(r);
	cr_assert_eq(aio_as_completed(I, c, -1, &it), 0);
	cr_assert_eq(run_until_complete(L, it, &r), 1);
	cr_expect(is_exc(r, EXC_TYPE_ERROR), "%s", exc_text(r));
	value_unref(r);
	gen_close(value_gen(c), &r);
	value_unref(f);
	value_unref(c);
	aiotest_end();
}

/* async def func(): return fut */
ASYNC_DEF(return_fut, "_")
{
	GEN_BEGIN(g);
	GEN_RETURN(g, value_ref(fut));
	GEN_END(g);
}

/* async def coro(): fut.set_result('test') */
ASYNC_DEF(set_fut_test, "_")
{
	struct value err, s;
	GEN_BEGIN(g);
	s = value_str("test");
	future_set_result(F(fut), s, &err);
	value_unref(s);
	GEN_END(g);
}

/* test_tasks.py: BaseTaskTests.test_coroutine_non_gen_function_return_future
 *   t1 = self.new_task(self.loop, func()); t2 = self.new_task(self.loop, coro())
 *   res = self.loop.run_until_complete(t1)
 *   self.assertEqual(res, fut); self.assertIsNone(t2.result()) */
Test(test_tasks, test_coroutine_non_gen_function_return_future)
{
	struct loop *L = loop_new(I);
	fut = future_new(L);
	struct value t1 = new_task(L, CALL0(return_fut)), t2 = new_task(L, CALL0(set_fut_test)), r;
	struct value res = run_ok(L, value_ref(t1));
	cr_expect_eq(res.u.o, fut.u.o);
	cr_assert_eq(future_result(F(t2), &r), 0);
	cr_expect(value_is_none(r));
	value_unref(res);
	value_unref(t1);
	value_unref(t2);
	value_unref(fut);
	aiotest_end();
}

/* --- GatherTestsBase / FutureGatherTests --- */

static struct value gather_of(struct value *futs, int n, int return_exceptions)
{
	struct value aws = value_list(), out;
	for (int i = 0; i < n; i++) value_append(aws, value_ref(futs[i]));
	cr_assert_eq(aio_gather(I, aws, return_exceptions, &out), 0, "gather raised %s", exc_text(out));
	value_unref(aws);
	return out;
}

/* GatherTestsBase._check_success
 *   a, b, c = [self.one_loop.create_future() for i in range(3)]
 *   fut = self._gather(*self.wrap_futures(a, b, c), **kwargs)
 *   cb = test_utils.MockCallback(); fut.add_done_callback(cb)
 *   b.set_result(1); a.set_result(2); self._run_loop(self.one_loop)
 *   self.assertEqual(cb.called, False); self.assertFalse(fut.done())
 *   c.set_result(3); self._run_loop(self.one_loop)
 *   cb.assert_called_once_with(fut); self.assertEqual(fut.result(), [2, 1, 3]) */
static void check_success(int return_exceptions)
{
	struct loop *L = loop_new(I);
	struct value f[3], err, r;
	for (int i = 0; i < 3; i++) f[i] = future_new(L);
	struct value g = gather_of(f, 3, return_exceptions);
	mock_calls = 0;
	future_add_done_callback(F(g), mock_cb, "cb", NULL, aiotest_cb_actor);
	future_set_result(F(f[1]), value_int(1), &err);
	future_set_result(F(f[0]), value_int(2), &err);
	run_loop(L);
	cr_expect_eq(mock_calls, 0);
	cr_expect_not(future_done(F(g)));
	future_set_result(F(f[2]), value_int(3), &err);
	run_loop(L);
	assert_called_once_with(g);
	cr_assert_eq(future_result(F(g), &r), 0);
	cr_expect_str_eq(repr(r), "[2, 1, 3]");
	value_unref(r);
	value_unref(g);
	for (int i = 0; i < 3; i++) value_unref(f[i]);
}

/* test_tasks.py: GatherTestsBase.test_success (FutureGatherTests)
 *   self._check_success(); self._check_success(return_exceptions=False) */
Test(test_tasks, test_success)
{
	check_success(0);
	aiotest_end();
}

/* test_tasks.py: GatherTestsBase.test_result_exception_success (FutureGatherTests)
 *   self._check_success(return_exceptions=True) */
Test(test_tasks, test_result_exception_success)
{
	check_success(1);
	aiotest_end();
}

/* test_tasks.py: GatherTestsBase.test_one_exception (FutureGatherTests)
 *   a, b, c, d, e = futures; fut = self._gather(a, b, c, d, e); add cb
 *   exc = ZeroDivisionError(); a.set_result(1); b.set_exception(exc)
 *   self._run_loop(self.one_loop)
 *   self.assertTrue(fut.done()); cb.assert_called_once_with(fut)
 *   self.assertIs(fut.exception(), exc)
 *   # Does nothing
 *   c.set_result(3); d.cancel(); e.set_exception(RuntimeError()); e.exception() */
Test(test_tasks, test_one_exception)
{
	struct loop *L = loop_new(I);
	struct value f[5], err, r, exc = exc_new(EXC_ZERO_DIVISION_ERROR, NULL);
	struct value rte = exc_new(EXC_RUNTIME_ERROR, NULL);
	for (int i = 0; i < 5; i++) f[i] = future_new(L);
	struct value g = gather_of(f, 5, 0);
	mock_calls = 0;
	future_add_done_callback(F(g), mock_cb, "cb", NULL, aiotest_cb_actor);
	future_set_result(F(f[0]), value_int(1), &err);
	future_set_exception(F(f[1]), exc, &err);
	run_loop(L);
	cr_expect(future_done(F(g)));
	assert_called_once_with(g);
	future_exception(F(g), &r);
	cr_expect_eq(r.u.o, exc.u.o);
	value_unref(r);
	future_set_result(F(f[2]), value_int(3), &err);
	future_cancel(F(f[3]), value_none());
	future_set_exception(F(f[4]), rte, &err);
	run_loop(L);
	cr_expect_eq(mock_calls, 1);
	value_unref(exc);
	value_unref(rte);
	value_unref(g);
	for (int i = 0; i < 5; i++) value_unref(f[i]);
	aiotest_end();
}

/* test_tasks.py: GatherTestsBase.test_return_exceptions (FutureGatherTests)
 *   a, b, c, d; fut = self._gather(a, b, c, d, return_exceptions=True); add cb
 *   exc = ZeroDivisionError(); exc2 = RuntimeError()
 *   b.set_result(1); c.set_exception(exc); a.set_result(3)
 *   self._run_loop(self.one_loop); self.assertFalse(fut.done())
 *   d.set_exception(exc2); self._run_loop(self.one_loop)
 *   self.assertTrue(fut.done()); cb.assert_called_once_with(fut)
 *   self.assertEqual(fut.result(), [3, 1, exc, exc2]) */
Test(test_tasks, test_return_exceptions)
{
	struct loop *L = loop_new(I);
	struct value f[4], err, r, exc = exc_new(EXC_ZERO_DIVISION_ERROR, NULL);
	struct value exc2 = exc_new(EXC_RUNTIME_ERROR, NULL);
	for (int i = 0; i < 4; i++) f[i] = future_new(L);
	struct value g = gather_of(f, 4, 1);
	mock_calls = 0;
	future_add_done_callback(F(g), mock_cb, "cb", NULL, aiotest_cb_actor);
	future_set_result(F(f[1]), value_int(1), &err);
	future_set_exception(F(f[2]), exc, &err);
	future_set_result(F(f[0]), value_int(3), &err);
	run_loop(L);
	cr_expect_not(future_done(F(g)));
	future_set_exception(F(f[3]), exc2, &err);
	run_loop(L);
	cr_expect(future_done(F(g)));
	assert_called_once_with(g);
	cr_assert_eq(future_result(F(g), &r), 0);
	cr_assert_eq(value_len(r), 4);
	cr_expect_str_eq(repr(r), "[3, 1, ZeroDivisionError(), RuntimeError()]");
	cr_expect_eq(value_item(r, 2).u.o, exc.u.o);
	cr_expect_eq(value_item(r, 3).u.o, exc2.u.o);
	value_unref(r);
	value_unref(exc);
	value_unref(exc2);
	value_unref(g);
	for (int i = 0; i < 4; i++) value_unref(f[i]);
	aiotest_end();
}

/* test_tasks.py: FutureGatherTests.test_one_cancellation
 *   a, b, c, d, e; fut = asyncio.gather(a, b, c, d, e); add cb
 *   a.set_result(1); b.cancel(); self._run_loop(self.one_loop)
 *   self.assertTrue(fut.done()); cb.assert_called_once_with(fut)
 *   self.assertFalse(fut.cancelled())
 *   self.assertIsInstance(fut.exception(), asyncio.CancelledError)
 *   # Does nothing
 *   c.set_result(3); d.cancel(); e.set_exception(RuntimeError()); e.exception() */
Test(test_tasks, test_one_cancellation)
{
	struct loop *L = loop_new(I);
	struct value f[5], err, r, rte = exc_new(EXC_RUNTIME_ERROR, NULL);
	for (int i = 0; i < 5; i++) f[i] = future_new(L);
	struct value g = gather_of(f, 5, 0);
	mock_calls = 0;
	future_add_done_callback(F(g), mock_cb, "cb", NULL, aiotest_cb_actor);
	future_set_result(F(f[0]), value_int(1), &err);
	future_cancel(F(f[1]), value_none());
	run_loop(L);
	cr_expect(future_done(F(g)));
	assert_called_once_with(g);
	cr_expect_not(future_cancelled(F(g)));
	cr_assert_eq(future_exception(F(g), &r), 0);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR), "%s", repr(r));
	value_unref(r);
	future_set_result(F(f[2]), value_int(3), &err);
	future_cancel(F(f[3]), value_none());
	future_set_exception(F(f[4]), rte, &err);
	run_loop(L);
	value_unref(rte);
	value_unref(g);
	for (int i = 0; i < 5; i++) value_unref(f[i]);
	aiotest_end();
}

/* test_tasks.py: FutureGatherTests.test_result_exception_one_cancellation
 *   a..f; fut = asyncio.gather(a, b, c, d, e, f, return_exceptions=True); add cb
 *   a.set_result(1); zde = ZeroDivisionError(); b.set_exception(zde); c.cancel()
 *   self._run_loop(self.one_loop); self.assertFalse(fut.done())
 *   d.set_result(3); e.cancel(); rte = RuntimeError(); f.set_exception(rte)
 *   res = self.one_loop.run_until_complete(fut)
 *   self.assertIsInstance(res[2], asyncio.CancelledError)
 *   self.assertIsInstance(res[4], asyncio.CancelledError)
 *   res[2] = res[4] = None
 *   self.assertEqual(res, [1, zde, None, 3, None, rte])
 *   cb.assert_called_once_with(fut) */
Test(test_tasks, test_result_exception_one_cancellation)
{
	struct loop *L = loop_new(I);
	struct value f[6], err, zde = exc_new(EXC_ZERO_DIVISION_ERROR, NULL);
	struct value rte = exc_new(EXC_RUNTIME_ERROR, NULL);
	for (int i = 0; i < 6; i++) f[i] = future_new(L);
	struct value g = gather_of(f, 6, 1);
	mock_calls = 0;
	future_add_done_callback(F(g), mock_cb, "cb", NULL, aiotest_cb_actor);
	future_set_result(F(f[0]), value_int(1), &err);
	future_set_exception(F(f[1]), zde, &err);
	future_cancel(F(f[2]), value_none());
	run_loop(L);
	cr_expect_not(future_done(F(g)));
	future_set_result(F(f[3]), value_int(3), &err);
	future_cancel(F(f[4]), value_none());
	future_set_exception(F(f[5]), rte, &err);
	struct value res = run_ok(L, value_ref(g));
	cr_assert_eq(value_len(res), 6);
	cr_expect(is_exc(value_item(res, 2), EXC_CANCELLED_ERROR));
	cr_expect(is_exc(value_item(res, 4), EXC_CANCELLED_ERROR));
	cr_expect_str_eq(repr(value_item(res, 0)), "1");
	cr_expect_eq(value_item(res, 1).u.o, zde.u.o);
	cr_expect_str_eq(repr(value_item(res, 3)), "3");
	cr_expect_eq(value_item(res, 5).u.o, rte.u.o);
	assert_called_once_with(g);
	value_unref(res);
	value_unref(zde);
	value_unref(rte);
	value_unref(g);
	for (int i = 0; i < 6; i++) value_unref(f[i]);
	aiotest_end();
}

/* async def gather(): return asyncio.gather() */
ASYNC_DEF(gather_nothing, "_")
{
	struct value aws, out;
	GEN_BEGIN(g);
	aws = value_list();
	cr_assert_eq(aio_gather(g->I, aws, 0, &out), 0);
	value_unref(aws);
	GEN_RETURN(g, out);
	GEN_END(g);
}

/* test_tasks.py: FutureGatherTests.test_constructor_empty_sequence_use_running_loop
 *   fut = self.one_loop.run_until_complete(gather())
 *   self.assertIsInstance(fut, asyncio.Future); self.assertIs(fut._loop, self.one_loop)
 *   self._run_loop(self.one_loop)
 *   self.assertTrue(fut.done()); self.assertEqual(fut.result(), []) */
Test(test_tasks, test_constructor_empty_sequence_use_running_loop)
{
	struct loop *L = loop_new(I);
	struct value f = run_ok(L, CALL0(gather_nothing)), r;
	cr_assert_eq(f.kind, VAL_FUTURE);
	cr_expect_eq(future_loop(F(f)), L);
	run_loop(L);
	cr_expect(future_done(F(f)));
	cr_assert_eq(future_result(F(f), &r), 0);
	cr_expect_str_eq(repr(r), "[]");
	value_unref(r);
	value_unref(f);
	aiotest_end();
}

/* CoroutineGatherTests._gather:
 *   async def coro(): return asyncio.gather(*args, **kwargs)
 *   return self.one_loop.run_until_complete(coro())  -- args is the first local */
ASYNC_DEF(make_gather, "aws")
{
	struct value out;
	GEN_BEGIN(g);
	cr_assert_eq(aio_gather(g->I, g->locals[0], 0, &out), 0);
	GEN_RETURN(g, out);
	GEN_END(g);
}

/* test_tasks.py: CoroutineGatherTests.test_duplicate_coroutines
 *   async def coro(s): return s
 *   c = coro('abc')
 *   fut = self._gather(c, c, coro('def'), c)
 *   self._run_loop(self.one_loop)
 *   self.assertEqual(fut.result(), ['abc', 'abc', 'def', 'abc']) */
Test(test_tasks, test_duplicate_coroutines)
{
	struct loop *L = loop_new(I);
	struct value c = CALL(echo, value_str("abc")), aws = value_list(), r;
	value_append(aws, value_ref(c));
	value_append(aws, value_ref(c));
	value_append(aws, CALL(echo, value_str("def")));
	value_append(aws, value_ref(c));
	value_unref(c);
	struct value f = run_ok(L, CALL(make_gather, aws));
	run_loop(L);
	cr_assert_eq(future_result(F(f), &r), 0, "%s", exc_text(r));
	cr_expect_str_eq(repr(r), "['abc', 'abc', 'def', 'abc']");
	value_unref(r);
	value_unref(f);
	aiotest_end();
}

static struct value child1, child2, gatherer;

/* async def inner(): await waiter; proof += 1 */
ASYNC_DEF(broadcast_inner, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(fut), NULL);
	proof += 1;
	GEN_END(g);
}

/* async def outer():
 *     gatherer = asyncio.gather(child1, child2)
 *     await gatherer
 *     proof += 100 */
ASYNC_DEF(broadcast_outer, "_")
{
	GEN_BEGIN(g);
	{
		struct value aws = value_list();
		value_append(aws, value_ref(child1));
		value_append(aws, value_ref(child2));
		cr_assert_eq(aio_gather(g->I, aws, 0, &gatherer), 0);
		value_unref(aws);
	}
	GEN_AWAIT(g, value_ref(gatherer), NULL);
	proof += 100;
	GEN_END(g);
}

/* test_tasks.py: CoroutineGatherTests.test_cancellation_broadcast
 *   # Cancelling outer() cancels all children.
 *   child1 = asyncio.ensure_future(inner(), loop=self.one_loop)
 *   child2 = asyncio.ensure_future(inner(), loop=self.one_loop)
 *   f = asyncio.ensure_future(outer(), loop=self.one_loop)
 *   test_utils.run_briefly(self.one_loop)
 *   self.assertTrue(f.cancel())
 *   with self.assertRaises(asyncio.CancelledError): self.one_loop.run_until_complete(f)
 *   self.assertFalse(gatherer.cancel())
 *   self.assertTrue(waiter.cancelled())
 *   self.assertTrue(child1.cancelled()); self.assertTrue(child2.cancelled())
 *   test_utils.run_briefly(self.one_loop)
 *   self.assertEqual(proof, 0) */
Test(test_tasks, test_cancellation_broadcast)
{
	struct loop *L = loop_new(I);
	struct value r;
	proof = 0;
	fut = future_new(L);
	child1 = create_task(L, CALL0(broadcast_inner));
	child2 = create_task(L, CALL0(broadcast_inner));
	struct value f = create_task(L, CALL0(broadcast_outer));
	run_briefly(L);
	cr_expect(task_cancel(T(f), value_none()));
	cr_assert_eq(run_until_complete(L, value_ref(f), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR), "%s", exc_text(r));
	value_unref(r);
	cr_expect_not(future_cancel(F(gatherer), value_none()));
	cr_expect(future_cancelled(F(fut)));
	cr_expect(future_cancelled(F(child1)));
	cr_expect(future_cancelled(F(child2)));
	run_briefly(L);
	cr_expect_eq(proof, 0);
	value_unref(f);
	value_unref(gatherer);
	value_unref(child1);
	value_unref(child2);
	value_unref(fut);
	aiotest_end();
}

/* async def inner(f): await f; raise RuntimeError('should not be ignored') */
ASYNC_DEF(marking_inner, "f")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(g->locals[0]), NULL);
	GEN_RAISE(g, exc_new(EXC_RUNTIME_ERROR, "should not be ignored"));
	GEN_END(g);
}

/* async def outer(): await asyncio.gather(inner(a), inner(b)) */
ASYNC_DEF(marking_outer, "aws", "outer")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	L[0] = value_list();
	value_append(L[0], CALL(marking_inner, value_ref(fut1)));
	value_append(L[0], CALL(marking_inner, value_ref(fut2)));
	cr_assert_eq(aio_gather(g->I, L[0], 0, &L[1]), 0);
	GEN_AWAIT(g, value_ref(L[1]), NULL);
	GEN_END(g);
}

/* test_tasks.py: CoroutineGatherTests.test_exception_marking
 *   f = asyncio.ensure_future(outer(), loop=self.one_loop)
 *   test_utils.run_briefly(self.one_loop)
 *   a.set_result(None); test_utils.run_briefly(self.one_loop)
 *   b.set_result(None); test_utils.run_briefly(self.one_loop)
 *   self.assertIsInstance(f.exception(), RuntimeError) */
Test(test_tasks, test_exception_marking)
{
	struct loop *L = loop_new(I);
	struct value err, r;
	fut1 = future_new(L);
	fut2 = future_new(L);
	struct value f = create_task(L, CALL0(marking_outer));
	run_briefly(L);
	future_set_result(F(fut1), value_none(), &err);
	run_briefly(L);
	future_set_result(F(fut2), value_none(), &err);
	run_briefly(L);
	cr_assert_eq(future_exception(F(f), &r), 0, "f.exception() raised %s", exc_text(r));
	cr_expect(is_exc(r, EXC_RUNTIME_ERROR), "%s", repr(r));
	value_unref(r);
	value_unref(f);
	value_unref(fut1);
	value_unref(fut2);
	aiotest_end();
}

static int sleep_zero_result;

/* def inc_result(num): result += num */
static void inc_result_cb(struct interp *in, void *target, struct value num)
{
	(void)in;
	(void)target;
	sleep_zero_result += (int)num.u.i;
}

/* async def coro():
 *     self.loop.call_soon(inc_result, 1)
 *     self.assertEqual(result, 0)
 *     num = await asyncio.sleep(0, result=10)
 *     self.assertEqual(result, 1) # inc'ed by call_soon
 *     inc_result(num) # num should be 11 */
ASYNC_DEF(sleep_zero_coro, "num")
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	loop_call_soon(g->I->loop, inc_result_cb, "inc_result", NULL, aiotest_cb_actor, value_int(1));
	cr_expect_eq(sleep_zero_result, 0);
	GEN_AWAIT(g, aio_sleep(g->I, 0, value_int(10)), &L[0]);
	cr_expect_eq(sleep_zero_result, 1);
	sleep_zero_result += (int)L[0].u.i;
	GEN_END(g);
}

/* test_tasks.py: SleepTests.test_sleep_zero
 *   self.loop.run_until_complete(coro()); self.assertEqual(result, 11) */
Test(test_tasks, test_sleep_zero)
{
	struct loop *L = loop_new(I);
	sleep_zero_result = 0;
	value_unref(run_ok(L, CALL0(sleep_zero_coro)));
	cr_expect_eq(sleep_zero_result, 11);
	aiotest_end();
}

/* ======================================================== test_base_events */

/* test_base_events.py: BaseEventLoopTests.test_close
 *   self.assertFalse(self.loop.is_closed()); self.loop.close()
 *   self.assertTrue(self.loop.is_closed())
 *   # it should be possible to call close() more than once
 *   self.loop.close(); self.loop.close()
 *   # operation blocked when the loop is closed
 *   f = self.loop.create_future()
 *   self.assertRaises(RuntimeError, self.loop.run_forever)
 *   self.assertRaises(RuntimeError, self.loop.run_until_complete, f) */
Test(test_base_events, test_close)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), r;
	cr_expect_not(loop_is_closed(L));
	loop_close(L);
	cr_expect(loop_is_closed(L));
	loop_close(L);
	loop_close(L);
	cr_expect_eq(loop_run_forever(L), -1);
	cr_assert_eq(run_until_complete(L, value_ref(f), &r), 1);
	cr_expect(is_exc(r, EXC_RUNTIME_ERROR), "%s", exc_text(r));
	value_unref(r);
	value_unref(f);
	aiotest_end();
}

static void noop_cb(struct interp *in, void *target, struct value arg)
{
	(void)in;
	(void)target;
	(void)arg;
}

/* test_base_events.py: BaseEventLoopTests.test_call_soon
 *   h = self.loop.call_soon(cb); self.assertIn(h, self.loop._ready) */
Test(test_base_events, test_call_soon)
{
	struct loop *L = loop_new(I);
	cr_expect_neq(loop_call_soon(L, noop_cb, "cb", NULL, aiotest_cb_actor, value_none()), 0);
	cr_expect_eq(loop_ready_count(L), 1);
	cr_expect_eq(loop_timer_count(L), 0);
	aiotest_end();
}

/* test_base_events.py: BaseEventLoopTests.test_call_later
 *   h = self.loop.call_later(10.0, cb)
 *   self.assertIn(h, self.loop._scheduled); self.assertNotIn(h, self.loop._ready) */
Test(test_base_events, test_call_later)
{
	struct loop *L = loop_new(I);
	struct timer *t = loop_call_later(L, 10.0, noop_cb, "cb", NULL, aiotest_cb_actor, value_none());
	cr_expect_eq(loop_timer_count(L), 1);
	cr_expect_eq(loop_ready_count(L), 0);
	timer_unref(t);
	aiotest_end();
}

/* test_base_events.py: BaseEventLoopTests.test_call_later_negative_delays
 *   self.loop.call_later(-1, cb, 'a'); self.loop.call_later(-2, cb, 'b')
 *   test_utils.run_briefly(self.loop); self.assertEqual(calls, ['b', 'a']) */
Test(test_base_events, test_call_later_negative_delays)
{
	struct loop *L = loop_new(I);
	later_print(L, -1, "a");
	later_print(L, -2, "b");
	run_briefly(L);
	cr_expect_str_eq(printed(), "b|a|");
	aiotest_end();
}

/* test_base_events.py: BaseEventLoopTests.test_time_and_call_at
 *   def cb(): self.loop.stop()
 *   delay = 0.1; when = self.loop.time() + delay; self.loop.call_at(when, cb)
 *   t0 = self.loop.time(); self.loop.run_forever(); dt = self.loop.time() - t0
 *   self.assertGreaterEqual(dt, delay - 0.050, dt) */
Test(test_base_events, test_time_and_call_at)
{
	struct loop *L = loop_new(I);
	double delay = 0.1, when = loop_time(L) + delay;
	timer_unref(loop_call_at(L, when, stop_cb, "cb", NULL, aiotest_cb_actor, value_none()));
	double t0 = loop_time(L);
	loop_run_forever(L);
	double dt = loop_time(L) - t0;
	cr_expect_geq(dt, delay - 0.050, "dt=%g", dt);
	cr_expect_leq(dt, 0.9, "dt=%g", dt);
	aiotest_end();
}

/* def cb(loop): processed = True; handle = loop.call_soon(lambda: True) */
static int processed;

static void schedule_handle_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	(void)arg;
	processed = 1;
	loop_call_soon(in->loop, noop_cb, "lambda", NULL, aiotest_cb_actor, value_none());
}

/* test_base_events.py: BaseEventLoopTests.test__run_once_schedule_handle
 *   h = asyncio.TimerHandle(time.monotonic() - 1, cb, (self.loop,), self.loop)
 *   self.loop._scheduled.append(h); self.loop._run_once()
 *   self.assertTrue(processed); self.assertEqual([handle], list(self.loop._ready)) */
Test(test_base_events, test__run_once_schedule_handle)
{
	struct loop *L = loop_new(I);
	processed = 0;
	timer_unref(loop_call_at(L, loop_time(L) - 1, schedule_handle_cb, "cb", NULL, aiotest_cb_actor, value_none()));
	loop_run_once(L);
	cr_expect(processed);
	cr_expect_eq(loop_ready_count(L), 1);
	aiotest_end();
}

/* test_base_events.py: BaseEventLoopTests.test_run_until_complete_type_error
 *   self.assertRaises(TypeError, self.loop.run_until_complete, 'blah') */
Test(test_base_events, test_run_until_complete_type_error)
{
	struct loop *L = loop_new(I);
	struct value r;
	cr_assert_eq(run_until_complete(L, value_str("blah"), &r), 1);
	cr_expect(is_exc(r, EXC_TYPE_ERROR), "%s", exc_text(r));
	value_unref(r);
	aiotest_end();
}

static void count_cb(struct interp *in, void *target, struct value arg)
{
	(void)in;
	(void)target;
	(void)arg;
	mock_calls++;
}

/* test_base_events.py: BaseEventLoopTests.test_run_once
 *   # the idiom: loop.call_soon(loop.stop); loop.run_forever()
 *   self.loop.call_soon(callback); test_utils.run_once(self.loop)
 *   self.assertEqual(count, 1) */
Test(test_base_events, test_run_once)
{
	struct loop *L = loop_new(I);
	mock_calls = 0;
	loop_call_soon(L, count_cb, "callback", NULL, aiotest_cb_actor, value_none());
	soon_stop(L);
	loop_run_forever(L);
	cr_expect_eq(mock_calls, 1);
	aiotest_end();
}

/* test_base_events.py: BaseEventLoopTests.test_run_forever_pre_stopped
 *   # Test that the old idiom for pre-stopping the loop works.
 *   self.loop.stop(); self.loop.run_forever()
 *   self.loop._selector.select.assert_called_once_with(0) */
Test(test_base_events, test_run_forever_pre_stopped)
{
	struct loop *L = loop_new(I);
	later_print(L, 5, "timer");
	loop_stop(L);
	loop_run_forever(L);
	cr_expect_eq(loop_iteration(L), 1, "one pass of the loop");
	cr_expect_float_eq(loop_time(L), 0.0, 1e-12, "select(0): the stopping loop must not wait for the timer");
	cr_expect_str_eq(printed(), "");
	aiotest_end();
}

/* ============================================================= test_events */

ASYNC_DEF(nesting_coro1, "_")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, sleep_(0), NULL);
	GEN_END(g);
}

/* async def coro2():
 *     self.assertTrue(self.loop.is_running())
 *     self.loop.run_until_complete(coro1()) */
ASYNC_DEF(nesting_coro2, "_")
{
	struct value r;
	GEN_BEGIN(g);
	cr_expect(loop_is_running(g->I->loop));
	if (run_until_complete(g->I->loop, CALL0(nesting_coro1), &r)) GEN_RAISE(g, r);
	value_unref(r);
	GEN_END(g);
}

/* test_events.py: EventLoopTestsMixin.test_run_until_complete_nesting
 *   with self.assertWarnsRegex(RuntimeWarning, r"coroutine \S+ was never awaited"):
 *       self.assertRaises(RuntimeError, self.loop.run_until_complete, coro2()) */
Test(test_events, test_run_until_complete_nesting)
{
	struct loop *L = loop_new(I);
	struct value r;
	cr_assert_eq(run_until_complete(L, CALL0(nesting_coro2), &r), 1);
	cr_expect(is_exc(r, EXC_RUNTIME_ERROR), "%s", exc_text(r));
	cr_expect(aiotest_rec.last_warn && strstr(aiotest_rec.last_warn, "was never awaited"), "warning: %s",
		  aiotest_rec.last_warn);
	value_unref(r);
	aiotest_end();
}

/* async def cb(): self.loop.stop(); await asyncio.sleep(0.1) */
ASYNC_DEF(stop_then_sleep, "_")
{
	GEN_BEGIN(g);
	loop_stop(g->I->loop);
	GEN_AWAIT(g, sleep_(0.1), NULL);
	GEN_END(g);
}

/* test_events.py: EventLoopTestsMixin.test_run_until_complete_stopped
 *   task = cb()
 *   self.assertRaises(RuntimeError, self.loop.run_until_complete, task) */
Test(test_events, test_run_until_complete_stopped)
{
	struct loop *L = loop_new(I);
	struct value r;
	cr_assert_eq(run_until_complete(L, CALL0(stop_then_sleep), &r), 1);
	cr_expect(is_exc(r, EXC_RUNTIME_ERROR), "%s", exc_text(r));
	value_unref(r);
	aiotest_end();
}
