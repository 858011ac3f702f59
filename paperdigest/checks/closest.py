"""What a flagged quantity was probably meant to be: the closest source quantity, and the unit
conversion that went wrong, named for the re-ask.

Korean counts in 만 (10^4), 억 (10^8) and 조 (10^12) where English counts in thousand,
million and billion, and models slip by a factor of ten when converting: "1.6 billion" is
16억, not the 1.6억 a real digest printed (issue 11). Likewise a fraction (0.52) written as a
percentage (0.52%). When the answer's value is a source value times 10^k, the re-ask says
so, in numbers the model can check::

    the paper says "1.6 billion" = 16억; you wrote 1.6억 (= 160 million)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from paperdigest.checks.numbers import KOREAN_POWERS, SCALE_WORDS, Quantity, format_value

__all__ = ["QuantityFlag", "flag"]

# Farthest a source quantity may be from the flagged one and still be shown as "closest"
# (a ratio): beyond a factor of 10 the two are unrelated, and "none" is more honest.
CLOSEST_MAX_RATIO = Decimal(10)
# Largest power of ten a unit slip spans: 조 (10^12) against a bare count.
_MAX_POWER = 12
# The places a conversion note writes: Korean 만 and up, English thousand and up.
_KOREAN_PLACES = {unit: power for unit, power in KOREAN_POWERS.items() if power >= 4}


@dataclass(frozen=True, slots=True)
class QuantityFlag:
    """One answer quantity that the source text does not hold.

    ``quantity`` is the answer's spelling ("1.6억"); ``closest`` the spelling of the nearest
    source quantity by ratio ("1.6 billion"), None when none lies within a factor of 10;
    ``conversion`` the re-ask's note when the two differ by a unit slip (a power of ten with
    a scale on either side, or a percentage against a fraction), else None.
    """

    quantity: str
    closest: str | None = None
    conversion: str | None = None


def _amount(value: Decimal, places: dict[str, int], joint: str) -> str:
    """``value`` in its largest place: 1600000000 -> "16억" (Korean places, joint "") or
    "1.6 billion" (English scale words, joint " "); 512 -> "512"."""
    for name, power in sorted(places.items(), key=lambda place: -place[1]):
        if value >= Decimal(10) ** power:
            return f"{format_value(value.scaleb(-power))}{joint}{name}"
    return format_value(value)


def _power_of_ten(ratio: Decimal) -> int | None:
    """k when ``ratio`` is exactly 10^k (k != 0, |k| <= 12), else None."""
    normalized = ratio.normalize()
    digits, exponent = normalized.as_tuple().digits, normalized.as_tuple().exponent
    if digits != (1,) or not isinstance(exponent, int) or exponent == 0:
        return None
    return exponent if abs(exponent) <= _MAX_POWER else None


def _other_notation(quantity: Quantity) -> str:
    """A percentage as a fraction ("= 0.52"), a fraction as a percentage ("= 52%")."""
    if quantity.kind == "%":
        return format_value(quantity.value / 100)
    return f"{format_value(quantity.value * 100)}%"


def _conversion(answer: Quantity, source: Quantity) -> str | None:
    """The re-ask's note when ``answer`` is ``source`` with a unit slip, else None."""
    if not source.value or answer.kind == "x" or source.kind == "x":
        return None
    power = _power_of_ten(answer.value / source.value)
    if power is None:
        return None
    percent_kinds = (answer.kind == "%") + (source.kind == "%")
    if abs(power) == 2 and percent_kinds:
        return (
            f'the paper says "{source.spelling}" = {_other_notation(source)}; you wrote '
            f"{answer.spelling} (= {_other_notation(answer)})"
        )
    if percent_kinds or not (answer.scaled or source.scaled):
        return None
    return (
        f'the paper says "{source.spelling}" = {_amount(source.value, _KOREAN_PLACES, "")}; '
        f"you wrote {answer.spelling} (= {_amount(answer.value, SCALE_WORDS, ' ')})"
    )


def flag(answer: Quantity, sources: list[Quantity]) -> QuantityFlag:
    """Describe one unverified answer quantity against the quantities of its source.

    A source quantity that explains it by a unit slip wins; otherwise the nearest by ratio
    within :data:`CLOSEST_MAX_RATIO`, ties to the first in the source.
    """
    for source in sources:
        note = _conversion(answer, source)
        if note is not None:
            return QuantityFlag(answer.spelling, source.spelling, note)
    ratios = [
        (max(answer.value, source.value) / min(answer.value, source.value), index)
        for index, source in enumerate(sources)
        if answer.value and source.value
    ]
    best = min((item for item in ratios if item[0] <= CLOSEST_MAX_RATIO), default=None)
    return QuantityFlag(answer.spelling, sources[best[1]].spelling if best else None)
