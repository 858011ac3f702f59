"""The weekly roundup's pieces (issue 19 §2): ISO weeks, the week's stored digests and top
papers, the overview (one model call, checked, re-asked, cached), and the post in every layout,
built by the real Jekyll and compiled by the real MDX compiler."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import AppEnv
from runhelpers import DAY, run_day
from test_publishing import LITERALS, _hostile_day, _jekyll_build, _mdx, _visible_text

from paperdigest.config import load_settings
from paperdigest.errors import InputError, OverviewError
from paperdigest.flows.weekly import WeekContent, collect_week, week_overview
from paperdigest.model.client import make_openai_client
from paperdigest.model.limits import RateLimiter, TokenBudget
from paperdigest.model.overview import OVERVIEW_SPEC, WeekPaper, load_overview_prompt
from paperdigest.model.reask import Summarizer
from paperdigest.render import digest_filename, render_weekly, weekly_filename
from paperdigest.store import Overview, Store
from paperdigest.weeks import IsoWeek, parse_week

W45 = IsoWeek(2025, 45)  # 2025-11-03 .. 2025-11-09: DAY (a Friday) and the day before


# --- ISO weeks ------------------------------------------------------------------------------


def test_an_iso_week_runs_monday_to_sunday() -> None:
    """2025-W46 is 2025-11-10 (Monday) to 2025-11-16 (Sunday)."""
    week = parse_week("2025-W46", date(2025, 12, 1))
    assert (week.monday, week.sunday) == (date(2025, 11, 10), date(2025, 11, 16))
    assert week.label == "2025-W46"


@pytest.mark.parametrize(
    ("today", "last"),
    [
        (date(2025, 11, 12), "2025-W45"),  # a Wednesday
        (date(2025, 11, 10), "2025-W45"),  # the Monday the weekly job runs
        (date(2025, 11, 16), "2025-W45"),  # a Sunday is still in its week
        (date(2026, 1, 1), "2025-W52"),  # across New Year
        (date(2027, 1, 4), "2026-W53"),  # a 53-week year
    ],
)
def test_last_is_the_week_before_todays(today: date, last: str) -> None:
    """`last` is the ISO week before the one today falls in."""
    assert parse_week("last", today).label == last


def test_a_53rd_week_exists_only_in_long_years() -> None:
    """2026-W53 (2026-12-28 .. 2027-01-03) exists; 2025-W53 does not."""
    assert parse_week("2026-W53", date(2027, 1, 10)).sunday == date(2027, 1, 3)
    with pytest.raises(InputError, match="2025 has no ISO week 53"):
        parse_week("2025-W53", date(2026, 1, 10))


@pytest.mark.parametrize(
    "value", ["2025-W60", "2025-W00", "2025-46", "W46", "2025W46", "", "lastt"]
)
def test_a_week_that_does_not_exist_is_bad_input(value: str) -> None:
    """Weeks out of range and other spellings are an InputError (exit 2 at the CLI)."""
    with pytest.raises(InputError):
        parse_week(value, date(2025, 11, 12))


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("digest", "2025-11-16-weekly-2025-W46.md"),
        ("jekyll", "2025-11-16-hf-weekly-papers-2025-W46.md"),
        ("docusaurus", "2025-11-16-weekly-review-2025-W46.md"),
    ],
)
def test_the_weekly_post_is_named_by_its_sunday_and_week(template: str, name: str) -> None:
    """Dated by the week's Sunday (Jekyll and Docusaurus read a post's date from its name),
    a name of its own per layout, as the daily digests have."""
    assert weekly_filename(IsoWeek(2025, 46), template) == name


# --- the week's stored days and top papers ----------------------------------------------


def _week(env: AppEnv, template: str = "digest", top: int = 10) -> WeekContent:
    store = Store(env.out_dir / "paperdigest.db")
    try:
        return collect_week(store, W45, template, env.out_dir, top)
    finally:
        store.close()


@pytest.fixture
def two_days(env: AppEnv) -> AppEnv:
    """2025-11-06 and 2025-11-07 (Thursday, Friday of 2025-W45) written as plain digests."""
    assert run_day(day="2025-11-06").exit_code == 0
    assert run_day().exit_code == 0
    return env


def test_the_week_names_its_days_without_a_stored_digest(two_days: AppEnv) -> None:
    """Thursday and Friday have digests (with their paper counts); the five other days none."""
    days = {d.day.isoformat(): (d.digest is not None, d.papers) for d in _week(two_days).days}
    assert days == {
        "2025-11-03": (False, 0),
        "2025-11-04": (False, 0),
        "2025-11-05": (False, 0),
        "2025-11-06": (True, 11),
        "2025-11-07": (True, 15),
        "2025-11-08": (False, 0),
        "2025-11-09": (False, 0),
    }


def test_the_top_papers_are_the_weeks_most_upvoted(two_days: AppEnv) -> None:
    """The 10 entries are the week's 10 most upvoted papers, most first, numbered from 1,
    each with its gist and its daily digest."""
    content = _week(two_days)
    upvotes = [e.paper.upvotes for e in content.entries]
    assert len(content.entries) == 10
    assert upvotes == sorted(upvotes, reverse=True)
    assert [e.number for e in content.entries] == list(range(1, 11))
    first = content.entries[0]
    assert first.paper.arxiv_id == "2511.04570" and first.paper.upvotes == 127
    assert first.day == date.fromisoformat(DAY)
    assert first.digest == (two_days.out_dir / f"{DAY}.md").resolve()
    assert first.gist == "논문 2511.04570의 핵심을 한 문장으로 줄인 시험용 요약입니다."


def test_only_digests_of_the_layout_count(two_days: AppEnv) -> None:
    """A week asked for in the jekyll layout sees none of the plain digests."""
    assert not _week(two_days, "jekyll").stored


# --- the overview ---------------------------------------------------------------------------


def _overview(env: AppEnv, papers: list[WeekPaper]) -> Overview:
    """The week W45's overview of ``papers``, through the store's cache and the fake model."""
    settings = load_settings()
    limiter = RateLimiter(settings.requests_per_minute, settings.tokens_per_minute)
    budget = TokenBudget(settings.max_tokens_per_run)

    async def ask() -> Overview:
        client = make_openai_client(settings, limiter)
        try:
            store = Store(settings.db_path)
            try:
                summarizer = Summarizer(client, settings, limiter, budget)
                prompt = load_overview_prompt()
                return await week_overview(store, summarizer, prompt, settings.model, W45, papers)
            finally:
                store.close()
        finally:
            await client.close()

    return asyncio.run(ask())


def test_the_overview_is_one_model_call_over_the_titles_and_gists(two_days: AppEnv) -> None:
    """One chat request, with the weekly schema and every top paper's title and gist."""
    content = _week(two_days)
    before = len(two_days.fake.chat_requests)
    overview = _overview(two_days, content.papers)
    (request,) = two_days.fake.chat_requests[before:]
    assert request["response_format"]["json_schema"]["schema"]["title"] == OVERVIEW_SPEC.name
    user = request["messages"][1]["content"]
    for entry in content.entries:
        assert entry.paper.title in user and str(entry.gist) in user
    assert overview.arxiv_ids == [e.paper.arxiv_id for e in content.entries]
    assert "overview 항목의 요약입니다" in overview.text


