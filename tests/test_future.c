/* test_future.c -- asyncio.Future: semantics.md L5, L6 and §4.1-4.2.
 *
 * Every expected output below was printed by python3 3.11.7 running the
 * snippet in the comment above the test (loop = asyncio.new_event_loop()),
 * or is quoted from semantics.md.
 */
#include "config.h"

#include "aiotest.h"

TestSuite(future, .init = aiotest_init, .fini = aiotest_fini);

static struct value fut; /* the future a test's callbacks work on */

/* A done callback that prints its label (the callback's ctx, a str). */
static void label_cb(struct interp *in, void *ctx, struct value f)
{
	(void)in;
	(void)f;
	P("%s", ((struct vstr *)ctx)->s);
}

/* fut.add_done_callback(lambda f: print(label)); returns the label object,
 * which identifies the callback for remove_done_callback (the caller
 * releases it). */
static struct value add_label_cb(struct future *f, const char *label)
{
	struct value s = value_str(label);
	future_add_done_callback(f, label_cb, "label", s.u.o, aiotest_cb_actor);
	return s;
}

/* lambda f: print("done-cb 1, result =", f.result()) */
static void print_result_cb(struct interp *in, void *ctx, struct value f)
{
	(void)in;
	struct value r;
	int raised = future_result(value_future(f), &r);
	P("%s %s", ((struct vstr *)ctx)->s, raised ? exc_text(r) : str(r));
	value_unref(r);
}

/* loop.call_soon(loop.stop) from inside the loop: stop after the next
 * iteration, so that what this one scheduled still runs. */
static void soon_stop_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	(void)arg;
	soon_stop(in->loop);
}

static void setter_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	(void)arg;
	struct value err;
	P("setter: calling set_result");
	cr_assert_eq(future_set_result(F(fut), value_int(42), &err), 0);
	P("setter: set_result returned (no callback has run yet)");
	soon_print(in->loop, "call_soon queued AFTER set_result");
}

/*
 *   fut = loop.create_future()
 *   def setter():
 *       print("setter: calling set_result")
 *       fut.set_result(42)
 *       print("setter: set_result returned (no callback has run yet)")
 *       loop.call_soon(print, "call_soon queued AFTER set_result")
 *   fut.add_done_callback(lambda f: print("done-cb 1, result =", f.result()))
 *   fut.add_done_callback(lambda f: print("done-cb 2"))
 *   fut.add_done_callback(lambda f: print("done-cb 3"))
 *   loop.call_soon(setter)
 *   loop.call_soon(print, "call_soon queued BEFORE setter ran")
 *   loop.call_soon(loop.call_soon, loop.stop)
 *   loop.run_forever()
 * (03_loop_order.out)
 */
Test(future, L5_done_callbacks_via_call_soon_in_order)
{
	struct loop *L = loop_new(I);
	fut = future_new(L);
	struct value s = value_str("done-cb 1, result =");
	future_add_done_callback(F(fut), print_result_cb, "cb1", s.u.o, aiotest_cb_actor);
	value_unref(s);
	value_unref(add_label_cb(F(fut), "done-cb 2"));
	value_unref(add_label_cb(F(fut), "done-cb 3"));
	loop_call_soon(L, setter_cb, "setter", NULL, aiotest_cb_actor, value_none());
	soon_print(L, "call_soon queued BEFORE setter ran");
	loop_call_soon(L, soon_stop_cb, "call_soon", NULL, aiotest_cb_actor, value_none());
	loop_run_forever(L);
	cr_expect_str_eq(printed(), "setter: calling set_result|"
				    "setter: set_result returned (no callback has run yet)|"
				    "call_soon queued BEFORE setter ran|"
				    "done-cb 1, result = 42|done-cb 2|done-cb 3|"
				    "call_soon queued AFTER set_result|");
	/* completed inside iteration k, the callbacks ran in iteration k+1 */
	cr_expect_eq(iterations_between("setter: calling set_result", "done-cb 1, result = 42"), 1);
	value_unref(fut);
	aiotest_end();
}

/* L5: set_result(), set_exception() and cancel() never call a callback:
 * each one is queued with call_soon, in registration order. */
