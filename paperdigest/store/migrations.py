"""Schema versions of the database: ``PRAGMA user_version`` and the ordered migrations.

A database's ``user_version`` is the number of the last migration applied to it (0: none,
which is also what the first release, commit 6e09470, left). Opening a database applies
every later migration in order, each in its own ``BEGIN IMMEDIATE`` transaction together
with its ``user_version`` bump, so a crash or a concurrent opener leaves the database at one
version or the next, never between. Migration 1 is the first release's schema exactly, with
``IF NOT EXISTS``: a fresh database and one written by the first release take the same path.

Rules for a new migration: append it (never edit a released one); write named columns;
move data with ``INSERT INTO new (…) SELECT … FROM old`` rather than dropping it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "FIRST_RELEASE_TABLES",
    "LATEST",
    "MIGRATIONS",
    "Migration",
    "NewerSchema",
    "create_search_index",
    "migrate",
    "schema_version",
    "trigram_available",
]

# The first release's schema (commit 6e09470), verbatim: do not edit.
_V1 = (
    """CREATE TABLE IF NOT EXISTS papers (
    arxiv_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS sources (
    arxiv_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    budget INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, version, budget)
)""",
    """CREATE TABLE IF NOT EXISTS summaries (
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
)""",
    """CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    day TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    stats TEXT
)""",
    """CREATE TABLE IF NOT EXISTS digests (
    path TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    schema TEXT NOT NULL,
    template TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS digest_papers (
    path TEXT NOT NULL REFERENCES digests(path) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    arxiv_id TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (path, position)
)""",
    "CREATE INDEX IF NOT EXISTS digest_papers_by_id ON digest_papers(arxiv_id)",
    """CREATE TABLE IF NOT EXISTS rejected_answers (
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
)""",
    """CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    schema TEXT NOT NULL,
    status TEXT NOT NULL,
    requests TEXT NOT NULL,
    created_at TEXT NOT NULL
)""",
)

# Schema 2: the packed text key (budget_tokens * 100 + extraction version) of ``sources.budget``
# and ``rejected_answers.text_key`` becomes two columns. Tables are rebuilt, since SQLite
# cannot change a primary key in place; every row is carried over.
_V2 = (
    """CREATE TABLE sources_v2 (
    arxiv_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    budget_tokens INTEGER NOT NULL,
    extraction_version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, version, budget_tokens, extraction_version)
)""",
    """INSERT INTO sources_v2 (arxiv_id, version, budget_tokens, extraction_version, kind, text,
    tokens, truncated, fetched_at)
SELECT arxiv_id, version, budget / 100, budget % 100, kind, text, tokens, truncated, fetched_at
FROM sources""",
    "DROP TABLE sources",
    "ALTER TABLE sources_v2 RENAME TO sources",
    """CREATE TABLE rejected_answers_v2 (
    arxiv_id TEXT NOT NULL,
    schema TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    version INTEGER NOT NULL,
    budget_tokens INTEGER NOT NULL,
    extraction_version INTEGER NOT NULL,
    content TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, schema, prompt_hash, model)
)""",
    """INSERT INTO rejected_answers_v2 (arxiv_id, schema, prompt_hash, model, version,
    budget_tokens, extraction_version, content, finish_reason, prompt_tokens,
    completion_tokens, origin, created_at)
SELECT arxiv_id, schema, prompt_hash, model, version, text_key / 100, text_key % 100, content,
    finish_reason, prompt_tokens, completion_tokens, origin, created_at
