"""Pieces of ``paperdigest weekly`` (issue 19 §2) that read and write the store only: the
week's stored digests and top papers, and its overview, cached.

A weekly post is made from stored days alone (it never fetches a day): the digests of the
week's days in one layout whose files are in the output folder, and the papers they
summarize. The command's flow (the lock, the runs row, the file, index, feed and
notifications) is built on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperdigest.model.overview import WeekPaper, papers_hash, write_overview
from paperdigest.model.prompts import Prompt
from paperdigest.model.schemas import SCHEMAS
from paperdigest.render import WeekDay, WeeklyEntry
from paperdigest.store import Overview, Store
from paperdigest.weeks import IsoWeek

if TYPE_CHECKING:  # the re-ask loop is needed only when the overview is not stored
    from paperdigest.model.reask import Summarizer

__all__ = ["DEFAULT_TOP", "WeekContent", "collect_week", "week_overview"]

DEFAULT_TOP = 10
"""Papers a weekly post lists by default: a week holds 50 to 200 (10 to 60 a weekday), and
ten is a list a reader takes in at a glance, as newsletters' weekly picks are."""


@dataclass(frozen=True)
class WeekContent:
    """What a weekly post is made of: the seven days (Monday first) with their digests, and
    the week's top papers in rank order."""

    week: IsoWeek
    days: list[WeekDay]
    entries: list[WeeklyEntry]

    @property
    def stored(self) -> bool:
        """Whether any day of the week has a stored digest."""
        return any(d.digest is not None for d in self.days)

    @property
    def papers(self) -> list[WeekPaper]:
        """The top papers as the overview is written from them."""
        return [WeekPaper(e.paper.arxiv_id, e.paper.title, e.gist) for e in self.entries]


def collect_week(
    store: Store, week: IsoWeek, template: str, folder: Path, top: int = DEFAULT_TOP
) -> WeekContent:
    """The stored digests of ``week`` in ``template`` whose files are in ``folder``, and the
    ``top`` papers they summarize by upvotes (ties: the earlier day, then the digest's
    order). A paper listed on two days of the week counts once, on its first.

    Raises:
        StoreError: the database failed.
    """
    records = [
        r
        for r in store.digests_between(week.monday.isoformat(), week.sunday.isoformat())
        if r.template == template
        and Path(r.path).parent == folder.resolve()
        and Path(r.path).is_file()
    ]
    days: list[WeekDay] = []
    candidates: dict[str, tuple[WeeklyEntry, int]] = {}
    for day in week.days:
        record = next((r for r in records if r.day == day.isoformat()), None)
        if record is None:
            days.append(WeekDay(day, None))
            continue
        shown = 0
        for arxiv_id, status in store.digest_papers(record.path):
            paper = store.get_paper(arxiv_id)
            summary = store.get_summary(arxiv_id, record.schema, record.prompt_hash, record.model)
            if status != "ok" or paper is None or summary is None:
                continue
            shown += 1
            if arxiv_id not in candidates:
                gist = SCHEMAS[summary.schema].view(summary.content).gist
                entry = WeeklyEntry(0, paper, gist, day, Path(record.path))
                candidates[arxiv_id] = (entry, len(candidates))
        days.append(WeekDay(day, Path(record.path), shown))
    ranked = sorted(candidates.values(), key=lambda c: (-c[0].paper.upvotes, c[1]))[:top]
    entries = [
        WeeklyEntry(n, e.paper, e.gist, e.day, e.digest) for n, (e, _) in enumerate(ranked, 1)
    ]
    return WeekContent(week, days, entries)


async def week_overview(
    store: Store,
    summarizer: Summarizer,
    prompt: Prompt,
    model: str,
    week: IsoWeek,
    papers: list[WeekPaper],
) -> Overview:
    """The overview of ``week`` from ``papers`` (its top papers,
    :attr:`WeekContent.papers`): the stored one for (week, papers, prompt, model), else
    written by the model (:func:`~paperdigest.model.overview.write_overview`) and stored the
    moment it validates.

    Raises:
        OverviewError, BudgetExceeded, ConfigError: as ``write_overview``.
        StoreError: the database failed.
    """
    cached = store.get_overview(week.label, papers_hash(papers), prompt.prompt_hash, model)
    if cached is not None:
        return cached
    overview = await write_overview(summarizer, prompt, week, papers)
    store.save_overview(overview)
    return overview
