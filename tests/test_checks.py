"""Tests of paperdigest.checks: the checks applied to every model answer.

The abstracts are real (tests/fixtures/checks/abstracts.json, provenance in its README); the
Korean answers are written for these tests the way the prompts ask the model to write them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperdigest.checks import (
    KOREAN_SHARE_MIN,
    check_answer,
    check_text_field,
    extract_quantities,
    hangul_share,
    is_filler,
    unverified_quantities,
)
from paperdigest.sources.html import extract_html
from paperdigest.sources.selection import select_text

_ABSTRACTS = json.loads(
    (Path(__file__).parent / "fixtures" / "checks" / "abstracts.json").read_text(encoding="utf-8")
)


def abstract(arxiv_id: str) -> str:
    """The real `paper.summary` of one fixture paper, hard wraps and LaTeX escapes included."""
    return str(_ABSTRACTS[arxiv_id]["summary"])


def html_source(html: bytes) -> str:
    """The source text the pipeline builds from an arXiv HTML page (no abstract given, a
    12,000-token budget): prose, and tables as rows of cells joined by " | "."""
    return select_text(extract_html(html), "", 12000)[0]


# Real arXiv HTML (tests/fixtures/html/README.md). Its only percentages are "21% to 87%";
# it has multipliers ("28x", "24.7x"), tok/s tables and a "Frames" column (2, 4, ... 64).
APPLE_TEXT = html_source(
    (Path(__file__).parent / "fixtures" / "html" / "2601.19139.html").read_bytes()
)


SORA = "2511.04570"  # "Sora-2 achieves 92% accuracy on MATH, and 75.53% accuracy on MMMU"
NEMOTRON = "2511.03929"  # V2, Llama-3.1-Nemotron-Nano-VL-8B, BF16, FP8, FP4
GUI_360 = "2511.04307"  # GUI-360^circ, 1.2M, a URL ending in GUI-360
SIMS_V = "2511.04668"  # 3D, 7B-parameter, 25K, 72B
FLOW_GRPO = "2505.05470"  # "from 63% to 95%", "from 59% to 92%", SD3.5
RL_V = "2505.04842"  # "20\%", "8-32times", "1.2-1.6times", R1
GENERAL_BENCH = "2505.04620"  # "700 tasks and 325,800\ninstances"
ICON = "2505.05327"  # LLaMA3.1-8B, "5.42% points"
BROWSECOMP = "2504.19314"  # 289, 11, 42.9%, a URL with PALIN2018
FG_CLIP = "2505.05071"  # "1.6 billion", "12 million", github.com/360CVGroup/FG-CLIP

LABEL = "5. 정량적 결과"

SORA_SUMMARY_KO = (
    "해당 논문은 비디오 생성 모델을 추론 도구로 쓰는 **Thinking with Video** 패러다임을 "
    "제안합니다.\n"
    "- VideoThinkBench에서 Sora-2를 평가했으며, vision-centric 과제에서는 SOTA VLM과 비슷한 "
    "수준입니다.\n"
    "- text-centric 과제에서 Sora-2는 MATH에서 92%, MMMU에서 75.53%의 정확도를 달성했습니다.\n"
    "- self-consistency와 in-context learning으로 성능이 향상됩니다."
)


# --- hangul_share --------------------------------------------------------------------------


def test_hangul_share_counts_words_so_latin_terms_weigh_one_word_each() -> None:
    """Latin terms count as one word each; Latin terms with Korean particles count as Korean."""
    text = "GRPO를 사용한 Mamba-Transformer 모델은 SFT 대비 우수하다."
    # GRPO를, 사용한, 모델은, 대비, 우수하다 are Korean; Mamba-Transformer, SFT are not.
    assert hangul_share(text) == pytest.approx(5 / 7)


def test_hangul_share_keeps_hyphen_and_dot_inside_words() -> None:
    """`Qwen2.5-VL-7B` is one word, so one name against one Korean word is one half."""
    assert hangul_share("Qwen2.5-VL-7B (모델)") == 0.5


def test_hangul_share_is_one_for_text_without_letters() -> None:
    """Quantities and punctuation only (or nothing) have no wrong language: 1.0."""
    assert hangul_share("92%, 75.53% (+30%)") == 1.0
    assert hangul_share("") == 1.0


def test_hangul_share_of_real_english_abstract_is_zero() -> None:
    """A real English abstract has no Korean word at all."""
    assert hangul_share(abstract(SORA)) == 0.0


def test_hangul_share_counts_hangul_jamo_as_korean() -> None:
    """A word of compatibility jamo only (ㅋㅋ) is Korean too."""
    assert hangul_share("ㅋㅋ LLM") == 0.5


# --- check_text_field ----------------------------------------------------------------------


def test_korean_summary_with_latin_terms_bullets_and_bold_passes() -> None:
    """A Korean summary full of Latin model and benchmark names, bullets and bold passes."""
    assert check_text_field(LABEL, SORA_SUMMARY_KO) == []


def test_numbered_list_is_allowed() -> None:
    """A numbered list (`1. …`) is allowed: it is not a heading."""
    text = "1. GRPO 기반 강화학습을 적용합니다.\n2. SFT 단계 이후 RL을 수행합니다."
    assert check_text_field(LABEL, text) == []


def test_english_answer_fails_with_message_naming_label() -> None:
    """An English answer fails with one message that names the field's label and the language."""
    text = "Sora-2 achieves 92% accuracy on MATH, and 75.53% accuracy on MMMU."
    problems = check_text_field(LABEL, text)
    assert len(problems) == 1
    assert problems[0].startswith(
        f'field "{LABEL}" must be written in Korean; it is mostly English'
    )


