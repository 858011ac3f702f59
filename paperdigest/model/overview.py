"""The weekly overview: one model call over a week's top papers (their titles and gists)
that writes a Korean paragraph on the week's themes (issue 19 §2).

It has a schema of its own (:class:`WeeklyOverview`, :data:`OVERVIEW_SPEC`) and a prompt file
(``prompts/weekly.md``), and its answer goes through the one re-ask loop,
:meth:`~paperdigest.model.reask.Summarizer.summarize`: checked like every summary (Korean, the
~습니다 style, no placeholder, the figures found in the titles and gists given) and re-asked on
failure, with the same token cap and rate limits.

The seam: ``Summarizer.summarize`` takes a paper and its text. :func:`write_overview` hands it
the week as one: the ISO week stands as the "arXiv id", the week's papers (one entry each) as
its text, which is also what the figure check reads. The prompt file says so. Once the re-ask
loop takes any subject (its messages, the text its figures are checked against, an id for its
log lines and errors), the week is given as itself and only :func:`write_overview` changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from paperdigest.checks.content import Style
from paperdigest.errors import OverviewError, SummaryError
from paperdigest.model.prompts import PROMPTS_DIR, Prompt, make_prompt
from paperdigest.model.schemas import SchemaSpec, View
from paperdigest.papers import Paper, SourceText
from paperdigest.sources.selection import estimate_tokens
from paperdigest.store.records import Overview
from paperdigest.text import plain_line
from paperdigest.weeks import IsoWeek

if TYPE_CHECKING:
    from paperdigest.model.reask import Summarizer

__all__ = [
    "OVERVIEW_SPEC",
    "WeekPaper",
    "WeeklyOverview",
    "load_overview_prompt",
    "overview_source",
    "papers_hash",
    "write_overview",
]


class WeeklyOverview(BaseModel):
    """The weekly overview's schema: one Korean text."""

    model_config = ConfigDict(extra="forbid", title="weekly")

    overview: str = Field(
        description="이번 주 논문들을 주요 주제 2~4개로 묶어 소개하는 한국어 개요 3~6문장. "
        "격식체(~습니다). 논문을 하나씩 나열하지 말고 주제마다 어떤 논문들이 무엇을 하는지 "
        "설명한다. 수치는 주어진 요지에 있는 것만 그대로 쓴다. 제목(#), 목록, 링크는 쓰지 않는다."
    )


def _view(labels: dict[str, str], content: dict[str, Any]) -> View:
    return View(content["overview"], (), ())


OVERVIEW_SPEC = SchemaSpec(
    name="weekly",
    model=WeeklyOverview,
    labels={"overview": "이번 주 개요"},
    prompt_file="weekly.md",
    style=Style.FORMAL,
    overview_opening=None,
    template="digest",  # not used: a weekly post takes the layout of the week's digests
    layout=_view,
)
"""The weekly overview's :class:`SchemaSpec`; not one of the summary schemas (``--schema``)."""


@dataclass(frozen=True)
class WeekPaper:
    """What the overview is written from, per paper: its arXiv id, title and gist (None for
    a summary stored before gists existed)."""

    arxiv_id: str
    title: str
    gist: str | None


def overview_source(week: IsoWeek, papers: list[WeekPaper]) -> str:
    """The week's papers as the model reads them, one numbered entry each (arXiv id, title,
    gist); also the text the answer's figures are checked against."""
    lines = [f"week: {week.label} ({week.monday.isoformat()} ~ {week.sunday.isoformat()})"]
    for number, paper in enumerate(papers, 1):
        lines.append(f"\n{number}. [{paper.arxiv_id}] {plain_line(paper.title)}")
        if paper.gist:
            lines.append(f"요지: {plain_line(paper.gist)}")
    return "\n".join(lines)


def papers_hash(papers: list[WeekPaper]) -> str:
    """16 hex digits of SHA-256 over the papers' arXiv ids, titles and gists, in order: part
    of the overview's cache key, so that another choice of papers, or a resummarized gist,
    is asked again."""
    basis = [[p.arxiv_id, p.title, p.gist] for p in papers]
    return hashlib.sha256(json.dumps(basis, ensure_ascii=False).encode()).hexdigest()[:16]


def load_overview_prompt(prompts_dir: Path | Traversable = PROMPTS_DIR) -> Prompt:
    """The weekly overview's prompt: ``weekly.md`` and the strict response format of
    :class:`WeeklyOverview`, as openai builds it.

    Raises:
        ConfigError: the prompt file is missing, unreadable, or does not explain the
            ``<paper>`` block.
    """
    from openai.lib import type_to_response_format_param  # the slow import, when asked

    response_format = dict(type_to_response_format_param(WeeklyOverview))  # type: ignore[arg-type]
    return make_prompt(OVERVIEW_SPEC, prompts_dir, response_format)


async def write_overview(
    summarizer: Summarizer, prompt: Prompt, week: IsoWeek, papers: list[WeekPaper]
) -> Overview:
    """Ask for the overview of ``week`` from ``papers`` until it validates (see the module
    docstring for how the week goes through the re-ask loop).

    Returns:
        The :class:`Overview` (with ``unverified`` figures when only the figure check still
        failed after every attempt, as for a summary).

    Raises:
        OverviewError: no answer validated, or the model API failed (after its retries).
        BudgetExceeded: the run's token cap was reached first.
        ConfigError: the API refused the key or does not know the model.
    """
    text = overview_source(week, papers)
    subject = Paper(arxiv_id=week.label, title=f"{week.label}: {len(papers)} papers", abstract=text)
    source = SourceText(kind="abstract", text=text, tokens=estimate_tokens(text))
    try:
        summary = await summarizer.summarize(prompt, subject, source)
    except SummaryError as exc:
        raise OverviewError(week.label, exc.attempts, exc.last_error) from exc
    return Overview(
        week.label,
        papers_hash(papers),
        prompt.prompt_hash,
        summary.model,
        [p.arxiv_id for p in papers],
        summary.content,
        summary.prompt_tokens,
        summary.completion_tokens,
        summary.attempts,
        summary.unverified,
    )
