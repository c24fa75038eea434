/* test_value.c -- values: repr()/str() as CPython prints them, exceptions and
 * their hierarchy, ==, truth, type names and reference counting; the object
 * pool.
 *
 * Every expected text was checked with python3 3.11.7; the one-liner is in
 * the comment next to the assertion, with what it printed after "->".
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "testlib.h"

/* ---- repr of scalars ---- */

Test(value, repr_none_and_bools)
{
	/* python3 -c "print(repr(None), repr(True), repr(False))" -> None True False */
	tl_expect_repr(value_none(), "None");
	tl_expect_repr(value_bool(1), "True");
	tl_expect_repr(value_bool(0), "False");
	/* python3 -c "print(str(None), str(True))" -> None True */
	tl_expect_str(value_none(), "None");
	tl_expect_str(value_bool(7), "True");
}

Test(value, repr_ints)
{
	/* python3 -c "print(repr(0), repr(-42), repr(2**63-1), repr(-2**63))"
	 * -> 0 -42 9223372036854775807 -9223372036854775808 */
	tl_expect_repr(value_int(0), "0");
	tl_expect_repr(value_int(-42), "-42");
	tl_expect_repr(value_int(9223372036854775807LL), "9223372036854775807");
	tl_expect_repr(value_int(-9223372036854775807LL - 1), "-9223372036854775808");
}

Test(value, repr_float_shortest_digits)
{
	/* python3 -c "print(repr(1.0), repr(0.1), repr(0.1 + 0.2), repr(2.5), repr(-1.25))"
	 * -> 1.0 0.1 0.30000000000000004 2.5 -1.25 */
	tl_expect_repr(value_float(1.0), "1.0");
	tl_expect_repr(value_float(0.1), "0.1");
	tl_expect_repr(value_float(0.1 + 0.2), "0.30000000000000004");
	tl_expect_repr(value_float(2.5), "2.5");
	tl_expect_repr(value_float(-1.25), "-1.25");
	/* python3 -c "print(repr(5e-324), repr(1.7976931348623157e308))"
	 * -> 5e-324 1.7976931348623157e+308 */
	tl_expect_repr(value_float(5e-324), "5e-324");
	tl_expect_repr(value_float(1.7976931348623157e308), "1.7976931348623157e+308");
}

Test(value, repr_float_fixed_or_exponent)
{
	/* Fixed notation for exponents -4..15, scientific outside (float_repr_style 'short').
	 * python3 -c "print(repr(1e16), repr(1e15), repr(100000.0), repr(1e-05), repr(0.0001))"
	 * -> 1e+16 1000000000000000.0 100000.0 1e-05 0.0001 */
	tl_expect_repr(value_float(1e16), "1e+16");
	tl_expect_repr(value_float(1e15), "1000000000000000.0");
	tl_expect_repr(value_float(100000.0), "100000.0");
	tl_expect_repr(value_float(1e-05), "1e-05");
	tl_expect_repr(value_float(0.0001), "0.0001");
	/* python3 -c "print(repr(1.5e-07), repr(123456789012345678.0), repr(1e22))"
	 * -> 1.5e-07 1.2345678901234568e+17 1e+22 */
	tl_expect_repr(value_float(1.5e-07), "1.5e-07");
	tl_expect_repr(value_float(123456789012345678.0), "1.2345678901234568e+17");
	tl_expect_repr(value_float(1e22), "1e+22");
}

Test(value, repr_float_signed_zero_inf_nan)
{
	/* python3 -c "print(repr(-0.0), repr(float('inf')), repr(float('-inf')), repr(float('nan')), repr(-float('nan')))"
	 * -> -0.0 inf -inf nan nan */
	tl_expect_repr(value_float(-0.0), "-0.0");
	tl_expect_repr(value_float(0.0), "0.0");
	tl_expect_repr(value_float(INFINITY), "inf");
	tl_expect_repr(value_float(-INFINITY), "-inf");
	tl_expect_repr(value_float(NAN), "nan");
	tl_expect_repr(value_float(-NAN), "nan");
}

Test(value, str_of_float_is_its_repr)
{
	/* python3 -c "print(str(1.0), str(1e16), str(0.1 + 0.2))" -> 1.0 1e+16 0.30000000000000004 */
	tl_expect_str(value_float(1.0), "1.0");
	tl_expect_str(value_float(1e16), "1e+16");
	tl_expect_str(value_float(0.1 + 0.2), "0.30000000000000004");
}

