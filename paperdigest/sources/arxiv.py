"""arXiv: metadata for a whole day through the API, and each paper's full text.

Metadata: one ``arxiv.Search(id_list=...)`` per day through one ``arxiv.Client``
(page size 100, ``arxiv_delay_seconds`` between requests: arXiv's API terms ask for no
more than one request every three seconds). When that request fails (HTTP error, timeout,
an empty page) or lacks some ids (``id_list`` queries are known to come back short now and
then), the ids still missing are asked once more, and only those; a paper still missing
after that keeps its Hugging Face abstract, with a warning naming it. That one retry is the
only retry layer: the ``arxiv`` package's own page retries are off (``num_retries=0``).

Full text: arXiv's HTML rendering ``{arxiv_html_url}/{id}v{N}`` (LaTeXML), else the PDF
``{arxiv_pdf_url}/{id}v{N}``, else the abstract.

Politeness: every request to arXiv (API pages, HTML, PDF, and each retry of them) starts at
least ``arxiv_delay_seconds`` after the previous one, across the whole command: one
:class:`Pacer` per command is held around each full-text fetch and around each
:func:`fetch_metadata` call, and the requests inside either are spaced by the same delay.
Hugging Face requests are not paced by it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import arxiv
import httpx
import requests

from paperdigest import fulltext
from paperdigest.config import Settings
from paperdigest.errors import FetchError
from paperdigest.papers import ARXIV_ID_RE, Paper, SourceText, normalize_space
from paperdigest.sources import http

__all__ = ["ArxivMeta", "Pacer", "fetch_metadata", "fetch_metadata_paced", "fetch_source", "merge"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArxivMeta:
    """What the arXiv API says of one paper."""

    arxiv_id: str
    version: int | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    comment: str | None
    published: str | None


class _PoliteSession(requests.Session):
    """A requests session with a default timeout (``arxiv.Client`` sets none, and a hung
    connection must not stall the morning run) that starts its requests ``delay`` seconds
    apart. ``arxiv.Client``'s own delay counts only from a request that got an answer, so
    its retry after a reset or a timeout would go out at once; this counts every start.
    Used by one thread at a time (one :func:`fetch_metadata` call), so no lock."""

    def __init__(self, timeout: float, delay: float) -> None:
        super().__init__()
        self._timeout = timeout
        self._delay = delay
        self._last_start = -float("inf")

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        wait = self._last_start + self._delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_start = time.monotonic()
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


def _client(settings: Settings) -> arxiv.Client:
    # No retries inside the package: fetch_metadata retries once itself, so that a failed
    # page and a short answer share one rule (the HF abstract is a good enough fallback).
    client = arxiv.Client(page_size=100, delay_seconds=settings.arxiv_delay_seconds, num_retries=0)
    client.query_url_format = f"{settings.arxiv_api_url}?{{}}"
    client._session = _PoliteSession(settings.http_timeout_seconds, settings.arxiv_delay_seconds)
    return client


def _meta(result: Any) -> ArxivMeta | None:
    short = result.get_short_id()
    match = ARXIV_ID_RE.match(short)
    if match is None:
        return None
    version = match.group("version")
    published = result.published.date().isoformat() if result.published else None
    return ArxivMeta(
        arxiv_id=match.group("id"),
        version=int(version) if version else None,
        title=normalize_space(result.title or ""),
        abstract=normalize_space(result.summary or ""),
        authors=tuple(a.name for a in result.authors),
        categories=tuple(result.categories),
        comment=normalize_space(result.comment) if result.comment else None,
        published=published,
    )


def fetch_metadata(ids: list[str], settings: Settings) -> dict[str, ArxivMeta]:
    """Fetch arXiv metadata for the given ids (blocking; run it in a thread).

    Its requests (pages, the one retry) start ``arxiv_delay_seconds`` apart; the first one
    does not wait. Spacing from other arXiv requests is the caller's: call it through
    :func:`fetch_metadata_paced`, which holds the command's :class:`Pacer`.

    Args:
        ids: bare new-style arXiv ids, e.g. ``["2511.04460"]``.
        settings: ``arxiv_api_url``, ``arxiv_delay_seconds``, ``http_timeout_seconds``.

    Returns:
        Metadata by bare id, for the ids arXiv returned. Ids the first request did not
        return (it failed, or came back short) are asked once more; ids still missing are
        absent (one warning names them). At most two requests per call. A failing API
        (HTTP errors, timeouts) gives what was fetched so far, never an exception: the
        Hugging Face abstract is the fallback.
    """
    found: dict[str, ArxivMeta] = {}
    if not ids:
        return found
    client = _client(settings)
    for try_ in (1, 2):
        missing = [i for i in ids if i not in found]
        if not missing:
            break
        if try_ == 2:
            log.info("arXiv: asking once more for %d id(s): %s", len(missing), missing)
        search = arxiv.Search(id_list=missing, max_results=len(missing))
        try:
            for result in client.results(search):
                meta = _meta(result)
                if meta is not None and meta.arxiv_id in missing:
                    found[meta.arxiv_id] = meta
        except Exception as exc:
            # HTTP errors, empty pages, and whatever the arxiv package's feed parsing raises
            # on a malformed entry (ValueError for a bad date): arXiv's metadata is an
            # enrichment, and the HF abstract must carry the day rather than the error.
            log.warning("arXiv API failed (try %d of 2): %s", try_, exc)
    missing = [i for i in ids if i not in found]
    if missing:
        log.warning("arXiv returned nothing for %s; using the Hugging Face abstract", missing)
    return found


def merge(paper: Paper, meta: ArxivMeta | None) -> Paper:
    """Combine a Hugging Face record with its arXiv metadata (arXiv's abstract wins)."""
    if meta is None:
        return paper
    return paper.model_copy(
        update={
            "abstract": meta.abstract or paper.abstract,
            "abstract_source": "arxiv" if meta.abstract else paper.abstract_source,
            "version": meta.version,
            "authors": meta.authors or paper.authors,
            "categories": meta.categories,
            "comment": meta.comment,
            "published": meta.published,
        }
    )


class Pacer:
    """One holder at a time, each starting ``delay`` seconds (``arxiv_delay_seconds``) after
    the previous holder let go: arXiv's terms ask for one request every three seconds.

    Hold it (``async with pacer:``) around every request to arXiv or group of them whose
    inner requests are spaced by ``delay`` themselves: one :func:`fetch_source` try with its
    retries (``http.get(..., min_wait=delay)``), one :func:`fetch_metadata` call in a thread
    (its session spaces its requests). Counting from the release, i.e. from the end of the
    last request, is at least as slow as counting from its start, and lets a blocking
    metadata call be paced from the async side without a thread-safe lock. One per
    command (``Runtime.pacer``), shared by every day of a backfill and the batch path.
    """

    def __init__(self, delay: float) -> None:
        self._delay = delay
        self._lock = asyncio.Lock()
        self._last = -float("inf")

    async def __aenter__(self) -> None:
        await self._lock.acquire()
        wait = self._last + self._delay - time.monotonic()
        if wait > 0:
            try:
                await asyncio.sleep(wait)
            except BaseException:  # cancelled while waiting: __aexit__ will not run
                self._lock.release()
                raise

    async def __aexit__(self, *exc: object) -> None:
        self._last = time.monotonic()
        self._lock.release()


async def fetch_metadata_paced(
    ids: list[str], settings: Settings, pacer: Pacer
) -> dict[str, ArxivMeta]:
    """:func:`fetch_metadata` in a thread, holding ``pacer`` for the whole call.

    Holding the command's pacer from the async side keeps the blocking arxiv package's
    requests apart from full-text requests and other days without a thread-safe lock;
    :func:`fetch_metadata` spaces its own few requests.

    Returns:
        As :func:`fetch_metadata` (an empty dict for no ids, without a request).
    """
    if not ids:
        return {}
    async with pacer:
        return await asyncio.to_thread(fetch_metadata, ids, settings)


async def fetch_source(
    client: httpx.AsyncClient, paper: Paper, settings: Settings, pacer: Pacer
) -> SourceText | None:
    """The text to summarize ``paper`` from: HTML full text, else PDF, else the abstract.

    Args:
        client: from :func:`paperdigest.sources.http.make_client`.
        paper: the merged record (its ``version`` picks ``{id}v{N}``).
        settings: ``arxiv_html_url``, ``arxiv_pdf_url``, ``source_tokens``, ``fulltext``.
        pacer: the command's :class:`Pacer`, shared by every arXiv request.

    Returns:
        The :class:`SourceText`, cut to ``source_tokens``; ``None`` when there is neither
        a full text nor an abstract (the paper must not reach the model). An abstract that
        stands in because arxiv.org failed rather than lacked the page is ``provisional``.
    """
    budget = settings.source_tokens
    outage = False  # an arxiv.org failure that may pass, as opposed to "no such page"
    if settings.fulltext:
        vid = paper.versioned_id
        for kind, base in (("html", settings.arxiv_html_url), ("pdf", settings.arxiv_pdf_url)):
            url = f"{base.rstrip('/')}/{vid}"
            try:
                async with pacer:
                    response = await http.get(
                        client, url, settings, min_wait=settings.arxiv_delay_seconds
                    )
                if kind == "html":
                    sections = fulltext.extract_html(response.content)
                else:
                    sections = await asyncio.to_thread(fulltext.extract_pdf, response.content)
            except FetchError as exc:
                if http.is_transient(exc.status):
                    outage = True
                    log.warning("%s: %s full text unavailable (%s)", paper.arxiv_id, kind, exc)
                else:
                    log.debug("%s: no %s full text (%s)", paper.arxiv_id, kind, exc)
                continue
            except ValueError as exc:
                log.info("%s: %s full text unreadable (%s)", paper.arxiv_id, kind, exc)
                continue
            if not any(s.paragraphs for s in sections):
                continue
            text, truncated = fulltext.select_text(sections, paper.abstract, budget)
            if text.strip():
                return SourceText(
                    kind=kind,  # type: ignore[arg-type]
                    text=text,
                    tokens=fulltext.estimate_tokens(text),
                    truncated=truncated,
                )
    if not paper.abstract.strip():
        return None
    text, truncated = fulltext.cap_text(paper.abstract, budget)
    if truncated:
        log.warning("%s: abstract cut to %d tokens", paper.arxiv_id, budget)
    return SourceText(
        kind="abstract",
        text=text,
        tokens=fulltext.estimate_tokens(text),
        truncated=truncated,
        provisional=outage,
    )
