/* loop.c -- the event loop (base_events.py BaseEventLoop, semantics.md L0-L2). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"

/* A handle in the ready FIFO: what runs, on what, with what.  Its argument,
 * when it has one, is kept apart, in loop->args at the same place, and so is
 * what the trace says about it (its name, actor and id), in loop->info, and
 * only while a sink is installed.  A handle is then 16 bytes: a task's step
 * has no argument, and with a million tasks stepping in turn the ring is
 * half the memory to stream through that it was with the argument inside.
 * A timer that expires is queued as the handle (timer_fire, the timer): its
 * callback and arguments stay in the timer, which may yet be cancelled. */
struct handle {
	loop_cb cb;
	uintptr_t target;         /* referenced while queued; | HANDLE_ARG when
	                             loop->args holds an argument for it */
};
enum { HANDLE_ARG = 1 };      /* objects are 8-byte aligned: a free bit */


/* The trace's side of a handle or a timer. */
struct handle_info {
	const char *what;
	struct trace_actor who;
	unsigned id;
	unsigned flags;           /* TRACE_LIBRARY: registered by asyncio's own code */
};

/* 64 bytes, one line.  While tracing, its struct handle_info (the trace's
 * side) follows it in the same allocation (timer_info). */
struct timer {
	struct obj hdr;
	uint64_t cancelled : 1;
	uint64_t in_heap : 1;
	uint64_t has_info : 1;
	uint64_t nargs : 2;       /* the Python callback's arguments: target, then arg */
	uint64_t seq : 59;        /* registration order breaks ties (L2, L8) */
	struct loop *loop;
	double when;
	loop_cb cb;
	void *target;             /* referenced until it fires or is cancelled */
	struct value arg;         /* likewise */
};

static inline struct handle_info *timer_info(const struct timer *t)
{
	return t->has_info ? (struct handle_info *)(uintptr_t)(t + 1) : NULL;
}

static inline size_t timer_size(int has_info)
{
	return sizeof(struct timer) + (has_info ? sizeof(struct handle_info) : 0);
}

/* The timer heap holds each deadline beside its timer, so that sifting
 * compares numbers in one array instead of following a pointer per
 * comparison (a cache miss each, with 100 000 timers).  Equal deadlines
 * are rare outside lessons; only they look at the timer's seq. */
struct heap_entry {
	double when;
	struct timer *t;
};

/* The heap's array is 64-byte aligned and starts HEAP_PAD entries into its
 * allocation, so that every group of four siblings (4i+1 .. 4i+4) fills
 * exactly one cache line (see heap_fill_root). */
enum { HEAP_PAD = 3 };

struct loop {
	struct loop_clock clock;  /* first: see loop_clock_ */
	struct interp *I;
	/* ready FIFO: a ring of handles (capacity a power of two), and the
	 * trace's info about each in a parallel ring, made the first time a
	 * handle is scheduled while tracing */
	struct handle *ring;
	struct value *args;       /* handles' arguments, parallel to ring, made
	                             the first time a handle has one */
	struct handle_info *info;
	size_t head, count, cap;
	/* timers: a 4-ary min-heap on (when, seq) (see heap_grow), and the
	 * next ones to fire, front[front_i .. front_n), taken out of it in
	 * order ahead of time (see "the front of the timer queue") */
	struct heap_entry *heap;
	size_t nheap, capheap, ncancelled;
	struct heap_entry front[32];
	unsigned front_i, front_n;
	uint64_t timer_seq;
	unsigned next_handle;
	struct timespec t0;       /* realtime: start of the clock */
	int running, stopping, closed;
	struct trace_actor who;
};

enum { RING_MIN = 64 };

static double mono_now(const struct loop *L)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - L->t0.tv_sec) + (double)(ts.tv_nsec - L->t0.tv_nsec) / 1e9;
}

double loop_time(const struct loop *L)
{
	return L->clock.realtime ? mono_now(L) : L->clock.now;
}

