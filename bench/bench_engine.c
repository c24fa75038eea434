/* bench_engine.c -- the engine side of the benchmark (bench/run drives it).
 *
 * Each workload is the program bench_python.py runs on CPython's asyncio,
 * written on the engine with the same structure: the same coroutines, the
 * same awaits, the same number of tasks and steps.  One workload per process;
 * the last line printed is `key=value ...`, where secs is the time of the
 * work itself (process start and teardown excluded, as in the Python side)
 * and check is a result both sides must agree on.
 *
 *   gen N             a generator that yields what it is sent, N sends
 *   sleep0 N K        N tasks, each awaiting asyncio.sleep(0) K times
 *   sleep0-trace N K  the same, with every trace event recorded (see below)
 *   sleep0-hash N K   the same, with every trace event counted and hashed
 *   sleep0-frames N K as sleep0-trace, the engine also formatting each
 *                     yielding frame's locals (what step mode asks for)
 *   timers N          N tasks, each sleeping its own delay (virtual clock)
 *   timers-trace N    the same, with every trace event recorded
 *   mem N sleep|future  RSS growth per pending task: N tasks stepped once,
 *                     each left awaiting sleep(1000) or a future of its own
 *   scale N ITERS     N tasks that await sleep(0) forever: the cost of one
 *                     task step, timed over ITERS loop iterations
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/aio.h"

static double now_secs(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size in bytes, from /proc/self/statm (the same file the
 * Python side reads). */
static long long rss_bytes(void)
{
	long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f) return -1;
	if (fscanf(f, "%lld %lld", &size, &resident) != 2) resident = -1;
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

/* The delay of task i in the timer workload: a permutation of [0, 1)
 * (multiplication modulo a prime), so no two deadlines tie.  The same
 * formula is in bench_python.py. */
static double delay_of(long long i)
{
	return (double)((i * 2654435761LL) % 1000003LL) / 1000003.0;
}

/* ---- the trace sinks ----
 *
 * "Recorded" (sleep0-trace) means: every event is copied into a fixed-size
 * 16-byte binary record (time, actor id, kind, actor kind, flags) appended
 * to one growing array, as a recorder for step mode or a trace file would;
 * seq is the record's index + 1 (checked).  Nothing is formatted and the
 * borrowed fields (text, value, frame) are not copied.
 *
 * "Hashed" (sleep0-hash) keeps nothing: it counts the events and folds the
 * same fields into a hash, so it measures the engine's own cost of
 * tracing, without the cost of storing 19 million records. */
struct rec {
	double time;
	uint32_t actor_id;
	uint8_t kind;
	uint8_t actor_kind;
	uint16_t flags;
};

struct recorder {
	struct rec *v;
	size_t n, cap;
	uint64_t bad_seq; /* events whose seq was not n + 1 */
	uint64_t hash;
};

static void record_emit(void *ud, const struct trace_event *ev)
{
	struct recorder *r = ud;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1 << 16;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	if (ev->seq != r->n + 1) r->bad_seq++;
	r->v[r->n++] = (struct rec){ev->time, ev->actor.id, (uint8_t)ev->kind, (uint8_t)ev->actor.kind,
				    (uint16_t)ev->flags};
}

/* FNV-1a's step over a whole 64-bit word (not byte by byte): enough to tell
 * two traces apart, at one multiplication per field. */
static uint64_t mix(uint64_t h, uint64_t x)
{
	return (h ^ x) * 1099511628211ULL;
}

static void hash_emit(void *ud, const struct trace_event *ev)
{
	struct recorder *r = ud;
	uint64_t t;
	memcpy(&t, &ev->time, sizeof t);
	r->hash = mix(r->hash, ev->seq);
	r->hash = mix(r->hash, t);
	r->hash = mix(r->hash, (uint64_t)ev->kind << 40 | (uint64_t)ev->actor.kind << 32 | ev->actor.id);
	r->n++;
}

/* ---- (a) def echo(): x = None; while True: x = yield x ---- */

static __attribute__((aligned(64))) GEN_BODY(echo_body)
{
	GEN_BEGIN(g);
	for (;;) GEN_YIELD(g, value_ref(g->locals[0]), &g->locals[0]);
	GEN_END(g);
}
static const char *const echo_vars[] = {"x"};
static const struct gen_code echo_code = {
	.name = "echo", .kind = GEN_KIND_GENERATOR, .body = echo_body, .nlocals = 1, .varnames = echo_vars,
	.firstlineno = 1};

