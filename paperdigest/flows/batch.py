"""Summaries through the OpenAI Batch API, or any server that reads the same JSONL.

One request line per paper that has no stored summary yet (every day of the backfill, in
day and list order, each cache key once)::

    {"custom_id": "<arxiv_id>|<schema>|<prompt_hash>|<model>", "method": "POST",
     "url": "/v1/chat/completions",
     "body": {"model", "messages", "response_format", "max_completion_tokens"}}

``custom_id`` is the summary's cache key and ``body`` is exactly what
:class:`~paperdigest.model.reask.Summarizer` sends for a first attempt, so the file works
unchanged with ``vllm run-batch -i requests.jsonl -o results.jsonl`` for self-hosted
scale; the results (OpenAI's and vLLM's output format: ``custom_id``, ``response.status_code``,
``response.body`` = a chat completion, ``error``) are read back by :func:`ingest`.

Every answer goes through :func:`~paperdigest.model.reask.validate_answer`, the direct path's
own validation, figure check included. Valid answers are stored at once. An answer that
fails is kept apart (``rejected_answers``): the day's run that follows goes on from it
through the direct path's re-ask (the answer and its errors in the conversation, counted
as attempt 1), so nothing paid for is lost. A request the batch could not do is asked
afresh there. An answer never replaces a summary already stored under its key, so
ingesting twice changes nothing.

Crash safety: the batch id is stored (``batches`` table) the moment the batch is created,
with its status at every poll; a later ``backfill --batch`` polls a batch still open instead
of submitting its requests again. The Batch API's tokens are recorded as a ``runs`` row of
command ``batch``; they are not charged against ``max_tokens_per_run``, which bounds the live
calls (a batch's size is fixed, and logged, when it is submitted).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from paperdigest.errors import BatchError
from paperdigest.flows.backfill import SILENT, Progress, run_days
from paperdigest.flows.batchapi import submit, wait_and_ingest
from paperdigest.flows.batchfile import cache_key, read_results, request_line, write_requests
from paperdigest.flows.day import load_source
from paperdigest.flows.days import DayOptions
from paperdigest.flows.ingest import IngestResult, ingest
from paperdigest.flows.prepare import PreparedDay, prepare_day
from paperdigest.flows.results import BackfillResult
from paperdigest.flows.runtime import Runtime, recorded_run
from paperdigest.model.client import make_openai_client
from paperdigest.papers import Paper
from paperdigest.sources import http
from paperdigest.states import RunStatus

__all__ = [
    "build_requests",
    "ingest_file",
    "prepare_days",
    "run_batch",
    "write_batch_file",
]

log = logging.getLogger(__name__)


async def prepare_days(
    rt: Runtime, days: list[date], options: DayOptions, progress: Progress = SILENT
) -> dict[date, PreparedDay]:
    """Fetch every day's list and arXiv metadata, ranked and tiered by ``options`` (see
    :func:`~paperdigest.flows.prepare.prepare_day`), one day after the other.

    Raises:
        FetchError: a day's list could not be fetched.
        StoreError: the database failed.
    """
    prepared: dict[date, PreparedDay] = {}
    progress.stage("lists", len(days))
    async with http.make_client(rt.settings) as client:
        for day in days:
            prepared[day] = await prepare_day(rt, client, day, options)
            progress.advance()
    return prepared


async def build_requests(
    rt: Runtime,
    prepared: Mapping[date, PreparedDay],
    schema: str,
    progress: Progress = SILENT,
) -> list[dict[str, Any]]:
    """One request line per paper of a full summary's tier (:attr:`PreparedDay.full`) without
    a stored ``schema`` summary, in day and rank order, each cache key once: briefs (papers
    ranked below ``--top``) are left to the days' runs, a small call each. Texts are fetched
    (and cached) one at a time at arXiv's pace; a paper with neither text nor abstract gets
    no line (its day skips it).

    Raises:
        StoreError: the database failed.
    """
    settings, store = rt.settings, rt.store
    prompt = rt.prompts[schema]
    todo: dict[str, Paper] = {}
    for day in sorted(prepared):
        for paper in prepared[day].full:
            key = cache_key(paper.arxiv_id, schema, prompt.prompt_hash, settings.model)
            if key in todo:
                continue
            if store.get_summary(paper.arxiv_id, schema, prompt.prompt_hash, settings.model):
                continue
            todo[key] = paper
    lines: list[dict[str, Any]] = []
    progress.stage("texts", len(todo))
    async with http.make_client(settings) as client:
        for paper in todo.values():
            # ingest checks each answer against the text its request was built from, so that
            # text must stay cached even when it is an abstract standing in for an outage.
            source = await load_source(
                store, client, paper, settings, rt.pacer, keep_provisional=True
            )
            if source is not None:
                lines.append(request_line(rt, prompt, paper, source))
            progress.advance()
    return lines


async def run_batch(
    rt: Runtime, days: list[date], options: DayOptions, progress: Progress = SILENT
) -> tuple[BackfillResult, list[IngestResult]]:
    """The ``backfill --batch`` path: resume open batches, submit the papers still without a
    summary as one batch, wait, ingest, then run every day (now cached) to write digests.

    Papers whose batch answer failed or did not validate are summarized by the days' runs
    through the direct path.

    Returns:
        The days' :class:`~paperdigest.flows.results.BackfillResult` and one
        :class:`IngestResult` per batch collected.

    Raises:
        BatchError: a batch failed, expired or was cancelled, or could not be submitted
            or polled (an open batch stays stored; a rerun resumes it).
        FetchError: a day's list could not be fetched.
        ConfigError: the model API refused the key or model.
        LockTimeout: another run held a day's lock past the wait limit.
        StoreError: the database failed.
    """
    schema = options.schema
    label = f"{days[0].isoformat()}..{days[-1].isoformat()}"
    collected: list[IngestResult] = []
    covered: set[str] = set()
    client = make_openai_client(rt.settings, rt.limiter)
    try:
        for batch_id, old_label, old_schema, record in rt.store.open_batches():
            log.info("resuming batch %s (%s)", batch_id, old_label)
            try:
                collected.append(
                    await wait_and_ingest(
                        rt, client, batch_id, old_label, old_schema, record, progress
                    )
                )
            except BatchError as exc:
                if exc.status != "not found":
                    raise
                log.warning("%s; it is forgotten and its requests submitted again", exc)
                continue
            # Its failed and invalid answers go to the direct path, not into a new batch.
            covered.update(record.get("custom_ids") or [])
        prepared = await prepare_days(rt, days, options, progress)
        requests = [
            r
            for r in await build_requests(rt, prepared, schema, progress)
            if r["custom_id"] not in covered
        ]
        if requests:
            batch_id, record = await submit(rt, client, requests, label, schema)
            collected.append(
                await wait_and_ingest(rt, client, batch_id, label, schema, record, progress)
            )
        else:
            log.info("every paper of %s has a summary; no batch needed", label)
    finally:
        await client.close()
    result = await run_days(rt, days, options, prepared, progress)
    return result, collected


async def write_batch_file(
    rt: Runtime, days: list[date], options: DayOptions, path: Path, progress: Progress = SILENT
) -> int:
    """The ``backfill --batch-file`` path: fetch the days' lists, metadata and texts, and
    write the request lines of every paper still without a summary to ``path`` (for
    ``vllm run-batch`` or a manual upload). The model API is not called.

    Returns:
        The number of request lines written (0 writes an empty file).

    Raises:
        InputError: ``path`` cannot be written.
        FetchError: a day's list could not be fetched.
        StoreError: the database failed.
    """
    prepared = await prepare_days(rt, days, options, progress)
    requests = await build_requests(rt, prepared, options.schema, progress)
    write_requests(path, requests)
    return len(requests)


async def ingest_file(
    rt: Runtime, days: list[date], options: DayOptions, path: Path, progress: Progress = SILENT
) -> tuple[BackfillResult, IngestResult]:
    """The ``backfill --ingest`` path: store the valid answers of a results JSONL (recorded
    as a ``runs`` row of command ``batch``), then run every day; papers without a valid
    answer go through the direct path.

    Raises:
        InputError: the file cannot be read or is not JSONL.
        FetchError: a day's list could not be fetched.
        ConfigError: the model API refused the key or model.
        LockTimeout: another run held a day's lock past the wait limit.
        StoreError: the database failed.
    """
    records = read_results(path)
    with recorded_run(rt.store, "batch", str(path)) as run:
        ingested = ingest(rt, records, path.name)
        run.stats = ingested.stats(rt)
        run.status = RunStatus.PARTIAL if ingested.invalid or ingested.failed else RunStatus.DONE
    result = await run_days(rt, days, options, progress=progress)
    return result, ingested
