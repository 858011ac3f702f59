"""Provenance: every stored summary says what it was written from and how it got there, and
`paperdigest show ARXIV_ID` prints that with the summary."""

from __future__ import annotations

import re

import pytest
from conftest import AppEnv
from fakeserver import FIXTURES_DIR
from typer.testing import CliRunner, Result

from paperdigest.cli import app
from paperdigest.fulltext import estimate_tokens
from paperdigest.model.prompts import PROMPTS_DIR, load_prompts

DAY = "2025-11-07"
PAPER = "2511.04570"  # first of the day's list, v1 on arXiv
HTML = FIXTURES_DIR / "html" / "2601.19139.html"
PDF = FIXTURES_DIR / "pdf" / "1111.2011v2.pdf"


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _source_tokens(env: AppEnv) -> int:
    """Estimated tokens of the paper text the model was given (its first request)."""
    user = next(
        body["messages"][1]["content"]
        for body in env.fake.chat_requests
        if f"arXiv id: {PAPER}\n" in body["messages"][1]["content"]
    )
    block = user.split("<paper>\n", 1)[1].rsplit("\n</paper>", 1)[0]
    return estimate_tokens(block.split("\n\n", 1)[1])


def test_show_prints_source_model_prompt_and_each_attempt(env: AppEnv) -> None:
    """`show` prints the source kind and tokens, model, prompt hash, and every attempt with
    what it failed on."""
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    env.fake.chat_faults_by_id[PAPER] = ["invented_figure"]
    assert _cli("run", "--date", DAY, "--limit", "1").exit_code == 0

    result = _cli("show", PAPER)

    assert result.exit_code == 0, result.output
    prompt_hash = load_prompts(PROMPTS_DIR)["seven"].prompt_hash
    header = (
        f"[seven] model fake-model, prompt {prompt_hash}, "
        f"source html ({_source_tokens(env)} tokens), "
    )
    assert header in result.stdout
    attempts = re.findall(r"^  attempt (\d+): (.*)$", result.stdout, re.MULTILINE)
    assert [n for n, _ in attempts] == ["1", "2"]
    assert attempts[0][1].startswith("these figures do not occur in the paper text: +37.5%.")
    assert attempts[1][1] == "ok"
    assert "unverified figures" not in result.stdout


@pytest.mark.parametrize("kind", ["html", "pdf", "abstract"])
def test_show_names_the_source_kind_used(env: AppEnv, kind: str) -> None:
    """The stored source kind is the one the text came from: html, pdf or abstract."""
    if kind == "html":
        env.fake.html_pages[PAPER] = HTML.read_bytes()
    if kind == "pdf":
        env.fake.pdf_files[PAPER] = PDF.read_bytes()
    assert _cli("run", "--date", DAY, "--limit", "1").exit_code == 0

    result = _cli("show", PAPER)

    assert result.exit_code == 0, result.output
    assert f", source {kind} ({_source_tokens(env)} tokens), " in result.stdout


def test_show_lists_the_unverified_figures_of_a_flagged_summary(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A summary published with unverified figures shows them, and every failed attempt."""
    monkeypatch.setenv("PAPERDIGEST_MAX_ATTEMPTS", "3")
    env.fake.chat_faults_by_id[PAPER] = ["invented_figure"] * 3
    assert _cli("run", "--date", DAY, "--limit", "1").exit_code == 0

    result = _cli("show", PAPER)

    assert result.exit_code == 0, result.output
    attempts = re.findall(r"^  attempt \d+: (.*)$", result.stdout, re.MULTILINE)
    assert len(attempts) == 3
    assert all("+37.5%" in failure for failure in attempts)
    assert "  unverified figures: +37.5%\n" in result.stdout


def test_show_prints_the_closest_source_figure_of_each_flagged_figure(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each unverified figure is shown with the closest source figure the check found."""
    monkeypatch.setenv("PAPERDIGEST_MAX_ATTEMPTS", "1")
    env.fake.chat_faults_by_id[PAPER] = ["invented_figure"]
    assert _cli("run", "--date", DAY, "--limit", "1").exit_code == 0

    result = _cli("show", PAPER)

    assert result.exit_code == 0, result.output
    assert re.search(r"^    \+37\.5%: closest in the source: \S", result.stdout, re.MULTILINE)
