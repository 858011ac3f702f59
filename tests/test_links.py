"""Code and project links of the daily papers list (issue 18 §4): read from the list, kept in
the paper record, and shown under each title only as http(s) links, a project page equal to
the code link once. The real Jekyll and MDX builds of the link line are in test_publishing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperdigest.papers import Paper
from paperdigest.render import code_links, safe_url
from paperdigest.sources.hf import parse_daily_list

HF = Path(__file__).parent / "fixtures" / "hf"


def _paper(**links: object) -> Paper:
    return Paper(arxiv_id="2511.04570", title="T", abstract="A", **links)  # type: ignore[arg-type]


def test_links_and_stars_are_read_from_the_recorded_list() -> None:
    """`paper.githubRepo`, `paper.projectPage` and `paper.githubStars` of the recorded list land
    on the paper; papers without them get None."""
    day = parse_daily_list(json.loads((HF / "2025-11-07.json").read_text(encoding="utf-8")))
    by_id = {p.arxiv_id: p for p in day.papers}
    first = by_id["2511.04570"]
    assert first.github_repo == "https://github.com/tongjingqi/Thinking-with-Video"
    assert first.project_page == "https://thinking-with-video.github.io/"
    assert first.github_stars == 94
    assert by_id["2511.04670"].github_repo is None
    assert by_id["2511.04670"].project_page == "https://cambrian-mllm.github.io/"
    assert by_id["2511.03773"].github_stars is None


def test_a_record_stored_before_the_links_existed_still_loads() -> None:
    """A stored paper record without the link fields validates, with the links None."""
    old = json.dumps({"arxiv_id": "2511.04570", "title": "T", "abstract": "A", "upvotes": 3})
    paper = Paper.model_validate_json(old)
    assert (paper.github_repo, paper.project_page, paper.github_stars) == (None, None, None)


def test_stars_that_are_no_count_are_dropped() -> None:
    """A negative, boolean or text `githubStars` is not shown as a count."""
    records = [
        {"paper": {"id": f"2511.0000{n}", "title": "T", "githubStars": value}}
        for n, value in enumerate((-1, True, "12"), start=1)
    ]
    assert [p.github_stars for p in parse_daily_list(records).papers] == [None, None, None]


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "/relative/page",
        "//evil.example/x",
        "github.com/org/repo",
        "https://",
        "https://exa mple.org/x",
        "https://example.org/\x07x",
        "",
        None,
    ],
)
def test_only_absolute_http_urls_become_links(value: str | None) -> None:
    """Anything but an absolute http(s) URL with a host, and no white space, gives no link."""
    assert safe_url(value) is None


def test_link_syntax_characters_are_percent_encoded() -> None:
    """Characters markdown, kramdown or MDX read in a destination are percent-encoded."""
    assert safe_url("https://e.org/a_(b)|{c}$d'e\"[f]<g>`h^") == (
        "https://e.org/a_%28b%29%7C%7Bc%7D%24d%27e%22%5Bf%5D%3Cg%3E%60h%5E"
    )
    assert safe_url("https://e.org/a%20b?q=1&r=2#frag") == "https://e.org/a%20b?q=1&r=2#frag"


def test_a_project_page_equal_to_the_code_link_appears_once() -> None:
    """The recorded case of 2505.04921: githubRepo == projectPage gives one code link."""
    url = "https://github.com/HITsz-TMG/Awesome-Large-Multimodal-Reasoning-Models"
    line = code_links(_paper(github_repo=url, project_page=url + "/"))
    assert line == f"💻 [코드]({url})"


def test_code_link_with_stars_then_a_distinct_project_page() -> None:
    """Code link first with its stars, then the project page, separated by a middle dot."""
    line = code_links(
        _paper(
            github_repo="https://github.com/a/b",
            project_page="https://a.github.io/b/",
            github_stars=94,
        )
    )
    assert (
        line
        == "💻 [코드](https://github.com/a/b) ⭐ 94 · 🌐 [프로젝트 페이지](https://a.github.io/b/)"
    )


def test_a_paper_without_usable_links_has_no_link_line() -> None:
    """No links, or only unsafe ones, give an empty line (the template then prints nothing)."""
    assert code_links(_paper()) == ""
    assert code_links(_paper(github_repo="javascript:alert(1)", github_stars=5)) == ""
