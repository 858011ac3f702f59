"""Checks applied to every model answer beyond its JSON schema (split follows)."""

from paperdigest.checks.figures import (
    KOREAN_SHARE_MIN,
    SHORT_TEXT_WORDS,
    check_answer,
    check_text_field,
    extract_figures,
    hangul_share,
    is_filler,
    unverified_figures,
)

__all__ = [
    "KOREAN_SHARE_MIN",
    "SHORT_TEXT_WORDS",
    "check_answer",
    "check_text_field",
    "extract_figures",
    "hangul_share",
    "is_filler",
    "unverified_figures",
]
