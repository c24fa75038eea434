/* trace.c -- names of event and actor kinds (used by renderers and the JSON
 * schema, so they are part of the trace format: change them only with it). */
#include "config.h"

#include <string.h>

#include "trace.h"

static const char *const kind_names[EV_N_KINDS] = {
	[EV_SAY] = "say",
	[EV_PRINT] = "print",
	[EV_WARN] = "warning",
	[EV_NOTE] = "note",
	[EV_GEN_CREATE] = "gen.create",
	[EV_GEN_RESUME] = "gen.resume",
	[EV_GEN_YIELD] = "gen.yield",
	[EV_GEN_RETURN] = "gen.return",
	[EV_GEN_RAISE] = "gen.raise",
	[EV_GEN_ERROR] = "gen.error",
	[EV_GEN_AWAIT] = "gen.await",
	[EV_FUT_CREATE] = "future.create",
	[EV_FUT_RESULT] = "future.result",
	[EV_FUT_EXCEPTION] = "future.exception",
	[EV_FUT_CANCEL] = "future.cancel",
	[EV_FUT_CANCEL_REQUEST] = "task.cancel",
	[EV_CB_ADD] = "callback.add",
	[EV_CB_REMOVE] = "callback.remove",
	[EV_TASK_CREATE] = "task.create",
	[EV_TASK_STEP] = "task.step",
	[EV_TASK_STEP_END] = "task.step-end",
	[EV_TASK_WAIT] = "task.wait",
	[EV_TASK_WAKEUP] = "task.wakeup",
	[EV_LOOP_START] = "loop.start",
	[EV_LOOP_ITER] = "loop.iteration",
	[EV_LOOP_CLOCK] = "loop.clock",
	[EV_LOOP_STOP] = "loop.stop",
	[EV_LOOP_END] = "loop.end",
	[EV_HANDLE_SCHEDULE] = "handle.schedule",
	[EV_HANDLE_RUN] = "handle.run",
	[EV_TIMER_ADD] = "timer.add",
	[EV_TIMER_FIRE] = "timer.fire",
	[EV_TIMER_CANCEL] = "timer.cancel",
};

const char *trace_kind_name(enum ev_kind k)
{
	return (unsigned)k < EV_N_KINDS ? kind_names[k] : "?";
}

int trace_kind_from_name(const char *s)
{
	for (int k = 0; k < EV_N_KINDS; k++)
		if (strcmp(kind_names[k], s) == 0) return k;
	return -1;
}

const char *trace_actor_kind_name(enum actor_kind k)
{
	static const char *const names[] = {"none", "main", "generator", "coroutine",
					    "future", "task", "loop", "callback"};
	return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}
