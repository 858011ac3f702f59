"""The invented-number guard: every quantity of an answer must occur in the paper text.

:func:`quantity_flags` (and :func:`unverified_quantities`, their spellings) reads both texts
with :mod:`paperdigest.checks.numbers` and :mod:`paperdigest.checks.words` and names the
answer's quantities the source does not hold; the rules are in its docstring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from paperdigest.checks.closest import QuantityFlag, flag
from paperdigest.checks.numbers import (
    MEASURE_UNIT_RE,
    PERCENT,
    TIMES_SIGN,
    Quantity,
    mask,
    name_before,
    scan,
)
from paperdigest.checks.words import FOLD_RE, word_quantities
from paperdigest.sources.selection import CELL_SEPARATOR, is_table_block, is_table_row

__all__ = ["QuantityFlag", "quantities_problem", "quantity_flags", "unverified_quantities"]

SMALL_INTEGER_MAX = 10
"""Largest bare integer without a Korean counter that is not checked ("4차원", "8 에폭", a
ratio "2/3"): papers often write such numbers in words or leave them implicit, so checking
them would flag faithful answers. Its price, the numbers never checked and the errors missed
for it, is printed by ``benchmarks/bench_checks.py``."""

# What a table's caption or header says its bare cells are: percentages ("Acc. (%)"),
# multipliers ("Speedup", "×"; a multiplier quantity in the block, "1.87x", says so too).
_PERCENT_HINT_RE = re.compile(rf"{PERCENT}|percentage", re.IGNORECASE)
_MULTIPLIER_HINT_RE = re.compile(
    rf"{TIMES_SIGN}(?![ \t]?[0-9])|speed-?ups?|(?<![A-Za-z])fold|배", re.IGNORECASE
)
_BLOCK_RE = re.compile(r"(?:[^\n]*\S[^\n]*(?:\n|\Z))+")  # a run of non-blank lines
# A number written as digits only: no unit, scale or exponent.
_BARE_SPELLING_RE = re.compile(r"[+±\-−]?[0-9][0-9,]*(?:\.[0-9]+)?")
# Multipliers written with digits and words: "by a factor of 3", "a speedup of 3".
_FACTOR_OF_RE = re.compile(r"(?:factor|speed-?up)[ \t]+of[ \t]+\Z", re.IGNORECASE)


def _is_bare(quantity: Quantity, work: str) -> bool:
    """Whether ``quantity`` is a number in digits only with no unit of its own after it."""
    return (
        not quantity.kind
        and _BARE_SPELLING_RE.fullmatch(quantity.spelling) is not None
        and MEASURE_UNIT_RE.match(work, quantity.end) is None
    )


def _table_values(
    text: str, quantities: list[Quantity], work: str
) -> tuple[set[Decimal], set[Decimal]]:
    """The values of the bare numbers in the data cells of ``text``'s tables: of the tables
    naming a percentage, and of those naming a multiplier (see :func:`quantity_flags`)."""
    percent: set[Decimal] = set()
    multiplier: set[Decimal] = set()
    for block in _BLOCK_RE.finditer(text):
        if not is_table_block(block.group()):
            continue
        data: list[tuple[int, int]] = []  # each row but its first cell, the row's label
        offset = block.start()
        for line in block.group().split("\n"):
            if is_table_row(line):
                label = len(line.split(CELL_SEPARATOR)[0]) + len(CELL_SEPARATOR)
                data.append((offset + label, offset + len(line)))
            offset += len(line) + 1
        inside = [q for q in quantities if block.start() <= q.start < block.end()]
        values = {
            q.value
            for q in inside
            if _is_bare(q, work) and any(start <= q.start and q.end <= end for start, end in data)
        }
        if _PERCENT_HINT_RE.search(block.group()):
            percent |= values
        if _MULTIPLIER_HINT_RE.search(block.group()) or any(q.kind == "x" for q in inside):
            multiplier |= values
    return percent, multiplier


def _says_fold(quantity: Quantity, work: str) -> bool:
    """Whether a unit-less quantity is a multiplier in words: "3-fold", "a factor of 3"."""
    if quantity.kind:
        return False
    if FOLD_RE.match(work, quantity.end):
        return True
    return _FACTOR_OF_RE.search(work, max(quantity.start - 20, 0), quantity.start) is not None


@dataclass(frozen=True, slots=True)
class _Source:
    """A source text's quantities, grouped by the answer quantities they verify."""

    text: str
    every: frozenset[Decimal]  # every quantity, any kind: verifies unit-less answer numbers
    counts: frozenset[Decimal]  # those with no % or x, and number words: verify counts
    percent: frozenset[Decimal]  # "56%", "56.0\\%", "5.42% points", bare cells of % tables
    multiplier: frozenset[Decimal]  # "3.5x", "4.3\\times", "3-fold", cells of speedup tables
    decimals: frozenset[Decimal]  # bare fractional numbers: "75.53", "0.56"; not "16.0", "21.7s"
    names: frozenset[Decimal]  # numbers of names that are a token: "AIME 2025", "Llama 2"
    sizes: frozenset[Decimal]  # sizes in names: "Qwen2.5-VL-7B", "Llama 3.1 405B"
    quantities: tuple[Quantity, ...]  # in order, for the closest one to a flagged quantity


