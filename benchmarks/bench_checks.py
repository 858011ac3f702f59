"""Benchmark: precision of the quantity check on its corpus of real summaries (issue 11 §4).

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_checks.py --help``).

What it measures, on the corpus of ``tests/precision.py`` (the Korean summaries of reference
digests 002 and 003, every quantity of every field labelled by hand as in or not in the abstract
the model was given):

* quantities checked: the labelled cases (one quantity of one field);
* false-flag rate: cases labelled "in the text" that the check flags, over all such cases
  (target <= 2 %); the false flags are listed;
* not-in-abstract quantities flagged: cases labelled "not in the text" that the check flags
  (real errors such as 1.6억 for "1.6 billion", and quantities the digest's model took from the
  paper body); the misses are listed;
* flags on invented quantities: one random quantity added to every results field, for several
  seeds (target 100 %);
* time per answer: one :func:`paperdigest.checks.unverified_quantities` call on a whole answer
  (its fields joined by newlines, as ``paperdigest.model.reask.validate_answer`` does) against
  title + abstract, the mean over repeated runs, in milliseconds.

Caveat: the time is of this machine, in one process, with warm caches; compare it with runs
on the same machine only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from precision import (  # noqa: E402
    IN_TEXT,
    INVENTED_SEED,
    NOT_IN_TEXT,
    answers,
    cases,
    invented_cases,
    is_flagged,
    sources,
)

from paperdigest.checks import unverified_quantities  # noqa: E402

# Targets of issue 11 §4.
MAX_FALSE_FLAG_RATE = 0.02
MIN_INVENTED_FLAG_RATE = 1.0


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


def main() -> int:
    """Run the benchmark; exit 0 when every target is met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds", type=int, default=20, help="seeds of invented quantities (default 20)"
    )
    parser.add_argument(
        "--repeat", type=int, default=20, help="timing rounds over all answers (default 20)"
    )
    args = parser.parse_args()

    all_cases = cases()
    in_text = [case for case in all_cases if case.label == IN_TEXT]
    not_in_text = [case for case in all_cases if case.label == NOT_IN_TEXT]
    false_flags = [case for case in in_text if is_flagged(case)]
    caught = [case for case in not_in_text if is_flagged(case)]
    invented = [
        item
        for seed in range(INVENTED_SEED, INVENTED_SEED + args.seeds)
        for item in invented_cases(seed)
    ]
    by_kind: dict[str, list[int]] = {}  # kind -> [flagged, invented]
    for item in invented:
        hit = item.quantity in unverified_quantities(item.text, sources()[item.arxiv_id])
        counts = by_kind.setdefault(item.kind, [0, 0])
        counts[0] += hit
        counts[1] += 1
    invented_flagged = sum(hit for hit, _ in by_kind.values())
    mean, slowest = _time_per_answer(args.repeat)

    false_rate = len(false_flags) / len(in_text) if in_text else 0.0
    invented_rate = invented_flagged / len(invented) if invented else 1.0
    by_digest: dict[str, int] = {}
    for case in all_cases:
        digest = answers()[case.arxiv_id].digest
        by_digest[digest] = by_digest.get(digest, 0) + 1

    print(
        f"answers           {len(answers())} (digest "
        + ", ".join(
            f"{d}: {sum(a.digest == d for a in answers().values())}" for d in sorted(by_digest)
        )
        + ")"
    )
    print(
        f"quantities checked   {len(all_cases)} ({len(in_text)} in the text, "
        f"{len(not_in_text)} not in the text)"
    )
    print(
        f"false-flag rate   {false_rate:.1%} ({len(false_flags)} of {len(in_text)}; "
        f"target <= {MAX_FALSE_FLAG_RATE:.0%})"
    )
    for case in false_flags:
        print(f"  false flag      {case.case_id}  ({case.reason})")
    alarmed = {case.arxiv_id for case in false_flags}
    print(f"answers alarmed   {len(alarmed)} of {len(answers())} have a false flag")
    print(f"not in abstract   {len(caught)} of {len(not_in_text)} flagged")
    for case in not_in_text:
        if case not in caught:
            print(f"  missed          {case.case_id}  ({case.reason})")
    print(
        f"invented quantities  {invented_rate:.1%} flagged ({invented_flagged} of {len(invented)}, "
        f"{args.seeds} seeds; target {MIN_INVENTED_FLAG_RATE:.0%})"
    )
    print(
        "  by kind         "
        + ", ".join(f"{kind} {hit}/{n}" for kind, (hit, n) in sorted(by_kind.items()))
    )
    print(f"time per answer   {mean * 1000:.2f} ms mean, {slowest * 1000:.2f} ms slowest")
    targets = {
        f"false-flag rate <= {MAX_FALSE_FLAG_RATE:.0%}": false_rate <= MAX_FALSE_FLAG_RATE,
        "every invented quantity flagged": invented_rate >= MIN_INVENTED_FLAG_RATE,
    }
    for name, ok in targets.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