def test_the_overview_is_cached_per_week_papers_prompt_and_model(two_days: AppEnv) -> None:
    """A second overview of the same week and papers asks the model nothing; another choice
    of papers is asked again."""
    content = _week(two_days)
    first = _overview(two_days, content.papers)
    calls = two_days.fake.chat_count
    assert _overview(two_days, content.papers) == first
    assert two_days.fake.chat_count == calls
    _overview(two_days, _week(two_days, top=3).papers)
    assert two_days.fake.chat_count == calls + 1


@pytest.mark.parametrize("fault", ["english", "invented_figure", "heading"])
def test_a_bad_overview_is_re_asked(two_days: AppEnv, fault: str) -> None:
    """An overview in English, with a figure no gist holds, or with a heading is re-asked
    once; the second answer is kept, with no unverified figure."""
    content = _week(two_days)
    two_days.fake.chat_faults_by_id[W45.label] = [fault]
    calls = two_days.fake.chat_count
    overview = _overview(two_days, content.papers)
    assert two_days.fake.chat_count == calls + 2
    assert overview.attempts[0]["error"] and overview.attempts[1]["error"] is None
    assert overview.unverified == []


def test_an_overview_that_never_validates_is_an_overview_error(two_days: AppEnv) -> None:
    """Every answer in English: OverviewError naming the week and how to rerun; nothing
    stored."""
    content = _week(two_days)
    two_days.fake.chat_faults_by_id[W45.label] = ["english"] * 10
    with pytest.raises(OverviewError, match=r"rerun: paperdigest weekly --week 2025-W45"):
        _overview(two_days, content.papers)
    two_days.fake.chat_faults_by_id.clear()
    calls = two_days.fake.chat_count
    _overview(two_days, content.papers)
    assert two_days.fake.chat_count == calls + 1


