"""Grounded summaries, end to end through the CLI against the fake upstream.

The model is given the paper's own text (arXiv HTML, else the PDF, else the abstract) within
the token budget; that text is cached and fetched politely; a figure the paper does not hold
is re-asked and, if it persists, published only behind a warning line; a paper without any
text never reaches the model.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from typing import Any

import fakeclock
import pytest
from conftest import AppEnv
from fakeserver import FIXTURES_DIR, FakeUpstream, korean_sentence
from typer.testing import CliRunner, Result

from paperdigest.cli import app
from paperdigest.sources import selection
from paperdigest.sources.selection import estimate_tokens

DAY = "2025-11-07"
# First paper of the day's list; arXiv knows it as v1. Its real arXiv abstract has figures
# (92%, 75.53%), and the fake model's answers hold none.
PAPER = "2511.04570"
# Second paper of the list: arXiv returns nothing for it (no fixtures/arxiv entry).
NO_ARXIV = "2511.04460"
HTML = FIXTURES_DIR / "html" / "2601.19139.html"
PDF = FIXTURES_DIR / "pdf" / "1111.2011v2.pdf"
WARNING = "원문에서 확인되지 않은 수치"


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _run(*extra: str) -> Result:
    return _cli("run", "--date", DAY, *extra)


def _paper_messages(fake: FakeUpstream, arxiv_id: str) -> list[dict[str, Any]]:
    """The chat requests (bodies) whose paper block is ``arxiv_id``'s, in order."""
    return [
        body
        for body in fake.chat_requests
        if f"arXiv id: {arxiv_id}\n" in body["messages"][1]["content"]
    ]


def _user_message(fake: FakeUpstream, arxiv_id: str) -> str:
    """The paper message of ``arxiv_id``'s only chat request."""
    [body] = _paper_messages(fake, arxiv_id)
    return str(body["messages"][1]["content"])


def _paper_text(message: str) -> str:
    """The source text inside the ``<paper>`` block, after its id/title/source lines."""
    block = message.split("<paper>\n", 1)[1].rsplit("\n</paper>", 1)[0]
    return block.split("\n\n", 1)[1]


def _digest(env: AppEnv, name: str = f"{DAY}.md") -> str:
    return (env.out_dir / name).read_text(encoding="utf-8")


