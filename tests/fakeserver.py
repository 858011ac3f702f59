"""A local fake of every upstream the app talks to, as one real HTTP server on 127.0.0.1.

It serves the recorded Hugging Face daily-papers lists and arXiv entries from ``tests/fixtures``,
arXiv full texts that tests put in place, and speaks enough of the OpenAI Chat Completions,
Files and Batches protocols for the real ``openai`` client. Every upstream has a FIFO of
injected faults, consumed one per request, so tests can script "fail twice, then answer".

A real socket server (instead of transport mocks) is used because the three clients the app
uses (httpx, requests inside ``arxiv``, httpx2 inside ``openai``) cannot share one mocking
library, and a real server also exercises timeouts, connection resets and retry headers.

Usage::

    fake = FakeUpstream()
    fake.start()
    fake.hf_faults.append(503)          # the next HF request answers 503
    fake.chat_faults_by_id["2511.03773"] = ["english"]
    ...
    fake.stop()
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import math
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

__all__ = [
    "CHAT_FAULTS",
    "CREATED",
    "EMBEDDING_DIMS",
    "EMBEDDING_FAULTS",
    "ENGLISH_SENTENCE",
    "FIXTURES_DIR",
    "HOLD_LIMIT_SECONDS",
    "FakeUpstream",
    "default_answer",
    "fake_embedding",
    "four_chars_a_token",
    "gist_sentence",
    "korean_sentence",
]

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"

# A fixed timestamp (2025-11-07T00:00:00Z) for every "created" field, so outputs are byte-stable.
CREATED = 1762473600
_UPDATED = "2025-11-07T00:00:00Z"

ENGLISH_SENTENCE = "This paper proposes a new method and evaluates it on benchmarks."
_HEADING = "## 요약\n"
_INVENTED_FIGURE = " 성능이 +37.5% 향상되었습니다."
# A gist far over the schema's limit (GIST_MAX_CHARS, 80 characters): the "long_gist" fault.
_LONG_GIST = "이 논문은 " + "매우 " * 40 + "긴 한 문장으로 핵심을 설명합니다."

# Faults that change the answer's content (the HTTP exchange itself succeeds).
_CONTENT_FAULTS = frozenset(
    {
        "malformed_json",
        "english",
        "code_fence",
        "missing_field",
        "length",
        "empty",
        "heading",
        "invented_figure",
        "long_gist",
    }
)
_HTTP_FAULTS = frozenset(
    {
        "http_429",
        "http_500",
        "http_503",
        "http_400_echo_key",
        "http_401",
        "http_404",
        "not_a_completion",
    }
)
CHAT_FAULTS = _CONTENT_FAULTS | _HTTP_FAULTS | {"reset", "timeout"}

# Faults of POST /v1/embeddings: "no_endpoint" answers 404 like a server without the route.
EMBEDDING_FAULTS = frozenset(
    {"no_endpoint", "http_429", "http_500", "http_503", "http_401", "reset"}
)
# Dimensions of the fake embeddings: enough that unrelated texts rarely share a bucket.
EMBEDDING_DIMS = 256
_WORD_RE = re.compile(r"[a-z0-9]+")
# Words every abstract has; without them, texts are similar only when they share a topic.
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "these",
        "this",
        "to",
        "we",
        "which",
        "with",
        "while",
        "via",
        "using",
        "use",
        "based",
        "than",
        "both",
        "more",
        "new",
    }
)
_ZOTERO_RE = re.compile(r"/(users|groups)/([^/]+)/items/top")
# How long a held request (a "timeout" fault, a held chat answer) waits at most for what
# releases it: a guard so that a broken test fails instead of hanging the session, never a
# timing the tests rely on (each releases its requests long before).
HOLD_LIMIT_SECONDS = 120.0

# A fault is an HTTP status code or one of the names documented on FakeUpstream.
Fault = int | str
ChatHandler = Callable[[dict[str, Any]], dict[str, Any]]

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_VERSION_RE = re.compile(r"v\d+$")
_ARXIV_ID_RE = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_PROMPT_ID_RE = re.compile(r"^(?:arXiv id|week): (\S+)", re.MULTILINE)
# A figure image of an HTML page: /html/{id}vN/{src} (src relative to the page).
_IMAGE_RE = re.compile(r"/html/(\d{4}\.\d{4,5}v\d+)/(.+)")
_FULLTEXT_RE = re.compile(r"/(html|pdf)/(.+?)(v\d+)?(?:\.pdf)?/?")
_FILE_RE = re.compile(r"/v1/files/([^/]+)(/content)?")
_BATCH_RE = re.compile(r"/v1/batches/([^/]+)(/cancel)?")

# The feed header of the recorded arXiv API responses (tests/fixtures/arxiv-api), same namespaces.
_FEED_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/{feed_id}</id>
  <title>arXiv Query: {title}</title>
  <updated>{updated}</updated>
  <link href="https://arxiv.org/api/query?{link}" type="application/atom+xml"/>
  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
"""

# What arXiv answers (HTTP 400) for a malformed id, as recorded in arxiv-api/id_abc_*.xml.
_BAD_ID_FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/</id>
  <title>arXiv Search Results</title>
  <updated>{updated}</updated>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>https://arxiv.org/api/errors#incorrect_id_format_for_{bad}</id>
    <title>Error</title>
    <updated>{updated}</updated>
    <link href="https://arxiv.org/api/errors#incorrect_id_format_for_{bad}" rel="alternate" \
type="text/html"/>
    <summary>incorrect id format for {bad}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
