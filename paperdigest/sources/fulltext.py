"""Load a paper's text to summarize: arXiv's HTML rendering, else its PDF, else the abstract.

HTML ``{arxiv_html_url}/{id}v{N}`` (LaTeXML, :mod:`.html`), else the PDF
``{arxiv_pdf_url}/{id}v{N}`` (:mod:`.pdf`), else the abstract; the text is then selected
within ``source_tokens`` (:mod:`.selection`). Every arXiv request holds the command's
:class:`~paperdigest.sources.pacing.Pacer`.
"""

from __future__ import annotations

import asyncio
import logging

import httpx2

from paperdigest.config import Settings
from paperdigest.errors import FetchError
from paperdigest.papers import Figure, Paper, SourceText
from paperdigest.sources import http
from paperdigest.sources.figures import extract_figures
from paperdigest.sources.html import extract_html
from paperdigest.sources.pacing import Pacer
from paperdigest.sources.pdf import extract_pdf
from paperdigest.sources.selection import cap_text, estimate_tokens, select_text

__all__ = ["fetch_source"]

log = logging.getLogger(__name__)


async def fetch_source(
    client: httpx2.AsyncClient, paper: Paper, settings: Settings, pacer: Pacer
) -> SourceText | None:
    """The text to summarize ``paper`` from: HTML full text, else PDF, else the abstract.

    Args:
        client: from :func:`paperdigest.sources.http.make_client`.
        paper: the merged record (its ``version`` picks ``{id}v{N}``).
        settings: ``arxiv_html_url``, ``arxiv_pdf_url``, ``source_tokens``, ``fulltext``.
        pacer: the command's arXiv pacer, held by every request.

    Returns:
        The :class:`SourceText`, cut to ``source_tokens``; ``None`` when there is neither
        a full text nor an abstract (the paper must not reach the model). An abstract that
        stands in because arxiv.org failed rather than lacked the page is ``provisional``.
    """
    budget = settings.source_tokens
    outage = False  # an arxiv.org failure that may pass, as opposed to "no such page"
    if settings.fulltext:
        vid = paper.versioned_id
        for kind, base in (("html", settings.arxiv_html_url), ("pdf", settings.arxiv_pdf_url)):
            url = f"{base.rstrip('/')}/{vid}"
            try:
                response = await http.get(client, url, settings, pacer=pacer)
                found: tuple[Figure, ...] = ()
                if kind == "html":
                    sections = extract_html(response.content)
                    if settings.figures:
                        found = tuple(extract_figures(response.content))
                else:
                    sections = await asyncio.to_thread(extract_pdf, response.content)
            except FetchError as exc:
                if http.is_transient(exc.status):
                    outage = True
                    log.warning("%s: %s full text unavailable (%s)", paper.arxiv_id, kind, exc)
                else:
                    log.debug("%s: no %s full text (%s)", paper.arxiv_id, kind, exc)
                continue
            except ValueError as exc:
                log.info("%s: %s full text unreadable (%s)", paper.arxiv_id, kind, exc)
                continue
            if not any(s.paragraphs for s in sections):
                continue
            text, truncated = select_text(sections, paper.abstract, budget)
            if text.strip():
                return SourceText(
                    kind=kind,  # type: ignore[arg-type]
                    text=text,
                    tokens=estimate_tokens(text),
                    truncated=truncated,
                    figures=found,
                )
    if not paper.abstract.strip():
        return None
    text, truncated = cap_text(paper.abstract, budget)
    if truncated:
        log.warning("%s: abstract cut to %d tokens", paper.arxiv_id, budget)
    return SourceText(
        kind="abstract",
        text=text,
        tokens=estimate_tokens(text),
        truncated=truncated,
        provisional=outage,
    )
