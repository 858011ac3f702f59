"""The publication's name and the titles made from it: the one place to rename the site.

Pure strings, no imports: the digest templates, ``index.md``, ``feed.xml`` and the
notifications all take their titles from here.
"""

from __future__ import annotations

__all__ = [
    "NAME",
    "SITE_TITLE",
    "WEEKLY_NAME",
    "day_headline",
    "post_title",
    "week_headline",
    "week_post_title",
]

NAME = "Hugging Face Daily Papers"
"""The publication's name: the list it reviews, as Hugging Face calls it."""

SITE_TITLE = f"{NAME} 리뷰"
"""The title of the whole site: ``index.md``'s heading and ``feed.xml``'s title."""


def day_headline(day: str) -> str:
    """A day's headline, ``📰 Hugging Face Daily Papers – 2025-11-07``: the ``digest``
    layout's heading and the start of a notification's title (``day`` a date or a range)."""
    return f"📰 {NAME} – {day}"


def post_title(day: str) -> str:
    """A day's post title in front matter, ``Hugging Face Daily Papers — 2025-11-07``
    (the ``jekyll`` layout: the headline's words without its emoji)."""
    return f"{NAME} — {day}"


WEEKLY_NAME = "Hugging Face Weekly Papers"
"""The weekly post's name: the same list by week, as Hugging Face's papers page also shows it."""


def week_headline(week: str) -> str:
    """A week's headline, ``📰 Hugging Face Weekly Papers – 2025-W46``: the ``digest``
    layout's heading and the start of the weekly notification's title."""
    return f"📰 {WEEKLY_NAME} – {week}"


def week_post_title(week: str) -> str:
    """A weekly post's title in front matter, ``Hugging Face Weekly Papers — 2025-W46``
    (the ``jekyll`` layout)."""
    return f"{WEEKLY_NAME} — {week}"
