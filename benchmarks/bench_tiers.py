"""Benchmark: what ``--top 10`` costs on a 39-paper day (issue 18 §5, first target).

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_tiers.py --help``).

The day: 39 real papers of the recorded lists (``tests/fixtures/hf``: their ids, titles,
abstracts, organizations and upvotes; 39 is the size of the busiest reference digest),
served by the test suite's fake server with an arXiv entry each. A reader with three
interests ranks them (the fake's embeddings).

Four runs, each in a fresh database, through :func:`~paperdigest.flows.day.run_day`:

* abstracts only (``PAPERDIGEST_FULLTEXT=false``): every paper in full, then ``--top 10``;
* full texts: every paper in full, then ``--top 10``. Each paper's full text is a recorded
  arXiv HTML page (``tests/fixtures/html/2504.11765.html``, a 23-page paper), selected to the
  default 12,000-token budget as in a real run. Briefs never read it.

The figure is the model tokens (prompt + completion, every call) of the ``--top 10`` run over
those of the all-full run; targets: at most 70 % from abstracts, 35 % from full texts.

How the fake model's usage is made realistic:

* prompts: what the app sends, counted whole: the system prompt, the paper's data block (its
  abstract or selected full text) and the response format's JSON schema, which a structured-
  outputs API bills as input;
* completions: answers as long as real ones: a ``seven`` summary of about 1,600 characters (the
  7-section reference digest's papers average 1,584), a brief of about 150 (its limit is 160);
  distinct Korean sentences in the schema's style that pass every check, so each paper costs
  one call;
* counting: Latin text at 4 characters a token (the app's own estimate) and Korean at one token
  per Hangul syllable (the "script-aware" count the run is billed with). The figures are also
  given with everything at 4 characters a token, which counts Korean answers low and so the
  savings of briefs low: both must meet the targets.

Embedding tokens are reported apart (text-embedding-3-small costs ~1/8 of gpt-4o-mini's input).

Caveat: a model's real answers vary in length from paper to paper; the figures hold the
answers' lengths fixed at the reference digest's average. Token counts do not depend on the
machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import bench_day  # noqa: E402  (this folder is the script's, first on sys.path)
from fakeserver import FakeUpstream, four_chars_a_token  # noqa: E402

from paperdigest.config import load_settings  # noqa: E402
from paperdigest.flows.day import run_day  # noqa: E402
from paperdigest.flows.days import DayOptions, RankOptions  # noqa: E402
from paperdigest.flows.results import DayResult  # noqa: E402
from paperdigest.flows.runtime import open_runtime  # noqa: E402

DAY = date(2025, 11, 7)
PAPERS = 39
TOP = 10
MAX_ABSTRACT_RATIO = 0.70  # issue 18 §5
MAX_FULLTEXT_RATIO = 0.35
HTML_PAGE = ROOT / "tests" / "fixtures" / "html" / "2504.11765.html"
INTERESTS = "video understanding and generation; reinforcement learning for LLM reasoning; agents"

# Characters of each text field of a realistic answer. ``seven``: 1,610 in all, as the
# 7-section reference digest's papers average 1,584 characters; a brief: gist and detail
# together ~150 of their 160.
SEVEN_CHARS = {
    "overview": 220,
    "motivation": 200,
    "contributions": 260,
    "architecture": 220,
    "datasets": 110,
    "baselines": 110,
    "results": 200,
    "limitations": 140,
    "future_work": 90,
    "gist": 60,
}
BRIEF_CHARS = {"gist": 70, "detail": 78}
# Words that make each sentence of an answer distinct (the checks refuse a repeated one).
_WORDS = (
    "문제",
    "방법",
    "구조",
    "데이터",
    "학습",
    "추론",
    "평가",
    "결과",
    "한계",
    "확장",
    "모델",
    "설계",
    "분석",
    "비교",
    "과제",
    "효율",
    "일반화",
    "안정성",
    "해석",
    "응용",
)


def script_aware(text: str) -> int:
    """Tokens of ``text``: one per Hangul syllable, 4 characters a token for the rest."""
    hangul = sum(1 for c in text if "\uac00" <= c <= "\ud7a3")
    return hangul + math.ceil((len(text) - hangul) / 4)


def _field(prop: str, chars: int) -> str:
    """Distinct formal Korean sentences about ``prop`` (the ``seven`` style, ~습니다) adding up
    to about ``chars`` characters; contributions as bullets, the overview opening as the
    schema asks."""
    sentences = ["해당 논문은 제안 방법의 개요를 설명합니다."] if prop == "overview" else []
    n = 0
    while sum(len(s) + 1 for s in sentences) < chars:
        word, other = _WORDS[n % len(_WORDS)], _WORDS[(n // len(_WORDS) + 3) % len(_WORDS)]
        sentences.append(f"이 {prop} 항목은 {word}과 {other}의 측면에서 내용을 정리합니다.")
        n += 1
    if prop == "contributions":
        return "\n".join(f"- {s}" for s in sentences)
    return " ".join(sentences)


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """A valid answer of realistic length to the schema asked for (``seven`` or its brief);
    the gist one short sentence of its own."""
    schema = body["response_format"]["json_schema"]["schema"]
    sizes = BRIEF_CHARS if str(schema.get("title", "")).endswith("-brief") else SEVEN_CHARS
    out: dict[str, Any] = {
        prop: _field(prop, sizes[prop]) if prop in sizes else None  # key_figure, masking
        for prop in schema["properties"]
    }
    out["gist"] = "논문은 새로운 방법을 제안하고 그 효과를 여러 과제에서 보입니다."
    return out


@dataclass
class Tally:
    """Tokens of one run by both counting rules, from what was sent and answered."""

    calls: int = 0
    aware: int = 0
    plain: int = 0


def _recorded() -> list[dict[str, Any]]:
    """The first 39 distinct papers of the recorded lists, in file order."""
    seen: dict[str, dict[str, Any]] = {}
    for path in sorted((ROOT / "tests" / "fixtures" / "hf").glob("2025-*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            seen.setdefault(item["paper"]["id"], item)
    return list(seen.values())[:PAPERS]


def _configure(fake: FakeUpstream, work: Path, fulltext: bool) -> None:
    """bench_day's settings for the fake server, with full texts on or off, no figures (their
    images cost no model token) and the reader's interests."""
    bench_day.configure(fake, work, concurrency=8)
    os.environ.update(
        {
            "PAPERDIGEST_FULLTEXT": "true" if fulltext else "false",
            "PAPERDIGEST_FIGURES": "false",
            "PAPERDIGEST_INTERESTS": INTERESTS,
        }
    )


