"""Tiny text rules shared by every layer (sources, checks, model, errors): one copy each."""

from __future__ import annotations

import re

__all__ = ["collapse_space", "strip_numbering"]

# Numbering before a heading: "1 ", "1.", "3.2", "3.2.", "I ", "II.", "II-A", "A.".
# Stripped for keyword matching only; a title keeps its number.
_NUMBERING_RE = re.compile(r"^\s*(?:(?:\d+|[IVXLC]+|[A-Z])(?:[.\-](?:\d+|[A-Z]))*[.:)]?\s+)")


def collapse_space(text: str) -> str:
    """``text`` with every run of whitespace (spaces, tabs, newlines, Unicode spaces) made
    one space, and none at either end: ``" a \\n\\t b "`` → ``"a b"``."""
    return " ".join(text.split())


def strip_numbering(title: str) -> str:
    """``title`` without its leading section number (``"3.2. Results"`` -> ``"Results"``).

    Numbers recognised: arabic, roman (``I``–``C``) or a capital letter, dotted or dashed
    (``3.2``, ``II-A``), with an optional ``.``/``:``/``)`` and then whitespace."""
    return _NUMBERING_RE.sub("", title, count=1)
