/* value.c -- tagged values, strings, sequences and exceptions.
 * repr()/str() follow CPython's output for the types the lessons print. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "value.h"
#include "gen.h"
#include "future.h"

/* The one place that handles running out of memory.  The engine does no
 * stdio, so it aborts; main reports nothing more useful than that anyway. */
void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) abort();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) abort();
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

static char *xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) abort();
	char *s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* ---- the object pool ---- */

#ifdef VALUE_ASAN
#define POOL_PASSTHROUGH 1
#endif

/* Size classes are multiples of 8 bytes up to POOL_MAX; larger objects go
 * to malloc.  Blocks are carved by bumping a pointer; a released object
 * goes on its class's free list and is reused first (LIFO, so it is
 * usually still in the cache).  Blocks are returned to the system only when
 * no pooled object is alive, by obj_pool_trim.
 *
 * A block is mapped with its pages already present (MAP_POPULATE): one
 * system call instead of a page fault per 4 kB, which at 100 000 tasks was
 * a quarter of the run time.  At most one block is ever partly unused.
 *
 * Once the pool holds POOL_HUGE_AFTER bytes, its next blocks are 2 MB,
 * aligned, asked for as transparent huge pages and made present at once:
 * one TLB entry then covers 2 MB of tasks, and the kernel sets up memory
 * 2 MB at a time.  With a million tasks a step cost 26.0 ns with 4 kB pages
 * and 24.3 with these.  Only big programs get there, because a huge page
 * can be slow to come by: in a virtual machine, right after another
 * process freed a lot of memory, 100 000 tasks of ten sleep(0) steps with
 * huge pages from 4 MB on took 68-93 ms in four tries of six, against
 * 39-43 ms with 4 kB pages (37 and 40 when nothing ran before). */
enum {
	POOL_GRAIN = 8,
	POOL_MAX = 512,
	POOL_BLOCK = 256 * 1024,
	POOL_HUGE = 2 * 1024 * 1024,
	POOL_HUGE_AFTER = 32 * 1024 * 1024
};

struct pool_slot {
	struct pool_slot *next;
};

struct pool_block {
	struct pool_block *next;
	void *map;                  /* the mapping the block lies in, and its size */
	size_t map_size;
	max_align_t align;
};

static struct {
	struct pool_slot *free[POOL_MAX / POOL_GRAIN + 1];
	char *bump, *end;           /* the unused part of the newest block */
	struct pool_block *blocks;
	size_t live;                /* pooled objects not yet released */
	size_t mapped;              /* bytes in blocks */
} pool;

#ifndef POOL_PASSTHROUGH
#ifndef MAP_POPULATE
#define MAP_POPULATE 0
#endif

static void *map_or_die(size_t size, int flags)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (p == MAP_FAILED) abort(); /* as xmalloc does when memory runs out */
	return p;
}

static void pool_grow(void)
{
	void *map;
	struct pool_block *b;
	size_t size, map_size;
#ifdef MADV_HUGEPAGE
	if (pool.mapped >= POOL_HUGE_AFTER) {
		/* twice the size, to find a 2 MB boundary inside; each huge
		 * page comes in at its first touch */
		size = POOL_HUGE;
		map_size = 2 * POOL_HUGE;
		map = map_or_die(map_size, 0);
		b = (struct pool_block *)(((uintptr_t)map + POOL_HUGE - 1) & ~((uintptr_t)POOL_HUGE - 1));
		madvise(b, size, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
		/* present at once, as MAP_POPULATE does for small blocks (huge
		 * pages if the system gives them, else 4 kB ones) */
		madvise(b, size, MADV_POPULATE_WRITE);
#endif
	} else
#endif
	{
		size = map_size = POOL_BLOCK;
		map = b = map_or_die(size, MAP_POPULATE);
	}
	b->map = map;
	b->map_size = map_size;
	b->next = pool.blocks;
	pool.blocks = b;
	pool.mapped += size;
	pool.bump = (char *)&b->align;
	pool.end = (char *)b + size;
}
#endif

void *obj_alloc(size_t n)
{
#ifdef POOL_PASSTHROUGH
	return xmalloc(n);
#else
	if (n > POOL_MAX) return xmalloc(n);
	size_t c = (n + POOL_GRAIN - 1) / POOL_GRAIN;
	pool.live++;
	struct pool_slot *p = pool.free[c];
	if (p) {
		pool.free[c] = p->next;
		return p;
	}
	size_t size = c * POOL_GRAIN;
	if ((size_t)(pool.end - pool.bump) < size) pool_grow();
	void *r = pool.bump;
	pool.bump += size;
	return r;
#endif
}

void obj_free(void *p, size_t n)
{
#ifdef POOL_PASSTHROUGH
	(void)n;
	free(p);
#else
	if (n > POOL_MAX) {
		free(p);
		return;
	}
	struct pool_slot *s = p;
	size_t c = (n + POOL_GRAIN - 1) / POOL_GRAIN;
	s->next = pool.free[c];
	pool.free[c] = s;
	pool.live--;
#endif
}

void obj_pool_trim(void)
{
	if (pool.live) return;
	while (pool.blocks) {
		struct pool_block *b = pool.blocks;
		pool.blocks = b->next;
		munmap(b->map, b->map_size);
	}
	memset(&pool, 0, sizeof pool);
}

char *obj_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(obj_alloc(n), s, n);
}

