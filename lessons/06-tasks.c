/* 06-tasks.c -- chapter 6: a task wraps a coroutine; Task is a subclass of
 * Future, a result that may not exist yet. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "tutorial.h"

static const char python[] =
	"# Chapter 6: tasks.  A task wraps a coroutine; Task is a subclass of Future.\n"
	"import asyncio\n"
	"import time\n"
	"\n"
	"DELAYS = [2, 3]\n"
	"\n"
	"\n"
	"async def do_some_work(x):\n"
	"    print('Waiting: ', x)\n"
	"    await asyncio.sleep(x)\n"
	"    return 'Done after {}s'.format(x)\n"
	"\n"
	"\n"
	"start = time.time()\n"
	"loop = asyncio.get_event_loop()\n"
	"tasks = []\n"
	"for i, x in enumerate(DELAYS):\n"
	"    coroutine = do_some_work(x)\n"
	"    if i % 2 == 0:\n"
	"        task = asyncio.ensure_future(coroutine)\n"
	"    else:\n"
	"        task = loop.create_task(coroutine)  # the same for a coroutine\n"
	"    print('Task state: ', task._state)\n"
	"    tasks.append(task)\n"
	"\n"
	"print('isinstance(task, asyncio.Future): ', isinstance(tasks[0], asyncio.Future))\n"
	"try:\n"
	"    tasks[0].result()\n"
	"except asyncio.InvalidStateError as e:\n"
	"    print(type(e).__name__ + ':', e)\n"
	"\n"
	"loop.run_until_complete(asyncio.wait(tasks))\n"
	"\n"
	"for task in tasks:\n"
	"    print('Task state: ', task._state)\n"
	"    print('Task ret: ', task.result())\n"
	"print('TIME: ', round(time.time() - start, 1))\n";

/* More delays than this: the text view shows a condensed timeline. */
enum { CONDENSE_ABOVE = 50 };

