"""Backfill: a range of days through the same cache, one Runtime spanning them all.

Each day is an ordinary :func:`~paperdigest.flows.day.run_day` under that day's lock, so a
day whose summaries are all stored costs no model call, and a crashed backfill resumes
where it stopped. The days share one :class:`~paperdigest.flows.runtime.Runtime`: the token cap,
the rate limiter and the price table span the whole backfill. Each day is recorded as its
own ``runs`` row (command ``backfill``) with its counts, tokens and cost.

An error that stops a day (the Hugging Face list cannot be fetched, the database fails)
stops the backfill: the days before it are stored and a rerun skips them at no cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Protocol

from paperdigest.flows.day import run_day
from paperdigest.flows.days import DayOptions
from paperdigest.flows.prepare import PreparedDay
from paperdigest.flows.results import BackfillResult
from paperdigest.flows.runtime import Runtime, recorded_day

__all__ = ["SILENT", "Progress", "run_days"]


class Progress(Protocol):
    """Where a long command reports progress (the CLI draws a rich progress bar)."""

    def stage(self, description: str, total: int) -> None:
        """Begin a stage of ``total`` steps (days, papers)."""

    def advance(self, steps: int = 1) -> None:
        """Count ``steps`` steps of the current stage as done."""


class _Silent:
    def stage(self, description: str, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


SILENT: Progress = _Silent()


async def run_days(
    rt: Runtime,
    days: list[date],
    options: DayOptions,
    prepared: Mapping[date, PreparedDay] | None = None,
    progress: Progress = SILENT,
) -> BackfillResult:
    """Run each day in turn (the direct path) and write its digest.

    Args:
        rt: the command's :class:`Runtime`, shared by every day.
        days: the days, in the order to run them.
        options: schema, template and limit of every day.
        prepared: days already fetched (see :func:`paperdigest.flows.prepare.prepare_day`).
        progress: advanced once per day.

    Returns:
        The :class:`~paperdigest.flows.results.BackfillResult`.

    Raises:
        FetchError: a day's list could not be fetched (the backfill stops there).
        ConfigError: the model API refused the key or model.
        LockTimeout: another run held a day's lock past the wait limit.
        StoreError: the database failed.
    """
    result = BackfillResult()
    progress.stage("days", len(days))
    for day in days:
        with recorded_day(rt, "backfill", day) as record:
            outcome = record.done(
                await run_day(rt, day, options, prepared=(prepared or {}).get(day))
            )
        result.days.append(outcome)
        progress.advance()
    return result
