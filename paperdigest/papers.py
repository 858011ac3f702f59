"""The paper record that flows through the pipeline, and arXiv id rules."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from paperdigest.errors import InputError

__all__ = ["ARXIV_ID_RE", "Figure", "Paper", "SourceText", "parse_arxiv_id"]

# New-style arXiv identifiers (since 2007-04): YYMM.NNNN or YYMM.NNNNN, optional version.
# https://info.arxiv.org/help/arxiv_identifier.html
ARXIV_ID_RE = re.compile(r"^(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?$")


def parse_arxiv_id(value: str) -> tuple[str, int | None]:
    """Split a new-style arXiv id into the bare id and its version.

    Args:
        value: e.g. ``"2511.04460"`` or ``"2511.04460v2"``.

    Returns:
        ``("2511.04460", None)`` or ``("2511.04460", 2)``.

    Raises:
        InputError: ``value`` is not a new-style arXiv id (``^\\d{4}\\.\\d{4,5}(v\\d+)?$``).
    """
    match = ARXIV_ID_RE.match(value.strip())
    if match is None:
        raise InputError(f"not an arXiv id: {value!r} (expected e.g. 2511.04460 or 2511.04460v2)")
    version = match.group("version")
    return match.group("id"), int(version) if version else None


class Paper(BaseModel):
    """One paper of a daily papers list, merged from Hugging Face and arXiv.

    ``title`` and ``abstract`` are white-space normalized. ``abstract_source`` says
    whether the abstract came from arXiv (``"arxiv"``) or only from Hugging Face
    (``"hf"``, the ``paper.summary`` field) because arXiv did not return the paper.
    ``ai_keywords`` are Hugging Face's keywords of the paper (``paper.ai_keywords``), read
    by the filters; empty on days the list has none and in records stored before them.
    ``github_repo``, ``project_page`` and ``github_stars`` are the list's ``paper.githubRepo``,
    ``paper.projectPage`` and ``paper.githubStars`` as given (URLs unchecked: the digest
    links only ``http(s)`` ones, see :func:`paperdigest.render.safe_url`); None when the list
    has none and in records stored before them.
    """

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    organization: str | None = None
    upvotes: int = 0
    version: int | None = None
    categories: tuple[str, ...] = ()
    comment: str | None = None
    published: str | None = None
    abstract_source: Literal["hf", "arxiv"] = "hf"
    ai_keywords: tuple[str, ...] = ()
    github_repo: str | None = None
    project_page: str | None = None
    github_stars: int | None = None

    @property
    def versioned_id(self) -> str:
        """``2511.04460v2`` when the version is known, else the bare id."""
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id


class Figure(BaseModel):
    """A numbered figure of a paper's arXiv HTML page.

    Attributes:
        number: N of its "Figure N" caption tag.
        src: its image's ``src`` as written in the page, relative to it (``x1.png``).
        caption: the caption without its tag, white space collapsed (hostile input: escape it).
    """

    model_config = ConfigDict(frozen=True)

    number: int
    src: str
    caption: str


class SourceText(BaseModel):
    """The paper text given to the model.

    Attributes:
        kind: where it came from: ``html`` (arXiv's LaTeXML rendering), ``pdf`` or ``abstract``.
        text: the text, sections separated by blank lines.
        tokens: estimated tokens of ``text`` (4 characters a token).
        truncated: whether the text was cut to the token budget.
        provisional: the abstract stands in only because arxiv.org failed (5xx, 429, no
            answer) rather than saying "no such page" (404): such a text is not cached, so a
            later ``resummarize`` tries the full text again.
        figures: the HTML page's numbered figures (empty without HTML, or with figures off);
            not stored with the text but in the figure cache (:mod:`paperdigest.sources.figures`).
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["html", "pdf", "abstract"]
    text: str
    tokens: int
    truncated: bool = False
    provisional: bool = False
    figures: tuple[Figure, ...] = ()
