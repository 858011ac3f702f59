"""How similarities to the reader's interests and library become one relevance score.

For a paper p, with similarities in 0–1 (cosine of embeddings clipped at 0, or the lexical
similarity of :mod:`.lexical`):

* **interests**: ``I(p) = max_i sim(p, i)``: each interest is a topic of its own, and a paper
  on one of them is relevant whatever the others say;
* **library**: each item j has a recency weight ``w_j = 0.5 ** (age_j / half_life)``, its
  age in days counted from the date it was added (else issued) to the run's day
  (:func:`recency_weights`). The paper's ``K = min(TOP_K, items)`` largest weighted
  similarities ``w_j · sim(p, j)`` are summed and divided by the sum of the K largest weights
  of the library: ``L(p) = Σ_top-K w_j·sim(p, j) / Σ_top-K w_j``. So L is 1 for a paper as
  close as can be to the reader's K newest items, a topic counts when several items share it
  (one stray item gives at most 1/K), and a topic only old items share counts less than one
  new items share. A library whose items all have one date reduces to the mean of the K
  best similarities;
* **score** ``= max(I(p), L(p))``, and its reason is the interest phrase or the library item
  title that gave it (for L, the item of the largest weighted similarity); a tie goes to
  the interest, which the reader wrote themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from paperdigest.records import Relevance
from paperdigest.sources.library import LibraryItem

__all__ = ["TOP_K", "combine", "cosine", "recency_weights"]

TOP_K = 5
"""Library items a paper's library score averages over: a reader's topic shows as several
items, so one stray item (a paper read once for a review) moves a score by at most 1/5."""


def recency_weights(items: Sequence[LibraryItem], today: date, half_life_days: float) -> np.ndarray:
    """Each item's weight ``0.5 ** (age / half_life_days)``.

    Args:
        items: the library; each item's :attr:`LibraryItem.dated` (added, else issued).
        today: the day ages are counted to; a date after it counts as age 0.
        half_life_days: the age at which an item weighs half a new one (days, > 0).

    Returns:
        A float64 array of ``len(items)`` weights in (0, 1]. Items without a date weigh as
        much as the median dated item (neither favoured nor dropped); all weigh 1 when no
        item has a date.
    """
    ages = [(today - item.dated).days if item.dated else None for item in items]
    known = np.array([max(0, a) for a in ages if a is not None], dtype=np.float64)
    weights = np.ones(len(items), dtype=np.float64)
    if known.size == 0:
        return weights
    dated = 0.5 ** (known / half_life_days)
    median = float(np.median(dated))
    values = iter(dated)
    for n, age in enumerate(ages):
        weights[n] = next(values) if age is not None else median
    return weights


def cosine(papers: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Cosine similarities of every paper vector to every profile vector, clipped at 0.

    Args:
        papers: ``(P, d)`` vectors.
        profile: ``(Q, d)`` vectors (any norm; zero vectors give 0).

    Returns:
        ``(P, Q)`` float32 similarities in 0–1 (a negative cosine says "unrelated", as 0 does).
    """

    def unit(m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, dtype=np.float32)
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return np.asarray(m / np.where(norms == 0, 1, norms), dtype=np.float32)

    if papers.size == 0 or profile.size == 0:
        return np.zeros((len(papers), len(profile)), dtype=np.float32)
    sims: np.ndarray = np.clip(unit(papers) @ unit(profile).T, 0.0, 1.0)
    return sims


def combine(
    interests: Sequence[str],
    interest_sims: np.ndarray,
    library: Sequence[LibraryItem],
    library_sims: np.ndarray,
    weights: np.ndarray,
) -> list[Relevance]:
    """Apply the rule of the module docstring to every paper.

    Args:
        interests: the interest phrases (columns of ``interest_sims``).
        interest_sims: ``(P, len(interests))`` similarities in 0–1.
        library: the library items (columns of ``library_sims``).
        library_sims: ``(P, len(library))`` similarities in 0–1.
        weights: :func:`recency_weights` of ``library``.

    Returns:
        One :class:`Relevance` per paper (row), in row order.
    """
    count = max(len(interest_sims), len(library_sims))
    best_i = np.zeros(count)
    which_i = np.zeros(count, dtype=np.int64)
    if len(interests):
        which_i = np.argmax(interest_sims, axis=1)
        best_i = interest_sims[np.arange(count), which_i].astype(np.float64)
    best_l = np.zeros(count)
    which_l = np.zeros(count, dtype=np.int64)
    if len(library):
        k = min(TOP_K, len(library))
        weighted = library_sims.astype(np.float64) * weights[np.newaxis, :]
        top = np.partition(weighted, len(library) - k, axis=1)[:, len(library) - k :]
        best_l = top.sum(axis=1) / np.sort(weights)[-k:].sum()
        which_l = np.argmax(weighted, axis=1)
    out: list[Relevance] = []
    for row in range(count):
        score_i, score_l = float(best_i[row]), float(best_l[row])
        if max(score_i, score_l) <= 0:
            out.append(Relevance(0.0, None, None))
        elif score_i >= score_l:
            out.append(Relevance(min(1.0, score_i), interests[which_i[row]], "interest"))
        else:
            out.append(Relevance(min(1.0, score_l), library[which_l[row]].title, "library"))
    return out
