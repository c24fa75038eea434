# L3: creating a task schedules its first step with call_soon.
import asyncio


async def worker(name):
    print(name + ': step 1')
    await asyncio.sleep(0)
    print(name + ': step 2')
    await asyncio.sleep(0)
    print(name + ': step 3')


async def main():
    loop = asyncio.get_running_loop()
    print('main: creating A and B')
    a = asyncio.ensure_future(worker('A'))
    loop.call_soon(print, 'plain call_soon between A and B')
    b = asyncio.ensure_future(worker('B'))
    print('main: awaiting A')
    await a
    print('main: awaiting B')
    await b
    print('main: done')

asyncio.run(main())
