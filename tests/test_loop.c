/* test_loop.c -- the event loop: semantics.md L0-L2 (BaseEventLoop._run_once).
 *
 * Every expected output below was printed by python3 3.11.7 running the
 * snippet in the comment above the test (loop = asyncio.new_event_loop()).
 */
#include "config.h"

#include "aiotest.h"

TestSuite(loop, .init = aiotest_init, .fini = aiotest_fini);

/* print("cb", n) and queue a follow-up print(f"cb {n}'") */
static void print_and_requeue_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	P("cb %s", value_cstr(arg));
	struct value next = value_strf("cb %s'", value_cstr(arg));
	loop_call_soon(in->loop, print_cb, "print", NULL, aiotest_cb_actor, next);
	value_unref(next);
}

static void soon_print_and_requeue(struct loop *L, const char *name)
{
	struct value s = value_str(name);
	loop_call_soon(L, print_and_requeue_cb, "cb", NULL, aiotest_cb_actor, s);
	value_unref(s);
}

/*
 *   loop.call_soon(print, "a")
 *   loop.call_soon(loop.stop)
 *   loop.call_soon(lambda: (print("b"), loop.call_soon(print, "c")))
 *   loop.run_forever(); print("-- stopped")
 *   loop.call_soon(loop.stop); loop.run_forever()
 * prints a, b, -- stopped, c: stop() is seen only after the whole
 * iteration, and what that iteration scheduled waits for the next run.
 */
static void b_then_c_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	(void)arg;
	P("b");
	soon_print(in->loop, "c");
}

Test(loop, L0_stop_takes_effect_after_iteration)
{
	struct loop *L = loop_new(I);
	soon_print(L, "a");
	soon_stop(L);
	loop_call_soon(L, b_then_c_cb, "lambda", NULL, aiotest_cb_actor, value_none());
	cr_assert_eq(loop_run_forever(L), 0);
	P("-- stopped");
	cr_expect_eq(loop_iteration(L), 1, "stop() must end run_forever after one iteration");
	cr_expect_eq(loop_ready_count(L), 1, "the handle queued during the iteration stays queued");
	soon_stop(L);
	loop_run_forever(L);
	cr_expect_str_eq(printed(), "a|b|-- stopped|c|");
	aiotest_end();
}

/* BaseEventLoop._run_once: ntodo is a snapshot; handles queued while it runs
 * wait for the next iteration, even though the loop keeps running. */
Test(loop, L0_handles_queued_during_iteration_run_next_iteration)
{
	struct loop *L = loop_new(I);
	soon_print_and_requeue(L, "a");
	loop_run_once(L);
	cr_expect_str_eq(printed(), "cb a|");
	cr_expect_eq(loop_ready_count(L), 1);
	loop_run_once(L);
	cr_expect_str_eq(printed(), "cb a|cb a'|");
	cr_expect_eq(line_of("cb a'")->iteration, line_of("cb a")->iteration + 1);
	aiotest_end();
}

/*
 *   loop.stop(); loop.run_forever(); print("returned")
 * A pre-stopped loop runs one iteration and returns
 * (test_base_events.py: test_run_forever_pre_stopped).
 */
Test(loop, L0_pre_stopped_loop_runs_one_iteration)
{
	struct loop *L = loop_new(I);
	loop_stop(L);
	cr_assert_eq(loop_run_forever(L), 0);
	cr_expect_eq(loop_iteration(L), 1);
	cr_expect_not(loop_is_running(L));
	aiotest_end();
}

/*
 *   for n in "abc":
 *       loop.call_soon(lambda n=n: (print("cb", n), loop.call_soon(print, f"cb {n}'")))
 *   loop.call_soon(loop.stop)
 *   loop.run_forever(); print("-- after first run_forever")
 *   loop.call_soon(loop.stop); loop.run_forever()
 * (03_loop_order.out)
 */
