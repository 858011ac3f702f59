"""Digest parts built from stored summaries: the one way a summary becomes a digest
:class:`~paperdigest.render.Entry`, a lone paper's section, and the rewrite of the digests
that list a paper after its resummarize."""

from __future__ import annotations

from datetime import UTC, date
from pathlib import Path

from paperdigest.flows.figures import placed_figure
from paperdigest.flows.runtime import Runtime, write_atomic
from paperdigest.model.schemas import SCHEMAS
from paperdigest.papers import Paper
from paperdigest.render import (
    FAILED,
    FILTERED,
    Entry,
    FigureRef,
    Omitted,
    render_digest,
)
from paperdigest.store.records import Summary

__all__ = ["make_entry", "paper_section", "rewrite_digests"]


def make_entry(
    number: int, paper: Paper, summary: Summary, figure: FigureRef | None = None
) -> Entry:
    """The digest entry of ``paper`` numbered ``number`` (from 1, in list order), from its
    stored ``summary`` (the schema's view of its fields and its unverified figures), with
    its key ``figure`` if it has one."""
    view = SCHEMAS[summary.schema].view(summary.content)
    return Entry(number, paper, view, tuple(summary.unverified), figure)


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
    stored since. Nothing else in the file
    changes. Digests whose file is gone are skipped.

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
        entries: list[Entry] = []
        omitted: list[Omitted] = []
        listed: list[tuple[str, str]] = []
        for aid, status in store.digest_papers(record.path):
            paper = store.get_paper(aid)
            if paper is None:
                continue
            if status.startswith(FILTERED):  # filtered out: stays so, summarized or not
                summary: Summary | None = None
            elif aid == fresh.arxiv_id:
                summary = fresh
            elif status != "ok":
                summary = None
            else:
                summary = store.get_summary(aid, record.schema, record.prompt_hash, record.model)
            if summary is None:
                reason = status if status != "ok" else FAILED
                omitted.append(Omitted(aid, paper.title, reason))
                listed.append((aid, reason))
                continue
            figure = placed_figure(
                rt.settings, date.fromisoformat(record.day), path, paper, summary
            )
            entries.append(make_entry(len(entries) + 1, paper, summary, figure))
            listed.append((aid, "ok"))
        text = render_digest(
            date.fromisoformat(record.day), record.template, entries, omitted, tz=rt.settings.tz
        )
        write_atomic(path, text)
        store.save_digest(record, listed)
        rewritten.append(path)
    return rewritten
