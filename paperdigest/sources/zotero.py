"""The reader's live Zotero library through the Zotero Web API v3 (plain HTTP, httpx2).

``GET {zotero_base_url}/{users|groups}/{id}/items/top?format=json&limit=100`` with the
``Zotero-API-Version: 3`` header (what Zotero asks production code to send) and the key in
the ``Zotero-API-Key`` header (never in the URL, which error messages show). Pages follow
the ``Link: <…>; rel="next"`` header until there is none; ``Total-Results`` bounds them.
Each item is ``{"key", "version", "library", "data": {"itemType", "title", "abstractNote",
"dateAdded", "accessDate", "date", …}}``; notes, attachments and annotations describe no
paper and are skipped.

Plain HTTP rather than pyzotero: one paged GET is all this needs, and going through
:func:`paperdigest.sources.http.get` gives it the retries, Retry-After handling and error
types of every other upstream, where pyzotero would bring its own HTTP stack and retry rules.
"""

from __future__ import annotations

import json
import math
from typing import Any

import httpx2

from paperdigest.config import Settings
from paperdigest.errors import ConfigError, FetchError, UpstreamFormatError
from paperdigest.sources import http
from paperdigest.sources.library import LibraryItem, make_item, unique

__all__ = ["PAGE_SIZE", "fetch_zotero_library"]

PAGE_SIZE = 100
"""Items per request: the most the Zotero API serves in one page."""

# Pages read at most when the API gives no Total-Results: 100,000 items, far beyond a
# personal library, so a server that keeps sending rel="next" cannot page forever.
_MAX_PAGES = 1000

# Top-level items that are no reference: a standalone note, a stored file, a PDF annotation.
_NOT_REFERENCES = frozenset({"note", "attachment", "annotation"})


async def fetch_zotero_library(client: httpx2.AsyncClient, settings: Settings) -> list[LibraryItem]:
    """Read every top-level item of the configured Zotero library.

    Args:
        client: from :func:`paperdigest.sources.http.make_client`.
        settings: ``zotero_library_id``, ``zotero_library_type``, ``zotero_api_key``,
            ``zotero_base_url`` and the HTTP retry settings.

    Returns:
        The items with a title, each once, in the API's order (at least one).

    Raises:
        ConfigError: the API refuses the key or knows no such library (401, 403, 404), or
            the library holds no item with a title.
        FetchError: the API failed after retries (5xx, 429, no answer).
        UpstreamFormatError: a page is not a JSON list of items.
    """
    library_id = (settings.zotero_library_id or "").strip()
    kind = "users" if settings.zotero_library_type == "user" else "groups"
    name = f"Zotero library {kind}/{library_id}"
    headers = {"Zotero-API-Version": "3"}
    key = settings.zotero_key()
    if key:
        headers["Zotero-API-Key"] = key
    url: str | None = f"{settings.zotero_base_url.rstrip('/')}/{kind}/{library_id}/items/top"
    params: dict[str, Any] | None = {"format": "json", "limit": PAGE_SIZE}
    items: list[LibraryItem | None] = []
    pages, most = 0, _MAX_PAGES
    while url is not None and pages < most:
        try:
            response = await http.get(client, url, settings, params=params, headers=headers)
        except FetchError as exc:
            if exc.status in (401, 403, 404):
                raise ConfigError(
                    f"the Zotero API refused {name} (HTTP {exc.status}); check "
                    "PAPERDIGEST_ZOTERO_LIBRARY_ID, PAPERDIGEST_ZOTERO_LIBRARY_TYPE and "
                    "PAPERDIGEST_ZOTERO_API_KEY"
                ) from exc
            raise
        items.extend(_page_items(response))
        pages += 1
        total = response.headers.get("Total-Results", "")
        if total.isdigit():
            most = min(_MAX_PAGES, max(1, math.ceil(int(total) / PAGE_SIZE)))
        following = response.links.get("next", {}).get("url")
        url, params = (str(following), None) if following else (None, None)
    kept = unique(items)
    if not kept:
        raise ConfigError(f"{name} holds no item with a title")
    return kept


def _page_items(response: httpx2.Response) -> list[LibraryItem | None]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UpstreamFormatError(str(response.url), "body is not JSON") from exc
    if not isinstance(body, list):
        raise UpstreamFormatError(str(response.url), "expected a JSON list of items")
    out: list[LibraryItem | None] = []
    for item in body:
        data = item.get("data") if isinstance(item, dict) else None
        if not isinstance(data, dict) or data.get("itemType") in _NOT_REFERENCES:
            continue
        out.append(
            make_item(
                data.get("title"),
                data.get("abstractNote"),
                [data.get("dateAdded"), data.get("accessDate")],
                [data.get("date")],
            )
        )
    return out
