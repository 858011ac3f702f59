"""Helpers shared by the reliability tests: run the CLI in-process or as a real process,
read what a run left behind (store, digest, requests), and check a digest's markdown.

Not a test module (no ``test_`` prefix); the test modules import it like ``fakeserver``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fakeserver import FakeUpstream
from markdown_it import MarkdownIt
from typer.testing import CliRunner, Result

from paperdigest.cli import app

__all__ = [
    "DAY",
    "DAY_IDS",
    "PROCESS_LIMIT_SECONDS",
    "asked_ids",
    "day_digest",
    "digest_ids",
    "digest_states",
    "github_slug",
    "headings",
    "invoke",
    "json_lines",
    "markdown_problems",
    "omitted_ids",
    "resummarized_answer",
    "run_day",
    "spawn",
    "stored_summary_ids",
    "user_prompts",
    "wait_for",
]

DAY = "2025-11-07"
# The 15 papers of tests/fixtures/hf/2025-11-07.json, in list order.
DAY_IDS = [
    "2511.04570",
    "2511.04460",
    "2511.03773",
    "2511.04670",
    "2511.04307",
    "2511.03929",
    "2511.03774",
    "2511.04217",
    "2511.04655",
    "2511.03996",
    "2511.03295",
    "2511.04668",
    "2510.27656",
    "2511.02280",
    "2511.00956",
]
BIN = Path(sys.executable).parent / "paperdigest"

_PROMPT_ID_RE = re.compile(r"^arXiv id: (\S+)", re.MULTILINE)
_LOGGERS = ("paperdigest", "openai", "httpx2")


def invoke(*args: str) -> Result:
    """Run ``paperdigest ARGS`` in-process; the logging set-up the CLI makes is undone after,
    so that its handler (bound to the runner's closed stream) cannot leak into other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def run_day(*extra: str, day: str = DAY) -> Result:
    """``paperdigest run --date DAY EXTRA...`` in-process."""
    return invoke("run", "--date", day, *extra)


def spawn(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, python_code: str | None = None
) -> subprocess.Popen[str]:
    """Start ``paperdigest ARGS`` as a real process in ``tmp_path``, with the test's
    environment (the ``env`` fixture's settings) plus ``env``; with ``python_code``, run
    ``python -c CODE ARGS`` instead (for a process that patches something first)."""
    argv = [sys.executable, "-c", python_code] if python_code else [str(BIN)]
    return subprocess.Popen(
        [*argv, *args],
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# How long a test waits at most for a real process to end or a condition to hold: a guard
# that turns a hang into a failure, never a timing a passing test relies on. The waits it
# bounds take a second or two on a busy machine; this is two orders of magnitude above.
PROCESS_LIMIT_SECONDS = 300.0


def wait_for(
    condition: Callable[[], bool], what: str, timeout: float = PROCESS_LIMIT_SECONDS
) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds (a guard
    against a hang, far above how long the condition takes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def asked_ids(fake: FakeUpstream, since: int = 0) -> list[str]:
    """The arXiv id of every chat request the fake model received (from index ``since``)."""
    ids = []
    for body in list(fake.chat_requests)[since:]:
        user = next(m for m in body["messages"] if m["role"] == "user")
        match = _PROMPT_ID_RE.search(user["content"])
        ids.append(match.group(1) if match else "unknown")
    return ids


def user_prompts(fake: FakeUpstream) -> dict[str, str]:
    """The first user message sent for each arXiv id."""
    prompts: dict[str, str] = {}
    for body in list(fake.chat_requests):
        user = next(m for m in body["messages"] if m["role"] == "user")
        match = _PROMPT_ID_RE.search(user["content"])
        if match:
            prompts.setdefault(match.group(1), user["content"])
    return prompts


def stored_summary_ids(db: Path) -> set[str]:
    """arXiv ids with a summary row in the database (read-only, safe while a run writes)."""
    if not db.exists():
        return set()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return {row[0] for row in con.execute("SELECT arxiv_id FROM summaries")}
    except sqlite3.OperationalError:  # the schema is not created yet
        return set()
    finally:
        con.close()


def digest_states(out_dir: Path, name: str = f"{DAY}.md") -> list[tuple[str, str]]:
    """(arXiv id, state) of each paper the stored listing of digest ``name`` (a file name in
    ``out_dir``, whose database is ``out_dir/paperdigest.db``) holds, in its order."""
    db = sqlite3.connect(out_dir / "paperdigest.db")
    try:
        rows = db.execute(
            "SELECT p.arxiv_id, p.state FROM digest_papers p JOIN digests d ON d.path = p.path "
            "WHERE d.path LIKE ? ORDER BY p.position",
            (f"%/{name}",),
        )
        return [(str(a), str(s)) for a, s in rows.fetchall()]
    finally:
        db.close()


def day_digest(out_dir: Path, day: str = DAY) -> str:
    """The text of ``day``'s digest in the default layout (``out_dir/DAY.md``)."""
    return (out_dir / f"{day}.md").read_text(encoding="utf-8")


def digest_ids(text: str) -> list[str]:
    """The arXiv ids summarized in a ``digest``-template digest, in order."""
    return re.findall(r"^## (\d{4}\.\d{4,5})$", text, re.MULTILINE)


def omitted_ids(text: str) -> list[str]:
    """The arXiv ids listed under "요약하지 못한 논문", in order."""
    _, _, tail = text.partition("요약하지 못한 논문")
    return re.findall(r"^- \[(\d{4}\.\d{4,5})\]", tail, re.MULTILINE)


TRUNCATE_MARKER = "<!-- truncate -->"
# A paper page, or a TL;DR link to a paper's section (its id, also made of the arXiv id).
_ALLOWED_LINK = re.compile(
    r"^(?:https://(?:arxiv\.org/abs|huggingface\.co/papers)/\d{4}\.\d{4,5}"
    r"|#\d{8,9}|#paper-\d{4}-\d{4,5})$"
)
# The list's code and project links (issue 18 §4): http(s) only, under their fixed link texts.
_LIST_LINK = re.compile(r"^https?://[^\s]+$")
_LIST_LINK_TEXTS = ("코드", "프로젝트 페이지")


def markdown_problems(text: str) -> list[str]:
    """What would make a digest unsafe or broken as markdown (empty list = fine).

    Parsed with markdown-it (CommonMark + GFM tables): no raw HTML, no images, no tables,
    every link built from an arXiv id (or an http(s) code or project link of the list, under
    its fixed link text), no heading other than the template's own, front
    matter (jekyll) closed. ``text`` must end with one newline and hold no control
    character but tab and newline.
    """
    problems: list[str] = []
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append("does not end with exactly one newline")
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text):
        problems.append("contains a control character (NUL, ESC, CR...)")
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            return [*problems, "front matter is not closed"]
        body = text[end + 5 :]
    md = MarkdownIt("commonmark").enable("table")
    md.validateLink = lambda url: True  # report javascript: links too, not drop them
    tokens = list(_walk(md.parse(body)))
    for index, token in enumerate(tokens):
        if token.type == "html_block" and token.content.strip() == TRUNCATE_MARKER:
            continue  # docusaurus's blog-list cut, a comment no renderer shows
        if token.type in ("html_block", "html_inline"):
            problems.append(f"raw HTML: {token.content.strip()[:60]!r}")
        elif token.type == "image":
            problems.append(f"image: {token.attrGet('src')!r}")
        elif token.type == "table_open":
            problems.append("a table")
        elif token.type == "link_open":
            href = str(token.attrGet("href"))
            label = tokens[index + 1].content if index + 1 < len(tokens) else ""
            listed = label in _LIST_LINK_TEXTS and _LIST_LINK.match(href)
            if not _ALLOWED_LINK.match(href) and not listed:
                problems.append(f"link not built from an arXiv id: {href!r}")
    return problems


def _walk(tokens: Iterable[Any]) -> Iterable[Any]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def headings(text: str) -> list[str]:
    """The text of every heading of a (front-matter-free) markdown text."""
    md = MarkdownIt("commonmark")
    tokens = md.parse(text)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens
    (the rule of github-slugger, which GitHub's markdown rendering follows)."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def json_lines(stream: str) -> list[dict[str, Any]]:
    """Every line of ``stream`` parsed as JSON (raises on a line that is not)."""
    return [json.loads(line) for line in stream.splitlines() if line.strip()]


def resummarized_answer(body: dict[str, object]) -> dict[str, object]:
    """A fake-model chat handler whose valid answer differs from the default one: every text
    field of the requested schema says it was summarized again (``masking`` and
    ``key_figure`` null), so a test can tell a resummarized paper from the others."""
    schema = body["response_format"]["json_schema"]["schema"]  # type: ignore[index]
    return {
        k: (
            None if k in ("masking", "key_figure") else f"다시 요약한 {k} 항목의 한국어 문장입니다."
        )
        for k in schema["properties"]
    } | {"overview": "해당 논문은 다시 요약한 overview 항목의 한국어 문장입니다."}
