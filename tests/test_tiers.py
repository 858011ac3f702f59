"""A digest in two tiers (issue 18 §3): with ``--top N`` the N highest-ranked papers get a
full summary from their full text and every other paper a brief from its abstract, shown
after them under ``그 밖의 논문``; reruns reuse every summary, brief and embedding; a rerun
with another ``--top`` asks only about the papers that change tier; ``resummarize --full``
turns a brief into a full summary and changes nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import AppEnv
from runhelpers import (
    DAY,
    DAY_IDS,
    asked_ids,
    day_digest,
    digest_ids,
    digest_states,
    invoke,
    run_day,
)

TOP = 4


def _schemas_asked(env: AppEnv, since: int = 0) -> list[tuple[str, str]]:
    """(arXiv id, schema) of every chat request from index ``since``, sorted: papers are
    asked concurrently, so the order they arrive in says nothing."""
    titles = [
        body["response_format"]["json_schema"]["schema"]["title"]
        for body in list(env.fake.chat_requests)[since:]
    ]
    return sorted(zip(asked_ids(env.fake, since), titles, strict=True))


def _ranked_day(env: AppEnv, *extra: str) -> list[str]:
    """Run DAY with ``--top TOP`` (and ``extra``); the arXiv ids in rank order."""
    result = run_day("--top", str(TOP), *extra)
    assert result.exit_code == 0, result.stderr
    return [aid for aid, _ in digest_states(env.out_dir)]


def _tldr(text: str) -> list[str]:
    """The TL;DR's lines, ``N. [title](#anchor) …``."""
    return re.findall(r"^\d+\. \[.*$", text, re.MULTILINE)


def test_the_top_papers_get_full_summaries_and_the_rest_briefs(reader: AppEnv) -> None:
    """--top 4: the 4 highest-ranked are asked in the full schema, the other 11 in its brief
    schema, each once."""
    ranked = _ranked_day(reader)
    asked = dict(_schemas_asked(reader))
    assert len(reader.fake.chat_requests) == len(DAY_IDS)
    assert [asked[aid] for aid in ranked] == ["seven"] * TOP + ["seven-brief"] * (15 - TOP)


def test_briefs_are_written_from_the_abstract_alone(reader: AppEnv) -> None:
    """A brief's paper costs no full-text request and its prompt says "abstract only"."""
    ranked = _ranked_day(reader)
    fetched = {
        re.sub(r"v\d+$", "", path.rsplit("/", 1)[-1])
        for _, path in reader.fake.requests
        if path.startswith(("/html/", "/pdf/"))
    }
    assert fetched == set(ranked[:TOP])
    for body in reader.fake.chat_requests:
        if body["response_format"]["json_schema"]["schema"]["title"] == "seven-brief":
            assert "source: abstract only" in body["messages"][1]["content"]


def test_digest_papers_say_which_tier_each_paper_got(reader: AppEnv) -> None:
    """digest_papers: ``summarized`` for the top N, ``briefed`` for the others, in rank order."""
    _ranked_day(reader)
    states = [state for _, state in digest_states(reader.out_dir)]
    assert states == ["summarized"] * TOP + ["briefed"] * (15 - TOP)


def test_briefs_follow_the_full_summaries_with_title_link_org_upvotes_and_score(
    reader: AppEnv,
) -> None:
    """The full summaries' sections come first; under `## 그 밖의 논문` each brief shows its
    title, HF link, organization, upvotes, score and reason, then its one or two sentences."""
    ranked = _ranked_day(reader)
    text = day_digest(reader.out_dir)
    full, _, briefs = text.partition("\n## 그 밖의 논문\n")
    assert digest_ids(full) == ranked[:TOP]
    assert re.findall(r"^### (\S+)$", briefs, re.MULTILINE) == ranked[TOP:]
    block = briefs[briefs.index("### 2511.03996") :].split("\n### ")[0]
    assert "**Learning Vision-Driven Reactive Soccer Skills for Humanoid Robots**" in block
    assert "ByteDance Seed · 👍 3 · 🔗 <https://huggingface.co/papers/2511.03996>" in block
    assert re.search(r"^🎯 관련도 0\.\d\d \(관련: humanoid robot soccer skills\)$", block, re.M)
    assert "논문 2511.03996의 핵심을" in block
    assert "**Summary**" not in block


