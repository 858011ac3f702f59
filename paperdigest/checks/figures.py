"""Checks applied to every model answer beyond its JSON schema.

The schema only says that each field is a string (or null). These checks say whether the
string is usable in a Korean digest, and whether its figures come from the paper:

* :func:`check_text_field` / :func:`check_answer`: not empty, no code fence, no markdown
  heading, written in Korean (measured by :func:`hangul_share`).
* :func:`is_filler`: an optional field that only says the paper does not give it (the
  reference digests' "마스킹 방식: … 정보는 제공되지 않습니다") is dropped, not published.
* :func:`extract_figures` / :func:`unverified_figures`: every number-like figure of the answer
  must occur in the paper text; this is the guard against invented numbers ("+3% on
  CIFAR-10" that the paper never said). A figure with a unit must be matched by the same
  kind of figure: a percentage by a source percentage (or a bare cell of a table whose
  header names %, or a bare decimal such as "75.53"), a multiplier by a source multiplier
  (or a cell of a speedup table), so "Table 3" or "3 epochs" verify no "+3%".

Every problem is returned as one English sentence addressed to the model, naming the field by
its label, because the caller sends the problems back to the model in a re-ask, e.g.
``field "5. 정량적 결과" must be written in Korean; it is mostly English ...``.

Standard library (``re``, ``unicodedata``, ``decimal``, ``bisect``), and markdown-it-py to find
headings the way a CommonMark renderer does.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from markdown_it import MarkdownIt

from paperdigest.fulltext import CELL_SEPARATOR

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

# ---------------------------------------------------------------------------------------------
# Korean share
# ---------------------------------------------------------------------------------------------

_HANGUL_RANGES = (
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0x1100, 0x11FF),  # Hangul jamo
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0xA960, 0xA97F),  # Hangul jamo extended-A
    (0xD7B0, 0xD7FF),  # Hangul jamo extended-B
)


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _HANGUL_RANGES)


def _is_separator(char: str) -> bool:
    """White space, and punctuation or symbols other than ``-`` and ``.``, separate words."""
    if char.isspace():
        return True
    return unicodedata.category(char)[0] in "PS" and char not in "-."


def _letter_words(text: str) -> list[str]:
    """The words of ``text`` that contain at least one letter (Unicode category L*)."""
    words: list[str] = []
    current: list[str] = []
    for char in [*text, " "]:
        if _is_separator(char):
            if current:
                word = "".join(current)
                if any(c.isalpha() for c in word):
                    words.append(word)
                current = []
        else:
            current.append(char)
    return words


def _is_korean_word(word: str) -> bool:
    return any(_is_hangul(char) for char in word)


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
    technical terms (GRPO, Mamba-Transformer, SFT), and a single long Latin name outweighs a
    whole Korean clause in characters, so a character count would punish good Korean
    writing; counting words lets a term weigh as much as any other word.

    Args:
        text: any text.

    Returns:
        A float in 0..1: Korean words / letter-bearing words; 1.0 for a text without letters
        (empty, or only figures), which has nothing in a wrong language.
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


# ---------------------------------------------------------------------------------------------
# Text field checks
# ---------------------------------------------------------------------------------------------

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
    * a markdown heading as CommonMark reads it: ``## …`` at a line start, a line underlined
      with ``---`` or ``===``, or a ``#`` heading inside a list item or a quote;
    * not Korean: the share of Korean words below :data:`KOREAN_SHARE_MIN` (0.4, see there
      why), counted as in :func:`hangul_share` but, once the text has a Korean word,
      without the name-like Latin words (a digit or an inner capital: GPT-4o, MMLU,
      HumanEval), which Korean prose may hold in any number; a text of fewer than
      :data:`SHORT_TEXT_WORDS` (3) letter-bearing words instead needs at least one Korean
      word. A text without letters (only figures) passes this rule.

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
        line = heading
        shown = line if len(line) <= 40 else line[:39] + "…"
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
        fields: field name -> value, in the answer's (schema's) field order. ``None`` means the
            model left the field null on purpose (e.g. an optional field that does not apply);
            it is skipped, whether null is allowed is the schema's business.
        labels: field name -> label used in the messages (e.g. ``"overview"`` ->
            ``"1. 개요"``); a field without a label is named by its field name.

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
    gets the field dropped rather than published (reference digest 002's filler lines).

    Args:
        text: the field's value.

    Returns:
        True for a short text (at most :data:`FILLER_MAX_CHARS` characters, no digit, one
        or two clauses) whose every clause says "not provided / not stated / no
        information".
    """
    body = " ".join(text.split())
    if not body or len(body) > FILLER_MAX_CHARS or any(c.isdigit() for c in body):
        return False
    # Every clause must say "not given": "…를 사용하며, 세부 비율은 명시되어 있지 않습니다"
    # carries content in its first clause.
    clauses = [c for c in _CLAUSE_SPLIT_RE.split(body) if c.strip()]
    return len(clauses) <= 2 and all(_NOT_GIVEN_RE.search(c) for c in clauses)


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------