FROM rejected_answers""",
    "DROP TABLE rejected_answers",
    "ALTER TABLE rejected_answers_v2 RENAME TO rejected_answers",
)


# Schema 3: a digest's papers keep their state in words of their own (issue 16 §2). Until
# now ``digest_papers.status`` held ``ok`` or the reason the digest showed, whose first words
# named the state: ``요약 실패 (3회 시도): …``, ``미완료: …``, ``건너뜀: …``, ``필터로 제외``. Those
# prefixes are spelt here as the released versions wrote them (the labels of today's digests
# live in paperdigest/render.py and may change; these may not). They are parsed once, here:
# ``state`` (paperdigest.states.PaperState), ``detail`` (the text after "label: "), and
# ``attempts`` (the N of "(N회 시도)"). A reason of no known kind counts as failed, as it
# always did, with the whole reason kept as its detail.
_V3 = (
    """CREATE TABLE digest_papers_v3 (
    path TEXT NOT NULL REFERENCES digests(path) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    arxiv_id TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT,
    attempts INTEGER,
    PRIMARY KEY (path, position)
)""",
    """WITH old AS (
    SELECT path, position, arxiv_id, status,
        CASE
            WHEN status = 'ok' THEN 'summarized'
            WHEN substr(status, 1, 6) = '필터로 제외' THEN 'filtered'
            WHEN substr(status, 1, 3) = '건너뜀' THEN 'skipped'
            WHEN substr(status, 1, 3) = '미완료' THEN 'not_done'
            ELSE 'failed'
        END AS state,
        CASE
            WHEN status = 'ok' THEN ''
            WHEN substr(status, 1, 6) = '필터로 제외' THEN substr(status, 7)
            WHEN substr(status, 1, 3) IN ('건너뜀', '미완료') THEN substr(status, 4)
            WHEN substr(status, 1, 5) = '요약 실패' THEN substr(status, 6)
        END AS rest,
        instr(status, '회 시도): ') AS tries_end
    FROM digest_papers
)
INSERT INTO digest_papers_v3 (path, position, arxiv_id, state, detail, attempts)
SELECT path, position, arxiv_id, state,
    CASE
        WHEN rest IS NULL THEN status
        WHEN rest = '' THEN NULL
        WHEN substr(rest, 1, 2) = ': ' THEN substr(rest, 3)
        WHEN state = 'failed' AND substr(rest, 1, 2) = ' (' AND tries_end > 0
            THEN substr(status, tries_end + 7)
        ELSE trim(rest)
    END,
    CASE
        WHEN state = 'failed' AND substr(rest, 1, 2) = ' (' AND tries_end > 0
            THEN CAST(substr(status, 8, tries_end - 8) AS INTEGER)
    END
FROM old""",
    "DROP TABLE digest_papers",
    "ALTER TABLE digest_papers_v3 RENAME TO digest_papers",
    "CREATE INDEX digest_papers_by_id ON digest_papers(arxiv_id)",
)

# Schema 4, embeddings (issue 18 §2): the vectors the relevance score compares, so a rerun
# asks the embedding API nothing. A paper's vector is stored under its arXiv id (kind "paper"), a
# profile text's (an interest phrase, a library item's title and abstract) under the SHA-256
# of the text (kind "profile"): both per embedding model. ``vector`` is little-endian
# float32, ``dims`` values long. A table of its own: no released table changes.
_EMBEDDINGS = (
    """CREATE TABLE embeddings (
    kind TEXT NOT NULL CHECK (kind IN ('paper', 'profile')),
    key TEXT NOT NULL,
    model TEXT NOT NULL,
    dims INTEGER NOT NULL,
    vector BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (kind, key, model)
)""",
)

# A new paper's or summary's document (in a trigger of schema 5).
_NEW_DOC = """INSERT INTO search_docs (arxiv_id) SELECT NEW.arxiv_id
    WHERE NOT EXISTS (SELECT 1 FROM search_docs WHERE arxiv_id = NEW.arxiv_id);"""

# Schema 5: the search index of ``paperdigest search`` (issue 19 §1). One document per paper
# (``search_docs`` gives it a stable integer id: ``papers`` rows get a new rowid on every
# INSERT OR REPLACE), whose text the view ``search_text`` reads from the stored records: the
# title and abstract of ``papers.data`` and every text field of every stored summary
# (``json_each`` over ``summaries.content``). A row that is not valid JSON gives no text
# rather than failing the statement that wrote it. A later migration that rebuilds ``papers``
# or ``summaries`` must drop and recreate the view and the triggers of this one.
_V5 = (
    """CREATE TABLE search_docs (
    doc INTEGER PRIMARY KEY,
    arxiv_id TEXT NOT NULL UNIQUE
)""",
    """CREATE VIEW search_text (doc, arxiv_id, title, abstract, summary) AS
SELECT d.doc, d.arxiv_id,
    (SELECT json_extract(p.data, '$.title') FROM papers p
        WHERE p.arxiv_id = d.arxiv_id AND json_valid(p.data)),
    (SELECT json_extract(p.data, '$.abstract') FROM papers p
        WHERE p.arxiv_id = d.arxiv_id AND json_valid(p.data)),
    (SELECT group_concat(f.value, char(10)) FROM summaries s,
        json_each(CASE WHEN json_valid(s.content) THEN s.content ELSE '{}' END) f
        WHERE s.arxiv_id = d.arxiv_id AND f.type = 'text')
