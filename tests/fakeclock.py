"""A fake monotonic clock for pacing tests: time moves only when something sleeps on it.

Install it with :func:`install` (the arXiv pacer made by a command then uses it, and the
fake server stamps request arrivals with it), and pacing is checked in simulated seconds:
the real arXiv delay (3 s) costs no wall-clock time, and a client that did not wait would
show a gap of zero.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from fakeserver import FakeUpstream

from paperdigest.sources import pacing


class FakeClock:
    """Seconds that advance by exactly what is slept (thread-safe reads for the server)."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """The simulated time, seconds."""
        with self._lock:
            return self._now

    async def sleep(self, seconds: float) -> None:
        """Advance the time by ``seconds`` at once (still yielding to the event loop)."""
        with self._lock:
            self.sleeps.append(seconds)
            self._now += max(seconds, 0.0)
        await asyncio.sleep(0)


def install(monkeypatch: pytest.MonkeyPatch, fake: FakeUpstream | None = None) -> FakeClock:
    """Make pacers use a new :class:`FakeClock`, and ``fake`` stamp arrivals with it."""
    clock = FakeClock()
    monkeypatch.setattr(pacing, "default_clock", clock)
    if fake is not None:
        monkeypatch.setattr(fake, "clock", clock.monotonic)
    return clock
