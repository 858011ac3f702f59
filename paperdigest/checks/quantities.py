"""The invented-number guard: every quantity of an answer must occur in the paper text.

:func:`quantity_flags` (and :func:`unverified_quantities`, their spellings) reads both texts
with :mod:`paperdigest.checks.numbers` and :mod:`paperdigest.checks.words` and names the
answer's quantities the source does not hold; the rules are in its docstring.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal

from paperdigest.checks.closest import QuantityFlag, flag
from paperdigest.checks.numbers import (
    COUNTER_RE,
    MEASURE_UNIT_RE,
    NUMBER,
    PERCENT,
    SCALE_LETTERS,
    TIMES_SIGN,
    Quantity,
    mask,
    scan,
)
from paperdigest.checks.words import FOLD_RE, word_quantities
from paperdigest.sources.selection import CELL_SEPARATOR, is_table_block, is_table_row

__all__ = ["QuantityFlag", "quantities_problem", "quantity_flags", "unverified_quantities"]

_ANY_NUMBER_RE = re.compile(rf"{NUMBER}([kKMBT])?")

# What a table's caption or header says its bare cells are: percentages ("Acc. (%)"),
# multipliers ("Speedup", "×"; a multiplier quantity in the block, "1.87x", says so too).
_PERCENT_HINT_RE = re.compile(rf"{PERCENT}|percentage", re.IGNORECASE)
_MULTIPLIER_HINT_RE = re.compile(
    rf"{TIMES_SIGN}(?![ \t]?[0-9])|speed-?ups?|(?<![A-Za-z])fold|배", re.IGNORECASE
)
# A number written as digits only: no unit, scale or exponent.
_BARE_SPELLING_RE = re.compile(r"[+±\-−]?[0-9][0-9,]*(?:\.[0-9]+)?")
# Multipliers written with digits and words: "by a factor of 3", "a speedup of 3".
_FACTOR_OF_RE = re.compile(r"(?:factor|speed-?up)[ \t]+of[ \t]+\Z", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _TableCells:
    """Data cells of the tables of a text, as sorted ``(start, end)`` offsets."""

    percent: list[tuple[int, int]]  # of tables whose caption or cells name a percentage
    multiplier: list[tuple[int, int]]  # of tables that name a multiplier or a speedup


def _table_cells(text: str, quantities: list[Quantity]) -> _TableCells:
    """Find the data cells of the tables in ``text`` (see :func:`unverified_quantities`).

    A block is a run of non-blank lines (:func:`paperdigest.sources.selection.select_text`
    separates blocks by blank lines; a table is one block: caption, then one line per row).
    Rows and tables are as :func:`~paperdigest.sources.selection.is_table_row` and
    :func:`~paperdigest.sources.selection.is_table_block` say (the one rule). Its
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
        block = text[block_start:end]
        if rows and is_table_block(block):
            cells = [cell for row in rows for cell in row[1:]]
            if _PERCENT_HINT_RE.search(block):
                percent.extend(cells)
            if _MULTIPLIER_HINT_RE.search(block) or any(
                q.kind == "x" and block_start <= q.start < end for q in quantities
            ):
                multiplier.extend(cells)
        rows.clear()

    for line in text.split("\n"):
        if not line.strip():
            close_block(offset)
            block_start = offset + len(line) + 1
        else:
            if is_table_row(line):
                parts = line.split(CELL_SEPARATOR)
                row: list[tuple[int, int]] = []
                start = offset
                for part in parts:
                    row.append((start, start + len(part)))
                    start += len(part) + len(CELL_SEPARATOR)
                rows.append(row)
        offset += len(line) + 1
    close_block(len(text))
    return _TableCells(percent=percent, multiplier=multiplier)


def _in_cells(quantity: Quantity, cells: list[tuple[int, int]]) -> bool:
    """Whether ``quantity`` lies inside one of ``cells`` (sorted, non-overlapping spans)."""
    index = bisect.bisect_right(cells, quantity.start, key=lambda cell: cell[0]) - 1
    return index >= 0 and cells[index][0] <= quantity.start and quantity.end <= cells[index][1]


def _is_bare(quantity: Quantity, work: str) -> bool:
    """Whether ``quantity`` is a number in digits only with no unit of its own after it."""
    return (
        not quantity.kind
        and _BARE_SPELLING_RE.fullmatch(quantity.spelling) is not None
        and MEASURE_UNIT_RE.match(work, quantity.end) is None
    )


def _says_fold(quantity: Quantity, work: str) -> bool:
    """Whether a unit-less quantity is a multiplier in words: "3-fold", "a factor of 3",
    "a speedup of 3"."""
    if quantity.kind:
        return False
    if FOLD_RE.match(work, quantity.end):
        return True
    return _FACTOR_OF_RE.search(work, max(quantity.start - 20, 0), quantity.start) is not None


@dataclass(frozen=True, slots=True)
class _SourceValues:
    """The values of a source text's quantities, grouped by the answer quantities they verify."""

    every: frozenset[Decimal]  # every quantity, any kind: verifies unit-less answer numbers
    percent: frozenset[Decimal]  # "56%", "56.0\\%", "5.42% points", bare cells of % tables
    multiplier: frozenset[Decimal]  # "3.5x", "4.3\\times", "3-fold", cells of speedup tables
    decimals: frozenset[Decimal]  # bare fractional numbers: "75.53", "0.56"; not "16.0", "21.7s"
    quantities: tuple[
        Quantity, ...
    ]  # the quantities in order, for the closest one to a flagged quantity