void obj_strfree(char *s)
{
	if (s) obj_free(s, strlen(s) + 1);
}

/* ---- reference counting ---- */

void value_unref_slow(struct obj *o)
{
	obj_deallocs[o->type](o);
}

/* Index 0 is never used: a header whose type was not set calls abort(), not
 * some other object's dealloc. */
static void obj_no_dealloc(struct obj *o)
{
	(void)o;
	abort();
}

obj_dealloc_fn obj_deallocs[256] = {obj_no_dealloc};
obj_repr_fn obj_reprs[256];

uint8_t obj_type_register(obj_dealloc_fn dealloc)
{
	unsigned i;
	for (i = 1; i < 256 && obj_deallocs[i]; i++)
		if (obj_deallocs[i] == dealloc) return (uint8_t)i;
	if (i == 256) abort(); /* a few kinds of object exist, not 255 */
	obj_deallocs[i] = dealloc;
	return (uint8_t)i;
}

struct opaque {
	struct obj hdr;
	char repr[]; /* NUL-terminated */
};

static void opaque_dealloc(struct obj *o)
{
	free(o);
}

static char *opaque_repr(const struct obj *o)
{
	return xstrdup(((const struct opaque *)o)->repr);
}

struct value value_opaque(const char *repr)
{
	static uint8_t opaque_type;
	size_t n = strlen(repr) + 1;
	struct opaque *p = xmalloc(sizeof *p + n);
	p->hdr.refcnt = 1;
	p->hdr.kind = VAL_OBJ;
	obj_set_type(&p->hdr, opaque_dealloc, opaque_repr, &opaque_type);
	memcpy(p->repr, repr, n);
	struct value v = {VAL_OBJ, {0}};
	v.u.o = &p->hdr;
	return v;
}

struct value value_obj(void *p)
{
	struct obj *o = p;
	struct value v = {(enum value_kind)o->kind, {0}};
	v.u.o = o;
	o->refcnt++;
	return v;
}

/* ---- strings ---- */

static void str_dealloc(struct obj *o) { free(o); }

struct value value_strn(const char *s, size_t n)
{
	struct vstr *p = xmalloc(sizeof *p + n + 1);
	p->hdr.refcnt = 1;
	p->hdr.kind = VAL_STR;
	static uint8_t str_type;
	obj_set_dealloc(&p->hdr, str_dealloc, &str_type);
	p->len = n;
	memcpy(p->s, s, n);
	p->s[n] = '\0';
	struct value v = {VAL_STR, {0}};
	v.u.o = &p->hdr;
	return v;
}

struct value value_str(const char *s) { return value_strn(s, strlen(s)); }

struct value value_str_own(char *s)
{
	struct value v = value_str(s);
	free(s);
	return v;
}

struct value value_strf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	struct value v = value_str(s);
	free(s);
	return v;
}

const char *value_cstr(struct value v)
{
	return v.kind == VAL_STR ? ((struct vstr *)v.u.o)->s : NULL;
}

/* ---- sequences ---- */

static void seq_dealloc(struct obj *o)
{
	struct vseq *q = (struct vseq *)o;
	for (size_t i = 0; i < q->len; i++) value_unref(q->items[i]);
	free(q->items);
	free(q->index);
	free(q);
}

