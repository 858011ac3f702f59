"""The quantity check's false-flag classes of issue 11 §1 and its precise re-asks of §2.

The source sentences are real: 2509.02547's abstract (Hugging Face daily papers of
2025-09-03, `paper.summary`, as tests/fixtures/checks/README.md describes), the phrases issue
11 quotes from the abstracts of reference digest 003, and the Korean answers are sentences of
reference digests 002 and 003 (../shared/reference-digests), quoted unchanged.
"""

from __future__ import annotations

import pytest

from paperdigest.checks import (
    extract_quantities,
    quantities_problem,
    quantity_flags,
    unverified_quantities,
)

AGENTIC_RL = (
    "To support and accelerate future research, we consolidate the\n"
    "landscape of open-source environments, benchmarks, and frameworks into a\n"
    "practical compendium. By synthesizing over five hundred recent works, this\n"
    "survey charts the contours of this rapidly evolving field"
)


# -- §1 English number words in the source -----------------------------------------------------


def test_number_words_of_the_source_verify_digits_of_the_answer() -> None:
    """ "over five hundred recent works" verifies 003's "500개 이상의 최신 연구"."""
    answer = "500개 이상의 최신 연구를 종합하여 Agentic RL이 동적 환경에서 능력을 향상시킨다."
    assert unverified_quantities(answer, AGENTIC_RL) == []


@pytest.mark.parametrize(
    ("source", "answer"),
    [
        ("improves the average score across fifteen benchmarks", "15개 벤치마크에서 평균 점수를"),
        ("we evaluate a dozen tasks", "12개 과제를 평가하였다"),
        ("one hundred and twenty-three prompts", "123개의 프롬프트"),
        ("about twenty-five percent fewer tokens", "토큰을 25% 줄였다"),
    ],
)
def test_each_number_word_form_is_read(source: str, answer: str) -> None:
    """Teens, "a dozen", compounds with "and" and a hyphen, and "N percent" are read."""
    assert unverified_quantities(answer, source) == []


def test_an_order_of_magnitude_verifies_ten_times() -> None:
    """ "an order of magnitude" is a 10x multiplier, "two orders of magnitude" 100x."""
    source = "an order of magnitude faster, and two orders of magnitude less memory"
    assert unverified_quantities("10배 빠르고 메모리는 100배 적다", source) == []


def test_a_lone_scale_word_is_no_count() -> None:
    """ "thousands of samples" gives no 1000: an invented "1,000개" stays flagged."""
    assert unverified_quantities("1,000개 샘플", "trained on thousands of samples") == ["1,000"]


def test_a_number_word_is_not_a_percentage() -> None:
    """ "fifteen benchmarks" verifies 15 as a count, not an invented "15%"."""
    assert unverified_quantities("15% 향상", "across fifteen benchmarks") == ["15%"]


# -- §1 numbers that are part of a name ------------------------------------------------------


def test_numbers_in_benchmark_and_model_names_are_not_claims() -> None:
    """003's "4개 수학 추론 벤치마크(MATH 500, AMC23, AIME 2024, AIME 2025)" and "Gemini 2.5
    Flash", "Llama 3.1 405B" hold no quantity."""
    answer = (
        "Qwen2.5-3B 및 Qwen2.5-7B 모델을 대상으로 한 4개 수학 추론 벤치마크(MATH 500, AMC23, "
        "AIME 2024, AIME 2025), Gemini 2.5 Flash를 활용한 반자동 자막 생성, Llama 3.1 405B"
    )
    assert extract_quantities(answer) == ["4"]


def test_a_unit_after_a_name_still_makes_a_claim() -> None:
    """ "GPT-4o scores 85.2%" checks 85.2%; "MATH 500개" checks 500; "MMLU 85.2" checks 85.2."""
    answer = "GPT-4o scores 85.2%, MATH 500개, MMLU 85.2, Whisper Small(9배 크기)"
    assert unverified_quantities(answer, "no quantities here") == ["85.2%", "500", "85.2", "9배"]


