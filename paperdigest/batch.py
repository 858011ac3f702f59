"""Summaries through the OpenAI Batch API, or any server that reads the same JSONL.

One request line per paper that has no stored summary yet (every day of the backfill, in
day and list order, each cache key once)::

    {"custom_id": "<arxiv_id>|<schema>|<prompt_hash>|<model>", "method": "POST",
     "url": "/v1/chat/completions",
     "body": {"model", "messages", "response_format", "max_completion_tokens"}}

``custom_id`` is the summary's cache key and ``body`` is exactly what
:class:`~paperdigest.summarize.Summarizer` sends for a first attempt, so the file works
unchanged with ``vllm run-batch -i requests.jsonl -o results.jsonl`` for self-hosted
scale; the results (OpenAI's and vLLM's output format: ``custom_id``, ``response.status_code``,
``response.body`` = a chat completion, ``error``) are read back by :func:`ingest`.

Every answer goes through :func:`~paperdigest.summarize.validate_answer`, the direct path's
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

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, TypeVar

import openai
from openai.types import Batch

from paperdigest.backfill import SILENT, BackfillResult, Progress, run_days
from paperdigest.errors import BatchError, ConfigError, InputError, redact
from paperdigest.fulltext import estimate_tokens
from paperdigest.papers import Paper, SourceText
from paperdigest.pipeline import (
    PreparedDay,
    Runtime,
    load_source,
    prepare_day,
    shorten_reason,
    text_cache_key,
    write_atomic,
)
from paperdigest.sources import http
from paperdigest.store import RunStats
from paperdigest.summarize import (
    PriorAnswer,
    Prompt,
    Summary,
    build_messages,
    figure_source,
    make_openai_client,
    validate_answer,
)

__all__ = [
    "ENDPOINT",
    "IngestResult",
    "build_requests",
    "cache_key",
    "ingest",
    "ingest_file",
    "parse_cache_key",
    "prepare_days",
    "read_results",
    "request_line",
    "run_batch",
    "submit",
    "wait_and_ingest",
    "write_batch_file",
    "write_requests",
]

log = logging.getLogger(__name__)

ENDPOINT: Final = "/v1/chat/completions"
# Batch statuses after which nothing changes any more.
_TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
_T = TypeVar("_T")


def cache_key(arxiv_id: str, schema: str, prompt_hash: str, model: str) -> str:
    """A summary's cache key as one ``custom_id``: ``arxiv_id|schema|prompt_hash|model``."""
    return f"{arxiv_id}|{schema}|{prompt_hash}|{model}"


def parse_cache_key(custom_id: str) -> tuple[str, str, str, str] | None:
    """``(arxiv_id, schema, prompt_hash, model)`` from a ``custom_id``; None when it is not
    one of ours. The model comes last because only a model name may contain ``|``."""
    parts = custom_id.split("|", 3)
    if len(parts) != 4 or not all(parts):
        return None
    return parts[0], parts[1], parts[2], parts[3]


def request_line(rt: Runtime, prompt: Prompt, paper: Paper, source: SourceText) -> dict[str, Any]:
    """The batch request for one paper: the direct path's first call, keyed by cache key."""
    settings = rt.settings
    return {
        "custom_id": cache_key(
            paper.arxiv_id, prompt.spec.name, prompt.prompt_hash, settings.model
        ),
        "method": "POST",
        "url": ENDPOINT,
        "body": {
            "model": settings.model,
            "messages": build_messages(prompt, paper, source),
            "response_format": prompt.response_format,
            "max_completion_tokens": settings.max_output_tokens,
        },
    }


async def prepare_days(
    rt: Runtime, days: list[date], schema: str, progress: Progress = SILENT
) -> dict[date, PreparedDay]:
    """Fetch every day's list and arXiv metadata (see
    :func:`~paperdigest.pipeline.prepare_day`), one day after the other.

    Raises:
        FetchError: a day's list could not be fetched.
        StoreError: the database failed.
    """
    prepared: dict[date, PreparedDay] = {}
    progress.stage("lists", len(days))
    async with http.make_client(rt.settings) as client:
        for day in days:
            prepared[day] = await prepare_day(rt, client, day, schema)
            progress.advance()
    return prepared


