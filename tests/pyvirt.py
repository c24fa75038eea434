#!/usr/bin/env python3
"""pyvirt: run a Python asyncio program under a virtual clock.

Usage:  python3 pyvirt.py PROGRAM.py [ARGS...]     (PROGRAM.py may be '-' for stdin)

The program runs as __main__ (sys.argv = [PROGRAM.py, ARGS...]), exactly as
`python3 PROGRAM.py ARGS...` would run it, except that time is virtual:

* asyncio's event loop policy is replaced before the program starts, so every
  loop made by asyncio.get_event_loop(), asyncio.new_event_loop() or
  asyncio.run() is a VirtualEventLoop: a subclass of the default
  SelectorEventLoop whose time() is the virtual clock and whose selector, when
  asked to wait `timeout` seconds for I/O, polls without blocking and then
  advances the virtual clock by `timeout` instead of sleeping.  A wait with no
  timeout (nothing ready, no timer, no I/O source) would hang a real program
  forever; here it raises RuntimeError instead.
* time.time(), time.monotonic(), time.perf_counter() (and their _ns forms)
  return the virtual clock, and time.sleep(x) advances it by x at once.

The clock starts at 0.0, so loop.time() and time.time() both read 0.0 when
the program starts, and `asyncio.sleep(4)` moves them to exactly 4.0.

Limitations: I/O from real sockets, subprocesses or worker threads still takes
real time, but virtual timers do not wait for it (a timeout of 5 s expires at
once when nothing else is ready).  The deadlock check waits for real up to
REAL_WAIT_LIMIT seconds when there is another live thread or a registered
file descriptor that could still wake the loop.
"""

import asyncio
import heapq
import itertools
import os
import selectors
import sys
import threading
import time
import types
from asyncio import base_events, events

REAL_WAIT_LIMIT = 10.0      # seconds of real time, only for the deadlock check

# ---------------------------------------------------------------- the clock

_now = 0.0                  # the virtual clock, in seconds
_real_sleep = time.sleep
_real_select_timeout = 0    # the selector always polls without blocking


def now():
    return _now


def advance(dt):
    """Move the virtual clock forward by dt seconds (dt >= 0)."""
    global _now
    if dt > 0:
        _now += dt


def advance_to(t):
    """Move the virtual clock to t, unless it is already later."""
    global _now
    if t > _now:
        _now = t


def _v_time():
    return _now


def _v_time_ns():
    return int(round(_now * 1e9))


def _v_sleep(secs):
    # Same argument checks as the real time.sleep.
    if not isinstance(secs, (int, float)) or isinstance(secs, bool):
        secs = float(secs)
    if secs != secs:
        raise ValueError("Invalid value NaN (not a number)")
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    advance(secs)


def patch_time_module():
    time.time = _v_time
    time.monotonic = _v_time
    time.perf_counter = _v_time
    time.time_ns = _v_time_ns
    time.monotonic_ns = _v_time_ns
    time.perf_counter_ns = _v_time_ns
    time.sleep = _v_sleep


# ------------------------------------------------------- timer tie-breaking
#
# Why a sequence number: asyncio keeps timers in a heapq ordered by
# TimerHandle.__lt__, which compares only `_when`, and heapq is not stable.
# On real CPython/Linux every call_later() reads time.monotonic() afresh
# (nanosecond resolution), so two timers never get exactly the same deadline
# and timers with equal delays fire in the order they were registered (three
# tasks doing `await asyncio.sleep(1)` wake in creation order).  Under a
# virtual clock time stands still while callbacks run, so those deadlines tie
# exactly, and heapq would then pop them in an order that depends on the heap
# layout (for 3 ties: 0, 2, 1).  Breaking ties by registration order restores
# what a real run does, without moving any deadline (nudging `when` by an
# epsilon would make loop.time() readings inexact).

_timer_seq = itertools.count()


class SeqTimerHandle(events.TimerHandle):
    """A TimerHandle ordered by (when, registration sequence)."""

    __slots__ = ('_seq',)

    def __init__(self, when, callback, args, loop, context=None):
        super().__init__(when, callback, args, loop, context)
        if self._source_traceback:
            del self._source_traceback[-1]
        self._seq = next(_timer_seq)

    def __lt__(self, other):
        if self._when == other._when:
            return self._seq < other._seq
        return self._when < other._when

    def __gt__(self, other):
        if self._when == other._when:
            return self._seq > other._seq
        return self._when > other._when

    def __le__(self, other):
        return not self.__gt__(other)

    def __ge__(self, other):
        return not self.__lt__(other)

    __hash__ = events.TimerHandle.__hash__