void loop_advance(struct loop *L, double d)
{
	if (!L->clock.realtime && d > 0) L->clock.now += d;
}

uint64_t loop_iteration(const struct loop *L) { return L->clock.iteration; }
struct interp *loop_interp(const struct loop *L) { return L->I; }
unsigned loop_id(const struct loop *L) { return L->who.id; }
int loop_is_running(const struct loop *L) { return L->running; }
int loop_is_closed(const struct loop *L) { return L->closed; }
size_t loop_ready_count(const struct loop *L) { return L->count; }
size_t loop_timer_count(const struct loop *L) { return L->nheap + (L->front_n - L->front_i) - L->ncancelled; }

struct loop *loop_new(struct interp *I)
{
	struct loop *L = xcalloc(1, sizeof *L);
	L->I = I;
	L->clock.realtime = I->realtime;
	L->who.kind = ACT_LOOP;
	L->who.id = interp_new_id(I, ACT_LOOP);
	L->who.name = "loop";
	L->cap = RING_MIN;
	L->ring = xmalloc(L->cap * sizeof *L->ring);
	clock_gettime(CLOCK_MONOTONIC, &L->t0);
	if (I->loop) {
		/* set_event_loop(new): the old loop keeps its clock for nobody;
		 * carry the virtual time on so the program's clock never goes back. */
		L->clock.now = loop_time(I->loop);
		loop_free(I->loop);
	}
	I->loop = L;
	I->loop_id = L->who.id;
	return L;
}

struct loop *loop_get(struct interp *I)
{
	return I->loop ? I->loop : loop_new(I);
}

/* Drop a timer's references to its callback's target and argument. */
static void timer_release(struct timer *t)
{
	void *target = t->target;
	struct value arg = t->arg;
	t->target = NULL;
	t->arg = value_none();
	obj_unref(target);
	value_unref(arg);
}

/* The handle of an expired timer: run its callback, then drop what the
 * callback held, as the handle of a call_soon does after it runs. */
static void timer_fire(struct interp *I, void *target, struct value arg)
{
	(void)arg;
	struct timer *t = target;
	void *tg = t->target;
	struct value a = t->arg;
	t->target = NULL;
	t->arg = value_none();
	t->cb(I, tg, a);
	obj_unref(tg);
	value_unref(a);
}

static void timer_dealloc(struct obj *o)
{
	struct timer *t = (struct timer *)o;
	timer_release(t);
	obj_free(t, timer_size(t->has_info));
}

/* reprlib.repr(v): what a handle's repr shows of an argument -- the repr,
 * cut to 30 characters around "..." (Repr.maxother; strings keep their
 * reprlib cuts a str before quoting it; no handle here has a str argument). */
static void short_repr_into(char *dst, size_t cap, struct value v)
{
	char *r = value_repr(v);
	size_t n = strlen(r);
	if (n > 30)
		snprintf(dst, cap, "%.13s...%s", r, r + n - 14);
	else
		snprintf(dst, cap, "%s", r);
	free(r);
}

/* TimerHandle.__repr__ (events.py): "<TimerHandle when=1.0
 * _set_result_unless_cancelled(<Future pending>, None)>", or "<TimerHandle
 * cancelled when=1.0>" once cancelled (it then forgets its callback).
 * Without CPython's " at FILE:LINE", as every repr here.  The callback's
 * name is the trace's: a timer's repr is only seen while tracing. */
static char *timer_repr(const struct obj *o)
{
	const struct timer *t = (const struct timer *)o;
	char *when = value_repr(value_float(t->when));
	char a[2][64] = {"", ""};
	int n = 0;
	if (t->nargs > 0 && t->target) {
		struct value v = {(enum value_kind)((const struct obj *)t->target)->kind, {0}};
		v.u.o = t->target;
		short_repr_into(a[n++], sizeof a[0], v);
	}
	if (t->nargs > 1) short_repr_into(a[n++], sizeof a[0], t->arg);
	char *s;
	if (t->cancelled || !t->has_info)
		s = xasprintf("<TimerHandle%s when=%s>", t->cancelled ? " cancelled" : "", when);
	else
		s = xasprintf("<TimerHandle when=%s %s(%s%s%s)>", when, timer_info(t)->what, a[0], n > 1 ? ", " : "",
			      a[1]);
	free(when);
	return s;
}