@pytest.mark.parametrize(
    ("template", "anchor"),
    [
        ("digest", r"^##+ {id}$"),  # GitHub's slug of the heading: the id without its dot
        ("jekyll", r"^#+ .*\{{#paper-{dashed}\}}$"),
        ("docusaurus", r"^#+ .*\{{/\* #paper-{dashed} \*/\}}$"),
    ],
)
def test_the_tldr_lists_every_paper_in_rank_order_linking_sections_that_exist(
    reader: AppEnv, template: str, anchor: str
) -> None:
    """One TL;DR line per paper, full and brief, numbered 1–15 in rank order; each links a
    section id the layout writes."""
    result = run_day("--top", str(TOP), "--template", template)
    assert result.exit_code == 0, result.stderr
    name = {"digest": f"{DAY}.md", "jekyll": f"{DAY}-hf-daily-papers.md"}.get(
        template, f"{DAY}-papers-review.md"
    )
    ranked = [aid for aid, _ in digest_states(reader.out_dir, name)]
    text = (reader.out_dir / name).read_text(encoding="utf-8")
    lines = _tldr(text.split("<!-- truncate -->")[0] if template == "docusaurus" else text)
    assert [int(line.split(".")[0]) for line in lines] == list(range(1, 16))
    for line, aid in zip(lines, ranked, strict=True):
        slug = aid.replace(".", "") if template == "digest" else f"paper-{aid.replace('.', '-')}"
        assert f"](#{slug})" in line
        pattern = anchor.format(id=re.escape(aid), dashed=aid.replace(".", "-"))
        assert re.search(pattern, text, re.MULTILINE), aid


def test_a_rerun_asks_nothing(reader: AppEnv) -> None:
    """Every summary, brief and embedding is reused: no chat, no embedding request."""
    _ranked_day(reader)
    chats, embeddings = reader.fake.chat_count, reader.fake.embedding_count
    first = day_digest(reader.out_dir)
    _ranked_day(reader)
    assert (reader.fake.chat_count, reader.fake.embedding_count) == (chats, embeddings)
    assert day_digest(reader.out_dir) == first


def test_another_top_asks_only_about_the_papers_that_change_tier(reader: AppEnv) -> None:
    """--top 4, then 6: two full summaries; then 3: one brief; then 6 again: nothing."""
    ranked = _ranked_day(reader)
    before = reader.fake.chat_count
    assert run_day("--top", "6").exit_code == 0
    assert _schemas_asked(reader, before) == sorted([(ranked[4], "seven"), (ranked[5], "seven")])
    before = reader.fake.chat_count
    assert run_day("--top", "3").exit_code == 0
    assert _schemas_asked(reader, before) == [(ranked[3], "seven-brief")]
    before = reader.fake.chat_count
    assert run_day("--top", "6").exit_code == 0
    assert reader.fake.chat_count == before
    assert reader.fake.embedding_count == 2


