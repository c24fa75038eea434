/* testlib.h -- what the engine's Criterion suites share: a trace sink that
 * records every event as a line of text (plus the fields tests check one by
 * one), assertions on values and exceptions, and macros that declare a
 * generator or coroutine function the way `def` / `async def` does.
 *
 * Each test runs in a process of its own (Criterion).  A test that uses an
 * interp opens it with tl_open() and ends with tl_close(), which checks that
 * every engine object is gone and, in a sanitizer build, that nothing leaked.
 * The checks are made in the test body, not in a .fini hook: Criterion 2.4
 * prints an assertion that fails in .fini but still counts the test as
 * passing.
 *
 * Expected texts in the suites come from python3 3.11.7 (the one-liner is in
 * a comment next to the assertion) or from semantics.md, never from the
 * engine's own output.
 */
#ifndef CORO_TESTLIB_H
#define CORO_TESTLIB_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "engine/gen.h"
#include "engine/interp.h"
#include "engine/trace.h"
#include "engine/value.h"

#ifdef VALUE_ASAN
#include <sanitizer/lsan_interface.h>
#endif

/* ---- the recording sink ---- */

/* One event, copied: everything a trace_event points to is borrowed. */
struct tl_event {
	enum ev_kind kind;
	enum actor_kind actor_kind;
	unsigned actor_id;
	int line;
	int state_from, state_to;
	unsigned flags;
	char *actor;  /* the actor's name, "" if none */
	char *other;  /* the second party's name, NULL if none */
	char *text;   /* NULL if none */
	char *value;  /* repr of the value, NULL when it is None */
	char *frame;  /* EV_GEN_YIELD: the frame's locals, NULL if none */
	/* "kind actor[ text][ value][ -> other]", e.g. "gen.resume f send 'A'",
	 * "gen.yield f 1", "print inner finally", "gen.await outer <...> -> inner" */
	char *str;
};

struct tl_rec {
	struct tl_event *ev;
	size_t n, cap;
	char *joined; /* tl_rec_dump()'s last answer */
};

static inline char *tl_strdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static inline void tl_rec_emit(void *ud, const struct trace_event *ev)
{
	struct tl_rec *r = ud;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->ev = xrealloc(r->ev, r->cap * sizeof *r->ev);
	}
	struct tl_event *e = &r->ev[r->n++];
	memset(e, 0, sizeof *e);
	e->kind = ev->kind;
	e->actor_kind = ev->actor.kind;
	e->actor_id = ev->actor.id;
	e->line = ev->line;
	e->state_from = ev->state_from;
	e->state_to = ev->state_to;
	e->flags = ev->flags;
	e->actor = xstrdup(ev->actor.name ? ev->actor.name : "");
	e->other = ev->other.kind != ACT_NONE ? tl_strdup_or_null(ev->other.name) : NULL;
	e->text = tl_strdup_or_null(ev->text);
	e->value = ev->value.kind != VAL_NONE ? value_repr(ev->value) : NULL;
	e->frame = tl_strdup_or_null(ev->frame);
	e->str = xasprintf("%s %s%s%s%s%s%s%s", trace_kind_name(ev->kind), e->actor,
			   e->text ? " " : "", e->text ? e->text : "",
			   e->value ? " " : "", e->value ? e->value : "",
			   e->other ? " -> " : "", e->other ? e->other : "");
}

static inline struct trace_sink tl_rec_sink(struct tl_rec *r)
{
	struct trace_sink s = {tl_rec_emit, r};
	return s;
}

/* Forget the events recorded so far. */
static inline void tl_rec_clear(struct tl_rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct tl_event *e = &r->ev[i];
		free(e->actor);
		free(e->other);
		free(e->text);
		free(e->value);
		free(e->frame);
		free(e->str);
	}
	r->n = 0;
}

static inline void tl_rec_free(struct tl_rec *r)
{
	tl_rec_clear(r);
	free(r->ev);
	free(r->joined);
	memset(r, 0, sizeof *r);
}

