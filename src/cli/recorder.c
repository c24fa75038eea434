/* recorder.c -- events kept as compact records, and the state after any of
 * them rebuilt by folding (see recorder.h).
 *
 * The fold follows the rules the engine follows, read back from its events:
 *   tasks     task.create adds one (PENDING, driving `other`); future.result,
 *             future.exception and future.cancel about a task finish it;
 *             task.wait / task.wakeup set and clear what it waits for;
 *             task.step .. task.step-end is the task running.
 *   ready     handle.schedule appends {handle, what, target}; timer.fire
 *             appends the timer's; handle.run pops the queue up to that
 *             handle.  The loop skips a cancelled timer's handle without an
 *             event, so a handle.run also drops what was queued before it
 *             (FIFO, L1), and loop.iteration first drops what is left of the
 *             previous iteration's snapshot (L0) and then records the new one
 *             (its value is ntodo).
 *   timers    timer.add adds, timer.cancel and timer.fire remove.
 *   frames    gen.create, gen.resume, gen.yield (line, locals), gen.return
 *             and gen.raise move a generator through its states; gen.await
 *             records what it delegates to.
 * Everything in a state is plain arrays of plain structs, so a checkpoint
 * is a copy of a few blocks of memory.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "../engine/future.h"
#include "../engine/gen.h"
#include "recorder.h"

/* Reprs and locals longer than this are cut (at a character boundary) and
 * end with "…": a repr of a set of a million tasks is not for reading. */
enum { REPR_MAX = 4096 };

enum {
	CHECK_MIN = 4096,   /* events between two checkpoints, at least ... */
	CHECK_RATIO = 16    /* ... and at least a state's bytes / this */
};

/* --- growable arrays and a hash map --- */

struct vec {
	char *p;
	size_t n, cap;
};

static void *vec_push(struct vec *v, size_t size)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->p = xrealloc(v->p, v->cap * size);
	}
	return v->p + v->n++ * size;
}

static void vec_copy(struct vec *dst, const struct vec *src, size_t size)
{
	dst->n = dst->cap = src->n;
	dst->p = src->n ? xmalloc(src->n * size) : NULL;
	if (src->n)
		memcpy(dst->p, src->p, src->n * size);
}

#define VEC_AT(v, type, i) (((type *)(v)->p)[i])

/* uint64 key -> uint32 index; vals[i] == 0 marks an empty slot, so the
 * index stored is one more than the real one. */
