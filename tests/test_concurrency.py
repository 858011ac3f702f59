"""Concurrency and polite upstreams: same digest at any concurrency, one request per upstream
and day, and a 429 that slows every later request."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import AppEnv
from typer.testing import CliRunner

from paperdigest.cli import app
from paperdigest.config import load_settings
from paperdigest.model.client import make_openai_client
from paperdigest.model.limits import RateLimiter


def _run_day(env: AppEnv, monkeypatch: pytest.MonkeyPatch, concurrency: int, out: Path) -> bytes:
    monkeypatch.setenv("PAPERDIGEST_CONCURRENCY", str(concurrency))
    monkeypatch.setenv("PAPERDIGEST_OUTPUT_DIR", str(out))
    result = CliRunner().invoke(app, ["run", "--date", "2025-11-07"])
    assert result.exit_code == 0, result.output
    return (out / "2025-11-07.md").read_bytes()


def test_concurrent_and_sequential_runs_write_identical_digests(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day summarized 8 at a time gives the same digest bytes as one at a time."""
    # The first paper needs a re-ask, so at concurrency 8 it finishes after later papers.
    env.fake.chat_faults_by_id["2511.04570"] = ["english"]
    concurrent = _run_day(env, monkeypatch, 8, env.tmp_path / "concurrent")
    env.fake.chat_faults_by_id["2511.04570"] = ["english"]
    sequential = _run_day(env, monkeypatch, 1, env.tmp_path / "sequential")
    assert concurrent == sequential


def test_a_run_asks_hugging_face_once_and_arxiv_for_the_whole_day_at_once(env: AppEnv) -> None:
    """One Hugging Face request; one arXiv API request holds every id of the day, and the
    only other one re-asks just the ids it lacked (the fixtures lack some)."""
    result = CliRunner().invoke(app, ["run", "--date", "2025-11-07"])
    assert result.exit_code == 0, result.output
    assert env.fake.hf_count == 1
    first, *rest = env.fake.arxiv_id_lists
    assert len(first) == 15
    assert len(rest) == 1 and 0 < len(rest[0]) < 15 and set(rest[0]) < set(first)


class _RecordingLimiter(RateLimiter):
    def __init__(self) -> None:
        super().__init__(500, 1_000_000)
        self.pauses: list[float] = []

    def slow_down(self, seconds: float) -> None:
        self.pauses.append(seconds)
        super().slow_down(seconds)


def test_a_429_answer_slows_the_limiter(env: AppEnv) -> None:
    """A 429 from the model API calls RateLimiter.slow_down once, with the server's wait."""
    env.fake.chat_faults.append("http_429")
    limiter = _RecordingLimiter()

    async def ask() -> None:
        client = make_openai_client(load_settings(), limiter)
        try:
            await client.chat.completions.create(
                model="fake-model", messages=[{"role": "user", "content": "arXiv id: 2511.1"}]
            )
        finally:
            await client.close()

    asyncio.run(ask())
    # The fake answers Retry-After: 1 and retry-after-ms: 10; either is the server's wait.
    assert len(limiter.pauses) == 1
    assert limiter.pauses[0] in (0.01, 1.0)


class _FakeTime:
    """A clock that only moves when the limiter sleeps (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_limiter_without_429s_does_not_pause() -> None:
    """Before any slow_down, acquire returns without waiting."""
    fake = _FakeTime()
    limiter = RateLimiter(500, 1_000_000, clock=fake.clock, sleep=fake.sleep)
    asyncio.run(limiter.acquire(100))
    assert fake.sleeps == []


def test_a_slowed_limiter_holds_new_requests() -> None:
    """After slow_down, acquire does not return before the pause is over."""
    fake = _FakeTime()
    limiter = RateLimiter(500, 1_000_000, clock=fake.clock, sleep=fake.sleep)
    limiter.slow_down(60.0)
    asyncio.run(limiter.acquire(100))
    assert fake.sleeps == [60.0]


def test_each_429_halves_the_request_rate_down_to_an_eighth() -> None:
    """After a 429 a request takes 2 slots of the requests-per-minute bucket, then 4, 8."""
    limiter = RateLimiter(60, 1_000_000)
    assert limiter.rate_factor == 1.0
    factors = []
    for _ in range(4):
        limiter.slow_down(0.0)
        factors.append(limiter.rate_factor)
    assert factors == [0.5, 0.25, 0.125, 0.125]

    async def slots_left_after_one_request() -> tuple[bool, bool]:
        fresh = RateLimiter(60, 1_000_000)
        fresh.slow_down(0.0)
        await fresh.acquire(100)
        bucket = fresh._requests
        return bucket.has_capacity(58), bucket.has_capacity(59)

    # Two of the 60 slots are taken (not one): 58 more fit, 59 do not.
    assert asyncio.run(slots_left_after_one_request()) == (True, False)


def test_the_full_rate_returns_a_minute_after_the_last_429() -> None:
    """rate_factor is back to 1.0 once RECOVERY_SECONDS pass without a 429."""
    fake = _FakeTime()
    limiter = RateLimiter(60, 1_000_000, clock=fake.clock, sleep=fake.sleep)
    limiter.slow_down(0.0)
    fake.now += RateLimiter.RECOVERY_SECONDS - 1
    assert limiter.rate_factor == 0.5
    fake.now += 2
    assert limiter.rate_factor == 1.0
