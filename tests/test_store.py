"""The store across upgrades: schema versions, a first-release database (commit 6e09470)
migrated and still used, a newer database refused untouched, SQLite errors as one line."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import FIRST_RELEASE_DB, AppEnv
from runhelpers import (
    DAY,
    DAY_IDS,
    PROCESS_LIMIT_SECONDS,
    asked_ids,
    day_digest,
    digest_ids,
    invoke,
    run_day,
    spawn,
)

from paperdigest.errors import ForeignDatabase, NewerDatabase, StoreError
from paperdigest.model.prompts import PROMPTS_DIR, load_prompts
from paperdigest.records import Listing
from paperdigest.render import Omitted
from paperdigest.states import PaperState, RunStatus
from paperdigest.store import Store, TextKey
from paperdigest.store.migrations import LATEST

# Every kind of digest_papers.status the releases before schema 3 stored, with the state,
# detail and attempts it stands for; provenance in fixtures/README.md.
RELEASED_STATUSES = FIRST_RELEASE_DB.with_name("released-statuses.tsv")


def _user_version(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute("PRAGMA user_version").fetchone()[0])
    finally:
        con.close()


def _schema(db: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [(name, " ".join(sql.split())) for name, sql in rows]
    finally:
        con.close()


def test_first_release_fixture_has_no_schema_version() -> None:
    """The fixture is what the first release wrote: user_version 0 and the packed budget."""
    assert _user_version(FIRST_RELEASE_DB) == 0
    assert "budget INTEGER" in dict(_schema(FIRST_RELEASE_DB))["sources"]


def test_first_release_database_is_migrated_to_the_latest_schema(old_db: Path) -> None:
    """Opening a first-release database brings it to the latest schema version."""
    Store(old_db).close()
    assert _user_version(old_db) == LATEST


def test_fresh_and_migrated_databases_have_the_same_schema(old_db: Path, tmp_path: Path) -> None:
    """A new database and an upgraded first-release one end with identical tables."""
    Store(old_db).close()
    Store(tmp_path / "fresh.db").close()
    assert _schema(old_db) == _schema(tmp_path / "fresh.db")


def test_first_release_texts_keep_their_key_in_two_columns(old_db: Path) -> None:
    """A text cached under the packed budget 1200002 is found under (12000 tokens, version 2)."""
    store = Store(old_db)
    try:
        text = store.get_source("2511.04460", None, TextKey(12_000, 2))
        assert text is not None and text.kind == "abstract"
        assert store.get_source("2511.04460", None, TextKey(12_000, 3)) is None
    finally:
        store.close()


def _released_statuses() -> list[dict[str, str]]:
    with RELEASED_STATUSES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _old_digest_listing(db: Path, statuses: list[str]) -> str:
    """Make the first digest of a version-0 database list one paper per status, as the
    releases before schema 3 stored them; returns the digest's path."""
    con = sqlite3.connect(db)
    try:
        path = str(con.execute("SELECT path FROM digests ORDER BY path").fetchone()[0])
        with con:
            con.execute("DELETE FROM digest_papers WHERE path = ?", (path,))
            con.executemany(
                "INSERT INTO digest_papers (path, position, arxiv_id, status) VALUES (?, ?, ?, ?)",
                [(path, i, f"2511.{i:05d}", status) for i, status in enumerate(statuses)],
            )
    finally:
        con.close()
    return path


def _migrated_listing(db: Path, statuses: list[str]) -> list[Listing]:
    path = _old_digest_listing(db, statuses)
    store = Store(db)
    try:
        return store.digest_papers(path)
    finally:
        store.close()


def test_first_release_digest_papers_get_their_state_detail_and_attempts(old_db: Path) -> None:
    """Migration 3 turns each status a release stored (``ok`` or the digest's reason) into
    the state, the detail and the attempts it stood for."""
    rows = _released_statuses()
    listed = _migrated_listing(old_db, [r["status"] for r in rows])
    assert [(x.state, x.detail, x.attempts) for x in listed] == [
        (PaperState(r["state"]), r["detail"] or None, int(r["attempts"]) if r["attempts"] else None)
        for r in rows
    ]


