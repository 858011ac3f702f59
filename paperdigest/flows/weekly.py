"""The weekly post of ``paperdigest weekly`` (issue 19 §2): from stored days only (it never
fetches a day), under the week's lock and a ``runs`` row of command ``weekly``.

A week's post is made from the digests of the week's days in one layout whose files are in
the output folder, and the papers they summarize: the top N by upvotes or by relevance to
the reader (:func:`~paperdigest.flows.rank.rank_papers`), their gists, and an overview
written by the model only when none is stored for (week, papers, prompt, model). The file is
written only when its bytes change; ``index.md`` and ``feed.xml`` list it
(:mod:`paperdigest.flows.site`). :func:`paperdigest.flows.commands.weekly` runs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from paperdigest.errors import BudgetExceeded, InputError, OverviewError
from paperdigest.files import write_if_changed
from paperdigest.flows.days import RankOptions
from paperdigest.flows.digests import shown_papers
from paperdigest.flows.filters import ranked
from paperdigest.flows.results import WeekResult
from paperdigest.flows.runtime import Runtime, locked_run
from paperdigest.flows.site import in_folder, site_files_present, write_site_files
from paperdigest.model.overview import WeekPaper, papers_hash, write_overview
from paperdigest.model.schemas import SCHEMAS, WEEKLY
from paperdigest.papers import Paper
from paperdigest.records import DigestRecord, Overview, WeeklyPost
from paperdigest.render import TEMPLATES
from paperdigest.roundup import WeekDay, WeeklyEntry, render_weekly, weekly_filename
from paperdigest.store import Store
from paperdigest.weeks import IsoWeek

__all__ = [
    "DEFAULT_TOP",
    "WeekContent",
    "WeekOptions",
    "collect_week",
    "week_overview",
    "write_week",
]

log = logging.getLogger("paperdigest")

DEFAULT_TOP = 10
"""Papers a weekly post lists by default: a week holds 50 to 200 (10 to 60 a weekday), and
ten is a list a reader takes in at a glance, as newsletters' weekly picks are."""


@dataclass(frozen=True)
class WeekOptions:
    """How a week's post is made.

    Attributes:
        template: the layout; None: that of the week's stored digests.
        top: papers listed (:data:`DEFAULT_TOP`).
    """

    template: str | None = None
    top: int = DEFAULT_TOP


@dataclass(frozen=True)
class WeekContent:
    """What a weekly post is made of: the seven days (Monday first) with their digests, and
    every paper they summarize, once, on its first day, in the days' order (``candidates``:
    the paper, its gist, the day and the digest, :class:`~paperdigest.roundup.WeeklyEntry`
    numbered 0)."""

    week: IsoWeek
    days: list[WeekDay]
    candidates: list[WeeklyEntry]

    @property
    def stored(self) -> bool:
        """Whether any day of the week has a stored digest."""
        return any(d.digest is not None for d in self.days)


def _week_digests(store: Store, week: IsoWeek, folder: Path) -> list[DigestRecord]:
    """The week's stored digests whose files are in ``folder``."""
    return in_folder(
        store.digests_between(week.monday.isoformat(), week.sunday.isoformat()), folder
    )


def _layout(week: IsoWeek, records: list[DigestRecord], template: str | None) -> str | None:
    """The layout of the week's post: ``template`` when given, else the one layout of the
    week's stored digests ``records``; None when there are none.

    Raises:
        InputError: no ``template`` given and digests of several layouts are stored.
    """
    if template is not None:
        return template
    stored = {r.template for r in records}
    layouts = [t for t in TEMPLATES if t in stored]
    if len(layouts) > 1:
        raise InputError(
            f"{week.label} has digests in several layouts ({', '.join(layouts)}); "
            "choose one with --template"
        )
    return layouts[0] if layouts else None


def collect_week(store: Store, week: IsoWeek, template: str, folder: Path) -> WeekContent:
    """The stored digests of ``week`` in ``template`` whose files are in ``folder``, and the
    papers they summarize (a paper listed on two days of the week counts once, on its first).

    Raises:
        StoreError: the database failed.
    """
    return _collect(store, week, _week_digests(store, week, folder), template)


def _collect(
    store: Store, week: IsoWeek, records: list[DigestRecord], template: str
) -> WeekContent:
    """:func:`collect_week` from the week's digests ``records`` (of any layout)."""
    records = [r for r in records if r.template == template]
    days: list[WeekDay] = []
    candidates: dict[str, WeeklyEntry] = {}
    for day in week.days:
        record = next((r for r in records if r.day == day.isoformat()), None)
        if record is None:
            days.append(WeekDay(day, None))
            continue
        shown = shown_papers(store, record, store.digest_papers(record.path))
        for paper, summary in shown:
            if paper.arxiv_id not in candidates:
                gist = SCHEMAS[summary.schema].view(summary.content).gist
                candidates[paper.arxiv_id] = WeeklyEntry(0, paper, gist, day, Path(record.path))
        days.append(WeekDay(day, Path(record.path), len(shown)))
    return WeekContent(week, days, list(candidates.values()))