def test_english_with_a_few_korean_words_fails() -> None:
    """English sentences with a Korean word sprinkled in stay below the threshold."""
    text = "Sora-2 achieves 92% accuracy on MATH (수학), and 75.53% accuracy on MMMU."
    assert hangul_share(text) < KOREAN_SHARE_MIN
    assert len(check_text_field(LABEL, text)) == 1


def test_share_exactly_at_threshold_passes() -> None:
    """Two Korean words of five (0.4) pass: the threshold is inclusive."""
    text = "GRPO PPO DPO 기법 비교"
    assert hangul_share(text) == pytest.approx(KOREAN_SHARE_MIN)
    assert check_text_field(LABEL, text) == []


def test_share_just_below_threshold_fails() -> None:
    """One Korean word of three (0.33) fails."""
    assert len(check_text_field(LABEL, "simple method 비교")) == 1


@pytest.mark.parametrize(
    "text",
    [
        "GPT-4o, Claude 3.5 Sonnet, Qwen2.5-VL-7B, LLaVA-OneVision과 비교합니다.",
        "MMLU, GSM8K, HumanEval, MATH-500, AIME 2024, GPQA-Diamond 벤치마크를 사용합니다.",
    ],
)
def test_korean_dense_with_names_passes(text: str) -> None:
    """A Korean baseline or dataset list passes however many names it holds (the names were
    most of its words: 2 Korean words of 6 and of 8)."""
    assert check_text_field(LABEL, text) == []


def test_english_prose_with_names_still_fails() -> None:
    """Names do not count, but English words do: an English answer still fails."""
    text = "We evaluate on MMLU, GSM8K and HumanEval with GPT-4o and it works well 좋다."
    assert "must be written in Korean" in check_text_field(LABEL, text)[0]


def test_chinese_answer_is_named_chinese() -> None:
    """An answer in Chinese is told it is mostly Chinese, not English."""
    problems = check_text_field(LABEL, "该 模型 在 数学 上 表现 很好")
    assert len(problems) == 1
    assert "it is mostly Chinese" in problems[0]


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_code_fence_fails(fence: str) -> None:
    """A code fence anywhere in the field is a problem, even in otherwise good Korean."""
    text = f"다음 코드를 사용합니다.\n{fence}python\nprint(1)\n{fence}\n결과는 좋습니다."
    problems = check_text_field(LABEL, text)
    assert problems == [
        f'field "{LABEL}" must not contain a code fence (``` or ~~~); write plain text, '
        'with "- " bullets if needed'
    ]


def test_markdown_heading_fails_and_quotes_the_line() -> None:
    """A line opening with `## ` is a heading; the message quotes it."""
    problems = check_text_field(LABEL, "## 정량적 결과\nMATH에서 92%를 달성했습니다.")
    assert len(problems) == 1
    assert problems[0].startswith(f'field "{LABEL}" must not contain a markdown heading')
    assert '"## 정량적 결과"' in problems[0]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "정량적 결과는 다음과 같습니다\n---\n정확도가 올랐습니다.",
            "정량적 결과는 다음과 같습니다 / ---",
        ),
        ("정량적 결과\n===\n정확도가 올랐습니다.", "정량적 결과 / ==="),
        ("- # 주요 기여 제목입니다\n- 두 번째 항목입니다.", "- # 주요 기여 제목입니다"),
        ("> ## 인용 속 제목입니다\n본문입니다.", "> ## 인용 속 제목입니다"),
    ],
)
def test_headings_commonmark_renders_are_caught(text: str, shown: str) -> None:
    """Underlined (setext) headings and `#` headings inside list items or quotes are
    headings in the blog too: each is a problem quoting its lines."""
    problems = check_text_field(LABEL, text)
    assert len(problems) == 1
    assert f'markdown heading (the line "{shown}")' in problems[0]