def _source_values(source_text: str) -> _SourceValues:
    """Read the quantities of a source text once, for :func:`unverified_quantities`."""
    work = mask(source_text)
    quantities = scan(source_text, markers=False)
    tables = _table_cells(source_text, quantities)
    bare = [quantity for quantity in quantities if _is_bare(quantity, work)]
    percent = {quantity.value for quantity in quantities if quantity.kind == "%"}
    percent.update(quantity.value for quantity in bare if _in_cells(quantity, tables.percent))
    multiplier = {
        quantity.value
        for quantity in quantities
        if quantity.kind == "x" or _says_fold(quantity, work)
    }
    multiplier.update(quantity.value for quantity in bare if _in_cells(quantity, tables.multiplier))
    words = word_quantities(source_text)
    percent.update(words.percent)
    multiplier.update(words.multiplier)
    return _SourceValues(
        every=frozenset(quantity.value for quantity in quantities) | words.every,
        percent=frozenset(percent),
        multiplier=frozenset(multiplier),
        decimals=frozenset(quantity.value for quantity in bare if quantity.value % 1),
        quantities=tuple(quantities),
    )


def unverified_quantities(answer_text: str, source_text: str) -> list[str]:
    """The spellings of :func:`quantity_flags`: the answer's quantities the source lacks."""
    return [item.quantity for item in quantity_flags(answer_text, source_text)]


def quantities_problem(flags: list[QuantityFlag]) -> str:
    """The re-ask message for the flagged quantities of one answer, addressed to the model.

    Names every quantity, then each unit slip :mod:`paperdigest.checks.closest` found, e.g.
    ``these figures do not occur in the paper text: 1.6억. Use only figures that appear in
    the paper text, exactly as written. Check the unit conversion: the paper says "1.6
    billion" = 16억; you wrote 1.6억 (= 160 million).``
    """
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

    Both texts are read with the rules of :func:`extract_quantities`. A unit makes a claim, so
    an answer quantity with a unit must be matched by a source quantity of the same kind; equal
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
    * a unit-less number keeps looser rules: any source quantity of the same value, whatever
      its unit; a source percentage of value x100 (answer ``0.56``, source ``56%``); or a
      number anywhere in the source, even inside a name (source ``Gemini2.5-Pro``, answer
      ``Gemini 2.5 Pro``: the model re-spaced a name). Integers 0..10 written as bare
      digits are exempt ("4차원", "8 에폭", a ratio "2/3": small numbers a paper often
      writes in words or leaves implicit), unless a Korean counter follows them (개, 편,
      가지, 단계, 명, 건: "4개 벤치마크", "3단계"), which makes them a claimed count; such a
      count is verified by the source's number words too ("four benchmarks", "two-stage"),
      see :mod:`paperdigest.checks.words`. ``3%``, ``3배`` and ``3.0`` are not exempt.

    Tables are recognised as :func:`paperdigest.sources.html.extract_html` writes them: a block
    of lines (between blank lines) with two or more rows of cells joined by ``" | "`` (each
    cell at most 80 characters). Data cells are all cells of a row but its first, the row's
    label (a model name, a setting, a frame count). A table "names a percentage" when its
    block holds ``%``, ``percent`` or ``퍼센트``, and "names a multiplier" when it holds a
    multiplier quantity, ``×``/``\\times`` (not between two numbers), "speedup", "fold" or
    ``배``; a column of counts ("Frames") in a table naming neither verifies nothing.
    Enumeration markers of the source count as quantities here (a hard-wrapped abstract can
    open a line with "30. ").

    Args:
        answer_text: the model's text (one field, or all fields joined).
        source_text: the paper text the answer was written from (abstract, full text,
            tables as :mod:`paperdigest.sources.html` writes them).

    Not quantities of the answer (not claims): numbers that are part of a name ("MATH 500",
    "AIME 2024", "Gemini 2.5 Flash", "Llama 3.1 405B") and ordinals ("제14조~17조"), see
    :func:`paperdigest.checks.numbers.extract_quantities`. The source's quantities also include
    those written in English words ("five hundred", "a dozen", "an order of magnitude"),
    read by :mod:`paperdigest.checks.words`.

    Returns:
        One :class:`QuantityFlag` per unverified answer quantity: its spelling (``"+3%"``,
        ``"30.5%"``, white space collapsed), the closest source quantity and the unit slip
        if any; in order, without duplicate spellings; empty if every quantity is verified.
    """
    source = _source_values(source_text)
    loose = set(source.every)
    for match in _ANY_NUMBER_RE.finditer(mask(source_text)):
        number = Decimal(match.group().rstrip("kKMBT").replace(",", ""))
        loose.add(number)
        if match.group(1):
            loose.add(number.scaleb(SCALE_LETTERS[match.group(1)]))

    unverified: dict[str, QuantityFlag] = {}
    answer_work = mask(answer_text)
    for quantity in scan(answer_text):
        value = quantity.value
        if quantity.kind == "%":
            verified = (
                value in source.percent
                or value in source.decimals
                or value / 100 in source.decimals
            )
        elif quantity.kind == "x":
            verified = value in source.multiplier
        else:
            verified = (
                (
                    quantity.plain_integer
                    and value <= 10
                    and not COUNTER_RE.match(answer_work, quantity.end)
                )
                or value in source.every
                or value * 100 in source.percent
                or value in loose
            )
        if not verified and quantity.spelling not in unverified:
            unverified[quantity.spelling] = flag(quantity, list(source.quantities))
    return list(unverified.values())
