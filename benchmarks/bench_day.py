"""Benchmark: one synthetic day through ``run_day`` against the local fake upstream.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_day.py --help``).

What it does, all in this one process:

* starts ``tests/fakeserver.FakeUpstream`` with a synthetic Hugging Face list of N papers
  (``fake.hf_bodies``) and an arXiv entry for every one of them (``fake.arxiv_extra_entries``),
  so the metadata step is a real one-page (≤ 100 ids) arXiv API request;
* sets the fake model's latency (``fake.chat_latency``, seconds per chat call);
* runs ``run_day`` at the given concurrency, abstracts only (``PAPERDIGEST_FULLTEXT=false``)
  and without arXiv's politeness delay, so the model calls are the only slow part;
* reruns the same day with a fresh Runtime (new store connection, as a new process would):
  every summary is cached, so this measures the per-run overhead alone;
* through the installed CLI (``paperdigest`` beside this interpreter, a new process each
  time): the start-up time of ``--version`` and ``--help``, and a cached rerun of a
  39-paper day (the papers of the first run, so every summary is stored; one untimed run
  first writes the digest and the response-format cache, as the day's first run would);
  each the median of several runs;
* the same cached rerun for a reader (issue 18 §5): interests and a library export set, the
  39 papers ranked by relevance and ``--top 10`` in full, the rest as briefs (one untimed run
  first ranks the day and writes the briefs); once with the 8-item library of the test
  fixtures, once with a 2,000-item BibTeX export of recorded titles and abstracts;
* prints the figures and PASS/FAIL against the targets.

Caveats: the fake server runs in this process (its threads share the interpreter, and it
answers the CLI's requests too), so the peak RSS (``ru_maxrss``) is that of app + fake
server together, and both compete for the same cores (the reference machine has 2). The
figures are wall times: on a loaded machine every one of them grows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from benchdata import library_entries, write_bibtex  # noqa: E402
from fakeserver import FakeUpstream  # noqa: E402

from paperdigest.config import load_settings  # noqa: E402
from paperdigest.flows.day import run_day  # noqa: E402
from paperdigest.flows.days import DayOptions  # noqa: E402
from paperdigest.flows.results import DayResult, cost_text  # noqa: E402
from paperdigest.flows.runtime import open_runtime  # noqa: E402

DAY = date(2025, 11, 7)
# Targets of the "speed and scale" issue.
MAX_RATIO = 1.3
MAX_CACHED_SECONDS = 1.5
MAX_RSS_MB = 150.0
# Targets of the "upgrade-safe store and core" issue (2-core reference machine).
MAX_STARTUP_SECONDS = 0.3
MAX_CLI_CACHED_SECONDS = 0.6
CLI_DAY = date(2025, 11, 8)
CLI_PAPERS = 39
CLI_REPEATS = 9
CLI = Path(sys.executable).with_name("paperdigest")
LIBRARY = ROOT / "tests" / "fixtures" / "library" / "library.bib"
LIBRARY_ITEMS = 2_000
INTERESTS = "long-document reasoning; retrieval-augmented generation; video understanding"

_ABSTRACT = (
    "We study how large language models can be trained to reason over long documents. "
    "Our method combines retrieval with a learned planner and improves accuracy on five "
    "benchmarks while using fewer tokens than strong baselines. We release code and data. "
) * 4


def _ids(n: int) -> list[str]:
    return [f"2511.{90000 + i:05d}" for i in range(1, n + 1)]


def _title(arxiv_id: str) -> str:
    return f"Synthetic Paper {arxiv_id}: Long-Document Reasoning"


def _hf_list(ids: list[str]) -> bytes:
    items = []
    for rank, arxiv_id in enumerate(ids):
        title = _title(arxiv_id)
        items.append(
            {
                "paper": {
                    "id": arxiv_id,
                    "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
                    "title": title,
                    "summary": _ABSTRACT,
                    "upvotes": len(ids) - rank,
                },
                "title": title,
                "summary": _ABSTRACT,
            }
        )
    return json.dumps(items).encode()


def arxiv_entry(arxiv_id: str, title: str, abstract: str) -> str:
    """An arXiv API feed entry (version 1, cs.CL, one author) for ``fake.arxiv_extra_entries``."""
    return f"""  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v1</id>
    <title>{escape(title)}</title>
    <updated>2025-11-05T18:58:48Z</updated>
    <link href="https://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>
    <summary>{escape(abstract)}</summary>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <published>2025-11-05T18:58:48Z</published>
    <arxiv:primary_category term="cs.CL"/>
    <author>
      <name>Ada Lovelace</name>
    </author>
  </entry>