/* Index of the first event at or after `from` whose str is s, or -1. */
static inline long tl_rec_find(const struct tl_rec *r, const char *s, size_t from)
{
	for (size_t i = from; i < r->n; i++)
		if (strcmp(r->ev[i].str, s) == 0) return (long)i;
	return -1;
}

/* How many events of kind k were recorded. */
static inline size_t tl_rec_count(const struct tl_rec *r, enum ev_kind k)
{
	size_t c = 0;
	for (size_t i = 0; i < r->n; i++) c += r->ev[i].kind == k;
	return c;
}

/* All events, one per line, for failure messages.  Owned by r. */
static inline const char *tl_rec_dump(struct tl_rec *r)
{
	size_t len = 1;
	for (size_t i = 0; i < r->n; i++) len += strlen(r->ev[i].str) + 3;
	free(r->joined);
	r->joined = xmalloc(len);
	r->joined[0] = '\0';
	for (size_t i = 0; i < r->n; i++) {
		strcat(r->joined, "  ");
		strcat(r->joined, r->ev[i].str);
		strcat(r->joined, "\n");
	}
	return r->joined;
}

/* The recorded events of the kinds in `kinds` (EV_N_KINDS-terminated; NULL
 * for all) must read exactly `want` (NULL-terminated).  Returns NULL when
 * they do, else a message the caller frees. */
static inline char *tl_rec_match(struct tl_rec *r, const int *kinds, const char *const *want)
{
	size_t w = 0;
	for (size_t i = 0; i < r->n; i++) {
		int keep = kinds == NULL;
		for (const int *k = kinds; k && *k != EV_N_KINDS; k++) keep |= (int)r->ev[i].kind == *k;
		if (!keep) continue;
		if (!want[w])
			return xasprintf("unexpected event #%zu \"%s\"; trace:\n%s", i + 1, r->ev[i].str,
					 tl_rec_dump(r));
		if (strcmp(want[w], r->ev[i].str) != 0)
			return xasprintf("event #%zu is \"%s\", expected \"%s\"; trace:\n%s", i + 1,
					 r->ev[i].str, want[w], tl_rec_dump(r));
		w++;
	}
	if (want[w]) return xasprintf("missing event \"%s\"; trace:\n%s", want[w], tl_rec_dump(r));
	return NULL;
}

/* Fails the test with msg (freed first, so that a failing test does not
 * also report a leak); does nothing when msg is NULL. */
#define tl_fail_with_(msg)                                                     \
	do {                                                                   \
		char *m_ = (msg);                                              \
		if (m_) {                                                      \
			char b_[8192];                                         \
			snprintf(b_, sizeof b_, "%s", m_);                     \
			free(m_);                                              \
			cr_assert_fail("%s", b_);                              \
		}                                                              \
	} while (0)

/* tl_assert_events(&rec, "gen.create f", "gen.resume f next", ...): the
 * whole trace, in order. */
#define tl_assert_events(r, ...)                                               \
	do {                                                                   \
		static const char *const want_[] = {__VA_ARGS__, NULL};        \
		tl_fail_with_(tl_rec_match((r), NULL, want_));                 \
	} while (0)

/* The same, counting only events of the listed kinds:
 * tl_assert_events_of(&rec, TL_KINDS(EV_PRINT), "print g started", ...). */
#define TL_KINDS(...) ((const int[]){__VA_ARGS__, EV_N_KINDS})
#define tl_assert_events_of(r, kinds, ...)                                     \
	do {                                                                   \
		static const char *const want_[] = {__VA_ARGS__, NULL};        \
		tl_fail_with_(tl_rec_match((r), (kinds), want_));              \
	} while (0)

/* ---- one run per test ---- */

struct tl_ctx {
	struct interp *I;
	struct tl_rec rec;
};

