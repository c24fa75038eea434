# L10: awaiting a done future or a coroutine does not suspend.
import asyncio


async def inline():
    print('inline coroutine body')
    return 'I'


async def ticker():
    for i in range(2):
        print('tick', i)
        await asyncio.sleep(0)


async def main():
    loop = asyncio.get_running_loop()
    t = asyncio.ensure_future(ticker())
    f = loop.create_future()
    f.set_result('F')
    print('main: awaiting done future')
    print('main: got', await f)
    print('main: awaiting a coroutine directly')
    print('main: got', await inline())
    await t

asyncio.run(main())
