"""What a command is asked to do: its days (``--date``, ``--from``/``--to``, read in the
configured time zone) and how to digest each day (:class:`DayOptions`, with its ranking
:class:`RankOptions`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from paperdigest.config import Settings
from paperdigest.errors import ConfigError, InputError

__all__ = [
    "RELATIVE_DAYS",
    "DayOptions",
    "RankOptions",
    "check_range",
    "day_options",
    "days_between",
    "parse_day",
    "parse_range",
]

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

RELATIVE_DAYS = ("today", "yesterday")
"""The words a day may be given as, besides ``YYYY-MM-DD``."""

# A backfill longer than this is almost certainly a typo in a year (2015 for 2025).
_MAX_DAYS = 366


@dataclass(frozen=True)
class RankOptions:
    """How a command orders papers and which get a full summary (issue 18 §3), from the
    settings ``rank``, ``top`` and ``min_relevance`` (the options ``--rank``, ``--top`` and
    ``--min-relevance`` override them): build it with :meth:`from_settings`.

    Attributes:
        by: ``relevance`` (to the reader's profile) or ``upvotes``.
        top: the N highest-ranked papers get a full summary, the others a brief; None:
            every paper in full.
        min_relevance: papers scored below it (0–1) are left out; 0 leaves none out.
    """

    by: Literal["upvotes", "relevance"] = "upvotes"
    top: int | None = None
    min_relevance: float = 0.0

    @property
    def scored(self) -> bool:
        """Whether papers get a relevance score (ranked by it, or filtered by it): only
        then is the reader's profile read and are embeddings asked for."""
        return self.by == "relevance" or self.min_relevance > 0

    @classmethod
    def from_settings(cls, settings: Settings) -> RankOptions:
        """The ranking the settings ask for: ``rank``, else ``relevance`` when a reader's
        profile is configured and ``upvotes`` when not; ``top``; ``min_relevance``.

        Raises:
            ConfigError: relevance is asked for (``rank``, ``min_relevance``) and no
                profile is configured.
        """
        reader = settings.reader_configured
        by: Literal["upvotes", "relevance"] = settings.rank or (
            "relevance" if reader else "upvotes"
        )
        options = cls(by, settings.top, settings.min_relevance)
        if options.scored and not reader:
            asked = (
                "ranking by relevance (--rank, PAPERDIGEST_RANK)"
                if by == "relevance"
                else "--min-relevance (PAPERDIGEST_MIN_RELEVANCE)"
            )
            raise ConfigError(
                f"{asked} needs a reader profile: set PAPERDIGEST_INTERESTS, "
                "PAPERDIGEST_LIBRARY or PAPERDIGEST_ZOTERO_LIBRARY_ID"
            )
        return options


@dataclass(frozen=True)
class DayOptions:
    """How a day's digest is made, as ``run`` and ``backfill`` (and any later command that
    writes digests) take it from their options.

    Attributes:
        schema: the summary schema (``seven`` or ``gmr``).
        template: the digest layout (``digest``, ``jekyll`` or ``docusaurus``).
        limit: only the N highest-ranked papers left by the filters; None keeps all.
        rank: the order and the tiers (:class:`RankOptions`).
    """

    schema: str
    template: str
    limit: int | None = None
    rank: RankOptions = field(default_factory=RankOptions)


def day_options(
    settings: Settings, schema: str | None, template: str | None, limit: int | None = None
) -> DayOptions:
    """The :class:`DayOptions` of ``run`` or ``backfill``: each of ``schema`` and
    ``template`` as given (None: not given), the other from its pairing
    (:attr:`~paperdigest.model.schemas.SchemaSpec.template`,
    :func:`~paperdigest.model.schemas.schema_for_template`; neither given: the default
    schema and its layout); the ranking from the settings (:meth:`RankOptions.from_settings`).

    Raises:
        ConfigError: as :meth:`RankOptions.from_settings`.
    """
    from paperdigest.model.schemas import DEFAULT_SCHEMA, SCHEMAS, schema_for_template

    if schema is None:
        schema = DEFAULT_SCHEMA if template is None else schema_for_template(template)
    chosen = template if template is not None else SCHEMAS[schema].template
    return DayOptions(schema, chosen, limit, RankOptions.from_settings(settings))


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
