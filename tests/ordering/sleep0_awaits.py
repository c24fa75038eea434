# sleep(0) awaited where it is made, and what reaches a coroutine suspended
# there: cancel(), throw(), close(); sleep(0) coroutines held before they are
# awaited; a task that runs sleep(0) itself.
import asyncio


async def catcher():
    try:
        await asyncio.sleep(0)
    except asyncio.CancelledError:
        print('catcher caught CancelledError')
    return 'catcher done'


async def plain():
    await asyncio.sleep(0)
    print('plain: not reached')


async def guarded():
    try:
        await asyncio.sleep(0)
    finally:
        print('guarded: finally ran')


async def held():
    a = asyncio.sleep(0)
    b = asyncio.sleep(0, 'b-result')
    print('held: b ->', await b)
    print('held: a ->', await a)


async def main():
    t = asyncio.create_task(catcher())
    await asyncio.sleep(0)
    t.cancel()
    print('catcher task ->', await t, '| cancelled():', t.cancelled())
    p = asyncio.create_task(plain())
    await asyncio.sleep(0)
    p.cancel()
    try:
        await p
    except asyncio.CancelledError:
        print('plain task: cancelled():', p.cancelled())
    c = plain()
    print('send(None) ->', c.send(None))
    try:
        c.throw(ValueError('thrown in'))
    except ValueError as e:
        print('throw -> ValueError:', e, '| cr_frame is None:', c.cr_frame is None)
    g = guarded()
    print('send(None) ->', g.send(None))
    g.close()
    print('close() -> cr_frame is None:', g.cr_frame is None)
    await held()
    print('task of sleep(0) ->', await asyncio.create_task(asyncio.sleep(0, 'task-sleep')))
    n = 0
    for _ in range(3):
        await asyncio.sleep(0)
        n += 1
    print('three sleep(0) in a row ->', n)

asyncio.run(main())
