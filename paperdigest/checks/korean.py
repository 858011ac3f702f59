"""Korean-text checks applied to every text field of a model answer: :func:`check_answer`
(is each field usable: not empty, no code fence or heading, written in Korean) and
:func:`is_filler` (does an optional field only say that the paper does not give it).

Every problem is one English sentence addressed to the model, naming the field by its label,
because the caller sends it back to the model in a re-ask, e.g. ``field "5. 정량적 결과" must
be written in Korean; it is mostly English ...``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from markdown_it import MarkdownIt

from paperdigest.text import collapse_space

__all__ = [
    "KOREAN_SHARE_MIN",
    "SHORT_TEXT_WORDS",
    "check_answer",
    "check_text_field",
    "hangul_share",
    "is_filler",
    "is_hangul",
]


KOREAN_SHARE_MIN = 0.4
"""Least :func:`hangul_share` of a field. Korean technical prose keeps many terms in Latin
letters (model, benchmark and method names), but Korean attaches its particles to them
("GRPO를", "MMLU에서"), so those words count as Korean; a Korean sentence dense with terms
typically scores 0.6-0.8, while an English answer with a few Korean words sprinkled in stays
below 0.2. 0.4 leaves room for a term-heavy field (a list of baselines) without letting
an English answer through."""

SHORT_TEXT_WORDS = 3
"""A text with fewer letter-bearing words than this is judged by "has at least one Korean
word" instead of the share, which is meaningless on one or two words."""

_HANGUL_RANGES = (
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0x1100, 0x11FF),  # Hangul jamo
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0xA960, 0xA97F),  # Hangul jamo extended-A
    (0xD7B0, 0xD7FF),  # Hangul jamo extended-B
)


def is_hangul(char: str) -> bool:
    """Whether ``char`` is a Hangul syllable or jamo."""
    code = ord(char)
    return any(low <= code <= high for low, high in _HANGUL_RANGES)


def _is_separator(char: str) -> bool:
    """White space, and punctuation or symbols other than ``-`` and ``.``, separate words."""
    if char.isspace():
        return True
    return unicodedata.category(char)[0] in "PS" and char not in "-."


def _letter_words(text: str) -> list[str]:
    """The words of ``text`` that contain at least one letter (Unicode category L*)."""
    spaced = "".join(" " if _is_separator(char) else char for char in text)
    return [word for word in spaced.split() if any(char.isalpha() for char in word)]


def _is_korean_word(word: str) -> bool:
    return any(is_hangul(char) for char in word)


def _is_name_like(word: str) -> bool:
    """A Latin-script word shaped like a model, dataset or method name rather than an
    English word: a digit in it (GSM8K, GPT-4o, Qwen2.5-VL-7B) or a capital letter after
    its first character (MMLU, HumanEval, LLaVA-OneVision)."""
    if _is_korean_word(word):
        return False
    return any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])


def hangul_share(text: str) -> float:
    """Share of Korean words among the words of ``text`` that contain letters.

    A word is a run of characters between white space, punctuation and symbols, except that
    ``-`` and ``.`` do not split words (``Mamba-Transformer``, ``Qwen2.5-VL-7B`` are one word
    each). Words without any letter (``92``, ``75.53``) are not counted. A word counts as
    Korean if it contains a Hangul syllable or jamo, so ``GRPO를`` is Korean and ``GRPO`` is
    not.

    Words are counted, not characters, on purpose: Korean technical writing keeps Latin
    terms (GRPO, Mamba-Transformer, SFT), and one long Latin name outweighs a whole Korean
    clause in characters; counting words lets a term weigh as much as any other word.

    Returns:
        A float in 0..1: Korean words / letter-bearing words; 1.0 for a text without letters
        (empty, or only numbers), which has nothing in a wrong language.
    """
    words = _letter_words(text)
    if not words:
        return 1.0
    return sum(1 for word in words if _is_korean_word(word)) / len(words)


def _dominant_language(words: list[str]) -> str:
    """Name the script most non-Korean words are written in, for the message to the model."""
    counts = {"English": 0, "Chinese": 0, "Japanese": 0}
    for word in words:
        if _is_korean_word(word):
            continue
        first = next((c for c in word if c.isalpha()), "")
        name = unicodedata.name(first, "")
        if name.startswith("LATIN"):
            counts["English"] += 1
        elif name.startswith("CJK"):
            counts["Chinese"] += 1
        elif name.startswith(("HIRAGANA", "KATAKANA")):
            counts["Japanese"] += 1
    language, count = max(counts.items(), key=lambda item: item[1])
    return language if count else "not Korean"


_CODE_FENCE_RE = re.compile(r"```|~~~")
# CommonMark, as the blog engines read the digest: a heading is "#" at a line start, but also
# "text" underlined with --- or ===, or "#" inside a list item or a quote.
_MARKDOWN = MarkdownIt("commonmark")


def _first_heading(text: str) -> str | None:
    """The first line that CommonMark renders as a heading, or None."""
    tokens = _MARKDOWN.parse(text)
    for token in tokens:
        if token.type == "heading_open" and token.map is not None:
            start, end = token.map
            lines = [ln.strip() for ln in text.splitlines()[start:end] if ln.strip()]
            return " / ".join(lines) if lines else token.markup
    return None


