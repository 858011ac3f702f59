"""index.md and feed.xml (issue 9 §5): written beside the digests after every run and
backfill day, the feed an Atom 1.0 file that feedparser reads without a complaint, both
byte-stable across reruns."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from conftest import AppEnv
from realtools import jekyll_build
from runhelpers import DAY, DAY_IDS, invoke, resummarized_answer, run_day

_PREV = "2025-11-06"


def _feed(out_dir: Path) -> feedparser.FeedParserDict:
    return feedparser.parse((out_dir / "feed.xml").read_bytes())


def test_run_writes_index_listing_the_digest(env: AppEnv) -> None:
    """After a run, index.md lists the day's digest with its date, paper count and link."""
    assert run_day().exit_code == 0
    index = (env.out_dir / "index.md").read_text(encoding="utf-8")
    assert f"- [{DAY}](<{DAY}.md>) — 15편" in index.splitlines()


def test_feed_is_atom_that_feedparser_reads_cleanly(env: AppEnv) -> None:
    """feed.xml parses as Atom 1.0 with no bozo flag and one entry per paper."""
    assert run_day().exit_code == 0
    feed = _feed(env.out_dir)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert len(feed.entries) == 15


def test_feed_entry_carries_title_link_date_and_korean_summary(env: AppEnv) -> None:
    """An entry has the paper's title, its HF page, the digest's day and the summary HTML."""
    assert run_day().exit_code == 0
    entry = _feed(env.out_dir).entries[0]
    assert entry.title.startswith("Thinking with Video")
    assert entry.link == "https://huggingface.co/papers/2511.04570"
    assert entry.updated == "2025-11-07T00:00:00+09:00"
    assert entry.id == "tag:paperdigest,2025:seven/2511.04570"
    html = entry.content[0].value
    assert "<p>" in html and "2511.04570에 대한 overview 항목의 요약입니다." in html


def test_entry_ids_are_per_arxiv_id_and_schema(env: AppEnv) -> None:
    """The same paper in a gmr digest gets the id of its schema, not the seven one's."""
    assert run_day("--limit", "1").exit_code == 0
    assert run_day("--limit", "1", "--schema", "gmr").exit_code == 0
    ids = sorted(e.id for e in _feed(env.out_dir).entries)
    assert ids == ["tag:paperdigest,2025:gmr/2511.04570", "tag:paperdigest,2025:seven/2511.04570"]


def test_rerun_that_changes_nothing_writes_the_same_bytes(env: AppEnv) -> None:
    """A second run of the day leaves index.md and feed.xml byte for byte as they were."""
    assert run_day().exit_code == 0
    before = [(env.out_dir / n).read_bytes() for n in ("index.md", "feed.xml")]
    assert run_day().exit_code == 0
    assert [(env.out_dir / n).read_bytes() for n in ("index.md", "feed.xml")] == before


def test_feed_updated_is_its_newest_entry(env: AppEnv) -> None:
    """The feed's updated is the newest digest's day, not the time it was written."""
    assert invoke("backfill", "--from", _PREV, "--to", DAY).exit_code == 0
    feed = _feed(env.out_dir)
    assert feed.feed.updated == "2025-11-07T00:00:00+09:00"
    assert feed.entries[0].updated == "2025-11-07T00:00:00+09:00"
    assert feed.entries[-1].updated == "2025-11-06T00:00:00+09:00"


def test_index_lists_backfilled_days_newest_first(env: AppEnv) -> None:
    """After a backfill, index.md lists every day's digest, newest first."""
    assert invoke("backfill", "--from", _PREV, "--to", DAY).exit_code == 0
    index = (env.out_dir / "index.md").read_text(encoding="utf-8")
    assert re.findall(r"^- \[(\S+)\]", index, re.MULTILINE) == [DAY, _PREV]


