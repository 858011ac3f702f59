"""The brief schemas (issue 18 §3): one or two Korean sentences from the abstract alone, in the
digest schema's style, checked and re-asked like every answer. The real openai client asks the
fake server; the abstract is a real one of the recorded list."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import AppEnv

from paperdigest.config import load_settings
from paperdigest.model.client import make_openai_client
from paperdigest.model.limits import RateLimiter, TokenBudget
from paperdigest.model.prompts import load_prompts
from paperdigest.model.reask import Summarizer
from paperdigest.model.schemas import (
    BRIEF_MAX_CHARS,
    SCHEMAS,
    Style,
    brief_schema,
    schema_for_template,
)
from paperdigest.papers import Paper, SourceText
from paperdigest.records import Summary
from paperdigest.sources.hf import parse_daily_list

HF = Path(__file__).parent / "fixtures" / "hf"
# 2511.03773 (DreamGym) of the recorded 2025-11-07 list: its abstract gives "over 30%".
PAPER = next(
    p
    for p in parse_daily_list(json.loads((HF / "2025-11-07.json").read_text("utf-8"))).papers
    if p.arxiv_id == "2511.03773"
)
ABSTRACT = SourceText(kind="abstract", text=PAPER.abstract, tokens=len(PAPER.abstract) // 4)

GIST = "DreamGym은 추론 기반 경험 모델로 에이전트 강화학습용 경험을 합성합니다."
DETAIL = "실제 환경 롤아웃 없이도 GRPO와 PPO에 필적하는 성능을 보였습니다."


def _brief(
    env: AppEnv, answers: list[dict[str, Any]] | None, schema: str = "seven-brief"
) -> Summary:
    """Ask for PAPER's brief; the fake model gives ``answers`` in turn (None: its own)."""
    if answers is not None:
        replies = iter(answers)
        env.fake.chat_handler = lambda body: next(replies)
    settings = load_settings()
    limiter = RateLimiter(settings.requests_per_minute, settings.tokens_per_minute)

    async def ask() -> Summary:
        client = make_openai_client(settings, limiter)
        try:
            summarizer = Summarizer(client, settings, limiter, TokenBudget(0))
            return await summarizer.summarize(load_prompts()[schema], PAPER, ABSTRACT)
        finally:
            await client.close()

    return asyncio.run(ask())


def test_a_brief_of_one_sentence_is_accepted_and_viewed_as_its_gist(env: AppEnv) -> None:
    """A gist with a null detail validates; the view's text and TL;DR are that sentence."""
    summary = _brief(env, [{"gist": GIST, "detail": None}])
    assert summary.content == {"gist": GIST, "detail": None}
    view = SCHEMAS["seven-brief"].view(summary.content)
    assert (view.overview, view.gist, view.sections) == (GIST, GIST, ())
    assert env.fake.chat_count == 1


def test_a_two_sentence_brief_reads_gist_then_detail(env: AppEnv) -> None:
    """A detail sentence follows the gist in the brief's text; the TL;DR keeps the gist."""
    summary = _brief(env, [{"gist": GIST, "detail": DETAIL}])
    view = SCHEMAS["seven-brief"].view(summary.content)
    assert view.overview == f"{GIST} {DETAIL}"
    assert view.gist == GIST


def test_a_brief_over_160_characters_is_reasked(env: AppEnv) -> None:
    """Gist and detail over BRIEF_MAX_CHARS together fail validation and are asked again."""
    long_detail = "이 모델은 " + "여러 단계의 " * 30 + "학습을 거칩니다."
    summary = _brief(env, [{"gist": GIST, "detail": long_detail}, {"gist": GIST, "detail": None}])
    assert env.fake.chat_count == 2
    assert f"at most {BRIEF_MAX_CHARS} characters" in str(summary.attempts[0]["error"])
    assert summary.content["detail"] is None


def test_a_brief_in_english_is_reasked(env: AppEnv) -> None:
    """The Korean check applies to briefs: an English gist is asked again."""
    english = {"gist": "DreamGym synthesizes experience for agent RL training.", "detail": None}
    summary = _brief(env, [english, {"gist": GIST, "detail": None}])
    assert env.fake.chat_count == 2
    assert "must be written in Korean" in str(summary.attempts[0]["error"])


def test_a_brief_quantity_absent_from_the_abstract_is_reasked(env: AppEnv) -> None:
    """Quantities are checked against the abstract: "37.5%" is not in it, "30%" is."""
    invented = {"gist": GIST, "detail": "WebArena에서 기준 모델보다 37.5% 높았습니다."}
    grounded = {"gist": GIST, "detail": "WebArena에서 모든 기준 모델보다 30% 이상 높았습니다."}
    assert "30%" in PAPER.abstract and "37.5" not in PAPER.abstract
    summary = _brief(env, [invented, grounded])
    assert env.fake.chat_count == 2
    assert summary.content["detail"] == grounded["detail"]
    assert summary.unverified == []


def test_the_fake_models_default_brief_validates(env: AppEnv) -> None:
    """Without a scripted answer the fake fills the brief schema with a valid Korean gist."""
    summary = _brief(env, None, "gmr-brief")
    assert summary.content["gist"] and len(summary.attempts) == 1


@pytest.mark.parametrize(("full", "style"), [("seven", Style.FORMAL), ("gmr", Style.PLAIN)])
def test_each_full_schema_has_a_brief_in_its_own_style(full: str, style: Style) -> None:
    """`seven` digests get ~습니다 briefs, `gmr` digests ~다 briefs, from one prompt file."""
    spec = brief_schema(full)
    assert (spec.style, spec.brief_of, spec.prompt_file) == (style, full, "brief.md")


def test_a_brief_schema_is_never_chosen_by_template() -> None:
    """`--template` alone still picks the full schemas; a brief is not a digest's schema."""
    assert schema_for_template("digest") == "seven"
    assert schema_for_template("jekyll") == "gmr"


def test_brief_prompts_load_with_their_own_hashes() -> None:
    """brief.md ships as package data; each brief schema gets its own prompt hash (cache key)."""
    prompts = load_prompts()
    hashes = {prompts[name].prompt_hash for name in ("seven", "gmr", "seven-brief", "gmr-brief")}
    assert len(hashes) == 4
    assert "<paper>" in prompts["seven-brief"].system


def test_paper_fixture_is_the_recorded_one() -> None:
    """The abstract used above is the list's own (no arXiv metadata merged)."""
    assert isinstance(PAPER, Paper) and PAPER.abstract_source == "hf"