def _read_source(source_text: str) -> _Source:
    """Read the quantities of a source text once, for :func:`quantity_flags`."""
    work = mask(source_text)
    scanned = scan(source_text, markers=False, names=True)
    quantities = [q for q in scanned if not q.name]
    bare = [q for q in quantities if _is_bare(q, work)]
    words = word_quantities(source_text)
    percent, multiplier = _table_values(source_text, quantities, work)
    percent.update(words.percent, (q.value for q in quantities if q.kind == "%"))
    multiplier.update(words.multiplier)
    multiplier.update(q.value for q in quantities if q.kind == "x" or _says_fold(q, work))
    return _Source(
        text=source_text,
        every=frozenset(q.value for q in quantities) | words.every,
        counts=frozenset(q.value for q in quantities if not q.kind) | words.every,
        percent=frozenset(percent),
        multiplier=frozenset(multiplier),
        decimals=frozenset(q.value for q in bare if q.value % 1),
        names=frozenset(q.value for q in scanned if q.name and not q.scaled),
        sizes=frozenset(q.value for q in scanned if q.name and q.scaled),
        quantities=tuple(quantities),
    )


def _respaced_name(quantity: Quantity, answer_work: str, source: _Source) -> bool:
    """Whether the answer re-spaces a name the source writes glued: "Gemini 2.5와" for
    "Gemini2.5-Pro", "Llama 3.1을" for "LLaMA-3.1"."""
    name = name_before(answer_work, quantity.start)
    if name is None:
        return False
    glued = rf"(?<![A-Za-z0-9]){re.escape(name)}-?{re.escape(quantity.spelling)}(?![0-9])"
    return re.search(glued, source.text, re.IGNORECASE) is not None


def _verified(quantity: Quantity, answer_work: str, source: _Source) -> bool:
    """Whether ``source`` holds the answer's ``quantity`` (the rules of :func:`quantity_flags`)."""
    value = quantity.value
    if quantity.kind == "%":
        return value in source.percent or value in source.decimals or value / 100 in source.decimals
    if quantity.kind == "x":
        return value in source.multiplier
    if value in source.sizes:
        return True
    if quantity.counted:
        return value in source.counts
    if quantity.plain_integer and value <= SMALL_INTEGER_MAX:
        return True
    if value in source.every or value * 100 in source.percent or value in source.names:
        return True
    return _respaced_name(quantity, answer_work, source)


def unverified_quantities(answer_text: str, source_text: str) -> list[str]:
    """The spellings of :func:`quantity_flags`: the answer's quantities the source lacks."""
    return [item.quantity for item in quantity_flags(answer_text, source_text)]


