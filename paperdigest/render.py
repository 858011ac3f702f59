"""Schema + template → markdown digest (pure: no I/O, no clock).

Templates (Jinja2, ``paperdigest/templates``): ``digest`` (plain markdown: a
``# 📰 Hugging Face Daily Papers – DATE`` heading, a ``## ARXIVID`` section per paper with
its link and ``**Summary**:``), ``jekyll`` (a ``_posts`` file whose front matter parses, a
``# N. [Title](arXiv link)`` section per paper), ``docusaurus`` (MDX-safe review notes, a
``## N. [Title](HF link) `org``` section per paper with its subtitle and key figure). Either
schema fits any template through :class:`paperdigest.model.schemas.View`.

Safety: titles are escaped for markdown and HTML, model text may carry paragraphs,
bullets and bold but no raw HTML (``<`` is escaped; in MDX also ``{`` and ``}``), and
every link is built from the arXiv id alone, never from model output, except the code and
project links of the daily papers list, which pass :func:`safe_url` (``http(s)`` only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from urllib.parse import quote, urlsplit

import jinja2

from paperdigest.masthead import day_headline, post_title
from paperdigest.model.schemas import View
from paperdigest.papers import Paper
from paperdigest.records import Relevance
from paperdigest.states import PaperState
from paperdigest.text import collapse_space, drop_controls, plain_line

__all__ = [
    "TEMPLATES",
    "Entry",
    "FigureRef",
    "Omitted",
    "clipped_description",
    "code_links",
    "day_start",
    "digest_filename",
    "front_matter_date",
    "layouts",
    "model_markdown",
    "render_digest",
    "safe_url",
    "section_anchor",
    "section_slug",
    "split_title",
    "tidy_markdown",
    "yaml_string",
]

TEMPLATES = ("digest", "jekyll", "docusaurus")

_FILENAMES = {
    "digest": "{day}.md",
    "jekyll": "{day}-hf-daily-papers.md",  # Jekyll _posts need YYYY-MM-DD-title.md
    "docusaurus": "{day}-papers-review.md",
}

_TITLE_SPECIALS = re.compile(r"([\\`*_\[\]|#~])")


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
    renderers (a markdown file in a repository or a gist)."""
    return re.sub(r"[^\w\- ]", "", arxiv_id.lower()).replace(" ", "-")


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


@dataclass(frozen=True)
class Entry:
    """One summarized paper of a digest.

    ``number`` counts from 1 in rank order; ``unverified`` lists figures the check could not
    find in the source (shown as a warning line); ``figure`` the key figure, if any;
    ``relevance`` the paper's score and reason when the day was scored (shown as
    ``🎯 관련도 0.42 (관련: …)``); ``brief`` whether ``view`` is a brief, shown after the
    full summaries under ``그 밖의 논문``.
    """

    number: int
    paper: Paper
    view: View
    unverified: tuple[str, ...] = ()
    figure: FigureRef | None = None
    relevance: Relevance | None = None
    brief: bool = False

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


# The label each state of a paper left out carries in the digest (and in the notification
# and the CLI's "not in digest" line): the start of its reason.
_LABELS: dict[PaperState, str] = {
    PaperState.FAILED: "요약 실패",  # every attempt failed validation, or the API refused it
    PaperState.NOT_DONE: "미완료",  # the run's token cap was reached first, or the API was down
    PaperState.SKIPPED: "건너뜀",  # nothing to summarize from (no abstract, no full text)
    PaperState.FILTERED: "필터로 제외",  # left out by the filters: no model call
}


@dataclass(frozen=True)
class Omitted:
    """A paper of the day's list that the digest does not summarize, and why.

    ``state`` is one of the states :attr:`~paperdigest.states.PaperState.summarized` is
    false for; a ``filtered`` paper is named in the digest's last line, the others in its
    list of papers not summarized. ``detail`` and ``attempts`` as in
    :class:`~paperdigest.records.Listing`.
    """

    arxiv_id: str
    title: str
    state: PaperState
    detail: str | None = None
    attempts: int | None = None

    @property
    def reason(self) -> str:
        """The reason as the digest shows it, made from the state: its label, the attempts
        and the detail, e.g. ``요약 실패 (3회 시도): section 5 must be Korean``."""
        text = _LABELS[self.state]
        if self.attempts is not None:
            text += f" ({self.attempts}회 시도)"
        return f"{text}: {self.detail}" if self.detail else text


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


