# L9: iterations between a child's return and its awaiter's resumption.
import asyncio


async def child():
    await asyncio.sleep(0)
    print('  child returns')
    return 'C'


async def ticker():
    for i in range(6):
        print('  tick', i)
        await asyncio.sleep(0)


async def one(kind):
    print(kind)
    tick = asyncio.ensure_future(ticker())
    t = asyncio.ensure_future(child())
    if kind == 'await task':
        r = await t
    elif kind == 'await gather':
        r = (await asyncio.gather(t))[0]
    elif kind == 'await wait':
        done, pending = await asyncio.wait([t])
        r = t.result()
    elif kind == 'as_completed':
        for c in asyncio.as_completed([t]):
            r = await c
    else:
        r = await asyncio.wait_for(t, 10)
    print('  main resumed with', r)
    await tick


async def main():
    for kind in ('await task', 'await gather', 'await wait', 'as_completed', 'wait_for'):
        await one(kind)

asyncio.run(main())
