/* test_gen.c -- generators and coroutines: rules G1-G9 and C1-C5 of
 * semantics.md, delegation (yield from / await) and the trace events that
 * report them.
 *
 * Each generator function below is written as the Python it stands for (in
 * the comment above it), with GEN_BEGIN / GEN_YIELD / GEN_AWAIT.  Expected
 * states, values and exception texts come from semantics.md and were re-run
 * under python3 3.11.7 (the snippet is quoted where it is not in
 * semantics.md).
 */
#include "config.h"

#include "testlib.h"

static struct tl_ctx T;

/* Whether any of a body ran (the body's first line sets it). */
static int body_ran;

static void setup(void)
{
	body_ran = 0;
	tl_open(&T);
}

static void teardown(void)
{
	/* A failed assertion skips the test's tl_close: free what is left. */
	if (T.I) {
		interp_free(T.I);
		tl_rec_free(&T.rec);
	}
}

TestSuite(gen, .init = setup, .fini = teardown);

/* ---- helpers ---- */

static struct gen *G(struct value v)
{
	return value_gen(v);
}

static const char *state(struct value v)
{
	return gen_state_name(value_gen(v));
}

/* `prefix + str(x)` */
static struct value concat(const char *prefix, struct value x)
{
	char *s = value_str_of(x);
	struct value r = value_strf("%s%s", prefix, s);
	free(s);
	return r;
}

/* print(f'{who} caught {e!r}') for the exception thrown in; takes it. */
static void print_caught(struct gen *g, const char *who)
{
	struct value e = gen_take_thrown(g);
	char *r = value_repr(e);
	char *line = xasprintf("%s caught %s", who, r);
	interp_print(g->I, line);
	free(line);
	free(r);
	value_unref(e);
}

/* The exception thrown in is of type t. */
static int thrown_is(const struct gen *g, enum exc_type t)
{
	return gen_has_thrown(g) && exc_matches(g->thrown, t);
}

/* The call returned st with out; expect `want` and repr(out) == repr_want,
 * then release out. */
static void expect_result(enum gen_status st, struct value out, enum gen_status want, const char *repr_want)
{
	static const char *const names[] = {"GEN_YIELDED", "GEN_RETURNED", "GEN_RAISED", "GEN_CONTINUE_"};
	char *r = value_repr(out);
	cr_expect_eq(st, want, "got %s %s, expected %s %s", names[st], r, names[want], repr_want);
	cr_expect_str_eq(r, repr_want, "got %s %s, expected %s %s", names[st], r, names[want], repr_want);
	free(r);
	value_unref(out);
}

#define EXPECT_NEXT(gv, want, repr_want)                                       \
	do {                                                                   \
		struct value o_;                                               \
		enum gen_status s_ = gen_next(G(gv), &o_);                     \
		expect_result(s_, o_, (want), (repr_want));                    \
	} while (0)
#define EXPECT_SEND(gv, v, want, repr_want)                                    \
	do {                                                                   \
		struct value o_, v_ = (v);                                     \
		enum gen_status s_ = gen_send(G(gv), v_, &o_);                 \
		value_unref(v_);                                               \
		expect_result(s_, o_, (want), (repr_want));                    \
	} while (0)
#define EXPECT_THROW(gv, e, want, repr_want)                                   \
	do {                                                                   \
		struct value o_, e_ = (e);                                     \
		enum gen_status s_ = gen_throw(G(gv), e_, &o_);                \
		value_unref(e_);                                               \
		expect_result(s_, o_, (want), (repr_want));                    \
	} while (0)
#define EXPECT_CLOSE(gv, want, repr_want)                                      \
	do {                                                                   \
		struct value o_;                                               \
		enum gen_status s_ = gen_close(G(gv), &o_);                    \
		expect_result(s_, o_, (want), (repr_want));                    \
	} while (0)

/* ---- the generator functions ---- */

/* def simple():            # line 10
 *     print('started')     # line 11
 *     x = yield 1          # line 12
 *     return 'got %s' % x  # line 13 */
TL_GEN(simple, 1, 10)
{
	GEN_BEGIN(g);
	body_ran = 1;
	interp_set_line(g->I, 11);
	TL_PRINT(g, "started");
	interp_set_line(g->I, 12);
	GEN_YIELD(g, value_int(1), &g->locals[0]);
	interp_set_line(g->I, 13);
	GEN_RETURN(g, concat("got ", g->locals[0]));
	GEN_END(g);
}

/* def running():
 *     yield inspect.getgeneratorstate(me) */
TL_GEN(running, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_str(gen_state_name(g)), NULL);
	GEN_END(g);
}

/* def boom():
 *     yield 1
 *     raise ValueError('boom') */
TL_GEN(boom, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_int(1), NULL);
	GEN_RAISE(g, exc_new(EXC_VALUE_ERROR, "boom"));
	GEN_END(g);
}

/* def holder(a):
 *     yield a */
TL_GEN(holder, 1, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_ref(g->locals[0]), NULL);
	GEN_END(g);
}

/* def ret_value():
 *     yield 1
 *     return 'ret-value' */
TL_GEN(ret_value, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_int(1), NULL);
	GEN_RETURN(g, value_str("ret-value"));
	GEN_END(g);
}

/* def bare():
 *     yield 1 */
TL_GEN(bare, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_int(1), NULL);
	GEN_END(g);
}

/* def ret_tuple():
 *     yield 1
 *     return (1, 2) */
TL_GEN(ret_tuple, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_int(1), NULL);
	GEN_RETURN(g, value_tuple(2, value_int(1), value_int(2)));
	GEN_END(g);
}

/* def g_close():
 *     body_ran = True
 *     try:
 *         yield 1
 *     except GeneratorExit:
 *         print('caught GeneratorExit')
 *         raise
 *     finally:
 *         print('finally') */
TL_GEN(g_close, 0, 0)
{
	GEN_BEGIN(g);
	body_ran = 1;
	GEN_YIELD_TRY(g, value_int(1), NULL);
	if (thrown_is(g, EXC_GENERATOR_EXIT)) TL_PRINT(g, "caught GeneratorExit");
	TL_PRINT(g, "finally");
	if (gen_has_thrown(g)) GEN_RAISE(g, gen_take_thrown(g));
	GEN_END(g);
}

/* def g_ignore():
 *     try:
 *         yield 1
 *     except GeneratorExit:
 *         print('ignoring GeneratorExit')
 *     yield 2 */
TL_GEN(g_ignore, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD_TRY(g, value_int(1), NULL);
	if (gen_has_thrown(g)) {
		if (!thrown_is(g, EXC_GENERATOR_EXIT)) GEN_RAISE(g, gen_take_thrown(g));
		value_unref(gen_take_thrown(g));
		TL_PRINT(g, "ignoring GeneratorExit");
	}
	GEN_YIELD(g, value_int(2), NULL);
	GEN_END(g);
}

/* def g_ret_on_exit():
 *     try:
 *         yield 1
 *     except GeneratorExit:
 *         return 'closing-value' */
