"""The one error hierarchy of paperdigest.

Library code raises only these (third-party exceptions are wrapped where they
enter, ``raise FetchError(...) from exc``); the CLI alone turns them into a
one-line message and an exit code::

    PaperdigestError                  base; ``str(err)`` is a one-line message
    ├── InputError                    bad command-line input (date, arXiv id)        exit 2
    ├── ConfigError                   bad settings, missing API key, bad prompt file exit 2
    ├── FetchError                    an upstream request failed after its retries   exit 1
    │   │                             (.url, .status or None for a network error)
    │   └── UpstreamFormatError       the upstream answered, but not in a shape we
    │                                 can use (e.g. the daily papers list is no list)
    ├── SummaryError                  the model's answers for one paper failed
    │   │                             validation after every attempt (.arxiv_id,
    │   │                             .attempts, .last_error); the run goes on      exit 3
    │   ├── ModelUnavailable          the model API failed for that paper after the
    │   │                             openai client's own retries (5xx, timeout,
    │   │                             reset, a reply that is no chat completion)    exit 3
    │   └── OverviewError             the weekly overview failed (.week): every answer
    │                                 failed validation, or the model API failed    exit 3
    ├── BudgetExceeded                the run's token cap was reached (.used, .cap)  exit 3
    ├── StoreError                    the SQLite database cannot be used (.path)     exit 1
    │   ├── NewerDatabase             written by a newer paperdigest (.version);
    │   │                             refused and left untouched                    exit 1
    │   └── ForeignDatabase           an SQLite file of another program (.tables);
    │                                 refused and left untouched                    exit 1
    ├── LockTimeout                   another run of the same day (or week) held the
    │                                 lock past the wait limit (.path, .seconds)    exit 1
    └── BatchError                    a Batch API job failed or expired (.batch_id) exit 1

Messages never contain the API key: :func:`redact` is applied to every text
that comes from a third-party exception before it is stored in an error.
"""

from __future__ import annotations

import os
import re

from paperdigest.text import collapse_space

__all__ = [
    "BatchError",
    "BudgetExceeded",
    "ConfigError",
    "FetchError",
    "ForeignDatabase",
    "InputError",
    "LockTimeout",
    "ModelUnavailable",
    "NewerDatabase",
    "OverviewError",
    "PaperdigestError",
    "StoreError",
    "SummaryError",
    "UpstreamFormatError",
    "one_line",
    "redact",
    "register_secret",
]

# Bearer tokens and OpenAI-style keys, in case a third-party message echoes one. A bearer
# token is RFC 6750's b64token, so a ")" or "," after it stays in the message.
_KEY_PATTERN = re.compile(r"(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9\-._~+/]+=*)")


# Keys read from somewhere other than the environment (a TOML file); see register_secret.
_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Mask ``value`` in every later :func:`redact` (values under 4 characters are ignored).

    Called with the API key wherever it was read from: a key in ``paperdigest.toml`` is not
    in ``OPENAI_API_KEY``, and need not look like ``sk-…``.
    """
    if len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """Return ``text`` with the API key (``OPENAI_API_KEY``) and key-like tokens masked.

    Args:
        text: any message that may echo request headers or settings.

    Returns:
        The same text with the configured key (environment or :func:`register_secret`),
        ``sk-…`` keys and ``Bearer …`` values replaced by ``***``.
    """
    for key in (os.environ.get("OPENAI_API_KEY", ""), *_SECRETS):
        if len(key) >= 4:
            text = text.replace(key, "***")
    return _KEY_PATTERN.sub("***", text)


class PaperdigestError(Exception):
    """Base of every error paperdigest raises; ``str()`` is a one-line, key-free message."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        self.message = redact(collapse_space(message))
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InputError(PaperdigestError):
    """Bad command-line input: an impossible date, a malformed arXiv id, an unknown option value."""

    exit_code = 2


class ConfigError(PaperdigestError):
    """Bad configuration: an invalid setting, no ``OPENAI_API_KEY``, a missing prompt file."""

    exit_code = 2


class FetchError(PaperdigestError):
    """An upstream HTTP request failed after its retries.

    Attributes:
        url: the URL asked (never carries credentials).
        status: the HTTP status, or ``None`` when no answer arrived (connect/read error).
    """

    def __init__(self, url: str, status: int | None, detail: str = "") -> None:
        self.url = url
        self.status = status
        what = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{url} failed: {what}{': ' + detail if detail else ''}")


