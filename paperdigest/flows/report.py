"""A view of the store: ``paperdigest list`` (one row per day) and ``paperdigest stats``
(totals and a per-source breakdown), as a rich table or JSON.

Read only: a missing database is "nothing stored" and is not created. Counts come from the
``runs`` rows of ``run`` and ``backfill`` (``runs.stats``), the ``digests`` table, and the
summaries the digests show:

* a day's papers, summarized, cached, failed and left out are those of its latest
  completed run (``done`` or ``partial``): the state its digest was last written in;
* its model calls, tokens and estimated cost add up every run of the day (what the day cost,
  reruns included). The cost is unknown (None) when a run had no configured price.
* per source (html, pdf, abstract): the summaries shown by the range's digests, each once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.table import Table

from paperdigest.config import Settings
from paperdigest.flows.days import parse_range
from paperdigest.flows.results import Printout
from paperdigest.records import DigestRecord, RunRecord, Summary
from paperdigest.store import Store

__all__ = [
    "NOTHING_STORED",
    "DayRow",
    "SourceRow",
    "StatsReport",
    "Totals",
    "day_rows",
    "list_days",
    "list_json",
    "list_printout",
    "list_table",
    "open_stored",
    "stats",
    "stats_json",
    "stats_printout",
    "stats_table",
]

NOTHING_STORED = "nothing stored"

# The counts a day row and the totals share, summed over the days (the cost apart: unknown
# stays unknown).
_SUMMED = (
    "papers",
    "summarized",
    "cached",
    "failed",
    "left_out",
    "model_calls",
    "prompt_tokens",
    "completion_tokens",
)

# The source kinds in the order of the full-text chain (html → pdf → abstract).
_KINDS = ("html", "pdf", "abstract")


@dataclass
class DayRow:
    """One day of ``list``.

    Attributes:
        day: ``YYYY-MM-DD``.
        digests: ``{"schema", "template", "path"}`` of each digest written for the day.
        runs: ``run``/``backfill`` rows of the day; ``status`` the latest one's.
        papers, summarized, cached, failed, left_out: the latest completed run's counts
            (``left_out``: papers with nothing to summarize and list records that are no
            paper; ``failed`` includes papers not done).
        model_calls, prompt_tokens, completion_tokens: over every run of the day (tokens).
        cost_usd: estimated USD over every run; None when a run had no configured price.
    """

    day: str
    digests: list[dict[str, str]] = field(default_factory=list)
    runs: int = 0
    status: str = ""
    papers: int = 0
    summarized: int = 0
    cached: int = 0
    failed: int = 0
    left_out: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0


@dataclass
class Totals:
    """The sum of the range's :class:`DayRow` counts, with days, runs and digests counted."""

    days: int = 0
    runs: int = 0
    digests: int = 0
    papers: int = 0
    summarized: int = 0
    cached: int = 0
    failed: int = 0
    left_out: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0


@dataclass
class SourceRow:
    """The summaries written from one source kind (``html``, ``pdf``, ``abstract``).

    Attributes:
        papers: distinct arXiv ids; ``summaries`` counts each schema's summary apart.
        avg_source_tokens: mean size of the text sent (tokens).
        reask_rate: share of summaries that needed more than one answer (0..1).
        figures_flagged: figures published with the "not found in the source" warning.
    """

    kind: str
    papers: int
    summaries: int
    avg_source_tokens: float
    reask_rate: float
    figures_flagged: int


@dataclass
class StatsReport:
    """What ``stats`` shows: the range's totals and the per-source breakdown."""

    totals: Totals
    sources: list[SourceRow]


def open_stored(db_path: Path) -> Store | None:
    """The store at ``db_path``, or None when there is no database: a database that does
    not exist holds nothing, and opening it would create it.

    Raises:
        NewerDatabase, ForeignDatabase, StoreError: as :class:`~paperdigest.store.Store`.
    """
    return Store(db_path) if db_path.is_file() else None


def _add_cost(total: float | None, cost: float | None) -> float | None:
    return None if total is None or cost is None else total + cost


