"""Section kinds, the token estimate, and the budgeted selection of a paper's source text.

Everything here is a pure function on strings; extraction is in :mod:`.html` (arXiv's
LaTeXML rendering) and :mod:`.pdf`, fetching in :mod:`.fulltext`.

* :func:`classify`, :func:`sub_kind`, :func:`position_kinds` give each :class:`Section`
  one of :data:`KINDS`.
* :func:`select_text` builds the source text a summary is written from: the abstract first,
  then paragraphs of every part of the paper the digest needs (introduction, method,
  results and their tables, conclusion) within a token budget, in document order.
* :func:`cap_text` cuts any text to a token budget at a sentence boundary.
* :func:`is_table_block` / :func:`is_table_row`: what a table block is, the one rule that
  selection and the quantity check (:mod:`paperdigest.checks.quantities`) share.

Token counts are estimates (:func:`estimate_tokens`): 4 characters a token, because no
tokenizer is available offline. Budgets are therefore enforced in characters
(``budget_tokens * 4``), which is exact for that estimate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from paperdigest.text import collapse_space, strip_numbering

__all__ = [
    "CELL_MAX_CHARS",
    "CELL_SEPARATOR",
    "EXTRACTION_VERSION",
    "KINDS",
    "Section",
    "SectionBuilder",
    "cap_text",
    "classify",
    "clean_lines",
    "estimate_tokens",
    "is_back_matter",
    "is_table_block",
    "is_table_row",
    "position_kinds",
    "select_text",
    "sub_kind",
]

KINDS: tuple[str, ...] = (
    "abstract",
    "introduction",
    "method",
    "experiments",
    "results",
    "limitations",
    "conclusion",
    "related",
    "other",
)

_CHARS_PER_TOKEN = 4

CELL_SEPARATOR = " | "
"""Between the cells of a table row in the extracted text (one row a line); a block whose
lines hold it is a table (see :func:`is_table_row`)."""

CELL_MAX_CHARS = 80
"""The longest cell of a table row, in characters: a line split by :data:`CELL_SEPARATOR`
into longer parts is prose that holds a TeX ``|`` (``{x | x < 5}``), not a row."""

EXTRACTION_VERSION = 2
"""Bumped whenever extraction or selection changes what text a paper yields (2: selection in
rounds), so texts cached by an older version are extracted again (see
``flows.day.text_cache_key``)."""


@dataclass(frozen=True)
class Section:
    """One section of a paper, as extracted.

    Attributes:
        title: the heading as printed, numbering included (``"1. Introduction"``,
            ``"II-A KV Cache Utilization"``), white space normalized; ``""`` when the text
            has no heading (front matter, or a PDF without recognisable headings).
        kind: one of :data:`KINDS`, guessed from the heading (see :func:`classify`),
            or from the section's position when the heading names no kind (see
            :func:`position_kinds`).
        paragraphs: text blocks in document order. A prose block is one line; a list,
            table, algorithm or figure-caption block may span lines (a table is one block:
            its caption, then one line per row with cells joined by ``" | "``).
    """

    title: str
    kind: str
    paragraphs: tuple[str, ...]


class SectionBuilder:
    """Collects the Sections of a document while walking it in order (HTML or PDF)."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.title = ""
        self.kind = "other"
        self.blocks: list[str] = []
        self.run_in = ""  # a pending run-in heading, put in front of the next block

    def start(self, title: str, kind: str) -> None:
        self.close()
        self.title, self.kind = title, kind

    def add(self, text: str, prose: bool) -> None:
        if not text:
            return
        if self.run_in:
            text = self.run_in + (" " if prose else "\n") + text
            self.run_in = ""
        self.blocks.append(text)

    def close(self) -> None:
        if self.run_in:  # a heading with nothing after it still says something
            self.blocks.append(self.run_in)
            self.run_in = ""
        if self.blocks:
            self.sections.append(Section(self.title, self.kind, tuple(self.blocks)))
        self.blocks = []