Test(loop, L1_call_soon_is_fifo)
{
	struct loop *L = loop_new(I);
	soon_print_and_requeue(L, "a");
	soon_print_and_requeue(L, "b");
	soon_print_and_requeue(L, "c");
	soon_stop(L);
	loop_run_forever(L);
	P("-- after first run_forever");
	soon_stop(L);
	loop_run_forever(L);
	cr_expect_str_eq(printed(), "cb a|cb b|cb c|-- after first run_forever|cb a'|cb b'|cb c'|");
	aiotest_end();
}

/*
 *   loop.call_later(0, print, "cb later 0")
 *   loop.call_later(0.01, print, "cb later 0.01")
 *   loop.call_later(0.02, print, "cb later 0.02")
 *   loop.call_soon(print, "cb soon")
 *   loop.call_later(0.03, loop.stop); loop.run_forever()
 */
Test(loop, L2_call_soon_beats_expired_timer)
{
	struct loop *L = loop_new(I);
	later_print(L, 0, "cb later 0");
	later_print(L, 0.01, "cb later 0.01");
	later_print(L, 0.02, "cb later 0.02");
	soon_print(L, "cb soon");
	timer_unref(loop_call_later(L, 0.03, stop_cb, "stop", NULL, aiotest_cb_actor, value_none()));
	loop_run_forever(L);
	cr_expect_str_eq(printed(), "cb soon|cb later 0|cb later 0.01|cb later 0.02|");
	/* The expired timer joined the END of the ready queue of the first
	 * iteration: both ran in it. */
	cr_expect_eq(line_of("cb later 0")->iteration, line_of("cb soon")->iteration);
	aiotest_end();
}

/*
 *   loop.call_later(0.03, print, "a")
 *   loop.call_later(0.01, print, "b")
 *   loop.call_later(0.02, print, "c")
 *   loop.call_later(0.04, loop.stop); loop.run_forever()
 * prints b, c, a: TimerHandle.__lt__ compares _when only.
 */
Test(loop, L2_timers_run_in_deadline_order)
{
	struct loop *L = loop_new(I);
	later_print(L, 0.03, "a");
	later_print(L, 0.01, "b");
	later_print(L, 0.02, "c");
	timer_unref(loop_call_later(L, 0.04, stop_cb, "stop", NULL, aiotest_cb_actor, value_none()));
	loop_run_forever(L);
	cr_expect_str_eq(printed(), "b|c|a|");
	cr_expect_float_eq(line_of("b")->time, 0.01, 1e-9);
	cr_expect_float_eq(line_of("c")->time, 0.02, 1e-9);
	cr_expect_float_eq(line_of("a")->time, 0.03, 1e-9);
	aiotest_end();
}

/*
 *   out = []
 *   for i in range(8): loop.call_later(0.01, out.append, i)
 *   loop.call_later(0.02, loop.stop); loop.run_forever(); print(out)
 * prints [0, 1, 2, 3, 4, 5, 6, 7]: each call_later reads the clock again,
 * so equal delays fire in registration order.
 */
Test(loop, L2_equal_call_later_delays_fire_in_registration_order)
{
	struct loop *L = loop_new(I);
	char name[16];
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "%d", i);
		later_print(L, 0.01, name);
	}
	timer_unref(loop_call_later(L, 0.02, stop_cb, "stop", NULL, aiotest_cb_actor, value_none()));
	loop_run_forever(L);
	cr_expect_str_eq(printed(), "0|1|2|3|4|5|6|7|");
	aiotest_end();
}

/* L2 at scale: 3 000 timers with deadlines drawn from 97 values (so many
 * tie), every seventh cancelled.  The live ones must fire in deadline
 * order, ties in registration order (the virtual clock's rule, semantics
 * §9), whatever shape the heap takes inside; the model is a stable sort. */
enum { MANY_TIMERS = 3000 };
static int fired[MANY_TIMERS], nfired;

