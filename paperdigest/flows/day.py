"""Orchestration only: one day's list → (reader's relevance →) papers → texts → summaries →
digest.

Per paper the work is a unit (text, then summary, stored the moment it validates) run
concurrently up to ``concurrency``; arXiv texts are fetched one at a time, in rank order,
while earlier papers are being summarized. With ``--top N`` the N highest-ranked papers get
a full summary and the others a brief from their abstract (issue 18 §3). The digest is
rendered in rank order from the store, so concurrent and sequential runs write the same
bytes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2

from paperdigest.config import Settings
from paperdigest.errors import (
    BudgetExceeded,
    ModelUnavailable,
    PaperdigestError,
    SummaryError,
)
from paperdigest.files import remove_stale_temps, write_if_changed
from paperdigest.flows.days import DayOptions
from paperdigest.flows.digests import Outcome, assemble
from paperdigest.flows.figures import check_assets_dir, key_figures
from paperdigest.flows.prepare import PreparedDay, prepare_day, tiered
from paperdigest.flows.results import DayResult
from paperdigest.flows.runtime import Runtime, recorded_day, shorten_reason
from paperdigest.flows.site import site_files_present, write_site_files
from paperdigest.model.prompts import Prompt
from paperdigest.model.schemas import brief_schema
from paperdigest.papers import Paper, SourceText
from paperdigest.records import DigestRecord, RunStats, TextKey
from paperdigest.render import TEMPLATES, digest_filename, render_digest
from paperdigest.sources import figures, http, selection
from paperdigest.sources.fulltext import fetch_source
from paperdigest.sources.pacing import Pacer
from paperdigest.states import PaperState
from paperdigest.store import Store

if TYPE_CHECKING:  # loaded only when there are papers to summarize
    from paperdigest.model.reask import Summarizer

__all__ = [
    "load_source",
    "run_day",
    "run_recorded_day",
    "summarize_papers",
    "text_cache_key",
]

log = logging.getLogger("paperdigest")


# Papers in a row failing with ModelUnavailable before a run stops asking (an outage:
# every further paper would cost (1 + model_max_retries) requests and time-outs for nothing).
_OUTAGE_STREAK = 3


def _remove_stale_temps(output_dir: Path, day: date) -> None:
    # A run killed inside write_atomic leaves its temp file; the day's lock is held here,
    # so no live writer owns these.
    for template in TEMPLATES:
        remove_stale_temps(output_dir / digest_filename(day, template))


def text_cache_key(settings: Settings) -> TextKey:
    """The key part of a cached text beside its arXiv id and version: the token budget
    (``source_tokens``) and :data:`~paperdigest.sources.selection.EXTRACTION_VERSION`, so that a new
    budget or a new way of extracting and selecting re-extracts rather than reusing an older
    text; ``(0, 0)`` when full texts are off (the abstract alone)."""
    if not settings.fulltext:
        return TextKey(0, 0)
    return TextKey(settings.source_tokens, selection.EXTRACTION_VERSION)


async def load_source(
    store: Store,
    client: httpx2.AsyncClient,
    paper: Paper,
    settings: Settings,
    pacer: Pacer,
    keep_provisional: bool = False,
) -> SourceText | None:
    """The text to summarize ``paper`` from: the one cached for its version and budget, else
    fetched (HTML, PDF, abstract: :func:`~paperdigest.sources.fulltext.fetch_source`) and cached,
    so that a rerun with another model or prompt, or a ``resummarize``, asks arxiv.org nothing.

    The cache key is (id, version, :func:`text_cache_key`), so a new budget, a new
    extraction version or switching full texts on re-extracts.

    Args:
        keep_provisional: cache a ``provisional`` text too. The batch path needs it: a batch
            answer is checked against the very text its request was built from.

    Returns:
        The :class:`SourceText`; None when there is neither a full text nor an abstract
        (nothing is cached then). A ``provisional`` text (the abstract, because arxiv.org
        failed) is not cached unless ``keep_provisional``: a later run or ``resummarize``
        tries the full text again.

    Raises:
        StoreError: the database failed.
    """
    key = text_cache_key(settings)
    source = store.get_source(paper.arxiv_id, paper.version, key)
    if source is not None and settings.figures and source.kind == "html":
        # The figure list is cached beside the database, not with the text.
        listed = tuple(figures.load_list(settings, paper))
        source = source.model_copy(update={"figures": listed})
    if source is None:
        try:
            source = await fetch_source(client, paper, settings, pacer)
        except Exception as exc:  # one paper's text must not stop the day
            log.warning("%s: text fetch failed (%s); using the abstract", paper.arxiv_id, exc)
            source = await fetch_source(
                client, paper, settings.model_copy(update={"fulltext": False}), pacer
            )
            if source is not None:
                source = source.model_copy(update={"provisional": True})
        if source is not None and (keep_provisional or not source.provisional):
            store.save_source(paper.arxiv_id, paper.version, key, source)
            if source.figures:
                figures.save_list(settings, paper, list(source.figures))
    return source


async def summarize_papers(
    rt: Runtime,
    client: httpx2.AsyncClient,
    asks: Sequence[tuple[Paper, Prompt]],
) -> list[Outcome]:
    """Fetch texts (one at a time, in order) and summarize papers (concurrently), each with
    its prompt: a full schema's from the paper's text (the full text when ``fulltext`` is
    on), a brief schema's from its abstract alone.

    Every validated summary is committed to the store at once.

    Returns:
        One outcome per paper, in the order given: a summary (state ``summarized``, or
        ``briefed`` for a brief), or the state there is none in (``failed`` after every
        attempt or when the model API failed for it, ``not_done`` when the token cap was
        reached or the API is down, ``skipped`` when there was nothing to summarize from)
        with its detail.

    Raises:
        ConfigError: the model API refused the key or model (aborts the run).
    """
    settings, store = rt.settings, rt.store
    # A brief is written from the abstract alone: no full-text request, its own cache key.
    abstract_only = settings.model_copy(update={"fulltext": False})

    def text_settings(prompt: Prompt) -> Settings:
        return abstract_only if prompt.spec.brief_of else settings

    loop = asyncio.get_running_loop()
    texts: dict[str, asyncio.Future[SourceText | None]] = {
        p.arxiv_id: loop.create_future() for p, _ in asks
    }
    pacer = rt.pacer

    async def produce() -> None:
        # Briefs first: their abstracts need no request, so their calls start while the
        # full texts download (in order, one at a time).
        for paper, prompt in sorted(asks, key=lambda ask: ask[1].spec.brief_of is None):
            source = await load_source(store, client, paper, text_settings(prompt), pacer)
            texts[paper.arxiv_id].set_result(source)

    gate = asyncio.Semaphore(settings.concurrency)
    # Papers in a row whose model call failed after the client's retries; at
    # _OUTAGE_STREAK the API is taken to be down and no further paper is started.
    outage = {"streak": 0}

    async def work(summarizer: Summarizer, paper: Paper, prompt: Prompt) -> Outcome:
        source = await texts[paper.arxiv_id]
        if source is None:
            log.warning("%s skipped: no abstract and no full text", paper.arxiv_id)
            return Outcome(paper, state=PaperState.SKIPPED, detail="초록도 본문도 없음")
        async with gate:
            if outage["streak"] >= _OUTAGE_STREAK:
                log.error("%s not done: the model API is failing", paper.arxiv_id)
                return Outcome(paper, state=PaperState.NOT_DONE, detail="모델 API 장애로 중단")
            # A batch answer that failed validation: re-ask from it rather than anew.
            prior = store.pop_rejected(
                (paper.arxiv_id, prompt.spec.name, prompt.prompt_hash, settings.model),
                paper.version,
                text_cache_key(text_settings(prompt)),
            )
            try:
                summary = await summarizer.summarize(prompt, paper, source, prior)
            except SummaryError as exc:
                api_down = isinstance(exc, ModelUnavailable)  # the API failed, not the answers
                if api_down:
                    outage["streak"] += 1
                why = shorten_reason(exc.last_error)
                log.error(
                    "%s failed after %d attempt(s): %s; rerun: paperdigest resummarize %s",
                    paper.arxiv_id,
                    exc.attempts,
                    why,
                    paper.arxiv_id,
                )
                tries = None if api_down else exc.attempts
                return Outcome(paper, None, PaperState.FAILED, why, tries)
            except BudgetExceeded as exc:
                log.error("%s not done: %s", paper.arxiv_id, exc)
                return Outcome(paper, state=PaperState.NOT_DONE, detail="실행당 토큰 한도 도달")
        outage["streak"] = 0
        store.save_summary(summary)
        brief = prompt.spec.brief_of is not None
        log.info(
            "%s %s (%s, %d attempt(s), %d→%d tokens%s)",
            paper.arxiv_id,
            "brief written" if brief else "summarized",
            source.kind,
            len(summary.attempts),
            summary.prompt_tokens,
            summary.completion_tokens,
            f", unverified figures: {', '.join(summary.unverified)}" if summary.unverified else "",
        )
        return Outcome(paper, summary, PaperState.BRIEFED if brief else PaperState.SUMMARIZED)

    try:
        # Only a run with papers to summarize pays for importing the openai client.
        async with rt.summarizer() as summarizer, asyncio.TaskGroup() as group:
            group.create_task(produce())
            tasks = [group.create_task(work(summarizer, p, prompt)) for p, prompt in asks]
    except BaseExceptionGroup as eg:
        first = _first_error(eg)
        raise first from None
    return [t.result() for t in tasks]


def _first_error(eg: BaseExceptionGroup[BaseException]) -> BaseException:
    for exc in eg.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_error(exc)
        if isinstance(exc, PaperdigestError):
            return exc
    return eg.exceptions[0]


async def run_day(
    rt: Runtime,
    day: date,
    options: DayOptions,
    prepared: PreparedDay | None = None,
) -> DayResult:
    """Run one day end to end and write its digest to the settings' ``output_dir``.

    Args:
        rt: the command's :class:`Runtime`.
        day: the day of the daily papers list.
        options: schema, template and limit (:class:`~paperdigest.flows.days.DayOptions`).
        prepared: the day's :func:`prepare_day` result when the caller already has it
            (the batch backfill), so the list and metadata are not fetched twice;
            ``options.limit`` and ``options.rank`` are then ignored (the prepared day was
            ranked with them).

    Returns:
        The :class:`~paperdigest.flows.results.DayResult`; ``path`` None when the list is
        empty (no file written).

    Raises:
        FetchError: the daily papers list could not be fetched.
        ConfigError: the model API refused the key or model; the reader's profile or the
            embedding API is unusable (before any chat call).
        StoreError: the database failed.
    """
    settings, store = rt.settings, rt.store
    started = time.monotonic()
    stats = RunStats()
    prompt = rt.prompts[options.schema]
    briefs = rt.prompts[brief_schema(options.schema).name]
    calls0, in0, out0 = rt.budget.calls, rt.budget.prompt_tokens, rt.budget.completion_tokens
    check_assets_dir(settings)
    output_dir = settings.output_dir
    path = output_dir / digest_filename(day, options.template)
    async with http.make_client(settings) as client:
        prep = prepared or await prepare_day(rt, client, day, options)
        merged = prep.papers
        stats.papers, stats.skipped = len(merged), len(prep.skipped)
        if not merged and not prep.filtered:
            stats.wall_seconds = time.monotonic() - started
            return DayResult(day, None, stats, skipped=prep.skipped)

        asks = tiered(rt, merged, options.schema, prep.top)
        # What the day's preparation found stored is not read again; the rest is, since a
        # batch may have stored it since (the batch backfill prepares its days first).
        cached = {
            p.arxiv_id: prep.cached.get(p.arxiv_id)
            or store.get_summary(p.arxiv_id, a.spec.name, a.prompt_hash, settings.model)
            for p, a in asks
        }
        for p in merged:
            if cached[p.arxiv_id] is not None:
                log.info("%s cached", p.arxiv_id)
        todo = [(p, ask) for p, ask in asks if cached[p.arxiv_id] is None]
        asked = {
            o.paper.arxiv_id: o for o in (await summarize_papers(rt, client, todo) if todo else [])
        }
        outcomes = [
            dataclasses.replace(
                asked[p.arxiv_id]
                if cached[p.arxiv_id] is None
                else Outcome(p, cached[p.arxiv_id], _shown_state(ask)),
                relevance=prep.relevance.get(p.arxiv_id),
            )
            for p, ask in asks
        ]
        full = [(o.paper, o.summary) for o in outcomes if o.state is PaperState.SUMMARIZED]
        shown = await key_figures(
            settings, client, rt.pacer, day, path, [(p, s) for p, s in full if s is not None]
        )

    for o in outcomes:
        if o.summary is not None:
            if cached[o.paper.arxiv_id] is not None:
                stats.cached += 1
            else:
                stats.summarized += 1
            stats.briefs += o.state is PaperState.BRIEFED
        elif o.state is PaperState.SKIPPED:
            stats.skipped += 1
        else:
            stats.failed += 1
    filtered = [
        Outcome(p, state=PaperState.FILTERED, relevance=prep.relevance.get(p.arxiv_id))
        for p in prep.filtered
    ]
    parts = assemble([*outcomes, *filtered], lambda paper, _: shown.get(paper.arxiv_id))

    _remove_stale_temps(output_dir, day)
    text = render_digest(day, options.template, parts.entries, parts.omitted, tz=settings.tz)
    digest_changed = write_if_changed(path, text)
    store.save_digest(
        DigestRecord(
            str(path.resolve()),
            day.isoformat(),
            options.schema,
            options.template,
            settings.model,
            prompt.prompt_hash,
            briefs.spec.name,
            briefs.prompt_hash,
        ),
        parts.listed,
    )
    if digest_changed or not site_files_present(rt):
        write_site_files(rt)
    stats.model_calls = rt.budget.calls - calls0
    stats.prompt_tokens = rt.budget.prompt_tokens - in0
    stats.completion_tokens = rt.budget.completion_tokens - out0
    stats.cost_usd = rt.cost(stats.prompt_tokens, stats.completion_tokens)
    stats.wall_seconds = time.monotonic() - started
    return DayResult(day, path, stats, parts.omitted, prep.skipped, parts.entries)


def _shown_state(prompt: Prompt) -> PaperState:
    """The state of a paper whose summary under ``prompt`` is shown: a brief, or in full."""
    return PaperState.BRIEFED if prompt.spec.brief_of else PaperState.SUMMARIZED


def run_recorded_day(rt: Runtime, day: date, options: DayOptions) -> DayResult:
    """:func:`run_day` under the day's lock, recorded as a ``runs`` row of command ``run``
    (see :func:`~paperdigest.flows.runtime.recorded_day`), in an event loop of its own.

    Raises:
        LockTimeout: another run of the day held its lock past the wait limit.
        as :func:`run_day` otherwise.
    """
    with recorded_day(rt, "run", day) as record:
        return record.done(asyncio.run(run_day(rt, day, options)))
