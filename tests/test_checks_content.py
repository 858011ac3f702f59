"""The content checks of issue 11 §3 (paperdigest.checks.content).

The well-formed answers are sentences of the reference digests (../shared/reference-digests:
002 for seven, 003 for gmr), quoted unchanged; the faulty ones change one thing each.
"""

from __future__ import annotations

import pytest

from paperdigest.checks import check_content
from paperdigest.checks.content import sentence_endings, strip_label
from paperdigest.model.schemas import SCHEMAS, SchemaSpec

SEVEN = SCHEMAS["seven"]
GMR = SCHEMAS["gmr"]

Checked = tuple[dict[str, str | None], list[str]]

# Reference digest 002, paper 2505.04921 (the formal ~습니다 style).
SEVEN_ANSWER: dict[str, str | None] = {
    "overview": (
        "해당 논문은 인공지능 분야에서 지능의 핵심인 추론 능력을 다루고 있습니다. 이 논문은 "
        "대규모 다중모달 추론 모델(LMRMs)의 발전과 도전 과제를 포괄적으로 조사하고 있습니다."
    ),
    "motivation": (
        "인공지능 시스템이 개방적이고 불확실하며 다중모달 환경에서 작동함에 따라, 지능의 "
        "핵심인 추론 능력이 필수적입니다."
    ),
    "contributions": (
        "- **발전 단계별 체계적 조사**: LMRM의 발전을 네 가지 단계로 나누어 분석합니다."
    ),
    "architecture": (
        "1. **작업별 모듈 기반 접근법**: 각 작업에 특화된 모듈을 사용하여 추론을 수행합니다."
    ),
    "datasets": "논문에서는 OpenAI의 O3 및 O4-mini와 같은 벤치마크를 활용하여 성능을 평가합니다.",
    "baselines": "기존의 다중모달 추론 모델들과 비교하여 성능을 평가합니다.",
    "masking": None,
    "results": (
        "논문에서는 기존 방법들과의 성능 비교를 통해 LMRMs의 발전을 강조합니다. 특히, "
        "다중모달 강화 학습을 통한 접근법이 기존 모델들보다 우수한 성능을 보임을 보여줍니다."
    ),
    "limitations": "- **모든 모달리티에 대한 일반화**: 다양한 모달리티에 걸친 일반화가 어렵습니다.",
    "future_work": (
        "- **원시 LMRM 개발**: 원시 대규모 다중모달 추론 모델의 개념적 방향을 탐구합니다."
    ),
}

# Reference digest 003, paper 2509.02547 (the plain ~다 style).
GMR_ANSWER: dict[str, str | None] = {
    "goal": (
        "본 논문은 대규모 언어 모델(LLM)을 자율적 의사결정 에이전트로 전환하는 에이전트 "
        "강화학습(Agentic RL)의 개념적 전환과 연구 동향을 체계적으로 조사하는 데 목적이 있다."
    ),
    "motivation": (
        "기존 LLM 강화학습은 단일 단계의 정적인 출력 생성에 집중하여 실제 동적 환경에서의 "
        "연속적 의사결정과 적응 능력을 반영하지 못하는 한계가 존재한다."
    ),
    "contribution": (
        "Agentic RL의 POMDP 기반 형식화, 핵심 능력 중심 분류 체계, 향후 연구 방향 제시를 통해 "
        "분야 발전을 촉진한다."
    ),
    "method": (
        "Agentic RL은 전통적 LLM-RL의 단일 단계 Markov 결정 과정(MDP)과 달리 부분 관찰 가능한 "
        "장기 의사결정 문제(POMDP)로 모델링된다."
    ),
    "results": (
        "500개 이상의 최신 연구를 종합하여 Agentic RL이 동적 환경에서 LLM 에이전트의 자율적 "
        "행동과 장기 인지 능력을 향상시킨다는 점을 입증하였다."
    ),
    "limitations": (
        "본 조사에서는 인간 가치 조정이나 전통적인 MARL 등 LLM 이외 RL 연구는 범위에서 "
        "제외되어 있어 해당 분야와의 통합적 고찰은 제한적이다."
    ),
    "conclusion": (
        "Agentic RL은 LLM을 고도화된 적응적 의사결정 에이전트로 진화시키는 핵심 기술로 "
        "부상하며, 확장 가능한 일반 목적 에이전트 개발에 중요한 연구 방향을 제시한다."
    ),
}


def _check(spec: SchemaSpec, answer: dict[str, str | None], **changes: str | None) -> Checked:
    """check_content as the re-ask loop calls it for ``spec``, on ``answer`` with ``changes``."""
    return check_content(
        answer | changes,
        spec.labels,
        spec.nullable,
        style=spec.style,
        overview_opening=spec.overview_opening,
    )


