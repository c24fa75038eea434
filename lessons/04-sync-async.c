/* 04-sync-async.c -- chapter 4: the same jobs run blocking (the waits add
 * up) and on the event loop (the waits overlap). */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "tutorial.h"

static const char python[] =
	"# Chapter 4: synchronous vs asynchronous.\n"
	"# Synchronous: a blocking job makes everything wait until it ends.\n"
	"# Asynchronous: while one job waits, the loop runs the next one.\n"
	"import asyncio\n"
	"import time\n"
	"\n"
	"DELAYS = [1, 2, 4]\n"
	"\n"
	"\n"
	"def do_some_work_sync(x):\n"
	"    print('Waiting: ', x)\n"
	"    time.sleep(x)\n"
	"    return 'Done after {}s'.format(x)\n"
	"\n"
	"\n"
	"async def do_some_work(x):\n"
	"    print('Waiting: ', x)\n"
	"    await asyncio.sleep(x)\n"
	"    return 'Done after {}s'.format(x)\n"
	"\n"
	"\n"
	"print('--- synchronous: time.sleep blocks')\n"
	"start = time.time()\n"
	"for x in DELAYS:\n"
	"    print('Ret: ', do_some_work_sync(x))\n"
	"print('TIME: ', round(time.time() - start, 1))\n"
	"\n"
	"print('--- calling an async def function only creates a coroutine')\n"
	"coroutine = do_some_work(DELAYS[0])\n"
	"print('iscoroutine: ', asyncio.iscoroutine(coroutine))\n"
	"print('type: ', type(coroutine).__name__)\n"
	"\n"
	"print('--- run_until_complete(coroutine)')\n"
	"loop = asyncio.get_event_loop()\n"
	"start = time.time()\n"
	"print('Ret: ', loop.run_until_complete(coroutine))\n"
	"print('TIME: ', round(time.time() - start, 1))\n"
	"\n"
	"print('--- asynchronous: asyncio.sleep lets the others run')\n"
	"start = time.time()\n"
	"tasks = [asyncio.ensure_future(do_some_work(x)) for x in DELAYS]\n"
	"loop.run_until_complete(asyncio.wait(tasks))\n"
	"for task in tasks:\n"
	"    print('Task ret: ', task.result())\n"
	"print('TIME: ', round(time.time() - start, 1))\n";

/* More delays than this: the text view shows a condensed timeline. */
enum { CONDENSE_ABOVE = 50 };

/* print('TIME: ', round(time.time() - start, 1)) */
static void print_time(struct interp *I, double start)
{
	char *t = py_round(interp_time(I) - start, 1);

	out(I, "TIME:  %s", t);
	free(t);
}

/* def do_some_work_sync(x): a plain function, in a frame of its own.
 * Returns a new reference. */
static struct value do_some_work_sync(struct interp *I, struct value x)
{
	struct frame fr;
	struct value ret;
	double before;
	char *a, *b, *note;

