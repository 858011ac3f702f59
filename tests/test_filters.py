"""Filters (issue 9 §6): --min-upvotes, --include, --exclude (each also a setting) and
--limit select the papers summarized; the rest cost no model call and are named in the
digest's last line."""

from __future__ import annotations

import re

import pytest
from conftest import AppEnv
from runhelpers import DAY, DAY_IDS, asked_ids, day_digest, digest_ids, invoke, run_day

from paperdigest.flows.filters import Filters, select
from paperdigest.papers import Paper
from paperdigest.text import split_words

_FILTERED_LINE = re.compile(r"^필터로 제외: (\d+)편 \((.*)\)$", re.MULTILINE)


def _filtered_line(text: str) -> tuple[int, list[str]]:
    """(count, titles) of the digest's ``필터로 제외`` line."""
    match = _FILTERED_LINE.search(text)
    assert match is not None, text[-500:]
    return int(match.group(1)), match.group(2).split(" · ")


def test_min_upvotes_keeps_only_papers_with_enough_upvotes(env: AppEnv) -> None:
    """--min-upvotes 50 keeps the three papers with 50 or more upvotes."""
    result = run_day("--min-upvotes", "50")
    assert result.exit_code == 0, result.stderr
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS[:3]


def test_filtered_papers_cost_no_model_call(env: AppEnv) -> None:
    """Only the papers the filters keep are sent to the model."""
    assert run_day("--min-upvotes", "50").exit_code == 0
    assert sorted(asked_ids(env.fake)) == sorted(DAY_IDS[:3])


def test_digest_names_the_filtered_papers_in_its_last_line(env: AppEnv) -> None:
    """The digest ends with ``필터로 제외: N편 (titles…)`` naming every paper left out."""
    assert run_day("--exclude", "lottery,soccer").exit_code == 0
    text = day_digest(env.out_dir)
    assert text.rstrip("\n").splitlines()[-1].startswith("필터로 제외: 2편 (")
    assert _filtered_line(text) == (
        2,
        [
            "The Strong Lottery Ticket Hypothesis for Multi-Head Attention Mechanisms",
            "Learning Vision-Driven Reactive Soccer Skills for Humanoid Robots",
        ],
    )


def test_include_matches_hf_ai_keywords_case_insensitively(env: AppEnv) -> None:
    """--include keeps papers whose HF ai_keywords alone hold a word, in any case."""
    assert run_day("--include", "EYEBALLING puzzles, Word Error Rate").exit_code == 0
    assert digest_ids(day_digest(env.out_dir)) == ["2511.04570", "2511.03295"]


def test_exclude_drops_papers_matching_any_word(env: AppEnv) -> None:
    """--exclude drops every paper whose title, abstract or keywords hold one of its words."""
    assert run_day("--exclude", "Lottery, soccer").exit_code == 0
    kept = [i for i in DAY_IDS if i not in ("2511.04217", "2511.03996")]
    assert digest_ids(day_digest(env.out_dir)) == kept


def test_limit_keeps_the_most_upvoted_after_filtering(env: AppEnv) -> None:
    """--limit 2 after --exclude video keeps the two most upvoted papers left."""
    assert run_day("--exclude", "video", "--limit", "2").exit_code == 0
    assert digest_ids(day_digest(env.out_dir)) == ["2511.04460", "2511.03773"]


def test_settings_filter_like_the_options(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """PAPERDIGEST_MIN_UPVOTES and PAPERDIGEST_EXCLUDE filter as the options do."""
    monkeypatch.setenv("PAPERDIGEST_MIN_UPVOTES", "9")
    monkeypatch.setenv("PAPERDIGEST_EXCLUDE", "agent")
    assert run_day().exit_code == 0
    assert digest_ids(day_digest(env.out_dir)) == ["2511.04570", "2511.04460", "2511.04670"]


def test_rerun_with_other_filters_rewrites_from_cached_summaries(env: AppEnv) -> None:
    """A rerun with other filters writes the new selection and asks the model nothing."""
    assert run_day().exit_code == 0
    calls = env.fake.chat_count
    assert run_day("--min-upvotes", "50").exit_code == 0
    assert env.fake.chat_count == calls
    text = day_digest(env.out_dir)
    assert digest_ids(text) == DAY_IDS[:3]
    assert _filtered_line(text)[0] == 12


def test_day_filtered_out_entirely_gets_a_digest_with_only_the_line(env: AppEnv) -> None:
    """When the filters leave no paper, the digest still says which were filtered out."""
    result = run_day("--min-upvotes", "1000")
    assert result.exit_code == 0, result.stderr
    text = day_digest(env.out_dir)
    assert digest_ids(text) == []
    assert _filtered_line(text)[0] == 15
    assert env.fake.chat_count == 0


def test_resummarize_keeps_a_filtered_paper_filtered(env: AppEnv) -> None:
    """resummarize of a paper the digest filtered out leaves it in the filtered line."""
    assert run_day("--min-upvotes", "50").exit_code == 0
    before = day_digest(env.out_dir)
    assert invoke("resummarize", "2511.04670").exit_code == 0
    assert day_digest(env.out_dir) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--min-upvotes", "-1"), "--min-upvotes must be 0 or more, not -1"),
        (("--include", ""), "--include needs at least one word"),
        (("--exclude", " , "), "--exclude needs at least one word"),
    ],
)
def test_bad_filter_is_a_one_line_error_exit_2(
    env: AppEnv, args: tuple[str, ...], message: str
) -> None:
    """A negative --min-upvotes or a wordless --include/--exclude: one line, exit 2, no
    database created."""
    for command in (("run", "--date", DAY), ("backfill", "--from", DAY, "--to", DAY)):
        result = invoke(*command, *args)
        assert result.exit_code == 2, result.stderr
        assert result.stderr.count("\n") == 1 and message in result.stderr
    assert not (env.out_dir / "paperdigest.db").exists()


def test_backfill_applies_the_filters(env: AppEnv) -> None:
    """backfill --min-upvotes filters each day as run does."""
    result = invoke("backfill", "--from", DAY, "--to", DAY, "--min-upvotes", "50")
    assert result.exit_code == 0, result.stderr
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS[:3]


def test_split_words_trims_lowers_and_drops_empty_pieces() -> None:
    """Comma-separated words are trimmed, lower-cased, deduplicated; empty pieces go."""
    assert split_words(" Agent ,, RL,agent , video  gen ") == ("agent", "rl", "video gen")


def test_limit_ties_keep_list_order() -> None:
    """Among papers with equal upvotes, --limit keeps the earlier ones of the list."""
    papers = [
        Paper(arxiv_id=f"2511.0000{i}", title=f"T{i}", abstract="a", upvotes=5) for i in (1, 2, 3)
    ]
    assert [p.arxiv_id for p in select(papers, Filters(limit=2)).kept] == [
        "2511.00001",
        "2511.00002",
    ]