"""


def fake_embedding(text: str, dims: int = EMBEDDING_DIMS) -> list[float]:
    """The fake embedding model: a hashed bag of words, L2-normalized, so texts sharing
    words have a positive cosine and texts sharing none have ~0. Words are lower-case runs
    of letters and digits of 3 or more characters, minus common function words; each adds
    +1 or -1 (by its hash) to one of ``dims`` buckets. A text without such words gets the
    unit vector of bucket 0."""
    vector = [0.0] * dims
    for word in _WORD_RE.findall(text.lower()):
        if len(word) < 3 or word in _STOPWORDS:
            continue
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dims
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        return [1.0] + [0.0] * (dims - 1)
    return [v / norm for v in vector]


def four_chars_a_token(text: str) -> int:
    """The fake's default token count: one token per 4 characters, the app's own estimate
    (``sources.selection.estimate_tokens``), whatever the script."""
    return math.ceil(len(text) / 4)


def korean_sentence(arxiv_id: str, prop: str, schema: str = "seven") -> str:
    """The fake model's answer for one string property: deterministic Korean sentences that
    pass the content checks (the overview opens with "해당 논문은", no sentence repeats across
    fields, ``gmr`` and ``gmr-brief`` end their sentences in ~다 and the others in ~습니다)."""
    opening = "해당 논문은" if prop == "overview" else "논문"
    if schema in ("gmr", "gmr-brief"):
        return (
            f"{opening} {arxiv_id}에 대한 {prop} 항목의 요약이다. "
            f"이 {prop} 내용은 시험용 가짜 모델이 만든 한국어 문장이다."
        )
    return (
        f"{opening} {arxiv_id}에 대한 {prop} 항목의 요약입니다. "
        f"이 {prop} 내용은 시험용 가짜 모델이 만든 한국어 문장입니다."
    )


def gist_sentence(arxiv_id: str) -> str:
    """The fake model's ``gist`` (the TL;DR field): one Korean sentence under 80 characters."""
    return f"논문 {arxiv_id}의 핵심을 한 문장으로 줄인 시험용 요약입니다."


@dataclass
class _Reply:
    """One HTTP answer, ``reset=True`` to abort the connection without answering, or
    ``hang=True`` to answer nothing until the client gives up and closes it."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    hang: bool = False


@dataclass
class _ChatOutcome:
    """What the fake model does with one chat request (shared by HTTP and Batches)."""

    status: int = 200
    payload: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    hang: bool = False


def _json_reply(status: int, obj: Any, headers: dict[str, str] | None = None) -> _Reply:
    body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    return _Reply(status, body, "application/json", dict(headers or {}))


def _openai_error(
    status: int, message: str, type_: str, code: str | None, headers: dict[str, str] | None = None
) -> _ChatOutcome:
    payload = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return _ChatOutcome(status, payload, dict(headers or {}))


def _model_not_found(model: object) -> _ChatOutcome:
    message = f"The model `{model}` does not exist or you do not have access to it."
    return _openai_error(404, message, "invalid_request_error", "model_not_found")


def _api_error(fault: str, authorization: str = "") -> _ChatOutcome | None:
    """The OpenAI API's error answer for an ``http_*`` fault of :data:`CHAT_FAULTS` or
    :data:`EMBEDDING_FAULTS` (its messages, types and codes); None for any other fault."""
    if fault == "http_429":
        return _openai_error(
            429,
            "Rate limit reached",
            "requests",
            "rate_limit_exceeded",
            {"Retry-After": "1", "retry-after-ms": "10"},
        )
    if fault in ("http_500", "http_503"):
        message = (
            "The server had an error while processing your request."
            if fault == "http_500"
            else "The engine is currently overloaded, please try again later."
        )
        status = 500 if fault == "http_500" else 503
        return _openai_error(status, message, "server_error", None, {"retry-after-ms": "10"})
    if fault == "http_401":
        return _openai_error(401, "Incorrect API key provided.", "invalid_request_error", None)
    if fault == "http_404":
        return _model_not_found("fake-model")
    if fault == "http_400_echo_key":
        # Echo the credential like some proxies do, so tests can check the app redacts it.
        message = f"Invalid request (Authorization: {authorization})"
        return _openai_error(400, message, "invalid_request_error", None)
    return None


def _not_found(what: str) -> _Reply:
    return _json_reply(
        404,
        {
            "error": {
                "message": f"fakeserver: no such resource: {what}",
                "type": "invalid_request_error",
                "param": None,
                "code": "not_found",
            }
        },
    )


def _message_text(content: Any) -> str:
    """The text of a chat message ``content``: a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _prompt_arxiv_id(body: dict[str, Any]) -> str:
    """The ``arXiv id: <id>`` line of the first user message, or ``"unknown"``."""
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            match = _PROMPT_ID_RE.search(_message_text(message.get("content")))
            return match.group(1) if match else "unknown"
    return "unknown"


def _resolve(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/$defs/Name``), as pydantic emits for nested models."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        target: Any = root
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
        seen += 1
    return node if isinstance(node, dict) else {}