/* ---- repr of strings ---- */

static void expect_str_repr(const char *s, const char *want)
{
	struct value v = value_str(s);
	tl_expect_repr(v, want);
	value_unref(v);
}

Test(value, repr_str_single_quotes_by_default)
{
	/* python3 -c "print(repr('abc'), repr(''))" -> 'abc' '' */
	expect_str_repr("abc", "'abc'");
	expect_str_repr("", "''");
	/* python3 -c "print(repr('say \"hi\"'))" -> 'say "hi"' */
	expect_str_repr("say \"hi\"", "'say \"hi\"'");
	tl_assert_no_leaks();
}

Test(value, repr_str_double_quotes_when_it_has_only_single_quotes)
{
	/* python3 -c "print(repr(\"it's\"))" -> "it's" */
	expect_str_repr("it's", "\"it's\"");
	tl_assert_no_leaks();
}

Test(value, repr_str_escapes_single_quote_when_it_has_both)
{
	/* python3 -c "print(repr('both \\' and \"'))" -> 'both \' and "' */
	expect_str_repr("both ' and \"", "'both \\' and \"'");
	tl_assert_no_leaks();
}

Test(value, repr_str_escapes_control_characters)
{
	/* python3 -c "print(repr('a\nb\tc\\\\d'), repr('\r'), repr('\x01\x7f'), repr('\x1b'))"
	 * -> 'a\nb\tc\\d' '\r' '\x01\x7f' '\x1b' */
	expect_str_repr("a\nb\tc\\d", "'a\\nb\\tc\\\\d'");
	expect_str_repr("\r", "'\\r'");
	expect_str_repr("\x01\x7f", "'\\x01\\x7f'");
	expect_str_repr("\x1b", "'\\x1b'");
	/* python3 -c "print(repr('a\x00b'))" -> 'a\x00b' */
	struct value v = value_strn("a\0b", 3);
	tl_expect_repr(v, "'a\\x00b'");
	value_unref(v);
	tl_assert_no_leaks();
}

Test(value, repr_str_keeps_printable_non_ascii)
{
	/* python3 -c "print(repr('中文'), repr('é'))" -> '中文' 'é' */
	expect_str_repr("中文", "'中文'");
	expect_str_repr("é", "'é'");
	tl_assert_no_leaks();
}

Test(value, str_of_str_is_the_text)
{
	/* python3 -c "print(str(\"it's\"), str('a\nb') == 'a\nb')" -> it's True */
	struct value v = value_str("it's");
	tl_expect_str(v, "it's");
	value_unref(v);
	v = value_str("a\nb");
	tl_expect_str(v, "a\nb");
	value_unref(v);
	tl_assert_no_leaks();
}

/* ---- containers ---- */

Test(value, repr_tuples)
{
	/* python3 -c "print(repr(()), repr((1,)), repr((1, 'a')), repr(((1, 2),)))"
	 * -> () (1,) (1, 'a') ((1, 2),) */
	struct value t = value_tuple(0);
	tl_expect_repr(t, "()");
	value_unref(t);
	t = value_tuple(1, value_int(1));
	tl_expect_repr(t, "(1,)");
	value_unref(t);
	t = value_tuple(2, value_int(1), value_str("a"));
	tl_expect_repr(t, "(1, 'a')");
	value_unref(t);
	t = value_tuple(1, value_tuple(2, value_int(1), value_int(2)));
	tl_expect_repr(t, "((1, 2),)");
	value_unref(t);
	tl_assert_no_leaks();
}

Test(value, repr_lists)
{
	/* python3 -c "print(repr([]), repr([1, [2, 'x']]), repr([1.0, None, True]))"
	 * -> [] [1, [2, 'x']] [1.0, None, True] */
	struct value l = value_list();
	tl_expect_repr(l, "[]");
	value_append(l, value_int(1));
	struct value in = value_list();
	value_append(in, value_int(2));
	value_append(in, value_str("x"));
	value_append(l, in);
	tl_expect_repr(l, "[1, [2, 'x']]");
	value_unref(l);
	l = value_list();
	value_append(l, value_float(1.0));
	value_append(l, value_none());
	value_append(l, value_bool(1));
	tl_expect_repr(l, "[1.0, None, True]");
	value_unref(l);
	tl_assert_no_leaks();
}