Test(future, L5_completing_never_calls_callbacks_inline)
{
	struct loop *L = loop_new(I);
	struct value err, e = exc_new(EXC_VALUE_ERROR, "bad");
	struct value f[3] = {future_new(L), future_new(L), future_new(L)};
	value_unref(add_label_cb(F(f[0]), "result cb"));
	value_unref(add_label_cb(F(f[1]), "exception cb"));
	value_unref(add_label_cb(F(f[2]), "cancel cb 1"));
	value_unref(add_label_cb(F(f[2]), "cancel cb 2"));
	cr_assert_eq(future_set_result(F(f[0]), value_none(), &err), 0);
	cr_assert_eq(future_set_exception(F(f[1]), e, &err), 0);
	cr_assert(future_cancel(F(f[2]), value_none()));
	cr_expect_eq(aiotest_rec.n, 0, "a callback ran inside set_result/set_exception/cancel");
	cr_expect_eq(loop_ready_count(L), 4);
	loop_run_once(L);
	cr_expect_str_eq(printed(), "result cb|exception cb|cancel cb 1|cancel cb 2|");
	value_unref(e);
	for (int i = 0; i < 3; i++) value_unref(f[i]);
	aiotest_end();
}

static void adder_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	(void)arg;
	struct value s = value_str("late done-cb runs, result");
	future_add_done_callback(F(fut), print_result_cb, "late", s.u.o, aiotest_cb_actor);
	value_unref(s);
	P("adder: add_done_callback returned");
	soon_print(in->loop, "call_soon queued after add_done_callback");
}

/*
 *   f2 = loop.create_future(); f2.set_result("x")
 *   def adder():
 *       f2.add_done_callback(lambda f: print("late done-cb runs, result", f.result()))
 *       print("adder: add_done_callback returned")
 *       loop.call_soon(print, "call_soon queued after add_done_callback")
 *   loop.call_soon(adder)
 *   loop.call_soon(loop.call_soon, loop.stop)
 *   loop.run_forever()
 */
Test(future, L6_callback_on_done_future_deferred)
{
	struct loop *L = loop_new(I);
	struct value err, x = value_str("x");
	fut = future_new(L);
	future_set_result(F(fut), x, &err);
	value_unref(x);
	loop_call_soon(L, adder_cb, "adder", NULL, aiotest_cb_actor, value_none());
	loop_call_soon(L, soon_stop_cb, "call_soon", NULL, aiotest_cb_actor, value_none());
	loop_run_forever(L);
	cr_expect_str_eq(printed(), "adder: add_done_callback returned|"
				    "late done-cb runs, result x|"
				    "call_soon queued after add_done_callback|");
	value_unref(fut);
	aiotest_end();
}

/*
 *   f3 = loop.create_future(); f3.set_result("r")
 *   f3.add_done_callback(lambda f: print("late callback:", f.result()))
 *   print("add_done_callback returned; nothing printed yet")
 *   loop.call_soon(loop.stop); loop.run_forever()
 * (07c_done_callback.out: outside a running loop too)
 */
Test(future, L6_callback_added_outside_loop_waits_for_loop)
{
	struct loop *L = loop_new(I);
	struct value err, r = value_str("r");
	fut = future_new(L);
	future_set_result(F(fut), r, &err);
	value_unref(r);
	struct value s = value_str("late callback:");
	future_add_done_callback(F(fut), print_result_cb, "late", s.u.o, aiotest_cb_actor);
	value_unref(s);
	P("add_done_callback returned; nothing printed yet");
	run_once(L);
	cr_expect_str_eq(printed(), "add_done_callback returned; nothing printed yet|late callback: r|");
	value_unref(fut);
	aiotest_end();
}

/*
 *   def cb(f): print('cb')
 *   f.add_done_callback(cb); f.add_done_callback(cb)
 *   print(f.remove_done_callback(cb))   # 2
 *   f.set_result(None); loop.call_soon(loop.stop); loop.run_forever()  # nothing
 */
