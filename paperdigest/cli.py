"""Command line: the one place that prints results and turns errors into exit codes.

Each command parses its options, builds the settings (read once), calls one flow of
:mod:`paperdigest.flows`, prints what the flow returns (digest paths, tables, text) and maps
errors to exit codes. The flows run the event loop, log the report lines and send the
notifications.

Exit codes: 0 done (a day without papers too), 2 bad input or configuration,
3 partial (some papers failed or were left undone; the digest holds the rest),
1 anything else (upstream down, database, lock wait exceeded, unexpected errors),
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paperdigest import __version__
from paperdigest.console import print_out, progress_bar, say, setup_logging, use_log_format
from paperdigest.errors import PaperdigestError, one_line
from paperdigest.process import tune

# Everything else is imported by the command that uses it, so that --version and --help
# start at once and a cached rerun loads no model client.
if TYPE_CHECKING:
    from paperdigest.config import Settings

__all__ = ["app", "main"]

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


class RankName(StrEnum):
    """The orders of a digest's or a weekly post's papers."""

    upvotes = "upvotes"
    relevance = "relevance"


def _settings(options: Callable[[], dict[str, object]] | None = None) -> Settings:
    """The command's settings, read once; their log format applies from here on, so that
    even a bad option is reported in it. ``options`` gives the settings the command's
    options override (None values left out), checked by the caller, after the read."""
    from paperdigest.config import load_settings

    settings = load_settings()
    use_log_format(settings.log_format)
    if options is None:
        return settings
    given = {name: value for name, value in options().items() if value is not None}
    return settings.model_copy(update=given)


@contextmanager
def _boundary(verbose: bool = False, log_json: bool = False) -> Iterator[None]:
    """A command's body, after its logging is set up (debug lines with ``verbose``, JSON
    lines with ``log_json``): our errors become one line and their exit code; anything else
    exit 1, no traceback."""
    setup_logging(verbose, log_json)
    try:
        yield
    except typer.Exit:
        raise
    except PaperdigestError as exc:
        say(one_line(exc), logging.ERROR)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        say("interrupted; everything validated so far is stored", logging.WARNING)
        raise typer.Exit(130) from None
    except Exception as exc:
        if verbose:
            log.exception("unexpected error")
        say(one_line(exc), logging.ERROR)
        raise typer.Exit(1) from None


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
Rank = Annotated[
    RankName | None,
    typer.Option(
        help="Order of the papers: relevance to your interests and library, or upvotes "
        "[PAPERDIGEST_RANK; default: relevance when a profile is set].",
    ),
]
Top = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Full summaries for the N highest-ranked papers only; the others get a brief "
        "from their abstract [PAPERDIGEST_TOP].",
        metavar="N",
    ),
]
MinRelevance = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        max=1.0,
        help="Leave out papers whose relevance is below X, 0-1 [PAPERDIGEST_MIN_RELEVANCE].",
        metavar="X",
    ),
]


@app.command()
def run(
    date_: Annotated[
        str, typer.Option("--date", help="YYYY-MM-DD, 'today' or 'yesterday'.")
    ] = "today",
    schema: Annotated[SchemaName | None, typer.Option(help="Summary schema.")] = None,
    template: Annotated[TemplateName | None, typer.Option(help="Digest layout.")] = None,
    output_dir: Annotated[Path | None, typer.Option(help="Digest folder.")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the N highest-ranked papers after filtering.")
    ] = None,
    rank: Rank = None,
    top: Top = None,
    min_relevance: MinRelevance = None,
    min_upvotes: MinUpvotes = None,
    include: Include = None,
    exclude: Exclude = None,
    no_notify: NoNotify = False,
    verbose: Verbose = False,
    log_json: LogJson = False,
) -> None:
    """Write the digest of one day's daily papers list."""
    with _boundary(verbose, log_json):
        from paperdigest.flows import commands
        from paperdigest.flows.days import day_options
        from paperdigest.flows.filters import filter_overrides
        from paperdigest.states import RunStatus

        given = (min_upvotes, include, exclude, rank and rank.value, top, min_relevance)
        settings = _settings(lambda: {"output_dir": output_dir, **filter_overrides(*given)})
        options = day_options(settings, schema and schema.value, template and template.value, limit)
        result = commands.run(settings, date_, options, notify=not no_notify)
        if result.path is not None:
            typer.echo(str(result.path))
    raise typer.Exit(3 if result.status is RunStatus.PARTIAL else 0)


