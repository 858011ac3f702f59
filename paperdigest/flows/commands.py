"""The commands that write digests, one call each: :func:`run` (one day), :func:`backfill`
(a range of days, directly or through the Batch API) and :func:`weekly` (a week's post from
the stored days).

Each reads its days from the options as given, checks its input before it creates the
database, runs its own event loop, logs the report lines (:mod:`paperdigest.flows.results`)
and sends the notifications (:class:`~paperdigest.notify.Notifier`): the CLI only parses,
calls one of these, prints the digest paths and turns errors into exit codes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, closing, nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from paperdigest.config import Settings
from paperdigest.errors import InputError
from paperdigest.flows.backfill import SILENT, Progress, run_days
from paperdigest.flows.day import run_recorded_day
from paperdigest.flows.days import RELATIVE_DAYS, DayOptions, days_between, parse_day
from paperdigest.flows.results import (
    BackfillResult,
    DayResult,
    WeekResult,
    cost_text,
    report_backfill,
    report_day,
    report_week,
)
from paperdigest.flows.runtime import Runtime, open_runtime
from paperdigest.notify import DigestNote, Notifier
from paperdigest.states import RunStatus
from paperdigest.weeks import parse_week

if TYPE_CHECKING:  # the Batch API paths load the openai client; a direct backfill does not
    from paperdigest.flows.ingest import IngestResult
    from paperdigest.flows.weekly import WeekOptions

__all__ = ["ProgressView", "backfill", "run", "weekly"]

log = logging.getLogger("paperdigest")

ProgressView = Callable[[], AbstractContextManager[Progress]]
"""Opens where a backfill shows its progress for the length of its days (the CLI's progress
bar); the view is closed before the report lines are logged."""


def _silent() -> AbstractContextManager[Progress]:
    return nullcontext(SILENT)


def _notifier(settings: Settings, notify: bool) -> Notifier:
    """The command's notifier; checks ``PAPERDIGEST_NOTIFY`` (ConfigError) before any model
    call, also when ``notify`` is False (``--no-notify``)."""
    return Notifier.from_settings(settings.notify, settings.site_url, enabled=notify)


def _note(notifier: Notifier, result: DayResult) -> DigestNote:
    assert result.path is not None
    return notifier.note(result.day, result.path, result.entries, result.omitted)


def run(settings: Settings, when: str, options: DayOptions, *, notify: bool = True) -> DayResult:
    """The ``run`` command: the digest of one day's list.

    Args:
        settings: the command's settings (its options applied).
        when: ``--date`` as given: ``YYYY-MM-DD``, ``today`` or ``yesterday``.
        options: schema, template and limit.
        notify: False for ``--no-notify``.

    Returns:
        The :class:`~paperdigest.flows.results.DayResult` (``status`` partial when a paper
        failed or was not done).

    Raises:
        InputError: ``when`` is not a day (nothing is created).
        ConfigError: a setting, the API key, a prompt file or a notification URL is unusable.
        FetchError, StoreError, LockTimeout: as the day's run; a notification of the failure
            is sent first.
    """
    day = parse_day(when, settings)  # before open_runtime creates folder and database
    notifier = _notifier(settings, notify)
    with notifier.on_failure(f"run {when}"):
        with closing(open_runtime(settings)) as rt:
            log.info("date: %s (%s)", day, when if when in RELATIVE_DAYS else "given")
            result = run_recorded_day(rt, day, options)
        report_day(result)
        if result.path is not None:
            notifier.digest(_note(notifier, result))
    return result


def backfill(
    settings: Settings,
    first: str,
    last: str,
    options: DayOptions,
    *,
    batch: bool = False,
    batch_file: Path | None = None,
    ingest: Path | None = None,
    notify: bool = True,
    progress: ProgressView = _silent,
) -> BackfillResult:
    """The ``backfill`` command: the digest of every day from ``first`` to ``last``; days
    already complete cost nothing.

    At most one of ``batch`` (summarize through the Batch API first), ``batch_file`` (only
    write the Batch API requests there) and ``ingest`` (store a batch results file first).

    Returns:
        The :class:`~paperdigest.flows.results.BackfillResult`; with ``batch_file``, no day
        and ``requests_file`` set (nothing is notified then).

    Raises:
        InputError: more than one mode, a bad day or range, an unreadable results file
            (nothing is created for the first two).
        ConfigError, FetchError, StoreError, LockTimeout, BatchError: as the days' runs and
            the batch; a notification of a failure is sent first.
    """
    if batch + (batch_file is not None) + (ingest is not None) > 1:
        raise InputError("use only one of --batch, --batch-file and --ingest")
    days = days_between(parse_day(first, settings), parse_day(last, settings))
    notifier = _notifier(settings, notify)
    with notifier.on_failure(f"backfill {first}~{last}"):
        with closing(open_runtime(settings)) as rt:
            with progress() as view:
                result, ingested = asyncio.run(
                    _days(rt, days, options, batch, batch_file, ingest, view)
                )
            if result.requests_file is not None:
                return result
            for day in result.days:
                report_day(day)
            for one in ingested:
                _report_ingested(rt, one)
            report_backfill(result)
        notifier.backfill([_note(notifier, d) for d in result.days if d.path is not None])
    return result


async def _days(
    rt: Runtime,
    days: list[date],
    options: DayOptions,
    batch: bool,
    batch_file: Path | None,
    ingest: Path | None,
    progress: Progress,
) -> tuple[BackfillResult, list[IngestResult]]:
    """The backfill's days through the path its mode asks for, in one event loop."""
    if not (batch or batch_file or ingest):
        return await run_days(rt, days, options, progress=progress), []
    from paperdigest.flows import batch as batches  # loads the openai client

    if batch_file is not None:
        count = await batches.write_batch_file(rt, days, options, batch_file, progress)
        log.info("%d batch requests written", count)
        return BackfillResult(requests_file=batch_file), []
    if ingest is not None:
        result, one = await batches.ingest_file(rt, days, options, ingest, progress)
        return result, [one]
    return await batches.run_batch(rt, days, options, progress)


