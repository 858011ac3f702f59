"""Who the reader is (issue 18 §1): interests from the settings, a library from a BibTeX, CSL
JSON or RIS export (fixtures built from real papers of the recorded days, provenance in
tests/fixtures/README.md) or from the Zotero Web API (the fake server speaks its v3 shapes),
and one-line errors for every bad input, before any model call."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date
from pathlib import Path

import pytest
from conftest import AppEnv

from paperdigest.config import load_settings
from paperdigest.errors import ConfigError, FetchError
from paperdigest.sources.http import make_client
from paperdigest.sources.library import LibraryItem, parse_date, read_library
from paperdigest.sources.profile import Profile, load_profile

LIBRARY = Path(__file__).parent / "fixtures" / "library"
FIRST_TITLE = "Perception, Reason, Think, and Plan: A Survey on Large Multimodal Reasoning Models"
TODAY = date(2025, 11, 7)


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Profile | None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()

    async def go() -> Profile | None:
        async with make_client(settings) as client:
            return await load_profile(settings, client, TODAY)

    return asyncio.run(go())


# --- library files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["library.bib", "library.json", "library.ris"])
def test_each_export_format_gives_the_same_eight_items(name: str) -> None:
    """BibTeX, CSL JSON and RIS exports of one library give the same eight titles, with
    their abstracts."""
    items = read_library(LIBRARY / name)
    reference = read_library(LIBRARY / "library.json")
    assert [i.title for i in items] == [i.title for i in reference]
    assert len(items) == 8 and items[0].title == FIRST_TITLE
    assert all(len(i.abstract) > 500 for i in items)


def test_plain_text_formats_give_the_same_content_keys() -> None:
    """CSL JSON and RIS hold the text as is: the same items get the same content keys, so a
    switch between them embeds nothing anew (BibTeX's LaTeX, "--" and "~", decodes to other
    characters)."""
    ris = read_library(LIBRARY / "library.ris")
    assert [i.key for i in ris] == [i.key for i in read_library(LIBRARY / "library.json")]


@pytest.mark.parametrize("name", ["library.bib", "library.json", "library.ris"])
def test_each_export_format_carries_the_date_added(name: str) -> None:
    """The date the item was saved (urldate / accessed / Y2) is read as its date added."""
    assert read_library(LIBRARY / name)[0].added == date(2025, 5, 10)


def test_bibtex_latex_is_decoded() -> None:
    """`\\%` in a BibTeX abstract reads as `%` (LaTeX decoded by bibtexparser)."""
    texts = [i.abstract for i in read_library(LIBRARY / "library.bib")]
    assert any("30%" in t for t in texts) and not any("\\%" in t for t in texts)


def test_an_item_exported_twice_counts_once_with_its_newest_date(tmp_path: Path) -> None:
    """Two entries with the same title and abstract are one item, dated by the newer."""
    bib = tmp_path / "dup.bib"
    bib.write_text(
        "@misc{a, title = {Same}, abstract = {Text.}, urldate = {2024-01-01}}\n"
        "@misc{b, title = {Same}, abstract = {Text.}, urldate = {2025-03-04}}\n",
        encoding="utf-8",
    )
    (item,) = read_library(bib)
    assert item.added == date(2025, 3, 4)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-05", date(2024, 1, 5)),
        ("2024-01-05T12:00:00Z", date(2024, 1, 5)),
        ("2017-06-12 10:00:00 +0000", date(2017, 6, 12)),
        ("2017/06/12/", date(2017, 6, 12)),
        ("2017-06", date(2017, 6, 1)),
        ("2017", date(2017, 1, 1)),
        ("2017-02-30", date(2017, 2, 1)),
        ("June 12, 2017", date(2017, 1, 1)),
        ("someday", None),
        (None, None),
    ],
)
def test_export_dates_are_read_to_the_precision_they_have(
    value: str | None, expected: date | None
) -> None:
    """ISO dates, RIS dates, years, and a year inside free text; an impossible day falls back."""
    assert parse_date(value) == expected


def test_a_library_is_read_from_its_cache_until_the_export_changes(tmp_path: Path) -> None:
    """The items read are kept in the cache file; while the export's size and modification
    time stand, they come from there (a changed cached title shows it); a touched export is
    read again."""
    export = tmp_path / "library.bib"
    export.write_bytes((LIBRARY / "library.bib").read_bytes())
    cache = tmp_path / "library-cache.json"
    first = read_library(export, cache)
    data = json.loads(cache.read_text(encoding="utf-8"))
    data["items"][0][0] = "Read from the cache"
    cache.write_text(json.dumps(data), encoding="utf-8")
    assert read_library(export, cache)[0].title == "Read from the cache"
    stat = export.stat()
    os.utime(export, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert read_library(export, cache) == first


def test_an_unreadable_library_cache_is_ignored(tmp_path: Path) -> None:
    """A cache that is no JSON (a crash, an edit) costs a reading of the export, not an error."""
    cache = tmp_path / "library-cache.json"
    cache.write_text("{not json", encoding="utf-8")
    assert read_library(LIBRARY / "library.bib", cache) == read_library(LIBRARY / "library.bib")


# --- bad library files: one line naming the file (and the line), exit 2 ---------------------


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("broken-cut.bib", "is not valid BibTeX: the entry at line 25 is cut off"),
        ("broken.json", "is not valid JSON: line 151, column 7"),
        ("broken-cut.ris", "is not valid RIS: the record at line 99 is cut off"),
    ],
)
def test_a_broken_export_is_one_line_naming_the_file_and_line(name: str, says: str) -> None:
    """A cut .bib, invalid JSON and a cut .ris are refused whole: a ConfigError (exit 2) whose
    one-line message names the file and the line the parser knows."""
    with pytest.raises(ConfigError) as info:
        read_library(LIBRARY / name)
    message = str(info.value)
    assert str(LIBRARY / name) in message and says in message
    assert "\n" not in message and info.value.exit_code == 2


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("missing.bib", None, "cannot be read"),
        ("empty.bib", "% nothing exported yet\n", "holds no item with a title"),
        ("empty.json", "[]", "holds no item with a title"),
        ("empty.ris", "\n", "holds no item with a title"),
        ("object.json", '{"items": []}', "expected a list of items, got dict"),
        ("text.ris", "this is not RIS\n", "line 1 is outside any record"),
        ("notes.txt", "x", "unknown format .txt"),
        ("latin1.bib", b"@misc{a, title = {Caf\xe9}}", "is not UTF-8 text (byte 21)"),
        ("untitled.ris", "TY  - JOUR\r\nAB  - only an abstract\r\nER  - \r\n", "no item with"),
    ],
)
def test_bad_library_files_are_one_line_config_errors(
    tmp_path: Path, name: str, text: str | bytes | None, says: str
) -> None:
    """Missing, empty, not-a-list, not-RIS, unknown suffix, not UTF-8, untitled: exit 2."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_library(path)
    assert str(path) in str(info.value) and says in str(info.value)


