"""Benchmark: precision of the quantity check, on its corpus and on held-out abstracts.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_checks.py --help``).

What it measures (``tests/precision.py`` builds every set):

* the corpus the rules were developed on: the Korean summaries of reference digests 002 and
  003, every quantity of every field labelled by hand as in or not in the abstract the model
  was given. Of the quantities in the abstract, those the check can flag (it flags them
  against a source without numbers) and its false flags among them (target <= 2 %); the
  others with the exemption that keeps them from ever being flagged, each with its count;
  the quantities not in the abstract that it flags, the real errors among them, and each miss;
* invented quantities, one of each kind added to every results field, for several seeds: the
  kinds flagged by construction (11 or more with a unit: %, 배, thousands, 만, decimals) and the
  kinds the check can miss (a small count "7개", a number right after a name "HealthBench
  Hard 45", a count the source holds only inside a name "Qwen2.5-VL-7B"); target 100 % for
  every kind but the one not checked by design (after a name);
* the loophole of issue 17 §2: "7개 벤치마크" added to every answer, and the answers that
  publish it without a warning;
* held out: abstracts of other recorded days, not used for tuning: false flags on their
  quantities restated in Korean notation, and the invented kinds on them;
* time per answer: one :func:`paperdigest.checks.unverified_quantities` call on a whole answer
  (its fields joined by newlines, as ``paperdigest.model.reask.validate_answer`` does) against
  title + abstract, the mean over repeated runs, in milliseconds.

Caveat: the time is of this machine, in one process, with warm caches; compare it with runs
on the same machine only. The held-out answers are constructed, not written by a model.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from precision import (  # noqa: E402
    IN_TEXT,
    INVENTED_SEED,
    KINDS,
    MISSED_KINDS,
    NOT_IN_TEXT,
    REAL_ERRORS,
    Invented,
    answers,
    cases,
    exemption,
    heldout_answer,
    heldout_cases,
    heldout_sources,
    invented_cases,
    is_flagged,
    restated,
    sources,
)

from paperdigest.checks import unverified_quantities  # noqa: E402

# Targets of issue 11 §4 and issue 17 §3.
MAX_FALSE_FLAG_RATE = 0.02
MIN_INVENTED_FLAG_RATE = 1.0
# The count of issue 17 §2, added to every answer.
LOOPHOLE_SENTENCE = "7개 벤치마크에서 평가하였다."


def _time_per_answer(repeat: int) -> tuple[float, float]:
    """Mean and slowest seconds of one check of a whole answer, over ``repeat`` rounds."""
    items = [
        ("\n".join(answer.fields.values()), sources()[answer.arxiv_id])
        for answer in answers().values()
    ]
    slowest = 0.0
    started = time.perf_counter()
    for _ in range(repeat):
        for answer_text, source in items:
            one = time.perf_counter()
            unverified_quantities(answer_text, source)
            slowest = max(slowest, time.perf_counter() - one)
    return (time.perf_counter() - started) / (repeat * len(items)), slowest


def _flag_counts(items: list[Invented], source: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Per kind: (flagged, invented)."""
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for item in items:
        totals[item.kind] += 1
        hits[item.kind] += item.quantity in unverified_quantities(item.text, source[item.arxiv_id])
    return {kind: (hits[kind], totals[kind]) for kind in KINDS}


def _rate(hit: int, total: int) -> str:
    return f"{hit}/{total} ({hit / total:.0%})" if total else "0/0"


