"""The records the pipeline hands between layers and the store keeps: summaries, weekly
overviews, rejected batch answers, text keys, digests and the papers they list (with their
relevance), runs and their counts, weekly posts.

Plain dataclasses only: this module imports no model, network or check code, so that
every layer (the model side that writes summaries, the store, the ``list``/``stats`` views)
can use them without loading openai, aiolimiter or the checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, NamedTuple

from paperdigest.states import PaperState, RunStatus

__all__ = [
    "DigestRecord",
    "Listing",
    "Overview",
    "PriorAnswer",
    "Relevance",
    "RunRecord",
    "RunStats",
    "Summary",
    "TextKey",
    "WeeklyPost",
]


@dataclass
class Summary:
    """A validated summary with its provenance.

    The store's key is (``arxiv_id``, ``schema``, ``prompt_hash``, ``model``). ``content``
    holds the schema's fields; ``source_tokens`` the size of the text it was written from
    (tokens); ``attempts`` one dict per answer asked (``attempt``, ``error`` or None, tokens;
    ``batch`` for a Batch API answer); ``unverified`` the figures of the published answer not
    found in the source text (published with a visible warning).
    """

    arxiv_id: str
    schema: str
    prompt_hash: str
    model: str
    content: dict[str, Any]
    source_kind: str
    source_tokens: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)


@dataclass
class Overview:
    """A validated weekly overview with its provenance (issue 19 §2).

    The store's key is (``week``, ``papers_hash``, ``prompt_hash``, ``model``): ``week`` the
    ISO week (``2025-W46``); ``papers_hash`` 16 hex digits of SHA-256 over the papers it was
    written from (arXiv id, title and gist of each, in order), listed in ``arxiv_ids``.
    ``content`` holds the weekly schema's fields (``overview``: the Korean text); the
    tokens, ``attempts`` and ``unverified`` figures are as for a :class:`Summary`.
    """

    week: str
    papers_hash: str
    prompt_hash: str
    model: str
    arxiv_ids: list[str]
    content: dict[str, Any]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The overview's text."""
        return str(self.content.get("overview", ""))


@dataclass(frozen=True)
class PriorAnswer:
    """An answer already paid for elsewhere (a Batch API line) that failed validation: the
    direct path starts from it, as attempt 1, with a re-ask naming its problems.

    Attributes:
        content: the answer's message content, as received.
        finish_reason: its finish reason (``length`` means cut off).
        prompt_tokens: tokens billed for it (already counted by the batch's own run).
        completion_tokens: likewise.
        origin: where it came from, e.g. ``batch_abc123``; kept in the attempt record.
    """

    content: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    origin: str


class TextKey(NamedTuple):
    """What an extracted text was selected under, beside the arXiv id and version: the token
    budget (``PAPERDIGEST_SOURCE_TOKENS``, tokens) and
    :data:`~paperdigest.sources.selection.EXTRACTION_VERSION`. A new budget or extraction version
    misses the cache and extracts again. ``(0, 0)`` when full texts are off (the abstract).

    Until schema 2 both were packed into one ``budget`` number (``budget_tokens * 100 +
    extraction_version``); migration 2 splits the stored ones.
    """

    budget_tokens: int
    extraction_version: int


@dataclass(frozen=True)
class Relevance:
    """One paper's relevance to the reader (:mod:`paperdigest.relevance.score` computes it).

    Attributes:
        score: 0–1; 0 when nothing in the profile is similar.
        why: the interest phrase or library item title closest to the paper (shown as
            ``관련: …``); None when ``score`` is 0.
        source: whether ``why`` is an ``interest`` or a ``library`` item; None with ``why``.
    """

    score: float
    why: str | None
    source: Literal["interest", "library"] | None


@dataclass(frozen=True)
class DigestRecord:
    """A written digest: where, for which day, and with which schema, template, model, prompt.

    ``brief_schema`` and ``brief_prompt_hash`` key the briefs it shows (papers ranked below
    ``--top``): the brief schema of ``schema`` and its prompt's hash when the digest was
    written; None for a digest written before briefs existed.
    """

    path: str
    day: str
    schema: str
    template: str
    model: str
    prompt_hash: str
    brief_schema: str | None = None
    brief_prompt_hash: str | None = None

    def summary_key(self, state: PaperState) -> tuple[str, str]:
        """(schema, prompt hash) of the summary this digest shows for a paper in ``state``:
        the brief's for a ``briefed`` paper, else the digest's own (with the model, the
        store's key of that summary)."""
        if state is PaperState.BRIEFED and self.brief_schema and self.brief_prompt_hash:
            return self.brief_schema, self.brief_prompt_hash
        return self.schema, self.prompt_hash


@dataclass(frozen=True)
class Listing:
    """One paper as a digest lists it (a ``digest_papers`` row, in digest order).

    Attributes:
        arxiv_id: the paper.
        state: where it stands (:class:`~paperdigest.states.PaperState`).
        detail: why it is not summarized, as the digest shows it after the state's label
            (``초록도 본문도 없음``, a check's message cut to its gist); None when there is
            nothing to add.
        attempts: answers asked before a ``failed`` paper gave up; None when its summary
            never got an answer (the model API failed) or the state is another.
        relevance: its relevance to the reader as the digest shows it; None when the day
            was not scored (ranked by upvotes, no ``--min-relevance``).
    """

    arxiv_id: str
    state: PaperState
    detail: str | None = None
    attempts: int | None = None
    relevance: Relevance | None = None


@dataclass
class RunStats:
    """Counts of one run, printed as its summary line and stored in ``runs.stats`` (JSON).

    ``skipped`` counts papers with nothing to summarize and list records that are no paper;
    ``failed`` papers whose summary failed or was not done (token cap, model outage);
    ``briefs`` the papers of ``summarized`` and ``cached`` shown as briefs (ranked below
    ``--top``);
    ``wall_seconds`` in seconds; ``cost_usd`` None when no price is configured for the model.
    """

    papers: int = 0
    summarized: int = 0
    cached: int = 0
    skipped: int = 0
    failed: int = 0
    briefs: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_seconds: float = 0.0
    cost_usd: float | None = 0.0  # None: no price configured for the model

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunStats:
        """The counts of a stored ``runs.stats`` object; keys this version does not know
        (written by a later one) are ignored, missing ones take their default."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class RunRecord:
    """A ``runs`` row of a day's command (``run`` or ``backfill``).

    Attributes:
        day: ``YYYY-MM-DD``.
        status: how it ended (:class:`~paperdigest.states.RunStatus`).
        started_at: ISO 8601 UTC time.
        stats: the run's counts; None for a run that never finished (``running``, ``killed``).
    """

    id: int
    command: str
    day: str
    status: RunStatus
    started_at: str
    stats: RunStats | None


@dataclass(frozen=True)
class WeeklyPost:
    """A written weekly post (issue 19 §2), as ``index.md`` and ``feed.xml`` list it.

    Attributes:
        path: the post's file (absolute).
        week: the ISO week, ``2025-W46``.
        day: its Sunday, ``YYYY-MM-DD`` (the post's date).
        template: its layout.
        entries: the top papers in rank order, ``(arXiv id, gist or None)`` each.
        overview: the overview's text as the post shows it; None when it has none.
    """

    path: str
    week: str
    day: str
    template: str
    entries: tuple[tuple[str, str | None], ...]
    overview: str | None
