/* gen.c -- generators and coroutines (Objects/genobject.c).
 *
 * resume() is gen_send_ex2: it refuses to run a running frame (G9), a
 * finished coroutine (C3) or a non-None send into a fresh frame (G3); it
 * turns a StopIteration escaping the body into RuntimeError (G8) and closes
 * the frame when the body returns or raises (G1, G4).  gen_close and
 * gen_throw follow gen_close/_gen_throw, including their handling of a
 * delegate (yield from / await).
 */
#include "config.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "future.h"
#include "gen.h"

static int is_coro(const struct gen *g) { return g->code->kind == GEN_KIND_COROUTINE; }

/* "generator already executing" / "coroutine already executing" ... */
static struct value kind_msg(const struct gen *g, enum exc_type t, const char *fmt)
{
	return exc_newf(t, fmt, is_coro(g) ? "coroutine" : "generator");
}

struct trace_actor gen_actor(const struct gen *g)
{
	if (g->traced) return gen_frame(g)->who;
	struct trace_actor a = {g->code->kind == GEN_KIND_COROUTINE ? ACT_CORO : ACT_GEN, 0, g->code->name};
	return a;
}

const char *gen_state_name(const struct gen *g)
{
	static const char *const gen_names[] = {"GEN_CREATED", "GEN_RUNNING", "GEN_SUSPENDED", "GEN_CLOSED"};
	static const char *const coro_names[] = {"CORO_CREATED", "CORO_RUNNING", "CORO_SUSPENDED", "CORO_CLOSED"};
	return (is_coro(g) ? coro_names : gen_names)[g->state];
}

char *gen_repr(const struct gen *g)
{
	return xasprintf("<%s object %s>", is_coro(g) ? "coroutine" : "generator", g->code->name);
}

/* A local that nothing has assigned yet is unbound, and f_locals leaves it
 * out.  The slot reads as None to the body, as always, but its payload
 * holds this mark, which any assignment (value_set, value_put, a struct
 * copy) overwrites: a None the program assigns has payload 0. */
static const long long unbound_mark = 0x554e424f554e44; /* "UNBOUND" */

static int is_unbound(struct value v)
{
	return v.kind == VAL_NONE && v.u.i == unbound_mark;
}

char *gen_locals_repr(const struct gen *g)
{
	if (g->state == GEN_CLOSED || g->code->nlocals == 0) return NULL;
	size_t cap = 64, len = 0;
	char *s = xmalloc(cap);
	/* "name=repr, ..." with memcpy, not sprintf: this runs for every
	 * frame that yields while step mode or the JSON trace records. */
	for (int i = 0; i < g->code->nlocals; i++) {
		const char *name = g->code->varnames[i];
		/* f_locals has neither unbound names nor what Python keeps on
		 * the value stack ("<zip>": a for loop's iterator) */
		if (is_unbound(g->locals[i]) || name[0] == '<') continue;
		char *r = value_repr(g->locals[i]);
		size_t nlen = strlen(name), rlen = strlen(r);
		if (len + nlen + rlen + 4 >= cap) {
			while (len + nlen + rlen + 4 >= cap) cap *= 2;
			s = xrealloc(s, cap);
		}
		if (len) {
			memcpy(s + len, ", ", 2);
			len += 2;
		}
		memcpy(s + len, name, nlen);
		len += nlen;
		s[len++] = '=';
		memcpy(s + len, r, rlen);
		len += rlen;
		free(r);
	}
	s[len] = '\0';
	return s;
}

static size_t gen_size(const struct gen_code *code, int traced)
{
	return sizeof(struct gen) + (size_t)code->nlocals * sizeof(struct value) + (traced ? sizeof(struct frame) : 0);
}

/* g->thrown = exc (stolen: VAL_EXC or None), releasing the old one. */
static void gen_set_thrown(struct gen *g, struct value exc)
{
	struct exc *old = g->thrown;
	g->thrown = value_exc(exc);
	if (!g->thrown) value_unref(exc); /* None */
	if (old) obj_unref(old);
}