def quantities_problem(flags: list[QuantityFlag]) -> str:
    """The re-ask message for the flagged quantities of one answer, addressed to the model:
    ``these figures do not occur in the paper text: 1.6억. Use only figures that appear in the
    paper text, exactly as written.``, then each unit slip :mod:`.closest` found."""
    message = (
        "these figures do not occur in the paper text: "
        + ", ".join(item.quantity for item in flags)
        + ". Use only figures that appear in the paper text, exactly as written."
    )
    for item in flags:
        if item.conversion:
            message += f" Check the unit conversion: {item.conversion}."
    return message


def quantity_flags(answer_text: str, source_text: str) -> list[QuantityFlag]:
    """Quantities of the answer that the source does not contain: the invented-number guard.

    Both texts are read by :func:`~paperdigest.checks.numbers.extract_quantities`' rules, the
    source's number words too (:mod:`paperdigest.checks.words`). A unit makes a claim, so a
    quantity with a unit is verified only by a source quantity of its kind ("Table 3" or "3
    epochs" verify no "+3%", "56.0\\%" no "56배"):

    * a percentage: by a source percentage ("92\\%", "5.42% points", "63–95%"), a bare
      number in a data cell of a table naming a percentage, or a bare decimal with a fraction
      anywhere, also /100 ("75.53" in "scores 75.53 on MMMU", "0.56" for "56%"). Round
      numbers outside such tables ("16", "16.0") and numbers with another unit ("21.7s", "3.2
      GB", "5-shot") do not count: they would verify almost any invented percentage;
    * a multiplier: by a source multiplier ("3.5x", "3.5-fold", "a factor of 3.5", "a
      speedup of 3.5", the words "twice", "doubling", "three times faster", "an order of
      magnitude") or a bare number in a data cell of a table naming a multiplier;
    * a count (a number a Korean counter follows: 개, 편, 가지, 단계, 명, 건; "2~10개"): by a
      source number without a unit of % or x, or a number word;
    * any other number: by a source quantity of its value whatever its unit, or a percentage
      of value x100 ("0.56" for "56%"). Integers up to :data:`SMALL_INTEGER_MAX` written as
      bare digits are not checked.

    A source number counts only as a number of its own (its own token, or number words),
    never as a piece of a name, a version or an identifier: the 7 of "Qwen2.5-VL-7B" and the
    3 of "MedDINOv3" or "CT-3M" verify nothing. A name verifies its size as a size ("7B" of
    "Qwen2.5-VL-7B": "7B", "70억"), the number of its own token as a bare number that is no
    count ("AIME 2025": the 2025 of "AIME 2024와 2025", not "2025개"), and its re-spaced form
    ("Gemini2.5-Pro": "Gemini 2.5와").

    A table is a block of lines (between blank lines) that
    :func:`~paperdigest.sources.selection.is_table_block` accepts, as
    :mod:`paperdigest.sources.html` writes tables; its data cells are the cells of a row but
    the first, the row's label. It names a percentage when the block holds ``%``,
    ``percent(age)`` or ``퍼센트``, a multiplier when it holds a multiplier quantity, ``×``
    (not between two numbers), "speedup", "fold" or 배. Enumeration markers of the source
    count as numbers (a hard-wrapped abstract can open a line with "30. ").

    Args:
        answer_text: the model's text (one field, or all fields joined).
        source_text: the paper text the answer was written from (abstract, full text).

    Returns:
        One :class:`QuantityFlag` per unverified answer quantity (its spelling, white space
        collapsed: "+3%", the closest source quantity, the unit slip if any), in order,
        without duplicate spellings; empty if every quantity is verified.
    """
    source = _read_source(source_text)
    answer_work = mask(answer_text)
    unverified: dict[str, QuantityFlag] = {}
    for quantity in scan(answer_text):
        if quantity.spelling not in unverified and not _verified(quantity, answer_work, source):
            unverified[quantity.spelling] = flag(quantity, list(source.quantities))
    return list(unverified.values())