def test_first_release_reasons_read_as_before(old_db: Path) -> None:
    """A paper a release stored as left out is shown with the very reason it showed then,
    now made from its state."""
    rows = [r for r in _released_statuses() if r["status"] != "ok"]
    listed = _migrated_listing(old_db, [r["status"] for r in rows])
    shown = [Omitted(x.arxiv_id, "title", x.state, x.detail, x.attempts).reason for x in listed]
    assert shown == [r["status"] for r in rows]


def test_first_release_summaries_are_shown(old_db: Path) -> None:
    """`show` prints a summary the first release stored, with its provenance."""
    result = invoke("show", "2511.04460")
    assert result.exit_code == 0, result.output
    assert "[seven] model fake-model, prompt 8030a6cd2a087b68, source abstract" in result.stdout
    assert "attempt 1: ok" in result.stdout


def test_first_release_summaries_are_found_by_search(old_db: Path) -> None:
    """After the upgrade, `search` finds the first release's 26 stored summaries (both
    schemas), each dated by the first release's digests, without any new run."""
    result = invoke("search", "항목의 요약", "--json", "--limit", "100")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 26
    assert {d for h in hits for d in h["dates"]} == {"2025-11-06", "2025-11-07"}
    assert "2511.04670" in {h["arxiv_id"] for h in hits}  # failed first, summarized on rerun


def test_first_release_summary_with_a_matching_key_is_used_from_the_cache(
    env: AppEnv, old_db: Path
) -> None:
    """A first-release summary whose key (arXiv id, schema, prompt hash, model) matches today's
    is used as it is: the day's rerun asks the model nothing."""
    # Made to match the current prompt first, so that prompt edits since then (which rightly
    # make old summaries stale) do not change what this test proves.
    current = load_prompts(PROMPTS_DIR)["seven"].prompt_hash
    con = sqlite3.connect(old_db)
    with con:
        con.execute("UPDATE summaries SET prompt_hash = ? WHERE schema = 'seven'", (current,))
    con.close()
    result = run_day()
    assert result.exit_code == 0, result.output
    assert env.fake.chat_count == 0
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS


def test_first_release_summary_with_another_prompt_hash_is_asked_again(
    env: AppEnv, old_db: Path
) -> None:
    """A first-release summary under another prompt hash is stale: the paper is asked again."""
    con = sqlite3.connect(old_db)
    with con:
        con.execute("UPDATE summaries SET prompt_hash = 'stale' WHERE arxiv_id = ?", (DAY_IDS[0],))
    con.close()
    result = run_day()
    assert result.exit_code == 0, result.output
    assert DAY_IDS[0] in asked_ids(env.fake)


def _newer_db(tmp_path: Path) -> Path:
    db = tmp_path / "out" / "paperdigest.db"
    Store(db).close()
    con = sqlite3.connect(db)
    # Another journal mode than ours, so that merely opening it the usual way would write it.
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute(f"PRAGMA user_version = {LATEST + 1}")
    con.close()
    return db


def test_newer_database_is_refused_by_the_store(tmp_path: Path) -> None:
    """Store() raises NewerDatabase for a schema above the latest one this code knows."""
    db = _newer_db(tmp_path)
    with pytest.raises(NewerDatabase) as info:
        Store(db)
    assert info.value.version == LATEST + 1


@pytest.mark.parametrize("command", [("run", "--date", DAY), ("show", "2511.04460"), ("list",)])
def test_newer_database_is_refused_with_one_line_and_left_untouched(
    env: AppEnv, command: tuple[str, ...]
) -> None:
    """A database written by a newer paperdigest: one line, exit 1, the file byte-identical."""
    db = _newer_db(env.tmp_path)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = invoke(*command)
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"paperdigest: error: database {db} was written by a newer paperdigest "
        f"(schema {LATEST + 1})\n"
    )
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert env.fake.chat_count == 0


def _foreign_db(tmp_path: Path) -> Path:
    """An SQLite file of some other program where paperdigest's database would be."""
    db = tmp_path / "out" / "paperdigest.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, title TEXT)")
    con.execute("INSERT INTO moz_bookmarks (title) VALUES ('arXiv')")
    con.commit()
    con.close()
    return db


