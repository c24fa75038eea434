/* 05-coroutine-loop.c -- chapter 5: a coroutine and the event loop that runs
 * it; the coroutine's states, read from the engine at each step. */
#include "config.h"

#include <stdlib.h>

#include "tutorial.h"

static const char python[] =
	"# Chapter 5: a coroutine and the event loop that runs it.\n"
	"# States: CREATED -> RUNNING -> SUSPENDED (while awaiting) -> CLOSED.\n"
	"import asyncio\n"
	"import inspect\n"
	"\n"
	"\n"
	"async def do_some_work(x):\n"
	"    print('Waiting: ', x)\n"
	"    print('inside: ', inspect.getcoroutinestate(coroutine))\n"
	"    await asyncio.sleep(x)\n"
	"    return 'Done after {}s'.format(x)\n"
	"\n"
	"\n"
	"async def watcher(coro):\n"
	"    # another task looks at the coroutine while it sleeps\n"
	"    await asyncio.sleep(1)\n"
	"    print('while it sleeps: ', inspect.getcoroutinestate(coro))\n"
	"\n"
	"\n"
	"coroutine = do_some_work(2)\n"
	"print('created: ', inspect.getcoroutinestate(coroutine))\n"
	"\n"
	"loop = asyncio.get_event_loop()\n"
	"asyncio.ensure_future(watcher(coroutine))\n"
	"ret = loop.run_until_complete(coroutine)\n"
	"print('run_until_complete returned: ', ret)\n"
	"print('after: ', inspect.getcoroutinestate(coroutine))\n"
	"\n"
	"# a coroutine that is never awaited: Python warns (on stderr) when it is destroyed\n"
	"forgotten = do_some_work(4)\n"
	"print('forgotten: ', inspect.getcoroutinestate(forgotten))\n"
	"del forgotten\n"
	"\n"
	"# the remedy: close() a coroutine you will not run\n"
	"never = do_some_work(3)\n"
	"print('never run: ', inspect.getcoroutinestate(never))\n"
	"never.close()\n"
	"print('after close(): ', inspect.getcoroutinestate(never))\n";

/* The module global `coroutine`, which do_some_work's body reads: it names
 * the first coroutine whichever coroutine is running.  Set for one run. */
static struct value coroutine_global;

/* print(label, inspect.getcoroutinestate(coro)): the state is the engine's
 * own (gen_state_name), never a string the lesson chose. */
static void print_state(struct interp *I, const char *label, struct value coro)
{
	out(I, "%s %s", label, gen_state_name(value_gen(coro)));
}

/* async def do_some_work(x) */
enum { W_X, W_N };
static const char *const work_vars[] = {"x"};

static GEN_BODY(do_some_work_body)
{
	struct interp *I = g->I;
	struct value *L = g->locals;
	char *s;

	GEN_BEGIN(g);
	AT(I, "print('Waiting: ', x)");
	s = pystr(L[W_X]);
	out(I, "Waiting:  %s", s);
	free(s);
	AT(I, "print('inside: '");
	print_state(I, "inside: ", coroutine_global);
	AT(I, "await asyncio.sleep(x)");
	GEN_AWAIT(g, aio_sleep(I, (double)L[W_X].u.i, value_none()), NULL); /* x is an int */
	AT(I, "return 'Done after {}s'.format(x)");
	GEN_RETURN(g, done_after(L[W_X]));
	GEN_END(g);
}

static const struct gen_code do_some_work_code = {
	.name = "do_some_work", .kind = GEN_KIND_COROUTINE, .body = do_some_work_body,
	.nlocals = W_N, .varnames = work_vars,
	.firstlineno = 7, /* async def do_some_work(x): */
};

/* async def watcher(coro) */
enum { WA_CORO, WA_N };
static const char *const watcher_vars[] = {"coro"};

static GEN_BODY(watcher_body)
{
	struct interp *I = g->I;
	struct value *L = g->locals;

	GEN_BEGIN(g);
	AT(I, "await asyncio.sleep(1)");
	GEN_AWAIT(g, aio_sleep(I, 1, value_none()), NULL);
	AT(I, "print('while it sleeps: '");
	print_state(I, "while it sleeps: ", L[WA_CORO]);
	GEN_END(g);
}

