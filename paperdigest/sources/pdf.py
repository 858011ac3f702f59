"""Extraction of a paper's PDF into :class:`~.selection.Section` objects (pypdf text and
layout heuristics), used when arXiv has no HTML rendering.

A pure function on bytes; pypdf is imported when a PDF is read, not when the package loads.
"""

from __future__ import annotations

import io
import re
import statistics
from typing import Any

from paperdigest.sources.selection import (
    Section,
    SectionBuilder,
    classify,
    position_kinds,
    sub_kind,
)
from paperdigest.text import collapse_space, strip_numbering

__all__ = ["extract_pdf"]

_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_PAGE_NUMBER_RE = re.compile(r"^\d{1,4}$")
_REFERENCE_HEADINGS = frozenset({"references", "bibliography", "reference", "literature cited"})
_PLAIN_HEADINGS = _REFERENCE_HEADINGS | frozenset(
    [
        "abstract",
        "introduction",
        "related work",
        "background",
        "method",
        "methods",
        "methodology",
        "approach",
        "experiments",
        "experimental setup",
        "evaluation",
        "results",
        "discussion",
        "limitations",
        "conclusion",
        "conclusions",
        "acknowledgments",
        "acknowledgements",
        "acknowledgment",
        "acknowledgement",
        "appendix",
    ]
)
_ARABIC_HEADING_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+(?P<rest>\S.*)$")
_ROMAN_HEADING_RE = re.compile(r"^(?P<num>[IVX]{1,5})\.\s+(?P<rest>\S.*)$")
_LETTER_HEADING_RE = re.compile(r"^(?P<num>[A-H])\.\s+(?P<rest>\S.*)$")
_CAPTION_START_RE = re.compile(r"^(?:FIG\.|Fig\.|Figure|FIGURE|TABLE|Table)\s*[\dIVX]")
_SENTENCE_END = (".", "?", "!", ":")


def _letters_upper_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def _alpha_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(c.isalpha() for c in chars) / len(chars) if chars else 0.0


def _plain_heading(line: str) -> str | None:
    """The keyword of a heading line such as "References" or "5 Conclusions", else None."""
    key = strip_numbering(line).rstrip(" .:").lower()
    if key in _PLAIN_HEADINGS:
        return key
    if re.match(r"^appendix\b", key) and len(key.split()) <= 8:
        return "appendix"
    return None


def _pdf_heading(line: str, prev: str) -> int:
    """The level of ``line`` as a PDF section heading: 1 section, 2+ subsection, 0 none.

    ``prev`` is the previous non-empty line ("" at the start). Numbered headings must follow
    the end of a sentence, which rules out most body lines that merely begin with a number.
    """
    if _plain_heading(line) is not None:
        return 1
    if len(line) > 80 or line.endswith((".", ",", ";", "-")) or " = " in line:
        return 0
    if prev and not prev.endswith((".", "?", "!", ":", ")", "]")):
        return 0
    for pattern, max_words, upper in (
        (_ROMAN_HEADING_RE, 12, True),  # "III. CRITICAL POINT IN N → ∞ LIMIT" (APS, IEEE)
        (_ARABIC_HEADING_RE, 10, False),  # "2 Method", "3.2. Results"
        (_LETTER_HEADING_RE, 8, False),  # "A. Ordered Phase"
    ):
        match = pattern.match(line)
        if match is None:
            continue
        rest, number = match.group("rest"), match.group("num")
        if not rest[0].isupper() or len(rest.split()) > max_words or _alpha_ratio(rest) < 0.7:
            return 0
        if upper and _letters_upper_ratio(rest) < 0.6:
            return 0
        if pattern is _ARABIC_HEADING_RE:
            if int(number.split(".")[0]) > 30:
                return 0
            return number.count(".") + 1
        if pattern is _LETTER_HEADING_RE:
            return 0 if re.match(r"^[A-Z]\.", rest) else 2  # "A. B. Smith" is an author
        return 1
    return 0