"""


async def _timed_run() -> tuple[DayResult, float]:
    started = time.perf_counter()
    rt = open_runtime(load_settings())
    try:
        result = await run_day(rt, DAY, DayOptions("seven", "digest"))
    finally:
        rt.store.close()
    return result, time.perf_counter() - started


def configure(fake: FakeUpstream, work: Path, concurrency: int) -> None:
    """Point the settings (environment variables) at ``fake``, with ``work`` as the output
    folder: abstracts only, no arXiv delay, priced like gpt-4o-mini."""
    base = fake.base_url
    for name in list(os.environ):
        if name.startswith("PAPERDIGEST_"):
            del os.environ[name]
    os.environ.update(
        {
            "PAPERDIGEST_HF_BASE_URL": base,
            "PAPERDIGEST_ARXIV_API_URL": f"{base}/api/query",
            "PAPERDIGEST_ARXIV_HTML_URL": f"{base}/html",
            "PAPERDIGEST_ARXIV_PDF_URL": f"{base}/pdf",
            "OPENAI_BASE_URL": f"{base}/v1",
            "OPENAI_API_KEY": "sk-bench-not-a-real-key",
            "PAPERDIGEST_MODEL": "fake-model",
            # Priced like the default model, gpt-4o-mini, so the cost line shows a figure.
            "PAPERDIGEST_PRICES": '{"fake-model": [0.15, 0.60]}',
            "PAPERDIGEST_ARXIV_DELAY_SECONDS": "0",
            "PAPERDIGEST_FULLTEXT": "false",
            "PAPERDIGEST_CONCURRENCY": str(concurrency),
            "PAPERDIGEST_OUTPUT_DIR": str(work / "out"),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )


def _cli_seconds(*args: str, repeats: int = CLI_REPEATS) -> float:
    """Median wall time of ``paperdigest ARGS`` over ``repeats`` new processes."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run([str(CLI), *args], capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(
                f"paperdigest {' '.join(args)} exited {done.returncode}: {done.stderr}"
            )
    return statistics.median(times)


