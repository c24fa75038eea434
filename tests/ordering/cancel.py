# 4.3: cancellation is a request: it takes effect at the task's next step.
import asyncio


async def sleeper(name, delay):
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print(name, 'got CancelledError')
        raise
    return name


async def stubborn():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print('stubborn caught CancelledError')
    return 'survived'


async def never():
    print('never runs')


async def main():
    t = asyncio.ensure_future(sleeper('T', 10))
    await asyncio.sleep(0)
    print('cancel() ->', t.cancel(), '| cancelled() right after:', t.cancelled(), '| cancelling():', t.cancelling())
    try:
        await t
    except asyncio.CancelledError as e:
        print('await cancelled task -> CancelledError args', e.args)
    print('cancelled():', t.cancelled(), '| cancel() again ->', t.cancel())
    u = asyncio.ensure_future(sleeper('U', 10))
    await asyncio.sleep(0)
    u.cancel('stop now')
    try:
        await u
    except asyncio.CancelledError as e:
        print('cancel(msg) -> CancelledError args', e.args)
    s = asyncio.ensure_future(stubborn())
    await asyncio.sleep(0)
    s.cancel()
    print('stubborn result:', await s, '| cancelled():', s.cancelled())
    n = asyncio.ensure_future(never())
    n.cancel()
    try:
        await n
    except asyncio.CancelledError:
        print('cancelled before first step: body never ran')
    f = asyncio.get_running_loop().create_future()
    try:
        f.result()
    except asyncio.InvalidStateError as e:
        print('InvalidStateError:', e)
    f.set_result(1)
    try:
        f.set_result(2)
    except asyncio.InvalidStateError as e:
        print('InvalidStateError:', e)

asyncio.run(main())
