/* loop.c -- the event loop (base_events.py BaseEventLoop, semantics.md L0-L2). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"

struct handle {
	loop_cb cb;
	void *target;             /* referenced while queued */
	struct value arg;         /* referenced while queued */
	const char *what;
	struct trace_actor who;
	unsigned id;
	struct timer *timer;      /* the timer this came from (it may be cancelled) */
	unsigned flags;           /* TRACE_LIBRARY: registered by asyncio's own code */
};

struct timer {
	struct obj hdr;
	struct loop *loop;
	double when;
	uint64_t seq;             /* registration order breaks ties (L2, L8) */
	struct handle h;
	int cancelled;
	int in_heap;
};

struct loop {
	struct interp *I;
	struct trace_actor who;
	/* ready FIFO: a ring of handles (capacity a power of two) */
	struct handle *ring;
	size_t head, count, cap;
	/* timers: a binary min-heap on (when, seq) */
	struct timer **heap;
	size_t nheap, capheap, ncancelled;
	uint64_t timer_seq;
	unsigned next_handle;
	double now;               /* virtual clock */
	struct timespec t0;       /* realtime: start of the clock */
	uint64_t iteration;
	int running, stopping, closed, realtime;
};

static double mono_now(const struct loop *L)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - L->t0.tv_sec) + (double)(ts.tv_nsec - L->t0.tv_nsec) / 1e9;
}

double loop_time(const struct loop *L)
{
	return L->realtime ? mono_now(L) : L->now;
}

void loop_advance(struct loop *L, double d)
{
	if (!L->realtime && d > 0) L->now += d;
}

uint64_t loop_iteration(const struct loop *L) { return L->iteration; }
struct interp *loop_interp(const struct loop *L) { return L->I; }
int loop_is_running(const struct loop *L) { return L->running; }
int loop_is_closed(const struct loop *L) { return L->closed; }
size_t loop_ready_count(const struct loop *L) { return L->count; }
size_t loop_timer_count(const struct loop *L) { return L->nheap - L->ncancelled; }

struct loop *loop_new(struct interp *I)
{
	struct loop *L = xcalloc(1, sizeof *L);
	L->I = I;
	L->realtime = I->realtime;
	L->who.kind = ACT_LOOP;
	L->who.id = interp_new_id(I, ACT_LOOP);
	L->who.name = "loop";
	L->cap = 64;
	L->ring = xmalloc(L->cap * sizeof *L->ring);
	clock_gettime(CLOCK_MONOTONIC, &L->t0);
	if (I->loop) {
		/* set_event_loop(new): the old loop keeps its clock for nobody;
		 * carry the virtual time on so the program's clock never goes back. */
		L->now = loop_time(I->loop);
		loop_free(I->loop);
	}
	I->loop = L;
	return L;
}

struct loop *loop_get(struct interp *I)
{
	return I->loop ? I->loop : loop_new(I);
}

static void handle_release(struct handle *h)
{
	obj_unref(h->target);
	value_unref(h->arg);
	h->target = NULL;
}

static void timer_dealloc(struct obj *o)
{
	struct timer *t = (struct timer *)o;
	handle_release(&t->h);
	free(t);
}

void timer_unref(struct timer *t) { obj_unref(t); }
double timer_when(const struct timer *t) { return t->when; }

void loop_close(struct loop *L)
{
	L->closed = 1;
}

void loop_free(struct loop *L)
{
	if (!L) return;
	while (L->count) {
		struct handle *h = &L->ring[L->head];
		L->head = (L->head + 1) & (L->cap - 1);
		L->count--;
		handle_release(h);
		obj_unref(h->timer);
	}
	for (size_t i = 0; i < L->nheap; i++) {
		L->heap[i]->in_heap = 0;
		L->heap[i]->loop = NULL;
		obj_unref(L->heap[i]);
	}
	free(L->ring);
	free(L->heap);
	if (L->I->loop == L) L->I->loop = NULL;
	free(L);
}

