"""Key figures (issue 9 §3): the figure list from arXiv HTML, the model's pick with its re-ask,
the image download (paced, cached, checked) and the figure lines of the three layouts."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path
from typing import Any

import fakeclock
import pytest
from conftest import AppEnv
from fakeserver import FIXTURES_DIR, default_answer
from realtools import ROOT, jekyll_build, require_node_package
from runhelpers import day_digest, invoke, run_day

from paperdigest.sources.figures import MAX_IMAGE_BYTES, extract_figures, image_kind

DAY = "2025-11-07"
PAPER = "2511.04570"  # first paper of the day's list, v1 on arXiv
HTML = FIXTURES_DIR / "html" / "2601.19139.html"  # two figures: x1.png, x2.png
PNG = (FIXTURES_DIR / "images" / "figure.png").read_bytes()
CAPTION_2 = "Concurrency scaling on vllm-mlx."


def _answer(pick: object) -> Any:
    """A chat handler: a valid Korean answer whose key_figure is ``pick``."""

    def handler(body: dict[str, Any]) -> dict[str, Any]:
        return {**default_answer(body), "key_figure": pick}

    return handler


def _serve(env: AppEnv, pick: object = 2, images: dict[str, bytes] | None = None) -> None:
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    for name, data in (images if images is not None else {"x1.png": PNG, "x2.png": PNG}).items():
        env.fake.images[f"{PAPER}v1/{name}"] = data
    env.fake.chat_handler = _answer(pick)


def _asset(env: AppEnv, n: int, ext: str = "png") -> Path:
    return env.out_dir / "assets" / DAY / f"{PAPER}-x{n}.{ext}"


def _first_prompt(env: AppEnv) -> str:
    return str(env.fake.chat_requests[0]["messages"][1]["content"])


# -- the figure list ---------------------------------------------------------------------------


def test_figures_of_a_page_have_number_src_and_caption() -> None:
    """figure.ltx_figure gives its number, its img src as written, and its caption untagged."""
    figures = extract_figures(HTML.read_bytes())
    assert [(f.number, f.src) for f in figures] == [(1, "x1.png"), (2, "x2.png")]
    assert figures[1].caption.startswith(CAPTION_2)


def test_subfigures_belong_to_their_figure() -> None:
    """Nested figures are not listed apart, and sources in subfolders are kept as written."""
    figures = extract_figures((FIXTURES_DIR / "html" / "2504.11765.html").read_bytes())
    numbers = [f.number for f in figures]
    assert numbers == sorted(set(numbers)) and 4 in numbers
    assert next(f for f in figures if f.number == 4).src == "extracted/6365438/figs/fig4.png"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 8, "jpg"),
        (b"GIF89a" + b"\0" * 8, "gif"),
        (b"RIFF\x10\0\0\0WEBPVP8 ", "webp"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
        (b"<!DOCTYPE html><html></html>", None),
    ],
)
def test_image_kind_is_read_from_magic_bytes(data: bytes, kind: str | None) -> None:
    """PNG, JPEG, GIF and WebP are recognised by their bytes; SVG and HTML are not images."""
    assert image_kind(data) == kind


# -- end to end --------------------------------------------------------------------------------


def test_model_is_shown_the_captions_and_its_pick_is_shown(env: AppEnv) -> None:
    """The prompt lists the figures; the picked figure is saved as DATE/ID-xN.png and shown
    under the paper's link with its caption."""
    _serve(env, pick=2)

    result = run_day("--limit", "1")

    assert result.exit_code == 0, result.stderr
    prompt = _first_prompt(env)
    assert "Figure 1: Framework capability comparison." in prompt
    assert f"Figure 2: {CAPTION_2}" in prompt
    assert _asset(env, 2).read_bytes() == PNG
    digest = day_digest(env.out_dir)
    line = next(ln for ln in digest.splitlines() if ln.startswith("![Figure 2: "))
    assert line.endswith(f"](./assets/{DAY}/{PAPER}-x2.png)")
    assert digest.index(f"papers/{PAPER}") < digest.index(line) < digest.index("**Summary**")


