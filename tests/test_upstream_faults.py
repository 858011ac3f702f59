"""Upstream faults: Hugging Face errors are retried, arXiv failures fall back to the Hugging
Face abstract (and say so), and a changed HF JSON shape is recovered or skipped by name."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import pytest
from conftest import AppEnv
from runhelpers import DAY, DAY_IDS, day_digest, digest_ids, markdown_problems, run_day

# Papers of the day with a recorded arXiv entry (the others fall back to the HF abstract).
WITH_ARXIV = "2511.04570"


def _abstract_sources(env: AppEnv) -> dict[str, str]:
    con = sqlite3.connect(env.out_dir / "paperdigest.db")
    try:
        rows = con.execute("SELECT arxiv_id, data FROM papers").fetchall()
    finally:
        con.close()
    return {aid: json.loads(data)["abstract_source"] for aid, data in rows}


@pytest.mark.parametrize("fault", [500, 502, 503, 429, "timeout", "reset"])
def test_hf_transient_fault_is_retried(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch, fault: int | str
) -> None:
    """A 5xx, 429, read timeout or reset from Hugging Face is retried and the day completes."""
    # A "timeout" is no answer until the client gives up: it costs this long, while the fake's
    # other answers come within milliseconds even on a busy machine.
    monkeypatch.setenv("PAPERDIGEST_HTTP_TIMEOUT_SECONDS", "2")
    env.fake.hf_faults += [fault, fault]
    result = run_day("--limit", "2")
    assert result.exit_code == 0, result.stderr
    assert env.fake.hf_count == 3
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS[:2]


def test_hf_down_after_retries_exits_1_with_one_line(env: AppEnv) -> None:
    """Hugging Face failing every retry: exit 1, one error line naming the URL, no digest."""
    env.fake.hf_faults += [503] * 10
    result = run_day()
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("paperdigest: error:")]
    assert len(lines) == 1
    assert "/api/daily_papers" in lines[0] and "HTTP 503" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (env.out_dir / f"{DAY}.md").exists()
    assert env.fake.hf_count == 5  # the first try and PAPERDIGEST_HTTP_RETRIES=4


def test_arxiv_503_once_is_retried(env: AppEnv) -> None:
    """One 503 from the arXiv API is retried: the paper gets arXiv's abstract."""
    env.fake.arxiv_faults.append(503)
    result = run_day("--limit", "1")
    assert result.exit_code == 0, result.stderr
    assert env.fake.arxiv_api_count == 2
    assert _abstract_sources(env)[WITH_ARXIV] == "arxiv"


@pytest.mark.parametrize("fault", [503, "empty"])
def test_arxiv_failing_falls_back_to_hf_abstract_and_says_so(env: AppEnv, fault: int | str) -> None:
    """arXiv 503 or an empty page, again on the retry: HF abstract used, a warning says so."""
    env.fake.arxiv_faults += [fault] * 8
    result = run_day("--limit", "1")
    assert result.exit_code == 0, result.stderr
    assert env.fake.arxiv_api_count == 2  # retried once, not hammered
    assert _abstract_sources(env)[WITH_ARXIV] == "hf"
    assert f"arXiv returned nothing for ['{WITH_ARXIV}']; using the Hugging Face abstract" in (
        result.stderr
    )
    assert digest_ids(day_digest(env.out_dir)) == [WITH_ARXIV]


def test_arxiv_entry_with_a_bad_date_keeps_its_abstract_without_a_date(env: AppEnv) -> None:
    """An arXiv entry with an unreadable date does not stop the day: the paper keeps arXiv's
    abstract and has no publication date."""
    entry = (env.fake.fixtures_dir / "arxiv" / f"{WITH_ARXIV}.xml").read_text(encoding="utf-8")
    bad = re.sub(r"<published>[^<]*</published>", "<published>not-a-date</published>", entry)
    env.fake.arxiv_extra_entries[WITH_ARXIV] = bad
    result = run_day("--limit", "1")
    assert result.exit_code == 0, result.stderr
    assert _abstract_sources(env)[WITH_ARXIV] == "arxiv"
    con = sqlite3.connect(env.out_dir / "paperdigest.db")
    try:
        (data,) = con.execute(
            "SELECT data FROM papers WHERE arxiv_id = ?", (WITH_ARXIV,)
        ).fetchone()
    finally:
        con.close()
    assert json.loads(data)["published"] is None
    assert digest_ids(day_digest(env.out_dir)) == [WITH_ARXIV]


