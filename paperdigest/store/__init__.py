"""SQLite store (stdlib ``sqlite3``, WAL): papers, extracted texts, summaries, rejected batch
answers, runs, digests, embeddings, weekly overviews and posts, Batch API jobs, and the search
index (:mod:`paperdigest.store.search`).

A summary is committed the moment it is validated, so a crash loses at most the call in
flight. Summaries are keyed by (arXiv id, schema, prompt hash, model): a rerun with the
same prompt and model asks the model nothing new.

WAL with ``synchronous=NORMAL`` survives a killed process (``kill -9``) without losing a
committed row; only an OS crash or power loss may drop the last transactions.

Schema versions: opening applies the migrations of :mod:`paperdigest.store.migrations`
(``PRAGMA user_version``); a database written by a newer paperdigest is refused untouched
(:class:`~paperdigest.errors.NewerDatabase`), and so is another program's SQLite file
(:class:`~paperdigest.errors.ForeignDatabase`). Every SQLite error, on reads too, is raised as
:class:`~paperdigest.errors.StoreError` naming what the store was doing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from paperdigest.errors import ForeignDatabase, NewerDatabase, StoreError
from paperdigest.papers import Paper, SourceText
from paperdigest.records import (
    DigestRecord,
    Listing,
    Overview,
    PriorAnswer,
    Relevance,
    RunRecord,
    RunStats,
    Summary,
    TextKey,
    WeeklyPost,
)
from paperdigest.states import PaperState, RunStatus
from paperdigest.store import search
from paperdigest.store.migrations import (
    FIRST_RELEASE_TABLES,
    LATEST,
    NewerSchema,
    create_search_index,
    migrate,
    schema_version,
    trigram_available,
)
from paperdigest.store.search import IndexSize, SearchHit

# RunStats, Summary and TextKey live in paperdigest.records; named here because
# flows/ingest.py, tests and benchmarks still import them from the store.
__all__ = ["IndexSize", "RunStats", "SearchHit", "Store", "Summary", "TextKey"]

# Commands that write their runs rows holding the lock of their label (flows.runtime.run_lock),
# in groups that share one: ``run`` and ``backfill`` a day's (flows.runtime.recorded_day),
# ``weekly`` a week's. ``batch`` holds none. Each command → the commands of its group.
_DAY_COMMANDS = ("backfill", "run")
_LOCK_SHARERS = {command: group for group in (_DAY_COMMANDS, ("weekly",)) for command in group}

# Seconds a statement waits for another process's write lock before failing: a parallel run
# of another day commits one summary at a time, so 30 s is far beyond any real wait.
_BUSY_TIMEOUT = 30.0

# The records stored as one row each, a column per field (see _put_record), and the fields
# among theirs that hold lists and dicts, stored as JSON text.
_Record = TypeVar("_Record", Summary, Overview)
_JSON_FIELDS = frozenset({"arxiv_ids", "attempts", "content", "unverified"})

_SUMMARY_KEY = "arxiv_id = ? AND schema = ? AND prompt_hash = ? AND model = ?"

# Keys per SELECT … IN (…): well under SQLite's 32,766 host parameters, and a 2,000-item
# library is read in four statements.
_KEYS_PER_QUERY = 500


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _refuse_unknown(path: Path) -> None:
    """Raise when ``path`` is a database this code must not migrate: NewerDatabase when a
    newer paperdigest wrote it, ForeignDatabase when another program did (schema version 0
    with tables the first release never made). Read through a read-only connection, so a
    refused file is not written (not even its journal mode)."""
    if not path.is_file():
        return
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT)
    try:
        version = schema_version(db)
        tables = [
            str(row[0])
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
    finally:
        db.close()
    if version > LATEST:
        raise NewerDatabase(str(path), version)
    if version == 0 and not set(tables) <= FIRST_RELEASE_TABLES:
        raise ForeignDatabase(str(path), tables)


class Store:
    """The database. One instance per process, used from one thread.

    Raises:
        NewerDatabase: on open, when a newer paperdigest wrote the database (left untouched).
        ForeignDatabase: on open, when the file is another program's SQLite database (left
            untouched).
        StoreError: on open, when the file cannot be created, is not a database, or a
            migration fails; on any later read or write that SQLite refuses.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _refuse_unknown(path)
            # Autocommit: every transaction is an explicit BEGIN IMMEDIATE (see _tx).
            self._db = sqlite3.connect(path, timeout=_BUSY_TIMEOUT, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(str(path), f"opening: {exc}") from exc
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            migrate(self._db)
        except NewerSchema as exc:  # a newer paperdigest migrated it since the check
            self._db.close()
            raise NewerDatabase(str(path), exc.version) from None
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(str(path), f"opening (schema migration): {exc}") from exc

    def close(self) -> None:
        """Close the connection.

        Raises:
            StoreError: SQLite failed to close (e.g. the final WAL checkpoint failed).
        """
        try:
            self._db.close()
        except sqlite3.Error as exc:
            raise StoreError(str(self.path), f"closing: {exc}") from exc

    @contextmanager
    def _tx(self, what: str) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``: the write lock is taken up front, so a
        read-then-write never fails on a lock upgrade); rolled back on any error."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(str(self.path), f"{what}: {exc}") from exc
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(str(self.path), f"{what}: {exc}") from exc
            raise

    def _rows(self, what: str, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(str(self.path), f"{what}: {exc}") from exc

    def _decode(self, what: str, exc: ValueError) -> StoreError:
        return StoreError(str(self.path), f"{what}: a stored row cannot be read ({exc})")

    # papers -------------------------------------------------------------

    def save_paper(self, paper: Paper) -> None:
        """Insert or replace a paper record."""
        with self._tx(f"saving paper {paper.arxiv_id}") as db:
            db.execute(
                "INSERT OR REPLACE INTO papers (arxiv_id, data, updated_at) VALUES (?, ?, ?)",
                (paper.arxiv_id, paper.model_dump_json(), _now()),
            )

    def get_paper(self, arxiv_id: str) -> Paper | None:
        """The stored record of ``arxiv_id``, or None."""
        what = f"reading paper {arxiv_id}"
        rows = self._rows(what, "SELECT data FROM papers WHERE arxiv_id = ?", (arxiv_id,))
        try:
            return Paper.model_validate_json(rows[0]["data"]) if rows else None
        except ValueError as exc:
            raise self._decode(what, exc) from exc

    # sources ------------------------------------------------------------

    def save_source(
        self, arxiv_id: str, version: int | None, key: TextKey, src: SourceText
    ) -> None:
        """Cache the text extracted for a paper version under its :class:`TextKey`."""
        with self._tx(f"saving the text of {arxiv_id}") as db:
            db.execute(
                "INSERT OR REPLACE INTO sources (arxiv_id, version, budget_tokens, "
                "extraction_version, kind, text, tokens, truncated, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    arxiv_id,
                    version or 0,
                    key.budget_tokens,
                    key.extraction_version,
                    src.kind,
                    src.text,
                    src.tokens,
                    int(src.truncated),
                    _now(),
                ),
            )

    def get_source(self, arxiv_id: str, version: int | None, key: TextKey) -> SourceText | None:
        """The cached text of this paper version under ``key``, or None."""
        what = f"reading the text of {arxiv_id}"
        rows = self._rows(
            what,
            "SELECT kind, text, tokens, truncated FROM sources WHERE arxiv_id = ? AND version = ? "
            "AND budget_tokens = ? AND extraction_version = ?",
            (arxiv_id, version or 0, key.budget_tokens, key.extraction_version),
        )
        if not rows:
            return None
        row = rows[0]
        try:
            return SourceText(
                kind=row["kind"],
                text=row["text"],
                tokens=row["tokens"],
                truncated=bool(row["truncated"]),
            )
        except ValueError as exc:
            raise self._decode(what, exc) from exc

    # summaries ----------------------------------------------------------

    def save_summary(self, s: Summary) -> None:
        """Commit a validated summary (replacing one with the same key)."""
        with self._tx(f"saving the summary of {s.arxiv_id}") as db:
            _put_record(db, "summaries", s)

    def get_summary(
        self, arxiv_id: str, schema: str, prompt_hash: str, model: str
    ) -> Summary | None:
        """The cached summary for this key, or None."""
        what = f"reading the summary of {arxiv_id}"
        rows = self._rows(
            what,
            f"SELECT * FROM summaries WHERE {_SUMMARY_KEY}",
            (arxiv_id, schema, prompt_hash, model),
        )
        return self._summaries(what, rows)[0] if rows else None

    def summaries_of(self, arxiv_id: str) -> list[tuple[Summary, str]]:
        """Every stored summary of a paper with its creation time, newest first."""
        what = f"reading the summaries of {arxiv_id}"
        rows = self._rows(
            what,
            "SELECT * FROM summaries WHERE arxiv_id = ? ORDER BY created_at DESC",
            (arxiv_id,),
        )
        summaries = self._summaries(what, rows)
        return [(s, r["created_at"]) for s, r in zip(summaries, rows, strict=True)]

    def _summaries(self, what: str, rows: list[sqlite3.Row]) -> list[Summary]:
        try:
            return [_record(Summary, r) for r in rows]
        except (ValueError, KeyError) as exc:
            raise self._decode(what, ValueError(str(exc))) from exc

    # rejected batch answers ---------------------------------------------

    def save_rejected(
        self,
        key: tuple[str, str, str, str],
        version: int | None,
        text_key: TextKey,
        answer: PriorAnswer,
    ) -> None:
        """Keep a batch answer that failed validation under its summary key (arXiv id,
        schema, prompt hash, model) with the text it was written from (paper version and
        :class:`TextKey`), for the direct path to re-ask from."""
        with self._tx(f"saving the rejected batch answer for {key[0]}") as db:
            db.execute(
                "INSERT OR REPLACE INTO rejected_answers (arxiv_id, schema, prompt_hash, model, "
                "version, budget_tokens, extraction_version, content, finish_reason, "
                "prompt_tokens, completion_tokens, origin, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    version or 0,
                    text_key.budget_tokens,
                    text_key.extraction_version,
                    answer.content,
                    answer.finish_reason,
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    answer.origin,
                    _now(),
                ),
            )

    def pop_rejected(
        self, key: tuple[str, str, str, str], version: int | None, text_key: TextKey
    ) -> PriorAnswer | None:
        """Take the rejected batch answer kept under this summary key: it is removed, so it
        seeds one direct attempt only. None when there is none, or when it was written from
        another text (paper version or text key) than the one the direct path will send."""
        what = f"taking the rejected batch answer for {key[0]}"
        rows = self._rows(what, f"SELECT * FROM rejected_answers WHERE {_SUMMARY_KEY}", key)
        if not rows:  # the usual case: no write transaction per paper
            return None
        row = rows[0]
        with self._tx(what) as db:
            db.execute(f"DELETE FROM rejected_answers WHERE {_SUMMARY_KEY}", key)
        written_from = (row["version"], TextKey(row["budget_tokens"], row["extraction_version"]))
        if written_from != (version or 0, text_key):
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

        ``day`` is the run's label, stored in ``runs.day``: a day ``YYYY-MM-DD`` (``run``,
        ``backfill``), a week ``2025-W46`` (``weekly``), a batch's days or results file
        (``batch``); None for none. ``run`` and ``backfill`` call it holding the day's lock,
        and ``weekly`` the week's, so a row of that label and lock still ``running`` belongs
        to a run that was killed (``kill -9``, power loss): it is marked ``killed`` here.

        Raises:
            StoreError: SQLite failed.
        """
        with self._tx(f"recording the start of {command}") as db:
            sharing = _LOCK_SHARERS.get(command, ())
            if sharing and day is not None:
                marks = ", ".join("?" * len(sharing))
                db.execute(
                    "UPDATE runs SET status = ? WHERE day = ? AND status = ? "
                    f"AND command IN ({marks})",
                    (RunStatus.KILLED, day, RunStatus.RUNNING, *sharing),
                )
            cur = db.execute(
                "INSERT INTO runs (command, day, started_at, status) VALUES (?, ?, ?, ?)",
                (command, day, _now(), RunStatus.RUNNING),
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: RunStatus, stats: RunStats) -> None:
        """Record a run's end, its status (``done``/``partial``/``failed``) and counts.

        A row never finished stays ``running`` until the next run of its day marks it
        ``killed``.
        """
        with self._tx(f"recording the end of run {run_id}") as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (_now(), status, json.dumps(stats.__dict__), run_id),
            )

    def day_runs(self, first: str | None = None, last: str | None = None) -> list[RunRecord]:
        """The ``run`` and ``backfill`` rows of the days from ``first`` to ``last``
        (``YYYY-MM-DD``, both included; None: unbounded), by day, then oldest first.

        Raises:
            StoreError: SQLite failed, or a row's ``stats`` is not JSON.
        """
        what = "reading the runs"
        rows = self._rows(
            what,
            "SELECT id, command, day, status, started_at, stats FROM runs "
            f"WHERE command IN ({', '.join('?' * len(_DAY_COMMANDS))}) AND day IS NOT NULL "
            "AND (? IS NULL OR day >= ?) AND (? IS NULL OR day <= ?) ORDER BY day, id",
            (*_DAY_COMMANDS, first, first, last, last),
        )
        try:
            return [
                RunRecord(
                    r["id"],
                    r["command"],
                    r["day"],
                    RunStatus(r["status"]),
                    r["started_at"],
                    RunStats.from_json(json.loads(r["stats"])) if r["stats"] else None,
                )
                for r in rows
            ]
        except (ValueError, TypeError) as exc:
            raise self._decode(what, ValueError(str(exc))) from exc

    # digests ------------------------------------------------------------

    def save_digest(self, record: DigestRecord, papers: Sequence[Listing]) -> None:
        """Record a written digest and the papers it lists, in order."""
        with self._tx(f"recording the digest {record.path}") as db:
            db.execute("DELETE FROM digest_papers WHERE path = ?", (record.path,))
            db.execute(
                "INSERT OR REPLACE INTO digests (path, day, schema, template, model, "
                "prompt_hash, brief_schema, brief_prompt_hash, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.path,
                    record.day,
                    record.schema,
                    record.template,
                    record.model,
                    record.prompt_hash,
                    record.brief_schema,
                    record.brief_prompt_hash,
                    _now(),
                ),
            )
            db.executemany(
                "INSERT INTO digest_papers (path, position, arxiv_id, state, detail, attempts, "
                "relevance, related, related_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        record.path,
                        i,
                        p.arxiv_id,
                        p.state,
                        p.detail,
                        p.attempts,
                        *(
                            (p.relevance.score, p.relevance.why, p.relevance.source)
                            if p.relevance is not None
                            else (None, None, None)
                        ),
                    )
                    for i, p in enumerate(papers)
                ],
            )

    def digests_listing(self, arxiv_id: str) -> list[DigestRecord]:
        """Every digest that lists ``arxiv_id``, by path."""
        rows = self._rows(
            f"reading the digests listing {arxiv_id}",
            "SELECT DISTINCT d.* FROM digests d JOIN digest_papers p ON p.path = d.path "
            "WHERE p.arxiv_id = ? ORDER BY d.path",
            (arxiv_id,),
        )
        return [_digest(r) for r in rows]

    def digests_between(
        self, first: str | None = None, last: str | None = None
    ) -> list[DigestRecord]:
        """The digests of the days from ``first`` to ``last`` (``YYYY-MM-DD``, both included;
        None: unbounded), by day, then path."""
        rows = self._rows(
            "reading the digests",
            "SELECT * FROM digests WHERE (? IS NULL OR day >= ?) AND (? IS NULL OR day <= ?) "
            "ORDER BY day, path",
            (first, first, last, last),
        )
        return [_digest(r) for r in rows]

    def digest_papers(self, path: str) -> list[Listing]:
        """The papers a digest lists, in order.

        Raises:
            StoreError: SQLite failed, or a row's state is none this version knows.
        """
        what = f"reading the papers of the digest {path}"
        rows = self._rows(
            what,
            "SELECT arxiv_id, state, detail, attempts, relevance, related, related_source "
            "FROM digest_papers WHERE path = ? ORDER BY position",
            (path,),
        )
        try:
            return [
                Listing(
                    r["arxiv_id"],
                    PaperState(r["state"]),
                    r["detail"],
                    r["attempts"],
                    None
                    if r["relevance"] is None
                    else Relevance(r["relevance"], r["related"], r["related_source"]),
                )
                for r in rows
            ]
        except ValueError as exc:
            raise self._decode(what, exc) from exc

    def shown_summaries(self, first: str | None = None, last: str | None = None) -> list[Summary]:
        """Each full summary shown by a digest of the days from ``first`` to ``last``
        (``YYYY-MM-DD``, both included; None: unbounded) once, under the digest's own schema,
        prompt hash and model, by arXiv id then schema. Briefs (``briefed`` papers) are not
        among them: the ``stats`` rows describe the texts full summaries were written from.

        Raises:
            StoreError: SQLite failed, or a stored summary is not JSON.
        """
        what = "reading the summaries of the digests"
        rows = self._rows(
            what,
            "SELECT DISTINCT s.* FROM digests d "
            "JOIN digest_papers p ON p.path = d.path AND p.state = ? "
            "JOIN summaries s ON s.arxiv_id = p.arxiv_id AND s.schema = d.schema "
            "AND s.prompt_hash = d.prompt_hash AND s.model = d.model "
            "WHERE (? IS NULL OR d.day >= ?) AND (? IS NULL OR d.day <= ?) "
            "ORDER BY s.arxiv_id, s.schema",
            (PaperState.SUMMARIZED, first, first, last, last),
        )
        return self._summaries(what, rows)

    # embeddings ---------------------------------------------------------

    def get_embeddings(self, kind: str, model: str, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of ``keys`` under ``model``: key → little-endian float32 bytes.

        Args:
            kind: ``paper`` (keys are arXiv ids) or ``profile`` (keys are the SHA-256 of
                an interest phrase or a library item's text).
            model: the embedding model that made them.
            keys: the keys asked; those not stored are absent from the result.

        Raises:
            StoreError: SQLite failed.
        """
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _KEYS_PER_QUERY):
            chunk = unique[start : start + _KEYS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            rows = self._rows(
                f"reading {kind} embeddings",
                f"SELECT key, vector FROM embeddings WHERE kind = ? AND model = ? "
                f"AND key IN ({marks})",
                (kind, model, *chunk),
            )
            found.update((r["key"], bytes(r["vector"])) for r in rows)
        return found

    def save_embeddings(self, kind: str, model: str, vectors: Mapping[str, bytes]) -> None:
        """Store vectors (key → little-endian float32 bytes) of one ``kind`` and ``model``
        in one transaction, replacing any under the same key.

        Raises:
            StoreError: SQLite failed.
        """
        now = _now()
        with self._tx(f"saving {len(vectors)} {kind} embeddings") as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings (kind, key, model, dims, vector, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(kind, k, model, len(v) // 4, v, now) for k, v in vectors.items()],
            )

    # weekly overviews and posts -----------------------------------------

    def save_overview(self, overview: Overview) -> None:
        """Commit a validated weekly overview (replacing one with the same key)."""
        with self._tx(f"saving the overview of {overview.week}") as db:
            _put_record(db, "weekly_overviews", overview)

    def get_overview(
        self, week: str, papers_hash: str, prompt_hash: str, model: str
    ) -> Overview | None:
        """The cached overview of ``week`` for this key, or None.

        Raises:
            StoreError: SQLite failed, or the stored row is not JSON.
        """
        what = f"reading the overview of {week}"
        rows = self._rows(
            what,
            "SELECT * FROM weekly_overviews WHERE week = ? AND papers_hash = ? "
            "AND prompt_hash = ? AND model = ?",
            (week, papers_hash, prompt_hash, model),
        )
        try:
            return _record(Overview, rows[0]) if rows else None
        except ValueError as exc:
            raise self._decode(what, exc) from exc

    def save_weekly_post(self, post: WeeklyPost) -> None:
        """Record a written weekly post (replacing the record of the same file)."""
        with self._tx(f"recording the weekly post of {post.week}") as db:
            db.execute(
                "INSERT OR REPLACE INTO weekly_posts (path, week, day, template, entries, "
                "overview, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    post.path,
                    post.week,
                    post.day,
                    post.template,
                    json.dumps(post.entries, ensure_ascii=False),
                    post.overview,
                    _now(),
                ),
            )

    def weekly_posts(self) -> list[WeeklyPost]:
        """Every recorded weekly post, by Sunday, then file.

        Raises:
            StoreError: SQLite failed, or a row's ``entries`` is not JSON.
        """
        what = "reading the weekly posts"
        rows = self._rows(what, "SELECT * FROM weekly_posts ORDER BY day, path")
        try:
            return [
                WeeklyPost(
                    r["path"],
                    r["week"],
                    r["day"],
                    r["template"],
                    tuple((aid, gist) for aid, gist in json.loads(r["entries"])),
                    r["overview"],
                )
                for r in rows
            ]
        except ValueError as exc:
            raise self._decode(what, exc) from exc

    # search -------------------------------------------------------------

    def search(
        self, query: str, first: str | None, last: str | None, limit: int
    ) -> tuple[list[SearchHit], bool]:
        """The ``limit`` papers whose title, abstract or stored summaries hold ``query``, and
        whether they are ranked: through the FTS5 index, best first, for a query of at
        least :data:`~paperdigest.store.search.MIN_INDEXED_CHARS` characters; else by a plain
        substring scan, newest first (see :mod:`paperdigest.store.search`). ``first`` and
        ``last`` (``YYYY-MM-DD``, None: unbounded) keep the papers a digest of a day between
        them lists.

        Raises:
            StoreError: SQLite failed.
        """
        try:
            if len(query) >= search.MIN_INDEXED_CHARS and self.search_indexed():
                return search.match(self._db, query, first, last, limit), True
            return search.scan(self._db, query, first, last, limit), False
        except sqlite3.Error as exc:
            raise StoreError(str(self.path), f"searching for {query!r}: {exc}") from exc

    def search_indexed(self) -> bool:
        """Whether the FTS5 search index exists. A database migrated by an SQLite without
        the trigram tokenizer gets it here once this SQLite has one.

        Raises:
            StoreError: SQLite failed.
        """
        try:
            if search.has_index(self._db):
                return True
            if not trigram_available(self._db):  # no write lock taken for nothing
                return False
        except sqlite3.Error as exc:
            raise StoreError(str(self.path), f"looking for the search index: {exc}") from exc
        with self._tx("creating the search index") as db:
            return create_search_index(db)

    def search_index_size(self) -> IndexSize:
        """The search index's size against the text it indexes (bytes).

        Raises:
            StoreError: SQLite failed.
        """
        try:
            return search.index_size(self._db)
        except sqlite3.Error as exc:
            raise StoreError(str(self.path), f"measuring the search index: {exc}") from exc

    # batches ------------------------------------------------------------

    def save_batch(
        self, batch_id: str, day: str, schema: str, status: str, requests: dict[str, Any]
    ) -> None:
        """Record a Batch API job (so a crashed backfill can resume it)."""
        with self._tx(f"recording batch {batch_id}") as db:
            db.execute(
                "INSERT OR REPLACE INTO batches (batch_id, day, schema, status, requests, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (batch_id, day, schema, status, json.dumps(requests), _now()),
            )

    def open_batches(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Batch jobs not yet ingested: (batch id, day, schema, requests)."""
        what = "reading the open batches"
        rows = self._rows(
            what,
            "SELECT * FROM batches WHERE status NOT IN ('ingested', 'failed') ORDER BY created_at",
        )
        try:
            return [(r["batch_id"], r["day"], r["schema"], json.loads(r["requests"])) for r in rows]
        except ValueError as exc:
            raise self._decode(what, exc) from exc


def _digest(row: sqlite3.Row) -> DigestRecord:
    return DigestRecord(
        row["path"],
        row["day"],
        row["schema"],
        row["template"],
        row["model"],
        row["prompt_hash"],
        row["brief_schema"],
        row["brief_prompt_hash"],
    )


def _put_record(db: sqlite3.Connection, table: str, record: Summary | Overview) -> None:
    """Insert or replace ``record`` as a row of ``table``, whose columns are the record's
    fields (lists and dicts as JSON text) and ``created_at``."""
    row = {
        name: json.dumps(value, ensure_ascii=False) if name in _JSON_FIELDS else value
        for name, value in asdict(record).items()
    }
    row["created_at"] = _now()
    db.execute(
        f"INSERT OR REPLACE INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        tuple(row.values()),
    )


def _record(cls: type[_Record], row: sqlite3.Row) -> _Record:
    """The record a row written by :func:`_put_record` holds.

    Raises:
        ValueError: a JSON column is not JSON.
    """
    return cls(
        **{
            f.name: json.loads(row[f.name]) if f.name in _JSON_FIELDS else row[f.name]
            for f in fields(cls)
        }
    )