def estimate_tokens(text: str) -> int:
    """Estimate the number of tokens of ``text``: ``ceil(len(text) / 4)``.

    4 characters a token is an estimate (no tokenizer offline): close for English prose,
    low for Korean, CJK and dense TeX, which take more tokens per character.

    Args:
        text: any text.

    Returns:
        The estimate, in tokens (0 for ``""``).
    """
    return -(-len(text) // _CHARS_PER_TOKEN)


# --------------------------------------------------------------------------- section kinds

# Headings of back matter: "other", and never re-kinded by position (_position_kinds).
_BACK_MATTER = ("appendix", "acknowledg", "supplementary")

# Checked in this order; the first match wins. The order settles mixed headings:
# "Limitations and Future Work" is limitations (before conclusion's "future work"),
# "Experimental Results" is results, "Evaluation Framework" is experiments (before
# method's "framework"), "Related Work" is related before anything else can claim it.
_KIND_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("other", _BACK_MATTER),
    ("abstract", ("abstract",)),
    ("introduction", ("introduction",)),
    ("related", ("related work", "background", "prior work")),
    ("limitations", ("limitation", "discussion", "failure")),
    ("conclusion", ("conclusion", "concluding", "future work", "summary")),
    ("results", ("result", "analysis", "ablation")),
    ("experiments", ("experiment", "evaluation", "setup", "benchmark")),
    ("method", ("method", "approach", "model", "architecture", "framework", "design", "system")),
)


def classify(title: str) -> str:
    """Return the kind of a section from its heading (``"other"`` when nothing matches)."""
    text = strip_numbering(title).lower()
    for kind, keywords in _KIND_KEYWORDS:
        if any(keyword in text for keyword in keywords):
            return kind
    return "other"


def sub_kind(title: str, parent_kind: str) -> str:
    """Return the kind of a subsection under a section of ``parent_kind``.

    A subsection usually belongs to its section ("4.2 Multimodal Performance" under
    "4 Evaluation" is experiments, "2.2 MLX Framework" under "2 Background" is related),
    so the parent's kind wins, except that a limitations or results subsection inside a
    method or experiments section keeps its own, more specific kind.
    """
    own = classify(title)
    if parent_kind == "other":
        return own
    if own in ("limitations", "results") and parent_kind in ("method", "experiments"):
        return own
    return parent_kind


# A section of one of these kinds ends the stretch where a paper describes its method.
_AFTER_METHOD = frozenset({"experiments", "results", "limitations", "conclusion"})


def position_kinds(sections: list[Section]) -> list[Section]:
    """Re-kind as ``"method"`` the unnamed body sections between introduction and results.

    A method section is often titled with the method's own name ("3 Flow-GRPO") or a
    word no keyword covers ("3 Preliminaries", "II. SELF-CONSISTENT ACTION ..."), which
    :func:`classify` calls ``"other"``, the kind of appendices. A section of kind
    ``"other"`` that comes after the first introduction and before the first experiments,
    results, limitations or conclusion section after it is the method by its position
    (the usual order of a paper). Back matter (:data:`_BACK_MATTER` in the title) stays
    ``"other"``; without both an introduction and such a later section nothing changes.

    Args:
        sections: in document order.

    Returns:
        The sections, with those kinds changed (a new list; the input is not modified).
    """
    start = next((i for i, s in enumerate(sections) if s.kind == "introduction"), None)
    if start is None:
        return sections
    end = next(
        (i for i in range(start + 1, len(sections)) if sections[i].kind in _AFTER_METHOD), None
    )
    if end is None:
        return sections
    out = list(sections)
    for i in range(start + 1, end):
        if out[i].kind == "other" and not is_back_matter(out[i].title):
            out[i] = replace(out[i], kind="method")
    return out


