"""Digest parts built from stored summaries: the one way a paper's outcome becomes a digest
:class:`~paperdigest.render.Entry` or :class:`~paperdigest.render.Omitted` line
(:func:`assemble`), the one way to read back what a stored digest shows (:func:`shown_summary`,
:func:`shown_papers`), a lone paper's section, and the rewrite of the digests that list a
paper after its resummarize."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date
from functools import partial
from pathlib import Path

from paperdigest.files import write_atomic
from paperdigest.flows.figures import placed_figure
from paperdigest.flows.runtime import Runtime
from paperdigest.model.schemas import SCHEMAS
from paperdigest.papers import Paper
from paperdigest.records import DigestRecord, Listing, Relevance, Summary
from paperdigest.render import Entry, FigureRef, Omitted, render_digest
from paperdigest.states import PaperState
from paperdigest.store import Store

__all__ = [
    "Assembled",
    "Outcome",
    "assemble",
    "make_entry",
    "paper_section",
    "rewrite_digests",
    "shown_papers",
    "shown_summary",
]


@dataclass(frozen=True)
class Outcome:
    """What became of one paper for its digest: its ``summary`` (state ``summarized``, or
    ``briefed`` for a brief), or the state, detail and attempts that say why there is none,
    and its relevance when the day was scored (as in :class:`~paperdigest.records.Listing`)."""

    paper: Paper
    summary: Summary | None = None
    state: PaperState = PaperState.SUMMARIZED
    detail: str | None = None
    attempts: int | None = None
    relevance: Relevance | None = None


@dataclass
class Assembled:
    """A digest's parts, in rank order: the summarized papers' entries (full and brief),
    the papers left out, and every paper as the store lists it (``digest_papers``)."""

    entries: list[Entry] = field(default_factory=list)
    omitted: list[Omitted] = field(default_factory=list)
    listed: list[Listing] = field(default_factory=list)


def make_entry(
    number: int,
    paper: Paper,
    summary: Summary,
    figure: FigureRef | None = None,
    relevance: Relevance | None = None,
) -> Entry:
    """The digest entry of ``paper`` numbered ``number`` (from 1, in rank order), from its
    stored ``summary`` (the schema's view of its fields and its unverified figures; a brief
    when the summary's schema is a brief schema), with its key ``figure`` if it has one and
    its ``relevance`` when the day was scored."""
    spec = SCHEMAS[summary.schema]
    view = spec.view(summary.content)
    brief = spec.brief_of is not None
    return Entry(number, paper, view, tuple(summary.unverified), figure, relevance, brief)


def assemble(
    outcomes: Iterable[Outcome],
    figure: Callable[[Paper, Summary], FigureRef | None] | None = None,
) -> Assembled:
    """A digest's parts from its papers' outcomes, in the order given.

    A summarized paper becomes an entry, numbered in order (full and brief entries in one
    sequence, so that a paper's number is its rank among the papers shown), with
    ``figure(paper, summary)`` as its key figure (a brief has none); any other becomes an
    omitted line with its state and detail. A paper whose outcome says ``summarized`` or
    ``briefed`` but has no summary (its stored summary is gone) is listed as failed.
    """
    parts = Assembled()
    for o in outcomes:
        aid = o.paper.arxiv_id
        if o.summary is not None and o.state.summarized:
            brief = o.state is PaperState.BRIEFED
            shown = figure(o.paper, o.summary) if figure is not None and not brief else None
            number = len(parts.entries) + 1
            parts.entries.append(make_entry(number, o.paper, o.summary, shown, o.relevance))
            parts.listed.append(Listing(aid, o.state, relevance=o.relevance))
            continue
        state = PaperState.FAILED if o.state.summarized else o.state
        parts.omitted.append(Omitted(aid, o.paper.title, state, o.detail, o.attempts))
        parts.listed.append(Listing(aid, state, o.detail, o.attempts, o.relevance))
    return parts


def shown_summary(store: Store, record: DigestRecord, listing: Listing) -> Summary | None:
    """The stored summary the digest of ``record`` shows for the paper of ``listing``: its
    brief for a ``briefed`` paper, else the digest's own schema's
    (:meth:`~paperdigest.records.DigestRecord.summary_key`, under the digest's model). None
    when the digest lists the paper as not summarized, or that summary is no longer stored.

    Raises:
        StoreError: the database failed.
    """
    if not listing.state.summarized:
        return None
    schema, prompt_hash = record.summary_key(listing.state)
    return store.get_summary(listing.arxiv_id, schema, prompt_hash, record.model)


def shown_papers(
    store: Store, record: DigestRecord, listings: Iterable[Listing]
) -> list[tuple[Paper, Summary]]:
    """The papers the digest of ``record`` shows (its ``listings``, from
    ``store.digest_papers``), in digest order, each with the summary it shows
    (:func:`shown_summary`: full or brief); a paper whose record or summary is gone is left
    out. Papers the digest lists as not summarized cost no read.

    Raises:
        StoreError: the database failed.
    """
    shown: list[tuple[Paper, Summary]] = []
    for listing in listings:
        summary = shown_summary(store, record, listing)
        paper = store.get_paper(listing.arxiv_id) if summary is not None else None
        if paper is not None and summary is not None:
            shown.append((paper, summary))
    return shown


def paper_section(paper: Paper, summary: Summary) -> str:
    """``paper``'s section as the plain ``digest`` template writes it (from its ``## id``
    heading on, without the digest's title), for a summary no digest lists."""
    # The plain layout shows no time of day, and only the paper's section is kept: any zone.
    entry = make_entry(1, paper, summary)
    text = render_digest(date.today(), "digest", [entry], tz=UTC, tldr=False)
    return text[text.index(f"## {paper.arxiv_id}") :].strip("\n")


def rewrite_digests(rt: Runtime, fresh: Summary, day: str, *, promote: bool = False) -> list[Path]:
    """Re-render every digest of ``day`` (``YYYY-MM-DD``: the caller holds that day's lock)
    that shows ``fresh`` in place of what it lists for ``fresh.arxiv_id``.

    Which digests take it: a brief (``fresh.schema`` a brief schema) replaces the paper's
    brief in the digests that list it ``briefed`` with that brief schema; a full summary
    replaces what digests of its schema list for the paper, except a brief, which it
    replaces only with ``promote`` (``resummarize --full``: the paper is then ``summarized``
    and its section moves from ``그 밖의 논문`` to the full summaries, under its number).

    That paper's part is rendered from ``fresh``; every other part as the digest last showed
    it: the same stored summaries and briefs, the same relevance, and a paper it listed as
    not summarized (or filtered out, ``fresh`` itself too) stays listed so with its reason,
    even if a summary has been stored since. Nothing else in the file changes. Digests whose
    file is gone are skipped.

    Returns:
        The paths rewritten.

    Raises:
        ConfigError: the assets folder cannot be written (a key figure is placed there).
        StoreError: the database failed.
        OSError: a digest cannot be written.
    """
    store = rt.store
    is_brief = SCHEMAS[fresh.schema].brief_of is not None
    rewritten: list[Path] = []
    for record in store.digests_listing(fresh.arxiv_id):
        path = Path(record.path)
        if record.day != day:
            continue
        if fresh.schema != (record.brief_schema if is_brief else record.schema):
            continue
        listings = store.digest_papers(record.path)
        mine = next(item for item in listings if item.arxiv_id == fresh.arxiv_id)
        listed_brief = mine.state is PaperState.BRIEFED
        if (listed_brief != is_brief and not (promote and listed_brief)) or not path.is_file():
            continue
        when = date.fromisoformat(record.day)
        outcomes: list[Outcome] = []
        for listing in listings:
            paper = store.get_paper(listing.arxiv_id)
            if paper is None:
                continue
            if listing.arxiv_id == fresh.arxiv_id and listing.state is not PaperState.FILTERED:
                state = PaperState.BRIEFED if is_brief else PaperState.SUMMARIZED
                outcomes.append(Outcome(paper, fresh, state, relevance=listing.relevance))
            elif listing.state.summarized:
                summary = shown_summary(store, record, listing)
                outcomes.append(Outcome(paper, summary, listing.state, relevance=listing.relevance))
            else:  # filtered out stays so, summarized or not; so does any paper left out
                left_out = (listing.state, listing.detail, listing.attempts, listing.relevance)
                outcomes.append(Outcome(paper, None, *left_out))
        parts = assemble(outcomes, partial(placed_figure, rt.settings, when, path))
        text = render_digest(when, record.template, parts.entries, parts.omitted, tz=rt.settings.tz)
        write_atomic(path, text)
        store.save_digest(record, parts.listed)
        rewritten.append(path)
    return rewritten
