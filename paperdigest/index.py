"""``index.md``: every digest and weekly post, newest first, with its date (a weekly post:
its week), paper count and link (issue 9 §5, issue 19 §2). Pure: items in, text out, no clock.

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
from paperdigest.render import yaml_string

__all__ = [
    "IndexItem",
    "jekyll_post_guard",
    "jekyll_post_lookup",
    "jekyll_post_url",
    "relative_link",
    "render_index",
]


def relative_link(path: Path, folder: Path) -> str:
    """The link to the file ``path`` from a page in ``folder``: relative, with ``/`` on any
    system (``2025-11-07.md``, ``../posts/2025-11-07.md``), so that the folder can be
    served or moved as a whole."""
    return Path(os.path.relpath(path, folder)).as_posix()


def jekyll_post_lookup(name: str, var: str = "digest_post") -> str:
    """Liquid that looks up the post Jekyll built from the file ``name`` among the posts it
    built (``site.posts``) and keeps it in the Liquid variable ``var`` (nil when Jekyll did
    not build it: dated after the build machine's clock, ``published: false``, removed).
    ``name`` is a digest's or weekly post's file name (dates, letters, ``-`` and ``.`` only:
    nothing to quote).

    This look-up and :func:`jekyll_post_guard` are the one way a Jekyll page here links a
    post: ``{% post_url %}`` fails the whole build on a post Jekyll skipped (issue 17 §1).
    """
    return f'{{% assign {var} = site.posts | where: "name", "{name}" | first %}}'


def jekyll_post_url(var: str = "digest_post") -> str:
    """The URL of the post in ``var`` (:func:`jekyll_post_lookup`), as Liquid output."""
    return f"{{{{ {var}.url | relative_url }}}}"


def jekyll_post_guard(var: str, found: str, missing: str = "", *, trim: bool = False) -> str:
    """Liquid that writes ``found`` (which may hold :func:`jekyll_post_url`) when the post in
    ``var`` (:func:`jekyll_post_lookup`) was built, else ``missing``.

    ``trim`` ends the Liquid with ``-%}``, which eats the white space after it: for a whole
    line (``found`` ending in a newline) that a skipped post leaves out without a blank line.
    """
    text = f"{{% if {var} %}}{found}"
    if missing:
        text += f"{{% else %}}{missing}"
    return text + ("{% endif -%}" if trim else "{% endif %}")


@dataclass(frozen=True)
class IndexItem:
    """One digest: its day (``YYYY-MM-DD``), file, template and summarized paper count; or
    a weekly post: its Sunday, file, template, the papers it lists, and ``label``, the text
    its line shows instead of the day (``2025-W46 주간``)."""

    day: str
    path: Path
    template: str
    papers: int
    label: str | None = None


def _line(item: IndexItem, index_dir: Path, which: str) -> str:
    text = f" — {item.papers}편{which}"
    shown = item.label or item.day
    if item.template != "jekyll":
        return f"- [{shown}](<{relative_link(item.path, index_dir)}>){text}"
    # One line of output or none: a post Jekyll did not build leaves no blank line inside the
    # list (which would make it a loose list).
    line = f"- [{shown}]({jekyll_post_url()}){text}\n"
    return jekyll_post_lookup(item.path.name) + jekyll_post_guard("digest_post", line, trim=True)


def render_index(items: list[IndexItem], index_dir: Path) -> str:
    """The index of ``items``, newest day first (then by file name).

    Args:
        items: the digests and weekly posts to list (a weekly post under its Sunday).
        index_dir: the folder ``index.md`` is written to (links are relative to it).

    Returns:
        Markdown ending with one newline.
    """
    ordered = sorted(items, key=lambda i: (i.day, i.path.name))
    ordered.reverse()
    several = len({i.template for i in items}) > 1
    lines: list[str] = []
    if any(i.template == "jekyll" for i in items):
        lines += ["---", f"title: {yaml_string(SITE_TITLE)}", "---", ""]
    lines += [f"# {SITE_TITLE}", ""]
    for item in ordered:
        which = f" ({item.template})" if several else ""
        lines.append(_line(item, index_dir, which))
    if not ordered:
        lines.append("아직 다이제스트가 없습니다.")
    return "\n".join(lines) + "\n"
