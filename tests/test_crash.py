"""Crash safety: ``kill -9`` mid-run or mid-write leaves no torn digest, a consistent
database, and a next run that redoes only what was not stored."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

from conftest import AppEnv
from runhelpers import (
    DAY,
    DAY_IDS,
    asked_ids,
    day_digest,
    digest_ids,
    run_day,
    spawn,
    stored_summary_ids,
    wait_for,
)

# Runs the CLI, but SIGKILLs itself inside write_atomic: after the temp file is written
# and fsynced, just before os.replace puts it in place (the worst moment for a digest).
_KILL_AT_REPLACE = """
import os, signal, sys
real_replace = os.replace
def replace(src, dst, *args, **kwargs):
    if str(dst).endswith(".md"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst, *args, **kwargs)
os.replace = replace
from paperdigest.cli import main
main(sys.argv[1:])
"""


def _integrity(db: Path) -> str:
    """``PRAGMA integrity_check`` of the database, which must be in WAL mode."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def _temp_files(out_dir: Path) -> list[str]:
    return sorted(p.name for p in out_dir.glob(".*.tmp"))


def _signal_mid_run(env: AppEnv, signum: int) -> tuple[int, str]:
    """Run the day as a real process, send ``signum`` once three summaries are stored, and
    return its exit code and stderr; the fake model answers at once again afterwards."""
    env.fake.chat_latency = 0.3
    db = env.out_dir / "paperdigest.db"
    proc = spawn(env.tmp_path, "run", "--date", DAY)
    try:
        wait_for(lambda: len(stored_summary_ids(db)) >= 3, "three stored summaries")
    finally:
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
        env.fake.chat_latency = 0.0
    return proc.returncode, stderr


def test_kill_9_mid_run_leaves_consistent_state_and_rerun_redoes_only_the_rest(
    env: AppEnv,
) -> None:
    """kill -9 mid-run: no torn digest, DB intact; the rerun asks only unstored papers."""
    db = env.out_dir / "paperdigest.db"
    code, _ = _signal_mid_run(env, signal.SIGKILL)
    assert code == -signal.SIGKILL

    stored = stored_summary_ids(db)
    assert 3 <= len(stored) < len(DAY_IDS)
    assert not (env.out_dir / f"{DAY}.md").exists()  # no digest rather than a torn one
    assert _temp_files(env.out_dir) == []
    assert _integrity(db) == "ok"

    before = env.fake.chat_count
    result = run_day()

    assert result.exit_code == 0, result.stderr
    asked = set(asked_ids(env.fake, since=before))
    assert asked == set(DAY_IDS) - stored
    assert digest_ids(day_digest(env.out_dir)) == DAY_IDS
    assert _temp_files(env.out_dir) == []
    assert _integrity(db) == "ok"
    assert _run_statuses(db) == ["killed", "done"]


def test_ctrl_c_mid_run_exits_130_and_keeps_what_was_validated(env: AppEnv) -> None:
    """SIGINT mid-run: exit 130 with one line saying so, no traceback, no torn digest; the
    rerun asks only the papers not stored."""
    db = env.out_dir / "paperdigest.db"
    code, stderr = _signal_mid_run(env, signal.SIGINT)
    assert code == 130, stderr
    assert "paperdigest: interrupted; everything validated so far is stored" in stderr
    assert "Traceback" not in stderr
    stored = stored_summary_ids(db)
    assert _temp_files(env.out_dir) == []

    before = env.fake.chat_count
    assert run_day().exit_code == 0
    assert set(asked_ids(env.fake, since=before)) == set(DAY_IDS) - stored


def _run_statuses(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id")]
    finally:
        con.close()


def test_kill_9_inside_digest_write_keeps_old_digest_whole(env: AppEnv) -> None:
    """kill -9 just before the rename: old digest intact; the rerun cleans up, asks nothing."""
    failing = DAY_IDS[1]
    env.fake.chat_faults_by_id[failing] = ["english"] * 3
    assert run_day().exit_code == 3  # a partial digest is on disk
    digest = env.out_dir / f"{DAY}.md"
    old = digest.read_bytes()

    proc = spawn(env.tmp_path, "run", "--date", DAY, python_code=_KILL_AT_REPLACE)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    assert digest.read_bytes() == old  # whole: the old digest, not a torn new one
    # The one window no rename can close: the complete temp file is left behind, hidden,
    # and the next run of the day removes it under the day lock.
    assert len(_temp_files(env.out_dir)) == 1
    assert failing in stored_summary_ids(env.out_dir / "paperdigest.db")
    assert _integrity(env.out_dir / "paperdigest.db") == "ok"

    calls = env.fake.chat_count
    result = run_day()
    assert result.exit_code == 0, result.stderr
    assert env.fake.chat_count == calls  # the killed run had stored the summary
    assert digest_ids(digest.read_text(encoding="utf-8")) == DAY_IDS
    assert _temp_files(env.out_dir) == []