Test(value, repr_sets)
{
	/* python3 -c "print(repr(set()), repr({1}), repr({1, 2, 3}))" -> set() {1} {1, 2, 3} */
	struct value s = value_new_set();
	tl_expect_repr(s, "set()");
	value_append(s, value_int(1));
	tl_expect_repr(s, "{1}");
	value_append(s, value_int(2));
	value_append(s, value_int(3));
	tl_expect_repr(s, "{1, 2, 3}");
	value_unref(s);
	tl_assert_no_leaks();
}

Test(value, set_ignores_an_equal_item)
{
	/* python3 -c "s = {1, 1.0, True}; print(repr(s), len(s))" -> {1} 1 */
	struct value s = value_new_set();
	value_append(s, value_int(1));
	value_append(s, value_float(1.0));
	value_append(s, value_bool(1));
	cr_expect_eq(value_len(s), 1);
	tl_expect_repr(s, "{1}");
	/* python3 -c "print(len({'a', 'a'}))" -> 1 */
	value_append(s, value_str("a"));
	value_append(s, value_str("a"));
	cr_expect_eq(value_len(s), 2);
	value_unref(s);
	tl_assert_no_leaks();
}

Test(value, str_of_container_shows_repr_of_items)
{
	/* python3 -c "print(str(['a']), str(('a',)), str({'a'}))" -> ['a'] ('a',) {'a'} */
	struct value l = value_list();
	value_append(l, value_str("a"));
	tl_expect_str(l, "['a']");
	value_unref(l);
	struct value t = value_tuple(1, value_str("a"));
	tl_expect_str(t, "('a',)");
	value_unref(t);
	struct value s = value_new_set();
	value_append(s, value_str("a"));
	tl_expect_str(s, "{'a'}");
	value_unref(s);
	tl_assert_no_leaks();
}

Test(value, len_item_and_cstr)
{
	struct value t = value_tuple(2, value_int(7), value_str("x"));
	cr_expect_eq(value_len(t), 2);
	cr_expect_eq(value_item(t, 0).u.i, 7);
	cr_expect_str_eq(value_cstr(value_item(t, 1)), "x");
	cr_expect_null(value_cstr(value_int(1)));
	struct value s = value_strf("%d-%s", 3, "x");
	cr_expect_str_eq(value_cstr(s), "3-x");
	cr_expect_eq(value_len(s), 3);
	value_unref(s);
	value_unref(t);
	tl_assert_no_leaks();
}

/* ---- exceptions ---- */

Test(value, repr_exceptions)
{
	/* python3 -c "print(repr(ValueError('bad')), repr(StopIteration()), repr(KeyError('k')))"
	 * -> ValueError('bad') StopIteration() KeyError('k') */
	struct value e = exc_new(EXC_VALUE_ERROR, "bad");
	tl_expect_repr(e, "ValueError('bad')");
	value_unref(e);
	e = exc_new(EXC_STOP_ITERATION, NULL);
	tl_expect_repr(e, "StopIteration()");
	value_unref(e);
	e = exc_new(EXC_KEY_ERROR, "k");
	tl_expect_repr(e, "KeyError('k')");
	value_unref(e);
	/* python3 -c "print(repr(ValueError(\"it's\")), repr(StopIteration((1, 2))))"
	 * -> ValueError("it's") StopIteration((1, 2)) */
	e = exc_new(EXC_VALUE_ERROR, "it's");
	tl_expect_repr(e, "ValueError(\"it's\")");
	value_unref(e);
	e = exc_new_arg(EXC_STOP_ITERATION, value_tuple(2, value_int(1), value_int(2)));
	tl_expect_repr(e, "StopIteration((1, 2))");
	value_unref(e);
	/* python3 -c "print(repr(ValueError('a', 1)))" -> ValueError('a', 1) */
	e = exc_new(EXC_VALUE_ERROR, NULL);
	value_set(&value_exc(e)->args, value_tuple(2, value_str("a"), value_int(1)));
	tl_expect_repr(e, "ValueError('a', 1)");
	value_unref(e);
	tl_assert_no_leaks();
}

