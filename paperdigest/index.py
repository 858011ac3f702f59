"""``index.md``: every digest, newest first, with its date, paper count and link (issue 9
§5). Pure: items in, text out, no clock.

Links are relative to the index's folder, so the folder can be served or moved as a whole.
An index listing any ``jekyll`` digest gets front matter so that Jekyll renders it, and each
such digest's line is Liquid that looks the post up among the posts Jekyll built
(``site.posts``, by file name) and writes its line, linked to its URL, only when it is
there: a post's file name in ``_posts`` is not its URL, and a post Jekyll skips (dated after
the build machine's clock, ``published: false``) must leave the site building rather than
fail it as ``{% post_url %}`` does (issue 17 §1).
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


def _line(item: IndexItem, index_dir: Path, which: str) -> str:
    text = f" — {item.papers}편{which}"
    if item.template != "jekyll":
        relative = Path(os.path.relpath(item.path, index_dir)).as_posix()
        return f"- [{item.day}](<{relative}>){text}"
    # One line of output or none: `-%}` eats the source line's newline, so a post Jekyll did
    # not build leaves no blank line inside the list (which would make it a loose list).
    return (
        f'{{% assign digest_post = site.posts | where: "name", "{item.path.name}" | first %}}'
        f"{{% if digest_post %}}- [{item.day}]({{{{ digest_post.url | relative_url }}}}){text}\n"
        "{% endif -%}"
    )


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
        lines.append(_line(item, index_dir, which))
    if not ordered:
        lines.append("아직 다이제스트가 없습니다.")
    return "\n".join(lines) + "\n"