def test_bullets_and_rules_between_paragraphs_are_not_headings() -> None:
    """`- ` bullets, `**bold**`, and a --- rule after a blank line are no headings."""
    text = "- 첫째 항목입니다.\n- **둘째** 항목입니다.\n\n---\n\n마지막 문단입니다."
    assert check_text_field(LABEL, text) == []


def test_hash_without_space_is_not_a_heading() -> None:
    """`#1` or `####### ` (seven) do not open a markdown heading."""
    assert (
        check_text_field(LABEL, "#1 순위를 기록했습니다.\n####### 일곱 개는 제목이 아닙니다.") == []
    )


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_field_fails(text: str) -> None:
    """An empty or white-space-only field gives exactly the 'must not be empty' problem."""
    assert check_text_field(LABEL, text) == [
        f'field "{LABEL}" must not be empty; write its content in Korean'
    ]


def test_short_text_without_korean_word_fails() -> None:
    """A text of fewer than 3 words needs at least one Korean word: a bare name fails."""
    problems = check_text_field(LABEL, "GPT-4o")
    assert problems == [
        f'field "{LABEL}" must be written in Korean; it has no Korean word. Keep technical '
        "terms in Latin letters, but write the text around them in Korean"
    ]


def test_short_text_with_one_korean_word_passes() -> None:
    """Two words, one of them Korean (share 0.5 or not), pass."""
    assert check_text_field(LABEL, "GPT-4o 기반") == []


def test_quantities_only_text_passes_language_rule() -> None:
    """A text with no letters has nothing in a wrong language."""
    assert check_text_field(LABEL, "92%, 75.53%") == []


def test_several_problems_are_all_reported() -> None:
    """A heading, a fence and English in one field give three problems."""
    text = "# Results\n```\nSora-2 achieves 92% accuracy on MATH.\n```"
    assert len(check_text_field(LABEL, text)) == 3


# --- check_answer --------------------------------------------------------------------------


def test_check_answer_skips_null_fields() -> None:
    """A field left null on purpose (`masking`: None) is not checked."""
    fields = {"overview": SORA_SUMMARY_KO, "masking": None}
    assert check_answer(fields, {"overview": "1. 개요", "masking": "6. 마스킹"}) == []


def test_check_answer_reports_all_fields_in_field_order_with_labels() -> None:
    """Problems of several fields come in the fields' order, each naming its label."""
    fields = {"overview": "", "method": SORA_SUMMARY_KO, "results": "Sora-2 reaches 92% on MATH."}
    labels = {"results": "5. 정량적 결과", "overview": "1. 개요", "method": "3. 방법"}
    problems = check_answer(fields, labels)
    assert len(problems) == 2
    assert problems[0].startswith('field "1. 개요" must not be empty')
    assert problems[1].startswith('field "5. 정량적 결과" must be written in Korean')


def test_check_answer_falls_back_to_field_name_without_label() -> None:
    """A field without a label is named by its field name."""
    assert check_answer({"limitations": " "}, {})[0].startswith('field "limitations"')


# --- extract_quantities -----------------------------------------------------------------------


def test_quantities_of_real_abstract_with_latex_percent_and_multiplier_ranges() -> None:
    """`20\\%`, `8-32times` and `1.2-1.6times` of a real abstract; R1, RL^V are no quantities."""
    assert "20\\%" in abstract(RL_V)
    assert extract_quantities(abstract(RL_V)) == ["20", "8", "32", "1.2", "1.6"]


def test_percent_spellings_normalize_to_the_same_value() -> None:
    """`56.0\\%`, `56 %`, `56%` and `56퍼센트` are all the quantity "56"."""
    for text in ["56.0\\%", "56 %", "56%", "56.00%", "56퍼센트"]:
        assert extract_quantities(text) == ["56"], text


def test_quantities_of_real_abstract_skip_enumerations_and_names() -> None:
    """In the Sora-2 abstract only 92% and 75.53% are quantities: not (1), (2), Sora-2, GSM8K."""
    assert extract_quantities(abstract(SORA)) == ["92", "75.53"]


def test_thousands_separator_is_removed() -> None:
    """`1,200` is 1200, and the real `325,800` (hard-wrapped before "instances") is 325800."""
    assert extract_quantities("1,200개의 샘플") == ["1200"]
    assert extract_quantities(abstract(GENERAL_BENCH)) == ["5", "700", "325800", "100"]


def test_korean_units_man_and_eok_are_applied() -> None:
    """`32만 5,800개` is 325800, `1.2억` is 120000000, `1만 5천` is 15000."""
    assert extract_quantities("32만 5,800개") == ["325800"]
    assert extract_quantities("1.2억 개") == ["120000000"]
    assert extract_quantities("약 1만 5천 명") == ["15000"]


