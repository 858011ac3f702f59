"""The real tools some tests run (Jekyll, faketime, the MDX compiler, actionlint, systemd-analyze).

A test that needs one calls :func:`require` first. On a developer's machine without the tool the
test is skipped with a reason starting ``real tool missing:``, and the end of the run lists every
such skip (see ``pytest_terminal_summary`` in ``conftest.py``). Under ``CI=true`` a missing tool
fails the test instead: CI installs every tool (``.ci/run``), so a skip there would hide a broken
install step.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
SKIP_PREFIX = "real tool missing:"


def in_ci() -> bool:
    """True when the suite runs under CI (``CI=true``, as GitHub Actions and ``.ci/run`` set it)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(what: str, how: str) -> None:
    """Skip the calling test (fail it under CI) because ``what`` is not installed; ``how``
    fixes it."""
    message = f"{SKIP_PREFIX} {what} ({how})"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_command(name: str, how: str) -> str:
    """The path of command ``name`` on PATH; skips (fails under CI) when it is absent."""
    path = shutil.which(name)
    if path is None:
        missing(name, how)
    assert path is not None
    return path


def require_node_package(package: str) -> Path:
    """``node_modules/PACKAGE`` of the checkout, installed by ``npm ci``; skips (fails in CI)
    without it.

    Node itself is required too.
    """
    require_command("node", "install Node.js 20")
    path = NODE_MODULES / package
    if not path.is_dir():
        missing(f"npm package {package}", "run `npm ci` in the checkout")
    return path
