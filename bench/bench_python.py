#!/usr/bin/env python3
"""bench_python.py -- the CPython side of the benchmark (bench/run drives it).

The same workloads as bench_engine.c, on CPython's own asyncio (the C
accelerated Task and Future of 3.11), one per process.  The last line printed
is `key=value ...`: secs is the time of the work itself (interpreter start-up
excluded) and check is a result both sides must agree on.

    gen N               a generator that yields what it is sent, N sends
    sleep0 N K          N tasks, each awaiting asyncio.sleep(0) K times
    timers N            N tasks, each sleeping its own delay (virtual clock)
    mem N sleep|future  RSS growth per pending task
    scale N ITERS       N tasks that await sleep(0) forever: one step's cost
"""

import asyncio
import os
import selectors
import sys
import time


def rss_bytes():
    # The same file bench_engine.c reads.
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGESIZE')


def delay_of(i):
    # A permutation of [0, 1): no two deadlines tie (same formula as in C).
    return ((i * 2654435761) % 1000003) / 1000003.0


# ---------------------------------------------------------------- a virtual clock
#
# The timer workload sleeps up to a second per task; a real clock would make
# the run measure waiting.  This loop is the stock SelectorEventLoop with two
# changes: time() reads a virtual clock, and the selector, asked to wait for
# the first timer, polls (a real epoll_wait with timeout 0, as asyncio does
# when work is ready) and moves the clock to that timer's deadline instead.
# Everything else -- TimerHandle, the heapq, _run_once -- is asyncio's own.

class VirtualSelector(selectors.DefaultSelector):
    loop = None

    def select(self, timeout=None):
        ready = super().select(0)
        if not ready and timeout and self.loop._scheduled:
            when = self.loop._scheduled[0]._when
            if when > self.loop.now:
                self.loop.now = when
        return ready


class VirtualEventLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        self.now = 0.0
        selector = VirtualSelector()
        super().__init__(selector)
        selector.loop = self

    def time(self):
        return self.now


# ---------------------------------------------------------------- (a) generators

def echo():
    x = None
    while True:
        x = yield x


def bench_gen(n):
    g = echo()
    next(g)
    send = g.send
    x = -1
    t0 = time.perf_counter()
    for i in range(n):
        x = send(i)
    secs = time.perf_counter() - t0
    g.close()
    print(f'secs={secs:.6f} ops={n} check={x}')


# ---------------------------------------------------------------- (b) and (c)

async def sleep0_worker(k):
    n = 0
    for _ in range(k):
        await asyncio.sleep(0)
        n += 1
    return n


async def timer_worker(d):
    await asyncio.sleep(d)
    return asyncio.get_running_loop().time()


async def tasks_main(n, k):
    if k is not None:
        tasks = [asyncio.create_task(sleep0_worker(k)) for _ in range(n)]
    else:
        tasks = [asyncio.create_task(timer_worker(delay_of(i))) for i in range(n)]
    total = 0.0
    for t in tasks:
        total += await t
    return total


def bench_tasks(n, k):
    t0 = time.perf_counter()
    if k is not None:
        total = asyncio.run(tasks_main(n, k))
    else:
        with asyncio.Runner(loop_factory=VirtualEventLoop) as runner:
            total = runner.run(tasks_main(n, k))
    secs = time.perf_counter() - t0
    print(f'secs={secs:.6f} tasks={n} check={total:.6f}')


# ---------------------------------------------------------------- (d) memory

async def pending(how):
    if how == 'sleep':
        await asyncio.sleep(1000)
    else:
        await asyncio.get_running_loop().create_future()


async def mem_main(n, how):
    before = rss_bytes()
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(pending(how)) for _ in range(n)]
    await asyncio.sleep(0)      # every task has now run its first step
    return rss_bytes() - before, len(loop._scheduled)


def bench_mem(n, how):
    loop = asyncio.new_event_loop()
    grown, timers = loop.run_until_complete(mem_main(n, how))
    print(f'bytes={grown} tasks={n} per_task={grown / n:.1f} pending={timers}',
          flush=True)
    # Tearing 100 000 pending tasks down is not part of the measure.
    os._exit(0)


# ---------------------------------------------------------------- (e) scaling

async def forever():
    while True:
        await asyncio.sleep(0)


def bench_scale(n, iters):
    loop = asyncio.new_event_loop()
    tasks = [loop.create_task(forever()) for _ in range(n)]
    # BaseEventLoop._run_once is one iteration, as loop_run_once in C.
    loop._run_once()
    t0 = time.perf_counter()
    for _ in range(iters):
        loop._run_once()
    secs = time.perf_counter() - t0
    print(f'secs={secs:.6f} tasks={n} steps={n * iters} '
          f'ns_per_step={secs * 1e9 / (n * iters):.1f} ready={len(loop._ready)}',
          flush=True)
    del tasks
    os._exit(0)


def usage():
    sys.stderr.write('usage: bench_python.py gen N | sleep0 N K | timers N | '
                     'mem N sleep|future | scale N ITERS\n')
    sys.exit(2)


def main(argv):
    if len(argv) < 3:
        usage()
    w, n = argv[1], int(argv[2])
    arg = argv[3] if len(argv) > 3 else None
    if w == 'gen':
        bench_gen(n)
    elif w == 'sleep0' and arg:
        bench_tasks(n, int(arg))
    elif w == 'timers':
        bench_tasks(n, None)
    elif w == 'mem' and arg in ('sleep', 'future'):
        bench_mem(n, arg)
    elif w == 'scale' and arg:
        bench_scale(n, int(arg))
    else:
        usage()


if __name__ == '__main__':
    main(sys.argv)