static void record_cb(struct interp *in, void *target, struct value arg)
{
	(void)in;
	(void)target;
	fired[nfired++] = (int)arg.u.i;
}

static double many_when(int i)
{
	return (double)((i * 7919) % 97) / 100.0;
}

static int by_when_then_index(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	double wx = many_when(x), wy = many_when(y);
	return wx < wy ? -1 : wx > wy ? 1 : (x > y) - (x < y);
}

Test(loop, L2_many_timers_fire_in_deadline_then_registration_order)
{
	struct loop *L = loop_new(I);
	int want[MANY_TIMERS], nwant = 0;
	nfired = 0;
	for (int i = 0; i < MANY_TIMERS; i++) {
		struct timer *t = loop_call_at(L, many_when(i), record_cb, "record", NULL, aiotest_cb_actor,
					       value_int(i));
		if (i % 7 == 3) timer_cancel(t);
		else want[nwant++] = i;
		timer_unref(t);
	}
	qsort(want, (size_t)nwant, sizeof *want, by_when_then_index);
	timer_unref(loop_call_at(L, 1.0, stop_cb, "stop", NULL, aiotest_cb_actor, value_none()));
	loop_run_forever(L);
	cr_assert_eq(nfired, nwant);
	for (int i = 0; i < nwant; i++)
		cr_assert_eq(fired[i], want[i], "timer %d fired at position %d, expected timer %d", fired[i], i,
			     want[i]);
	cr_expect_eq(loop_timer_count(L), 0);
	aiotest_end();
}

/* L2 with timers added and cancelled while others fire: the loop keeps
 * the next timers to fire apart from its heap when it has many, and a new
 * timer may belong among them.  4 000 timers, then each one that fires
 * may add one later timer (many on the same deadlines) and cancel one not
 * yet fired, until 9 000 have been made.  Every new deadline is after the
 * clock, so the order in which timers fire must be that of all the timers
 * ever made that were not cancelled, by deadline, ties in registration
 * order. */
enum { CHURN_FIRST = 4000, CHURN_ALL = 9000 };
static struct churn {
	struct timer *t[CHURN_ALL];
	double when[CHURN_ALL];
	char cancelled[CHURN_ALL], done[CHURN_ALL];
	int n, fired[CHURN_ALL], nfired;
	unsigned rng;
} churn;

static unsigned churn_rand(void)
{
	churn.rng = churn.rng * 1103515245u + 12345u;
	return churn.rng >> 16;
}

static void churn_cb(struct interp *in, void *target, struct value arg);

static void churn_add(struct loop *L, double when)
{
	int i = churn.n++;
	churn.t[i] = loop_call_at(L, when, churn_cb, "churn", NULL, aiotest_cb_actor, value_int(i));
	churn.when[i] = timer_when(churn.t[i]);
}

static void churn_cb(struct interp *in, void *target, struct value arg)
{
	(void)target;
	int i = (int)arg.u.i;
	churn.done[i] = 1;
	churn.fired[churn.nfired++] = i;
	if (churn.n < CHURN_ALL && churn_rand() % 2)
		churn_add(in->loop, loop_time(in->loop) + (double)(churn_rand() % 40 + 1) / 1000.0);
	if (churn_rand() % 5 == 0) {
		int j = (int)(churn_rand() % (unsigned)churn.n);
		if (!churn.done[j] && !churn.cancelled[j]) {
			timer_cancel(churn.t[j]);
			churn.cancelled[j] = 1;
		}
	}
}

static int churn_order(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	double wx = churn.when[x], wy = churn.when[y];
	return wx < wy ? -1 : wx > wy ? 1 : (x > y) - (x < y);
}

