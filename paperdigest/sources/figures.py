"""Key figures: the figure list of an arXiv HTML page, and the chosen figure's image.

* :func:`extract_figures` reads ``figure.ltx_figure`` elements (LaTeXML) of the page: the
  figure's number, its first ``img`` (``src`` relative to the page, e.g. ``x1.png``) and
  its caption.
* The list is cached per arXiv version next to the database (:func:`save_list`,
  :func:`load_list`), so a paper whose text comes from the text cache still has it.
* :func:`fetch_to_cache` downloads the chosen image once per arXiv version, through the
  command's arXiv pacer; :func:`place` puts it at ``ASSETS_DIR/DATE/ARXIVID-xN.EXT``.
  Only PNG, JPEG, GIF and WebP are kept, recognised by their magic bytes (SVG can carry
  script), at most :data:`MAX_IMAGE_BYTES`. A failed download is a warning and no figure.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin

import httpx2

from paperdigest.config import Settings
from paperdigest.errors import FetchError
from paperdigest.files import write_atomic
from paperdigest.papers import Figure, Paper
from paperdigest.sources import http
from paperdigest.sources.pacing import Pacer
from paperdigest.text import collapse_space

__all__ = [
    "MAX_IMAGE_BYTES",
    "Chosen",
    "asset_path",
    "asset_url",
    "cached_image",
    "choose",
    "extract_figures",
    "fetch_to_cache",
    "image_kind",
    "load_list",
    "place",
    "save_list",
]

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""Largest image kept, in bytes (issue 9 §3): a digest page must stay light to load."""

# Longest caption kept, in characters: the model picks from captions, and a reader sees one
# line under the image; a caption is a paragraph at most.
_CAPTION_CHARS = 400

_NUMBER_RE = re.compile(r"(\d+)")

# Magic bytes of the image formats kept, and the file extension each is saved under.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"\xff\xd8\xff", 0, "jpg"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
)


def image_kind(data: bytes) -> str | None:
    """The file extension of an image by its magic bytes: ``png``, ``jpg``, ``gif`` or
    ``webp`` (``RIFF????WEBP``); ``None`` for anything else (SVG, HTML, text)."""
    for magic, offset, ext in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _classes(el: Any) -> set[str]:
    value = el.get("class")
    return set(value.split()) if isinstance(value, str) else set()


def extract_figures(html: bytes | str) -> list[Figure]:
    """The numbered figures of an arXiv HTML (LaTeXML) page, in document order.

    A figure is a ``figure`` element of class ``ltx_figure`` that is not inside another one
    (subfigures belong to theirs), with a caption tagged ``Figure N`` (class
    ``ltx_tag_figure``) and an ``img`` with a ``src``; others are skipped. A number seen
    twice keeps its first figure.

    Args:
        html: the page, as :func:`paperdigest.sources.html.extract_html` takes it.

    Returns:
        :class:`~paperdigest.papers.Figure` items: number, ``src`` as written in the page
        (relative to it), caption without its "Figure N" tag, white space collapsed, cut to
        400 characters. Empty for a page without figures or one that does not parse.
    """
    from paperdigest.sources.html import parse_page

    root = parse_page(html)
    if root is None:
        return []
    figures: list[Figure] = []
    seen: set[int] = set()
    for el in root.iter("figure"):
        if "ltx_figure" not in _classes(el):
            continue
        if any("ltx_figure" in _classes(a) for a in el.iterancestors("figure")):
            continue
        caption = next((c for c in el.iterchildren("figcaption")), None)
        if caption is None:
            continue
        tag = next(
            (t for t in caption.iter() if "ltx_tag_figure" in _classes(t)),
            None,
        )
        match = _NUMBER_RE.search(tag.text_content()) if tag is not None else None
        img = next((i for i in el.iter("img") if i.get("src")), None)
        if match is None or img is None:
            continue
        number = int(match.group(1))
        if number in seen:
            continue
        seen.add(number)
        text = caption.text_content()
        tag_text = tag.text_content() if tag is not None else ""
        if tag_text and text.startswith(tag_text):
            text = text[len(tag_text) :]
        text = collapse_space(text).lstrip(".: ")  # the tag's own punctuation
        if len(text) > _CAPTION_CHARS:
            text = text[: _CAPTION_CHARS - 1].rstrip() + "…"
        figures.append(Figure(number=number, src=str(img.get("src")), caption=text))
    return figures


# ----------------------------------------------------------------------------------- cache


def _cache_dir(settings: Settings, paper: Paper) -> Path:
    """Per arXiv version: ``DB_FOLDER/figure-cache/{id}v{N}`` (next to the database, not in
    the published assets folder)."""
    return settings.db_path.parent / "figure-cache" / paper.versioned_id


def save_list(settings: Settings, paper: Paper, figures: list[Figure]) -> None:
    """Cache the figure list of ``paper``'s version (best effort: a failure is logged)."""
    try:
        data = json.dumps([f.model_dump() for f in figures], ensure_ascii=False)
        write_atomic(_cache_dir(settings, paper) / "figures.json", data)
    except OSError as exc:
        log.warning("%s: figure list not cached (%s)", paper.arxiv_id, exc)


def load_list(settings: Settings, paper: Paper) -> list[Figure]:
    """The cached figure list of ``paper``'s version; empty when none was cached."""
    path = _cache_dir(settings, paper) / "figures.json"
    try:
        return [Figure.model_validate(f) for f in json.loads(path.read_text("utf-8"))]
    except (OSError, ValueError):
        return []


# -------------------------------------------------------------------------------- choosing


@dataclass(frozen=True)
class Chosen:
    """The figure shown for a paper: which one, and whether the model picked it.

    ``picked`` is False when the model gave no number and Figure 1 (or the first figure)
    stands in.
    """

    figure: Figure
    picked: bool


def choose(figures: list[Figure], pick: object) -> Chosen | None:
    """The figure to show: the model's ``key_figure`` when it is in ``figures``, else
    Figure 1 (else the first figure); ``None`` when the paper has no figures."""
    if not figures:
        return None
    for figure in figures:
        if isinstance(pick, int) and figure.number == pick:
            return Chosen(figure, True)
    first = next((f for f in figures if f.number == 1), figures[0])
    return Chosen(first, False)


# ----------------------------------------------------------------------------- the image


def asset_path(settings: Settings, day: date, paper: Paper, figure: Figure, ext: str) -> Path:
    """``ASSETS_DIR/DATE/ARXIVID-xN.EXT`` (N the figure number)."""
    return settings.assets_path / day.isoformat() / f"{paper.arxiv_id}-x{figure.number}.{ext}"


def _cached_image(folder: Path, number: int) -> Path | None:
    for ext in ("png", "jpg", "gif", "webp"):
        path = folder / f"x{number}.{ext}"
        if path.is_file():
            return path
    return None


async def _download(
    client: httpx2.AsyncClient, settings: Settings, pacer: Pacer, paper: Paper, figure: Figure
) -> tuple[bytes, str]:
    page = f"{settings.arxiv_html_url.rstrip('/')}/{paper.versioned_id}/"
    url = urljoin(page, figure.src)
    if not url.startswith(settings.arxiv_html_url.rstrip("/") + "/"):
        raise ValueError(f"image outside arXiv's HTML pages: {figure.src!r}")
    response = await http.get(client, url, settings, pacer=pacer)
    data = response.content
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"image larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    ext = image_kind(data)
    if ext is None:
        raise ValueError("not a PNG, JPEG, GIF or WebP image")
    return data, ext


async def fetch_to_cache(
    client: httpx2.AsyncClient, settings: Settings, pacer: Pacer, paper: Paper, figure: Figure
) -> Path | None:
    """The figure's image in the per-version cache, downloaded if it is not there yet.

    Args:
        client: from :func:`paperdigest.sources.http.make_client`.
        settings: ``arxiv_html_url``; ``db_path`` (the cache sits beside the database).
        pacer: the command's arXiv pacer (the download is an arXiv request like any other).
        paper: its ``versioned_id`` keys the cache and the page URL.
        figure: the figure to fetch; its ``src`` is resolved against the paper's HTML page
            and must stay under ``arxiv_html_url``.

    Returns:
        The cached file (``…/figure-cache/{id}vN/xF.EXT``); ``None`` when the image could not
        be had (not found, not an allowed image, too large, arxiv.org failing, the cache
        not writable): a warning says why.
    """
    folder = _cache_dir(settings, paper)
    cached = _cached_image(folder, figure.number)
    if cached is not None:
        return cached
    try:
        data, ext = await _download(client, settings, pacer, paper, figure)
    except (FetchError, ValueError) as exc:
        log.warning("%s: figure %d not downloaded (%s)", paper.arxiv_id, figure.number, exc)
        return None
    try:
        cached = folder / f"x{figure.number}.{ext}"
        write_atomic(cached, data)
    except OSError as exc:
        log.warning("%s: figure %d not cached (%s)", paper.arxiv_id, figure.number, exc)
        return None
    return cached


def cached_image(settings: Settings, paper: Paper, figure: Figure) -> Path | None:
    """The cached image of ``figure`` for ``paper``'s version, or ``None``."""
    return _cached_image(_cache_dir(settings, paper), figure.number)


def place(settings: Settings, day: date, paper: Paper, figure: Figure) -> Path | None:
    """Copy the cached image of ``figure`` to ``ASSETS_DIR/DATE/ARXIVID-xN.EXT`` (once) and
    return that path; ``None`` when it is not cached.

    Raises:
        OSError: the assets folder cannot be written.
    """
    cached = _cached_image(_cache_dir(settings, paper), figure.number)
    if cached is None:
        return None
    target = asset_path(settings, day, paper, figure, cached.suffix.lstrip("."))
    if not target.is_file() or target.stat().st_size != cached.stat().st_size:
        write_atomic(target, cached.read_bytes())
    return target


def asset_url(settings: Settings, digest: Path, asset: Path) -> str:
    """How a digest refers to an asset: ``ASSETS_URL/DATE/FILE`` when set, else the path
    relative to the digest's folder (``./assets/2025-11-07/2511.04460-x1.png``)."""
    if settings.assets_url:
        rel = asset.relative_to(settings.assets_path)
        return settings.assets_url.rstrip("/") + "/" + rel.as_posix()
    rel_path = os.path.relpath(asset, digest.parent)
    posix = PurePosixPath(Path(rel_path).as_posix())
    text = str(posix)
    return text if text.startswith("../") else "./" + text
