/* gen.h -- generators and coroutines as stackless heap frames.
 *
 * A generator is a struct gen: the code it runs (a static struct gen_code,
 * like a CPython code object), its state, a resume point and its locals.  The
 * body is an ordinary C function re-entered on every resume; GEN_BEGIN jumps
 * to the resume point (a switch over __LINE__ labels).  So:
 *
 *   - Anything that must survive a yield lives in g->locals (struct value
 *     slots named by code->varnames, shown by step mode like gi_frame),
 *     never in a C automatic variable.  A C local is dead after
 *     GEN_YIELD / GEN_AWAIT; the compiler warns about most such uses
 *     (-Wjump-misses-init, -Wmaybe-uninitialized), and the debug build
 *     poisons nothing else, so keep bodies short and locals in slots.
 *   - GEN_YIELD / GEN_AWAIT may not appear inside a nested switch.
 *
 * The resume functions follow Objects/genobject.c (rules G1-G9, C1-C4 of
 * semantics.md): they return GEN_YIELDED, GEN_RETURNED or GEN_RAISED and hand
 * back the yielded value, the return value or the exception in *out (a new
 * reference the caller releases).
 */
#ifndef CORO_GEN_H
#define CORO_GEN_H

#include "interp.h"
#include "value.h"

enum gen_state { GEN_CREATED, GEN_RUNNING, GEN_SUSPENDED, GEN_CLOSED };
enum gen_kind { GEN_KIND_GENERATOR, GEN_KIND_COROUTINE };
enum gen_status { GEN_YIELDED, GEN_RETURNED, GEN_RAISED, GEN_CONTINUE_ /* internal */ };

struct gen;

/* What one run of a body gives back: the value it yields, returns or raises
 * and which of the three it is, in the 16 bytes of a struct value (the
 * status sits where a value has padding).  Sent in and given back this way,
 * both values travel in registers (two each on x86-64 and AArch64) rather
 * than through memory. */
struct gen_ret {
	uint32_t kind;   /* enum value_kind */
	uint32_t status; /* enum gen_status */
	union value_u u;
};

/* A body: g is the frame; sent is the value this resume sends in (None for
 * a start or a throw), borrowed.  Declare one with GEN_BODY. */
typedef struct gen_ret (*gen_body_fn)(struct gen *g, struct value sent);
#define GEN_BODY(fn) struct gen_ret fn(struct gen *g, struct value gen_sent_)

struct gen_code {
	const char *name;      /* __qualname__: "consumer", "main.<locals>.f" */
	enum gen_kind kind;
	gen_body_fn body;
	int nlocals;
	const char *const *varnames; /* nlocals names; arguments first.  A name in
	                                angle brackets ("<zip>") is state Python keeps
	                                on the value stack: not shown as a local */
	int firstlineno;       /* line of the `def` in the Python mirror, 0 if none */
	unsigned flags;        /* GEN_CODE_LIBRARY: asyncio's own code;
	                          GEN_CODE_BARE_YIELD: see gen_await_begin_ */
	/* With the trace off, a frame that awaits a fresh coroutine of this
	 * code, held by nothing else, may await what this returns instead: a
	 * future (new reference) that does all the coroutine would, taking
	 * the arguments out of sub's locals; or None, and the coroutine is
	 * awaited after all.  NULL: never (see gen_await_begin_). */
	struct value (*await_instead)(struct gen *sub);
};
enum { GEN_CODE_LIBRARY = 1u << 0, GEN_CODE_BARE_YIELD = 1u << 1 };

struct gen {
	struct obj hdr;
	int pc;                 /* resume point; 0 = not started (f_lasti < 0) */
	uint8_t state;          /* enum gen_state */
	uint8_t yf_yielded;     /* a future delegate has yielded itself once */
	uint8_t traced;         /* trace_on(I), fixed for the interp's life: read
	                           here, in the frame's own cache line */
	const struct gen_code *code;
	struct interp *I;
	struct exc *thrown;     /* exception thrown in by this resume (owned), or NULL */
	struct obj *yf;         /* gi_yieldfrom / cr_await: a generator, a future or NULL
	                           (referenced; its header says which) */
	struct value locals[];  /* code->nlocals slots, None initially */
};
/* The frame (current line, caller link, actor): only the trace reads it, so
 * a generator has one only while tracing, just before it in the same
 * allocation (so that a write past the last local still leaves the
 * allocation, where AddressSanitizer sees it).  48 bytes and the locals
 * without, 80 with. */
static inline struct frame *gen_frame(const struct gen *g)
{
	return (struct frame *)(uintptr_t)((const char *)g - sizeof(struct frame));
}
/* The value sent in by a resume and what the body yields, returns or raises
 * are live only while the frame runs: they are passed to and returned from
 * the body (struct gen_ret), not kept in every suspended frame. */