def _figure_answer(figure: str) -> Any:
    """A fake-model handler whose overview cites ``figure``."""

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "overview": f"이번 주에는 영상 생성으로 추론하는 연구가 많았습니다. 한 연구는 "
            f"정확도를 {figure} 높였다고 보고합니다. 평가 방법을 다룬 연구도 있었습니다."
        }

    return answer


@pytest.mark.parametrize(("figure", "calls"), [("37.5%", 1), ("42.5%", 2)])
def test_the_overviews_figures_are_checked_against_the_gists_given(
    env: AppEnv, figure: str, calls: int
) -> None:
    """An overview figure that a gist holds is kept at once; one no gist holds is re-asked
    (and, the fake model repeating it, kept with a warning)."""
    papers = [WeekPaper("2511.04570", "Thinking with Video", "정확도를 37.5% 높인 연구입니다.")]
    env.fake.chat_handler = _figure_answer(figure)
    env.out_dir.mkdir(parents=True)
    overview = _overview(env, papers)
    assert env.fake.chat_count == (1 if calls == 1 else 3)
    assert overview.unverified == ([] if calls == 1 else [figure])


# --- the post -------------------------------------------------------------------------------


def _post(
    env: AppEnv, template: str, overview: str | None = "이번 주는 영상 추론이 많았습니다."
) -> str:
    """The week's post in ``template``; every paper of the week is listed (top 30)."""
    content = _week(env, template, top=30)
    return render_weekly(W45, template, content.entries, content.days, overview, env.out_dir)


def _front_matter(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text[4 : text.index("\n---\n", 4)])
    assert isinstance(data, dict)
    return data


def test_the_plain_post_links_each_paper_to_its_section_in_the_daily_digest(
    two_days: AppEnv,
) -> None:
    """digest layout: the TL;DR-style line links `2025-11-07.md#251104570` (GitHub's heading
    slug), with the day, organization, upvotes and gist; the days without a digest are named."""
    text = _post(two_days, "digest")
    assert text.startswith("# 📰 Hugging Face Weekly Papers – 2025-W45\n")
    assert (
        "1. [Thinking with Video: Video Generation as a Promising Multimodal Reasoning Paradigm]"
        "(2025-11-07.md#251104570) (2025-11-07, OpenMOSS, 👍 127) — 논문 2511.04570의"
    ) in text
    assert "- [2025-11-06 (목)](2025-11-06.md) — 11편" in text
    assert "- 2025-11-08 (토): 저장된 다이제스트 없음" in text
    assert "## 이번 주 개요\n\n이번 주는 영상 추론이 많았습니다." in text


