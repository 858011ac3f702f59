"""Backfill: a range of days through the direct path, the Batch API, a batch file and its
results; all against the local fake server."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx2
import pytest
from conftest import AppEnv, app_env
from fakeserver import FakeUpstream
from typer.testing import CliRunner, Result

from paperdigest.cli import app
from paperdigest.config import load_settings
from paperdigest.flows import batch, batchapi
from paperdigest.flows.days import DayOptions
from paperdigest.flows.runtime import Runtime
from paperdigest.model.client import make_openai_client
from paperdigest.model.prompts import PROMPTS_DIR, load_prompts
from paperdigest.model.reask import PriorAnswer
from paperdigest.store import Store, TextKey

DAYS = ["--from", "2025-11-06", "--to", "2025-11-08"]
# 2025-11-06 has 11 papers, 2025-11-07 has 15, 2025-11-08 (a Saturday) none.
PAPERS = 26


@pytest.fixture
def batch_env(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> AppEnv:
    """``env`` with a near-zero Batch API poll interval."""
    monkeypatch.setenv("PAPERDIGEST_BATCH_POLL_SECONDS", "0.01")
    return env


def _backfill(*args: str) -> Result:
    return CliRunner().invoke(app, ["backfill", *DAYS, *args])


def _digests(env: AppEnv) -> dict[str, bytes]:
    """The day digests of the output folder by name (index.md is no day's digest)."""
    return {p.name: p.read_bytes() for p in sorted(env.out_dir.glob("????-??-??*.md"))}


def _runtime() -> Runtime:
    settings = load_settings()
    return Runtime(settings, Store(settings.db_path), load_prompts(PROMPTS_DIR))


def _batch_statuses(env: AppEnv) -> list[str]:
    with sqlite3.connect(env.out_dir / "paperdigest.db") as db:
        return sorted(r[0] for r in db.execute("SELECT status FROM batches"))


def test_direct_backfill_writes_a_digest_for_each_day_with_papers(env: AppEnv) -> None:
    """Three days through the direct path: two digests, the empty day none, exit 0."""
    result = _backfill()
    assert result.exit_code == 0, result.output
    assert list(_digests(env)) == ["2025-11-06.md", "2025-11-07.md"]
    assert env.fake.chat_count == PAPERS


def test_second_backfill_costs_no_model_call(env: AppEnv) -> None:
    """Rerunning a completed backfill asks the model nothing and rewrites the same bytes."""
    assert _backfill().exit_code == 0
    before, calls = _digests(env), env.fake.chat_count
    result = _backfill()
    assert result.exit_code == 0, result.output
    assert env.fake.chat_count == calls
    assert _digests(env) == before


def test_backfill_exits_3_when_a_day_is_partial(env: AppEnv) -> None:
    """A paper failing every attempt makes its day partial and the backfill exit 3."""
    env.fake.chat_faults_by_id["2511.03276"] = ["english"] * 3
    result = _backfill()
    assert result.exit_code == 3, result.output
    assert len(_digests(env)) == 2


def test_backfill_rejects_a_reversed_range(env: AppEnv) -> None:
    """--to before --from is bad input (exit 2)."""
    result = CliRunner().invoke(app, ["backfill", "--from", "2025-11-08", "--to", "2025-11-06"])
    assert result.exit_code == 2
    assert "before" in result.stderr


def test_batch_backfill_summarizes_through_one_batch(batch_env: AppEnv) -> None:
    """--batch: one batch holds every paper; no direct call; digests written; batch ingested."""
    result = _backfill("--batch")
    assert result.exit_code == 0, result.output
    assert len(batch_env.fake.batches) == 1
    assert len(batch_env.fake.batch_requests) == PAPERS
    assert batch_env.fake.chat_count == 0
    assert list(_digests(batch_env)) == ["2025-11-06.md", "2025-11-07.md"]
    assert _batch_statuses(batch_env) == ["ingested"]


def test_batch_and_direct_backfills_write_identical_digests(
    batch_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same answers through the Batch API or direct calls give the same digest bytes."""
    assert _backfill("--batch").exit_code == 0
    batched = _digests(batch_env)
    monkeypatch.setenv("PAPERDIGEST_OUTPUT_DIR", str(batch_env.tmp_path / "direct"))
    assert _backfill().exit_code == 0
    direct = {
        p.name: p.read_bytes()
        for p in sorted((batch_env.tmp_path / "direct").glob("????-??-??*.md"))
    }
    assert batched == direct


@dataclass(frozen=True)
class _Reasked:
    """What a batch backfill with one invalid batch answer, and ``show`` after it, gave."""

    code: int
    output: str
    requests: list[dict[str, Any]]
    digest: str
    shown_code: int
    shown_output: str
    shown: str

    @property
    def reask(self) -> dict[str, Any]:
        """The one direct chat request (the re-ask)."""
        [reask] = self.requests
        return reask


@pytest.fixture(scope="module")
def reasked(fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> _Reasked:
    """A batch backfill whose answer for 2511.03773 is in English, then ``show 2511.03773``."""
    with (
        app_env(fake_upstream, tmp_path_factory.mktemp("reasked")) as env,
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        monkeypatch.setenv("PAPERDIGEST_BATCH_POLL_SECONDS", "0.01")
        env.fake.chat_faults_by_id["2511.03773"] = ["english"]
        result = _backfill("--batch")
        digests = _digests(env)
        shown = CliRunner().invoke(app, ["show", "2511.03773"])
        return _Reasked(
            code=result.exit_code,
            output=result.output,
            requests=list(env.fake.chat_requests),
            digest=digests.get("2025-11-07.md", b"").decode(),
            shown_code=shown.exit_code,
            shown_output=shown.output,
            shown=shown.stdout,
        )


def test_backfill_with_an_invalid_batch_answer_succeeds(reasked: _Reasked) -> None:
    """A batch answer that fails validation does not fail the backfill (exit 0)."""
    assert reasked.code == 0, reasked.output


def test_invalid_batch_answer_is_reasked_once_directly(reasked: _Reasked) -> None:
    """A batch answer that fails validation is re-asked with exactly one direct call."""
    assert len(reasked.requests) == 1


def test_invalid_batch_answer_reask_has_the_answer_in_the_conversation(reasked: _Reasked) -> None:
    """The direct re-ask holds system, user, the batch answer (assistant) and the error (user)."""
    assert [m["role"] for m in reasked.reask["messages"]] == ["system", "user", "assistant", "user"]


def test_invalid_batch_answer_reask_is_about_the_same_paper(reasked: _Reasked) -> None:
    """The direct re-ask's prompt names the paper the batch answer was for."""
    assert "arXiv id: 2511.03773" in reasked.reask["messages"][1]["content"]


def test_invalid_batch_answer_reask_opens_with_the_validation_failure(reasked: _Reasked) -> None:
    """The re-ask message is the normal re-ask path's: it opens with the failed validation."""
    assert reasked.reask["messages"][3]["content"].startswith("Your answer failed validation:")


def test_invalid_batch_answer_reask_names_the_error(reasked: _Reasked) -> None:
    """The re-ask message carries the batch answer's error (not written in Korean)."""
    assert "must be written in Korean" in reasked.reask["messages"][3]["content"]


def test_reasked_paper_is_in_the_digest(reasked: _Reasked) -> None:
    """The paper whose batch answer was re-asked is in its day's digest."""
    assert "2511.03773" in reasked.digest


def test_show_of_a_reasked_paper_succeeds(reasked: _Reasked) -> None:
    """``show`` of the re-asked paper exits 0."""
    assert reasked.shown_code == 0, reasked.shown_output


def test_show_lists_the_batch_answer_as_attempt_1(reasked: _Reasked) -> None:
    """The provenance lists the rejected batch answer as attempt 1, with its batch and error."""
    assert re.search(r"attempt 1 \(batch batch_\w+\): .*must be written in Korean", reasked.shown)


def test_show_lists_the_direct_reask_as_attempt_2(reasked: _Reasked) -> None:
    """The provenance lists the direct re-ask as attempt 2, ok."""
    assert "attempt 2: ok" in reasked.shown


def test_rejected_batch_answer_does_not_use_up_the_attempts(
    batch_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PAPERDIGEST_MAX_ATTEMPTS=1 the re-ask from a rejected batch answer is still made."""
    monkeypatch.setenv("PAPERDIGEST_MAX_ATTEMPTS", "1")
    batch_env.fake.chat_faults_by_id["2511.03773"] = ["english"]
    result = _backfill("--batch")
    assert result.exit_code == 0, result.output
    assert len(batch_env.fake.chat_requests) == 1


def test_rejected_batch_answer_seeds_one_direct_attempt_only(batch_env: AppEnv) -> None:
    """When the re-asks from a batch answer fail too, the next run asks afresh."""
    batch_env.fake.chat_faults_by_id["2511.03773"] = ["english"] * 4  # batch + 3 direct calls
    assert _backfill("--batch").exit_code == 3
    before = len(batch_env.fake.chat_requests)
    result = CliRunner().invoke(app, ["run", "--date", "2025-11-07"])
    assert result.exit_code == 0, result.output
    [fresh] = batch_env.fake.chat_requests[before:]
    assert [m["role"] for m in fresh["messages"]] == ["system", "user"]


def test_rejected_batch_answer_about_another_text_is_not_replayed(env: AppEnv) -> None:
    """A kept answer written from another text (paper version, text key) seeds nothing, and
    is dropped: the direct path would send the model a text the answer was not about."""
    store = Store(env.tmp_path / "store.db")
    key = ("2511.03773", "seven", "hash", "fake-model")
    answer = PriorAnswer("{}", "stop", 10, 5, "batch_1")
    text = TextKey(12_000, 2)
    store.save_rejected(key, 1, text, answer)
    assert store.pop_rejected(key, 2, text) is None
    assert store.pop_rejected(key, 1, text) is None  # dropped by the first pop
    store.save_rejected(key, 1, text, answer)
    assert store.pop_rejected(key, 1, text) == answer
    store.close()


def test_batch_answers_from_an_abstract_stand_in_are_used(
    batch_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arxiv.org failing (503) while the batch is built: the answers, written from the
    abstract, are stored and used, not paid for again through direct calls."""
    monkeypatch.setenv("PAPERDIGEST_HTTP_RETRIES", "0")
    batch_env.fake.fulltext_faults += [503] * 200
    result = _backfill("--batch")
    assert result.exit_code == 0, result.output
    assert len(batch_env.fake.batch_requests) == PAPERS
    assert batch_env.fake.chat_count == 0


def test_batch_backfill_resumes_a_stored_batch(batch_env: AppEnv) -> None:
    """After a crash between submitting and polling, --batch polls the stored batch and
    submits no new one."""

    async def submit_then_crash() -> None:
        rt = _runtime()
        days = [date(2025, 11, 6), date(2025, 11, 7)]
        prepared = await batch.prepare_days(rt, days, DayOptions("seven", "digest"))
        requests = await batch.build_requests(rt, prepared, "seven")
        client = make_openai_client(rt.settings, rt.limiter)
        try:
            await batchapi.submit(rt, client, requests, "2025-11-06..2025-11-07", "seven")
        finally:
            await client.close()
            rt.store.close()

    asyncio.run(submit_then_crash())
    assert _batch_statuses(batch_env) == ["validating"]
    result = _backfill("--batch")
    assert result.exit_code == 0, result.output
    assert len(batch_env.fake.batches) == 1
    assert batch_env.fake.chat_count == 0
    assert _batch_statuses(batch_env) == ["ingested"]


def test_batch_file_holds_one_cache_keyed_request_per_paper(env: AppEnv) -> None:
    """--batch-file writes chat-completion JSONL keyed by cache key, and calls no model API."""
    out = env.tmp_path / "requests.jsonl"
    result = _backfill("--batch-file", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    prompt = load_prompts(PROMPTS_DIR)["seven"]
    assert len(lines) == PAPERS
    for line in lines:
        arxiv_id = line["body"]["messages"][1]["content"].split("\n")[3].removeprefix("arXiv id: ")
        assert line["custom_id"] == f"{arxiv_id}|seven|{prompt.prompt_hash}|fake-model"
        assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
        assert set(line["body"]) == {
            "model",
            "messages",
            "response_format",
            "max_completion_tokens",
        }
    assert (env.fake.chat_count, env.fake.files) == (0, {})


def _run_batch_file_like_vllm(env: AppEnv, requests: Path, results: Path) -> None:
    """What ``vllm run-batch`` does: each request line to the chat endpoint, one output line."""
    out: list[str] = []
    with httpx2.Client(base_url=env.base_url, headers={"Authorization": "Bearer x"}) as client:
        for number, line in enumerate(requests.read_text(encoding="utf-8").splitlines()):
            request = json.loads(line)
            answer = client.post("/v1/chat/completions", json=request["body"])
            record = {
                "id": f"vllm-{number}",
                "custom_id": request["custom_id"],
                "response": {"status_code": answer.status_code, "body": answer.json()},
                "error": None,
            }
            out.append(json.dumps(record, ensure_ascii=False))
    results.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_ingested_results_leave_no_model_call_to_make(env: AppEnv) -> None:
    """--ingest of a results JSONL stores the answers; the days then run with 0 calls."""
    requests, results = env.tmp_path / "requests.jsonl", env.tmp_path / "results.jsonl"
    assert _backfill("--batch-file", str(requests)).exit_code == 0
    _run_batch_file_like_vllm(env, requests, results)
    calls = env.fake.chat_count
    result = _backfill("--ingest", str(results))
    assert result.exit_code == 0, result.output
    assert env.fake.chat_count == calls
    assert list(_digests(env)) == ["2025-11-06.md", "2025-11-07.md"]


def test_ingest_of_a_file_that_is_not_jsonl_is_bad_input(env: AppEnv) -> None:
    """--ingest of a file whose lines are not JSON objects exits 2."""
    bad = env.tmp_path / "results.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    result = _backfill("--ingest", str(bad))
    assert result.exit_code == 2
    assert "line 1" in result.stderr


def test_failed_batch_exits_1_and_is_not_resumed(batch_env: AppEnv) -> None:
    """A batch the API fails ends the backfill with exit 1 and is closed, so a rerun
    submits a new batch instead of polling the dead one."""
    batch_env.fake.batch_final_status = "failed"
    result = _backfill("--batch")
    assert result.exit_code == 1
    assert "ended failed" in result.stderr
    batch_env.fake.batch_final_status = "completed"
    assert _backfill("--batch").exit_code == 0
    assert len(batch_env.fake.batches) == 2
    assert _batch_statuses(batch_env) == ["failed", "ingested"]
