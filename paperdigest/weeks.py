"""ISO 8601 weeks, as ``paperdigest weekly --week`` takes them (issue 19 §2).

A week runs Monday to Sunday; ``2025-W46`` is the week of 2025-11-10 to 2025-11-16. ISO
years have 52 or 53 weeks: 2026-W53 exists, 2025-W53 does not. Pure: the caller gives today's
date (in ``PAPERDIGEST_TIMEZONE``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from paperdigest.errors import InputError

__all__ = ["LAST", "IsoWeek", "parse_week"]

LAST = "last"
"""The ``--week`` value for the week before the current one."""

_WEEK_RE = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO week: ``year`` (the ISO year, which near New Year can differ from the calendar
    year of some of its days) and ``week`` (1 to 52 or 53)."""

    year: int
    week: int

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        """The week ``day`` falls in."""
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @property
    def label(self) -> str:
        """``2025-W46``."""
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        """Its first day."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        """Its last day."""
        return self.monday + timedelta(days=6)

    @property
    def days(self) -> list[date]:
        """Its seven days, Monday first."""
        return [self.monday + timedelta(days=i) for i in range(7)]

    def previous(self) -> IsoWeek:
        """The week before."""
        return IsoWeek.of(self.monday - timedelta(days=7))


def parse_week(value: str, today: date) -> IsoWeek:
    """``YYYY-Www`` (``2025-W46``) or ``last``: the week before the one ``today`` is in.

    Raises:
        InputError: any other text, or a week the year does not have (``2025-W60``,
            ``2025-W53``, ``2025-W00``).
    """
    if value == LAST:
        return IsoWeek.of(today).previous()
    found = _WEEK_RE.fullmatch(value.strip())
    if found is not None:
        year, week = int(found.group(1)), int(found.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise InputError(
                f"{year} has no ISO week {week}: use a week from {year}-W01 to {year}-W"
                f"{date(year, 12, 28).isocalendar().week:02d}"
            ) from None
        return IsoWeek(year, week)
    raise InputError(f"not a week: {value!r} (use an ISO week such as 2025-W46, or 'last')")