def test_korean_unit_groups_join_only_while_descending() -> None:
    """`1억 2천만` is one quantity; `5만 10만 20만` are three; `10만 3가지` keeps its count."""
    assert extract_quantities("1억 2천만 개") == ["120000000"]
    assert extract_quantities("5만 10만 20만 스텝에서 평가") == ["50000", "100000", "200000"]
    assert extract_quantities("10만 3가지") == ["100000", "3"]


def test_korean_millions_and_a_trailing_group_before_punctuation_are_read() -> None:
    """`3.87백만` is 3.87 million; `32만 5,800.` keeps its 5,800 before the period."""
    assert extract_quantities("3.87백만 개의 CT 단면") == ["3870000"]
    assert extract_quantities("총 32만 5,800.") == ["325800"]


def test_man_in_mankeum_is_not_a_unit() -> None:
    """In `3만큼` (as much as 3) 만 is a particle, not 10^4."""
    assert extract_quantities("점수가 3만큼 높습니다") == ["3"]


def test_scientific_notation_is_read() -> None:
    """`5e-4` is 0.0005, not 5 and a name."""
    assert extract_quantities("학습률 5e-4") == ["0.0005"]


def test_size_suffixes_are_scaled_like_korean_units() -> None:
    """`7B`, `7 billion` and `70억` are the same quantity, so a Korean restatement matches."""
    assert extract_quantities("7B") == extract_quantities("7 billion") == extract_quantities("70억")
    assert extract_quantities(abstract(SIMS_V)) == ["3", "7000000000", "25000", "72000000000"]


def test_identifiers_are_not_quantities() -> None:
    """Numbers glued to a letter or a hyphen-word are parts of names, not quantities."""
    text = "GPT-4o, Qwen2.5-VL-7B, V2, GUI-360, H100, gpt-4o-mini, LLaMA3.1-8B, GSM8K, Sora-2"
    assert extract_quantities(text) == []


def test_real_abstract_with_only_model_names_has_no_quantities() -> None:
    """Nemotron Nano V2 VL, Llama-3.1-Nemotron-Nano-VL-8B, BF16, FP8, FP4: no quantities."""
    assert extract_quantities(abstract(NEMOTRON)) == []


def test_arxiv_ids_and_version_numbers_are_not_quantities() -> None:
    """`2511.04460`, `arXiv:2511.04460v2` and `1.2.3` are identifiers."""
    assert extract_quantities("2511.04460, arXiv:2511.04460v2, 버전 1.2.3") == []


def test_url_digits_are_not_quantities() -> None:
    """The real FG-CLIP abstract's URL `github.com/360CVGroup/FG-CLIP` gives no 360."""
    assert "https://github.com/360CVGroup/FG-CLIP" in abstract(FG_CLIP)
    assert extract_quantities(abstract(FG_CLIP)) == [
        "1600000000",
        "12000000",
        "40000000",
        "10000000",
    ]


def test_name_with_digits_inside_url_is_not_a_quantity() -> None:
    """The real GUI-360 abstract gives only `1.2M`: not GUI-360 nor its dataset URL."""
    assert extract_quantities(abstract(GUI_360)) == ["1200000"]


def test_list_markers_are_not_quantities() -> None:
    """`1.` / `2)` opening a line (after an optional bullet) and `(3)` are enumerations."""
    assert extract_quantities("1. 개요\n- 2) 방법\n(3) 결과를 봅니다.") == []


def test_range_with_to_gives_both_ends() -> None:
    """The real `from 63% to 95%` and `from 59% to 92%` give all four numbers."""
    assert extract_quantities(abstract(FLOW_GRPO)) == ["63", "95", "59", "92"]


@pytest.mark.parametrize("text", ["63–95%", "63-95%", "63~95%", "63 – 95 %"])
def test_dash_range_gives_both_ends(text: str) -> None:
    """En dash, hyphen and tilde ranges give both numbers."""
    assert extract_quantities(text) == ["63", "95"]


def test_multiplier_spellings_normalize_to_the_value() -> None:
    """`3.5x`, `3.5×` and `3.5배` are all "3.5"."""
    for text in ["3.5x 빠름", "3.5× 빠름", "3.5배 빠름"]:
        assert extract_quantities(text) == ["3.5"], text


def test_percentage_points_are_quantities() -> None:
    """`5.42%p`, `5.42pp` and the real `5.42% points` are the quantity 5.42."""
    assert extract_quantities("5.42%p 향상") == ["5.42"]
    assert extract_quantities("5.42pp") == ["5.42"]
    assert extract_quantities(abstract(ICON)) == ["12", "5", "15", "5.42", "2.06"]


def test_years_are_quantities() -> None:
    """A year is a quantity like any other."""
    assert extract_quantities("2025년에 발표된 논문") == ["2025"]