/* Calling the generator function: a new generator in GEN_CREATED; nothing of
 * the body runs (G2, C1).  args (nargs values, stolen) fill the first local
 * slots.  Returns a new reference. */
struct value gen_new(struct interp *I, const struct gen_code *code, int nargs, ...);
/* The same with the arguments in an array (stolen): no varargs to unpack. */
struct value gen_newv(struct interp *I, const struct gen_code *code, int nargs, const struct value *args);

/* Release the coroutine the interp keeps for reuse, if any (interp_free). */
void gen_drop_spare(struct interp *I);

/* next(g) / g.send(v) / g.throw(exc) / g.close().  v and exc are borrowed.
 * gen_throw takes an exception value (VAL_EXC); anything else raises the
 * TypeError of G7.  gen_close returns GEN_RETURNED with None on success. */
static inline enum gen_status gen_next(struct gen *g, struct value *out); /* inline: below */
static inline enum gen_status gen_send(struct gen *g, struct value v, struct value *out);
enum gen_status gen_throw(struct gen *g, struct value exc, struct value *out);
enum gen_status gen_close(struct gen *g, struct value *out);

/* repr(g): "<generator object consumer>" (no address: traces must be
 * reproducible).  Caller frees. */
char *gen_repr(const struct gen *g);
const char *gen_state_name(const struct gen *g); /* "GEN_SUSPENDED", "CORO_CLOSED" ... */
struct trace_actor gen_actor(const struct gen *g);
/* "r='200 OK', n=3": the frame's locals (NULL when closed).  Caller frees. */
char *gen_locals_repr(const struct gen *g);

/* --- for bodies ---
 *
 *   static GEN_BODY(consumer_body)
 *   {
 *           GEN_BEGIN(g);
 *           ...
 *           GEN_END(g);
 *   }
 */
/* A body that handles an exception thrown in (GEN_YIELD_TRY,
 * GEN_AWAIT_TRY) takes it with gen_take_thrown before it yields again: the
 * resume fast path does not look for one left behind, which the next resume
 * point would raise.  Sanitizer builds check it at every yield. */
#ifdef VALUE_ASAN
void gen_check_yield_(const struct gen *g);
#define GEN_CHECK_YIELD_(g) gen_check_yield_(g)
#else
#define GEN_CHECK_YIELD_(g) ((void)0)
#endif

#define GEN_BEGIN(g) (void)gen_sent_; switch ((g)->pc) { case 0:
#define GEN_END(g) } return gen_ret_(GEN_RETURNED, value_none())

/* yield v (stolen).  On resume, a thrown exception propagates out of the
 * body; otherwise the sent value is stored in *(dst) (may be NULL). */
#define GEN_YIELD(g, v, dst)                                                \
	do {                                                                \
		(g)->pc = __LINE__;                                         \
		GEN_CHECK_YIELD_(g);                                        \
		return gen_ret_(GEN_YIELDED, (v));                          \
	case __LINE__:                                                      \
		if (__builtin_expect(gen_has_thrown(g), 0))                  \
			return gen_raise_thrown_(g);                        \
		gen_take_sent_(gen_sent_, (dst));                           \
	} while (0)

/* Like GEN_YIELD, but a thrown exception is left in (g)->thrown for the body
 * to handle (take it with gen_take_thrown). */
#define GEN_YIELD_TRY(g, v, dst)                                            \
	do {                                                                \
		(g)->pc = __LINE__;                                         \
		GEN_CHECK_YIELD_(g);                                        \
		return gen_ret_(GEN_YIELDED, (v));                          \
	case __LINE__:                                                      \
		if (!gen_has_thrown(g)) gen_take_sent_(gen_sent_, (dst));   \
	} while (0)

/* res = await aw / yield from aw.  aw (stolen) is a coroutine, generator or
 * future.  The result is stored in *(dst) (may be NULL); an exception raised
 * by the awaited object propagates out of the body.  The delegate is
 * started with None, then gets what each resume sends. */
#define GEN_AWAIT(g, aw, dst)                                               \
	do {                                                                \
		struct gen_ret r_;                                          \
		if (__builtin_expect(gen_await_begin_((g), (aw)), 0))        \
			return gen_raise_thrown_(g);                        \
		gen_sent_ = value_none();                                   \
		(g)->pc = __LINE__;                                         \
	case __LINE__:                                                      \
		r_ = gen_await_step_((g), gen_sent_, (dst));                \
		if (__builtin_expect(r_.status == GEN_RAISED, 0))            \
			return gen_raise_thrown_(g);                        \
		if (r_.status != GEN_CONTINUE_) {                           \
			GEN_CHECK_YIELD_(g);                                \
			return r_;                                          \
		}                                                           \
	} while (0)

