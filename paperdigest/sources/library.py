"""The reader's reference library, from the export files Zotero, Mendeley and Paperpile write.

Three formats, each read by a well-kept parser:

* BibTeX (``.bib``): bibtexparser 2; titles LaTeX-decoded by pylatexenc (``{\\"u}`` → ü),
  abstracts only unescaped (``\\%`` → %, see :func:`_bibtex_abstract`);
* CSL JSON (``.json``): the standard library's ``json`` (a list of CSL items);
* RIS (``.ris``): rispy.

Each item's title and abstract describe the reader (:class:`LibraryItem`). Its date is the
date the reader added it when the export carries one, else its access date (what the Zotero
connector stamps when it saves a page, so usually the day it was added), else its issued
date. Where each format keeps them:

==========  ==========================================  ==============  ==================
format      added                                       accessed        issued
==========  ==========================================  ==============  ==================
BibTeX      ``dateadded``, ``date-added``,                ``urldate``     ``date``, ``year``
            ``creationdate``, ``timestamp``                               (+ ``month``)
CSL JSON    —                                           ``accessed``    ``issued``
RIS         —                                           ``Y2``          ``DA``, ``PY``
Zotero API  ``data.dateAdded``                          ``accessDate``  ``data.date``
==========  ==========================================  ==============  ==================

A broken export is refused whole rather than read in part: a ranking built from half a
library would be silently wrong every morning.

Parsing a 2,000-item BibTeX export takes about 0.3 s, more than the rest of a cached rerun;
:func:`read_library` keeps the items it read in a cache file (beside the database) and reads
them from there while the export's size and modification time are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from paperdigest.errors import ConfigError
from paperdigest.files import write_atomic
from paperdigest.text import collapse_space

__all__ = [
    "FORMATS",
    "LibraryItem",
    "content_key",
    "make_item",
    "parse_date",
    "read_library",
    "unique",
]

FORMATS = {".bib": "BibTeX", ".bibtex": "BibTeX", ".json": "CSL JSON", ".ris": "RIS"}
"""File suffix → format, as the reference managers name their exports."""

# A date as exports write it: 2024-01-05, 2024-01-05T12:00:00Z, 2017/06/12/, 2017-06, 2017.
_DATE_RE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")
# A year inside free text ("June 12, 2017", "Spring 2019"), the fallback for Zotero's date.
_YEAR_RE = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")


def content_key(text: str) -> str:
    """The SHA-256 (hex) of ``text``: what a profile text's embedding is stored under, so a
    re-exported or re-read item reuses it while an edited one is embedded anew."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_date(value: object) -> date | None:
    """The date an export field gives, to the precision it has (a year alone is 1 January).

    Args:
        value: ``2024-01-05``, ``2024-01-05T12:00:00Z``, ``2017-06-12 10:00:00 +0000``,
            ``2017/06/12/``, ``2017-06``, ``2017``, or free text with a year in it.

    Returns:
        The date, or None when no year is found or the value is no text.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value)
    if match is None:
        found = _YEAR_RE.search(value)
        return date(int(found.group(1)), 1, 1) if found else None
    year, month, day = (int(g) if g else 1 for g in match.groups())
    # An impossible day or month (2017-02-30, 2017-13-01) falls back to what is sound.
    for candidate in ((year, month, day), (year, month, 1), (year, 1, 1)):
        try:
            return date(*candidate)
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class LibraryItem:
    """One item of the reader's library.

    Attributes:
        title: the title, white space collapsed (never empty).
        abstract: the abstract, white space collapsed (empty when the export has none).
        added: when the reader added (or last accessed) it, if the export says.
        issued: when it was published, if the export says.
    """

    title: str
    abstract: str = ""
    added: date | None = None
    issued: date | None = None

    @property
    def dated(self) -> date | None:
        """The date its recency weight is counted from: ``added``, else ``issued``."""
        return self.added or self.issued

    @property
    def text(self) -> str:
        """What describes the reader: the title, a blank line, the abstract."""
        return f"{self.title}\n\n{self.abstract}" if self.abstract else self.title

    @cached_property
    def key(self) -> str:
        """:func:`content_key` of :attr:`text` (hashed once: a run asks for it several times
        an item, to keep each text once and to look its embedding up)."""
        return content_key(self.text)


def make_item(
    title: object, abstract: object, added: Iterable[object], issued: Iterable[object]
) -> LibraryItem | None:
    """A :class:`LibraryItem` from raw field values (the first parsable date of ``added``,
    then of ``issued``); None when the title is empty."""
    clean_title = collapse_space(title) if isinstance(title, str) else ""
    if not clean_title:
        return None
    return LibraryItem(
        clean_title,
        collapse_space(abstract) if isinstance(abstract, str) else "",
        next((d for d in map(parse_date, added) if d), None),
        next((d for d in map(parse_date, issued) if d), None),
    )


# What a cached library was read under: bump it when reading an export changes, so that a
# cache of the older reading is not used.
_READING_VERSION = 1


def read_library(path: Path, cache: Path | None = None) -> list[LibraryItem]:
    """Read an export file: the items with a title, each once (the newest date kept).

    Args:
        path: a ``.bib``, ``.json`` (CSL JSON) or ``.ris`` file.
        cache: a JSON file keeping the items read, used instead of the export while the
            export's path, size and modification time (nanoseconds) are those it was read
            at; None reads the export every time. An unreadable or unwritable cache is
            ignored.

    Returns:
        The items in file order, at least one.

    Raises:
        ConfigError: the file is missing or unreadable, not UTF-8, of an unknown suffix, not
            valid in its format (the message names the file and, where the parser knows it,
            the line), or holds no item with a title.
    """
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(
            f"library file {path}: unknown format {path.suffix or '(no suffix)'}; export "
            "BibTeX (.bib), CSL JSON (.json) or RIS (.ris)"
        )
    try:
        stat = path.stat()
        key = [str(path.resolve()), stat.st_size, stat.st_mtime_ns, _READING_VERSION]
        cached = _cached_items(cache, key)
        if cached:
            return cached
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"library file {path} is not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(f"library file {path} cannot be read: {exc.strerror or exc}") from exc
    reader = {"BibTeX": _bibtex, "CSL JSON": _csl_json, "RIS": _ris}[kind]
    items = unique(reader(path, text))
    if not items:
        raise ConfigError(f"library file {path} holds no item with a title ({kind})")
    if cache is not None:
        rows = [[i.title, i.abstract, _iso(i.added), _iso(i.issued)] for i in items]
        with suppress(OSError):  # a cache only: the next run reads the export again
            write_atomic(cache, json.dumps({"key": key, "items": rows}, ensure_ascii=False))
    return items


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _cached_items(cache: Path | None, key: list[object]) -> list[LibraryItem] | None:
    """The items ``cache`` keeps under ``key``; None when it keeps none (or is unreadable)."""
    if cache is None:
        return None
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data["key"] != key:
            return None
        return [
            LibraryItem(
                str(title),
                str(abstract),
                date.fromisoformat(added) if added else None,
                date.fromisoformat(issued) if issued else None,
            )
            for title, abstract, added, issued in data["items"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def unique(items: Iterable[LibraryItem | None]) -> list[LibraryItem]:
    """``items`` without Nones, each text once, keeping the first position and the newest
    date (an item exported twice counts once, as the reader's latest interest in it)."""
    kept: dict[str, LibraryItem] = {}
    for item in items:
        if item is None:
            continue
        seen = kept.get(item.key)
        if seen is None or (item.dated and (seen.dated is None or item.dated > seen.dated)):
            kept[item.key] = item  # a dict keeps the key's first position
    return list(kept.values())


# A special character BibTeX exports escape (Zotero writes \% \& \$ \# \_ \{ \}).
_ESCAPED_RE = re.compile(r"\\([%&$#_{}])")
# A brace that only groups (``{BERT}`` keeps a title's capitals), not an escaped one.
_GROUP_BRACE_RE = re.compile(r"(?<!\\)[{}]")


def _bibtex_title(value: str) -> str:
    """A title as the reader sees it: LaTeX decoded by pylatexenc when it holds a command
    (``{\\"u}``, ``\\emph``), else only its grouping braces dropped (pylatexenc takes ~0.3 ms
    a title, so a 2,000-item library spends its time only where there is LaTeX)."""
    if "\\" not in value:
        return _GROUP_BRACE_RE.sub("", value)
    from pylatexenc.latex2text import LatexNodes2Text

    return str(LatexNodes2Text(math_mode="verbatim").latex_to_text(value))


def _bibtex_abstract(value: str) -> str:
    """An abstract for comparing, never shown: escaped specials (``\\%``) unescaped and
    grouping braces dropped. A full LaTeX decoding takes ~4 ms an abstract (8 s for a
    2,000-item library at every run) and changes no similarity."""
    return _ESCAPED_RE.sub(r"\1", _GROUP_BRACE_RE.sub("", value))


def _bibtex(path: Path, text: str) -> list[LibraryItem | None]:
    # Imported here: only a BibTeX library pays for importing the parser.
    from bibtexparser import model
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.middlewares import MonthIntMiddleware

    splitter_log = logging.getLogger("bibtexparser")
    level = splitter_log.level
    # The parser logs each broken block as it goes; the ConfigError below says it in one line.
    splitter_log.setLevel(logging.CRITICAL)
    try:
        library = parse_string(text, append_middleware=[MonthIntMiddleware(True)])
    finally:
        splitter_log.setLevel(level)
    entries: list[Any] = list(library.entries)
    for block in library.failed_blocks:
        fallback = getattr(block, "ignore_error_block", None)
        if isinstance(block, model.DuplicateBlockKeyBlock | model.DuplicateFieldKeyBlock) or (
            isinstance(block, model.MiddlewareErrorBlock) and fallback is not None
        ):
            # Sound entries with a reused key or field, or a month the middleware could not
            # read: their text is still the reader's.
            if isinstance(fallback, model.Entry):
                entries.append(fallback)
            continue
        reason = getattr(block.error, "abort_reason", None) or str(block.error) or "malformed"
        where = f" at line {block.start_line + 1}" if block.start_line is not None else ""
        raise ConfigError(
            f"library file {path} is not valid BibTeX: the entry{where} is cut off or "
            f"malformed ({collapse_space(reason).rstrip('.')})"
        )

    def field(entry: Any, *names: str) -> list[object]:
        fields: Mapping[str, Any] = {k.lower(): f.value for k, f in entry.fields_dict.items()}
        return [fields[n] for n in names if n in fields]

    def text_of(entry: Any, name: str, clean: Any) -> str | None:
        values = [v for v in field(entry, name) if isinstance(v, str)]
        return clean(values[0]) if values else None

    def issued(entry: Any) -> list[object]:
        year = field(entry, "year")
        month = field(entry, "month")
        # MonthIntMiddleware made "may" (Zotero's month macro) and "May" 5.
        joined = f"{year[0]}-{month[0]}" if year and month and str(month[0]).isdigit() else None
        return [*field(entry, "date"), *([joined] if joined else []), *year]

    return [
        make_item(
            text_of(e, "title", _bibtex_title),
            text_of(e, "abstract", _bibtex_abstract),
            field(e, "dateadded", "date-added", "creationdate", "timestamp", "urldate"),
            issued(e),
        )
        for e in entries
    ]


def _csl_date(value: object) -> object:
    """A CSL date object (``{"date-parts": [[2017, 6, 12]]}`` or ``{"raw": …}``) as text."""
    if not isinstance(value, dict):
        return value
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return "-".join(str(p) for p in parts[0][:3])
    return value.get("raw") or value.get("literal")


def _csl_json(path: Path, text: str) -> list[LibraryItem | None]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"library file {path} is not valid JSON: line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}"
        ) from exc
    if not isinstance(data, list):
        raise ConfigError(
            f"library file {path} is not CSL JSON: expected a list of items, got "
            f"{type(data).__name__}"
        )
    items: list[LibraryItem | None] = []
    for number, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise ConfigError(f"library file {path} is not CSL JSON: item {number} is no object")
        items.append(
            make_item(
                raw.get("title"),
                raw.get("abstract"),
                [_csl_date(raw.get("accessed"))],
                [_csl_date(raw.get("issued"))],
            )
        )
    return items