void timer_set_nargs(struct timer *t, int n) { t->nargs = (uint8_t)n; }

char *loop_repr(const struct loop *L)
{
	return xasprintf("<_UnixSelectorEventLoop running=%s closed=%s debug=False>", L->running ? "True" : "False",
			 L->closed ? "True" : "False");
}

void timer_unref(struct timer *t) { obj_unref(t); }
double timer_when(const struct timer *t) { return t->when; }

void loop_close(struct loop *L)
{
	L->closed = 1;
}

/* The ring with room for cap handles (a power of two, >= count), the
 * queued ones moved to its start. */
static void ready_resize(struct loop *L, size_t cap)
{
	struct handle *ring = xmalloc(cap * sizeof *ring);
	struct value *args = L->args ? xcalloc(cap, sizeof *args) : NULL;
	struct handle_info *info = L->info ? xcalloc(cap, sizeof *info) : NULL;
	for (size_t i = 0; i < L->count; i++) {
		size_t j = (L->head + i) & (L->cap - 1);
		ring[i] = L->ring[j];
		if (args) args[i] = L->args[j];
		if (info) info[i] = L->info[j];
	}
	free(L->ring);
	free(L->args);
	free(L->info);
	L->ring = ring;
	L->args = args;
	L->info = info;
	L->head = 0;
	L->cap = cap;
}

/* A full ring (count == cap) doubled in place: realloc keeps the pages it
 * has (a large block is remapped, not copied), and only the handles that
 * had wrapped round to the start move, to just after the old end. */
static void ready_grow(struct loop *L)
{
	size_t cap = L->cap, head = L->head;
	L->ring = xrealloc(L->ring, 2 * cap * sizeof *L->ring);
	memcpy(&L->ring[cap], L->ring, head * sizeof *L->ring);
	if (L->args) {
		L->args = xrealloc(L->args, 2 * cap * sizeof *L->args);
		memcpy(&L->args[cap], L->args, head * sizeof *L->args);
	}
	if (L->info) {
		L->info = xrealloc(L->info, 2 * cap * sizeof *L->info);
		memcpy(&L->info[cap], L->info, head * sizeof *L->info);
		memset(&L->info[cap + head], 0, (cap - head) * sizeof *L->info);
	}
	L->cap = 2 * cap;
}

/* Take the handle at the head of the FIFO: its callback, and its target and
 * argument (None if it has none) through the pointers.  Not a struct
 * returned whole: built on the stack, it would be read back with wider
 * loads than the stores that wrote it, which stalls on every handle. */
static inline loop_cb ready_pop(struct loop *L, void **target, struct value *arg)
{
	struct handle h = L->ring[L->head];
	*target = (void *)(h.target & ~(uintptr_t)HANDLE_ARG);
	if (h.target & HANDLE_ARG) *arg = L->args[L->head];
	else arg->kind = VAL_NONE;
	L->head = (L->head + 1) & (L->cap - 1);
	L->count--;
	return h.cb;
}

void loop_free(struct loop *L)
{
	if (!L) return;
	while (L->count) {
		void *target;
		struct value arg;
		ready_pop(L, &target, &arg);
		obj_unref(target);
		value_unref(arg);
	}
	for (size_t i = 0; i < L->nheap; i++) {
		L->heap[i].t->in_heap = 0;
		L->heap[i].t->loop = NULL;
		obj_unref(L->heap[i].t);
	}
	for (unsigned i = L->front_i; i < L->front_n; i++) {
		L->front[i].t->in_heap = 0;
		L->front[i].t->loop = NULL;
		obj_unref(L->front[i].t);
	}
	free(L->ring);
	free(L->args);
	free(L->info);
	if (L->heap) free(L->heap - HEAP_PAD);
	if (L->I->loop == L) {
		L->I->loop = NULL;
		L->I->loop_id = 0;
	}
	free(L);
}