async def _ranked(rt: Runtime, week: IsoWeek, candidates: list[WeeklyEntry]) -> list[Paper]:
    """The candidates' papers in the week's order, as ``run`` orders a day
    (:class:`~paperdigest.flows.days.RankOptions`: ``--rank``, else relevance when the reader
    has a profile): by upvotes (ties: the earlier day, then the digest's order), or by
    relevance to the reader (ties: upvotes), scored as on the week's Sunday (the library's
    recency weights count to it).

    Raises:
        ConfigError: relevance is asked for and no profile is set, or the profile is unusable.
    """
    papers = [e.paper for e in candidates]
    if RankOptions.from_settings(rt.settings).by == "upvotes" or not papers:
        return ranked(papers)
    from paperdigest.flows.rank import rank_papers, reader
    from paperdigest.sources import http

    async with http.make_client(rt.settings) as client:
        profile = await reader(rt, client, week.sunday)
    return ranked(papers, await rank_papers(rt.settings, rt.store, profile, papers))


async def week_overview(
    rt: Runtime, week: IsoWeek, papers: list[WeekPaper]
) -> tuple[Overview, bool]:
    """The overview of ``week`` from ``papers`` (its top papers, in rank order) and whether
    it was stored: the stored one for (week, papers, prompt, model), else written by the
    model (:func:`~paperdigest.model.overview.write_overview`) and stored the moment it
    validates. The openai client is loaded only then.

    Raises:
        OverviewError, BudgetExceeded, ConfigError: as ``write_overview``.
        StoreError: the database failed.
    """
    prompt = rt.prompts[WEEKLY.name]
    model = rt.settings.model
    cached = rt.store.get_overview(week.label, papers_hash(papers), prompt.prompt_hash, model)
    if cached is not None:
        return cached, True
    async with rt.summarizer() as summarizer:
        overview = await write_overview(summarizer, prompt, week, papers)
    rt.store.save_overview(overview)
    return overview, False


async def write_week(rt: Runtime, week: IsoWeek, options: WeekOptions) -> WeekResult:
    """Write the post of ``week`` from its stored days (under the week's lock, recorded as
    a ``runs`` row of command ``weekly``): nothing when no digest of the week is stored.
    An overview that fails (every answer rejected, the model API down, the token cap) leaves
    the post without it (``overview_error``, status ``partial``).

    Raises:
        InputError: no ``template`` given and the week has digests of several layouts.
        ConfigError: ``--rank relevance`` without a profile, a bad profile, the API refused
            the key or does not know the model.
        FetchError: the Zotero or embedding server failed (relevance only).
        LockTimeout: another ``weekly`` of the week held the lock past the wait limit.
        StoreError: the database failed.
        OSError: the post cannot be written.
    """
    result = WeekResult(week)
    with locked_run(rt, "weekly", week.label) as run:
        try:
            records = _week_digests(rt.store, week, rt.settings.output_dir)  # read once
            template = _layout(week, records, options.template)
            if template is not None:
                content = _collect(rt.store, week, records, template)
                if content.stored:
                    await _write(rt, content, template, options.top, result)
        finally:
            run.stats = result.stats
            result.stats.model_calls = rt.budget.calls
            result.stats.prompt_tokens = rt.budget.prompt_tokens
            result.stats.completion_tokens = rt.budget.completion_tokens
            result.stats.cost_usd = rt.cost(rt.budget.prompt_tokens, rt.budget.completion_tokens)
        run.status = result.status
    return result


async def _write(
    rt: Runtime, content: WeekContent, template: str, top: int, result: WeekResult
) -> None:
    week, folder = content.week, rt.settings.output_dir
    by_id = {e.paper.arxiv_id: e for e in content.candidates}
    ranked = (await _ranked(rt, week, content.candidates))[:top]
    entries = [replace(by_id[p.arxiv_id], number=n) for n, p in enumerate(ranked, 1)]
    text: str | None = None
    if entries:
        papers = [WeekPaper(e.paper.arxiv_id, e.paper.title, e.gist) for e in entries]
        try:
            overview, cached = await week_overview(rt, week, papers)
        except (OverviewError, BudgetExceeded) as exc:
            result.overview_error = str(exc)
            result.stats.failed = 1
            log.warning("the post of %s goes out without its overview: %s", week.label, exc)
        else:
            text = overview.text
            result.stats.cached, result.stats.summarized = int(cached), int(not cached)
    path = folder / weekly_filename(week, template)
    post = render_weekly(week, template, entries, content.days, text, folder, tz=rt.settings.tz)
    result.path, result.template, result.entries = path, template, entries
    result.stats.papers = len(entries)
    result.written = write_if_changed(path, post)
    rt.store.save_weekly_post(
        WeeklyPost(
            str(path.resolve()),
            week.label,
            week.sunday.isoformat(),
            template,
            tuple((e.paper.arxiv_id, e.gist) for e in entries),
            text,
        )
    )
    if result.written or not site_files_present(rt):
        write_site_files(rt)