static void emit_handle(struct loop *L, enum ev_kind k, const struct handle *h, double when)
{
	struct trace_event ev = {0};
	ev.kind = k;
	ev.actor = L->who;
	ev.other = h->who;
	ev.state_from = ev.state_to = -1;
	ev.handle = h->id;
	ev.text = h->what;
	ev.when = when;
	ev.value = h->arg;
	ev.flags = h->flags;
	interp_emit(L->I, &ev);
}

static void ready_push(struct loop *L, const struct handle *h)
{
	if (L->count == L->cap) {
		struct handle *n = xmalloc(2 * L->cap * sizeof *n);
		for (size_t i = 0; i < L->count; i++) n[i] = L->ring[(L->head + i) & (L->cap - 1)];
		free(L->ring);
		L->ring = n;
		L->head = 0;
		L->cap *= 2;
	}
	L->ring[(L->head + L->count) & (L->cap - 1)] = *h;
	L->count++;
}

unsigned loop_call_soon(struct loop *L, loop_cb cb, const char *what, void *target,
			struct trace_actor who, struct value arg)
{
	struct handle h = {cb, target, value_ref(arg), what, who, ++L->next_handle, NULL,
			   interp_in_library(L->I) ? TRACE_LIBRARY : 0};
	obj_ref(target);
	ready_push(L, &h); /* L1: FIFO */
	if (trace_on(L->I)) emit_handle(L, EV_HANDLE_SCHEDULE, &h, 0);
	return h.id;
}

/* ---- the timer heap ---- */

static int timer_before(const struct timer *a, const struct timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_up(struct loop *L, size_t i)
{
	struct timer *t = L->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!timer_before(t, L->heap[p])) break;
		L->heap[i] = L->heap[p];
		i = p;
	}
	L->heap[i] = t;
}

static void heap_down(struct loop *L, size_t i)
{
	struct timer *t = L->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= L->nheap) break;
		if (c + 1 < L->nheap && timer_before(L->heap[c + 1], L->heap[c])) c++;
		if (!timer_before(L->heap[c], t)) break;
		L->heap[i] = L->heap[c];
		i = c;
	}
	L->heap[i] = t;
}

static struct timer *heap_pop(struct loop *L)
{
	struct timer *t = L->heap[0];
	L->heap[0] = L->heap[--L->nheap];
	if (L->nheap) heap_down(L, 0);
	t->in_heap = 0;
	if (t->cancelled) L->ncancelled--;
	return t;
}

struct timer *loop_call_at(struct loop *L, double when, loop_cb cb, const char *what, void *target,
			   struct trace_actor who, struct value arg)
{
	struct timer *t = xmalloc(sizeof *t);
	t->hdr.refcnt = 2; /* the heap's and the caller's */
	t->hdr.kind = VAL_OBJ;
	t->hdr.dealloc = timer_dealloc;
	t->loop = L;
	t->when = when;
	t->seq = ++L->timer_seq;
	t->h = (struct handle){cb, target, value_ref(arg), what, who, ++L->next_handle, NULL,
			       interp_in_library(L->I) ? TRACE_LIBRARY : 0};
	obj_ref(target);
	t->cancelled = 0;
	t->in_heap = 1;
	if (L->nheap == L->capheap) {
		L->capheap = L->capheap ? 2 * L->capheap : 64;
		L->heap = xrealloc(L->heap, L->capheap * sizeof *L->heap);
	}
	L->heap[L->nheap++] = t;
	heap_up(L, L->nheap - 1);
	if (trace_on(L->I)) emit_handle(L, EV_TIMER_ADD, &t->h, when);
	return t;
}

struct timer *loop_call_later(struct loop *L, double delay, loop_cb cb, const char *what, void *target,
			      struct trace_actor who, struct value arg)
{
	return loop_call_at(L, loop_time(L) + delay, cb, what, target, who, arg);
}

void timer_cancel(struct timer *t)
{
	if (t->cancelled) return;
	t->cancelled = 1;
	if (t->in_heap && t->loop) {
		t->loop->ncancelled++;
		if (trace_on(t->loop->I)) emit_handle(t->loop, EV_TIMER_CANCEL, &t->h, t->when);
	}
	/* Mark only: the heap reaps it when it reaches the top, and a queued
	 * copy in the ready FIFO is skipped when its turn comes.  Like
	 * TimerHandle.cancel(), drop the callback's references now: a timer
	 * kept by its own target must not keep that target alive. */
	handle_release(&t->h);
	t->h.arg = value_none();
}

