"""Which papers of a day's list are summarized: ``--min-upvotes``, ``--include``,
``--exclude`` (each also a setting) and ``--limit`` (issue 9 §6).

Words are comma-separated and matched case-insensitively as substrings of the paper's title,
abstract and Hugging Face ``ai_keywords``, as the list gives them (so the same list always
selects the same papers, whatever arXiv returns later). Include keeps a paper that matches
any of its words; exclude drops a paper that matches any of its words; ``limit`` then keeps
the N most upvoted. The rest are named in the digest's last line and cost no model call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paperdigest.errors import InputError
from paperdigest.papers import Paper
from paperdigest.text import split_words

__all__ = ["Filters", "Selection", "filter_overrides", "select"]


def filter_overrides(
    min_upvotes: int | None, include: str | None, exclude: str | None
) -> dict[str, object]:
    """The settings the ``run``/``backfill`` filter options override (options left out are
    not in the dict, so the settings' own values stay).

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
    return overrides


@dataclass(frozen=True)
class Filters:
    """A selection rule: ``min_upvotes`` (0 keeps all), ``include``/``exclude`` words
    (lower case; empty means no such rule), ``limit`` (None keeps all)."""

    min_upvotes: int = 0
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    limit: int | None = None


@dataclass
class Selection:
    """The papers to summarize and those filtered out, each in list order."""

    kept: list[Paper] = field(default_factory=list)
    dropped: list[Paper] = field(default_factory=list)


def _haystack(paper: Paper) -> str:
    return "\n".join((paper.title, paper.abstract, *paper.ai_keywords)).casefold()


def _matches(paper: Paper, words: tuple[str, ...]) -> bool:
    text = _haystack(paper)
    return any(word in text for word in words)


def select(papers: list[Paper], filters: Filters) -> Selection:
    """Apply ``filters`` to a day's papers (in list order).

    A paper is kept when its upvotes are at least ``min_upvotes``, it matches an ``include``
    word (when there are any) and no ``exclude`` word; of those, ``limit`` keeps the most
    upvoted (ties in list order). Both lists keep the day's list order.
    """
    passing = [
        p
        for p in papers
        if p.upvotes >= filters.min_upvotes
        and (not filters.include or _matches(p, filters.include))
        and not (filters.exclude and _matches(p, filters.exclude))
    ]
    if filters.limit is not None:
        top = sorted(passing, key=lambda p: -p.upvotes)[: filters.limit]  # stable: list order
        chosen = {p.arxiv_id for p in top}
        passing = [p for p in passing if p.arxiv_id in chosen]
    kept = {p.arxiv_id for p in passing}
    return Selection(passing, [p for p in papers if p.arxiv_id not in kept])
