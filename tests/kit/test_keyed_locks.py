import asyncio

import pytest

from libriassist.kit.keyed_locks import KeyedLocks


async def test_one_holder_per_key_and_no_lock_kept_once_nobody_needs_it() -> None:
    locks = KeyedLocks()
    order: list[str] = []
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with locks.hold("tenant-a"):
            order.append("first in")
            first_in.set()
            await release.wait()
            order.append("first out")

    async def second() -> None:
        await first_in.wait()
        async with locks.hold("tenant-a"):
            order.append("second in")

    async def other_tenant() -> None:
        await first_in.wait()
        async with locks.hold("tenant-b"):  # never waits for tenant-a's holder
            order.append("other in")

    tasks = [asyncio.create_task(c()) for c in (first, second, other_tenant)]
    await first_in.wait()
    await asyncio.sleep(0.01)
    assert order == ["first in", "other in"]
    assert len(locks) == 1  # tenant-a: held and waited for
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "other in", "first out", "second in"]
    assert len(locks) == 0


async def test_a_waiter_that_leaves_or_a_holder_that_fails_leaves_nothing_behind() -> None:
    locks = KeyedLocks()
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with locks.hold("t"):
            held.set()
            await release.wait()

    async def waiter() -> None:
        async with locks.hold("t"):
            pass

    holding = asyncio.create_task(holder())
    await held.wait()
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0.01)
    waiting.cancel()  # the visitor left while the build ran
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await holding
    assert len(locks) == 0

    with pytest.raises(RuntimeError):
        async with locks.hold("t"):
            raise RuntimeError("the build failed")
    assert len(locks) == 0
    async with locks.hold("t"):  # and the key can be held again
        assert len(locks) == 1