static const struct gen_code watcher = {
	.name = "watcher", .kind = GEN_KIND_COROUTINE, .body = watcher_body,
	.nlocals = WA_N, .varnames = watcher_vars,
	.firstlineno = 14, /* async def watcher(coro): */
};

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	struct value w, v, forgotten, never = value_none();
	struct loop *loop;
	char *s;
	int rc = 1;

	say(I, _("A coroutine (协程) goes through four states: CORO_CREATED when the async def function is "
		 "called, CORO_RUNNING while its body runs, CORO_SUSPENDED while it waits at an await (挂起), "
		 "and CORO_CLOSED once it has returned. This chapter defines a coroutine, creates it, "
		 "registers it with the event loop (事件循环) and runs it, and reads its state with "
		 "inspect.getcoroutinestate() at each step."));

	AT(I, "coroutine = do_some_work(2)");
	say(I, _("Defining: `async def do_some_work` makes a coroutine function. Creating: calling it makes "
		 "a coroutine object and runs nothing of its body."));
	coroutine_global = gen_new(I, &do_some_work_code, 1, value_int(2));
	AT(I, "print('created: '");
	print_state(I, "created: ", coroutine_global);

	AT(I, "loop = asyncio.get_event_loop()");
	if (aio_get_event_loop(I, &loop, &v)) {
		uncaught(I, v);
		goto done;
	}
	AT(I, "asyncio.ensure_future(watcher(coroutine))");
	say(I, _("Registering: ensure_future wraps watcher(coroutine) in a task, and run_until_complete wraps "
		 "our coroutine in a second one. A task only schedules its first step; nothing runs until the "
		 "loop does."));
	w = gen_new(I, &watcher, 1, value_ref(coroutine_global));
	if (aio_ensure_future(I, w, &v)) {
		value_unref(w);
		uncaught(I, v);
		goto done;
	}
	value_unref(w);
	value_unref(v); /* the program drops the task: the loop keeps it alive */
	AT(I, "ret = loop.run_until_complete(coroutine)");
	say(I, _("Running: the loop steps each task in turn. Inside its body the coroutine sees itself "
		 "CORO_RUNNING. At `await asyncio.sleep(2)` it suspends and gives control back to the loop; "
		 "one second later the watcher task looks at it and finds it CORO_SUSPENDED."));
	if (aio_run_until_complete(loop, coroutine_global, &v)) {
		uncaught(I, v);
		goto done;
	}
	AT(I, "print('run_until_complete returned: '");
	s = pystr(v);
	out(I, "run_until_complete returned:  %s", s);
	free(s);
	value_unref(v);
	AT(I, "print('after: '");
	say(I, _("The coroutine has returned: it is CORO_CLOSED, and run_until_complete handed back its "
		 "return value. A closed coroutine cannot be run again."));
	print_state(I, "after: ", coroutine_global);

	AT(I, "forgotten = do_some_work(4)");
	say(I, _("A coroutine that is created but never awaited or run is almost always a bug, and Python "
		 "says so: when such an object is destroyed while still CORO_CREATED, it prints "
		 "\"RuntimeWarning: coroutine 'do_some_work' was never awaited\" on stderr. The timeline "
		 "shows that stderr line; what the program prints on stdout does not change."));
	forgotten = gen_new(I, &do_some_work_code, 1, value_int(4));
	AT(I, "print('forgotten: '");
	print_state(I, "forgotten: ", forgotten);
	AT(I, "del forgotten");
	value_unref(forgotten); /* C5: the warning comes from the engine, here */

	AT(I, "never = do_some_work(3)");
	say(I, _("The remedy: close() a coroutine you will not run. It goes straight from CORO_CREATED to "
		 "CORO_CLOSED, and no warning is given."));
	never = gen_new(I, &do_some_work_code, 1, value_int(3));
	AT(I, "print('never run: '");
	print_state(I, "never run: ", never);
	AT(I, "never.close()");
	if (gen_close(value_gen(never), &v) != GEN_RETURNED) {
		uncaught(I, v);
		goto done;
	}
	value_unref(v);
	AT(I, "print('after close(): '");
	print_state(I, "after close(): ", never);
	say(I, _("Modern Python: asyncio.run(do_some_work(2)) creates the loop, registers and runs the "
		 "coroutine, and closes the loop, all in one call. The states are the same."));
	rc = 0;
done:
	if (rc)
		task_destroy_pending(I); /* a task left pending holds a cycle */
	value_unref(never);
	value_unref(coroutine_global);
	coroutine_global = value_none();
	return rc;
}

const struct lesson lesson_05 = {
	.number = 5,
	.slug = "coroutines",
	.title = N_("Coroutines and the event loop"),
	.chapter = "5.定义协程和异步",
	.python = python,
	.run = run,
};