/* The delegation is over: drop the reference to the delegate. */
static inline void gen_clear_yf(struct gen *g)
{
	struct obj *o = g->yf;
	g->yf = NULL;
	if (o && __builtin_expect(o->kind == VAL_FUTURE, 0)) future_await_over((struct future *)o);
	obj_unref(o);
}

/* The frame is gone (gi_frame = None): release what it held.  It happens
 * once: a closed generator's frame is already clear. */
static void clear_frame(struct gen *g)
{
	for (int i = 0; i < g->code->nlocals; i++) {
		struct value v = g->locals[i];
		g->locals[i].kind = VAL_NONE;
		value_unref(v);
	}
	gen_clear_yf(g);
	gen_set_thrown(g, value_none());
}

static void gen_dealloc(struct obj *o)
{
	struct gen *g = (struct gen *)o;
	struct interp *I = g->I;
	/* _PyGen_Finalize: a suspended frame is closed first, so its finally
	 * blocks run; an error there is reported, not raised. */
	if (g->state == GEN_SUSPENDED) {
		struct value r;
		g->hdr.refcnt = 1; /* alive again while it closes */
		if (gen_close(g, &r) == GEN_RAISED && trace_on(I)) {
			char *what = gen_repr(g), *err = exc_format(value_exc(r));
			char *msg = xasprintf("Exception ignored in: %s\n%s", what, err);
			interp_warn(I, msg);
			free(msg);
			free(err);
			free(what);
		}
		value_unref(r);
		if (--g->hdr.refcnt != 0) return; /* the body kept a reference */
	}
	/* C5: a coroutine destroyed before its first step warns, at the place
	 * where it is destroyed. */
	if (is_coro(g) && g->state == GEN_CREATED && trace_on(I)) {
		char *msg = xasprintf("RuntimeWarning: coroutine '%s' was never awaited", g->code->name);
		struct trace_event ev;
		trace_event_init(&ev, EV_WARN);
		ev.actor = gen_actor(g);
		ev.state_from = ev.state_to = -1;
		ev.text = msg;
		interp_emit(I, &ev);
		free(msg);
	}
	if (g->state != GEN_CLOSED) {
		g->state = GEN_CLOSED;
		clear_frame(g);
	}
	I->live--;
	obj_free((char *)g - (g->traced ? sizeof(struct frame) : 0), gen_size(g->code, g->traced));
}

/* A new generator of code, its locals not yet set. */
static struct gen *gen_make(struct interp *I, const struct gen_code *code)
{
	int traced = trace_on(I);
	char *p = obj_alloc(gen_size(code, traced));
	struct gen *g = (struct gen *)(p + (traced ? sizeof(struct frame) : 0)); /* gen_frame */
	g->hdr.refcnt = 1;
	g->hdr.kind = VAL_GEN;
	static uint8_t gen_type;
	obj_set_dealloc(&g->hdr, gen_dealloc, &gen_type);
	g->pc = 0;
	g->state = GEN_CREATED;
	g->yf_yielded = 0;
	g->traced = (uint8_t)traced;
	g->code = code;
	g->I = I;
	g->thrown = NULL;
	g->yf = NULL;
	if (traced) {
		struct frame *f = gen_frame(g);
		f->back = NULL;
		f->who.kind = code->kind == GEN_KIND_COROUTINE ? ACT_CORO : ACT_GEN;
		f->who.id = interp_new_id(I, f->who.kind);
		f->who.name = code->name;
		f->line = code->firstlineno;
		f->library = (code->flags & GEN_CODE_LIBRARY) != 0;
	}
	return g;
}

