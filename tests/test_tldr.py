"""The TL;DR block (issue 9 §4): one line per paper before the first paper, each linking to
its section with an anchor the target's own renderer creates, and the gist schema field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import AppEnv
from fakeserver import gist_sentence
from markdown_it import MarkdownIt
from pydantic import ValidationError
from realtools import jekyll_build, mdx_heading_ids
from runhelpers import DAY_IDS, day_digest, github_slug, invoke, run_day

from paperdigest.model.schemas import GIST_MAX_CHARS, SCHEMAS
from paperdigest.papers import Paper
from paperdigest.render import Entry, render_digest

_TLDR_LINE = re.compile(r"^(\d+)\. \[(.+)\]\(#([\w-]+)\) \((.+)\)(?: — (.+))?$")


def _tldr_lines(text: str) -> list[str]:
    """The TL;DR block's lines (between its heading and the first paper)."""
    block = text.split("TL;DR\n", 1)[1].strip("\n")
    return block.split("\n\n", 1)[0].splitlines()


def test_tldr_lists_every_paper_before_the_first_paper(env: AppEnv) -> None:
    """The digest opens with one TL;DR line per paper, in list order, before any paper."""
    assert run_day().exit_code == 0
    text = day_digest(env.out_dir)
    lines = _tldr_lines(text)
    assert [int(_TLDR_LINE.match(line).group(1)) for line in lines] == list(range(1, 16))  # type: ignore[union-attr]
    assert text.index("## TL;DR") < text.index(f"## {DAY_IDS[0]}")


def test_tldr_line_holds_title_organization_upvotes_and_gist(env: AppEnv) -> None:
    """A TL;DR line carries the title, the organization, the upvotes and the model's gist."""
    assert run_day().exit_code == 0
    first = _tldr_lines(day_digest(env.out_dir))[0]
    assert first == (
        "1. [Thinking with Video: Video Generation as a Promising Multimodal Reasoning Paradigm]"
        f"(#251104570) (OpenMOSS, 👍 127) — {gist_sentence('2511.04570')}"
    )


def test_digest_tldr_links_match_githubs_heading_ids(env: AppEnv) -> None:
    """Each ``digest`` TL;DR link is the GitHub id of one paper heading, in order."""
    assert run_day().exit_code == 0
    text = day_digest(env.out_dir)
    tokens = MarkdownIt("commonmark").parse(text)
    paper_headings = [
        tokens[i + 1].content
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == "h2" and tokens[i + 1].content != "TL;DR"
    ]
    targets = [_TLDR_LINE.match(line).group(3) for line in _tldr_lines(text)]  # type: ignore[union-attr]
    assert targets == [github_slug(h) for h in paper_headings]


def test_jekyll_tldr_links_reach_their_sections_in_a_real_build(
    env: AppEnv, tmp_path: Path
) -> None:
    """Built by real Jekyll (kramdown), every TL;DR href is the id of a paper heading."""
    result = run_day("--template", "jekyll", "--schema", "gmr")
    assert result.exit_code == 0, result.stderr
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: test\n", encoding="utf-8")
    post = Path(result.stdout.strip().splitlines()[-1])
    (site / "_posts" / post.name).write_bytes(post.read_bytes())
    jekyll_build(site)
    html = next((site / "_site").rglob("*.html")).read_text(encoding="utf-8")
    hrefs = re.findall(r'href="#(paper-[\w-]+)"', html)
    heading_ids = re.findall(r'<h1 id="(paper-[\w-]+)"', html)
    assert len(hrefs) == 15
    assert hrefs == heading_ids


def test_docusaurus_tldr_links_match_explicit_heading_ids_in_mdx(env: AppEnv) -> None:
    """Compiled by the real MDX 3 compiler, each paper heading ends in the Docusaurus
    ``{/* #id */}`` heading id that its TL;DR line links to."""
    result = run_day("--template", "docusaurus")
    assert result.exit_code == 0, result.stderr
    found = mdx_heading_ids(Path(result.stdout.strip().splitlines()[-1]))
    assert len(found["ids"]) == 15
    assert found["links"] == found["ids"]


def test_too_long_gist_is_re_asked(env: AppEnv) -> None:
    """A gist over GIST_MAX_CHARS costs one re-ask; the digest shows the second answer."""
    env.fake.chat_faults_by_id["2511.04570"] = ["long_gist"]
    assert run_day("--limit", "1").exit_code == 0
    assert env.fake.chat_count == 2
    assert f"— {gist_sentence('2511.04570')}" in day_digest(env.out_dir)


def test_gist_limit_is_in_the_re_ask_message() -> None:
    """The schema rejects a gist over GIST_MAX_CHARS with a message naming the limit."""
    spec = SCHEMAS["gmr"]
    answer = {name: "본 논문은 방법을 제안한다." for name in spec.model.model_fields}
    answer["gist"] = "가" * (GIST_MAX_CHARS + 1)
    with pytest.raises(ValidationError, match=f"at most {GIST_MAX_CHARS} characters"):
        spec.model.model_validate(answer)


def test_summary_stored_without_gist_renders_its_line_without_one() -> None:
    """A summary stored before the gist field existed still renders, its TL;DR line without
    a gist."""
    spec = SCHEMAS["seven"]
    content = {name: "해당 논문은 방법을 제안합니다." for name in spec.model.model_fields}
    del content["gist"]
    paper = Paper(arxiv_id="2511.04570", title="Old", abstract="a", upvotes=3)
    for template in ("digest", "jekyll", "docusaurus"):
        entries = [Entry(1, paper, spec.view(content))]
        text = render_digest(date(2025, 11, 7), template, entries, tz=ZoneInfo("Asia/Seoul"))
        line = _tldr_lines(text)[0]
        assert line.endswith("(👍 3)"), (template, line)


def test_resummarize_without_digest_prints_no_tldr(env: AppEnv) -> None:
    """resummarize of a paper in no digest prints the paper's part, not a TL;DR block."""
    result = invoke("resummarize", "2511.03773")
    assert result.exit_code == 0, result.stderr
    assert "TL;DR" not in result.stdout