Test(value, str_of_exceptions)
{
	/* python3 -c "print(str(ValueError('bad')), repr(str(StopIteration())), str(KeyError('k')))"
	 * -> bad '' 'k'   (KeyError shows the repr of its key) */
	struct value e = exc_new(EXC_VALUE_ERROR, "bad");
	tl_expect_str(e, "bad");
	value_unref(e);
	e = exc_new(EXC_STOP_ITERATION, NULL);
	tl_expect_str(e, "");
	value_unref(e);
	e = exc_new(EXC_KEY_ERROR, "k");
	tl_expect_str(e, "'k'");
	value_unref(e);
	/* python3 -c "print(str(StopIteration((1, 2))), str(ValueError('a', 1)))" -> (1, 2) ('a', 1) */
	e = exc_new_arg(EXC_STOP_ITERATION, value_tuple(2, value_int(1), value_int(2)));
	tl_expect_str(e, "(1, 2)");
	value_unref(e);
	e = exc_new(EXC_VALUE_ERROR, NULL);
	value_set(&value_exc(e)->args, value_tuple(2, value_str("a"), value_int(1)));
	tl_expect_str(e, "('a', 1)");
	value_unref(e);
	/* python3 -c "print(str(ValueError(\"it's\")))" -> it's */
	e = exc_newf(EXC_VALUE_ERROR, "%s's", "it");
	tl_expect_str(e, "it's");
	value_unref(e);
	tl_assert_no_leaks();
}

static void expect_format(struct value e, const char *want)
{
	char *s = exc_format(value_exc(e));
	cr_expect_str_eq(s, want);
	free(s);
	value_unref(e);
}

Test(value, exc_format_is_the_last_traceback_line)
{
	/* python3 -c "import traceback; [print(traceback.format_exception_only(e)[-1], end='') for e in
	 *   (ValueError('bad'), StopIteration(), KeyError('k'), ValueError(''), TimeoutError())]"
	 * -> ValueError: bad / StopIteration / KeyError: 'k' / ValueError / TimeoutError */
	expect_format(exc_new(EXC_VALUE_ERROR, "bad"), "ValueError: bad");
	expect_format(exc_new(EXC_STOP_ITERATION, NULL), "StopIteration");
	expect_format(exc_new(EXC_KEY_ERROR, "k"), "KeyError: 'k'");
	expect_format(exc_new(EXC_VALUE_ERROR, ""), "ValueError");
	expect_format(exc_new(EXC_TIMEOUT_ERROR, NULL), "TimeoutError");
	tl_assert_no_leaks();
}

Test(value, exc_type_names_are_cpython_class_names)
{
	/* python3 -c "import asyncio; print([c.__name__ for c in (BaseException, Exception,
	 *   StopIteration, GeneratorExit, TypeError, ValueError, RuntimeError, KeyError, OSError,
	 *   asyncio.TimeoutError, asyncio.CancelledError, asyncio.InvalidStateError, ZeroDivisionError)])" */
	static const char *const want[EXC_N_TYPES] = {
		[EXC_BASE_EXCEPTION] = "BaseException",
		[EXC_EXCEPTION] = "Exception",
		[EXC_STOP_ITERATION] = "StopIteration",
		[EXC_GENERATOR_EXIT] = "GeneratorExit",
		[EXC_TYPE_ERROR] = "TypeError",
		[EXC_VALUE_ERROR] = "ValueError",
		[EXC_RUNTIME_ERROR] = "RuntimeError",
		[EXC_KEY_ERROR] = "KeyError",
		[EXC_OS_ERROR] = "OSError",
		[EXC_TIMEOUT_ERROR] = "TimeoutError",
		[EXC_CANCELLED_ERROR] = "CancelledError",
		[EXC_INVALID_STATE_ERROR] = "InvalidStateError",
		[EXC_ZERO_DIVISION_ERROR] = "ZeroDivisionError",
	};
	for (int t = 0; t < EXC_N_TYPES; t++)
		cr_expect_str_eq(exc_type_name((enum exc_type)t), want[t]);
}

/* isinstance(exception of type t, u) */
static int isinstance(enum exc_type t, enum exc_type u)
{
	struct value e = exc_new(t, NULL);
	int r = exc_matches(value_exc(e), u);
	value_unref(e);
	return r;
}

Test(value, exc_matches_every_type_is_a_base_exception)
{
	/* python3 -c "import asyncio; print(all(issubclass(c, BaseException) for c in (Exception,
	 *   StopIteration, GeneratorExit, KeyError, asyncio.CancelledError, asyncio.InvalidStateError)))" -> True */
	for (int t = 0; t < EXC_N_TYPES; t++) {
		cr_expect(isinstance((enum exc_type)t, (enum exc_type)t), "%s is not itself", exc_type_name((enum exc_type)t));
		cr_expect(isinstance((enum exc_type)t, EXC_BASE_EXCEPTION), "%s", exc_type_name((enum exc_type)t));
	}
	/* python3 -c "print(issubclass(BaseException, Exception))" -> False */
	cr_expect_not(isinstance(EXC_BASE_EXCEPTION, EXC_EXCEPTION));
}