def test_quantities_are_deduplicated_in_order_of_appearance() -> None:
    """The same value in two spellings is returned once, where it first appears."""
    assert extract_quantities("92%, 75.53%, 그리고 다시 92.0%") == ["92", "75.53"]


def test_dimensions_are_two_numbers_not_a_multiplier() -> None:
    """`1920x1080` and `1920×1080` give both sides, not a multiplier and a name."""
    assert extract_quantities("1920x1080 해상도") == ["1920", "1080"]
    assert extract_quantities("1920×1080 해상도") == ["1920", "1080"]


# --- unverified_quantities --------------------------------------------------------------------


def test_korean_summary_restating_real_quantities_has_no_unverified_quantities() -> None:
    """92% and 75.53% restated from the real abstract are verified."""
    assert unverified_quantities(SORA_SUMMARY_KO, abstract(SORA)) == []


def test_invented_quantities_are_reported_with_original_spelling() -> None:
    """An invented `+3%` and `30.5%` are reported as the answer spells them."""
    answer = "CIFAR-10에서 +3% 향상되었고, MATH 정확도는 92%, MMMU는 30.5%입니다."
    assert unverified_quantities(answer, abstract(SORA)) == ["+3%", "30.5%"]


def test_unverified_quantities_are_deduplicated() -> None:
    """The same invented spelling twice is reported once."""
    answer = "정확도가 30.5% 향상되었습니다. 다시 말해 30.5% 향상입니다."
    assert unverified_quantities(answer, abstract(SORA)) == ["30.5%"]


def test_small_bare_integers_are_exempt() -> None:
    """Integers 0..10 in bare digits without a counter ("4차원", "8 에폭") are not checked."""
    answer = "4차원 텐서와 8 에폭으로 평가했습니다."
    assert unverified_quantities(answer, abstract(SORA)) == []


def test_small_counts_with_a_counter_are_checked_against_number_words() -> None:
    """ "2가지 과제 범주" is verified by "two task categories"; the invented "3단계" and "10개"
    are reported."""
    answer = "2가지 과제 범주와 3단계 절차, 10개 모델로 평가했습니다."
    assert unverified_quantities(answer, abstract(SORA)) == ["3", "10"]


def test_small_integers_with_a_unit_are_checked() -> None:
    """`3%` and `3배` claim something, so they are checked despite being small."""
    assert unverified_quantities("3% 향상, 3배 빠름", abstract(SORA)) == ["3%", "3배"]


def test_bare_integer_above_ten_is_checked() -> None:
    """An invented count above 10 is reported."""
    assert unverified_quantities("11개 벤치마크에서 평가했습니다.", abstract(SORA)) == ["11"]


def test_range_start_takes_the_unit_of_its_end() -> None:
    """In `3–5%` the 3 is a percentage too, so it is not exempt as a small count."""
    assert unverified_quantities("정확도 3–5% 향상", abstract(SORA)) == ["3", "5%"]


def test_multiplier_range_written_with_times_is_checked() -> None:
    """`4-6times` (as abstracts spell `4-6\\times`) is a multiplier range: both ends checked."""
    assert unverified_quantities("4-6times 빠름", abstract(SORA)) == ["4", "6times"]


def test_percentage_point_spelling_is_kept_in_report() -> None:
    """An invented `7.5%p` is reported as `7.5%p`, not cut to `7.5%`."""
    assert unverified_quantities("기준선 대비 7.5%p 향상", abstract(ICON)) == ["7.5%p"]


def test_restated_range_is_verified() -> None:
    """`63%에서 95%로` and `63~95%` restate the real `from 63% to 95%`."""
    assert unverified_quantities("GenEval 정확도가 63%에서 95%로 향상", abstract(FLOW_GRPO)) == []
    assert unverified_quantities("GenEval 정확도 63~95%", abstract(FLOW_GRPO)) == []


def test_range_with_one_invented_end_reports_that_end() -> None:
    """In `63–97%` only the invented 97% is reported."""
    assert unverified_quantities("GenEval 63–97%", abstract(FLOW_GRPO)) == ["97%"]


def test_latex_percent_and_multiplier_ranges_of_source_verify_korean_answer() -> None:
    """The real `20\\%` and `8-32times` verify `20% 이상` and `8~32배`."""
    answer = "MATH 정확도를 20% 이상 높이고, 8~32배 효율적인 test-time compute 확장을 보입니다."
    assert unverified_quantities(answer, abstract(RL_V)) == []


def test_korean_units_verify_against_thousands_and_size_suffixes() -> None:
    """`32만 5,800개` matches the real `325,800`; `120만 개` matches the real `1.2M`."""
    assert (
        unverified_quantities("700개 과제와 32만 5,800개 인스턴스", abstract(GENERAL_BENCH)) == []
    )
    assert unverified_quantities("120만 개 이상의 action step", abstract(GUI_360)) == []