def _korean_answer(body: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """A valid answer for the request's schema: a Korean sentence per field, nullable ones
    null, and ``overrides`` by field name."""
    schema = body["response_format"]["json_schema"]["schema"]
    arxiv_id = body["messages"][1]["content"].split("arXiv id: ", 1)[1].split("\n", 1)[0]
    answer: dict[str, Any] = {}
    for name, prop in schema["properties"].items():
        nullable = any(branch.get("type") == "null" for branch in prop.get("anyOf", []))
        answer[name] = None if nullable else korean_sentence(arxiv_id, name, schema["title"])
    answer.update(overrides)
    return answer


# -- full text -------------------------------------------------------------------------------


def test_html_sections_reach_the_model_within_the_token_budget(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A paper with arXiv HTML is summarized from its sections, cut to PAPERDIGEST_SOURCE_TOKENS."""
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    monkeypatch.setenv("PAPERDIGEST_SOURCE_TOKENS", "2000")

    result = _run("--limit", "1")

    assert result.exit_code == 0, result.output
    message = _user_message(env.fake, PAPER)
    text = _paper_text(message)
    assert "source: full text from arXiv's HTML rendering" in message
    assert text.startswith('## Abstract\n"Thinking with Text"')
    # Body sections of the HTML, not just the abstract.
    assert (
        "## 1. Introduction\nApple Silicon has rapidly become a significant platform "
        "for machine learning development and deployment." in text
    )
    assert "## 3.1. Framework Comparison\n" in text
    assert estimate_tokens(text) <= 2000


def test_pdf_is_the_source_when_the_html_is_missing(env: AppEnv) -> None:
    """HTML 404 and a PDF served: the model gets the PDF's sections."""
    env.fake.pdf_files[PAPER] = PDF.read_bytes()

    result = _run("--limit", "1")

    assert result.exit_code == 0, result.output
    message = _user_message(env.fake, PAPER)
    assert "source: full text extracted from the PDF" in message
    assert "## I. INTRODUCTION\nIt is often the case that the relevent degrees of freedom" in (
        _paper_text(message)
    )
    fulltext = [path for _, path in env.fake.requests if path.startswith(("/html/", "/pdf/"))]
    assert fulltext == [f"/html/{PAPER}v1", f"/pdf/{PAPER}v1"]


def test_abstract_is_the_source_without_html_or_pdf(env: AppEnv) -> None:
    """Neither HTML nor PDF: the paper is still summarized, from its arXiv abstract alone."""
    result = _run("--limit", "1")

    assert result.exit_code == 0, result.output
    message = _user_message(env.fake, PAPER)
    text = _paper_text(message)
    assert "source: abstract only" in message
    assert text.startswith('"Thinking with Text" and "Thinking with Images" paradigm')
    assert text.endswith(
        'positions "thinking with video" as a unified multimodal reasoning paradigm.'
    )
    assert f"## {PAPER}" in _digest(env)


def test_resummarize_reuses_the_cached_text(env: AppEnv) -> None:
    """`resummarize` sends the model the cached text and asks arxiv.org nothing again."""
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    assert _run("--limit", "1").exit_code == 0
    fetched = env.fake.fulltext_count

    result = _cli("resummarize", PAPER)

    assert result.exit_code == 0, result.output
    assert env.fake.fulltext_count == fetched == 1
    first, second = _paper_messages(env.fake, PAPER)
    assert second["messages"][1]["content"] == first["messages"][1]["content"]


def test_text_cached_by_an_older_extraction_is_extracted_again(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After EXTRACTION_VERSION changes, `resummarize` fetches and extracts the text anew."""
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    monkeypatch.setattr(selection, "EXTRACTION_VERSION", 1)
    assert _run("--limit", "1").exit_code == 0
    assert env.fake.fulltext_count == 1
    monkeypatch.setattr(selection, "EXTRACTION_VERSION", 2)

    assert _cli("resummarize", PAPER).exit_code == 0

    assert env.fake.fulltext_count == 2


def test_abstract_standing_in_for_an_arxiv_outage_is_not_cached(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arxiv.org answering 503 (not 404): the run summarizes from the abstract and says so,
    but caches no text, so a later `resummarize` gets the HTML once arxiv.org is back."""
    monkeypatch.setenv("PAPERDIGEST_HTTP_RETRIES", "0")
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    env.fake.fulltext_faults += [503, 503]  # the HTML, then the PDF

    result = _run("--limit", "1")

    assert result.exit_code == 0, result.output
    assert "source: abstract only" in _user_message(env.fake, PAPER)
    assert f"{PAPER}: html full text unavailable" in result.output

    assert _cli("resummarize", PAPER).exit_code == 0
    _, second = _paper_messages(env.fake, PAPER)
    assert "source: full text from arXiv's HTML rendering" in second["messages"][1]["content"]


def test_rerun_with_a_new_model_reuses_the_cached_text(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rerun with another model summarizes again from the stored text, without refetching."""
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    assert _run("--limit", "2").exit_code == 0
    fetched = env.fake.fulltext_count
    monkeypatch.setenv("PAPERDIGEST_MODEL", "fake-model-2")

    result = _run("--limit", "2")

    assert result.exit_code == 0, result.output
    # 2511.04570 (HTML) and 2511.04460 (HTML and PDF tried, abstract kept): 3 requests, once.
    assert env.fake.fulltext_count == fetched == 3
    first, second = _paper_messages(env.fake, PAPER)
    assert (first["model"], second["model"]) == ("fake-model", "fake-model-2")
    assert second["messages"][1]["content"] == first["messages"][1]["content"]


# -- politeness ------------------------------------------------------------------------------


def test_arxiv_full_text_requests_name_paperdigest(env: AppEnv) -> None:
    """Every /html and /pdf request carries a User-Agent naming paperdigest."""
    env.fake.html_pages[PAPER] = HTML.read_bytes()

    assert _run("--limit", "3").exit_code == 0

    agents = [h.get("user-agent", "") for h in env.fake.fulltext_headers]
    assert len(agents) == env.fake.fulltext_count == 5
    assert all(agent.startswith("paperdigest/") for agent in agents), agents


def test_arxiv_full_text_requests_happen_one_at_a_time(env: AppEnv) -> None:
    """Full-text requests never overlap, even while several papers are summarized at once."""
    env.fake.fulltext_latency = 0.05  # holds each request open; overlap would be seen
    env.fake.chat_latency = 0.05

    assert _run("--limit", "4").exit_code == 0

    assert env.fake.fulltext_count == 8  # HTML then PDF for each of the 4 papers
    assert env.fake.fulltext_max_in_flight == 1


def test_texts_are_fetched_while_earlier_papers_are_summarized(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The later papers' texts are fetched while the first paper's model call is in flight."""
    fake = env.fake
    seen_during_first_call: list[int] = []
    first_call = threading.Lock()
    # The first answer waits for the six fetches however long they take; the limit only turns
    # a client that fetches nothing meanwhile into a failure, and the model client outlasts it.
    limit = 60.0
    monkeypatch.setenv("PAPERDIGEST_MODEL_TIMEOUT_SECONDS", str(10 * limit))

    def handler(body: dict[str, Any]) -> dict[str, Any]:
        if first_call.acquire(blocking=False):  # only the first request waits
            deadline = time.monotonic() + limit
            while fake.fulltext_count < 6 and time.monotonic() < deadline:
                time.sleep(0.01)
            seen_during_first_call.append(fake.fulltext_count)
        return _korean_answer(body, {})

    fake.chat_handler = handler

    assert _run("--limit", "3").exit_code == 0

    # 3 papers x (HTML + PDF), all fetched before the first answer came back.
    assert seen_during_first_call == [6]


def test_filler_in_the_masking_field_is_dropped_not_published(env: AppEnv) -> None:
    """The model writing "정보는 제공되지 않습니다" where null was asked gets no 마스킹 방식
    line (reference 002's filler), without a re-ask; a real masking note is published."""
    notes = {
        PAPER: "구체적인 마스킹 방식에 대한 정보는 제공되지 않습니다.",
        NO_ARXIV: "무작위 마스킹을 적용합니다.",
    }

    def handler(body: dict[str, Any]) -> dict[str, Any]:
        arxiv_id = body["messages"][1]["content"].split("arXiv id: ", 1)[1].split("\n", 1)[0]
        return _korean_answer(body, {"masking": notes[arxiv_id]})

    env.fake.chat_handler = handler

    assert _run("--limit", "2").exit_code == 0

    assert len(env.fake.chat_requests) == 2
    first, second = _digest(env).split(f"## {NO_ARXIV}")
    assert "마스킹 방식" not in first
    assert "- **마스킹 방식**: 무작위 마스킹을 적용합니다." in second


# arXiv's real delay for the pacing tests (conftest zeroes it): they run on a fake clock
# (tests/fakeclock.py), so it costs no time, and gaps are exact up to float rounding.
DELAY = 3.0
MIN_GAP = DELAY - 1e-6


def _arxiv_gaps(fake: FakeUpstream) -> list[tuple[float, str, str]]:
    """(gap in seconds, previous target, next target) between consecutive arXiv requests
    (API, HTML, PDF), from the arrival times the fake server recorded on the fake clock."""
    starts = [
        (t, target)
        for t, target in fake.request_starts
        if target.startswith(("/api/query", "/html/", "/pdf/"))
    ]
    return [(b[0] - a[0], a[1], b[1]) for a, b in itertools.pairwise(starts)]


def _too_close(fake: FakeUpstream) -> list[tuple[float, str, str]]:
    return [gap for gap in _arxiv_gaps(fake) if gap[0] < MIN_GAP]


def test_arxiv_requests_and_their_retries_start_the_delay_apart(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """API page, HTML and PDF requests, and the retries of a 429 and a 503 full text, each
    start at least PAPERDIGEST_ARXIV_DELAY_SECONDS after the previous arXiv request."""
    fakeclock.install(monkeypatch, env.fake)
    monkeypatch.setenv("PAPERDIGEST_ARXIV_DELAY_SECONDS", str(DELAY))
    env.fake.fulltext_faults.extend([429, 503])  # the first HTML request, then its retry

    assert _run("--limit", "2").exit_code == 0

    assert env.fake.fulltext_faults == []
    # API: both ids, then once more for NO_ARXIV (arXiv lacks it); paper 1: HTML 429, 503,
    # 404, then PDF; paper 2: HTML, PDF.
    assert env.fake.arxiv_api_count == 2 and env.fake.fulltext_count == 6
    assert _too_close(env.fake) == []


def test_arxiv_metadata_retry_after_a_reset_waits_the_delay(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the API connection is reset, the second metadata request still waits the delay
    (a request without an answer counts like an answered one)."""
    fakeclock.install(monkeypatch, env.fake)
    monkeypatch.setenv("PAPERDIGEST_ARXIV_DELAY_SECONDS", str(DELAY))
    env.fake.arxiv_faults.append("reset")

    assert _run("--limit", "1").exit_code == 0

    assert env.fake.arxiv_id_lists[:2] == [[PAPER], [PAPER]]
    assert _too_close(env.fake) == []


@pytest.mark.parametrize("mode", ["direct", "batch"])
def test_arxiv_delay_holds_across_the_days_of_a_backfill(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """In a two-day backfill (direct, or through the Batch API, which fetches both days'
    metadata first), no arXiv request follows the previous one sooner than the delay: not
    from one day's texts to the next day's API page, nor between the two days' API pages."""
    fakeclock.install(monkeypatch, env.fake)
    monkeypatch.setenv("PAPERDIGEST_ARXIV_DELAY_SECONDS", str(DELAY))
    monkeypatch.setenv("PAPERDIGEST_BATCH_POLL_SECONDS", "0.01")
    for day in ("2025-11-06", "2025-11-07"):  # one paper a day keeps the test short
        papers = json.loads((FIXTURES_DIR / "hf" / f"{day}.json").read_bytes())
        env.fake.hf_bodies[day] = json.dumps(papers[:1]).encode()
    extra = ["--batch"] if mode == "batch" else []

    result = _cli("backfill", "--from", "2025-11-06", "--to", "2025-11-07", *extra)

    assert result.exit_code == 0, result.output
    # 2025-11-06's paper is not in the arXiv fixtures: its day asks the API twice.
    assert env.fake.arxiv_api_count == 3 and env.fake.fulltext_count == 4
    assert _too_close(env.fake) == []


# -- figure check ----------------------------------------------------------------------------


def test_invented_figure_is_reasked_naming_it(env: AppEnv) -> None:
    """An answer with a figure not in the paper is re-asked naming it; a clean retry shows no
    warning."""
    env.fake.chat_faults_by_id[PAPER] = ["invented_figure"]

    result = _run("--limit", "1")

    assert result.exit_code == 0, result.output
    first, second = _paper_messages(env.fake, PAPER)
    assert "37.5" not in first["messages"][1]["content"]  # the figure is not in the paper
    reask = second["messages"][-1]
    assert reask["role"] == "user"
    assert "these figures do not occur in the paper text: +37.5%" in reask["content"]
    digest = _digest(env)
    assert "37.5" not in digest
    assert WARNING not in digest


@pytest.mark.parametrize(
    ("template", "filename", "warning"),
    [
        ("digest", f"{DAY}.md", f"> ⚠️ {WARNING}: +37.5%\n"),
        ("jekyll", f"{DAY}-hf-daily-papers.md", f"> ⚠️ {WARNING}: +37.5%\n"),
        ("docusaurus", f"{DAY}-papers-review.md", f":::warning\n{WARNING}: +37.5%\n:::\n"),
    ],
)
def test_persistent_invented_figure_is_published_with_a_warning(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch, template: str, filename: str, warning: str
) -> None:
    """An invented figure that survives every attempt is published under a visible warning
    line naming it, in each template, and logged."""
    monkeypatch.setenv("PAPERDIGEST_MAX_ATTEMPTS", "3")
    env.fake.chat_faults_by_id[PAPER] = ["invented_figure"] * 3

    result = _run("--limit", "1", "--template", template)

    assert result.exit_code == 0, result.output
    assert len(_paper_messages(env.fake, PAPER)) == 3
    digest = _digest(env, filename)
    assert warning in digest
    assert "성능이 +37.5% 향상되었습니다." in digest  # the answer itself is kept, flagged
    assert f"{PAPER}: unverified figures kept with a warning: +37.5%" in result.stderr


def test_resummarized_invented_figure_is_flagged_in_the_rewritten_digest(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`resummarize` rewrites the day's digest with the warning line when the new answer's
    invented figure persists."""
    assert _run("--limit", "1").exit_code == 0
    assert WARNING not in _digest(env)
    monkeypatch.setenv("PAPERDIGEST_MAX_ATTEMPTS", "2")
    env.fake.chat_faults_by_id[PAPER] = ["invented_figure"] * 2

    result = _cli("resummarize", PAPER)

    assert result.exit_code == 0, result.output
    assert f"> ⚠️ {WARNING}: +37.5%\n" in _digest(env)


def test_figures_of_the_data_block_header_are_not_verified(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure found only in paperdigest's own header of the data block (its token count)
    is not verified: figures must come from the paper."""
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    monkeypatch.setenv("PAPERDIGEST_SOURCE_TOKENS", "2000")
    monkeypatch.setenv("PAPERDIGEST_MAX_ATTEMPTS", "1")
    counts: list[str] = []

    def handler(body: dict[str, Any]) -> dict[str, Any]:
        match = re.search(r"cut to about (\d+) tokens", body["messages"][1]["content"])
        assert match is not None
        counts.append(match.group(1))
        return _korean_answer(
            body, {"results": f"본문은 약 {counts[-1]}개 토큰으로 이루어져 있습니다."}
        )

    env.fake.chat_handler = handler

    assert _run("--limit", "1").exit_code == 0

    [count] = counts
    assert count not in _paper_text(_user_message(env.fake, PAPER))
    assert f"> ⚠️ {WARNING}: {count}\n" in _digest(env)


def test_real_abstract_figures_pass_without_reask(env: AppEnv) -> None:
    """An answer restating an abstract's figures (written `$63\\%$`, `20\\%`, `$8-32\\times$`
    in the source) as `63%`, `20%`, `8-32배` passes the check on its first attempt."""
    records = json.loads((FIXTURES_DIR / "hf" / "2025-05-09.json").read_text(encoding="utf-8"))
    chosen = [r for r in records if r["paper"]["id"] in ("2505.05470", "2505.04842")]
    env.fake.hf_bodies["2025-05-09"] = json.dumps(chosen).encode()
    results = {
        "2505.05470": "GenEval 정확도가 63%에서 95%로, 시각적 텍스트 렌더링 정확도가 59%에서 "
        "92%로 향상되었습니다.",
        "2505.04842": "병렬 샘플링으로 MATH 정확도를 20% 이상 높였고, 기본 RL 방법보다 "
        "8-32배 효율적인 테스트 시간 연산 확장을 보였습니다. 병렬과 순차 확장을 함께 쓰면 "
        "1.2-1.6배 높은 성능을 냅니다.",
    }

    def handler(body: dict[str, Any]) -> dict[str, Any]:
        user = body["messages"][1]["content"]
        arxiv_id = next(i for i in results if f"arXiv id: {i}\n" in user)
        return _korean_answer(body, {"results": results[arxiv_id]})

    env.fake.chat_handler = handler

    result = _cli("run", "--date", "2025-05-09")

    assert result.exit_code == 0, result.output
    sources = {i: _user_message(env.fake, i) for i in results}  # one request each: no re-ask
    assert "from $63\\%$ to $95\\%$" in sources["2505.05470"]
    assert "over 20\\% with" in sources["2505.04842"]
    assert "$8-32\\times$" in sources["2505.04842"]
    digest = _digest(env, "2025-05-09.md")
    assert "63%에서 95%로" in digest
    assert "8-32배" in digest
    assert WARNING not in digest


# -- empty-input guard -----------------------------------------------------------------------


def _without_abstract(env: AppEnv) -> None:
    """Serve the day's first two records, the second (no arXiv entry) with empty abstracts."""
    records = json.loads((FIXTURES_DIR / "hf" / f"{DAY}.json").read_text(encoding="utf-8"))[:2]
    assert records[1]["paper"]["id"] == NO_ARXIV
    records[1]["paper"]["summary"] = ""
    records[1]["summary"] = ""
    env.fake.hf_bodies[DAY] = json.dumps(records).encode()


def test_paper_without_any_text_is_skipped_not_sent(env: AppEnv) -> None:
    """No abstract in HF, no arXiv entry, no HTML or PDF: never sent to the model, listed as
    skipped in the digest and the log, exit 0."""
    _without_abstract(env)

    result = _run()

    assert result.exit_code == 0, result.output
    assert _paper_messages(env.fake, NO_ARXIV) == []
    assert len(_paper_messages(env.fake, PAPER)) == 1
    digest = _digest(env)
    assert "## 요약하지 못한 논문" in digest
    skipped = [line for line in digest.splitlines() if line.startswith(f"- [{NO_ARXIV}]")]
    assert len(skipped) == 1 and "건너뜀: 초록도 본문도 없음" in skipped[0]
    assert f"{NO_ARXIV} skipped: no abstract and no full text" in result.stderr
    assert f"{NO_ARXIV} not in digest: 건너뜀" in result.stderr


def test_paper_without_abstract_is_summarized_from_its_html(env: AppEnv) -> None:
    """No abstract anywhere but an HTML full text: the paper is summarized from that text,
    abstract section included."""
    _without_abstract(env)
    env.fake.html_pages[NO_ARXIV] = HTML.read_bytes()

    result = _run()

    assert result.exit_code == 0, result.output
    message = _user_message(env.fake, NO_ARXIV)
    assert "source: full text from arXiv's HTML rendering" in message
    assert _paper_text(message).startswith(
        "## Abstract\nThe growing adoption of Apple Silicon for machine learning"
    )
    assert "요약하지 못한 논문" not in _digest(env)
