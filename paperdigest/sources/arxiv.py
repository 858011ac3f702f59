"""arXiv metadata for a whole day, through the API (Atom, parsed with feedparser).

One request per 100 ids (``id_list=...``) to ``arxiv_api_url``. When a request fails (HTTP
error, timeout, a malformed answer) or lacks some ids (``id_list`` queries are known to come
back short now and then), the ids still missing are asked once more, and only those; a paper
still missing after that keeps its Hugging Face abstract, with a warning naming it. That one
retry is the only retry layer (``retries=0`` for these requests).

Every request holds the command's :class:`~paperdigest.sources.pacing.Pacer`, like every
other arXiv request. The ``arxiv`` package is not used: it offers no way to set a timeout
or pace its requests except by replacing its private ``requests`` session.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx2

from paperdigest.config import Settings
from paperdigest.errors import FetchError
from paperdigest.papers import ARXIV_ID_RE, Paper
from paperdigest.sources import http
from paperdigest.sources.pacing import Pacer
from paperdigest.text import collapse_space

__all__ = ["ArxivMeta", "fetch_metadata", "merge"]

log = logging.getLogger(__name__)

# The API's page size limit for one answer; a day's list is usually 30-60 papers.
_IDS_PER_REQUEST = 100


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


def _meta(entry: Any) -> ArxivMeta | None:
    """One feedparser entry as :class:`ArxivMeta`; ``None`` for an error entry or odd id."""
    entry_id = str(entry.get("id", ""))
    match = ARXIV_ID_RE.match(entry_id.rsplit("/abs/", 1)[-1])
    if "/abs/" not in entry_id or match is None:
        return None
    version = match.group("version")
    parsed = entry.get("published_parsed")  # None when the date does not parse
    published = time.strftime("%Y-%m-%d", parsed) if parsed else None
    comment = entry.get("arxiv_comment")
    return ArxivMeta(
        arxiv_id=match.group("id"),
        version=int(version) if version else None,
        title=collapse_space(str(entry.get("title", ""))),
        abstract=collapse_space(str(entry.get("summary", ""))),
        authors=tuple(
            collapse_space(str(a.get("name", "")))
            for a in entry.get("authors", [])
            if a.get("name")
        ),
        categories=tuple(str(t["term"]) for t in entry.get("tags", []) if t.get("term")),
        comment=collapse_space(str(comment)) if comment else None,
        published=published,
    )


async def _query(
    client: httpx2.AsyncClient, ids: list[str], settings: Settings, pacer: Pacer
) -> list[ArxivMeta]:
    import feedparser  # imported when used (start-up time)

    params = {"id_list": ",".join(ids), "start": "0", "max_results": str(len(ids))}
    response = await http.get(
        client, settings.arxiv_api_url, settings, params=params, pacer=pacer, retries=0
    )
    feed = feedparser.parse(response.content)
    if feed.get("bozo") and not feed.entries:
        raise ValueError(f"unreadable arXiv API answer: {feed.get('bozo_exception')}")
    return [meta for meta in map(_meta, feed.entries) if meta is not None]


async def fetch_metadata(
    client: httpx2.AsyncClient, ids: list[str], settings: Settings, pacer: Pacer
) -> dict[str, ArxivMeta]:
    """Fetch arXiv metadata for the given ids.

    Args:
        client: from :func:`paperdigest.sources.http.make_client`.
        ids: bare new-style arXiv ids, e.g. ``["2511.04460"]``.
        settings: ``arxiv_api_url`` (``http_timeout_seconds`` through the client).
        pacer: the command's arXiv pacer, held by each request.

    Returns:
        Metadata by bare id, for the ids arXiv returned (an empty dict for no ids, without a
        request). Ids the first request did not return (it failed, or came back short) are
        asked once more; ids still missing are absent (one warning names them). A failing
        API (HTTP errors, timeouts, unreadable answers) gives what was fetched so far, never
        an exception: the Hugging Face abstract is the fallback.
    """
    found: dict[str, ArxivMeta] = {}
    for try_ in (1, 2):
        missing = [i for i in ids if i not in found]
        if not missing:
            break
        if try_ == 2:
            log.info("arXiv: asking once more for %d id(s): %s", len(missing), missing)
        for start in range(0, len(missing), _IDS_PER_REQUEST):
            chunk = missing[start : start + _IDS_PER_REQUEST]
            try:
                metas = await _query(client, chunk, settings, pacer)
            except (FetchError, ValueError) as exc:
                # arXiv's metadata is an enrichment: the HF abstract must carry the day
                # rather than the error.
                log.warning("arXiv API failed (try %d of 2): %s", try_, exc)
                continue
            found.update((m.arxiv_id, m) for m in metas if m.arxiv_id in chunk)
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
