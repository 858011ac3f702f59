"""Crash safety: ``kill -9`` mid-run or mid-write leaves no torn digest, a consistent
database, and a next run that redoes only what was not stored."""

from __future__ import annotations

import signal
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AppEnv, app_env
from fakeserver import FakeUpstream
from runhelpers import (
    DAY,
    DAY_IDS,
    PROCESS_LIMIT_SECONDS,
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


def _integrity(db: Path) -> tuple[str, str]:
    """``(journal_mode, PRAGMA integrity_check)`` of the database: ``("wal", "ok")`` when sound."""
    con = sqlite3.connect(db)
    try:
        mode = str(con.execute("PRAGMA journal_mode").fetchone()[0])
        return mode, str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def _temp_files(out_dir: Path) -> list[str]:
    return sorted(p.name for p in out_dir.glob(".*.tmp"))


def _signal_mid_run(env: AppEnv, signum: int) -> tuple[int, str]:
    """Run the day as a real process, send ``signum`` once three summaries are stored, and
    return its exit code and stderr; the fake model answers at once again afterwards.

    The model answers three calls and holds every later one until the signal has done its
    work, so the run is mid-way when it arrives however fast or slow the machine is."""
    env.fake.chat_hold_after = 3
    db = env.out_dir / "paperdigest.db"
    proc = spawn(env.tmp_path, "run", "--date", DAY)
    try:
        wait_for(lambda: len(stored_summary_ids(db)) >= 3, "three stored summaries")
    finally:
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=PROCESS_LIMIT_SECONDS)
        env.fake.chat_hold_after = None
        env.fake.chat_release.set()
    return proc.returncode, stderr