static struct value seq_new(enum value_kind k, size_t cap)
{
	struct vseq *q = xmalloc(sizeof *q);
	q->hdr.refcnt = 1;
	q->hdr.kind = (uint8_t)k;
	static uint8_t seq_type;
	obj_set_dealloc(&q->hdr, seq_dealloc, &seq_type);
	q->len = 0;
	q->cap = cap;
	q->items = cap ? xmalloc(cap * sizeof *q->items) : NULL;
	q->index = NULL;
	q->icap = 0;
	struct value v = {k, {0}};
	v.u.o = &q->hdr;
	return v;
}

static void seq_push(struct vseq *q, struct value item)
{
	if (q->len == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 4;
		q->items = xrealloc(q->items, q->cap * sizeof *q->items);
	}
	q->items[q->len++] = item;
}

struct value value_tuple(size_t n, ...)
{
	struct value t = seq_new(VAL_TUPLE, n);
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) seq_push((struct vseq *)t.u.o, va_arg(ap, struct value));
	va_end(ap);
	return t;
}

struct value value_list(void) { return seq_new(VAL_LIST, 0); }
struct value value_new_set(void) { return seq_new(VAL_SET, 0); }

/* hash(v), consistent with value_equal: objects by identity (as Future and
 * Task hash in CPython), numbers by value, strings by content. */
static size_t value_hash(struct value v)
{
	switch (v.kind) {
	case VAL_NONE: return 0x9e3779b9u;
	case VAL_BOOL: return (size_t)v.u.b;
	case VAL_INT: return (size_t)v.u.i;
	case VAL_FLOAT:
		if (v.u.f == (double)(long long)v.u.f) return (size_t)(long long)v.u.f;
		return (size_t)(v.u.f * 2654435761.0);
	case VAL_STR: {
		size_t h = 14695981039346656037u;
		for (const char *s = value_cstr(v); *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
		return h;
	}
	case VAL_TUPLE:
	case VAL_LIST:
	case VAL_SET: return value_len(v);
	default: return (size_t)(uintptr_t)v.u.o >> 4;
	}
}

static void set_reindex(struct vseq *q, size_t icap)
{
	free(q->index);
	q->icap = icap;
	q->index = xcalloc(icap, sizeof *q->index);
	for (size_t i = 0; i < q->len; i++) {
		size_t h = value_hash(q->items[i]) & (icap - 1);
		while (q->index[h]) h = (h + 1) & (icap - 1);
		q->index[h] = i + 1;
	}
}

/* Position of item in a set, or -1: one probe sequence, O(1) on average. */
static long set_find(struct vseq *q, struct value item)
{
	if (!q->icap) return -1;
	for (size_t h = value_hash(item) & (q->icap - 1); q->index[h]; h = (h + 1) & (q->icap - 1))
		if (value_equal(q->items[q->index[h] - 1], item)) return (long)(q->index[h] - 1);
	return -1;
}

void value_append(struct value seq, struct value item)
{
	struct vseq *q = (struct vseq *)seq.u.o;
	if (seq.kind == VAL_SET) {
		if (set_find(q, item) >= 0) {
			value_unref(item);
			return;
		}
		seq_push(q, item);
		if (2 * q->len > q->icap) {
			set_reindex(q, q->icap ? 2 * q->icap : 8);
		} else {
			size_t h = value_hash(item) & (q->icap - 1);
			while (q->index[h]) h = (h + 1) & (q->icap - 1);
			q->index[h] = q->len;
		}
		return;
	}
	seq_push(q, item);
}

long value_find(struct value set, struct value item)
{
	return set_find((struct vseq *)set.u.o, item);
}

int value_discard(struct value set, struct value item)
{
	struct vseq *q = (struct vseq *)set.u.o;
	long i = set_find(q, item);
	if (i < 0) return 0;
	value_unref(q->items[i]);
	memmove(q->items + i, q->items + i + 1, (q->len - (size_t)i - 1) * sizeof *q->items);
	q->len--;
	set_reindex(q, q->icap);
	return 1;
}

size_t value_len(struct value v)
{
	switch (v.kind) {
	case VAL_TUPLE:
	case VAL_LIST:
	case VAL_SET: return ((struct vseq *)v.u.o)->len;
	case VAL_STR: return ((struct vstr *)v.u.o)->len;
	default: return 0;
	}
}

struct value value_item(struct value v, size_t i)
{
	return ((struct vseq *)v.u.o)->items[i];
}

int value_truthy(struct value v)
{
	switch (v.kind) {
	case VAL_NONE: return 0;
	case VAL_BOOL: return v.u.b;
	case VAL_INT: return v.u.i != 0;
	case VAL_FLOAT: return v.u.f != 0.0;
	case VAL_STR:
	case VAL_TUPLE:
	case VAL_LIST:
	case VAL_SET: return value_len(v) != 0;
	default: return 1;
	}
}

int value_equal(struct value a, struct value b)
{
	int an = a.kind == VAL_INT || a.kind == VAL_BOOL, bn = b.kind == VAL_INT || b.kind == VAL_BOOL;
	if ((an || a.kind == VAL_FLOAT) && (bn || b.kind == VAL_FLOAT)) {
		long long ai = a.kind == VAL_INT ? a.u.i : a.u.b, bi = b.kind == VAL_INT ? b.u.i : b.u.b;
		if (an && bn) return ai == bi;
		if (!an && !bn) return a.u.f == b.u.f;
		/* int == float compares exactly (float_richcompare): the float
		 * must be integral and equal as an integer. */
		double f = an ? b.u.f : a.u.f;
		long long i = an ? ai : bi;
		if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0) || f != (double)(long long)f)
			return 0;
		return (long long)f == i;
	}
	if (a.kind != b.kind) return 0;
	switch (a.kind) {
	case VAL_NONE: return 1;
	case VAL_STR:
		return value_len(a) == value_len(b) &&
		       memcmp(value_cstr(a), value_cstr(b), value_len(a)) == 0;
	case VAL_TUPLE:
	case VAL_LIST: {
		size_t n = value_len(a);
		if (n != value_len(b)) return 0;
		for (size_t i = 0; i < n; i++)
			if (!value_equal(value_item(a, i), value_item(b, i))) return 0;
		return 1;
	}
	case VAL_SET: { /* same members, in any order */
		size_t n = value_len(a);
		if (n != value_len(b)) return 0;
		for (size_t i = 0; i < n; i++) {
			size_t j;
			for (j = 0; j < n; j++)
				if (value_equal(value_item(a, i), value_item(b, j))) break;
			if (j == n) return 0;
		}
		return 1;
	}
	default: return a.u.o == b.u.o;
	}
}