Test(future, L6_remove_done_callback_removes_every_registration)
{
	struct loop *L = loop_new(I);
	struct value err, f = future_new(L);
	struct value cb = add_label_cb(F(f), "cb");
	future_add_done_callback(F(f), label_cb, "label", cb.u.o, aiotest_cb_actor);
	cr_expect_eq(future_remove_done_callback(F(f), label_cb, cb.u.o), 2);
	cr_expect_eq(future_remove_done_callback(F(f), label_cb, cb.u.o), 0);
	future_set_result(F(f), value_none(), &err);
	run_once(L);
	cr_expect_str_eq(printed(), "");
	value_unref(cb);
	value_unref(f);
	aiotest_end();
}

/* --- 4.1 states --- */

/*
 *   f = loop.create_future(); print(repr(f), f._state)   # <Future pending> PENDING
 *   f.cancel(); print(f._state, f.done(), f.cancelled())  # CANCELLED True True
 */
Test(future, states_pending_cancelled_finished)
{
	struct loop *L = loop_new(I);
	struct value err, a = future_new(L), b = future_new(L);
	cr_expect_str_eq(future_state_name(F(a)), "PENDING");
	cr_expect_not(future_done(F(a)));
	cr_expect_not(future_cancelled(F(a)));
	future_cancel(F(a), value_none());
	cr_expect_str_eq(future_state_name(F(a)), "CANCELLED");
	cr_expect(future_done(F(a)));
	cr_expect(future_cancelled(F(a)));
	future_set_result(F(b), value_int(1), &err);
	cr_expect_str_eq(future_state_name(F(b)), "FINISHED");
	cr_expect(future_done(F(b)));
	cr_expect_not(future_cancelled(F(b)));
	value_unref(a);
	value_unref(b);
	aiotest_end();
}

/*
 *   <Future pending>
 *   <Future finished result=[1, 2, 3]>
 *   <Future finished exception=ValueError('bad')>
 *   <Future cancelled>
 * (04_future_task.out)
 */
Test(future, repr_of_each_state)
{
	struct loop *L = loop_new(I);
	struct value err, f[4] = {future_new(L), future_new(L), future_new(L), future_new(L)};
	struct value list = value_list(), e = exc_new(EXC_VALUE_ERROR, "bad");
	for (int i = 1; i <= 3; i++) value_append(list, value_int(i));
	future_set_result(F(f[1]), list, &err);
	future_set_exception(F(f[2]), e, &err);
	future_cancel(F(f[3]), value_none());
	cr_expect_str_eq(repr(f[0]), "<Future pending>");
	cr_expect_str_eq(repr(f[1]), "<Future finished result=[1, 2, 3]>");
	cr_expect_str_eq(repr(f[2]), "<Future finished exception=ValueError('bad')>");
	cr_expect_str_eq(repr(f[3]), "<Future cancelled>");
	value_unref(list);
	value_unref(e);
	for (int i = 0; i < 4; i++) value_unref(f[i]);
	aiotest_end();
}

ASYNC_DEF(await_fut, "f")
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(g->locals[0]), NULL);
	GEN_END(g);
}

/*
 *   f = loop.create_future()
 *   async def w(): return await f
 *   t = loop.create_task(w())
 *   loop.call_soon(loop.stop); loop.run_forever()
 *   print(repr(f))     # <Future pending cb=[Task.task_wakeup()]>
 * (4.1: "the wakeup callback of a C Task is shown as Task.task_wakeup()")
 */
Test(future, repr_shows_task_wakeup_callback)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L);
	struct value t = create_task(L, CALL(await_fut, value_ref(f)));
	run_once(L);
	cr_expect_str_eq(repr(f), "<Future pending cb=[Task.task_wakeup()]>");
	value_unref(t);
	value_unref(f);
	aiotest_end();
}

/*
 *   g = asyncio.gather(loop.create_future()); print(repr(g))
 *   # <_GatheringFuture pending>
 */
Test(future, repr_of_gathering_future)
{
	struct loop *L = loop_new(I);
	struct value child = future_new(L), aws = value_list(), g;
	value_append(aws, value_ref(child));
	cr_assert_eq(aio_gather(I, aws, 0, &g), 0);
	cr_expect_str_eq(repr(g), "<_GatheringFuture pending>");
	struct value err;
	future_set_result(F(child), value_none(), &err);
	value_unref(aws);
	value_unref(g);
	value_unref(child);
	aiotest_end();
}