/* The first nargs locals are set: the others start as None; report it. */
static struct value gen_born(struct interp *I, struct gen *g, int nargs)
{
	for (int i = nargs; i < g->code->nlocals; i++) {
		g->locals[i].kind = VAL_NONE;
		g->locals[i].u.i = unbound_mark;
	}
	I->live++;
	struct value v = {VAL_GEN, {0}};
	v.u.o = &g->hdr;
	if (trace_on(I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_GEN_CREATE);
		ev.actor = gen_actor(g);
		ev.state_from = -1;
		ev.state_to = GEN_CREATED;
		ev.flags = g->code->flags & GEN_CODE_LIBRARY ? TRACE_LIBRARY : 0;
		interp_emit(I, &ev);
	}
	return v;
}

struct value gen_new(struct interp *I, const struct gen_code *code, int nargs, ...)
{
	struct gen *g = gen_make(I, code);
	va_list ap;
	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++) {
		struct value a = va_arg(ap, struct value);
		if (i < code->nlocals) g->locals[i] = a;
		else value_unref(a);
	}
	va_end(ap);
	return gen_born(I, g, nargs < code->nlocals ? nargs : code->nlocals);
}

/* gen_newv without a spare to take: apart, as in gen_await_step_. */
static __attribute__((noinline)) struct value gen_newv_made(struct interp *I, const struct gen_code *code, int nargs,
							     const struct value *args)
{
	struct gen *g = gen_make(I, code);
	for (int i = 0; i < nargs; i++) {
		if (i < code->nlocals) value_put(&g->locals[i], args[i]);
		else value_unref(args[i]);
	}
	return gen_born(I, g, nargs < code->nlocals ? nargs : code->nlocals);
}

struct value gen_newv(struct interp *I, const struct gen_code *code, int nargs, const struct value *args)
{
	struct gen *g = I->spare_gen;
	if (!(g && g->code == code && nargs <= code->nlocals)) return gen_newv_made(I, code, nargs, args);
	/* a fresh coroutine of this code that await_inline kept: it never
	 * ran, and its locals are None */
	I->spare_gen = NULL;
	for (int i = 0; i < nargs; i++) value_put(&g->locals[i], args[i]);
	for (int i = nargs; i < code->nlocals; i++) g->locals[i].u.i = unbound_mark;
	I->live++;
	struct value v = {VAL_GEN, {0}};
	v.u.o = &g->hdr;
	return v;
}

static void gen_event(struct gen *g, enum ev_kind k, const char *how, struct value v, int from, int to, int inside)
{
	struct interp *I = g->I;
	struct trace_event ev;
	trace_event_init(&ev, k);
	ev.actor = gen_actor(g);
	ev.text = how;
	ev.value = v;
	ev.state_from = from;
	ev.state_to = to;
	ev.flags = g->code->flags & GEN_CODE_LIBRARY ? TRACE_LIBRARY : 0;
	char *frame = NULL;
	if (inside) ev.line = gen_frame(g)->line;
	if (k == EV_GEN_YIELD && I->want_frames) ev.frame = frame = gen_locals_repr(g);
	interp_emit(I, &ev);
	free(frame);
}

/* The call failed before the frame ran: report and hand back exc. */
static enum gen_status refuse(struct gen *g, const char *how, struct value exc, struct value *out)
{
	if (trace_on(g->I)) gen_event(g, EV_GEN_ERROR, how, exc, (int)g->state, (int)g->state, 0);
	*out = exc;
	return GEN_RAISED;
}

/* The frame has run: suspend or close it (G1, G4, G8).  st and *out are
 * what the body gave. */