	a = pystr(x);
	note = xasprintf("do_some_work_sync(%s)", a);
	note_call(I, note);
	free(note);
	free(a);
	interp_enter(I, &fr, ACT_MAIN, "do_some_work_sync");
	AT_AFTER(I, "def do_some_work_sync", "print('Waiting: ', x)");
	print_args(I, "Waiting: ", x);
	AT_AFTER(I, "def do_some_work_sync", "time.sleep(x)");
	before = interp_time(I);
	interp_sleep(I, py_seconds(x));
	/* time.sleep moves the clock without the loop: say so in the
	 * timeline, or the blocked seconds would pass unseen. */
	a = py_round(before, 3);
	b = py_round(interp_time(I), 3);
	/* TRANSLATORS: a timeline row: time.sleep(x) blocks; "t 1.0 s → 3.0 s" */
	note = xasprintf(_("blocks, nothing else runs: t %s s → %s s"), a, b);
	interp_note(I, note);
	free(note);
	free(a);
	free(b);
	AT_AFTER(I, "def do_some_work_sync", "return 'Done after {}s'.format(x)");
	ret = done_after(x);
	note_return(I, ret);
	interp_leave(I, &fr);
	return ret;
}

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	const struct knob_value *delays = lesson_knob(r, "delays");
	struct value coroutine = value_none(), tasks = value_list(), v, w;
	struct loop *loop;
	double start, sum = 0, longest = 0;
	char *s;
	size_t i;
	int rc = 1;

	r->condensed = delays->n > CONDENSE_ABOVE;
	say(I, _("Chapter 4 runs the same jobs twice. Synchronously (同步), each job blocks: nothing else "
		 "happens until it ends, so the total time is the sum of the waits. Asynchronously (异步), "
		 "while one job waits the event loop (事件循环) runs the next one, so the total time is "
		 "that of the longest wait."));

	AT(I, "print('--- synchronous");
	out(I, "--- synchronous: time.sleep blocks");
	say(I, _("do_some_work_sync calls time.sleep(x): the whole program blocks (阻塞) for x seconds. "
		 "There is no event loop here; the jobs simply run one after another."));
	AT_AFTER(I, "--- synchronous", "start = time.time()");
	start = interp_time(I);
	for (i = 0; i < delays->n; i++) {
		AT(I, "print('Ret: ', do_some_work_sync(x))");
		v = do_some_work_sync(I, py_number(delays->v[i]));
		print_args(I, "Ret: ", v);
		value_unref(v);
		sum += delays->v[i];
		longest = fmax(longest, delays->v[i]);
	}
	AT_AFTER(I, "--- synchronous", "print('TIME: '");
	print_time(I, start);
	s = py_round(sum, 3);
	sayf(I, _("TIME is the sum of the waits (%s s): each job waited alone, in turn."), s);
	free(s);

	AT(I, "print('--- calling an async def");
	out(I, "--- calling an async def function only creates a coroutine");
	say(I, _("do_some_work is defined with async def, so it is a coroutine function. Calling it runs "
		 "none of its body (no Waiting is printed): it only returns a coroutine object (协程对象), "
		 "in state CORO_CREATED."));
	AT(I, "coroutine = do_some_work(DELAYS[0])");
	coroutine = gen_new(I, &do_some_work, 1, py_number(delays->v[0]));
	AT(I, "print('iscoroutine: '");
	out(I, "iscoroutine:  %s", aio_iscoroutine(coroutine) ? "True" : "False");
	AT(I, "print('type: '");
	out(I, "type:  %s", value_type_name(coroutine));

	AT(I, "print('--- run_until_complete(coroutine)')");
	out(I, "--- run_until_complete(coroutine)");
	AT(I, "loop = asyncio.get_event_loop()");
	say(I, _("asyncio.get_event_loop() gives the event loop. run_until_complete(coroutine) wraps the "
		 "coroutine in a task, runs the loop until that task is done and returns what the coroutine "
		 "returned. At `await asyncio.sleep(x)` the coroutine suspends (挂起) and hands control back "
		 "to the loop, which sets a timer and wakes the coroutine when the time is up."));
	if (aio_get_event_loop(I, &loop, &v)) {
		uncaught(I, v);
		goto done;
	}
	say(I, _("Modern Python: since 3.12, get_event_loop() warns (DeprecationWarning: There is no current "
		 "event loop) when it has to create the loop, as it does here; 3.11 creates it silently. "
		 "Programs today write asyncio.run(main()), which creates a loop, runs the coroutine and "
		 "closes the loop."));
	AT_AFTER(I, "--- run_until_complete", "start = time.time()");
	start = interp_time(I);
	AT(I, "print('Ret: ', loop.run_until_complete(coroutine))");
	if (aio_run_until_complete(loop, coroutine, &v)) {
		uncaught(I, v);
		goto done;
	}
	print_args(I, "Ret: ", v);
	value_unref(v);
	AT_AFTER(I, "--- run_until_complete", "print('TIME: '");
	print_time(I, start);

	AT(I, "print('--- asynchronous");
	out(I, "--- asynchronous: asyncio.sleep lets the others run");
	say(I, _("Now one task (任务) per delay. ensure_future wraps each coroutine in a task and schedules "
		 "its first step; asyncio.wait(tasks) finishes when all of them are done. Watch the loop: "
		 "every task prints Waiting in the same iteration and suspends at its sleep; then the loop "
		 "jumps to the nearest timer and wakes that task, then the next."));
	AT_AFTER(I, "--- asynchronous", "start = time.time()");
	start = interp_time(I);
	AT(I, "tasks = [asyncio.ensure_future(do_some_work(x)) for x in DELAYS]");
	for (i = 0; i < delays->n; i++) {
		struct value coro = gen_new(I, &do_some_work, 1, py_number(delays->v[i]));
		int failed = aio_ensure_future(I, coro, &v);

		value_unref(coro);
		if (failed) {
			uncaught(I, v);
			goto done;
		}
		value_append(tasks, v);
	}
	AT(I, "loop.run_until_complete(asyncio.wait(tasks))");
	w = aio_wait(I, tasks, -1, AIO_ALL_COMPLETED);
	if (aio_run_until_complete(loop, w, &v)) {
		value_unref(w);
		uncaught(I, v);
		goto done;
	}
	value_unref(w);
	value_unref(v); /* (done, pending): the program does not keep it */
	for (i = 0; i < value_len(tasks); i++) {
		AT(I, "print('Task ret: ', task.result())");
		if (future_result(value_future(value_item(tasks, i)), &v)) {
			uncaught(I, v);
			goto done;
		}
		print_args(I, "Task ret: ", v);
		value_unref(v);
	}
	AT_AFTER(I, "--- asynchronous", "print('TIME: '");
	print_time(I, start);
	s = py_round(longest, 3);
	sayf(I, _("TIME is the longest wait (%s s), not the sum: the sleeps overlapped, because while one "
		  "coroutine was suspended the loop ran the others."), s);
	free(s);
	say(I, _("How does a program learn that an asynchronous job has finished? The notes name three ways: "
		 "its status (状态: ask the task whether it is done, chapter 6), a notification (通知: the loop "
		 "wakes whoever awaits it, chapters 8 and 9) and a callback (回调函数: a function called when "
		 "the task ends, chapter 7). Here the loop ran until wait() was notified that all tasks were "
		 "done; then each task's status was FINISHED and task.result() could be read."));
	rc = 0;
done:
	if (rc)
		task_destroy_pending(I); /* a task left pending holds a cycle */
	value_unref(coroutine);
	value_unref(tasks);
	return rc;
}

static const struct knob knobs[] = {
	{ .name = "delays", .type = KNOB_LIST, .def = "1,2,4", .min = 0, .max = 3600,
	  .max_items = 1000, .pyvar = "DELAYS",
	  .help = N_("how long each job waits, in seconds (DELAYS)") },
};

const struct lesson lesson_04 = {
	.number = 4,
	.slug = "sync-async",
	.title = N_("Synchronous and asynchronous"),
	.chapter = "4. 同步和异步的区别",
	.knobs = knobs,
	.nknobs = sizeof knobs / sizeof knobs[0],
	.python = python,
	.run = run,
};
