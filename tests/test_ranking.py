"""Ranking a day by the reader (issue 18 §1–§3) through the command line: every bad input of
the reader's profile and of the embedding server is one line and exit 2 before any model
call; the order, ``--min-relevance`` and ``--limit`` follow the relevance score; each paper
shows its score and why."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AppEnv
from runhelpers import DAY, DAY_IDS, day_digest, digest_ids, digest_states, run_day
from typer.testing import Result

LIBRARY = Path(__file__).parent / "fixtures" / "library"
# The most relevant two for the ``reader`` fixture's interests (see READER_INTERESTS).
FIRST_TWO = ["2511.04570", "2511.04668"]


def _refused(env: AppEnv, result: Result, *says: str) -> None:
    """Exit 2 with one error line saying ``says``, before any request to Hugging Face or
    any chat call."""
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, result.stderr
    for words in says:
        assert words in errors[0], errors[0]
    assert "Traceback" not in result.output
    assert env.fake.chat_count == 0


# --- §1: the reader's profile, refused before anything is fetched ---------------------------


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("missing.bib", None, "cannot be read"),
        ("empty.bib", "% nothing exported yet\n", "holds no item with a title"),
        ("latin1.bib", b"@misc{a, title = {Caf\xe9}}", "is not UTF-8 text"),
    ],
)
def test_a_missing_unreadable_or_empty_library_is_exit_2_before_the_list(
    env: AppEnv,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    text: str | bytes | None,
    says: str,
) -> None:
    """A library file that is missing, not text or empty: one line naming it, exit 2, and
    not even the Hugging Face list is fetched."""
    path = env.tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PAPERDIGEST_LIBRARY", str(path))
    _refused(env, run_day(), str(path), says)
    assert env.fake.hf_count == 0


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("broken-cut.bib", "the entry at line 25 is cut off"),
        ("broken.json", "line 151, column 7"),
        ("broken-cut.ris", "the record at line 99 is cut off"),
    ],
)
def test_a_broken_export_is_one_line_with_its_line_number(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch, name: str, says: str
) -> None:
    """A .bib cut mid-entry, invalid JSON, a cut .ris: the file and the line, exit 2."""
    monkeypatch.setenv("PAPERDIGEST_LIBRARY", str(LIBRARY / name))
    _refused(env, run_day(), str(LIBRARY / name), says)
    assert env.fake.hf_count == 0


def test_interests_that_are_only_separators_are_exit_2(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAPERDIGEST_INTERESTS=" ; ;" names the setting, exit 2, nothing fetched."""
    monkeypatch.setenv("PAPERDIGEST_INTERESTS", " ; \n ;")
    _refused(env, run_day(), "PAPERDIGEST_INTERESTS", "at least one topic")
    assert env.fake.hf_count == 0


def test_relevance_asked_for_without_a_profile_is_exit_2(env: AppEnv) -> None:
    """--rank relevance and --min-relevance need a reader: one line saying what to set."""
    _refused(env, run_day("--rank", "relevance"), "needs a reader profile")
    _refused(env, run_day("--min-relevance", "0.2"), "needs a reader profile")
    assert env.fake.hf_count == 0


def test_min_relevance_outside_0_to_1_is_exit_2(reader: AppEnv) -> None:
    """A score threshold of 1.5 is refused by the option itself."""
    result = run_day("--min-relevance", "1.5")
    assert result.exit_code == 2 and reader.fake.hf_count == 0


# --- §2: the embedding server, refused before any chat call ----------------------------------


def test_a_server_without_embeddings_is_exit_2_before_any_chat_call(reader: AppEnv) -> None:
    """404 of /v1/embeddings: one line naming the fix, exit 2, no chat call."""
    reader.fake.embedding_faults.append("no_endpoint")
    _refused(reader, run_day(), "no embeddings endpoint", "PAPERDIGEST_EMBEDDING_MODEL")


