"""Checks applied to every model answer beyond its JSON schema.

The schema only says that each field is a string (or null). These checks say whether the
string is usable in a Korean digest, and whether its figures come from the paper:

* :mod:`.korean`: not empty, no code fence, no markdown heading, written in Korean; filler
  notes in optional fields ("정보는 제공되지 않습니다") are dropped.
* :mod:`.content`: placeholders, a field's own label at its start (stripped), the
  overview's opening, the ~습니다/~다 style, length floors, sentences repeated across fields.
* :mod:`.numbers`: reading figures (numbers, units, scales) from English and Korean text.
* :mod:`.words`: figures a source writes in English words ("five hundred", "a dozen").
* :mod:`.figures`: the invented-number guard, every figure of the answer must occur in the
  paper text; :mod:`.closest` names the closest source figure and the unit slip for the
  re-ask.

Every problem is one English sentence addressed to the model, because the caller sends the
problems back to the model in a re-ask.
"""

from __future__ import annotations

from paperdigest.checks.closest import FigureFlag
from paperdigest.checks.content import check_content
from paperdigest.checks.figures import figure_flags, figures_problem, unverified_figures
from paperdigest.checks.korean import (
    KOREAN_SHARE_MIN,
    SHORT_TEXT_WORDS,
    check_answer,
    check_text_field,
    hangul_share,
    is_filler,
)
from paperdigest.checks.numbers import extract_figures

__all__ = [
    "KOREAN_SHARE_MIN",
    "SHORT_TEXT_WORDS",
    "FigureFlag",
    "check_answer",
    "check_content",
    "check_text_field",
    "extract_figures",
    "figure_flags",
    "figures_problem",
    "hangul_share",
    "is_filler",
    "unverified_figures",
]
