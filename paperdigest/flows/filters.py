"""Which papers of a day's list are summarized, and in which order: ``--min-upvotes``,
``--include``, ``--exclude``, ``--min-relevance`` (each also a setting) and ``--limit``
(issue 9 §6, issue 18 §3).

Words are comma-separated and matched case-insensitively as substrings of the paper's title,
abstract and Hugging Face ``ai_keywords``, as the list gives them (so the same list always
selects the same papers, whatever arXiv returns later). Include keeps a paper that matches
any of its words; exclude drops a paper that matches any of its words; ``min_relevance``
drops a paper scored below it. The papers left are ranked (:func:`ranked`: by relevance or
by upvotes) and ``limit`` keeps the N highest-ranked. The rest are named in the digest's
last line and cost no model call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from paperdigest.errors import InputError
from paperdigest.papers import Paper
from paperdigest.records import Relevance
from paperdigest.text import split_words

__all__ = ["Filters", "Selection", "filter_overrides", "ranked", "select"]


def filter_overrides(
    min_upvotes: int | None,
    include: str | None,
    exclude: str | None,
    rank: str | None = None,
    top: int | None = None,
    min_relevance: float | None = None,
) -> dict[str, object]:
    """The settings the ``run``/``backfill`` filter and rank options override (options left
    out are not in the dict, so the settings' own values stay).

    Raises:
        InputError: ``min_upvotes`` is negative, or ``include``/``exclude`` is given but holds
            no word (an empty ``--include`` would silently keep every paper).
    """
    overrides: dict[str, object] = {}
    if min_upvotes is not None:
        if min_upvotes < 0:
            raise InputError(f"--min-upvotes must be 0 or more, not {min_upvotes}")
        overrides["min_upvotes"] = min_upvotes
    for option, value in (("include", include), ("exclude", exclude)):
        if value is None:
            continue
        words = split_words(value)
        if not words:
            raise InputError(f"--{option} needs at least one word (comma-separated), got {value!r}")
        overrides[option] = words
    ranking = {"rank": rank, "top": top, "min_relevance": min_relevance}
    return overrides | {name: value for name, value in ranking.items() if value is not None}


@dataclass(frozen=True)
class Filters:
    """A selection rule: ``min_upvotes`` (0 keeps all), ``include``/``exclude`` words
    (lower case; empty means no such rule), ``min_relevance`` (0 keeps all), the order
    ``by`` (``upvotes`` or ``relevance``) and ``limit`` (None keeps all)."""

    min_upvotes: int = 0
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    limit: int | None = None
    min_relevance: float = 0.0
    by: Literal["upvotes", "relevance"] = "upvotes"


@dataclass
class Selection:
    """The papers to summarize, in rank order, and those filtered out, in list order."""

    kept: list[Paper] = field(default_factory=list)
    dropped: list[Paper] = field(default_factory=list)


def _haystack(paper: Paper) -> str:
    return "\n".join((paper.title, paper.abstract, *paper.ai_keywords)).casefold()


def _matches(paper: Paper, words: tuple[str, ...]) -> bool:
    text = _haystack(paper)
    return any(word in text for word in words)


def ranked(
    papers: Sequence[Paper], relevance: Mapping[str, Relevance] | None = None
) -> list[Paper]:
    """``papers`` in rank order: by relevance when ``relevance`` is given (highest first;
    ties, to 4 decimals, below what the digest shows, by upvotes), else by upvotes; the
    remaining ties in the order given. The Hugging Face list comes by upvotes, so ranking a
    day's list by upvotes keeps its order."""
    order = {p.arxiv_id: n for n, p in enumerate(papers)}
    if relevance is None:
        return sorted(papers, key=lambda p: (-p.upvotes, order[p.arxiv_id]))
    return sorted(
        papers,
        key=lambda p: (-round(relevance[p.arxiv_id].score, 4), -p.upvotes, order[p.arxiv_id]),
    )


def select(
    papers: list[Paper], filters: Filters, relevance: Mapping[str, Relevance] | None = None
) -> Selection:
    """Apply ``filters`` to a day's papers (in list order).

    A paper is kept when its upvotes are at least ``min_upvotes``, it matches an ``include``
    word (when there are any) and no ``exclude`` word, and its relevance is at least
    ``min_relevance``; those are ranked (:func:`ranked`, by ``filters.by``) and ``limit``
    keeps the first N. The kept papers come in rank order, the others in list order.

    Args:
        relevance: every paper's :class:`Relevance` by arXiv id; needed when
            ``min_relevance`` is above 0 or ``by`` is ``relevance``.

    Raises:
        ValueError: ``relevance`` is needed and not given (a flow's bug, not bad input).
    """
    scored = filters.by == "relevance" or filters.min_relevance > 0
    if scored and relevance is None:
        raise ValueError("ranking or filtering by relevance needs the relevance scores")
    passing = [
        p
        for p in papers
        if p.upvotes >= filters.min_upvotes
        and (not filters.include or _matches(p, filters.include))
        and not (filters.exclude and _matches(p, filters.exclude))
        and (relevance is None or relevance[p.arxiv_id].score >= filters.min_relevance)
    ]
    kept = ranked(passing, relevance if filters.by == "relevance" else None)[: filters.limit]
    chosen = {p.arxiv_id for p in kept}
    return Selection(kept, [p for p in papers if p.arxiv_id not in chosen])
