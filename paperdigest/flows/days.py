"""What a command is asked to do: its days (``--date``, ``--from``/``--to``, read in the
configured time zone) and how to digest each day (:class:`DayOptions`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from paperdigest.config import Settings
from paperdigest.errors import InputError

__all__ = ["RELATIVE_DAYS", "DayOptions", "check_range", "days_between", "parse_day", "parse_range"]

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

RELATIVE_DAYS = ("today", "yesterday")
"""The words a day may be given as, besides ``YYYY-MM-DD``."""

# A backfill longer than this is almost certainly a typo in a year (2015 for 2025).
_MAX_DAYS = 366


@dataclass(frozen=True)
class DayOptions:
    """How a day's digest is made, as ``run`` and ``backfill`` (and any later command that
    writes digests) take it from their options.

    Attributes:
        schema: the summary schema (``seven`` or ``gmr``).
        template: the digest layout (``digest``, ``jekyll`` or ``docusaurus``).
        limit: only the N most upvoted papers left by the filters; None keeps all.
    """

    schema: str
    template: str
    limit: int | None = None


def parse_day(value: str, settings: Settings) -> date:
    """``YYYY-MM-DD``, ``today`` or ``yesterday`` (in the configured time zone).

    Raises:
        InputError: anything else, or an impossible date such as 2025-02-30.
    """
    today = datetime.now(settings.tz).date()
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    try:
        # fromisoformat alone takes week dates too (2025-W45-5).
        if not _DATE_RE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"not a date: {value!r} (use YYYY-MM-DD, 'today' or 'yesterday')"
        ) from None


def parse_range(
    first: str | None, last: str | None, settings: Settings
) -> tuple[date | None, date | None]:
    """``--from``/``--to`` as given (None: unbounded) as days, checked.

    Raises:
        InputError: a day is not a date (:func:`parse_day`), or ``last`` is before ``first``.
    """
    lo = parse_day(first, settings) if first is not None else None
    hi = parse_day(last, settings) if last is not None else None
    check_range(lo, hi)
    return lo, hi


def check_range(first: date | None, last: date | None) -> None:
    """Check a ``--from``/``--to`` range (either bound may be open: None).

    Raises:
        InputError: ``last`` is before ``first``.
    """
    if first is not None and last is not None and last < first:
        raise InputError(f"--to {last} is before --from {first}")


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included.

    Raises:
        InputError: ``last`` is before ``first``, or the range is longer than 366 days.
    """
    check_range(first, last)
    count = (last - first).days + 1
    if count > _MAX_DAYS:
        raise InputError(f"{first}..{last} is {count} days; backfill at most {_MAX_DAYS} at once")
    return [first + timedelta(days=i) for i in range(count)]