enum gen_status gen_after_body_(struct gen *g, enum gen_status st, struct value *out)
{
	struct interp *I = g->I;
	switch (st) {
	case GEN_YIELDED:
		g->state = GEN_SUSPENDED;
		if (trace_on(I)) gen_event(g, EV_GEN_YIELD, NULL, *out, GEN_RUNNING, GEN_SUSPENDED, 1);
		return GEN_YIELDED;
	case GEN_RETURNED:
		g->state = GEN_CLOSED;
		if (trace_on(I)) gen_event(g, EV_GEN_RETURN, NULL, *out, GEN_RUNNING, GEN_CLOSED, 1);
		clear_frame(g);
		return GEN_RETURNED;
	default: {
		g->state = GEN_CLOSED;
		struct exc *e = value_exc(*out);
		if (e && exc_matches(e, EXC_STOP_ITERATION)) { /* G8: PEP 479 */
			struct value rt = kind_msg(g, EXC_RUNTIME_ERROR, "%s raised StopIteration");
			exc_set_cause(value_exc(rt), e);
			value_unref(*out);
			*out = rt;
		}
		if (trace_on(I)) gen_event(g, EV_GEN_RAISE, NULL, *out, GEN_RUNNING, GEN_CLOSED, 1);
		clear_frame(g);
		return GEN_RAISED;
	}
	}
}

/* gen_send_ex2.  arg is borrowed; exc (None or VAL_EXC) is stolen. */
static enum gen_status resume(struct gen *g, struct value arg, struct value exc, int closing,
			      const char *how, struct value *out)
{
	struct interp *I = g->I;
	int has_exc = exc.kind != VAL_NONE;

	if (g->state == GEN_RUNNING) { /* G9 */
		value_unref(exc);
		return refuse(g, how, kind_msg(g, EXC_VALUE_ERROR, "%s already executing"), out);
	}
	if (g->state == GEN_CLOSED) {
		if (is_coro(g) && !closing) { /* C3 */
			value_unref(exc);
			return refuse(g, how, exc_new(EXC_RUNTIME_ERROR, "cannot reuse already awaited coroutine"), out);
		}
		if (has_exc) /* G5: throw() into a finished generator re-raises */
			return refuse(g, how, exc, out);
		/* G5: an exhausted generator raises a bare StopIteration */
		if (trace_on(I)) {
			struct value si = exc_new(EXC_STOP_ITERATION, NULL);
			gen_event(g, EV_GEN_ERROR, how, si, GEN_CLOSED, GEN_CLOSED, 0);
			value_unref(si);
		}
		*out = value_none();
		return GEN_RETURNED;
	}
	if (g->state == GEN_CREATED && !has_exc && arg.kind != VAL_NONE) { /* G3 */
		return refuse(g, how, kind_msg(g, EXC_TYPE_ERROR, "can't send non-None value to a just-started %s"), out);
	}

	enum gen_state from = g->state;
	if (trace_on(I)) gen_event(g, EV_GEN_RESUME, how, has_exc ? exc : arg, (int)from, GEN_RUNNING, 0);
	g->state = GEN_RUNNING;

	enum gen_status st;
	if (from == GEN_CREATED && has_exc) {
		/* G7: thrown into a frame that has not started: raised at its
		 * first line; nothing of the body runs. */
		*out = exc;
		st = GEN_RAISED;
	} else {
		gen_set_thrown(g, exc);
		/* The frame runs linked into I->cur, so that events name it and
		 * its lines. */
		struct gen_ret r;
		if (g->traced) {
			struct frame *f = gen_frame(g);
			f->back = I->cur;
			I->cur = f;
			r = g->code->body(g, arg);
			I->cur = f->back;
		} else {
			r = g->code->body(g, arg); /* as on the fast path: no frame to link */
		}
		*out = gen_ret_value_(r);
		st = (enum gen_status)r.status;
	}
	return gen_after_body_(g, st, out);
}

enum gen_status gen_resume_(struct gen *g, struct value v, const char *how, struct value *out)
{
	return resume(g, v, value_none(), 0, how, out);
}

/* close_iter: close a delegate; an exception it raises is returned (VAL_EXC),
 * else None. */
static struct value close_delegate(struct value yf)
{
	struct gen *sub = value_gen(yf);
	if (!sub) return value_none(); /* a future's iterator closes quietly */
	struct value r;
	if (gen_close(sub, &r) == GEN_RAISED) return r;
	value_unref(r);
	return value_none();
}