Test(value, exc_matches_cancelled_error_is_base_exception_not_exception)
{
	/* python3 -c "import asyncio; print(issubclass(asyncio.CancelledError, Exception),
	 *   issubclass(asyncio.CancelledError, BaseException))" -> False True */
	cr_expect_not(isinstance(EXC_CANCELLED_ERROR, EXC_EXCEPTION));
	cr_expect(isinstance(EXC_CANCELLED_ERROR, EXC_BASE_EXCEPTION));
}

Test(value, exc_matches_generator_exit_is_base_exception_not_exception)
{
	/* python3 -c "print(issubclass(GeneratorExit, Exception))" -> False */
	cr_expect_not(isinstance(EXC_GENERATOR_EXIT, EXC_EXCEPTION));
	cr_expect(isinstance(EXC_GENERATOR_EXIT, EXC_BASE_EXCEPTION));
}

Test(value, exc_matches_timeout_error_is_an_os_error)
{
	/* python3 -c "import asyncio; print(asyncio.TimeoutError is TimeoutError,
	 *   issubclass(TimeoutError, OSError), issubclass(TimeoutError, Exception))" -> True True True */
	cr_expect(isinstance(EXC_TIMEOUT_ERROR, EXC_OS_ERROR));
	cr_expect(isinstance(EXC_TIMEOUT_ERROR, EXC_EXCEPTION));
	/* python3 -c "print(issubclass(OSError, TimeoutError))" -> False */
	cr_expect_not(isinstance(EXC_OS_ERROR, EXC_TIMEOUT_ERROR));
}

Test(value, exc_matches_invalid_state_error_is_an_exception)
{
	/* python3 -c "import asyncio; print(issubclass(asyncio.InvalidStateError, Exception))" -> True */
	cr_expect(isinstance(EXC_INVALID_STATE_ERROR, EXC_EXCEPTION));
}

Test(value, exc_matches_sibling_types_do_not_match)
{
	/* python3 -c "print(issubclass(StopIteration, Exception), issubclass(ValueError, TypeError),
	 *   issubclass(KeyError, RuntimeError), issubclass(StopIteration, GeneratorExit))" -> True False False False */
	cr_expect(isinstance(EXC_STOP_ITERATION, EXC_EXCEPTION));
	cr_expect_not(isinstance(EXC_VALUE_ERROR, EXC_TYPE_ERROR));
	cr_expect_not(isinstance(EXC_KEY_ERROR, EXC_RUNTIME_ERROR));
	cr_expect_not(isinstance(EXC_STOP_ITERATION, EXC_GENERATOR_EXIT));
}

Test(value, exc_stop_value_is_args0_or_none)
{
	/* python3 -c "print(repr(StopIteration().value), StopIteration().args, repr(StopIteration('v').value))"
	 * -> None () 'v' */
	struct value e = exc_new(EXC_STOP_ITERATION, NULL);
	cr_expect_eq(value_len(value_exc(e)->args), 0);
	cr_expect(value_is_none(exc_stop_value(value_exc(e))));
	value_unref(e);
	e = exc_new(EXC_STOP_ITERATION, "v");
	tl_expect_repr(exc_stop_value(value_exc(e)), "'v'");
	value_unref(e);
	/* G4: a returned tuple is wrapped, not unpacked.
	 * python3 -c "e = StopIteration((1, 2)); print(repr(e.value), e.args)" -> (1, 2) ((1, 2),) */
	e = exc_new_arg(EXC_STOP_ITERATION, value_tuple(2, value_int(1), value_int(2)));
	tl_expect_repr(exc_stop_value(value_exc(e)), "(1, 2)");
	tl_expect_repr(value_exc(e)->args, "((1, 2),)");
	value_unref(e);
	tl_assert_no_leaks();
}

Test(value, exc_set_cause_sets_cause_context_and_suppress_context)
{
	/* python3 -c "
	 * try:
	 *     try: raise StopIteration('inner')
	 *     except StopIteration as s: raise RuntimeError('x') from s
	 * except RuntimeError as e: print(repr(e.__cause__), e.__context__ is e.__cause__, e.__suppress_context__)"
	 * -> StopIteration('inner') True True */
	struct value si = exc_new(EXC_STOP_ITERATION, "inner");
	struct value rt = exc_new(EXC_RUNTIME_ERROR, "x");
	exc_set_cause(value_exc(rt), value_exc(si));
	cr_expect_eq(value_exc(rt)->cause, value_exc(si));
	cr_expect_eq(value_exc(rt)->context, value_exc(si));
	cr_expect_eq(value_exc(rt)->suppress_context, 1);
	/* __cause__ and __context__ each hold a reference. */
	cr_expect_eq(si.u.o->refcnt, 3);
	value_unref(rt);
	cr_expect_eq(si.u.o->refcnt, 1);
	value_unref(si);
	tl_assert_no_leaks();
}