static void emit_handle(struct loop *L, enum ev_kind k, const struct handle_info *hi, struct value arg, double when)
{
	struct trace_event ev;
	trace_event_init(&ev, k);
	ev.actor = L->who;
	ev.other = hi->who;
	ev.state_from = ev.state_to = -1;
	ev.handle = hi->id;
	ev.text = hi->what;
	ev.when = when;
	ev.value = arg;
	ev.flags = hi->flags;
	interp_emit(L->I, &ev);
}

/* Room for one more handle with argument arg: a ring with a free slot, and
 * the ring of arguments if arg is not None (made for the first handle that
 * has one).  Apart from ready_push, which is inlined where it is used. */
static __attribute__((noinline)) void ready_make_room(struct loop *L, struct value arg)
{
	if (L->count == L->cap) ready_grow(L);
	if (arg.kind != VAL_NONE && !L->args) L->args = xcalloc(L->cap, sizeof *L->args);
}

/* Append a handle to the FIFO (it takes over the references to target and
 * arg); hi is its trace info, NULL when not tracing.  The slot is written
 * field by field: a handle built on the stack and copied would be read back
 * with wider loads than the stores that wrote it, which stalls (store
 * forwarding) on every call_soon. */
static inline void ready_push(struct loop *L, loop_cb cb, void *target, struct value arg,
			      const struct handle_info *hi)
{
	if (L->count == L->cap || (arg.kind != VAL_NONE && !L->args)) ready_make_room(L, arg);
	size_t j = (L->head + L->count) & (L->cap - 1);
	struct handle *h = &L->ring[j];
	h->cb = cb;
	h->target = (uintptr_t)target;
	if (arg.kind != VAL_NONE) {
		value_put(&L->args[j], arg);
		h->target |= HANDLE_ARG;
	}
	if (hi) {
		if (!L->info) L->info = xcalloc(L->cap, sizeof *L->info);
		L->info[j] = *hi;
	} else if (L->info) {
		memset(&L->info[j], 0, sizeof *L->info);
	}
	L->count++;
}

static unsigned handle_flags(struct loop *L)
{
	return interp_in_library(L->I) ? TRACE_LIBRARY : 0;
}

static __attribute__((noinline)) unsigned call_soon(struct loop *L, loop_cb cb, const char *what, void *target,
						   struct trace_actor who, struct value arg)
{
	unsigned id = ++L->next_handle;
	value_ref(arg);
	obj_ref(target);
	if (trace_on(L->I)) {
		struct handle_info hi = {what, who, id, handle_flags(L)};
		ready_push(L, cb, target, arg, &hi); /* L1: FIFO */
		emit_handle(L, EV_HANDLE_SCHEDULE, &hi, arg, 0);
	} else {
		ready_push(L, cb, target, arg, NULL);
	}
	return id;
}

/* The common case, apart from the rest (call_soon) as in gen_await_step_:
 * no trace, no argument (a task's step), room in the ring. */
unsigned loop_call_soon(struct loop *L, loop_cb cb, const char *what, void *target,
			struct trace_actor who, struct value arg)
{
	if (__builtin_expect(arg.kind != VAL_NONE || L->count == L->cap || L->info || trace_on(L->I), 0))
		return call_soon(L, cb, what, target, who, arg);
	obj_ref(target);
	struct handle *h = &L->ring[(L->head + L->count) & (L->cap - 1)];
	h->cb = cb;
	h->target = (uintptr_t)target;
	L->count++;
	return ++L->next_handle;
}

/* ---- the timer heap ---- */

static int entry_before(const struct heap_entry *a, const struct heap_entry *b)
{
	return a->when < b->when || (a->when == b->when && a->t->seq < b->t->seq);
}

