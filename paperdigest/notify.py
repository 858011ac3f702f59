"""Notifications through apprise: one message per configured URL after a run (issue 10 §1).

``PAPERDIGEST_NOTIFY`` holds apprise URLs (``slack://…``, ``discord://…``, ``tgram://…``,
``mailtos://…``, ``json://host/path`` for any webhook); apprise speaks every service, so
paperdigest has no client of its own per service.

A notification is a courtesy, never part of the result: a URL that fails to deliver is one
warning line naming the service (never its URL, whose path and user part carry tokens), and it
changes neither the digest nor the exit code. A URL apprise cannot parse is a
:class:`~paperdigest.errors.ConfigError` raised by :meth:`Notifier.from_settings`, which each
command's flow (:mod:`paperdigest.flows.commands`) calls before any model call.

apprise is imported only when URLs are configured: loading its ~190 service plugins takes about
0.3 s, which a run without notifications should not pay.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from paperdigest.errors import ConfigError, PaperdigestError, one_line, redact, register_secret
from paperdigest.masthead import day_headline, week_headline
from paperdigest.text import collapse_space

if TYPE_CHECKING:  # render loads jinja2; a message needs only the entries' attributes
    from paperdigest.render import Entry, Omitted
    from paperdigest.roundup import WeeklyEntry

__all__ = [
    "DigestNote",
    "Notifier",
    "WeeklyNote",
    "digest_message",
    "failure_message",
    "location",
    "range_message",
    "weekly_message",
]

log = logging.getLogger("paperdigest")

# A URL piece this long is treated as a possible token and masked in every log line; shorter
# pieces ("hook", "general") are names, and masking them would garble ordinary messages.
# Slack, Discord and Telegram tokens are 9 characters or more. User names and passwords are
# masked whatever their length (register_secret ignores values under 4 characters).
# apprise's own timeouts (4 s to connect, 4 s to read) bound how long a dead service holds a run.
_TOKEN_CHARS = 8


@dataclass(frozen=True)
class DigestNote:
    """One written digest, as a message tells of it.

    Attributes:
        day: the digest's date.
        location: ``PAPERDIGEST_SITE_URL`` joined with the file name, else the file's path.
        lines: one TL;DR line per summarized paper, ``title — gist`` (the title alone when the
            stored summary has no gist), in digest order.
        left_out: ``arXiv id title: reason`` per paper of the list the digest does not
            summarize (failed, not done, skipped).
    """

    day: date
    location: str
    lines: tuple[str, ...]
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class WeeklyNote:
    """One written weekly post, as a message tells of it.

    Attributes:
        week: the ISO week, ``2025-W46``.
        location: as :attr:`DigestNote.location`.
        lines: one line per top paper, ``title — gist`` (the title alone without a gist),
            in rank order.
        partial: the post went out without its overview (exit 3).
    """

    week: str
    location: str
    lines: tuple[str, ...]
    partial: bool = False


def _paper_line(title: str, gist: str | None) -> str:
    return f"{collapse_space(title)} — {collapse_space(gist)}" if gist else collapse_space(title)


def location(path: Path, site_url: str | None) -> str:
    """Where readers find the digest: ``site_url`` joined with the file name, else the path."""
    if site_url:
        return f"{site_url.rstrip('/')}/{path.name}"
    return str(path)


def _bullets(lines: Sequence[str]) -> list[str]:
    return [f"• {line}" for line in lines]


def _left_out(lines: Sequence[str]) -> list[str]:
    """The block of a message that names the papers a digest left out; none without any."""
    if not lines:
        return []
    return ["", f"다이제스트에서 빠진 논문 {len(lines)}편:", *_bullets(lines)]


def digest_message(note: DigestNote) -> tuple[str, str]:
    """(title, body) of the message for one day's digest (exit 0 or 3).

    The title is ``📰 Hugging Face Daily Papers – DATE (N편)`` with N the papers summarized;
    the body lists the TL;DR lines, the location, and on a partial day the papers left out.
    """
    title = f"{day_headline(note.day.isoformat())} ({len(note.lines)}편)"
    body = [*_bullets(note.lines), "", f"전체 다이제스트: {note.location}"]
    return title, "\n".join(body + _left_out(note.left_out))


def weekly_message(note: WeeklyNote) -> tuple[str, str]:
    """(title, body) of the message for a weekly post (exit 0 or 3): the title
    ``📰 Hugging Face Weekly Papers – 2025-W46 (N편)`` with N the papers listed; the body
    the papers' lines and the location, and whether the overview is missing."""
    title = f"{week_headline(note.week)} ({len(note.lines)}편)"
    body = [*_bullets(note.lines), "", f"주간 리뷰: {note.location}"]
    if note.partial:
        body += ["", "이번 주 개요를 만들지 못했습니다 (paperdigest weekly를 다시 실행하세요)."]
    return title, "\n".join(body)