/* ---- == and truth ---- */

Test(value, equal_numbers_across_int_bool_and_float)
{
	/* python3 -c "print(1 == 1.0, True == 1, 0 == False, 0.0 == -0.0, float('nan') == float('nan'), 1 == 2)"
	 * -> True True True True False False */
	cr_expect(value_equal(value_int(1), value_float(1.0)));
	cr_expect(value_equal(value_bool(1), value_int(1)));
	cr_expect(value_equal(value_int(0), value_bool(0)));
	cr_expect(value_equal(value_float(0.0), value_float(-0.0)));
	cr_expect_not(value_equal(value_float(NAN), value_float(NAN)));
	cr_expect_not(value_equal(value_int(1), value_int(2)));
	/* python3 -c "print(2**62 + 1 == 2**62)" -> False */
	cr_expect_not(value_equal(value_int((1LL << 62) + 1), value_int(1LL << 62)));
}

Test(value, equal_int_and_float_compares_exactly)
{
	/* CPython compares an int with a float exactly, without rounding the
	 * int to a double first.
	 * python3 -c "print(2**53 + 1 == float(2**53))" -> False */
	cr_expect_not(value_equal(value_int((1LL << 53) + 1), value_float(9007199254740992.0)),
		      "2**53 + 1 == 2.0**53 must be False");
}

Test(value, equal_none_strings_and_sequences)
{
	/* python3 -c "print(None == None, None == 0, '1' == 1, 'a\x00b' == 'a\x00c', 'ab' == 'ab')"
	 * -> True False False False True */
	cr_expect(value_equal(value_none(), value_none()));
	cr_expect_not(value_equal(value_none(), value_int(0)));
	struct value a = value_str("1"), b = value_strn("a\0b", 3), c = value_strn("a\0c", 3);
	struct value d = value_str("ab"), d2 = value_str("ab");
	cr_expect_not(value_equal(a, value_int(1)));
	cr_expect_not(value_equal(b, c));
	cr_expect(value_equal(d, d2));
	/* python3 -c "print([1] == (1,), (1, 'a') == (1, 'a'), [1, [2]] == [1, [2]], (1,) == (1, 2))"
	 * -> False True True False */
	struct value l = value_list(), t = value_tuple(1, value_int(1));
	value_append(l, value_int(1));
	cr_expect_not(value_equal(l, t));
	struct value t1 = value_tuple(2, value_int(1), value_str("a"));
	struct value t2 = value_tuple(2, value_int(1), value_str("a"));
	cr_expect(value_equal(t1, t2));
	struct value l1 = value_list(), l2 = value_list(), in1 = value_list(), in2 = value_list();
	value_append(in1, value_int(2));
	value_append(in2, value_int(2));
	value_append(l1, value_int(1));
	value_append(l1, in1);
	value_append(l2, value_int(1));
	value_append(l2, in2);
	cr_expect(value_equal(l1, l2));
	struct value t3 = value_tuple(2, value_int(1), value_int(2));
	cr_expect_not(value_equal(t, t3));
	struct value all[] = {a, b, c, d, d2, l, t, t1, t2, l1, l2, t3};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) value_unref(all[i]);
	tl_assert_no_leaks();
}

Test(value, equal_sets_ignore_order)
{
	/* python3 -c "print({1, 2} == {2, 1}, {1} == {1.0}, set() == set(), {1} == {2})"
	 * -> True True True False */
	struct value a = value_new_set(), b = value_new_set(), c = value_new_set(), d = value_new_set();
	value_append(a, value_int(1));
	value_append(a, value_int(2));
	value_append(b, value_int(2));
	value_append(b, value_int(1));
	value_append(c, value_float(1.0));
	value_append(d, value_int(2));
	struct value e1 = value_new_set(), e2 = value_new_set(), one = value_new_set();
	value_append(one, value_int(1));
	cr_expect(value_equal(a, b), "{1, 2} == {2, 1} must be True");
	cr_expect(value_equal(one, c), "{1} == {1.0} must be True");
	cr_expect(value_equal(e1, e2), "set() == set() must be True");
	cr_expect_not(value_equal(one, d));
	struct value all[] = {a, b, c, d, e1, e2, one};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) value_unref(all[i]);
	tl_assert_no_leaks();
}