/* Four children per node instead of two: a pop sifts through half as many
 * levels, and the four children it compares at each level share one cache
 * line (see heap_grow), so with a million timers a pop waits for memory
 * about ten times instead of twenty.  The order is the same: (when, seq) is
 * a total order, so any heap pops the same sequence. */
enum { HEAP_ARITY = 4 };

static void heap_up(struct loop *L, size_t i)
{
	struct heap_entry e = L->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / HEAP_ARITY;
		if (!entry_before(&e, &L->heap[p])) break;
		L->heap[i] = L->heap[p];
		i = p;
	}
	L->heap[i] = e;
}

/* The smallest of the four children c .. c+3 on (when, seq).  The three
 * comparisons of deadlines pick the index by arithmetic, not by branches:
 * with deadlines in no particular order each such branch is a coin toss
 * the processor gets wrong half the time, and a pop through 100 000 timers
 * makes about twenty-five of them.  Only when two deadlines that could be
 * the smallest are equal does seq decide, the slow way. */
static size_t heap_min4(const struct heap_entry *h, size_t c)
{
	double w0 = h[c].when, w1 = h[c + 1].when, w2 = h[c + 2].when, w3 = h[c + 3].when;
	size_t a = c + (w1 < w0), b = c + 2 + (w3 < w2);
	double wa = w1 < w0 ? w1 : w0, wb = w3 < w2 ? w3 : w2;
	if (__builtin_expect(w0 == w1 || w2 == w3 || wa == wb, 0)) {
		size_t m = c;
		for (size_t k = c + 1; k < c + HEAP_ARITY; k++)
			if (entry_before(&h[k], &h[m])) m = k;
		return m;
	}
	return a ^ ((a ^ b) & -(size_t)(wb < wa));
}

/* Fill the root's hole with e, the heap's former last entry.  The hole
 * goes down to a leaf along the earliest child first, and e then goes up
 * from there (Floyd's order): e was a leaf, so it nearly always belongs
 * near the bottom again, and the way down needs no comparison with it.
 * While it compares four children, it asks for the next level's sixteen,
 * four whole lines (HEAP_PAD): a prefetch never faults, so the ones past
 * the end cost nothing but the instruction. */