def test_another_programs_database_is_refused_by_the_store(tmp_path: Path) -> None:
    """Store() raises ForeignDatabase, naming its tables, for a version-0 file whose tables
    no paperdigest release made."""
    with pytest.raises(ForeignDatabase) as info:
        Store(_foreign_db(tmp_path))
    assert info.value.tables == ["moz_bookmarks"]


def test_another_programs_database_is_one_line_and_left_untouched(env: AppEnv) -> None:
    """`run` pointed at another program's SQLite file: one line, exit 1, no model call,
    and the file byte-identical (no paperdigest table added to it)."""
    db = _foreign_db(env.tmp_path)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = invoke("run", "--date", DAY)
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"paperdigest: error: database {db} is not a paperdigest database (it has the tables "
        "moz_bookmarks); point PAPERDIGEST_DB at another file\n"
    )
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert env.fake.chat_count == 0


def test_empty_sqlite_file_becomes_a_paperdigest_database(tmp_path: Path) -> None:
    """A version-0 database without tables (e.g. made by `sqlite3 FILE ''`) is not foreign:
    it is migrated to the latest schema."""
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    Store(db).close()
    assert _user_version(db) == LATEST


def test_read_failure_is_a_store_error_naming_the_read(tmp_path: Path) -> None:
    """A read SQLite refuses raises StoreError saying what was being read."""
    db = tmp_path / "store.db"
    store = Store(db)
    con = sqlite3.connect(db)
    con.execute("DROP TABLE summaries")
    con.close()
    try:
        with pytest.raises(StoreError, match=r"reading the summaries of 2511\.04460: no such"):
            store.summaries_of("2511.04460")
    finally:
        store.close()


def test_read_failure_reaches_the_user_as_one_line(env: AppEnv, old_db: Path) -> None:
    """`show` on a database missing a table: one error line, exit 1, no traceback."""
    Store(old_db).close()
    con = sqlite3.connect(old_db)
    con.execute("DROP TABLE summaries")
    con.close()
    result = invoke("show", "2511.04460")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"paperdigest: error: database {old_db}: reading the summ")
    assert len(result.stderr.splitlines()) == 1


def test_file_that_is_not_a_database_is_one_line(env: AppEnv, old_db: Path) -> None:
    """A file that is no SQLite database: one error line, exit 1."""
    old_db.write_bytes(b"not a database at all, " * 100)
    result = invoke("show", "2511.04460")
    assert result.exit_code == 1
    assert result.stderr == (
        f"paperdigest: error: database {old_db}: opening: file is not a database\n"
    )


def test_a_finished_run_leaves_the_database_as_one_file(env: AppEnv) -> None:
    """A real ``paperdigest run`` process closes its database before it exits: SQLite folds
    the write-ahead log back in and removes it, so copying the .db file alone keeps every
    summary (the GitHub workflow and backups copy files)."""
    proc = spawn(env.tmp_path, "run", "--date", DAY)
    _, stderr = proc.communicate(timeout=PROCESS_LIMIT_SECONDS)
    assert proc.returncode == 0, stderr
    db = env.out_dir / "paperdigest.db"
    assert sorted(p.name for p in db.parent.glob("paperdigest.db*")) == ["paperdigest.db"]


def test_a_killed_weekly_run_is_marked_killed_by_the_weeks_next_run(tmp_path: Path) -> None:
    """A `weekly` row left running (its process killed) is marked killed when the same week
    runs again under its lock; another week's row and a day's row are not touched."""
    store = Store(tmp_path / "p.db")
    try:
        killed = store.start_run("weekly", "2025-W45")
        other_week = store.start_run("weekly", "2025-W46")
        a_day = store.start_run("run", "2025-W45")  # not a day in practice: a different lock
        store.start_run("weekly", "2025-W45")
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "p.db") as db:
        rows = dict(db.execute("SELECT id, status FROM runs").fetchall())
    assert rows[killed] == RunStatus.KILLED
    assert rows[other_week] == rows[a_day] == RunStatus.RUNNING
