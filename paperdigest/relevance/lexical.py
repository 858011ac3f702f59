"""Lexical similarity, for ``PAPERDIGEST_EMBEDDING_MODEL=none``: BM25 at no cost.

The day's papers (title and abstract) are the documents of an in-memory SQLite FTS5 table
(``porter unicode61`` tokenizer: English stemming, case and diacritics folded); each profile
text (an interest phrase, a library item's title and abstract) is a query of its distinct
words, OR-ed and quoted, so no text is read as FTS syntax. FTS5's ``bm25()`` (k1 = 1.2,
b = 0.75, IDF over the day's papers) scores each paper for the query; the score ``s`` is
divided by the query's number of words (a long abstract is not a stronger match than a
short interest for being long) and mapped to 0–1 as ``a / (a + 1)``.

Lexical scores are on their own scale: ranks are comparable, thresholds tuned for
embeddings (``--min-relevance``) are not.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

import numpy as np

__all__ = ["lexical_similarity"]

_WORD_RE = re.compile(r"\w+")


def lexical_similarity(documents: Sequence[str], queries: Sequence[str]) -> np.ndarray:
    """The BM25 similarity of every document to every query (module docstring).

    Args:
        documents: the papers' texts.
        queries: the profile's texts.

    Returns:
        ``(len(documents), len(queries))`` float32 similarities in 0–1 (0: no word shared).
    """
    sims = np.zeros((len(documents), len(queries)), dtype=np.float32)
    if not documents or not queries:
        return sims
    db = sqlite3.connect(":memory:")
    try:
        db.execute(
            "CREATE VIRTUAL TABLE papers USING fts5(body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        db.executemany(
            "INSERT INTO papers (rowid, body) VALUES (?, ?)",
            [(n + 1, text) for n, text in enumerate(documents)],
        )
        for column, query in enumerate(queries):
            words = list(dict.fromkeys(_WORD_RE.findall(query.lower())))
            if not words:
                continue
            match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
            rows = db.execute(
                "SELECT rowid, -bm25(papers) FROM papers WHERE papers MATCH ?", (match,)
            ).fetchall()
            for rowid, score in rows:
                per_word = max(0.0, float(score)) / len(words)
                sims[rowid - 1, column] = per_word / (per_word + 1.0)
    finally:
        db.close()
    return sims