TL_GEN(g_ret_on_exit, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD_TRY(g, value_int(1), NULL);
	if (gen_has_thrown(g)) {
		value_unref(gen_take_thrown(g));
		GEN_RETURN(g, value_str("closing-value"));
	}
	GEN_END(g);
}

/* def g_convert():
 *     try:
 *         yield 1
 *     except GeneratorExit:
 *         raise ValueError('conv') */
TL_GEN(g_convert, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD_TRY(g, value_int(1), NULL);
	if (gen_has_thrown(g)) {
		value_unref(gen_take_thrown(g));
		GEN_RAISE(g, exc_new(EXC_VALUE_ERROR, "conv"));
	}
	GEN_END(g);
}

/* def g_throw():
 *     body_ran = True
 *     try:
 *         yield 1
 *     except ValueError as e:
 *         print(f'g_throw caught {e!r}')
 *         yield 'recovered'
 *     yield 'end' */
TL_GEN(g_throw, 0, 0)
{
	GEN_BEGIN(g);
	body_ran = 1;
	GEN_YIELD_TRY(g, value_int(1), NULL);
	if (gen_has_thrown(g)) {
		if (!thrown_is(g, EXC_VALUE_ERROR)) GEN_RAISE(g, gen_take_thrown(g));
		print_caught(g, "g_throw");
		GEN_YIELD(g, value_str("recovered"), NULL);
	}
	GEN_YIELD(g, value_str("end"), NULL);
	GEN_END(g);
}

/* def raises_stop():
 *     raise StopIteration('inner')
 *     yield */
TL_GEN(raises_stop, 0, 0)
{
	GEN_BEGIN(g);
	GEN_RAISE(g, exc_new(EXC_STOP_ITERATION, "inner"));
	GEN_END(g);
}

/* def reenter(how):   # how: 0 next(me), 1 me.send(None), 2 me.throw(ValueError()), 3 me.close()
 *     try:
 *         <how>
 *     except ValueError as e:
 *         err = e
 *     yield (err, inspect.getgeneratorstate(me)) */
TL_GEN(reenter, 2, 0)
{
	struct value r, e;
	GEN_BEGIN(g);
	if (g->locals[0].u.i == 0) {
		gen_next(g, &r);
	} else if (g->locals[0].u.i == 1) {
		gen_send(g, value_none(), &r);
	} else if (g->locals[0].u.i == 2) {
		e = exc_new(EXC_VALUE_ERROR, NULL);
		gen_throw(g, e, &r);
		value_unref(e);
	} else {
		gen_close(g, &r);
	}
	value_set(&g->locals[1], r);
	GEN_YIELD(g, value_tuple(2, value_ref(g->locals[1]), value_str(gen_state_name(g))), NULL);
	GEN_END(g);
}

/* def inner():
 *     try:
 *         x = yield 'i1'
 *         return 'inner-got-%s' % x
 *     finally:
 *         print('inner finally') */
TL_GEN(inner, 1, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD_TRY(g, value_str("i1"), &g->locals[0]);
	TL_PRINT(g, "inner finally");
	if (gen_has_thrown(g)) GEN_RAISE(g, gen_take_thrown(g));
	GEN_RETURN(g, concat("inner-got-", g->locals[0]));
	GEN_END(g);
}

/* def outer():
 *     try:
 *         r = yield from inner()
 *         return r
 *     finally:
 *         print('outer finally') */
TL_GEN(outer, 1, 0)
{
	GEN_BEGIN(g);
	GEN_AWAIT_TRY(g, gen_new(g->I, &inner, 0), &g->locals[0]);
	TL_PRINT(g, "outer finally");
	if (gen_has_thrown(g)) GEN_RAISE(g, gen_take_thrown(g));
	GEN_RETURN(g, value_ref(g->locals[0]));
	GEN_END(g);
}

/* def inner_catch():
 *     try:
 *         yield 'i1'
 *     except ValueError as e:
 *         print(f'inner caught {e!r}')
 *         yield 'inner recovered' */
TL_GEN(inner_catch, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD_TRY(g, value_str("i1"), NULL);
	if (gen_has_thrown(g)) {
		if (!thrown_is(g, EXC_VALUE_ERROR)) GEN_RAISE(g, gen_take_thrown(g));
		print_caught(g, "inner");
		GEN_YIELD(g, value_str("inner recovered"), NULL);
	}
	GEN_END(g);
}

/* def delegator(sub):
 *     r = yield from sub
 *     return r */
TL_GEN(delegator, 2, 0)
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(g->locals[0]), &g->locals[1]);
	GEN_RETURN(g, value_ref(g->locals[1]));
	GEN_END(g);
}

/* def fin():
 *     try:
 *         yield 1
 *     finally:
 *         print('finally') */
TL_GEN(fin, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD_TRY(g, value_int(1), NULL);
	TL_PRINT(g, "finally");
	if (gen_has_thrown(g)) GEN_RAISE(g, gen_take_thrown(g));
	GEN_END(g);
}

/* ---- the coroutine functions ---- */

/* async def work():
 *     print('work body running')
 *     return 'result-A' */
TL_CORO(work, 0, 0)
{
	GEN_BEGIN(g);
	body_ran = 1;
	TL_PRINT(g, "work body running");
	GEN_RETURN(g, value_str("result-A"));
	GEN_END(g);
}

/* async def sleeper():
 *     s = inspect.getcoroutinestate(me)
 *     await asyncio.sleep(0)      # a bare yield to the driver
 *     return s */
TL_CORO(sleeper, 1, 0)
{
	GEN_BEGIN(g);
	body_ran = 1;
	value_set(&g->locals[0], value_str(gen_state_name(g)));
	GEN_YIELD(g, value_none(), NULL);
	GEN_RETURN(g, value_ref(g->locals[0]));
	GEN_END(g);
}

/* async def awaiter(co):
 *     r = await co
 *     return r */
TL_CORO(awaiter, 2, 0)
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(g->locals[0]), &g->locals[1]);
	GEN_RETURN(g, value_ref(g->locals[1]));
	GEN_END(g);
}

/* async def c_ignore():
 *     try:
 *         await asyncio.sleep(0)
 *     except GeneratorExit:
 *         await asyncio.sleep(0) */
TL_CORO(c_ignore, 0, 0)
{
	GEN_BEGIN(g);
	GEN_YIELD_TRY(g, value_none(), NULL);
	if (gen_has_thrown(g)) {
		if (!thrown_is(g, EXC_GENERATOR_EXIT)) GEN_RAISE(g, gen_take_thrown(g));
		value_unref(gen_take_thrown(g));
		GEN_YIELD(g, value_none(), NULL);
	}
	GEN_END(g);
}

/* async def c_raises_stop():
 *     raise StopIteration('boom') */
TL_CORO(c_raises_stop, 0, 0)
{
	GEN_BEGIN(g);
	GEN_RAISE(g, exc_new(EXC_STOP_ITERATION, "boom"));
	GEN_END(g);
}