/* for i in range(n): last = g.send(i).  A function of its own, starting on
 * a cache line like the generator's body: a loop of a few nanoseconds is
 * faster or slower by several per cent depending on where it falls against
 * the processor's 32- and 64-byte fetch boundaries, and it should not move
 * when unrelated code elsewhere grows or shrinks. */
static __attribute__((noinline, aligned(64))) long long send_loop(struct gen *g, long long n)
{
	struct value out;
	long long last = -1;
	for (long long i = 0; i < n; i++) {
		gen_send(g, value_int(i), &out);
		last = out.u.i;
		value_unref(out);
	}
	return last;
}

static int bench_gen(long long n)
{
	struct interp *I = interp_new(NULL);
	struct value gv = gen_new(I, &echo_code, 0), out;
	struct gen *g = value_gen(gv);
	gen_next(g, &out);
	value_unref(out);
	double t0 = now_secs();
	long long last = send_loop(g, n);
	double secs = now_secs() - t0;
	gen_close(g, &out);
	value_unref(out);
	value_unref(gv);
	interp_free(I);
	printf("secs=%.6f ops=%lld check=%lld\n", secs, n, last);
	return 0;
}

/* ---- (b), (f): async def worker(k):
 *                  n = 0
 *                  for _ in range(k): await asyncio.sleep(0); n += 1
 *                  return n ---- */

enum { SW_K, SW_I, SW_N, SW_NLOCALS };
static const char *const sleep0_worker_vars[] = {"k", "_", "n"};

static GEN_BODY(sleep0_worker_body)
{
	struct value *L = g->locals;
	GEN_BEGIN(g);
	value_set(&L[SW_N], value_int(0));
	for (value_set(&L[SW_I], value_int(0)); L[SW_I].u.i < L[SW_K].u.i; L[SW_I].u.i++) {
		GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
		L[SW_N].u.i++;
	}
	GEN_RETURN(g, value_ref(L[SW_N]));
	GEN_END(g);
}
static const struct gen_code sleep0_worker_code = {
	.name = "worker", .kind = GEN_KIND_COROUTINE, .body = sleep0_worker_body, .nlocals = SW_NLOCALS,
	.varnames = sleep0_worker_vars, .firstlineno = 1};

/* async def worker(d): await asyncio.sleep(d); return loop.time() */
enum { TW_D, TW_NLOCALS };
static const char *const timer_worker_vars[] = {"d"};

static GEN_BODY(timer_worker_body)
{
	GEN_BEGIN(g);
	GEN_AWAIT(g, aio_sleep(g->I, g->locals[TW_D].u.f, value_none()), NULL);
	GEN_RETURN(g, value_float(loop_time(g->I->loop)));
	GEN_END(g);
}
static const struct gen_code timer_worker_code = {
	.name = "worker", .kind = GEN_KIND_COROUTINE, .body = timer_worker_body, .nlocals = TW_NLOCALS,
	.varnames = timer_worker_vars, .firstlineno = 1};

/* async def main(n, k):
 *     tasks = [asyncio.create_task(worker(...)) for i in range(n)]
 *     total = 0
 *     for t in tasks: total += await t
 *     return total
 * The tasks are awaited in turn rather than through gather(): the workload
 * is about task steps, and one await of a finished task adds the least, on
 * both sides. */
enum { MN_N, MN_K, MN_TASKS, MN_I, MN_R, MN_TOTAL, MN_NLOCALS };
static const char *const main_vars[] = {"n", "k", "tasks", "i", "r", "total"};