def test_arxiv_missing_ids_are_asked_once_more_then_fall_back_and_say_so(env: AppEnv) -> None:
    """Ids arXiv does not return are re-asked once, alone; then they keep their HF abstract
    and the warning names each of them."""
    result = run_day()
    assert result.exit_code == 0, result.stderr
    sources = _abstract_sources(env)
    missing = sorted(aid for aid, src in sources.items() if src == "hf")
    assert missing  # the fixtures hold arXiv entries for only some papers
    assert [sorted(ids) for ids in env.fake.arxiv_id_lists] == [sorted(DAY_IDS), missing]
    warning = next(ln for ln in result.stderr.splitlines() if "arXiv returned nothing" in ln)
    assert all(aid in warning for aid in missing)
    assert "using the Hugging Face abstract" in warning
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS


def _record(arxiv_id: str, **paper: Any) -> dict[str, Any]:
    base = {"id": arxiv_id, "title": f"Paper {arxiv_id}", "summary": "An abstract. It works."}
    base.update(paper)
    return {"paper": base, "title": base["title"], "summary": base["summary"]}


def test_hf_shape_changes_are_recovered_or_skipped_by_name(env: AppEnv) -> None:
    """Missing, extra and null fields are recovered; unusable records skipped, each named."""
    body = [
        _record("2511.90001", upvotes=None, authors=None, organization=None, newField={"a": 1}),
        {
            "paper": {"id": "2511.90002", "title": None, "summary": None},
            "title": "From item",
            "summary": "Item-level abstract.",
        },
        {"title": "No paper object here", "summary": "x"},
        {"paper": None, "title": "paper is null"},
        {"paper": {"id": None, "title": "id is null"}},
        {"paper": {"id": 2511.90003, "title": "id is a number"}},
        {"paper": {"id": "2511.90004"}},  # no title anywhere
        "a string instead of an object",
        None,
        _record("2511.90005", authors=[None, 3, {"name": None}, {"name": "Kim"}]),
    ]
    env.fake.hf_bodies[DAY] = json.dumps(body).encode()
    result = run_day()
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    text = day_digest(env.out_dir)
    assert digest_ids(text) == ["2511.90001", "2511.90002", "2511.90005"]
    assert "**From item**" in text
    assert markdown_problems(text) == []
    skipped = re.findall(r"^warning: (.+) skipped: (.+)$", result.stderr, re.MULTILINE)
    assert [ident for ident, _ in skipped] == [
        "record #3",
        "record #4",
        "record #5",
        "record #6",
        "'2511.90004'",
        "record #8",
        "record #9",
    ]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"error": "Invalid date"}', "expected a JSON list, got dict"),
        (b"null", "expected a JSON list, got NoneType"),
        (b"<html>maintenance</html>", "body is not JSON"),
        # HF renamed "paper": every record unusable is a format change, not a quiet day.
        (
            b'[{"paperInfo": {"id": "2511.04570"}}, {"paperInfo": {"id": "2511.04460"}}]',
            "none of its 2 records is usable (first: record #1: record has no paper)",
        ),
    ],
)
def test_hf_body_of_wrong_shape_exits_1_with_clear_message(
    env: AppEnv, body: bytes, says: str
) -> None:
    """A body that is not a JSON list, or a list without one usable record: exit 1 and one
    line saying what came back."""
    env.fake.hf_bodies[DAY] = body
    result = run_day()
    assert result.exit_code == 1
    assert "paperdigest: error:" in result.stderr and says in result.stderr
    assert "Traceback" not in result.stderr
    assert env.fake.chat_count == 0