/* async def c_reenter():
 *     try:
 *         me.send(None)
 *     except ValueError as e:
 *         return e */
TL_CORO(c_reenter, 0, 0)
{
	struct value r;
	GEN_BEGIN(g);
	gen_send(g, value_none(), &r);
	GEN_RETURN(g, r);
	GEN_END(g);
}

/* def outer():
 *     async def inner(): ...
 *     return inner()   # __qualname__ 'outer.<locals>.inner' */
TL_CORO_Q(nested, "outer.<locals>.inner", 0, 0)
{
	GEN_BEGIN(g);
	GEN_END(g);
}

/* ==== G1: states ==== */

Test(gen, G1_states_created_suspended_closed)
{
	struct value gv = gen_new(T.I, &simple, 0);
	cr_expect_str_eq(state(gv), "GEN_CREATED");
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_str_eq(state(gv), "GEN_SUSPENDED");
	EXPECT_SEND(gv, value_str("A"), GEN_RETURNED, "'got A'");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G1_state_is_running_inside_the_body)
{
	/* semantics.md G1: "inside: state = GEN_RUNNING gi_running True" */
	struct value gv = gen_new(T.I, &running, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "'GEN_RUNNING'");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G1_closed_after_the_body_raises)
{
	struct value gv = gen_new(T.I, &boom, 0), out;
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_eq(gen_next(G(gv), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_VALUE_ERROR, "boom");
	value_unref(out);
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

/* def binds_late():
 *     a = None
 *     yield
 *     b = 1
 *     yield
 * python3: after the first next(), gi_frame.f_locals is {'a': None} -- b is
 * unbound, not None; after the second, {'a': None, 'b': 1}. */
TL_GEN(binds_late, 2, 0)
{
	GEN_BEGIN(g);
	value_set(&g->locals[0], value_none());
	GEN_YIELD(g, value_none(), NULL);
	value_set(&g->locals[1], value_int(1));
	GEN_YIELD(g, value_none(), NULL);
	GEN_END(g);
}

/* def loops():
 *     for x in [7]:
 *         yield
 * python3: gi_frame.f_locals at the yield is {'x': 7}: the list iterator
 * lives on the value stack, which the engine keeps in a slot named "<it>". */
static const char *const loops_vars[] = {"x", "<it>"};
static GEN_BODY(loops_body)
{
	GEN_BEGIN(g);
	value_set(&g->locals[1], value_int(0));
	value_set(&g->locals[0], value_int(7));
	GEN_YIELD(g, value_none(), NULL);
	GEN_END(g);
}
static const struct gen_code loops = {.name = "loops", .kind = GEN_KIND_GENERATOR, .body = loops_body,
				      .nlocals = 2, .varnames = loops_vars};

Test(gen, frame_locals_leave_out_value_stack_slots)
{
	struct value gv = gen_new(T.I, &loops, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "None");
	char *loc = gen_locals_repr(G(gv));
	cr_expect_str_eq(loc, "x=7");
	free(loc);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, frame_locals_leave_out_unbound_names)
{
	struct value gv = gen_new(T.I, &binds_late, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "None");
	char *loc = gen_locals_repr(G(gv));
	cr_expect_str_eq(loc, "a=None");
	free(loc);
	EXPECT_NEXT(gv, GEN_YIELDED, "None");
	loc = gen_locals_repr(G(gv));
	cr_expect_str_eq(loc, "a=None, b=1");
	free(loc);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G1_closed_frame_releases_its_locals)
{
	/* gi_frame becomes None: the locals are released when the frame ends. */
	struct value s = value_str("200 OK");
	struct value gv = gen_new(T.I, &holder, 1, value_ref(s));
	cr_expect_eq(s.u.o->refcnt, 2);
	EXPECT_NEXT(gv, GEN_YIELDED, "'200 OK'");
	char *loc = gen_locals_repr(G(gv));
	cr_expect_str_eq(loc, "a='200 OK'");
	free(loc);
	EXPECT_NEXT(gv, GEN_RETURNED, "None");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	cr_expect_null(gen_locals_repr(G(gv)));
	cr_expect_eq(s.u.o->refcnt, 1);
	value_unref(gv);
	value_unref(s);
	tl_close(&T);
}

/* ==== G2: next(g) is g.send(None); nothing runs before it ==== */

Test(gen, G2_calling_the_function_does_not_run_the_body)
{
	struct value gv = gen_new(T.I, &simple, 0);
	cr_expect_eq(body_ran, 0);
	cr_expect_str_eq(state(gv), "GEN_CREATED");
	tl_assert_events(&T.rec, "gen.create simple");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G2_next_is_send_none)
{
	struct value a = gen_new(T.I, &simple, 0), b = gen_new(T.I, &simple, 0);
	EXPECT_NEXT(a, GEN_YIELDED, "1");
	EXPECT_SEND(b, value_none(), GEN_YIELDED, "1");
	cr_expect_str_eq(state(a), "GEN_SUSPENDED");
	cr_expect_str_eq(state(b), "GEN_SUSPENDED");
	/* semantics.md G2: both print "[g] started" once */
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print simple started", "print simple started");
	value_unref(a);
	value_unref(b);
	tl_close(&T);
}

Test(gen, G2_sent_value_is_the_value_of_the_yield)
{
	struct value gv = gen_new(T.I, &simple, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_SEND(gv, value_str("A"), GEN_RETURNED, "'got A'");
	value_unref(gv);
	tl_close(&T);
}

/* ==== G3: send(non-None) to a just-started generator ==== */

Test(gen, G3_send_non_none_to_created_raises)
{
	struct value gv = gen_new(T.I, &simple, 0), out, v = value_int(42);
	cr_expect_eq(gen_send(G(gv), v, &out), GEN_RAISED);
	tl_assert_exc(out, EXC_TYPE_ERROR, "can't send non-None value to a just-started generator");
	value_unref(out);
	/* The check comes before the frame starts: still CREATED, nothing ran,
	 * and send(None) still works. */
	cr_expect_str_eq(state(gv), "GEN_CREATED");
	cr_expect_eq(body_ran, 0);
	EXPECT_SEND(gv, value_none(), GEN_YIELDED, "1");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G3_C4_send_non_none_to_created_coroutine_raises)
{
	struct value cv = gen_new(T.I, &work, 0), out, v = value_str("x");
	cr_expect_eq(gen_send(G(cv), v, &out), GEN_RAISED);
	tl_assert_exc(out, EXC_TYPE_ERROR, "can't send non-None value to a just-started coroutine");
	value_unref(out);
	value_unref(v);
	cr_expect_str_eq(state(cv), "CORO_CREATED");
	cr_expect_eq(body_ran, 0);
	gen_close(G(cv), &out);
	value_unref(out);
	value_unref(cv);
	tl_close(&T);
}

/* ==== G4: return x -> StopIteration(x) ==== */

Test(gen, G4_return_value_is_the_stop_iteration_value)
{
	/* semantics.md G4: StopIteration value: 'ret-value' args: ('ret-value',) str: 'ret-value' */
	struct value gv = gen_new(T.I, &ret_value, 0), out;
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_eq(gen_next(G(gv), &out), GEN_RETURNED);
	tl_expect_repr(out, "'ret-value'");
	struct value si = exc_new_arg(EXC_STOP_ITERATION, out);
	tl_expect_repr(value_exc(si)->args, "('ret-value',)");
	tl_expect_str(si, "ret-value");
	value_unref(si);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G4_bare_return_is_stop_iteration_without_args)
{
	/* semantics.md G4: bare return: value None args () str '' */
	struct value gv = gen_new(T.I, &bare, 0), out;
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_eq(gen_next(G(gv), &out), GEN_RETURNED);
	cr_expect(value_is_none(out));
	struct value si = exc_new(EXC_STOP_ITERATION, NULL);
	cr_expect_eq(value_len(value_exc(si)->args), 0);
	cr_expect(value_is_none(exc_stop_value(value_exc(si))));
	tl_expect_str(si, "");
	value_unref(si);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G4_returned_tuple_is_wrapped_not_unpacked)
{
	/* semantics.md G4: return (1,2): value (1, 2) args ((1, 2),) */
	struct value gv = gen_new(T.I, &ret_tuple, 0), out;
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_eq(gen_next(G(gv), &out), GEN_RETURNED);
	tl_expect_repr(out, "(1, 2)");
	struct value si = exc_new_arg(EXC_STOP_ITERATION, out);
	tl_expect_repr(value_exc(si)->args, "((1, 2),)");
	tl_expect_repr(exc_stop_value(value_exc(si)), "(1, 2)");
	value_unref(si);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G4_yield_from_value_is_the_inner_return_value)
{
	/* semantics.md G4: send('S'): raises StopIteration: inner-got-S
	 * The inner's yield reaches the caller, the caller's send reaches the inner. */
	struct value gv = gen_new(T.I, &outer, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "'i1'");
	cr_expect_str_eq(state(gv), "GEN_SUSPENDED");
	EXPECT_SEND(gv, value_str("S"), GEN_RETURNED, "'inner-got-S'");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G4_await_value_is_the_inner_coroutine_return_value)
{
	/* python3: async def work(): return 'result-A'
	 *          async def awaiter(co): return await co
	 *          awaiter(work()).send(None) -> StopIteration('result-A') */
	struct value cv = gen_new(T.I, &awaiter, 1, gen_new(T.I, &work, 0));
	EXPECT_SEND(cv, value_none(), GEN_RETURNED, "'result-A'");
	cr_expect_str_eq(state(cv), "CORO_CLOSED");
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print work work body running");
	value_unref(cv);
	tl_close(&T);
}

/* ==== G5: an exhausted generator ==== */

Test(gen, G5_next_and_send_on_exhausted_generator_is_bare_stop_iteration)
{
	/* semantics.md G5: next(exhausted) / send(None) / send(5): StopIteration, args () */
	struct value gv = gen_new(T.I, &bare, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_NEXT(gv, GEN_RETURNED, "None");
	tl_rec_clear(&T.rec);
	EXPECT_NEXT(gv, GEN_RETURNED, "None");
	EXPECT_SEND(gv, value_none(), GEN_RETURNED, "None");
	EXPECT_SEND(gv, value_int(5), GEN_RETURNED, "None");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	/* Nothing ran: the call itself raised StopIteration(). */
	tl_assert_events(&T.rec, "gen.error bare next StopIteration()", "gen.error bare send StopIteration()",
			 "gen.error bare send StopIteration()");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G5_throw_into_exhausted_generator_reraises_the_exception)
{
	/* semantics.md G5: throw on CLOSED: raises ValueError: late */
	struct value gv = gen_new(T.I, &bare, 0), out, late = exc_new(EXC_VALUE_ERROR, "late");
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_NEXT(gv, GEN_RETURNED, "None");
	cr_expect_eq(gen_throw(G(gv), late, &out), GEN_RAISED);
	cr_expect_eq(out.u.o, late.u.o, "throw() must re-raise the very exception passed in");
	value_unref(out);
	value_unref(late);
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G5_close_on_exhausted_generator_returns_none)
{
	struct value gv = gen_new(T.I, &bare, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_NEXT(gv, GEN_RETURNED, "None");
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	value_unref(gv);
	tl_close(&T);
}

/* ==== G6: close() ==== */

Test(gen, G6_close_created_marks_closed_without_running_the_body)
{
	/* semantics.md G6: close() on CREATED: -> None, state: GEN_CLOSED; finally does not run */
	struct value gv = gen_new(T.I, &g_close, 0);
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	cr_expect_eq(body_ran, 0, "close() on a CREATED generator ran its body");
	cr_expect_eq(tl_rec_count(&T.rec, EV_PRINT), 0, "%s", tl_rec_dump(&T.rec));
	/* semantics.md G6: next after close: raises StopIteration, args () */
	EXPECT_NEXT(gv, GEN_RETURNED, "None");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G6_close_suspended_raises_generator_exit_at_the_yield)
{
	/* semantics.md G6: [g_close] caught GeneratorExit / [g_close] finally /
	 * close() on SUSPENDED: -> None / state: GEN_CLOSED */
	struct value gv = gen_new(T.I, &g_close, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print g_close caught GeneratorExit", "print g_close finally");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G6_close_on_closed_generator_is_silent)
{
	/* semantics.md G6: close() again (CLOSED): -> None */
	struct value gv = gen_new(T.I, &g_close, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	tl_rec_clear(&T.rec);
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	cr_expect_eq(tl_rec_count(&T.rec, EV_PRINT), 0);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G6_close_when_the_body_yields_again_raises_and_stays_suspended)
{
	/* semantics.md G6: close() when gen yields again: raises RuntimeError:
	 * generator ignored GeneratorExit / state: GEN_SUSPENDED */
	struct value gv = gen_new(T.I, &g_ignore, 0), out;
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_eq(gen_close(G(gv), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_RUNTIME_ERROR, "generator ignored GeneratorExit");
	value_unref(out);
	cr_expect_str_eq(state(gv), "GEN_SUSPENDED");
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print g_ignore ignoring GeneratorExit");
	/* Closing again throws GeneratorExit in at `yield 2`: now it ends. */
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G6_close_returns_none_even_when_the_body_returns_a_value)
{
	/* semantics.md G6 (3.11): close() when gen returns a value (3.11): -> None */
	struct value gv = gen_new(T.I, &g_ret_on_exit, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G6_close_raises_what_the_body_raises_instead)
{
	/* python3: def g_convert(): try: yield 1 / except GeneratorExit: raise ValueError('conv')
	 *          x = g_convert(); next(x); x.close() -> ValueError('conv'), GEN_CLOSED */
	struct value gv = gen_new(T.I, &g_convert, 0), out;
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_eq(gen_close(G(gv), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_VALUE_ERROR, "conv");
	value_unref(out);
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G6_close_of_outer_closes_the_delegate_first)
{
	/* python3: o = outer(); next(o); o.close() -> prints 'inner finally', 'outer finally' */
	struct value gv = gen_new(T.I, &outer, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "'i1'");
	struct value sub = value_ref(gen_yf(G(gv)));
	cr_expect_eq(sub.kind, VAL_GEN);
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print inner inner finally", "print outer outer finally");
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	cr_expect_str_eq(state(sub), "GEN_CLOSED");
	value_unref(sub);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G6_destroying_a_suspended_generator_closes_it)
{
	/* semantics.md G6: when the object is finalized, CPython calls close()
	 * (_PyGen_Finalize), so the finally block runs.
	 * python3: def fin(): try: yield 1 / finally: print('finally')
	 *          x = fin(); next(x); del x; print('after del') -> finally, after del */
	struct value gv = gen_new(T.I, &fin, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	value_unref(gv);
	interp_print(T.I, "after del");
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print fin finally", "print <module> after del");
	tl_close(&T);
}

/* ==== G7: throw() ==== */

Test(gen, G7_throw_into_created_closes_without_running)
{
	/* semantics.md G7: throw on CREATED: raises ValueError: early / state: GEN_CLOSED */
	struct value gv = gen_new(T.I, &g_throw, 0), out, early = exc_new(EXC_VALUE_ERROR, "early");
	cr_expect_eq(gen_throw(G(gv), early, &out), GEN_RAISED);
	cr_expect_eq(out.u.o, early.u.o, "the thrown exception itself must propagate");
	tl_assert_exc(out, EXC_VALUE_ERROR, "early");
	value_unref(out);
	value_unref(early);
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	cr_expect_eq(body_ran, 0, "throw() into a CREATED generator ran its body");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G7_throw_caught_and_yield_again_returns_the_yielded_value)
{
	/* semantics.md G7: [g_throw] caught ValueError('x') /
	 * throw(ValueError('x')) SUSPENDED: -> 'recovered' / next: -> 'end' */
	struct value gv = gen_new(T.I, &g_throw, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_THROW(gv, exc_new(EXC_VALUE_ERROR, "x"), GEN_YIELDED, "'recovered'");
	cr_expect_str_eq(state(gv), "GEN_SUSPENDED");
	EXPECT_NEXT(gv, GEN_YIELDED, "'end'");
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print g_throw g_throw caught ValueError('x')");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G7_throw_uncaught_propagates_and_closes)
{
	/* semantics.md G7: throw(KeyError) uncaught: raises KeyError: 'k' / state: GEN_CLOSED */
	struct value gv = gen_new(T.I, &g_throw, 0), out, k = exc_new(EXC_KEY_ERROR, "k");
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_eq(gen_throw(G(gv), k, &out), GEN_RAISED);
	cr_expect_eq(out.u.o, k.u.o);
	tl_assert_exc(out, EXC_KEY_ERROR, "'k'");
	value_unref(out);
	value_unref(k);
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G7_throw_non_exception_raises_type_error)
{
	/* semantics.md G7: throw(1) non-exception: raises TypeError: exceptions must be
	 * classes or instances deriving from BaseException, not int
	 * python3: the generator stays GEN_SUSPENDED */
	struct value gv = gen_new(T.I, &g_throw, 0), out;
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	cr_expect_eq(gen_throw(G(gv), value_int(1), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_TYPE_ERROR,
		      "exceptions must be classes or instances deriving from BaseException, not int");
	value_unref(out);
	cr_expect_str_eq(state(gv), "GEN_SUSPENDED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G7_throw_into_outer_reaches_the_delegate)
{
	/* python3: def inner(): try: yield 'i1' / except ValueError as e: yield 'inner caught %r' % e
	 *          def outer(): yield from inner()
	 *          o = outer(); next(o); o.throw(ValueError('x')) -> "inner caught ValueError('x')" */
	struct value gv = gen_new(T.I, &delegator, 1, gen_new(T.I, &inner_catch, 0));
	EXPECT_NEXT(gv, GEN_YIELDED, "'i1'");
	EXPECT_THROW(gv, exc_new(EXC_VALUE_ERROR, "x"), GEN_YIELDED, "'inner recovered'");
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print inner_catch inner caught ValueError('x')");
	cr_expect_str_eq(state(gv), "GEN_SUSPENDED");
	value_unref(gv);
	tl_close(&T);
}

/* ==== G8: PEP 479 ==== */

Test(gen, G8_stop_iteration_in_the_body_becomes_runtime_error)
{
	/* semantics.md G8: RuntimeError: 'generator raised StopIteration' | __cause__:
	 * StopIteration('inner') | __context__: StopIteration('inner') | suppress_context True
	 * state: GEN_CLOSED */
	struct value gv = gen_new(T.I, &raises_stop, 0), out;
	cr_expect_eq(gen_next(G(gv), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_RUNTIME_ERROR, "generator raised StopIteration");
	struct exc *e = value_exc(out);
	cr_assert_not_null(e->cause);
	struct value cause = value_obj(e->cause);
	tl_expect_repr(cause, "StopIteration('inner')");
	value_unref(cause);
	cr_expect_eq(e->context, e->cause);
	cr_expect_eq(e->suppress_context, 1);
	value_unref(out);
	cr_expect_str_eq(state(gv), "GEN_CLOSED");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, G8_C4_stop_iteration_in_a_coroutine_becomes_runtime_error)
{
	/* semantics.md C4: RuntimeError: 'coroutine raised StopIteration' cause StopIteration('boom') */
	struct value cv = gen_new(T.I, &c_raises_stop, 0), out;
	cr_expect_eq(gen_send(G(cv), value_none(), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_RUNTIME_ERROR, "coroutine raised StopIteration");
	cr_assert_not_null(value_exc(out)->cause);
	struct value cause = value_obj(value_exc(out)->cause);
	tl_expect_repr(cause, "StopIteration('boom')");
	value_unref(cause);
	value_unref(out);
	cr_expect_str_eq(state(cv), "CORO_CLOSED");
	value_unref(cv);
	tl_close(&T);
}

/* ==== G9: re-entering a running generator ==== */

/* Runs reenter(how) to its yield and checks what the inner call got. */
static void expect_reenter(int how)
{
	struct value gv = gen_new(T.I, &reenter, 1, value_int(how)), out;
	cr_assert_eq(gen_next(G(gv), &out), GEN_YIELDED);
	tl_assert_exc(value_item(out, 0), EXC_VALUE_ERROR, "generator already executing");
	/* The refused call does not disturb the running frame. */
	tl_expect_repr(value_item(out, 1), "'GEN_RUNNING'");
	value_unref(out);
	cr_expect_str_eq(state(gv), "GEN_SUSPENDED");
	value_unref(gv);
}

Test(gen, G9_next_on_a_running_generator_raises_value_error)
{
	/* semantics.md G9: ValueError: 'generator already executing' */
	expect_reenter(0);
	tl_close(&T);
}

Test(gen, G9_send_throw_close_on_a_running_generator_raise_value_error)
{
	/* python3: a generator calling me.send(None), me.throw(ValueError()), me.close()
	 * on itself -> ValueError('generator already executing') each, GEN_RUNNING */
	expect_reenter(1);
	expect_reenter(2);
	expect_reenter(3);
	tl_close(&T);
}

Test(gen, G9_C4_send_on_a_running_coroutine_raises_value_error)
{
	/* semantics.md C4: ValueError: 'coroutine already executing' */
	struct value cv = gen_new(T.I, &c_reenter, 0), out;
	cr_expect_eq(gen_send(G(cv), value_none(), &out), GEN_RETURNED);
	tl_assert_exc(out, EXC_VALUE_ERROR, "coroutine already executing");
	value_unref(out);
	value_unref(cv);
	tl_close(&T);
}

/* ==== C1, C2: coroutines are created, not run; their states ==== */

Test(gen, C1_calling_async_def_does_not_run_the_body)
{
	/* semantics.md C1: type: coroutine | repr prefix: <coroutine object work> |
	 * state: CORO_CREATED; the body runs only after send(None):
	 * driving with send(None) -> StopIteration value 'result-A' */
	struct value cv = gen_new(T.I, &work, 0);
	cr_expect_eq(body_ran, 0);
	cr_expect_str_eq(state(cv), "CORO_CREATED");
	cr_expect_str_eq(value_type_name(cv), "coroutine");
	tl_expect_repr(cv, "<coroutine object work>");
	cr_expect_eq(tl_rec_count(&T.rec, EV_PRINT), 0);
	EXPECT_SEND(cv, value_none(), GEN_RETURNED, "'result-A'");
	tl_assert_events_of(&T.rec, TL_KINDS(EV_PRINT), "print work work body running");
	value_unref(cv);
	tl_close(&T);
}

Test(gen, C1_generator_repr_and_type)
{
	/* python3 -c "def simple(): yield 1
	 * print(type(simple()).__name__, repr(simple())[:26])" -> generator <generator object simple  */
	struct value gv = gen_new(T.I, &simple, 0);
	cr_expect_str_eq(value_type_name(gv), "generator");
	tl_expect_repr(gv, "<generator object simple>");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, C2_coroutine_state_names)
{
	/* semantics.md C1/C2: CORO_CREATED, CORO_RUNNING (inside), CORO_SUSPENDED, CORO_CLOSED */
	struct value cv = gen_new(T.I, &sleeper, 0);
	cr_expect_str_eq(state(cv), "CORO_CREATED");
	EXPECT_SEND(cv, value_none(), GEN_YIELDED, "None");
	cr_expect_str_eq(state(cv), "CORO_SUSPENDED");
	EXPECT_SEND(cv, value_none(), GEN_RETURNED, "'CORO_RUNNING'");
	cr_expect_str_eq(state(cv), "CORO_CLOSED");
	value_unref(cv);
	tl_close(&T);
}

/* ==== C3: a finished coroutine cannot be reused ==== */

/* A coroutine that has run to its end. */
static struct value finished_work(void)
{
	struct value cv = gen_new(T.I, &work, 0);
	EXPECT_SEND(cv, value_none(), GEN_RETURNED, "'result-A'");
	return cv;
}

Test(gen, C3_send_to_a_finished_coroutine_raises)
{
	/* semantics.md C3: send on finished coroutine -> RuntimeError 'cannot reuse already awaited coroutine' */
	struct value cv = finished_work(), out;
	cr_expect_eq(gen_send(G(cv), value_none(), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_RUNTIME_ERROR, "cannot reuse already awaited coroutine");
	value_unref(out);
	value_unref(cv);
	tl_close(&T);
}

Test(gen, C3_throw_into_a_finished_coroutine_raises)
{
	/* semantics.md C3: throw on finished coroutine -> RuntimeError 'cannot reuse already awaited coroutine' */
	struct value cv = finished_work(), out, v = exc_new(EXC_VALUE_ERROR, "v");
	cr_expect_eq(gen_throw(G(cv), v, &out), GEN_RAISED);
	tl_assert_exc(out, EXC_RUNTIME_ERROR, "cannot reuse already awaited coroutine");
	value_unref(out);
	value_unref(v);
	value_unref(cv);
	tl_close(&T);
}

Test(gen, C3_close_of_a_finished_coroutine_is_silent)
{
	/* semantics.md C3: close on finished coroutine -> None */
	struct value cv = finished_work();
	EXPECT_CLOSE(cv, GEN_RETURNED, "None");
	cr_expect_str_eq(state(cv), "CORO_CLOSED");
	value_unref(cv);
	tl_close(&T);
}

Test(gen, C3_second_await_raises)
{
	/* semantics.md C3: second await -> RuntimeError 'cannot reuse already awaited coroutine' */
	struct value cv = gen_new(T.I, &awaiter, 1, finished_work()), out;
	cr_expect_eq(gen_send(G(cv), value_none(), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_RUNTIME_ERROR, "cannot reuse already awaited coroutine");
	value_unref(out);
	cr_expect_str_eq(state(cv), "CORO_CLOSED");
	value_unref(cv);
	tl_close(&T);
}

/* ==== C4: the coroutine texts of G6 and await ==== */

Test(gen, C4_coroutine_ignored_generator_exit)
{
	/* semantics.md C4: close() -> RuntimeError 'coroutine ignored GeneratorExit' / state: CORO_SUSPENDED */
	struct value cv = gen_new(T.I, &c_ignore, 0), out;
	EXPECT_SEND(cv, value_none(), GEN_YIELDED, "None");
	cr_expect_eq(gen_close(G(cv), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_RUNTIME_ERROR, "coroutine ignored GeneratorExit");
	value_unref(out);
	cr_expect_str_eq(state(cv), "CORO_SUSPENDED");
	EXPECT_CLOSE(cv, GEN_RETURNED, "None");
	value_unref(cv);
	tl_close(&T);
}

Test(gen, C4_await_of_a_non_awaitable_raises_type_error)
{
	/* python3: async def f(): await 1
	 *          f().send(None) -> TypeError: object int can't be used in 'await' expression */
	struct value cv = gen_new(T.I, &awaiter, 1, value_int(1)), out;
	cr_expect_eq(gen_send(G(cv), value_none(), &out), GEN_RAISED);
	tl_assert_exc(out, EXC_TYPE_ERROR, "object int can't be used in 'await' expression");
	value_unref(out);
	cr_expect_str_eq(state(cv), "CORO_CLOSED");
	value_unref(cv);
	tl_close(&T);
}

/* ==== C5: "coroutine ... was never awaited" ==== */

Test(gen, C5_destroying_a_created_coroutine_warns_where_it_is_destroyed)
{
	/* semantics.md C5: 02_coroutines.py:94: RuntimeWarning: coroutine 'work' was never awaited
	 * (the line is where the object is destroyed, not where it was made) */
	interp_set_line(T.I, 90);
	struct value cv = gen_new(T.I, &work, 0);
	interp_set_line(T.I, 94);
	value_unref(cv);
	cr_assert_eq(tl_rec_count(&T.rec, EV_WARN), 1, "%s", tl_rec_dump(&T.rec));
	const struct tl_event *w = &T.rec.ev[T.rec.n - 1];
	cr_expect_eq(w->kind, EV_WARN);
	cr_expect_str_eq(w->text, "RuntimeWarning: coroutine 'work' was never awaited");
	cr_expect_eq(w->line, 94);
	cr_expect_eq(body_ran, 0);
	tl_close(&T);
}

Test(gen, C5_warning_names_the_qualname)
{
	/* semantics.md C5: it uses __qualname__: 'outer.<locals>.inner' */
	struct value cv = gen_new(T.I, &nested, 0);
	value_unref(cv);
	cr_assert_eq(tl_rec_count(&T.rec, EV_WARN), 1, "%s", tl_rec_dump(&T.rec));
	cr_expect_str_eq(T.rec.ev[T.rec.n - 1].text,
			 "RuntimeWarning: coroutine 'outer.<locals>.inner' was never awaited");
	tl_close(&T);
}

Test(gen, C5_no_warning_after_close)
{
	/* semantics.md C5: close() on a never-started coroutine: warnings: [] */
	struct value cv = gen_new(T.I, &work, 0);
	EXPECT_CLOSE(cv, GEN_RETURNED, "None");
	cr_expect_str_eq(state(cv), "CORO_CLOSED");
	value_unref(cv);
	cr_expect_eq(tl_rec_count(&T.rec, EV_WARN), 0, "%s", tl_rec_dump(&T.rec));
	cr_expect_eq(body_ran, 0);
	tl_close(&T);
}

Test(gen, C5_no_warning_after_throw_into_created)
{
	/* python3: c = work(); c.throw(ValueError('early')) -> ValueError, CORO_CLOSED;
	 *          del c -> no warning */
	struct value cv = gen_new(T.I, &work, 0), out, early = exc_new(EXC_VALUE_ERROR, "early");
	cr_expect_eq(gen_throw(G(cv), early, &out), GEN_RAISED);
	cr_expect_eq(out.u.o, early.u.o);
	value_unref(out);
	value_unref(early);
	cr_expect_str_eq(state(cv), "CORO_CLOSED");
	value_unref(cv);
	cr_expect_eq(tl_rec_count(&T.rec, EV_WARN), 0, "%s", tl_rec_dump(&T.rec));
	cr_expect_eq(body_ran, 0);
	tl_close(&T);
}

Test(gen, C5_no_warning_for_a_started_coroutine)
{
	/* python3: c = work(); c.send(None) (StopIteration); del c -> no warning */
	struct value cv = finished_work();
	value_unref(cv);
	struct value sv = gen_new(T.I, &sleeper, 0);
	EXPECT_SEND(sv, value_none(), GEN_YIELDED, "None");
	value_unref(sv);
	cr_expect_eq(tl_rec_count(&T.rec, EV_WARN), 0, "%s", tl_rec_dump(&T.rec));
	tl_close(&T);
}

Test(gen, C5_no_warning_for_a_generator)
{
	/* python3: def gg(): yield 1
	 *          x = gg(); del x -> no warning */
	struct value gv = gen_new(T.I, &simple, 0);
	value_unref(gv);
	cr_expect_eq(tl_rec_count(&T.rec, EV_WARN), 0, "%s", tl_rec_dump(&T.rec));
	tl_close(&T);
}

/* ==== the trace ==== */

/* Event i has the state change from -> to (gen_state values, -1 for none). */
static void expect_states(size_t i, int from, int to)
{
	cr_expect_eq(T.rec.ev[i].state_from, from, "event %zu \"%s\": state_from %d, expected %d", i + 1,
		     T.rec.ev[i].str, T.rec.ev[i].state_from, from);
	cr_expect_eq(T.rec.ev[i].state_to, to, "event %zu \"%s\": state_to %d, expected %d", i + 1,
		     T.rec.ev[i].str, T.rec.ev[i].state_to, to);
}

Test(gen, trace_next_send_return_kinds_and_states)
{
	struct value gv = gen_new(T.I, &simple, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	EXPECT_SEND(gv, value_str("A"), GEN_RETURNED, "'got A'");
	tl_assert_events(&T.rec,
			 "gen.create simple",
			 "gen.resume simple next",
			 "print simple started",
			 "gen.yield simple 1",
			 "gen.resume simple send 'A'",
			 "gen.return simple 'got A'");
	expect_states(0, -1, GEN_CREATED);
	expect_states(1, GEN_CREATED, GEN_RUNNING);
	expect_states(2, -1, -1);
	expect_states(3, GEN_RUNNING, GEN_SUSPENDED);
	expect_states(4, GEN_SUSPENDED, GEN_RUNNING);
	expect_states(5, GEN_RUNNING, GEN_CLOSED);
	for (size_t i = 0; i < T.rec.n; i++) {
		if (T.rec.ev[i].kind == EV_PRINT) continue;
		cr_expect_eq(T.rec.ev[i].actor_kind, ACT_GEN, "event %zu", i + 1);
		cr_expect_eq(T.rec.ev[i].actor_id, gen_actor(G(gv)).id, "event %zu", i + 1);
	}
	cr_expect_eq(T.rec.ev[2].actor_kind, ACT_GEN, "print() inside the body is the generator's");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, trace_events_carry_the_line_set_in_the_body)
{
	/* The caller's events are at the caller's line; the body's at the line
	 * the body set with interp_set_line (f_lineno of the generator). */
	interp_set_line(T.I, 100);
	struct value gv = gen_new(T.I, &simple, 0);
	EXPECT_NEXT(gv, GEN_YIELDED, "1");
	interp_set_line(T.I, 101);
	EXPECT_SEND(gv, value_str("A"), GEN_RETURNED, "'got A'");
	cr_assert_eq(T.rec.n, 6, "%s", tl_rec_dump(&T.rec));
	static const int want[] = {100, 100, 11, 12, 101, 13};
	for (size_t i = 0; i < 6; i++)
		cr_expect_eq(T.rec.ev[i].line, want[i], "event %zu \"%s\": line %d, expected %d", i + 1,
			     T.rec.ev[i].str, T.rec.ev[i].line, want[i]);
	/* Back at the top level, the line is the caller's again. */
	cr_expect_eq(T.I->cur, &T.I->top);
	cr_expect_eq(T.I->cur->line, 101);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, trace_yield_event_shows_the_frame_locals)
{
	struct value gv = gen_new(T.I, &holder, 1, value_str("200 OK"));
	EXPECT_NEXT(gv, GEN_YIELDED, "'200 OK'");
	long i = tl_rec_find(&T.rec, "gen.yield holder '200 OK'", 0);
	cr_assert_geq(i, 0, "%s", tl_rec_dump(&T.rec));
	cr_expect_str_eq(T.rec.ev[i].frame, "a='200 OK'");
	value_unref(gv);
	tl_close(&T);
}

Test(gen, trace_refused_call_is_a_gen_error_without_state_change)
{
	/* G3's TypeError: the frame never ran, so no resume event. */
	struct value gv = gen_new(T.I, &simple, 0), out, v = value_int(42);
	gen_send(G(gv), v, &out);
	value_unref(out);
	tl_assert_events(&T.rec, "gen.create simple",
			 "gen.error simple send TypeError(\"can't send non-None value to a just-started generator\")");
	expect_states(1, GEN_CREATED, GEN_CREATED);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, trace_close_of_created_goes_straight_to_closed)
{
	struct value gv = gen_new(T.I, &simple, 0);
	EXPECT_CLOSE(gv, GEN_RETURNED, "None");
	tl_assert_events(&T.rec, "gen.create simple", "gen.resume simple close");
	expect_states(1, GEN_CREATED, GEN_CLOSED);
	value_unref(gv);
	tl_close(&T);
}

Test(gen, trace_await_names_the_awaited_coroutine)
{
	struct value cv = gen_new(T.I, &awaiter, 1, gen_new(T.I, &work, 0));
	EXPECT_SEND(cv, value_none(), GEN_RETURNED, "'result-A'");
	tl_assert_events(&T.rec,
			 "gen.create work",
			 "gen.create awaiter",
			 "gen.resume awaiter send",
			 "gen.await awaiter <coroutine object work> -> work",
			 "gen.resume work send",
			 "print work work body running",
			 "gen.return work 'result-A'",
			 "gen.return awaiter 'result-A'");
	value_unref(cv);
	tl_close(&T);
}

/* ---- a coroutine whose await the awaiting frame makes itself ----
 *
 * asyncio.sleep(0) with the trace off is a coroutine whose code says
 * GEN_CODE_BARE_YIELD (yield None, then return `result`).  Awaited fresh,
 * the awaiting frame makes its yield itself and the coroutine is kept for
 * the next one of its code.  Nothing a program can see may differ from the
 * delegating await, which the same test runs with the trace on. */
static GEN_BODY(bare_yield_body)
{
	GEN_BEGIN(g);
	GEN_YIELD(g, value_none(), NULL);
	GEN_RETURN(g, value_ref(g->locals[0]));
	GEN_END(g);
}
static const char *const bare_yield_vars[] = {"result"};
static const struct gen_code g_bare_yield = {
	.name = "sleep", .kind = GEN_KIND_COROUTINE, .body = bare_yield_body, .nlocals = 1,
	.varnames = bare_yield_vars, .flags = GEN_CODE_BARE_YIELD};

/* async def waiter():
 *     r = await asyncio.sleep(0)
 *     return f'waited {r}' */
static GEN_BODY(waiter_body)
{
	struct value none = value_none();
	GEN_BEGIN(g);
	GEN_AWAIT(g, gen_newv(g->I, &g_bare_yield, 1, &none), &g->locals[0]);
	GEN_RETURN(g, concat("waited ", g->locals[0]));
	GEN_END(g);
}
static const char *const waiter_vars[] = {"r"};
static const struct gen_code g_waiter = {
	.name = "waiter", .kind = GEN_KIND_COROUTINE, .body = waiter_body, .nlocals = 1,
	.varnames = waiter_vars};

/* async def await_it(aw): return await aw */
static GEN_BODY(await_it_body)
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, value_ref(g->locals[0]), &g->locals[1]);
	GEN_RETURN(g, value_ref(g->locals[1]));
	GEN_END(g);
}
static const char *const await_it_vars[] = {"aw", "<result>"};
static const struct gen_code g_await_it = {
	.name = "await_it", .kind = GEN_KIND_COROUTINE, .body = await_it_body, .nlocals = 2,
	.varnames = await_it_vars};

Test(gen, await_of_a_fresh_bare_yield_coroutine_is_the_same_traced_or_not)
{
	/* python3: w = waiter(); w.send(None) -> None; w.send(None) ->
	 *          StopIteration('waited None'); w2 = waiter(); w2.send(None);
	 *          w2.throw(ValueError('x')) -> ValueError('x'), CORO_CLOSED;
	 *          w3 = waiter(); w3.send(None); w3.close() -> None, CORO_CLOSED */
	for (int traced = 1; traced >= 0; traced--) {
		struct interp *I = traced ? T.I : interp_new(NULL);
		struct value w = gen_new(I, &g_waiter, 0);
		EXPECT_SEND(w, value_none(), GEN_YIELDED, "None");
		/* traced, the sleep frame is the delegate (`where` shows it);
		 * untraced, the awaiting frame yielded and the coroutine is kept */
		cr_expect_eq(gen_yf(G(w)).kind, traced ? VAL_GEN : VAL_OBJ);
		struct gen *kept = I->spare_gen;
		cr_expect(traced ? kept == NULL : kept != NULL);
		EXPECT_SEND(w, value_none(), GEN_RETURNED, "'waited None'");
		cr_expect_str_eq(state(w), "CORO_CLOSED");
		value_unref(w);

		struct value w2 = gen_new(I, &g_waiter, 0);
		EXPECT_SEND(w2, value_none(), GEN_YIELDED, "None");
		/* the second sleep(0) was the kept one, kept again */
		cr_expect_eq(I->spare_gen, kept);
		EXPECT_THROW(w2, exc_new(EXC_VALUE_ERROR, "x"), GEN_RAISED, "ValueError('x')");
		cr_expect_str_eq(state(w2), "CORO_CLOSED");
		value_unref(w2);

		struct value w3 = gen_new(I, &g_waiter, 0);
		EXPECT_SEND(w3, value_none(), GEN_YIELDED, "None");
		EXPECT_CLOSE(w3, GEN_RETURNED, "None");
		cr_expect_str_eq(state(w3), "CORO_CLOSED");
		value_unref(w3);

		/* a sleep(0) held elsewhere while awaited keeps its own frame */
		struct value none = value_none();
		struct value s = gen_newv(I, &g_bare_yield, 1, &none);
		cr_expect_eq(I->spare_gen, NULL);
		struct value w4 = gen_new(I, &g_await_it, 1, value_ref(s));
		EXPECT_SEND(w4, value_none(), GEN_YIELDED, "None");
		cr_expect_eq(gen_yf(G(w4)).u.o, s.u.o);
		EXPECT_SEND(w4, value_none(), GEN_RETURNED, "None");
		value_unref(w4);
		value_unref(s);

		if (!traced) {
			cr_expect_eq(I->live, 0, "%llu engine object(s) still alive", I->live);
			interp_free(I); /* frees the kept coroutine */
		}
	}
	tl_close(&T);
}
