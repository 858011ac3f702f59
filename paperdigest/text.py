"""Tiny text rules shared by every layer (config, sources, checks, model, errors): one copy
each."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "collapse_space",
    "drop_controls",
    "plain_line",
    "split_urls",
    "split_words",
    "strip_numbering",
]

# Numbering before a heading: "1 ", "1.", "3.2", "3.2.", "I ", "II.", "II-A", "A.".
# Stripped for keyword matching only; a title keeps its number.
_NUMBERING_RE = re.compile(r"^\s*(?:(?:\d+|[IVXLC]+|[A-Z])(?:[.\-](?:\d+|[A-Z]))*[.:)]?\s+)")

# C0 controls but tab and newline, DEL and the C1 block: invisible in a digest or a feed,
# and XML 1.0 (the Atom feed) forbids most of them.
_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def drop_controls(text: str) -> str:
    """``text`` without control characters other than tab and newline (U+0000–U+0008,
    U+000B–U+001F, U+007F–U+009F)."""
    return _CONTROLS_RE.sub("", text)


def collapse_space(text: str) -> str:
    """``text`` with every run of whitespace (spaces, tabs, newlines, Unicode spaces) made
    one space, and none at either end: ``" a \\n\\t b "`` → ``"a b"``."""
    return " ".join(text.split())


def plain_line(text: str) -> str:
    """``text`` as one line of plain text: control characters dropped (:func:`drop_controls`)
    and white space collapsed (:func:`collapse_space`). For titles in front matter, feeds
    and TL;DR lines, where a newline or an escape sequence from a broken list record would
    break the line."""
    return collapse_space(drop_controls(text))


def strip_numbering(title: str) -> str:
    """``title`` without its leading section number (``"3.2. Results"`` -> ``"Results"``).

    Numbers recognised: arabic, roman (``I``–``C``) or a capital letter, dotted or dashed
    (``3.2``, ``II-A``), with an optional ``.``/``:``/``)`` and then whitespace."""
    return _NUMBERING_RE.sub("", title, count=1)


def split_words(value: str | Iterable[str]) -> tuple[str, ...]:
    """``"agent, RL ,,video"`` → ``("agent", "rl", "video")``: comma-separated (or already a
    list, as a TOML array gives them), white space trimmed and collapsed, lower-cased,
    empty pieces dropped, duplicates kept once in order."""
    pieces = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    words = (collapse_space(p).casefold() for p in pieces)
    return tuple(dict.fromkeys(w for w in words if w))


def split_urls(value: str) -> list[str]:
    """``PAPERDIGEST_NOTIFY``'s text as a list: URLs separated by spaces and/or commas."""
    return [url for url in re.split(r"[\s,]+", value) if url]
