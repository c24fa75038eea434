/* 02-yield.c -- chapter 2: yield, next() and send(). */
#include "config.h"

#include <stdlib.h>

#include "lesson.h"

static const char python[] =
	"# Chapter 2: yield -- think of `yield` as a `return` that can resume.\n"
	"\n"
	"\n"
	"def foo():\n"
	"    print('starting...')\n"
	"    for i in range(2):\n"
	"        res = yield 4\n"
	"        print('res:', res)\n"
	"    return 'foo finished'\n"
	"\n"
	"\n"
	"g = foo()\n"
	"print('g = foo() ran nothing; g is a', type(g).__name__)\n"
	"\n"
	"# a generator that has not started cannot receive a value\n"
	"try:\n"
	"    g.send(7)  # too early: foo is not waiting at a yield\n"
	"except TypeError as e:\n"
	"    print(type(e).__name__ + ':', e)\n"
	"\n"
	"# next() runs to the first yield: `yield 4` is done, `res =` waits\n"
	"print('next(g) ->', next(g))  # first next: foo starts\n"
	"print('*' * 20)  # foo waits at `res = yield 4` (i = 0)\n"
	"# next() resumes with res = None\n"
	"print('next(g) ->', next(g))  # second next: res = None\n"
	"print('*' * 20)  # foo waits at `res = yield 4` (i = 1)\n"
	"# send(7) resumes with res = 7; the loop ends, so foo returns\n"
	"try:\n"
	"    g.send(7)  # res = 7\n"
	"except StopIteration as e:\n"
	"    print('StopIteration, value =', e.value)\n"
	"\n"
	"# an exhausted generator raises a bare StopIteration\n"
	"try:\n"
	"    next(g)\n"
	"except StopIteration as e:\n"
	"    print('StopIteration again, args =', e.args)\n";

/* def foo(): its locals are slots (i must survive the yield), so a trace
 * shows the frame as gi_frame does. */
enum { FOO_I, FOO_RES, FOO_N };
static const char *const foo_vars[] = {"i", "res"};

static GEN_BODY(def_foo_body)
{
	struct interp *I = g->I;
	struct value *L = g->locals;
	char *s;

	GEN_BEGIN(g);
	AT(I, "print('starting...')");
	out(I, "starting...");
	/* for i in range(2): i is 0, then 1; after the last round it keeps 1. */
	AT(I, "for i in range(2):");
	value_set(&L[FOO_I], value_int(0));
	for (;;) {
		/* The right side runs now (4 goes out); the assignment to res
		 * happens on the resume, with what next()/send() brings (G2). */
		AT(I, "res = yield 4");
		GEN_YIELD(g, value_int(4), &L[FOO_RES]);
		AT(I, "print('res:', res)");
		s = pystr(L[FOO_RES]);
		out(I, "res: %s", s);
		free(s);
		AT(I, "for i in range(2):");
		if (L[FOO_I].u.i + 1 >= 2)
			break;
		value_set(&L[FOO_I], value_int(L[FOO_I].u.i + 1));
	}
	AT(I, "return 'foo finished'");
	GEN_RETURN(g, value_str("foo finished"));
	GEN_END(g);
}

static const struct gen_code def_foo = {
	.name = "foo", .kind = GEN_KIND_GENERATOR, .body = def_foo_body,
	.nlocals = FOO_N, .varnames = foo_vars,
	.firstlineno = 4, /* def foo(): */
};

/* print('next(g) ->', next(g)): returns 0, or 1 if foo did not yield (the
 * program says it does: an engine bug). */
static int print_next(struct interp *I, struct value g)
{
	struct value v;
	char *s;

	if (gen_next(value_gen(g), &v) != GEN_YIELDED) {
		value_unref(v);
		return 1;
	}
	s = pystr(v);
	out(I, "next(g) -> %s", s);
	free(s);
	value_unref(v);
	return 0;
}

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	struct value g, v, e;
	char *s;
	int rc = 1;

	say(I, _("A function with yield in its body is a generator function. "
		 "Think of yield as a return that can resume: it hands a value out and pauses the function there."));
	AT(I, "g = foo()");
	say(I, _("Calling foo() runs none of its body: it returns a generator object, in state GEN_CREATED."));
	g = gen_new(I, &def_foo, 0);
	AT(I, "print('g = foo() ran nothing; g is a', type(g).__name__)");
	out(I, "g = foo() ran nothing; g is a %s", value_type_name(g));

	AT(I, "# too early");
	say(I, _("A generator that has not started is not waiting at any yield, so there is nowhere to put a value "
		 "(不能给尚未激活的生成器发值). Sending anything but None raises TypeError, "
		 "and foo stays GEN_CREATED: none of its body ran."));
	if (gen_send(value_gen(g), value_int(7), &e) != GEN_RAISED) {
		value_unref(e);
		goto done;
	}
	AT(I, "print(type(e).__name__ + ':', e)");
	s = pystr(e);
	out(I, "%s: %s", value_type_name(e), s);
	free(s);
	value_unref(e);

	AT(I, "# first next");
	say(I, _("next(g) activates (激活) foo. It runs to the first `res = yield 4` and stops in the middle of that line: "
		 "the right side is done (4 goes out to the caller), the assignment to res waits "
		 "for the next next() or send()."));
	if (print_next(I, g))
		goto done;
	AT(I, "(i = 0)");
	out(I, "********************");

	AT(I, "# second next");
	say(I, _("next(g) is the same as g.send(None): foo resumes at the waiting yield, "
		 "the yield expression gives None, so res is None. "
		 "foo goes round the loop and stops at `yield 4` again."));
	if (print_next(I, g))
		goto done;
	AT(I, "(i = 1)");
	out(I, "********************");

	AT(I, "# res = 7");
	say(I, _("g.send(7) resumes foo the same way, but now the yield expression gives 7, so res is 7. "
		 "The loop is over and foo returns: send() raises StopIteration, "
		 "and its .value is what foo returned."));
	if (gen_send(value_gen(g), value_int(7), &v) != GEN_RETURNED) {
		value_unref(v);
		goto done;
	}
	e = stop_iteration(v);
	AT(I, "print('StopIteration, value =', e.value)");
	s = pystr(exc_stop_value(value_exc(e)));
	out(I, "StopIteration, value = %s", s);
	free(s);
	value_unref(e);

	AT(I, "    next(g)");
	say(I, _("foo is finished (GEN_CLOSED). next() on an exhausted generator raises a bare StopIteration: "
		 "no value, empty args. It never runs foo again."));
	if (gen_next(value_gen(g), &v) != GEN_RETURNED) {
		value_unref(v);
		goto done;
	}
	e = stop_iteration(v);
	AT(I, "print('StopIteration again, args =', e.args)");
	s = value_repr(value_exc(e)->args);
	out(I, "StopIteration again, args = %s", s);
	free(s);
	value_unref(e);
	rc = 0;
done:
	value_unref(g);
	return rc;
}

const struct lesson lesson_02 = {
	.number = 2,
	.slug = "yield",
	.title = N_("yield, next() and send()"),
	.chapter = "2.yield的使用",
	.python = python,
	.run = run,
};
