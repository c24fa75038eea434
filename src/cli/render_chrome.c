/* render_chrome.c -- Chrome Trace Event output (see render_chrome.h for
 * the lanes, the slices and the time rule). */
#include <config.h>

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/gen.h"
#include "render_chrome.h"

enum {
	TICK = 1000,        /* ns: the trace time one event takes */
	LANE_MAIN = 1,      /* tid of the program's top level */
	LANE_LOOP = 2,      /* tid of the event loop */
	LANE_TASK0 = 10,    /* tid of Task with id N: LANE_TASK0 + N */
	MAX_ID = 1 << 26    /* ids beyond this get no per-object bookkeeping */
};

/* A generator run that has not yielded, returned or raised yet. */
struct gslice {
	int kind;
	unsigned id;
	int lane;
	uint64_t ts;
	double t;
	char *name, *how;
};

struct step {
	unsigned task;
	uint64_t ts;
	double t;
};

/* Where and when a future or task completed, for its flow arrows. */
struct done {
	uint64_t ts;
	int lane;
	uint8_t set;
};

struct taskinfo {
	uint8_t declared;
	uint8_t wake_kind;  /* the future whose completion woke it, pending */
	unsigned wake_id;
};

struct render_chrome {
	FILE *out;
	int err;
	uint64_t nout;
	uint64_t last_ts;
	int any;
	char *buf;
	int cap;
	struct rec_flat_buf fb;

	int iter_open;
	uint64_t iter_ts, iter_no;
	double iter_t;
	char *iter_ready;

	int handle_open;
	uint64_t handle_ts;
	double handle_t;
	char *handle_name;

	struct step *steps;
	size_t nsteps, capsteps;
	struct gslice *gs;
	size_t ngs, capgs;

	struct taskinfo *tasks;
	size_t ntasks;
	struct done *futs, *tdone;
	size_t nfuts, ntdone;
	uint64_t flow_id;
};

static cJSON *must(cJSON *item)
{
	if (!item) {
		fputs("coro-learn: out of memory\n", stderr);
		abort();
	}
	return item;
}

static void put(struct render_chrome *rc, const char *s)
{
	if (rc->err)
		return;
	errno = 0;
	if (fputs(s, rc->out) == EOF)
		rc->err = errno ? errno : EIO;
}