def test_percentage_points_verify_against_percent_points() -> None:
    """`5.42%p` restates the real `5.42% points`."""
    assert unverified_quantities("전체 데이터 대비 5.42%p 높습니다.", abstract(ICON)) == []


def test_percent_and_fraction_notations_verify_each_other() -> None:
    """Source `0.56` verifies answer `56%`, and source `56%` verifies answer `0.56`."""
    assert unverified_quantities("정확도 56%", "accuracy of 0.56") == []
    assert unverified_quantities("정확도 0.56", "accuracy of 56%") == []


def test_number_opening_a_hard_wrapped_source_line_is_verifiable() -> None:
    """A source line opening with "12. " is a hard wrap, not a list: its 12 still counts."""
    source = "The encoder stacks a number of layers equal to\n12. This keeps the model small."
    assert unverified_quantities("인코더는 12개 레이어로 구성됩니다.", source) == []


def test_respaced_model_name_number_is_verified() -> None:
    """`Gemini 2.5 Pro` is verified by the source's `Gemini2.5-Pro`."""
    assert unverified_quantities("Gemini 2.5 Pro와 비교", "compared with Gemini2.5-Pro") == []


@pytest.mark.parametrize(
    ("answer", "source", "flagged"),
    [
        ("7개 벤치마크에서 평가", "We fine-tune Qwen2.5-VL-7B on our data.", "7"),
        ("7개 벤치마크에서 평가", "models from 1.5B to 7B parameters", "7"),
        ("3단계 사전학습", "MedDINOv3 is pretrained on CT-3M with a multi-stage recipe.", "3"),
    ],
)
def test_a_piece_of_a_source_name_verifies_no_count(answer: str, source: str, flagged: str) -> None:
    """The 7 of `Qwen2.5-VL-7B` and of `7B`, the 3 of `MedDINOv3` and `CT-3M` are no counts
    (issue 17 §2)."""
    assert unverified_quantities(answer, source) == [flagged]


@pytest.mark.parametrize("answer", ["7B 모델", "70억 개 파라미터", "7 billion 파라미터"])
@pytest.mark.parametrize("source", ["We fine-tune Qwen2.5-VL-7B.", "from 1.5B to 7B parameters"])
def test_a_model_size_still_verifies_a_model_size(answer: str, source: str) -> None:
    """`7B`, in a name or on its own, verifies `7B`, `70억` and `7 billion`."""
    assert unverified_quantities(answer, source) == []


def test_a_number_of_a_name_verifies_the_bare_number_but_no_count() -> None:
    """`AIME 2025` verifies the 2025 of "AIME 2024와 2025"; `MATH 500` no "500개"."""
    source = "We evaluate on MATH 500 and AIME 2025."
    assert unverified_quantities("AIME 2024와 2025에서 향상", source) == []
    assert unverified_quantities("500개 문제에서 평가", source) == ["500"]


def test_a_count_is_not_verified_by_a_percentage() -> None:
    """`7.0%` is a rate, not seven of something: "7개 벤치마크" stays flagged."""
    assert unverified_quantities("7개 벤치마크", "a gain of 7.0% on average") == ["7"]


def test_a_counter_after_a_range_counts_both_ends() -> None:
    """In `2~10개` the 2 is a count too: flagged when the source holds only the 10."""
    assert unverified_quantities("2~10개의 이벤트", "videos with up to 10 events") == ["2"]


def test_number_inside_a_source_name_does_not_verify_a_percentage() -> None:
    """The `3` of `Qwen3` does not verify an invented `+3%`."""
    assert unverified_quantities("Qwen3 기반으로 +3% 향상", "We fine-tune Qwen3.") == ["+3%"]


def test_identifiers_in_answer_are_not_checked() -> None:
    """Model names with digits in the answer are not quantities, even if absent from the source."""
    answer = "GPT-4o, Qwen2.5-VL-7B, CIFAR-10과 비교합니다."
    assert unverified_quantities(answer, abstract(SORA)) == []


def test_real_abstract_verifies_itself() -> None:
    """Every quantity of a real abstract is verified by that abstract."""
    for arxiv_id in _ABSTRACTS:
        assert unverified_quantities(abstract(arxiv_id), abstract(arxiv_id)) == [], arxiv_id


def test_invented_percentage_is_unverified_against_real_full_text() -> None:
    """The auditor's case: "+3%" is not in the real full text, whose only percentages are
    21% and 87% ("Table 3", "3.7x", "Qwen3" hold a 3 but no 3 percent)."""
    answer = "CIFAR-10에서 정확도가 +3% 향상되었습니다."
    assert unverified_quantities(answer, APPLE_TEXT) == ["+3%"]


