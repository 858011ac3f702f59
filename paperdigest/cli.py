"""Command line: the one place that prints results and turns errors into exit codes.

Exit codes: 0 done (a day without papers too), 2 bad input or configuration,
3 partial (some papers failed or were left undone; the digest holds the rest),
1 anything else (upstream down, database, lock wait exceeded, unexpected errors).
"""

from __future__ import annotations

import atexit
import gc
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from paperdigest import __version__
from paperdigest.errors import ConfigError, InputError, PaperdigestError, redact
from paperdigest.notify import Notifier

# Everything else is imported by the command that uses it, so that --version and --help
# start at once and a cached rerun loads no model client.
if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

    from paperdigest.config import Settings
    from paperdigest.flows.backfill import BackfillResult
    from paperdigest.flows.day import DayResult
    from paperdigest.flows.ingest import IngestResult
    from paperdigest.flows.runtime import Runtime

__all__ = ["app", "main", "parse_day"]

log = logging.getLogger("paperdigest")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn each day's Hugging Face daily papers into a Korean research digest.",
)


class SchemaName(StrEnum):
    """The summary schemas."""

    seven = "seven"
    gmr = "gmr"


class TemplateName(StrEnum):
    """The digest layouts."""

    digest = "digest"
    jekyll = "jekyll"
    docusaurus = "docusaurus"


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: str, settings: Settings) -> date:
    """``YYYY-MM-DD``, ``today`` or ``yesterday`` (in the configured time zone).

    Raises:
        InputError: anything else, or an impossible date such as 2025-02-30.
    """
    today = datetime.now(settings.tz).date()
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    try:
        # fromisoformat alone takes week dates too (2025-W45-5).
        if not _DATE_RE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"not a date: {value!r} (use YYYY-MM-DD, 'today' or 'yesterday')"
        ) from None


class _RedactingFormatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__("%(message)s")
        self._json = as_json

    def format(self, record: logging.LogRecord) -> str:
        message = redact(super().format(record))
        if self._json:
            return json.dumps(
                {"level": record.levelname.lower(), "logger": record.name, "message": message},
                ensure_ascii=False,
            )
        return (
            message
            if record.levelno < logging.WARNING
            else f"{record.levelname.lower()}: {message}"
        )


# Whether stderr carries JSON log lines (set by _setup_logging): a log collector then needs
# every stderr line as JSON, the CLI's own "not in digest" and "error:" lines included.
_STDERR = {"json": False}


