"""Tiny text rules shared by every layer (sources, checks, model, errors): one copy each."""

from __future__ import annotations

__all__ = ["collapse_space"]


def collapse_space(text: str) -> str:
    """``text`` with every run of whitespace (spaces, tabs, newlines, Unicode spaces) made
    one space, and none at either end: ``" a \\n\\t b "`` → ``"a b"``."""
    return " ".join(text.split())
