# sleep(delay) awaited where it is made, and what reaches a coroutine
# suspended there: cancel(), throw(), close(), a timeout; sleep coroutines
# held before they are awaited; a task that runs sleep itself; the result
# argument; sleep outside a running loop.
import asyncio


async def catcher():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print('catcher caught CancelledError at', asyncio.get_running_loop().time())
    return 'catcher done'


async def plain(d):
    r = await asyncio.sleep(d, 'plain-result')
    print('plain woke with', r, 'at', asyncio.get_running_loop().time())
    return r


async def guarded():
    try:
        await asyncio.sleep(5)
    finally:
        print('guarded: finally ran')


async def held():
    loop = asyncio.get_running_loop()
    a = asyncio.sleep(2, 'a-result')
    b = asyncio.sleep(1, 'b-result')
    print('held: b ->', await b, 'at', loop.time())
    print('held: a ->', await a, 'at', loop.time())


def timers_pending(loop):
    return sum(not h.cancelled() for h in loop._scheduled)


async def main():
    loop = asyncio.get_running_loop()
    t = asyncio.create_task(catcher())
    await asyncio.sleep(1)
    t.cancel()
    print('catcher task ->', await t, '| cancelled():', t.cancelled(), '| timers pending:', timers_pending(loop))
    p = asyncio.create_task(plain(3))
    await asyncio.sleep(1)
    p.cancel('stop')
    try:
        await p
    except asyncio.CancelledError as e:
        print('plain task: cancelled():', p.cancelled(), '| args:', e.args, 'at', loop.time())
    c = plain(1)
    print('send(None) ->', c.send(None))
    try:
        c.throw(ValueError('thrown in'))
    except ValueError as e:
        print('throw -> ValueError:', e, '| cr_frame is None:', c.cr_frame is None)
    g = guarded()
    print('send(None) ->', g.send(None))
    g.close()
    print('close() -> cr_frame is None:', g.cr_frame is None)
    print('timers pending after throw() and close():', timers_pending(loop))
    await held()
    print('task of sleep ->', await asyncio.create_task(asyncio.sleep(2, 'task-sleep')), 'at', loop.time())
    try:
        await asyncio.wait_for(plain(10), 1)
    except asyncio.TimeoutError:
        print('wait_for timed out at', loop.time(), '| timers pending:', timers_pending(loop))
    print('plain(0.5) ->', await plain(0.5))
    n = 0
    for _ in range(3):
        await asyncio.sleep(0.25)
        n += 1
    print('three sleeps in a row ->', n, 'at', loop.time())


c = plain(1)
try:
    c.send(None)
except RuntimeError as e:
    print('outside a loop: RuntimeError:', e)
asyncio.run(main())