enum gen_status gen_throw(struct gen *g, struct value exc, struct value *out)
{
	if (exc.kind != VAL_EXC) { /* G7 */
		return refuse(g, "throw",
			      exc_newf(EXC_TYPE_ERROR,
				       "exceptions must be classes or instances deriving from BaseException, not %s",
				       value_type_name(exc)),
			      out);
	}
	/* _gen_throw: GeneratorExit closes the delegate first, then is raised
	 * in this frame at the point of delegation. */
	if (g->state == GEN_SUSPENDED && g->yf &&
	    exc_matches(value_exc(exc), EXC_GENERATOR_EXIT)) {
		g->state = GEN_RUNNING;
		struct value err = close_delegate(gen_yf(g));
		g->state = GEN_SUSPENDED;
		gen_clear_yf(g);
		if (err.kind != VAL_NONE) return resume(g, value_none(), err, 0, "throw", out);
	}
	return resume(g, value_none(), value_ref(exc), 0, "throw", out);
}

enum gen_status gen_close(struct gen *g, struct value *out)
{
	struct interp *I = g->I;
	if (g->state == GEN_CREATED) { /* G6: closed without running the body */
		if (trace_on(I)) gen_event(g, EV_GEN_RESUME, "close", value_none(), GEN_CREATED, GEN_CLOSED, 0);
		g->state = GEN_CLOSED;
		clear_frame(g);
		*out = value_none();
		return GEN_RETURNED;
	}
	if (g->state == GEN_CLOSED) { /* G6, C3: close() stays silent */
		*out = value_none();
		return GEN_RETURNED;
	}
	if (g->state == GEN_RUNNING)
		return refuse(g, "close", kind_msg(g, EXC_VALUE_ERROR, "%s already executing"), out);

	struct value err = value_none();
	if (g->yf) {
		g->state = GEN_RUNNING;
		err = close_delegate(gen_yf(g));
		g->state = GEN_SUSPENDED;
		gen_clear_yf(g);
	}
	if (err.kind == VAL_NONE) err = exc_new(EXC_GENERATOR_EXIT, NULL);
	struct value r;
	enum gen_status st = resume(g, value_none(), err, 1, "close", &r);
	if (st == GEN_YIELDED) { /* G6: it yielded again; stays suspended */
		value_unref(r);
		*out = kind_msg(g, EXC_RUNTIME_ERROR, "%s ignored GeneratorExit");
		return GEN_RAISED;
	}
	if (st == GEN_RAISED) {
		struct exc *e = value_exc(r);
		if (!(e && (exc_matches(e, EXC_GENERATOR_EXIT) || exc_matches(e, EXC_STOP_ITERATION)))) {
			*out = r;
			return GEN_RAISED;
		}
	}
	/* 3.11 returns None even when the body returned a value (G6). */
	value_unref(r);
	*out = value_none();
	return GEN_RETURNED;
}

/* ---- helpers for bodies ---- */

#ifdef VALUE_ASAN
void gen_check_yield_(const struct gen *g)
{
	assert(!g->thrown && "a body yields with an exception thrown in and not taken");
}
#endif

struct value gen_take_thrown(struct gen *g)
{
	struct value e = {VAL_NONE, {0}};
	if (g->thrown) {
		e.kind = VAL_EXC;
		e.u.o = &g->thrown->hdr;
		g->thrown = NULL;
	}
	return e;
}

/* What g->yf points to while g makes an awaited coroutine's bare yield
 * itself (gen_await_begin_).  Referenced like any delegate; never freed. */
static struct obj bare_yield = {1, VAL_OBJ, 0};

