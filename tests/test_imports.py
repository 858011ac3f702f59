"""Imports run one way: the import-linter contracts of pyproject.toml (layers from text up
to the CLI, no cycles) hold for the package, and break on an upward or circular import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` run on the package and pyproject.toml found in ``project``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
        cwd=project,
        # The package of ``project`` comes first on the path, before the installed one.
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "paperdigest", tmp_path / "paperdigest", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_import_contracts() -> None:
    """Every module imports only from layers below its own, and no package has a cycle."""
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


# An import inside a function counts: it still runs, only later.
_LAZY_IMPORT_OF_DAY = "def _later() -> None:\n    from paperdigest.flows import day\n"


@pytest.mark.parametrize(
    ("module", "contract"),
    [("text.py", "Layers"), ("flows/runtime.py", "cycles")],
    ids=["upward", "cycle"],
)
def test_an_upward_or_circular_import_breaks_a_contract(
    tmp_path: Path, module: str, contract: str
) -> None:
    """A lower module importing a higher one breaks the layers (and closes a cycle of
    packages); a flow importing one that imports it breaks the cycle contract."""
    project = _copy(tmp_path)
    with (project / "paperdigest" / module).open("a", encoding="utf-8") as fh:
        fh.write("\n\n" + _LAZY_IMPORT_OF_DAY)
    done = _lint_imports(project)
    assert done.returncode == 1, done.stdout + done.stderr
    broken = [row for row in done.stdout.splitlines() if " BROKEN" in row]
    assert any(contract in row for row in broken), done.stdout
