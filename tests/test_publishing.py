"""Output the real publishing tools accept: Jekyll 4 builds the jekyll layout, the MDX 3
compiler (Docusaurus 3) compiles the docusaurus layout, and paper or model text never turns
into Liquid, tables, JSX or markup on the way.

The real-tool tests use ``tests/realtools.py``: skipped locally without the tool (listed at the
end of the run), a failure under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import AppEnv
from fakeserver import default_answer
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from realtools import jekyll_build, mdx_compile, mdx_heading_ids
from runhelpers import DAY, markdown_problems, run_day

from paperdigest.render import digest_filename, split_title

GOLDEN = Path(__file__).parent / "golden"

# Liquid, kramdown, MDX and HTML syntax a title, an abstract or a model answer may carry.
LIQUID_IF = "{% if x %}"
LIQUID_VAR = "{{ site.title }}"
LIQUID_INCLUDE = "{% include evil.html %}"
SET = "{x | x < n}"
JSX = "<Foo bar={x}>"
MATH = "$$k$$"
HOSTILE_TITLE = f"Re:Form -- {LIQUID_IF} {LIQUID_VAR} {LIQUID_INCLUDE} a | b {JSX} {MATH}"
LINK_TITLE = "Attack [click](javascript:alert(1)): the subtitle {{ theta }}"
HOSTILE_ABSTRACT = f"We study {LIQUID_IF} and {{{{ theta }}}} with {SET}. {JSX} {LIQUID_INCLUDE}"
MODEL_TAIL = (
    f" 조건 {LIQUID_IF} 변수 {LIQUID_VAR} 포함 {LIQUID_INCLUDE} 집합 {SET} "
    f"코드 `a | b` 태그 {JSX} 수식 {MATH} 가격 $ 단위 {{:.red}}"
)
# What a reader must see, literally, in the built page.
LITERALS = [LIQUID_IF, LIQUID_VAR, LIQUID_INCLUDE, SET, JSX, MATH, "a | b", "{{ theta }}"]


def _hostile_day(env: AppEnv, template: str) -> Path:
    """Run DAY with two hostile papers and a model that echoes hostile text; the digest path."""

    def model(body: dict[str, Any]) -> dict[str, Any]:
        # The fake model's own valid answer, with hostile text added to every field.
        answer: dict[str, Any] = default_answer(body)
        for name, value in answer.items():
            if isinstance(value, str):
                answer[name] = value + (
                    " {x | x < n}" if name == "gist" else f" {name}" + MODEL_TAIL
                )
        last = next(n for n in ("results", "method") if n in answer)
        answer[last] += "\n\n- 항목 " + SET + "\n- 다음 | 항목 | 표"
        return answer

    papers = [
        {"paper": {"id": "2511.90011", "title": HOSTILE_TITLE, "summary": HOSTILE_ABSTRACT}},
        {"paper": {"id": "2511.90012", "title": LINK_TITLE, "summary": "Fine. Short."}},
    ]
    env.fake.chat_handler = model
    env.fake.hf_bodies[DAY] = json.dumps(papers).encode()
    result = run_day("--template", template)
    assert result.exit_code == 0, result.stderr
    return env.out_dir / digest_filename(date.fromisoformat(DAY), template)


def _visible_text(page: str) -> str:
    return " ".join(lxml_html.fromstring(page).text_content().split())


# --- Jekyll -------------------------------------------------------------------------------

_LAYOUT = """<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body><h1 class="post-title">{{ page.title }}</h1>{{ content }}</body></html>
"""
# Themes such as minima list every post's excerpt on the home page: rendered too.
_INDEX = """---
layout: null
---
{% for post in site.posts %}<section>{{ post.title }} {{ post.excerpt }}</section>{% endfor %}
"""


def _jekyll_build(tmp_path: Path, posts: dict[str, Path]) -> Path:
    """Build a minimal Jekyll site holding ``posts`` (name → file); returns ``_site``."""
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_layouts").mkdir()
    # The README's set-up: the site dates posts in the digests' time zone, so a post's URL
    # carries its digest's day on a build machine in any zone.
    config = "title: Site Title Marker\ntimezone: Asia/Seoul\n"
    (site / "_config.yml").write_text(config, encoding="utf-8")
    (site / "_layouts" / "post.html").write_text(_LAYOUT, encoding="utf-8")
    (site / "index.html").write_text(_INDEX, encoding="utf-8")
    for name, path in posts.items():
        shutil.copy(path, site / "_posts" / name)
    jekyll_build(site)
    return site / "_site"


def test_jekyll_builds_the_golden_post_without_tables(tmp_path: Path) -> None:
    """Real `jekyll build` of the golden post succeeds and its page has no <table>."""
    built = _jekyll_build(tmp_path, {f"{DAY}-hf-daily-papers.md": GOLDEN / f"{DAY}.jekyll.md"})
    page = (built / "2025" / "11" / "07" / "hf-daily-papers.html").read_text(encoding="utf-8")
    assert "<table" not in page
    assert "Thinking with Video" in _visible_text(page)


def test_jekyll_shows_liquid_pipes_and_tags_in_paper_and_model_text_literally(
    env: AppEnv,
) -> None:
    """Liquid, `|`, `$$`, `{:` and JSX-like tags in titles and model text show as typed."""
    post = _hostile_day(env, "jekyll")
    built = _jekyll_build(env.tmp_path, {f"{DAY}-hostile.md": post})
    page = (built / "2025" / "11" / "07" / "hostile.html").read_text(encoding="utf-8")
    text = _visible_text(page)
    for literal in LITERALS:
        assert literal in text, literal
    assert "Site Title Marker" not in page
    assert "<table" not in page
    assert "<foo" not in page.lower()
    index = (built / "index.html").read_text(encoding="utf-8")
    assert "<table" not in index and "Site Title Marker" not in index


# --- Docusaurus (MDX 3) ----------------------------------------------------------------------


def _front_matter(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    data = yaml.safe_load(text[4 : text.index("\n---\n", 4)])
    assert isinstance(data, dict)
    return data


def test_mdx_compiles_the_golden_docusaurus_digest() -> None:
    """The golden docusaurus digest compiles with @mdx-js/mdx 3 and renders every paper."""
    (result,) = mdx_compile(GOLDEN / f"{DAY}.docusaurus.md").values()
    assert result["ok"], result.get("error")
    assert (
        len(re.findall(r'<h2>\d+\. <a href="https://huggingface.co/papers/', result["html"])) == 15
    )


def test_mdx_compiles_the_hostile_day_and_shows_its_text_literally(env: AppEnv) -> None:
    """Braces, `<`, `$`, Liquid and links in titles and model text compile and show as typed."""
    (result,) = mdx_compile(_hostile_day(env, "docusaurus")).values()
    assert result["ok"], result.get("error")
    text = _visible_text(result["html"])
    for literal in LITERALS:
        assert literal in text, literal
    assert "<foo" not in result["html"].lower()
    assert "javascript:" not in str(lxml_html.fromstring(result["html"]).xpath("//a/@href"))


def test_docusaurus_front_matter_has_korean_title_date_tags_and_plain_description(
    env: AppEnv,
) -> None:
    """Front matter: Korean title, date, tags, and a description without entities or markup."""
    data = _front_matter(_hostile_day(env, "docusaurus").read_text(encoding="utf-8"))
    assert data["title"] == f"{DAY} 논문 리뷰"
    assert data["date"] == date.fromisoformat(DAY)
    assert data["tags"] == ["papers", "huggingface", "daily-papers"]
    description = data["description"]
    assert "Re:Form -- {% if x %}" in description
    assert "&" not in description and "\\" not in description and "**" not in description
    assert len(description) <= 160


def test_docusaurus_truncate_marker_comes_before_the_first_paper() -> None:
    """`<!-- truncate -->` stands on its own line before the first paper's heading."""
    text = (GOLDEN / f"{DAY}.docusaurus.md").read_text(encoding="utf-8")
    assert "\n<!-- truncate -->\n" in text
    assert text.index("<!-- truncate -->") < text.index("\n## 1. ")
    assert markdown_problems(text) == []