def test_top_comes_from_the_environment_too(
    reader: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAPERDIGEST_TOP=2 works like --top 2."""
    monkeypatch.setenv("PAPERDIGEST_TOP", "2")
    assert run_day().exit_code == 0
    assert [state for _, state in digest_states(reader.out_dir)].count("summarized") == 2


def test_top_without_a_profile_gives_the_most_upvoted_papers_in_full(env: AppEnv) -> None:
    """No reader: ranked by upvotes, the list's first N in full, no embedding request."""
    assert run_day("--top", "3").exit_code == 0
    assert [aid for aid, s in digest_states(env.out_dir) if s == "summarized"] == DAY_IDS[:3]
    assert env.fake.embedding_count == 0
    assert "관련도" not in day_digest(env.out_dir)


def test_a_brief_that_fails_a_check_is_reasked_then_cached(reader: AppEnv) -> None:
    """An English brief is re-asked like any answer; the valid one is stored and reused."""
    reader.fake.chat_faults_by_id["2511.04217"] = ["english"]
    _ranked_day(reader)
    assert asked_ids(reader.fake).count("2511.04217") == 2
    before = reader.fake.chat_count
    _ranked_day(reader)
    assert reader.fake.chat_count == before


def _blocks(text: str) -> dict[str, str]:
    """A digest-layout text cut at its `## ` and `### ` headings: heading → block."""
    parts = re.split(r"^(#{2,3} .+)$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_resummarize_full_turns_a_brief_into_a_full_summary_changing_nothing_else(
    reader: AppEnv,
) -> None:
    """The brief's paper moves to the full summaries with its number, score and reason; in
    every digest that lists it; every other block stays byte for byte."""
    ranked = _ranked_day(reader)
    assert (
        run_day("--top", str(TOP), "--template", "docusaurus", "--schema", "seven").exit_code == 0
    )
    paper = ranked[6]
    before = day_digest(reader.out_dir)
    docusaurus = reader.out_dir / f"{DAY}-papers-review.md"
    before_mdx = docusaurus.read_text(encoding="utf-8")
    asked = reader.fake.chat_count
    result = invoke("resummarize", paper, "--full")
    assert result.exit_code == 0, result.stderr
    assert _schemas_asked(reader, asked) == [(paper, "seven")]
    after = day_digest(reader.out_dir)
    old, new = _blocks(before), _blocks(after)
    assert f"### {paper}" in old and f"### {paper}" not in new
    assert f"## {paper}" in new and "**Summary**" in new[f"## {paper}"]
    relevance = re.search(r"^🎯 .*$", old[f"### {paper}"], re.MULTILINE)
    assert relevance and relevance.group(0) in new[f"## {paper}"]
    assert {k: v for k, v in old.items() if paper not in k} == {
        k: v for k, v in new.items() if paper not in k
    }
    assert _tldr(after) == _tldr(before)  # its line keeps its number and place
    assert dict(digest_states(reader.out_dir))[paper] == "summarized"
    mdx = docusaurus.read_text(encoding="utf-8")
    assert mdx != before_mdx and "### 7. [" not in mdx.split("## 그 밖의 논문")[1]


def test_resummarize_of_a_brief_writes_a_fresh_brief(reader: AppEnv) -> None:
    """Without --full the paper is asked for a brief again and stays among the briefs."""
    ranked = _ranked_day(reader)
    asked = reader.fake.chat_count
    assert invoke("resummarize", ranked[-1]).exit_code == 0
    assert _schemas_asked(reader, asked) == [(ranked[-1], "seven-brief")]
    assert dict(digest_states(reader.out_dir))[ranked[-1]] == "briefed"


def _feed_entry(env: AppEnv, arxiv_id: str) -> Any:
    feed = feedparser.parse((env.out_dir / "feed.xml").read_bytes())
    return next(e for e in feed.entries if e.id.endswith(f"/{arxiv_id}"))


def test_the_feed_carries_briefs_under_the_digests_schema(reader: AppEnv) -> None:
    """feed.xml has an entry per paper shown, briefs too, with the digest schema's id, so
    that the full summary written later replaces the brief in a reader's feed."""
    ranked = _ranked_day(reader)
    feed = feedparser.parse((reader.out_dir / "feed.xml").read_bytes())
    assert len(feed.entries) == len(DAY_IDS)
    brief = _feed_entry(reader, ranked[-1])
    assert brief.id == f"tag:paperdigest,2025:seven/{ranked[-1]}"
    assert "1. 핵심 동기" not in brief.content[0].value
    assert invoke("resummarize", ranked[-1], "--full").exit_code == 0
    full = _feed_entry(reader, ranked[-1])
    assert full.id == brief.id and "1. 핵심 동기" in full.content[0].value


def test_backfill_takes_the_same_rank_options(reader: AppEnv) -> None:
    """backfill --top 2 tiers every day; --rank upvotes orders them by upvotes."""
    result = invoke("backfill", "--from", "2025-11-06", "--to", DAY, "--top", "2")
    assert result.exit_code == 0, result.stderr
    for day in ("2025-11-06", DAY):
        states = [state for _, state in digest_states(reader.out_dir, f"{day}.md")]
        assert states[:2] == ["summarized"] * 2 and set(states[2:]) == {"briefed"}
    assert invoke("backfill", "--from", DAY, "--to", DAY, "--rank", "upvotes").exit_code == 0
    assert [aid for aid, _ in digest_states(reader.out_dir)] == DAY_IDS


def test_a_batch_file_holds_only_the_full_summaries(env: AppEnv, tmp_path: Path) -> None:
    """backfill --batch-file with --top 2: two request lines a day; briefs are left to the
    days' runs, a small call each."""
    out = tmp_path / "requests.jsonl"
    args = ("backfill", "--from", "2025-11-06", "--to", DAY, "--top", "2", "--batch-file")
    result = invoke(*args, str(out))
    assert result.exit_code == 0, result.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
