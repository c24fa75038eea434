/* 09-concurrency.c -- chapter 9: concurrency with asyncio.
 *
 * A list of tasks made with asyncio.ensure_future(), all run by
 * loop.run_until_complete(asyncio.wait(tasks)), then each result read from
 * the list.  One thread, one loop: the tasks take turns at every await, so
 * their sleeps overlap.  tasks=N runs N tasks with pseudo-random delays (up
 * to a million: the engine's cost per task is what this shows) and prints a
 * summary.  The program ends with the TypeError Python 3.11 raises for bare
 * coroutines passed to asyncio.wait().
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "tutorial.h"

static const char python[] =
	"# Chapter 9: concurrency with asyncio.\n"
	"# Make a list of tasks with asyncio.ensure_future(coroutine), run them all\n"
	"# with loop.run_until_complete(asyncio.wait(tasks)), then read each result.\n"
	"import asyncio\n"
	"import time\n"
	"\n"
	"DELAYS = [1, 2, 4]\n"
	"TASKS = 0\n"
	"SEED = 1\n"
	"\n"
	"\n"
	"def make_delays(n, seed):\n"
	"    # n reproducible delays of 0.0 .. 9.9 s from a small LCG\n"
	"    delays = []\n"
	"    x = seed\n"
	"    for i in range(n):\n"
	"        x = (x * 1103515245 + 12345) % 2147483648\n"
	"        delays.append(x // 65536 % 100 / 10)\n"
	"    return delays\n"
	"\n"
	"\n"
	"async def do_some_work(x):\n"
	"    if TASKS == 0:\n"
	"        print('Waiting: ', x)\n"
	"    await asyncio.sleep(x)\n"
	"    return 'Done after {}s'.format(x)\n"
	"\n"
	"\n"
	"delays = DELAYS\n"
	"if TASKS > 0:\n"
	"    delays = make_delays(TASKS, SEED)\n"
	"\n"
	"start = time.time()\n"
	"loop = asyncio.get_event_loop()\n"
	"tasks = [asyncio.ensure_future(do_some_work(x)) for x in delays]\n"
	"# (the notes write aysnoci.wait: the function is asyncio.wait)\n"
	"loop.run_until_complete(asyncio.wait(tasks))\n"
	"\n"
	"# read each result from the list: creation order, whatever finished first\n"
	"if TASKS == 0:\n"
	"    for task in tasks:\n"
	"        print('Task ret: ', task.result())\n"
	"else:\n"
	"    results = [task.result() for task in tasks]\n"
	"    print('Tasks done: ', len(results))\n"
	"    print('First: ', results[0])\n"
	"    print('Last: ', results[-1])\n"
	"    print('Longest: ', max(delays))\n"
	"print('TIME: ', round(time.time() - start, 1))\n"
	"\n"
	"# asyncio.wait wants tasks; bare coroutines are refused in Python 3.11\n"
	"coroutines = [do_some_work(x) for x in delays[:3]]\n"
	"try:\n"
	"    loop.run_until_complete(asyncio.wait(coroutines))\n"
	"except TypeError as e:\n"
	"    print(type(e).__name__ + ':', e)\n"
	"for c in coroutines:\n"
	"    c.close()\n";

/* More tasks than this: the text view shows a condensed timeline. */
enum { CONDENSE_ABOVE = 50 };

/* def make_delays(n, seed): the program's LCG, in the same 64-bit-safe
 * arithmetic (x < 2**31, so x * 1103515245 + 12345 < 2**62).  k / 10 is a
 * correctly rounded division in both languages, so the floats are equal. */
static struct value make_delays(long n, long seed)
{
	struct value delays = value_list();
	uint64_t x = (uint64_t)seed;
	long i;

	for (i = 0; i < n; i++) {
		x = (x * 1103515245u + 12345u) % 2147483648u;
		value_append(delays, value_float((double)(x / 65536 % 100) / 10));
	}
	return delays;
}

/* async def do_some_work(x) */
enum { W_X, W_N };
static const char *const work_vars[] = {"x"};

static GEN_BODY(do_some_work_body)
{
	struct interp *I = g->I;
	struct value *L = g->locals;
	struct value r;
	char *x;

	GEN_BEGIN(g);
	AT(I, "if TASKS == 0:");
	if (lesson_knob(lesson_of(I), "tasks")->v[0] == 0) {
		AT(I, "print('Waiting: ', x)");
		x = pystr(L[W_X]);
		out(I, "Waiting:  %s", x);
		free(x);
	}
	AT(I, "await asyncio.sleep(x)");
	GEN_AWAIT(g, aio_sleep(I, py_seconds(L[W_X]), value_none()), NULL);
	AT(I, "return 'Done after {}s'.format(x)");
	x = pystr(L[W_X]);
	r = value_strf("Done after %ss", x);
	free(x);
	GEN_RETURN(g, r);
	GEN_END(g);
}

