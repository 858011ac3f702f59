"""The Batch API: upload and create a batch, poll it, download its answers, ingest them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import openai
from openai.types import Batch

from paperdigest.errors import BatchError
from paperdigest.flows.backfill import SILENT, Progress
from paperdigest.flows.batchfile import ENDPOINT, jsonl_bytes, parse_jsonl
from paperdigest.flows.ingest import IngestResult, ingest
from paperdigest.flows.runtime import Runtime, recorded_run
from paperdigest.model.client import api_error
from paperdigest.sources.selection import estimate_tokens
from paperdigest.states import RunStatus

__all__ = ["submit", "wait_and_ingest"]

log = logging.getLogger(__name__)


# Batch statuses after which nothing changes any more.
_TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


_T = TypeVar("_T")


async def _api(call: Awaitable[_T], batch_id: str, what: str) -> _T:
    """Await one Files/Batches call, turning the openai client's errors into ours."""
    try:
        return await call
    except openai.APIError as exc:
        raise api_error(exc, batch_id=batch_id, what=what) from exc


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
    data = jsonl_bytes(requests)
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
            records += parse_jsonl(content.text, f"batch {batch.id} file {file_id}", strict=False)
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
    result = IngestResult()
    with recorded_run(rt.store, "batch", label) as run:
        try:
            batch = await _poll(rt, client, batch_id, label, schema, record, progress)
        except BatchError as exc:
            if exc.status == "not found":
                rt.store.save_batch(batch_id, label, schema, "failed", record)
            raise
        if batch.status in ("completed", "expired"):
            result = ingest(rt, await _download(client, batch), batch_id)
            run.stats = result.stats(rt)
            rt.store.save_batch(batch_id, label, schema, "ingested", record)
        else:
            rt.store.save_batch(batch_id, label, schema, "failed", record)
        if batch.status != "completed":
            errors = batch.errors.data if batch.errors and batch.errors.data else []
            detail = "; ".join(e.message or e.code or "" for e in errors)
            if batch.status == "expired":
                detail = f"{result.stored} answers stored; rerun to submit the rest"
            raise BatchError(batch_id, batch.status, detail)
        run.status = RunStatus.PARTIAL if result.invalid or result.failed else RunStatus.DONE
    return result