/* ---- exceptions ---- */

static const struct {
	const char *name;
	enum exc_type base;
} exc_info[EXC_N_TYPES] = {
	[EXC_BASE_EXCEPTION] = {"BaseException", EXC_BASE_EXCEPTION},
	[EXC_EXCEPTION] = {"Exception", EXC_BASE_EXCEPTION},
	[EXC_STOP_ITERATION] = {"StopIteration", EXC_EXCEPTION},
	[EXC_GENERATOR_EXIT] = {"GeneratorExit", EXC_BASE_EXCEPTION},
	[EXC_TYPE_ERROR] = {"TypeError", EXC_EXCEPTION},
	[EXC_VALUE_ERROR] = {"ValueError", EXC_EXCEPTION},
	[EXC_RUNTIME_ERROR] = {"RuntimeError", EXC_EXCEPTION},
	[EXC_KEY_ERROR] = {"KeyError", EXC_EXCEPTION}, /* (LookupError elided) */
	[EXC_OS_ERROR] = {"OSError", EXC_EXCEPTION},
	[EXC_TIMEOUT_ERROR] = {"TimeoutError", EXC_OS_ERROR},
	[EXC_CANCELLED_ERROR] = {"CancelledError", EXC_BASE_EXCEPTION},
	[EXC_INVALID_STATE_ERROR] = {"InvalidStateError", EXC_EXCEPTION},
	[EXC_ZERO_DIVISION_ERROR] = {"ZeroDivisionError", EXC_EXCEPTION},
};

const char *exc_type_name(enum exc_type t) { return exc_info[t].name; }

int exc_matches(const struct exc *e, enum exc_type t)
{
	enum exc_type x = e->type;
	for (;;) {
		if (x == t) return 1;
		if (x == EXC_BASE_EXCEPTION) return 0;
		x = exc_info[x].base;
	}
}

