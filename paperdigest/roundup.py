"""The weekly post (issue 19 §2): a week's top papers, its overview and its days → markdown in
the three layouts of the daily digests (pure: no I/O, no clock).

The post links each paper to its section in the daily digest that summarizes it, and each
day to its digest: relative file links in ``digest`` (GitHub's heading slug) and
``docusaurus`` (the explicit heading id; Docusaurus turns a file link into the post's URL),
and in ``jekyll`` the post's URL looked up among the posts Jekyll built
(:func:`~paperdigest.index.jekyll_post_guard`): a daily post Jekyll skipped shows as text,
never as a broken link or a failed build. Escaping is the digests' (:func:`render.layouts`);
the ``jekyll`` post is rendered by Liquid, so every ``{`` of paper or model text is given to
Liquid as a literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path

from paperdigest.index import (
    jekyll_post_guard,
    jekyll_post_lookup,
    jekyll_post_url,
    relative_link,
)
from paperdigest.masthead import week_headline, week_post_title
from paperdigest.papers import Paper
from paperdigest.render import (
    TEMPLATES,
    clipped_description,
    front_matter_date,
    layouts,
    section_anchor,
    section_slug,
    tidy_markdown,
)
from paperdigest.weeks import IsoWeek

__all__ = ["WeekDay", "WeeklyEntry", "render_weekly", "weekly_filename"]

_WEEKDAYS = "월화수목금토일"


@dataclass(frozen=True)
class WeekDay:
    """A day of the week as the weekly post lists it: its digest file (None: no digest was
    stored for the day) and the papers that digest summarizes."""

    day: date
    digest: Path | None
    papers: int = 0

    @property
    def label(self) -> str:
        """``2025-11-10 (월)``."""
        return f"{self.day.isoformat()} ({_WEEKDAYS[self.day.weekday()]})"


@dataclass(frozen=True)
class WeeklyEntry:
    """One of the week's top papers: ``number`` from 1 in rank order, the paper, its gist
    (None for a summary stored before gists), and the day and file of the daily digest that
    summarizes it (the weekly post links its section there)."""

    number: int
    paper: Paper
    gist: str | None
    day: date
    digest: Path


# Distinct per layout, as the daily names are, so that posts of several layouts can share a
# folder (and index.md).
_FILENAMES = {
    "digest": "{sunday}-weekly-{week}.md",
    "jekyll": "{sunday}-hf-weekly-papers-{week}.md",
    "docusaurus": "{sunday}-weekly-review-{week}.md",
}


def weekly_filename(week: IsoWeek, template: str) -> str:
    """The weekly post's file name in a layout, e.g. ``2025-11-16-weekly-2025-W46.md``.

    Dated by the week's Sunday: Jekyll and Docusaurus need a date in a post's name, and the
    Sunday is the last day the post covers, so it sorts after the week's daily posts.

    Raises:
        KeyError: ``template`` is not one of :data:`~paperdigest.render.TEMPLATES`.
    """
    return _FILENAMES[template].format(sunday=week.sunday.isoformat(), week=week.label)


def _liquid_safe(value: str) -> str:
    """Text for a page that Liquid renders: every ``{`` becomes the Liquid output
    ``{{ '{' }}``, so no ``{{`` or ``{%`` of paper or model text is left for Liquid to run,
    and after Liquid the text is as kramdown should read it."""
    return value.replace("{", "{{ '{' }}")


_env = layouts().overlay()
_env.filters = {**_env.filters, "liquid_safe": _liquid_safe}  # the overlay's own copy
_env.globals = {**_env.globals, "guard": jekyll_post_guard, "post_url": jekyll_post_url}


def _post_var(digest: Path) -> str:
    """The Liquid variable that holds a daily digest's built post (``jekyll``):
    ``post_2025_11_07_hf_daily_papers``."""
    return "post_" + re.sub(r"\W", "_", digest.stem)


def _section(template: str, arxiv_id: str) -> str:
    return section_slug(arxiv_id) if template == "digest" else section_anchor(arxiv_id)


def render_weekly(
    week: IsoWeek,
    template: str,
    entries: list[WeeklyEntry],
    days: list[WeekDay],
    overview: str | None,
    folder: Path,
    *,
    tz: tzinfo,
) -> str:
    """Render a week's post.

    Args:
        week: the ISO week.
        template: one of :data:`~paperdigest.render.TEMPLATES` (that of the week's daily
            digests).
        entries: the week's top papers, in rank order (their TL;DR-style list).
        days: the week's seven days, Monday first, each with its digest or None.
        overview: the Korean overview of the week's themes; None leaves its section out.
        folder: where the post is written (its file links to the daily digests are
            relative to it).
        tz: the time zone of the week's days; the ``jekyll`` front matter dates the post at
            the Sunday's midnight there, with the offset (as the daily posts are dated).

    Returns:
        The markdown text, ending with one newline.

    Raises:
        KeyError: ``template`` is not one of :data:`~paperdigest.render.TEMPLATES`.
    """
    if template not in TEMPLATES:
        raise KeyError(template)
    text = _env.get_template(f"weekly-{template}.md.j2").render(
        week=week.label,
        headline=week_headline(week.label),
        post_title=week_post_title(week.label),
        # The days, not only the ISO week: few readers count weeks.
        span=f"{WeekDay(week.monday, None).label} ~ {WeekDay(week.sunday, None).label}",
        sunday=week.sunday.isoformat(),
        start=front_matter_date(week.sunday, tz),
        entries=entries,
        # Relative file links (digest, docusaurus); the jekyll template links through guard().
        links={e.number: relative_link(e.digest, folder) for e in entries},
        sections={e.number: _section(template, e.paper.arxiv_id) for e in entries},
        days=days,
        day_links={d.day: relative_link(d.digest, folder) for d in days if d.digest},
        # jekyll: each daily post looked up once, at the top; the links test the variables.
        lookups="".join(
            jekyll_post_lookup(d.digest.name, _post_var(d.digest)) for d in days if d.digest
        ),
        post_vars={d.digest: _post_var(d.digest) for d in days if d.digest},
        overview=overview,
        description=clipped_description(
            f"{week.monday.isoformat()} ~ {week.sunday.isoformat()} Hugging Face 주간 논문",
            [e.paper for e in entries],
        ),
    )
    return tidy_markdown(text)