static const struct gen_code do_some_work_code = {
	.name = "do_some_work", .kind = GEN_KIND_COROUTINE, .body = do_some_work_body,
	.nlocals = W_N, .varnames = work_vars, .firstlineno = 22,
};

/* print('Name: ', v): the string's space plus print's separator. */
static void print_value(struct interp *I, const char *label, struct value v)
{
	char *s = pystr(v);

	out(I, "%s:  %s", label, s);
	free(s);
}

/* From `start = time.time()` to print('TIME: ', ...); *loopp is the loop. */
static int run_tasks(struct lesson_run *r, struct loop **loopp, struct value delays, long ntasks)
{
	struct interp *I = r->I;
	struct value tasks, coro, task, wait, res, results, longest;
	size_t i, n = value_len(delays);
	struct loop *loop;
	double start;
	char *t;

	AT(I, "start = time.time()");
	start = interp_time(I);
	AT(I, "loop = asyncio.get_event_loop()");
	if (aio_get_event_loop(I, &loop, &res))
		return uncaught(I, res);
	*loopp = loop;
	AT(I, "tasks = [asyncio.ensure_future(do_some_work(x)) for x in delays]");
	say(I, _("asyncio.ensure_future(coroutine) wraps each coroutine in a task (任务) and "
		 "schedules its first step; the list keeps the tasks in creation order."));
	tasks = value_list();
	for (i = 0; i < n; i++) {
		coro = gen_new(I, &do_some_work_code, 1, value_ref(value_item(delays, i)));
		if (aio_ensure_future(I, coro, &task)) {
			value_unref(coro);
			value_unref(tasks);
			return uncaught(I, task);
		}
		value_unref(coro);
		value_append(tasks, task);
	}

	AT_AFTER(I, "tasks = [asyncio.ensure_future", "loop.run_until_complete(asyncio.wait(tasks))");
	say(I, _("The notes write aysnoci.wait: the function is asyncio.wait. asyncio.wait(tasks) "
		 "is a coroutine; run_until_complete() wraps it in one more task, which adds a "
		 "done callback (_on_completion) to every task and sleeps until the last one is "
		 "done. Meanwhile the tasks run in turns on one thread: concurrency, not "
		 "parallelism."));
	wait = aio_wait(I, tasks, -1, AIO_ALL_COMPLETED);
	if (aio_run_until_complete(loop, wait, &res)) {
		value_unref(wait);
		value_unref(tasks);
		return uncaught(I, res);
	}
	value_unref(wait);
	value_unref(res); /* wait()'s (done, pending): the program drops it */

	AT_AFTER(I, "tasks = [asyncio.ensure_future", "if TASKS == 0:");
	say(I, _("run_until_complete() returned wait()'s (done, pending) sets, which the program "
		 "ignores. Reading each result from the tasks list gives them in creation order, "
		 "whichever task finished first."));
	if (ntasks == 0) {
		for (i = 0; i < n; i++) {
			AT(I, "for task in tasks:");
			AT(I, "print('Task ret: ', task.result())");
			if (future_result(value_future(value_item(tasks, i)), &res)) {
				value_unref(tasks);
				return uncaught(I, res);
			}
			print_value(I, "Task ret", res);
			value_unref(res);
		}
	} else {
		AT(I, "results = [task.result() for task in tasks]");
		results = value_list();
		for (i = 0; i < n; i++) {
			if (future_result(value_future(value_item(tasks, i)), &res)) {
				value_unref(results);
				value_unref(tasks);
				return uncaught(I, res);
			}
			value_append(results, res);
		}
		AT(I, "print('Tasks done: ', len(results))");
		out(I, "Tasks done:  %zu", value_len(results));
		AT(I, "print('First: ', results[0])");
		print_value(I, "First", value_item(results, 0));
		AT(I, "print('Last: ', results[-1])");
		print_value(I, "Last", value_item(results, value_len(results) - 1));
		AT(I, "print('Longest: ', max(delays))");
		longest = value_item(delays, 0); /* max() keeps the first of equal items */
		for (i = 1; i < n; i++)
			if (py_seconds(value_item(delays, i)) > py_seconds(longest))
				longest = value_item(delays, i);
		print_value(I, "Longest", longest);
		value_unref(results);
	}
	AT(I, "print('TIME: ', round(time.time() - start, 1))");
	t = py_round(interp_time(I) - start, 1);
	out(I, "TIME:  %s", t);
	free(t);
	value_unref(tasks);
	return 0;
}