static void exc_dealloc(struct obj *o)
{
	struct exc *e = (struct exc *)o;
	value_unref(e->args);
	obj_unref(e->cause);
	obj_unref(e->context);
	free(e);
}

static struct value exc_make(enum exc_type t, struct value args)
{
	struct exc *e = xcalloc(1, sizeof *e);
	e->hdr.refcnt = 1;
	e->hdr.kind = VAL_EXC;
	static uint8_t exc_type;
	obj_set_dealloc(&e->hdr, exc_dealloc, &exc_type);
	e->type = t;
	e->args = args;
	struct value v = {VAL_EXC, {0}};
	v.u.o = &e->hdr;
	return v;
}

struct value exc_new(enum exc_type t, const char *msg)
{
	return exc_make(t, msg ? value_tuple(1, value_str(msg)) : value_tuple(0));
}

struct value exc_newf(enum exc_type t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	struct value v = exc_new(t, s);
	free(s);
	return v;
}

struct value exc_new_arg(enum exc_type t, struct value arg)
{
	return exc_make(t, value_tuple(1, arg));
}

struct value exc_stop_value(const struct exc *e)
{
	return value_len(e->args) ? value_item(e->args, 0) : value_none();
}

void exc_set_cause(struct exc *e, struct exc *cause)
{
	obj_ref(cause);
	obj_unref(e->cause);
	e->cause = cause;
	obj_ref(cause);
	obj_unref(e->context);
	e->context = cause;
	e->suppress_context = 1;
}

/* ---- repr / str ---- */

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* repr(str): single quotes unless the text has ' and no " (unicode_repr). */
static void repr_str(struct buf *b, const char *s, size_t n)
{
	int sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
	char q = sq && !dq ? '"' : '\'';
	buf_add(b, &q, 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[8];
		if (c == (unsigned char)q || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			buf_add(b, tmp, 2);
		} else if (c == '\n') buf_puts(b, "\\n");
		else if (c == '\r') buf_puts(b, "\\r");
		else if (c == '\t') buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof tmp, "\\x%02x", c);
			buf_puts(b, tmp);
		} else buf_add(b, (const char *)&c, 1);
	}
	buf_add(b, &q, 1);
}

/* repr(float): the shortest digits that read back the same (float_repr_style
 * 'short'), fixed notation for exponents -4..15, else scientific. */
static void repr_float(struct buf *b, double x)
{
	char tmp[64], digits[32];
	if (isnan(x)) { buf_puts(b, "nan"); return; }
	if (isinf(x)) { buf_puts(b, x < 0 ? "-inf" : "inf"); return; }
	int p;
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
		if (strtod(tmp, NULL) == x) break;
	}
	/* tmp = [-]d.ddde[+-]XX */
	const char *s = tmp;
	int neg = *s == '-';
	if (neg) s++;
	size_t nd = 0;
	for (; *s && *s != 'e'; s++)
		if (*s != '.') digits[nd++] = *s;
	digits[nd] = '\0';
	int exp = atoi(s + 1);
	while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = '\0';
	if (neg) buf_puts(b, "-");
	if (exp >= -4 && exp < 16) {
		if (exp < 0) {
			buf_puts(b, "0.");
			for (int i = -1; i > exp; i--) buf_puts(b, "0");
			buf_puts(b, digits);
		} else {
			for (int i = 0; i <= exp; i++) buf_add(b, i < (int)nd ? &digits[i] : "0", 1);
			buf_puts(b, ".");
			if ((int)nd > exp + 1) buf_puts(b, digits + exp + 1);
			else buf_puts(b, "0");
		}
	} else {
		buf_add(b, digits, 1);
		if (nd > 1) {
			buf_puts(b, ".");
			buf_puts(b, digits + 1);
		}
		snprintf(tmp, sizeof tmp, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		buf_puts(b, tmp);
	}
}


static void repr_into(struct buf *b, struct value v);

static void repr_exc(struct buf *b, const struct exc *e)
{
	buf_puts(b, exc_type_name(e->type));
	size_t n = value_len(e->args);
	if (n == 1) {
		buf_puts(b, "(");
		repr_into(b, value_item(e->args, 0));
		buf_puts(b, ")");
	} else if (n == 0) {
		buf_puts(b, "()");
	} else {
		repr_into(b, e->args);
	}
}