/* With the trace off, a coroutine awaited fresh, by its only holder, may
 * be awaited without running its frame, when nobody could tell:
 *
 * - One whose code says GEN_CODE_BARE_YIELD has the body
 *       yield None; return locals[0]
 *   (sleep(0)).  With locals[0] None, the awaiting frame makes that yield
 *   itself, and a send, throw or close reaches it at the same point with
 *   the same outcome.
 * - One whose code has await_instead is replaced by the future it returns
 *   (sleep(delay): the future its body would await, with the timer that
 *   finishes it; future_await_over cancels the timer when the await ends,
 *   as the body's finally would).
 *
 * The coroutine, never run, is kept in the interp's spare slot when that is
 * free, and the next gen_newv of its code takes it back instead of making
 * one: such an await then allocates no frame. */
static void keep_or_free(struct gen *sub)
{
	struct interp *I = sub->I;
	if (!I->spare_gen) {
		I->spare_gen = sub; /* with the reference aw brought */
		I->live--;
		return;
	}
	sub->state = GEN_CLOSED;
	clear_frame(sub);
	obj_unref(&sub->hdr);
}

/* The first case: sub, awaited by g, may be g's own bare yield. */
static inline int yields_bare(const struct gen *g, const struct gen *sub)
{
	return sub && !g->traced && sub->state == GEN_CREATED && sub->hdr.refcnt == 1 &&
	       (sub->code->flags & GEN_CODE_BARE_YIELD) && sub->locals[0].kind == VAL_NONE;
}

static int await_inline(struct gen *g, struct value aw)
{
	struct gen *sub = value_gen(aw);
	if (g->traced || !sub || sub->state != GEN_CREATED || sub->hdr.refcnt != 1) return 0;
	const struct gen_code *code = sub->code;
	if (code->flags & GEN_CODE_BARE_YIELD) {
		if (!yields_bare(g, sub)) return 0;
		keep_or_free(sub);
		gen_clear_yf(g);
		obj_ref(&bare_yield);
		g->yf = &bare_yield;
		g->yf_yielded = 0;
		return 1;
	}
	if (!code->await_instead) return 0;
	struct value f = code->await_instead(sub);
	if (f.kind != VAL_FUTURE) return 0;
	for (int i = 0; i < code->nlocals; i++) assert(sub->locals[i].kind == VAL_NONE);
	keep_or_free(sub);
	gen_clear_yf(g);
	g->yf = f.u.o; /* the reference f brought */
	g->yf_yielded = 0;
	return 1;
}

void gen_drop_spare(struct interp *I)
{
	struct gen *g = I->spare_gen;
	if (!g) return;
	I->spare_gen = NULL;
	I->live++;
	g->state = GEN_CLOSED;
	clear_frame(g);
	obj_unref(&g->hdr);
}

static __attribute__((noinline)) int await_begin(struct gen *g, struct value aw)
{
	if (await_inline(g, aw)) return 0;
	if (aw.kind != VAL_GEN && aw.kind != VAL_FUTURE) {
		gen_set_thrown(g, exc_newf(EXC_TYPE_ERROR, "object %s can't be used in 'await' expression",
					       value_type_name(aw)));
		value_unref(aw);
		return 1;
	}
	gen_clear_yf(g);
	g->yf = aw.u.o; /* the reference aw brought */
	g->yf_yielded = 0;
	if (trace_on(g->I)) {
		struct trace_event ev;
		trace_event_init(&ev, EV_GEN_AWAIT);
		ev.actor = gen_actor(g);
		ev.other = aw.kind == VAL_GEN ? gen_actor(value_gen(aw)) : future_actor(value_future(aw));
		ev.state_from = ev.state_to = -1;
		ev.value = aw;
		ev.flags = g->code->flags & GEN_CODE_LIBRARY ? TRACE_LIBRARY : 0;
		interp_emit(g->I, &ev);
	}
	return 0;
}

/* await_inline's first case, when the spare slot is free and this frame
 * has no delegate left to drop, comes first and apart from the rest
 * (await_begin), as in gen_await_step_. */
