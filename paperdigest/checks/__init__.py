"""Checks applied to every model answer beyond its JSON schema.

The schema only says that each field is a string (or null). These checks say whether the
string is usable in a Korean digest, and whether its quantities come from the paper:

* :mod:`.korean`: not empty, no code fence, no markdown heading, written in Korean; filler
  notes in optional fields ("정보는 제공되지 않습니다") are dropped.
* :mod:`.content`: placeholders, a field's own label at its start (stripped), the
  overview's opening, the ~습니다/~다 style, length floors, sentences repeated across fields.
* :mod:`.numbers`: reading quantities (numbers, units, scales) from English and Korean text.
* :mod:`.words`: quantities a source writes in English words ("five hundred", "a dozen").
* :mod:`.quantities`: the invented-number guard, every quantity of the answer must occur in the
  paper text; :mod:`.closest` names the closest source quantity and the unit slip for the
  re-ask.

Every problem is one English sentence addressed to the model, because the caller sends the
problems back to the model in a re-ask.
"""

from __future__ import annotations

from paperdigest.checks.closest import QuantityFlag
from paperdigest.checks.content import check_content
from paperdigest.checks.korean import (
    KOREAN_SHARE_MIN,
    SHORT_TEXT_WORDS,
    check_answer,
    check_text_field,
    hangul_share,
    is_filler,
)
from paperdigest.checks.numbers import extract_quantities
from paperdigest.checks.quantities import quantities_problem, quantity_flags, unverified_quantities

__all__ = [
    "KOREAN_SHARE_MIN",
    "SHORT_TEXT_WORDS",
    "QuantityFlag",
    "check_answer",
    "check_content",
    "check_text_field",
    "extract_quantities",
    "hangul_share",
    "is_filler",
    "quantities_problem",
    "quantity_flags",
    "unverified_quantities",
]