@pytest.mark.parametrize(
    ("title", "split"),
    [
        (
            "V-Thinker: Interactive Thinking with Images",
            ("V-Thinker", "Interactive Thinking with Images"),
        ),
        ("Re:Form -- Reducing Human Priors", ("Re:Form -- Reducing Human Priors", None)),
        ("A [click](javascript:alert(1)) tail", ("A [click](javascript:alert(1)) tail", None)),
        ("A [x: y](https://e.x) then: sub", ("A [x: y](https://e.x) then", "sub")),
        ("Code `a: b` then: sub", ("Code `a: b` then", "sub")),
        ("Trailing colon: ", ("Trailing colon: ", None)),
        ("NoSpace:here", ("NoSpace:here", None)),
    ],
)
def test_title_splits_only_at_the_first_colon_space_outside_links_and_code(
    title: str, split: tuple[str, str | None]
) -> None:
    """Heading/subtitle split happens at the first ': ' outside links and code spans only."""
    assert split_title(title) == split


# --- Plain markdown and files ----------------------------------------------------------------


def test_digest_layout_links_are_clickable_in_commonmark(env: AppEnv) -> None:
    """The digest layout's 🔗 line is a CommonMark link to the paper's HF page."""
    assert run_day().exit_code == 0
    text = (env.out_dir / f"{DAY}.md").read_text(encoding="utf-8")
    rendered = MarkdownIt("commonmark").render(text)
    assert '<a href="https://huggingface.co/papers/2511.04570">' in rendered