/* Writes o (and deletes it) as the next element of traceEvents. */
static void put_event(struct render_chrome *rc, cJSON *o)
{
	while (!cJSON_PrintPreallocated(o, rc->buf, rc->cap, 0)) {
		rc->cap *= 2;
		rc->buf = xrealloc(rc->buf, (size_t)rc->cap);
	}
	cJSON_Delete(o);
	if (rc->nout++)
		put(rc, ",\n");
	put(rc, rc->buf);
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static cJSON *event(const char *ph, const char *name, const char *cat, uint64_t ts, int lane)
{
	cJSON *o = must(cJSON_CreateObject());

	must(cJSON_AddStringToObject(o, "ph", ph));
	if (name)
		must(cJSON_AddStringToObject(o, "name", name));
	if (cat)
		must(cJSON_AddStringToObject(o, "cat", cat));
	must(cJSON_AddNumberToObject(o, "ts", us(ts)));
	must(cJSON_AddNumberToObject(o, "pid", 1));
	must(cJSON_AddNumberToObject(o, "tid", lane));
	return o;
}

static cJSON *args_t(cJSON *o, double t)
{
	cJSON *a = must(cJSON_AddObjectToObject(o, "args"));

	must(cJSON_AddNumberToObject(a, "t", t));
	return a;
}

static void lane_meta(struct render_chrome *rc, int lane, const char *name, int order)
{
	cJSON *o = event("M", "thread_name", NULL, 0, lane), *a;

	cJSON_DeleteItemFromObject(o, "ts");
	a = must(cJSON_AddObjectToObject(o, "args"));
	must(cJSON_AddStringToObject(a, "name", name));
	put_event(rc, o);
	o = event("M", "thread_sort_index", NULL, 0, lane);
	cJSON_DeleteItemFromObject(o, "ts");
	a = must(cJSON_AddObjectToObject(o, "args"));
	must(cJSON_AddNumberToObject(a, "sort_index", order));
	put_event(rc, o);
}

struct render_chrome *render_chrome_new(FILE *out, const struct trace_meta *m)
{
	struct render_chrome *rc = xcalloc(1, sizeof *rc);
	cJSON *o, *a;
	char *pname;

	rc->out = out;
	rc->cap = 4096;
	rc->buf = xmalloc((size_t)rc->cap);
	put(rc, "{\"traceEvents\":[\n");
	if (m->lesson)
		pname = xasprintf("coro-learn lesson %d%s%s", m->lesson, m->title ? ": " : "",
				  m->title ? m->title : "");
	else
		pname = xstrdup("coro-learn");
	o = event("M", "process_name", NULL, 0, LANE_MAIN);
	cJSON_DeleteItemFromObject(o, "ts");
	a = must(cJSON_AddObjectToObject(o, "args"));
	must(cJSON_AddStringToObject(a, "name", pname));
	put_event(rc, o);
	free(pname);
	lane_meta(rc, LANE_MAIN, "<module>", 0);
	lane_meta(rc, LANE_LOOP, "event loop", 1);
	return rc;
}

/* --- per-object bookkeeping, by id --- */

static void *grow(void *v, size_t *n, size_t want, size_t size)
{
	size_t m = *n ? *n : 64;

	if (want < *n)
		return v;
	while (m <= want)
		m *= 2;
	v = xrealloc(v, m * size);
	memset((char *)v + *n * size, 0, (m - *n) * size);
	*n = m;
	return v;
}

static struct taskinfo *task_info(struct render_chrome *rc, unsigned id)
{
	if (id >= MAX_ID)
		return NULL;
	rc->tasks = grow(rc->tasks, &rc->ntasks, id, sizeof *rc->tasks);
	return &rc->tasks[id];
}

static struct done *done_of(struct render_chrome *rc, int kind, unsigned id)
{
	if (id >= MAX_ID)
		return NULL;
	if (kind == ACT_TASK) {
		rc->tdone = grow(rc->tdone, &rc->ntdone, id, sizeof *rc->tdone);
		return &rc->tdone[id];
	}
	if (kind == ACT_FUTURE) {
		rc->futs = grow(rc->futs, &rc->nfuts, id, sizeof *rc->futs);
		return &rc->futs[id];
	}
	return NULL;
}

static void declare_task(struct render_chrome *rc, const struct rec_flat_actor *a)
{
	struct taskinfo *ti = task_info(rc, a->id);

	if (!ti || ti->declared)
		return;
	ti->declared = 1;
	lane_meta(rc, LANE_TASK0 + (int)a->id, a->name ? a->name : "Task", 2 + (int)a->id);
}

/* The lane of whatever runs now: the task whose step is open, else the
 * loop while it runs a handle, else the top level. */
static int cur_lane(const struct render_chrome *rc)
{
	if (rc->nsteps)
		return LANE_TASK0 + (int)rc->steps[rc->nsteps - 1].task;
	if (rc->handle_open)
		return LANE_LOOP;
	return LANE_MAIN;
}

/* --- slices --- */

static void slice(struct render_chrome *rc, const char *name, const char *cat, int lane,
		  uint64_t ts, uint64_t end, double t, const char *k1, const char *v1,
		  const char *k2, const char *v2)
{
	cJSON *o = event("X", name, cat, ts, lane), *a;

	must(cJSON_AddNumberToObject(o, "dur", us(end - ts)));
	a = args_t(o, t);
	if (k1 && v1)
		must(cJSON_AddStringToObject(a, k1, v1));
	if (k2 && v2)
		must(cJSON_AddStringToObject(a, k2, v2));
	put_event(rc, o);
}

static void instant(struct render_chrome *rc, const char *name, const char *cat, int lane,
		    uint64_t ts, double t)
{
	cJSON *o = event("i", name, cat, ts, lane);

	must(cJSON_AddStringToObject(o, "s", "t"));
	args_t(o, t);
	put_event(rc, o);
}

/* Slices in the loop lane end just after the last event inside them: the
 * handle a quarter tick after it, the iteration half a tick after, so the
 * one nests in the other and both end before the next event. */
static void close_handle(struct render_chrome *rc)
{
	if (!rc->handle_open)
		return;
	slice(rc, rc->handle_name, "loop", LANE_LOOP, rc->handle_ts, rc->last_ts + TICK / 4,
	      rc->handle_t, NULL, NULL, NULL, NULL);
	free(rc->handle_name);
	rc->handle_name = NULL;
	rc->handle_open = 0;
}

static void close_iteration(struct render_chrome *rc)
{
	char name[48];

	close_handle(rc);
	if (!rc->iter_open)
		return;
	snprintf(name, sizeof name, "iteration %llu", (unsigned long long)rc->iter_no);
	slice(rc, name, "loop", LANE_LOOP, rc->iter_ts, rc->last_ts + TICK / 2, rc->iter_t, "ready",
	      rc->iter_ready, NULL, NULL);
	free(rc->iter_ready);
	rc->iter_ready = NULL;
	rc->iter_open = 0;
}

static void close_gen(struct render_chrome *rc, size_t i, uint64_t end, const char *outcome)
{
	struct gslice *g = &rc->gs[i];

	slice(rc, g->name, "generator", g->lane, g->ts, end, g->t, "resumed by", g->how,
	      outcome ? "then" : NULL, outcome);
	free(g->name);
	free(g->how);
}

/* --- flows --- */

static void flow(struct render_chrome *rc, const struct done *d, int lane, uint64_t ts)
{
	cJSON *o;

	if (!d || !d->set)
		return;
	rc->flow_id++;
	o = event("s", "wakes up", "flow", d->ts, d->lane);
	must(cJSON_AddNumberToObject(o, "id", (double)rc->flow_id));
	put_event(rc, o);
	/* 1 ns into the slice that starts at ts, so that the slice is open
	 * when the arrow's end is bound to it ("bp": "e"). */
	o = event("f", "wakes up", "flow", ts + 1, lane);
	must(cJSON_AddNumberToObject(o, "id", (double)rc->flow_id));
	must(cJSON_AddStringToObject(o, "bp", "e"));
	put_event(rc, o);
}

/* --- events --- */

static uint64_t trace_ts(struct render_chrome *rc, double t)
{
	uint64_t want = t > 0 && isfinite(t) && t < 1e9 ? (uint64_t)llround(t * 1e9) : 0;

	if (rc->any && want < rc->last_ts + TICK)
		want = rc->last_ts + TICK;
	return want;
}

static char *value_or(const struct rec_flat *f, const char *none)
{
	if (f->vactor.kind == ACT_TASK || f->vactor.kind == ACT_FUTURE)
		return xstrdup(f->vactor.name ? f->vactor.name : "?");
	if (f->exc)
		return xstrdup(f->exc);
	return xstrdup(f->value ? f->value : none);
}

void render_chrome_flat(struct render_chrome *rc, const struct rec_flat *f)
{
	uint64_t ts;
	int lane;
	char *s, *v;
	size_t i;
	const char *aname = f->actor.name ? f->actor.name : "";

	/* Boundaries first, at the previous event's time. */
	switch (f->kind) {
	case EV_LOOP_CLOCK:
	case EV_TIMER_FIRE:
	case EV_LOOP_ITER:
	case EV_LOOP_END:
		close_iteration(rc);
		break;
	case EV_HANDLE_RUN:
		close_handle(rc);
		break;
	default:
		break;
	}
	ts = trace_ts(rc, f->time);
	rc->last_ts = ts;
	rc->any = 1;
	lane = cur_lane(rc);

	switch (f->kind) {
	case EV_LOOP_ITER:
		rc->iter_open = 1;
		rc->iter_ts = ts;
		rc->iter_t = f->time;
		rc->iter_no = f->iteration;
		rc->iter_ready = xstrdup(f->value ? f->value : "0");
		break;
	case EV_HANDLE_RUN: {
		struct done *d;
		rc->handle_open = 1;
		rc->handle_ts = ts;
		rc->handle_t = f->time;
		rc->handle_name = rec_flat_handle_desc(f);
		/* A done callback: its future's completion leads here.  A
		 * task's wakeup is drawn to the step it runs instead. */
		d = done_of(rc, f->vactor.kind, f->vactor.id);
		if (d && !(f->text && !strcmp(f->text, "task_wakeup")))
			flow(rc, d, LANE_LOOP, ts);
		break;
	}
	case EV_TASK_CREATE:
		declare_task(rc, &f->actor);
		break;
	case EV_TASK_STEP: {
		struct taskinfo *ti;
		declare_task(rc, &f->actor);
		if (rc->nsteps == rc->capsteps) {
			rc->capsteps = rc->capsteps ? 2 * rc->capsteps : 4;
			rc->steps = xrealloc(rc->steps, rc->capsteps * sizeof *rc->steps);
		}
		rc->steps[rc->nsteps++] = (struct step){f->actor.id, ts, f->time};
		ti = task_info(rc, f->actor.id);
		if (ti && ti->wake_kind) {
			flow(rc, done_of(rc, ti->wake_kind, ti->wake_id), LANE_TASK0 + (int)f->actor.id, ts);
			ti->wake_kind = 0;
		}
		break;
	}
	case EV_TASK_STEP_END:
		for (i = rc->nsteps; i > 0; i--)
			if (rc->steps[i - 1].task == f->actor.id)
				break;
		if (i > 0) {
			struct step *st = &rc->steps[i - 1];
			slice(rc, "__step", "task", LANE_TASK0 + (int)st->task, st->ts, ts, st->t,
			      "task", aname, NULL, NULL);
			rc->nsteps = i - 1;
		}
		break;
	case EV_TASK_WAKEUP: {
		struct taskinfo *ti = task_info(rc, f->actor.id);
		if (ti) {
			ti->wake_kind = (uint8_t)f->other.kind;
			ti->wake_id = f->other.id;
		}
		s = xasprintf("wakeup: %s is done", f->other.name ? f->other.name : "?");
		instant(rc, s, "task", lane, ts, f->time);
		free(s);
		break;
	}
	case EV_TASK_WAIT:
		s = xasprintf("waits for %s", f->other.name ? f->other.name : "?");
		instant(rc, s, "task", lane, ts, f->time);
		free(s);
		break;
	case EV_GEN_RESUME:
		v = value_or(f, "None");
		if (f->text && strcmp(f->text, "next") && strcmp(f->text, "close"))
			s = xasprintf("%s(%s)", f->text, v);
		else
			s = xasprintf("%s()", f->text ? f->text : "next");
		free(v);
		if (f->state_to == GEN_RUNNING) {
			struct gslice *g;
			if (rc->ngs == rc->capgs) {
				rc->capgs = rc->capgs ? 2 * rc->capgs : 16;
				rc->gs = xrealloc(rc->gs, rc->capgs * sizeof *rc->gs);
			}
			g = &rc->gs[rc->ngs++];
			g->kind = f->actor.kind;
			g->id = f->actor.id;
			g->lane = lane;
			g->ts = ts;
			g->t = f->time;
			g->name = xasprintf("%s()", aname);
			g->how = xstrdup(s);
		}
		instant(rc, s, "generator", lane, ts, f->time);
		free(s);
		break;
	case EV_GEN_YIELD:
	case EV_GEN_RETURN:
	case EV_GEN_RAISE:
		v = value_or(f, "None");
		s = xasprintf("%s %s", f->kind == EV_GEN_YIELD ? "yield" : f->kind == EV_GEN_RETURN ? "return" : "raise", v);
		free(v);
		for (i = rc->ngs; i > 0; i--)
			if (rc->gs[i - 1].kind == f->actor.kind && rc->gs[i - 1].id == f->actor.id)
				break;
		if (i > 0) {
			size_t j;
			lane = rc->gs[i - 1].lane;
			/* Frames that never reported back end just before. */
			for (j = rc->ngs; j > i; j--)
				close_gen(rc, j - 1, ts - (rc->ngs - j + 1), NULL);
			close_gen(rc, i - 1, ts, s);
			rc->ngs = i - 1;
		}
		if (f->kind == EV_GEN_YIELD)
			instant(rc, s, "generator", lane, ts, f->time);
		free(s);
		break;
	case EV_FUT_RESULT:
	case EV_FUT_EXCEPTION:
	case EV_FUT_CANCEL: {
		struct done *d = done_of(rc, f->actor.kind, f->actor.id);
		if (d) {
			d->ts = ts;
			d->lane = lane;
			d->set = 1;
		}
		v = value_or(f, "None");
		if (f->kind == EV_FUT_CANCEL)
			s = xasprintf("%s cancelled", aname);
		else
			s = xasprintf("%s %s: %s", aname, f->kind == EV_FUT_RESULT ? "result" : "exception", v);
		free(v);
		instant(rc, s, "future", lane, ts, f->time);
		free(s);
		break;
	}
	case EV_HANDLE_SCHEDULE:
		v = rec_flat_handle_desc(f);
		s = xasprintf("call_soon(%s)", v);
		instant(rc, s, "loop", lane, ts, f->time);
		free(s);
		free(v);
		break;
	case EV_CB_ADD:
		s = xasprintf("%s.add_done_callback(%s)", aname, f->text ? f->text : "");
		instant(rc, s, "future", lane, ts, f->time);
		free(s);
		break;
	case EV_TIMER_ADD:
		v = rec_flat_handle_desc(f);
		s = xasprintf("timer #%u at t=%.15g: %s", f->handle, f->when, v);
		instant(rc, s, "loop", lane, ts, f->time);
		free(s);
		free(v);
		break;
	case EV_TIMER_FIRE:
		s = xasprintf("timer #%u is due", f->handle);
		instant(rc, s, "loop", LANE_LOOP, ts, f->time);
		free(s);
		break;
	case EV_LOOP_CLOCK:
		s = xasprintf("clock %.15g s -> %.15g s", f->when, f->time);
		instant(rc, s, "loop", LANE_LOOP, ts, f->time);
		free(s);
		break;
	case EV_PRINT:
	case EV_WARN:
		s = xasprintf("%s: %s", f->kind == EV_PRINT ? "print" : "warning", f->text ? f->text : "");
		instant(rc, s, f->kind == EV_PRINT ? "print" : "warning", lane, ts, f->time);
		free(s);
		break;
	default:
		break;
	}
}

static void chrome_emit(void *ud, const struct trace_event *ev)
{
	struct render_chrome *rc = ud;
	struct rec_flat f;

	if (rc->err)
		return;
	rec_flat_from_event(&f, ev, &rc->fb);
	render_chrome_flat(rc, &f);
}

struct trace_sink render_chrome_sink(struct render_chrome *rc)
{
	struct trace_sink s = {chrome_emit, rc};

	return s;
}

int render_chrome_finish(struct render_chrome *rc)
{
	size_t i;

	/* A run that stopped half-way: close what is open, innermost first. */
	for (i = rc->ngs; i > 0; i--)
		close_gen(rc, i - 1, rc->last_ts + (rc->ngs - i + 1), NULL);
	rc->ngs = 0;
	for (i = rc->nsteps; i > 0; i--) {
		struct step *st = &rc->steps[i - 1];
		slice(rc, "__step", "task", LANE_TASK0 + (int)st->task, st->ts, rc->last_ts + 100,
		      st->t, NULL, NULL, NULL, NULL);
	}
	rc->nsteps = 0;
	close_iteration(rc);
	put(rc, "\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":{\"generator\":\"" PACKAGE_NAME " "
		PACKAGE_VERSION "\",\"time\":\"ts is the virtual time in microseconds; an event "
		"comes at least 1 us after the one before it; args.t is its exact virtual time "
		"in seconds\"}}\n");
	if (!rc->err) {
		errno = 0;
		if (fflush(rc->out) != 0 || ferror(rc->out))
			rc->err = errno ? errno : EIO;
	}
	if (rc->err)
		errno = rc->err;
	return rc->err != 0;
}

void render_chrome_free(struct render_chrome *rc)
{
	size_t i;

	if (!rc)
		return;
	for (i = 0; i < rc->ngs; i++) {
		free(rc->gs[i].name);
		free(rc->gs[i].how);
	}
	free(rc->gs);
	free(rc->steps);
	free(rc->tasks);
	free(rc->futs);
	free(rc->tdone);
	free(rc->handle_name);
	free(rc->iter_ready);
	free(rc->buf);
	rec_flat_buf_fini(&rc->fb);
	free(rc);
}