/* A fresh interp whose events go to c->rec. */
static inline void tl_open(struct tl_ctx *c)
{
	memset(c, 0, sizeof *c);
	struct trace_sink s = tl_rec_sink(&c->rec);
	c->I = interp_new(&s);
}

/* Nothing may be left alive or leaked: every struct value a test made must
 * have been released by now. */
static inline void tl_assert_no_leaks(void)
{
#ifdef VALUE_ASAN
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
		     "LeakSanitizer found leaks (see the report above)");
#endif
}

static inline void tl_close(struct tl_ctx *c)
{
	unsigned long long live = c->I->live;
	interp_free(c->I);
	tl_rec_free(&c->rec);
	c->I = NULL;
	cr_assert_eq(live, 0, "%llu engine object(s) still alive at the end of the test", live);
	tl_assert_no_leaks();
}

/* ---- values ---- */

/* repr(v) / str(v) must be `want`.  v is borrowed. */
#define tl_expect_repr(v, want)                                                \
	do {                                                                   \
		char *s_ = value_repr(v);                                      \
		cr_expect_str_eq(s_, (want), "repr: got %s, expected %s", s_, (want)); \
		free(s_);                                                      \
	} while (0)
#define tl_expect_str(v, want)                                                 \
	do {                                                                   \
		char *s_ = value_str_of(v);                                    \
		cr_expect_str_eq(s_, (want), "str: got %s, expected %s", s_, (want)); \
		free(s_);                                                      \
	} while (0)

/* v must be an exception of exactly type t whose str() is msg. */
#define tl_assert_exc(v, t, msg)                                               \
	do {                                                                   \
		struct value v_ = (v);                                         \
		struct exc *e_ = value_exc(v_);                                \
		if (!e_)                                                       \
			tl_fail_with_(xasprintf("expected %s(%s), got a %s",   \
						exc_type_name(t), (msg), value_type_name(v_))); \
		char *r_ = value_repr(v_);                                     \
		cr_expect_eq(e_->type, (t), "expected a %s, got %s", exc_type_name(t), r_); \
		char *s_ = value_str_of(v_);                                   \
		cr_expect_str_eq(s_, (msg), "expected %s, got %s", (msg), s_); \
		free(s_);                                                      \
		free(r_);                                                      \
	} while (0)

/* ---- generator and coroutine functions ---- */

/* The names of a body's local slots, in order (gen_locals_repr shows them). */
static const char *const tl_varnames[] __attribute__((unused)) = {"a", "b", "c", "d", "e", "f"};

/* TL_GEN(name, nlocals, firstlineno) { GEN_BEGIN(g); ... GEN_END(g); }
 * declares `def name(): ...`: a static struct gen_code `name` whose body is
 * the block that follows, with nlocals slots named a, b, c ... (at most 6).
 * Call it with gen_new(I, &name, nargs, args...). */
#define TL_CODE_(fn, qualname, kind_, nlocals_, line_)                          \
	static GEN_BODY(fn##_body);                       \
	static const struct gen_code fn = {                                    \
		.name = (qualname),                                            \
		.kind = (kind_),                                               \
		.body = fn##_body,                                             \
		.nlocals = (nlocals_),                                         \
		.varnames = tl_varnames,                                       \
		.firstlineno = (line_),                                        \
	};                                                                     \
	static GEN_BODY(fn##_body)
#define TL_GEN(fn, nlocals, line) TL_CODE_(fn, #fn, GEN_KIND_GENERATOR, nlocals, line)
#define TL_CORO(fn, nlocals, line) TL_CODE_(fn, #fn, GEN_KIND_COROUTINE, nlocals, line)
/* The same with a __qualname__ of its own ("outer.<locals>.inner"). */
#define TL_CORO_Q(fn, qualname, nlocals, line) TL_CODE_(fn, qualname, GEN_KIND_COROUTINE, nlocals, line)

/* print(text) from the running frame: the event shows who printed. */
#define TL_PRINT(g, text) interp_print((g)->I, (text))

#endif