def test_digest_files_get_the_mode_of_a_plain_write_under_the_umask(env: AppEnv) -> None:
    """Under umask 022 a new digest is 0644 (readable by a web server), not mkstemp's 0600."""
    old = os.umask(0o022)
    try:
        assert run_day().exit_code == 0
    finally:
        os.umask(old)
    assert (env.out_dir / f"{DAY}.md").stat().st_mode & 0o777 == 0o644


# --- Code and project links (issue 18 §4) ------------------------------------------------------

# A paper with every kind of link value the list could carry: an http(s) URL with characters
# that are syntax in kramdown and MDX, one that is not http(s), and a relative one.
CODE_URL = "https://github.com/org/repo_(v2)|{x}$$y"
LINK_PAPERS = [
    {
        "paper": {
            "id": "2511.90021",
            "title": "Linked paper",
            "summary": "We release code.",
            "githubRepo": CODE_URL,
            "projectPage": "https://example.org/project/",
            "githubStars": 1234,
        }
    },
    {
        "paper": {
            "id": "2511.90022",
            "title": "Hostile links",
            "summary": "No real links.",
            "githubRepo": "javascript:alert(1)",
            "projectPage": "/relative/page",
        }
    },
]


def _linked_day(env: AppEnv, template: str) -> Path:
    env.fake.hf_bodies[DAY] = json.dumps(LINK_PAPERS).encode()
    result = run_day("--template", template)
    assert result.exit_code == 0, result.stderr
    return env.out_dir / digest_filename(date.fromisoformat(DAY), template)


def _hrefs(page: str) -> list[str]:
    return [str(h) for h in lxml_html.fromstring(page).xpath("//a/@href")]


ENCODED_CODE_URL = "https://github.com/org/repo_%28v2%29%7C%7Bx%7D%24%24y"


def test_jekyll_builds_code_and_project_links_and_drops_non_http_ones(env: AppEnv) -> None:
    """Real `jekyll build`: the code and project links are anchors with the URL percent-encoded
    where kramdown would read syntax; javascript: and relative values give no link."""
    post = _linked_day(env, "jekyll")
    built = _jekyll_build(env.tmp_path, {f"{DAY}-links.md": post})
    page = (built / "2025" / "11" / "07" / "links.html").read_text(encoding="utf-8")
    hrefs = _hrefs(page)
    assert ENCODED_CODE_URL in hrefs
    assert "https://example.org/project/" in hrefs
    assert not [h for h in hrefs if "javascript" in h or h.startswith("/relative")]
    assert "⭐ 1234" in _visible_text(page)
    assert "<table" not in page