async def build_requests(
    rt: Runtime,
    prepared: Mapping[date, PreparedDay],
    schema: str,
    progress: Progress = SILENT,
) -> list[dict[str, Any]]:
    """One request line per paper without a stored ``schema`` summary, in day and list
    order, each cache key once. Texts are fetched (and cached) one at a time at arXiv's
    pace; a paper with neither text nor abstract gets no line (its day skips it).

    Raises:
        StoreError: the database failed.
    """
    settings, store = rt.settings, rt.store
    prompt = rt.prompts[schema]
    todo: dict[str, Paper] = {}
    for day in sorted(prepared):
        for paper in prepared[day].papers:
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


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def write_requests(path: Path, requests: list[dict[str, Any]]) -> None:
    """Write the request lines as JSONL (UTF-8, one object a line), atomically.

    Raises:
        InputError: ``path`` cannot be written.
    """
    try:
        write_atomic(path, _jsonl(requests).decode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc}") from exc


def read_results(path: Path) -> list[dict[str, Any]]:
    """Read a batch output JSONL (OpenAI's or ``vllm run-batch``'s format).

    Raises:
        InputError: the file cannot be read, or a non-empty line is not a JSON object.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    return _parse_jsonl(text, str(path), strict=True)


def _parse_jsonl(text: str, where: str, strict: bool) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            if strict:
                raise InputError(f"{where} line {number} is not a JSON object")
            log.warning("%s line %d is not a JSON object; ignored", where, number)
            continue
        records.append(record)
    return records


@dataclass
class IngestResult:
    """What one batch's (or results file's) answers gave.

    ``answers`` lines read; ``stored`` valid answers stored; ``invalid`` answers that failed
    validation and ``failed`` requests without an answer (both left to the direct path);
    ``ignored`` lines that are not ours, stale (another prompt) or about a paper or text
    not in the store, or whose key is stored already; tokens from the answers' usage.
    """

    answers: int = 0
    stored: int = 0
    invalid: int = 0
    failed: int = 0
    ignored: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def stats(self, rt: Runtime, wall_seconds: float) -> RunStats:
        """The counts as a ``runs`` row (papers = lines, model calls = answers)."""
        return RunStats(
            papers=self.answers,
            summarized=self.stored,
            failed=self.invalid + self.failed,
            skipped=self.ignored,
            model_calls=self.answers - self.failed,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=rt.cost(self.prompt_tokens, self.completion_tokens),
            wall_seconds=wall_seconds,
        )


def ingest(rt: Runtime, records: list[dict[str, Any]], origin: str) -> IngestResult:
    """Validate each batch answer like the direct path and store the valid ones.

    Args:
        rt: the command's :class:`Runtime` (prompts, settings, store).
        records: output lines (``custom_id``, ``response``: ``status_code`` and ``body``,
            ``error``).
        origin: the batch id or results file, recorded in each summary's attempt.

    Returns:
        The :class:`IngestResult`.

    Raises:
        StoreError: the database failed.
    """
    settings, store = rt.settings, rt.store
    text_key = text_cache_key(settings)
    result = IngestResult()
    for record in records:
        result.answers += 1
        custom_id = str(record.get("custom_id") or "")
        key = parse_cache_key(custom_id)
        prompt = rt.prompts.get(key[1]) if key else None
        if key is None or prompt is None or prompt.prompt_hash != key[2]:
            log.warning("batch line %r is not a request of the current prompts; ignored", custom_id)
            result.ignored += 1
            continue
        arxiv_id, schema, prompt_hash, model = key
        response = record.get("response") or {}
        body = response.get("body") if isinstance(response, dict) else None
        choices = body.get("choices") if isinstance(body, dict) else None
        if record.get("error") or response.get("status_code") != 200 or not choices:
            detail = record.get("error") or (body or {}).get("error") or "no answer"
            log.warning("%s: batch request failed (%s)", arxiv_id, redact(str(detail))[:200])
            result.failed += 1
            continue
        assert isinstance(body, dict)
        choice = choices[0] if isinstance(choices[0], dict) else {}
        content = str((choice.get("message") or {}).get("content") or "")
        finish_reason = str(choice.get("finish_reason") or "stop")
        usage = body.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or estimate_tokens(content))
        result.prompt_tokens += prompt_tokens
        result.completion_tokens += completion_tokens
        paper = store.get_paper(arxiv_id)
        source = store.get_source(arxiv_id, paper.version, text_key) if paper else None
        if paper is None or source is None:
            log.warning("%s: paper or text not in the store; batch answer ignored", arxiv_id)
            result.ignored += 1
            continue
        if store.get_summary(arxiv_id, schema, prompt_hash, model) is not None:
            result.ignored += 1  # never replace what a digest may already show
            continue
        fields, problems, unverified = validate_answer(
            prompt.spec, content, finish_reason, figure_source(paper, source)
        )
        if fields is None or problems or unverified:
            why = "; ".join(problems) or "unverified figures: " + ", ".join(unverified)
            log.info(
                "%s: batch answer rejected (%s); the direct path re-asks from it",
                arxiv_id,
                shorten_reason(why),
            )
            store.save_rejected(
                key,
                paper.version,
                text_key,
                PriorAnswer(content, finish_reason, prompt_tokens, completion_tokens, origin),
            )
            result.invalid += 1
            continue
        attempt = {
            "attempt": 1,
            "error": None,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "batch": origin,
        }
        store.save_summary(
            Summary(
                arxiv_id,
                schema,
                prompt_hash,
                model,
                fields,
                source.kind,
                source.tokens,
                prompt_tokens,
                completion_tokens,
                [attempt],
            )
        )
        result.stored += 1
    log.info(
        "%s: %d answers, %d stored, %d invalid, %d failed, %d ignored; tokens in/out %d/%d",
        origin,
        result.answers,
        result.stored,
        result.invalid,
        result.failed,
        result.ignored,
        result.prompt_tokens,
        result.completion_tokens,
    )
    return result


async def _api(call: Awaitable[_T], batch_id: str, what: str) -> _T:
    """Await one Files/Batches call, turning the openai client's errors into ours."""
    try:
        return await call
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise ConfigError(f"the model API refused the key (HTTP {exc.status_code})") from exc
    except openai.NotFoundError as exc:
        raise BatchError(batch_id, "not found", f"{what}: HTTP 404") from exc
    except openai.APIError as exc:
        status = getattr(exc, "status_code", None)
        detail = f"HTTP {status}" if status else type(exc).__name__
        raise BatchError(
            batch_id, "unfinished", f"{what} failed ({detail}); rerun to resume"
        ) from exc


