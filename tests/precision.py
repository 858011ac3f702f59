"""The precision corpus of the quantity check (issue 11 §4, issue 17 §3), shared by its test and
its benchmark.

Real Korean summaries (reference digests 002 and 003, split into their schema's fields) and the
abstracts their model was given, with one hand-checked label per quantity of every field:
``tests/fixtures/precision/`` (provenance in ``tests/fixtures/README.md``). A case is one quantity
of one field, as the check's own extractor spells it; its label says whether the quantity is in
the paper's title or abstract ("in the text") or not ("not in the text"). The check's rules were
developed on this corpus.

Invented quantities are synthetic cases built here: one quantity of each kind of
:data:`KINDS`, seeded, added as a sentence to every results field. Some kinds are flagged by
construction (a number of 11 or more with a unit that the source does not hold in any
notation); the others are the kinds the check can miss (a small count, a number right after a
name, a number the source holds only inside a name).

Held out: the abstracts of the other recorded days (``tests/fixtures/hf/``) that are neither in
the corpus nor quoted by a test of the check. Their answers are constructed: the abstract's
percentages, multipliers and millions/billions restated in Korean notation (found by the simple
patterns here, not by the check), then the invented quantities added.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from paperdigest.checks import extract_quantities, unverified_quantities
from paperdigest.checks.words import word_quantities

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS_DIR = FIXTURES / "precision"
IN_TEXT = "in the text"
NOT_IN_TEXT = "not in the text"
# The day lists the model's abstracts come from, per digest day (tests/fixtures/README.md).
_HF_DAYS = ("2025-05-09",)
# The other recorded days (2025-11-07.morning.json is an earlier copy of 2025-11-07.json).
HELDOUT_DAYS = ("2025-05-12", "2025-09-02", "2025-11-06", "2025-11-07")
INVENTED_SEED = 20250509

# Why the check can never flag a quantity, whatever the source says (see :func:`exemption`).
NOT_READ = "not read as a quantity: a name or an ordinal"
SMALL = "a small integer without a counter"
# The real errors of the digests' model (tests/fixtures/README.md): kept as flagged cases.
REAL_ERRORS = frozenset(
    {
        "2505.05071:contributions:1.6억",  # "1.6 billion" is 16억
        "2509.01563:goal:8억",  # an 8B model is 80억
        "2509.02046:contribution:11",  # the abstract says "ten deep learning optimizers"
    }
)
# Reasons of the cases labelled "in the text" as no claim although the abstract lacks them.
_NO_CLAIM_REASONS = ("which the abstract does not hold", "enumeration marker")


@dataclass(frozen=True)
class Case:
    """One quantity of one field of a real summary, with its hand-checked label."""

    arxiv_id: str
    schema: str  # "seven" or "gmr"
    field: str  # the schema's field name, e.g. "results"
    quantity: str  # as the check spells it: "1.6억", "32만 5,800", "92%"
    label: str  # IN_TEXT or NOT_IN_TEXT
    reason: str  # why, when the label is not obvious; "" otherwise

    @property
    def case_id(self) -> str:
        """``arxiv_id:field:quantity``, unique in the corpus; the id used in pytest and in sets."""
        return f"{self.arxiv_id}:{self.field}:{self.quantity}"

    @property
    def no_claim(self) -> bool:
        """Labelled "in the text" as a name or an enumeration marker the abstract lacks
        ("MATH 500", "Llama 2", "1)"): the policy, not the abstract, makes it no error."""
        return any(reason in self.reason for reason in _NO_CLAIM_REASONS)


@dataclass(frozen=True)
class Answer:
    """One real summary: its schema and its fields' text, in the schema's field order."""

    arxiv_id: str
    digest: str  # "002" or "003"
    schema: str
    fields: dict[str, str]


@cache
def answers() -> dict[str, Answer]:
    """The summaries of the corpus by arXiv id (``answers.json``)."""
    raw = json.loads((CORPUS_DIR / "answers.json").read_text(encoding="utf-8"))
    return {
        arxiv_id: Answer(arxiv_id, item["digest"], item["schema"], dict(item["fields"]))
        for arxiv_id, item in raw.items()
    }


def _day_sources(days: Iterable[str]) -> dict[str, str]:
    """Title, a newline and abstract of every paper of the recorded day lists, by arXiv id."""
    papers: dict[str, str] = {}
    for day in days:
        for item in json.loads((FIXTURES / "hf" / f"{day}.json").read_text(encoding="utf-8")):
            papers[item["paper"]["id"]] = f"{item['paper']['title']}\n{item['paper']['summary']}"
    return papers


@cache
def sources() -> dict[str, str]:
    """The text each summary's quantities are checked against, by arXiv id: title, a newline and
    abstract, as ``paperdigest.model.reask.quantity_source`` builds it for an abstract-only run."""
    papers = _day_sources(_HF_DAYS)
    extra = json.loads((CORPUS_DIR / "abstracts.json").read_text(encoding="utf-8"))
    papers.update({key: f"{paper['title']}\n{paper['summary']}" for key, paper in extra.items()})
    return papers


@cache
def heldout_sources() -> dict[str, str]:
    """The held-out abstracts (module docstring), by arXiv id: not in the corpus, and not in
    ``tests/fixtures/checks/abstracts.json`` nor named in a test of the check."""
    tests = Path(__file__).parent
    quoted = (FIXTURES / "checks" / "abstracts.json").read_text(encoding="utf-8") + "".join(
        path.read_text(encoding="utf-8") for path in tests.glob("test_checks*.py")
    )
    return {
        arxiv_id: text
        for arxiv_id, text in _day_sources(HELDOUT_DAYS).items()
        if arxiv_id not in sources() and arxiv_id not in quoted
    }


@cache
def cases() -> tuple[Case, ...]:
    """Every labelled case of ``corpus.tsv`` (tab-separated, one header line, no quoting)."""
    lines = (CORPUS_DIR / "corpus.tsv").read_text(encoding="utf-8").splitlines()
    header, *rows = lines
    assert header.split("\t") == ["arxiv_id", "schema", "field", "quantity", "label", "reason"]
    return tuple(Case(*row.split("\t")) for row in rows if row)


@cache
def flagged(arxiv_id: str, field: str) -> tuple[str, ...]:
    """The check's flags on one field of one summary (quantities as the check spells them)."""
    text = answers()[arxiv_id].fields[field]
    return tuple(unverified_quantities(text, sources()[arxiv_id]))


