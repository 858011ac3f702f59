"""The batch JSONL format: request lines keyed by cache key, and results files (OpenAI's
and ``vllm run-batch``'s output format)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Final

from paperdigest.errors import InputError
from paperdigest.files import write_atomic
from paperdigest.flows.runtime import Runtime
from paperdigest.model.prompts import Prompt, build_messages
from paperdigest.papers import Paper, SourceText

__all__ = [
    "ENDPOINT",
    "cache_key",
    "jsonl_bytes",
    "parse_cache_key",
    "parse_jsonl",
    "read_results",
    "request_line",
    "write_requests",
]

log = logging.getLogger(__name__)


ENDPOINT: Final = "/v1/chat/completions"


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


def jsonl_bytes(records: list[dict[str, Any]]) -> bytes:
    """``records`` as JSONL: one JSON object a line, UTF-8, non-ASCII kept as is."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def write_requests(path: Path, requests: list[dict[str, Any]]) -> None:
    """Write the request lines as JSONL (UTF-8, one object a line), atomically.

    Raises:
        InputError: ``path`` cannot be written.
    """
    try:
        write_atomic(path, jsonl_bytes(requests))
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
    return parse_jsonl(text, str(path), strict=True)


def parse_jsonl(text: str, where: str, strict: bool) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL ``text`` (blank lines skipped); ``where`` names it in
    messages.

    Raises:
        InputError: a line is not a JSON object and ``strict`` (else it is logged and skipped).
    """
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