def test_only_the_papers_own_percentages_pass_against_real_full_text() -> None:
    """Of the invented "+1%" … "+100%", only the paper's 21% and 87% are verified."""
    passing = [
        n for n in range(1, 101) if not unverified_quantities(f"정확도 +{n}% 향상", APPLE_TEXT)
    ]
    assert passing == [21, 87]


def test_faithful_answer_to_real_full_text_is_verified() -> None:
    """Percentages, multipliers and plain numbers restated from the real text all pass."""
    answer = (
        "llama.cpp 대비 처리량이 21%~87% 높고, 반복 이미지 질의에서 28배, 비디오에서 "
        "24.7배 빠릅니다. Qwen3-0.6B는 초당 525.5 토큰을 처리하고, 지연 시간은 21.7초에서 "
        "0.78초로 줄었습니다."
    )
    assert unverified_quantities(answer, APPLE_TEXT) == []


def test_count_column_of_real_table_verifies_no_percentage_or_multiplier() -> None:
    """The real "Frames" cells (2, 8, 64) of a table naming no % nor speedup verify neither
    "+8%" nor "8배"."""
    assert "4 @ 1fps | 4 | 2.4s" in APPLE_TEXT
    answer = "+2%, +8%, +64% 향상, 8배, 2배 빠름"
    assert unverified_quantities(answer, APPLE_TEXT) == ["+2%", "+8%", "+64%", "8배", "2배"]


def test_whole_and_unit_bearing_numbers_do_not_verify_a_percentage() -> None:
    """The real text's "16.0" (tok/s cell), "21.7s"/"21.7 seconds" and "0.12s" are no
    percentages: not "+16%", "21.7%", nor "+12%" as a fraction."""
    answer = "+16% 향상, 21.7% 감소, +12% 향상"
    assert unverified_quantities(answer, APPLE_TEXT) == ["+16%", "21.7%", "+12%"]


def test_table_number_and_epoch_count_do_not_verify_a_percentage() -> None:
    """The 3 of "Table 3" and "3 epochs" is not 3 percent."""
    source = "Table 3 reports the accuracy after 3 epochs of fine-tuning."
    assert unverified_quantities("정확도가 +3% 향상되었습니다.", source) == ["+3%"]


_ACCURACY_TABLE_HTML = b"""<html><body><article><section class="ltx_section">
<h2 class="ltx_title">4 Results</h2>
<quantity class="ltx_table"><figcaption>Table 2: Top-1 accuracy on ImageNet.</figcaption>
<table class="ltx_tabular"><thead><tr><th>Model</th><th>Acc. (%)</th></tr></thead>
<tbody><tr><td>ResNet-50</td><td>76</td></tr><tr><td>Ours</td><td>79</td></tr></tbody>
</table></quantity></section></article></body></html>"""


def test_table_cell_under_a_percent_header_verifies_a_percentage() -> None:
    """A bare cell of a table whose header says "Acc. (%)" verifies `79%` and `76%`."""
    source = html_source(_ACCURACY_TABLE_HTML)
    assert "Ours | 79" in source
    assert unverified_quantities("Ours는 79%로 ResNet-50의 76%보다 높습니다.", source) == []


def test_bare_decimal_in_running_text_verifies_a_percentage() -> None:
    """The source's "scores 75.53 on MMMU" drops the sign; `75.53%` restates it."""
    source = "Sora-2 scores 75.53 on MMMU."
    assert unverified_quantities("MMMU에서 75.53%를 기록했습니다.", source) == []


def test_prose_line_with_a_bar_is_not_a_table() -> None:
    """A lone line with " | " (TeX "\\pi(a | s)") is prose: its 30 verifies no `+30%`."""
    source = "We report accuracy (%) where \\pi(a | s) is trained for 30 steps."
    assert unverified_quantities("+30% 향상", source) == ["+30%"]


def test_percentage_and_multiplier_do_not_verify_each_other() -> None:
    """`56배` is not the source's `56.0\\%`, and `3%` is not its `3x`."""
    assert unverified_quantities("56배 향상", "accuracy of 56.0\\%") == ["56배"]
    assert unverified_quantities("3% 향상", "a 3x speedup") == ["3%"]


@pytest.mark.parametrize(
    ("answer", "source"),
    [
        ("28배 빠름", APPLE_TEXT),  # "28x" and "28\\times"
        ("3.5배 빠름", "faster by a factor of 3.5"),
        ("4배 빠름", "a 4-fold speedup"),
        ("2배 향상", "doubling the inference parallelism"),
    ],
)
def test_multiplier_is_verified_by_a_source_multiplier(answer: str, source: str) -> None:
    """A multiplier restates a source multiplier however it is written."""
    assert unverified_quantities(answer, source) == []