def test_feed_days_limits_the_feed_to_recent_days(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAPERDIGEST_FEED_DAYS=1 keeps only the newest day's papers in the feed."""
    monkeypatch.setenv("PAPERDIGEST_FEED_DAYS", "1")
    assert invoke("backfill", "--from", _PREV, "--to", DAY).exit_code == 0
    assert sorted(e.link.rsplit("/", 1)[1] for e in _feed(env.out_dir).entries) == sorted(DAY_IDS)


def test_feed_days_zero_writes_no_feed(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """PAPERDIGEST_FEED_DAYS=0 turns the feed off; the index is still written."""
    monkeypatch.setenv("PAPERDIGEST_FEED_DAYS", "0")
    assert run_day().exit_code == 0
    assert not (env.out_dir / "feed.xml").exists()
    assert (env.out_dir / "index.md").is_file()


def test_jekyll_site_gets_index_and_feed_outside_posts(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With OUTPUT_DIR a Jekyll _posts folder, index.md and feed.xml go to SITE/papers, and a
    real Jekyll build publishes both, the index linking to the post's URL."""
    site = env.tmp_path / "site"
    monkeypatch.setenv("PAPERDIGEST_OUTPUT_DIR", str(site / "_posts"))
    monkeypatch.setenv("PAPERDIGEST_DB", str(env.tmp_path / "pd.db"))
    assert run_day("--template", "jekyll", "--limit", "2").exit_code == 0
    assert not (site / "_posts" / "index.md").exists()
    (site / "_config.yml").write_text("title: test\n", encoding="utf-8")
    jekyll_build(site)
    index = (site / "_site" / "papers" / "index.html").read_text(encoding="utf-8")
    href = re.search(r'href="([^"]+)">2025-11-07</a>', index)
    assert href is not None, index
    assert (site / "_site" / href.group(1).lstrip("/")).is_file()
    assert not feedparser.parse((site / "_site" / "papers" / "feed.xml").read_bytes()).bozo


def _build_at(site: Path, utc: str) -> tuple[str, str]:
    """Real `jekyll build` of ``site`` on a UTC machine whose clock reads ``utc`` (frozen by
    faketime); returns the build's output and papers/index.html, or fails with the output."""
    out = jekyll_build(site, frozen_utc=utc)
    return out, (site / "_site" / "papers" / "index.html").read_text(encoding="utf-8")


def _index_links(site: Path, index: str) -> list[tuple[str, str]]:
    """(day, paper count) of every linked line of a built index, each link checked to
    reach a built page."""
    found = re.findall(r'<a href="([^"]+)">(\d{4}-\d\d-\d\d)</a> — (\d+)편', index)
    for href, day, _ in found:
        assert (site / "_site" / href.lstrip("/")).is_file(), f"{day} links to {href}"
    return [(day, count) for _, day, count in found]


@pytest.fixture
def jekyll_site(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Jekyll site whose _posts hold the jekyll digests of 2025-11-06 and 2025-11-07 (days
    in Asia/Seoul), its index and feed in papers/."""
    site = env.tmp_path / "site"
    monkeypatch.setenv("PAPERDIGEST_OUTPUT_DIR", str(site / "_posts"))
    monkeypatch.setenv("PAPERDIGEST_DB", str(env.tmp_path / "pd.db"))
    assert invoke("backfill", "--from", _PREV, "--to", DAY, "--template", "jekyll").exit_code == 0
    (site / "_config.yml").write_text("title: test\n", encoding="utf-8")
    return site


def test_jekyll_site_builds_before_the_post_date_and_shows_it_from_seoul_midnight(
    jekyll_site: Path,
) -> None:
    """A UTC build machine at 14:59:59 UTC on 2025-11-06 (23:59:59 in Seoul) builds the site
    without the 2025-11-07 post and without a link to it; a second after midnight in Seoul
    (still 2025-11-06 in UTC) it builds the post and the index links it, newest first."""
    out, index = _build_at(jekyll_site, "2025-11-06 14:59:59")
    assert f"_posts/{DAY}-hf-daily-papers.md has a future date" in out
    assert _index_links(jekyll_site, index) == [(_PREV, "11")]
    assert DAY not in index

    # Not 15:00:00: Jekyll 4.3 takes a front matter date equal to its clock for its own
    # default and dates the post by its file name instead (Document#modify_date), so in that
    # one second the post waits for the next build.
    _, index = _build_at(jekyll_site, "2025-11-06 15:00:01")
    assert _index_links(jekyll_site, index) == [(DAY, "15"), (_PREV, "11")]


def test_jekyll_site_in_the_digest_time_zone_dates_urls_by_the_digest_day(
    jekyll_site: Path,
) -> None:
    """With `timezone: Asia/Seoul` in _config.yml (the README's advice), a UTC machine at
    Seoul's midnight publishes the post under /2025/11/07/, the digest's own day."""
    config = jekyll_site / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "timezone: Asia/Seoul\n", "utf-8")
    _, index = _build_at(jekyll_site, "2025-11-06 15:00:01")
    assert f'href="/2025/11/07/hf-daily-papers.html">{DAY}</a>' in index


def test_resummarize_refreshes_the_feed(env: AppEnv) -> None:
    """resummarize rewrites the paper's feed entry with the new summary, same entry id."""
    assert run_day("--limit", "2").exit_code == 0

    env.fake.chat_handler = resummarized_answer
    assert invoke("resummarize", "2511.04460").exit_code == 0
    entry = next(e for e in _feed(env.out_dir).entries if e.link.endswith("2511.04460"))
    assert entry.id == "tag:paperdigest,2025:seven/2511.04460"
    assert "다시 요약한 overview 항목의 한국어 문장입니다." in entry.content[0].value
