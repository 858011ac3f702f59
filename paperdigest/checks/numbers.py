"""Reading quantities from a text: numbers with their units and scales, English and Korean
notations alike (:func:`extract_quantities`, :func:`scan`). The vocabulary below is the one
copy that :mod:`.words` and :mod:`.quantities` use too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from paperdigest.checks.korean import is_hangul
from paperdigest.text import collapse_space

__all__ = [
    "KOREAN_POWERS",
    "MEASURE_UNIT_RE",
    "NUMBER",
    "PERCENT",
    "SCALE_WORDS",
    "TIMES_SIGN",
    "Quantity",
    "extract_quantities",
    "format_value",
    "mask",
    "name_before",
    "scan",
]

# --- The vocabulary: one copy of each spelling ---------------------------------------------

# A number: thousands-separated ("1,200", "325,800") or plain digits, optional decimals.
NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?"
# A percent sign (LaTeX-escaped or not, after an optional LaTeX space: 12\,\%, 12~\%) or word.
PERCENT = r"(?:\\[,;:!]|~)?\\?[%％]|퍼센트|(?i:percent|per[ \t]+cent)(?![A-Za-z])"
# The multiplication sign; before a digit it is a product ("1024\times1024"), not a multiplier.
TIMES_SIGN = r"(?:×|\\times(?![A-Za-z]))"
# Korean counters: after a number they make it a claimed count ("4개 벤치마크", "3단계").
COUNTERS = "개|편|가지|단계|명|건"
_COUNTER_RE = re.compile(rf"[ \t]?(?:{COUNTERS})")
# Measuring-unit words written after a number and a space ("21.7 seconds", "3.2 GB"): time,
# memory, frequency, frame rate, tokens, pixels, length, mass, power, temperature.
_UNIT_WORDS = (
    r"ms|s|secs?|seconds?|min|minutes?|h|hrs?|hours?|days?|[kKMGT]i?B|bytes?"
    r"|[kMG]?Hz|fps|tok|tokens?|frames?|px|pixels?|[mck]?m|kg|g|W|°C?"
)
# A unit right after a number: letters glued to it ("21.7s", "80GB", "5-shot"; a lone scale
# letter is a scale, read apart), a Korean counter or unit ("35점", not "500 점수": a score
# of MATH 500), a percentage, or a unit word after a space. It makes a number after a name a
# claim ("MATH 500개", "GPU 80GB"), and a source number no bare one ("3.2 GB" is no 3.2%).
MEASURE_UNIT_RE = re.compile(
    r"[-/]?(?![kKMBT](?![A-Za-z0-9]))[A-Za-zµμ°]"
    rf"|[ \t]?(?:{COUNTERS}|배|층|시간|개월|토큰|점(?!수)|위(?![한해치])|{PERCENT})"
    rf"|[ \t]+(?:{_UNIT_WORDS})(?![A-Za-z])"
)
# Scales as powers of ten: letters glued to a number ("7B"), English words, Korean places.
SCALE_LETTERS = {"k": 3, "K": 3, "M": 6, "B": 9, "T": 12}
SCALE_WORDS = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
KOREAN_POWERS = {"백": 2, "천": 3, "만": 4, "억": 8, "조": 12}

# --- Reading rules -------------------------------------------------------------------------

_DASHES = "-‐‑–—−~∼〜"  # hyphen, hyphens, en/em dash, minus, tilde, wave dash (ranges: 2~3배)
_SIGNS = "+±-−"
# Not after a digit, '_' or '.': "v1.2.3" parts and "3,4" pieces are handled elsewhere.
_NUMBER_RE = re.compile(rf"(?<![0-9_.]){NUMBER}")
_DOTTED_TAIL_RE = re.compile(r"(?:\.[0-9]+)+")  # "1.2.3": a version or section number
_ARXIV_ID_RE = re.compile(r"[0-9]{4}\.[0-9]{4,5}")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/\S*")
_DIGIT_X_DIGIT_RE = re.compile(r"(?<=[0-9])[xX](?=[0-9])")  # "224x224": dimensions
_RANGE_GAP_RE = re.compile(rf"\s*(?:[{_DASHES}]|to)\s*")
_LIST_PREFIX_RE = re.compile(r"[ \t]*(?:[-*+•][ \t]+)?")
_MARKER_END_RE = re.compile(r"[.)](?:[ \t]|$)", re.MULTILINE)

# A Korean place after a number: 천 or 백 (only in 백만, 백억), then 만, 억 or 조 (not 조항, an
# article, nor 만큼, "as much as"); "3천", "2천만", "1.2억", "3.87백만".
_KOREAN_UNIT_RE = re.compile(r"(?:[ \t]?(천|백(?=[만억])))?(?:[ \t]?(조(?![항건])|억|만(?!큼)))?")
_KOREAN_NEXT_RE = re.compile(rf"[ \t]?({NUMBER})")

_SCIENTIFIC_RE = re.compile(r"[eE]([-+]?[0-9]+)(?![A-Za-z0-9])")
# LaTeX powers of ten, as abstracts write them: "10^{-3}", "10^-3", and "3.2 \\times 10^{-4}"
# or "3.2×10^4" after a number (the mantissa).
_POWER_RE = re.compile(r"\^\{?[ \t]*([-−]?[0-9]+)[ \t]*\}?")
_TIMES_POWER_RE = re.compile(rf"[ \t]*(?:{TIMES_SIGN}|[xX])[ \t]*10{_POWER_RE.pattern}")
# "제14조", "제3장": an ordinal names an article or a chapter; the syllable after it is no
# unit (조 would read as 10^12).
_ORDINAL_BEFORE = "제"
_ORDINAL_TAIL_RE = re.compile(r"[ \t]?[가-힣]")
# What makes a number after a name token a name part rather than a claim: a unit-less
# integer ("MATH 500", "AIME 2024", "Llama 2", "OpenVision 2"), or a decimal or a model size
# followed by another name part ("Gemini 2.5 Flash", "Llama 3.1 405B").
_NAME_TOKEN_RE = re.compile(r"(?:[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)[ \t-]\Z")
_NAME_FOLLOWS_RE = re.compile(r"[ \t-](?:[A-Z]|[0-9]+(?:\.[0-9]+)?[kKMBT]?(?![0-9A-Za-z]))")
_SCALE_LETTER_RE = re.compile(r"([kKMBT])(?![A-Za-z0-9])")
_SCALE_WORD_RE = re.compile(rf"\s+({'|'.join(SCALE_WORDS)})(?![A-Za-z])", re.IGNORECASE)

# The unit that gives a quantity its kind: a percentage (percentage points included: "5.4%p",
# "5.42% points", "pp") or a multiplier ("3.5x", "3.5×", "2$\\times$", "8-32times", "3배").
_KIND_RE = re.compile(
    rf"(?P<percent>[ \t]?(?:(?:{PERCENT})"
    r"(?:[ \t]?p(?![A-Za-z])|[ \t]?포인트|\s+points?(?![A-Za-z]))?"
    r"|pp(?![A-Za-z])|percentage[ \t]+points?(?![A-Za-z])))"
    rf"|(?P<x>(?:[xX](?![A-Za-z0-9])|[ \t]?(?:{TIMES_SIGN}|times(?![A-Za-z])))(?![ \t]?[0-9])"
    r"|[ \t]?배)"
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """One quantity found in a text."""

    spelling: str  # as written, white space collapsed: "+3%", "56.0\\%", "32만 5,800"
    value: Decimal  # absolute value, units applied: 325800, 56, 7000000000
    kind: str  # "" (plain number), "%" (percent or percentage points) or "x" (multiplier)
    scaled: bool  # written with a scale: 만/억/조/천, k/M/B/T, million, 10^k, 5e-4
    counted: bool  # a Korean counter follows it or its range ("4개", "2~10개", "3단계")
    name: bool  # part of a name, kept by scan(names=True) only: "AIME 2025", "Qwen2.5-7B"
    start: int  # offset in the scanned text where the quantity starts (its sign included)
    end: int  # offset just after the quantity, its unit included

    @property
    def plain_integer(self) -> bool:
        """Written as digits without decimals, scale or unit of a kind ("7", "3D", "1,200")."""
        return not self.kind and not self.scaled and "." not in self.spelling


def mask(text: str) -> str:
    """Blank out what holds digits but no quantities (URLs) and LaTeX math delimiters; mark
    "224x224" dimensions.

    The ``$`` of inline math becomes a space, so ``2$\\times$`` (as Hugging Face abstracts
    keep it) reads as ``2 \\times``, a multiplier, and ``$10^{-3}$`` as ``10^{-3}``.
    Every replacement keeps the length, so offsets into the result are offsets into ``text``.
    """
    text = _URL_RE.sub(lambda m: " " * len(m.group()), text)
    text = text.replace("$", " ")
    return _DIGIT_X_DIGIT_RE.sub("×", text)


def _parse(digits: str) -> Decimal:
    """The value of digits with optional thousands separators and decimals ("1,200.5")."""
    return Decimal(digits.replace(",", ""))


def format_value(value: Decimal) -> str:
    """The canonical spelling of a value: no exponent, no trailing zeros ("56", "1200000")."""
    return format(value.normalize(), "f")


def _korean_tail(work: str, pos: int, first: Decimal) -> tuple[Decimal, int] | None:
    """Read Korean places after a number: "32만 5,800", "1.2억", "3천", "1만 5천", "2천만".

    Groups join while their places descend ("1억 2천만"); a last group without a place joins
    when it is an integer of two or more digits below the last place ("32만 5,800"; in
    "10만 3가지" the 3 is a count of its own). "5만 10만" is two quantities.

    Returns the total value and the end of the quantity, or None if no place follows.
    """
    total, last, end = Decimal(0), None, pos
    number, at = first, pos
    while (unit := _KOREAN_UNIT_RE.match(work, at)) and unit.end() > at:
        places = [Decimal(10) ** KOREAN_POWERS[name] for name in unit.groups() if name]
        if last is not None and places[-1] >= last:
            break
        total += number * math.prod(places)
        last, end = places[-1], unit.end()
        if (following := _KOREAN_NEXT_RE.match(work, end)) is None:
            break
        number, at = _parse(following.group(1)), following.end()
    if last is None:
        return None
    trailing = _KOREAN_NEXT_RE.match(work, end)
    if (
        trailing
        and last > 1000
        and "." not in (digits := trailing.group(1))
        and len(digits) >= 2
        and _parse(digits) < last
        and not _KIND_RE.match(work, trailing.end())
        and not _korean_place(work, trailing.end())
    ):
        return total + _parse(digits), trailing.end()
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


def _left_context(work: str, start: int, previous: Quantity | None, previous_end: int) -> str:
    """Classify what stands left of the number at ``start``.

    Returns ``"name"`` (glued to a Latin letter, or to a hyphen glued to a letter or to a
    digit that is not a quantity: part of an identifier), ``"range"`` (second number of a
    range whose first number ended right before: "63–95%", "8-32times", "63% to 95%"),
    ``"sign"`` (a ``+``/``-``/``±`` that belongs to the quantity) or ``"plain"``.
    """
    if start == 0:
        return "plain"
    before = work[start - 1]
    if before.isalpha() and not is_hangul(before):
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


def _korean_place(work: str, pos: int) -> bool:
    """Whether a Korean place (천, 만, 억, 조, 백만) stands at ``pos``."""
    place = _KOREAN_UNIT_RE.match(work, pos)
    return place is not None and place.end() > pos


def _has_unit(work: str, end: int) -> bool:
    """Whether a unit, a Korean place or an exponent follows the number ending at ``end``."""
    return bool(
        MEASURE_UNIT_RE.match(work, end) or _SCIENTIFIC_RE.match(work, end)
    ) or _korean_place(work, end)


def name_before(work: str, start: int) -> str | None:
    """The Latin-script name token (a capitalised word or an acronym) that stands before
    ``start`` with one space or hyphen between: "Gemini" in "Gemini 2.5와"; else None."""
    token = _NAME_TOKEN_RE.search(work, max(0, start - 40), start)
    return token.group()[:-1] if token else None


def _name_part_end(work: str, start: int, end: int, digits: str, chained: bool) -> int | None:
    """The end of a number that is part of a name, or None when it is a quantity.

    A number is a name part when it follows a Latin-script name token (a capitalised word or
    an acronym, then a space: "MATH 500", "AIME 2024", "Gemini 2.5 Flash") or another name
    part (``chained``: "405B" in "Llama 3.1 405B"), carries no unit (:func:`_has_unit`) nor
    opens a range of numbers with one ("MATH 500개", "GPT-4o 85.2%", "GPU 80GB", "GenEval
    63–97%" are claims), and is an integer (optionally with a model-size letter, "Qwen 7B")
    or is followed by another name part ("2.5 Flash", "3.1 405B"). "MMLU 85.2" stays a
    quantity.
    """
    if not chained and name_before(work, start) is None:
        return None
    if _has_unit(work, end):
        return None
    gap = _RANGE_GAP_RE.match(work, end)
    if gap and (upper := _NUMBER_RE.match(work, gap.end())) and _has_unit(work, upper.end()):
        return None  # "GenEval 63–97%": a range of percentages
    scale = _SCALE_LETTER_RE.match(work, end)
    stop = scale.end() if scale else end
    if "." in digits and not scale and not _NAME_FOLLOWS_RE.match(work, stop):
        return None
    return stop


def _scale(work: str, digits: str, end: int) -> tuple[Decimal, int] | None:
    """The value and end of a number with its scale: Korean places, ``5e-4``, ``10^{-3}``,
    ``3.2 \\times 10^{-4}``, ``7B``, ``1.6 billion``; None when no scale follows."""
    value = _parse(digits)
    if korean := _korean_tail(work, end, value):
        return korean
    if scientific := _SCIENTIFIC_RE.match(work, end):
        return value.scaleb(int(scientific.group(1))), scientific.end()
    if digits == "10" and (power := _POWER_RE.match(work, end)):
        return Decimal(1).scaleb(int(power.group(1).replace("−", "-"))), power.end()
    if times_power := _TIMES_POWER_RE.match(work, end):
        return value.scaleb(int(times_power.group(1).replace("−", "-"))), times_power.end()
    if letter := _SCALE_LETTER_RE.match(work, end):
        return value.scaleb(SCALE_LETTERS[letter.group(1)]), letter.end()
    if word := _SCALE_WORD_RE.match(work, end):
        return value.scaleb(SCALE_WORDS[word.group(1).lower()]), word.end()
    return None


def _name_part(text: str, work: str, digits: str, start: int, end: int) -> Quantity:
    """A number of a name, ``text[start:end]``, its size letter applied ("405B")."""
    size = _SCALE_LETTER_RE.match(work, start + len(digits))
    value = _parse(digits).scaleb(SCALE_LETTERS[size.group(1)] if size else 0)
    spelling = text[start:end]
    return Quantity(spelling, value, "", bool(size), False, True, start, end)


def scan(text: str, *, markers: bool = True, names: bool = False) -> list[Quantity]:
    """Find every quantity of ``text``, in order (see :func:`extract_quantities` for the
    rules). ``markers=False`` keeps enumeration markers ("1.", "(2)") as quantities;
    ``names=True`` keeps, marked ``name``, the numbers of a name that are a token of their own
    ("AIME 2025", "Llama 3.1 405B") and the size suffixes glued to a name ("Qwen2.5-VL-7B",
    "GSM8K": 7B and 8K, read with their scale), not other digits of a name ("MedDINOv3")."""
    work = mask(text)
    quantities: list[Quantity] = []
    previous_end = -1
    ordinal_end = -1  # end of the last ordinal ("제14조"), for ranges "제14조~17조"
    name_end = -1  # end of the last name part, for chains "Llama 3.1 405B"
    pos = 0
    while (match := _NUMBER_RE.search(work, pos)) is not None:
        start, end = match.span()
        digits = match.group()
        pos = end
        if dotted := _DOTTED_TAIL_RE.match(work, end):  # "1.2.3": a version, a section
            pos = dotted.end()
            continue
        if _ARXIV_ID_RE.fullmatch(digits):
            continue
        if (start > 0 and work[start - 1] == _ORDINAL_BEFORE) or (
            ordinal_end >= 0 and _RANGE_GAP_RE.fullmatch(work, ordinal_end, start)
        ):
            tail = _ORDINAL_TAIL_RE.match(work, end)
            ordinal_end = pos = tail.end() if tail else end
            continue
        chained = name_end >= 0 and work[name_end:start] in (" ", "\t")
        if (name_stop := _name_part_end(work, start, end, digits, chained)) is not None:
            if names:
                quantities.append(_name_part(text, work, digits, start, name_stop))
            name_end = pos = name_stop
            continue
        previous = quantities[-1] if quantities else None
        context = _left_context(work, start, previous, previous_end)
        if context == "name":
            if names and (size := _SCALE_LETTER_RE.match(work, end)):
                quantities.append(_name_part(text, work, digits, start, size.end()))
            continue
        if markers and _is_list_marker(work, start, end, digits):
            continue
        scaled = _scale(work, digits, end)
        value, end = scaled or (_parse(digits), end)
        kind = ""
        if unit := _KIND_RE.match(work, end):
            kind, end = "%" if unit.group("percent") else "x", unit.end()
        if context == "sign":
            start -= 1
        counted = not kind and _COUNTER_RE.match(work, end) is not None
        if context == "range" and previous is not None and not previous.kind:
            if kind:
                quantities[-1] = replace(previous, kind=kind)  # "63–95%"
            elif counted:
                quantities[-1] = replace(previous, counted=True)  # "2~10개"
        spelling = collapse_space(text[start:end])
        quantities.append(Quantity(spelling, value, kind, bool(scaled), counted, False, start, end))
        previous_end = pos = end
    return quantities


def extract_quantities(text: str) -> list[str]:
    """Every quantity of ``text``, normalized to its numeric value.

    A quantity is a number in ASCII digits (``1,200``, ``56.0``) with the unit after it read
    and dropped: a percentage (``%``, ``\\%``, ``퍼센트``, ``percent``, ``%p``, ``pp``, ``%
    points``), a multiplier (``3.5x``, ``3.5×``, ``3.5배``, ``8-32times``) or letters (``80GB``
    -> 80, ``3D`` -> 3). Scales are applied, so every spelling of a quantity compares equal:
    만/억/조/천 and 백만 (``32만 5,800``, ``1.2억``), glued ``k``/``K``/``M``/``B``/``T`` (``7B``
    = ``70억`` = ``7 billion``), scale words, ``5e-4``, LaTeX powers of ten (``$10^{-3}$``,
    ``3.2 \\times 10^{-4}``; inline math's ``$`` is ignored, so ``2$\\times$`` is a
    multiplier). A range gives both ends (``63–95%``, ``63% to 95%``, ``2~3배``); the sign is
    not part of the value (``+3%`` and ``-3%`` are 3: the wording says the direction).

    Not quantities, because they cannot be invented as one: numbers glued on the left to a
    Latin letter, or to a hyphen glued to a letter or a digit (``GPT-4o``, ``Qwen2.5-VL-7B``,
    ``H100``, ``GUI-360``, ``GSM8K``); a number after a Latin-script name token and a space
    with no unit or counter (``MATH 500``, ``AIME 2024``, ``Gemini 2.5 Flash``, ``Llama 3.1
    405B``; but ``GPT-4o 85.2%``, ``MATH 500개``, ``MMLU 85.2`` are quantities); an ordinal
    after 제 and a range continuing it (``제14조~17조``); arXiv ids and dotted versions
    (``2511.04460v2``, ``1.2.3``); digits in URLs; enumeration markers (``1.``/``2)`` of one or
    two digits opening a line, ``(1)``).

    Args:
        text: an answer or a source text (hard wraps and LaTeX escapes are fine).

    Returns:
        The normalized values as strings (``"56"`` for ``56.0\\%``, ``"325800"`` for ``32만
        5,800``, ``"3.5"`` for ``3.5x``), in order of first appearance, without duplicates.
    """
    return list(dict.fromkeys(format_value(quantity.value) for quantity in scan(text)))
