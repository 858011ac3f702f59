"""Relevance of a day's papers to the reader (issue 18 §2), pure: no I/O, no clock.

* :mod:`.score`: the combination rule: similarities of each paper to the reader's interests
  and library items → one score in 0–1 and the reason (the closest interest or item);
* :mod:`.lexical`: similarities without embeddings, BM25 through an in-memory SQLite FTS5
  table (``PAPERDIGEST_EMBEDDING_MODEL=none``).

The embeddings themselves come from :mod:`paperdigest.model.embeddings`; the flow that reads
and stores them is :mod:`paperdigest.flows.rank`.
"""
