/* 07-callbacks.c -- chapter 7: binding callbacks to a task (method 1), and
 * reading task.result() once the task is finished (method 2). */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "tutorial.h"

static const char python[] =
	"# Chapter 7: binding callbacks to a task.\n"
	"# Method 1: a done callback receives the task (a future) and reads its result.\n"
	"# Method 2: once the task is FINISHED, read task.result() directly.\n"
	"import asyncio\n"
	"import time\n"
	"\n"
	"DELAYS = [2]\n"
	"\n"
	"\n"
	"async def do_some_work(x):\n"
	"    print('Waiting: ', x)\n"
	"    await asyncio.sleep(x)\n"
	"    return 'Done after {}s'.format(x)\n"
	"\n"
	"\n"
	"def callback(future):\n"
	"    print('Callback: ', future.result())\n"
	"\n"
	"\n"
	"def callback2(future):\n"
	"    print('Callback 2: ', future.result())\n"
	"\n"
	"\n"
	"start = time.time()\n"
	"loop = asyncio.get_event_loop()\n"
	"tasks = []\n"
	"for x in DELAYS:\n"
	"    task = asyncio.ensure_future(do_some_work(x))\n"
	"    # callbacks run in the order they were added\n"
	"    task.add_done_callback(callback)\n"
	"    task.add_done_callback(callback2)\n"
	"    tasks.append(task)\n"
	"\n"
	"# method 1: the callbacks print before run_until_complete returns\n"
	"loop.run_until_complete(asyncio.wait(tasks))\n"
	"print('run_until_complete returned')\n"
	"\n"
	"# method 2: the task is finished, so its result is ready\n"
	"for task in tasks:\n"
	"    print('Task ret: ', task.result())\n"
	"print('TIME: ', round(time.time() - start, 1))\n";

/* More delays than this: the text view shows a condensed timeline. */
enum { CONDENSE_ABOVE = 50 };

/* Set when a callback meets an exception the program does not expect; the
 * loop goes on (as Handle._run does), and run() reports the failure. */
static int callback_failed;

/* print(label, future.result()) in a callback. */
static void print_result(struct interp *I, const char *label, struct value future)
{
	struct value v;

	if (future_result(value_future(future), &v)) {
		callback_failed = uncaught(I, v);
		return;
	}
	print_args(I, label, v);
	value_unref(v);
}

/* def callback(future): a plain function the loop calls with the finished
 * task, in a frame of its own. */
static void callback(struct interp *I, void *ctx, struct value future)
{
	struct frame fr;

	(void)ctx;
	interp_enter(I, &fr, ACT_CALLBACK, "callback");
	AT(I, "print('Callback: ', future.result())");
	print_result(I, "Callback: ", future);
	interp_leave(I, &fr);
}

/* def callback2(future) */
static void callback2(struct interp *I, void *ctx, struct value future)
{
	struct frame fr;

	(void)ctx;
	interp_enter(I, &fr, ACT_CALLBACK, "callback2");
	AT(I, "print('Callback 2: ', future.result())");
	print_result(I, "Callback 2: ", future);
	interp_leave(I, &fr);
}

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	const struct knob_value *delays = lesson_knob(r, "delays");
	/* The two function objects, as the trace names them. */
	const struct trace_actor cb1 = {ACT_CALLBACK, interp_new_id(I, ACT_CALLBACK), "callback"};
	const struct trace_actor cb2 = {ACT_CALLBACK, interp_new_id(I, ACT_CALLBACK), "callback2"};
	struct value tasks = value_list(), coro, task, v, w;
	struct loop *loop;
	double start;
	char *t;
	size_t i;
	int rc = 1, failed;

	callback_failed = 0;
	r->condensed = delays->n > CONDENSE_ABOVE;
	say(I, _("A callback (回调函数) is a function the task calls when it finishes. "
		 "task.add_done_callback(callback) binds it; the callback receives one argument, the future "
		 "(here the task itself), and future.result() gives what the coroutine returned. That is "
		 "method 1. Method 2: once the task is FINISHED, read task.result() directly."));
	AT(I, "start = time.time()");
	start = interp_time(I);
	AT(I, "loop = asyncio.get_event_loop()");
	if (aio_get_event_loop(I, &loop, &v)) {
		uncaught(I, v);
		goto done;
	}
	for (i = 0; i < delays->n; i++) {
		AT(I, "task = asyncio.ensure_future(do_some_work(x))");
		coro = gen_new(I, &do_some_work, 1, py_number(delays->v[i]));
		failed = aio_ensure_future(I, coro, &task);
		value_unref(coro);
		if (failed) {
			uncaught(I, task);
			goto done;
		}
		AT(I, "task.add_done_callback(callback)");
		if (i == 0)
			say(I, _("Each task gets two callbacks, callback then callback2. Binding one runs nothing: "
				 "the task only adds it to its list."));
		future_add_done_callback(value_future(task), callback, "callback", NULL, cb1);
		AT(I, "task.add_done_callback(callback2)");
		future_add_done_callback(value_future(task), callback2, "callback2", NULL, cb2);
		value_append(tasks, task);
	}

	AT(I, "loop.run_until_complete(asyncio.wait(tasks))");
	say(I, _("Method 1. When a task finishes, it does not call its callbacks itself: it schedules them "
		 "with call_soon, in the order they were added, and the loop runs them in its next "
		 "iteration. asyncio.wait() and run_until_complete() use done callbacks too, added after "
		 "ours, so callback and callback2 print before run_until_complete returns."));
	w = aio_wait(I, tasks, -1, AIO_ALL_COMPLETED);
	failed = aio_run_until_complete(loop, w, &v);
	value_unref(w);
	if (failed) {
		uncaught(I, v);
		goto done;
	}
	value_unref(v); /* (done, pending): the program does not keep it */
	AT(I, "print('run_until_complete returned')");
	out(I, "run_until_complete returned");

	say(I, _("Method 2: the tasks are FINISHED, so task.result() returns the same value the callbacks "
		 "were given."));
	for (i = 0; i < value_len(tasks); i++) {
		AT(I, "print('Task ret: ', task.result())");
		if (future_result(value_future(value_item(tasks, i)), &v)) {
			uncaught(I, v);
			goto done;
		}
		print_args(I, "Task ret: ", v);
		value_unref(v);
	}
	AT(I, "print('TIME: '");
	t = py_round(interp_time(I) - start, 1);
	out(I, "TIME:  %s", t);
	free(t);
	say(I, _("Modern Python: with asyncio.run() and await, `result = await task` gives the return value "
		 "to the coroutine that waits, so callbacks are needed less. They remain the way to react to "
		 "a task nobody awaits, for example to log its end; a callback added to a task that is "
		 "already done is still scheduled with call_soon, never called at once."));
	rc = callback_failed;
done:
	if (rc)
		task_destroy_pending(I); /* a task left pending holds a cycle */
	value_unref(tasks);
	return rc;
}

static const struct knob knobs[] = {
	{ .name = "delays", .type = KNOB_LIST, .def = "2", .min = 0, .max = 3600,
	  .max_items = 1000, .pyvar = "DELAYS",
	  .help = N_("how long each task's coroutine sleeps, in seconds (DELAYS)") },
};

const struct lesson lesson_07 = {
	.number = 7,
	.slug = "callbacks",
	.title = N_("Done callbacks"),
	.chapter = "7.绑定回调函数",
	.knobs = knobs,
	.nknobs = sizeof knobs / sizeof knobs[0],
	.python = python,
	.run = run,
};