def test_a_rerun_downloads_nothing(env: AppEnv) -> None:
    """The image is cached per arXiv version: a second run of the day asks arxiv.org nothing."""
    _serve(env, pick=2)
    assert run_day("--limit", "1").exit_code == 0
    before = (env.fake.image_count, env.fake.fulltext_count)
    _asset(env, 2).unlink()  # even a deleted asset comes back from the cache

    assert run_day("--limit", "1").exit_code == 0

    assert (env.fake.image_count, env.fake.fulltext_count) == before == (1, 1)
    assert _asset(env, 2).read_bytes() == PNG


def test_a_number_not_in_the_list_is_reasked(env: AppEnv) -> None:
    """key_figure 7 for a paper with figures 1 and 2 gets a re-ask naming the choices."""
    picks = iter([7, 2])
    env.fake.html_pages[PAPER] = HTML.read_bytes()
    env.fake.images[f"{PAPER}v1/x2.png"] = PNG
    handlers = {}

    def handler(body: dict[str, Any]) -> dict[str, Any]:
        pick = next(picks)
        handlers.setdefault(pick, _answer(pick))
        return dict(handlers[pick](body))

    env.fake.chat_handler = handler

    assert run_day("--limit", "1").exit_code == 0

    reask = env.fake.chat_requests[1]["messages"][-1]["content"]
    assert "key_figure" in reask and "use one of 1, 2, or null" in reask
    assert _asset(env, 2).is_file()


def test_no_pick_shows_figure_1(env: AppEnv) -> None:
    """A null key_figure shows Figure 1."""
    _serve(env, pick=None)

    assert run_day("--limit", "1").exit_code == 0

    assert "![Figure 1: Framework capability comparison." in day_digest(env.out_dir)
    assert _asset(env, 1).is_file() and not _asset(env, 2).exists()


def test_paper_without_html_figures_gets_no_list_and_no_figure(env: AppEnv) -> None:
    """Without HTML (abstract only) the prompt has no figure list and the digest no image."""
    env.fake.chat_handler = _answer(3)  # ignored: there is nothing to pick from

    assert run_day("--limit", "1").exit_code == 0

    assert "<figures>" not in _first_prompt(env)
    assert env.fake.chat_count == 1  # no re-ask for a pick with nothing to pick from
    assert "![" not in day_digest(env.out_dir)
    assert env.fake.image_count == 0


@pytest.mark.parametrize(
    "image",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        PNG + b"\0" * MAX_IMAGE_BYTES,
        None,  # 404
    ],
    ids=["svg", "over-5-MB", "missing"],
)
def test_a_failed_download_is_a_warning_and_no_figure(env: AppEnv, image: bytes | None) -> None:
    """An SVG, an image over 5 MB or a missing one: a warning, no figure, the summary kept."""
    _serve(env, pick=2, images={} if image is None else {"x2.png": image})

    result = run_day("--limit", "1")

    assert result.exit_code == 0, result.stderr
    assert f"{PAPER}: figure 2 not downloaded" in result.stderr
    digest = day_digest(env.out_dir)
    assert f"## {PAPER}" in digest and "![" not in digest
    assert not (env.out_dir / "assets" / DAY).exists() or not list(
        (env.out_dir / "assets" / DAY).iterdir()
    )


