"""``resummarize``: one paper summarized afresh, and every digest that lists it rewritten.

The paper's record is completed from arXiv's metadata when it lacks arXiv's abstract (or is
not stored at all); its text comes from the cache when there is one, so a resummarize asks
the model, not arxiv.org. A paper a digest shows as a brief (ranked below ``--top``) gets a
fresh brief there, from its abstract; with ``--full`` it gets a full summary instead, and
the digest shows it in full (issue 18 §3).
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from paperdigest.config import Settings
from paperdigest.errors import FetchError, InputError, PaperdigestError
from paperdigest.flows.day import load_source
from paperdigest.flows.digests import paper_section, rewrite_digests
from paperdigest.flows.runtime import Runtime, day_lock, open_runtime
from paperdigest.flows.site import write_site_files
from paperdigest.model.schemas import DEFAULT_SCHEMA, KEY_FIGURE_FIELD, SCHEMAS, brief_schema
from paperdigest.papers import Paper, parse_arxiv_id
from paperdigest.records import DigestRecord, Summary
from paperdigest.sources import arxiv as arxiv_source
from paperdigest.sources import figures, http
from paperdigest.states import PaperState

__all__ = ["Resummarized", "resummarize", "resummarize_command"]


@dataclass
class Resummarized:
    """What a resummarize gave, for the CLI to print.

    ``output``: in schema order, the rewritten digests' paths, or (for a schema no digest
    lists the paper in) the summary as markdown; ``errors``: the error that stopped each
    schema that failed (the other schemas' work is kept).
    """

    output: list[str] = field(default_factory=list)
    errors: list[PaperdigestError] = field(default_factory=list)


def _paper_from_meta(meta: arxiv_source.ArxivMeta) -> Paper:
    return Paper(arxiv_id=meta.arxiv_id, title=meta.title or meta.arxiv_id, abstract=meta.abstract)


async def _resummarize_one(rt: Runtime, arxiv_id: str, version: int | None, schema: str) -> Summary:
    store = rt.store
    brief = SCHEMAS[schema].brief_of is not None
    # A brief is written from the abstract alone (no full text, no figure).
    settings = rt.settings.model_copy(update={"fulltext": False}) if brief else rt.settings
    paper = store.get_paper(arxiv_id)
    async with http.make_client(settings) as client:
        if paper is None or paper.abstract_source != "arxiv":
            metas = await arxiv_source.fetch_metadata(client, [arxiv_id], settings, rt.pacer)
            if arxiv_id not in metas and paper is None:
                raise FetchError(
                    settings.arxiv_api_url, None, f"arXiv returned no paper {arxiv_id}"
                )
            if arxiv_id in metas:
                meta = metas[arxiv_id]
                base = paper or _paper_from_meta(meta)
                paper = arxiv_source.merge(base, meta)
                store.save_paper(paper)
        assert paper is not None
        if version is not None and version != paper.version:
            paper = paper.model_copy(update={"version": version})
        # The cached text when there is one: a resummarize asks the model, not arxiv.org.
        source = await load_source(store, client, paper, settings, rt.pacer)
    if source is None:
        raise InputError(f"{arxiv_id} has neither an abstract nor a full text to summarize")
    async with rt.summarizer(settings) as summarizer:
        summary = await summarizer.summarize(rt.prompts[schema], paper, source)
    store.save_summary(summary)
    # The new pick's image, cached now so that the rewritten digests can show it.
    chosen = figures.choose(list(source.figures), summary.content.get(KEY_FIGURE_FIELD))
    if settings.figures and chosen is not None and not brief:
        async with http.make_client(settings) as client:
            await figures.fetch_to_cache(client, settings, rt.pacer, paper, chosen.figure)
    return summary


async def _resummarize_all(
    rt: Runtime, arxiv_id: str, version: int | None, schemas: list[str]
) -> list[Summary | PaperdigestError]:
    """Each schema's fresh summary, or the error that stopped it (the others still count)."""
    results: list[Summary | PaperdigestError] = []
    for name in schemas:
        try:
            results.append(await _resummarize_one(rt, arxiv_id, version, name))
        except PaperdigestError as exc:
            results.append(exc)
    return results


def _asked(
    rt: Runtime, arxiv_id: str, listed: list[DigestRecord], schema: str, full: bool
) -> list[str]:
    """The schemas to ask ``arxiv_id`` anew in for the digests of ``schema``: the brief
    schema when a digest shows the paper as a brief (and not ``full``), ``schema`` itself
    when one shows it otherwise, when none lists it, or with ``full``."""
    states = {
        listing.state
        for record in listed
        if record.schema == schema
        for listing in rt.store.digest_papers(record.path)
        if listing.arxiv_id == arxiv_id
    }
    asked = []
    if full or not states or states - {PaperState.BRIEFED}:
        asked.append(schema)
    if not full and PaperState.BRIEFED in states:
        asked.append(brief_schema(schema).name)
    return asked


def resummarize(
    rt: Runtime, arxiv_id: str, version: int | None, schema: str | None, *, full: bool = False
) -> Resummarized:
    """Summarize ``arxiv_id`` afresh in ``schema`` (default: every schema of the digests
    that list it, :data:`~paperdigest.model.schemas.DEFAULT_SCHEMA` when none does) and
    rewrite those digests, each under its day's lock. Where a digest shows the paper as a
    brief, a fresh brief replaces it; with ``full``, a full summary does, and the paper is
    then shown in full (``그 밖의 논문`` loses it; nothing else in the digest changes).

    Args:
        rt: the command's :class:`Runtime`.
        arxiv_id: the bare arXiv id (``2511.04460``).
        version: summarize this version (``2`` for ``v2``) instead of the stored one.
        schema: one schema, or None for the digests' schemas.
        full: ``--full``: a full summary (from the full text) wherever the paper is listed.

    Returns:
        The :class:`Resummarized` output; a schema that failed is in ``errors`` (summary
        errors, fetch errors, ``InputError`` when there is nothing to summarize from).

    Raises:
        ConfigError: the model API refused the key or model.
        LockTimeout: another run held a day's lock past the wait limit.
        StoreError: the database failed.
    """
    import asyncio

    listed = rt.store.digests_listing(arxiv_id)
    schemas = [schema] if schema else sorted({d.schema for d in listed}) or [DEFAULT_SCHEMA]
    asked = [name for s in schemas for name in _asked(rt, arxiv_id, listed, s, full)]
    # One event loop for every schema: the rate limiter belongs to one loop.
    summaries = asyncio.run(_resummarize_all(rt, arxiv_id, version, asked))
    result = Resummarized()
    for name, summary in zip(asked, summaries, strict=True):
        if isinstance(summary, PaperdigestError):
            result.errors.append(summary)  # every schema that worked is written first
            continue
        served = SCHEMAS[name].brief_of or name  # the digests' schema
        days = sorted({d.day for d in listed if d.schema == served})
        rewritten: list[Path] = []
        for day in days:
            with day_lock(rt.settings, date.fromisoformat(day)):
                rewritten += rewrite_digests(rt, summary, day, promote=full)
        if not days:
            paper = rt.store.get_paper(arxiv_id)
            assert paper is not None
            result.output.append(paper_section(paper, summary))
        result.output += [str(path) for path in sorted(set(rewritten))]
    if listed:  # the feed carries the rewritten summaries too
        write_site_files(rt)
    return result


def resummarize_command(
    settings: Settings, arxiv_id: str, schema: str | None, *, full: bool = False
) -> Resummarized:
    """The ``resummarize`` command: :func:`resummarize` of ``arxiv_id`` (``2511.04460``, or
    ``2511.04460v2`` for that version) in a runtime of its own; ``full`` for ``--full``.

    Raises:
        InputError: ``arxiv_id`` is not an arXiv id.
        ConfigError: no API key, a prompt file is unusable, or the model API refused the key
            or model.
        LockTimeout: another run held a day's lock past the wait limit.
        StoreError: the database failed.
    """
    bare, version = parse_arxiv_id(arxiv_id)
    with closing(open_runtime(settings)) as rt:
        return resummarize(rt, bare, version, schema, full=full)