async def submit(
    rt: Runtime,
    client: openai.AsyncOpenAI,
    requests: list[dict[str, Any]],
    label: str,
    schema: str,
) -> tuple[str, dict[str, Any]]:
    """Upload the request lines, create the batch and store its id at once.

    Returns:
        ``(batch id, the record stored with it)``.

    Raises:
        BatchError: the upload or creation failed.
        ConfigError: the API refused the key.
        StoreError: the database failed.
    """
    data = _jsonl(requests)
    estimate = sum(estimate_tokens(m["content"]) for r in requests for m in r["body"]["messages"])
    log.info(
        "submitting a batch of %d requests (~%d prompt tokens) for %s",
        len(requests),
        estimate,
        label,
    )
    uploaded = await _api(
        client.files.create(
            file=("paperdigest-batch.jsonl", data, "application/jsonl"), purpose="batch"
        ),
        "(none)",
        "upload",
    )
    batch = await _api(
        client.batches.create(
            input_file_id=uploaded.id,
            endpoint=ENDPOINT,
            completion_window="24h",
            metadata={"paperdigest": label},
        ),
        "(none)",
        "create",
    )
    record = {
        "input_file_id": uploaded.id,
        "custom_ids": [r["custom_id"] for r in requests],
    }
    rt.store.save_batch(batch.id, label, schema, batch.status, record)
    log.info(
        "batch %s created (%s); its id is stored, so a rerun resumes it", batch.id, batch.status
    )
    return batch.id, record


async def _poll(
    rt: Runtime,
    client: openai.AsyncOpenAI,
    batch_id: str,
    label: str,
    schema: str,
    record: dict[str, Any],
    progress: Progress,
) -> Batch:
    last_status = ""
    done = 0
    progress.stage(f"batch {batch_id}", len(record.get("custom_ids") or []))
    while True:
        batch = await _api(client.batches.retrieve(batch_id), batch_id, "poll")
        if batch.status != last_status:
            log.info("batch %s: %s", batch_id, batch.status)
            rt.store.save_batch(batch_id, label, schema, batch.status, record)
            last_status = batch.status
        counts = batch.request_counts
        if counts is not None and counts.completed + counts.failed > done:
            progress.advance(counts.completed + counts.failed - done)
            done = counts.completed + counts.failed
        if batch.status in _TERMINAL:
            return batch
        await asyncio.sleep(rt.settings.batch_poll_seconds)