static GEN_BODY(main_body)
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	GEN_BEGIN(g);
	value_set(&L[MN_TASKS], value_list());
	for (long long i = 0; i < L[MN_N].u.i; i++) {
		struct value coro, task;
		if (L[MN_K].kind == VAL_INT)
			coro = gen_new(I, &sleep0_worker_code, 1, value_int(L[MN_K].u.i));
		else
			coro = gen_new(I, &timer_worker_code, 1, value_float(delay_of(i)));
		if (aio_create_task(I->loop, coro, NULL, &task)) GEN_RAISE(g, task);
		value_unref(coro);
		value_append(L[MN_TASKS], task);
	}
	value_set(&L[MN_TOTAL], value_float(0));
	for (value_set(&L[MN_I], value_int(0)); (size_t)L[MN_I].u.i < value_len(L[MN_TASKS]); L[MN_I].u.i++) {
		GEN_AWAIT(g, value_ref(value_item(L[MN_TASKS], (size_t)L[MN_I].u.i)), &L[MN_R]);
		L[MN_TOTAL].u.f += L[MN_R].kind == VAL_INT ? (double)L[MN_R].u.i : L[MN_R].u.f;
	}
	GEN_RETURN(g, value_ref(L[MN_TOTAL]));
	GEN_END(g);
}
static const struct gen_code main_code = {
	.name = "main", .kind = GEN_KIND_COROUTINE, .body = main_body, .nlocals = MN_NLOCALS,
	.varnames = main_vars, .firstlineno = 1};

enum sink_kind { SINK_NONE, SINK_RECORD, SINK_HASH, SINK_RECORD_FRAMES };

/* asyncio.run(main(n, k)); k is None for the timer workload. */
static int bench_tasks(long long n, struct value k, enum sink_kind sk)
{
	struct recorder rec = {0};
	rec.hash = 14695981039346656037ULL;
	struct trace_sink sink = {sk == SINK_HASH ? hash_emit : record_emit, &rec};
	struct interp *I = interp_new(sk != SINK_NONE ? &sink : NULL);
	/* Fixed-size records have no use for the text of a yielding frame's
	 * locals; step mode and the JSON writer ask for it. */
	I->want_frames = sk == SINK_RECORD_FRAMES;
	struct value out;
	double t0 = now_secs();
	struct value coro = gen_new(I, &main_code, 2, value_int(n), k);
	int rc = aio_run(I, coro, &out);
	value_unref(coro);
	double secs = now_secs() - t0;
	if (rc || out.kind != VAL_FLOAT) {
		char *r = value_repr(out);
		fprintf(stderr, "bench_engine: main() failed: %s\n", r);
		free(r);
		return 1;
	}
	printf("secs=%.6f tasks=%lld check=%.6f", secs, n, out.u.f);
	if (sk == SINK_RECORD || sk == SINK_RECORD_FRAMES) printf(" events=%zu bad_seq=%llu", rec.n, (unsigned long long)rec.bad_seq);
	if (sk == SINK_HASH) printf(" events=%zu hash=%016llx", rec.n, (unsigned long long)rec.hash);
	printf(" live=%llu\n", I->live);
	value_unref(out);
	interp_free(I);
	free(rec.v);
	return 0;
}

/* ---- (d) memory per pending task ----
 *
 * async def pending(how):
 *     if how == "sleep": await asyncio.sleep(1000)
 *     else: await loop.create_future()
 * async def main(n, how):
 *     before = rss()
 *     tasks = [loop.create_task(pending(how)) for _ in range(n)]
 *     await asyncio.sleep(0)     # every task has now run its first step
 *     return rss() - before */

enum { PD_HOW, PD_NLOCALS };
static const char *const pending_vars[] = {"how"};

static GEN_BODY(pending_body)
{
	GEN_BEGIN(g);
	if (g->locals[PD_HOW].kind == VAL_NONE)
		GEN_AWAIT(g, aio_sleep(g->I, 1000, value_none()), NULL);
	else
		GEN_AWAIT(g, future_new(g->I->loop), NULL);
	GEN_END(g);
}
static const struct gen_code pending_code = {
	.name = "pending", .kind = GEN_KIND_COROUTINE, .body = pending_body, .nlocals = PD_NLOCALS,
	.varnames = pending_vars, .firstlineno = 1};

enum { MM_N, MM_HOW, MM_TASKS, MM_BEFORE, MM_NLOCALS };
static const char *const mem_main_vars[] = {"n", "how", "tasks", "before"};

static GEN_BODY(mem_main_body)
{
	struct value *L = g->locals;
	struct interp *I = g->I;
	GEN_BEGIN(g);
	value_set(&L[MM_BEFORE], value_int(rss_bytes()));
	value_set(&L[MM_TASKS], value_list());
	for (long long i = 0; i < L[MM_N].u.i; i++) {
		struct value coro = gen_new(I, &pending_code, 1, value_ref(L[MM_HOW])), task;
		if (aio_create_task(I->loop, coro, NULL, &task)) GEN_RAISE(g, task);
		value_unref(coro);
		value_append(L[MM_TASKS], task);
	}
	GEN_AWAIT(g, aio_sleep(I, 0, value_none()), NULL);
	GEN_RETURN(g, value_int(rss_bytes() - L[MM_BEFORE].u.i));
	GEN_END(g);
}
static const struct gen_code mem_main_code = {
	.name = "main", .kind = GEN_KIND_COROUTINE, .body = mem_main_body, .nlocals = MM_NLOCALS,
	.varnames = mem_main_vars, .firstlineno = 1};

