"""Cost: tokens from the API's usage, stored per run, priced from the configured table."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import AppEnv
from typer.testing import CliRunner

from paperdigest.cli import app


def _run(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PAPERDIGEST_PRICE_INPUT_PER_MTOK", "1000")
    monkeypatch.setenv("PAPERDIGEST_PRICE_OUTPUT_PER_MTOK", "3000")
    result = CliRunner().invoke(app, ["run", "--date", "2025-11-07"])
    assert result.exit_code == 0, result.output
    return result.stderr


def _last_run_stats(env: AppEnv) -> dict[str, float]:
    with sqlite3.connect(env.out_dir / "paperdigest.db") as db:
        (stats,) = db.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return dict(json.loads(stats))


def _usage_sum(env: AppEnv) -> tuple[int, int]:
    with sqlite3.connect(env.out_dir / "paperdigest.db") as db:
        row = db.execute("SELECT SUM(prompt_tokens), SUM(completion_tokens) FROM summaries")
        prompt, completion = row.fetchone()
    return int(prompt), int(completion)


def test_run_stores_calls_tokens_and_configured_cost(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """runs.stats holds the calls, the usage tokens and their cost at the configured prices."""
    _run(env, monkeypatch)
    stats = _last_run_stats(env)
    prompt, completion = _usage_sum(env)
    assert stats["model_calls"] == 15
    assert (stats["prompt_tokens"], stats["completion_tokens"]) == (prompt, completion)
    assert stats["cost_usd"] == pytest.approx((prompt * 1000 + completion * 3000) / 1e6)


def test_run_prints_calls_tokens_and_cost(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's summary line names the model calls, tokens in/out and estimated cost."""
    stderr = _run(env, monkeypatch)
    prompt, completion = _usage_sum(env)
    cost = (prompt * 1000 + completion * 3000) / 1e6
    assert f"15 model calls, tokens in/out {prompt}/{completion}, est. ${cost:.4f}" in stderr


def test_price_table_prices_the_configured_model(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAPERDIGEST_PRICES (model -> USD per Mtok in, out) prices the run's model only."""
    monkeypatch.setenv("PAPERDIGEST_PRICES", '{"other-model": [9, 9], "fake-model": [2, 5]}')
    result = CliRunner().invoke(app, ["run", "--date", "2025-11-07", "--limit", "2"])
    assert result.exit_code == 0, result.output
    prompt, completion = _usage_sum(env)
    assert _last_run_stats(env)["cost_usd"] == pytest.approx((prompt * 2 + completion * 5) / 1e6)


def test_model_without_a_price_says_cost_unknown(env: AppEnv) -> None:
    """A model the price table lacks gets no made-up cost: the line says it is unknown."""
    result = CliRunner().invoke(app, ["run", "--date", "2025-11-07", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "est. cost unknown (no price for the model" in result.stderr
    assert _last_run_stats(env)["cost_usd"] is None


def test_stable_instructions_open_every_request(env: AppEnv) -> None:
    """Every chat request starts with the same system prompt, so prompt caching applies."""
    result = CliRunner().invoke(app, ["run", "--date", "2025-11-07"])
    assert result.exit_code == 0, result.output
    firsts = [json.dumps(r["messages"][0], sort_keys=True) for r in env.fake.chat_requests]
    assert len(firsts) == 15
    assert len(set(firsts)) == 1
    assert json.loads(firsts[0])["role"] == "system"


@pytest.mark.parametrize("value", ["{not json", '{"fake-model": [-1, 2]}'])
def test_bad_price_table_exits_2_naming_it(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """PAPERDIGEST_PRICES that is not JSON, or has a negative price: exit 2, one line."""
    monkeypatch.setenv("PAPERDIGEST_PRICES", value)
    result = CliRunner().invoke(app, ["run", "--date", "2025-11-07"])
    assert result.exit_code == 2
    assert "prices" in result.stderr.lower() and "Traceback" not in result.stderr
    assert env.fake.chat_count == 0