def yaml_string(value: str) -> str:
    """``value`` as a front matter value: a YAML double-quoted scalar of one line without
    control characters, quotes and backslashes escaped (JSON string syntax is valid YAML),
    e.g. ``"Hugging Face Daily Papers 리뷰"``."""
    return json.dumps(_plain(value), ensure_ascii=False)


def _oneline(value: str) -> str:
    return collapse_space(str(value))


def _md_url(value: str) -> str:
    """A link destination: in ``<…>`` when it holds spaces or parentheses (CommonMark)."""
    text = drop_controls(str(value)).replace("\n", "")
    if any(c in text for c in " ()<>"):
        return "<" + text.replace("<", "%3C").replace(">", "%3E") + ">"
    return text


# What stays as written in a linked URL: RFC 3986's unreserved and reserved characters and
# "%" (escapes already there), minus the ones markdown, kramdown or MDX would read as syntax
# in a link destination: ( ) [ ] < > { } | $ ' " ` \ ^ and white space are percent-encoded.
_URL_SAFE = "-._~:/?#@!&*+,;=%"


def safe_url(value: str | None) -> str | None:
    """``value`` as a link destination every layout can print as is, or None.

    Only absolute ``http``/``https`` URLs with a host qualify: ``javascript:``, ``data:``,
    relative and protocol-relative (``//host``) URLs, and values with white space or control
    characters inside, give None (the list's fields are third-party text). Characters that
    are markdown, kramdown or MDX syntax are percent-encoded (see ``_URL_SAFE``).
    """
    if value is None:
        return None
    text = value.strip()
    if not text or text != drop_controls(text) or any(c.isspace() for c in text):
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(text, safe=_URL_SAFE)


def _same_url(a: str, b: str) -> bool:
    """Whether two URLs name one page: scheme and host case-insensitively, a trailing
    ``/`` or ``.git`` ignored (``https://github.com/x/y`` and ``https://github.com/x/y/``)."""

    def key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url)
        path = parts.path.rstrip("/").removesuffix(".git").rstrip("/")
        return parts.netloc.lower(), path, parts.query

    return key(a) == key(b)


def code_links(paper: Paper) -> str:
    """The line of code and project links under a paper's title, or ``""``.

    ``💻 [코드](URL) ⭐ N · 🌐 [프로젝트 페이지](URL)``: the code link (``github_repo``) with its
    stars when the list gives them, then the project page, shown only when it is another page
    than the code link. Each URL passes :func:`safe_url` (a link that does not is left out);
    the link texts are fixed, so the line needs no escaping in any layout.
    """
    code = safe_url(paper.github_repo)
    page = safe_url(paper.project_page)
    parts: list[str] = []
    if code:
        stars = f" ⭐ {paper.github_stars}" if paper.github_stars is not None else ""
        parts.append(f"💻 [코드]({code}){stars}")
    if page and not (code and _same_url(code, page)):
        parts.append(f"🌐 [프로젝트 페이지]({page})")
    return " · ".join(parts)


def _score(value: float) -> str:
    """A relevance score as the digest shows it: two decimals (``0.42``)."""
    return f"{value:.2f}"


def _related(relevance: Relevance, title: Callable[[str], str]) -> str:
    """The line of a paper's relevance: ``🎯 관련도 0.42 (관련: …)``, the reason (an interest
    the reader wrote, or a library item's title: text from outside) escaped by ``title``
    as a title is; ``🎯 관련도 0.00`` when nothing in the profile is similar."""
    text = f"🎯 관련도 {_score(relevance.score)}"
    return f"{text} (관련: {title(relevance.why)})" if relevance.why else text


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
    yaml_str=yaml_string,
    oneline=_oneline,
    code_span=_code_span,
    md_url=_md_url,
    js_string=_js_string,
    code_links=code_links,
    score=_score,
    related_md=lambda r: _related(r, _title_md),
    related_jekyll=lambda r: _related(r, _title_jekyll),
    related_mdx=lambda r: _related(r, _title_mdx),
)

# The section of the briefs (papers ranked below --top), after the full summaries, and the
# line under its heading that tells the reader why these are short.
_BRIEFS_HEADING = "그 밖의 논문"
_BRIEFS_NOTE = "초록만 보고 쓴 한두 문장 요약입니다."