def is_flagged(case: Case) -> bool:
    """Whether the check flags this case's quantity in its field."""
    return case.quantity in flagged(case.arxiv_id, case.field)


def exemption(case: Case) -> str:
    """Why the check can never flag the case's quantity (:data:`NOT_READ`, :data:`SMALL`), or
    "" when it can: when checked against a source without numbers, it is flagged."""
    text = answers()[case.arxiv_id].fields[case.field]
    if case.quantity in unverified_quantities(text, ""):
        return ""
    read = set(extract_quantities(case.quantity)) & set(extract_quantities(text))
    return SMALL if read else NOT_READ


@dataclass(frozen=True)
class Invented:
    """An answer text with one invented quantity inserted as a sentence of its own."""

    arxiv_id: str
    kind: str  # a key of KINDS
    quantity: str  # as written and as the check spells it: "47.3%", "2.7배", "3,418", "7"
    text: str  # the answer's text with the sentence holding the quantity


# Numbers written in words that verify a count (the check reads them too): two to ten, also
# before "fold" ("a twofold taxonomy" has two parts).
_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_WORDS_RE = re.compile(rf"(?<![A-Za-z])({'|'.join(_WORDS)})(?=fold|(?![A-Za-z]))", re.IGNORECASE)
# Integers as a number of their own, with or without a unit ("7", "(7)", "7%", "2-3", "3D",
# "80GB"), and integers anywhere but inside a longer number: pieces of a name, a version or a
# model size are the difference ("7" of "Qwen2.5-VL-7B", "MedDINOv3", "CT-3M", "7B").
_OWN_RE = re.compile(
    r"(?<![A-Za-z0-9_.])(?<![A-Za-z]-)([0-9]+)(?![0-9]|[.,][0-9]|[kKMBT](?![A-Za-z]))"
)
_ANY_RE = re.compile(r"(?<![0-9.,])([0-9]+)(?![0-9]|[.,][0-9])")


def _held(source: str) -> tuple[set[int], set[int]]:
    """The integers ``source`` holds as numbers of their own (digits, or words two to ten),
    and those it holds only as pieces of a token: a name, a version, a model size."""
    words = {_WORDS.index(word.lower()) + 2 for word in _WORDS_RE.findall(source)}
    own = {int(n) for n in _OWN_RE.findall(source)} | words
    return own, {int(n) for n in _ANY_RE.findall(source)} - own


def _absent(quantity: str, source: str) -> bool:
    """Whether no quantity of ``source`` has the invented quantity's value, in any notation the
    check could accept (the value itself, x100 or /100, its digits anywhere, or in words)."""
    value = Decimal(extract_quantities(quantity)[0])
    values = {Decimal(v) for v in extract_quantities(source)} | word_quantities(source).every
    digits = format(value.normalize(), "f")
    near = {value, value * 100, value / 100}
    return not (near & values) and digits not in source.replace(",", "")


# A draw: (rng, source, answer text) -> the quantity, or None when none can be built.
Draw = Callable[[random.Random, str, str], str | None]


def _drawn(spelling: str, low: float, high: float, whole: bool = False) -> Draw:
    """A draw of a quantity absent from the source: ``spelling`` of a value in [low, high]."""

    def draw(rng: random.Random, source: str, text: str) -> str | None:
        for _ in range(200):
            value = rng.randrange(int(low), int(high) + 1) if whole else rng.uniform(low, high)
            quantity = spelling.format(value)
            if _absent(quantity, f"{source}\n{text}"):
                return quantity
        return None

    return draw


