"""Shared fixtures: one fake upstream server per session, reset before every test.

``fake`` gives a test the server with clean state; ``env`` additionally points the app (its
``PAPERDIGEST_*`` settings and the openai client's ``OPENAI_*`` variables) at that server, so
no test ever reaches the network or depends on the developer's shell environment.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeUpstream

# The database a first-release paperdigest (commit 6e09470) wrote; provenance in fixtures/README.md.
FIRST_RELEASE_DB = Path(__file__).parent / "fixtures" / "store" / "paperdigest-6e09470.db"

# A key-shaped secret the tests can look for in logs and outputs (it must never appear).
TEST_API_KEY = "sk-test-SECRETKEY0123456789abcdef"


@dataclass(frozen=True)
class AppEnv:
    """What the ``env`` fixture set up; also readable as a dict (``env["out_dir"]``)."""

    out_dir: Path
    fake: FakeUpstream
    base_url: str
    tmp_path: Path
    api_key: str = TEST_API_KEY

    def __getitem__(self, name: str) -> Any:
        """Dict-style access to the same attributes."""
        return getattr(self, name)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden``: the one way to rewrite tests/golden (an environment variable is
    not: a stray one would rewrite them during an ordinary run, see ``_configure``)."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden from this run's digests (then review the diff)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Let the real processes the tests start be interrupted by SIGINT, however the suite
    itself was started. A job a non-interactive shell starts in the background (``make test
    &``, nohup, some CI runners) inherits SIGINT ignored, and an ignored signal stays ignored
    across exec: the Ctrl-C tests' process would then finish its run instead of stopping. A
    handler, unlike an ignore, is reset to the default in a child at exec."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run was asked to rewrite the golden files (``--update-golden``)."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def fake_upstream() -> Iterator[FakeUpstream]:
    """The one running FakeUpstream of the session (prefer ``fake``, which resets it)."""
    server = FakeUpstream()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake(fake_upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> FakeUpstream:
    """The session's FakeUpstream with all faults, overrides and logs cleared."""
    _reset(fake_upstream, monkeypatch)
    return fake_upstream


def _reset(fake: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.reset()
    # A proxy in the outer environment would otherwise swallow requests to 127.0.0.1.
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def env(fake: FakeUpstream, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppEnv:
    """Point the app at ``fake`` and run the test in ``tmp_path``; returns an :class:`AppEnv`.

    Every outer ``PAPERDIGEST_*`` variable (and ``UPDATE_GOLDEN``) is removed first (a
    developer's ``PAPERDIGEST_CONFIG`` or ``PAPERDIGEST_DB`` must not leak into tests), and
    waits are zeroed so retries and arXiv's politeness delay cost no time.
    """
    return _configure(fake, monkeypatch, tmp_path)


# A reader's two interests, topics of the recorded day (tests/fixtures/hf/2025-11-07.json):
# Thinking with Video (2511.04570, 127 upvotes) shares the first's words; with the fake's
# bag-of-words vectors SIMS-V (2511.04668, "Spatial Video", 2 upvotes) comes second.
READER_INTERESTS = "video generation as multimodal reasoning; humanoid robot soccer skills"


@pytest.fixture
def reader(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> AppEnv:
    """The ``env`` set-up with the reader's interests (:data:`READER_INTERESTS`) set, no
    library."""
    monkeypatch.setenv("PAPERDIGEST_INTERESTS", READER_INTERESTS)
    return env


@contextmanager
def app_env(fake_upstream: FakeUpstream, tmp_path: Path) -> Iterator[AppEnv]:
    """The ``fake`` + ``env`` set-up as a context manager, undone on exit: for a module-scoped
    fixture that runs an expensive scenario (a real process killed mid-run) once and
    records what the tests of that module assert on."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _reset(fake_upstream, monkeypatch)
        yield _configure(fake_upstream, monkeypatch, tmp_path)


def _configure(fake: FakeUpstream, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppEnv:
    for name in list(os.environ):
        if name.startswith("PAPERDIGEST_"):
            monkeypatch.delenv(name)
    # Golden files are rewritten only on --update-golden; a variable left in a shell (the old
    # way to ask) must not do it behind a normal run's back.
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    base = fake.base_url
    out_dir = tmp_path / "out"
    settings = {
        "PAPERDIGEST_HF_BASE_URL": base,
        "PAPERDIGEST_ARXIV_API_URL": f"{base}/api/query",
        "PAPERDIGEST_ARXIV_HTML_URL": f"{base}/html",
        "PAPERDIGEST_ARXIV_PDF_URL": f"{base}/pdf",
        "OPENAI_BASE_URL": f"{base}/v1",
        "PAPERDIGEST_ZOTERO_BASE_URL": base,
        "OPENAI_API_KEY": TEST_API_KEY,
        "PAPERDIGEST_MODEL": "fake-model",
        "PAPERDIGEST_ARXIV_DELAY_SECONDS": "0",
        "PAPERDIGEST_RETRY_MAX_WAIT_SECONDS": "0",
        "PAPERDIGEST_MODEL_TIMEOUT_SECONDS": "5",
        "PAPERDIGEST_OUTPUT_DIR": str(out_dir),
        "PAPERDIGEST_TIMEZONE": "Asia/Seoul",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return AppEnv(out_dir=out_dir, fake=fake, base_url=base, tmp_path=tmp_path)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List the real-tool tests that were skipped, so a partial run says what it did not prove;
    say that an ``UPDATE_GOLDEN`` variable was ignored."""
    from realtools import SKIP_PREFIX

    if os.environ.get("UPDATE_GOLDEN") and not terminalreporter.config.getoption("--update-golden"):
        terminalreporter.write_line(
            "UPDATE_GOLDEN is ignored: rewrite the golden files with `make golden`"
        )

    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if SKIP_PREFIX in str(report.longrepr)
    ]
    if not skipped:
        return
    terminalreporter.section("real-tool tests skipped (install the tools, or run .ci/run as root)")
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.write_line(f"{report.nodeid}: {reason}")


@pytest.fixture
def old_db(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the first release's database (3 runs over 2 days), as PAPERDIGEST_DB."""
    db = env.tmp_path / "old.db"
    shutil.copyfile(FIRST_RELEASE_DB, db)
    monkeypatch.setenv("PAPERDIGEST_DB", str(db))
    return db