def _setup_logging(verbose: bool, as_json: bool) -> None:
    from paperdigest.config import load_settings

    if not as_json:
        with suppress(ConfigError):  # the command's own load_settings reports it
            as_json = load_settings().log_format == "json"
    _STDERR["json"] = as_json
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(as_json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("paperdigest").setLevel(logging.DEBUG if verbose else logging.INFO)
    # The openai client logs its own retries at INFO; show them with -v only.
    for name in ("openai", "httpx2"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


# Whether this process is the command itself (set by main), which may tune the garbage
# collector; an in-process caller (a test's CliRunner) keeps its collector as it is.
_PROCESS = {"own": False}


def _modules_loaded() -> None:
    """Called by a command once its modules are imported: their ~50,000 objects (typer,
    pydantic, httpx2, jinja2 and ours) live as long as the process, so they are frozen out
    of the garbage collector. Otherwise the first full collection, due during a cached
    rerun's first request, walks them all for nothing (about 25 ms of a 0.5 s rerun)."""
    if _PROCESS["own"]:
        gc.freeze()


def _say(message: str, level: int) -> None:
    """One stderr line from the CLI itself: ``paperdigest: …``, or a JSON log line."""
    if _STDERR["json"]:
        log.log(level, "%s", message)
    else:
        prefix = "error: " if level >= logging.ERROR else ""
        typer.echo(f"paperdigest: {prefix}{redact(message)}", err=True)


def _fail(exc: BaseException, code: int, on_failure: Callable[[str], None] | None) -> NoReturn:
    _say(str(exc), logging.ERROR)
    if code == 1 and on_failure is not None:
        on_failure(redact(str(exc)))  # e.g. the failure notification
    raise typer.Exit(code)


@contextmanager
def _boundary(verbose: bool, on_failure: Callable[[str], None] | None = None) -> Iterator[None]:
    """Our errors become one line and their exit code; anything else exit 1, no traceback.
    ``on_failure`` is called with the line when the exit code is 1."""
    try:
        yield
    except typer.Exit:
        raise
    except PaperdigestError as exc:
        _fail(exc, exc.exit_code, on_failure)
    except KeyboardInterrupt:
        _say("interrupted; everything validated so far is stored", logging.WARNING)
        raise typer.Exit(130) from None
    except Exception as exc:
        if verbose:
            logging.getLogger("paperdigest").exception("unexpected error")
        message = f"unexpected {type(exc).__name__}: {exc} (rerun with -v for details)"
        _fail(Exception(message), 1, on_failure)


def _choose(schema: SchemaName | None, template: TemplateName | None) -> tuple[str, str]:
    """The (schema, template) of a run: each option as given, the other from its pairing
    (:attr:`SchemaSpec.template`, :func:`schema_for_template`)."""
    from paperdigest.model.schemas import DEFAULT_SCHEMA, SCHEMAS, schema_for_template

    if schema is None:
        name = DEFAULT_SCHEMA if template is None else schema_for_template(template.value)
    else:
        name = schema.value
    return name, template.value if template is not None else SCHEMAS[name].template


def cost_text(usd: float | None) -> str:
    """``est. $0.0123``, or a note that the model has no configured price."""
    if usd is None:
        return "est. cost unknown (no price for the model: see PAPERDIGEST_PRICES)"
    return f"est. ${usd:.4f}"


def _report(result: DayResult) -> int:
    s = result.stats
    for o in result.omitted:
        if o.kind != "filtered":  # asked for: named in the digest's last line, no warning
            _say(f"{o.arxiv_id} not in digest: {o.reason}", logging.WARNING)
    filtered = sum(1 for o in result.omitted if o.kind == "filtered")
    # The counts add up to the papers; records of the list that are no paper at all
    # (in RunStats.skipped too) are counted apart.
    not_done = sum(1 for o in result.omitted if o.kind == "not_done")
    unusable = len(result.skipped)
    log.info(
        "%s: %d papers (%d summarized, %d cached, %d failed, %d not done, %d skipped)%s; "
        "%d model calls, tokens in/out %d/%d, %s; %.1f s",
        result.day,
        s.papers,
        s.summarized,
        s.cached,
        s.failed - not_done,
        not_done,
        s.skipped - unusable,
        (f", {unusable} unusable list record(s) skipped" if unusable else "")
        + (f", {filtered} filtered out" if filtered else ""),
        s.model_calls,
        s.prompt_tokens,
        s.completion_tokens,
        cost_text(s.cost_usd),
        s.wall_seconds,
    )
    if result.path is None:
        log.info("no papers on %s; no digest written", result.day)
        return 0
    typer.echo(str(result.path))
    return 3 if result.status == "partial" else 0


Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show retries and debug lines.")]
LogJson = Annotated[bool, typer.Option("--log-json", help="Log lines as JSON.")]
MinUpvotes = Annotated[
    int | None,
    typer.Option(
        help="Only papers with at least K upvotes [PAPERDIGEST_MIN_UPVOTES].", metavar="K"
    ),
]
Include = Annotated[
    str | None,
    typer.Option(
        help="Comma-separated words: keep only papers whose title, abstract or HF keywords "
        "contain one [PAPERDIGEST_INCLUDE].",
        metavar="WORDS",
    ),
]
Exclude = Annotated[
    str | None,
    typer.Option(
        help="Comma-separated words: drop papers whose title, abstract or HF keywords contain "
        "one [PAPERDIGEST_EXCLUDE].",
        metavar="WORDS",
    ),
]
NoNotify = Annotated[
    bool, typer.Option("--no-notify", help="Send no notification (PAPERDIGEST_NOTIFY) this time.")
]


def _notifier(settings: Settings, no_notify: bool) -> Notifier:
    """The command's notifier; checks PAPERDIGEST_NOTIFY (ConfigError) before any model call."""
    return Notifier.from_settings(settings.notify, settings.site_url, enabled=not no_notify)


@app.command()
def run(
    date_: Annotated[
        str, typer.Option("--date", help="YYYY-MM-DD, 'today' or 'yesterday'.")
    ] = "today",
    schema: Annotated[SchemaName | None, typer.Option(help="Summary schema.")] = None,
    template: Annotated[TemplateName | None, typer.Option(help="Digest layout.")] = None,
    output_dir: Annotated[Path | None, typer.Option(help="Digest folder.")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the N most upvoted papers after filtering.")
    ] = None,
    min_upvotes: MinUpvotes = None,
    include: Include = None,
    exclude: Exclude = None,
    no_notify: NoNotify = False,
    verbose: Verbose = False,
    log_json: LogJson = False,
) -> None:
    """Write the digest of one day's daily papers list."""
    _setup_logging(verbose, log_json)
    notifier = Notifier()  # replaced once the settings are read; late-bound in the lambda
    with _boundary(verbose, lambda message: notifier.failed(f"run {date_}", message)):
        from paperdigest.config import load_settings
        from paperdigest.flows.day import run_recorded_day
        from paperdigest.flows.filters import filter_overrides
        from paperdigest.flows.runtime import open_runtime

        _modules_loaded()

        settings = load_settings(
            output_dir=output_dir, **filter_overrides(min_upvotes, include, exclude)
        )
        day = parse_day(date_, settings)  # before _runtime creates folder and database
        notifier = _notifier(settings, no_notify)
        schema_name, template_name = _choose(schema, template)
        with closing(open_runtime(settings)) as rt:
            log.info("date: %s (%s)", day, date_ if date_ in ("today", "yesterday") else "given")
            result = run_recorded_day(
                rt, day, schema_name, template_name, rt.settings.output_dir, limit
            )
        code = _report(result)
        if result.path is not None:
            notifier.digest(notifier.note(day, result.path, result.entries, result.omitted))
    raise typer.Exit(code)


@app.command()
def resummarize(
    arxiv_id: Annotated[str, typer.Argument(help="arXiv id, e.g. 2511.04460 or 2511.04460v2.")],
    schema: Annotated[
        SchemaName | None, typer.Option(help="Schema (default: the digests').")
    ] = None,
    verbose: Verbose = False,
    log_json: LogJson = False,
) -> None:
    """Summarize one paper afresh and rewrite every digest that lists it."""
    _setup_logging(verbose, log_json)
    with _boundary(verbose):
        from paperdigest.config import load_settings
        from paperdigest.flows.resummarize import resummarize as resummarize_paper
        from paperdigest.flows.runtime import open_runtime
        from paperdigest.papers import parse_arxiv_id

        _modules_loaded()

        bare, version = parse_arxiv_id(arxiv_id)
        with closing(open_runtime(load_settings())) as rt:
            done = resummarize_paper(rt, bare, version, schema.value if schema else None)
        for text in done.output:
            typer.echo(text)
        if done.errors:
            raise done.errors[0]
    raise typer.Exit(0)


@app.command()
def show(
    arxiv_id: Annotated[str, typer.Argument(help="arXiv id, e.g. 2511.04460.")],
    verbose: Verbose = False,
) -> None:
    """Print a paper's stored summaries with their provenance."""
    _setup_logging(verbose, False)
    with _boundary(verbose):
        from paperdigest.config import load_settings
        from paperdigest.flows.show import provenance
        from paperdigest.papers import parse_arxiv_id

        bare, _ = parse_arxiv_id(arxiv_id)
        for line in provenance(load_settings(), bare):
            typer.echo(line)
    raise typer.Exit(0)


def _day_range(from_: str | None, to: str | None) -> tuple[Path, date | None, date | None]:
    from paperdigest.config import load_settings

    settings = load_settings()
    first = parse_day(from_, settings) if from_ is not None else None
    last = parse_day(to, settings) if to is not None else None
    return settings.db_path, first, last


def _print_tables(*tables: object) -> None:
    from rich.console import Console

    # A pipe or file gets whole rows (rich assumes 80 columns when stdout is no terminal).
    Console(width=None if sys.stdout.isatty() else 200).print(*tables)


From = Annotated[str | None, typer.Option("--from", help="First day: YYYY-MM-DD.")]
To = Annotated[str | None, typer.Option("--to", help="Last day (included): YYYY-MM-DD.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_(from_: From = None, to: To = None, as_json: AsJson = False) -> None:
    """One row per stored day: digests, papers, calls, tokens and estimated cost."""
    from paperdigest.flows import report  # only this command needs it

    _setup_logging(False, False)
    with _boundary(False):
        rows = report.list_days(*_day_range(from_, to))
        if not rows:
            typer.echo(report.NOTHING_STORED, err=as_json)
        if as_json:
            typer.echo(report.list_json(rows))
        elif rows:
            _print_tables(report.list_table(rows))
    raise typer.Exit(0)


@app.command()
def stats(from_: From = None, to: To = None, as_json: AsJson = False) -> None:
    """Totals of the stored days, and papers, text size, re-asks and flagged figures by source."""
    from paperdigest.flows import report  # only this command needs it

    _setup_logging(False, False)
    with _boundary(False):
        result = report.stats(*_day_range(from_, to))
        if result is None:
            typer.echo(report.NOTHING_STORED, err=as_json)
            if as_json:
                typer.echo(report.stats_json(report.StatsReport(report.Totals(), [])))
        elif as_json:
            typer.echo(report.stats_json(result))
        else:
            _print_tables(*report.stats_table(result))
    raise typer.Exit(0)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Text to find, literally (e.g. '강화 학습').")],
    from_: From = None,
    to: To = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Most papers shown (default 20: one screen).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Find stored papers whose title, abstract or summaries hold a text, best first."""
    from paperdigest.flows import search as finder  # only this command needs it

    _setup_logging(False, False)
    with _boundary(False):
        result = finder.find(*_day_range(from_, to), query, limit)
        if result.note:
            _say(result.note, logging.WARNING)
        if not result.hits:
            typer.echo(finder.NO_MATCHES, err=as_json)
        if as_json:
            typer.echo(finder.hits_json(result))
        elif result.hits:
            _print_tables(finder.hits_table(result))
    raise typer.Exit(0)


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
def _progress_bar(enabled: bool) -> Iterator[_Bar]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with RichProgress(
        *columns, TimeElapsedColumn(), console=Console(stderr=True), disable=not enabled
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


def _report_backfill(result: BackfillResult, ingested: list[IngestResult], rt: Runtime) -> int:
    code = 0
    for day in result.days:
        code = max(code, _report(day))
    for i in ingested:
        log.info(
            "batch answers: %d read, %d stored, %d invalid and %d failed (left to the direct "
            "path), %d ignored; tokens in/out %d/%d, %s at the configured prices",
            i.answers,
            i.stored,
            i.invalid,
            i.failed,
            i.ignored,
            i.prompt_tokens,
            i.completion_tokens,
            cost_text(rt.cost(i.prompt_tokens, i.completion_tokens)),
        )
    t = result.totals
    log.info(
        "backfill: %d days (%d partial); %d papers (%d summarized, %d cached, %d failed, "
        "%d skipped); %d model calls, tokens in/out %d/%d, %s; %.1f s",
        len(result.days),
        sum(1 for d in result.days if d.status == "partial"),
        t.papers,
        t.summarized,
        t.cached,
        t.failed,
        t.skipped,
        t.model_calls,
        t.prompt_tokens,
        t.completion_tokens,
        cost_text(t.cost_usd),
        t.wall_seconds,
    )
    return 3 if result.status == "partial" else code


@app.command()
def backfill(
    from_: Annotated[str, typer.Option("--from", help="First day: YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last day (included): YYYY-MM-DD.")],
    schema: Annotated[SchemaName | None, typer.Option(help="Summary schema.")] = None,
    template: Annotated[TemplateName | None, typer.Option(help="Digest layout.")] = None,
    batch: Annotated[
        bool, typer.Option("--batch", help="Summarize through the OpenAI Batch API.")
    ] = False,
    batch_file: Annotated[
        Path | None,
        typer.Option(help="Write the batch requests as JSONL (e.g. for vllm run-batch) and stop."),
    ] = None,
    ingest: Annotated[
        Path | None,
        typer.Option(help="Store the answers of a batch results JSONL, then run the days."),
    ] = None,
    min_upvotes: MinUpvotes = None,
    include: Include = None,
    exclude: Exclude = None,
    no_notify: NoNotify = False,
    verbose: Verbose = False,
    log_json: LogJson = False,
) -> None:
    """Write the digest of every day in a range; days already complete cost nothing."""
    _setup_logging(verbose, log_json)
    notifier = Notifier()  # replaced once the settings are read; late-bound in the lambda
    with _boundary(verbose, lambda message: notifier.failed(f"backfill {from_}~{to}", message)):
        import asyncio

        from paperdigest.config import load_settings
        from paperdigest.flows.backfill import days_between, run_days
        from paperdigest.flows.filters import filter_overrides
        from paperdigest.flows.runtime import open_runtime

        _modules_loaded()

        if batch + (batch_file is not None) + (ingest is not None) > 1:
            raise InputError("use only one of --batch, --batch-file and --ingest")
        # dates and filters first: bad input must not create the database
        settings = load_settings(**filter_overrides(min_upvotes, include, exclude))
        days = days_between(parse_day(from_, settings), parse_day(to, settings))
        notifier = _notifier(settings, no_notify)
        schema_name, template_name = _choose(schema, template)
        with closing(open_runtime(settings)) as rt:
            out = rt.settings.output_dir
            ingested: list[IngestResult] = []
            with _progress_bar(not _STDERR["json"]) as bar:  # JSON logs: no bar
                if batch or batch_file or ingest:  # the Batch API paths load the openai client
                    from paperdigest.flows import batch as batches
                if batch_file is not None:
                    count = asyncio.run(
                        batches.write_batch_file(rt, days, schema_name, batch_file, bar)
                    )
                    log.info("%d batch requests written", count)
                    typer.echo(str(batch_file))
                    raise typer.Exit(0)
                if ingest is not None:
                    result, one = asyncio.run(
                        batches.ingest_file(rt, days, schema_name, template_name, out, ingest, bar)
                    )
                    ingested = [one]
                elif batch:
                    result, ingested = asyncio.run(
                        batches.run_batch(rt, days, schema_name, template_name, out, bar)
                    )
                else:
                    result = asyncio.run(
                        run_days(rt, days, schema_name, template_name, out, None, bar)
                    )
            code = _report_backfill(result, ingested, rt)
        notifier.backfill(
            [notifier.note(d.day, d.path, d.entries, d.omitted) for d in result.days if d.path]
        )
    raise typer.Exit(code)


@app.callback(invoke_without_command=True)
def _version(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    # The process is short-lived: at exit the interpreter's final garbage collections walk
    # every object the imports made (about 50,000: typer, pydantic and httpx2) only to free
    # what exit frees anyway. Freezing them first saves about 0.1 s of a cached rerun
    # (benchmarks/bench_day.py); files and the database are closed by then.
    _PROCESS["own"] = True
    atexit.register(gc.freeze)
    app(args=argv, prog_name="paperdigest")
