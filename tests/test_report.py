"""`paperdigest list` and `paperdigest stats`: a view of the store, as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import AppEnv
from runhelpers import DAY, invoke, run_day


def _json(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_has_one_row_per_day_with_its_digests(old_db: Path) -> None:
    """list: one row per day, each with its digests' schema, template and path."""
    days = _json("list")["days"]
    assert [d["day"] for d in days] == ["2025-11-06", "2025-11-07"]
    assert [(g["schema"], g["template"], Path(g["path"]).name) for g in days[1]["digests"]] == [
        ("seven", "digest", "2025-11-07.md")
    ]


def test_list_counts_come_from_the_latest_completed_run(old_db: Path) -> None:
    """A day's papers, summarized and cached are its latest run's; calls and tokens add up
    every run of the day (the fixture's 2025-11-07: 17 calls, then a rerun with 1)."""
    day = _json("list", "--from", "2025-11-07")["days"][0]
    assert (day["runs"], day["status"]) == (2, "done")
    assert (day["papers"], day["summarized"], day["cached"], day["failed"]) == (15, 1, 14, 0)
    assert day["model_calls"] == 18
    assert (day["prompt_tokens"], day["completion_tokens"]) == (14648 + 791, 3395 + 202)


def test_list_counts_a_failed_paper(env: AppEnv) -> None:
    """A paper that failed every attempt is counted failed in the day's row."""
    env.fake.chat_faults_by_id["2511.04460"] = ["english"] * 10
    assert run_day().exit_code == 3
    (day,) = _json("list")["days"]
    assert (day["papers"], day["summarized"], day["failed"], day["status"]) == (
        15,
        14,
        1,
        "partial",
    )


def test_list_cost_is_unknown_without_a_price(env: AppEnv) -> None:
    """Without a configured price the day's estimated cost is null, not 0."""
    assert run_day("--limit", "2").exit_code == 0
    (day,) = _json("list")["days"]
    assert day["model_calls"] == 2 and day["cost_usd"] is None


def test_list_range_keeps_only_its_days(old_db: Path) -> None:
    """--from/--to keep the days in the range, both ends included."""
    days = _json("list", "--from", "2025-11-06", "--to", "2025-11-06")["days"]
    assert [d["day"] for d in days] == ["2025-11-06"]


def test_list_prints_a_table(old_db: Path) -> None:
    """Without --json, list prints a table with a row per day and its digest."""
    result = invoke("list")
    assert result.exit_code == 0, result.output
    assert "2025-11-06" in result.stdout and "2025-11-07" in result.stdout
    assert "seven/digest" in result.stdout and "gmr/jekyll" in result.stdout


@pytest.mark.parametrize("command", ["list", "stats"])
def test_empty_store_prints_nothing_stored(env: AppEnv, command: str) -> None:
    """No database yet: "nothing stored", exit 0, and no database is created."""
    result = invoke(command)
    assert (result.exit_code, result.stdout) == (0, "nothing stored\n")
    assert not (env.out_dir / "paperdigest.db").exists()


@pytest.mark.parametrize("command", ["list", "stats"])
def test_empty_range_prints_nothing_stored(old_db: Path, command: str) -> None:
    """A range without stored days: "nothing stored", exit 0."""
    result = invoke(command, "--from", "2026-01-01")
    assert (result.exit_code, result.stdout) == (0, "nothing stored\n")


@pytest.mark.parametrize(
    "args",
    [("--from", "2025-02-30"), ("--to", "2025-W45-5"), ("--from", "2025-11-08", "--to", DAY)],
)
@pytest.mark.parametrize("command", ["list", "stats"])
def test_bad_dates_are_bad_input(env: AppEnv, command: str, args: tuple[str, ...]) -> None:
    """An impossible date, a non-date or a range ending before it starts: one line, exit 2."""
    result = invoke(command, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("paperdigest: error: ")
    assert len(result.stderr.splitlines()) == 1


def test_stats_totals_add_up_the_days(old_db: Path) -> None:
    """stats totals: days, runs, digests, papers and calls of the range."""
    totals = _json("stats")["totals"]
    assert (totals["days"], totals["runs"], totals["digests"]) == (2, 3, 2)
    assert (totals["papers"], totals["model_calls"]) == (15 + 11, 17 + 11 + 1)


def test_stats_breaks_summaries_down_by_source(old_db: Path) -> None:
    """stats per source: papers, average source tokens, re-ask rate and flagged figures of
    the summaries the digests show (the fixture's are all from abstracts, none re-asked)."""
    (abstract,) = _json("stats")["sources"]
    assert (abstract["kind"], abstract["papers"], abstract["summaries"]) == ("abstract", 26, 26)
    assert 100 < abstract["avg_source_tokens"] < 1000
    assert (abstract["reask_rate"], abstract["figures_flagged"]) == (0.0, 0)


def test_stats_counts_re_asks_and_flagged_figures(env: AppEnv) -> None:
    """Summaries that needed a second answer raise the re-ask rate; a figure published with the
    unverified warning is counted as flagged."""
    env.fake.chat_faults_by_id["2511.04570"] = ["english"]
    env.fake.chat_faults_by_id["2511.04460"] = ["invented_figure"] * 10
    assert run_day("--limit", "4").exit_code == 0
    (source,) = _json("stats")["sources"]
    assert source["summaries"] == 4
    # 2 of 4 re-asked: the English answer, and the invented figure (re-asked, then published
    # flagged when every answer kept it).
    assert source["reask_rate"] == pytest.approx(0.5)
    assert source["figures_flagged"] >= 1


def test_stats_prints_tables(old_db: Path) -> None:
    """Without --json, stats prints the totals and the per-source table."""
    result = invoke("stats")
    assert result.exit_code == 0, result.output
    assert "model calls" in result.stdout and "abstract" in result.stdout
