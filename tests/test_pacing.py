"""The one arXiv pacer, on a fake clock: holders start the delay apart, never sooner, and no
test sleeps to see it."""

from __future__ import annotations

import asyncio
import contextlib

from fakeclock import FakeClock

from paperdigest.sources.pacing import Pacer

DELAY = 3.0


async def _hold(pacer: Pacer, clock: FakeClock, starts: list[float]) -> None:
    async with pacer:
        starts.append(clock.monotonic())


def test_first_holder_does_not_wait() -> None:
    """A new pacer lets its first holder in at once."""
    clock = FakeClock()
    starts: list[float] = []
    asyncio.run(_hold(Pacer(DELAY, clock), clock, starts))
    assert starts == [1000.0] and clock.sleeps == []


def test_holders_in_a_row_start_the_delay_apart() -> None:
    """Each holder enters the delay after the previous one left."""
    clock = FakeClock()
    pacer = Pacer(DELAY, clock)
    starts: list[float] = []

    async def scenario() -> None:
        for _ in range(3):
            await _hold(pacer, clock, starts)

    asyncio.run(scenario())
    assert starts == [1000.0, 1003.0, 1006.0]


def test_concurrent_holders_take_turns_the_delay_apart() -> None:
    """Holders that arrive together go one at a time, each the delay after the last."""
    clock = FakeClock()
    pacer = Pacer(DELAY, clock)
    starts: list[float] = []

    async def scenario() -> None:
        await asyncio.gather(*(_hold(pacer, clock, starts) for _ in range(4)))

    asyncio.run(scenario())
    assert starts == [1000.0, 1003.0, 1006.0, 1009.0]


def test_delay_counts_from_the_end_of_the_previous_hold() -> None:
    """A request that took time is followed by a full delay after it ended, not its start."""
    clock = FakeClock()
    pacer = Pacer(DELAY, clock)
    starts: list[float] = []

    async def scenario() -> None:
        async with pacer:
            await clock.sleep(10.0)  # a slow answer
        await _hold(pacer, clock, starts)

    asyncio.run(scenario())
    assert starts == [1013.0]


def test_no_wait_once_the_delay_has_passed() -> None:
    """A holder that comes after the delay is over enters without sleeping."""
    clock = FakeClock()
    pacer = Pacer(DELAY, clock)
    starts: list[float] = []

    async def scenario() -> None:
        await _hold(pacer, clock, starts)
        await clock.sleep(5.0)  # other work
        await _hold(pacer, clock, starts)

    asyncio.run(scenario())
    assert starts == [1000.0, 1005.0] and clock.sleeps == [5.0]


class _StuckClock(FakeClock):
    """A clock whose sleep never ends on its own, to cancel a holder while it waits."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.Event().wait()


def test_pacer_is_free_again_after_a_waiter_is_cancelled() -> None:
    """A holder cancelled while waiting out the delay does not keep the pacer locked."""
    clock = _StuckClock()
    pacer = Pacer(DELAY, clock)

    async def scenario() -> bool:
        async with pacer:
            pass
        waiter = asyncio.create_task(pacer.__aenter__())
        await asyncio.sleep(0)
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        clock._now += DELAY  # the delay is over: the next holder need not sleep
        # Entering takes no time when the pacer is free; the limit only turns a pacer left
        # locked (the bug) into a failure instead of a hang.
        await asyncio.wait_for(pacer.__aenter__(), timeout=60.0)
        await pacer.__aexit__(None, None, None)
        return True

    assert asyncio.run(scenario())