static void repr_into(struct buf *b, struct value v)
{
	char tmp[32];
	switch (v.kind) {
	case VAL_NONE: buf_puts(b, "None"); break;
	case VAL_BOOL: buf_puts(b, v.u.b ? "True" : "False"); break;
	case VAL_INT: {
		/* by hand, not snprintf: step mode and the JSON trace format
		 * the locals of every frame that yields, mostly numbers */
		unsigned long long u = v.u.i < 0 ? 0ULL - (unsigned long long)v.u.i : (unsigned long long)v.u.i;
		char *p = tmp + sizeof tmp;
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v.u.i < 0) *--p = '-';
		buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
		break;
	}
	case VAL_FLOAT: repr_float(b, v.u.f); break;
	case VAL_STR: repr_str(b, value_cstr(v), value_len(v)); break;
	case VAL_TUPLE:
	case VAL_LIST:
	case VAL_SET: {
		size_t n = value_len(v);
		if (v.kind == VAL_SET && n == 0) {
			buf_puts(b, "set()");
			break;
		}
		buf_puts(b, v.kind == VAL_TUPLE ? "(" : v.kind == VAL_LIST ? "[" : "{");
		for (size_t i = 0; i < n; i++) {
			if (i) buf_puts(b, ", ");
			repr_into(b, value_item(v, i));
		}
		if (v.kind == VAL_TUPLE && n == 1) buf_puts(b, ",");
		buf_puts(b, v.kind == VAL_TUPLE ? ")" : v.kind == VAL_LIST ? "]" : "}");
		break;
	}
	case VAL_EXC: repr_exc(b, (const struct exc *)v.u.o); break;
	case VAL_GEN:
	case VAL_FUTURE: {
		char *s = v.kind == VAL_GEN ? gen_repr((const struct gen *)v.u.o)
					    : future_repr((const struct future *)v.u.o);
		buf_puts(b, s);
		free(s);
		break;
	}
	case VAL_OBJ: {
		obj_repr_fn fn = obj_reprs[v.u.o->type];
		char *s = fn ? fn(v.u.o) : NULL;
		buf_puts(b, s ? s : "<object>");
		free(s);
		break;
	}
	}
}

char *value_repr(struct value v)
{
	struct buf b = {0};
	repr_into(&b, v);
	if (!b.s) buf_puts(&b, "");
	return b.s;
}

char *value_str_of(struct value v)
{
	if (v.kind == VAL_STR) return xstrdup(value_cstr(v));
	if (v.kind == VAL_EXC) {
		/* str(exc): '' for no args, str(arg) for one, repr(args) for more;
		 * KeyError shows repr of its key. */
		const struct exc *e = (const struct exc *)v.u.o;
		size_t n = value_len(e->args);
		if (n == 0) return xstrdup("");
		if (n == 1)
			return e->type == EXC_KEY_ERROR ? value_repr(value_item(e->args, 0))
							: value_str_of(value_item(e->args, 0));
		return value_repr(e->args);
	}
	return value_repr(v);
}

char *exc_format(const struct exc *e)
{
	struct value v = {VAL_EXC, {0}};
	v.u.o = (struct obj *)&e->hdr;
	char *msg = value_str_of(v);
	char *s = *msg ? xasprintf("%s: %s", exc_type_name(e->type), msg) : xstrdup(exc_type_name(e->type));
	free(msg);
	return s;
}

const char *value_type_name(struct value v)
{
	switch (v.kind) {
	case VAL_NONE: return "NoneType";
	case VAL_BOOL: return "bool";
	case VAL_INT: return "int";
	case VAL_FLOAT: return "float";
	case VAL_STR: return "str";
	case VAL_TUPLE: return "tuple";
	case VAL_LIST: return "list";
	case VAL_SET: return "set";
	case VAL_EXC: return exc_type_name(((const struct exc *)v.u.o)->type);
	case VAL_GEN: return ((const struct gen *)v.u.o)->code->kind == GEN_KIND_COROUTINE ? "coroutine" : "generator";
	case VAL_FUTURE: return future_cls((const struct future *)v.u.o)->name;
	default: return "object";
	}
}