@app.command()
def resummarize(
    arxiv_id: Annotated[str, typer.Argument(help="arXiv id, e.g. 2511.04460 or 2511.04460v2.")],
    schema: Annotated[
        SchemaName | None, typer.Option(help="Schema (default: the digests').")
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="A full summary (from the full text) where a digest shows a brief."
        ),
    ] = False,
    verbose: Verbose = False,
    log_json: LogJson = False,
) -> None:
    """Summarize one paper afresh and rewrite every digest that lists it."""
    with _boundary(verbose, log_json):
        from paperdigest.flows.resummarize import resummarize_command

        name = schema.value if schema else None
        done = resummarize_command(_settings(), arxiv_id, name, full=full)
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
    with _boundary(verbose):
        from paperdigest.flows.show import provenance

        for line in provenance(_settings(), arxiv_id):
            typer.echo(line)
    raise typer.Exit(0)


From = Annotated[str | None, typer.Option("--from", help="First day: YYYY-MM-DD.")]
To = Annotated[str | None, typer.Option("--to", help="Last day (included): YYYY-MM-DD.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_(from_: From = None, to: To = None, as_json: AsJson = False) -> None:
    """One row per stored day: digests, papers, calls, tokens and estimated cost."""
    with _boundary():
        from paperdigest.flows import report  # only this command needs it

        print_out(report.list_printout(_settings(), from_, to), as_json)
    raise typer.Exit(0)


@app.command()
def stats(from_: From = None, to: To = None, as_json: AsJson = False) -> None:
    """Totals of the stored days, and papers, text size, re-asks and flagged numbers by source."""
    with _boundary():
        from paperdigest.flows import report  # only this command needs it

        print_out(report.stats_printout(_settings(), from_, to), as_json)
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
    with _boundary():
        from paperdigest.flows.search import search_printout  # only this command needs it

        print_out(search_printout(_settings(), from_, to, query, limit), as_json)
    raise typer.Exit(0)


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
    rank: Rank = None,
    top: Top = None,
    min_relevance: MinRelevance = None,
    min_upvotes: MinUpvotes = None,
    include: Include = None,
    exclude: Exclude = None,
    no_notify: NoNotify = False,
    verbose: Verbose = False,
    log_json: LogJson = False,
) -> None:
    """Write the digest of every day in a range; days already complete cost nothing."""
    with _boundary(verbose, log_json):
        from paperdigest.flows import commands
        from paperdigest.flows.days import day_options
        from paperdigest.flows.filters import filter_overrides
        from paperdigest.states import RunStatus

        given = (min_upvotes, include, exclude, rank and rank.value, top, min_relevance)
        settings = _settings(lambda: filter_overrides(*given))
        result = commands.backfill(
            settings,
            from_,
            to,
            day_options(settings, schema and schema.value, template and template.value),
            batch=batch,
            batch_file=batch_file,
            ingest=ingest,
            notify=not no_notify,
            progress=progress_bar,
        )
        if result.requests_file is not None:
            typer.echo(str(result.requests_file))
        for day in result.days:
            if day.path is not None:
                typer.echo(str(day.path))
    raise typer.Exit(3 if result.status is RunStatus.PARTIAL else 0)


@app.command()
def weekly(
    week: Annotated[
        str, typer.Option(help="ISO week: YYYY-Www (e.g. 2025-W46) or 'last'.")
    ] = "last",
    top: Annotated[int | None, typer.Option(min=1, help="Papers listed (default 10).")] = None,
    template: Annotated[
        TemplateName | None, typer.Option(help="Layout (default: the week's digests').")
    ] = None,
    rank: Rank = None,
    output_dir: Annotated[Path | None, typer.Option(help="Digest folder.")] = None,
    no_notify: NoNotify = False,
    verbose: Verbose = False,
    log_json: LogJson = False,
) -> None:
    """Write a week's post from the stored digests: top papers and an overview of its themes."""
    with _boundary(verbose, log_json):
        from paperdigest.flows import commands
        from paperdigest.flows.weekly import DEFAULT_TOP, WeekOptions
        from paperdigest.states import RunStatus

        settings = _settings(lambda: {"output_dir": output_dir, "rank": rank and rank.value})
        options = WeekOptions(template.value if template else None, top or DEFAULT_TOP)
        result = commands.weekly(settings, week, options, notify=not no_notify)
        if result.path is None:
            say(f"nothing stored for {result.week.label}", logging.INFO)
        else:
            typer.echo(str(result.path))
    raise typer.Exit(3 if result.status is RunStatus.PARTIAL else 0)


@app.callback(invoke_without_command=True)
def _version(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: the process tuning (:func:`paperdigest.process.tune`),
    then the command."""
    tune()
    app(args=argv, prog_name="paperdigest")