def clean_lines(text: str) -> str:
    """Normalize white space on each line and drop empty lines; line breaks are kept."""
    lines = (collapse_space(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# ------------------------------------------------------------------------------- selection

# The kinds the digest's sections are written from (introduction -> problem and
# contribution, method -> method, experiments/results -> quantitative results,
# limitations, conclusion): each gets a fair share of the budget before any takes the rest.
_SCHEMA_KINDS: tuple[str, ...] = tuple(
    kind for kind in KINDS if kind not in ("abstract", "related", "other")
)
# The order in which the last round spends what is left. Related work comes late: it
# describes other papers. "back" is back matter (appendix, acknowledgments by title).
_PRIORITY: tuple[str, ...] = (*_SCHEMA_KINDS, "other", "related", "back")
_SEPARATOR = "\n\n"
_UNTITLED = "Text"


def is_back_matter(title: str) -> bool:
    """Whether a heading names back matter (appendix, acknowledgments, supplementary)."""
    text = strip_numbering(title).lower()
    return any(word in text for word in _BACK_MATTER)


def is_table_row(line: str) -> bool:
    """Whether ``line`` is a table row: two or more cells joined by :data:`CELL_SEPARATOR`,
    each at most :data:`CELL_MAX_CHARS` long, as :func:`paperdigest.sources.html.extract_html`
    writes a table's rows (its caption comes first, on its own line)."""
    cells = line.split(CELL_SEPARATOR)
    return len(cells) > 1 and all(len(cell) <= CELL_MAX_CHARS for cell in cells)


def is_table_block(block: str) -> bool:
    """Whether ``block`` (a run of non-blank lines) is a table: two or more rows
    (:func:`is_table_row`). One such line alone is prose with a TeX ``|`` in it. The one
    rule for selection (tables are taken early) and the quantity check (numbers in cells)."""
    return sum(is_table_row(line) for line in block.split("\n")) >= 2


class _Selection:
    """The paragraphs chosen so far from each body section, and their cost in characters."""

    def __init__(self, body: list[Section], used: int) -> None:
        self.body = body
        self.chosen: list[set[int]] = [set() for _ in body]
        self.used = used  # characters of the text built from what is chosen

    def take(self, index: int, n: int, cap: int) -> bool:
        """Choose paragraph ``n`` of section ``index`` if the text stays within ``cap`` chars."""
        chosen = self.chosen[index]
        if n in chosen:
            return True
        section = self.body[index]
        cost = len(section.paragraphs[n])
        if chosen:
            cost += len(_SEPARATOR)  # between it and the section's other paragraphs
        else:  # the section's heading comes with it, after the previous block's separator
            cost += len(f"## {section.title or _UNTITLED}\n")
            cost += len(_SEPARATOR) if self.used else 0
        if self.used + cost > cap:
            return False
        chosen.add(n)
        self.used += cost
        return True

    def fill(self, indices: list[int], cap: int) -> None:
        """Choose from the sections ``indices`` (document order) while the text fits ``cap``.

        The order says what matters most in a part of a paper: its opening paragraph (what
        the part is about), then every table (results live there), then the leading
        paragraph of each later section, then each section's leading paragraphs in
        document order until one does not fit.
        """
        if not indices:
            return
        self.take(indices[0], 0, cap)
        for index in indices:
            for n, paragraph in enumerate(self.body[index].paragraphs):
                if is_table_block(paragraph):
                    self.take(index, n, cap)
        for index in indices[1:]:
            self.take(index, 0, cap)
        for index in indices:
            for n in range(len(self.body[index].paragraphs)):
                if not self.take(index, n, cap):
                    break


def select_text(sections: list[Section], abstract: str, budget_tokens: int) -> tuple[str, bool]:
    """Build the source text a summary is written from, within a token budget.

    The text starts with ``"## Abstract"`` and the abstract (``abstract`` white-space
    normalized, or, if it is empty, the first Section of kind ``"abstract"``). Paragraphs of
    the other sections follow, chosen in three rounds so that a long introduction or method
    cannot crowd out the results and the conclusion. A *part* is the sections of one kind;
    the parts a digest is written from are introduction, method, experiments, results,
    limitations and conclusion.

    1. Each such part's opening (its first section's first paragraph), shortest first,
       so that as many parts as possible are represented.
    2. Each such part gets an equal share of the budget left, smallest part first, so that
       what one part does not need is shared by the bigger ones. Within its share a part
       gives, in this order: its opening, its tables (blocks whose lines after the first
       hold ``" | "``), the first paragraph of each of its later sections, then each
       section's leading paragraphs in document order.
    3. The budget still left goes, in the same order within a part, to the parts in
       priority order: introduction, method, experiments, results, limitations,
       conclusion, other, related, and last back matter (sections of kind ``"other"``
       titled appendix, acknowledgments or supplementary).

    A paragraph (a table is one) is whole or left out, never cut. One that does not fit
    ends its section's leading run, but later tables and other sections may still fit.
    So a section contributes a run of leading paragraphs plus possibly some later tables,
    or tables alone. The chosen paragraphs are written in document order under
    ``"## {title}"`` (``"## Text"`` if untitled). An abstract that does not fit is cut
    with :func:`cap_text` and then stands alone. Blocks are separated by blank lines.
    Sections of kind ``"abstract"`` are not repeated. Sections without paragraphs
    contribute nothing (not even their heading). Without any abstract the text starts with
    the first selected section. The rounds and the order within a part are this module's
    design (issue 4.1: ground every section of the digest), not a published rule.

    Args:
        sections: from :func:`~paperdigest.sources.html.extract_html` or
            :func:`~paperdigest.sources.pdf.extract_pdf`, in document order; a
            kind outside :data:`KINDS` counts as ``"other"``.
        abstract: the paper's abstract; may be ``""``.
        budget_tokens: the maximum of :func:`estimate_tokens` of the result, in tokens.

    Returns:
        ``(text, truncated)``: ``truncated`` is True when any paragraph or part of the
        abstract was left out. ``estimate_tokens(text) <= budget_tokens``, except that a
        non-empty abstract always yields non-empty text: with a budget too small even for
        the heading, the result is the abstract alone capped to ``max(budget_tokens, 1)``.
        Deterministic.
    """
    limit = max(budget_tokens, 0) * _CHARS_PER_TOKEN
    abstract_text = collapse_space(abstract)
    if not abstract_text:
        for section in sections:
            if section.kind == "abstract":
                abstract_text = collapse_space(" ".join(section.paragraphs))
                break
    body = [s for s in sections if s.kind != "abstract" and s.paragraphs]

    head = ""
    if abstract_text:
        header = "## Abstract\n"
        if limit - len(header) < _CHARS_PER_TOKEN:
            # No room for the heading and a word: the abstract alone beats an empty text.
            return cap_text(abstract_text, max(budget_tokens, 1))
        capped, truncated = cap_text(abstract_text, (limit - len(header)) // _CHARS_PER_TOKEN)
        if truncated:  # the budget is spent; a section after half an abstract would mislead
            return header + capped, True
        head = header + capped

    by_kind: dict[str, list[int]] = {kind: [] for kind in _PRIORITY}
    for index, section in enumerate(body):
        kind = section.kind if section.kind in by_kind else "other"
        if kind == "other" and is_back_matter(section.title):
            kind = "back"
        by_kind[kind].append(index)
    selection = _Selection(body, len(head))
    present = [kind for kind in _SCHEMA_KINDS if by_kind[kind]]

    # Round 1: every part's opening paragraph, the shortest first, so that as many parts
    # as possible are represented when the openings do not all fit.
    for kind in sorted(present, key=lambda kind: len(body[by_kind[kind][0]].paragraphs[0])):
        selection.take(by_kind[kind][0], 0, limit)

    # Round 2: equal shares of what is left, the smallest part first, so that what it
    # does not need is shared by the bigger ones.
    def size(kind: str) -> int:
        return sum(len(p) for i in by_kind[kind] for p in body[i].paragraphs)

    for served, kind in enumerate(sorted(present, key=size)):
        share = (limit - selection.used) // (len(present) - served)
        selection.fill(by_kind[kind], selection.used + share)
    # Round 3: the rest of the budget, in priority order.
    for kind in _PRIORITY:
        selection.fill(by_kind[kind], limit)

    blocks_out = [head] if head else []
    for index, section in enumerate(body):
        if selection.chosen[index]:
            paragraphs = [section.paragraphs[n] for n in sorted(selection.chosen[index])]
            blocks_out.append(f"## {section.title or _UNTITLED}\n{_SEPARATOR.join(paragraphs)}")
    truncated = any(len(c) < len(s.paragraphs) for c, s in zip(selection.chosen, body, strict=True))
    return _SEPARATOR.join(blocks_out), truncated


# A sentence ends at ".", "?" or "!" before white space (this covers Korean "다. "), or at
# a CJK full stop, which needs no space after it.
_SENTENCE_END_RE = re.compile(r"[.?!](?=\s)|[。！？]")


def cap_text(text: str, budget_tokens: int) -> tuple[str, bool]:
    """Cut ``text`` to a token budget, at a sentence boundary when possible.

    Args:
        text: any text (e.g. a 200 KB hostile abstract).
        budget_tokens: the maximum of :func:`estimate_tokens` of the result, in tokens.

    Returns:
        ``(text, False)`` when it fits. Otherwise ``(cut, True)``, where ``cut`` is at most
        ``budget_tokens * 4`` characters: the text up to the last sentence end (". ", "? ",
        "! ", "다. ", "。") within the limit, else up to the last space, else cut hard;
        trailing white space removed.
    """
    if estimate_tokens(text) <= budget_tokens:
        return text, False
    limit = max(budget_tokens, 0) * _CHARS_PER_TOKEN
    # One more character so that a period right at the limit, followed by a space, counts.
    window = text[: limit + 1]
    end = 0
    for match in _SENTENCE_END_RE.finditer(window):
        if match.end() <= limit:
            end = match.end()
    if end == 0:
        space = text.rfind(" ", 0, limit + 1)
        end = space if space > 0 else limit
    cut = text[:end].rstrip()
    return (cut or text[:limit]), True
