"""Schema + template → markdown digest (pure: no I/O, no clock).

Templates (Jinja2, ``paperdigest/templates``): ``digest`` (reference 002), ``jekyll``
(reference 003, a ``_posts`` file with front matter that parses), ``docusaurus``
(references 000/001/004, MDX-safe). Either schema fits any template through
:class:`paperdigest.model.schemas.View`.

Safety: titles are escaped for markdown and HTML, model text may carry paragraphs,
bullets and bold but no raw HTML (``<`` is escaped; in MDX also ``{`` and ``}``), and
every link is built from the arXiv id alone, never from model output.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import jinja2

from paperdigest.model.schemas import View
from paperdigest.papers import Paper
from paperdigest.text import collapse_space, drop_controls, plain_line
from paperdigest.weeks import IsoWeek

__all__ = [
    "FAILED",
    "FILTERED",
    "NOT_DONE",
    "SKIPPED",
    "TEMPLATES",
    "Entry",
    "FigureRef",
    "Omitted",
    "WeekDay",
    "WeeklyEntry",
    "digest_filename",
    "model_markdown",
    "render_digest",
    "render_weekly",
    "section_anchor",
    "section_slug",
    "split_title",
    "weekly_filename",
]

TEMPLATES = ("digest", "jekyll", "docusaurus")

_FILENAMES = {
    "digest": "{day}.md",
    "jekyll": "{day}-hf-daily-papers.md",  # Jekyll _posts need YYYY-MM-DD-title.md
    "docusaurus": "{day}-papers-review.md",
}

_TITLE_SPECIALS = re.compile(r"([\\`*_\[\]|#~])")


@dataclass(frozen=True)
class FigureRef:
    """The key figure shown under a paper's title.

    ``url`` is how the digest reaches the image (relative ``./assets/…`` or under
    ``PAPERDIGEST_ASSETS_URL``); ``name`` a JavaScript identifier for the docusaurus
    ``import`` (``fig_2511_04460_x1``); ``caption`` is paper text (escaped when rendered).
    """

    number: int
    caption: str
    url: str
    name: str

    @property
    def importable(self) -> bool:
        """Whether MDX can ``import`` the file (a relative path); a site URL is used as is."""
        return self.url.startswith(("./", "../"))


def section_anchor(arxiv_id: str) -> str:
    """The id of a paper's section in a digest: ``paper-2511-04570``, written as an explicit
    heading id in ``jekyll`` (kramdown ``{#id}``) and ``docusaurus`` (the MDX comment
    ``{/* #id */}`` of Docusaurus ≥ 3.10); the ``digest`` layout has none (see
    :func:`section_slug`)."""
    return "paper-" + arxiv_id.replace(".", "-")


def section_slug(arxiv_id: str) -> str:
    """The id GitHub (and GitLab, VS Code, Python-Markdown's toc) gives the ``digest``
    layout's heading ``## 2511.04570``: lower case, punctuation dropped, so ``251104570``.
    CommonMark itself has no heading ids, and plain ``digest`` files are read on GitHub-like
    renderers (as the 7-section reference digest is)."""
    return re.sub(r"[^\w\- ]", "", arxiv_id.lower()).replace(" ", "-")


@dataclass(frozen=True)
class Entry:
    """One summarized paper of a digest.

    ``number`` counts from 1 in list order; ``unverified`` lists figures the check could not
    find in the source (shown as a warning line); ``figure`` the key figure, if any.
    """

    number: int
    paper: Paper
    view: View
    unverified: tuple[str, ...] = ()
    figure: FigureRef | None = None

    @property
    def anchor(self) -> str:
        """The id of the paper's section, for the TL;DR's links (:func:`section_anchor`)."""
        return section_anchor(self.paper.arxiv_id)

    @property
    def github_slug(self) -> str:
        """The id of the ``digest`` layout's section (:func:`section_slug`)."""
        return section_slug(self.paper.arxiv_id)

    @property
    def main_title(self) -> str:
        """The title before its first ``": "`` outside links and code (the docusaurus heading)."""
        return split_title(self.paper.title)[0]

    @property
    def subtitle(self) -> str | None:
        """The title after that ``": "``, if any (the docusaurus ``###`` line)."""
        return split_title(self.paper.title)[1]


# Spans of a raw title inside which ": " is not a heading/subtitle break: code spans, links
# `[text](url)` (one level of parentheses in the url, as in `javascript:alert(1)`), and <…>.
_TITLE_UNSPLITTABLE = re.compile(r"(`+)[^`]*?\1|\[[^\]]*\]\((?:[^()]|\([^()]*\))*\)|<[^<>]*>")


def split_title(title: str) -> tuple[str, str | None]:
    """Split a paper title into heading and subtitle at its first ``": "`` (colon and space)
    outside any link, code span or angle-bracket span; ``(title, None)`` when there is none or
    either side would be empty. ``Re:Form -- …`` and ``[x](javascript:alert(1))`` stay whole.

    Source of the rule: issue 9 §2 (a split at the bare first ``:`` cut links and titles).
    """
    masked = _TITLE_UNSPLITTABLE.sub(lambda m: "x" * len(m.group(0)), title)
    cut = masked.find(": ")
    if cut < 0:
        return title, None
    head, tail = title[:cut].strip(), title[cut + 2 :].strip()
    if not head or not tail:
        return title, None
    return head, tail


# The first word of an omission reason says its kind; the reason is shown in the digest
# and stored per digest, so the kind is read back from it rather than kept apart.
FAILED = "요약 실패"  # every attempt failed validation, or the API refused the request
NOT_DONE = "미완료"  # the run's token cap was reached first
SKIPPED = "건너뜀"  # nothing to summarize from (no abstract, no full text)
FILTERED = "필터로 제외"  # left out by --min-upvotes/--include/--exclude/--limit: no model call


@dataclass(frozen=True)
class Omitted:
    """A paper of the day's list that the digest does not summarize, and why.

    ``reason`` starts with :data:`FAILED`, :data:`NOT_DONE`, :data:`SKIPPED` or
    :data:`FILTERED` (named in the digest's last line, not among the failures).
    """

    arxiv_id: str
    title: str
    reason: str

    @property
    def kind(self) -> Literal["failed", "not_done", "skipped", "filtered"]:
        """What the reason's first word says; an unknown reason counts as failed."""
        if self.reason.startswith(FILTERED):
            return "filtered"
        if self.reason.startswith(SKIPPED):
            return "skipped"
        if self.reason.startswith(NOT_DONE):
            return "not_done"
        return "failed"


def _title_md(value: str) -> str:
    """One line without control characters, markdown specials backslash-escaped, HTML
    brackets as entities."""
    text = _TITLE_SPECIALS.sub(r"\\\1", _plain(value))
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _title_mdx(value: str) -> str:
    return _title_md(value).replace("{", "\\{").replace("}", "\\}")


# A CommonMark code span on one line: a backtick run, content, the same run. Matched
# conservatively (not after a backslash, no newline): text wrongly taken for code would be
# left unescaped, while code wrongly taken for text only shows a stray backslash.
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)[^\n]+?(?<!`)\1(?!`)")


def _outside_code(text: str, escape: Callable[[str], str]) -> str:
    """``text`` with ``escape`` applied to everything but its inline code spans (code is
    shown literally by every renderer, so an escape there would show)."""
    parts: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(text):
        parts += [escape(text[pos : match.start()]), match.group(0)]
        pos = match.end()
    parts.append(escape(text[pos:]))
    return "".join(parts)


def _md_specials(text: str) -> str:
    # No raw HTML. A model obeying an injected instruction must not add a link or a tracking
    # image: escaped brackets make [x](url), ![x](url) and [x]: url plain text ("[CLS]" shows).
    return text.replace("<", "&lt;").replace("[", "\\[").replace("]", "\\]")


def _mdx_specials(text: str) -> str:
    # MDX 3: braces are JavaScript expressions.
    return _md_specials(text).replace("{", "\\{").replace("}", "\\}")


def _kramdown_specials(text: str) -> str:
    # Jekyll's kramdown: a line with `|` is a table row, `{:` / `{::` are attribute lists and
    # extensions (`{::comment}` hides text), `$$` is math. Each is backslash-escaped.
    text = _md_specials(text)
    for char in "|{}$":
        text = text.replace(char, "\\" + char)
    return text


def _model_text(value: str, escape: Callable[[str], str]) -> str:
    """Model text kept as markdown (paragraphs, bullets, bold, code), minus control
    characters and stray blank runs, with ``escape`` applied outside code spans."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _outside_code(drop_controls(text).strip(), escape)
    return re.sub(r"\n{3,}", "\n\n", text)


def _text_md(value: str) -> str:
    """Model text for CommonMark: no raw HTML, links or images."""
    return _model_text(value, _md_specials)


def model_markdown(value: str) -> str:
    """Model text made safe for markdown exactly as the digests do it (no raw HTML, links,
    images or control characters); for other outputs built from summaries (the feed)."""
    return _text_md(value)


def _text_mdx(value: str) -> str:
    """Model text for MDX 3 (docusaurus): as :func:`_text_md`, braces escaped too."""
    return _model_text(value, _mdx_specials)


def _text_jekyll(value: str) -> str:
    """Model text for kramdown (jekyll): as :func:`_text_md`, and no tables, attribute
    lists or math."""
    return _model_text(value, _kramdown_specials)


def _title_jekyll(value: str) -> str:
    return _title_md(value).replace("{", "\\{").replace("}", "\\}").replace("$", "\\$")


def _plain(value: str) -> str:
    """One line of plain text (no markup, no entities): for front matter values."""
    return plain_line(str(value))


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML) of ``value``."""
    return json.dumps(_plain(value), ensure_ascii=False)


def _oneline(value: str) -> str:
    return collapse_space(str(value))


def _md_url(value: str) -> str:
    """A link destination: in ``<…>`` when it holds spaces or parentheses (CommonMark)."""
    text = drop_controls(str(value)).replace("\n", "")
    if any(c in text for c in " ()<>"):
        return "<" + text.replace("<", "%3C").replace(">", "%3E") + ">"
    return text


def _js_string(value: str) -> str:
    """A JavaScript string literal (for an MDX ``import``), quotes and ``<`` escaped."""
    return json.dumps(drop_controls(str(value))).replace("<", "\\u003c")


def _code_span(value: str) -> str:
    return collapse_space(drop_controls(str(value)).replace("`", ""))


_env = jinja2.Environment(
    loader=jinja2.PackageLoader("paperdigest", "templates"),
    autoescape=False,  # markdown, not HTML: escaping is done by the filters below
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters.update(
    title_md=_title_md,
    title_mdx=_title_mdx,
    text_md=_text_md,
    text_mdx=_text_mdx,
    text_jekyll=_text_jekyll,
    title_jekyll=_title_jekyll,
    yaml_str=_yaml_str,
    oneline=_oneline,
    code_span=_code_span,
    md_url=_md_url,
    js_string=_js_string,
)


# Search engines show about 160 characters of a meta description.
_DESCRIPTION_CHARS = 160


def _description(day: date, entries: list[Entry]) -> str:
    """The digest's one-line plain-text summary (docusaurus ``description``): the date, the
    paper count and the first titles (their heading part), cut at a word to
    :data:`_DESCRIPTION_CHARS` characters."""
    return _clipped(f"{day.isoformat()} Hugging Face 데일리 논문", [e.paper for e in entries])


def _clipped(head: str, papers: list[Paper]) -> str:
    """``head``, the paper count and the papers' titles (their heading part), cut at a word
    to :data:`_DESCRIPTION_CHARS` characters."""
    text = f"{head} {len(papers)}편"
    if papers:
        text += ": " + ", ".join(split_title(_plain(p.title))[0] for p in papers)
    if len(text) > _DESCRIPTION_CHARS:
        text = text[: _DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",:") + "…"
    return text


def _tidy(text: str) -> str:
    """Rendered markdown without trailing blanks or runs of blank lines, ending with one
    newline."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


def digest_filename(day: date, template: str) -> str:
    """The file name of a day's digest in a template, e.g. ``2025-11-07-hf-daily-papers.md``."""
    return _FILENAMES[template].format(day=day.isoformat())


def render_digest(
    day: date,
    template: str,
    entries: list[Entry],
    omitted: list[Omitted] | None = None,
    *,
    tldr: bool = True,
) -> str:
    """Render a digest.

    Args:
        day: the digest's date (the only date in it: reruns give the same bytes).
        template: one of :data:`TEMPLATES`.
        entries: summarized papers in list order.
        omitted: papers not summarized (failed, skipped, not done), listed at the end, and
            papers filtered out (:data:`FILTERED`), named in the digest's last line.
        tldr: open with the TL;DR block (one line per entry, linking to its section).

    Returns:
        The markdown text, ending with one newline.

    Raises:
        KeyError: ``template`` is not one of :data:`TEMPLATES`.
    """
    if template not in _FILENAMES:
        raise KeyError(template)
    text = _env.get_template(f"{template}.md.j2").render(
        day=day.isoformat(),
        entries=entries,
        omitted=[o for o in omitted or [] if o.kind != "filtered"],
        filtered=[o for o in omitted or [] if o.kind == "filtered"],
        filtered_label=FILTERED,
        description=_description(day, entries),
        tldr=tldr,
    )
    return _tidy(text)


# --- the weekly post (issue 19 §2) -------------------------------------------------------

_WEEKDAYS = "월화수목금토일"


@dataclass(frozen=True)
class WeekDay:
    """A day of the week as the weekly post lists it: its digest file (None: no digest was
    stored for the day) and the papers that digest summarizes."""

    day: date
    digest: Path | None
    papers: int = 0

    @property
    def label(self) -> str:
        """``2025-11-10 (월)``."""
        return f"{self.day.isoformat()} ({_WEEKDAYS[self.day.weekday()]})"


@dataclass(frozen=True)
class WeeklyEntry:
    """One of the week's top papers: ``number`` from 1 in rank order, the paper, its gist
    (None for a summary stored before gists), and the day and file of the daily digest that
    summarizes it (the weekly post links its section there)."""

    number: int
    paper: Paper
    gist: str | None
    day: date
    digest: Path


# Distinct per layout, as the daily names are, so that posts of several layouts can share a
# folder (and index.md).
_WEEKLY_FILENAMES = {
    "digest": "{sunday}-weekly-{week}.md",
    "jekyll": "{sunday}-hf-weekly-papers-{week}.md",
    "docusaurus": "{sunday}-weekly-review-{week}.md",
}


def weekly_filename(week: IsoWeek, template: str) -> str:
    """The weekly post's file name in a layout, e.g. ``2025-11-16-weekly-2025-W46.md``.

    Dated by the week's Sunday: Jekyll and Docusaurus need a date in a post's name, and the
    Sunday is the last day the post covers, so it sorts after the week's daily posts. It has
    also begun in every time zone by the time the week is over in Seoul, so a build machine
    in UTC (GitHub Pages, Actions) never skips it as a future post, nor its links to the
    daily posts, which are all dated that day or earlier."""
    return _WEEKLY_FILENAMES[template].format(sunday=week.sunday.isoformat(), week=week.label)


def _liquid_safe(value: str) -> str:
    """Text for a Jekyll page that Liquid renders (the weekly post links the daily posts
    with ``{% post_url %}``): every ``{`` becomes the Liquid output ``{{ '{' }}``, so no
    ``{{`` or ``{%`` of paper or model text is left for Liquid to run, and after Liquid the
    text is as kramdown should read it."""
    return value.replace("{", "{{ '{' }}")


_env.filters.update(liquid_safe=_liquid_safe)


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def _daily_link(template: str, digest: Path, folder: Path, arxiv_id: str | None) -> str:
    """The link from the weekly post in ``folder`` to a daily digest, and to a paper's
    section in it when ``arxiv_id`` is given: a relative file link (``digest``: GitHub's
    heading slug; ``docusaurus``: the explicit id, Docusaurus turns a file link into the
    post's URL), or for ``jekyll`` the post's URL through ``{% post_url %}`` (a post's file
    name in ``_posts`` is not its URL)."""
    if template == "jekyll":
        link = "{% post_url " + digest.stem + " %}"
    else:
        link = _md_url(_relative(digest, folder))
    if arxiv_id is None:
        return link
    return f"{link}#{section_slug(arxiv_id) if template == 'digest' else section_anchor(arxiv_id)}"


def render_weekly(
    week: IsoWeek,
    template: str,
    entries: list[WeeklyEntry],
    days: list[WeekDay],
    overview: str | None,
    folder: Path,
) -> str:
    """Render a week's post.

    Args:
        week: the ISO week.
        template: one of :data:`TEMPLATES` (that of the week's daily digests).
        entries: the week's top papers, in rank order (their TL;DR-style list).
        days: the week's seven days, Monday first, each with its digest or None.
        overview: the Korean overview of the week's themes; None leaves its section out.
        folder: where the post is written (its links to the daily digests are relative to it).

    Returns:
        The markdown text, ending with one newline.

    Raises:
        KeyError: ``template`` is not one of :data:`TEMPLATES`.
    """
    if template not in _FILENAMES:
        raise KeyError(template)
    text = _env.get_template(f"weekly-{template}.md.j2").render(
        week=week.label,
        monday=week.monday.isoformat(),
        sunday=week.sunday.isoformat(),
        entries=entries,
        links={
            e.number: _daily_link(template, e.digest, folder, e.paper.arxiv_id) for e in entries
        },
        days=days,
        day_links={d.day: _daily_link(template, d.digest, folder, None) for d in days if d.digest},
        overview=overview,
        description=_clipped(
            f"{week.monday.isoformat()} ~ {week.sunday.isoformat()} Hugging Face 주간 논문",
            [e.paper for e in entries],
        ),
    )
    return _tidy(text)
