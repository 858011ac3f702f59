"""Batch answers → summaries: each answer validated like the direct path's."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from paperdigest.errors import redact
from paperdigest.flows.batchfile import parse_cache_key
from paperdigest.flows.day import text_cache_key
from paperdigest.flows.runtime import Runtime, shorten_reason
from paperdigest.model.reask import PriorAnswer, Summary, quantity_source, validate_answer
from paperdigest.sources.selection import estimate_tokens
from paperdigest.store import RunStats

__all__ = ["IngestResult", "ingest"]

log = logging.getLogger(__name__)


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

    def stats(self, rt: Runtime) -> RunStats:
        """The counts as a ``runs`` row (papers = lines, model calls = answers); the wall
        time is left to :func:`~paperdigest.flows.runtime.recorded_run`."""
        return RunStats(
            papers=self.answers,
            summarized=self.stored,
            failed=self.invalid + self.failed,
            skipped=self.ignored,
            model_calls=self.answers - self.failed,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=rt.cost(self.prompt_tokens, self.completion_tokens),
        )


def _completion(body: object) -> ChatCompletion | None:
    """The chat completion of a batch line's ``response.body``; None when the body is not
    one (an error body, a proxy page) or has no choice."""
    try:
        completion = ChatCompletion.model_validate(body)
    except ValidationError:
        return None
    return completion if completion.choices else None


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
        response = record.get("response")
        response = response if isinstance(response, dict) else {}
        completion = _completion(response.get("body"))
        if record.get("error") or response.get("status_code") != 200 or completion is None:
            body = response.get("body")
            detail = (
                record.get("error")
                or (body.get("error") if isinstance(body, dict) else None)
                or "no answer"
            )
            log.warning("%s: batch request failed (%s)", arxiv_id, redact(str(detail))[:200])
            result.failed += 1
            continue
        choice = completion.choices[0]
        content = choice.message.content or ""
        finish_reason = choice.finish_reason or "stop"
        usage = completion.usage
        prompt_tokens = usage.prompt_tokens if usage else 0
        completion_tokens = (
            usage.completion_tokens if usage and usage.completion_tokens else None
        ) or estimate_tokens(content)
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
        checked = validate_answer(
            prompt.spec, content, finish_reason, quantity_source(paper, source)
        )
        if checked.fields is None or not checked.good:
            why = "; ".join(checked.problems) or "unverified figures: " + ", ".join(
                checked.unverified
            )
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
                checked.fields,
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
