/* value.h -- the small part of Python's object model the engine needs.
 *
 * A struct value is a tagged union passed by value.  Scalars (None, bool,
 * int, float) live inline; everything else points at a reference-counted heap
 * object whose first member is a struct obj.
 *
 * Ownership, for the whole engine: a function that returns a struct value
 * gives the caller one reference (the caller must value_unref() it); a
 * function that takes a struct value argument borrows it unless its comment
 * says it "steals" the reference.  value_ref() returns its argument with one
 * more reference, so `x = value_ref(y)` reads like Python's `x = y`.
 */
#ifndef CORO_VALUE_H
#define CORO_VALUE_H

#include <stddef.h>
#include <stdint.h>

enum value_kind {
	VAL_NONE,
	VAL_BOOL,
	VAL_INT,
	VAL_FLOAT,
	VAL_STR,
	VAL_TUPLE,
	VAL_LIST,
	VAL_SET,    /* iterates in insertion order; see ARCHITECTURE "set order" */
	VAL_EXC,    /* an exception instance (struct exc) */
	VAL_GEN,    /* a generator or coroutine (struct gen) */
	VAL_FUTURE, /* a future or task (struct future) */
	VAL_OBJ     /* an engine-internal object, never shown to the learner */
};

/* Header of every heap object: 8 bytes.  When refcnt drops to zero,
 * obj_deallocs[type] runs.  The function is named by a one-byte index
 * rather than a pointer: the header is half the size, and every task,
 * future, coroutine and timer is 8 bytes smaller. */
struct obj {
	int32_t refcnt;
	uint8_t kind; /* enum value_kind of the object */
	uint8_t type; /* index of its dealloc in obj_deallocs (obj_set_dealloc) */
};
typedef void (*obj_dealloc_fn)(struct obj *o);
extern obj_dealloc_fn obj_deallocs[256];
/* repr() of an engine-internal object (VAL_OBJ): obj_reprs[type] if set,
 * else "<object>".  Returns a string the caller frees. */
typedef char *(*obj_repr_fn)(const struct obj *o);
extern obj_repr_fn obj_reprs[256];
/* The index of dealloc in obj_deallocs, registering it the first time.  A
 * constructor keeps the index in a static and calls this once. */
uint8_t obj_type_register(obj_dealloc_fn dealloc);
/* o's dealloc is fn; *type caches fn's index (a static of the caller's,
 * 0 until the first call). */
static inline void obj_set_dealloc(struct obj *o, obj_dealloc_fn fn, uint8_t *type)
{
	if (!*type) *type = obj_type_register(fn);
	o->type = *type;
}
/* The same for an engine-internal object with a repr of its own. */
static inline void obj_set_type(struct obj *o, obj_dealloc_fn fn, obj_repr_fn repr, uint8_t *type)
{
	if (!*type) {
		*type = obj_type_register(fn);
		obj_reprs[*type] = repr;
	}
	o->type = *type;
}

struct exc;
struct gen;
struct future;

/* Defined when the build runs under AddressSanitizer (gcc or clang): the
 * object pool steps aside and debugging checks switch on. */
#if defined(__SANITIZE_ADDRESS__)
#define VALUE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VALUE_ASAN 1
#endif
#endif

union value_u {
	int b;
	long long i;
	double f;
	struct obj *o; /* VAL_STR and up */
};

struct value {
	enum value_kind kind;
	union value_u u;
};

struct vstr {
	struct obj hdr;
	size_t len;
	char s[]; /* UTF-8, NUL-terminated */
};

struct vseq { /* tuple, list and set */
	struct obj hdr;
	size_t len, cap;
	struct value *items;
	size_t *index;  /* set: open-addressing table of item positions + 1 */
	size_t icap;    /* its size (a power of two), 0 for lists and tuples */
};

/* Exception classes, with CPython's hierarchy (see exc_matches). */
enum exc_type {
	EXC_BASE_EXCEPTION,
	EXC_EXCEPTION,
	EXC_STOP_ITERATION,
	EXC_GENERATOR_EXIT,
	EXC_TYPE_ERROR,
	EXC_VALUE_ERROR,
	EXC_RUNTIME_ERROR,
	EXC_KEY_ERROR,
	EXC_OS_ERROR,
	EXC_TIMEOUT_ERROR,       /* asyncio.TimeoutError is the builtin (3.11) */
	EXC_CANCELLED_ERROR,     /* derives from BaseException in 3.8+ */
	EXC_INVALID_STATE_ERROR, /* asyncio.InvalidStateError(Exception) */
	EXC_ZERO_DIVISION_ERROR,
	EXC_N_TYPES
};

struct exc {
	struct obj hdr;
	enum exc_type type;
	struct value args;    /* always a tuple */
	struct exc *cause;    /* __cause__ (owned, may be NULL) */
	struct exc *context;  /* __context__ (owned, may be NULL) */
	int suppress_context; /* __suppress_context__ */
};

