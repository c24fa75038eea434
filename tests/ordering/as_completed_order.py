# 5.6: as_completed yields coroutines that return results in completion order.
import asyncio


async def work(name, delay):
    print(name, 'start')
    await asyncio.sleep(delay)
    return name + '-result'


async def main():
    tasks = [asyncio.ensure_future(work(n, d)) for n, d in (('A', 0.03), ('B', 0.01), ('C', 0.02))]
    for i, c in enumerate(asyncio.as_completed(tasks)):
        print('item', i, 'awaited ->', await c)
    try:
        for c in asyncio.as_completed([asyncio.ensure_future(work('S', 5))], timeout=0.01):
            await c
    except TimeoutError:
        print('as_completed timeout -> TimeoutError')
    t = asyncio.ensure_future(work('W', 5))
    try:
        await asyncio.wait_for(t, 0.01)
    except TimeoutError:
        print('wait_for timeout -> TimeoutError | task cancelled:', t.cancelled())

asyncio.run(main())
