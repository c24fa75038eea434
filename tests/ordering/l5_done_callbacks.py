# L5/L6: done callbacks go through call_soon, in registration order.
import asyncio


def make_cb(i):
    def cb(fut):
        print('done-cb', i, 'result =', fut.result())
    return cb


async def setter(loop, fut):
    print('setter: calling set_result')
    fut.set_result(42)
    print('setter: set_result returned')
    loop.call_soon(print, 'call_soon queued after set_result')
    fut.add_done_callback(make_cb(4))
    print('setter: added a callback to a done future')


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    for i in (1, 2, 3):
        fut.add_done_callback(make_cb(i))
    t = asyncio.ensure_future(setter(loop, fut))
    loop.call_soon(print, 'call_soon queued before the setter ran')
    await t
    print('main: setter finished')
    await asyncio.sleep(0)
    print('main: after one more iteration')

asyncio.run(main())