def _reference_list_start(lines: list[str]) -> int | None:
    """Index of the first line of a numbered reference list without a heading, or None.

    Some styles (APS, as in 1111.2011) print the references after the acknowledgments
    with no "References" heading: entries "1 D. C. Johnston, ..." "2 ...". The list is
    recognised by entries 1, 2 and 3 each starting a line within a few lines of the last,
    in the second half of the text.
    """
    entry = re.compile(r"^\[?(\d{1,3})[\].]?\s+\S")
    half = len(lines) // 2
    for i in range(half, len(lines)):
        match = entry.match(lines[i])
        if match is None or match.group(1) != "1":
            continue
        expected, last = 2, i
        for j in range(i + 1, min(len(lines), i + 40)):
            found = entry.match(lines[j])
            if found is not None and found.group(1) == str(expected):
                expected, last = expected + 1, j
            elif j - last > 6:
                break
            if expected > 3:
                return i
    return None


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines of one paragraph, undoing end-of-line hyphenation."""
    text = ""
    for line in lines:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            # Most hyphens at a line end are the typesetter's; a real compound broken at
            # its hyphen ("one-" / "dimensional") loses it, which a reader still follows.
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return collapse_space(text)


def _pdf_lines(reader: Any) -> list[str]:
    lines: list[str] = []
    for page in reader.pages:
        page_lines = [
            collapse_space(line.translate(_LIGATURES))
            for line in (page.extract_text() or "").splitlines()
        ]
        # Page numbers at the top or bottom of a page would split or pollute paragraphs.
        while page_lines and (not page_lines[0] or _PAGE_NUMBER_RE.match(page_lines[0])):
            page_lines.pop(0)
        while page_lines and (not page_lines[-1] or _PAGE_NUMBER_RE.match(page_lines[-1])):
            page_lines.pop()
        lines.extend(page_lines)  # a page break is not a paragraph break
    return lines


def extract_pdf(data: bytes) -> list[Section]:
    """Extract the sections of a paper from its PDF (pypdf text and layout heuristics).

    Lines are joined into paragraphs (a blank line, or a short line ending a sentence,
    ends one; end-of-line hyphens are undone). Headings such as "1 Introduction",
    "2. Method", "III. RESULTS", "A. Ordered Phase" or "References" start Sections, kinds
    as for :func:`extract_html`; text before the first heading is a Section with title
    ``""``. Everything from "References"/"Bibliography" on, or from a numbered reference
    list at the end, is dropped. Without any heading the result is one Section with
    title ``""`` and kind ``"other"``. PDF extraction is lossy: formulas come out garbled.

    Args:
        data: the PDF file's bytes.

    Returns:
        The sections, at least one.

    Raises:
        ValueError: pypdf cannot read the PDF (not a PDF, damaged, encrypted), or it
            holds no extractable text (e.g. a scan).
    """
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")  # many "encrypted" PDFs only restrict printing or editing
        lines = _pdf_lines(reader)
    except Exception as exc:  # pypdf raises many types on a bad file; the caller gets one
        raise ValueError(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    if not any(lines):
        raise ValueError("the PDF contains no extractable text")

    reference_start = _reference_list_start(lines)
    if reference_start is not None:
        lines = lines[:reference_start]
    nonempty = [len(line) for line in lines if len(line) > 20]
    typical = statistics.median(nonempty) if nonempty else 60.0

    out = SectionBuilder()
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            out.add(_join_lines(paragraph), True)
            paragraph.clear()

    prev = ""
    section_kind = "other"  # kind of the last level-1 heading, inherited by subsections
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            end_paragraph()
            continue
        level = _pdf_heading(line, prev)
        if level:
            if _plain_heading(line) in _REFERENCE_HEADINGS:
                break
            # A long capitalised heading wraps ("II. SELF-CONSISTENT ACTION IN THE" /
            # "LARGE z LIMIT"): take the continuation line with it.
            while (
                i < len(lines)
                and _letters_upper_ratio(line) > 0.8
                and 0 < len(lines[i].split()) <= 8
                and _letters_upper_ratio(lines[i]) >= 0.6
                and not lines[i].endswith(".")
            ):
                line = f"{line} {lines[i]}"
                i += 1
            end_paragraph()
            title = line.rstrip(" .:")
            if level == 1:
                kind = section_kind = classify(title)
            else:
                kind = sub_kind(title, section_kind)
            out.start(title, kind)
            prev = line + "."  # a heading ends a "sentence" for the next heading test
            continue
        if _CAPTION_START_RE.match(line):
            end_paragraph()
        paragraph.append(line)
        if line.endswith(_SENTENCE_END) and len(line) < 0.8 * typical:
            end_paragraph()
        prev = line
    end_paragraph()
    out.close()
    if not out.sections:
        raise ValueError("the PDF contains no extractable text")
    return position_kinds(out.sections)