def range_message(notes: Sequence[DigestNote]) -> tuple[str, str]:
    """(title, body) of a backfill's one message: a line per digest written, then every
    paper left out, by day. ``notes`` is not empty and in date order."""
    first, last = notes[0].day.isoformat(), notes[-1].day.isoformat()
    span = first if first == last else f"{first} ~ {last}"
    papers = sum(len(n.lines) for n in notes)
    title = f"{day_headline(span)} ({papers}편, {len(notes)}일)"
    body = _bullets([f"{n.day.isoformat()} ({len(n.lines)}편): {n.location}" for n in notes])
    left_out = [f"{n.day.isoformat()} {line}" for n in notes for line in n.left_out]
    return title, "\n".join(body + _left_out(left_out))


def failure_message(what: str, message: str) -> tuple[str, str]:
    """(title, body) of the short message of a command that failed with exit 1.

    Args:
        what: the command and its day or range, e.g. ``run 2025-11-07``.
        message: the one-line error the CLI prints (already free of keys).
    """
    return f"⚠️ paperdigest {what} 실패", f"paperdigest {what} failed (exit 1): {message}"


def _url_secrets(url: str) -> Iterator[str]:
    """The pieces of an apprise URL that may be credentials.

    Every piece of the part before the path (user, password, and a host that is no DNS name or
    IP address: Slack's and Telegram's tokens stand there, ``slack://TokenA/TokenB/TokenC``,
    ``tgram://BOT:TOKEN/chat``), and every path segment and query value of
    :data:`_TOKEN_CHARS` characters or more.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: mask all after the scheme
        yield url.partition("://")[2]
        return
    for piece in re.split(r"[:@]", parts.netloc):
        piece = unquote(piece)
        if "." in piece or piece == "localhost" or (piece.isdigit() and len(piece) <= 5):
            continue  # a host name, an IP address or a port
        yield piece
    pieces = [
        *parts.path.split("/"),
        *(v for p in parts.query.split("&") for v in p.split("=")[1:]),
    ]
    for piece in pieces:
        piece = unquote(piece)
        if len(piece) >= _TOKEN_CHARS:
            yield piece


class _Capture(logging.Handler):
    """Keeps apprise's warning and error lines of one delivery (to give its reason)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _apprise_log() -> Iterator[_Capture]:
    """apprise's own log lines captured, never printed: at debug level they carry the full
    URL with its token (``Slack POST URL: https://hooks.slack.com/services/T…/B…/…``)."""
    logger = logging.getLogger("apprise")
    capture = _Capture()
    logger.propagate = False
    logger.addHandler(capture)
    try:
        yield capture
    finally:
        logger.removeHandler(capture)


@dataclass
class _Target:
    service: str  # apprise's name of the service, e.g. "Slack"; safe to print
    plugin: Any  # an apprise NotifyBase instance (apprise ships no type hints for it)