_DASHES = "-‐‑–—−~∼〜"  # hyphen, hyphens, en/em dash, minus, tilde, wave dash (ranges: 2~3배)
_SIGNS = "+±-−"

# A number: thousands-separated ("1,200", "325,800") or plain digits, with optional decimals.
# Not preceded by a digit, '_' or '.': "v1.2.3" parts and "3,4" pieces are handled elsewhere.
_NUMBER_RE = re.compile(r"(?<![0-9_.])(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?")
_DOTTED_TAIL_RE = re.compile(r"(?:\.[0-9]+)+")  # "1.2.3": a version or section number
_ARXIV_ID_RE = re.compile(r"[0-9]{4}\.[0-9]{4,5}")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/\S*")
_DIGIT_X_DIGIT_RE = re.compile(r"(?<=[0-9])[xX](?=[0-9])")  # "224x224": dimensions
_RANGE_GAP_RE = re.compile(rf"\s*(?:[{_DASHES}]|to)\s*")
_LIST_PREFIX_RE = re.compile(r"[ \t]*(?:[-*+•][ \t]+)?")
_MARKER_END_RE = re.compile(r"[.)](?:[ \t]|$)", re.MULTILINE)

_KOREAN_BIG_UNITS = {"조": Decimal(10) ** 12, "억": Decimal(10) ** 8, "만": Decimal(10) ** 4}
_KOREAN_THOUSAND_RE = re.compile(r"[ \t]?천")
_KOREAN_BIG_RE = re.compile(r"[ \t]?([조억만])(?!큼)")
_KOREAN_NEXT_NUMBER_RE = re.compile(r"[ \t]?((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)")
_KOREAN_TRAILING_RE = re.compile(
    r"[ \t]?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{2,})(?![0-9.,])(?![ \t]?(?:[%％xX×천조억만]|배|\\%))"
)

_SCIENTIFIC_RE = re.compile(r"[eE]([-+]?[0-9]+)(?![A-Za-z0-9])")
_SCALE_LETTERS = {"k": 3, "K": 3, "M": 6, "B": 9, "T": 12}
_SCALE_LETTER_RE = re.compile(r"([kKMBT])(?![A-Za-z0-9])")
_SCALE_WORDS = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
_SCALE_WORD_RE = re.compile(r"\s+(thousand|million|billion|trillion)(?![A-Za-z])", re.IGNORECASE)

