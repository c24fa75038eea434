/* 01-intro.c -- chapter 1: a function runs to its end, a generator pauses
 * at each yield and resumes later. */
#include "config.h"

#include <stdlib.h>

#include "lesson.h"

static const char python[] =
	"# Chapter 1: introduction -- a normal function runs to the end,\n"
	"# a generator function pauses at each yield and resumes later.\n"
	"\n"
	"\n"
	"def normal():\n"
	"    print('normal: step 1')\n"
	"    print('normal: step 2')\n"
	"    return 'normal done'\n"
	"\n"
	"\n"
	"def gen():\n"
	"    print('gen: step 1')\n"
	"    yield 1\n"
	"    print('gen: step 2')\n"
	"    yield 2\n"
	"    print('gen: step 3')\n"
	"    return 'gen done'\n"
	"\n"
	"\n"
	"print('caller: calling normal()')\n"
	"ret = normal()\n"
	"print('caller: normal() returned', ret)\n"
	"\n"
	"print('caller: calling gen()')\n"
	"g = gen()\n"
	"print('caller: gen() ran nothing and returned a:')\n"
	"print(type(g).__name__)\n"
	"print('caller: next(g) ->', next(g))  # gen runs up to `yield 1`\n"
	"print('caller: doing other work while gen is paused')\n"
	"print('caller: next(g) ->', next(g))  # gen goes on after `yield 1`\n"
	"try:\n"
	"    next(g)  # gen goes on after `yield 2` and returns\n"
	"except StopIteration as e:\n"
	"    print('caller: StopIteration, value =', e.value)\n";

/* def normal(): a plain function, run in a frame of its own so the trace
 * shows its lines as normal()'s.  Returns a new reference. */
static struct value normal(struct interp *I)
{
	struct frame fr;
	struct value ret;

	note_call(I, "normal()");
	interp_enter(I, &fr, ACT_MAIN, "normal");
	AT(I, "print('normal: step 1')");
	out(I, "normal: step 1");
	AT(I, "print('normal: step 2')");
	out(I, "normal: step 2");
	AT(I, "return 'normal done'");
	ret = value_str("normal done");
	note_return(I, ret);
	interp_leave(I, &fr);
	return ret;
}

/* def gen(): it has no locals, so nothing needs a slot. */
static GEN_BODY(def_gen_body)
{
	struct interp *I = g->I;

	GEN_BEGIN(g);
	AT(I, "print('gen: step 1')");
	out(I, "gen: step 1");
	AT(I, "    yield 1");
	GEN_YIELD(g, value_int(1), NULL);
	AT(I, "print('gen: step 2')");
	out(I, "gen: step 2");
	AT(I, "    yield 2");
	GEN_YIELD(g, value_int(2), NULL);
	AT(I, "print('gen: step 3')");
	out(I, "gen: step 3");
	AT(I, "return 'gen done'");
	GEN_RETURN(g, value_str("gen done"));
	GEN_END(g);
}

static const struct gen_code def_gen = {
	.name = "gen", .kind = GEN_KIND_GENERATOR, .body = def_gen_body,
	.firstlineno = 11, /* def gen(): */
};

/* print('caller: next(g) ->', next(g)): returns 0, or 1 if gen did not
 * yield (the program says it does: an engine bug). */
static int print_next(struct interp *I, struct value g)
{
	struct value v;
	char *s;

	if (gen_next(value_gen(g), &v) != GEN_YIELDED) {
		value_unref(v);
		return 1;
	}
	s = pystr(v);
	out(I, "caller: next(g) -> %s", s);
	free(s);
	value_unref(v);
	return 0;
}

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	struct value ret, g, e;
	char *s;
	int rc = 1;

	say(I, _("Two ways to run code. A normal function runs from its first line to its return in one go. "
		 "A generator function stops at every yield and goes on from there when asked: "
		 "that pause-and-resume is the heart of a coroutine (协程). "
		 "The timeline follows the program line by line: who runs (the top level <module>, normal(), gen), "
		 "the generator's state changes, the values it yields, and what the program prints (out)."));
	AT(I, "print('caller: calling normal()')");
	out(I, "caller: calling normal()");
	AT(I, "ret = normal()");
	say(I, _("Calling normal() runs its whole body at once; the caller waits until it returns."));
	ret = normal(I);
	AT(I, "print('caller: normal() returned', ret)");
	s = pystr(ret);
	out(I, "caller: normal() returned %s", s);
	free(s);
	value_unref(ret);

	AT(I, "print('caller: calling gen()')");
	out(I, "caller: calling gen()");
	AT(I, "g = gen()");
	say(I, _("gen() has yield in its body, so calling it runs none of that body: "
		 "it only creates a generator object, in state GEN_CREATED."));
	g = gen_new(I, &def_gen, 0);
	AT(I, "print('caller: gen() ran nothing and returned a:')");
	out(I, "caller: gen() ran nothing and returned a:");
	AT(I, "print(type(g).__name__)");
	out(I, "%s", value_type_name(g));

	AT(I, "# gen runs up to `yield 1`");
	say(I, _("next(g) starts gen. It runs until `yield 1`, hands 1 to the caller and pauses (挂起) there: "
		 "GEN_SUSPENDED, with its place and its locals kept."));
	if (print_next(I, g))
		goto done;
	AT(I, "print('caller: doing other work while gen is paused')");
	say(I, _("gen is paused, so the caller is free to do other work. "
		 "Taking turns like this, without threads, is what coroutines are about."));
	out(I, "caller: doing other work while gen is paused");
	AT(I, "# gen goes on after `yield 1`");
	say(I, _("The second next(g) resumes gen right after `yield 1`, not from the top."));
	if (print_next(I, g))
		goto done;

	AT(I, "    next(g)");
	say(I, _("The third next(g) runs gen to `return 'gen done'`. The generator is finished (GEN_CLOSED), "
		 "so next() raises StopIteration, which carries the return value in .value."));
	if (gen_next(value_gen(g), &ret) != GEN_RETURNED) {
		value_unref(ret);
		goto done;
	}
	e = stop_iteration(ret);
	AT(I, "print('caller: StopIteration, value =', e.value)");
	s = pystr(exc_stop_value(value_exc(e)));
	out(I, "caller: StopIteration, value = %s", s);
	free(s);
	value_unref(e);
	say(I, _("Chapter 2 looks closer at yield: what next() and send() hand to a paused generator."));
	rc = 0;
done:
	value_unref(g);
	return rc;
}

const struct lesson lesson_01 = {
	.number = 1,
	.slug = "intro",
	.title = N_("Coroutines: an introduction"),
	.chapter = "1. 协程简介",
	.python = python,
	.run = run,
};