void loop_stop(struct loop *L)
{
	L->stopping = 1;
	if (trace_on(L->I)) interp_event(L->I, EV_LOOP_STOP, L->who);
}

static void reap_cancelled_top(struct loop *L)
{
	while (L->nheap && L->heap[0]->cancelled) obj_unref(heap_pop(L));
}

static void sleep_until(struct loop *L, double when)
{
	double d = when - mono_now(L);
	if (d <= 0) return;
	struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

void loop_run_once(struct loop *L)
{
	struct interp *I = L->I;

	/* 1. Nothing ready: wait for the earliest timer (the selector's
	 *    timeout); the virtual clock simply jumps there. */
	reap_cancelled_top(L);
	if (L->count == 0 && !L->stopping && L->nheap) {
		double when = L->heap[0]->when;
		if (L->realtime) {
			sleep_until(L, when);
		} else if (when > L->now) {
			if (trace_on(I)) {
				struct trace_event ev = {0};
				ev.kind = EV_LOOP_CLOCK;
				ev.actor = L->who;
				ev.state_from = ev.state_to = -1;
				ev.when = L->now;
				L->now = when;
				interp_emit(I, &ev);
			}
			L->now = when;
		}
	}
	L->iteration++;

	/* 2. Expired timers go to the END of the ready FIFO, in heap order
	 *    (L2: call_soon beats an already-expired timer). */
	double end = loop_time(L) + (L->realtime ? 1e-9 : 0);
	size_t before = L->count;
	while (L->nheap && L->heap[0]->when <= end) {
		struct timer *t = heap_pop(L);
		if (t->cancelled) {
			obj_unref(t);
			continue;
		}
		struct handle h = t->h;
		h.arg = value_ref(h.arg);
		obj_ref(h.target);
		h.timer = t; /* keeps the heap's reference until it runs */
		ready_push(L, &h);
		if (trace_on(I)) emit_handle(L, EV_TIMER_FIRE, &t->h, t->when);
		handle_release(&t->h); /* the queued copy holds its own references */
		t->h.arg = value_none();
	}

	/* 3. The snapshot: only what is ready now runs in this iteration. */
	size_t ntodo = L->count;
	if (trace_on(I)) {
		struct trace_event ev = {0};
		ev.kind = EV_LOOP_ITER;
		ev.actor = L->who;
		ev.state_from = ev.state_to = -1;
		ev.value = value_int((long long)ntodo);
		ev.handle = (unsigned)(ntodo - before);
		interp_emit(I, &ev);
	}

	/* 4. Run them, skipping cancelled ones. */
	for (size_t i = 0; i < ntodo; i++) {
		struct handle h = L->ring[L->head];
		L->head = (L->head + 1) & (L->cap - 1);
		L->count--;
		if (!(h.timer && h.timer->cancelled)) {
			if (trace_on(I)) emit_handle(L, EV_HANDLE_RUN, &h, h.timer ? h.timer->when : 0);
			h.cb(I, h.target, h.arg);
		}
		handle_release(&h);
		obj_unref(h.timer);
	}
}

int loop_run_forever(struct loop *L)
{
	if (L->running || L->closed) return -1;
	struct interp *I = L->I;
	L->running = 1;
	if (trace_on(I)) interp_event(I, EV_LOOP_START, L->who);
	for (;;) {
		reap_cancelled_top(L);
		if (!L->count && !L->nheap && !L->stopping) {
			/* CPython would block in select() forever here. */
			interp_warn(I, "the event loop has nothing left to run: Python would wait here forever");
			break;
		}
		loop_run_once(L);
		if (L->stopping) break; /* L0: stop() is seen only between iterations */
	}
	L->stopping = 0;
	L->running = 0;
	if (trace_on(I)) interp_event(I, EV_LOOP_END, L->who);
	return 0;
}
