/* 10-nesting.c -- chapter 10: nested coroutines.
 *
 * An outer coroutine (main) wraps inner coroutines (do_some_work) in tasks
 * and awaits them; the notes list five ways to collect the inner results,
 * and the program runs each in turn (method=1..5 runs one).  Methods 1 and 4
 * iterate the `dones` set of asyncio.wait(): CPython's order there depends on
 * memory addresses, so those loops run with I->set_order raised and the
 * trace marks their lines.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "tutorial.h"

static const char python[] =
	"# Chapter 10: nested coroutines -- an outer coroutine wraps inner coroutines\n"
	"# in tasks and awaits them; five ways to collect the inner results.\n"
	"import asyncio\n"
	"import time\n"
	"\n"
	"DELAYS = [1, 2, 4]\n"
	"METHOD = 0\n"
	"\n"
	"\n"
	"# the inner coroutine (内层协程)\n"
	"async def do_some_work(x):\n"
	"    print('Waiting: ', x)\n"
	"    await asyncio.sleep(x)\n"
	"    return 'Done after {}s'.format(x)\n"
	"\n"
	"\n"
	"# the outer coroutine (外层协程); the notes call it exterior() but then run main()\n"
	"async def main(method):\n"
	"    tasks = [asyncio.ensure_future(do_some_work(x)) for x in DELAYS]\n"
	"    if method == 1:\n"
	"        # without await, main would end before the inner tasks do\n"
	"        dones, pendings = await asyncio.wait(tasks)\n"
	"        for task in dones:\n"
	"            print('Task ret: ', task.result())\n"
	"    elif method == 2:\n"
	"        results = await asyncio.gather(*tasks)\n"
	"        for result in results:\n"
	"            print('Task ret: ', result)\n"
	"    elif method == 3:\n"
	"        return await asyncio.gather(*tasks)\n"
	"    elif method == 4:\n"
	"        return await asyncio.wait(tasks)\n"
	"    else:\n"
	"        # await goes before each task, not before asyncio.as_completed\n"
	"        for task in asyncio.as_completed(tasks):\n"
	"            result = await task\n"
	"            print('Task ret: {}'.format(result))\n"
	"\n"
	"\n"
	"titles = ['await asyncio.wait(tasks), iterate dones',\n"
	"          'await asyncio.gather(*tasks), iterate results',\n"
	"          'return await asyncio.gather(*tasks), caller iterates results',\n"
	"          'return await asyncio.wait(tasks), caller iterates dones',\n"
	"          'for task in asyncio.as_completed(tasks): await task']\n"
	"\n"
	"loop = asyncio.get_event_loop()\n"
	"for method in range(1, 6):\n"
	"    if METHOD != 0 and METHOD != method:\n"
	"        continue\n"
	"    print('--- method {}: {}'.format(method, titles[method - 1]))\n"
	"    start = time.time()\n"
	"    if method == 3:\n"
	"        results = loop.run_until_complete(main(method))\n"
	"        for result in results:\n"
	"            print('Task ret: ', result)\n"
	"    elif method == 4:\n"
	"        dones, pendings = loop.run_until_complete(main(method))\n"
	"        for task in dones:\n"
	"            print('Task ret: ', task.result())\n"
	"    else:\n"
	"        loop.run_until_complete(main(method))\n"
	"    print('TIME: ', round(time.time() - start, 1))\n";

/* More tasks than this: the text view shows a condensed timeline. */
enum { CONDENSE_ABOVE = 50 };

/* The module global `titles`. */
static const char *const titles[] = {
	"await asyncio.wait(tasks), iterate dones",
	"await asyncio.gather(*tasks), iterate results",
	"return await asyncio.gather(*tasks), caller iterates results",
	"return await asyncio.wait(tasks), caller iterates dones",
	"for task in asyncio.as_completed(tasks): await task",
};