def test_a_korean_counter_after_a_name_makes_a_claim() -> None:
    """ "BLEU 35점" and "Top 1위" claim something; "MATH 500 점수" names MATH 500's score."""
    assert extract_quantities("BLEU 35점, Top 1위, MATH 500 점수") == ["35", "1"]


def test_a_range_of_percentages_after_a_name_is_a_claim() -> None:
    """ "GenEval 63–97%" is a range of scores, not a name."""
    assert extract_quantities("GenEval 63–97%") == ["63", "97"]


# -- §1 LaTeX residue and Korean words that look like units ----------------------------------


@pytest.mark.parametrize(
    ("source", "answer"),
    [
        ("achieving near 2times speedup", "약 2배의 속도 향상"),
        (r"a 3.5$\times$ speedup", "3.5배 가속"),
        (r"a learning rate of $10^{-3}$", "학습률 0.001"),
        (r"an error of $3.2 \times 10^{-4}$", "오차 3.2e-4"),
        (r"reaching 56.0\% accuracy", "56% 정확도"),
    ],
)
def test_latex_residue_of_abstracts_is_read(source: str, answer: str) -> None:
    """`2times`, `2$\\times$`, `$10^{-3}$`, `3.2 \\times 10^{-4}` and `\\%` are quantities."""
    assert unverified_quantities(answer, source) == []


def test_an_ordinal_article_is_no_trillion() -> None:
    """003's "인도 헌법 제14조~17조" is Articles 14 to 17, not 14 and 17 trillion."""
    answer = "AMBEDKAR는 인도 헌법 제14조~17조에 기반한 헌법 인지 디코딩 레이어를 구축하였다."
    assert extract_quantities(answer) == []


def test_korean_trillion_is_still_read() -> None:
    """ "14조 원" and "3만건" keep their scales."""
    assert extract_quantities("14조 원, 3만건") == ["14000000000000", "30000"]


# -- §2 precise re-asks -----------------------------------------------------------------------

FG_CLIP = "a dataset of 1.6 billion long caption-image pairs and 12 million images"


def test_a_korean_scale_slip_is_named_in_the_reask() -> None:
    """002's 1.6억 for "1.6 billion" gets the conversion spelled out."""
    answer = "1.6억 개의 긴 캡션-이미지 쌍을 생성하여 전역 수준의 의미론적 세부 정보를 포착합니다."
    [flag] = quantity_flags(answer, FG_CLIP)
    assert flag.quantity == "1.6억"
    assert flag.closest == "1.6 billion"
    assert flag.conversion == (
        'the paper says "1.6 billion" = 16억; you wrote 1.6억 (= 160 million)'
    )


def test_a_model_size_slip_is_named() -> None:
    """8억 for an 8B model (issue 11) is 10x too small."""
    [flag] = quantity_flags("8억 파라미터 모델", "an 8B model")
    assert flag.conversion == 'the paper says "8B" = 80억; you wrote 8억 (= 800 million)'


def test_a_fraction_written_as_a_percentage_is_named() -> None:
    """0.52% for "52%" names both notations."""
    [flag] = quantity_flags("정확도 0.52%", "an accuracy of 52%")
    assert flag.conversion == 'the paper says "52%" = 0.52; you wrote 0.52% (= 0.0052)'


def test_the_reask_message_carries_each_conversion() -> None:
    """The message lists the quantities, then each conversion to check."""
    message = quantities_problem(quantity_flags("1.6억 쌍과 99.1%", FG_CLIP))
    assert message.startswith("these figures do not occur in the paper text: 1.6억, 99.1%.")
    assert 'Check the unit conversion: the paper says "1.6 billion" = 16억' in message


def test_an_unrelated_quantity_has_no_closest_quantity() -> None:
    """A flagged quantity far from every source quantity shows "none" (closest is None)."""
    [flag] = quantity_flags("정확도 99.1%", "trained for 3 epochs")
    assert (flag.closest, flag.conversion) == (None, None)


def test_a_near_quantity_is_the_closest_without_conversion() -> None:
    """An invented 75.3% next to a source 75.53% names 75.53% and no conversion."""
    [flag] = quantity_flags("75.3% 달성", "scores 75.53% on MMMU and 12 points")
    assert (flag.closest, flag.conversion) == ("75.53%", None)
