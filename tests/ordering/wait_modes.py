# 5.2: wait() return_when and timeout; done/pending as sets.
import asyncio


async def work(name, delay, fail=False):
    await asyncio.sleep(delay)
    if fail:
        raise ValueError(name + ' failed')
    return name


def names(s):
    return sorted(t.get_name() for t in s)


async def main():
    loop = asyncio.get_running_loop()
    a = loop.create_task(work('A', 0.03), name='A')
    b = loop.create_task(work('B', 0.01), name='B')
    c = loop.create_task(work('C', 0.02), name='C')
    done, pending = await asyncio.wait([a, b, c], return_when=asyncio.FIRST_COMPLETED)
    print('FIRST_COMPLETED done:', names(done), 'pending:', names(pending))
    d = loop.create_task(work('D', 0.01, fail=True), name='D')
    done, pending = await asyncio.wait([a, c, d], return_when=asyncio.FIRST_EXCEPTION)
    print('FIRST_EXCEPTION done:', names(done), 'pending:', names(pending))
    print('D exception:', repr(d.exception()))
    e = loop.create_task(work('E', 5), name='E')
    done, pending = await asyncio.wait([a, e], timeout=0.02)
    print('timeout done:', names(done), 'pending:', names(pending))
    e.cancel()
    try:
        await e
    except asyncio.CancelledError:
        print('E cancelled:', e.cancelled())
    for bad in ([], ):
        try:
            await asyncio.wait(bad)
        except ValueError as exc:
            print('ValueError:', exc)
    coro = work('X', 0)
    try:
        await asyncio.wait([coro])
    except TypeError as exc:
        print('TypeError:', exc)
    coro.close()

asyncio.run(main())