Test(value, equal_exceptions_by_identity)
{
	/* python3 -c "e = ValueError('a'); print(ValueError('a') == ValueError('a'), e == e)" -> False True */
	struct value a = exc_new(EXC_VALUE_ERROR, "a"), b = exc_new(EXC_VALUE_ERROR, "a");
	cr_expect_not(value_equal(a, b));
	cr_expect(value_equal(a, a));
	value_unref(a);
	value_unref(b);
	tl_assert_no_leaks();
}

Test(value, truthiness)
{
	/* python3 -c "print(bool(None), bool(0), bool(0.0), bool(''), bool(()), bool([]), bool(set()),
	 *   bool(-1), bool('0'), bool((0,)), bool(ValueError()), bool(0.5))"
	 * -> False False False False False False False True True True True True */
	struct value s0 = value_str(""), t0 = value_tuple(0), l0 = value_list(), e0 = value_new_set();
	struct value s1 = value_str("0"), t1 = value_tuple(1, value_int(0)), x = exc_new(EXC_VALUE_ERROR, NULL);
	cr_expect_not(value_truthy(value_none()));
	cr_expect_not(value_truthy(value_int(0)));
	cr_expect_not(value_truthy(value_float(0.0)));
	cr_expect_not(value_truthy(s0));
	cr_expect_not(value_truthy(t0));
	cr_expect_not(value_truthy(l0));
	cr_expect_not(value_truthy(e0));
	cr_expect(value_truthy(value_int(-1)));
	cr_expect(value_truthy(s1));
	cr_expect(value_truthy(t1));
	cr_expect(value_truthy(x));
	cr_expect(value_truthy(value_float(0.5)));
	struct value all[] = {s0, t0, l0, e0, s1, t1, x};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) value_unref(all[i]);
	tl_assert_no_leaks();
}

Test(value, type_names)
{
	/* python3 -c "print(type(None).__name__, type(True).__name__, type(1).__name__, type(1.0).__name__,
	 *   type('').__name__, type(()).__name__, type([]).__name__, type(set()).__name__, type(KeyError()).__name__)"
	 * -> NoneType bool int float str tuple list set KeyError */
	struct value s = value_str(""), t = value_tuple(0), l = value_list(), e = value_new_set();
	struct value x = exc_new(EXC_KEY_ERROR, NULL);
	cr_expect_str_eq(value_type_name(value_none()), "NoneType");
	cr_expect_str_eq(value_type_name(value_bool(1)), "bool");
	cr_expect_str_eq(value_type_name(value_int(1)), "int");
	cr_expect_str_eq(value_type_name(value_float(1.0)), "float");
	cr_expect_str_eq(value_type_name(s), "str");
	cr_expect_str_eq(value_type_name(t), "tuple");
	cr_expect_str_eq(value_type_name(l), "list");
	cr_expect_str_eq(value_type_name(e), "set");
	cr_expect_str_eq(value_type_name(x), "KeyError");
	struct value all[] = {s, t, l, e, x};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) value_unref(all[i]);
	tl_assert_no_leaks();
}

/* ---- reference counting ---- */

Test(value, refcount_ref_and_unref)
{
	struct value s = value_str("x");
	cr_expect_eq(s.u.o->refcnt, 1);
	struct value s2 = value_ref(s);
	cr_expect_eq(s.u.o->refcnt, 2);
	cr_expect_eq(s2.u.o, s.u.o);
	value_unref(s2);
	cr_expect_eq(s.u.o->refcnt, 1);
	value_unref(s);
	/* Scalars carry no count: ref/unref are no-ops on them. */
	struct value i = value_ref(value_int(5));
	value_unref(i);
	cr_expect_eq(i.u.i, 5);
	tl_assert_no_leaks();
}

Test(value, refcount_tuple_and_list_steal_their_items)
{
	struct value s = value_str("x");
	struct value t = value_tuple(2, value_ref(s), value_int(1));
	cr_expect_eq(s.u.o->refcnt, 2);
	struct value l = value_list();
	value_append(l, value_ref(s));
	cr_expect_eq(s.u.o->refcnt, 3);
	value_unref(t);
	cr_expect_eq(s.u.o->refcnt, 2);
	value_unref(l);
	cr_expect_eq(s.u.o->refcnt, 1);
	value_unref(s);
	tl_assert_no_leaks();
}

