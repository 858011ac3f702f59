"""Logs a person can act on: one line per paper with its outcome and why, one summary line
per run, retries only with -v, and JSON lines (every stderr line) for a log collector."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from typing import Any

import pytest
from conftest import AppEnv
from runhelpers import DAY, json_lines, run_day

OK, EMPTY, FAILING, CACHED = "2511.90001", "2511.90002", "2511.90003", "2511.90004"
BAD_ID = "../../etc/passwd"

_PAPER_LINE = re.compile(
    r"^(?:warning: |error: )?(\S+) (summarized|cached|skipped|failed|not done)\b(.*)$"
)


def _record(arxiv_id: str, summary: str = "An abstract. It says things.") -> dict[str, Any]:
    return {"paper": {"id": arxiv_id, "title": f"Paper {arxiv_id}", "summary": summary}}


def _mixed_day(env: AppEnv) -> None:
    """One paper of each outcome; CACHED is summarized by a first run."""
    env.fake.hf_bodies[DAY] = json.dumps([_record(CACHED)]).encode()
    assert run_day().exit_code == 0
    env.fake.hf_bodies[DAY] = json.dumps(
        [_record(OK), _record(EMPTY, ""), _record(FAILING), _record(CACHED), _record(BAD_ID)]
    ).encode()
    env.fake.chat_faults_by_id[FAILING] = ["english"] * 3
    env.fake.chat_requests.clear()


def _outcomes(stderr: str) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in stderr.splitlines():
        if match := _PAPER_LINE.match(line):
            found[match.group(1)].append((match.group(2), match.group(3)))
    return dict(found)


@pytest.fixture
def mixed_outcomes(env: AppEnv) -> dict[str, list[tuple[str, str]]]:
    """A day with one paper of each outcome, run: each paper's (outcome, rest) lines."""
    _mixed_day(env)
    result = run_day()
    assert result.exit_code == 3
    return _outcomes(result.stderr)


def test_one_line_per_paper(mixed_outcomes: dict[str, list[tuple[str, str]]]) -> None:
    """Each paper of the list (usable or not) gets exactly one outcome line."""
    outcomes = mixed_outcomes
    assert set(outcomes) == {OK, EMPTY, FAILING, CACHED, repr(BAD_ID)}
    assert all(len(lines) == 1 for lines in outcomes.values()), outcomes


def test_summarized_line_counts_attempts(mixed_outcomes: dict[str, list[tuple[str, str]]]) -> None:
    """A summarized paper's line says so, with its attempts."""
    outcomes = mixed_outcomes
    assert outcomes[OK][0][0] == "summarized" and "1 attempt(s)" in outcomes[OK][0][1]


def test_cached_line(mixed_outcomes: dict[str, list[tuple[str, str]]]) -> None:
    """A paper whose summary is stored gets a "cached" line."""
    assert mixed_outcomes[CACHED][0][0] == "cached"


def test_skipped_lines_say_why(mixed_outcomes: dict[str, list[tuple[str, str]]]) -> None:
    """A paper without text and a record without a usable id are skipped, each with why."""
    outcomes = mixed_outcomes
    assert outcomes[EMPTY][0] == ("skipped", ": no abstract and no full text")
    assert outcomes[repr(BAD_ID)][0] == ("skipped", ": not a new-style arXiv id")


def test_failed_line_says_why_and_how_to_rerun(
    mixed_outcomes: dict[str, list[tuple[str, str]]],
) -> None:
    """A failed paper's line gives the attempts, the gist of why, and the rerun command."""
    status, why = mixed_outcomes[FAILING][0]
    assert status == "failed" and "after 3 attempt(s)" in why and "Korean" in why
    assert f"rerun: paperdigest resummarize {FAILING}" in why


def test_failed_line_is_cut_to_the_gist(mixed_outcomes: dict[str, list[tuple[str, str]]]) -> None:
    """Nine identical "not Korean" complaints are cut to the gist (-v has them all)."""
    _, why = mixed_outcomes[FAILING][0]
    assert len(why) < 300, why


def test_one_summary_line_per_run_with_calls_tokens_and_time(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One line per run: papers by outcome, model calls, billed tokens in/out, time."""
    monkeypatch.setenv("PAPERDIGEST_PRICES", '{"fake-model": [0.15, 0.6]}')
    _mixed_day(env)
    result = run_day()
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith(f"{DAY}: ")]
    assert len(lines) == 1
    match = re.fullmatch(
        r"\S+: 4 papers \(1 summarized, 1 cached, 1 failed, 0 not done, 1 skipped\), "
        r"1 unusable list record\(s\) skipped; (\d+) model calls, tokens in/out (\d+)/(\d+), "
        r"est\. \$\d+\.\d{4}; \d+\.\d s",
        lines[0],
    )
    assert match, lines[0]
    calls, tokens_in = int(match.group(1)), int(match.group(2))
    assert calls == env.fake.chat_count == 4  # OK once, FAILING three times
    billed = sum(
        math.ceil(sum(len(m["content"]) for m in body["messages"]) / 4)
        for body in env.fake.chat_requests
    )
    assert tokens_in == billed


def test_retries_and_reasks_show_only_with_verbose(env: AppEnv) -> None:
    """The openai client's retries, HTTP retries and re-ask reasons appear with -v only."""
    body = json.dumps([_record(OK)]).encode()
    env.fake.hf_bodies[DAY] = body
    env.fake.hf_faults[:] = [503]
    env.fake.chat_faults_by_id[OK] = ["http_500", "english"]
    quiet = run_day()
    # The same faults on another day (same paper under another schema: asked afresh).
    env.fake.hf_bodies["2025-11-10"] = body
    env.fake.hf_faults[:] = [503]
    env.fake.chat_faults_by_id[OK] = ["http_500", "english"]
    loud = run_day("-v", "--schema", "gmr", day="2025-11-10")
    assert quiet.exit_code == loud.exit_code == 0
    for needle in ("Retrying request in", "attempt 1 rejected", "retrying http"):
        assert needle not in quiet.stderr
        assert needle in loud.stderr, needle


def test_log_json_makes_every_stderr_line_json(env: AppEnv) -> None:
    """--log-json: every stderr line is a JSON object, the CLI's own lines included."""
    _mixed_day(env)
    result = run_day("--log-json", "-v")
    records = json_lines(result.stderr)
    assert all({"level", "logger", "message"} <= set(r) for r in records)
    messages = [r["message"] for r in records]
    assert f"{FAILING} not in digest: 요약 실패 (3회 시도): " in "\n".join(messages)
    assert any(m.startswith(f"{OK} summarized") for m in messages)
    assert result.stdout.strip().endswith(f"{DAY}.md")  # stdout keeps the digest path


def test_log_format_setting_and_fatal_error_are_json_too(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAPERDIGEST_LOG_FORMAT=json works like --log-json, and the final error line is JSON."""
    monkeypatch.setenv("PAPERDIGEST_LOG_FORMAT", "json")
    env.fake.hf_faults += [503] * 10
    result = run_day()
    assert result.exit_code == 1
    records = json_lines(result.stderr)
    assert records[-1]["level"] == "error"
    assert "/api/daily_papers" in records[-1]["message"]
