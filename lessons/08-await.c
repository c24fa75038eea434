/* 08-await.c -- chapter 8: blocking and await.
 *
 * `await` suspends (挂起) a coroutine at a slow operation and hands control
 * back to the event loop until a future wakes it.  main() awaits three tasks
 * in turn, then awaits a coroutine directly: the trace shows the difference
 * between `await task` (main waits on a future; the loop runs everybody
 * else) and `await coroutine` (the callee runs inline, nothing scheduled).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "tutorial.h"

static const char python[] =
	"# Chapter 8: blocking and await.\n"
	"# `await` suspends the coroutine at a slow operation and gives control\n"
	"# back to the loop, which runs the other tasks until it is woken again.\n"
	"import asyncio\n"
	"import time\n"
	"\n"
	"DELAYS = [1, 2, 4]\n"
	"\n"
	"\n"
	"async def do_some_work(x):\n"
	"    print('Waiting: ', x)\n"
	"    await asyncio.sleep(x)\n"
	"    return 'Done after {}s'.format(x)\n"
	"\n"
	"\n"
	"async def main():\n"
	"    tasks = [asyncio.ensure_future(do_some_work(x)) for x in DELAYS]\n"
	"    print('main: tasks created, none has run yet')\n"
	"    for x, task in zip(DELAYS, tasks):\n"
	"        print('main: await the task of', x)\n"
	"        # main is suspended here; meanwhile every task makes progress\n"
	"        result = await task\n"
	"        print('Task ret: ', result, '@', round(time.time() - start, 1))\n"
	"    # awaiting a coroutine directly runs it inside main, without a task\n"
	"    print('main: await do_some_work() directly')\n"
	"    result = await do_some_work(DELAYS[0])\n"
	"    print('Task ret: ', result, '@', round(time.time() - start, 1))\n"
	"\n"
	"\n"
	"start = time.time()\n"
	"loop = asyncio.get_event_loop()\n"
	"loop.run_until_complete(main())\n"
	"print('TIME: ', round(time.time() - start, 1))\n";

/* The module global `start`, read by main(); set by run() before main runs. */
static double start;

/* async def main(): "<zip>" is the position of the for loop over
 * zip(DELAYS, tasks), which Python keeps on the frame's value stack. */
enum { M_TASKS, M_X, M_TASK, M_RESULT, M_ZIP, M_N };
static const char *const main_vars[] = {"tasks", "x", "task", "result", "<zip>"};

static void print_result(struct interp *I, struct value result)
{
	char *s = pystr(result), *t = py_round(interp_time(I) - start, 1);

	out(I, "Task ret:  %s @ %s", s, t);
	free(s);
	free(t);
}

static GEN_BODY(main_body)
{
	struct interp *I = g->I;
	struct value *L = g->locals;
	const struct knob_value *delays = lesson_knob(lesson_of(I), "delays");
	struct value coro, task;
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
	AT(I, "print('main: tasks created, none has run yet')");
	out(I, "main: tasks created, none has run yet");
	say(I, _("ensure_future() only scheduled each task's first step with call_soon: "
		 "none of them has run, because main still holds the loop. "
		 "They start when main suspends."));

	value_set(&L[M_ZIP], value_int(0));
	for (;;) {
		AT(I, "for x, task in zip(DELAYS, tasks):");
		i = (size_t)L[M_ZIP].u.i;
		if (i >= delays->n || i >= value_len(L[M_TASKS]))
			break;
		L[M_ZIP].u.i++;
		value_set(&L[M_X], py_number(delays->v[i]));
		value_set(&L[M_TASK], value_ref(value_item(L[M_TASKS], i)));
		AT(I, "print('main: await the task of', x)");
		s = pystr(L[M_X]);
		out(I, "main: await the task of %s", s);
		free(s);
		if (future_done(value_future(L[M_TASK])))
			say(I, _("This task finished while main was waiting for an earlier one. "
				 "Awaiting a future that is already done does not suspend: "
				 "main gets the result at once, in the same step."));
		else if (i == 0)
			say(I, _("await task: the task is not done, so main yields it to the loop and is "
				 "suspended; main's task now waits on it. The loop runs the other tasks: "
				 "each prints, then awaits asyncio.sleep(), which is a future plus a timer "
				 "(call_later). When the timer fires it sets the future's result; the "
				 "sleeping task wakes one iteration later and returns, and main wakes one "
				 "iteration after that."));
		AT(I, "result = await task");
		GEN_AWAIT(g, value_ref(L[M_TASK]), &L[M_RESULT]);
		AT(I, "print('Task ret: ', result, '@', round(time.time() - start, 1))");
		print_result(I, L[M_RESULT]);
	}

	AT(I, "print('main: await do_some_work() directly')");
	out(I, "main: await do_some_work() directly");
	say(I, _("await on a coroutine, not on a task: no task is created and nothing is "
		 "scheduled. do_some_work() runs inline, inside main's own step; main is "
		 "suspended only where do_some_work() itself awaits the sleep."));
	AT(I, "result = await do_some_work(DELAYS[0])");
	GEN_AWAIT(g, gen_new(I, &do_some_work, 1, py_number(delays->v[0])), &L[M_RESULT]);
	AT_AFTER(I, "result = await do_some_work(DELAYS[0])", "print('Task ret: '");
	print_result(I, L[M_RESULT]);
	GEN_END(g);
}

