"""Notifications (issue 10 §1): apprise's ``json://`` service posting to a local HTTP sink
started in the test process; nothing leaves 127.0.0.1."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import AppEnv
from fakeserver import gist_sentence
from runhelpers import DAY, DAY_IDS, invoke, run_day
from typer.testing import Result

from paperdigest.errors import ConfigError
from paperdigest.notify import Notifier

TITLE = f"📰 Hugging Face Daily Papers – {DAY} (15편)"
SINK_WAIT_SECONDS = 120


@dataclass
class Sink:
    """A webhook receiver: every POST's path and JSON body, in arrival order; answers
    ``status`` (200 unless a test makes it fail)."""

    port: int = 0
    status: int = 200
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        """The apprise URL posting to ``path`` of this sink.

        apprise waits 4 s by default to connect and to read the answer; the sink (a thread of
        the test process) answers in milliseconds, but a starved test process may take longer,
        and apprise would then give up before the sink has recorded the message. ``cto`` and
        ``rto`` (apprise's connect and read timeouts) leave a margin no busy machine reaches.
        """
        return (
            f"json://127.0.0.1:{self.port}/{path}?cto={SINK_WAIT_SECONDS}&rto={SINK_WAIT_SECONDS}"
        )

    def messages(self, path: str) -> list[dict[str, Any]]:
        """The JSON bodies posted to ``/path``."""
        return [body for p, body in self.received if p == f"/{path}"]


@pytest.fixture
def sink() -> Iterator[Sink]:
    """A running :class:`Sink` on a free port of 127.0.0.1."""
    state = Sink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.received.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    # A short poll interval: shutdown() waits for one (the default 0.5 s, paid by every test).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _notify(monkeypatch: pytest.MonkeyPatch, *urls: str) -> None:
    monkeypatch.setenv("PAPERDIGEST_NOTIFY", ", ".join(urls))


def _warnings(result: Result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.startswith("warning: notification")]


def test_run_sends_one_message_per_url(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two URLs (comma and space separated): each gets exactly one message for the run."""
    _notify(monkeypatch, sink.url("first"), sink.url("second"))
    result = run_day()
    assert result.exit_code == 0, result.stderr
    assert len(sink.messages("first")) == 1, result.stderr
    assert len(sink.messages("second")) == 1
    assert len(sink.received) == 2


def test_message_title_and_body_give_the_tldr_and_the_path(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Title with date and paper count; a ``title — gist`` bullet per paper in list order; the
    digest's path."""
    _notify(monkeypatch, sink.url("hook"))
    result = run_day()
    assert result.exit_code == 0, result.stderr
    (message,) = sink.messages("hook")
    assert message["title"] == TITLE
    bullets = [ln for ln in message["message"].splitlines() if ln.startswith("• ")]
    assert [b.rsplit(" — ", 1)[1] for b in bullets] == [gist_sentence(i) for i in DAY_IDS]
    assert message["message"].splitlines()[-1] == (
        f"전체 다이제스트: {(env.out_dir / f'{DAY}.md').resolve()}"
    )


def test_a_two_tier_digests_message_covers_every_paper_in_rank_order(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --top 3 and a reader, the title counts every paper shown and the bullets give
    each one's ``title — gist``, the briefs' too, in the digest's rank order (issue 18 §3)."""
    _notify(monkeypatch, sink.url("hook"))
    monkeypatch.setenv("PAPERDIGEST_INTERESTS", "humanoid robot soccer skills")
    result = run_day("--top", "3")
    assert result.exit_code == 0, result.stderr
    (message,) = sink.messages("hook")
    assert message["title"] == TITLE
    bullets = [ln for ln in message["message"].splitlines() if ln.startswith("• ")]
    gists = [b.rsplit(" — ", 1)[1] for b in bullets]
    text = (env.out_dir / f"{DAY}.md").read_text(encoding="utf-8")
    ranked = re.findall(r"^\d+\. \[.*\]\(#(\d+)\)", text, re.MULTILINE)
    assert gists == [gist_sentence(f"{slug[:4]}.{slug[4:]}") for slug in ranked]
    assert gists != [gist_sentence(i) for i in DAY_IDS]  # not the list's order


def test_site_url_is_joined_with_the_digest_name(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PAPERDIGEST_SITE_URL set the body links SITE_URL/FILE_NAME, not the path."""
    _notify(monkeypatch, sink.url("hook"))
    monkeypatch.setenv("PAPERDIGEST_SITE_URL", "https://papers.example.org/digests/")
    assert run_day("--template", "jekyll").exit_code == 0
    (message,) = sink.messages("hook")
    assert (
        f"전체 다이제스트: https://papers.example.org/digests/{DAY}-hf-daily-papers.md"
        in message["message"]
    )
    assert str(env.out_dir) not in message["message"]


def test_partial_run_names_the_papers_left_out_and_why(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 3: the title counts the papers summarized, the body names the failed ids and why."""
    failing = DAY_IDS[2]
    env.fake.chat_faults_by_id[failing] = ["english"] * 3
    _notify(monkeypatch, sink.url("hook"))
    result = run_day()
    assert result.exit_code == 3, result.stderr
    (message,) = sink.messages("hook")
    assert message["title"] == f"📰 Hugging Face Daily Papers – {DAY} (14편)"
    body = message["message"]
    assert "다이제스트에서 빠진 논문 1편:" in body
    left = [ln for ln in body.splitlines() if ln.startswith(f"• {failing} ")]
    assert len(left) == 1 and "요약 실패 (3회 시도)" in left[0]


def test_failed_run_sends_a_short_failure_message(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hugging Face down (exit 1): one failure message with the error line, no digest message."""
    env.fake.hf_faults += [503] * 10
    _notify(monkeypatch, sink.url("hook"))
    result = run_day()
    assert result.exit_code == 1
    (message,) = sink.messages("hook")
    assert message["title"] == f"⚠️ paperdigest run {DAY} 실패"
    assert message["message"].startswith(f"paperdigest run {DAY} failed (exit 1): ")
    assert "HTTP 503" in message["message"]


def test_no_notify_sends_nothing(env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--no-notify`` skips the message of a run that would send one."""
    _notify(monkeypatch, sink.url("hook"))
    assert run_day("--no-notify").exit_code == 0
    assert sink.received == []


def test_backfill_sends_one_message_at_the_end(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three days, two digests: one message naming both days, not one per day."""
    _notify(monkeypatch, sink.url("hook"))
    result = invoke("backfill", "--from", "2025-11-06", "--to", "2025-11-08")
    assert result.exit_code == 0, result.stderr
    (message,) = sink.messages("hook")
    assert message["title"] == "📰 Hugging Face Daily Papers – 2025-11-06 ~ 2025-11-07 (26편, 2일)"
    assert [ln[:12] for ln in message["message"].splitlines()] == ["• 2025-11-06", "• 2025-11-07"]


def test_weekly_sends_one_message_with_the_weeks_papers(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A weekly post: one message titled by its week and paper count, a ``title — gist``
    bullet per listed paper in rank order, and the post's location; a week with nothing
    stored sends none."""
    for day in ("2025-11-06", DAY):
        assert invoke("run", "--date", day, "--no-notify").exit_code == 0
    _notify(monkeypatch, sink.url("hook"))
    result = invoke("weekly", "--week", "2025-W45", "--top", "3")
    assert result.exit_code == 0, result.stderr
    (message,) = sink.messages("hook")
    assert message["title"] == "📰 Hugging Face Weekly Papers – 2025-W45 (3편)"
    lines = message["message"].splitlines()
    assert [ln.rsplit(" — ", 1)[1] for ln in lines[:3]] == [
        gist_sentence(i) for i in ("2511.04570", "2511.03276", "2511.04460")
    ]
    post = env.out_dir / "2025-11-09-weekly-2025-W45.md"
    assert lines[-1] == f"주간 리뷰: {post}"
    assert invoke("weekly", "--week", "2025-W46").exit_code == 0
    assert len(sink.received) == 1


def test_unparsable_url_is_a_config_error_before_any_request(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL apprise cannot parse: one line, exit 2, no Hugging Face or model request."""
    _notify(monkeypatch, sink.url("hook"), "tgram://not-a-bot-token/")
    result = run_day()
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "paperdigest: error: setting PAPERDIGEST_NOTIFY: URL 2 (tgram://…) is not a URL "
        "apprise can use (see apprise's list of services)"
    ]
    assert env.fake.hf_count == 0 and env.fake.chat_count == 0
    assert sink.received == []


def test_failed_delivery_is_one_warning_and_changes_nothing(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sink answering 500: one warning line naming the service; exit 0, digest written."""
    sink.status = 500
    _notify(monkeypatch, sink.url("hook"))
    result = run_day()
    assert result.exit_code == 0, result.stderr
    assert (env.out_dir / f"{DAY}.md").is_file()
    (line,) = _warnings(result)
    assert line.startswith("warning: notification via JSON failed: ")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_slack_token_never_reaches_the_logs(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Slack URL failing to deliver (its proxy refuses), with apprise's own logger at debug
    level (where it prints the URL): the warning names Slack, and no part of the URL's token
    is on stderr (where every log line goes) or stdout."""
    monkeypatch.setattr(logging.getLogger("apprise"), "level", logging.DEBUG)
    tokens = ["T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7FQ"]
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{_closed_port()}")
    _notify(monkeypatch, "slack://" + "/".join(tokens) + "/#general")
    result = run_day("-v", "--limit", "1")
    assert result.exit_code == 0, result.stderr
    (line,) = _warnings(result)
    assert line.startswith("warning: notification via Slack failed: ")
    for token in tokens:
        assert token not in result.stderr
        assert token not in result.stdout


def test_tldr_line_is_title_and_gist_or_the_title_alone() -> None:
    """A summary with a gist gives ``title — gist``; one stored before the gist, the title."""
    notifier = Notifier(site_url=None)
    with_gist = SimpleNamespace(
        paper=SimpleNamespace(title="A  Paper"), view=SimpleNamespace(gist="한 줄 요지.")
    )
    without = SimpleNamespace(
        paper=SimpleNamespace(title="B Paper"), view=SimpleNamespace(gist=None)
    )
    note = notifier.note(date(2025, 11, 7), Path("out/2025-11-07.md"), [with_gist, without], [])
    assert note.lines == ("A Paper — 한 줄 요지.", "B Paper")
    assert note.location == "out/2025-11-07.md"


@pytest.mark.parametrize("url", ["tgram://not-a-bot-token/", "json://[::1/hook", "no-scheme"])
def test_urls_apprise_cannot_use_raise_config_error(url: str) -> None:
    """Each unusable URL is a ConfigError naming its position, never its text past the scheme."""
    with pytest.raises(ConfigError, match=r"^setting PAPERDIGEST_NOTIFY: URL 2 \(") as caught:
        Notifier.from_settings(["json://127.0.0.1:9/ok", url], None, enabled=True)
    assert url.split("://")[-1] not in str(caught.value)


def test_failed_backfill_sends_one_failure_message(
    env: AppEnv, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backfill stopped by Hugging Face being down (exit 1): one failure message, and no
    digest message for the range."""
    env.fake.hf_faults += [503] * 10
    _notify(monkeypatch, sink.url("hook"))
    result = invoke("backfill", "--from", "2025-11-06", "--to", "2025-11-07")
    assert result.exit_code == 1
    (message,) = sink.messages("hook")
    assert message["title"] == "⚠️ paperdigest backfill 2025-11-06~2025-11-07 실패"
    assert "HTTP 503" in message["message"]