def _fill(node: Any, root: dict[str, Any], arxiv_id: str, prop: str) -> Any:
    """A value that satisfies the strict JSON schema ``node``; strings name their property."""
    node = _resolve(node, root)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        resolved = [_resolve(b, root) for b in branches]
        # Nullable fields answer null: the app must cope with the model leaving them out.
        if any(b.get("type") == "null" for b in resolved):
            return None
        return _fill(resolved[0], root, arxiv_id, prop)
    type_ = node.get("type")
    if isinstance(type_, list):
        if "null" in type_:
            return None
        type_ = type_[0] if type_ else None
    if type_ == "object" or "properties" in node:
        return {
            name: _fill(sub, root, arxiv_id, name)
            for name, sub in (node.get("properties") or {}).items()
        }
    if type_ == "array":
        count = max(1, int(node.get("minItems", 1)))
        count = min(count, int(node.get("maxItems", count)))
        return [_fill(node.get("items", {}), root, arxiv_id, prop) for _ in range(count)]
    if type_ == "integer":
        return int(node.get("minimum", 0))
    if type_ == "number":
        return float(node.get("minimum", 0))
    if type_ == "boolean":
        return False
    if type_ == "null":
        return None
    if prop == "gist":
        return gist_sentence(arxiv_id)
    return korean_sentence(arxiv_id, prop, str(root.get("title", "")))


def default_answer(body: dict[str, Any]) -> Any:
    """The fake model's own answer to a structured-outputs chat request ``body`` (what it
    answers without a :attr:`FakeUpstream.chat_handler`): a value that satisfies the request's
    JSON schema, each string a Korean sentence naming its property (:func:`korean_sentence`,
    the gist :func:`gist_sentence`) and each nullable field null. KeyError when ``body`` has
    no ``response_format.json_schema.schema``."""
    schema = body["response_format"]["json_schema"]["schema"]
    return _fill(schema, schema, _prompt_arxiv_id(body), "root")


def _map_strings(obj: Any, fn: Callable[[str], str]) -> Any:
    """``obj`` with ``fn`` applied to every string value (keys stay)."""
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: _map_strings(v, fn) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_map_strings(v, fn) for v in obj]
    return obj


def _map_first_string(obj: Any, fn: Callable[[str], str]) -> Any:
    """``obj`` with ``fn`` applied to its first string value, depth first in key order."""
    done = False

    def walk(value: Any) -> Any:
        nonlocal done
        if done:
            return value
        if isinstance(value, str):
            done = True
            return fn(value)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(obj)