def _row(day: str, runs: list[RunRecord], digests: list[DigestRecord]) -> DayRow:
    row = DayRow(
        day,
        [{"schema": d.schema, "template": d.template, "path": d.path} for d in digests],
        len(runs),
        runs[-1].status if runs else "",
    )
    completed = [r for r in runs if r.status.completed and r.stats is not None]
    if completed:
        last = completed[-1].stats
        assert last is not None
        row.papers, row.summarized, row.cached = last.papers, last.summarized, last.cached
        row.failed, row.left_out = last.failed, last.skipped
    for run in runs:
        if run.stats is None:  # never finished: its calls are not known
            continue
        row.model_calls += run.stats.model_calls
        row.prompt_tokens += run.stats.prompt_tokens
        row.completion_tokens += run.stats.completion_tokens
        row.cost_usd = _add_cost(row.cost_usd, run.stats.cost_usd)
    return row


def day_rows(store: Store, first: date | None, last: date | None) -> list[DayRow]:
    """One :class:`DayRow` per day with a run or a digest, from ``first`` to ``last`` (both
    included; None: unbounded), by day.

    Raises:
        StoreError: the database cannot be read.
    """
    lo = first.isoformat() if first else None
    hi = last.isoformat() if last else None
    runs: dict[str, list[RunRecord]] = {}
    for run in store.day_runs(lo, hi):
        runs.setdefault(run.day, []).append(run)
    digests: dict[str, list[DigestRecord]] = {}
    for digest in store.digests_between(lo, hi):
        digests.setdefault(digest.day, []).append(digest)
    return [_row(d, runs.get(d, []), digests.get(d, [])) for d in sorted({*runs, *digests})]


def _sources(summaries: list[Summary]) -> list[SourceRow]:
    kinds = sorted(
        {s.source_kind for s in summaries},
        key=lambda k: (_KINDS.index(k) if k in _KINDS else len(_KINDS), k),
    )
    rows = []
    for kind in kinds:
        of_kind = [s for s in summaries if s.source_kind == kind]
        n = len(of_kind)
        rows.append(
            SourceRow(
                kind,
                len({s.arxiv_id for s in of_kind}),
                n,
                round(sum(s.source_tokens for s in of_kind) / n, 1),
                round(sum(1 for s in of_kind if len(s.attempts) > 1) / n, 3),
                sum(len(s.unverified) for s in of_kind),
            )
        )
    return rows


def list_days(settings: Settings, first: str | None, last: str | None) -> list[DayRow]:
    """The ``list`` command's rows for the days ``--from`` ``first`` ``--to`` ``last``
    (empty: nothing stored in the range, or no database).

    Raises:
        InputError: a bad day, or ``last`` is before ``first``.
        NewerDatabase: a newer paperdigest wrote the database.
        StoreError: the database cannot be opened or read.
    """
    lo, hi = parse_range(first, last, settings)
    store = open_stored(settings.db_path)
    if store is None:
        return []
    try:
        return day_rows(store, lo, hi)
    finally:
        store.close()


def stats(settings: Settings, first: str | None, last: str | None) -> StatsReport | None:
    """The ``stats`` command's report for the days ``--from`` ``first`` ``--to`` ``last``;
    None when nothing is stored in the range.

    Raises:
        InputError: a bad day, or ``last`` is before ``first``.
        NewerDatabase: a newer paperdigest wrote the database.
        StoreError: the database cannot be opened or read.
    """
    lo, hi = parse_range(first, last, settings)
    store = open_stored(settings.db_path)
    if store is None:
        return None
    try:
        rows = day_rows(store, lo, hi)
        if not rows:
            return None
        summaries = store.shown_summaries(
            lo.isoformat() if lo else None, hi.isoformat() if hi else None
        )
    finally:
        store.close()
    totals = Totals(days=len(rows))
    for row in rows:
        totals.runs += row.runs
        totals.digests += len(row.digests)
        for name in _SUMMED:
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
        totals.cost_usd = _add_cost(totals.cost_usd, row.cost_usd)
    return StatsReport(totals, _sources(summaries))


