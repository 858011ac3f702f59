"""Texts the benchmarks share (not a benchmark itself): the recorded daily papers lists'
titles and abstracts, and a reader's large library export made of them.

The benchmarks run as scripts (``python benchmarks/bench_x.py``), so this folder is first on
``sys.path`` and they import this module as ``benchdata``. It imports nothing heavy: bench_day
measures its whole process's peak memory.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDED_LISTS = ROOT / "tests" / "fixtures" / "hf"
# A library spans three years of saved papers, the dates spread evenly over them.
LIBRARY_DAYS = 1095


def recorded_texts() -> list[tuple[str, str]]:
    """(title, abstract) of every item of the recorded lists (``tests/fixtures/hf/*.json``,
    files in name order, items in list order, repeats kept), white space collapsed."""
    return [
        (" ".join(item["paper"]["title"].split()), " ".join(item["paper"]["summary"].split()))
        for path in sorted(RECORDED_LISTS.glob("*.json"))
        for item in json.loads(path.read_text(encoding="utf-8"))
    ]


def library_entries(n: int, today: date) -> list[tuple[str, str, date]]:
    """``n`` library items as (title, abstract, date added): the recorded texts in turn, each
    title made distinct by its number (``"… [7]"``), added over the :data:`LIBRARY_DAYS`
    before ``today``, newest first."""
    recorded = recorded_texts()
    return [
        (
            f"{recorded[i % len(recorded)][0]} [{i}]",
            recorded[i % len(recorded)][1],
            today - timedelta(days=i * LIBRARY_DAYS // n),
        )
        for i in range(n)
    ]


def write_bibtex(path: Path, entries: list[tuple[str, str, date]]) -> Path:
    """Write ``entries`` (see :func:`library_entries`) as a BibTeX export to ``path``: one
    ``@misc`` each with title, abstract (``%`` escaped as BibTeX needs), ``urldate`` (the
    date added, as Zotero exports it) and year (2025, the recorded papers'); returns ``path``."""
    texts = []
    for i, (title, abstract, added) in enumerate(entries):
        escaped = abstract.replace("%", "\\%")
        texts.append(
            f"@misc{{item{i},\n\ttitle = {{{title}}},\n\tabstract = {{{escaped}}},\n"
            f"\turldate = {{{added}}},\n\tyear = {{2025}},\n}}\n"
        )
    path.write_text("\n".join(texts), encoding="utf-8")
    return path
