"""Queries of the search index (schema 5, :mod:`paperdigest.store.migrations`): the papers
whose title, abstract or stored summaries hold a text, best first, each with a snippet.

Plain functions over an open connection; :meth:`paperdigest.store.Store.search` is the way in
(it wraps SQLite's errors). Two ways to find a text:

* **the index** (FTS5, ``trigram`` tokenizer): the query is one FTS5 string (a phrase), every
  ``"`` doubled, so nothing in it is FTS5 syntax: ``AND``, ``*``, ``(``, ``:`` and ``NEAR``
  are letters to find. A trigram phrase matches where the text holds the query as a substring,
  case-insensitively. Ranked by ``bm25()``; the snippet is FTS5's own ``snippet()``.
* **a plain substring scan** (``LIKE``, case-insensitive for ASCII letters), for queries of
  one or two characters, which hold no trigram, and on an SQLite without the trigram
  tokenizer. Unranked: the newest listed papers first.

A paper's days are the days of the digests that list it (``digests``/``digest_papers``);
``first``/``last`` keep the papers listed on a day between them.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

__all__ = [
    "MIN_INDEXED_CHARS",
    "SNIPPET_CHARS",
    "IndexSize",
    "SearchHit",
    "Snippet",
    "has_index",
    "index_size",
    "match",
    "scan",
]

MIN_INDEXED_CHARS = 3
"""Shortest query the index can serve (characters): a trigram index holds no shorter token."""

SNIPPET_CHARS = 40
"""Characters of text a snippet shows around the match: with a date, an arXiv id and a title
it still fits one row of an 80-column terminal's table in Korean (two columns a syllable)."""

# Marks around a match inside a snippet (Unicode private-use characters, which stored text
# does not use); parsed back into :class:`Snippet` parts at once.
_OPEN, _CLOSE = "\ue000", "\ue001"

# bm25 weight of each column (title, abstract, summary): a query found in a title names what
# the paper is about, so it counts twice a hit in the longer texts.
_WEIGHTS = "2.0, 1.0, 1.0"

# The documents listed on a day from ?2 to ?3 (YYYY-MM-DD, NULL: unbounded); ?1 NULL: any
# document, listed or not. {doc} is the document id of the query's table.
_IN_RANGE = """(?1 IS NULL OR {doc} IN (
    SELECT d.doc FROM search_docs d
    JOIN digest_papers p ON p.arxiv_id = d.arxiv_id JOIN digests g ON g.path = p.path
    WHERE (?2 IS NULL OR g.day >= ?2) AND (?3 IS NULL OR g.day <= ?3)))"""

# A hit's details: its arXiv id, stored title and listed days in the range, ascending. (SQLite
# flattens the view: of its columns only the title is read.)
_DETAILS = """SELECT d.doc, d.arxiv_id, d.title,
    (SELECT group_concat(day, ' ') FROM (
        SELECT DISTINCT g.day FROM digest_papers p JOIN digests g ON g.path = p.path
        WHERE p.arxiv_id = d.arxiv_id AND (?2 IS NULL OR g.day >= ?2)
            AND (?3 IS NULL OR g.day <= ?3) ORDER BY g.day)) AS days
FROM search_text d WHERE d.doc IN ({docs})"""


@dataclass(frozen=True)
class Snippet:
    """A piece of a paper's text around the match: ``parts`` are (text, is the match) in
    reading order; ``…`` stands where the text was cut."""

    parts: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        """The snippet as plain text."""
        return "".join(text for text, _ in self.parts)

    @property
    def marks(self) -> list[tuple[int, int]]:
        """The matches as [start, end) character offsets into :attr:`text`."""
        spans, pos = [], 0
        for text, marked in self.parts:
            if marked:
                spans.append((pos, pos + len(text)))
            pos += len(text)
        return spans


@dataclass(frozen=True)
class SearchHit:
    """One paper found: arXiv id, stored title (None without a paper record), the days of
    the digests that list it (``YYYY-MM-DD``, ascending; within the range asked), and a
    snippet of its text with the match marked."""

    arxiv_id: str
    title: str | None
    days: tuple[str, ...]
    snippet: Snippet


@dataclass(frozen=True)
class IndexSize:
    """What the index costs: ``index_bytes`` of database pages (its FTS5 tables and
    ``search_docs``), for ``text_bytes`` of UTF-8 text it indexes, in ``documents``."""

    index_bytes: int
    text_bytes: int
    documents: int


def has_index(db: sqlite3.Connection) -> bool:
    """Whether the database holds the FTS5 index (an SQLite without the trigram tokenizer
    migrated it without)."""
    row = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_index'").fetchone()
    return row is not None


def _phrase(query: str) -> str:
    """``query`` as one FTS5 string: every character literal."""
    return '"' + query.replace('"', '""') + '"'


def _marked(snippet: str) -> Snippet:
    """The parts of an FTS5 snippet whose matches are wrapped in ``_OPEN``/``_CLOSE``."""
    parts: list[tuple[str, bool]] = []
    for piece in re.split(f"({_OPEN}.*?{_CLOSE})", snippet, flags=re.DOTALL):
        if piece.startswith(_OPEN) and piece.endswith(_CLOSE):
            parts.append((piece[1:-1], True))
        elif piece:
            parts.append((piece.replace(_OPEN, "").replace(_CLOSE, ""), False))
    return Snippet(tuple(parts))