def main() -> int:
    """Run the benchmark; exit 0 when every target is met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--papers", type=int, default=int(os.environ.get("BENCH_PAPERS", "100")), help="N papers"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=float(os.environ.get("BENCH_LATENCY", "1.0")),
        help="seconds per model call",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("BENCH_CONCURRENCY", "8")),
        help="PAPERDIGEST_CONCURRENCY",
    )
    args = parser.parse_args()

    fake = FakeUpstream()
    fake.start()
    try:
        ids = _ids(args.papers)
        fake.hf_bodies[DAY.isoformat()] = _hf_list(ids)
        fake.arxiv_extra_entries.update({i: arxiv_entry(i, _title(i), _ABSTRACT) for i in ids})
        fake.chat_latency = args.latency
        with tempfile.TemporaryDirectory(prefix="paperdigest-bench-") as tmp:
            work = Path(tmp)
            configure(fake, work, args.concurrency)
            first, wall = asyncio.run(_timed_run())
            calls = fake.chat_count
            cached, cached_wall = asyncio.run(_timed_run())
            cached_calls = fake.chat_count - calls
            version_s = _cli_seconds("--version")
            help_s = _cli_seconds("--help")
            fake.hf_bodies[CLI_DAY.isoformat()] = _hf_list(ids[:CLI_PAPERS])
            day_args = ("run", "--date", CLI_DAY.isoformat())
            calls_before_cli = fake.chat_count
            _cli_seconds(*day_args)  # the day's digest and format cache exist from here on
            cli_cached_s = _cli_seconds(*day_args)
            cli_calls = fake.chat_count - calls_before_cli
            readers: dict[str, tuple[float, int]] = {}
            big_library = write_bibtex(work / "library.bib", library_entries(LIBRARY_ITEMS, DAY))
            for label, library in (
                (f"{CLI_PAPERS} papers, 8-item library", LIBRARY),
                (f"{CLI_PAPERS} papers, {LIBRARY_ITEMS:,}-item library", big_library),
            ):
                os.environ["PAPERDIGEST_INTERESTS"] = INTERESTS
                os.environ["PAPERDIGEST_LIBRARY"] = str(library)
                _cli_seconds(*day_args, "--top", "10", repeats=1)  # ranks, writes the briefs
                asked = fake.chat_count + fake.embedding_count
                seconds = _cli_seconds(*day_args, "--top", "10")
                readers[label] = (seconds, fake.chat_count + fake.embedding_count - asked)
    finally:
        fake.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

    n = args.papers
    ideal = n * args.latency / args.concurrency
    ratio = wall / ideal if ideal else float("nan")
    s = first.stats
    print(f"papers            {n} ({s.summarized} summarized, {s.failed} failed)")
    print(f"concurrency       {args.concurrency}")
    print(f"model latency     {args.latency:.2f} s/call ({calls} calls)")
    print(f"wall time         {wall:.2f} s")
    print(f"ideal             {ideal:.2f} s (n x latency / concurrency)")
    print(f"floor             {math.ceil(n / args.concurrency) * args.latency:.2f} s (whole calls)")
    print(f"ratio             {ratio:.3f} (target <= {MAX_RATIO})")
    print(f"throughput        {n / wall:.2f} papers/s")
    print(f"tokens in/out     {s.prompt_tokens}/{s.completion_tokens}, {cost_text(s.cost_usd)}")
    print(
        f"cached rerun      {cached_wall:.3f} s ({cached.stats.cached} cached, "
        f"{cached_calls} calls) (target <= {MAX_CACHED_SECONDS} s)"
    )
    print(
        f"peak RSS          {rss_mb:.1f} MB (whole process, fake server included) "
        f"(target <= {MAX_RSS_MB:.0f} MB)"
    )
    print(
        f"start-up          --version {version_s:.3f} s, --help {help_s:.3f} s "
        f"(median of {CLI_REPEATS} processes) (target <= {MAX_STARTUP_SECONDS} s)"
    )
    print(
        f"CLI cached rerun  {cli_cached_s:.3f} s ({min(CLI_PAPERS, n)} papers, {cli_calls} calls, "
        f"median of {CLI_REPEATS} processes) (target <= {MAX_CLI_CACHED_SECONDS} s)"
    )
    for label, (seconds, asked) in readers.items():
        print(
            f"reader's cached rerun {seconds:.3f} s ({label}, --top 10, {asked} model or "
            f"embedding requests, median of {CLI_REPEATS}) (target <= {MAX_CLI_CACHED_SECONDS} s)"
        )
    checks = {
        f"wall <= {MAX_RATIO} x ideal": ideal > 0 and ratio <= MAX_RATIO,
        f"cached rerun <= {MAX_CACHED_SECONDS} s": cached_wall <= MAX_CACHED_SECONDS,
        f"peak RSS <= {MAX_RSS_MB:.0f} MB": rss_mb <= MAX_RSS_MB,
        "every paper summarized": s.summarized == n and cached.stats.cached == n,
        f"--version and --help <= {MAX_STARTUP_SECONDS} s": max(version_s, help_s)
        <= MAX_STARTUP_SECONDS,
        f"CLI cached rerun <= {MAX_CLI_CACHED_SECONDS} s": cli_cached_s <= MAX_CLI_CACHED_SECONDS
        and cli_calls == 0,
        **{
            f"reader's cached rerun ({label}) <= {MAX_CLI_CACHED_SECONDS} s": seconds
            <= MAX_CLI_CACHED_SECONDS
            and asked == 0
            for label, (seconds, asked) in readers.items()
        },
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    if fake.errors:
        print(f"fake server errors: {fake.errors[:3]}")
    return 0 if all(checks.values()) and not fake.errors else 1


if __name__ == "__main__":
    sys.exit(main())