/* print('Task ret: ', v): the string's space plus print's separator. */
static void print_ret(struct interp *I, struct value v)
{
	char *s = pystr(v);

	out(I, "Task ret:  %s", s);
	free(s);
}

/* print('Task ret: ', task.result()).  Returns 0, or 1 with the exception
 * result() raised in *exc. */
static int print_task_result(struct interp *I, struct value task, struct value *exc)
{
	struct value r;

	if (future_result(value_future(task), &r)) {
		*exc = r;
		return 1;
	}
	print_ret(I, r);
	value_unref(r);
	return 0;
}

/* async def main(method): the outer coroutine.  "<iter>" is the
 * as_completed() generator of method 5, which Python keeps on the frame's
 * value stack. */
enum { M_METHOD, M_TASKS, M_DONES, M_PENDINGS, M_TASK, M_RESULTS, M_RESULT, M_ITER, M_N };
static const char *const main_vars[] = {"method", "tasks", "dones", "pendings", "task",
					"results", "result", "<iter>"};

static GEN_BODY(main_body)
{
	struct interp *I = g->I;
	struct value *L = g->locals;
	const struct knob_value *delays = lesson_knob(lesson_of(I), "delays");
	/* ret is the value of an await expression (Python keeps it on the
	 * value stack): filled when the await completes and used before the
	 * next suspension, so it may be a C local. */
	struct value coro, task, fut, item, ret = value_none();
	long long method = L[M_METHOD].u.i;
	enum gen_status st;
	size_t i;
	char *s;

	GEN_BEGIN(g);
	AT(I, "tasks = [asyncio.ensure_future(do_some_work(x)) for x in DELAYS]");
	value_set(&L[M_TASKS], value_list());
	for (i = 0; i < delays->n; i++) {
		coro = gen_new(I, &do_some_work, 1, py_number(delays->v[i]));
		if (aio_ensure_future(I, coro, &task)) {
			value_unref(coro);
			GEN_RAISE(g, task);
		}
		value_unref(coro);
		value_append(L[M_TASKS], task);
	}
	/* The if/elif chain: Python tests each condition up to the one that
	 * holds (the branch of `else:` starts at its first statement). */
	AT(I, "if method == 1:");
	if (method > 1)
		AT(I, "elif method == 2:");
	if (method > 2)
		AT(I, "elif method == 3:");
	if (method > 3)
		AT(I, "elif method == 4:");
	if (method == 1) {
		AT(I, "dones, pendings = await asyncio.wait(tasks)");
		say(I, _("Method 1: main awaits asyncio.wait(tasks) and gets two sets, dones and "
			 "pendings. Without that await, main would return at once, before the inner "
			 "tasks finish, and there would be no results to read."));
		GEN_AWAIT(g, aio_wait(I, L[M_TASKS], -1, AIO_ALL_COMPLETED), &ret);
		value_set(&L[M_DONES], value_ref(value_item(ret, 0)));
		value_set(&L[M_PENDINGS], value_ref(value_item(ret, 1)));
		value_unref(ret);
		say(I, _("dones is a set. CPython iterates a set in an order that depends on memory "
			 "addresses, so Python may print these lines in any order; this trace uses "
			 "the order the tasks were created in."));
		I->set_order++;
		for (i = 0; i < value_len(L[M_DONES]); i++) {
			AT(I, "for task in dones:");
			value_set(&L[M_TASK], value_ref(value_item(L[M_DONES], i)));
			AT(I, "print('Task ret: ', task.result())");
			if (print_task_result(I, L[M_TASK], &ret)) {
				I->set_order--;
				GEN_RAISE(g, ret);
			}
		}
		I->set_order--;
	} else if (method == 2) {
		AT(I, "results = await asyncio.gather(*tasks)");
		say(I, _("Method 2: asyncio.gather(*tasks) returns a future whose result is the list "
			 "of the tasks' results, in the order of its arguments, whatever order they "
			 "finish in."));
		if (aio_gather(I, L[M_TASKS], 0, &fut))
			GEN_RAISE(g, fut);
		GEN_AWAIT(g, fut, &L[M_RESULTS]);
		for (i = 0; i < value_len(L[M_RESULTS]); i++) {
			AT(I, "for result in results:");
			value_set(&L[M_RESULT], value_ref(value_item(L[M_RESULTS], i)));
			AT(I, "print('Task ret: ', result)");
			print_ret(I, L[M_RESULT]);
		}
	} else if (method == 3) {
		AT(I, "return await asyncio.gather(*tasks)");
		say(I, _("Method 3: main returns the list gather() gives it. The task that wraps main "
			 "finishes with that list as its result, and run_until_complete() returns it "
			 "to the caller."));
		if (aio_gather(I, L[M_TASKS], 0, &fut))
			GEN_RAISE(g, fut);
		GEN_AWAIT(g, fut, &ret);
		GEN_RETURN(g, ret);
	} else if (method == 4) {
		AT(I, "return await asyncio.wait(tasks)");
		say(I, _("Method 4: main returns wait()'s (dones, pendings) tuple as it is; the "
			 "caller gets it from run_until_complete()."));
		GEN_AWAIT(g, aio_wait(I, L[M_TASKS], -1, AIO_ALL_COMPLETED), &ret);
		GEN_RETURN(g, ret);
	} else {
		AT(I, "for task in asyncio.as_completed(tasks):");
		say(I, _("Method 5: asyncio.as_completed(tasks) is a generator (in Python 3.11) that "
			 "yields one new coroutine per task; awaiting it gives the next result in the "
			 "order the tasks finish. The await must be on each item: without it, result "
			 "would be a coroutine object, nothing would wait for the tasks, and main "
			 "would end before they finish. await before as_completed() itself is a "
			 "TypeError: a generator cannot be awaited."));
		aio_as_completed(I, L[M_TASKS], -1, &item);
		value_set(&L[M_ITER], item);
		for (;;) {
			AT(I, "for task in asyncio.as_completed(tasks):");
			st = gen_next(value_gen(L[M_ITER]), &item);
			if (st == GEN_RAISED)
				GEN_RAISE(g, item);
			if (st == GEN_RETURNED) { /* StopIteration ends the for loop */
				value_unref(item);
				break;
			}
			value_set(&L[M_TASK], item);
			AT(I, "result = await task");
			GEN_AWAIT(g, value_ref(L[M_TASK]), &L[M_RESULT]);
			AT(I, "print('Task ret: {}'.format(result))");
			s = pystr(L[M_RESULT]);
			out(I, "Task ret: %s", s); /* str.format: one space */
			free(s);
		}
	}
	GEN_END(g);
}

