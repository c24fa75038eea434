# L7: sleep(0) requeues at the end; sleep(d) wakes one iteration after its timer.
import asyncio


async def d():
    print('D before sleep(0.001)')
    await asyncio.sleep(0.001)
    print('D after sleep(0.001)')


async def z():
    for i in range(4):
        print('Z iter', i)
        await asyncio.sleep(0)


async def e():
    print('E before sleep(0)')
    await asyncio.sleep(0)
    print('E after sleep(0)')


async def main():
    await asyncio.gather(d(), z(), e())
    print('gather done')

asyncio.run(main())
