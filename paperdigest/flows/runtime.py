"""What a command shares across its days (:class:`Runtime`), the lock of a day or a week,
and the ``runs`` row around a run."""

from __future__ import annotations

import logging
import textwrap
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import filelock

from paperdigest.config import Settings
from paperdigest.errors import (
    ConfigError,
    LockTimeout,
)
from paperdigest.flows.results import DayResult
from paperdigest.model.limits import RateLimiter, TokenBudget
from paperdigest.model.prompts import PROMPTS_DIR, Prompt, load_prompts
from paperdigest.records import RunStats
from paperdigest.sources.pacing import Pacer
from paperdigest.states import RunStatus
from paperdigest.store import Store

if TYPE_CHECKING:  # loaded only by a command that ranks by relevance, or asks the model
    from paperdigest.model.reask import Summarizer
    from paperdigest.sources.profile import Profile

__all__ = [
    "RecordedRun",
    "Runtime",
    "day_lock",
    "locked_run",
    "open_runtime",
    "recorded_day",
    "recorded_run",
    "run_lock",
    "shorten_reason",
]

log = logging.getLogger("paperdigest")


# Longest failure reason shown in a log line or a digest (characters).
_REASON_CHARS = 200


@dataclass
class Runtime:
    """What a command shares across its days: settings, store, prompts, limits, budget, the
    one arXiv :class:`~paperdigest.sources.pacing.Pacer` (so that the delay holds across
    days and between metadata and full-text requests), and the reader's profile once a day
    has read it (:func:`paperdigest.flows.rank.reader`: a backfill reads the library once)."""

    settings: Settings
    store: Store
    prompts: dict[str, Prompt]
    limiter: RateLimiter = field(init=False)
    budget: TokenBudget = field(init=False)
    pacer: Pacer = field(init=False)
    profile: Profile | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.pacer = Pacer(self.settings.arxiv_delay_seconds)
        self.limiter = RateLimiter(
            self.settings.requests_per_minute, self.settings.tokens_per_minute
        )
        self.budget = TokenBudget(self.settings.max_tokens_per_run)

    def close(self) -> None:
        """Close the store, so SQLite folds its write-ahead log back into the database file.

        Raises:
            StoreError: SQLite failed to close.
        """
        self.store.close()

    @asynccontextmanager
    async def summarizer(self, settings: Settings | None = None) -> AsyncIterator[Summarizer]:
        """A :class:`~paperdigest.model.reask.Summarizer` on the command's rate limiter and
        token budget, with ``settings`` (None: the command's; a brief's are abstract-only),
        its openai client closed on the way out. openai is imported here, so that a run
        with nothing to ask never loads it.

        Raises:
            ConfigError: no API key and no base URL.
        """
        from paperdigest.model.client import make_openai_client
        from paperdigest.model.reask import Summarizer

        settings = settings or self.settings
        client = make_openai_client(settings, self.limiter)
        try:
            yield Summarizer(client, settings, self.limiter, self.budget)
        finally:
            await client.close()

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Estimated USD for the tokens at the model's price (:meth:`Settings.price`);
        ``None`` when the price of the model is not configured."""
        price = self.settings.price()
        if price is None:
            return None
        return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


def open_runtime(settings: Settings) -> Runtime:
    """The :class:`Runtime` of one command: checks the key, loads the prompts, creates the
    output folder and opens the store.

    Raises:
        ConfigError: no API key or base URL, a prompt file is unusable, or the output folder
            cannot be created.
        StoreError: the database cannot be opened.
    """
    settings.api_key()  # fail early, before any request
    try:
        settings.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"output folder {settings.output_dir} cannot be created: {exc}") from exc
    # Beside the database (its folder exists from here on, so the first run already writes
    # it): the response formats, so a cached rerun need not import openai.
    prompts = load_prompts(PROMPTS_DIR, settings.db_path.parent / ".paperdigest-formats.json")
    return Runtime(settings, Store(settings.db_path), prompts)


def day_lock(settings: Settings, day: date) -> AbstractContextManager[None]:
    """Hold the day's lock (a file beside the database): a second run of the same day
    waits up to ``lock_timeout_seconds``; runs of other days proceed in parallel.

    Raises:
        LockTimeout: the other run held the lock past the wait limit.
    """
    return run_lock(settings, day.isoformat())


@contextmanager
def run_lock(settings: Settings, label: str) -> Iterator[None]:
    """Hold the lock of ``label`` (a day ``YYYY-MM-DD``, a week ``2025-W46``), a file beside
    the database: a second run of the same label waits up to ``lock_timeout_seconds``.

    Raises:
        LockTimeout: the other run held the lock past the wait limit.
    """
    path = settings.db_path.parent / f".paperdigest-{label}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path), timeout=settings.lock_timeout_seconds)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        log.warning(
            "another run of %s is in progress; waiting up to %g s",
            label,
            settings.lock_timeout_seconds,
        )
        try:
            lock.acquire()
        except filelock.Timeout as exc:
            raise LockTimeout(str(path), settings.lock_timeout_seconds) from exc
    try:
        yield
    finally:
        lock.release()


@dataclass
class RecordedRun:
    """The ``runs`` row of one run, written when the run's block ends (see
    :func:`recorded_run`).

    ``status`` stays ``failed`` unless the block sets it; ``stats`` are the counts so far
    (the block may set them before it raises, so a failed run keeps what it did). A
    ``wall_seconds`` left at 0 is filled with the block's wall time.
    """

    status: RunStatus = RunStatus.FAILED
    stats: RunStats = field(default_factory=RunStats)

    def done(self, result: DayResult) -> DayResult:
        """Keep a day's ``result`` for the row (status and counts); returns it unchanged."""
        self.status, self.stats = result.status, result.stats
        return result


