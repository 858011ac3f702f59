"""Model faults: each broken first answer or failed call is recovered per paper, within the
attempt budget, and a day whose every first answer is broken still publishes a clean digest."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

import pytest
from conftest import AppEnv, app_env
from fakeserver import ENGLISH_SENTENCE, FakeUpstream
from runhelpers import DAY, DAY_IDS, asked_ids, day_digest, digest_ids, markdown_problems, run_day
from typer.testing import Result

FIRST = DAY_IDS[0]
TRANSPORT_FAULTS = {"http_429", "http_500", "http_503", "reset", "timeout"}

# fault -> chat requests the paper costs: content faults need one re-ask, transport faults
# one retry by the openai client, a fenced answer is unwrapped without asking again.
FAULT_COST = {
    "malformed_json": 2,
    "english": 2,
    "code_fence": 1,
    "missing_field": 2,
    "length": 2,
    "empty": 2,
    "heading": 2,
    "invented_figure": 2,
    "http_429": 2,
    "http_500": 2,
    "http_503": 2,
    "reset": 2,
    "timeout": 2,
}


# The model client's timeout where a test injects a "timeout" fault. The fake then answers
# nothing until the client gives up, so the fault costs this long; every other answer must come
# within it, and the fake's take milliseconds even on a busy machine (two orders of magnitude).
FAULT_TIMEOUT_SECONDS = "2"


def _fast_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDIGEST_MODEL_TIMEOUT_SECONDS", FAULT_TIMEOUT_SECONDS)


def _attempt_errors(env: AppEnv, arxiv_id: str) -> list[str | None]:
    con = sqlite3.connect(env.out_dir / "paperdigest.db")
    try:
        row = con.execute(
            "SELECT attempts FROM summaries WHERE arxiv_id = ?", (arxiv_id,)
        ).fetchone()
    finally:
        con.close()
    assert row is not None, f"{arxiv_id} has no stored summary"
    return [a["error"] for a in json.loads(row[0])]


@pytest.mark.parametrize("fault", sorted(FAULT_COST))
def test_each_model_fault_is_recovered_for_its_paper(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """A paper whose first answer has FAULT is still summarized, at the expected cost."""
    _fast_timeouts(monkeypatch)
    env.fake.chat_faults_by_id[FIRST] = [fault]
    result = run_day("--limit", "1")
    assert result.exit_code == 0, result.stderr
    text = day_digest(env.out_dir)
    assert digest_ids(text) == [FIRST]
    assert "요약하지 못한 논문" not in text
    assert env.fake.chat_count == FAULT_COST[fault]
    errors = _attempt_errors(env, FIRST)
    # Only content faults are the model's answers failing validation (one re-ask);
    # transport faults are retried inside the openai client and cost no attempt.
    assert len(errors) == (1 if fault in TRANSPORT_FAULTS or fault == "code_fence" else 2)
    assert errors[-1] is None
    assert env.fake.errors == []


def test_code_fence_answer_is_unwrapped_without_a_reask(env: AppEnv) -> None:
    """JSON inside a ```json fence is accepted as is: one call, one attempt."""
    env.fake.chat_faults_by_id[FIRST] = ["code_fence"]
    result = run_day("--limit", "1")
    assert result.exit_code == 0, result.stderr
    assert env.fake.chat_count == 1
    assert _attempt_errors(env, FIRST) == [None]


def test_reask_tells_the_model_what_failed(env: AppEnv) -> None:
    """The re-ask carries the broken answer and the validation problem (cut at length)."""
    env.fake.chat_faults_by_id[FIRST] = ["length"]
    assert run_day("--limit", "1").exit_code == 0
    second = env.fake.chat_requests[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert "finish_reason=length" in second[-1]["content"]


@dataclass(frozen=True)
class BrokenDay:
    """A day whose every first answer was broken: the run's result, its digest, and what the
    fake model saw (recorded at once: later tests reset the shared fake)."""

    result: Result
    text: str
    asked: list[str]
    faults_left: list[list[str]]
    errors: list[str]


@pytest.fixture(scope="module")
def broken_day(fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> BrokenDay:
    """Every paper's first answer broken, a different fault each (the last two papers get two
    faults in a row, still within the 3 attempts), and the day run once for the module."""
    with (
        app_env(fake_upstream, tmp_path_factory.mktemp("broken-day")) as env,
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        _fast_timeouts(monkeypatch)
        faults = sorted(FAULT_COST)
        assert len(faults) == 13
        for arxiv_id, fault in zip(DAY_IDS, faults, strict=False):
            env.fake.chat_faults_by_id[arxiv_id] = [fault]
        env.fake.chat_faults_by_id[DAY_IDS[13]] = ["malformed_json", "missing_field"]
        env.fake.chat_faults_by_id[DAY_IDS[14]] = ["english", "http_503"]
        result = run_day()
        return BrokenDay(
            result=result,
            text=day_digest(env.out_dir) if result.exit_code == 0 else "",
            asked=asked_ids(env.fake),
            faults_left=[list(q) for q in env.fake.chat_faults_by_id.values()],
            errors=list(env.fake.errors),
        )


def test_day_with_every_first_answer_broken_exits_0(broken_day: BrokenDay) -> None:
    """Every first answer broken, a different fault each: the run still ends with exit 0 and
    no traceback."""
    result = broken_day.result
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_day_with_every_first_answer_broken_publishes_every_paper(broken_day: BrokenDay) -> None:
    """Every paper is in the digest, in list order, and none is listed as not summarized."""
    text = broken_day.text
    assert digest_ids(text) == DAY_IDS
    assert "요약하지 못한 논문" not in text


def test_broken_first_answers_leave_no_trace_in_the_digest(broken_day: BrokenDay) -> None:
    """No unverified figure, English answer, code fence or model heading reaches the digest."""
    text = broken_day.text
    assert "⚠️" not in text  # no unverified figure survived
    assert ENGLISH_SENTENCE not in text
    assert "```" not in text
    assert "## 요약" not in text