async def _run(top: int | None) -> DayResult:
    rt = open_runtime(load_settings())
    try:
        options = DayOptions("seven", "digest", rank=RankOptions("relevance", top))
        return await run_day(rt, DAY, options)
    finally:
        rt.store.close()


def main() -> int:
    """Print the figures; exit 1 when a target is missed."""
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    papers = _recorded()
    fake = FakeUpstream()
    fake.start()
    tally = Tally()

    def handler(body: dict[str, Any]) -> dict[str, Any]:
        out = answer(body)
        sent = "".join(m["content"] for m in body["messages"])
        sent += json.dumps(body["response_format"], ensure_ascii=False)
        said = json.dumps(out, ensure_ascii=False)
        tally.calls += 1
        tally.aware += script_aware(sent) + script_aware(said)
        tally.plain += four_chars_a_token(sent) + four_chars_a_token(said)
        return out

    results: dict[tuple[bool, int | None], tuple[Tally, DayResult, int]] = {}
    try:
        fake.hf_bodies[DAY.isoformat()] = json.dumps(papers).encode()
        fake.arxiv_extra_entries.update(
            {
                p["paper"]["id"]: bench_day.arxiv_entry(
                    p["paper"]["id"], p["paper"]["title"], p["paper"]["summary"]
                )
                for p in papers
            }
        )
        page = HTML_PAGE.read_bytes()
        fake.html_pages.update({p["paper"]["id"]: page for p in papers})
        fake.chat_handler = handler
        fake.count_tokens = script_aware
        fake.bill_response_format = True
        for fulltext in (False, True):
            for top in (None, TOP):
                with tempfile.TemporaryDirectory(prefix="paperdigest-tiers-") as tmp:
                    _configure(fake, Path(tmp), fulltext)
                    tally = Tally()
                    embedded = fake.embedding_count
                    result = asyncio.run(_run(top))
                    results[(fulltext, top)] = (tally, result, fake.embedding_count - embedded)
    finally:
        fake.stop()

    ok = True
    for fulltext, target in ((False, MAX_ABSTRACT_RATIO), (True, MAX_FULLTEXT_RATIO)):
        source = "full texts" if fulltext else "abstracts"
        full, full_result, _ = results[(fulltext, None)]
        tiered, tiered_result, _ = results[(fulltext, TOP)]
        stats = tiered_result.stats
        billed = stats.prompt_tokens + stats.completion_tokens
        assert billed == tiered.aware, (billed, tiered.aware)  # the app counted what was sent
        every = full_result.stats
        print(
            f"{source:10}  all {PAPERS} in full: {full.calls} calls, "
            f"{every.prompt_tokens:,}+{every.completion_tokens:,} = {full.aware:,} tokens; "
            f"--top {TOP}: {tiered.calls} calls ({stats.briefs} briefs), "
            f"{stats.prompt_tokens:,}+{stats.completion_tokens:,} = {tiered.aware:,} tokens"
        )
        for rule, mine, theirs in (
            ("script-aware", tiered.aware, full.aware),
            ("4 chars a token", tiered.plain, full.plain),
        ):
            ratio = mine / theirs
            passed = ratio <= target and full.calls == PAPERS and tiered.calls == PAPERS
            ok &= passed
            print(
                f"{'PASS' if passed else 'FAIL'}  --top {TOP} from {source}: {ratio:.1%} of the "
                f"all-full run's tokens, {rule} (target <= {target:.0%})"
            )
    embeddings = results[(False, TOP)][2]
    print(f"embedding requests per run: {embeddings} (the profile's texts, the day's papers)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
