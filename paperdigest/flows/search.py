"""``paperdigest search``: the stored papers whose title, abstract or summaries hold a text
(issue 19 §1), as a rich table or JSON.

Read only: a missing database holds nothing and is not created. The query is literal text
(white space runs made one space, control characters dropped): see
:mod:`paperdigest.store.search` for how it is found and ranked.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from paperdigest.config import Settings
from paperdigest.errors import InputError
from paperdigest.flows.days import parse_range
from paperdigest.flows.report import open_stored
from paperdigest.flows.results import Printout
from paperdigest.store import SearchHit
from paperdigest.store.search import MIN_INDEXED_CHARS
from paperdigest.text import drop_controls, plain_line

__all__ = [
    "DEFAULT_LIMIT",
    "NO_MATCHES",
    "SearchResult",
    "find",
    "hits_json",
    "hits_table",
    "search_printout",
]

NO_MATCHES = "no matches"

DEFAULT_LIMIT = 20
"""Papers shown by default: 20 rows of date, id, title and snippet fill about one terminal
screen, and further down bm25 ranks papers that merely mention the text; ``--limit`` shows
more."""


@dataclass(frozen=True)
class SearchResult:
    """What ``search`` found: the papers, best first when ``ranked`` (the index), else newest
    first (a plain substring scan); ``note`` says why a query was scanned, if it needs saying."""

    query: str
    hits: list[SearchHit]
    ranked: bool
    note: str | None = None


def find(
    settings: Settings,
    first: str | None,
    last: str | None,
    query: str,
    limit: int | None = None,
) -> SearchResult:
    """The ``search`` command: search the stored papers for ``query``.

    Args:
        settings: the command's settings (the database, the time zone of ``today``).
        first, last: ``--from``/``--to`` as given (``YYYY-MM-DD``, ``today``,
            ``yesterday``; None: unbounded): keep papers listed by a digest of a day
            between them.
        query: the text to find, as typed.
        limit: most papers returned (None: :data:`DEFAULT_LIMIT`).

    Raises:
        InputError: the query is empty (white space and control characters only), a day
            is not a date, or ``last`` is before ``first``.
        NewerDatabase, ForeignDatabase: the database is not one this paperdigest may use.
        StoreError: the database cannot be opened or read.
    """
    text = plain_line(query)
    if not text:
        raise InputError("the search query is empty; give the text to find, e.g. '강화 학습'")
    lo, hi = parse_range(first, last, settings)
    store = open_stored(settings.db_path)
    if store is None:
        return SearchResult(text, [], True)
    try:
        hits, ranked = store.search(
            text,
            lo.isoformat() if lo else None,
            hi.isoformat() if hi else None,
            DEFAULT_LIMIT if limit is None else limit,
        )
    finally:
        store.close()
    note = None
    if not ranked and len(text) >= MIN_INDEXED_CHARS:
        note = (
            f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer (SQLite 3.34 or "
            "later has): plain substring scan, newest first"
        )
    return SearchResult(text, hits, ranked, note)


def _one_line(text: str) -> str:
    """``text`` on one line: control characters dropped, white space runs made one space
    (kept at the ends, where a snippet part meets the match)."""
    return re.sub(r"\s+", " ", drop_controls(text))


def _date(hit: SearchHit) -> str:
    """The day a row shows: the first day a digest listed the paper, ``-`` for none."""
    return hit.days[0] if hit.days else "-"


def hits_table(result: SearchResult) -> Table:
    """The hits as a rich table: date, arXiv id, title, and the snippet with the match in
    bold reverse video (no colour needed to see it)."""
    order = "best first" if result.ranked else "newest first"
    table = Table(title=f"paperdigest: {result.query!r} ({order})")
    table.add_column("date", no_wrap=True)
    table.add_column("arXiv id", no_wrap=True)
    table.add_column("title", ratio=2, overflow="fold")
    table.add_column("snippet", ratio=3, overflow="fold")
    for hit in result.hits:
        snippet = Text()
        for part, marked in hit.snippet.parts:
            # Stored text is shown as text: Text() never reads rich markup in it.
            snippet.append(_one_line(part), "bold reverse" if marked else "")
        table.add_row(_date(hit), hit.arxiv_id, Text(plain_line(hit.title or "")), snippet)
    return table


def hits_json(result: SearchResult) -> str:
    """``{"query", "ranked", "hits": [{"arxiv_id", "dates", "title", "snippet", "marks"}]}``
    as JSON; ``marks`` are the matches as ``[start, end)`` character offsets in ``snippet``."""
    return json.dumps(
        {
            "query": result.query,
            "ranked": result.ranked,
            "hits": [
                {
                    "arxiv_id": h.arxiv_id,
                    "dates": list(h.days),
                    "title": h.title,
                    "snippet": h.snippet.text,
                    "marks": [list(span) for span in h.snippet.marks],
                }
                for h in result.hits
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def search_printout(
    settings: Settings, first: str | None, last: str | None, query: str, limit: int | None
) -> Printout:
    """What ``search`` prints for ``query`` (:func:`find`), as JSON and as a table.

    Raises:
        as :func:`find`.
    """
    result = find(settings, first, last, query, limit)
    if not result.hits:
        return Printout(hits_json(result), nothing=NO_MATCHES, note=result.note)
    return Printout(hits_json(result), (hits_table(result),), note=result.note)