@dataclass
class Notifier:
    """Sends the messages of one command to every configured URL.

    Build it with :meth:`from_settings`; a Notifier without targets (no URLs, or
    ``--no-notify``) sends nothing.
    """

    targets: list[_Target] = field(default_factory=list)
    site_url: str | None = None

    @classmethod
    def from_settings(cls, urls: Sequence[str], site_url: str | None, *, enabled: bool) -> Notifier:
        """Parse every URL with apprise, and mask the URLs' secrets in every later log line.

        Args:
            urls: ``PAPERDIGEST_NOTIFY``'s URLs.
            site_url: ``PAPERDIGEST_SITE_URL``, or None.
            enabled: False for ``--no-notify``: the URLs are still checked (a typo should not
                wait for the next run that notifies), nothing is sent.

        Raises:
            ConfigError: apprise cannot parse a URL; the message names its position and scheme
                only.
        """
        if not urls:
            return cls([], site_url)
        for url in urls:
            for secret in _url_secrets(url):
                register_secret(secret)
        import apprise  # lazy: see the module docstring

        targets = []
        with _apprise_log():
            for number, url in enumerate(urls, 1):
                plugin = apprise.Apprise.instantiate(url)
                if plugin is None:
                    scheme = url.partition("://")[0] if "://" in url else "?"
                    raise ConfigError(
                        f"setting PAPERDIGEST_NOTIFY: URL {number} ({scheme}://…) is not a "
                        "URL apprise can use (see apprise's list of services)"
                    )
                targets.append(_Target(str(plugin.service_name), plugin))
        return cls(targets if enabled else [], site_url)

    def send(self, title: str, body: str) -> int:
        """Send one message to every target; returns how many failed.

        A failure (apprise reports it, or raises) is one warning line naming the service and
        apprise's reason, with the URLs' secrets masked; it is never raised.
        """
        failed = 0
        for target in self.targets:
            with _apprise_log() as capture:
                try:
                    ok = bool(target.plugin.notify(body=body, title=title))
                except Exception as exc:  # a plugin bug must not change the run's result
                    ok = False
                    capture.messages.append(f"{type(exc).__name__}: {exc}")
            if not ok:
                failed += 1
                reason = capture.messages[-1] if capture.messages else "no reason given"
                log.warning(
                    "notification via %s failed: %s",
                    target.service,
                    redact(collapse_space(reason)),
                )
        return failed

    def note(
        self, day: date, path: Path, entries: Sequence[Entry], omitted: Sequence[Omitted]
    ) -> DigestNote:
        """The note of the digest at ``path`` with its entries and omitted papers
        (:class:`~paperdigest.render.Entry`, :class:`~paperdigest.render.Omitted`)."""
        # A gist is None for a summary stored before the gist existed.
        lines = [_paper_line(entry.paper.title, entry.view.gist) for entry in entries]
        left_out = tuple(f"{o.arxiv_id} {collapse_space(o.title)}: {o.reason}" for o in omitted)
        return DigestNote(day, location(path, self.site_url), tuple(lines), left_out)

    def digest(self, note: DigestNote) -> None:
        """Tell of one day's digest (see :func:`digest_message`)."""
        if self.targets:
            self.send(*digest_message(note))

    def weekly(self, week: str, path: Path, entries: Sequence[WeeklyEntry], partial: bool) -> None:
        """Tell of a weekly post at ``path`` with its top papers
        (:class:`~paperdigest.roundup.WeeklyEntry`); see :func:`weekly_message`."""
        if self.targets:
            lines = tuple(_paper_line(e.paper.title, e.gist) for e in entries)
            note = WeeklyNote(week, location(path, self.site_url), lines, partial)
            self.send(*weekly_message(note))

    def backfill(self, notes: Sequence[DigestNote]) -> None:
        """Tell of a backfill's digests in one message; nothing when none was written."""
        if self.targets and notes:
            self.send(*range_message(notes))

    def failed(self, what: str, message: str) -> None:
        """Tell that ``what`` (e.g. ``run 2025-11-07``) failed with exit 1."""
        if self.targets:
            self.send(*failure_message(what, message))

    @contextmanager
    def on_failure(self, what: str) -> Iterator[None]:
        """Tell of the block's failure (:meth:`failed`, with the error's one line), then let
        the error go on. A failure is what exits 1: an error of ours whose ``exit_code`` is 1
        (an upstream down, the database, a lock wait) or any other exception; not bad input
        (exit 2) or a day left partial (exit 3), nor an interrupt (Ctrl-C)."""
        try:
            yield
        except Exception as exc:
            if not isinstance(exc, PaperdigestError) or exc.exit_code == 1:
                self.failed(what, one_line(exc))
            raise