class UpstreamFormatError(FetchError):
    """The upstream answered 200, but the body is not of a shape we can use."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(url, 200, detail)


class SummaryError(PaperdigestError):
    """The model's answers for one paper failed validation after every attempt.

    Attributes:
        arxiv_id: the paper, e.g. ``2511.04460``.
        attempts: how many answers were asked for.
        last_error: the last validation or API error, as sent to the model.
    """

    exit_code = 3

    def __init__(self, arxiv_id: str, attempts: int, last_error: str) -> None:
        self.arxiv_id = arxiv_id
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(
            f"summary for {arxiv_id} failed after {attempts} attempt(s) ({last_error}); "
            f"rerun: paperdigest resummarize {arxiv_id}"
        )


class ModelUnavailable(SummaryError):
    """The model API failed for one paper after the openai client's own retries.

    Not re-asked: the client already retried (``PAPERDIGEST_MODEL_MAX_RETRIES``), and a
    second layer of retries would multiply the requests of an outage.
    """


class OverviewError(SummaryError):
    """The weekly overview of one week failed: no answer validated within the attempts, or
    the model API failed for it (the week's post can go out without it).

    Attributes:
        week: the ISO week, e.g. ``2025-W46`` (also ``.arxiv_id``, for code that reads any
            :class:`SummaryError`'s subject).
        attempts, last_error: as :class:`SummaryError`.
    """

    def __init__(self, week: str, attempts: int, last_error: str) -> None:
        self.week = self.arxiv_id = week
        self.attempts = attempts
        self.last_error = last_error
        PaperdigestError.__init__(
            self,
            f"weekly overview for {week} failed after {attempts} attempt(s) ({last_error}); "
            f"rerun: paperdigest weekly --week {week}",
        )


class BudgetExceeded(PaperdigestError):
    """The run's token cap (``PAPERDIGEST_MAX_TOKENS_PER_RUN``) was reached."""

    exit_code = 3

    def __init__(self, used: int, cap: int) -> None:
        self.used = used
        self.cap = cap
        super().__init__(f"token cap reached: {used} of {cap} tokens used in this run")


class StoreError(PaperdigestError):
    """The SQLite database cannot be opened, read or written (``.path``); the message says
    what the store was doing (e.g. ``reading the summary of 2511.04460``) and SQLite's error."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        super().__init__(f"database {path}: {detail}")


class NewerDatabase(StoreError):
    """The database's schema version (``.version``, ``PRAGMA user_version``) is newer than
    this paperdigest knows: it was written by a later release. Refused before any write, so
    the file stays byte-identical; upgrade paperdigest to use it."""

    def __init__(self, path: str, version: int) -> None:
        self.path = path
        self.version = version
        PaperdigestError.__init__(
            self, f"database {path} was written by a newer paperdigest (schema {version})"
        )


class ForeignDatabase(StoreError):
    """The file is an SQLite database of some other program: it has no schema version and
    tables (``.tables``, sorted) that no paperdigest release made. Refused before any write,
    so a mistyped ``PAPERDIGEST_DB`` never adds paperdigest's tables to it."""

    def __init__(self, path: str, tables: list[str]) -> None:
        self.path = path
        self.tables = tables
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        PaperdigestError.__init__(
            self,
            f"database {path} is not a paperdigest database (it has the tables {shown}); "
            "point PAPERDIGEST_DB at another file",
        )


class LockTimeout(PaperdigestError):
    """Another run of the same day (or, for ``weekly``, week) held its lock longer than the
    wait limit (``.seconds``); ``.path`` is the lock file."""

    def __init__(self, path: str, seconds: float) -> None:
        self.path = path
        self.seconds = seconds
        super().__init__(
            f"another paperdigest run holds {path}; gave up after waiting {seconds:g} s"
        )


class BatchError(PaperdigestError):
    """A Batch API job failed, expired or was cancelled (``.batch_id``, ``.status``)."""

    def __init__(self, batch_id: str, status: str, detail: str = "") -> None:
        self.batch_id = batch_id
        self.status = status
        super().__init__(f"batch {batch_id} ended {status}{': ' + detail if detail else ''}")


def one_line(exc: Exception) -> str:
    """The one-line message of any error, keys masked: ``str()`` of ours; of any other (a bug,
    or a library error not wrapped where it entered) ``unexpected TYPE: … (rerun with -v for
    details)``. What the CLI prints and a failure notification says."""
    if isinstance(exc, PaperdigestError):
        return redact(str(exc))  # again: a key may have been registered since it was made
    return redact(f"unexpected {type(exc).__name__}: {exc} (rerun with -v for details)")