def _cut(text: str, query: str) -> Snippet | None:
    """A snippet of ``text`` around the first occurrence of ``query`` (case-insensitive),
    :data:`SNIPPET_CHARS` characters in all; None when ``text`` does not hold it."""
    found = re.search(re.escape(query), text, re.IGNORECASE)
    if found is None:
        return None
    start, end = found.span()
    room = max(SNIPPET_CHARS - (end - start), 0)
    left = max(start - room // 3, 0)
    right = min(end + room - (start - left), len(text))
    parts = [
        ("…" if left > 0 else "") + text[left:start],
        text[start:end],
        text[end:right] + ("…" if right < len(text) else ""),
    ]
    return Snippet(tuple((p, i == 1) for i, p in enumerate(parts) if p))


def _hits(
    db: sqlite3.Connection,
    docs: list[int],
    snippets: dict[int, Snippet],
    first: str | None,
    last: str | None,
) -> list[SearchHit]:
    if not docs:
        return []
    sql = _DETAILS.format(docs=", ".join(str(int(d)) for d in docs))
    rows = {r[0]: r for r in db.execute(sql, (None, first, last))}
    return [
        SearchHit(
            rows[d][1],
            rows[d][2],
            tuple(rows[d][3].split()) if rows[d][3] else (),
            snippets[d],
        )
        for d in docs
    ]


def match(
    db: sqlite3.Connection, query: str, first: str | None, last: str | None, limit: int
) -> list[SearchHit]:
    """The ``limit`` papers whose text holds ``query`` (at least :data:`MIN_INDEXED_CHARS`
    characters) best first by ``bm25()``, through the index; ties: the paper stored first.

    Raises:
        sqlite3.Error: SQLite failed.
    """
    bounded = None if first is None and last is None else 1
    phrase = _phrase(query)
    ranked = f"bm25(search_index, {_WEIGHTS})"
    docs = [
        int(r[0])
        for r in db.execute(
            f"SELECT rowid FROM search_index WHERE search_index MATCH ?4 AND "
            f"{_IN_RANGE.format(doc='rowid')} ORDER BY {ranked}, rowid LIMIT ?5",
            (bounded, first, last, phrase, limit),
        )
    ]
    if not docs:
        return []
    # snippet() reads the text of a hit (through the view): only for the hits shown.
    snippets = {
        int(r[0]): _marked(r[1])
        for r in db.execute(
            f"SELECT rowid, snippet(search_index, -1, ?, ?, '…', {SNIPPET_CHARS}) "
            f"FROM search_index WHERE search_index MATCH ? "
            f"AND rowid IN ({', '.join(str(d) for d in docs)})",
            (_OPEN, _CLOSE, phrase),
        )
    }
    return _hits(db, docs, snippets, first, last)


def _like(query: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", query) + "%"


def scan(
    db: sqlite3.Connection, query: str, first: str | None, last: str | None, limit: int
) -> list[SearchHit]:
    """The ``limit`` papers whose text holds ``query``, by a plain substring scan of every
    document (``LIKE``: case-insensitive for ASCII letters), newest listed day first, then
    by arXiv id; any query length, with or without the index.

    Raises:
        sqlite3.Error: SQLite failed.
    """
    bounded = None if first is None and last is None else 1
    rows = db.execute(
        f"""SELECT doc, title, abstract, summary FROM search_text t
        WHERE (title LIKE ?4 ESCAPE '\\' OR abstract LIKE ?4 ESCAPE '\\'
            OR summary LIKE ?4 ESCAPE '\\') AND {_IN_RANGE.format(doc="doc")}
        ORDER BY (SELECT max(g.day) FROM digest_papers p JOIN digests g ON g.path = p.path
            WHERE p.arxiv_id = t.arxiv_id) DESC, arxiv_id LIMIT ?5""",
        (bounded, first, last, _like(query), limit),
    ).fetchall()
    snippets: dict[int, Snippet] = {}
    for doc, *texts in rows:
        cuts = [_cut(text, query) for text in texts if text]
        snippets[doc] = next((c for c in cuts if c is not None), Snippet(()))
    return _hits(db, [r[0] for r in rows], snippets, first, last)


def index_size(db: sqlite3.Connection) -> IndexSize:
    """The index's pages (the ``dbstat`` virtual table; SQLite builds without it report 0)
    against the UTF-8 bytes of the text it indexes.

    Raises:
        sqlite3.Error: SQLite failed.
    """
    try:
        pages = db.execute(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'search_index%' "
            "OR name = 'search_docs' OR name LIKE 'sqlite_autoindex_search_docs%'"
        ).fetchone()[0]
    except sqlite3.OperationalError:  # no dbstat in this build
        pages = 0
    text, documents = db.execute(
        "SELECT coalesce(sum(length(CAST(coalesce(title, '') AS BLOB)) "
        "+ length(CAST(coalesce(abstract, '') AS BLOB)) "
        "+ length(CAST(coalesce(summary, '') AS BLOB))), 0), count(*) FROM search_text"
    ).fetchone()
    return IndexSize(int(pages), int(text), int(documents))
