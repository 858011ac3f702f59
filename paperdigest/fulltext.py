"""A paper's full text: extraction from arXiv HTML or PDF, and selection within a token budget.

Everything here is a pure function on bytes or strings; fetching is done elsewhere.

* :func:`extract_html` reads arXiv's HTML rendering (LaTeXML) into :class:`Section` objects.
* :func:`extract_pdf` does the same, more roughly, for a PDF (pypdf text + heuristics).
* :func:`select_text` builds the source text a summary is written from: the abstract first,
  then paragraphs of every part of the paper the digest needs (introduction, method,
  results and their tables, conclusion) within a token budget, in document order.
* :func:`cap_text` cuts any text to a token budget at a sentence boundary.

Token counts are estimates (:func:`estimate_tokens`): 4 characters a token, because no
tokenizer is available offline. Budgets are therefore enforced in characters
(``budget_tokens * 4``), which is exact for that estimate.
"""

from __future__ import annotations

import io
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]
import pypdf

__all__ = [
    "CELL_SEPARATOR",
    "EXTRACTION_VERSION",
    "KINDS",
    "Section",
    "cap_text",
    "estimate_tokens",
    "extract_html",
    "extract_pdf",
    "select_text",
]

# lxml ships no type information; elements are handled as Any inside this module only.
_Element = Any

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
lines after the first hold it is a table (:mod:`paperdigest.checks` reads cells by it)."""

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
        kind: one of :data:`KINDS`, guessed from the heading (see :func:`_classify`),
            or from the section's position when the heading names no kind (see
            :func:`_position_kinds`).
        paragraphs: text blocks in document order. A prose block is one line; a list,
            table, algorithm or figure-caption block may span lines (a table is one block:
            its caption, then one line per row with cells joined by ``" | "``).
    """

    title: str
    kind: str
    paragraphs: tuple[str, ...]


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

# Numbering before a heading: "1 ", "1.", "3.2", "3.2.", "I ", "II.", "II-A", "A.".
# Stripped for keyword matching only; a title keeps its number.
_NUMBERING_RE = re.compile(r"^\s*(?:(?:\d+|[IVXLC]+|[A-Z])(?:[.\-](?:\d+|[A-Z]))*[.:)]?\s+)")

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


def _classify(title: str) -> str:
    """Return the kind of a section from its heading (``"other"`` when nothing matches)."""
    text = _NUMBERING_RE.sub("", title, count=1).lower()
    for kind, keywords in _KIND_KEYWORDS:
        if any(keyword in text for keyword in keywords):
            return kind
    return "other"


def _sub_kind(title: str, parent_kind: str) -> str:
    """Return the kind of a subsection under a section of ``parent_kind``.

    A subsection usually belongs to its section ("4.2 Multimodal Performance" under
    "4 Evaluation" is experiments, "2.2 MLX Framework" under "2 Background" is related),
    so the parent's kind wins, except that a limitations or results subsection inside a
    method or experiments section keeps its own, more specific kind.
    """
    own = _classify(title)
    if parent_kind == "other":
        return own
    if own in ("limitations", "results") and parent_kind in ("method", "experiments"):
        return own
    return parent_kind


# A section of one of these kinds ends the stretch where a paper describes its method.
_AFTER_METHOD = frozenset({"experiments", "results", "limitations", "conclusion"})


