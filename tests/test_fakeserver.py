"""The fake upstream itself, exercised with the same real clients the app uses."""

from __future__ import annotations

import json

import feedparser
import httpx2
import openai
import pytest
from conftest import TEST_API_KEY
from fakeserver import ENGLISH_SENTENCE, FakeUpstream, korean_sentence
from openai.lib import type_to_response_format_param
from pydantic import BaseModel


class _Section(BaseModel):
    heading: str
    bullets: list[str]


class _Summary(BaseModel):
    title_ko: str
    one_line: str
    limitations: str | None
    keywords: list[str]
    method: _Section


_USER_PROMPT = (
    "Summarize this paper.\n\narXiv id: 2511.03773\n"
    "title: Scaling Agent Learning via Experience Synthesis\n"
)


def _openai(fake: FakeUpstream) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{fake.base_url}/v1", api_key=TEST_API_KEY, max_retries=0)


def _ask(client: openai.OpenAI, prompt: str = _USER_PROMPT) -> str:
    completion = client.chat.completions.create(
        model="fake-model",
        messages=[
            {"role": "system", "content": "You write Korean summaries."},
            {"role": "user", "content": prompt},
        ],
        response_format=type_to_response_format_param(_Summary),
    )
    return completion.choices[0].message.content or ""


def test_hf_daily_papers(fake: FakeUpstream) -> None:
    fake.hf_files["2025-11-06"] = "2025-11-07.morning.json"
    fake.hf_faults.append(503)
    with httpx2.Client(base_url=fake.base_url) as client:
        assert client.get("/api/daily_papers", params={"date": "2025-11-07"}).status_code == 503
        papers = client.get("/api/daily_papers", params={"date": "2025-11-07"}).json()
        weekend = client.get("/api/daily_papers", params={"date": "2025-11-08"}).json()
        morning = client.get("/api/daily_papers", params={"date": "2025-11-06"}).json()
    assert len(papers) == 15
    assert papers[0]["paper"]["id"]
    assert weekend == []
    assert len(morning) == 10
    assert fake.hf_count == 4
    assert fake.errors == []


def test_reset_fault_drops_the_connection(fake: FakeUpstream) -> None:
    fake.hf_faults.append("reset")
    with httpx2.Client(base_url=fake.base_url) as client:
        with pytest.raises(httpx2.TransportError):
            client.get("/api/daily_papers", params={"date": "2025-11-07"})
        # The next request gets a fresh connection and a normal answer.
        assert client.get("/api/daily_papers", params={"date": "2025-11-07"}).status_code == 200


def test_arxiv_client_gets_only_recorded_entries(fake: FakeUpstream) -> None:
    """An id_list query answers only the recorded entries (read as the app reads it)."""
    with httpx2.Client(base_url=fake.base_url) as client:
        response = client.get("/api/query", params={"id_list": "2511.03773,2511.04460"})
    entries = feedparser.parse(response.text).entries
    assert [e.id.rsplit("/", 1)[-1] for e in entries] == ["2511.03773v1"]
    assert entries[0].title == "Scaling Agent Learning via Experience Synthesis"
    assert fake.arxiv_api_count == 1


def test_arxiv_paging_and_faults(fake: FakeUpstream) -> None:
    fake.arxiv_faults.extend(["empty", 503])
    ids = "2511.03773v1,2511.03774,2511.03929"
    with httpx2.Client(base_url=fake.base_url) as client:

        def query(**params: str) -> httpx2.Response:
            return client.get("/api/query", params={"search_query": "", **params})

        empty = query(id_list=ids, start="0", max_results="100")
        unavailable = query(id_list=ids, start="0", max_results="100")
        page = query(id_list=ids, start="1", max_results="1")
        bad = query(id_list="abc", start="0", max_results="100")
    assert "<opensearch:totalResults>0</opensearch:totalResults>" in empty.text
    assert (unavailable.status_code, unavailable.content) == (503, b"")
    assert "<opensearch:totalResults>3</opensearch:totalResults>" in page.text
    assert page.text.count("<entry>") == 1
    assert "http://arxiv.org/abs/2511.03774v1" in page.text
    assert bad.status_code == 400
    assert "incorrect_id_format_for_abc" in bad.text