int gen_await_begin_(struct gen *g, struct value aw)
{
	GEN_CHECK_YIELD_(g); /* one left behind would be thrown into aw */
	struct gen *sub = value_gen(aw);
	if (!(yields_bare(g, sub) && !g->yf && !g->I->spare_gen)) return await_begin(g, aw);
	g->I->spare_gen = sub; /* keep_or_free, with the reference aw brought */
	g->I->live--;
	bare_yield.refcnt++; /* obj_ref */
	g->yf = &bare_yield;
	g->yf_yielded = 0;
	return 0;
}

/* One step of `yield from` / `await` (the SEND instruction): pass what this
 * resume brought (sent, or g->thrown) to the delegate.  Returns GEN_YIELDED
 * with the delegate's value (this frame's yield), GEN_CONTINUE_ (done: the
 * result is in *dst) or GEN_RAISED (the exception is left in g->thrown). */
static __attribute__((noinline)) struct gen_ret await_step(struct gen *g, struct value sent, struct value *dst)
{
	struct value r;
	enum gen_status st;
	if (!g->yf) {
		/* gen_close already closed the delegate: the exception is raised
		 * here, in this frame. */
		if (gen_has_thrown(g)) return gen_ret_(GEN_RAISED, value_none());
		if (dst) value_set(dst, value_none());
		return gen_ret_(GEN_CONTINUE_, value_none());
	}
	if (g->yf == &bare_yield) { /* an exception thrown in at the bare
					 yield: gen_await_step_ does the rest */
		g->yf = NULL; /* gen_clear_yf, for what is known not to be a future */
		obj_unref(&bare_yield);
		return gen_ret_(GEN_RAISED, value_none());
	}
	struct gen *sub = value_gen(gen_yf(g));
	if (sub) {
		if (gen_has_thrown(g)) {
			struct value e = gen_take_thrown(g);
			st = gen_throw(sub, e, &r);
			value_unref(e);
		} else {
			st = gen_send(sub, sent, &r);
		}
	} else {
		/* Future.__await__: yield the future itself while it is pending
		 * (with _asyncio_future_blocking set), then return its result.
		 * What is sent in is ignored, as FutureIter.send does. */
		struct future *f = value_future(gen_yf(g));
		if (gen_has_thrown(g)) {
			st = GEN_RAISED;
			r = gen_take_thrown(g);
		} else if (!g->yf_yielded && !future_done(f)) {
			g->yf_yielded = 1;
			f->blocking = 1;
			return gen_ret_(GEN_YIELDED, value_ref(gen_yf(g)));
		} else if (!future_done(f)) {
			st = GEN_RAISED;
			r = exc_new(EXC_RUNTIME_ERROR, "await wasn't used with future");
		} else {
			st = future_result(f, &r) ? GEN_RAISED : GEN_RETURNED;
		}
	}
	if (st == GEN_YIELDED) return gen_ret_(GEN_YIELDED, r);
	gen_clear_yf(g);
	if (st == GEN_RETURNED) {
		if (dst) value_set(dst, r);
		else value_unref(r);
		return gen_ret_(GEN_CONTINUE_, value_none());
	}
	gen_set_thrown(g, r);
	return gen_ret_(GEN_RAISED, value_none());
}

/* The bare yield of an inlined sleep(0), and the resume after it, come
 * first, and apart from the rest (await_step): that common path then saves
 * no registers.  With the same split in gen_await_begin_, gen_newv and
 * loop_call_soon, a task step runs a fifth fewer instructions. */
struct gen_ret gen_await_step_(struct gen *g, struct value sent, struct value *dst)
{
	if (g->yf != &bare_yield || gen_has_thrown(g)) return await_step(g, sent, dst);
	if (!g->yf_yielded) {
		g->yf_yielded = 1;
		return gen_ret_(GEN_YIELDED, value_none());
	}
	g->yf = NULL; /* gen_clear_yf, for what is known not to be a future */
	bare_yield.refcnt--; /* obj_unref: it is never freed */
	if (dst) value_set(dst, value_none());
	return gen_ret_(GEN_CONTINUE_, value_none());
}