/* A gather whose child is still pending when the program ends: the child's
 * done callback refers to the outer future, which refers to the child.
 * CPython's garbage collector frees the pair; the engine must not leak it. */
Test(future, pending_gather_is_freed_at_end_of_run)
{
	struct loop *L = loop_new(I);
	struct value child = future_new(L), aws = value_list(), g;
	value_append(aws, value_ref(child));
	cr_assert_eq(aio_gather(I, aws, 0, &g), 0);
	value_unref(aws);
	value_unref(g);
	value_unref(child);
	aiotest_end();
}

/* --- 4.2 messages (the C type's texts) --- */

/*
 *   f = loop.create_future()
 *   f.result()      # InvalidStateError: Result is not set.
 *   f.exception()   # InvalidStateError: Exception is not set.
 */
Test(future, result_while_pending_raises_result_is_not_set)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), r;
	cr_assert_eq(future_result(F(f), &r), 1);
	cr_expect_str_eq(exc_text(r), "InvalidStateError: Result is not set.");
	value_unref(r);
	value_unref(f);
	aiotest_end();
}

Test(future, exception_while_pending_raises_exception_is_not_set)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), r;
	cr_assert_eq(future_exception(F(f), &r), 1);
	cr_expect_str_eq(exc_text(r), "InvalidStateError: Exception is not set.");
	value_unref(r);
	value_unref(f);
	aiotest_end();
}

/*
 *   f.set_result([1, 2, 3])
 *   f.set_result(1)                 # InvalidStateError: invalid state
 *   f.set_exception(ValueError())   # InvalidStateError: invalid state
 */
Test(future, set_result_or_exception_when_done_raises_invalid_state)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), c = future_new(L), err;
	struct value e = exc_new(EXC_VALUE_ERROR, NULL);
	cr_assert_eq(future_set_result(F(f), value_int(1), &err), 0);
	cr_assert_eq(future_set_result(F(f), value_int(2), &err), 1);
	cr_expect_str_eq(exc_text(err), "InvalidStateError: invalid state");
	value_unref(err);
	cr_assert_eq(future_set_exception(F(f), e, &err), 1);
	cr_expect_str_eq(exc_text(err), "InvalidStateError: invalid state");
	value_unref(err);
	future_cancel(F(c), value_none());
	cr_assert_eq(future_set_result(F(c), value_int(2), &err), 1);
	cr_expect_str_eq(exc_text(err), "InvalidStateError: invalid state");
	value_unref(err);
	value_unref(e);
	value_unref(f);
	value_unref(c);
	aiotest_end();
}

/*
 *   g = loop.create_future()
 *   g.set_exception(StopIteration())
 *   # TypeError: StopIteration interacts badly with generators and cannot be raised into a Future
 *   print(g.done())   # False
 */
Test(future, set_exception_stop_iteration_raises_type_error)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, e = exc_new(EXC_STOP_ITERATION, NULL);
	cr_assert_eq(future_set_exception(F(f), e, &err), 1);
	cr_expect_str_eq(exc_text(err),
			 "TypeError: StopIteration interacts badly with generators and cannot be raised into a Future");
	cr_expect_not(future_done(F(f)));
	value_unref(err);
	value_unref(e);
	value_unref(f);
	aiotest_end();
}

/*
 *   f = loop.create_future(); f.set_exception(ValueError('bad'))
 *   f.result()      # raises ValueError('bad') (the same object)
 *   f.exception()   # ValueError('bad')
 *   f = loop.create_future(); f.set_result([1, 2, 3]); f.exception()  # None
 */
Test(future, result_reraises_exception_and_exception_returns_none_after_result)
{
	struct loop *L = loop_new(I);
	struct value a = future_new(L), b = future_new(L), r, err;
	struct value e = exc_new(EXC_VALUE_ERROR, "bad");
	future_set_exception(F(a), e, &err);
	cr_assert_eq(future_result(F(a), &r), 1);
	cr_expect_eq(r.u.o, e.u.o, "result() must raise the stored exception itself");
	value_unref(r);
	cr_assert_eq(future_exception(F(a), &r), 0);
	cr_expect_eq(r.u.o, e.u.o);
	value_unref(r);
	future_set_result(F(b), value_int(7), &err);
	cr_assert_eq(future_exception(F(b), &r), 0);
	cr_expect(value_is_none(r));
	cr_assert_eq(future_result(F(b), &r), 0);
	cr_expect_str_eq(repr(r), "7");
	value_unref(e);
	value_unref(a);
	value_unref(b);
	aiotest_end();
}

