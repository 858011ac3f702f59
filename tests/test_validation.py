"""validate_answer's named result (issue 16 §2): one answer's fields, problems and unverified
quantities, and whether it is good.

The answer is reference digest 003's summary of 2509.02547 (tests/test_checks_content.py);
the source is a sentence of that paper's abstract (tests/test_checks_classes.py).
"""

from __future__ import annotations

import json

from test_checks_content import GMR_ANSWER

from paperdigest.model.reask import validate_answer
from paperdigest.model.schemas import SCHEMAS

GMR = SCHEMAS["gmr"]
SOURCE = "By synthesizing over five hundred recent works, this survey charts the field"
ANSWER = {
    **GMR_ANSWER,
    "gist": "에이전트 강화학습 연구를 종합한 조사 논문이다.",
    "key_figure": None,
}


def test_a_faithful_answer_is_good() -> None:
    """A well-formed answer whose only quantity (500개) is in the source is good."""
    result = validate_answer(GMR, json.dumps(ANSWER), "stop", SOURCE)
    assert result.good
    assert result.fields is not None and result.fields["results"] == ANSWER["results"]
    assert result.problems == [] and result.unverified == []


def test_an_invented_quantity_is_unverified_not_a_problem() -> None:
    """An invented "37.5%" leaves the answer parsed and without problems, but not good."""
    answer = {**ANSWER, "results": str(ANSWER["results"]) + " 정확도는 37.5%로 향상되었다."}
    result = validate_answer(GMR, json.dumps(answer), "stop", SOURCE)
    assert not result.good
    assert result.fields is not None and result.problems == []
    assert result.unverified == ["37.5%"]


def test_a_cut_off_answer_has_no_fields_and_is_not_good() -> None:
    """An answer cut off at the token limit is not parsed: a problem, no fields."""
    result = validate_answer(GMR, '{"goal": "본 논문은', "length", SOURCE)
    assert not result.good
    assert result.fields is None and len(result.problems) == 1
