"""The real tools some tests run (Jekyll, faketime, the MDX compiler, actionlint, systemd-analyze).

A test that needs one calls :func:`require` first. On a developer's machine without the tool the
test is skipped with a reason starting ``real tool missing:``, and the end of the run lists every
such skip (see ``pytest_terminal_summary`` in ``conftest.py``). Under ``CI=true`` a missing tool
fails the test instead: CI installs every tool (``.ci/run``), so a skip there would hide a broken
install step.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
SKIP_PREFIX = "real tool missing:"
MDX_COMPILE = ROOT / "tests" / "mdx_compile.mjs"
MDX_HEADING_IDS = ROOT / "tests" / "mdx_heading_ids.mjs"
# How long a real tool may run at most: a guard that turns a hang into a failure, never a
# timing a passing test relies on (a build takes seconds; this is two orders of magnitude more).
TOOL_LIMIT_SECONDS = 600


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


def jekyll_build(site: Path, frozen_utc: str | None = None) -> str:
    """Build the Jekyll site ``site`` (its ``_config.yml`` and ``_posts`` written) afresh into
    ``site/_site`` with the real ``jekyll build``; returns the build's output (stdout and
    stderr).

    With ``frozen_utc`` (``YYYY-MM-DD HH:MM:SS``) the build runs on a UTC machine whose clock
    stands still at that time (faketime ``-f`` without ``@``: plain ``faketime TIME`` starts
    the clock there and lets it run, so a slow start-up would cross a one-second margin).
    Fails the test with the output when the build fails; skips (fails under CI) without
    jekyll, or faketime when asked for.
    """
    argv = [require_command("jekyll", "apt-get install -y jekyll"), "build"]
    env = None
    if frozen_utc is not None:
        argv = [require_command("faketime", "apt-get install -y faketime"), "-f", frozen_utc, *argv]
        env = {**os.environ, "TZ": "UTC"}
    shutil.rmtree(site / "_site", ignore_errors=True)
    result = subprocess.run(
        argv, cwd=site, env=env, capture_output=True, text=True, timeout=TOOL_LIMIT_SECONDS
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def _node(script: Path, *files: Path) -> Any:
    require_node_package("@mdx-js/mdx")
    result = subprocess.run(
        ["node", str(script), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=TOOL_LIMIT_SECONDS,
        check=True,
    )
    return json.loads(result.stdout)


def mdx_compile(*files: Path) -> dict[str, Any]:
    """Compile and render ``files`` with @mdx-js/mdx 3 and Docusaurus's remark plugins
    (tests/mdx_compile.mjs): file name → ``{"ok": bool, "html": str}`` or ``{"ok": False,
    "error": str}``. Skips (fails under CI) without node or the package."""
    return {Path(name).name: value for name, value in _node(MDX_COMPILE, *files).items()}


def mdx_heading_ids(post: Path) -> dict[str, list[str]]:
    """The explicit heading ids (``{/* #id */}``) and the in-page link targets of ``post``,
    compiled with @mdx-js/mdx 3 (tests/mdx_heading_ids.mjs): ``{"ids": [...], "links":
    [...]}``. Skips (fails under CI) without node or the package."""
    found: dict[str, list[str]] = _node(MDX_HEADING_IDS, post)
    return found
