"""The precision corpus of the quantity check (issue 11 §4), shared by its test and its benchmark.

Real Korean summaries (reference digests 002 and 003, split into their schema's fields) and the
abstracts their model was given, with one hand-checked label per quantity of every field:
``tests/fixtures/precision/`` (provenance in ``tests/fixtures/README.md``). A case is one quantity
of one field, as the check's own extractor spells it; its label says whether the quantity is in
the paper's title or abstract ("in the text") or not ("not in the text"). Invented quantities are
synthetic cases built here: one random quantity, seeded, added to every results field.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from paperdigest.checks import extract_quantities, unverified_quantities

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS_DIR = FIXTURES / "precision"
IN_TEXT = "in the text"
NOT_IN_TEXT = "not in the text"
# The day lists the model's abstracts come from, per digest day (tests/fixtures/README.md).
_HF_DAYS = ("2025-05-09",)
INVENTED_SEED = 20250509


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


@cache
def sources() -> dict[str, str]:
    """The text each summary's quantities are checked against, by arXiv id: title, a newline and
    abstract, as ``paperdigest.model.reask.quantity_source`` builds it for an abstract-only run."""
    papers: dict[str, tuple[str, str]] = {}
    for day in _HF_DAYS:
        items = json.loads((FIXTURES / "hf" / f"{day}.json").read_text(encoding="utf-8"))
        for item in items:
            paper = item["paper"]
            papers[paper["id"]] = (paper["title"], paper["summary"])
    extra = CORPUS_DIR / "abstracts.json"
    if extra.exists():
        for arxiv_id, paper in json.loads(extra.read_text(encoding="utf-8")).items():
            papers[arxiv_id] = (paper["title"], paper["summary"])
    return {arxiv_id: f"{title}\n{summary}" for arxiv_id, (title, summary) in papers.items()}


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


@dataclass(frozen=True)
class Invented:
    """A results field with one invented quantity inserted as a sentence of its own."""

    arxiv_id: str
    kind: str  # a key of TEMPLATES: "percent", "multiplier", "count", "korean", "decimal"
    quantity: str  # as written and as the check spells it: "47.3%", "2.7배", "3,418"
    text: str  # the field's text with the sentence holding the quantity


# Sentences for an invented quantity, one per kind the check reads: a percentage, a multiplier,
# a count with thousands separators, a Korean 만 count, a decimal score. Each kind: (format of
# the quantity, sentence around it, draw of its value).
TEMPLATES: dict[str, tuple[str, str, Callable[[random.Random], float]]] = {
    "percent": ("{:.1f}%", "정확도가 {}로 향상되었다.", lambda r: r.uniform(11, 99)),
    "multiplier": ("{:.1f}배", "추론 속도가 {} 빨라졌다.", lambda r: r.uniform(1.1, 9.9)),
    "count": ("{:,}", "{}개의 샘플로 평가하였다.", lambda r: r.randrange(1_001, 99_999)),
    "korean": ("{}만", "{} 개의 토큰을 사용하였다.", lambda r: r.randrange(11, 999)),
    "decimal": ("{:.2f}", "평균 점수는 {}이다.", lambda r: r.uniform(11, 99)),
}


def _absent(quantity: str, source: str) -> bool:
    """Whether no quantity of ``source`` has the invented quantity's value, in any notation the
    check could accept (the value itself, x100 or /100, or its digits anywhere)."""
    value = Decimal(extract_quantities(quantity)[0])
    values = {Decimal(v) for v in extract_quantities(source)}
    near = {value, value * 100, value / 100}
    digits = format(value.normalize(), "f")
    return not (near & values) and digits not in source.replace(",", "")


def invented_cases(seed: int = INVENTED_SEED) -> list[Invented]:
    """One invented quantity in every results field of the corpus, drawn with ``seed``.

    The kind (a key of :data:`TEMPLATES`), the value and the line the sentence is inserted
    before are drawn; a value that the source holds in any notation is drawn again, so every
    quantity is truly invented.
    """
    rng = random.Random(seed)
    made: list[Invented] = []
    for answer in answers().values():
        if "results" not in answer.fields:
            continue
        kind = rng.choice(sorted(TEMPLATES))
        spelling, sentence, draw = TEMPLATES[kind]
        source = sources()[answer.arxiv_id]
        while True:
            quantity = spelling.format(draw(rng))
            if _absent(quantity, source):
                break
        lines = answer.fields["results"].split("\n")
        lines.insert(rng.randrange(len(lines) + 1), sentence.format(quantity))
        made.append(Invented(answer.arxiv_id, kind, quantity, "\n".join(lines)))
    return made