/*
 *   f = loop.create_future(); f.cancel('stop now')
 *   f.result()     # CancelledError, args ('stop now',)
 *   f.exception()  # CancelledError, args ('stop now',)
 *   f = loop.create_future(); f.cancel(); f.result()   # args ()
 */
Test(future, cancel_msg_becomes_cancelled_error_args)
{
	struct loop *L = loop_new(I);
	struct value a = future_new(L), b = future_new(L), r, msg = value_str("stop now");
	cr_expect(future_cancel(F(a), msg));
	cr_assert_eq(future_result(F(a), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect_str_eq(exc_args(r), "('stop now',)");
	value_unref(r);
	cr_assert_eq(future_exception(F(a), &r), 1);
	cr_expect_str_eq(exc_args(r), "('stop now',)");
	value_unref(r);
	future_cancel(F(b), value_none());
	cr_assert_eq(future_result(F(b), &r), 1);
	cr_expect(is_exc(r, EXC_CANCELLED_ERROR));
	cr_expect_str_eq(exc_args(r), "()");
	value_unref(r);
	value_unref(msg);
	value_unref(a);
	value_unref(b);
	aiotest_end();
}

/*
 *   f.set_result([1, 2, 3]); print(f.cancel())   # False
 *   f = loop.create_future(); f.cancel(); print(f.cancel())   # False
 */
Test(future, cancel_on_done_returns_false)
{
	struct loop *L = loop_new(I);
	struct value a = future_new(L), b = future_new(L), err;
	future_set_result(F(a), value_int(1), &err);
	cr_expect_eq(future_cancel(F(a), value_none()), 0);
	cr_expect_str_eq(future_state_name(F(a)), "FINISHED");
	cr_expect_eq(future_cancel(F(b), value_none()), 1);
	cr_expect_eq(future_cancel(F(b), value_none()), 0);
	value_unref(a);
	value_unref(b);
	aiotest_end();
}

/*
 *   f = loop.create_future(); f.set_exception(ValueError('x')); del f   # stderr:
 *   # Future exception was never retrieved
 *   # future: <Future finished exception=ValueError('x')>
 *   # ValueError: x
 * (semantics.md 6.1)
 */
Test(future, exception_never_retrieved_warns)
{
	struct loop *L = loop_new(I);
	struct value f = future_new(L), err, e = exc_new(EXC_VALUE_ERROR, "x");
	future_set_exception(F(f), e, &err);
	value_unref(e);
	cr_expect_eq(aiotest_rec.nwarn, 0);
	value_unref(f);
	cr_expect_eq(aiotest_rec.nwarn, 1, "dropping a future whose exception was never retrieved must warn");
	const char *w = aiotest_rec.last_warn ? aiotest_rec.last_warn : "";
	cr_expect(starts_with(w, "Future exception was never retrieved\nfuture: <Future finished exception=ValueError('x')>"),
		  "warning: %s", w);
	aiotest_end();
}

/* 4.2: asyncio.CancelledError derives from BaseException, InvalidStateError
 * from Exception; asyncio.TimeoutError is the builtin (an OSError). */
Test(future, exception_hierarchy)
{
	struct value c = exc_new(EXC_CANCELLED_ERROR, NULL), s = exc_new(EXC_INVALID_STATE_ERROR, NULL);
	struct value t = exc_new(EXC_TIMEOUT_ERROR, NULL);
	cr_expect_not(exc_matches(value_exc(c), EXC_EXCEPTION));
	cr_expect(exc_matches(value_exc(c), EXC_BASE_EXCEPTION));
	cr_expect(exc_matches(value_exc(s), EXC_EXCEPTION));
	cr_expect(exc_matches(value_exc(t), EXC_OS_ERROR));
	value_unref(c);
	value_unref(s);
	value_unref(t);
	aiotest_end();
}
