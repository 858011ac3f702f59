"""An install that works: the built wheel, installed into a fresh virtual environment, runs a
day from a folder outside the checkout (prompts and templates are package data).

No network: the wheel is built with ``--no-build-isolation`` and installed with ``--no-deps``;
the fresh environment reaches the dependencies already installed in the test's environment
through a ``.pth`` line. That line only adds the folder to ``sys.path`` (``.pth`` files inside it
are not read), so the development install's editable ``paperdigest`` finder never loads and the
wheel's copy, first on ``sys.path``, is the one that runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from conftest import AppEnv
from runhelpers import DAY, DAY_IDS, digest_ids

ROOT = Path(__file__).resolve().parent.parent


def _build_wheel(tmp_path: Path) -> Path:
    """Build the project's wheel from a copy of its sources (the checkout stays untouched)."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copytree(
        ROOT / "paperdigest", src / "paperdigest", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--no-index", "--wheel-dir", str(dist), str(src)),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("paperdigest-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed; returns its ``bin`` folder."""
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install"),
            *("--quiet", "--no-deps", "--no-index", str(wheel)),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return home / "bin"


def test_wheel_in_a_fresh_venv_runs_a_day_from_another_folder(env: AppEnv) -> None:
    """The installed wheel (not the checkout) finds its prompts and templates and writes a day."""
    bin_dir = _fresh_venv(env.tmp_path, _build_wheel(env.tmp_path))
    elsewhere = env.tmp_path / "elsewhere"
    elsewhere.mkdir()
    child_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import paperdigest; print(paperdigest.__file__)"],
        cwd=elsewhere,
        env=child_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(bin_dir.parent), where

    result = subprocess.run(
        [str(bin_dir / "paperdigest"), "run", "--date", DAY],
        cwd=elsewhere,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = (env.out_dir / f"{DAY}.md").read_text(encoding="utf-8")
    assert digest_ids(text) == DAY_IDS