def test_a_folder_given_as_library_is_one_line(tmp_path: Path) -> None:
    """A directory named like an export cannot be read: a ConfigError, no traceback."""
    folder = tmp_path / "lib.bib"
    folder.mkdir()
    with pytest.raises(ConfigError, match="cannot be read"):
        read_library(folder)


# --- the profile from the settings -----------------------------------------------------------


def test_no_reader_configured_gives_no_profile(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without interests, library or Zotero there is no profile (ranking stays by upvotes)."""
    assert _load(monkeypatch) is None


def test_interests_split_on_semicolons_and_new_lines(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`;` and new lines separate topics; white space is collapsed, empties and repeats dropped."""
    profile = _load(
        monkeypatch,
        PAPERDIGEST_INTERESTS="reinforcement learning for LLM reasoning;\n medical  image "
        "segmentation ;;video reasoning\nvideo reasoning",
    )
    assert profile is not None
    assert profile.interests == (
        "reinforcement learning for LLM reasoning",
        "medical image segmentation",
        "video reasoning",
    )


@pytest.mark.parametrize("value", [";", " ; \n ; ", ";;\n;"])
def test_interests_that_are_only_separators_are_a_config_error(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """Separators without a topic are a typo, refused when the settings are read (exit 2)."""
    monkeypatch.setenv("PAPERDIGEST_INTERESTS", value)
    with pytest.raises(
        ConfigError, match=r"PAPERDIGEST_INTERESTS is invalid: .*at least one topic"
    ):
        load_settings()


def test_library_and_interests_together_make_one_profile(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library file and interests are both part of the reader, dated against the run's day."""
    profile = _load(
        monkeypatch,
        PAPERDIGEST_INTERESTS="video reasoning",
        PAPERDIGEST_LIBRARY=str(LIBRARY / "library.ris"),
    )
    assert profile is not None
    assert profile.interests == ("video reasoning",) and len(profile.library) == 8
    assert profile.today == TODAY and len(profile.texts()) == 9


# --- Zotero Web API ----------------------------------------------------------------------------


def test_zotero_library_is_read_page_by_page_without_notes_or_files(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 100 follow the Link header; notes and attachments are not references; the
    key goes in the Zotero-API-Key header with Zotero-API-Version: 3, never in the URL."""
    env.fake.zotero_key = "zotero-secret-key"
    extra = [
        {"key": f"X{n:07d}", "data": {"itemType": "preprint", "title": f"Extra paper {n}"}}
        for n in range(150)
    ]
    env.fake.zotero_items = env.fake.zotero_items + extra
    profile = _load(
        monkeypatch,
        PAPERDIGEST_ZOTERO_LIBRARY_ID="475425",
        PAPERDIGEST_ZOTERO_API_KEY="zotero-secret-key",
    )
    assert profile is not None
    assert len(profile.library) == 8 + 150
    assert profile.library[0].title == FIRST_TITLE
    assert profile.library[0].added == date(2025, 5, 10)
    assert env.fake.zotero_count == 2
    assert all(h["zotero-api-version"] == "3" for h in env.fake.zotero_headers)
    assert not [path for _, path in env.fake.requests if "secret" in path]


def test_zotero_refusing_the_key_is_a_config_error(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong key (403) is a setting to fix: ConfigError naming the settings, key not shown."""
    env.fake.zotero_key = "the-right-key"
    with pytest.raises(ConfigError) as info:
        _load(
            monkeypatch,
            PAPERDIGEST_ZOTERO_LIBRARY_ID="475425",
            PAPERDIGEST_ZOTERO_API_KEY="a-wrong-key-1234",
        )
    assert "HTTP 403" in str(info.value) and "PAPERDIGEST_ZOTERO_API_KEY" in str(info.value)
    assert "a-wrong-key-1234" not in str(info.value)


def test_an_unknown_zotero_library_is_a_config_error(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library id the API does not know (404) is exit 2, naming users/ID."""
    with pytest.raises(ConfigError, match=r"users/999 .*HTTP 404"):
        _load(monkeypatch, PAPERDIGEST_ZOTERO_LIBRARY_ID="999")


def test_zotero_5xx_is_retried_then_read(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 503 then an answer: retried like every HTTP upstream, the library is read."""
    env.fake.zotero_faults.append(503)
    profile = _load(monkeypatch, PAPERDIGEST_ZOTERO_LIBRARY_ID="475425")
    assert profile is not None and len(profile.library) == 8
    assert env.fake.zotero_count == 2


def test_zotero_down_after_retries_is_a_fetch_error(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Still 503 after every retry: FetchError (exit 1), naming the API URL."""
    env.fake.zotero_faults.extend([503] * 10)
    with pytest.raises(FetchError, match=r"items/top.*HTTP 503"):
        _load(monkeypatch, PAPERDIGEST_ZOTERO_LIBRARY_ID="475425", PAPERDIGEST_HTTP_RETRIES="2")


def test_an_empty_zotero_library_is_a_config_error(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library with only notes and files has no reader in it: exit 2."""
    env.fake.zotero_items = [i for i in env.fake.zotero_items if i["data"]["itemType"] == "note"]
    with pytest.raises(ConfigError, match="holds no item with a title"):
        _load(monkeypatch, PAPERDIGEST_ZOTERO_LIBRARY_ID="475425")


def test_the_zotero_fixture_matches_the_file_exports() -> None:
    """The Zotero fixture holds the same eight papers as the exports (plus a note and a file)."""
    items = json.loads((LIBRARY / "zotero-items.json").read_text("utf-8"))
    titles = [i["data"].get("title") for i in items if i["data"]["itemType"] == "preprint"]
    assert titles == [i.title for i in read_library(LIBRARY / "library.json")]
    assert isinstance(read_library(LIBRARY / "library.json")[0], LibraryItem)


def test_bibtex_titles_are_latex_decoded_and_abstracts_unescaped(tmp_path: Path) -> None:
    """Accents and commands in a title decode (pylatexenc); an abstract's escapes and
    grouping braces go, its text otherwise kept."""
    bib = tmp_path / "latex.bib"
    bib.write_text(
        '@misc{a, title = {{\\"U}ber {BERT} \\emph{Models}}, '
        "abstract = {Gains of 56\\% on {GLUE} \\& more.}}\n",
        encoding="utf-8",
    )
    (item,) = read_library(bib)
    assert (item.title, item.abstract) == ("Über BERT Models", "Gains of 56% on GLUE & more.")
