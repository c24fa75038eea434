/* gen.h -- generators and coroutines as stackless heap frames.
 *
 * A generator is a struct gen: the code it runs (a static struct gen_code,
 * like a CPython code object), its state, a resume point and its locals.  The
 * body is an ordinary C function re-entered on every resume; GEN_BEGIN jumps
 * to the resume point (a switch over __LINE__ labels).  So:
 *
 *   - Anything that must survive a yield lives in g->locals (struct value
 *     slots named by code->varnames, shown by step mode like gi_frame) or in
 *     g->cdata, never in a C automatic variable.  A C local is dead after
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
typedef enum gen_status (*gen_body_fn)(struct gen *g);

struct gen_code {
	const char *name;      /* __qualname__: "consumer", "main.<locals>.f" */
	enum gen_kind kind;
	gen_body_fn body;
	int nlocals;
	const char *const *varnames; /* nlocals names; arguments first */
	int firstlineno;       /* line of the `def` in the Python mirror, 0 if none */
	unsigned flags;        /* GEN_CODE_LIBRARY: asyncio's own code */
	void (*cdata_free)(void *cdata);
};
enum { GEN_CODE_LIBRARY = 1u << 0 };

struct gen {
	struct obj hdr;
	struct interp *I;
	const struct gen_code *code;
	enum gen_state state;
	int pc;                 /* resume point; 0 = not started (f_lasti < 0) */
	struct frame frame;     /* current line, caller link, actor */
	struct value in;        /* value sent in by this resume */
	struct value thrown;    /* exception thrown in by this resume, or None */
	struct value out;       /* what the body yields, returns or raises */
	struct value yf;        /* gi_yieldfrom / cr_await: VAL_GEN, VAL_FUTURE or None */
	int yf_yielded;         /* a future delegate has yielded itself once */
	void *cdata;            /* C state of library coroutines (code->cdata_free) */
	struct value locals[];  /* code->nlocals slots, None initially */
};

/* Calling the generator function: a new generator in GEN_CREATED; nothing of
 * the body runs (G2, C1).  args (nargs values, stolen) fill the first local
 * slots.  Returns a new reference. */
struct value gen_new(struct interp *I, const struct gen_code *code, int nargs, ...);

/* next(g) / g.send(v) / g.throw(exc) / g.close().  v and exc are borrowed.
 * gen_throw takes an exception value (VAL_EXC); anything else raises the
 * TypeError of G7.  gen_close returns GEN_RETURNED with None on success. */
enum gen_status gen_next(struct gen *g, struct value *out);
enum gen_status gen_send(struct gen *g, struct value v, struct value *out);
enum gen_status gen_throw(struct gen *g, struct value exc, struct value *out);
enum gen_status gen_close(struct gen *g, struct value *out);

/* repr(g): "<generator object consumer>" (no address: traces must be
 * reproducible).  Caller frees. */
char *gen_repr(const struct gen *g);
const char *gen_state_name(const struct gen *g); /* "GEN_SUSPENDED", "CORO_CLOSED" ... */
struct trace_actor gen_actor(const struct gen *g);
/* "r='200 OK', n=3": the frame's locals (NULL when closed).  Caller frees. */
char *gen_locals_repr(const struct gen *g);

/* --- for bodies --- */
#define GEN_BEGIN(g) switch ((g)->pc) { case 0:
#define GEN_END(g) } return gen_return_((g), value_none())

/* yield v (stolen).  On resume, a thrown exception propagates out of the
 * body; otherwise the sent value is stored in *(dst) (may be NULL). */
#define GEN_YIELD(g, v, dst)                                               \
	do {                                                                   \
		(g)->pc = __LINE__;                                                \
		return gen_yield_((g), (v));                                       \
	case __LINE__:                                                         \
		if (gen_has_thrown(g)) return gen_raise_thrown_(g);                \
		gen_take_sent_((g), (dst));                                        \
	} while (0)

/* Like GEN_YIELD, but a thrown exception is left in (g)->thrown for the body
 * to handle (take it with gen_take_thrown). */
#define GEN_YIELD_TRY(g, v, dst)                                           \
	do {                                                                   \
		(g)->pc = __LINE__;                                                \
		return gen_yield_((g), (v));                                       \
	case __LINE__:                                                         \
		if (!gen_has_thrown(g)) gen_take_sent_((g), (dst));                \
	} while (0)

/* res = await aw / yield from aw.  aw (stolen) is a coroutine, generator or
 * future.  The result is stored in *(dst) (may be NULL); an exception raised
 * by the awaited object propagates out of the body. */
#define GEN_AWAIT(g, aw, dst)                                              \
	do {                                                                   \
		enum gen_status st_;                                               \
		if (gen_await_begin_((g), (aw))) return gen_raise_thrown_(g);      \
		(g)->pc = __LINE__;                                                \
	case __LINE__:                                                         \
		st_ = gen_await_step_((g), (dst));                                 \
		if (st_ == GEN_RAISED) return gen_raise_thrown_(g);                \
		if (st_ != GEN_CONTINUE_) return st_;                              \
	} while (0)

/* Like GEN_AWAIT, but an exception from the awaited object is left in
 * (g)->thrown for the body (try: await ... except ...). */
#define GEN_AWAIT_TRY(g, aw, dst)                                          \
	do {                                                                   \
		enum gen_status st_;                                               \
		if (gen_await_begin_((g), (aw))) break;                            \
		(g)->pc = __LINE__;                                                \
	case __LINE__:                                                         \
		st_ = gen_await_step_((g), (dst));                                 \
		if (st_ != GEN_CONTINUE_ && st_ != GEN_RAISED) return st_;         \
	} while (0)

#define GEN_RETURN(g, v) return gen_return_((g), (v))
#define GEN_RAISE(g, e) return gen_raise_((g), (e))

/* The exception thrown in at the last GEN_*_TRY (VAL_EXC), or None; the
 * caller owns it.  A body that does not handle it re-raises it with
 * GEN_RAISE(g, e). */
struct value gen_take_thrown(struct gen *g);
static inline int gen_has_thrown(const struct gen *g) { return g->thrown.kind != VAL_NONE; }

enum gen_status gen_yield_(struct gen *g, struct value v);
enum gen_status gen_return_(struct gen *g, struct value v);
enum gen_status gen_raise_(struct gen *g, struct value exc);
enum gen_status gen_raise_thrown_(struct gen *g);
void gen_take_sent_(struct gen *g, struct value *dst);
int gen_await_begin_(struct gen *g, struct value aw);
enum gen_status gen_await_step_(struct gen *g, struct value *dst);

#endif
