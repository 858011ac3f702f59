"""Rank a day's papers by relevance to the reader (issue 18 §2): orchestration only.

Embeddings come from the store when it has them (papers per (arXiv id, model), profile
texts per (SHA-256 of the text, model)); the missing ones are asked for in one
:meth:`~paperdigest.model.embeddings.Embedder.embed` call per kind, so a first run sends at
most 2 requests for a day's list (the profile's, the papers'), more only for a library of
over ~200k tokens, once; a rerun sends none. With ``PAPERDIGEST_EMBEDDING_MODEL=none`` the
similarities are lexical (:mod:`paperdigest.relevance.lexical`) and nothing is sent.

Call :func:`rank_papers` before any chat call: a server without embeddings or a wrong model
then stops the run (ConfigError, exit 2) before anything is paid for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from paperdigest.config import Settings
from paperdigest.papers import Paper
from paperdigest.relevance.lexical import lexical_similarity
from paperdigest.relevance.score import Relevance, combine, cosine, recency_weights
from paperdigest.sources.profile import Profile
from paperdigest.store import Store

if TYPE_CHECKING:
    from paperdigest.model.embeddings import Embedder

__all__ = ["by_relevance", "paper_text", "rank_papers"]


def paper_text(paper: Paper) -> str:
    """What a paper is compared by: its title, a blank line, its abstract."""
    return f"{paper.title}\n\n{paper.abstract}" if paper.abstract else paper.title


def by_relevance(papers: Sequence[Paper], relevance: dict[str, Relevance]) -> list[Paper]:
    """``papers`` by relevance, highest first; ties (to 4 decimals, below what the digest
    shows) by upvotes, then in list order."""
    order = {p.arxiv_id: n for n, p in enumerate(papers)}
    return sorted(
        papers,
        key=lambda p: (-round(relevance[p.arxiv_id].score, 4), -p.upvotes, order[p.arxiv_id]),
    )


async def rank_papers(
    settings: Settings,
    store: Store,
    profile: Profile,
    papers: Sequence[Paper],
    embedder: Embedder | None = None,
) -> dict[str, Relevance]:
    """Score every paper against the reader's profile.

    Args:
        settings: ``embedding_model`` (``none``: lexical), ``library_half_life_days`` and,
            for an embedder made here, the embedding server settings.
        store: where embeddings are read from and written to (committed before scoring, so
            a run that fails later does not pay for them again).
        profile: the reader (:func:`paperdigest.sources.profile.load_profile`).
        papers: the day's papers.
        embedder: the :class:`~paperdigest.model.embeddings.Embedder` to ask; None makes one
            from the settings when one is needed (and closes its client).

    Returns:
        The :class:`~paperdigest.relevance.score.Relevance` of each paper by arXiv id.

    Raises:
        ConfigError: no key for the embedding server, or it does not know the model or has
            no embeddings endpoint, or refuses the key.
        FetchError: the embedding server failed after the openai client's retries.
        StoreError: the database failed.
    """
    texts = profile.texts()
    documents = [paper_text(p) for p in papers]
    if settings.lexical:
        sims = lexical_similarity(documents, [text for _, text in texts])
    elif embedder is not None:
        sims = await _embedding_sims(store, embedder, profile, papers)
    else:
        from paperdigest.model.client import make_embedding_client
        from paperdigest.model.embeddings import Embedder

        client = make_embedding_client(settings)
        try:
            sims = await _embedding_sims(store, Embedder(client, settings), profile, papers)
        finally:
            await client.close()
    split = len(profile.interests)
    weights = recency_weights(profile.library, profile.today, settings.library_half_life_days)
    scores = combine(profile.interests, sims[:, :split], profile.library, sims[:, split:], weights)
    return {p.arxiv_id: s for p, s in zip(papers, scores, strict=True)}


async def _embedding_sims(
    store: Store, embedder: Embedder, profile: Profile, papers: Sequence[Paper]
) -> np.ndarray:
    texts = profile.texts()
    profile_vectors = await _vectors(
        store, embedder, "profile", [k for k, _ in texts], [t for _, t in texts]
    )
    paper_vectors = await _vectors(
        store, embedder, "paper", [p.arxiv_id for p in papers], [paper_text(p) for p in papers]
    )
    return cosine(paper_vectors, profile_vectors)


async def _vectors(
    store: Store, embedder: Embedder, kind: str, keys: list[str], texts: list[str]
) -> np.ndarray:
    """The vectors of ``keys`` (rows in order): stored ones, and the missing ones asked for
    in one :meth:`Embedder.embed` call and stored. Stored vectors of another size than the
    rest (the server changed the model's dimensions) are asked for again."""
    stored = store.get_embeddings(kind, embedder.model, keys)
    for attempt in range(2):
        missing = [n for n, key in enumerate(keys) if key not in stored]
        if missing:
            fresh = await embedder.embed([texts[n] for n in missing])
            new = {keys[n]: fresh[i].astype("<f4").tobytes() for i, n in enumerate(missing)}
            store.save_embeddings(kind, embedder.model, new)
            stored.update(new)
        sizes = {len(stored[key]) for key in keys}
        if len(sizes) <= 1 or attempt:
            break
        current = len(stored[keys[missing[0]]]) if missing else max(sizes)
        stored = {k: v for k, v in stored.items() if len(v) == current}
    if not keys:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([np.frombuffer(stored[key], dtype="<f4") for key in keys])