FROM search_docs d""",
    # Every paper and summary has its document, with or without the full-text index. (Not
    # INSERT OR IGNORE: in a trigger the outer statement's conflict clause wins, and the
    # store's INSERT OR REPLACE would give the document a new id.)
    *(
        f"""CREATE TRIGGER search_docs_of_{table} AFTER INSERT ON {table} BEGIN
    {_NEW_DOC}
END"""
        for table in ("papers", "summaries")
    ),
    """INSERT INTO search_docs (arxiv_id)
SELECT arxiv_id FROM papers UNION SELECT arxiv_id FROM summaries ORDER BY 1""",
)

# The FTS5 index itself: trigram tokens (SQLite >= 3.34), so that any substring of three or
# more characters matches, Korean words with their particles too; ``detail=full`` keeps token
# positions, which phrase (substring) queries and snippets need. External content: the text
# is read from ``search_text``, not stored a second time. An external-content index must be
# given a document's old text to remove it, so every change to ``papers`` or ``summaries``
# removes the document's text as the view shows it before the change (BEFORE triggers) and
# adds it as the view shows it after (AFTER triggers); SQLite runs both per row. The store's
# INSERT OR REPLACE fires no DELETE trigger (recursive triggers are off), so it is the BEFORE
# INSERT trigger that removes the replaced row's text. The AFTER INSERT and UPDATE triggers
# make the document themselves (_NEW_DOC): SQLite fires an event's triggers newest first, so
# they run before schema 5's search_docs_of_* triggers.
_REMOVE = """INSERT INTO search_index (search_index, rowid, title, abstract, summary)
    SELECT 'delete', doc, title, abstract, summary FROM search_text WHERE arxiv_id IN ({ids});"""
_ADD = """INSERT INTO search_index (rowid, title, abstract, summary)
    SELECT doc, title, abstract, summary FROM search_text WHERE arxiv_id IN ({ids});"""
_SEARCH_INDEX = (
    """CREATE VIRTUAL TABLE search_index USING fts5(
    title, abstract, summary,
    content='search_text', content_rowid='doc', tokenize='trigram', detail=full
)""",
    *(
        f"CREATE TRIGGER search_index_{when.lower()}_{event.lower()}_{table} "
        f"{when} {event} ON {table} BEGIN\n    {body}\nEND"
        for table in ("papers", "summaries")
        for event, ids in (
            ("INSERT", "NEW.arxiv_id"),
            ("UPDATE", "OLD.arxiv_id, NEW.arxiv_id"),
            ("DELETE", "OLD.arxiv_id"),
        )
        for when, body in (
            ("BEFORE", _REMOVE.format(ids=ids)),
            ("AFTER", ("" if event == "DELETE" else _NEW_DOC + "\n    ") + _ADD.format(ids=ids)),
        )
    ),
    # Filled by a plain INSERT, not FTS5's 'rebuild': FTS5 reads a content table for its own
    # full scans (rebuild, a query without MATCH) in a mode that refuses the view's json_each
    # ("SQL logic error"); reading the text of one document (snippet) works.
    "INSERT INTO search_index (rowid, title, abstract, summary) "
    "SELECT doc, title, abstract, summary FROM search_text",
)


# Schema 6: the weekly roundup (issue 19 §2). ``weekly_overviews``: one overview per (week,
# papers, prompt, model), so a rerun of a week asks the model nothing. ``weekly_posts``: each
# weekly post written, with its top papers (``entries``: JSON [[arXiv id, gist or null], …])
# and the overview it shows (NULL: none), for index.md and feed.xml.
_V6 = (
    """CREATE TABLE weekly_overviews (
    week TEXT NOT NULL,
    papers_hash TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    arxiv_ids TEXT NOT NULL,
    content TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    attempts TEXT NOT NULL,
    unverified TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (week, papers_hash, prompt_hash, model)
)""",
    """CREATE TABLE weekly_posts (
    path TEXT PRIMARY KEY,
    week TEXT NOT NULL,
    day TEXT NOT NULL,
    template TEXT NOT NULL,
    entries TEXT NOT NULL,
    overview TEXT,
    updated_at TEXT NOT NULL
)""",
)


# Schema 7, ranked digests in two tiers (issue 18 §3): each digest row keys the briefs it
# shows (the brief schema and its prompt hash; NULL for digests written before), and each
# digest_papers row keeps the paper's relevance as the digest shows it (score 0-1, the
# interest or library item closest to it and which of the two), so that a resummarize
# rewrites a digest without ranking it again. NULL where the day was not scored. Added
# columns only: rows of schema 6 read as before.
_TIERS = (
    "ALTER TABLE digests ADD COLUMN brief_schema TEXT",
    "ALTER TABLE digests ADD COLUMN brief_prompt_hash TEXT",
    "ALTER TABLE digest_papers ADD COLUMN relevance REAL",
    "ALTER TABLE digest_papers ADD COLUMN related TEXT",
    "ALTER TABLE digest_papers ADD COLUMN related_source TEXT",
)


FIRST_RELEASE_TABLES = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", "\n".join(_V1)))
"""The tables a version-0 database may hold (the first release's): a version-0 file with
any other table belongs to another program and is not migrated."""


@dataclass(frozen=True)
class Migration:
    """One schema step: ``version`` is the ``user_version`` it leads to."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _statements(*sql: str) -> Callable[[sqlite3.Connection], None]:
    # One execute per statement: executescript() would commit the migration's transaction.
    def apply(db: sqlite3.Connection) -> None:
        for statement in sql:
            db.execute(statement)

    return apply


def trigram_available(db: sqlite3.Connection) -> bool:
    """Whether this SQLite has FTS5 with the ``trigram`` tokenizer (SQLite >= 3.34.0, built
    with FTS5 as the Python builds and Linux distributions are): probed by creating a
    temporary table, not read from the version number."""
    try:
        db.execute("CREATE VIRTUAL TABLE temp.search_probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    db.execute("DROP TABLE temp.search_probe")
    return True


def create_search_index(db: sqlite3.Connection) -> bool:
    """Create and fill the FTS5 index (:data:`_SEARCH_INDEX`) when this SQLite can, inside
    the caller's transaction; schema 5 and above. Also run when a database migrated by an
    SQLite without the trigram tokenizer meets one with it
    (:meth:`~paperdigest.store.Store.search_indexed`).

    Returns:
        False when SQLite lacks the trigram tokenizer (nothing is created).
    """
    if not trigram_available(db):
        return False
    _statements(*_SEARCH_INDEX)(db)
    return True


def _search(db: sqlite3.Connection) -> None:
    _statements(*_V5)(db)
    create_search_index(db)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the first release's schema (commit 6e09470)", _statements(*_V1)),
    Migration(2, "text key in two columns: budget_tokens, extraction_version", _statements(*_V2)),
    Migration(
        3, "digest papers: state, detail and attempts instead of a reason", _statements(*_V3)
    ),
    Migration(4, "embeddings of papers and of the reader's profile", _statements(*_EMBEDDINGS)),
    Migration(5, "search index: FTS5 trigram over titles, abstracts, summaries", _search),
    Migration(6, "weekly overviews (per week, papers, prompt, model) and posts", _statements(*_V6)),
    Migration(7, "digests in two tiers: brief keys, relevance per paper", _statements(*_TIERS)),
)
"""Every migration, in order; ``MIGRATIONS[i].version == i + 1``."""

LATEST = MIGRATIONS[-1].version
"""The schema version this code writes."""


class NewerSchema(Exception):
    """The database's ``user_version`` (``.version``) is above :data:`LATEST`."""

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__(f"schema {version}")


def schema_version(db: sqlite3.Connection) -> int:
    """The database's ``PRAGMA user_version`` (0 for a new or a first-release database).

    Raises:
        sqlite3.Error: the file cannot be read as a database.
    """
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> list[int]:
    """Bring ``db`` to :data:`LATEST`, one transaction per migration.

    ``db`` must be in autocommit mode (``isolation_level=None``): each migration runs in its
    own ``BEGIN IMMEDIATE`` … ``COMMIT``, and the version is read again inside it, so two
    processes opening the same old database apply each migration once.

    Returns:
        The versions applied (empty when the database was current).

    Raises:
        NewerSchema: the database was written by a newer paperdigest; nothing is changed.
        sqlite3.Error: a migration failed; its transaction is rolled back, the earlier ones
            stay applied.
    """
    applied: list[int] = []
    current = schema_version(db)
    if current > LATEST:
        raise NewerSchema(current)
    for step in MIGRATIONS[current:]:
        db.execute("BEGIN IMMEDIATE")
        try:
            now = schema_version(db)
            if now > LATEST:
                raise NewerSchema(now)
            if now >= step.version:  # another process applied it meanwhile
                db.execute("ROLLBACK")
                continue
            step.apply(db)
            # PRAGMA takes no parameters; step.version is an int from MIGRATIONS.
            db.execute(f"PRAGMA user_version = {int(step.version)}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        applied.append(step.version)
    return applied