/* Like GEN_AWAIT, but an exception from the awaited object is left in
 * (g)->thrown for the body (try: await ... except ...). */
#define GEN_AWAIT_TRY(g, aw, dst)                                           \
	do {                                                                \
		struct gen_ret r_;                                          \
		if (gen_await_begin_((g), (aw))) break;                     \
		gen_sent_ = value_none();                                   \
		(g)->pc = __LINE__;                                         \
	case __LINE__:                                                      \
		r_ = gen_await_step_((g), gen_sent_, (dst));                \
		if (r_.status != GEN_CONTINUE_ && r_.status != GEN_RAISED) { \
			GEN_CHECK_YIELD_(g);                                \
			return r_;                                          \
		}                                                           \
	} while (0)

#define GEN_RETURN(g, v) return gen_ret_(GEN_RETURNED, (v))
#define GEN_RAISE(g, e) return gen_ret_(GEN_RAISED, (e))

/* The exception thrown in at the last GEN_*_TRY (VAL_EXC), or None; the
 * caller owns it.  A body that does not handle it re-raises it with
 * GEN_RAISE(g, e). */
struct value gen_take_thrown(struct gen *g);
/* gi_yieldfrom / cr_await as a value: VAL_GEN, VAL_FUTURE or None (borrowed). */
static inline struct value gen_yf(const struct gen *g)
{
	struct value v = {VAL_NONE, {0}};
	if (g->yf) {
		v.kind = (enum value_kind)g->yf->kind;
		v.u.o = g->yf;
	}
	return v;
}
static inline int gen_has_thrown(const struct gen *g) { return g->thrown != NULL; }

/* The body's side of a resume, inline: they run on every yield. */
static inline struct gen_ret gen_ret_(enum gen_status st, struct value v)
{
	struct gen_ret r;
	r.kind = (uint32_t)v.kind;
	r.status = (uint32_t)st;
	r.u = v.u;
	return r;
}

static inline struct value gen_ret_value_(struct gen_ret r)
{
	struct value v;
	v.kind = (enum value_kind)r.kind;
	v.u = r.u;
	return v;
}

static inline struct gen_ret gen_raise_thrown_(struct gen *g)
{
	struct value e = {VAL_EXC, {0}};
	e.u.o = &g->thrown->hdr;
	g->thrown = NULL;
	return gen_ret_(GEN_RAISED, e);
}

/* x = yield ...: what was sent is stored in *dst (nothing if dst is NULL). */
static inline void gen_take_sent_(struct value sent, struct value *dst)
{
	if (dst) value_set(dst, value_ref(sent));
}

/* --- the resume fast path ---
 * gen_send and gen_next are inline: a send into a suspended frame with the
 * trace off -- what a running program does all the time -- skips the checks
 * that cannot fail there and every event, and costs one call (the body)
 * instead of three.  Everything else goes to gen_resume_. */
enum gen_status gen_resume_(struct gen *g, struct value v, const char *how, struct value *out);
/* After the body ran: suspend or close the frame and report it (gen.c). */
enum gen_status gen_after_body_(struct gen *g, enum gen_status st, struct value *out);

static inline enum gen_status gen_send_(struct gen *g, struct value v, const char *how, struct value *out)
{
	/* a suspended frame, or a fresh one started with None (G3) */
	int runnable = g->state == GEN_SUSPENDED || (g->state == GEN_CREATED && v.kind == VAL_NONE);
	if (__builtin_expect(!runnable || g->traced, 0)) return gen_resume_(g, v, how, out);
	g->state = GEN_RUNNING;
	/* The frame is not linked into I->cur: only the trace reads that
	 * chain (an event's actor and line), and the trace is off. */
	struct gen_ret r = g->code->body(g, v);
	value_put(out, gen_ret_value_(r));
	if (__builtin_expect(r.status != GEN_YIELDED, 0)) return gen_after_body_(g, (enum gen_status)r.status, out);
	g->state = GEN_SUSPENDED;
	return GEN_YIELDED;
}

static inline enum gen_status gen_next(struct gen *g, struct value *out)
{
	return gen_send_(g, value_none(), "next", out);
}

static inline enum gen_status gen_send(struct gen *g, struct value v, struct value *out)
{
	return gen_send_(g, v, "send", out);
}

int gen_await_begin_(struct gen *g, struct value aw);
struct gen_ret gen_await_step_(struct gen *g, struct value sent, struct value *dst);

#endif