def _ris(path: Path, text: str) -> list[LibraryItem | None]:
    import rispy

    _check_ris_records(path, text, rispy.RisParser())
    return [
        make_item(
            r.get("title") or r.get("primary_title"),
            r.get("abstract") or r.get("notes_abstract"),
            [r.get("access_date")],
            [r.get("date"), r.get("year"), r.get("publication_year")],
        )
        for r in rispy.loads(text)
    ]


def _check_ris_records(path: Path, text: str, parser: Any) -> None:
    """Refuse what rispy forgives silently: a record without its closing ``ER`` (a cut
    file loses its last record) and text outside records (not RIS at all). Tags are read
    with rispy's own line parser."""
    start: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        tag, _ = parser.parse_line(line)
        if tag == parser.START_TAG:
            if start is not None:
                raise ConfigError(
                    f"library file {path} is not valid RIS: the record at line {start} has "
                    f"no ER line before the next record (line {number})"
                )
            start = number
        elif tag == parser.END_TAG:
            if start is None:
                raise ConfigError(
                    f"library file {path} is not valid RIS: ER at line {number} closes no record"
                )
            start = None
        elif start is None and line.strip():
            raise ConfigError(
                f"library file {path} is not valid RIS: line {number} is outside any record "
                "(records start with 'TY  - ')"
            )
    if start is not None:
        raise ConfigError(
            f"library file {path} is not valid RIS: the record at line {start} is cut off "
            "(no ER line)"
        )