def main() -> int:
    """Run the benchmark; exit 0 when every target is met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds", type=int, default=10, help="seeds of invented quantities (default 10)"
    )
    parser.add_argument(
        "--repeat", type=int, default=20, help="timing rounds over all answers (default 20)"
    )
    args = parser.parse_args()

    in_text = [case for case in cases() if case.label == IN_TEXT]
    not_in_text = [case for case in cases() if case.label == NOT_IN_TEXT]
    flaggable = [case for case in in_text if not exemption(case)]
    exempt = Counter(exemption(case) for case in in_text if exemption(case))
    false_flags = [case for case in in_text if is_flagged(case)]
    caught = [case for case in not_in_text if is_flagged(case)]
    digests = Counter(answer.digest for answer in answers().values())
    print(
        f"corpus (the rules were developed on it): {len(answers())} answers ("
        + ", ".join(f"digest {d}: {n}" for d, n in sorted(digests.items()))
        + f"), {len(cases())} labelled quantities"
    )
    print(f"in the text       {len(in_text)} (labelled: the check must not flag them)")
    false_rate = len(false_flags) / len(flaggable) if flaggable else 0.0
    print(
        f"  can be flagged  {len(flaggable)}: false flags {len(false_flags)} "
        f"({false_rate:.1%}; target <= {MAX_FALSE_FLAG_RATE:.0%})"
    )
    for case in false_flags:
        print(f"    false flag    {case.case_id}  ({case.reason})")
    print(f"  never flagged   {sum(exempt.values())}, whatever the source says:")
    for why, count in exempt.most_common():
        print(f"    {count:3d}  {why}")
    no_claim = [case for case in in_text if case.no_claim]
    print(
        f"  of the {len(in_text)}, {len(no_claim)} are not in the abstract at all: names and "
        "enumeration markers that the policy counts as no claim"
    )
    print(f"not in the text   {len(not_in_text)}: flagged {len(caught)}")
    for case in not_in_text:
        if case.case_id in REAL_ERRORS:
            print(
                f"    real error    {case.case_id}  {'flagged' if is_flagged(case) else 'MISSED'}"
            )
    for case in not_in_text:
        if case not in caught:
            print(f"    missed        {case.case_id}  ({case.reason})")

    seeds = range(INVENTED_SEED, INVENTED_SEED + args.seeds)
    corpus = _flag_counts([i for s in seeds for i in invented_cases(s)], sources())
    heldout = _flag_counts([i for s in seeds for i in heldout_cases(s)], heldout_sources())
    print(f"invented          one of each kind per answer, {args.seeds} seeds: corpus | held-out")
    for kind, (_, _, by_construction) in KINDS.items():
        note = "by construction" if by_construction else "can be missed"
        if kind in MISSED_KINDS:
            note = "not checked by design"
        print(f"  {kind:15s} {_rate(*corpus[kind]):>18s} | {_rate(*heldout[kind]):>16s}  ({note})")

    published = [
        answer.arxiv_id
        for answer in answers().values()
        if "7"
        not in unverified_quantities(
            "\n".join([*answer.fields.values(), LOOPHOLE_SENTENCE]), sources()[answer.arxiv_id]
        )
    ]
    print(
        f'loophole          "{LOOPHOLE_SENTENCE}" added to every answer: {len(published)} of '
        f"{len(answers())} published without a warning ({', '.join(published) or 'none'})"
    )
    restated_total = sum(len(restated(source)) for source in heldout_sources().values())
    heldout_false = [
        (key, flags)
        for key, source in heldout_sources().items()
        if (flags := unverified_quantities(heldout_answer(source), source))
    ]
    print(
        f"held out          {len(heldout_sources())} abstracts of other days: "
        f"{restated_total} quantities restated in Korean, "
        f"false flags {sum(len(flags) for _, flags in heldout_false)}"
    )
    for key, flags in heldout_false:
        print(f"    false flag    {key}: {', '.join(flags)}")

    mean, slowest = _time_per_answer(args.repeat)
    print(f"time per answer   {mean * 1000:.2f} ms mean, {slowest * 1000:.2f} ms slowest")
    checked = [kind for kind in KINDS if kind not in MISSED_KINDS]
    targets = {
        f"false-flag rate <= {MAX_FALSE_FLAG_RATE:.0%}": false_rate <= MAX_FALSE_FLAG_RATE,
        "every invented quantity of a checked kind flagged, held out too": all(
            hit >= MIN_INVENTED_FLAG_RATE * total
            for counts in (corpus, heldout)
            for hit, total in (counts[kind] for kind in checked)
        ),
        "no false flag held out": not heldout_false,
    }
    for name, ok in targets.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
