"""Content checks on a whole answer: what the Korean-text checks cannot see in one field.

:func:`check_content` applies, in this order:

* a field that opens with its own label ("사용된 데이터셋: …" in the datasets field, "Goal:
  …" in goal) loses the label, with no re-ask: the template prints the label already;
* a field that is only a placeholder ("내용 없음", "없음", "N/A", "-", "TBD", "..."): null
  when the field may be null (the masking field), else a re-ask;
* the overview must open with the schema's opening when it has one (``seven``: "해당 논문은",
  as every summary of the 7-section reference digest opens);
* the style of the schema (:class:`Style`: ``seven`` formal ~습니다, ``gmr`` plain ~다, as the
  reference digests of those schemas write): an answer most of whose sentence endings are in
  the other style is re-asked. Measured on those digests: each of the 7-section digest's 20
  papers has only ~니다 endings (3 to 24), each of the Goal/Method/Results digest's 39 only ~다
  endings (8 or 9), so the rule passes all 59;
* a field shorter than its floor (:data:`FIELD_FLOORS`, e.g. a results field of under 20
  characters), which cannot hold what the field asks for;
* one sentence repeated in two fields.

Every problem is one English sentence addressed to the model, naming the field by its
label, as :mod:`paperdigest.checks.korean` words its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum

from paperdigest.text import collapse_space

__all__ = [
    "FIELD_FLOORS",
    "OVERVIEW_OPENING",
    "PLACEHOLDERS",
    "REPEAT_MIN_CHARS",
    "STYLE_MIN_ENDINGS",
    "Style",
    "check_content",
    "sentence_endings",
    "strip_label",
]

PLACEHOLDERS = frozenset(
    {
        *(
            "내용 없음",
            "없음",
            "해당 없음",
            "해당 사항 없음",
            "정보 없음",
            "정보 부족",
            "언급 없음",
        ),
        *("n/a", "na", "none", "null", "tbd", "-", "—", "...", "…"),
    }
)
"""What a model writes when it has nothing to say (issue 11 §3; "정보 부족" is what the
Goal/Method/Results reference digest printed as the limitations of 2509.01055 and
2509.02208), compared after dropping bullets, bold, white space and a final period,
case-insensitively."""

OVERVIEW_OPENING = "해당 논문은"
"""How ``seven``'s overview opens: every summary of the 7-section reference digest does, and
the schema's field description asks for it."""


class Style(StrEnum):
    """The sentence-ending style a schema is written in."""

    FORMAL = "formal"  # ~습니다 ("제안합니다"): the 7-section digests
    PLAIN = "plain"  # ~다 ("제안한다"): the Goal/Method/Results digests


FIELD_FLOORS: Mapping[str, int] = {
    "overview": 30,
    "goal": 15,
    "motivation": 15,
    "contribution": 15,
    "contributions": 20,
    "architecture": 20,
    "method": 30,
    "results": 20,
    "limitations": 15,
    "future_work": 15,
    "conclusion": 15,
    "datasets": 4,
    "baselines": 4,
}
"""Fewest characters (white space collapsed) a field needs, by field name. A field asks
for one to three sentences, and a Korean sentence of substance is rarely under 20
characters (the shortest field of the two reference digests is a 25-character dataset
list); a results field of under 20 characters ("성능 향상.") says nothing. The floors sit
well below every field of the reference digests; datasets and baselines may be one name
("C4")."""

STYLE_MIN_ENDINGS = 3
"""Sentence endings needed before the style is judged: one or two endings may be a quoted
title or a list item, three show how the answer is written."""

REPEAT_MIN_CHARS = 20
"""Shortest sentence (characters) whose repetition across fields is reported: short ones
("성능이 향상되었다.") may recur honestly."""

# A Korean verb ending in 다 at a sentence end: before ".", "!", "?" and a space or the end
# of a line. 습니다/합니다/됩니다/입니다 all end in 니다 (formal); 한다/했다/이다/있다 (plain).
_ENDING_RE = re.compile(r"([가-힣])다(?=[.!?]?[ \t]*(?:\n|$)|[.!?][ \t]+)", re.MULTILINE)
_DECORATION_RE = re.compile(r"^[\s\-*+•>]*(?:\*\*)?|(?:\*\*)?[\s.。]*$")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?。])\s+|\n+")
_LABEL_SEPARATOR_RE = re.compile(r"[ \t]*(?:\*\*)?[ \t]*[:：][ \t]*")


def sentence_endings(text: str) -> tuple[int, int]:
    """Count the sentence endings of ``text`` by style: ``(formal ~니다, plain ~다)``."""
    endings = [match.group(1) for match in _ENDING_RE.finditer(text)]
    formal = endings.count("니")
    return formal, len(endings) - formal


def _label_names(label: str) -> list[str]:
    """The ways a field's label may open its text: "4. 실험 설정 - 사용된 데이터셋" gives
    itself, "실험 설정 - 사용된 데이터셋" and "사용된 데이터셋"; longest first."""
    names = {label, re.sub(r"^[0-9]+\.\s*", "", label)}
    if " - " in label:
        names.add(label.rsplit(" - ", 1)[1])
    return sorted((name for name in names if name), key=len, reverse=True)