def layouts() -> jinja2.Environment:
    """The templates of ``paperdigest/templates`` with the escaping filters of the digests
    (``title_md``, ``text_jekyll``, ``yaml_str``, …), for other posts in the same layouts
    (the weekly post, :mod:`paperdigest.roundup`)."""
    return _env


# Search engines show about 160 characters of a meta description.
_DESCRIPTION_CHARS = 160


def _description(day: date, entries: list[Entry]) -> str:
    """The digest's one-line plain-text summary (docusaurus ``description``)."""
    return clipped_description(
        f"{day.isoformat()} Hugging Face 데일리 논문", [e.paper for e in entries]
    )


def clipped_description(head: str, papers: list[Paper]) -> str:
    """A post's one-line plain-text summary (docusaurus ``description``): ``head``, the
    paper count and the papers' titles (their heading part), cut at a word to
    :data:`_DESCRIPTION_CHARS` characters."""
    text = f"{head} {len(papers)}편"
    if papers:
        text += ": " + ", ".join(split_title(_plain(p.title))[0] for p in papers)
    if len(text) > _DESCRIPTION_CHARS:
        text = text[: _DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",:") + "…"
    return text


def day_start(day: date, tz: tzinfo) -> datetime:
    """The instant a digest's day begins: midnight of ``day`` in ``tz`` (the configured
    ``PAPERDIGEST_TIMEZONE``), as the Jekyll post's ``date`` and the feed entries give it.

    A bare ``YYYY-MM-DD`` would be midnight wherever the reader or build machine is: a UTC
    build hides a Seoul morning's post as dated in the future (issue 17 §1).
    """
    return datetime.combine(day, time(0), tzinfo=tz)


def front_matter_date(day: date, tz: tzinfo) -> str:
    """A ``jekyll`` post's front matter ``date``: :func:`day_start` in Jekyll's form
    ``YYYY-MM-DD HH:MM:SS +TTTT``, e.g. ``2025-11-07 00:00:00 +0900``; with the offset it
    is one instant on any build machine, whatever its time zone."""
    return day_start(day, tz).strftime("%Y-%m-%d %H:%M:%S %z")


def digest_filename(day: date, template: str) -> str:
    """The file name of a day's digest in a template, e.g. ``2025-11-07-hf-daily-papers.md``."""
    return _FILENAMES[template].format(day=day.isoformat())


def render_digest(
    day: date,
    template: str,
    entries: list[Entry],
    omitted: list[Omitted] | None = None,
    *,
    tz: tzinfo,
    tldr: bool = True,
) -> str:
    """Render a digest.

    Args:
        day: the digest's date (the only date in it: reruns give the same bytes).
        tz: the time zone ``day`` is a day of; the ``jekyll`` front matter dates the post
            at its midnight there, with the offset (:func:`front_matter_date`).
        template: one of :data:`TEMPLATES`.
        entries: summarized papers in rank order; the full summaries' sections come first,
            then the briefs' (``Entry.brief``) under ``그 밖의 논문``.
        omitted: papers not summarized (failed, skipped, not done), listed at the end, and
            papers filtered out (``filtered``), named in the digest's last line.
        tldr: open with the TL;DR block (one line per entry, full and brief, in rank order,
            linking to its section).

    Returns:
        The markdown text, ending with one newline.

    Raises:
        KeyError: ``template`` is not one of :data:`TEMPLATES`.
    """
    if template not in _FILENAMES:
        raise KeyError(template)
    text = _env.get_template(f"{template}.md.j2").render(
        day=day.isoformat(),
        headline=day_headline(day.isoformat()),
        post_title=post_title(day.isoformat()),
        start=front_matter_date(day, tz),
        entries=entries,
        full=[e for e in entries if not e.brief],
        briefs=[e for e in entries if e.brief],
        briefs_heading=_BRIEFS_HEADING,
        briefs_note=_BRIEFS_NOTE,
        omitted=[o for o in omitted or [] if o.state is not PaperState.FILTERED],
        filtered=[o for o in omitted or [] if o.state is PaperState.FILTERED],
        filtered_label=_LABELS[PaperState.FILTERED],
        description=_description(day, entries),
        tldr=tldr,
    )
    return tidy_markdown(text)


def tidy_markdown(text: str) -> str:
    """Rendered markdown without trailing blanks or runs of blank lines, ending with one
    newline."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"