def test_speedup_table_cell_verifies_a_multiplier() -> None:
    """A bare cell of a table with a "Speedup" column verifies `3.5배`."""
    source = "Table 4: Latency.\nMethod | Latency | Speedup\nBaseline | 7.0 | 1.0\nOurs | 2.0 | 3.5"
    assert unverified_quantities("3.5배 빠릅니다.", source) == []


def test_words_that_are_no_multipliers_and_dimensions_verify_no_multiplier() -> None:
    """Neither "double precision", "knowledge triples" nor `1024\\times1024` is a multiplier."""
    source = "We use double precision, 5 knowledge triples and 1024\\times1024 images."
    assert unverified_quantities("2배, 3배, 1024배", source) == ["2배", "3배", "1024배"]


# "마스킹 방식" lines of reference digest 002 (../shared/reference-digests/002_*.txt), the
# filler the reference published for papers without masking.
_REFERENCE_FILLER = [
    "구체적인 마스킹 방식에 대한 상세한 정보는 제공되지 않습니다.",
    "구체적인 마스킹 방식은 명시되어 있지 않습니다.",
    "구체적인 마스킹 방식에 대한 정보는 제공되지 않습니다.",
    "구체적인 마스킹 방식에 대한 상세 정보는 제공되지 않음.",
    "구체적인 마스킹 방식에 대한 상세한 정보는 제공되지 않았습니다.",
    "논문에서 구체적인 마스킹 방식에 대한 정보는 제공되지 않음.",
    "마스킹 방식에 대한 상세한 설명은 논문에 명시되어 있지 않습니다.",
    "구체적인 마스킹 방식에 대한 정보는 제공된 자료에서 확인할 수 없었습니다.",
]


@pytest.mark.parametrize(
    "text",
    [
        *_REFERENCE_FILLER,
        "해당 없음",
        "마스킹을 사용하지 않습니다.",
        "마스킹 방식은 논문에서 다루지 않습니다.",
        "논문에서는 마스킹 방식을 보고하지 않습니다.",
        "인과 마스크 외의 추가 마스킹은 사용하지 않습니다.",
    ],
)
def test_is_filler_recognizes_not_given_notes(text: str) -> None:
    """Every "not provided / not stated / cannot be found" note of reference 002 is filler,
    as are "not covered / not reported" and "masking is not used"."""
    assert is_filler(text)


@pytest.mark.parametrize(
    "text",
    [
        "입력 토큰의 15%를 무작위로 마스킹합니다.",
        "MAE 방식으로 이미지 패치를 가리며, 세부 비율은 명시되어 있지 않습니다.",
        "인과적 어텐션 마스크를 사용하며 세부 사항은 명시되어 있지 않습니다.",
        "랜덤 마스킹은 사용하지 않고 블록 단위 마스킹을 적용합니다.",
        # Loss masking is described with "not included": content, not filler.
        "질문 토큰은 손실 계산에 포함하지 않습니다.",
        "패딩 토큰은 손실 계산에 포함하지 않습니다.",
        "블록 단위 마스킹을 적용합니다. 세부 비율은 제공되지 않습니다. " * 3,
    ],
)
def test_is_filler_keeps_notes_that_carry_content(text: str) -> None:
    """A clause with content (or a quantity, or a long text) keeps the field."""
    assert not is_filler(text)


@pytest.mark.parametrize(
    ("answer", "source"),
    [
        ("지연 시간이 거의 3배로 늘었습니다.", "which causes the latency to almost triple"),
        ("기존보다 3배 빠릅니다.", "it is three times faster than the baseline"),
        ("2.3배의 속도 향상을 보였습니다.", "a speedup of 2.3 over the baseline"),
        ("2.5배 빠릅니다.", "achieving a 2.5 × speedup on A100"),
        ("12% 향상되었습니다.", "improves accuracy by 12\\,\\% on GSM8K"),
    ],
)
def test_faithful_multipliers_and_latex_percent_spacing_are_verified(
    answer: str, source: str
) -> None:
    """Multipliers in words ("almost triple", "three times", "a speedup of 2.3"), a space
    before "×", and LaTeX spacing before "\\%" verify the answer's quantity."""
    assert unverified_quantities(answer, source) == []


@pytest.mark.parametrize(
    "source",
    [
        "We repeat each experiment three times and report the mean.",
        "Each knowledge triple is encoded as a sentence.",
        "All weights are kept in double precision.",
    ],
)
def test_counts_and_nouns_do_not_verify_a_multiplier(source: str) -> None:
    """ "three times" as a count, "triple" and "double" as nouns are no multipliers."""
    assert unverified_quantities("추론 속도가 3배, 메모리가 2배입니다.", source) == ["3배", "2배"]