@contextmanager
def recorded_run(store: Store, command: str, label: str) -> Iterator[RecordedRun]:
    """Record the block as a ``runs`` row of ``command`` (``run``, ``backfill``, ``weekly``,
    ``batch``) for ``label`` (a day ``YYYY-MM-DD``, a week ``2025-W46``, a batch's day range
    or a results file): started on the way in, finished on the way out with the
    :class:`RecordedRun`'s status and counts, also when the block raises.

    Raises:
        StoreError: the database failed.
    """
    started = time.monotonic()
    run_id = store.start_run(command, label)
    record = RecordedRun()
    try:
        yield record
    finally:
        if not record.stats.wall_seconds:
            record.stats.wall_seconds = time.monotonic() - started
        store.finish_run(run_id, record.status, record.stats)


@contextmanager
def locked_run(rt: Runtime, command: str, label: str) -> Iterator[RecordedRun]:
    """Hold the lock of ``label`` (:func:`run_lock`: a day, or a week for ``weekly``) and
    record the block as a ``runs`` row of ``command`` (:func:`recorded_run`), started under
    the lock: the store marks a row of that label still ``running`` as ``killed`` then,
    which is only right while the lock is held.

    Raises:
        LockTimeout: as :func:`run_lock`.
        StoreError: the database failed.
    """
    with run_lock(rt.settings, label), recorded_run(rt.store, command, label) as record:
        yield record


def recorded_day(rt: Runtime, command: str, day: date) -> AbstractContextManager[RecordedRun]:
    """:func:`locked_run` of ``day`` (its lock is :func:`day_lock`'s): the block gives its
    :class:`DayResult` to :meth:`RecordedRun.done`.

    Raises:
        LockTimeout: as :func:`day_lock`.
        StoreError: the database failed.
    """
    return locked_run(rt, command, day.isoformat())


def shorten_reason(text: str) -> str:
    """``text`` cut to :data:`_REASON_CHARS` (200) characters at a word, for a log line or
    a digest. One rejection lists every field (nine times "not Korean"): a reader needs the
    gist; ``-v`` shows each attempt in full."""
    return textwrap.shorten(text, _REASON_CHARS, placeholder=" …")
