"""Quantities a source writes in English words: "over five hundred recent works" (500),
"fifteen benchmarks" (15), "a dozen tasks" (12), and multipliers: "an order of magnitude
faster" (10x), "three times faster", "doubling", "to almost triple", "tenfold". A faithful
Korean answer writes them in digits ("500개 이상", "15개 벤치마크"), which would be flagged
without these values.

Runs of number words are read by text2num (``alpha2digit``, pinned ``>=3,<4``: cardinals with
or without hyphens and "and", scales up to billions, decimals with "point"); "dozen" and
"order(s) of magnitude" are read here. A hyphenated suffix ends a run ("two-stage" gives 2).
Not taken: a scale word alone ("thousands of", the "billion" of "1.6 billion", whose digits
:mod:`.numbers` reads), which no author wrote as a count; and words that are multipliers only
as verbs or before a comparative ("repeated three times", "double precision" and "knowledge
triples" are none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from text_to_num import alpha2digit

from paperdigest.checks.numbers import NUMBER, PERCENT, SCALE_WORDS
from paperdigest.text import collapse_space

__all__ = ["FOLD_RE", "WordQuantities", "word_quantities"]

_SCALES = ("hundred", *SCALE_WORDS)
_WORD = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    "|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    "|eighty|ninety|" + "|".join(_SCALES)
)
# A run of number words joined by spaces, hyphens or "and" ("one hundred and twenty-three"),
# not glued to letters but for "fold" ("tenfold"); a hyphenated suffix ends the run
# ("two-stage" gives 2).
_RUN_RE = re.compile(
    rf"(?<![A-Za-z-])(?:{_WORD})(?:(?:[ \t]+|[ \t]*\n[ \t]*|-|[ \t]+and[ \t]+)(?:{_WORD}))*"
    r"(?=fold|(?![A-Za-z]))",
    re.IGNORECASE,
)
_PERCENT_AFTER_RE = re.compile(rf"\s*(?:{PERCENT})")
# After a count, what makes it a multiplier: "-fold" and "N times" before a comparative or
# "as"/"the" ("three times faster", "three times the size"; not "repeated three times").
FOLD_RE = re.compile(r"[ \t-]?fold(?![A-Za-z])", re.IGNORECASE)
_TIMES_AFTER_RE = re.compile(
    r"\s+times\s+(?:faster|slower|more|less|fewer|larger|smaller|higher|lower|greater|as|the)"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)
_DOZEN_RE = re.compile(r"(?<![A-Za-z])(?:a|one)[ \t\n]+dozen(?![A-Za-z])", re.IGNORECASE)
# "an order of magnitude" = 10x; "two orders of magnitude" / "2 orders of magnitude" = 100x.
_MAGNITUDE_RE = re.compile(
    rf"(?<![A-Za-z])(?P<count>an?|{_WORD}|[0-9]+)[ \t\n]+orders?[ \t\n]+"
    r"of[ \t\n]+magnitude(?![A-Za-z])",
    re.IGNORECASE,
)
# Multipliers in verbs: "twice", "doubled"/"doubling", "tripled", "quadrupled"; "double",
# "triple", "quadruple" only as verbs after "to" ("to almost triple"). "triples" and "double"
# alone are nouns or adjectives ("knowledge triples", "double precision").
_VERB_VALUES = {"twice": 2, "doubl": 2, "tripl": 3, "quadrupl": 4}
_VERB_RE = re.compile(
    r"(?<![A-Za-z])(?:(?P<twice>twice)|(?P<stem>doubl|tripl|quadrupl)(?:ed|ing)"
    r"|(?P<stem3>doubl|quadrupl)es"
    r"|to[ \t]+(?:(?:almost|nearly|roughly|about|more[ \t]+than)[ \t]+)?"
    r"(?P<verb>doubl|tripl|quadrupl)e)(?![A-Za-z])",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class WordQuantities:
    """The values of a text's quantities written in words, grouped as the quantity check
    uses them: ``every`` (any count: "fifteen benchmarks", "a dozen", "an order of
    magnitude"), ``percent`` ("five percent"), ``multiplier`` ("three times faster", "an
    order of magnitude", "doubling": a verb verifies only multipliers)."""

    every: frozenset[Decimal]
    percent: frozenset[Decimal]
    multiplier: frozenset[Decimal]


def _run_value(run: str) -> Decimal | None:
    """The value text2num reads from one run of number words, or None (a scale word alone)."""
    words = re.split(r"[\s-]+|\band\b", run.lower())
    if all(word in _SCALES for word in words if word):
        return None
    # threshold=0: a run is read even when it is one small isolated word ("two-stage"), which
    # alpha2digit leaves as words by default.
    converted = str(alpha2digit(collapse_space(run), "en", threshold=0))
    try:
        return Decimal(converted.replace(" ", ""))
    except InvalidOperation:  # text2num left part of the run as words ("one" alone)
        digits = re.findall(NUMBER, converted)
        return Decimal(digits[0]) if len(digits) == 1 else None


def word_quantities(text: str) -> WordQuantities:
    """Read the quantities ``text`` writes in English words (see the module docstring).

    Args:
        text: a source text (an abstract or a paper's text; hard wraps are fine).

    Returns:
        The values, grouped by kind; a value is in ``every`` whatever its kind.
    """
    every: set[Decimal] = set()
    percent: set[Decimal] = set()
    multiplier: set[Decimal] = set()
    for match in _RUN_RE.finditer(text):
        value = _run_value(match.group())
        if value is None:
            continue
        every.add(value)
        if _PERCENT_AFTER_RE.match(text, match.end()):
            percent.add(value)
        if _TIMES_AFTER_RE.match(text, match.end()) or FOLD_RE.match(text, match.end()):
            multiplier.add(value)
    if _DOZEN_RE.search(text):
        every.add(Decimal(12))
    for match in _MAGNITUDE_RE.finditer(text):
        count = match.group("count").lower()
        power = Decimal(1) if count in ("a", "an") else _run_value(count)
        if power is not None and power <= 12 and power % 1 == 0:
            every.add(Decimal(10) ** int(power))
            multiplier.add(Decimal(10) ** int(power))
    for match in _VERB_RE.finditer(text):
        word = next(group for group in match.groups() if group).lower()
        multiplier.add(Decimal(_VERB_VALUES[word]))
    return WordQuantities(frozenset(every), frozenset(percent), frozenset(multiplier))