def strip_label(text: str, label: str) -> str:
    """``text`` without its own label at the start ("사용된 데이터셋: C4" -> "C4"), bold and a
    bullet around the label included ("- **Goal**: …"); unchanged when it has none."""
    body = text.lstrip()
    bullet = re.match(r"(?:[-*•][ \t]+)?(?:\*\*)?", body)
    rest = body[bullet.end() if bullet else 0 :]
    for name in _label_names(label):
        if rest.startswith(name):
            separator = _LABEL_SEPARATOR_RE.match(rest, len(name))
            if separator and separator.end() < len(rest):
                return rest[separator.end() :]
    return text


def _is_placeholder(text: str) -> bool:
    """Whether ``text`` is only a placeholder, or only bullets, dashes and dots."""
    if not text.strip():
        return False  # empty: the Korean-text check says so
    core = _DECORATION_RE.sub("", text.strip()).strip().lower()
    return core == "" or core in PLACEHOLDERS


def _sentences(text: str) -> list[str]:
    """The sentences of ``text`` without bullets, bold and the final period."""
    pieces = (collapse_space(_DECORATION_RE.sub("", p)) for p in _SENTENCE_SPLIT_RE.split(text))
    return [sentence for sentence in pieces if sentence]


_STYLE_EXAMPLES = {
    Style.FORMAL: '~습니다 style ("제안합니다", "달성했습니다")',
    Style.PLAIN: '~다 style ("제안한다", "달성했다")',
}


def _style_problem(style: Style | None, texts: Sequence[str]) -> str | None:
    if style is None:
        return None
    formal, plain = sentence_endings("\n".join(texts))
    total = formal + plain
    if total < STYLE_MIN_ENDINGS:
        return None
    wrong = plain if style is Style.FORMAL else formal
    if wrong * 2 <= total:
        return None
    other = Style.PLAIN if style is Style.FORMAL else Style.FORMAL
    return (
        f"the answer must be written in the {style.value} {_STYLE_EXAMPLES[style]}; "
        f"{wrong} of its {total} sentence endings are in the {other.value} "
        f"{_STYLE_EXAMPLES[other]}"
    )


def check_content(
    fields: Mapping[str, str | None],
    labels: Mapping[str, str],
    nullable: Sequence[str] = (),
    *,
    style: Style | None = None,
    overview_opening: str | None = None,
) -> tuple[dict[str, str | None], list[str]]:
    """Apply the content checks (module docstring) to one answer.

    Args:
        fields: field name -> value, in the schema's order; None is a null field, skipped.
        labels: field name -> label used in messages and looked for at a field's start.
        nullable: names of the fields that may be null (a placeholder there becomes None).
        style: the schema's sentence-ending style (None: not checked).
        overview_opening: the words the ``overview`` field must open with (None: any).

    Returns:
        ``(fields, problems)``: the fields with labels stripped and nullable placeholders
        set to None, and the problems as English sentences for the re-ask (empty = passes).
    """
    cleaned: dict[str, str | None] = {}
    problems: list[str] = []
    for name, value in fields.items():
        label = labels.get(name, name)
        if value is None:
            cleaned[name] = None
            continue
        value = strip_label(value, label)
        if _is_placeholder(value):
            if name in nullable:
                cleaned[name] = None
                continue
            problems.append(
                f'field "{label}" is only a placeholder ("{value.strip()}"); write its content '
                "from the paper in Korean, or say in one sentence what the paper does not report"
            )
        elif len(collapse_space(value)) < FIELD_FLOORS.get(name, 0):
            problems.append(
                f'field "{label}" is too short ({len(collapse_space(value))} characters, at '
                f"least {FIELD_FLOORS[name]} are needed); write what the paper says in full "
                "sentences"
            )
        cleaned[name] = value
    overview, opening = cleaned.get("overview"), overview_opening
    if opening and overview and not overview.lstrip().startswith(opening):
        shown = collapse_space(overview)[:20]
        problems.append(
            f'field "{labels.get("overview", "overview")}" must open with "{opening}" '
            f'(e.g. "{opening} …을 제안합니다"); it opens with "{shown}"'
        )
    texts = [value for value in cleaned.values() if value]
    wrong_style = _style_problem(style, texts)
    if wrong_style:
        problems.append(wrong_style)
    seen: dict[str, str] = {}
    reported: set[str] = set()
    for name, value in cleaned.items():
        for sentence in _sentences(value or ""):
            if len(sentence) < REPEAT_MIN_CHARS:
                continue
            first = seen.setdefault(sentence, name)
            if first != name and sentence not in reported:
                reported.add(sentence)
                shown = sentence if len(sentence) <= 60 else sentence[:59] + "…"
                problems.append(
                    f'the sentence "{shown}" appears in both "{labels.get(first, first)}" and '
                    f'"{labels.get(name, name)}"; say it once, in the field it belongs to, '
                    "and give the other field its own content"
                )
    return cleaned, problems