async def _download(client: openai.AsyncOpenAI, batch: Batch) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            content = await _api(client.files.content(file_id), batch.id, "download")
            records += _parse_jsonl(content.text, f"batch {batch.id} file {file_id}", strict=False)
    return records


async def wait_and_ingest(
    rt: Runtime,
    client: openai.AsyncOpenAI,
    batch_id: str,
    label: str,
    schema: str,
    record: dict[str, Any],
    progress: Progress = SILENT,
) -> IngestResult:
    """Poll a batch every ``batch_poll_seconds`` until it ends, then ingest its answers
    (see :func:`ingest`) and mark it ingested. Records a ``runs`` row (command ``batch``).

    Raises:
        BatchError: the batch failed, expired or was cancelled (an expired batch's answers
            are ingested first), the server does not know it (status ``not found``; the
            stored record is then closed), or polling failed (it stays open to resume).
        ConfigError: the API refused the key.
        StoreError: the database failed.
    """
    started = time.monotonic()
    run_id = rt.store.start_run("batch", label)
    result = IngestResult()
    status = "failed"
    try:
        try:
            batch = await _poll(rt, client, batch_id, label, schema, record, progress)
        except BatchError as exc:
            if exc.status == "not found":
                rt.store.save_batch(batch_id, label, schema, "failed", record)
            raise
        if batch.status in ("completed", "expired"):
            result = ingest(rt, await _download(client, batch), batch_id)
            rt.store.save_batch(batch_id, label, schema, "ingested", record)
        else:
            rt.store.save_batch(batch_id, label, schema, "failed", record)
        if batch.status != "completed":
            errors = batch.errors.data if batch.errors and batch.errors.data else []
            detail = "; ".join(e.message or e.code or "" for e in errors)
            if batch.status == "expired":
                detail = f"{result.stored} answers stored; rerun to submit the rest"
            raise BatchError(batch_id, batch.status, detail)
        status = "partial" if result.invalid or result.failed else "done"
    finally:
        rt.store.finish_run(run_id, status, result.stats(rt, time.monotonic() - started))
    return result


async def run_batch(
    rt: Runtime,
    days: list[date],
    schema: str,
    template: str,
    output_dir: Path,
    progress: Progress = SILENT,
) -> tuple[BackfillResult, list[IngestResult]]:
    """The ``backfill --batch`` path: resume open batches, submit the papers still without a
    summary as one batch, wait, ingest, then run every day (now cached) to write digests.

    Papers whose batch answer failed or did not validate are summarized by the days' runs
    through the direct path.

    Returns:
        The days' :class:`~paperdigest.backfill.BackfillResult` and one
        :class:`IngestResult` per batch collected.

    Raises:
        BatchError: a batch failed, expired or was cancelled, or could not be submitted
            or polled (an open batch stays stored; a rerun resumes it).
        FetchError: a day's list could not be fetched.
        ConfigError: the model API refused the key or model.
        LockTimeout: another run held a day's lock past the wait limit.
        StoreError: the database failed.
    """
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
        prepared = await prepare_days(rt, days, schema, progress)
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
    result = await run_days(rt, days, schema, template, output_dir, prepared, progress)
    return result, collected


async def write_batch_file(
    rt: Runtime, days: list[date], schema: str, path: Path, progress: Progress = SILENT
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
    prepared = await prepare_days(rt, days, schema, progress)
    requests = await build_requests(rt, prepared, schema, progress)
    write_requests(path, requests)
    return len(requests)


async def ingest_file(
    rt: Runtime,
    days: list[date],
    schema: str,
    template: str,
    output_dir: Path,
    path: Path,
    progress: Progress = SILENT,
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
    started = time.monotonic()
    run_id = rt.store.start_run("batch", str(path))
    ingested = IngestResult()
    status = "failed"
    try:
        ingested = ingest(rt, records, path.name)
        status = "partial" if ingested.invalid or ingested.failed else "done"
    finally:
        rt.store.finish_run(run_id, status, ingested.stats(rt, time.monotonic() - started))
    result = await run_days(rt, days, schema, template, output_dir, progress=progress)
    return result, ingested
