"""Lexical similarity, for ``PAPERDIGEST_EMBEDDING_MODEL=none``: BM25 at no cost.

SQLite FTS5 reads the texts: the day's papers (title and abstract) and the profile's texts (an
interest phrase, a library item's title and abstract) go into in-memory FTS5 tables with the
``porter unicode61`` tokenizer (English stemming, case and diacritics folded), and their
``fts5vocab`` tables give each text's terms. Each paper is scored for each profile text with
Okapi BM25 as FTS5's ``bm25()`` computes it for a query OR-ing the text's distinct terms
(k1 = 1.2, b = 0.75, IDF ``log((N - n + 0.5) / (n + 0.5))`` over the day's papers, at least
1e-6): the sum, over the text's terms, of ``idf · tf · (k1 + 1) / (tf + k1 · (1 - b + b ·
len / avglen))``. The sum is divided by the text's number of distinct terms (a long abstract
is not a stronger match than a short interest for being long) and mapped to 0–1 as
``a / (a + 1)``. Rather than a query per text, the texts are cut at white space (which
always separates tokens) and each distinct piece is tokenized once, and the sums are columns of
one weight matrix: a 2,000-item library is scored in a fraction of a second.

Lexical scores are on their own scale: ranks are comparable, thresholds tuned for
embeddings (``--min-relevance``) are not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

__all__ = ["lexical_similarity"]

_TOKENIZER = "porter unicode61 remove_diacritics 2"
# FTS5's bm25() parameters (its defaults, the usual Okapi values).
_K1 = 1.2
_B = 0.75


def _terms(texts: Sequence[str]) -> list[tuple[str, int]]:
    """(term, row) for every token of ``texts`` (rows from 1), as FTS5 tokenizes them."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f"CREATE VIRTUAL TABLE texts USING fts5(body, tokenize = '{_TOKENIZER}')")
        db.execute("CREATE VIRTUAL TABLE terms USING fts5vocab(texts, 'instance')")
        db.executemany("INSERT INTO texts (rowid, body) VALUES (?, ?)", enumerate(texts, 1))
        return [(str(term), int(row)) for term, row in db.execute("SELECT term, doc FROM terms")]
    finally:
        db.close()


def lexical_similarity(documents: Sequence[str], queries: Sequence[str]) -> np.ndarray:
    """The BM25 similarity of every document to every query (module docstring).

    Args:
        documents: the papers' texts.
        queries: the profile's texts.

    Returns:
        ``(len(documents), len(queries))`` float32 similarities in 0–1 (0: no term shared).
    """
    sims = np.zeros((len(documents), len(queries)), dtype=np.float32)
    if not documents or not queries:
        return sims
    in_papers = _terms(documents)
    vocabulary = {term: n for n, term in enumerate(dict.fromkeys(t for t, _ in in_papers))}
    tf = np.zeros((len(documents), len(vocabulary)), dtype=np.float64)
    np.add.at(tf, ([row - 1 for _, row in in_papers], [vocabulary[t] for t, _ in in_papers]), 1)
    lengths = tf.sum(axis=1, keepdims=True)
    average = max(float(lengths.mean()), 1e-9)
    holding = (tf > 0).sum(axis=0)
    idf = np.log((len(documents) - holding + 0.5) / (holding + 0.5))
    idf[idf <= 0] = 1e-6
    weight = idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * lengths / average))
    pieces = [set(text.split()) for text in queries]
    distinct = list(set().union(*pieces))
    tokens: dict[str, set[str]] = {}
    for term, row in _terms(distinct):
        tokens.setdefault(distinct[row - 1], set()).add(term)
    for column, words in enumerate(pieces):
        terms = set().union(*(tokens.get(w, ()) for w in words))
        if not terms:
            continue
        shared = [vocabulary[t] for t in terms if t in vocabulary]
        per_term = weight[:, shared].sum(axis=1) / len(terms)
        sims[:, column] = per_term / (per_term + 1.0)
    return sims
