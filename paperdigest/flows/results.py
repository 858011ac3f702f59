"""What the commands give back, and the lines that report it.

:class:`DayResult` (one day), :class:`BackfillResult` (a range of days) and
:class:`WeekResult` (a weekly post) carry their :class:`~paperdigest.states.RunStatus`;
:func:`report_day`, :func:`report_backfill` and :func:`report_week` log their report lines.
Papers left out are *notices*: log records marked with :data:`NOTICE`, which the CLI shows as
its own lines (``paperdigest: 2511.04670 not in digest: …``).

The reading commands (``list``, ``stats``, ``search``) give a :class:`Printout`.

Light on purpose (no jinja2, httpx2 or openai at import): the CLI reads :data:`NOTICE` when
it sets up logging, for every command.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperdigest.records import RunStats
from paperdigest.states import PaperState, RunStatus
from paperdigest.weeks import IsoWeek

if TYPE_CHECKING:  # attributes only: importing render would load jinja2
    from paperdigest.render import Entry, Omitted
    from paperdigest.roundup import WeeklyEntry
    from paperdigest.sources.hf import Skipped

__all__ = [
    "NOTICE",
    "BackfillResult",
    "DayResult",
    "Printout",
    "WeekResult",
    "cost_text",
    "report_backfill",
    "report_day",
    "report_week",
]

log = logging.getLogger("paperdigest")

NOTICE = "notice"
"""The attribute (``extra={NOTICE: True}``) that marks a log record as a notice."""


@dataclass(frozen=True)
class Printout:
    """What a reading command prints: ``json`` for ``--json``, else ``tables`` (rich
    renderables); ``nothing`` is the line shown when there is nothing to show (``nothing
    stored``, ``no matches``: on stdout, or on stderr beside the JSON); ``note`` a warning
    line to show first (e.g. why a search scanned instead of using its index)."""

    json: str
    tables: tuple[object, ...] = ()
    nothing: str | None = None
    note: str | None = None


@dataclass
class DayResult:
    """The outcome of one day: the digest path (None on a day without papers), counts,
    and what was left out (failed, not done, skipped, filtered)."""

    day: date
    path: Path | None
    stats: RunStats
    omitted: list[Omitted] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # the digest's papers (notifications)

    @property
    def status(self) -> RunStatus:
        """``partial`` when a paper failed or was left undone, else ``done``."""
        unfinished = any(o.state.unfinished for o in self.omitted)
        return RunStatus.PARTIAL if unfinished else RunStatus.DONE


@dataclass
class BackfillResult:
    """The days run, in order; ``requests_file`` is the JSONL ``backfill --batch-file``
    wrote (no day is run then)."""

    days: list[DayResult] = field(default_factory=list)
    requests_file: Path | None = None

    @property
    def status(self) -> RunStatus:
        """``partial`` when any day is partial, else ``done`` (days without papers too)."""
        partial = any(d.status is RunStatus.PARTIAL for d in self.days)
        return RunStatus.PARTIAL if partial else RunStatus.DONE

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


@dataclass
class WeekResult:
    """What ``weekly`` did: the post written (None: nothing stored for the week), its
    layout and top papers, the overview error when the post went out without it (exit 3),
    and the counts of its ``runs`` row (``papers``: listed; ``summarized``/``cached``: the
    overview asked or stored; ``failed``: it failed)."""

    week: IsoWeek
    path: Path | None = None
    template: str | None = None
    entries: list[WeeklyEntry] = field(default_factory=list)
    overview_error: str | None = None
    written: bool = False
    stats: RunStats = field(default_factory=RunStats)

    @property
    def overview_state(self) -> str:
        """How the overview came: ``written`` (asked now), ``cached``, ``failed`` (the post
        has none) or ``none`` (no paper to write it from)."""
        s = self.stats
        return (
            "failed"
            if s.failed
            else "cached"
            if s.cached
            else "written"
            if s.summarized
            else "none"
        )

    @property
    def status(self) -> RunStatus:
        """``partial`` when the post went out without its overview, else ``done``."""
        return RunStatus.PARTIAL if self.overview_error else RunStatus.DONE


def cost_text(usd: float | None) -> str:
    """``est. $0.0123``, or a note that the model has no configured price."""
    if usd is None:
        return "est. cost unknown (no price for the model: see PAPERDIGEST_PRICES)"
    return f"est. ${usd:.4f}"


def report_day(result: DayResult) -> None:
    """Log a day's report: a notice per paper not in the digest (filtered papers are named
    in the digest's last line, not warned of), then one line of counts, calls, tokens, cost
    and time (and, on a day without papers, that no digest was written).

    The counts add up to the papers: ``failed`` and ``not done`` apart (the stored
    :class:`~paperdigest.records.RunStats` counts both as ``failed``), and records of the
    list that are no paper (also in ``RunStats.skipped``) counted apart from skipped papers.
    """
    s = result.stats
    for o in result.omitted:
        if o.state is not PaperState.FILTERED:
            log.warning("%s not in digest: %s", o.arxiv_id, o.reason, extra={NOTICE: True})
    filtered = sum(1 for o in result.omitted if o.state is PaperState.FILTERED)
    not_done = sum(1 for o in result.omitted if o.state is PaperState.NOT_DONE)
    unusable = len(result.skipped)
    log.info(
        "%s: %d papers (%d summarized, %d cached, %d failed, %d not done, %d skipped)%s; "
        "%d model calls, tokens in/out %d/%d, %s; %.1f s",
        result.day,
        s.papers,
        s.summarized,
        s.cached,
        s.failed - not_done,
        not_done,
        s.skipped - unusable,
        (f", {s.briefs} of them as briefs" if s.briefs else "")
        + (f", {unusable} unusable list record(s) skipped" if unusable else "")
        + (f", {filtered} filtered out" if filtered else ""),
        s.model_calls,
        s.prompt_tokens,
        s.completion_tokens,
        cost_text(s.cost_usd),
        s.wall_seconds,
    )
    if result.path is None:
        log.info("no papers on %s; no digest written", result.day)


def report_backfill(result: BackfillResult) -> None:
    """Log a backfill's closing line: days (partial ones), papers, calls, tokens, cost and
    time over every day (each day's own report comes first, from :func:`report_day`)."""
    t = result.totals
    log.info(
        "backfill: %d days (%d partial); %d papers (%d summarized, %d cached, %d failed, "
        "%d skipped); %d model calls, tokens in/out %d/%d, %s; %.1f s",
        len(result.days),
        sum(1 for d in result.days if d.status is RunStatus.PARTIAL),
        t.papers,
        t.summarized,
        t.cached,
        t.failed,
        t.skipped,
        t.model_calls,
        t.prompt_tokens,
        t.completion_tokens,
        cost_text(t.cost_usd),
        t.wall_seconds,
    )


def report_week(result: WeekResult) -> None:
    """Log a weekly post's line: papers, layout, how the overview came, calls, tokens, cost,
    and whether the file changed; nothing when no post was written (nothing stored)."""
    if result.path is None:
        return
    s = result.stats
    log.info(
        "weekly %s: %d papers (%s), overview %s; %d model calls, tokens in/out %d/%d, %s; post %s",
        result.week.label,
        s.papers,
        result.template,
        result.overview_state,
        s.model_calls,
        s.prompt_tokens,
        s.completion_tokens,
        cost_text(s.cost_usd),
        "written" if result.written else "unchanged",
    )