def _position_kinds(sections: list[Section]) -> list[Section]:
    """Re-kind as ``"method"`` the unnamed body sections between introduction and results.

    A method section is often titled with the method's own name ("3 Flow-GRPO") or a
    word no keyword covers ("3 Preliminaries", "II. SELF-CONSISTENT ACTION ..."), which
    :func:`_classify` calls ``"other"``, the kind of appendices. A section of kind
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
        if out[i].kind == "other" and not _is_back_matter(out[i].title):
            out[i] = replace(out[i], kind="method")
    return out


def _clean(text: str) -> str:
    """Collapse runs of white space (NBSP included) to one space, trimmed."""
    return " ".join(text.split())


def _clean_lines(text: str) -> str:
    """Normalize white space on each line and drop empty lines; line breaks are kept."""
    lines = (_clean(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# ------------------------------------------------------------------------------------ HTML


def _names(text: str, sep: str | None = None) -> frozenset[str]:
    """A set of names written as one string split on ``sep`` (compact tables)."""
    return frozenset(text.split(sep))


# Elements whose text never feeds a summary: page chrome, references, footnotes, images,
# author blocks (names and e-mail addresses), and LaTeXML error markers.
_DROP_TAGS = _names(
    "script style noscript template nav header footer svg img button form input select "
    "iframe object canvas video audio"
)
_DROP_CLASSES = _names(
    "ltx_bibliography ltx_page_navbar ltx_TOC ltx_note ltx_role_footnote ltx_page_header "
    "ltx_page_footer ltx_page_logo ltx_authors ltx_author_notes ltx_title_document "
    "ltx_keywords ltx_classification ltx_dates ltx_ERROR ltx_pagination ltx_rdf "
    "ltx_subtitle"
)

# Containers that start a new Section. ltx_paragraph / ltx_subparagraph do not: their
# headings are run-in ("Setup. We ran ...") and are kept at the head of their first block.
_SECTION_CLASSES = frozenset(
    {"ltx_chapter", "ltx_section", "ltx_subsection", "ltx_subsubsection", "ltx_appendix"}
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements whose content starts on a fresh word; inline text gets a space around them so
# that "<p>a</p><p>b</p>" or nested table cells do not run together.
_SPACED_TAGS = _names(
    "p div li tr td th br dt dd table tbody thead tfoot caption figcaption blockquote "
    "section figure"
)
# Children that make an unknown element a container to walk rather than a text block.
_BLOCK_TAGS = _HEADING_TAGS | _names("div p section figure table ul ol dl article blockquote main")
_SPACED_CLASSES = frozenset({"ltx_p", "ltx_para", "ltx_tr", "ltx_td", "ltx_tag", "ltx_tabular"})
_EQUATION_CLASSES = frozenset({"ltx_equation", "ltx_equationgroup", "ltx_eqn_table"})
_BULLETS = frozenset({"•", "∙", "·", "◦", "‣", "-", "–", "—", "*", "\\bullet", "\\cdot", "\\circ"})


def _classes(el: _Element) -> set[str]:
    value = el.get("class")
    return set(value.split()) if isinstance(value, str) else set()


def _tag(el: _Element) -> str:
    # Comments and processing instructions have a function as tag, not a string.
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _children(el: _Element) -> Iterator[_Element]:
    """The element children of ``el`` (comments and processing instructions skipped)."""
    for child in el:
        if _tag(child):
            yield child


def _is_table(el: _Element) -> bool:
    """A data table (LaTeXML also renders display equations as <table>: those are not)."""
    classes = _classes(el)
    if classes & _EQUATION_CLASSES:
        return False
    return _tag(el) == "table" or "ltx_tabular" in classes


def _is_row(el: _Element) -> bool:
    return _tag(el) == "tr" or "ltx_tr" in _classes(el)


def _is_cell(el: _Element) -> bool:
    return _tag(el) in ("td", "th") or "ltx_td" in _classes(el)


def _inline(el: _Element) -> str:
    """The text of ``el`` with math as its TeX ``alttext``; white space not yet normalized."""
    parts: list[str] = []
    _inline_into(el, parts)
    return "".join(parts)


def _inline_into(el: _Element, parts: list[str]) -> None:
    tag = _tag(el)
    classes = _classes(el)
    if tag == "math":
        # The TeX source is the most faithful plain-text form of a formula; the MathML
        # children would come out as a jumble of presentation and content markup.
        alt = el.get("alttext")
        parts.append(alt if isinstance(alt, str) and alt else _clean(el.text_content()))
        return
    if "ltx_tag_item" in classes:
        # List markers: bullets become "•" (2504.11765 draws them as math \bullet),
        # enumerations keep their label ("1.", "(a)").
        label = _clean(_inline_children(el))
        parts.append(("•" if label in _BULLETS else label) + " ")
        return
    spaced = tag in _SPACED_TAGS or bool(classes & _SPACED_CLASSES)
    if spaced:
        parts.append(" ")
    parts.append(_inline_children(el))
    if spaced:
        parts.append(" ")


def _inline_children(el: _Element) -> str:
    parts: list[str] = [el.text or ""]
    for child in el:
        if _tag(child):
            _inline_into(child, parts)
        parts.append(child.tail or "")
    return "".join(parts)


def _rows(el: _Element) -> Iterator[_Element]:
    """The rows of table ``el``, through thead/tbody, but not those of tables nested in cells."""
    for child in _children(el):
        if _is_row(child):
            yield child
        elif not _is_table(child):
            yield from _rows(child)


def _top_tables(el: _Element) -> Iterator[_Element]:
    """The outermost data tables inside ``el`` (``el`` itself if it is one)."""
    if _is_table(el):
        yield el
        return
    for child in _children(el):
        yield from _top_tables(child)


def _table_lines(table: _Element) -> list[str]:
    lines: list[str] = []
    for row in _rows(table):
        cells = [_clean(_inline(cell)) for cell in _children(row) if _is_cell(cell)]
        if any(cells):  # rows that are only rules or spacing carry nothing
            lines.append(CELL_SEPARATOR.join(cells))
    return lines


def _captions(el: _Element) -> list[str]:
    captions: list[str] = []
    for node in el.iter():
        if _tag(node) == "figcaption" or "ltx_caption" in _classes(node):
            text = _clean(_inline(node))
            if text and text not in captions:
                captions.append(text)
    return captions


def _float_block(el: _Element) -> str:
    """A figure, table or algorithm as one block: captions first, then rows or lines."""
    captions = _captions(el)
    tables = list(_top_tables(el))
    listing = [n for n in el.iter() if "ltx_listingline" in _classes(n)]
    body: list[str] = []
    if tables:
        for table in tables:
            body.extend(_table_lines(table))
    elif listing:
        body.extend(_clean(_inline(line)) for line in listing)
    elif captions and not re.match(r"(?i)fig", captions[0]):
        captions[0] = "Figure: " + captions[0]
    return _clean_lines("\n".join(captions + body))


def _is_float(el: _Element) -> bool:
    classes = _classes(el)
    if _tag(el) == "figure" or _is_table(el):
        return True
    return bool(classes & {"ltx_figure", "ltx_table", "ltx_float"})


def _list_lines(el: _Element) -> list[str]:
    return [_clean(_inline(item)) for item in _children(el) if _tag(item) == "li"]


def _para_blocks(el: _Element) -> list[tuple[str, bool]]:
    """Blocks of an ``ltx_para``: its prose, lists as lines, and its floats apart.

    Returns (text, is_prose) pairs; prose can take a run-in heading on the same line.
    """
    blocks: list[tuple[str, bool]] = []
    lines: list[str] = []  # the prose block being built, one entry per line
    words: list[str] = [el.text or ""]

    def end_line() -> None:
        line = _clean("".join(words))
        if line:
            lines.append(line)
        words.clear()

    def flush() -> None:
        end_line()
        if lines:
            blocks.append(("\n".join(lines), len(lines) == 1))
            lines.clear()

    for child in _children(el):
        if _is_float(child):
            flush()
            block = _float_block(child)
            if block:
                blocks.append((block, False))
        elif _tag(child) in ("ul", "ol", "dl"):
            end_line()
            lines.extend(line for line in _list_lines(child) if line)
        else:
            # Paragraph fragments, display equations and inline elements run on: a display
            # equation sits inside a sentence.
            _inline_into(child, words)
        words.append(child.tail or "")
    flush()
    return blocks


class _Builder:
    """Collects the Sections of a document while walking it in order."""

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


def _heading(el: _Element) -> _Element | None:
    for child in _children(el):
        if _tag(child) in _HEADING_TAGS:
            return child
    return None


def _title_text(el: _Element | None) -> str:
    # LaTeXML titles sometimes end in a period ("Abstract."); the period is typography.
    return _clean(_inline(el)).rstrip(" .:") if el is not None else ""


def _has_block_children(el: _Element) -> bool:
    return any(_tag(child) in _BLOCK_TAGS for child in _children(el))


def _walk(el: _Element, out: _Builder, parent_kind: str | None, forced_other: bool) -> None:
    """Walk the children of container ``el`` in document order, filling ``out``.

    ``parent_kind`` is the kind of the enclosing Section (``None`` at the top level);
    ``forced_other`` is set inside appendices, whose parts are all "other".
    """
    # A section's own heading became its Section title; any other heading (ltx_paragraph,
    # theorem) is run-in text.
    owns = bool(_classes(el) & (_SECTION_CLASSES | {"ltx_abstract"}))
    own_heading = _heading(el) if owns else None
    for child in _children(el):
        tag = _tag(child)
        classes = _classes(child)
        if child is own_heading:
            continue
        if "ltx_abstract" in classes:
            resumed_title, resumed_kind = out.title, out.kind
            out.start(_title_text(_heading(child)) or "Abstract", "abstract")
            _walk(child, out, "abstract", forced_other)
            out.start(resumed_title, resumed_kind)
        elif classes & _SECTION_CLASSES:
            resumed_title, resumed_kind = out.title, out.kind
            title = _title_text(_heading(child))
            in_appendix = forced_other or "ltx_appendix" in classes
            if in_appendix:
                kind = "other"
            elif parent_kind is None:
                kind = _classify(title)
            else:
                kind = _sub_kind(title, parent_kind)
            out.start(title, kind)
            _walk(child, out, kind, in_appendix)
            # Text after a subsection, still inside the parent, resumes under the parent.
            out.start(resumed_title, resumed_kind)
        elif tag in _HEADING_TAGS:
            # A heading that does not own a Section: ltx_paragraph titles, theorem names.
            title = _clean(_inline(child))
            if title:
                out.run_in = (out.run_in + " " + title).strip()
        elif "ltx_para" in classes or tag == "p" or "ltx_p" in classes:
            for text, prose in _para_blocks(child):
                out.add(text, prose)
        elif _is_float(child):
            out.add(_float_block(child), False)
        elif tag in ("ul", "ol", "dl"):
            out.add("\n".join(line for line in _list_lines(child) if line), False)
        elif _has_block_children(child):
            _walk(child, out, parent_kind, forced_other)
        else:
            out.add(_clean(_inline(child)), True)


def extract_html(html: bytes | str) -> list[Section]:
    """Extract the sections of an arXiv HTML (LaTeXML) page.

    Kept: the abstract (kind ``"abstract"``), every section and subsection as its own
    Section (in document order, subsections after their section's own text), paragraphs,
    lists (one item a line), tables (caption, then rows with cells joined by ``" | "``),
    algorithm listings, figure captions; math is replaced by its TeX ``alttext``.
    Dropped: references, navigation and table of contents, footnotes, authors, scripts,
    styles, page header and footer, images. Appendices are kept with kind ``"other"``.

    Args:
        html: the page, as bytes (encoding from its ``<meta charset>``, else UTF-8) or str.

    Returns:
        The sections, possibly empty (empty input, or a page with no text). Never raises
        for malformed markup; lxml repairs what it can.
    """
    if isinstance(html, bytes):
        if not html.strip():
            return []
        # A parser per call: lxml parser objects must not be shared between threads.
        parser = lxml.html.HTMLParser(encoding=None if b"charset" in html[:4096] else "utf-8")
        try:
            root = lxml.html.document_fromstring(html, parser=parser)
        except (lxml.etree.ParserError, ValueError):
            return []
    else:
        if not html.strip():
            return []
        try:
            # lxml refuses str input carrying an XML encoding declaration; bytes are fine.
            parser = lxml.html.HTMLParser(encoding="utf-8")
            root = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
        except (lxml.etree.ParserError, ValueError):
            return []

    for node in list(root.iter()):
        dropped = _tag(node) in _DROP_TAGS or bool(_classes(node) & _DROP_CLASSES)
        if dropped and node.getparent() is not None:
            node.drop_tree()  # keeps the node's tail text in place

    article = root.find(".//article")
    if article is None:
        article = root.find(".//body")
    if article is None:
        article = root
    out = _Builder()
    _walk(article, out, None, False)
    out.close()
    return _position_kinds(out.sections)


# ------------------------------------------------------------------------------------- PDF

_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_PAGE_NUMBER_RE = re.compile(r"^\d{1,4}$")
_REFERENCE_HEADINGS = frozenset({"references", "bibliography", "reference", "literature cited"})
_PLAIN_HEADINGS = _REFERENCE_HEADINGS | _names(
    "abstract|introduction|related work|background|method|methods|methodology|approach|"
    "experiments|experimental setup|evaluation|results|discussion|limitations|conclusion|"
    "conclusions|acknowledgments|acknowledgements|acknowledgment|acknowledgement|appendix",
    "|",
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
    key = _NUMBERING_RE.sub("", line, count=1).rstrip(" .:").lower()
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
    return _clean(text)


def _pdf_lines(reader: pypdf.PdfReader) -> list[str]:
    lines: list[str] = []
    for page in reader.pages:
        page_lines = [
            _clean(line.translate(_LIGATURES)) for line in (page.extract_text() or "").splitlines()
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

    out = _Builder()
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
                kind = section_kind = _classify(title)
            else:
                kind = _sub_kind(title, section_kind)
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
    return _position_kinds(out.sections)


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


def _is_back_matter(title: str) -> bool:
    """Whether a heading names back matter (appendix, acknowledgments, supplementary)."""
    text = _NUMBERING_RE.sub("", title, count=1).lower()
    return any(word in text for word in _BACK_MATTER)


def _is_table_block(paragraph: str) -> bool:
    """A table block as extracted: a caption or first row, then rows of cells joined by
    :data:`CELL_SEPARATOR`."""
    return any(CELL_SEPARATOR in line for line in paragraph.split("\n")[1:])


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
                if _is_table_block(paragraph):
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
        sections: from :func:`extract_html` or :func:`extract_pdf`, in document order; a
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
    abstract_text = _clean(abstract)
    if not abstract_text:
        for section in sections:
            if section.kind == "abstract":
                abstract_text = _clean(" ".join(section.paragraphs))
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
        if kind == "other" and _is_back_matter(section.title):
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
