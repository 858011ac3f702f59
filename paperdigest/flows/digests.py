"""Digest parts built from stored summaries: the one way a paper's outcome becomes a digest
:class:`~paperdigest.render.Entry` or :class:`~paperdigest.render.Omitted` line
(:func:`assemble`), a lone paper's section, and the rewrite of the digests that list a paper
after its resummarize."""

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
from paperdigest.records import Listing, Summary
from paperdigest.render import Entry, FigureRef, Omitted, render_digest
from paperdigest.states import PaperState

__all__ = [
    "Assembled",
    "Outcome",
    "assemble",
    "make_entry",
    "paper_section",
    "rewrite_digests",
]


@dataclass(frozen=True)
class Outcome:
    """What became of one paper for its digest: its ``summary`` (state ``summarized``), or
    the state, detail and attempts that say why there is none (as in
    :class:`~paperdigest.records.Listing`)."""

    paper: Paper
    summary: Summary | None = None
    state: PaperState = PaperState.SUMMARIZED
    detail: str | None = None
    attempts: int | None = None


@dataclass
class Assembled:
    """A digest's parts, in list order: the summarized papers' entries, the papers left
    out, and every paper as the store lists it (``digest_papers``)."""

    entries: list[Entry] = field(default_factory=list)
    omitted: list[Omitted] = field(default_factory=list)
    listed: list[Listing] = field(default_factory=list)


def make_entry(
    number: int, paper: Paper, summary: Summary, figure: FigureRef | None = None
) -> Entry:
    """The digest entry of ``paper`` numbered ``number`` (from 1, in list order), from its
    stored ``summary`` (the schema's view of its fields and its unverified figures), with
    its key ``figure`` if it has one."""
    view = SCHEMAS[summary.schema].view(summary.content)
    return Entry(number, paper, view, tuple(summary.unverified), figure)


def assemble(
    outcomes: Iterable[Outcome],
    figure: Callable[[Paper, Summary], FigureRef | None] | None = None,
) -> Assembled:
    """A digest's parts from its papers' outcomes, in the order given.

    A summarized paper becomes an entry, numbered in order, with ``figure(paper, summary)``
    as its key figure; any other becomes an omitted line with its state and detail. A paper
    whose outcome says ``summarized`` but has no summary (its stored summary is gone) is
    listed as failed.
    """
    parts = Assembled()
    for o in outcomes:
        aid = o.paper.arxiv_id
        if o.summary is not None and o.state.summarized:
            shown = figure(o.paper, o.summary) if figure is not None else None
            parts.entries.append(make_entry(len(parts.entries) + 1, o.paper, o.summary, shown))
            parts.listed.append(Listing(aid, o.state))
            continue
        state = PaperState.FAILED if o.state.summarized else o.state
        parts.omitted.append(Omitted(aid, o.paper.title, state, o.detail, o.attempts))
        parts.listed.append(Listing(aid, state, o.detail, o.attempts))
    return parts


def paper_section(paper: Paper, summary: Summary) -> str:
    """``paper``'s section as the plain ``digest`` template writes it (from its ``## id``
    heading on, without the digest's title), for a summary no digest lists."""
    # The plain layout shows no time of day, and only the paper's section is kept: any zone.
    entry = make_entry(1, paper, summary)
    text = render_digest(date.today(), "digest", [entry], tz=UTC, tldr=False)
    return text[text.index(f"## {paper.arxiv_id}") :].strip("\n")


def rewrite_digests(rt: Runtime, fresh: Summary, day: str | None = None) -> list[Path]:
    """Re-render every digest of ``fresh.schema`` that lists ``fresh.arxiv_id`` (only those
    of ``day``, ``YYYY-MM-DD``, when given: the caller holds that day's lock).

    That paper's part is rendered from ``fresh``; every other part as the digest last showed
    it: the same stored summaries, and a paper it listed as not summarized (or filtered
    out, ``fresh`` itself too) stays listed so with its reason, even if a summary has been
    stored since. Nothing else in the file changes. Digests whose file is gone are skipped.

    Returns:
        The paths rewritten.
    """
    store = rt.store
    rewritten: list[Path] = []
    for record in store.digests_listing(fresh.arxiv_id):
        path = Path(record.path)
        if record.schema != fresh.schema or not path.is_file():
            continue
        if day is not None and record.day != day:
            continue
        when = date.fromisoformat(record.day)
        outcomes: list[Outcome] = []
        for listing in store.digest_papers(record.path):
            paper = store.get_paper(listing.arxiv_id)
            if paper is None:
                continue
            # Filtered out stays so, summarized or not; so does any paper left out.
            if listing.state is not PaperState.FILTERED and listing.arxiv_id == fresh.arxiv_id:
                summary: Summary | None = fresh
            elif listing.state.summarized:
                summary = store.get_summary(
                    listing.arxiv_id, record.schema, record.prompt_hash, record.model
                )
            else:
                left_out = (listing.state, listing.detail, listing.attempts)
                outcomes.append(Outcome(paper, None, *left_out))
                continue
            outcomes.append(Outcome(paper, summary))
        parts = assemble(outcomes, partial(placed_figure, rt.settings, when, path))
        text = render_digest(when, record.template, parts.entries, parts.omitted, tz=rt.settings.tz)
        write_atomic(path, text)
        store.save_digest(record, parts.listed)
        rewritten.append(path)
    return rewritten