/* The last part: asyncio.wait() refuses bare coroutines (3.11). */
static int refuse_coroutines(struct lesson_run *r, struct loop *loop, struct value delays)
{
	struct interp *I = r->I;
	struct value coroutines, wait, res;
	size_t i, n = value_len(delays) < 3 ? value_len(delays) : 3;
	char *s;

	AT(I, "coroutines = [do_some_work(x) for x in delays[:3]]");
	coroutines = value_list();
	for (i = 0; i < n; i++)
		value_append(coroutines, gen_new(I, &do_some_work_code, 1, value_ref(value_item(delays, i))));
	AT(I, "loop.run_until_complete(asyncio.wait(coroutines))");
	say(I, _("Now the same call with bare coroutines. Since Python 3.11 asyncio.wait() "
		 "refuses them with a TypeError (3.8 to 3.10 wrapped them in tasks with a "
		 "DeprecationWarning). The check runs only when the wait() coroutine runs, "
		 "inside run_until_complete()."));
	wait = aio_wait(I, coroutines, -1, AIO_ALL_COMPLETED);
	if (!aio_run_until_complete(loop, wait, &res)) {
		value_unref(res);
	} else if (exc_matches(value_exc(res), EXC_TYPE_ERROR)) {
		AT(I, "except TypeError as e:");
		AT(I, "print(type(e).__name__ + ':', e)");
		s = pystr(res);
		out(I, "%s: %s", exc_type_name(value_exc(res)->type), s);
		free(s);
		value_unref(res);
	} else {
		value_unref(wait);
		value_unref(coroutines);
		return uncaught(I, res);
	}
	value_unref(wait);
	say(I, _("close() on a coroutine that never ran: it is closed at once, and Python does "
		 "not warn that it was never awaited."));
	for (i = 0; i < n; i++) {
		AT(I, "for c in coroutines:");
		AT(I, "c.close()");
		if (gen_close(value_gen(value_item(coroutines, i)), &res) == GEN_RAISED) {
			value_unref(coroutines);
			return uncaught(I, res);
		}
		value_unref(res);
	}
	value_unref(coroutines);
	return 0;
}

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	const struct knob_value *knob = lesson_knob(r, "delays");
	long ntasks = (long)lesson_knob(r, "tasks")->v[0];
	long seed = (long)lesson_knob(r, "seed")->v[0];
	struct value delays;
	struct loop *loop = NULL;
	size_t i;
	int rc;

	say(I, _("Chapter 9: concurrency (并发) is not parallelism (并行). One thread runs one "
		 "event loop; the tasks take turns, each running until its next await. Their "
		 "sleeps overlap, so the run takes as long as the longest sleep, not the sum."));
	AT(I, "delays = DELAYS");
	delays = value_list();
	for (i = 0; i < knob->n; i++)
		value_append(delays, py_number(knob->v[i]));
	AT(I, "if TASKS > 0:");
	if (ntasks > 0) {
		AT(I, "delays = make_delays(TASKS, SEED)");
		value_set(&delays, make_delays(ntasks, seed));
	}
	r->condensed = value_len(delays) > CONDENSE_ABOVE;
	if (ntasks > 0)
		sayf(I, _("%ld tasks with delays from make_delays(%ld, %ld): the program prints only "
			  "a summary, but every task, timer and wakeup still runs."),
		     ntasks, ntasks, seed);

	rc = run_tasks(r, &loop, delays, ntasks);
	if (rc == 0)
		rc = refuse_coroutines(r, loop, delays);
	value_unref(delays);
	if (rc == 0)
		say(I, _("Modern Python: asyncio.run(main()), with a main() that makes the tasks. "
			 "Since 3.11, asyncio.TaskGroup (async with asyncio.TaskGroup() as tg: "
			 "tg.create_task(...)) waits for all its tasks at the end of the block and "
			 "cancels the rest if one fails. Since 3.12, get_event_loop() warns "
			 "(DeprecationWarning) when it has to create the loop, as it does here."));
	return rc;
}

static const struct knob knobs[] = {
	{ .name = "delays", .type = KNOB_LIST, .def = "1,2,4", .min = 0, .max = 3600,
	  .max_items = 100, .pyvar = "DELAYS",
	  .help = N_("how long each task sleeps, in seconds (one task per number; used when tasks=0)") },
	{ .name = "tasks", .type = KNOB_INT, .def = "0", .min = 0, .max = 1000000, .integral = 1,
	  .pyvar = "TASKS",
	  .help = N_("0: one task per delay; N: N tasks with pseudo-random delays (0 to 9.9 s), "
		     "summary only") },
	{ .name = "seed", .type = KNOB_INT, .def = "1", .min = 0, .max = 2147483647, .integral = 1,
	  .pyvar = "SEED", .help = N_("the seed of the pseudo-random delays (with tasks=N)") },
};

const struct lesson lesson_09 = {
	.number = 9, .slug = "concurrency", .title = N_("Concurrency with asyncio.wait"),
	.chapter = "9.asyncio实现并发", .knobs = knobs, .nknobs = 3, .python = python, .run = run,
};
