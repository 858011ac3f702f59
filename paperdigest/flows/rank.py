"""Rank a day's papers by relevance to the reader (issue 18 §2): orchestration only.

Embeddings come from the store when it has them (papers per (arXiv id, model), profile
texts per (SHA-256 of the text, model)); the missing ones are asked for in one
:meth:`~paperdigest.model.embeddings.Embedder.embed` call per kind, so a first run sends at
most 2 requests for a day's list (the profile's, the papers'), more only for a library of
over ~200k tokens, once; a rerun sends none. With ``PAPERDIGEST_EMBEDDING_MODEL=none`` the
similarities are lexical (:mod:`paperdigest.relevance.lexical`) and nothing is sent.

Call :func:`rank_papers` before any chat call: a server without embeddings or a wrong model
then stops the run (ConfigError, exit 2) before anything is paid for. The day's flow imports
this module only when it scores papers: numpy and the scoring load only for a reader.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import httpx2
import numpy as np

from paperdigest.config import Settings
from paperdigest.flows.runtime import Runtime
from paperdigest.papers import Paper
from paperdigest.records import Relevance
from paperdigest.relevance.lexical import lexical_similarity
from paperdigest.relevance.score import combine, cosine, recency_weights
from paperdigest.sources.profile import Profile, load_profile
from paperdigest.store import Store

if TYPE_CHECKING:
    import openai

    from paperdigest.model.embeddings import Embedder

__all__ = ["paper_text", "rank_papers", "reader"]


def paper_text(paper: Paper) -> str:
    """What a paper is compared by: its title, a blank line, its abstract."""
    return f"{paper.title}\n\n{paper.abstract}" if paper.abstract else paper.title


async def reader(rt: Runtime, client: httpx2.AsyncClient, day: date) -> Profile:
    """The reader's profile for ``day``: read once per command (the library file or the
    Zotero library) and kept on the :class:`Runtime` for the command's other days, each
    dated ``day`` (the recency weights count ages to it).

    Raises:
        ConfigError: no reader is configured, or the library or interests are unusable
            (:func:`~paperdigest.sources.profile.load_profile`).
        FetchError: the Zotero API failed after retries.
    """
    if rt.profile is None:
        profile = await load_profile(rt.settings, client, day)
        if profile is None:  # the options were checked against the settings: a flow's bug
            raise ValueError("relevance asked for without a reader profile")
        rt.profile = profile
    return dataclasses.replace(rt.profile, today=day)


class _LazyEmbedder:
    """The settings' :class:`~paperdigest.model.embeddings.Embedder`, made at its first
    request, so that a rerun whose vectors are all stored imports no openai client."""

    def __init__(self, settings: Settings) -> None:
        self.model = settings.embedding_model
        self._settings = settings
        self._client: openai.AsyncOpenAI | None = None
        self._embedder: Embedder | None = None

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._embedder is None:
            from paperdigest.model.client import make_embedding_client
            from paperdigest.model.embeddings import Embedder

            self._client = make_embedding_client(self._settings)
            self._embedder = Embedder(self._client, self._settings)
        return await self._embedder.embed(texts)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


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
            from the settings at the first vector missing from the store (and closes it).

    Returns:
        The :class:`~paperdigest.records.Relevance` of each paper by arXiv id.

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
        lazy = _LazyEmbedder(settings)
        try:
            sims = await _embedding_sims(store, lazy, profile, papers)
        finally:
            await lazy.close()
    split = len(profile.interests)
    weights = recency_weights(profile.library, profile.today, settings.library_half_life_days)
    scores = combine(profile.interests, sims[:, :split], profile.library, sims[:, split:], weights)
    return {p.arxiv_id: s for p, s in zip(papers, scores, strict=True)}


async def _embedding_sims(
    store: Store, embedder: Embedder | _LazyEmbedder, profile: Profile, papers: Sequence[Paper]
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
    store: Store, embedder: Embedder | _LazyEmbedder, kind: str, keys: list[str], texts: list[str]
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