static const struct gen_code main_code = {
	.name = "main", .kind = GEN_KIND_COROUTINE, .body = main_body,
	.nlocals = M_N, .varnames = main_vars, .firstlineno = 16,
};

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	const struct knob_value *delays = lesson_knob(r, "delays");
	struct loop *loop;
	struct value coro, res;
	size_t i;
	char *t;

	r->condensed = delays->n > 50;
	say(I, _("Chapter 8: await suspends (挂起) a coroutine at a slow operation and gives "
		 "control back to the event loop (事件循环). The loop runs the other tasks and "
		 "wakes the coroutine when the future it waits on is done: here, when a sleep "
		 "timer fires."));
	for (i = 0; i < delays->n; i++)
		if (delays->v[i] == 0) {
			say(I, _("A delay of 0: asyncio.sleep(0) makes no future and no timer. It is "
				 "a bare yield: the task goes to the back of the ready queue and "
				 "resumes in the next iteration."));
			break;
		}

	AT(I, "start = time.time()");
	start = interp_time(I);
	AT(I, "loop = asyncio.get_event_loop()");
	if (aio_get_event_loop(I, &loop, &res))
		return uncaught(I, res);
	AT(I, "loop.run_until_complete(main())");
	say(I, _("run_until_complete() wraps main() in a task and runs the loop until that "
		 "task is done."));
	coro = gen_new(I, &main_code, 0);
	if (aio_run_until_complete(loop, coro, &res)) {
		value_unref(coro);
		return uncaught(I, res);
	}
	value_unref(coro);
	value_unref(res);
	AT(I, "print('TIME: ', round(time.time() - start, 1))");
	t = py_round(interp_time(I) - start, 1);
	out(I, "TIME:  %s", t);
	free(t);
	say(I, _("While main waited, the tasks' sleeps overlapped, so the run took the longest "
		 "delay, plus DELAYS[0] for the direct await, which ran alone."));
	say(I, _("Modern Python: asyncio.run(main()) replaces get_event_loop() and "
		 "run_until_complete(): it makes a new loop, runs main() as a task and closes "
		 "the loop. Since Python 3.12, get_event_loop() warns (DeprecationWarning) when "
		 "it has to create the loop, as it does here; 3.11, mirrored here, is silent."));
	return 0;
}

static const struct knob knobs[] = {
	{ .name = "delays", .type = KNOB_LIST, .def = "1,2,4", .min = 0, .max = 3600,
	  .max_items = 100, .pyvar = "DELAYS",
	  .help = N_("how long each task sleeps, in seconds (one task per number)") },
};

const struct lesson lesson_08 = {
	.number = 8, .slug = "await", .title = N_("Blocking and await"),
	.chapter = "8.阻塞和await", .knobs = knobs, .nknobs = 1, .python = python, .run = run,
};