/* print('Task state: ', task._state): the engine's state, FUT_* by name. */
static void print_state(struct interp *I, struct value task)
{
	out(I, "Task state:  %s", future_state_name(value_future(task)));
}

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	const struct knob_value *delays = lesson_knob(r, "delays");
	struct value tasks = value_list(), coroutine, task, v, w;
	struct loop *loop;
	struct exc *e;
	double start;
	char *s, *t;
	size_t i;
	int rc = 1, failed;

	r->condensed = delays->n > CONDENSE_ABOVE;
	say(I, _("A task (任务) wraps a coroutine and drives it on the event loop, one step at a time. "
		 "Task is a subclass of Future (future 代表将来执行或没有执行的任务的结果): a future is a "
		 "result that may not exist yet. Here the tasks are made two ways, asyncio.ensure_future() "
		 "and loop.create_task(), which do the same thing for a coroutine."));
	AT(I, "start = time.time()");
	start = interp_time(I);
	AT(I, "loop = asyncio.get_event_loop()");
	if (aio_get_event_loop(I, &loop, &v)) {
		uncaught(I, v);
		goto done;
	}
	for (i = 0; i < delays->n; i++) {
		AT(I, "coroutine = do_some_work(x)");
		coroutine = gen_new(I, &do_some_work, 1, py_number(delays->v[i]));
		if (i % 2 == 0) {
			AT(I, "task = asyncio.ensure_future(coroutine)");
			if (i == 0)
				say(I, _("ensure_future(coroutine) makes a task. The task does not run the coroutine "
					 "now: it schedules its first step with call_soon, and it is PENDING."));
			failed = aio_ensure_future(I, coroutine, &task);
		} else {
			AT(I, "task = loop.create_task(coroutine)");
			if (i == 1)
				say(I, _("loop.create_task(coroutine) does the same: ensure_future calls it for a "
					 "coroutine. (ensure_future also accepts a future or a task, and returns it "
					 "unchanged.)"));
			failed = aio_create_task(loop, coroutine, NULL, &task);
		}
		value_unref(coroutine);
		if (failed) {
			uncaught(I, task);
			goto done;
		}
		AT_AFTER(I, "for i, x in enumerate(DELAYS)", "print('Task state: ', task._state)");
		print_state(I, task);
		value_append(tasks, task);
	}

	AT(I, "print('isinstance(task, asyncio.Future): '");
	say(I, _("A task is a future: whatever a future offers (result(), done(), add_done_callback()), "
		 "a task offers too."));
	out(I, "isinstance(task, asyncio.Future):  %s",
	    value_future(value_item(tasks, 0)) ? "True" : "False");
	AT(I, "    tasks[0].result()");
	say(I, _("The result does not exist yet: the first task has not even started. Asking a pending "
		 "future for its result() raises InvalidStateError."));
	if (!future_result(value_future(value_item(tasks, 0)), &v)) {
		value_unref(v); /* no exception: the except clause does not run */
	} else {
		e = value_exc(v);
		if (!e || !exc_matches(e, EXC_INVALID_STATE_ERROR)) {
			uncaught(I, v);
			goto done;
		}
		/* The raise itself is no engine event: show it on its line. */
		s = exc_format(e);
		t = xasprintf(_("%s.result() raises %s"), future_name(value_future(value_item(tasks, 0))), s);
		interp_note(I, t);
		free(t);
		free(s);
		AT(I, "print(type(e).__name__ + ':', e)");
		s = pystr(v);
		out(I, "%s: %s", exc_type_name(e->type), s);
		free(s);
		value_unref(v);
	}

	AT(I, "loop.run_until_complete(asyncio.wait(tasks))");
	say(I, _("run_until_complete(asyncio.wait(tasks)) runs the loop. Each task's first step runs its "
		 "coroutine up to `await asyncio.sleep(x)`; there the coroutine is suspended (挂起) and the "
		 "task waits for the sleep's future. When the timer fires, the task is woken, the coroutine "
		 "returns, and the task becomes FINISHED with that return value as its result."));
	w = aio_wait(I, tasks, -1, AIO_ALL_COMPLETED);
	failed = aio_run_until_complete(loop, w, &v);
	value_unref(w);
	if (failed) {
		uncaught(I, v);
		goto done;
	}
	value_unref(v); /* (done, pending): the program does not keep it */

	say(I, _("Now every task's state is FINISHED, and result() returns what its coroutine returned."));
	for (i = 0; i < value_len(tasks); i++) {
		task = value_item(tasks, i);
		AT_AFTER(I, "for task in tasks", "print('Task state: ', task._state)");
		print_state(I, task);
		AT(I, "print('Task ret: ', task.result())");
		if (future_result(value_future(task), &v)) {
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
	say(I, _("Modern Python: inside a coroutine, write asyncio.create_task(coro), which needs a running "
		 "loop. Since 3.11, `async with asyncio.TaskGroup() as tg:` with tg.create_task(...) waits for "
		 "all its tasks at the end of the block, and cancels the others if one fails. task._state is "
		 "private: public code asks task.done() and task.cancelled()."));
	rc = 0;
done:
	if (rc)
		task_destroy_pending(I); /* a task left pending holds a cycle */
	value_unref(tasks);
	return rc;
}

static const struct knob knobs[] = {
	{ .name = "delays", .type = KNOB_LIST, .def = "2,3", .min = 0, .max = 3600,
	  .max_items = 1000, .pyvar = "DELAYS",
	  .help = N_("how long each task's coroutine sleeps, in seconds (DELAYS)") },
};

const struct lesson lesson_06 = {
	.number = 6,
	.slug = "tasks",
	.title = N_("Creating tasks"),
	.chapter = "6. 创建task任务",
	.knobs = knobs,
	.nknobs = sizeof knobs / sizeof knobs[0],
	.python = python,
	.run = run,
};