static int bench_mem(long long n, const char *how)
{
	struct interp *I = interp_new(NULL);
	struct loop *L = loop_new(I);
	struct value out;
	struct value h = strcmp(how, "sleep") == 0 ? value_none() : value_str(how);
	struct value coro = gen_new(I, &mem_main_code, 2, value_int(n), h);
	int rc = aio_run_until_complete(L, coro, &out);
	value_unref(coro);
	if (rc || out.kind != VAL_INT) {
		fprintf(stderr, "bench_engine: main() failed\n");
		return 1;
	}
	printf("bytes=%lld tasks=%lld per_task=%.1f pending=%zu\n", out.u.i, n, (double)out.u.i / (double)n,
	       loop_timer_count(L));
	value_unref(out);
	task_destroy_pending(I);
	interp_free(I);
	return 0;
}

/* ---- (e) the cost of one step at N tasks ----
 *
 * async def forever():
 *     while True: await asyncio.sleep(0)
 * N tasks; one loop iteration for their first steps, then ITERS timed
 * iterations, each running exactly N steps (L0: the ntodo snapshot). */

static GEN_BODY(forever_body)
{
	GEN_BEGIN(g);
	for (;;) GEN_AWAIT(g, aio_sleep(g->I, 0, value_none()), NULL);
	GEN_END(g);
}
static const struct gen_code forever_code = {
	.name = "forever", .kind = GEN_KIND_COROUTINE, .body = forever_body, .firstlineno = 1};

static int bench_scale(long long n, long long iters)
{
	struct interp *I = interp_new(NULL);
	struct loop *L = loop_new(I);
	struct value tasks = value_list();
	for (long long i = 0; i < n; i++) {
		struct value coro = gen_new(I, &forever_code, 0), task;
		if (aio_create_task(L, coro, NULL, &task)) return 1;
		value_unref(coro);
		value_append(tasks, task);
	}
	loop_run_once(L);
	double t0 = now_secs();
	for (long long i = 0; i < iters; i++) loop_run_once(L);
	double secs = now_secs() - t0;
	printf("secs=%.6f tasks=%lld steps=%lld ns_per_step=%.1f ready=%zu\n", secs, n, n * iters,
	       secs * 1e9 / (double)(n * iters), loop_ready_count(L));
	task_destroy_pending(I);
	value_unref(tasks);
	interp_free(I);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_engine gen N | sleep0 N K | sleep0-trace N K | sleep0-hash N K | sleep0-frames N K | "
			"timers N | timers-trace N | "
			"mem N sleep|future | scale N ITERS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 3) usage();
	const char *w = argv[1];
	long long n = atoll(argv[2]);
	long long k = argc > 3 ? atoll(argv[3]) : 0;
	if (n <= 0) usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(w, "gen") == 0) return bench_gen(n);
	if (strcmp(w, "sleep0") == 0 && k > 0) return bench_tasks(n, value_int(k), SINK_NONE);
	if (strcmp(w, "sleep0-trace") == 0 && k > 0) return bench_tasks(n, value_int(k), SINK_RECORD);
	if (strcmp(w, "sleep0-hash") == 0 && k > 0) return bench_tasks(n, value_int(k), SINK_HASH);
	if (strcmp(w, "sleep0-frames") == 0 && k > 0) return bench_tasks(n, value_int(k), SINK_RECORD_FRAMES);
	if (strcmp(w, "timers") == 0) return bench_tasks(n, value_none(), SINK_NONE);
	if (strcmp(w, "timers-trace") == 0) return bench_tasks(n, value_none(), SINK_RECORD);
	if (strcmp(w, "mem") == 0 && argc > 3) return bench_mem(n, argv[3]);
	if (strcmp(w, "scale") == 0 && k > 0) return bench_scale(n, k);
	usage();
	return 2;
}
