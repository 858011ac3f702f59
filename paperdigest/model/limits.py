"""Limits on model calls: requests and tokens per minute, and the run's token cap."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiolimiter import AsyncLimiter

from paperdigest.errors import BudgetExceeded

__all__ = ["RateLimiter", "TokenBudget"]


class RateLimiter:
    """Requests-per-minute and tokens-per-minute limits (leaky buckets, aiolimiter).

    A 429 seen anywhere (:meth:`slow_down`) pauses every new request for the server's
    Retry-After, so that one rate-limit answer cannot start a storm, and halves the request
    rate (down to 1/8 of ``requests_per_minute``) until a minute passes without a 429: a
    quota below the configured rate then settles instead of answering 429 in bursts.
    """

    # Seconds without a 429 before the full request rate returns.
    RECOVERY_SECONDS = 60.0
    # Lowest share of the configured request rate a run of 429s can bring it to.
    MIN_RATE_FACTOR = 1 / 8

    def __init__(
        self,
        requests_per_minute: int,
        tokens_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Limits of ``requests_per_minute`` and ``tokens_per_minute``; ``clock`` (seconds)
        and ``sleep`` time the pause after a 429 (tests pass a fake clock)."""
        self._clock = clock
        self._sleep = sleep
        self._requests = AsyncLimiter(requests_per_minute, 60)
        self._requests_max = requests_per_minute
        self._tokens = AsyncLimiter(tokens_per_minute, 60)
        self._tokens_max = tokens_per_minute
        self._paused_until = 0.0
        self._factor = 1.0
        self._last_429 = -float("inf")
        self.slowdowns = 0

    @property
    def rate_factor(self) -> float:
        """Share of ``requests_per_minute`` now allowed: 1.0, or less after recent 429s."""
        if self._clock() - self._last_429 > self.RECOVERY_SECONDS:
            self._factor = 1.0
        return self._factor

    def slow_down(self, seconds: float) -> None:
        """Hold new requests for ``seconds`` (a 429's Retry-After, or 1 s without one) and
        halve the request rate (see the class)."""
        self.slowdowns += 1
        self._factor = max(self.rate_factor / 2, self.MIN_RATE_FACTOR)
        self._last_429 = self._clock()
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of about ``tokens`` tokens fits both limits."""
        while (pause := self._paused_until - self._clock()) > 0:
            await self._sleep(pause)
        # At rate factor 1/k a request takes k slots of the requests bucket.
        slots = min(round(1 / self.rate_factor), self._requests_max)
        await self._requests.acquire(slots)
        await self._tokens.acquire(min(tokens, self._tokens_max))


class TokenBudget:
    """The run's spending cap in tokens (prompt + completion); ``cap`` 0 means none."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.calls = 0

    @property
    def used(self) -> int:
        """Tokens spent so far in this run."""
        return self.prompt_tokens + self.completion_tokens

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` when the cap is reached."""
        if self.cap and self.used >= self.cap:
            raise BudgetExceeded(self.used, self.cap)

    def add(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Count one model call's usage."""
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
