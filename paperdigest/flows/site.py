"""After every run, backfill day and weekly post: rewrite ``index.md`` and ``feed.xml`` from
the store (issue 9 §5), atomically and only when their bytes change.

Both list the digests and weekly posts recorded in the store whose files are in
``output_dir`` today; the feed holds the summarized papers and the weekly posts of the last
``feed_days`` days, counted back from the newest post (never from the clock, so a rerun that
changes nothing writes the same bytes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import filelock

from paperdigest.files import write_if_changed
from paperdigest.flows.digests import shown_papers
from paperdigest.flows.runtime import Runtime
from paperdigest.index import IndexItem, render_index
from paperdigest.masthead import week_post_title
from paperdigest.model.schemas import SCHEMAS
from paperdigest.notify import location
from paperdigest.records import DigestRecord, Listing, WeeklyPost

if TYPE_CHECKING:
    from paperdigest.feed import FeedItem, WeekFeedItem

__all__ = ["FEED_NAME", "INDEX_NAME", "in_folder", "site_files_present", "write_site_files"]

INDEX_NAME = "index.md"
FEED_NAME = "feed.xml"


_Filed = TypeVar("_Filed", DigestRecord, WeeklyPost)


def in_folder(records: Iterable[_Filed], folder: Path) -> list[_Filed]:
    """The ``records`` (digests or weekly posts, in the order given) whose files exist in
    ``folder`` today: what the index, the feed and a weekly post list (a digest written to
    another folder, or deleted since, is not theirs)."""
    where = folder.resolve()
    return [r for r in records if Path(r.path).parent == where and Path(r.path).is_file()]


def _week_feed_items(rt: Runtime, posts: list[WeeklyPost], first: date) -> list[WeekFeedItem]:
    """The weekly posts of the feed's days, one per week (its latest-written layout's)."""
    from paperdigest.feed import WeekFeedItem, week_html

    items: dict[str, WeekFeedItem] = {}
    for post in posts:
        day = date.fromisoformat(post.day)
        if day < first:
            continue
        papers = []
        for arxiv_id, gist in post.entries:
            paper = rt.store.get_paper(arxiv_id)
            papers.append((arxiv_id, paper.title if paper else arxiv_id, gist))
        site = rt.settings.site_url
        items[post.week] = WeekFeedItem(
            post.week,
            week_post_title(post.week),
            day,
            week_html(post.overview, papers),
            location(Path(post.path), site) if site else None,
        )
    return list(items.values())


def _feed_items(
    rt: Runtime,
    records: list[DigestRecord],
    listings: dict[str, list[Listing]],
    posts: list[WeeklyPost],
) -> list[FeedItem | WeekFeedItem]:
    """The summarized papers of the feed's days, one per (arXiv id, schema): a paper listed
    on two days is the later day's (a brief is an entry too, under its digest's schema, so
    that the paper's full summary, when ``resummarize --full`` writes it, replaces it); then
    the weekly posts of those days. ``listings``: each digest's papers by path."""
    from paperdigest.feed import FeedItem, summary_html  # feedgen and lxml: only when it is built

    newest = max(
        date.fromisoformat(day) for day in [r.day for r in records] + [p.day for p in posts]
    )
    first = newest - timedelta(days=rt.settings.feed_days - 1)
    items: dict[tuple[str, str], FeedItem] = {}
    for record in sorted(records, key=lambda r: (r.day, r.path)):
        day = date.fromisoformat(record.day)
        if day < first:
            continue
        for paper, summary in shown_papers(rt.store, record, listings[record.path]):
            key = (paper.arxiv_id, record.schema)
            view = SCHEMAS[summary.schema].view(summary.content)
            items.pop(key, None)  # re-inserted in the later day's order
            items[key] = FeedItem(
                paper.arxiv_id, record.schema, paper.title, day, summary_html(view)
            )
    return [*items.values(), *_week_feed_items(rt, posts, first)]


def site_files_present(rt: Runtime) -> bool:
    """Whether ``index.md`` (and, when ``feed_days`` > 0, ``feed.xml``) exist in
    ``settings.index_path``: a run whose digest came out byte-identical skips rebuilding
    them then, since they are built from the same stored digests (a cached rerun would
    otherwise render every feed entry again for nothing)."""
    folder = rt.settings.index_path
    wanted = [INDEX_NAME] + ([FEED_NAME] if rt.settings.feed_days > 0 else [])
    return all((folder / name).is_file() for name in wanted)


def write_site_files(rt: Runtime) -> list[Path]:
    """Rewrite ``index.md`` and (``feed_days`` > 0) ``feed.xml`` in ``settings.index_path``.

    Returns:
        The files whose bytes changed.

    Raises:
        OSError: the folder cannot be written.
        StoreError: the database failed.
    """
    settings = rt.settings
    folder = settings.index_path
    folder.mkdir(parents=True, exist_ok=True)
    # Runs of different days may finish together: one rewrite at a time, each from the store
    # as the other left it, so neither drops the other's digest.
    with filelock.FileLock(str(folder / ".paperdigest-index.lock")):
        return _write(rt, folder)


def _write(rt: Runtime, folder: Path) -> list[Path]:
    settings = rt.settings
    records = in_folder(rt.store.digests_between(), settings.output_dir)
    posts = in_folder(rt.store.weekly_posts(), settings.output_dir)
    # Read once: the index counts each digest's papers and the feed shows them.
    listings = {r.path: rt.store.digest_papers(r.path) for r in records}
    written: list[Path] = []
    index = [
        IndexItem(
            r.day,
            Path(r.path),
            r.template,
            sum(1 for listing in listings[r.path] if listing.state.summarized),
        )
        for r in records
    ]
    index += [
        IndexItem(p.day, Path(p.path), p.template, len(p.entries), f"{p.week} 주간") for p in posts
    ]
    index_text = render_index(index, folder.resolve())
    if write_if_changed(folder / INDEX_NAME, index_text):
        written.append(folder / INDEX_NAME)
    if settings.feed_days > 0 and (records or posts):
        from paperdigest.feed import render_feed

        items = _feed_items(rt, records, listings, posts)
        if items and write_if_changed(folder / FEED_NAME, render_feed(items, settings.tz)):
            written.append(folder / FEED_NAME)
    return written