Test(loop, L2_timers_added_and_cancelled_while_firing_keep_the_order)
{
	struct loop *L = loop_new(I);
	memset(&churn, 0, sizeof churn);
	churn.rng = 12345;
	for (int i = 0; i < CHURN_FIRST; i++) churn_add(L, (double)((i * 7919) % 97) / 100.0);
	cr_expect_eq(loop_timer_count(L), CHURN_FIRST);
	loop_run_forever(L); /* until no timer is left */
	cr_assert_gt(churn.n, CHURN_FIRST + 1000, "only %d timers were made", churn.n);
	static int want[CHURN_ALL];
	int nwant = 0, ncancelled = 0;
	for (int i = 0; i < churn.n; i++) {
		if (churn.cancelled[i]) ncancelled++;
		else want[nwant++] = i;
	}
	cr_assert_gt(ncancelled, 100, "only %d timers were cancelled", ncancelled);
	qsort(want, (size_t)nwant, sizeof *want, churn_order);
	cr_assert_eq(churn.nfired, nwant);
	for (int i = 0; i < nwant; i++)
		cr_assert_eq(churn.fired[i], want[i], "timer %d fired at position %d, expected timer %d",
			     churn.fired[i], i, want[i]);
	cr_expect_eq(loop_timer_count(L), 0);
	for (int i = 0; i < churn.n; i++) timer_unref(churn.t[i]);
	aiotest_end();
}

/* L2: call_later(d) is call_at(time() + d). */
Test(loop, L2_call_later_is_call_at_now_plus_delay)
{
	struct loop *L = loop_new(I);
	loop_advance(L, 5.0);
	struct timer *t = loop_call_later(L, 0.25, print_cb, "print", NULL, aiotest_cb_actor, value_none());
	cr_expect_float_eq(timer_when(t), loop_time(L) + 0.25, 1e-12);
	timer_cancel(t);
	timer_unref(t);
	cr_expect_eq(loop_timer_count(L), 0, "a cancelled timer is no longer live");
	aiotest_end();
}

/* L0 step 1: with nothing ready, the loop waits for the earliest timer; the
 * virtual clock jumps there instead of sleeping. */
Test(loop, L0_idle_loop_jumps_to_earliest_timer)
{
	struct loop *L = loop_new(I);
	later_print(L, 2.5, "late");
	later_print(L, 1.5, "early");
	loop_run_once(L);
	cr_expect_str_eq(printed(), "early|");
	cr_expect_float_eq(loop_time(L), 1.5, 1e-12);
	loop_run_once(L);
	cr_expect_str_eq(printed(), "early|late|");
	cr_expect_float_eq(loop_time(L), 2.5, 1e-12);
	aiotest_end();
}

/* L0 step 4: a cancelled handle is skipped when its turn comes; a timer
 * callback may cancel a timer that has already been moved to the ready
 * queue (mark-then-reap). */
static struct timer *victim;

static void cancel_victim_cb(struct interp *in, void *target, struct value arg)
{
	(void)in;
	(void)target;
	(void)arg;
	P("canceller");
	timer_cancel(victim);
}

Test(loop, L0_cancelled_handle_is_skipped)
{
	struct loop *L = loop_new(I);
	timer_unref(loop_call_later(L, 1.0, cancel_victim_cb, "canceller", NULL, aiotest_cb_actor, value_none()));
	struct value s = value_str("victim");
	victim = loop_call_later(L, 1.0, print_cb, "print", NULL, aiotest_cb_actor, s);
	value_unref(s);
	later_print(L, 1.0, "after");
	loop_run_once(L);
	cr_expect_str_eq(printed(), "canceller|after|");
	timer_unref(victim);
	aiotest_end();
}

/* loop.run_forever() on a closed loop raises RuntimeError (the engine
 * reports the misuse as -1, run_until_complete turns it into the text). */
Test(loop, run_forever_refuses_closed_loop)
{
	struct loop *L = loop_new(I);
	loop_close(L);
	cr_expect(loop_is_closed(L));
	cr_expect_eq(loop_run_forever(L), -1);
	aiotest_end();
}
