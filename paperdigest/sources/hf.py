"""Hugging Face daily papers list: ``GET {hf_base_url}/api/daily_papers?date=YYYY-MM-DD``.

Field facts (from recorded responses): each item is ``{"paper": {...}, "title", "summary",
"organization"?, ...}``; ``paper.id`` is the arXiv id without version, the abstract is
``paper.summary`` (there is no ``abstract`` key), ``paper.upvotes`` orders the list,
``paper.organization`` / item ``organization`` (``name``, ``fullname``) exist only on recent
days, ``paper.ai_keywords`` (a list of strings) on most records, ``paper.githubRepo`` and
``paper.projectPage`` (URL strings) and ``paper.githubStars`` (an integer, recent days only)
on papers that have them, optional fields are absent rather than null, titles and abstracts
carry hard wraps.
An empty list is a normal answer (weekends).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx2

from paperdigest.config import Settings
from paperdigest.errors import UpstreamFormatError
from paperdigest.papers import ARXIV_ID_RE, Paper
from paperdigest.sources import http
from paperdigest.text import collapse_space

__all__ = ["DailyList", "Skipped", "fetch_daily_list", "parse_daily_list"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Skipped:
    """A record left out of the digest: ``ident`` names it (arXiv id or ``record #N``)."""

    ident: str
    reason: str


@dataclass
class DailyList:
    """The day's sound papers in list order (upvotes), and the records skipped."""

    papers: list[Paper] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


async def fetch_daily_list(client: httpx2.AsyncClient, settings: Settings, day: date) -> DailyList:
    """Fetch and parse one day's daily papers list.

    Args:
        client: an ``httpx2.AsyncClient`` (see :func:`paperdigest.sources.http.make_client`).
        settings: ``hf_base_url`` and the retry settings.
        day: the day the papers were featured on Hugging Face.

    Returns:
        The :class:`DailyList`; empty on days without papers.

    Raises:
        FetchError: the request failed after retries.
        UpstreamFormatError: the body is not JSON or not a list.
    """
    url = f"{settings.hf_base_url.rstrip('/')}/api/daily_papers"
    response = await http.get(client, url, settings, params={"date": day.isoformat()})
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UpstreamFormatError(str(response.url), "body is not JSON") from exc
    return parse_daily_list(body, source=str(response.url))


def parse_daily_list(body: Any, source: str = "daily papers list") -> DailyList:
    """Turn the JSON body into papers, skipping records that are not sound.

    A record is skipped (with a warning naming it) when it is not an object, has no
    ``paper`` object, its ``paper.id`` is not a new-style arXiv id
    (``^\\d{4}\\.\\d{4,5}(v\\d+)?$``), it has no title, or its id repeats an earlier
    record. A record without an abstract is kept here: arXiv may supply one later.

    Args:
        body: the decoded JSON.
        source: URL named in errors.

    Raises:
        UpstreamFormatError: ``body`` is not a list, or a non-empty list of which no record
            is usable (the format has changed; an empty list is a normal day).
    """
    if not isinstance(body, list):
        raise UpstreamFormatError(source, f"expected a JSON list, got {type(body).__name__}")
    result = DailyList()
    seen: set[str] = set()
    for index, item in enumerate(body, start=1):
        paper, reason = _parse_item(item)
        ident = paper.arxiv_id if paper else _ident(item, index)
        if paper is not None and paper.arxiv_id in seen:
            # Named by position too: the id itself is summarized from its first record.
            ident, reason = f"record #{index} ({paper.arxiv_id})", "duplicate of an earlier record"
        if reason is not None or paper is None:
            skipped = Skipped(ident, reason or "unusable record")
            log.warning("%s skipped: %s", skipped.ident, skipped.reason)
            result.skipped.append(skipped)
            continue
        seen.add(paper.arxiv_id)
        result.papers.append(paper)
    if body and not result.papers:
        # Not a quiet day but a changed format (e.g. ``paper`` renamed): a cron run must
        # fail loudly rather than report "no papers" every morning.
        first = result.skipped[0]
        raise UpstreamFormatError(
            source,
            f"none of its {len(body)} records is usable (first: {first.ident}: {first.reason})",
        )
    return result


def _ident(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("paper"), dict):
        raw = item["paper"].get("id")
        if isinstance(raw, str) and raw.strip():
            return repr(raw.strip()[:40])
    return f"record #{index}"


def _text(value: Any) -> str:
    # A title of just 0 may arrive as a JSON number; keep it as text.
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return collapse_space(value) if isinstance(value, str) else ""


def _parse_item(item: Any) -> tuple[Paper | None, str | None]:
    if not isinstance(item, dict):
        return None, "record is not an object"
    paper = item.get("paper")
    if not isinstance(paper, dict):
        return None, "record has no paper"
    raw_id = paper.get("id")
    match = ARXIV_ID_RE.match(raw_id) if isinstance(raw_id, str) else None
    if match is None:
        return None, "not a new-style arXiv id"
    arxiv_id = match.group("id")
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        return None, "no title"
    abstract = _text(paper.get("summary")) or _text(item.get("summary"))
    upvotes = paper.get("upvotes")
    raw_authors = paper.get("authors")
    authors = tuple(
        _text(a.get("name"))
        for a in (raw_authors if isinstance(raw_authors, list) else [])
        if isinstance(a, dict) and _text(a.get("name"))
    )
    stars = paper.get("githubStars")
    if isinstance(stars, bool) or not isinstance(stars, int) or stars < 0:
        stars = None  # a count or nothing: true, -1 or "12" is no star count
    raw_keywords = paper.get("ai_keywords")
    keywords = tuple(
        k for k in (_text(w) for w in (raw_keywords if isinstance(raw_keywords, list) else [])) if k
    )
    return (
        Paper(
            arxiv_id=arxiv_id,
            title=title,
            abstract=abstract,
            authors=authors,
            organization=_organization(paper) or _organization(item),
            upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else 0,
            abstract_source="hf",
            ai_keywords=keywords,
            github_repo=_text(paper.get("githubRepo")) or None,
            project_page=_text(paper.get("projectPage")) or None,
            github_stars=stars,
        ),
        None,
    )


def _organization(obj: dict[str, Any]) -> str | None:
    org = obj.get("organization")
    if not isinstance(org, dict):
        return None
    name = _text(org.get("fullname")) or _text(org.get("name"))
    return name or None