static void heap_fill_root(struct loop *L, struct heap_entry e)
{
	struct heap_entry *h = L->heap;
	size_t n = L->nheap, i = 0;
	for (;;) {
		size_t c = HEAP_ARITY * i + 1, m;
		if (c + HEAP_ARITY <= n) {
			const struct heap_entry *g = &h[HEAP_ARITY * c + 1];
			__builtin_prefetch(g);
			__builtin_prefetch(g + 4);
			__builtin_prefetch(g + 8);
			__builtin_prefetch(g + 12);
			m = heap_min4(h, c);
		} else {
			if (c >= n) break;
			m = c;
			for (size_t k = c + 1; k < n; k++)
				if (entry_before(&h[k], &h[m])) m = k;
		}
		h[i] = h[m];
		i = m;
	}
	while (i > 0) {
		size_t p = (i - 1) / HEAP_ARITY;
		if (!entry_before(&e, &h[p])) break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

static void heap_grow(struct loop *L)
{
	size_t cap = L->capheap ? 2 * L->capheap : 64;
	size_t bytes = (cap + HEAP_PAD) * sizeof(struct heap_entry);
	struct heap_entry *raw = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	if (!raw) abort(); /* as xmalloc does */
	if (L->nheap) memcpy(raw + HEAP_PAD, L->heap, L->nheap * sizeof *L->heap);
	if (L->heap) free(L->heap - HEAP_PAD);
	L->heap = raw + HEAP_PAD;
	L->capheap = cap;
}

/* Take the heap's first entry out. */
static struct heap_entry heap_take(struct loop *L)
{
	struct heap_entry e = L->heap[0];
	struct heap_entry last = L->heap[--L->nheap];
	if (L->nheap) heap_fill_root(L, last);
	return e;
}

static void heap_push(struct loop *L, struct heap_entry e)
{
	if (L->nheap == L->capheap) heap_grow(L);
	L->heap[L->nheap++] = e;
	heap_up(L, L->nheap - 1);
}

/* ---- the front of the timer queue ----
 *
 * With many timers, the next FRONT_MAX to fire are taken out of the heap
 * ahead of time, in order, into L->front.  Every entry of the front comes
 * before every entry of the heap, so popping the front first gives the
 * heap's own order, and a new timer that comes before the front's last
 * entry is put into the front at its place.  What it buys: the loop knows
 * which timers fire next, and starts loading what each will touch (the
 * timer, its future, the task that awaits the future, the task's
 * coroutines) several timers ahead.  When 100 000 timers fire in an order
 * unrelated to their creation, every one of those objects is a cache miss
 * otherwise. */
enum { FRONT_MAX = 32, FRONT_MIN_HEAP = 1024, FRONT_AHEAD = 8 };

static inline int front_empty(const struct loop *L) { return L->front_i == L->front_n; }

/* Top the front up from the heap, its entries moved to its start. */
static void front_fill(struct loop *L)
{
	unsigned n = L->front_n - L->front_i;
	memmove(L->front, &L->front[L->front_i], n * sizeof *L->front);
	for (; n < FRONT_MAX && L->nheap; n++) L->front[n] = heap_take(L);
	L->front_i = 0;
	L->front_n = n;
}

/* The first timer to fire (cancelled or not), or NULL when there is none. */
static inline const struct heap_entry *timer_peek(struct loop *L)
{
	if (front_empty(L)) {
		if (L->nheap < FRONT_MIN_HEAP) return L->nheap ? &L->heap[0] : NULL;
		front_fill(L);
	}
	return &L->front[L->front_i];
}

/* A timer's callback and what it reaches, stage by stage (loop_prefetch). */
static void timer_prefetch(const struct timer *t, int stage)
{
	if (stage == 0) {
		__builtin_prefetch(t);
		__builtin_prefetch((const char *)t + sizeof *t - 1); /* its line, or its two */
	} else {
		loop_prefetch(t->cb, t->target, stage - 1);
	}
}

/* Take the first timer out (there is one: timer_peek said so). */
static struct timer *timer_pop(struct loop *L)
{
	struct timer *t;
	if (!front_empty(L)) {
		t = L->front[L->front_i++].t;
		/* kept FRONT_AHEAD long at least, so that every timer goes
		 * through every stage below before it fires */
		if (L->front_n - L->front_i <= FRONT_AHEAD && L->nheap >= FRONT_MIN_HEAP) front_fill(L);
		/* the timers FRONT_AHEAD-1 .. 0 places behind: one stage
		 * further each, the deepest for the next to fire */
		for (unsigned k = 0; k < FRONT_AHEAD && L->front_i + k < L->front_n; k++)
			timer_prefetch(L->front[L->front_i + k].t, FRONT_AHEAD - 1 - (int)k);
	} else {
		t = heap_take(L).t;
	}
	t->in_heap = 0;
	if (t->cancelled) L->ncancelled--;
	return t;
}

/* A new timer goes into the heap, or into the front when it comes before
 * the front's last entry (the front's last entry then moving to the heap
 * if the front is full). */
static void timer_push(struct loop *L, struct heap_entry e)
{
	if (front_empty(L) || !entry_before(&e, &L->front[L->front_n - 1])) {
		heap_push(L, e);
		return;
	}
	if (L->front_n == FRONT_MAX) {
		if (L->front_i > 0) {
			memmove(L->front, &L->front[L->front_i], (L->front_n - L->front_i) * sizeof *L->front);
			L->front_n -= L->front_i;
			L->front_i = 0;
		} else {
			heap_push(L, L->front[--L->front_n]);
		}
	}
	unsigned i = L->front_n++;
	for (; i > L->front_i && entry_before(&e, &L->front[i - 1]); i--) L->front[i] = L->front[i - 1];
	L->front[i] = e;
}

struct timer *loop_call_at(struct loop *L, double when, loop_cb cb, const char *what, void *target,
			   struct trace_actor who, struct value arg)
{
	int tracing = trace_on(L->I);
	struct timer *t = obj_alloc(timer_size(tracing));
	t->hdr.refcnt = 2; /* the heap's and the caller's */
	t->hdr.kind = VAL_OBJ;
	static uint8_t timer_type;
	obj_set_type(&t->hdr, timer_dealloc, timer_repr, &timer_type);
	t->loop = L;
	t->when = when;
	t->seq = ++L->timer_seq;
	t->cb = cb;
	t->target = target;
	t->arg = value_ref(arg);
	++L->next_handle;
	t->has_info = tracing ? 1 : 0;
	if (tracing) *timer_info(t) = (struct handle_info){what, who, L->next_handle, handle_flags(L)};
	obj_ref(target);
	t->cancelled = 0;
	t->in_heap = 1;
	t->nargs = (target != NULL) + (arg.kind != VAL_NONE);
	timer_push(L, (struct heap_entry){when, t});
	if (tracing) emit_handle(L, EV_TIMER_ADD, timer_info(t), t->arg, when);
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
		if (t->has_info) emit_handle(t->loop, EV_TIMER_CANCEL, timer_info(t), t->arg, t->when);
	}
	/* Mark only: the heap reaps it when it reaches the top, and a queued
	 * handle that came from it is skipped when its turn comes.  Like
	 * TimerHandle.cancel(), drop the callback's references now: a timer
	 * kept by its own target must not keep that target alive. */
	timer_release(t);
}

/* ---- prefetching what a callback will touch ---- */

/* What the timer front prefetches for each kind of callback (see "the
 * front of the timer queue"). */
enum { PF_MAX = 4 };

static struct {
	loop_cb cb;
	void (*fetch)(const void *target, int stage);
} prefetchers[PF_MAX];
static int nprefetchers;

void loop_prefetch_with(loop_cb cb, void (*fetch)(const void *target, int stage))
{
	for (int i = 0; i < nprefetchers; i++)
		if (prefetchers[i].cb == cb) return;
	if (nprefetchers < PF_MAX) {
		prefetchers[nprefetchers].cb = cb;
		prefetchers[nprefetchers].fetch = fetch;
		nprefetchers++;
	}
}

void loop_prefetch(loop_cb cb, const void *target, int stage)
{
	for (int i = 0; i < nprefetchers; i++)
		if (prefetchers[i].cb == cb) {
			prefetchers[i].fetch(target, stage);
			return;
		}
	if (stage == 0) __builtin_prefetch(target);
}


void loop_stop(struct loop *L)
{
	L->stopping = 1;
	if (trace_on(L->I)) interp_event(L->I, EV_LOOP_STOP, L->who);
}

static void reap_cancelled_top(struct loop *L)
{
	const struct heap_entry *e;
	while ((e = timer_peek(L)) && e->t->cancelled) obj_unref(timer_pop(L));
}

static void sleep_until(struct loop *L, double when)
{
	double d = when - mono_now(L);
	if (d <= 0) return;
	struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* What a handle's callback reads first is its target's head: a task's
 * header and state, and the fields a step reads, all in its first 128
 * bytes.  The ring says which target comes READY_AHEAD handles later, so
 * its head is asked for then, without waiting for anything.  (Loading what
 * the target points to, a task's coroutine, would wait for the target.)
 * With a million tasks stepping in turn, a step took 24.3 ns without this
 * and 21.2 with it; with a thousand, in cache already, about 0.7 ns more
 * (the instructions). */
enum { READY_AHEAD = 8 };

/* always_inline: as a function of its own, with no effect GCC can see, a
 * call of it is dropped whole.  The addresses are computed as integers: a
 * handle's target may be NULL, and NULL + 64 is undefined in C (prefetching
 * address 64 is harmless: a prefetch never faults). */
static inline __attribute__((always_inline)) void prefetch_head(const struct loop *L, size_t j)
{
	uintptr_t a = L->ring[j & (L->cap - 1)].target & ~(uintptr_t)HANDLE_ARG;
	__builtin_prefetch((const void *)a);
	__builtin_prefetch((const void *)(a + 64));
	__builtin_prefetch((const void *)(a + 127));
}

void loop_run_once(struct loop *L)
{
	struct interp *I = L->I;

	/* 1. Nothing ready: wait for the earliest timer (the selector's
	 *    timeout); the virtual clock simply jumps there. */
	reap_cancelled_top(L);
	const struct heap_entry *first = timer_peek(L);
	if (L->count == 0 && !L->stopping && first) {
		double when = first->when;
		if (L->clock.realtime) {
			sleep_until(L, when);
		} else if (when > L->clock.now) {
			if (trace_on(I)) {
				struct trace_event ev;
				trace_event_init(&ev, EV_LOOP_CLOCK);
				ev.actor = L->who;
				ev.state_from = ev.state_to = -1;
				ev.when = L->clock.now;
				L->clock.now = when;
				interp_emit(I, &ev);
			}
			L->clock.now = when;
		}
	}
	L->clock.iteration++;

	/* 2. Expired timers go to the END of the ready FIFO, in heap order
	 *    (L2: call_soon beats an already-expired timer).  The queued
	 *    handle takes over the heap's reference to the timer. */
	double end = loop_time(L) + (L->clock.realtime ? 1e-9 : 0);
	size_t before = L->count;
	while ((first = timer_peek(L)) && first->when <= end) {
		struct timer *t = timer_pop(L);
		if (t->cancelled) {
			obj_unref(t);
			continue;
		}
		ready_push(L, timer_fire, t, value_none(), timer_info(t));
		if (t->has_info) emit_handle(L, EV_TIMER_FIRE, timer_info(t), t->arg, t->when);
	}

	/* 3. The snapshot: only what is ready now runs in this iteration. */
	size_t ntodo = L->count;
	if (trace_on(I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_LOOP_ITER);
		ev.actor = L->who;
		ev.state_from = ev.state_to = -1;
		ev.value = value_int((long long)ntodo);
		ev.handle = (unsigned)(ntodo - before);
		interp_emit(I, &ev);
	}

	/* 4. Run them, skipping cancelled ones. */
	for (size_t i = 0; i < ntodo; i++) {
		size_t j = L->head;
		if (i + READY_AHEAD < ntodo) prefetch_head(L, j + READY_AHEAD);
		void *target;
		struct value arg;
		loop_cb cb = ready_pop(L, &target, &arg);
		const struct timer *t = cb == timer_fire ? target : NULL;
		if (!(t && t->cancelled)) {
			if (trace_on(I)) {
				static const struct handle_info none;
				emit_handle(L, EV_HANDLE_RUN, L->info ? &L->info[j] : &none, t ? t->arg : arg,
					    t ? t->when : 0);
			}
			/* The last handle: the ring can give its memory back before
			 * this callback runs, as below (without the snapshot's
			 * handles to move, nor the info the trace event used). */
			if (!L->count && L->cap > 16 * RING_MIN) ready_resize(L, RING_MIN);
			cb(I, target, arg);
		}
		obj_unref(target);
		value_unref(arg);
	}

	/* A FIFO that has drained gives its memory back: 100 000 tasks'
	 * first steps leave a ring of 5 MB behind otherwise. */
	if (L->cap > 16 * RING_MIN && L->count < L->cap / 16) {
		size_t cap = RING_MIN;
		while (cap < 2 * L->count) cap *= 2;
		ready_resize(L, cap);
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
		if (!L->count && !timer_peek(L) && !L->stopping) {
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
