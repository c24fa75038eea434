# 5.5: gather keeps argument order; the first exception propagates and the
# other children keep running; return_exceptions puts them in the list.
import asyncio


async def work(name, delay, fail=False):
    await asyncio.sleep(delay)
    if fail:
        raise ValueError(name + ' failed')
    print(name, 'end')
    return name + '-result'


async def main():
    print(await asyncio.gather(work('A', 0.03), work('B', 0.01), work('C', 0.02)))
    a = asyncio.ensure_future(work('A', 0.03))
    try:
        await asyncio.gather(a, work('B', 0.01, fail=True))
    except ValueError as e:
        print('gather raised:', repr(e), '| A done?', a.done())
    print('A finished anyway:', await a)
    r = await asyncio.gather(work('A', 0.01), work('B', 0.02, fail=True), return_exceptions=True)
    print([repr(x) for x in r])
    print(await asyncio.gather())

asyncio.run(main())
