"""The Atom 1.0 feed of the recent digests' papers (``feed.xml``), written with feedgen
(issue 9 §5). Pure: items in, bytes out, no clock.

One entry per paper and schema: the paper's title, its Hugging Face page, the digest's day
(midnight in the configured time zone) and the Korean summary as HTML. The entry id is
``tag:paperdigest,2025:SCHEMA/ARXIVID`` (RFC 4151), so a reader that has seen a paper does
not see it again when a rerun rewrites its summary. One entry per weekly post's week
(:class:`WeekFeedItem`, id ``tag:paperdigest,2025:weekly/2025-W46``, dated by its Sunday):
the week's overview and its top papers. The feed's ``updated`` is its newest
entry's, so a rerun that changes nothing writes the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator
from markdown_it import MarkdownIt

from paperdigest.masthead import SITE_TITLE
from paperdigest.model.schemas import View
from paperdigest.render import day_start, model_markdown
from paperdigest.text import collapse_space, drop_controls, plain_line

__all__ = ["FEED_ID", "FeedItem", "WeekFeedItem", "render_feed", "summary_html", "week_html"]

FEED_ID = "tag:paperdigest,2025:daily-papers"
_HF_PAPERS = "https://huggingface.co/papers"
# CommonMark without raw HTML: model text becomes paragraphs, lists and bold, never markup.
_MD = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class FeedItem:
    """One paper of a digest: its arXiv id, the schema of its summary, its title, the
    digest's day, and the summary as HTML (:func:`summary_html`)."""

    arxiv_id: str
    schema: str
    title: str
    day: date
    html: str

    @property
    def entry_id(self) -> str:
        """``tag:paperdigest,2025:SCHEMA/ARXIVID``."""
        return f"tag:paperdigest,2025:{self.schema}/{self.arxiv_id}"

    @property
    def url(self) -> str | None:
        """The paper's Hugging Face page."""
        return f"{_HF_PAPERS}/{self.arxiv_id}"


@dataclass(frozen=True)
class WeekFeedItem:
    """One weekly post: its ISO week (``2025-W46``), title, Sunday, its content as HTML
    (:func:`week_html`) and its URL on the site (None when ``PAPERDIGEST_SITE_URL`` is not
    set: the entry then has no link, which Atom allows for an entry with content)."""

    week: str
    title: str
    day: date
    html: str
    url: str | None

    @property
    def entry_id(self) -> str:
        """``tag:paperdigest,2025:weekly/2025-W46``: one entry per week, whatever its
        layouts, kept when a rerun rewrites it."""
        return f"tag:paperdigest,2025:weekly/{self.week}"


def summary_html(view: View) -> str:
    """A summary as HTML: the gist, the overview, the labelled items and the titled sections
    (model text escaped as in the digests: no raw HTML, no links or images)."""
    parts = []
    if view.gist:
        parts.append(f"**TL;DR**: {model_markdown(collapse_space(view.gist))}")
    parts.append(model_markdown(view.overview))
    if view.intro:
        parts.append(
            "\n".join(f"- **{label}**: {model_markdown(text)}" for label, text in view.intro)
        )
    for heading, body in view.sections:
        parts.append(f"**{heading}**\n\n{model_markdown(body)}")
    html: str = _MD.render("\n\n".join(parts))
    return html.strip()


def week_html(overview: str | None, papers: Sequence[tuple[str, str, str | None]]) -> str:
    """A weekly post as HTML: the overview (model text escaped as in the digests), then the
    top papers ``(arXiv id, title, gist or None)`` as an ordered list linking their Hugging
    Face pages (titles and gists as plain text)."""
    parts = [_MD.render(model_markdown(overview)).strip()] if overview else []
    if papers:
        items = []
        for arxiv_id, title, gist in papers:
            line = f'<a href="{_HF_PAPERS}/{arxiv_id}">{html.escape(plain_line(title))}</a>'
            if gist:
                line += f" — {html.escape(collapse_space(gist))}"
            items.append(f"<li>{line}</li>")
        parts.append("<ol>\n" + "\n".join(items) + "\n</ol>")
    return "\n".join(parts)


def render_feed(items: Sequence[FeedItem | WeekFeedItem], tz: ZoneInfo) -> bytes:
    """The Atom feed of ``items`` (newest day first, then as given).

    Args:
        items: the papers, at most one per (arXiv id, schema), and the weekly posts, at
            most one per week; at least one.
        tz: the time zone whose midnight dates each day's entries.

    Returns:
        UTF-8 Atom 1.0 XML.

    Raises:
        ValueError: ``items`` is empty (a feed's ``updated`` comes from its newest entry).
    """
    if not items:
        raise ValueError("a feed needs at least one entry")
    ordered = sorted(items, key=lambda i: i.day, reverse=True)  # stable: given order per day

    fg = FeedGenerator()
    fg.id(FEED_ID)
    fg.title(SITE_TITLE)
    fg.subtitle("Hugging Face 일간 논문 목록의 한국어 요약")
    fg.author({"name": "paperdigest"})
    fg.link(href=_HF_PAPERS, rel="alternate")
    fg.language("ko")
    fg.updated(day_start(ordered[0].day, tz))
    for item in ordered:
        entry = fg.add_entry(order="append")
        entry.id(item.entry_id)
        entry.title(plain_line(item.title))
        if item.url is not None:
            entry.link(href=item.url, rel="alternate")
        entry.published(day_start(item.day, tz))
        entry.updated(day_start(item.day, tz))
        entry.content(drop_controls(item.html), type="html")
    data: bytes = fg.atom_str(pretty=True)
    return data