def test_the_post_leaves_out_the_overview_it_does_not_have(two_days: AppEnv) -> None:
    """No overview (its call failed): no overview section, the list as always."""
    text = _post(two_days, "digest", None)
    assert "이번 주 개요" not in text and "## TL;DR" in text


@pytest.fixture
def jekyll_week(env: AppEnv) -> tuple[AppEnv, Path]:
    """A hostile DAY (titles and model text full of Liquid, JSX, pipes) and the day before,
    in the jekyll layout, and its week's post with a hostile overview."""
    assert run_day("--template", "jekyll", day="2025-11-06").exit_code == 0
    _hostile_day(env, "jekyll")
    post = env.out_dir / weekly_filename(W45, "jekyll")
    post.write_text(_post(env, "jekyll", "이번 주 {% if x %} {{ site.title }} `{{ y }}` 개요"))
    return env, post


def test_jekyll_builds_the_weekly_post_and_its_links_reach_the_daily_posts(
    jekyll_week: tuple[AppEnv, Path],
) -> None:
    """Real `jekyll build`: the weekly post's page links each paper to its section of the
    daily post's URL, shows Liquid and JSX in titles, gists and overview as typed, and holds
    no table."""
    env, post = jekyll_week
    daily = {
        digest_filename(date(2025, 11, day), "jekyll"): env.out_dir
        / digest_filename(date(2025, 11, day), "jekyll")
        for day in (6, 7)
    }
    built = _jekyll_build(env.tmp_path, {**daily, post.name: post})
    page = (built / "2025" / "11" / "09" / "hf-weekly-papers-2025-W45.html").read_text("utf-8")
    text = _visible_text(page)
    assert 'href="/2025/11/07/hf-daily-papers.html#paper-2511-90011"' in page
    assert 'href="/2025/11/06/hf-daily-papers.html"' in page
    for literal in [*LITERALS, "{{ site.title }}", "{{ y }}"]:
        assert literal in text, literal
    assert "Site Title Marker" not in page
    assert "<table" not in page and "<foo" not in page.lower()


def test_jekyll_front_matter_dates_the_post_by_its_sunday(jekyll_week: tuple[AppEnv, Path]) -> None:
    """Front matter: post layout, the week in the title, its Sunday as the date, tags."""
    _, post = jekyll_week
    data = _front_matter(post.read_text(encoding="utf-8"))
    assert data["layout"] == "post"
    assert data["title"] == "Hugging Face Weekly Papers — 2025-W45"
    assert data["date"] == date(2025, 11, 9)
    assert data["tags"] == ["papers", "huggingface", "weekly-papers"]


def test_mdx_compiles_the_weekly_post_and_shows_its_text_literally(env: AppEnv) -> None:
    """The docusaurus weekly post (hostile titles, gists and overview) compiles with
    @mdx-js/mdx 3; its links go to the daily post files' sections; the truncate marker
    follows the list."""
    _hostile_day(env, "docusaurus")
    text = _post(env, "docusaurus", "개요 {x | x < n} <Foo bar={x}> $$k$$")
    post = env.out_dir / weekly_filename(W45, "docusaurus")
    post.write_text(text, encoding="utf-8")
    (result,) = _mdx(post).values()
    assert result["ok"], result.get("error")
    visible = _visible_text(result["html"])
    for literal in [*LITERALS, "<Foo bar={x}>"]:
        assert literal in visible, literal
    assert 'href="2025-11-07-papers-review.md#paper-2511-90011"' in result["html"]
    assert (
        text.index("## TL;DR") < text.index("<!-- truncate -->") < text.index("이번 주 다이제스트")
    )
    data = _front_matter(text)
    assert data["title"] == "2025-W45 주간 논문 리뷰" and data["date"] == date(2025, 11, 9)
    assert data["description"].startswith("2025-11-03 ~ 2025-11-09 Hugging Face 주간 논문 2편")
