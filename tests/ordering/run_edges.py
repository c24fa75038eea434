# 6.1: run_until_complete returns after the iteration in which the future's
# callbacks ran; what they schedule waits for the next run.
import asyncio


async def quick():
    return 'Q'


def cb(fut):
    print('done-callback runs; scheduling call_soon(X)')
    fut.get_loop().call_soon(print, 'X (runs only when the loop is run again)')


loop = asyncio.new_event_loop()
t = loop.create_task(quick())
t.add_done_callback(cb)
print('run_until_complete ->', loop.run_until_complete(t))
print('back in sync code; now running the loop again')
loop.run_until_complete(asyncio.sleep(0))


async def fails():
    raise ValueError('never retrieved')

try:
    loop.run_until_complete(fails())
except ValueError as e:
    print('caught:', repr(e))
print('names:', t.get_name())
loop.close()
try:
    loop.run_until_complete(asyncio.sleep(0))
except RuntimeError as e:
    print('RuntimeError:', e)