def _parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Parse a multipart/form-data body into ``{name: (filename, data)}``.

    Done by hand rather than with the ``email`` parser, which may rewrite line endings of
    the uploaded JSONL; here the part bytes come back exactly as sent.
    """
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError(f"multipart body without boundary: {content_type!r}")
    delimiter = b"--" + match.group(1).encode("latin-1")
    parts: dict[str, tuple[str | None, bytes]] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            if key.strip().lower() == "content-disposition":
                disposition = value
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if name:
            parts[name.group(1)] = (
                filename.group(1) if filename else None,
                data.removesuffix(b"\r\n"),
            )
    return parts


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its FakeUpstream and never prints tracebacks."""

    daemon_threads = True
    # Benchmarks open dozens of connections at once; the default backlog of 5 would make
    # the kernel drop SYNs and add 1 s retransmit stalls.
    request_queue_size = 128

    def __init__(self, upstream: FakeUpstream) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record unexpected handler errors on the FakeUpstream instead of printing them."""
        exc = sys.exc_info()[1]
        # A client closing a keep-alive connection or giving up mid-answer is normal here.
        if isinstance(exc, OSError):
            return
        self.upstream.errors.append(f"{type(exc).__name__}: {exc}")


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP layer: read the request, let FakeUpstream route it, write the reply."""

    protocol_version = "HTTP/1.1"
    server: _Server
    # Idle keep-alive connections would otherwise hold a thread forever.
    timeout = 60
    # Headers and body go out in two writes; with Nagle on, the second waits for the
    # client's delayed ACK (~40 ms a request), which would dominate a benchmark's overhead.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log (it writes to stderr on every request)."""

    def do_GET(self) -> None:
        """Handle GET."""
        self._dispatch()

    def do_POST(self) -> None:
        """Handle POST."""
        self._dispatch()

    def do_DELETE(self) -> None:
        """Handle DELETE."""
        self._dispatch()

    def _dispatch(self) -> None:
        upstream = self.server.upstream
        upstream._log_request(self.command, self.path)
        try:
            body = self._read_body()
            reply = upstream._route(self.command, self.path, dict(self.headers.items()), body)
        except Exception as exc:
            # Bugs in a test's set-up (a missing fixture, a bad fault name) end up here:
            # record them so the test can see them, and answer 500 like a broken upstream.
            upstream.errors.append(f"{type(exc).__name__}: {exc}")
            reply = _json_reply(500, {"error": {"message": f"fakeserver error: {exc}"}})
        self._send(reply)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Skip the trailer section up to its terminating blank line.
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: _Reply) -> None:
        if reply.reset:
            self._abort()
            return
        if reply.hang:
            self._hang()
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            # The client gave up (e.g. its timeout fired during a "timeout" fault).
            self.close_connection = True

    def _hang(self) -> None:
        """Answer nothing until the client closes the connection (its read timeout fired):
        a timeout that lasts exactly as long as the client's, on a fast or a slow machine."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.settimeout(HOLD_LIMIT_SECONDS)
            while self.connection.recv(65536):
                pass

    def _abort(self) -> None:
        """Drop the connection with a TCP RST and no response, like a crashed upstream."""
        self.close_connection = True
        # Linger on with a zero timeout makes close() send RST instead of FIN.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # rfile holds a reference to the socket: the descriptor closes only when both do.
        self.rfile.close()
        self.connection.close()


class FakeUpstream:
    """Fake Hugging Face, arXiv (API, HTML, PDF) and OpenAI servers behind one base URL.

    Routes (all under :attr:`base_url`):

    * ``GET /api/daily_papers?date=YYYY-MM-DD`` - ``fixtures/hf/{date}.json`` or ``[]``.
    * ``GET /api/query?id_list=...&start=&max_results=`` - an Atom feed of the
      ``fixtures/arxiv/{id}.xml`` entries (plus :attr:`arxiv_extra_entries`).
    * ``GET /html/{id}v{N}``, ``GET /pdf/{id}[vN]`` - :attr:`html_pages`, :attr:`pdf_files`.
    * ``GET /html/{id}v{N}/{src}`` - a figure image from :attr:`images` (key ``{id}vN/{src}``;
      404 otherwise); not counted in :attr:`fulltext_count` (see :attr:`image_count`).
    * ``POST /v1/chat/completions`` - a schema-filling fake model.
    * ``POST /v1/files``, ``GET /v1/files/{id}[/content]``, ``DELETE /v1/files/{id}``.
    * ``POST /v1/batches``, ``GET /v1/batches[/{id}]``, ``POST /v1/batches/{id}/cancel``.
    * ``POST /v1/embeddings`` - :func:`fake_embedding` of each input, for the models in
      :attr:`embedding_models` (any other: 404 ``model_not_found``); ``float`` or ``base64``.
    * ``GET /{users|groups}/{id}/items/top?start=&limit=`` - the Zotero Web API v3:
      :attr:`zotero_items` of library :attr:`zotero_library` (``users/475425`` by default,
      the fixture's), paged with ``Total-Results`` and ``Link: <…>; rel="next"``; 403 when
      :attr:`zotero_key` is set and the ``Zotero-API-Key`` header differs, 404 for another
      library.

    Faults (FIFO lists, one entry consumed per request to that upstream):

    * :attr:`hf_faults`: an int status (429 adds ``Retry-After: 0``), ``"timeout"``
      (no answer until the client gives up and closes the connection), ``"reset"`` (TCP RST,
      no answer).
    * :attr:`arxiv_faults`: an int status (empty body), ``"empty"`` (a valid feed without
      entries), ``"timeout"``, ``"reset"``.
    * :attr:`fulltext_faults`: an int status, ``"timeout"``, ``"reset"``.
    * :attr:`chat_faults_by_id` (per arXiv id, checked first) and :attr:`chat_faults`: see
      :data:`CHAT_FAULTS`.
    * :attr:`embedding_faults`: see :data:`EMBEDDING_FAULTS` (its ``http_*`` faults answer as
      the chat's do: the same error bodies, ``retry-after-ms: 10`` on 5xx and 429).
    * :attr:`zotero_faults`: an int status, ``"timeout"``, ``"reset"``.

    Full-text requests are also recorded with their headers (:attr:`fulltext_headers`,
    lower-case names), and :attr:`fulltext_max_in_flight` counts the most of them handled
    at once; :attr:`fulltext_latency` (seconds) holds each one open so that overlap, if the
    client allowed any, would show there. Chat requests after the first
    :attr:`chat_hold_after` wait for :attr:`chat_release` (set by the test) before they are
    answered, so a test can stop a run at a known point without racing it.
    :attr:`request_starts` holds every request's
    arrival time (:attr:`clock`, ``time.monotonic`` unless a test gives a fake clock) and
    target, to check pacing from the server's side.

    All state is plain attributes that tests set directly; :meth:`reset` restores defaults.
    """

    def __init__(self, fixtures_dir: Path = FIXTURES_DIR) -> None:
        """Create a stopped server that serves fixtures from ``fixtures_dir``."""
        self.fixtures_dir = fixtures_dir
        # Stamps request arrivals; pacing tests put their fake clock here (see reset()).
        self.clock: Callable[[], float] = time.monotonic
        # Reentrant: batch completion holds it while running the chat handler, which takes it.
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start serving on a random free port of 127.0.0.1 in a background daemon thread."""
        if self._server is not None:
            return
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakeserver",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket (in-flight handlers are daemons)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeUpstream:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("FakeUpstream is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        """Forget all requests, faults, overrides, files and batches (between tests)."""
        with self._lock:
            # Hugging Face
            self.hf_files: dict[str, str] = {}
            self.hf_bodies: dict[str, bytes] = {}
            self.hf_faults: list[Fault] = []
            # arXiv API and full texts
            self.arxiv_faults: list[Fault] = []
            self.arxiv_extra_entries: dict[str, str] = {}
            # The ``id_list`` of each arXiv API request, in order.
            self.arxiv_id_lists: list[list[str]] = []
            self.html_pages: dict[str, bytes] = {}
            self.pdf_files: dict[str, bytes] = {}
            self.images: dict[str, bytes] = {}
            self.fulltext_faults: list[Fault] = []
            self.fulltext_latency: float = 0.0
            self.fulltext_headers: list[dict[str, str]] = []
            self.fulltext_max_in_flight: int = 0
            self._fulltext_in_flight: int = 0
            # OpenAI chat
            self.chat_faults: list[str] = []
            self.chat_faults_by_id: dict[str, list[str]] = {}
            self.chat_latency: float = 0.0
            # None: no hold; N: the chat requests after the first N wait for chat_release.
            self.chat_hold_after: int | None = None
            self.chat_release = threading.Event()
            self.chat_handler: ChatHandler | None = None
            self.chat_requests: list[dict[str, Any]] = []
            # The usage a chat answer reports: prompt tokens from every message's text,
            # completion tokens from the answer's, by count_tokens. A benchmark sets a
            # script-aware count and bills the response format's JSON schema too, as a
            # structured-outputs API does (input tokens).
            self.count_tokens: Callable[[str], int] = four_chars_a_token
            self.bill_response_format = False
            # OpenAI Files and Batches
            self.files: dict[str, dict[str, Any]] = {}
            self.file_contents: dict[str, bytes] = {}
            self.batches: dict[str, dict[str, Any]] = {}
            self.batch_requests: list[dict[str, Any]] = []
            self.batch_final_status: str = "completed"
            # OpenAI embeddings
            self.embedding_models: set[str] = {"text-embedding-3-small", "fake-embedding"}
            self.embedding_faults: list[str] = []
            self.embedding_requests: list[dict[str, Any]] = []
            # Zotero Web API
            self.zotero_library = "users/475425"
            self.zotero_items: list[dict[str, Any]] = json.loads(
                (self.fixtures_dir / "library" / "zotero-items.json").read_text("utf-8")
            )
            self.zotero_key: str | None = None
            self.zotero_faults: list[Fault] = []
            self.zotero_headers: list[dict[str, str]] = []
            # Shared
            self.requests: list[tuple[str, str]] = []
            # (self.clock() when the request line and headers arrived, target), in order.
            self.request_starts: list[tuple[float, str]] = []
            self.errors: list[str] = []
            self._ids: Iterator[int] = itertools.count(1)

    # -- request log -----------------------------------------------------------------------

    def _log_request(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))
            self.request_starts.append((self.clock(), path))

    def _count(self, *prefixes: str) -> int:
        with self._lock:
            return sum(1 for _, path in self.requests if path.startswith(prefixes))

    @property
    def hf_count(self) -> int:
        """Requests made to the Hugging Face daily papers API."""
        return self._count("/api/daily_papers")

    @property
    def arxiv_api_count(self) -> int:
        """Requests made to the arXiv query API."""
        return self._count("/api/query")

    @property
    def fulltext_count(self) -> int:
        """Requests made for arXiv HTML pages and PDFs (not their figure images)."""
        return self._count("/html/", "/pdf/") - self.image_count

    @property
    def image_count(self) -> int:
        """Requests made for figure images of arXiv HTML pages."""
        with self._lock:
            return sum(1 for _, path in self.requests if _IMAGE_RE.fullmatch(path))

    @property
    def embedding_count(self) -> int:
        """Embedding requests received (each may hold many inputs)."""
        with self._lock:
            return len(self.embedding_requests)

    @property
    def zotero_count(self) -> int:
        """Requests made to the Zotero Web API."""
        with self._lock:
            return len(self.zotero_headers)

    @property
    def chat_count(self) -> int:
        """Chat completion requests received over HTTP (batch lines are not counted)."""
        with self._lock:
            return len(self.chat_requests)

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def _pop(self, faults: list[Any]) -> Any:
        with self._lock:
            return faults.pop(0) if faults else None

    # -- routing ---------------------------------------------------------------------------

    def _route(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        url = urlsplit(target)
        path = url.path
        query = parse_qs(url.query, keep_blank_values=True)
        # Header names arrive as sent; compare them case-insensitively.
        headers = {k.lower(): v for k, v in headers.items()}
        if method == "GET":
            if path == "/api/daily_papers":
                return self._hf(query)
            if path == "/api/query":
                return self._arxiv_query(url.query, query)
            if match := _IMAGE_RE.fullmatch(path):
                data = self.images.get(f"{match.group(1)}/{match.group(2)}")
                if data is None:
                    return _Reply(404, b"Not Found", "text/plain")
                return _Reply(200, data, "image/png")
            if match := _FULLTEXT_RE.fullmatch(path):
                return self._fulltext_tracked(
                    headers, match.group(1), match.group(2), match.group(3) or ""
                )
            if match := _FILE_RE.fullmatch(path):
                return self._file_get(match.group(1), content=bool(match.group(2)))
            if path == "/v1/batches":
                return self._batch_list()
            if match := _ZOTERO_RE.fullmatch(path):
                return self._zotero(headers, f"{match.group(1)}/{match.group(2)}", path, query)
            if (match := _BATCH_RE.fullmatch(path)) and not match.group(2):
                return self._batch_poll(match.group(1), headers.get("authorization", ""))
        elif method == "POST":
            if path == "/v1/chat/completions":
                return self._chat_http(headers, body)
            if path == "/v1/embeddings":
                return self._embeddings(body)
            if path == "/v1/files":
                return self._file_create(headers.get("content-type", ""), body)
            if path == "/v1/batches":
                return self._batch_create(body)
            if (match := _BATCH_RE.fullmatch(path)) and match.group(2):
                return self._batch_cancel(match.group(1))
        elif method == "DELETE" and (match := _FILE_RE.fullmatch(path)) and not match.group(2):
            return self._file_delete(match.group(1))
        return _not_found(f"{method} {path}")

    def _transport_fault(self, fault: Fault) -> _Reply:
        """The reply for a fault the HF, arXiv, full-text and Zotero upstreams share: an int
        status (empty body), ``"timeout"`` or ``"reset"``; ValueError for any other."""
        if isinstance(fault, int):
            return _Reply(fault, b"", "text/plain")
        if fault == "timeout":
            return _Reply(hang=True)
        if fault == "reset":
            return _Reply(reset=True)
        raise ValueError(f"unknown fault {fault!r}")

    # -- Hugging Face ----------------------------------------------------------------------

    def _hf(self, query: dict[str, list[str]]) -> _Reply:
        fault = self._pop(self.hf_faults)
        if isinstance(fault, int):
            body = json.dumps({"error": f"HTTP {fault}"}).encode()
            headers = {"Retry-After": "0"} if fault == 429 else {}
            return _Reply(fault, body, "application/json", headers)
        if fault is not None:
            return self._transport_fault(fault)
        date = (query.get("date") or [""])[0]
        if not _DATE_RE.fullmatch(date):
            return _json_reply(400, {"error": f"Invalid date: {date!r}"})
        if date in self.hf_bodies:
            raw = self.hf_bodies[date]
            body = raw.encode("utf-8") if isinstance(raw, str) else raw
        elif date in self.hf_files:
            # An explicit mapping must exist: a typo in a test should fail, not return [].
            body = (self.fixtures_dir / "hf" / self.hf_files[date]).read_bytes()
        else:
            path = self.fixtures_dir / "hf" / f"{date}.json"
            # Days without a recording behave like weekends: HF answers an empty list.
            body = path.read_bytes() if path.is_file() else b"[]"
        return _Reply(200, body, "application/json; charset=utf-8")

    # -- arXiv -----------------------------------------------------------------------------

    def _arxiv_entry(self, asked: str) -> str | None:
        base = _VERSION_RE.sub("", asked)
        for key in (asked, base):
            if key in self.arxiv_extra_entries:
                return self.arxiv_extra_entries[key]
        path = self.fixtures_dir / "arxiv" / f"{base}.xml"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def _arxiv_query(self, raw_query: str, query: dict[str, list[str]]) -> _Reply:
        asked = (query.get("id_list") or [""])[0]
        with self._lock:
            self.arxiv_id_lists.append([i.strip() for i in asked.split(",") if i.strip()])
        fault = self._pop(self.arxiv_faults)
        empty = fault == "empty"
        if fault is not None and not empty:
            return self._transport_fault(fault)
        search_query = (query.get("search_query") or [""])[0]
        id_list = (query.get("id_list") or [""])[0]
        start = int((query.get("start") or ["0"])[0] or 0)
        # arXiv's own default page size is 10.
        max_results = int((query.get("max_results") or ["10"])[0] or 10)
        ids = [i.strip() for i in id_list.split(",") if i.strip()]
        bad = [i for i in ids if not _ARXIV_ID_RE.fullmatch(i)]
        if bad:
            body = _BAD_ID_FEED.format(updated=_UPDATED, bad=escape(bad[0]))
            return _Reply(400, body.encode(), "application/atom+xml; charset=utf-8")
        # Only id look-ups are served; a free-text search finds nothing.
        entries: list[str] = []
        if not empty:
            entries = [e for e in map(self._arxiv_entry, ids) if e is not None]
        page = entries[start : start + max_results]
        title = (
            f"search_query={search_query}&id_list={id_list}&start={start}&max_results={max_results}"
        )
        link = (
            f"search_query={search_query}&start={start}&max_results={max_results}&id_list={id_list}"
        )
        head = _FEED_HEAD.format(
            feed_id=hashlib.sha1(raw_query.encode()).hexdigest()[:27],
            title=escape(title),
            updated=_UPDATED,
            link=escape(link),
            per_page=max_results,
            total=len(entries),
            start=start,
        )
        body = head + "".join(e.rstrip("\n") + "\n" for e in page) + "</feed>\n"
        return _Reply(200, body.encode("utf-8"), "application/atom+xml; charset=utf-8")

    def _fulltext_tracked(
        self, headers: dict[str, str], kind: str, paper_id: str, version: str
    ) -> _Reply:
        """:meth:`_fulltext`, recording the request's headers and how many run at once."""
        with self._lock:
            self.fulltext_headers.append(headers)
            self._fulltext_in_flight += 1
            self.fulltext_max_in_flight = max(self.fulltext_max_in_flight, self._fulltext_in_flight)
        try:
            if self.fulltext_latency > 0:
                time.sleep(self.fulltext_latency)
            return self._fulltext(kind, paper_id, version)
        finally:
            with self._lock:
                self._fulltext_in_flight -= 1

    def _fulltext(self, kind: str, paper_id: str, version: str) -> _Reply:
        fault = self._pop(self.fulltext_faults)
        if fault is not None:
            return self._transport_fault(fault)
        store = self.html_pages if kind == "html" else self.pdf_files
        for key in (paper_id + version, paper_id):
            if key in store:
                data = store[key]
                content = data.encode("utf-8") if isinstance(data, str) else data
                ctype = "text/html; charset=utf-8" if kind == "html" else "application/pdf"
                return _Reply(200, content, ctype)
        return _Reply(404, b"Not Found", "text/plain")

    # -- OpenAI chat -----------------------------------------------------------------------

    def _pop_chat_fault(self, arxiv_id: str) -> str | None:
        with self._lock:
            for key in (arxiv_id, _VERSION_RE.sub("", arxiv_id)):
                queue = self.chat_faults_by_id.get(key)
                if queue:
                    return queue.pop(0)
            return self.chat_faults.pop(0) if self.chat_faults else None

    def _chat_http(self, headers: dict[str, str], raw: bytes) -> _Reply:
        try:
            body = json.loads(raw or b"null")
            if not isinstance(body, dict):
                raise ValueError("request body is not a JSON object")
        except ValueError as exc:
            outcome = _openai_error(400, f"Invalid JSON body: {exc}", "invalid_request_error", None)
        else:
            with self._lock:
                self.chat_requests.append(body)
                held = self.chat_hold_after is not None and (
                    len(self.chat_requests) > self.chat_hold_after
                )
            if held:
                self.chat_release.wait(HOLD_LIMIT_SECONDS)
            if self.chat_latency > 0:
                time.sleep(self.chat_latency)
            outcome = self._chat_outcome(body, headers.get("authorization", ""), live=True)
        if outcome.reset:
            return _Reply(reset=True)
        if outcome.hang:
            return _Reply(hang=True)
        headers_out = {"x-request-id": f"req_{self._next_id()}", **outcome.headers}
        return _json_reply(outcome.status, outcome.payload, headers_out)

    def _chat_outcome(self, body: dict[str, Any], authorization: str, live: bool) -> _ChatOutcome:
        """Answer one chat request, applying the next fault for its arXiv id.

        ``live`` is False for batch lines: there a "timeout" is answered (no client waits).
        """
        arxiv_id = _prompt_arxiv_id(body)
        fault = self._pop_chat_fault(arxiv_id)
        if fault is not None and fault not in CHAT_FAULTS:
            raise ValueError(f"unknown chat fault {fault!r}")
        if fault == "reset":
            return _ChatOutcome(reset=True)
        if fault == "timeout":
            if live:
                return _ChatOutcome(hang=True)
            fault = None
        if fault is not None and (error := _api_error(fault, authorization)) is not None:
            return error
        if fault == "not_a_completion":
            # A proxy or broken server answering 200 with something else.
            return _ChatOutcome(200, {"status": "maintenance", "detail": "try again later"})

        content, finish_reason = self._chat_content(body, arxiv_id, fault)
        prompt = [
            _message_text(m.get("content"))
            for m in body.get("messages") or []
            if isinstance(m, dict)
        ]
        if self.bill_response_format and body.get("response_format"):
            prompt.append(json.dumps(body["response_format"], ensure_ascii=False))
        prompt_tokens = self.count_tokens("".join(prompt))
        completion_tokens = self.count_tokens(content)
        completion = {
            "id": f"chatcmpl-{self._next_id()}",
            "object": "chat.completion",
            "created": CREATED,
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        return _ChatOutcome(200, completion)

    def _chat_content(
        self, body: dict[str, Any], arxiv_id: str, fault: str | None
    ) -> tuple[str, str]:
        """The message content and finish_reason for a successful answer."""
        response_format = body.get("response_format") or {}
        schema = (response_format.get("json_schema") or {}).get("schema")
        if self.chat_handler is not None:
            obj: Any = self.chat_handler(body)
        elif isinstance(schema, dict):
            obj = _fill(schema, schema, arxiv_id, "root")
        else:
            # Not a structured-output request: answer plain text.
            obj = korean_sentence(arxiv_id, "text")

        if fault == "english":
            obj = _map_strings(obj, lambda _: ENGLISH_SENTENCE)
        elif fault == "heading":
            obj = _map_first_string(obj, lambda s: _HEADING + s)
        elif fault == "invented_figure":
            obj = _map_first_string(obj, lambda s: s + _INVENTED_FIGURE)
        elif fault == "long_gist" and isinstance(obj, dict) and "gist" in obj:
            obj = {**obj, "gist": _LONG_GIST}
        elif fault == "missing_field" and isinstance(obj, dict):
            required = (schema or {}).get("required") or list(obj)
            for name in required:
                if name in obj:
                    obj = {k: v for k, v in obj.items() if k != name}
                    break

        # Key order is the schema's property order and ensure_ascii=False keeps the Korean
        # readable: the same request always gets the same bytes, so digests are stable.
        text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
        if fault == "malformed_json":
            return text[: len(text) * 2 // 3], "stop"
        if fault == "length":
            return text[: len(text) // 2], "length"
        if fault == "empty":
            return "", "stop"
        if fault == "code_fence":
            return f"```json\n{text}\n```", "stop"
        return text, "stop"

    # -- OpenAI embeddings -----------------------------------------------------------------

    def _embeddings(self, raw: bytes) -> _Reply:
        body = json.loads(raw or b"{}")
        with self._lock:
            self.embedding_requests.append(body)
        fault = self._pop(self.embedding_faults)
        if fault is not None and fault not in EMBEDDING_FAULTS:
            raise ValueError(f"unknown embedding fault {fault!r}")
        if fault == "reset":
            return _Reply(reset=True)
        if fault == "no_endpoint":
            # What a chat-only server (a proxy, an older llama.cpp) answers for the route.
            return _json_reply(404, {"detail": "Not Found"})
        model = body.get("model")
        error = _api_error(fault) if fault is not None else None
        if error is None and model not in self.embedding_models:
            error = _model_not_found(model)
        if error is not None:
            return _json_reply(error.status, error.payload, error.headers)
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        data = []
        for index, text in enumerate(texts):
            vector: Any = fake_embedding(str(text))
            if body.get("encoding_format") == "base64":
                vector = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(four_chars_a_token(str(t)) for t in texts)
        return _json_reply(
            200,
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    # -- Zotero Web API ----------------------------------------------------------------------

    def _zotero(
        self, headers: dict[str, str], library: str, path: str, query: dict[str, list[str]]
    ) -> _Reply:
        with self._lock:
            self.zotero_headers.append(headers)
        fault = self._pop(self.zotero_faults)
        if fault is not None:
            return self._transport_fault(fault)
        if self.zotero_key is not None and headers.get("zotero-api-key") != self.zotero_key:
            return _Reply(403, b"Forbidden", "text/plain")
        if library != self.zotero_library:
            return _Reply(404, b"Not found", "text/plain")
        start = int((query.get("start") or ["0"])[0] or 0)
        limit = min(100, int((query.get("limit") or ["25"])[0] or 25))
        page = self.zotero_items[start : start + limit]
        total = len(self.zotero_items)
        out = {
            "Total-Results": str(total),
            "Zotero-API-Version": "3",
            "Last-Modified-Version": "300",
        }
        if start + limit < total:
            host = headers.get("host", "127.0.0.1")
            out["Link"] = (
                f'<http://{host}{path}?format=json&limit={limit}&start={start + limit}>; rel="next"'
            )
        return _json_reply(200, page, out)

    # -- OpenAI Files ----------------------------------------------------------------------

    def _store_file(self, filename: str, purpose: str, content: bytes) -> dict[str, Any]:
        file_id = f"file-{self._next_id()}"
        meta: dict[str, Any] = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": CREATED,
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }
        with self._lock:
            self.files[file_id] = meta
            self.file_contents[file_id] = content
        return meta

    def _file_create(self, content_type: str, body: bytes) -> _Reply:
        parts = _parse_multipart(content_type, body)
        if "file" not in parts:
            return _json_reply(400, {"error": {"message": "missing file", "type": "invalid"}})
        filename, content = parts["file"]
        purpose = parts.get("purpose", (None, b"batch"))[1].decode("utf-8")
        return _json_reply(200, self._store_file(filename or "upload", purpose, content))

    def _file_get(self, file_id: str, content: bool) -> _Reply:
        if file_id not in self.files:
            return _not_found(f"file {file_id}")
        if content:
            return _Reply(200, self.file_contents[file_id], "application/octet-stream")
        return _json_reply(200, self.files[file_id])

    def _file_delete(self, file_id: str) -> _Reply:
        with self._lock:
            if self.files.pop(file_id, None) is None:
                return _not_found(f"file {file_id}")
            self.file_contents.pop(file_id, None)
        return _json_reply(200, {"id": file_id, "object": "file", "deleted": True})

    # -- OpenAI Batches --------------------------------------------------------------------

    def _batch_create(self, raw: bytes) -> _Reply:
        params = json.loads(raw or b"{}")
        input_file_id = params.get("input_file_id")
        if input_file_id not in self.files:
            return _not_found(f"file {input_file_id}")
        if params.get("endpoint") != "/v1/chat/completions":
            outcome = _openai_error(
                400, "fakeserver supports only /v1/chat/completions", "invalid_request_error", None
            )
            return _json_reply(outcome.status, outcome.payload)
        lines = [ln for ln in self.file_contents[input_file_id].splitlines() if ln.strip()]
        batch: dict[str, Any] = {
            "id": f"batch_{self._next_id()}",
            "object": "batch",
            "endpoint": params["endpoint"],
            "errors": None,
            "input_file_id": input_file_id,
            "completion_window": params.get("completion_window", "24h"),
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": CREATED,
            "in_progress_at": None,
            "expires_at": None,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "metadata": params.get("metadata"),
        }
        with self._lock:
            self.batches[batch["id"]] = batch
        return _json_reply(200, batch)

    def _batch_list(self) -> _Reply:
        with self._lock:
            data = list(reversed(self.batches.values()))
        return _json_reply(
            200,
            {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": False,
            },
        )

    def _batch_poll(self, batch_id: str, authorization: str) -> _Reply:
        """Each poll moves the batch one step: validating -> in_progress -> final status."""
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return _not_found(f"batch {batch_id}")
            if batch["status"] == "validating":
                batch["status"] = "in_progress"
                batch["in_progress_at"] = CREATED
            elif batch["status"] == "in_progress":
                self._finish_batch(batch, authorization)
            elif batch["status"] == "cancelling":
                batch["status"] = "cancelled"
                batch["cancelled_at"] = CREATED
            return _json_reply(200, batch)

    def _batch_cancel(self, batch_id: str) -> _Reply:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return _not_found(f"batch {batch_id}")
            if batch["status"] in ("validating", "in_progress"):
                batch["status"] = "cancelling"
                batch["cancelling_at"] = CREATED
            return _json_reply(200, batch)

    def _finish_batch(self, batch: dict[str, Any], authorization: str) -> None:
        final = self.batch_final_status
        if final == "failed":
            batch.update(status="failed", failed_at=CREATED)
            batch["errors"] = {
                "object": "list",
                "data": [
                    {
                        "code": "invalid_request",
                        "message": "fakeserver: batch_final_status is 'failed'",
                        "param": None,
                        "line": None,
                    }
                ],
            }
            return
        if final == "expired":
            batch.update(status="expired", expired_at=CREATED)
            return
        if final != "completed":
            raise ValueError(f"unknown batch_final_status {final!r}")

        outputs: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for line in self.file_contents[batch["input_file_id"]].splitlines():
            if not line.strip():
                continue
            request = json.loads(line)
            body = request.get("body") or {}
            self.batch_requests.append(body)
            outcome = self._chat_outcome(body, authorization, live=False)
            n = self._next_id()
            record: dict[str, Any] = {
                "id": f"batch_req_{n}",
                "custom_id": request.get("custom_id"),
                "response": None,
                "error": None,
            }
            if outcome.reset:
                record["error"] = {"code": "server_error", "message": "The request failed."}
            else:
                record["response"] = {
                    "status_code": outcome.status,
                    "request_id": f"req_{n}",
                    "body": outcome.payload,
                }
            # Like OpenAI: successes go to the output file, failed requests to the error file.
            (outputs if outcome.status == 200 and not outcome.reset else failures).append(record)

        def jsonl(records: list[dict[str, Any]]) -> bytes:
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()

        if outputs:
            meta = self._store_file(f"{batch['id']}_output.jsonl", "batch_output", jsonl(outputs))
            batch["output_file_id"] = meta["id"]
        if failures:
            meta = self._store_file(f"{batch['id']}_error.jsonl", "batch_output", jsonl(failures))
            batch["error_file_id"] = meta["id"]
        batch.update(status="completed", finalizing_at=CREATED, completed_at=CREATED)
        batch["request_counts"] = {
            "total": len(outputs) + len(failures),
            "completed": len(outputs),
            "failed": len(failures),
        }
