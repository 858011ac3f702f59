"""Benchmark: ranking a day's papers against a large library (issue 18 §5, second target).

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_relevance.py --help``).

What it measures, in a fresh database in a temporary folder:

* ranking, stored embeddings (target <= 1 s of CPU): :func:`paperdigest.flows.rank.rank_papers`
  for 60 papers against a profile of 3 interests and 2,000 library items (dated over three
  years), every vector already stored (1,536 float32 dimensions, text-embedding-3-small's
  size): the store reads, the decoding, the cosine matrix and the combination rule. The
  embedder given refuses to be called, so a request would fail the run. CPU seconds
  (``time.process_time``), the median of ``--repeat`` runs;
* ranking, lexical (BM25 through SQLite FTS5, ``PAPERDIGEST_EMBEDDING_MODEL=none``): the same
  profile and papers, no target (reported);
* reading the library: a 2,000-entry BibTeX export parsed by :func:`read_library`, no target.

The texts are real: titles and abstracts of the recorded lists in ``tests/fixtures/hf`` (a
day's 60 papers and the library's 2,000 items cycle through them, each made distinct by a
number); the vectors are random (their values do not change the work).

Caveat: CPU seconds of this machine, one process, warm caches; the machine is shared, so
compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from benchdata import library_entries, recorded_texts, write_bibtex

from paperdigest.config import Settings
from paperdigest.flows.rank import paper_text, rank_papers
from paperdigest.papers import Paper
from paperdigest.sources.library import LibraryItem, read_library
from paperdigest.sources.profile import Profile
from paperdigest.store import Store

MAX_CPU_SECONDS = 1.0  # issue 18 §5
PAPERS = 60
ITEMS = 2_000
DIMS = 1_536
MODEL = "text-embedding-3-small"
TODAY = date(2025, 11, 7)
INTERESTS = (
    "reinforcement learning for LLM reasoning",
    "video understanding",
    "medical image segmentation",
)


class _NoRequests:
    """An embedder that must not be asked: every vector is stored."""

    model = MODEL

    async def embed(self, texts: list[str]) -> np.ndarray:
        raise AssertionError(f"an embedding request for {len(texts)} texts")


def _setup(folder: Path) -> tuple[Settings, Store, Profile, list[Paper]]:
    recorded = recorded_texts()
    papers = [
        Paper(
            arxiv_id=f"2511.{10000 + n}",
            title=f"{recorded[n % len(recorded)][0]} ({n})",
            abstract=recorded[n % len(recorded)][1],
            upvotes=n,
        )
        for n in range(PAPERS)
    ]
    library = tuple(
        LibraryItem(title, abstract, added=added)
        for title, abstract, added in library_entries(ITEMS, TODAY)
    )
    profile = Profile(INTERESTS, library, TODAY)
    settings = Settings(db=folder / "bench.db", output_dir=folder)  # type: ignore[call-arg]
    store = Store(settings.db_path)
    rng = np.random.default_rng(18)

    def vectors(keys: list[str]) -> dict[str, bytes]:
        values = rng.standard_normal((len(keys), DIMS)).astype("<f4")
        return {k: values[i].tobytes() for i, k in enumerate(keys)}

    store.save_embeddings("profile", MODEL, vectors([k for k, _ in profile.texts()]))
    store.save_embeddings("paper", MODEL, vectors([p.arxiv_id for p in papers]))
    return settings, store, profile, papers


def _cpu(action: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        action()  # type: ignore[operator]
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> int:
    """Print the figures; exit 1 when the ranking misses its target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings, store, profile, papers = _setup(folder)
        lexical = settings.model_copy(update={"embedding_model": "none"})
        try:

            def rank() -> None:
                asyncio.run(rank_papers(settings, store, profile, papers, _NoRequests()))  # type: ignore[arg-type]

            def rank_lexical() -> None:
                asyncio.run(rank_papers(lexical, store, profile, papers))

            ranked = _cpu(rank, args.repeat)
            bm25 = _cpu(rank_lexical, max(1, args.repeat // 2))
        finally:
            store.close()
        entries = [(i.title, i.abstract, i.added) for i in profile.library]
        bib = write_bibtex(folder / "library.bib", entries)
        parsed = _cpu(lambda: read_library(bib), 1)
    verdict = "PASS" if ranked <= MAX_CPU_SECONDS else "FAIL"
    print(
        f"ranking, stored embeddings   {ranked:.3f} s CPU for {PAPERS} papers x {ITEMS} library "
        f"items + {len(INTERESTS)} interests, {DIMS} dims (target <= {MAX_CPU_SECONDS:g} s) "
        f"{verdict}"
    )
    print(f"ranking, lexical (BM25)      {bm25:.3f} s CPU for the same papers and profile")
    print(f"reading a {ITEMS}-entry .bib    {parsed:.3f} s CPU (bibtexparser)")
    print(f"(texts per paper: ~{sum(len(paper_text(p)) for p in papers) // PAPERS} characters)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