# -- output ----------------------------------------------------------------------------------


def _cost(usd: float | None) -> str:
    return "unknown" if usd is None else f"${usd:.4f}"


def list_json(rows: list[DayRow]) -> str:
    """``{"days": [DayRow, …]}`` as JSON (``cost_usd`` null when unknown)."""
    return json.dumps({"days": [asdict(r) for r in rows]}, ensure_ascii=False, indent=2)


def list_table(rows: list[DayRow]) -> Table:
    """The ``list`` rows as a rich table, one row per day."""
    table = Table(title="paperdigest: days stored")
    table.add_column("day", no_wrap=True)
    table.add_column("digests (schema/template: path)", overflow="fold")
    table.add_column("last run")
    for name in ("papers", "summarized", "cached", "failed", "left out", "calls", "tokens in/out"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("est. cost", justify="right", no_wrap=True)
    for r in rows:
        digests = "\n".join(f"{d['schema']}/{d['template']}: {d['path']}" for d in r.digests)
        table.add_row(
            r.day,
            digests or "-",
            f"{r.status} ({r.runs} run{'s' if r.runs != 1 else ''})" if r.runs else "-",
            *(str(n) for n in (r.papers, r.summarized, r.cached, r.failed, r.left_out)),
            str(r.model_calls),
            f"{r.prompt_tokens}/{r.completion_tokens}",
            _cost(r.cost_usd),
        )
    return table


def stats_json(report: StatsReport) -> str:
    """``{"totals": Totals, "sources": [SourceRow, …]}`` as JSON."""
    data: dict[str, Any] = asdict(report)
    return json.dumps(data, ensure_ascii=False, indent=2)


def stats_table(report: StatsReport) -> tuple[Table, Table]:
    """The totals and the per-source breakdown as two rich tables."""
    totals = Table(title="paperdigest: totals")
    totals.add_column("")
    totals.add_column("", justify="right")
    t = report.totals
    for label, value in (
        ("days", t.days),
        ("runs", t.runs),
        ("digests", t.digests),
        ("papers", t.papers),
        ("summarized", t.summarized),
        ("cached", t.cached),
        ("failed", t.failed),
        ("left out", t.left_out),
        ("model calls", t.model_calls),
        ("tokens in/out", f"{t.prompt_tokens}/{t.completion_tokens}"),
        ("est. cost", _cost(t.cost_usd)),
    ):
        totals.add_row(label, str(value))
    sources = Table(title="paperdigest: summaries by source")
    sources.add_column("source")
    for name in ("papers", "summaries", "avg source tokens", "re-ask rate", "figures flagged"):
        sources.add_column(name, justify="right")
    for s in report.sources:
        sources.add_row(
            s.kind,
            str(s.papers),
            str(s.summaries),
            f"{s.avg_source_tokens:.0f}",
            f"{s.reask_rate:.1%}",
            str(s.figures_flagged),
        )
    return totals, sources


def list_printout(settings: Settings, first: str | None, last: str | None) -> Printout:
    """What ``list`` prints for the days ``--from`` ``first`` ``--to`` ``last``
    (:func:`list_days`), as JSON and as a table.

    Raises:
        as :func:`list_days`.
    """
    rows = list_days(settings, first, last)
    if not rows:
        return Printout(list_json(rows), nothing=NOTHING_STORED)
    return Printout(list_json(rows), (list_table(rows),))


def stats_printout(settings: Settings, first: str | None, last: str | None) -> Printout:
    """What ``stats`` prints for the days ``--from`` ``first`` ``--to`` ``last``
    (:func:`stats`), as JSON and as tables; empty totals when nothing is stored.

    Raises:
        as :func:`stats`.
    """
    report = stats(settings, first, last)
    if report is None:
        return Printout(stats_json(StatsReport(Totals(), [])), nothing=NOTHING_STORED)
    return Printout(stats_json(report), stats_table(report))
