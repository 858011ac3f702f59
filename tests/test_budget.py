"""Spending cap: PAPERDIGEST_MAX_TOKENS_PER_RUN bounds what a run (re-asks included) can
spend; reaching it ends the run as partial (exit 3) and names what was left undone."""

from __future__ import annotations

import re

import pytest
from conftest import AppEnv
from runhelpers import DAY_IDS, asked_ids, day_digest, digest_ids, omitted_ids, run_day

CAP = 5000


def _tokens_spent(stderr: str) -> int:
    match = re.search(r"tokens in/out (\d+)/(\d+)", stderr)
    assert match, stderr
    return int(match.group(1)) + int(match.group(2))


def _largest_call(env: AppEnv) -> int:
    # The fake bills ceil(chars / 4) for the prompt and ~202 tokens for an answer.
    sizes = [
        sum(len(m["content"]) for m in body["messages"]) // 4 + 1 for body in env.fake.chat_requests
    ]
    return max(sizes) + 300


def test_cap_ends_run_as_partial_and_names_what_was_left_undone(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cap reached: exit 3, the undone papers named on stderr and in the digest."""
    monkeypatch.setenv("PAPERDIGEST_MAX_TOKENS_PER_RUN", str(CAP))
    monkeypatch.setenv("PAPERDIGEST_CONCURRENCY", "1")
    result = run_day()
    assert result.exit_code == 3, result.stderr
    text = day_digest(env.out_dir)
    done, undone = digest_ids(text), omitted_ids(text)
    assert done and undone
    assert done + undone == DAY_IDS  # the first papers in list order, then the rest named
    assert "미완료: 실행당 토큰 한도 도달" in text
    for arxiv_id in undone:
        assert f"paperdigest: {arxiv_id} not in digest: 미완료: 실행당 토큰 한도 도달" in (
            result.stderr
        )
    assert set(asked_ids(env.fake)) == set(done)  # nothing asked past the cap
    assert _tokens_spent(result.stderr) <= CAP + _largest_call(env)


def test_cap_bounds_what_reasks_cost(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every answer broken, spending stops within one call per worker of the cap."""
    monkeypatch.setenv("PAPERDIGEST_MAX_TOKENS_PER_RUN", str(CAP))
    for arxiv_id in DAY_IDS:
        env.fake.chat_faults_by_id[arxiv_id] = ["english"] * 3
    result = run_day()
    assert result.exit_code == 3
    spent = _tokens_spent(result.stderr)
    assert spent >= CAP
    assert spent <= CAP + 4 * _largest_call(env)  # PAPERDIGEST_CONCURRENCY=4 in flight
    assert env.fake.chat_count < 3 * len(DAY_IDS) // 2


def test_next_run_finishes_what_the_cap_left_undone(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a capped run, the next run asks only the undone papers and completes the day."""
    monkeypatch.setenv("PAPERDIGEST_MAX_TOKENS_PER_RUN", str(CAP))
    monkeypatch.setenv("PAPERDIGEST_CONCURRENCY", "1")
    assert run_day().exit_code == 3
    undone = omitted_ids(day_digest(env.out_dir))
    before = env.fake.chat_count
    monkeypatch.setenv("PAPERDIGEST_MAX_TOKENS_PER_RUN", "0")  # no cap
    result = run_day()
    assert result.exit_code == 0, result.stderr
    assert sorted(asked_ids(env.fake, since=before)) == sorted(undone)
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS


def test_answer_paid_for_is_kept_when_cap_stops_its_reask(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer failing only the figure check is kept, with its warning, at the cap."""
    monkeypatch.setenv("PAPERDIGEST_MAX_TOKENS_PER_RUN", "1")
    env.fake.chat_faults_by_id[DAY_IDS[0]] = ["invented_figure"] * 3
    result = run_day("--limit", "1")
    assert env.fake.chat_count == 1
    assert result.exit_code == 0, result.stderr
    text = day_digest(env.out_dir)
    assert digest_ids(text) == [DAY_IDS[0]]
    assert "원문에서 확인되지 않은 수치: +37.5%" in text
