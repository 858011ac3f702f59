"""The documentation holds together: the site builds strictly, links resolve on GitHub as on the
site, the settings table says what ``Settings`` says, and the README stays a front page.

The site is built with the real mkdocs (a dev extra); its ``validation:`` options in mkdocs.yml
turn a broken link, a missing anchor and a page left out of ``nav`` into warnings, and
``--strict`` into a failure. GitHub renders the same files with its own heading ids, so the
links are checked once more against those.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from markdown_it import MarkdownIt
from runhelpers import github_slug

from paperdigest.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
# The pages GitHub shows from the repository: the README, the site's pages, the benchmarks' page.
GITHUB_PAGES = [README, ROOT / "benchmarks" / "README.md", *sorted(DOCS.glob("*.md"))]
# The issue that split the README: "README.md at most 250 lines", the rest under docs/.
README_MAX_LINES = 250

_MD = MarkdownIt("commonmark").enable("table")


def _configdoc() -> ModuleType:
    """tools/configdoc.py, loaded from its file (tools/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("configdoc", ROOT / "tools" / "configdoc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _headings_and_links(page: Path) -> tuple[set[str], list[str]]:
    """The GitHub heading ids of a markdown page, and the targets of its links (code blocks
    and code spans are not parsed for either)."""
    ids: set[str] = set()
    links: list[str] = []
    tokens = _MD.parse(page.read_text(encoding="utf-8"))
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            text = "".join(
                child.content
                for child in tokens[i + 1].children or []
                if child.type in ("text", "code_inline")
            )
            slug = base = github_slug(text)
            n = 0
            while slug in ids:  # a repeated heading gets -1, -2, ...
                n += 1
                slug = f"{base}-{n}"
            ids.add(slug)
        for child in token.children or []:
            if child.type == "link_open":
                links.append(str(child.attrs["href"]))
    return ids, links


def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No outer PAPERDIGEST_/OPENAI_ variable and no ./paperdigest.toml reach the settings."""
    for name in list(os.environ):
        if name.startswith(("PAPERDIGEST_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_configuration_page_table_matches_settings() -> None:
    """docs/configuration.md's settings table is exactly what the Settings fields describe."""
    configdoc = _configdoc()
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert page == configdoc.render(page), (
        "docs/configuration.md's settings table differs from the field descriptions in "
        f"paperdigest/config.py; regenerate it with `{configdoc.REGENERATE}` and commit the page"
    )


@pytest.mark.parametrize("name", ["openai_base_url", "site_url", "model"])
def test_configuration_table_names_the_variable_settings_read(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The variable the table gives a setting (an alias such as OPENAI_BASE_URL, else
    PAPERDIGEST_ and the name) is the one the settings read."""
    configdoc = _configdoc()
    variable = configdoc.env_name(name, Settings.model_fields[name])
    assert f"| `{variable}`<br>" in configdoc.table()
    _isolate(monkeypatch, tmp_path)
    monkeypatch.setenv(variable, "http://value.example/v1")
    assert getattr(load_settings(), name) == "http://value.example/v1"


def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    """``mkdocs build --strict`` passes: no broken link or anchor, every page in nav."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "configuration" / "index.html").is_file()


@pytest.mark.parametrize("page", GITHUB_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_on_github(page: Path) -> None:
    """Each relative link names a file of the repository, and its #anchor a heading there, as
    GitHub derives heading ids."""
    own_ids, links = _headings_and_links(page)
    broken = []
    for href in links:
        if re.match(r"[a-z]+:", href):  # https:, mailto:
            continue
        path, _, anchor = href.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{href}: no file {target.relative_to(ROOT)}")
            continue
        if anchor and target.suffix == ".md":
            ids = own_ids if target == page else _headings_and_links(target)[0]
            if anchor not in ids:
                broken.append(f"{href}: no heading with id {anchor!r}")
    assert not broken, broken


def test_readme_stays_a_front_page() -> None:
    """The README is at most 250 lines and keeps the two set-up commands CI and users rely on."""
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES, (
        f"README.md has {len(text.splitlines())} lines (at most {README_MAX_LINES}): "
        "move the detail to a page under docs/"
    )
    assert "make run DATE=" in text
    assert "make test" in text


def test_settings_named_in_the_docs_exist() -> None:
    """Every PAPERDIGEST_ variable the README and the pages name is a setting (or the TOML
    file's own variable), so a renamed setting leaves no stale name behind."""
    known = {"PAPERDIGEST_CONFIG"} | {
        f"PAPERDIGEST_{name.upper()}" for name in Settings.model_fields
    }
    named = set()
    for page in GITHUB_PAGES:
        named |= set(re.findall(r"PAPERDIGEST_[A-Z][A-Z0-9_]*", page.read_text(encoding="utf-8")))
    assert named - known == set()


def test_configuration_toml_example_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The TOML example on the configuration page is a valid settings file."""
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", page, flags=re.DOTALL)
    config = tmp_path / "paperdigest.toml"
    config.write_text(example, encoding="utf-8")
    _isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("PAPERDIGEST_CONFIG", str(config))
    settings = load_settings()
    written = tomllib.loads(example)
    assert settings.model == written["model"]
    assert settings.min_upvotes == written["min_upvotes"]
    assert settings.notify == written["notify"]
    assert dict(settings.prices) == {k: tuple(v) for k, v in written["prices"].items()}