/* --- constructors (each returns a new reference) --- */
static inline struct value value_none(void) { struct value v = {VAL_NONE, {0}}; return v; }
static inline struct value value_bool(int b) { struct value v = {VAL_BOOL, {0}}; v.u.b = !!b; return v; }
static inline struct value value_int(long long i) { struct value v = {VAL_INT, {0}}; v.u.i = i; return v; }
static inline struct value value_float(double f) { struct value v = {VAL_FLOAT, {0}}; v.u.f = f; return v; }
struct value value_str(const char *s);
struct value value_strn(const char *s, size_t n);
/* A str made from s, which it frees (for strings built by xasprintf etc.). */
struct value value_str_own(char *s);
struct value value_strf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* A tuple of n items; steals a reference to each item. */
struct value value_tuple(size_t n, ...);
struct value value_list(void);
struct value value_new_set(void); /* set(): an empty set */
/* Append to a list or set; steals item.  A set ignores an item that is
 * already in it (identity for objects, equality for scalars and strings). */
void value_append(struct value seq, struct value item);
/* The position of item in a set (O(1) on average), or -1. */
long value_find(struct value set, struct value item);
/* set.discard(item): 1 if it was there.  O(n): it keeps insertion order. */
int value_discard(struct value set, struct value item);
/* Wraps an object pointer; takes a new reference to it. */
struct value value_obj(void *o);
/* An object that is only its repr: it stands, in a frame's locals, for a
 * Python object the engine does not model (the running event loop). */
struct value value_opaque(const char *repr);

/* --- reference counting --- */
static inline struct value value_ref(struct value v)
{
	if (v.kind >= VAL_STR) v.u.o->refcnt++;
	return v;
}
void value_unref_slow(struct obj *o);
static inline void value_unref(struct value v)
{
	if (v.kind >= VAL_STR && __builtin_expect(--v.u.o->refcnt == 0, 0)) obj_deallocs[v.u.o->type](v.u.o);
}
/* *dst = v: steals v, releases the old *dst.  Python's `dst = v`. */
static inline void value_set(struct value *dst, struct value v)
{
	struct value old = *dst;
	*dst = v;
	value_unref(old);
}
/* *dst = v (no reference change), field by field: a value just stored as
 * two halves and read back with one 16-byte load stalls store forwarding
 * (~10 cycles), which the compiler's whole-struct copy would do on the
 * generator resume path. */
static inline void value_put(struct value *dst, struct value v)
{
	dst->kind = v.kind;
	dst->u = v.u;
}
/* Reference counting for object pointers (NULL is ignored), inline: every
 * handle, callback and step takes and drops a few. */
static inline void obj_ref(void *o)
{
	if (o) ((struct obj *)o)->refcnt++;
}
static inline void obj_unref(void *p)
{
	struct obj *o = p;
	if (o && __builtin_expect(--o->refcnt == 0, 0)) obj_deallocs[o->type](o);
}

/* Memory for the engine's small objects (generators, futures, tasks,
 * timers, done-callback arrays): per-size free lists carved from blocks
 * mapped from the system (256 kB; 2 MB huge pages once the pool holds
 * 32 MB), so an allocation is a pop and a release a push, with no malloc
 * header and no free-chunk consolidation, and objects made one after
 * another (a coroutine and its task) sit side by side.  n must be the same
 * at both calls.  The pool is process-wide (the engine is single-threaded).
 * A sanitizer build uses malloc/free instead, so that AddressSanitizer sees
 * every object. */
void *obj_alloc(size_t n);
void obj_free(void *p, size_t n);
/* Give the pool's blocks back to the system if no pooled object is alive
 * (interp_free calls it). */
void obj_pool_trim(void);
/* A copy of s in the pool, for the short strings made for every object
 * while tracing (a future's name); free it with obj_strfree. */
char *obj_strdup(const char *s);
void obj_strfree(char *s);

/* --- access --- */
static inline int value_is_none(struct value v) { return v.kind == VAL_NONE; }
static inline struct exc *value_exc(struct value v) { return v.kind == VAL_EXC ? (struct exc *)v.u.o : NULL; }
static inline struct gen *value_gen(struct value v) { return v.kind == VAL_GEN ? (struct gen *)v.u.o : NULL; }
static inline struct future *value_future(struct value v) { return v.kind == VAL_FUTURE ? (struct future *)v.u.o : NULL; }
const char *value_cstr(struct value v); /* the bytes of a VAL_STR, else NULL */
size_t value_len(struct value seq);
struct value value_item(struct value seq, size_t i); /* borrowed */
int value_truthy(struct value v);                   /* Python's bool(v) */
int value_equal(struct value a, struct value b);    /* Python's a == b (identity for objects) */
const char *value_type_name(struct value v);        /* type(v).__name__ */

/* repr(v) and str(v), as CPython prints them.  Objects without a stable
 * repr (generators, futures) print without an address.  Returns a string
 * the caller frees. */
char *value_repr(struct value v);
char *value_str_of(struct value v);

/* --- exceptions --- */
/* An exception whose args are (msg,), or () when msg is NULL. */
struct value exc_new(enum exc_type t, const char *msg);
struct value exc_newf(enum exc_type t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An exception whose args are (arg,); steals arg. */
struct value exc_new_arg(enum exc_type t, struct value arg);
const char *exc_type_name(enum exc_type t);
/* isinstance(e, t), following CPython's hierarchy. */
int exc_matches(const struct exc *e, enum exc_type t);
/* StopIteration.value: args[0] or None (borrowed). */
struct value exc_stop_value(const struct exc *e);
/* raise NEW from CAUSE: sets __cause__ and __context__ (new refs). */
void exc_set_cause(struct exc *e, struct exc *cause);
/* "TypeError: msg" -- the last line of a traceback.  Caller frees. */
char *exc_format(const struct exc *e);

/* The one allocation helper: aborts with a message when memory runs out. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