def _report_ingested(rt: Runtime, i: IngestResult) -> None:
    log.info(
        "batch answers: %d read, %d stored, %d invalid and %d failed (left to the direct "
        "path), %d ignored; tokens in/out %d/%d, %s at the configured prices",
        i.answers,
        i.stored,
        i.invalid,
        i.failed,
        i.ignored,
        i.prompt_tokens,
        i.completion_tokens,
        cost_text(rt.cost(i.prompt_tokens, i.completion_tokens)),
    )


def weekly(
    settings: Settings, when: str, options: WeekOptions, *, notify: bool = True
) -> WeekResult:
    """The ``weekly`` command: the post of one ISO week from its stored days
    (:func:`~paperdigest.flows.weekly.write_week`).

    Args:
        settings: the command's settings (its options applied).
        when: ``--week`` as given: ``YYYY-Www`` or ``last`` (in the configured time zone).
        options: layout and number of papers.
        notify: False for ``--no-notify``.

    Returns:
        The :class:`~paperdigest.flows.weekly.WeekResult`: ``path`` None when nothing is
        stored for the week (no file, no notification); ``status`` partial when the post
        went out without its overview.

    Raises:
        InputError: ``when`` is no ISO week (nothing is created), or the week has digests
            of several layouts and no ``--template``.
        ConfigError, FetchError, StoreError, LockTimeout: as ``write_week``; a notification
            of a failure is sent first.
    """
    week = parse_week(when, datetime.now(settings.tz).date())
    notifier = _notifier(settings, notify)
    if not settings.db_path.is_file():  # nothing stored; a database would be created empty
        return WeekResult(week)
    from paperdigest.flows.weekly import write_week

    with notifier.on_failure(f"weekly {week.label}"):
        with closing(open_runtime(settings)) as rt:
            result = asyncio.run(write_week(rt, week, options))
        report_week(result)
        if result.path is not None:
            notifier.weekly(
                week.label, result.path, result.entries, result.status is RunStatus.PARTIAL
            )
    return result
