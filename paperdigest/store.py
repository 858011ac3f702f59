"""SQLite store (stdlib ``sqlite3``, WAL): papers, extracted texts, summaries, rejected batch
answers, runs, digests.

A summary is committed the moment it is validated, so a crash loses at most the call in
flight. Summaries are keyed by (arXiv id, schema, prompt hash, model): a rerun with the
same prompt and model asks the model nothing new.

WAL with ``synchronous=NORMAL`` survives a killed process (``kill -9``) without losing a
committed row; only an OS crash or power loss may drop the last transactions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from paperdigest.errors import StoreError
from paperdigest.model.reask import PriorAnswer, Summary
from paperdigest.papers import Paper, SourceText

__all__ = ["DigestRecord", "RunStats", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    arxiv_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    arxiv_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    budget INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, version, budget)
);
CREATE TABLE IF NOT EXISTS summaries (
    arxiv_id TEXT NOT NULL,
    schema TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    content TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_tokens INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    attempts TEXT NOT NULL,
    unverified TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, schema, prompt_hash, model)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    day TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    stats TEXT
);
CREATE TABLE IF NOT EXISTS digests (
    path TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    schema TEXT NOT NULL,
    template TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS digest_papers (
    path TEXT NOT NULL REFERENCES digests(path) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    arxiv_id TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (path, position)
);
CREATE INDEX IF NOT EXISTS digest_papers_by_id ON digest_papers(arxiv_id);
CREATE TABLE IF NOT EXISTS rejected_answers (
    arxiv_id TEXT NOT NULL,
    schema TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    version INTEGER NOT NULL,
    text_key INTEGER NOT NULL,
    content TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, schema, prompt_hash, model)
);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    schema TEXT NOT NULL,
    status TEXT NOT NULL,
    requests TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class DigestRecord:
    """A written digest: where, for which day, and with which schema, template, model, prompt."""

    path: str
    day: str
    schema: str
    template: str
    model: str
    prompt_hash: str


# Commands whose runs rows are written under a day's lock (pipeline.recorded_day).
_DAY_COMMANDS = frozenset({"run", "backfill"})


@dataclass
class RunStats:
    """Counts of one run, printed as its summary line and stored in ``runs.stats``."""

    papers: int = 0
    summarized: int = 0
    cached: int = 0
    skipped: int = 0
    failed: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_seconds: float = 0.0
    cost_usd: float | None = 0.0  # None: no price configured for the model


class Store:
    """The database. One instance per process, used from one thread.

    Raises:
        StoreError: on open, when the file cannot be created or is not a database.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30.0)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._db:
                self._db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(str(path), str(exc)) from exc

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._db:
                yield self._db
        except sqlite3.Error as exc:
            raise StoreError(str(self.path), str(exc)) from exc

    # papers -------------------------------------------------------------

    def save_paper(self, paper: Paper) -> None:
        """Insert or replace a paper record."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO papers VALUES (?, ?, ?)",
                (paper.arxiv_id, paper.model_dump_json(), _now()),
            )

    def get_paper(self, arxiv_id: str) -> Paper | None:
        """The stored record of ``arxiv_id``, or None."""
        row = self._db.execute("SELECT data FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
        return Paper.model_validate_json(row["data"]) if row else None

    # sources ------------------------------------------------------------

    def save_source(self, arxiv_id: str, version: int | None, budget: int, src: SourceText) -> None:
        """Cache the text extracted for a paper version at a token budget."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    arxiv_id,
                    version or 0,
                    budget,
                    src.kind,
                    src.text,
                    src.tokens,
                    int(src.truncated),
                    _now(),
                ),
            )

    def get_source(self, arxiv_id: str, version: int | None, budget: int) -> SourceText | None:
        """The cached text, or None."""
        row = self._db.execute(
            "SELECT kind, text, tokens, truncated FROM sources "
            "WHERE arxiv_id = ? AND version = ? AND budget = ?",
            (arxiv_id, version or 0, budget),
        ).fetchone()
        if row is None:
            return None
        return SourceText(
            kind=row["kind"],
            text=row["text"],
            tokens=row["tokens"],
            truncated=bool(row["truncated"]),
        )

    # summaries ----------------------------------------------------------

    def save_summary(self, s: Summary) -> None:
        """Commit a validated summary (replacing one with the same key)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    s.arxiv_id,
                    s.schema,
                    s.prompt_hash,
                    s.model,
                    json.dumps(s.content, ensure_ascii=False),
                    s.source_kind,
                    s.source_tokens,
                    s.prompt_tokens,
                    s.completion_tokens,
                    json.dumps(s.attempts, ensure_ascii=False),
                    json.dumps(s.unverified, ensure_ascii=False),
                    _now(),
                ),
            )

    def get_summary(
        self, arxiv_id: str, schema: str, prompt_hash: str, model: str
    ) -> Summary | None:
        """The cached summary for this key, or None."""
        row = self._db.execute(
            "SELECT * FROM summaries WHERE arxiv_id = ? AND schema = ? AND prompt_hash = ? "
            "AND model = ?",
            (arxiv_id, schema, prompt_hash, model),
        ).fetchone()
        return _summary(row) if row else None

    def summaries_of(self, arxiv_id: str) -> list[tuple[Summary, str]]:
        """Every stored summary of a paper with its creation time, newest first."""
        rows = self._db.execute(
            "SELECT * FROM summaries WHERE arxiv_id = ? ORDER BY created_at DESC", (arxiv_id,)
        ).fetchall()
        return [(_summary(r), r["created_at"]) for r in rows]

    # rejected batch answers ---------------------------------------------

    def save_rejected(
        self,
        key: tuple[str, str, str, str],
        version: int | None,
        text_key: int,
        answer: PriorAnswer,
    ) -> None:
        """Keep a batch answer that failed validation under its summary key (arXiv id,
        schema, prompt hash, model) with the text it was written from (paper version and
        :func:`~paperdigest.flows.day.text_cache_budget`), for the direct path to re-ask from."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO rejected_answers "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    version or 0,
                    text_key,
                    answer.content,
                    answer.finish_reason,
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    answer.origin,
                    _now(),
                ),
            )

    def pop_rejected(
        self, key: tuple[str, str, str, str], version: int | None, text_key: int
    ) -> PriorAnswer | None:
        """Take the rejected batch answer kept under this summary key: it is removed, so it
        seeds one direct attempt only. None when there is none, or when it was written from
        another text (paper version or text key) than the one the direct path will send."""
        where = "WHERE arxiv_id = ? AND schema = ? AND prompt_hash = ? AND model = ?"
        row = self._db.execute(f"SELECT * FROM rejected_answers {where}", key).fetchone()
        if row is None:  # the usual case: no write transaction per paper
            return None
        with self._tx() as db:
            db.execute(f"DELETE FROM rejected_answers {where}", key)
        if (row["version"], row["text_key"]) != (version or 0, text_key):
            return None
        return PriorAnswer(
            row["content"],
            row["finish_reason"],
            row["prompt_tokens"],
            row["completion_tokens"],
            row["origin"],
        )

    # runs ---------------------------------------------------------------

    def start_run(self, command: str, day: str | None) -> int:
        """Record a run's start; returns its id.

        ``run`` and ``backfill`` call it holding the day's lock, so a row of that day still
        ``running`` belongs to a run that was killed (``kill -9``, power loss): it is marked
        ``killed`` here.
        """
        with self._tx() as db:
            if command in _DAY_COMMANDS and day is not None:
                marks = ", ".join("?" * len(_DAY_COMMANDS))
                db.execute(
                    "UPDATE runs SET status = 'killed' WHERE day = ? AND status = 'running' "
                    f"AND command IN ({marks})",
                    (day, *sorted(_DAY_COMMANDS)),
                )
            cur = db.execute(
                "INSERT INTO runs (command, day, started_at, status) VALUES (?, ?, ?, 'running')",
                (command, day, _now()),
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, stats: RunStats) -> None:
        """Record a run's end, its status (``done``/``partial``/``failed``) and counts.

        A row never finished stays ``running`` until the next run of its day marks it
        ``killed``.
        """
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (_now(), status, json.dumps(stats.__dict__), run_id),
            )

    # digests ------------------------------------------------------------

    def save_digest(self, record: DigestRecord, papers: list[tuple[str, str]]) -> None:
        """Record a written digest and the (arXiv id, status) it lists, in order."""
        with self._tx() as db:
            db.execute("DELETE FROM digest_papers WHERE path = ?", (record.path,))
            db.execute(
                "INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.path,
                    record.day,
                    record.schema,
                    record.template,
                    record.model,
                    record.prompt_hash,
                    _now(),
                ),
            )
            db.executemany(
                "INSERT INTO digest_papers VALUES (?, ?, ?, ?)",
                [(record.path, i, aid, status) for i, (aid, status) in enumerate(papers)],
            )

    def digests_listing(self, arxiv_id: str) -> list[DigestRecord]:
        """Every digest that lists ``arxiv_id``, by path."""
        rows = self._db.execute(
            "SELECT DISTINCT d.* FROM digests d JOIN digest_papers p ON p.path = d.path "
            "WHERE p.arxiv_id = ? ORDER BY d.path",
            (arxiv_id,),
        ).fetchall()
        return [
            DigestRecord(
                r["path"], r["day"], r["schema"], r["template"], r["model"], r["prompt_hash"]
            )
            for r in rows
        ]

    def all_digests(self) -> list[DigestRecord]:
        """Every digest recorded, by day then path (files since removed included)."""
        rows = self._db.execute("SELECT * FROM digests ORDER BY day, path").fetchall()
        return [
            DigestRecord(
                r["path"], r["day"], r["schema"], r["template"], r["model"], r["prompt_hash"]
            )
            for r in rows
        ]

    def digest_papers(self, path: str) -> list[tuple[str, str]]:
        """The (arXiv id, status) a digest lists, in order."""
        rows = self._db.execute(
            "SELECT arxiv_id, status FROM digest_papers WHERE path = ? ORDER BY position", (path,)
        ).fetchall()
        return [(r["arxiv_id"], r["status"]) for r in rows]

    # batches ------------------------------------------------------------

    def save_batch(
        self, batch_id: str, day: str, schema: str, status: str, requests: dict[str, Any]
    ) -> None:
        """Record a Batch API job (so a crashed backfill can resume it)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?, ?)",
                (batch_id, day, schema, status, json.dumps(requests), _now()),
            )

    def open_batches(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Batch jobs not yet ingested: (batch id, day, schema, requests)."""
        rows = self._db.execute(
            "SELECT * FROM batches WHERE status NOT IN ('ingested', 'failed') ORDER BY created_at"
        ).fetchall()
        return [(r["batch_id"], r["day"], r["schema"], json.loads(r["requests"])) for r in rows]


def _summary(row: sqlite3.Row) -> Summary:
    return Summary(
        arxiv_id=row["arxiv_id"],
        schema=row["schema"],
        prompt_hash=row["prompt_hash"],
        model=row["model"],
        content=json.loads(row["content"]),
        source_kind=row["source_kind"],
        source_tokens=row["source_tokens"],
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        attempts=json.loads(row["attempts"]),
        unverified=json.loads(row["unverified"]),
    )
