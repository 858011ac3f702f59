"""Overlapping runs: a second run of the same day waits for the first (then finds every
summary stored and asks nothing), gives up with a clear message after the wait limit, and
runs of other days are never blocked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import pytest
from conftest import AppEnv, app_env
from fakeserver import HOLD_LIMIT_SECONDS, FakeUpstream
from runhelpers import (
    DAY,
    DAY_IDS,
    PROCESS_LIMIT_SECONDS,
    asked_ids,
    day_digest,
    digest_ids,
    run_day,
    spawn,
    wait_for,
)

from paperdigest.config import load_settings
from paperdigest.flows.runtime import day_lock

OTHER_DAY = "2025-11-06"


@dataclass(frozen=True)
class _Overlap:
    """What two overlapping runs of one day returned and asked."""

    codes: tuple[int, int]
    out1: str
    out2: str
    err1: str
    err2: str
    counts: Counter[str]
    digest_ids: list[str]


@pytest.fixture(scope="module")
def overlap(fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> _Overlap:
    """Two real runs of one day started at once; the second is seen waiting for the lock."""
    with app_env(fake_upstream, tmp_path_factory.mktemp("overlap")) as env:
        # The first run's model calls get no answer until the second run is seen waiting for
        # the lock (an event, however slow the machine); its client timeout is far above the
        # fake's hold limit, so a held call never times out and is asked again.
        env.fake.chat_hold_after = 0
        patient = {"PAPERDIGEST_MODEL_TIMEOUT_SECONDS": str(10 * HOLD_LIMIT_SECONDS)}
        first = spawn(env.tmp_path, "run", "--date", DAY, env=patient)
        second = None
        try:
            wait_for(lambda: env.fake.chat_count >= 1, "the first run to reach the model")
            second = spawn(env.tmp_path, "run", "--date", DAY)
            assert second.stderr is not None  # set-up: spawn pipes stderr
            seen = [second.stderr.readline()]
            while seen[-1] and "waiting" not in seen[-1]:
                seen.append(second.stderr.readline())
            env.fake.chat_release.set()
            out1, err1 = first.communicate(timeout=PROCESS_LIMIT_SECONDS)
            out2, err2 = second.communicate(timeout=PROCESS_LIMIT_SECONDS)
            err2 = "".join(seen) + err2
        finally:
            env.fake.chat_release.set()
            for proc in (first, second):
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.communicate()
        both_ok = (first.returncode, second.returncode) == (0, 0)
        return _Overlap(
            codes=(first.returncode, second.returncode),
            out1=out1,
            out2=out2,
            err1=err1,
            err2=err2,
            counts=Counter(asked_ids(env.fake)),
            digest_ids=digest_ids(day_digest(env.out_dir)) if both_ok else [],
        )


def test_overlapping_runs_of_same_day_both_succeed(overlap: _Overlap) -> None:
    """Two runs of one day at once: both exit 0."""
    assert overlap.codes == (0, 0), (overlap.err1, overlap.err2)


def test_overlapping_runs_of_same_day_both_print_the_digest_path(overlap: _Overlap) -> None:
    """Two runs of one day at once: each prints the day's digest path last."""
    assert overlap.out1.strip().endswith(f"{DAY}.md") and overlap.out2.strip().endswith(f"{DAY}.md")


def test_overlapping_runs_of_same_day_ask_every_paper(overlap: _Overlap) -> None:
    """Two runs of one day at once: every paper of the day is asked (and nothing else)."""
    assert sorted(overlap.counts) == sorted(DAY_IDS)


def test_overlapping_runs_of_same_day_ask_each_paper_once(overlap: _Overlap) -> None:
    """Two runs of one day at once: no paper is asked twice."""
    assert set(overlap.counts.values()) == {1}


def test_second_overlapping_run_says_it_waits(overlap: _Overlap) -> None:
    """The second run of a locked day says it waits, and for how long at most."""
    assert f"another run of {DAY} is in progress; waiting up to 1800 s" in overlap.err2


def test_second_overlapping_run_finds_every_summary_cached(overlap: _Overlap) -> None:
    """The second run, once it has the lock, finds all 15 summaries stored."""
    assert "15 cached" in overlap.err2


def test_overlapping_runs_leave_the_whole_digest(overlap: _Overlap) -> None:
    """After two overlapping runs the digest holds every paper of the day."""
    assert overlap.digest_ids == DAY_IDS


def test_second_run_of_same_day_gives_up_after_lock_timeout(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the day locked past PAPERDIGEST_LOCK_TIMEOUT_SECONDS: exit 1, one clear line."""
    monkeypatch.setenv("PAPERDIGEST_LOCK_TIMEOUT_SECONDS", "0.1")
    with day_lock(load_settings(), date.fromisoformat(DAY)):
        result = run_day()
    assert result.exit_code == 1
    assert f"another run of {DAY} is in progress; waiting up to 0.1 s" in result.stderr
    assert "paperdigest: error: another paperdigest run holds" in result.stderr
    assert f".paperdigest-{DAY}.lock; gave up after waiting 0.1 s" in result.stderr
    assert env.fake.chat_count == 0
    assert not (env.out_dir / f"{DAY}.md").exists()


def test_run_of_another_day_is_not_blocked(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one day is locked, a run of another day proceeds at once (no wait allowed)."""
    monkeypatch.setenv("PAPERDIGEST_LOCK_TIMEOUT_SECONDS", "0")
    with day_lock(load_settings(), date.fromisoformat(DAY)):
        result = run_day(day=OTHER_DAY)
    assert result.exit_code == 0, result.stderr
    assert "waiting" not in result.stderr
    assert (env.out_dir / f"{OTHER_DAY}.md").is_file()
