"""What the command line shows on the terminal besides its results: log lines (text or
JSON, keys masked), its own one-line notices, the backfill's progress bar, and what the
reading commands print (tables or JSON).

Used by :mod:`paperdigest.cli` only. rich and the flows' modules are imported where they
are used, so that ``--version`` and ``--help`` start at once.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from paperdigest.errors import redact

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

    from paperdigest.flows.results import Printout

__all__ = [
    "print_out",
    "progress_bar",
    "say",
    "setup_logging",
    "use_log_format",
]

log = logging.getLogger("paperdigest")


class _Formatter(logging.Formatter):
    """Log lines as text or JSON, keys masked. A notice (a record marked with
    :data:`paperdigest.flows.results.NOTICE`: a paper not in the digest, an error, an
    interrupt) is a line of the CLI's own in text, ``paperdigest: …``."""

    def __init__(self, as_json: bool) -> None:
        from paperdigest.flows.results import NOTICE

        super().__init__("%(message)s")
        self._json = as_json
        self._notice = NOTICE

    def format(self, record: logging.LogRecord) -> str:
        message = redact(super().format(record))
        if self._json:
            return json.dumps(
                {"level": record.levelname.lower(), "logger": record.name, "message": message},
                ensure_ascii=False,
            )
        if getattr(record, self._notice, False):
            prefix = "error: " if record.levelno >= logging.ERROR else ""
            return f"paperdigest: {prefix}{message}"
        return (
            message
            if record.levelno < logging.WARNING
            else f"{record.levelname.lower()}: {message}"
        )


# Whether stderr carries JSON log lines: a log collector then needs every stderr line as
# JSON, the CLI's own lines included (and the progress bar is off).
_STDERR = {"json": False}


def setup_logging(verbose: bool, as_json: bool) -> None:
    """Log to stderr: the ``paperdigest`` logger at INFO (DEBUG with ``verbose``), others at
    WARNING; as JSON lines with ``as_json``."""
    _STDERR["json"] = as_json
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(as_json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("paperdigest").setLevel(logging.DEBUG if verbose else logging.INFO)
    # The openai client logs its own retries at INFO; show them with -v only.
    for name in ("openai", "httpx2"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


def use_log_format(log_format: str) -> None:
    """Switch to JSON lines when the settings ask for them (``PAPERDIGEST_LOG_FORMAT``) and
    the command line did not."""
    if log_format == "json" and not _STDERR["json"]:
        _STDERR["json"] = True
        for handler in logging.getLogger().handlers:
            handler.setFormatter(_Formatter(True))


def say(message: str, level: int) -> None:
    """One stderr line of the CLI itself: ``paperdigest: …``, or a JSON log line."""
    from paperdigest.flows.results import NOTICE

    log.log(level, "%s", message, extra={NOTICE: True})


def _print_tables(*tables: object) -> None:
    """Print rich tables to stdout."""
    from rich.console import Console

    # A pipe or file gets whole rows (rich assumes 80 columns when stdout is no terminal).
    Console(width=None if sys.stdout.isatty() else 200).print(*tables)


def print_out(out: Printout, as_json: bool) -> None:
    """A reading command's :class:`~paperdigest.flows.results.Printout`: its note (stderr),
    then its JSON or its tables; the "nothing" line on stdout, or on stderr beside the JSON
    (so that stdout stays valid JSON)."""
    if out.note:
        say(out.note, logging.WARNING)
    if out.nothing:
        print(out.nothing, file=sys.stderr if as_json else sys.stdout)
    if as_json:
        print(out.json)
    elif out.tables:
        _print_tables(*out.tables)


class _Bar:
    """backfill's progress stages as rich progress bars."""

    def __init__(self, progress: RichProgress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, description: str, total: int) -> None:
        """Begin a bar of ``total`` steps."""
        self._task = self._progress.add_task(description, total=total)

    def advance(self, steps: int = 1) -> None:
        """Advance the current bar."""
        if self._task is not None:
            self._progress.advance(self._task, steps)


@contextmanager
def progress_bar() -> Iterator[_Bar]:
    """A rich progress bar on stderr for the block (none with JSON log lines), as a
    :class:`~paperdigest.flows.backfill.Progress`."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with RichProgress(
        *columns, TimeElapsedColumn(), console=Console(stderr=True), disable=_STDERR["json"]
    ) as progress:
        # While the bar is live on a terminal rich swaps sys.stderr for a proxy that prints
        # above the bar; point the log handler at it so log lines do not tear the bar.
        handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
        previous = [h.setStream(sys.stderr) for h in handlers]
        try:
            yield _Bar(progress)
        finally:
            for handler, stream in zip(handlers, previous, strict=True):
                if stream is not None:
                    handler.setStream(stream)
