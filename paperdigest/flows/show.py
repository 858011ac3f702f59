"""``show``: a paper's stored summaries with their provenance, as text lines."""

from __future__ import annotations

from contextlib import closing

from paperdigest.config import Settings
from paperdigest.errors import InputError
from paperdigest.flows.figures import figure_note
from paperdigest.model.schemas import SCHEMAS
from paperdigest.papers import parse_arxiv_id
from paperdigest.store import Store

__all__ = ["provenance"]


def provenance(settings: Settings, arxiv_id: str) -> list[str]:
    """The lines ``show`` prints for ``arxiv_id`` (``2511.04460``; a version suffix is
    ignored): the paper's id, title, abstract source and upvotes, then per stored summary
    its schema, model, prompt hash, source, tokens and time, each attempt's outcome (and
    batch), unverified figures, and the summary's text.

    Raises:
        InputError: not an arXiv id, or the paper is not in the database.
        StoreError: the database failed.
    """
    bare, _ = parse_arxiv_id(arxiv_id)
    with closing(Store(settings.db_path)) as store:
        return _lines(settings, store, bare)


def _lines(settings: Settings, store: Store, arxiv_id: str) -> list[str]:
    paper = store.get_paper(arxiv_id)
    if paper is None:
        raise InputError(f"{arxiv_id} is not in the database {settings.db_path}")
    lines = [
        f"{paper.versioned_id}  {paper.title}",
        f"abstract from: {paper.abstract_source}; upvotes: {paper.upvotes}",
    ]
    for summary, created in store.summaries_of(arxiv_id):
        lines.append("")
        lines.append(
            f"[{summary.schema}] model {summary.model}, prompt {summary.prompt_hash}, "
            f"source {summary.source_kind} ({summary.source_tokens} tokens), "
            f"tokens in/out {summary.prompt_tokens}/{summary.completion_tokens}, {created}"
        )
        for a in summary.attempts:
            via = f" (batch {a['batch']})" if a.get("batch") else ""
            lines.append(f"  attempt {a['attempt']}{via}: {a['error'] or 'ok'}")
        if summary.unverified:
            lines.append(f"  unverified figures: {', '.join(summary.unverified)}")
            closest: dict[str, str | None] = {}
            for a in summary.attempts:  # the kept answer is the last flagged one
                closest.update(a.get("closest") or {})
            for figure in summary.unverified:
                if figure in closest:  # older summaries have no closest figures
                    lines.append(
                        f"    {figure}: closest in the source: {closest[figure] or 'none'}"
                    )
        lines.append(f"  {figure_note(settings, paper, summary)}")
        view = SCHEMAS[summary.schema].view(summary.content)
        lines.append(view.overview)
        for label, text in (*view.intro, *view.sections):
            lines.append(f"\n{label}\n{text}")
    return lines
