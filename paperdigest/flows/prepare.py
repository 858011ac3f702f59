"""A day before any model call: the reader's profile, the daily papers list, the relevance of
its papers, the filters, the rank order and the tiers, the arXiv metadata, the paper records
stored (:func:`prepare_day`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import httpx2

from paperdigest.flows.days import DayOptions
from paperdigest.flows.filters import Filters, select
from paperdigest.flows.runtime import Runtime
from paperdigest.model.prompts import Prompt
from paperdigest.model.schemas import brief_schema
from paperdigest.papers import Paper
from paperdigest.records import Relevance, Summary
from paperdigest.sources import arxiv as arxiv_source
from paperdigest.sources import hf

__all__ = ["PreparedDay", "prepare_day", "tiered"]


def _merge_stored(paper: Paper, stored: Paper | None) -> Paper:
    # Keep arXiv's metadata from an earlier run; the list's own fields may have changed.
    if stored is None or stored.abstract_source != "arxiv":
        return paper
    return stored.model_copy(
        update={
            "title": paper.title,
            "organization": paper.organization,
            "upvotes": paper.upvotes,
            "ai_keywords": paper.ai_keywords,
            "github_repo": paper.github_repo,
            "project_page": paper.project_page,
            "github_stars": paper.github_stars,
        }
    )


@dataclass
class PreparedDay:
    """One day's list before any model call: the papers to summarize in rank order (merged
    with arXiv metadata and stored), the records the list parser skipped, the papers the
    filters left out (:mod:`paperdigest.flows.filters`; stored, never summarized), each
    paper's relevance when the day was scored, ``top``: the first ``top`` papers get a
    full summary, the others a brief (None: every paper in full), and ``cached``: the
    summaries of their tier already stored when the day was prepared, by arXiv id (the
    day's run reads only the others again)."""

    day: date
    papers: list[Paper]
    skipped: list[hf.Skipped] = field(default_factory=list)
    filtered: list[Paper] = field(default_factory=list)
    relevance: dict[str, Relevance] = field(default_factory=dict)
    top: int | None = None
    cached: dict[str, Summary] = field(default_factory=dict)

    @property
    def full(self) -> list[Paper]:
        """The papers that get a full summary, in rank order."""
        return self.papers if self.top is None else self.papers[: self.top]


def tiered(
    rt: Runtime, papers: Sequence[Paper], schema: str, top: int | None
) -> list[tuple[Paper, Prompt]]:
    """Each paper with the prompt of its tier, in the order given (rank order): ``schema``'s
    for the first ``top`` (every one when ``top`` is None), its brief schema's
    (:func:`~paperdigest.model.schemas.brief_schema`) for the rest."""
    full = rt.prompts[schema]
    if top is None:
        return [(p, full) for p in papers]
    brief = rt.prompts[brief_schema(schema).name]
    return [(p, full if n < top else brief) for n, p in enumerate(papers)]


async def prepare_day(
    rt: Runtime, client: httpx2.AsyncClient, day: date, options: DayOptions
) -> PreparedDay:
    """Read the reader's profile when the day is scored (before the list: a broken library
    stops the run before any request), fetch one day's list, score its papers
    (:func:`~paperdigest.flows.rank.rank_papers`, before any chat call), apply the filters
    (the settings' ``min_upvotes``, ``include``, ``exclude``, the options'
    ``min_relevance``), rank the rest and keep the ``limit`` highest-ranked, fetch the
    arXiv metadata of the papers kept (one request for the whole day, and only for papers
    without a cached summary of their tier whose record lacks arXiv's abstract), and store
    the paper records.

    Raises:
        ConfigError: the reader's library or the embedding API is unusable (exit 2).
        FetchError: the daily papers list, the Zotero library or the embeddings could not
            be fetched.
        StoreError: the database failed.
    """
    settings, store = rt.settings, rt.store
    ranking = options.rank
    profile = None
    if ranking.scored:
        # numpy and the scoring load only for a reader.
        from paperdigest.flows.rank import rank_papers, reader

        profile = await reader(rt, client, day)
    daily = await hf.fetch_daily_list(client, settings, day)
    relevance: dict[str, Relevance] = {}
    if profile is not None and daily.papers:
        relevance = await rank_papers(settings, store, profile, daily.papers)
    rule = Filters(
        settings.min_upvotes,
        settings.include,
        settings.exclude,
        options.limit,
        ranking.min_relevance,
        ranking.by,
    )
    selection = select(daily.papers, rule, relevance if ranking.scored else None)
    for p in selection.dropped:  # stored for the digest's line (and a later resummarize)
        stored_one = store.get_paper(p.arxiv_id)
        merged_one = _merge_stored(p, stored_one)
        if merged_one != stored_one:
            store.save_paper(merged_one)
    papers = selection.kept
    if not papers:
        return PreparedDay(day, [], daily.skipped, selection.dropped, relevance, ranking.top)
    cached: dict[str, Summary] = {}
    for p, prompt in tiered(rt, papers, options.schema, ranking.top):
        key = (p.arxiv_id, prompt.spec.name, prompt.prompt_hash, settings.model)
        if (summary := store.get_summary(*key)) is not None:
            cached[p.arxiv_id] = summary
    stored = {p.arxiv_id: store.get_paper(p.arxiv_id) for p in papers}
    need_meta = [
        p.arxiv_id
        for p in papers
        if p.arxiv_id not in cached
        and (stored[p.arxiv_id] is None or stored[p.arxiv_id].abstract_source != "arxiv")  # type: ignore[union-attr]
    ]
    metas = await arxiv_source.fetch_metadata(client, need_meta, settings, rt.pacer)
    merged: list[Paper] = []
    for p in papers:
        meta = metas.get(p.arxiv_id)
        paper = arxiv_source.merge(p, meta) if meta else _merge_stored(p, stored[p.arxiv_id])
        if paper != stored[p.arxiv_id]:
            store.save_paper(paper)
        merged.append(paper)
    return PreparedDay(
        day, merged, daily.skipped, selection.dropped, relevance, ranking.top, cached
    )