def check_text_field(label: str, text: str) -> list[str]:
    """Check one text field of a model answer; return its problems (empty list = OK).

    Rules, each giving at most one problem:

    * empty or white space only: ``field "<label>" must not be empty`` (and nothing else is
      checked);
    * a code fence (```` ``` ```` or ``~~~``) anywhere;
    * a markdown heading as CommonMark (markdown-it-py) reads it: ``## …`` at a line start, a
      line underlined with ``---`` or ``===``, or a ``#`` heading in a list item or a quote;
    * not Korean: the share of Korean words below :data:`KOREAN_SHARE_MIN`, counted as in
      :func:`hangul_share` but, once the text has a Korean word, without the name-like Latin
      words (a digit or an inner capital: GPT-4o, MMLU, HumanEval), which Korean prose may
      hold in any number; a text of fewer than :data:`SHORT_TEXT_WORDS` letter-bearing words
      needs one Korean word instead. A text without letters (only numbers) passes.

    Bullets (``- ``), bold (``**…**``) and numbered lists are allowed.

    Args:
        label: the field's label as shown to the model, e.g. ``"5. 정량적 결과"``.
        text: the field's value.

    Returns:
        Problems as English sentences addressed to the model, each naming ``label``.
    """
    name = f'field "{label}"'
    if not text.strip():
        return [f"{name} must not be empty; write its content in Korean"]
    problems: list[str] = []
    if _CODE_FENCE_RE.search(text):
        problems.append(
            f"{name} must not contain a code fence (``` or ~~~); write plain text, "
            'with "- " bullets if needed'
        )
    heading = _first_heading(text)
    if heading:
        shown = heading if len(heading) <= 40 else heading[:39] + "…"
        problems.append(
            f'{name} must not contain a markdown heading (the line "{shown}"); write plain '
            'sentences, "- " bullets or **bold** instead'
        )
    words = _letter_words(text)
    korean = sum(1 for word in words if _is_korean_word(word))
    if korean and len(words) >= SHORT_TEXT_WORDS:
        # Names (GPT-4o, MMLU, HumanEval) are allowed in any number: a list of baselines
        # must not fail for being dense with them. English prose still counts in full.
        words = [word for word in words if not _is_name_like(word)]
    if words and len(words) < SHORT_TEXT_WORDS:
        if korean == 0:
            problems.append(
                f"{name} must be written in Korean; it has no Korean word. Keep technical "
                "terms in Latin letters, but write the text around them in Korean"
            )
    elif words and korean / len(words) < KOREAN_SHARE_MIN:
        problems.append(
            f"{name} must be written in Korean; it is mostly {_dominant_language(words)} "
            f"(Korean words: {korean} of {len(words)}; at least {KOREAN_SHARE_MIN:.0%} "
            "are needed). Keep technical terms such as model and "
            "benchmark names in Latin letters, but write the sentences in Korean"
        )
    return problems


def check_answer(fields: Mapping[str, str | None], labels: Mapping[str, str]) -> list[str]:
    """Check every text field of one model answer with :func:`check_text_field`.

    Args:
        fields: field name -> value, in the schema's field order; ``None`` (a null field,
            whose permission is the schema's business) is skipped.
        labels: field name -> label used in the messages (``"overview"`` -> ``"1. 개요"``);
            a field without a label is named by its field name.

    Returns:
        All problems of all fields, in field order (empty list = the answer passes).
    """
    problems: list[str] = []
    for field, value in fields.items():
        if value is None:
            continue
        problems.extend(check_text_field(labels.get(field, field), value))
    return problems


# "The paper does not give it": not provided / stated / mentioned / described, no information,
# cannot be found, not reported or covered, and "masking is not used". Other "…하지 않" verbs
# describe the method and stay: "손실 계산에 포함하지 않습니다" is loss masking.
_NOT_GIVEN_RE = re.compile(
    r"(제공|명시|언급|기술|설명|기재|공개|제시|보고)(되어\s*있지|되지|돼\s*있지|하지)(는|도)?\s*않|"
    r"다루지(는|도)?\s*않|"
    r"(정보|내용|설명|언급)(는|은|이|가|도)?\s*(전혀\s*)?없|해당\s*(사항)?\s*없|"
    r"(알|확인할)\s*수\s*없|"
    # "masking is not used": nothing to report in a masking field.
    r"마스킹(을|은|는)?\s*((전혀|별도로|따로)\s*)?(사용|적용)(하|되)지\s*않"
)
# Clause ends: punctuation, or a connective ending (…하며 / …하고 / …지만 / …으나) and a space.
_CLAUSE_SPLIT_RE = re.compile(r"[.!?。,;]\s*|(?<=며|고|만|나)\s+")
# Longest text still taken for a "not given" note (characters); longer ones carry content.
FILLER_MAX_CHARS = 120


def is_filler(text: str) -> bool:
    """Whether ``text`` only says that the paper does not give the information.

    Used on optional (nullable) fields such as ``masking``: the prompt asks for null there,
    and a model that writes "구체적인 마스킹 방식에 대한 정보는 제공되지 않습니다." instead
    (as the 7-section reference digest printed) gets the field dropped, not published.

    Args:
        text: the field's value.

    Returns:
        True for a short text (at most :data:`FILLER_MAX_CHARS` characters, no digit, one
        or two clauses) whose every clause says "not provided / not stated / no
        information".
    """
    body = collapse_space(text)
    if not body or len(body) > FILLER_MAX_CHARS or any(c.isdigit() for c in body):
        return False
    # Every clause must say "not given": "…를 사용하며, 세부 비율은 명시되어 있지 않습니다"
    # carries content in its first clause.
    clauses = [c for c in _CLAUSE_SPLIT_RE.split(body) if c.strip()]
    return len(clauses) <= 2 and all(_NOT_GIVEN_RE.search(c) for c in clauses)