def test_an_unknown_embedding_model_is_exit_2_before_any_chat_call(
    reader: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model the embedding server does not know: one line naming it, exit 2."""
    monkeypatch.setenv("PAPERDIGEST_EMBEDDING_MODEL", "no-such-embedder")
    _refused(reader, run_day(), "'no-such-embedder'", "HTTP 404")


# --- §2/§3: the order and its cost --------------------------------------------------------


def test_a_profile_ranks_the_digest_by_relevance(reader: AppEnv) -> None:
    """With a profile and no --rank, the papers closest to an interest come first, whatever
    their upvotes (SIMS-V has 2, the list's 13th)."""
    assert run_day().exit_code == 0
    order = digest_ids(day_digest(reader.out_dir))
    assert order[:2] == FIRST_TWO
    assert sorted(order) == sorted(DAY_IDS)


def test_rank_upvotes_keeps_the_list_order_and_asks_no_embedding(
    reader: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAPERDIGEST_RANK=upvotes with a profile: the list's order, no embedding request, and
    no score shown."""
    monkeypatch.setenv("PAPERDIGEST_RANK", "upvotes")
    assert run_day().exit_code == 0
    text = day_digest(reader.out_dir)
    assert digest_ids(text) == DAY_IDS
    assert reader.fake.embedding_count == 0 and "관련도" not in text


def test_a_first_run_asks_two_embedding_requests_and_a_rerun_none(reader: AppEnv) -> None:
    """The profile's texts and the day's papers, one request each; a rerun reads the store."""
    assert run_day().exit_code == 0
    assert reader.fake.embedding_count == 2
    assert run_day().exit_code == 0
    assert reader.fake.embedding_count == 2


def test_lexical_ranking_asks_no_embedding(reader: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """PAPERDIGEST_EMBEDDING_MODEL=none ranks by BM25: no embedding request at all."""
    monkeypatch.setenv("PAPERDIGEST_EMBEDDING_MODEL", "none")
    assert run_day().exit_code == 0
    assert reader.fake.embedding_count == 0
    assert digest_ids(day_digest(reader.out_dir))[0] == "2511.03996"


def test_relevance_ties_fall_back_to_upvotes(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interest no paper shares scores every paper 0: the order is the upvotes'."""
    monkeypatch.setenv("PAPERDIGEST_INTERESTS", "zzzqx")
    monkeypatch.setenv("PAPERDIGEST_EMBEDDING_MODEL", "none")
    assert run_day().exit_code == 0
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS


def test_each_paper_shows_its_score_and_why(reader: AppEnv) -> None:
    """Under the link line: the score to two decimals and the closest interest; the TL;DR
    line carries the score too."""
    assert run_day().exit_code == 0
    text = day_digest(reader.out_dir)
    section = text[text.index("## 2511.04570") :]
    assert re.search(
        r"^🎯 관련도 0\.\d\d \(관련: video generation as multimodal reasoning\)$",
        section,
        re.MULTILINE,
    )
    assert re.search(r"^1\. \[Thinking with Video.*, 관련도 0\.\d\d\) — ", text, re.MULTILINE)
    assert text.count("🎯 관련도") == len(DAY_IDS)


def test_a_reason_from_outside_is_escaped_like_a_title(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interest holding markdown and HTML shows as typed, never as a link or a tag."""
    monkeypatch.setenv("PAPERDIGEST_INTERESTS", "video [reasoning](javascript:x) <b>generation</b>")
    assert run_day().exit_code == 0
    text = day_digest(env.out_dir)
    assert "(관련: video \\[reasoning\\](javascript:x) &lt;b&gt;generation&lt;/b&gt;)" in text


def test_min_relevance_leaves_papers_out_like_the_filters(
    reader: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--min-relevance: papers below it are named in the filtered line, stored as filtered
    and never asked about."""
    monkeypatch.setenv("PAPERDIGEST_EMBEDDING_MODEL", "none")
    assert run_day("--min-relevance", "0.05").exit_code == 0
    text = day_digest(reader.out_dir)
    kept = digest_ids(text)
    assert 0 < len(kept) < len(DAY_IDS)
    states = dict(digest_states(reader.out_dir))
    left_out = [aid for aid, state in states.items() if state == "filtered"]
    assert sorted(kept + left_out) == sorted(DAY_IDS)
    assert f"필터로 제외: {len(left_out)}편 (" in text
    assert reader.fake.chat_count == len(kept)


def test_limit_keeps_the_highest_ranked(reader: AppEnv) -> None:
    """--limit 2 with a profile keeps the two most relevant papers, not the most upvoted."""
    assert run_day("--limit", "2").exit_code == 0
    assert digest_ids(day_digest(reader.out_dir)) == FIRST_TWO


def test_rank_settings_come_from_the_environment_too(
    reader: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAPERDIGEST_MIN_RELEVANCE works like its option (and the option wins over it)."""
    monkeypatch.setenv("PAPERDIGEST_EMBEDDING_MODEL", "none")
    monkeypatch.setenv("PAPERDIGEST_MIN_RELEVANCE", "0.99")
    assert run_day().exit_code == 0
    assert digest_ids(day_digest(reader.out_dir)) == []
    assert run_day("--min-relevance", "0").exit_code == 0
    assert len(digest_ids(day_digest(reader.out_dir))) == len(DAY_IDS)


def test_the_days_listing_keeps_each_papers_relevance(reader: AppEnv) -> None:
    """digest_papers holds each paper's score and reason, as the digest shows them."""
    assert run_day().exit_code == 0
    db = sqlite3.connect(reader.out_dir / "paperdigest.db")
    try:
        row = db.execute(
            "SELECT relevance, related, related_source FROM digest_papers WHERE arxiv_id = ?",
            ("2511.04570",),
        ).fetchone()
    finally:
        db.close()
    assert 0 < row[0] <= 1
    assert row[1:] == ("video generation as multimodal reasoning", "interest")
    assert f"🎯 관련도 {row[0]:.2f}" in day_digest(reader.out_dir)


def test_a_day_without_a_profile_loads_no_relevance_code(env: AppEnv) -> None:
    """A cached rerun without a profile imports neither numpy nor the relevance package (a
    real process: what a cron run loads)."""
    assert run_day().exit_code == 0
    code = (
        "import sys; from paperdigest.cli import main\n"
        "try:\n    main(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    loaded = [m for m in ('numpy', 'paperdigest.relevance', 'paperdigest.flows.rank')"
        " if m in sys.modules]\n"
        "    print('loaded:', ','.join(loaded)); sys.exit(exc.code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "run", "--date", DAY],
        cwd=env.tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "loaded: \n" in done.stdout
    assert env.fake.chat_count == len(DAY_IDS)  # the rerun asked nothing
