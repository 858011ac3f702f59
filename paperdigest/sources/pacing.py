"""The one arXiv pacer: every request to arXiv starts at least ``arxiv_delay_seconds`` after
the previous one ended, across the whole command.

arXiv's API terms ask for no more than one request every three seconds, and the same
courtesy is kept for arxiv.org's HTML pages, PDFs and figure images: all of them, and each
retry of them, go through one :class:`Pacer` (``Runtime.pacer``), shared by every day of a
backfill and the batch path. Hugging Face requests are not paced by it.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import Protocol

__all__ = ["Clock", "Pacer", "SystemClock", "default_clock"]


class Clock(Protocol):
    """Where a :class:`Pacer` reads the time and waits (seconds, monotonic)."""

    def monotonic(self) -> float:
        """The current time, seconds, from an arbitrary start."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic`` and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        """``time.monotonic()``, seconds."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep(seconds)``."""
        await asyncio.sleep(seconds)


default_clock: Clock = SystemClock()
"""The clock of a :class:`Pacer` made without one: the system clock. Tests replace it with a
fake clock so that pacing is checked in simulated seconds, without sleeping."""


class Pacer:
    """One holder at a time, each entering ``delay`` seconds after the previous holder left.

    Hold it (``async with pacer:``) around exactly one request (one try: a retry holds it
    again). Counting from the release, i.e. from the end of the previous request, is at
    least as slow as counting from its start, and a failed try (reset, timeout) counts like
    an answered one.

    Args:
        delay: seconds between the end of one request and the start of the next
            (``arxiv_delay_seconds``).
        clock: where time is read and waited; :data:`default_clock` (read when the pacer
            is made) if None.
    """

    def __init__(self, delay: float, clock: Clock | None = None) -> None:
        self._delay = delay
        self._clock = clock or default_clock
        self._lock = asyncio.Lock()
        self._last = -float("inf")

    async def __aenter__(self) -> None:
        await self._lock.acquire()
        try:
            wait = self._last + self._delay - self._clock.monotonic()
            if wait > 0:
                await self._clock.sleep(wait)
        except BaseException:  # cancelled while waiting: __aexit__ will not run
            self._lock.release()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._last = self._clock.monotonic()
        self._lock.release()
