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
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

from paperdigest.errors import InputError
from paperdigest.flows.day import DayResult, PreparedDay, run_day
from paperdigest.flows.runtime import Runtime, Status, recorded_day
from paperdigest.store import RunStats

__all__ = ["BackfillResult", "Progress", "days_between", "run_days"]

# A backfill longer than this is almost certainly a typo in a year (2015 for 2025).
_MAX_DAYS = 366


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


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included.

    Raises:
        InputError: ``last`` is before ``first``, or the range is longer than 366 days.
    """
    if last < first:
        raise InputError(f"--to {last} is before --from {first}")
    count = (last - first).days + 1
    if count > _MAX_DAYS:
        raise InputError(f"{first}..{last} is {count} days; backfill at most {_MAX_DAYS} at once")
    return [first + timedelta(days=i) for i in range(count)]


@dataclass
class BackfillResult:
    """The days run, in order."""

    days: list[DayResult] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """``partial`` when any day is partial, else ``done`` (days without papers too)."""
        return "partial" if any(d.status == "partial" for d in self.days) else "done"

    @property
    def totals(self) -> RunStats:
        """The days' counts added up (wall time included)."""
        total = RunStats()
        for d in self.days:
            for f in fields(RunStats):
                mine, theirs = getattr(total, f.name), getattr(d.stats, f.name)
                # An unknown cost (None) makes the total unknown.
                both = None if mine is None or theirs is None else mine + theirs
                setattr(total, f.name, both)
        return total


async def run_days(
    rt: Runtime,
    days: list[date],
    schema: str,
    template: str,
    output_dir: Path,
    prepared: Mapping[date, PreparedDay] | None = None,
    progress: Progress = SILENT,
) -> BackfillResult:
    """Run each day in turn (the direct path) and write its digest.

    Args:
        rt: the command's :class:`Runtime`, shared by every day.
        days: the days, in the order to run them.
        schema: ``seven`` or ``gmr``.
        template: ``digest``, ``jekyll`` or ``docusaurus``.
        output_dir: where the digests go.
        prepared: days already fetched (see :func:`paperdigest.flows.day.prepare_day`).
        progress: advanced once per day.

    Returns:
        The :class:`BackfillResult`.

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
                await run_day(
                    rt, day, schema, template, output_dir, prepared=(prepared or {}).get(day)
                )
            )
        result.days.append(outcome)
        progress.advance()
    return result
