"""Checks applied to every model answer beyond its JSON schema: is each string usable in a
Korean digest (:mod:`.korean`, :mod:`.content`), and do its quantities come from the paper
(:mod:`.quantities`, reading them with :mod:`.numbers` and :mod:`.words`; :mod:`.closest`
names the likely slip). Every problem is one English sentence addressed to the model, because
the caller sends the problems back to the model in a re-ask.
"""

from __future__ import annotations

from paperdigest.checks.closest import QuantityFlag
from paperdigest.checks.content import check_content
from paperdigest.checks.korean import (
    KOREAN_SHARE_MIN,
    check_answer,
    check_text_field,
    hangul_share,
    is_filler,
)
from paperdigest.checks.numbers import extract_quantities
from paperdigest.checks.quantities import quantities_problem, quantity_flags, unverified_quantities

__all__ = [
    "KOREAN_SHARE_MIN",
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