def _small_count(rng: random.Random, source: str, text: str) -> str | None:
    """A count of 2 to 10 that neither the source nor the answer holds in any notation."""
    free = [n for n in range(2, 11) if _absent(str(n), f"{source}\n{text}")]
    return str(rng.choice(free)) if free else None


def _in_a_name(rng: random.Random, source: str, text: str) -> str | None:
    """A count of 2 to 99 the source holds only inside a token ("Qwen2.5-VL-7B": 7)."""
    own, _ = _held(f"{source}\n{text}")
    hidden = sorted(n for n in _held(source)[1] - own if 2 <= n <= 99)
    return str(rng.choice(hidden)) if hidden else None


# Each kind: (sentence around the quantity, draw of the quantity, flagged by construction).
KINDS: dict[str, tuple[str, Draw, bool]] = {
    "percent": ("정확도가 {}로 향상되었다.", _drawn("{:.1f}%", 11, 99), True),
    "multiplier": ("추론 속도가 {} 빨라졌다.", _drawn("{:.1f}배", 1.1, 9.9), True),
    "thousands": ("{}개의 샘플로 평가하였다.", _drawn("{:,}", 1_001, 99_999, True), True),
    "korean": ("{} 개의 토큰을 사용하였다.", _drawn("{}만", 11, 999, True), True),
    "decimal": ("평균 점수는 {}이다.", _drawn("{:.2f}", 11, 99), True),
    "small count": ("{}개 벤치마크에서 평가하였다.", _small_count, False),
    "after a name": ("HealthBench Hard {}를 기록하였다.", _drawn("{}", 11, 99, True), False),
    "in a name": ("{}개 벤치마크에서 평가하였다.", _in_a_name, False),
}
MISSED_KINDS = frozenset({"after a name"})
"""Kinds the check does not flag by design: a number right after a name ("HealthBench Hard
45", "MATH 500") is part of the name."""


def invent(texts: dict[str, tuple[str, str]], seed: int = INVENTED_SEED) -> list[Invented]:
    """One invented quantity of each kind of :data:`KINDS` in every answer text.

    Args:
        texts: arXiv id -> (answer text, source text).
        seed: the seed of the draws (kind order, value, line the sentence goes before).

    Returns:
        The cases; a kind that cannot be built for a source (no free small count, no number
        inside a name) is left out for it.
    """
    rng = random.Random(seed)
    made: list[Invented] = []
    for arxiv_id, (text, source) in texts.items():
        for kind, (sentence, draw, _) in KINDS.items():
            quantity = draw(rng, source, text)
            if quantity is None:
                continue
            lines = text.split("\n")
            lines.insert(rng.randrange(len(lines) + 1), sentence.format(quantity))
            made.append(Invented(arxiv_id, kind, quantity, "\n".join(lines)))
    return made


def invented_cases(seed: int = INVENTED_SEED) -> list[Invented]:
    """:func:`invent` on every results field of the corpus."""
    return invent(
        {
            answer.arxiv_id: (answer.fields["results"], sources()[answer.arxiv_id])
            for answer in answers().values()
            if "results" in answer.fields
        },
        seed,
    )


# What a held-out answer restates, found with simple patterns: a percentage, a multiplier, a
# size in millions or billions (not glued to a name: "Qwen2.5-7B" is left alone).
_RESTATE_PERCENT_RE = re.compile(r"(?<![\w.])([0-9]+(?:\.[0-9]+)?)[ ]?\\?%")
_RESTATE_TIMES_RE = re.compile(r"(?<![\w.])([0-9]+(?:\.[0-9]+)?)[ ]?(?:x|×|\$?\\times\$?)(?!\w)")
_RESTATE_SCALE_RE = re.compile(r"(?<![\w.\-])([0-9]+(?:\.[0-9]+)?)[ ]?(million|billion|M|B)(?!\w)")


def restated(source: str) -> list[str]:
    """The quantities of a held-out abstract restated in Korean notation, as a faithful answer
    writes them: "92%", "3.5배", "15억" for "1.5B", "130만" for "1.3M"."""
    found = [f"{n}%" for n in _RESTATE_PERCENT_RE.findall(source)]
    found += [f"{n}배" for n in _RESTATE_TIMES_RE.findall(source)]
    for number, scale in _RESTATE_SCALE_RE.findall(source):
        value = Decimal(number).scaleb(9 if scale in ("billion", "B") else 6)
        unit, place = ("억", 8) if value >= Decimal(10) ** 8 else ("만", 4)
        found.append(f"{format(value.scaleb(-place).normalize(), 'f')}{unit}")
    return found


def heldout_answer(source: str) -> str:
    """A constructed Korean answer for a held-out abstract: its restated quantities."""
    sentences = [f"이 방법은 {quantity}를 보고하였다." for quantity in restated(source)]
    return "\n".join(["본 논문은 새로운 방법을 제안하고 여러 벤치마크에서 평가하였다.", *sentences])


def heldout_cases(seed: int = INVENTED_SEED) -> list[Invented]:
    """:func:`invent` on the constructed answers of the held-out abstracts."""
    return invent(
        {key: (heldout_answer(source), source) for key, source in heldout_sources().items()},
        seed,
    )