def test_day_with_every_first_answer_broken_gives_valid_markdown(broken_day: BrokenDay) -> None:
    """The digest of a day of broken first answers is valid markdown."""
    assert markdown_problems(broken_day.text) == []


def test_every_fault_is_served_and_every_paper_asked(broken_day: BrokenDay) -> None:
    """Every paper was asked and every injected fault was served (the test really broke
    each first answer), with no malformed request."""
    assert sorted(set(broken_day.asked)) == sorted(DAY_IDS)
    assert all(not q for q in broken_day.faults_left)  # every fault was served
    assert broken_day.errors == []


@pytest.mark.parametrize(
    ("fault", "needle"),
    [("http_401", "refused the key (HTTP 401)"), ("http_404", "does not know model 'fake-model'")],
)
def test_api_refusing_key_or_model_exits_2_with_one_line(
    env: AppEnv, fault: str, needle: str
) -> None:
    """401/403 (key) and 404 (model) are configuration errors: exit 2, one line, no retry."""
    env.fake.chat_faults = [fault] * 20
    result = run_day("--limit", "1")
    assert result.exit_code == 2, result.stderr
    assert f"paperdigest: error: the model API {needle}" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(env.fake.chat_requests) == 1
    assert not (env.out_dir / f"{DAY}.md").exists()


def test_reply_that_is_no_chat_completion_fails_only_its_paper(env: AppEnv) -> None:
    """A 200 whose body is not a chat completion (a proxy page) fails that paper, not the
    day: no traceback, the others are written, exit 3."""
    env.fake.chat_faults_by_id[FIRST] = ["not_a_completion"]
    result = run_day("--limit", "3")
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    text = day_digest(env.out_dir)
    assert digest_ids(text) == DAY_IDS[1:3]
    assert "model API error: the reply is not a chat completion" in text