def _run_statuses(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id")]
    finally:
        con.close()


@dataclass(frozen=True)
class _Signalled:
    """What one signal mid-run (kill -9, Ctrl-C) and the rerun after it left behind."""

    code: int
    stderr: str
    stored: set[str]
    digest_after_signal: bool
    temps_after_signal: list[str]
    integrity_after_signal: tuple[str, str]
    rerun_code: int
    rerun_stderr: str
    asked: set[str]
    digest_ids: list[str]
    temps_after_rerun: list[str]
    integrity_after_rerun: tuple[str, str]
    statuses: list[str]


def _signal_then_rerun(
    fake_upstream: FakeUpstream, tmp_path: Path, signum: signal.Signals
) -> _Signalled:
    """One real run sent ``signum`` once three summaries are stored, then a rerun."""
    with app_env(fake_upstream, tmp_path) as env:
        db = env.out_dir / "paperdigest.db"
        code, stderr = _signal_mid_run(env, signum)
        stored = stored_summary_ids(db)
        digest_after_signal = (env.out_dir / f"{DAY}.md").exists()
        temps_after_signal = _temp_files(env.out_dir)
        integrity_after_signal = _integrity(db)
        before = env.fake.chat_count
        result = run_day()
        return _Signalled(
            code=code,
            stderr=stderr,
            stored=stored,
            digest_after_signal=digest_after_signal,
            temps_after_signal=temps_after_signal,
            integrity_after_signal=integrity_after_signal,
            rerun_code=result.exit_code,
            rerun_stderr=result.stderr,
            asked=set(asked_ids(env.fake, since=before)),
            digest_ids=digest_ids(day_digest(env.out_dir)) if result.exit_code == 0 else [],
            temps_after_rerun=_temp_files(env.out_dir),
            integrity_after_rerun=_integrity(db),
            statuses=_run_statuses(db),
        )


@pytest.fixture(scope="module")
def killed_mid_run(
    fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> _Signalled:
    """One real run killed with SIGKILL once three summaries are stored, then a rerun."""
    return _signal_then_rerun(
        fake_upstream, tmp_path_factory.mktemp("killed-mid-run"), signal.SIGKILL
    )


def test_kill_9_mid_run_ends_the_process_by_sigkill(killed_mid_run: _Signalled) -> None:
    """kill -9 mid-run: the process dies of SIGKILL (nothing catches it)."""
    assert killed_mid_run.code == -signal.SIGKILL


def test_kill_9_mid_run_keeps_the_summaries_stored_before_it(killed_mid_run: _Signalled) -> None:
    """kill -9 mid-run: the summaries stored before the kill stay; the rest are missing."""
    assert 3 <= len(killed_mid_run.stored) < len(DAY_IDS)


def test_kill_9_mid_run_leaves_no_digest(killed_mid_run: _Signalled) -> None:
    """kill -9 mid-run: no digest rather than a torn one."""
    assert not killed_mid_run.digest_after_signal


def test_kill_9_mid_run_leaves_no_temp_file(killed_mid_run: _Signalled) -> None:
    """kill -9 mid-run: no hidden temp file is left in the output folder."""
    assert killed_mid_run.temps_after_signal == []


def test_kill_9_mid_run_leaves_the_database_intact(killed_mid_run: _Signalled) -> None:
    """kill -9 mid-run: the database is still in WAL mode and passes integrity_check."""
    assert killed_mid_run.integrity_after_signal == ("wal", "ok")


def test_rerun_after_kill_9_succeeds(killed_mid_run: _Signalled) -> None:
    """The rerun after a kill -9 mid-run exits 0."""
    assert killed_mid_run.rerun_code == 0, killed_mid_run.rerun_stderr


def test_rerun_after_kill_9_asks_only_unstored_papers(killed_mid_run: _Signalled) -> None:
    """The rerun after a kill -9 mid-run asks the model only for papers not yet stored."""
    assert killed_mid_run.asked == set(DAY_IDS) - killed_mid_run.stored


def test_rerun_after_kill_9_writes_the_whole_digest(killed_mid_run: _Signalled) -> None:
    """The rerun after a kill -9 mid-run writes a digest with every paper of the day."""
    assert killed_mid_run.digest_ids == DAY_IDS


def test_rerun_after_kill_9_leaves_no_temp_file(killed_mid_run: _Signalled) -> None:
    """The rerun after a kill -9 mid-run leaves no hidden temp file."""
    assert killed_mid_run.temps_after_rerun == []


def test_rerun_after_kill_9_leaves_the_database_intact(killed_mid_run: _Signalled) -> None:
    """After the rerun the database is in WAL mode and passes integrity_check."""
    assert killed_mid_run.integrity_after_rerun == ("wal", "ok")


def test_runs_rows_record_killed_then_done(killed_mid_run: _Signalled) -> None:
    """The runs table marks the killed run "killed" and the rerun "done"."""
    assert killed_mid_run.statuses == ["killed", "done"]


@pytest.fixture(scope="module")
def interrupted_mid_run(
    fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> _Signalled:
    """One real run sent SIGINT (Ctrl-C) once three summaries are stored, then a rerun."""
    return _signal_then_rerun(
        fake_upstream, tmp_path_factory.mktemp("interrupted-mid-run"), signal.SIGINT
    )


def test_ctrl_c_mid_run_exits_130(interrupted_mid_run: _Signalled) -> None:
    """SIGINT mid-run: the process exits 130, the shell's code for an interrupt."""
    assert interrupted_mid_run.code == 130, interrupted_mid_run.stderr


def test_ctrl_c_mid_run_says_so_in_one_line(interrupted_mid_run: _Signalled) -> None:
    """SIGINT mid-run: stderr ends with one line saying what was kept, and no traceback."""
    assert interrupted_mid_run.stderr.splitlines()[-1] == (
        "paperdigest: interrupted; everything validated so far is stored"
    )
    assert "Traceback" not in interrupted_mid_run.stderr


def test_ctrl_c_mid_run_leaves_no_temp_file(interrupted_mid_run: _Signalled) -> None:
    """SIGINT mid-run: no hidden temp file is left in the output folder."""
    assert interrupted_mid_run.temps_after_signal == []


def test_rerun_after_ctrl_c_asks_only_unstored_papers(interrupted_mid_run: _Signalled) -> None:
    """The rerun after a Ctrl-C exits 0 and asks the model only for papers not yet stored."""
    assert interrupted_mid_run.rerun_code == 0
    assert interrupted_mid_run.asked == set(DAY_IDS) - interrupted_mid_run.stored


@dataclass(frozen=True)
class _KilledInWrite:
    """What one kill -9 just before a digest's rename, and the rerun after it, left behind."""

    partial_code: int
    failing: str
    old: bytes
    code: int
    digest_after_kill: bytes
    temps_after_kill: list[str]
    stored: set[str]
    integrity_after_kill: tuple[str, str]
    rerun_code: int
    rerun_stderr: str
    calls_before_rerun: int
    calls_after_rerun: int
    digest_ids: list[str]
    temps_after_rerun: list[str]


@pytest.fixture(scope="module")
def killed_in_write(
    fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> _KilledInWrite:
    """A partial digest on disk, a rerun killed inside write_atomic, then a clean rerun."""
    with app_env(fake_upstream, tmp_path_factory.mktemp("killed-in-write")) as env:
        failing = DAY_IDS[1]
        env.fake.chat_faults_by_id[failing] = ["english"] * 3
        partial_code = run_day().exit_code  # a partial digest is on disk
        digest = env.out_dir / f"{DAY}.md"
        old = digest.read_bytes()

        proc = spawn(env.tmp_path, "run", "--date", DAY, python_code=_KILL_AT_REPLACE)
        proc.communicate()
        digest_after_kill = digest.read_bytes()
        temps_after_kill = _temp_files(env.out_dir)
        stored = stored_summary_ids(env.out_dir / "paperdigest.db")
        integrity_after_kill = _integrity(env.out_dir / "paperdigest.db")

        calls = env.fake.chat_count
        result = run_day()
        return _KilledInWrite(
            partial_code=partial_code,
            failing=failing,
            old=old,
            code=proc.returncode,
            digest_after_kill=digest_after_kill,
            temps_after_kill=temps_after_kill,
            stored=stored,
            integrity_after_kill=integrity_after_kill,
            rerun_code=result.exit_code,
            rerun_stderr=result.stderr,
            calls_before_rerun=calls,
            calls_after_rerun=env.fake.chat_count,
            digest_ids=digest_ids(digest.read_text(encoding="utf-8")),
            temps_after_rerun=_temp_files(env.out_dir),
        )


def test_first_run_with_a_failing_paper_is_partial(killed_in_write: _KilledInWrite) -> None:
    """Set-up check: a paper the model keeps answering in English makes the run partial (3)."""
    assert killed_in_write.partial_code == 3


def test_kill_9_inside_digest_write_ends_by_sigkill(killed_in_write: _KilledInWrite) -> None:
    """kill -9 just before the rename: the process dies of SIGKILL."""
    assert killed_in_write.code == -signal.SIGKILL


def test_kill_9_inside_digest_write_keeps_old_digest_whole(killed_in_write: _KilledInWrite) -> None:
    """kill -9 just before the rename: the old digest is byte for byte intact, not torn."""
    assert killed_in_write.digest_after_kill == killed_in_write.old


def test_kill_9_inside_digest_write_leaves_one_hidden_temp_file(
    killed_in_write: _KilledInWrite,
) -> None:
    """kill -9 just before the rename leaves the complete temp file, hidden (no rename closes
    that window; the next run of the day removes it under the day lock)."""
    assert len(killed_in_write.temps_after_kill) == 1


def test_kill_9_inside_digest_write_keeps_the_new_summary(killed_in_write: _KilledInWrite) -> None:
    """kill -9 just before the rename: the summary validated before it is stored."""
    assert killed_in_write.failing in killed_in_write.stored


def test_kill_9_inside_digest_write_leaves_database_intact(killed_in_write: _KilledInWrite) -> None:
    """kill -9 just before the rename: the database is in WAL mode and passes integrity_check."""
    assert killed_in_write.integrity_after_kill == ("wal", "ok")


def test_rerun_after_kill_in_write_succeeds(killed_in_write: _KilledInWrite) -> None:
    """The rerun after a kill -9 inside the digest write exits 0."""
    assert killed_in_write.rerun_code == 0, killed_in_write.rerun_stderr


def test_rerun_after_kill_in_write_asks_nothing(killed_in_write: _KilledInWrite) -> None:
    """The rerun after a kill -9 inside the digest write asks the model nothing (all stored)."""
    assert killed_in_write.calls_after_rerun == killed_in_write.calls_before_rerun


def test_rerun_after_kill_in_write_writes_whole_digest(killed_in_write: _KilledInWrite) -> None:
    """The rerun after a kill -9 inside the digest write writes every paper of the day."""
    assert killed_in_write.digest_ids == DAY_IDS


def test_rerun_after_kill_in_write_removes_the_temp_file(killed_in_write: _KilledInWrite) -> None:
    """The rerun after a kill -9 inside the digest write removes the leftover temp file."""
    assert killed_in_write.temps_after_rerun == []
