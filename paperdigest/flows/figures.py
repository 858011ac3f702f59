"""Key figures in a day's flow: the figure list kept with the text, the chosen figure's
image fetched and placed beside the digests, and what ``show`` says about it (issue 9 §3)."""

from __future__ import annotations

import logging
import tempfile
from datetime import date
from pathlib import Path

import httpx2

from paperdigest.config import Settings
from paperdigest.errors import ConfigError
from paperdigest.model.schemas import KEY_FIGURE_FIELD
from paperdigest.papers import Paper
from paperdigest.records import Summary
from paperdigest.render import FigureRef
from paperdigest.sources import figures
from paperdigest.sources.pacing import Pacer

__all__ = ["check_assets_dir", "figure_note", "key_figures", "placed_figure"]

log = logging.getLogger("paperdigest")


def check_assets_dir(settings: Settings) -> None:
    """Make sure the assets folder can be written, before any request or model call.

    Raises:
        ConfigError: it cannot be created or written (a one-line message, exit 2).
    """
    if not settings.figures:
        return
    folder = settings.assets_path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"assets folder {folder} cannot be written ({exc.strerror or exc}); "
            "set PAPERDIGEST_ASSETS_DIR or PAPERDIGEST_FIGURES=false"
        ) from exc


def _ref(
    settings: Settings, digest: Path, paper: Paper, asset: Path, chosen: figures.Chosen
) -> FigureRef:
    name = "fig_" + paper.arxiv_id.replace(".", "_") + f"_x{chosen.figure.number}"
    return FigureRef(
        number=chosen.figure.number,
        caption=chosen.figure.caption,
        url=figures.asset_url(settings, digest, asset),
        name=name,
    )


def placed_figure(
    settings: Settings, day: date, digest: Path, paper: Paper, summary: Summary
) -> FigureRef | None:
    """The key figure of ``paper`` for a digest of ``day`` at ``digest``, from the caches
    only (no request): ``None`` with figures off, without a figure list, or without the
    image cached.

    Raises:
        ConfigError: the assets folder cannot be written.
    """
    if not settings.figures:
        return None
    chosen = figures.choose(
        figures.load_list(settings, paper), summary.content.get(KEY_FIGURE_FIELD)
    )
    if chosen is None:
        return None
    try:
        asset = figures.place(settings, day, paper, chosen.figure)
    except OSError as exc:
        raise ConfigError(
            f"assets folder {settings.assets_path} cannot be written ({exc})"
        ) from exc
    return None if asset is None else _ref(settings, digest, paper, asset, chosen)


async def key_figures(
    settings: Settings,
    client: httpx2.AsyncClient,
    pacer: Pacer,
    day: date,
    digest: Path,
    items: list[tuple[Paper, Summary]],
) -> dict[str, FigureRef]:
    """The key figure of each summarized paper, its image fetched (once per arXiv version,
    paced like every arXiv request) and placed under the assets folder.

    Args:
        items: the day's papers with their summaries, in list order.

    Returns:
        ``FigureRef`` by arXiv id, for the papers that have one. A paper without an HTML
        figure list, or whose image could not be had (a warning), has none.

    Raises:
        ConfigError: the assets folder cannot be written.
    """
    refs: dict[str, FigureRef] = {}
    if not settings.figures:
        return refs
    for paper, summary in items:
        chosen = figures.choose(
            figures.load_list(settings, paper), summary.content.get(KEY_FIGURE_FIELD)
        )
        if chosen is None:
            continue
        await figures.fetch_to_cache(client, settings, pacer, paper, chosen.figure)
        ref = placed_figure(settings, day, digest, paper, summary)
        if ref is not None:
            refs[paper.arxiv_id] = ref
    return refs


def figure_note(settings: Settings, paper: Paper, summary: Summary) -> str:
    """One line for ``show``: which figure a summary shows, and why, or why none."""
    if not settings.figures:
        return "key figure: none (PAPERDIGEST_FIGURES=false)"
    listed = figures.load_list(settings, paper)
    pick = summary.content.get(KEY_FIGURE_FIELD)
    if not listed:
        return "key figure: none (no figures in the arXiv HTML, or no HTML full text)"
    chosen = figures.choose(listed, pick)
    assert chosen is not None
    if chosen.picked:
        why = "picked by the model"
    elif pick is None:
        why = f"the model picked none; Figure {chosen.figure.number} is the default"
    else:
        why = f"the model's pick {pick} is not in the list; the default is shown"
    cached = figures.cached_image(settings, paper, chosen.figure)
    state = "" if cached else "; image not downloaded (see the run's warnings)"
    return f"key figure: Figure {chosen.figure.number} ({why}){state}"