# ------------------------------------------------------------- the selector

class VirtualSelector(selectors.DefaultSelector):
    """Polls real file descriptors without blocking; time passes virtually."""

    loop = None             # set by VirtualEventLoop

    def select(self, timeout=None):
        ready = super().select(_real_select_timeout)
        if ready:
            return ready
        if timeout is None:
            return self._wait_forever()
        if timeout > 0:
            # Land exactly on the first deadline when that is what the loop
            # asked for (BaseEventLoop._run_once computes the timeout as
            # min(max(0, when - time()), MAXIMUM_SELECT_TIMEOUT)); adding
            # `when - now` back to `now` can be off by one ulp.
            sched = self.loop._scheduled if self.loop is not None else None
            if sched:
                when = sched[0]._when
                if timeout == min(max(0, when - _now),
                                  base_events.MAXIMUM_SELECT_TIMEOUT):
                    advance_to(when)
                    return ready
            advance(timeout)
        return ready

    def _external_sources(self):
        """Could anything outside the loop still wake it up?"""
        if threading.active_count() > 1:
            return True
        own = -1
        if self.loop is not None and getattr(self.loop, '_ssock', None):
            own = self.loop._ssock.fileno()
        return any(key.fd != own for key in self.get_map().values())

    def _wait_forever(self):
        if self._external_sources():
            ready = super().select(REAL_WAIT_LIMIT)
            if ready:
                return ready
        raise RuntimeError(
            'pyvirt: the event loop would wait forever: nothing is ready, '
            'no timer is scheduled and no I/O can arrive '
            '(a real run would hang here)')


# ----------------------------------------------------------- the event loop

class VirtualEventLoop(asyncio.SelectorEventLoop):
    """The default SelectorEventLoop, with a virtual clock."""

    def __init__(self, selector=None):
        if selector is None:
            selector = VirtualSelector()
        super().__init__(selector)
        if isinstance(selector, VirtualSelector):
            selector.loop = self

    def time(self):
        return _now

    def call_at(self, when, callback, *args, context=None):
        # BaseEventLoop.call_at, with SeqTimerHandle for events.TimerHandle.
        if when is None:
            raise TypeError("when cannot be None")
        self._check_closed()
        if self._debug:
            self._check_thread()
            self._check_callback(callback, 'call_at')
        timer = SeqTimerHandle(when, callback, args, self, context)
        if timer._source_traceback:
            del timer._source_traceback[-1]
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer


class VirtualEventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    _loop_factory = VirtualEventLoop


def install():
    """Patch the time module and install the virtual event loop policy."""
    patch_time_module()
    asyncio.set_event_loop_policy(VirtualEventLoopPolicy())


# ----------------------------------------------------------------- running

def run_program(path, args):
    """Run the program at `path` ('-' for stdin) as __main__."""
    if path == '-':
        source = sys.stdin.buffer.read()
        filename = '<stdin>'
        sys.path[0] = ''
    else:
        with open(path, 'rb') as f:
            source = f.read()
        filename = path
        sys.path[0] = os.path.dirname(os.path.abspath(path))
    sys.argv = [path] + list(args)
    code = compile(source, filename, 'exec', dont_inherit=True)

    main = types.ModuleType('__main__')
    if path != '-':
        main.__file__ = path
    main.__cached__ = None
    main.__builtins__ = __builtins__
    sys.modules['__main__'] = main
    install()
    try:
        exec(code, main.__dict__)
    except SystemExit:
        raise
    except BaseException as e:
        # Report it as python3 would: without this frame in the traceback.
        e.__traceback__ = e.__traceback__.tb_next
        sys.excepthook(type(e), e, e.__traceback__)
        sys.exit(1)


def main(argv):
    if len(argv) < 2 or argv[1] in ('-h', '--help'):
        sys.stderr.write('usage: python3 pyvirt.py PROGRAM.py|- [ARGS...]\n')
        return 2
    run_program(argv[1], argv[2:])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