static const struct gen_code main_code = {
	.name = "main", .kind = GEN_KIND_COROUTINE, .body = main_body,
	.nlocals = M_N, .varnames = main_vars, .firstlineno = 18,
};

/* One pass of the module's for loop: run main(method) and collect. */
static int run_method(struct interp *I, struct loop *loop, long long method)
{
	struct value coro, res, item;
	size_t i;
	char *t;
	double start;
	int rc;

	AT(I, "print('--- method {}: {}'.format(method, titles[method - 1]))");
	out(I, "--- method %lld: %s", method, titles[method - 1]);
	AT(I, "start = time.time()");
	start = interp_time(I);
	AT_AFTER(I, "start = time.time()", "if method == 3:");
	if (method != 3)
		AT_AFTER(I, "start = time.time()", "elif method == 4:");
	if (method == 3)
		AT_AFTER(I, "start = time.time()", "results = loop.run_until_complete(main(method))");
	else if (method == 4)
		AT_AFTER(I, "start = time.time()", "dones, pendings = loop.run_until_complete(main(method))");
	else
		AT_AFTER(I, "dones, pendings = loop.run_until_complete", "loop.run_until_complete(main(method))");
	coro = gen_new(I, &main_code, 1, value_int(method));
	rc = aio_run_until_complete(loop, coro, &res);
	value_unref(coro);
	if (rc)
		return uncaught(I, res);

	if (method == 3) {
		for (i = 0; i < value_len(res); i++) {
			AT_AFTER(I, "results = loop.run_until_complete", "for result in results:");
			AT_AFTER(I, "results = loop.run_until_complete", "print('Task ret: ', result)");
			print_ret(I, value_item(res, i));
		}
	} else if (method == 4) {
		say(I, _("The caller iterates dones, a set again: Python may print these lines in "
			 "any order."));
		I->set_order++;
		for (i = 0; i < value_len(value_item(res, 0)); i++) {
			AT_AFTER(I, "dones, pendings = loop.run_until_complete", "for task in dones:");
			AT_AFTER(I, "dones, pendings = loop.run_until_complete",
				 "print('Task ret: ', task.result())");
			if (print_task_result(I, value_item(value_item(res, 0), i), &item)) {
				I->set_order--;
				value_unref(res);
				return uncaught(I, item);
			}
		}
		I->set_order--;
	}
	value_unref(res);
	AT(I, "print('TIME: ', round(time.time() - start, 1))");
	t = py_round(interp_time(I) - start, 1);
	out(I, "TIME:  %s", t);
	free(t);
	return 0;
}

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	const struct knob_value *delays = lesson_knob(r, "delays");
	long long only = (long long)lesson_knob(r, "method")->v[0], method;
	struct loop *loop;
	struct value err;

	r->condensed = delays->n > CONDENSE_ABOVE;
	say(I, _("Chapter 10: an outer coroutine (外层协程) wraps inner coroutines (内层协程) in "
		 "tasks and awaits them. The notes list five ways to get the inner results back; "
		 "the program runs each in turn, with new tasks every time. The notes define "
		 "exterior() but then run main(): here the outer coroutine is main() throughout."));
	AT(I, "titles = [");
	AT(I, "loop = asyncio.get_event_loop()");
	if (aio_get_event_loop(I, &loop, &err))
		return uncaught(I, err);
	for (method = 1; method <= 5; method++) {
		AT(I, "for method in range(1, 6):");
		AT(I, "if METHOD != 0 and METHOD != method:");
		if (only != 0 && only != method) {
			AT(I, "continue");
			continue;
		}
		if (run_method(I, loop, method))
			return 1;
	}
	AT(I, "for method in range(1, 6):");
	say(I, _("Modern Python: asyncio.run(main()) instead of get_event_loop() and "
		 "run_until_complete(). Since 3.11, asyncio.TaskGroup (async with "
		 "asyncio.TaskGroup() as tg: tg.create_task(...)) awaits every inner task at the "
		 "end of the block. Since 3.12, get_event_loop() warns (DeprecationWarning) when "
		 "it has to create the loop. Since 3.13, async for task in "
		 "asyncio.as_completed(tasks) yields the original tasks, so you can tell which one "
		 "finished."));
	return 0;
}

static const struct knob knobs[] = {
	{ .name = "delays", .type = KNOB_LIST, .def = "1,2,4", .min = 0, .max = 3600,
	  .max_items = 100, .pyvar = "DELAYS",
	  .help = N_("how long each inner task sleeps, in seconds (one task per number)") },
	{ .name = "method", .type = KNOB_INT, .def = "0", .min = 0, .max = 5, .integral = 1,
	  .pyvar = "METHOD", .help = N_("which way to collect the results, 1 to 5; 0 runs all five") },
};

const struct lesson lesson_10 = {
	.number = 10, .slug = "nesting", .title = N_("Nested coroutines"),
	.chapter = "10.协程的嵌套", .knobs = knobs, .nknobs = 2, .python = python, .run = run,
};