Test(value, refcount_set_releases_a_duplicate)
{
	struct value set = value_new_set();
	value_append(set, value_str("x"));
	struct value dup = value_str("x");
	value_append(set, value_ref(dup)); /* equal to an item: dropped */
	cr_expect_eq(value_len(set), 1);
	cr_expect_eq(dup.u.o->refcnt, 1);
	value_unref(dup);
	value_unref(set);
	tl_assert_no_leaks();
}

Test(value, refcount_value_set_releases_the_old_value)
{
	struct value old = value_str("old");
	struct value slot = value_ref(old);
	cr_expect_eq(old.u.o->refcnt, 2);
	value_set(&slot, value_str("new"));
	cr_expect_eq(old.u.o->refcnt, 1);
	cr_expect_str_eq(value_cstr(slot), "new");
	value_unref(slot);
	value_unref(old);
	tl_assert_no_leaks();
}

Test(value, refcount_obj_ref_and_value_obj)
{
	struct value e = exc_new(EXC_VALUE_ERROR, "x");
	struct value e2 = value_obj(value_exc(e));
	cr_expect_eq(e2.kind, VAL_EXC);
	cr_expect_eq(e.u.o->refcnt, 2);
	obj_ref(value_exc(e));
	cr_expect_eq(e.u.o->refcnt, 3);
	obj_unref(value_exc(e));
	obj_unref(NULL);
	value_unref(e2);
	cr_expect_eq(e.u.o->refcnt, 1);
	value_unref(e);
	tl_assert_no_leaks();
}

Test(value, refcount_nested_values_are_freed)
{
	/* [('a', [1.5, {'s'}]), ValueError('v') caused by KeyError('k')]
	 * python3 -c "print(repr([('a', [1.5, {'s'}]), ValueError('v')]))" -> [('a', [1.5, {'s'}]), ValueError('v')] */
	struct value set = value_new_set();
	value_append(set, value_str("s"));
	struct value in = value_list();
	value_append(in, value_float(1.5));
	value_append(in, set);
	struct value l = value_list();
	value_append(l, value_tuple(2, value_str("a"), in));
	struct value v = exc_new(EXC_VALUE_ERROR, "v"), k = exc_new(EXC_KEY_ERROR, "k");
	exc_set_cause(value_exc(v), value_exc(k));
	value_unref(k);
	value_append(l, v);
	tl_expect_repr(l, "[('a', [1.5, {'s'}]), ValueError('v')]");
	value_unref(l);
	tl_assert_no_leaks();
}

#ifndef VALUE_ASAN
/* Resident set size, from /proc/self/statm. */
static long long resident_bytes(void)
{
	long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	cr_assert(f, "no /proc/self/statm");
	cr_assert_eq(fscanf(f, "%lld %lld", &size, &resident), 2);
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}
#endif

/* The object pool: past 32 MB it maps 2 MB blocks (huge pages) instead of
 * 256 kB ones.  45 MB of objects, each filled with its own byte and read
 * back whole (no two overlap, whatever block they came from), then all
 * released and the blocks given back; the pool then serves afresh. */
Test(value, pool_serves_and_gives_back_more_than_32_mb)
{
	enum { N = 700000, SIZE = 64 };
	unsigned char **p = xmalloc(N * sizeof *p);
	for (size_t i = 0; i < N; i++) {
		p[i] = obj_alloc(SIZE);
		memset(p[i], (int)(i & 0xff), SIZE);
	}
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < SIZE; j++)
			if (p[i][j] != (unsigned char)(i & 0xff))
				cr_assert_fail("object %zu was overwritten at byte %zu", i, j);
	for (size_t i = 0; i < N; i++) obj_free(p[i], SIZE);
#ifndef VALUE_ASAN /* a sanitizer build has no pool: malloc keeps what it likes */
	long long before = resident_bytes();
	obj_pool_trim();
	cr_expect_geq(before - resident_bytes(), 40LL << 20, "trimming the pool gave back only %lld bytes",
		      before - resident_bytes());
#else
	obj_pool_trim();
#endif
	unsigned char *q = obj_alloc(SIZE);
	memset(q, 0x5a, SIZE);
	cr_expect_eq(q[SIZE - 1], 0x5a);
	obj_free(q, SIZE);
	obj_pool_trim();
	free(p);
	tl_assert_no_leaks();
}