def test_mdx_compiles_code_and_project_links_and_drops_non_http_ones(env: AppEnv) -> None:
    """MDX 3 compiles the docusaurus layout's link line: anchors for http(s) URLs only."""
    (result,) = mdx_compile(_linked_day(env, "docusaurus")).values()
    assert result["ok"], result.get("error")
    hrefs = _hrefs(result["html"])
    assert ENCODED_CODE_URL in hrefs
    assert "https://example.org/project/" in hrefs
    assert not [h for h in hrefs if "javascript" in h or h.startswith("/relative")]


def test_digest_layout_code_links_are_commonmark_links(env: AppEnv) -> None:
    """The digest layout's 🔗 line carries the code and project links as CommonMark links."""
    text = _linked_day(env, "digest").read_text(encoding="utf-8")
    hrefs = _hrefs(MarkdownIt("commonmark").render(text))
    assert ENCODED_CODE_URL in hrefs
    assert "https://example.org/project/" in hrefs
    assert not [h for h in hrefs if "javascript" in h or h.startswith("/relative")]


# --- Ranked digests in two tiers (issue 18 §3) ---------------------------------------------

# An interest that is the closest one to Thinking with Video (so it is shown as that paper's
# reason, `관련: …`), holding Liquid, kramdown and MDX syntax a reader may well type.
HOSTILE_INTEREST = f"video generation as multimodal reasoning {LIQUID_VAR} a | b {SET} {MATH}"


def _tiered_day(env: AppEnv, monkeypatch: pytest.MonkeyPatch, template: str) -> Path:
    """DAY ranked for a reader with the hostile interest, top 4 in full; the digest path."""
    monkeypatch.setenv("PAPERDIGEST_INTERESTS", HOSTILE_INTEREST + "; humanoid robot soccer")
    result = run_day("--top", "4", "--template", template)
    assert result.exit_code == 0, result.stderr
    return env.out_dir / digest_filename(date.fromisoformat(DAY), template)


def test_jekyll_builds_a_two_tier_digest_whose_tldr_reaches_every_paper(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real `jekyll build`: 15 TL;DR links, each the id of a full or a brief paper's heading;
    the briefs' section; the reason shown as typed; no table."""
    post = _tiered_day(env, monkeypatch, "jekyll")
    built = _jekyll_build(env.tmp_path, {f"{DAY}-ranked.md": post})
    page = (built / "2025" / "11" / "07" / "ranked.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="#(paper-[\w-]+)"', page)
    ids = re.findall(r'<h[12] id="(paper-[\w-]+)"', page)
    assert len(hrefs) == 15 and sorted(hrefs) == sorted(ids)
    assert len(re.findall(r'<h2 id="paper-', page)) == 11  # the briefs
    text = _visible_text(page)
    assert "그 밖의 논문" in text
    assert f"(관련: {HOSTILE_INTEREST})" in text
    assert "<table" not in page and "Site Title Marker" not in page


def test_mdx_compiles_a_two_tier_digest_whose_tldr_reaches_every_paper(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MDX 3: the digest compiles, its 15 TL;DR links are the 15 explicit heading ids, and
    the reason shows as typed."""
    post = _tiered_day(env, monkeypatch, "docusaurus")
    (result,) = mdx_compile(post).values()
    assert result["ok"], result.get("error")
    assert f"(관련: {HOSTILE_INTEREST})" in _visible_text(result["html"])
    found = mdx_heading_ids(post)
    assert len(found["ids"]) == 15 and found["links"] == found["ids"]


def test_the_digest_layouts_two_tiers_are_safe_commonmark(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain markdown: no raw HTML, image, table or foreign link; the reason is escaped."""
    text = _tiered_day(env, monkeypatch, "digest").read_text(encoding="utf-8")
    assert markdown_problems(text) == []
    assert "\n## 그 밖의 논문\n" in text
