"""Partial failure: papers that fail every attempt give exit 3 and are named in the digest;
the next run asks the model only about them and completes the digest."""

from __future__ import annotations

import pytest
from conftest import AppEnv
from runhelpers import (
    DAY,
    DAY_IDS,
    asked_ids,
    day_digest,
    digest_ids,
    markdown_problems,
    omitted_ids,
    run_day,
)

FAILING = [DAY_IDS[2], DAY_IDS[9]]


def _fail_twice_over(env: AppEnv) -> None:
    # Three English answers exhaust PAPERDIGEST_MAX_ATTEMPTS=3.
    for arxiv_id in FAILING:
        env.fake.chat_faults_by_id[arxiv_id] = ["english", "english", "english"]


def test_papers_failing_every_attempt_give_exit_3_and_are_named(env: AppEnv) -> None:
    """Exit 3; the digest holds the others in list order and names the failed ids."""
    _fail_twice_over(env)
    result = run_day()
    assert result.exit_code == 3, result.stderr
    text = day_digest(env.out_dir)
    assert digest_ids(text) == [i for i in DAY_IDS if i not in FAILING]
    assert omitted_ids(text) == FAILING
    assert "요약 실패 (3회 시도)" in text
    assert markdown_problems(text) == []
    for arxiv_id in FAILING:
        assert f"paperdigest: {arxiv_id} not in digest: 요약 실패 (3회 시도)" in result.stderr
    assert result.stdout.strip().endswith(f"{DAY}.md")  # the path is printed even when partial


def test_next_run_asks_only_the_failed_papers_and_completes_digest(env: AppEnv) -> None:
    """The rerun asks the model about the failed papers alone, exits 0, digest complete."""
    _fail_twice_over(env)
    assert run_day().exit_code == 3
    before = env.fake.chat_count

    result = run_day()

    assert result.exit_code == 0, result.stderr
    assert sorted(asked_ids(env.fake, since=before)) == sorted(FAILING)
    text = day_digest(env.out_dir)
    assert digest_ids(text) == DAY_IDS
    assert "요약하지 못한 논문" not in text
    assert markdown_problems(text) == []


def test_rerun_of_a_complete_day_asks_nothing(env: AppEnv) -> None:
    """A second run of a finished day is all cache: no model call, same bytes, exit 0."""
    assert run_day().exit_code == 0
    first = (env.out_dir / f"{DAY}.md").read_bytes()
    calls = env.fake.chat_count
    result = run_day()
    assert result.exit_code == 0
    assert env.fake.chat_count == calls
    assert (env.out_dir / f"{DAY}.md").read_bytes() == first


@pytest.mark.parametrize(
    ("faults", "calls", "reason", "said"),
    [
        # HTTP 500 past the client's retries: the first try and PAPERDIGEST_MODEL_MAX_RETRIES=3
        # retries by the openai client, then no re-ask (one retry layer).
        (
            ["http_500"] * 10,
            4,
            "요약 실패: model API error: HTTP 500",
            "warning: {id}: model API error after retries: HTTP 500",
        ),
        # HTTP 400: the request itself is rejected, so nothing is retried or re-asked.
        (
            ["http_400_echo_key"],
            1,
            "요약 실패 (1회 시도): request rejected",
            "paperdigest: {id} not in digest: 요약 실패 (1회 시도)",
        ),
    ],
    ids=["api-down", "request-rejected"],
)
def test_a_call_the_api_fails_or_rejects_fails_only_that_paper_at_once(
    env: AppEnv, faults: list[str], calls: int, reason: str, said: str
) -> None:
    """A paper whose call fails past the client's retries (500) or is rejected (400) fails
    at once, named with the API error; the others are written; exit 3."""
    env.fake.chat_faults_by_id[FAILING[0]] = faults
    result = run_day()
    assert result.exit_code == 3, result.stderr
    assert asked_ids(env.fake).count(FAILING[0]) == calls
    text = day_digest(env.out_dir)
    assert omitted_ids(text) == [FAILING[0]]
    assert reason in text
    assert said.format(id=FAILING[0]) in result.stderr


def test_model_api_outage_stops_the_run_after_three_papers(env: AppEnv) -> None:
    """Every call failing: after 3 papers in a row fail, no further paper is started; the
    rest are 'not done' (exit 3) and the next run, with the API back, completes the day."""
    env.fake.chat_faults = ["http_503"] * 1000
    result = run_day()
    assert result.exit_code == 3, result.stderr
    started = set(asked_ids(env.fake))
    # Each of the first two failures frees a slot for a new paper before the third lands:
    # at most 3 + (PAPERDIGEST_CONCURRENCY=4) - 1 papers are ever asked about, of 15.
    assert 3 <= len(started) <= 6
    text = day_digest(env.out_dir)
    assert omitted_ids(text) == DAY_IDS
    assert text.count("미완료: 모델 API 장애로 중단") == len(DAY_IDS) - len(started)

    env.fake.chat_faults = []
    assert run_day().exit_code == 0
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS
