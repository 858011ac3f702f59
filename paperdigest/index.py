"""``index.md``: every digest, newest first, with its date, paper count and link (issue 9
§5). Pure: items in, text out, no clock.

Links are relative to the index's folder, so the folder can be served or moved as a whole.
A ``jekyll`` digest is linked through Liquid's ``{% post_url %}`` (its file name in
``_posts`` is not its URL on the site), and an index listing any gets front matter so that
Jekyll renders it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from paperdigest.masthead import SITE_TITLE

__all__ = ["IndexItem", "render_index"]

_TITLE = SITE_TITLE


@dataclass(frozen=True)
class IndexItem:
    """One digest: its day (``YYYY-MM-DD``), file, template and summarized paper count."""

    day: str
    path: Path
    template: str
    papers: int


def _link(item: IndexItem, index_dir: Path) -> str:
    if item.template == "jekyll":
        return "{% post_url " + item.path.stem + " %}"
    relative = Path(os.path.relpath(item.path, index_dir)).as_posix()
    return f"<{relative}>"


def render_index(items: list[IndexItem], index_dir: Path) -> str:
    """The index of ``items``, newest day first (then by file name).

    Args:
        items: the digests to list.
        index_dir: the folder ``index.md`` is written to (links are relative to it).

    Returns:
        Markdown ending with one newline.
    """
    ordered = sorted(items, key=lambda i: (i.day, i.path.name))
    ordered.reverse()
    several = len({i.template for i in items}) > 1
    lines: list[str] = []
    if any(i.template == "jekyll" for i in items):
        lines += ["---", f'title: "{_TITLE}"', "---", ""]
    lines += [f"# {_TITLE}", ""]
    for item in ordered:
        which = f" ({item.template})" if several else ""
        lines.append(f"- [{item.day}]({_link(item, index_dir)}) — {item.papers}편{which}")
    if not ordered:
        lines.append("아직 다이제스트가 없습니다.")
    return "\n".join(lines) + "\n"
