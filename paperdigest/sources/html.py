"""Extraction of arXiv's HTML rendering (LaTeXML) into :class:`~.selection.Section` objects.

A pure function on bytes or strings; fetching is in :mod:`.fulltext`. lxml is imported
when a page is read, not when the package loads (start-up time, issue 12).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from paperdigest.sources.selection import (
    CELL_SEPARATOR,
    Section,
    SectionBuilder,
    classify,
    clean_lines,
    position_kinds,
    sub_kind,
)
from paperdigest.text import collapse_space

__all__ = ["extract_html", "parse_page"]

# lxml ships no type information; elements are handled as Any inside this module only.
_Element = Any


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
        parts.append(alt if isinstance(alt, str) and alt else collapse_space(el.text_content()))
        return
    if "ltx_tag_item" in classes:
        # List markers: bullets become "•" (2504.11765 draws them as math \bullet),
        # enumerations keep their label ("1.", "(a)").
        label = collapse_space(_inline_children(el))
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
        cells = [collapse_space(_inline(cell)) for cell in _children(row) if _is_cell(cell)]
        if any(cells):  # rows that are only rules or spacing carry nothing
            lines.append(CELL_SEPARATOR.join(cells))
    return lines


def _captions(el: _Element) -> list[str]:
    captions: list[str] = []
    for node in el.iter():
        if _tag(node) == "figcaption" or "ltx_caption" in _classes(node):
            text = collapse_space(_inline(node))
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
        body.extend(collapse_space(_inline(line)) for line in listing)
    elif captions and not re.match(r"(?i)fig", captions[0]):
        captions[0] = "Figure: " + captions[0]
    return clean_lines("\n".join(captions + body))


def _is_float(el: _Element) -> bool:
    classes = _classes(el)
    if _tag(el) == "figure" or _is_table(el):
        return True
    return bool(classes & {"ltx_figure", "ltx_table", "ltx_float"})


def _list_lines(el: _Element) -> list[str]:
    return [collapse_space(_inline(item)) for item in _children(el) if _tag(item) == "li"]


def _para_blocks(el: _Element) -> list[tuple[str, bool]]:
    """Blocks of an ``ltx_para``: its prose, lists as lines, and its floats apart.

    Returns (text, is_prose) pairs; prose can take a run-in heading on the same line.
    """
    blocks: list[tuple[str, bool]] = []
    lines: list[str] = []  # the prose block being built, one entry per line
    words: list[str] = [el.text or ""]

    def end_line() -> None:
        line = collapse_space("".join(words))
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


def _heading(el: _Element) -> _Element | None:
    for child in _children(el):
        if _tag(child) in _HEADING_TAGS:
            return child
    return None


def _title_text(el: _Element | None) -> str:
    # LaTeXML titles sometimes end in a period ("Abstract."); the period is typography.
    return collapse_space(_inline(el)).rstrip(" .:") if el is not None else ""


def _has_block_children(el: _Element) -> bool:
    return any(_tag(child) in _BLOCK_TAGS for child in _children(el))


def _walk(el: _Element, out: SectionBuilder, parent_kind: str | None, forced_other: bool) -> None:
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
                kind = classify(title)
            else:
                kind = sub_kind(title, parent_kind)
            out.start(title, kind)
            _walk(child, out, kind, in_appendix)
            # Text after a subsection, still inside the parent, resumes under the parent.
            out.start(resumed_title, resumed_kind)
        elif tag in _HEADING_TAGS:
            # A heading that does not own a Section: ltx_paragraph titles, theorem names.
            title = collapse_space(_inline(child))
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
            out.add(collapse_space(_inline(child)), True)


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
    root = parse_page(html)
    if root is None:
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
    out = SectionBuilder()
    _walk(article, out, None, False)
    out.close()
    return position_kinds(out.sections)


def parse_page(html: bytes | str) -> Any:
    """Parse an HTML page with lxml; ``None`` for an empty or unparseable one.

    Args:
        html: bytes (encoding from its ``<meta charset>``, else UTF-8) or str.

    Returns:
        The document's root element (an ``lxml.html.HtmlElement``), or ``None``.
    """
    import lxml.etree  # type: ignore[import-untyped]
    import lxml.html  # type: ignore[import-untyped]

    data = html if isinstance(html, bytes) else html.encode("utf-8")
    if not data.strip():
        return None
    # A parser per call: lxml parser objects must not be shared between threads. lxml
    # refuses str input carrying an XML encoding declaration, hence bytes; a str was UTF-8.
    sniff = isinstance(html, bytes) and b"charset" in data[:4096]
    parser = lxml.html.HTMLParser(encoding=None if sniff else "utf-8")
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