struct map {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
};

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static uint32_t map_get(const struct map *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return 0;
	for (i = mix(key) & (m->cap - 1); m->vals[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return 0;
}

static void map_put(struct map *m, uint64_t key, uint32_t val);

static void map_grow(struct map *m)
{
	struct map old = *m;
	size_t i;

	m->cap = old.cap ? 2 * old.cap : 64;
	m->n = 0;
	m->keys = xmalloc(m->cap * sizeof *m->keys);
	m->vals = xcalloc(m->cap, sizeof *m->vals);
	for (i = 0; i < old.cap; i++)
		if (old.vals[i])
			map_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

/* Sets key's value (val != 0). */
static void map_put(struct map *m, uint64_t key, uint32_t val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap)
		map_grow(m);
	for (i = mix(key) & (m->cap - 1); m->vals[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return;
		}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
}

static void map_copy(struct map *dst, const struct map *src)
{
	*dst = *src;
	if (!src->cap)
		return;
	dst->keys = xmalloc(src->cap * sizeof *dst->keys);
	dst->vals = xmalloc(src->cap * sizeof *dst->vals);
	memcpy(dst->keys, src->keys, src->cap * sizeof *dst->keys);
	memcpy(dst->vals, src->vals, src->cap * sizeof *dst->vals);
}

static void map_free(struct map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static size_t map_bytes(const struct map *m)
{
	return m->cap * (sizeof *m->keys + sizeof *m->vals);
}

/* --- the state --- */

struct timer_ent {
	struct rec_handle h;
	uint32_t active_pos;  /* its place in `active` while pending */
	uint8_t alive;
};

struct rec_state {
	struct recorder *r;
	uint64_t pos;
	struct vec tasks, gens, futures;   /* rec_task, rec_gen, rec_future */
	struct map task_ix, gen_ix, fut_ix;
	struct vec ready;                  /* rec_handle; live from ready_head */
	size_t ready_head, batch_left;
	struct vec timers;                 /* timer_ent, every timer of the loop */
	struct vec active;                 /* uint32_t: indices of pending timers */
	struct map timer_ix;               /* handle id -> timers index */
	struct vec running;                /* rec_actor: the generators running */
	struct rec_actor cur_task;         /* kind ACT_NONE: no task step runs */
	uint32_t loop_id;
	int loop_seen;
};

struct checkpoint {
	uint64_t pos;
	struct rec_state *st;
};

struct recorder {
	struct vec events;         /* rec_event */
	/* interned strings: bytes in pool, each NUL-terminated */
	struct vec pool;           /* char */
	struct vec offs;           /* size_t: string id -> offset in pool */
	struct map strs;           /* hash of the bytes -> id (chained by probing) */
	struct vec checks;         /* checkpoint, in increasing pos */
	int full;
	struct rec_flat_buf buf;   /* for the live sink */
};

/* --- strings --- */

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

const char *recorder_str(const struct recorder *r, uint32_t id)
{
	if (!id || id >= r->offs.n)
		return NULL;
	return r->pool.p + VEC_AT(&r->offs, size_t, id);
}

const char *recorder_cstr(const struct recorder *r, uint32_t id)
{
	const char *s = recorder_str(r, id);

	return s ? s : "";
}

/* Probes the string table the way map_get does, but compares the bytes. */
static uint32_t find_str(const struct recorder *r, const char *s, size_t n, uint64_t h)
{
	const struct map *m = &r->strs;
	size_t i;

	if (!m->cap)
		return 0;
	for (i = mix(h) & (m->cap - 1); m->vals[i]; i = (i + 1) & (m->cap - 1)) {
		const char *t;
		if (m->keys[i] != h)
			continue;
		t = recorder_str(r, m->vals[i]);
		if (strlen(t) == n && !memcmp(t, s, n))
			return m->vals[i];
	}
	return 0;
}

uint32_t recorder_find_str(const struct recorder *r, const char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	return find_str(r, s, n, hash_str(s, n));
}

/* The strings table keeps duplicates of a hash apart by probing on: its
 * own insert, since map_put would overwrite an equal key. */
static void strs_insert(struct map *m, uint64_t h, uint32_t id)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct map old = *m;
		size_t j;
		m->cap = old.cap ? 2 * old.cap : 1024;
		m->n = 0;
		m->keys = xmalloc(m->cap * sizeof *m->keys);
		m->vals = xcalloc(m->cap, sizeof *m->vals);
		for (j = 0; j < old.cap; j++)
			if (old.vals[j])
				strs_insert(m, old.keys[j], old.vals[j]);
		free(old.keys);
		free(old.vals);
	}
	for (i = mix(h) & (m->cap - 1); m->vals[i]; i = (i + 1) & (m->cap - 1))
		;
	m->keys[i] = h;
	m->vals[i] = id;
	m->n++;
}

static uint32_t intern(struct recorder *r, const char *s)
{
	size_t n;
	uint64_t h;
	uint32_t id;
	size_t off;

	if (!s)
		return 0;
	n = strlen(s);
	h = hash_str(s, n);
	id = find_str(r, s, n, h);
	if (id)
		return id;
	while (r->pool.cap < r->pool.n + n + 1) {
		r->pool.cap = r->pool.cap ? 2 * r->pool.cap : 4096;
		r->pool.p = xrealloc(r->pool.p, r->pool.cap);
	}
	off = r->pool.n;
	memcpy(r->pool.p + off, s, n + 1);
	r->pool.n += n + 1;
	id = (uint32_t)r->offs.n;
	*(size_t *)vec_push(&r->offs, sizeof(size_t)) = off;
	strs_insert(&r->strs, h, id);
	return id;
}

/* --- from engine events --- */

int rec_value_wanted(int kind, int value_is_none)
{
	if (!value_is_none)
		return 1;
	return kind == EV_GEN_RESUME || kind == EV_GEN_YIELD || kind == EV_GEN_RETURN ||
	       kind == EV_FUT_RESULT;
}

int rec_when_wanted(int kind)
{
	return kind == EV_TIMER_ADD || kind == EV_TIMER_FIRE || kind == EV_TIMER_CANCEL ||
	       kind == EV_LOOP_CLOCK;
}

/* s cut to REPR_MAX bytes at a character boundary, "…" added; s is freed
 * when it is replaced. */
static char *cut_repr(char *s)
{
	size_t n = strlen(s);
	char *c;

	if (n <= REPR_MAX)
		return s;
	n = REPR_MAX;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	c = xasprintf("%.*s…", (int)n, s);
	free(s);
	return c;
}

char *rec_flat_handle_desc(const struct rec_flat *f)
{
	const struct rec_flat_actor *o = &f->other;
	const char *what = f->text ? f->text : "";
	const char *oname = o->name && *o->name ? o->name : trace_actor_kind_name((enum actor_kind)o->kind);
	int method = o->kind == ACT_TASK || o->kind == ACT_FUTURE || o->kind == ACT_GEN ||
		     o->kind == ACT_CORO;
	const char *arg = "";

	if (f->vactor.kind == ACT_TASK || f->vactor.kind == ACT_FUTURE)
		arg = f->vactor.name ? f->vactor.name : "";
	else if (f->value)
		arg = f->value;
	if (method)
		return xasprintf("%s.%s(%s)", oname, what, arg);
	return xasprintf("%s(%s)", *what ? what : oname, arg);
}

static struct rec_flat_actor flat_actor(const struct trace_actor *a)
{
	struct rec_flat_actor f = {(int)a->kind, a->id, a->name};

	return f;
}

void rec_flat_buf_fini(struct rec_flat_buf *buf)
{
	free(buf->value);
	free(buf->exc);
	free(buf->frame);
	buf->value = buf->exc = buf->frame = NULL;
}

void rec_flat_from_event(struct rec_flat *f, const struct trace_event *ev,
			 struct rec_flat_buf *buf)
{
	struct value v = ev->value;

	rec_flat_buf_fini(buf);
	memset(f, 0, sizeof *f);
	f->seq = ev->seq;
	f->time = ev->time;
	f->iteration = ev->iteration;
	f->kind = (int)ev->kind;
	f->actor = flat_actor(&ev->actor);
	f->other = flat_actor(&ev->other);
	f->line = ev->line;
	f->state_from = ev->state_from;
	f->state_to = ev->state_to;
	f->handle = ev->handle;
	f->flags = ev->flags & (TRACE_SET_ORDER | TRACE_LIBRARY);
	f->when = ev->when;
	f->text = ev->text;
	f->frame = ev->frame;
	if (ev->frame && strlen(ev->frame) > REPR_MAX) {
		buf->frame = cut_repr(xstrdup(ev->frame));
		f->frame = buf->frame;
	}
	if (rec_value_wanted(f->kind, value_is_none(v))) {
		struct exc *e = value_exc(v);
		buf->value = cut_repr(value_repr(v));
		f->value = buf->value;
		if (e) {
			buf->exc = cut_repr(exc_format(e));
			f->exc = buf->exc;
		}
	}
	if (v.kind == VAL_GEN) {
		struct trace_actor a = gen_actor(value_gen(v));
		f->vactor = flat_actor(&a);
	} else if (v.kind == VAL_FUTURE) {
		struct trace_actor va = future_actor(value_future(v));
		f->vactor = flat_actor(&va);
	}
}

/* --- the record --- */

void trace_meta_fini(struct trace_meta *m)
{
	size_t i;

	free(m->slug);
	free(m->title);
	free(m->chapter);
	free(m->language);
	free(m->python);
	free(m->generator);
	for (i = 0; i < m->nknobs; i++) {
		free(m->knobs[i].name);
		free(m->knobs[i].v);
	}
	free(m->knobs);
	memset(m, 0, sizeof *m);
}

struct recorder *recorder_new(void)
{
	struct recorder *r = xcalloc(1, sizeof *r);

	/* id 0 is "no string" */
	*(size_t *)vec_push(&r->offs, sizeof(size_t)) = 0;
	return r;
}

void recorder_free(struct recorder *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->checks.n; i++)
		rec_state_free(VEC_AT(&r->checks, struct checkpoint, i).st);
	free(r->checks.p);
	free(r->events.p);
	free(r->pool.p);
	free(r->offs.p);
	map_free(&r->strs);
	rec_flat_buf_fini(&r->buf);
	free(r);
}

static struct rec_actor rec_actor_of(struct recorder *r, const struct rec_flat_actor *a)
{
	struct rec_actor ra;

	ra.kind = (uint8_t)(a->kind >= 0 && a->kind < 256 ? a->kind : ACT_NONE);
	ra.id = a->id;
	ra.name = intern(r, a->name);
	return ra;
}

int recorder_add(struct recorder *r, const struct rec_flat *f)
{
	struct rec_event *e;

	if (r->events.n >= REC_MAX_EVENTS) {
		r->full = 1;
		return -1;
	}
	e = vec_push(&r->events, sizeof *e);
	memset(e, 0, sizeof *e);
	e->time = f->time;
	e->when = f->when;
	e->iteration = f->iteration;
	e->actor = rec_actor_of(r, &f->actor);
	e->other = rec_actor_of(r, &f->other);
	e->vactor = rec_actor_of(r, &f->vactor);
	e->line = f->line;
	e->handle = f->handle;
	e->value = intern(r, f->value);
	e->exc = intern(r, f->exc);
	e->text = intern(r, f->text);
	e->frame = intern(r, f->frame);
	e->kind = (uint8_t)f->kind;
	e->flags = (uint8_t)f->flags;
	e->state_from = (int8_t)(f->state_from >= -1 && f->state_from < 100 ? f->state_from : -1);
	e->state_to = (int8_t)(f->state_to >= -1 && f->state_to < 100 ? f->state_to : -1);
	return 0;
}

static void sink_emit(void *ud, const struct trace_event *ev)
{
	struct recorder *r = ud;
	struct rec_flat f;

	if (r->full)
		return;
	rec_flat_from_event(&f, ev, &r->buf);
	recorder_add(r, &f);
}

struct trace_sink recorder_sink(struct recorder *r)
{
	struct trace_sink s = {sink_emit, r};

	return s;
}

int recorder_full(const struct recorder *r)
{
	return r->full;
}

uint64_t recorder_count(const struct recorder *r)
{
	return r->events.n;
}

const struct rec_event *recorder_event(const struct recorder *r, uint64_t seq)
{
	if (seq < 1 || seq > r->events.n)
		return NULL;
	return &VEC_AT(&r->events, struct rec_event, seq - 1);
}

static struct rec_flat_actor flat_of(const struct recorder *r, const struct rec_actor *a)
{
	struct rec_flat_actor f = {a->kind, a->id, recorder_str(r, a->name)};

	return f;
}

int recorder_flat(const struct recorder *r, uint64_t seq, struct rec_flat *f)
{
	const struct rec_event *e = recorder_event(r, seq);

	if (!e)
		return -1;
	memset(f, 0, sizeof *f);
	f->seq = seq;
	f->time = e->time;
	f->iteration = e->iteration;
	f->kind = e->kind;
	f->actor = flat_of(r, &e->actor);
	f->other = flat_of(r, &e->other);
	f->vactor = flat_of(r, &e->vactor);
	f->line = e->line;
	f->state_from = e->state_from;
	f->state_to = e->state_to;
	f->handle = e->handle;
	f->flags = e->flags;
	f->when = e->when;
	f->value = recorder_str(r, e->value);
	f->exc = recorder_str(r, e->exc);
	f->text = recorder_str(r, e->text);
	f->frame = recorder_str(r, e->frame);
	return 0;
}

static size_t state_bytes(const struct rec_state *s);

/* --- folding --- */

static uint64_t key_of(const struct rec_actor *a)
{
	return (uint64_t)a->kind << 32 | a->id;
}

static int same_actor(const struct rec_actor *a, const struct rec_actor *b)
{
	return a->kind == b->kind && a->id == b->id;
}

static const struct rec_actor no_actor;

static struct rec_task *task_get(struct rec_state *s, const struct rec_actor *a, uint64_t seq)
{
	uint32_t i = map_get(&s->task_ix, a->id);
	struct rec_task *t;

	if (i)
		return &VEC_AT(&s->tasks, struct rec_task, i - 1);
	t = vec_push(&s->tasks, sizeof *t);
	memset(t, 0, sizeof *t);
	t->who = *a;
	t->created = seq;
	t->state = FUT_PENDING;
	map_put(&s->task_ix, a->id, (uint32_t)s->tasks.n);
	return t;
}

static struct rec_gen *gen_get(struct rec_state *s, const struct rec_actor *a, uint64_t seq)
{
	uint32_t i = map_get(&s->gen_ix, key_of(a));
	struct rec_gen *g;

	if (i)
		return &VEC_AT(&s->gens, struct rec_gen, i - 1);
	g = vec_push(&s->gens, sizeof *g);
	memset(g, 0, sizeof *g);
	g->who = *a;
	g->created = seq;
	g->state = GEN_CREATED;
	map_put(&s->gen_ix, key_of(a), (uint32_t)s->gens.n);
	return g;
}

static struct rec_future *fut_get(struct rec_state *s, const struct rec_actor *a)
{
	uint32_t i = map_get(&s->fut_ix, a->id);
	struct rec_future *f;

	if (i)
		return &VEC_AT(&s->futures, struct rec_future, i - 1);
	f = vec_push(&s->futures, sizeof *f);
	memset(f, 0, sizeof *f);
	f->who = *a;
	f->state = FUT_PENDING;
	map_put(&s->fut_ix, a->id, (uint32_t)s->futures.n);
	return f;
}

const struct rec_task *rec_state_task(const struct rec_state *s, uint32_t id)
{
	uint32_t i = map_get(&s->task_ix, id);

	return i ? &VEC_AT(&s->tasks, struct rec_task, i - 1) : NULL;
}

const struct rec_gen *rec_state_gen(const struct rec_state *s, int kind, uint32_t id)
{
	uint32_t i = map_get(&s->gen_ix, (uint64_t)(uint8_t)kind << 32 | id);

	return i ? &VEC_AT(&s->gens, struct rec_gen, i - 1) : NULL;
}

const struct rec_future *rec_state_future(const struct rec_state *s, uint32_t id)
{
	uint32_t i = map_get(&s->fut_ix, id);

	return i ? &VEC_AT(&s->futures, struct rec_future, i - 1) : NULL;
}

int rec_state_done(const struct rec_state *s, const struct rec_actor *a)
{
	const struct rec_task *t;
	const struct rec_future *f;
	const struct rec_gen *g;

	switch (a->kind) {
	case ACT_TASK:
		t = rec_state_task(s, a->id);
		return t && t->state != FUT_PENDING;
	case ACT_FUTURE:
		f = rec_state_future(s, a->id);
		return f && f->state != FUT_PENDING;
	case ACT_GEN:
	case ACT_CORO:
		g = rec_state_gen(s, a->kind, a->id);
		return g && g->state == GEN_CLOSED;
	default:
		return 0;
	}
}

/* --- the ready queue and the timers --- */

static size_t ready_len(const struct rec_state *s)
{
	return s->ready.n - s->ready_head;
}

static void ready_push(struct rec_state *s, const struct rec_handle *h)
{
	if (s->ready_head && s->ready.n == s->ready.cap && 2 * s->ready_head >= s->ready.n) {
		size_t live = ready_len(s);
		memmove(s->ready.p, s->ready.p + s->ready_head * sizeof *h, live * sizeof *h);
		s->ready.n = live;
		s->ready_head = 0;
	}
	*(struct rec_handle *)vec_push(&s->ready, sizeof *h) = *h;
}

static void ready_pop(struct rec_state *s, size_t k)
{
	if (k > ready_len(s))
		k = ready_len(s);
	s->ready_head += k;
	s->batch_left = s->batch_left > k ? s->batch_left - k : 0;
	if (s->ready_head == s->ready.n)
		s->ready_head = s->ready.n = 0;
}

/* Handle id runs: it and everything queued before it leave the queue. */
static void ready_ran(struct rec_state *s, uint32_t id)
{
	size_t i, n = ready_len(s);
	const struct rec_handle *q = (const struct rec_handle *)s->ready.p + s->ready_head;

	for (i = 0; i < n; i++)
		if (q[i].id == id) {
			ready_pop(s, i + 1);
			return;
		}
}

static void timer_add(struct rec_state *s, const struct rec_handle *h)
{
	struct timer_ent *t = vec_push(&s->timers, sizeof *t);

	t->h = *h;
	t->alive = 1;
	t->active_pos = (uint32_t)s->active.n;
	*(uint32_t *)vec_push(&s->active, sizeof(uint32_t)) = (uint32_t)(s->timers.n - 1);
	map_put(&s->timer_ix, h->id, (uint32_t)s->timers.n);
}

/* Removes pending timer id; returns it, or NULL. */
static struct timer_ent *timer_take(struct rec_state *s, uint32_t id)
{
	uint32_t i = map_get(&s->timer_ix, id);
	struct timer_ent *t, *moved;
	uint32_t last;

	if (!i)
		return NULL;
	t = &VEC_AT(&s->timers, struct timer_ent, i - 1);
	if (!t->alive)
		return NULL;
	t->alive = 0;
	last = VEC_AT(&s->active, uint32_t, s->active.n - 1);
	VEC_AT(&s->active, uint32_t, t->active_pos) = last;
	moved = &VEC_AT(&s->timers, struct timer_ent, last);
	moved->active_pos = t->active_pos;
	s->active.n--;
	return t;
}

static void loop_reset(struct rec_state *s)
{
	s->ready.n = s->ready_head = s->batch_left = 0;
	s->timers.n = s->active.n = 0;
	map_free(&s->timer_ix);
}

/* A second loop (set_event_loop(new_event_loop())) starts with an empty
 * queue and its own handle numbers: the old loop's are gone with it. */
static void loop_check(struct rec_state *s, const struct rec_event *e)
{
	if (e->actor.kind != ACT_LOOP)
		return;
	if (s->loop_seen && s->loop_id != e->actor.id)
		loop_reset(s);
	s->loop_seen = 1;
	s->loop_id = e->actor.id;
}

static struct rec_handle handle_of(const struct rec_event *e, uint64_t seq)
{
	struct rec_handle h;

	memset(&h, 0, sizeof h);
	h.id = e->handle;
	h.text = e->text;
	h.other = e->other;
	h.vactor = e->vactor;
	h.value = e->value;
	h.when = e->when;
	h.seq = seq;
	return h;
}

/* --- generators --- */

/* g stops running: it leaves the stack of running frames, with whatever
 * it resumed that has not reported back (none, in a consistent trace). */
static void running_pop(struct rec_state *s, const struct rec_actor *a)
{
	size_t i = s->running.n;

	while (i > 0) {
		i--;
		if (same_actor(&VEC_AT(&s->running, struct rec_actor, i), a)) {
			s->running.n = i;
			return;
		}
	}
}

static void apply(struct rec_state *s, const struct rec_event *e, uint64_t seq)
{
	struct rec_gen *g;
	struct rec_task *t;
	struct rec_future *f;
	struct rec_handle h;
	struct timer_ent *te;

	switch ((enum ev_kind)e->kind) {
	case EV_GEN_CREATE:
		g = gen_get(s, &e->actor, seq);
		g->library = (e->flags & TRACE_LIBRARY) != 0;
		g->last = seq;
		break;
	case EV_GEN_RESUME:
		g = gen_get(s, &e->actor, seq);
		g->last = seq;
		if (e->state_to >= 0)
			g->state = (uint8_t)e->state_to;
		/* The awaited future is done: this resume takes its result and
		 * the await is over (Future.__await__ returns). */
		if (g->awaits.kind == ACT_FUTURE || g->awaits.kind == ACT_TASK) {
			if (rec_state_done(s, &g->awaits))
				g->awaits = no_actor;
		}
		if (g->state == GEN_RUNNING) {
			*(struct rec_actor *)vec_push(&s->running, sizeof e->actor) = e->actor;
		} else if (g->state == GEN_CLOSED) {
			/* close() of a generator that never started (G6) */
			g->awaits = no_actor;
			g->locals = 0;
		}
		break;
	case EV_GEN_YIELD:
		g = gen_get(s, &e->actor, seq);
		g->last = seq;
		g->state = GEN_SUSPENDED;
		g->line = e->line;
		g->locals = e->frame;
		running_pop(s, &e->actor);
		break;
	case EV_GEN_RETURN:
	case EV_GEN_RAISE:
		g = gen_get(s, &e->actor, seq);
		g->last = seq;
		g->state = GEN_CLOSED;
		if (e->line)
			g->line = e->line;
		g->locals = 0;
		g->awaits = no_actor;
		g->outcome = e->value;
		g->outcome_exc = e->kind == EV_GEN_RAISE ? e->exc : 0;
		running_pop(s, &e->actor);
		break;
	case EV_GEN_AWAIT:
		g = gen_get(s, &e->actor, seq);
		g->last = seq;
		g->awaits = e->other;
		break;
	case EV_FUT_CREATE:
		if (e->actor.kind == ACT_FUTURE)
			fut_get(s, &e->actor);
		break;
	case EV_FUT_RESULT:
	case EV_FUT_EXCEPTION:
	case EV_FUT_CANCEL: {
		uint8_t st = e->kind == EV_FUT_CANCEL ? FUT_CANCELLED : FUT_FINISHED;
		uint32_t out = e->kind == EV_FUT_CANCEL ? 0 : e->value;
		uint32_t exc = e->kind == EV_FUT_EXCEPTION ? e->exc : 0;
		if (e->actor.kind == ACT_TASK) {
			t = task_get(s, &e->actor, seq);
			t->state = st;
			t->outcome = out;
			t->outcome_exc = exc;
			t->cancelling = 0;
			t->waits = no_actor;
		} else if (e->actor.kind == ACT_FUTURE) {
			f = fut_get(s, &e->actor);
			f->state = st;
			f->outcome = out;
			f->outcome_exc = exc;
		}
		break;
	}
	case EV_FUT_CANCEL_REQUEST:
		if (e->actor.kind == ACT_TASK)
			task_get(s, &e->actor, seq)->cancelling = 1;
		break;
	case EV_TASK_CREATE:
		t = task_get(s, &e->actor, seq);
		t->coro = e->other;
		break;
	case EV_TASK_STEP:
		t = task_get(s, &e->actor, seq);
		t->waits = no_actor;
		s->cur_task = e->actor;
		break;
	case EV_TASK_STEP_END:
		s->cur_task = no_actor;
		break;
	case EV_TASK_WAIT:
		task_get(s, &e->actor, seq)->waits = e->other;
		break;
	case EV_TASK_WAKEUP:
		task_get(s, &e->actor, seq)->waits = no_actor;
		break;
	case EV_LOOP_START:
		loop_check(s, e);
		break;
	case EV_LOOP_ITER: {
		const char *v = recorder_str(s->r, e->value);
		loop_check(s, e);
		ready_pop(s, s->batch_left);
		s->batch_left = v ? (size_t)strtoull(v, NULL, 10) : 0;
		if (s->batch_left > ready_len(s))
			s->batch_left = ready_len(s);
		break;
	}
	case EV_LOOP_END:
		loop_check(s, e);
		ready_pop(s, s->batch_left);
		break;
	case EV_HANDLE_SCHEDULE:
		loop_check(s, e);
		h = handle_of(e, seq);
		ready_push(s, &h);
		break;
	case EV_HANDLE_RUN:
		loop_check(s, e);
		ready_ran(s, e->handle);
		break;
	case EV_TIMER_ADD:
		loop_check(s, e);
		h = handle_of(e, seq);
		timer_add(s, &h);
		break;
	case EV_TIMER_FIRE:
		loop_check(s, e);
		te = timer_take(s, e->handle);
		h = te ? te->h : handle_of(e, seq);
		ready_push(s, &h);
		break;
	case EV_TIMER_CANCEL:
		loop_check(s, e);
		timer_take(s, e->handle);
		break;
	default:
		break;
	}
}

/* --- states and checkpoints --- */

struct rec_state *rec_state_new(struct recorder *r)
{
	struct rec_state *s = xcalloc(1, sizeof *s);

	s->r = r;
	return s;
}

static void state_clear(struct rec_state *s)
{
	free(s->tasks.p);
	free(s->gens.p);
	free(s->futures.p);
	free(s->ready.p);
	free(s->timers.p);
	free(s->active.p);
	free(s->running.p);
	map_free(&s->task_ix);
	map_free(&s->gen_ix);
	map_free(&s->fut_ix);
	map_free(&s->timer_ix);
}

void rec_state_free(struct rec_state *s)
{
	if (!s)
		return;
	state_clear(s);
	free(s);
}

static size_t state_bytes(const struct rec_state *s)
{
	return sizeof *s + s->tasks.cap * sizeof(struct rec_task) +
	       s->gens.cap * sizeof(struct rec_gen) + s->futures.cap * sizeof(struct rec_future) +
	       s->ready.cap * sizeof(struct rec_handle) + s->timers.cap * sizeof(struct timer_ent) +
	       s->active.cap * sizeof(uint32_t) + s->running.cap * sizeof(struct rec_actor) +
	       map_bytes(&s->task_ix) + map_bytes(&s->gen_ix) + map_bytes(&s->fut_ix) +
	       map_bytes(&s->timer_ix);
}

/* dst (cleared) becomes a copy of src. */
static void state_copy(struct rec_state *dst, const struct rec_state *src)
{
	struct rec_handle *q = (struct rec_handle *)src->ready.p + src->ready_head;
	size_t live = src->ready.n - src->ready_head;

	*dst = *src;
	vec_copy(&dst->tasks, &src->tasks, sizeof(struct rec_task));
	vec_copy(&dst->gens, &src->gens, sizeof(struct rec_gen));
	vec_copy(&dst->futures, &src->futures, sizeof(struct rec_future));
	vec_copy(&dst->timers, &src->timers, sizeof(struct timer_ent));
	vec_copy(&dst->active, &src->active, sizeof(uint32_t));
	vec_copy(&dst->running, &src->running, sizeof(struct rec_actor));
	map_copy(&dst->task_ix, &src->task_ix);
	map_copy(&dst->gen_ix, &src->gen_ix);
	map_copy(&dst->fut_ix, &src->fut_ix);
	map_copy(&dst->timer_ix, &src->timer_ix);
	/* the ready queue from its head: the consumed part is not kept */
	dst->ready.n = dst->ready.cap = live;
	dst->ready_head = 0;
	dst->ready.p = live ? xmalloc(live * sizeof *q) : NULL;
	if (live)
		memcpy(dst->ready.p, q, live * sizeof *q);
}

static void state_reset(struct rec_state *s)
{
	struct recorder *r = s->r;

	state_clear(s);
	memset(s, 0, sizeof *s);
	s->r = r;
}

/* The last checkpoint at or before pos, or NULL. */
static const struct checkpoint *check_before(const struct recorder *r, uint64_t pos)
{
	size_t lo = 0, hi = r->checks.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (VEC_AT(&r->checks, struct checkpoint, mid).pos <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &VEC_AT(&r->checks, struct checkpoint, lo - 1) : NULL;
}

/* After folding event s->pos for the first time: keep a copy when the
 * last checkpoint is far enough behind.  The distance grows with the
 * state, so checkpoints never cost more than 1/CHECK_RATIO of a byte per
 * byte of state and event. */
static void maybe_checkpoint(struct rec_state *s)
{
	struct recorder *r = s->r;
	uint64_t last = r->checks.n ? VEC_AT(&r->checks, struct checkpoint, r->checks.n - 1).pos : 0;
	uint64_t gap = state_bytes(s) / CHECK_RATIO;
	struct checkpoint *c;

	if (s->pos <= last)
		return;
	if (gap < CHECK_MIN)
		gap = CHECK_MIN;
	if (s->pos - last < gap)
		return;
	c = vec_push(&r->checks, sizeof *c);
	c->pos = s->pos;
	c->st = xcalloc(1, sizeof *c->st);
	state_copy(c->st, s);
}

void rec_state_seek(struct rec_state *s, uint64_t pos)
{
	const struct checkpoint *c;
	uint64_t n = recorder_count(s->r);

	if (pos > n)
		pos = n;
	c = check_before(s->r, pos);
	/* Back, or far ahead past a checkpoint: start again from the best
	 * checkpoint (or the beginning) instead of folding from here. */
	if (pos < s->pos || (c && c->pos > s->pos)) {
		state_reset(s);
		if (c)
			state_copy(s, c->st);
	}
	while (s->pos < pos) {
		s->pos++;
		apply(s, recorder_event(s->r, s->pos), s->pos);
		maybe_checkpoint(s);
	}
}

uint64_t rec_state_pos(const struct rec_state *s)
{
	return s->pos;
}

/* --- queries --- */

size_t rec_state_tasks(const struct rec_state *s, const struct rec_task **v)
{
	*v = (const struct rec_task *)s->tasks.p;
	return s->tasks.n;
}

size_t rec_state_gens(const struct rec_state *s, const struct rec_gen **v)
{
	*v = (const struct rec_gen *)s->gens.p;
	return s->gens.n;
}

size_t rec_state_ready(const struct rec_state *s, const struct rec_handle **v, size_t *nbatch)
{
	/* no pointer arithmetic on an empty (NULL) queue: that is undefined */
	*v = s->ready.p ? (const struct rec_handle *)s->ready.p + s->ready_head : NULL;
	if (nbatch)
		*nbatch = s->batch_left;
	return ready_len(s);
}

static int timer_cmp(const void *a, const void *b)
{
	const struct rec_handle *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t rec_state_timers(const struct rec_state *s, struct rec_handle **v)
{
	size_t i, n = s->active.n;

	*v = xmalloc((n ? n : 1) * sizeof **v);
	for (i = 0; i < n; i++)
		(*v)[i] = VEC_AT(&s->timers, struct timer_ent, VEC_AT(&s->active, uint32_t, i)).h;
	qsort(*v, n, sizeof **v, timer_cmp);
	return n;
}

size_t rec_state_running(const struct rec_state *s, const struct rec_actor **v)
{
	*v = (const struct rec_actor *)s->running.p;
	return s->running.n;
}

const struct rec_task *rec_state_current_task(const struct rec_state *s)
{
	if (s->cur_task.kind != ACT_TASK)
		return NULL;
	return rec_state_task(s, s->cur_task.id);
}