def seven(**changes: str | None) -> Checked:
    return _check(SEVEN, SEVEN_ANSWER, **changes)


def gmr(**changes: str | None) -> Checked:
    return _check(GMR, GMR_ANSWER, **changes)


def test_reference_answers_pass() -> None:
    """002's seven answer and 003's gmr answer pass every content check unchanged."""
    assert seven() == (SEVEN_ANSWER, [])
    assert gmr() == (GMR_ANSWER, [])


@pytest.mark.parametrize(
    "placeholder", ["내용 없음", "없음", "N/A", "-", "TBD", "...", "정보 부족"]
)
def test_a_placeholder_field_is_reasked(placeholder: str) -> None:
    """A required field holding only a placeholder is re-asked, naming the field."""
    _, problems = gmr(limitations=placeholder)
    assert len(problems) == 1
    assert problems[0].startswith('field "Limitations" is only a placeholder')


def test_a_placeholder_in_a_nullable_field_becomes_null() -> None:
    """ "없음" in the masking field means null: no re-ask."""
    fields, problems = seven(masking="- 없음.")
    assert fields["masking"] is None
    assert problems == []


def test_a_field_opening_with_its_label_loses_it_without_reask() -> None:
    """ "사용된 데이터셋: …" in the datasets field is stripped, and nothing is re-asked."""
    fields, problems = seven(datasets="**사용된 데이터셋**: C4와 FineWeb 데이터셋을 사용합니다.")
    assert fields["datasets"] == "C4와 FineWeb 데이터셋을 사용합니다."
    assert problems == []


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Goal: 본 논문은 …", "Goal", "본 논문은 …"),
        ("- **Results**: 성능이 향상되었다.", "Results", "성능이 향상되었다."),
        ("5. 정량적 결과: 92%를 달성합니다.", "5. 정량적 결과", "92%를 달성합니다."),
        ("정량적 결과는 다음과 같습니다.", "5. 정량적 결과", "정량적 결과는 다음과 같습니다."),
    ],
)
def test_strip_label_forms(text: str, label: str, expected: str) -> None:
    """The label with or without its number, bold or bullet, then a colon, is stripped."""
    assert strip_label(text, label) == expected


def test_an_overview_not_opening_with_the_phrase_is_reasked() -> None:
    """002's "# 논문 요약: …" opening fails: the overview must open with "해당 논문은"."""
    _, problems = seven(overview="# 논문 요약: Sentient Agent as a Judge에 대해 설명합니다.")
    assert any('must open with "해당 논문은"' in p for p in problems)


def test_seven_in_the_plain_style_is_reasked() -> None:
    """A seven answer written in ~다 is re-asked for ~습니다."""
    plain = {k: v.replace("니다.", "다.") for k, v in SEVEN_ANSWER.items() if v}
    _, problems = seven(**plain)
    assert [p for p in problems if "formal ~습니다 style" in p]


def test_gmr_in_the_formal_style_is_reasked() -> None:
    """A gmr answer written in ~습니다 is re-asked for ~다."""
    formal = {
        k: v.replace("있다.", "있습니다.").replace("한다.", "합니다.")
        for k, v in GMR_ANSWER.items()
        if v
    }
    formal["method"] = str(formal["method"]).replace("모델링된다.", "모델링됩니다.")
    formal["results"] = str(formal["results"]).replace("입증하였다.", "입증하였습니다.")
    _, problems = gmr(**formal)
    assert [p for p in problems if "plain ~다 style" in p]


def test_sentence_endings_are_counted_by_style() -> None:
    """습니다/합니다 are formal, 한다/있다/하였다 plain; a bullet without a verb is neither."""
    assert sentence_endings("제안합니다. 성능이 높습니다.\n- 표\n달성하였다.") == (2, 1)


def test_a_short_results_field_is_reasked() -> None:
    """A results field under its floor of 20 characters says nothing."""
    _, problems = gmr(results="성능이 향상되었다.")
    assert problems == [
        'field "Results" is too short (10 characters, at least 20 are needed); write what '
        "the paper says in full sentences"
    ]


def test_a_sentence_repeated_across_fields_is_reasked() -> None:
    """The same sentence in Goal and Conclusion is re-asked once, naming both fields."""
    _, problems = gmr(conclusion=GMR_ANSWER["goal"])
    assert len(problems) == 1
    assert 'appears in both "Goal" and "Conclusion"' in problems[0]