def test_fulltext_pages(fake: FakeUpstream) -> None:
    fake.html_pages["2511.03773"] = b"<html><body>full text</body></html>"
    fake.fulltext_faults.append(502)
    with httpx2.Client(base_url=fake.base_url) as client:
        assert client.get("/html/2511.03773v1").status_code == 502
        html = client.get("/html/2511.03773v1")
        pdf = client.get("/pdf/2511.03773v1")
        unknown = client.get("/nowhere")
    assert html.headers["content-type"].startswith("text/html")
    assert html.content == b"<html><body>full text</body></html>"
    assert pdf.status_code == 404
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    assert fake.fulltext_count == 3


def test_chat_fills_the_json_schema(fake: FakeUpstream) -> None:
    with _openai(fake) as client:
        content = _ask(client)
        assert _ask(client) == content  # deterministic: digests are byte-stable
    data = json.loads(content)
    # Every required property, in the schema's order (pydantic requires all these fields).
    assert list(data) == list(_Summary.model_fields)
    assert data["title_ko"] == korean_sentence("2511.03773", "title_ko")
    assert data["limitations"] is None
    assert data["keywords"] == [korean_sentence("2511.03773", "keywords")]
    assert data["method"]["bullets"] == [korean_sentence("2511.03773", "bullets")]
    _Summary.model_validate(data)
    assert fake.chat_count == 2
    assert fake.chat_requests[0]["model"] == "fake-model"


def test_chat_faults(fake: FakeUpstream) -> None:
    fake.chat_faults_by_id["2511.03773"] = ["english", "code_fence"]
    fake.chat_faults.append("http_400_echo_key")
    with _openai(fake) as client:
        english = json.loads(_ask(client))
        fenced = _ask(client)
        other_paper = _USER_PROMPT.replace("2511.03773", "2511.03774")
        with pytest.raises(openai.BadRequestError) as excinfo:
            _ask(client, other_paper)
    assert english["one_line"] == ENGLISH_SENTENCE
    assert fenced.startswith("```json\n") and fenced.endswith("\n```")
    assert TEST_API_KEY in str(excinfo.value)


def test_chat_429_raises_rate_limit_error(fake: FakeUpstream) -> None:
    fake.chat_faults.append("http_429")
    with _openai(fake) as client, pytest.raises(openai.RateLimitError):
        _ask(client)
    assert fake.chat_count == 1


def test_files_and_batches_round_trip(fake: FakeUpstream) -> None:
    fake.chat_faults_by_id["2511.03774"] = ["http_500"]
    line_body = {
        "model": "fake-model",
        "messages": [{"role": "user", "content": _USER_PROMPT}],
        "response_format": type_to_response_format_param(_Summary),
    }
    failing_body = {
        **line_body,
        "messages": [{"role": "user", "content": _USER_PROMPT.replace("03773", "03774")}],
    }
    jsonl = "".join(
        json.dumps({"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": b})
        + "\n"
        for cid, b in (("p1", line_body), ("p2", failing_body))
    ).encode()
    with _openai(fake) as client:
        uploaded = client.files.create(file=("in.jsonl", jsonl), purpose="batch")
        assert client.files.content(uploaded.id).content == jsonl
        batch = client.batches.create(
            input_file_id=uploaded.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
        )
        statuses = [batch.status] + [client.batches.retrieve(batch.id).status for _ in range(2)]
        done = client.batches.retrieve(batch.id)
        assert done.output_file_id is not None and done.error_file_id is not None
        output = client.files.content(done.output_file_id).text.splitlines()
        errors = client.files.content(done.error_file_id).text.splitlines()
    assert statuses == ["validating", "in_progress", "completed"]
    assert done.request_counts is not None and done.request_counts.failed == 1
    [ok] = [json.loads(line) for line in output]
    assert ok["custom_id"] == "p1"
    content = ok["response"]["body"]["choices"][0]["message"]["content"]
    _Summary.model_validate_json(content)
    [failed] = [json.loads(line) for line in errors]
    assert (failed["custom_id"], failed["response"]["status_code"]) == ("p2", 500)
    assert fake.chat_count == 0
    assert fake.errors == []