# A percent sign, LaTeX-escaped or not, after an optional LaTeX space (12\,\% and 12~\%).
_PCT = r"(?:\\[,;:!]|~)?\\?[%％]"
_UNIT_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (  # percentage points first, so that "5.4%p" keeps its "p" in the spelling
        "%",
        re.compile(
            rf"[ \t]?(?:{_PCT}(?:[ \t]?p(?![A-Za-z])|[ \t]?포인트|\s+points?(?![A-Za-z]))"
            r"|pp(?![A-Za-z])|퍼센트[ \t]?포인트|percentage[ \t]+points?(?![A-Za-z]))"
        ),
    ),
    ("%", re.compile(rf"[ \t]?(?:{_PCT}|퍼센트|percent(?![A-Za-z]))")),
    (
        "x",
        re.compile(
            r"[xX](?![A-Za-z0-9])(?![ \t]?[0-9])|[ \t]?×(?![ \t]?[0-9])"
            # "\times" before a digit is a product ("1024\times1024"), as "×" is.
            r"|[ \t]?\\?times(?![A-Za-z])(?![ \t]?[0-9])|[ \t]?배"
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class _Figure:
    """One figure found in a text."""

    spelling: str  # as written, white space collapsed: "+3%", "56.0\\%", "32만 5,800"
    value: Decimal  # absolute value, units applied: 325800, 56, 7000000000
    kind: str  # "" (plain number), "%" (percent or percentage points) or "x" (multiplier)
    plain_integer: bool  # written as bare digits: no decimals, no unit, no scale
    start: int  # offset in the scanned text where the figure starts (its sign included)
    end: int  # offset just after the figure, its unit included


def _mask(text: str) -> str:
    """Blank out what holds digits but no figures (URLs); mark "224x224" dimensions.

    Every replacement keeps the length, so offsets into the result are offsets into ``text``.
    """
    text = _URL_RE.sub(lambda m: " " * len(m.group()), text)
    return _DIGIT_X_DIGIT_RE.sub("×", text)


def _parse_number(digits: str) -> Decimal:
    return Decimal(digits.replace(",", ""))


def _korean_group(work: str, number: Decimal, pos: int) -> tuple[Decimal, Decimal | None, int]:
    """Apply the units after one number of a Korean chain: "5" -> 5, "3천" -> 3000, "2천만".

    Returns the group's value, its place (the unit it ends in: 1000, 10^4, 10^8, 10^12, or
    None without a unit) and the end of the group.
    """
    place: Decimal | None = None
    thousand = _KOREAN_THOUSAND_RE.match(work, pos)
    if thousand:
        number *= 1000
        place = Decimal(1000)
        pos = thousand.end()
    big = _KOREAN_BIG_RE.match(work, pos)
    if big:
        place = _KOREAN_BIG_UNITS[big.group(1)]
        number *= place
        pos = big.end()
    return number, place, pos


def _korean_tail(work: str, pos: int, first: Decimal) -> tuple[Decimal, int] | None:
    """Read Korean units after a number: "32만 5,800", "1.2억", "3천", "1만 5천", "2천만".

    Groups join while their places descend ("1억 2천만"); a last group without a unit joins
    when it is an integer of two or more digits below the last place ("32만 5,800"; in
    "10만 3가지" the 3 is a count of its own). "5만 10만" is two figures.

    Returns the total value and the end of the figure, or None if no 천/만/억/조 follows.
    """
    total = Decimal(0)
    last_place: Decimal | None = None
    end = pos
    group, group_end = first, pos
    while True:
        value, place, after = _korean_group(work, group, group_end)
        if place is None or (last_place is not None and place >= last_place):
            break
        total += value
        last_place = place
        end = after
        following = _KOREAN_NEXT_NUMBER_RE.match(work, end)
        if following is None:
            break
        group, group_end = _parse_number(following.group(1)), following.end()
    if last_place is None:
        return None
    trailing = _KOREAN_TRAILING_RE.match(work, end)
    if trailing and last_place > 1000 and _parse_number(trailing.group(1)) < last_place:
        total += _parse_number(trailing.group(1))
        end = trailing.end()
    return total, end


def _is_list_marker(work: str, start: int, end: int, digits: str) -> bool:
    """Whether the number is an enumeration marker: "1." / "2)" opening a line, or "(1)"."""
    if not digits.isdigit() or len(digits) > 2:
        return False
    if start > 0 and work[start - 1] == "(" and work.startswith(")", end):
        return True
    line_start = work.rfind("\n", 0, start) + 1
    prefix = _LIST_PREFIX_RE.fullmatch(work, line_start, start)
    return prefix is not None and _MARKER_END_RE.match(work, end) is not None


def _left_context(work: str, start: int, previous: _Figure | None, previous_end: int) -> str:
    """Classify what stands left of the number at ``start``.

    Returns ``"name"`` (glued to a Latin letter, or to a hyphen glued to a letter or to a
    digit that is not a figure: part of an identifier), ``"range"`` (second number of a range
    whose first number ended right before: "63–95%", "8-32times", "63% to 95%"), ``"sign"``
    (a ``+``/``-``/``±`` that belongs to the figure) or ``"plain"``.
    """
    if start == 0:
        return "plain"
    before = work[start - 1]
    if before.isalpha() and not _is_hangul(before):
        return "name"
    if previous is not None and _RANGE_GAP_RE.fullmatch(work, previous_end, start):
        return "range"
    if before in _DASHES:
        glued_to = work[start - 2] if start >= 2 else " "
        if glued_to.isascii() and (glued_to.isalnum() or glued_to in "_."):
            return "name"  # "GPT-4o", "GUI-360", "Qwen2-7B", "LLaMA3.1-8B"
        return "sign" if before in _SIGNS else "plain"
    if before in _SIGNS:
        return "sign"
    return "plain"


def _scan(text: str, *, markers: bool = True) -> list[_Figure]:
    """Find every figure of ``text``, in order (see :func:`extract_figures` for the rules).

    ``markers=False`` keeps enumeration markers ("1.", "(2)") as figures.
    """
    work = _mask(text)
    figures: list[_Figure] = []
    previous_end = -1
    pos = 0
    while (match := _NUMBER_RE.search(work, pos)) is not None:
        start, end = match.span()
        digits = match.group()
        pos = end
        dotted = _DOTTED_TAIL_RE.match(work, end)
        if dotted:  # "1.2.3": a version or section number, not a quantity
            pos = dotted.end()
            continue
        if _ARXIV_ID_RE.fullmatch(digits):
            continue
        previous = figures[-1] if figures else None
        context = _left_context(work, start, previous, previous_end)
        if context == "name":
            continue
        if markers and _is_list_marker(work, start, end, digits):
            continue
        value = _parse_number(digits)
        plain_integer = "." not in digits
        korean = _korean_tail(work, end, value)
        if korean is not None:
            value, end = korean
            plain_integer = False
        elif scientific := _SCIENTIFIC_RE.match(work, end):
            value = value.scaleb(int(scientific.group(1)))
            end = scientific.end()
            plain_integer = False
        elif scale := _SCALE_LETTER_RE.match(work, end):
            value = value.scaleb(_SCALE_LETTERS[scale.group(1)])
            end = scale.end()
            plain_integer = False
        elif scale := _SCALE_WORD_RE.match(work, end):
            value = value.scaleb(_SCALE_WORDS[scale.group(1).lower()])
            end = scale.end()
            plain_integer = False
        kind = ""
        for unit_kind, unit_re in _UNIT_RES:
            unit = unit_re.match(work, end)
            if unit:
                kind = unit_kind
                end = unit.end()
                break
        if context == "sign":
            start -= 1
        if context == "range" and previous is not None and kind and not previous.kind:
            figures[-1] = replace(previous, kind=kind, plain_integer=False)  # "63–95%"
        figures.append(
            _Figure(
                spelling=" ".join(text[start:end].split()),
                value=value,
                kind=kind,
                plain_integer=plain_integer and not kind,
                start=start,
                end=end,
            )
        )
        previous_end = end
        pos = end
    return figures


def _format_value(value: Decimal) -> str:
    """The canonical spelling of a value: no exponent, no trailing zeros ("56", "1200000")."""
    return format(value.normalize(), "f")


def extract_figures(text: str) -> list[str]:
    """Every number-like figure of ``text``, normalized to its numeric value.

    What is a figure: a number written with ASCII digits, as an integer, a decimal, with
    thousands separators (``1,200``), optionally followed by a unit that is read and dropped:
    ``%`` (also LaTeX ``\\%``, ``56 %``, ``퍼센트``), percentage points (``%p``, ``pp``,
    ``% points``), a multiplier (``3.5x``, ``3.5×``, ``3.5배``, ``8-32times``). Scales are
    applied, so that every spelling of a quantity compares equal: Korean 만 (10^4), 억 (10^8),
    조 (10^12) and 천 (10^3) as in ``32만 5,800`` or ``1.2억``; glued ``k``/``K``/``M``/``B``/``T``
    (``25K``, ``1.2M``, ``7B`` -> 7000000000, which equals ``70억`` and ``7 billion``);
    ``thousand``/``million``/``billion``/``trillion``; ``5e-4``. Years (``2025``) are figures.
    A range gives both ends (``63% to 95%``, ``63–95%``, ``2~3배``). Letters right after a
    number are a unit and do not stop it being a figure (``80GB`` -> 80, ``3D`` -> 3). The sign
    is not part of the value (``+3%`` and ``-3%`` are both 3): the wording says the direction.

    What is not a figure, because it cannot be invented as a quantity:

    * a number glued on its left to a Latin letter, or to a hyphen that is glued to a letter
      or to a digit that is not itself a figure: it is part of a name (``GPT-4o``,
      ``Qwen2.5-VL-7B``, ``V2``, ``H100``, ``GUI-360``, ``Sora-2``, ``gpt-4o-mini``,
      ``LLaMA3.1-8B``, ``GSM8K``);
    * an arXiv id (``2511.04460``, ``2511.04460v2``) and dotted version or section numbers
      with two or more dots (``1.2.3``);
    * digits inside URLs;
    * enumeration markers: ``1.``/``2)`` of one or two digits opening a line (after an
      optional bullet), and ``(1)``.

    Args:
        text: an answer or a source text (hard wraps and LaTeX escapes are fine).

    Returns:
        The normalized values as strings (``"56"`` for ``56.0\\%``, ``"325800"`` for
        ``32만 5,800``, ``"1200"`` for ``1,200``, ``"3.5"`` for ``3.5x``), in order of first
        appearance, without duplicates.
    """
    seen: dict[str, None] = {}
    for figure in _scan(text):
        seen.setdefault(_format_value(figure.value), None)
    return list(seen)


_ANY_NUMBER_RE = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?([kKMBT])?")

# A "row" with a longer cell is prose that happens to hold " | " (TeX "p(y | x)").
_CELL_MAX_CHARS = 80
# What a table's caption or header says its bare cells are: percentages ("Acc. (%)"),
# multipliers ("Speedup", "1.87x", "×").
_PERCENT_HINT_RE = re.compile(r"[%％]|percent|퍼센트", re.IGNORECASE)
_MULTIPLIER_HINT_RE = re.compile(
    r"(?<=[0-9])[xX](?![A-Za-z0-9])|×(?![ \t]?[0-9])|\\times(?![A-Za-z])(?![ \t]?[0-9])"
    r"|speed-?ups?|(?<![A-Za-z])fold|배",
    re.IGNORECASE,
)
# A number written as digits only: no unit, scale or exponent.
_BARE_SPELLING_RE = re.compile(r"[+±\-−]?[0-9][0-9,]*(?:\.[0-9]+)?")
# A unit other than % and x right after a number, so the number is no percentage: letters
# glued to it ("21.7s", "0.5fps", "5-shot") or a measurement word after a space ("21.7
# seconds", "3.2 GB"). Other words after a space are not units: "75.53 on MMMU".
_OTHER_UNIT_RE = re.compile(
    r"[-/]?[A-Za-zµμ°]"
    r"|[ \t]+(?:ms|s|secs?|seconds?|min|minutes?|h|hrs?|hours?|days?|[kKMGT]i?B|bytes?"
    r"|[kMG]?Hz|fps|tok|tokens?|frames?|px|pixels?|[mck]?m|kg|g|W|°C?)(?![A-Za-z])"
)
# Spelled-out numbers from two (index 0) to ten.
_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# Multipliers written in words: "3-fold", "3.5 fold", "by a factor of 3", "a speedup of 3".
_FOLD_RE = re.compile(r"[ \t-]?fold(?![A-Za-z])")
_FACTOR_OF_RE = re.compile(r"(?:factor|speed-?up)[ \t]+of[ \t]+\Z", re.IGNORECASE)
# ... and without digits: "doubling the parallelism" is a faithful "2배". Verb forms only:
# "double precision" and "knowledge triples" are no multipliers.
_WORD_MULTIPLIERS = {
    "twice": 2,
    "doubled": 2,
    "doubles": 2,
    "doubling": 2,
    "tripled": 3,
    "tripling": 3,
    "quadrupled": 4,
    "quadruples": 4,
    "quadrupling": 4,
    **{
        f"{word}{joint}fold": value
        for value, word in enumerate(_NUMBER_WORDS, start=2)
        for joint in ("-", "", " ")
    },
}
_WORD_MULTIPLIER_RE = re.compile(
    r"(?<![A-Za-z])(" + "|".join(_WORD_MULTIPLIERS) + r")(?![A-Za-z])", re.IGNORECASE
)
# Phrases a multiplier only in context: "three times faster" (not "repeated three times"),
# "to (almost) triple" / "to double" as verbs (not "knowledge triple", "double precision").
_CONTEXT_MULTIPLIER_RE = re.compile(
    r"(?<![A-Za-z])(?:(?P<times>" + "|".join(_NUMBER_WORDS) + r")[ \t]+times[ \t]+"
    r"(?=(?:faster|slower|more|less|fewer|larger|smaller|higher|lower|greater|as|the)"
    r"(?![A-Za-z]))"
    r"|to[ \t]+(?:(?:almost|nearly|roughly|about|more[ \t]+than)[ \t]+)?"
    r"(?P<verb>double|triple|quadruple)(?![A-Za-z]))",
    re.IGNORECASE,
)
_VERB_VALUES = {"double": 2, "triple": 3, "quadruple": 4}


def _context_multipliers(text: str) -> set[Decimal]:
    """Values of the multipliers :data:`_CONTEXT_MULTIPLIER_RE` finds in ``text``."""
    values: set[Decimal] = set()
    for match in _CONTEXT_MULTIPLIER_RE.finditer(text):
        if match.group("times"):
            values.add(Decimal(_NUMBER_WORDS.index(match.group("times").lower()) + 2))
        else:
            values.add(Decimal(_VERB_VALUES[match.group("verb").lower()]))
    return values


@dataclass(frozen=True, slots=True)
class _TableCells:
    """Data cells of the tables of a text, as sorted ``(start, end)`` offsets."""

    percent: list[tuple[int, int]]  # of tables whose caption or cells name a percentage
    multiplier: list[tuple[int, int]]  # of tables that name a multiplier or a speedup


def _table_cells(text: str) -> _TableCells:
    """Find the data cells of the tables in ``text`` (see :func:`unverified_figures`).

    A block is a run of non-blank lines (:func:`paperdigest.fulltext.select_text` separates
    blocks by blank lines; a table is one block: caption, then one line per row). A row is
    a line of cells joined by ``" | "``, each at most :data:`_CELL_MAX_CHARS` long; a block
    with two or more rows is a table (one such line alone is prose with a TeX ``|``). Its
    data cells are the cells of its rows except the first, the row's label (model name,
    setting, frame count). The whole block (caption, header, group titles, cells) says
    whether its cells are percentages or multipliers.
    """
    percent: list[tuple[int, int]] = []
    multiplier: list[tuple[int, int]] = []
    block_start = 0
    rows: list[list[tuple[int, int]]] = []
    offset = 0

    def close_block(end: int) -> None:
        if len(rows) >= 2:
            block = text[block_start:end]
            cells = [cell for row in rows for cell in row[1:]]
            if _PERCENT_HINT_RE.search(block):
                percent.extend(cells)
            if _MULTIPLIER_HINT_RE.search(block):
                multiplier.extend(cells)
        rows.clear()

    for line in text.split("\n"):
        if not line.strip():
            close_block(offset)
            block_start = offset + len(line) + 1
        else:
            parts = line.split(CELL_SEPARATOR)
            if len(parts) > 1 and all(len(part) <= _CELL_MAX_CHARS for part in parts):
                row: list[tuple[int, int]] = []
                start = offset
                for part in parts:
                    row.append((start, start + len(part)))
                    start += len(part) + len(CELL_SEPARATOR)
                rows.append(row)
        offset += len(line) + 1
    close_block(len(text))
    return _TableCells(percent=percent, multiplier=multiplier)


def _in_cells(figure: _Figure, cells: list[tuple[int, int]]) -> bool:
    """Whether ``figure`` lies inside one of ``cells`` (sorted, non-overlapping spans)."""
    index = bisect.bisect_right(cells, figure.start, key=lambda cell: cell[0]) - 1
    return index >= 0 and cells[index][0] <= figure.start and figure.end <= cells[index][1]


def _is_bare(figure: _Figure, work: str) -> bool:
    """Whether ``figure`` is a number in digits only with no unit of its own after it."""
    return (
        not figure.kind
        and _BARE_SPELLING_RE.fullmatch(figure.spelling) is not None
        and _OTHER_UNIT_RE.match(work, figure.end) is None
    )


def _says_fold(figure: _Figure, work: str) -> bool:
    """Whether a unit-less figure is a multiplier in words: "3-fold", "a factor of 3",
    "a speedup of 3"."""
    if figure.kind:
        return False
    if _FOLD_RE.match(work, figure.end):
        return True
    return _FACTOR_OF_RE.search(work, max(figure.start - 20, 0), figure.start) is not None


@dataclass(frozen=True, slots=True)
class _SourceValues:
    """The values of a source text's figures, grouped by the answer figures they verify."""

    every: frozenset[Decimal]  # every figure, any kind: verifies unit-less answer numbers
    percent: frozenset[Decimal]  # "56%", "56.0\\%", "5.42% points", bare cells of % tables
    multiplier: frozenset[Decimal]  # "3.5x", "4.3\\times", "3-fold", cells of speedup tables
    decimals: frozenset[Decimal]  # bare fractional numbers: "75.53", "0.56"; not "16.0", "21.7s"


def _source_values(source_text: str) -> _SourceValues:
    """Read the figures of a source text once, for :func:`unverified_figures`."""
    work = _mask(source_text)
    figures = _scan(source_text, markers=False)
    tables = _table_cells(source_text)
    bare = [figure for figure in figures if _is_bare(figure, work)]
    percent = {figure.value for figure in figures if figure.kind == "%"}
    percent.update(figure.value for figure in bare if _in_cells(figure, tables.percent))
    multiplier = {
        figure.value for figure in figures if figure.kind == "x" or _says_fold(figure, work)
    }
    multiplier.update(figure.value for figure in bare if _in_cells(figure, tables.multiplier))
    multiplier.update(
        Decimal(_WORD_MULTIPLIERS[match.group(1).lower()])
        for match in _WORD_MULTIPLIER_RE.finditer(source_text)
    )
    multiplier.update(_context_multipliers(source_text))
    return _SourceValues(
        every=frozenset(figure.value for figure in figures),
        percent=frozenset(percent),
        multiplier=frozenset(multiplier),
        decimals=frozenset(figure.value for figure in bare if figure.value % 1),
    )


def unverified_figures(answer_text: str, source_text: str) -> list[str]:
    """Figures of the answer that the source does not contain: the invented-number guard.

    Both texts are read with the rules of :func:`extract_figures`. A unit makes a claim, so
    an answer figure with a unit must be matched by a source figure of the same kind; equal
    values of another kind do not count (``Table 3`` or ``3 epochs`` do not verify ``+3%``,
    ``56.0\\%`` does not verify ``56배``):

    * a percentage (``%``, ``\\%``, ``%p``, ``퍼센트``, ``percentage points``) is verified by
      a source percentage of the same value (``92%`` by ``92\\%``, ``5.42%p`` by ``5.42%
      points``, ``63%`` by ``63–95%``); by a bare number in a data cell of a source table
      that names a percentage (a table keeps the unit in its caption or header, "Acc. (%)",
      and writes bare numbers in its cells); by a bare decimal with a fractional part
      anywhere in the source (``75.53`` in "scores 75.53 on MMMU": papers often drop the
      sign); or by such a decimal of value /100 (answer ``56%``, source ``0.56``: the same
      quantity in another notation). Whole numbers outside such tables do not count, even
      written ``16.0``: "Table 3", "3 epochs", "16 concurrent requests" hold round numbers
      that would verify almost any invented round percentage, while ``37.5`` is specific
      enough. A number followed by another unit (``21.7s``, ``0.5fps``, ``3.2 GB``, ``21.7
      seconds``, ``5-shot``) is not bare;
    * a multiplier (``3.5x``, ``3.5×``, ``3.5배``, ``\\times``, ``8-32times``) is verified
      by a source multiplier of the same value (also ``3.5-fold``, ``a factor of 3.5``,
      ``a speedup of 3.5``, ``2.5 ×``, and in words "twice", "doubled"/"doubling",
      "tripled", "quadrupled", "two-fold" to "ten-fold"; "two times" to "ten times" only
      before a comparative ("three times faster", not "repeated three times"); "double",
      "triple" only as verbs ("to almost triple", not "double precision" or "knowledge
      triple")) or by a bare number in a data cell of a source table that names
      a multiplier or a speedup ("Speedup", "×", cells such as ``1.87x``);
    * a unit-less number keeps looser rules: any source figure of the same value, whatever
      its unit; a source percentage of value x100 (answer ``0.56``, source ``56%``); or a
      number anywhere in the source, even inside a name (source ``Gemini2.5-Pro``, answer
      ``Gemini 2.5 Pro``: the model re-spaced a name). Integers 0..10 written as bare
      digits are exempt: counts like "3가지 방법", "2단계" usually come from words ("three
      stages", "two-stage") that hold no digits, so checking them would reject faithful
      answers. ``3%``, ``3배`` and ``3.0`` are not exempt.

    Tables are recognised as :func:`paperdigest.fulltext.extract_html` writes them: a block
    of lines (between blank lines) with two or more rows of cells joined by ``" | "`` (each
    cell at most 80 characters). Data cells are all cells of a row but its first, the row's
    label (a model name, a setting, a frame count). A table "names a percentage" when its
    block holds ``%``, ``percent`` or ``퍼센트``, and "names a multiplier" when it holds a
    multiplier figure, ``×``/``\\times`` (not between two numbers), "speedup", "fold" or
    ``배``; a column of counts ("Frames") in a table naming neither verifies nothing.
    Enumeration markers of the source count as figures here (a hard-wrapped abstract can
    open a line with "30. ").

    Args:
        answer_text: the model's text (one field, or all fields joined).
        source_text: the paper text the answer was written from (abstract, full text,
            tables as :mod:`paperdigest.fulltext` writes them).

    Returns:
        The answer's unverified figures as originally spelled (``"+3%"``, ``"30.5%"``), white
        space collapsed, in order, without duplicates; empty if every figure is verified.
    """
    source = _source_values(source_text)
    loose = set(source.every)
    for match in _ANY_NUMBER_RE.finditer(_mask(source_text)):
        number = _parse_number(match.group().rstrip("kKMBT"))
        loose.add(number)
        if match.group(1):
            loose.add(number.scaleb(_SCALE_LETTERS[match.group(1)]))

    unverified: dict[str, None] = {}
    for figure in _scan(answer_text):
        value = figure.value
        if figure.kind == "%":
            verified = (
                value in source.percent
                or value in source.decimals
                or value / 100 in source.decimals
            )
        elif figure.kind == "x":
            verified = value in source.multiplier
        else:
            verified = (
                (figure.plain_integer and value <= 10)
                or value in source.every
                or value * 100 in source.percent
                or value in loose
            )
        if not verified:
            unverified.setdefault(figure.spelling, None)
    return list(unverified)