def test_figures_off(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """PAPERDIGEST_FIGURES=false: no figure list, no download, no figure line."""
    monkeypatch.setenv("PAPERDIGEST_FIGURES", "false")
    _serve(env, pick=None)

    assert run_day("--limit", "1").exit_code == 0

    assert "<figures>" not in _first_prompt(env)
    assert env.fake.image_count == 0 and "![" not in day_digest(env.out_dir)


def test_assets_dir_and_url_settings(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """PAPERDIGEST_ASSETS_DIR places the files; PAPERDIGEST_ASSETS_URL is how digests refer."""
    site = env.tmp_path / "site"
    monkeypatch.setenv("PAPERDIGEST_ASSETS_DIR", str(site / "assets" / "papers"))
    monkeypatch.setenv("PAPERDIGEST_ASSETS_URL", "/assets/papers")
    _serve(env, pick=2)

    assert run_day("--limit", "1").exit_code == 0

    assert (site / "assets" / "papers" / DAY / f"{PAPER}-x2.png").read_bytes() == PNG
    assert f"](/assets/papers/{DAY}/{PAPER}-x2.png)" in day_digest(env.out_dir)


def test_unwritable_assets_folder_is_a_one_line_error(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An assets folder that cannot be written: one line, exit 2, before any model call."""
    blocker = env.tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PAPERDIGEST_ASSETS_DIR", str(blocker / "assets"))
    _serve(env)

    result = run_day("--limit", "1")

    assert result.exit_code == 2
    assert "assets folder" in result.stderr and "Traceback" not in result.stderr
    assert env.fake.chat_count == 0


def test_docusaurus_imports_and_centers_the_figure(env: AppEnv) -> None:
    """docusaurus: an MDX import of the file and a centered 500-wide img, caption under it."""
    _serve(env, pick=2)

    result = run_day("--limit", "1", "--template", "docusaurus")

    assert result.exit_code == 0, result.stderr
    text = Path(result.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    name = f"fig_{PAPER.replace('.', '_')}_x2"
    assert f'import {name} from "./assets/{DAY}/{PAPER}-x2.png";' in text
    block = "<div style={{textAlign: 'center'}}>\n <img src={NAME} style={{width: 500}} />\n</div>"
    assert block.replace("NAME", name) in text
    assert f"*Figure 2: {CAPTION_2}" in text


def test_jekyll_shows_the_figure_as_markdown_image(env: AppEnv) -> None:
    """jekyll: ![Figure N: caption](url) under the paper's heading."""
    _serve(env, pick=2)

    result = run_day("--limit", "1", "--template", "jekyll")

    assert result.exit_code == 0, result.stderr
    text = Path(result.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    assert re.search(
        rf"^!\[Figure 2: Concurrency .*\]\(\./assets/{DAY}/{PAPER}-x2\.png\)$", text, re.M
    )


def test_hostile_caption_is_escaped(env: AppEnv) -> None:
    """A caption with link, HTML and MDX syntax shows as text in every layout."""
    hostile = "Evil](javascript:alert(1)) <script>x</script> {props.x} *bold*"
    page = HTML.read_bytes().replace(
        b"Framework capability comparison.", hostile.encode().replace(b"<", b"&lt;")
    )
    env.fake.html_pages[PAPER] = page
    env.fake.images[f"{PAPER}v1/x1.png"] = PNG
    env.fake.chat_handler = _answer(1)

    for template in ("digest", "jekyll", "docusaurus"):
        result = run_day("--limit", "1", "--template", template)
        assert result.exit_code == 0, result.stderr
        text = Path(result.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
        line = next(ln for ln in text.splitlines() if "Figure 1:" in ln)
        # Only the image's own "](" is live; the caption's brackets and braces are escaped.
        live = 0 if template == "docusaurus" else 1  # docusaurus: the caption is its own line
        assert len(re.findall(r"(?<!\\)\]\(", line)) == live and "<script>" not in line
        if template == "docusaurus":
            assert re.search(r"(?<!\\)\{props", line) is None


def test_show_says_which_figure_and_why(env: AppEnv) -> None:
    """show ID names the figure shown and why (picked, or the default)."""
    _serve(env, pick=None)
    assert run_day("--limit", "1").exit_code == 0

    result = invoke("show", PAPER)

    assert result.exit_code == 0, result.stderr
    assert "key figure: Figure 1 (the model picked none; Figure 1 is the default)" in result.stdout


def test_show_says_why_there_is_none(env: AppEnv) -> None:
    """show ID says a paper without HTML figures has no key figure."""
    assert run_day("--limit", "1").exit_code == 0

    result = invoke("show", PAPER)

    assert "key figure: none (no figures in the arXiv HTML" in result.stdout


def test_image_download_is_paced_like_every_arxiv_request(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image request starts the arXiv delay after the previous arXiv request (fake clock),
    the pacer having waited out the delay exactly before the page and before the image."""
    clock = fakeclock.install(monkeypatch, env.fake)
    monkeypatch.setenv("PAPERDIGEST_ARXIV_DELAY_SECONDS", "3")
    _serve(env, pick=2)

    assert run_day("--limit", "1").exit_code == 0

    starts = [
        (t, p)
        for t, p in env.fake.request_starts
        if p.startswith(("/api/query", "/html/", "/pdf/"))
    ]
    assert starts[-1][1] == f"/html/{PAPER}v1/x2.png"
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 3.0 - 1e-6
    # The pacer's own waits, on the injected clock: one delay before the HTML page, one before
    # the image; nothing else slept (no retry, no second pacer).
    assert clock.sleeps == [3.0, 3.0]


# -- real publishing tools -----------------------------------------------------------------


def test_figure_post_builds_with_real_jekyll_and_its_image_is_served(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure-bearing post, assets at the site root: real Jekyll builds it, shows the image
    with its caption as alt text, and copies the image into the built site."""
    site = env.tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: test\n", encoding="utf-8")
    monkeypatch.setenv("PAPERDIGEST_OUTPUT_DIR", str(site / "_posts"))
    monkeypatch.setenv("PAPERDIGEST_ASSETS_DIR", str(site / "assets" / "papers"))
    monkeypatch.setenv("PAPERDIGEST_ASSETS_URL", "/assets/papers")
    _serve(env, pick=2)

    result = run_day("--limit", "1", "--template", "jekyll", "--schema", "gmr")

    assert result.exit_code == 0, result.stderr
    jekyll_build(site)
    html = next((site / "_site").rglob("*hf-daily-papers*.html")).read_text(encoding="utf-8")
    img = re.search(r"<img [^>]*src=\"/assets/papers/[^\"]+\"[^>]*>", html)
    assert img is not None and f'alt="Figure 2: {CAPTION_2}' in img.group(0)
    src = re.search(r'src="/([^"]+)"', img.group(0))
    assert src is not None and (site / "_site" / src.group(1)).read_bytes() == PNG


def test_figure_post_compiles_with_real_mdx(env: AppEnv) -> None:
    """The docusaurus output with a figure (import, centered img, caption) compiles with the
    real MDX 3 compiler, the import and the image element intact."""
    require_node_package("@mdx-js/mdx")
    _serve(env, pick=2)
    result = run_day("--limit", "1", "--template", "docusaurus")
    assert result.exit_code == 0, result.stderr
    post = result.stdout.strip().splitlines()[-1]
    # Docusaurus's remark plugins, as tests/mdx_compile.mjs uses them; compile only (running
    # the module would import the image, which webpack does in a real site).
    script = (
        "import {compile} from '@mdx-js/mdx'; import {readFileSync} from 'node:fs';"
        "import remarkComment from '@slorber/remark-comment';"
        "import remarkDirective from 'remark-directive';"
        "import remarkFrontmatter from 'remark-frontmatter'; import remarkGfm from 'remark-gfm';"
        "const plugins = [remarkFrontmatter, remarkDirective, remarkGfm, remarkComment];"
        "const source = readFileSync(process.argv[1], 'utf8');"
        "console.log(String(await compile(source, {remarkPlugins: plugins})))"
    )

    out = subprocess.run(
        ["node", "--input-type=module", "-e", script, post],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    name = f"fig_{PAPER.replace('.', '_')}_x2"
    assert f'import {name} from "./assets/{DAY}/{PAPER}-x2.png";' in out
    assert re.search(rf'_jsx\("img", \{{\s*src: {name},', out)
