"""``paperdigest search`` (issue 19 §1): every stored title, abstract and summary field is
found by any substring of its text, ranked by bm25, with a marked snippet; the query is
literal text; the index follows every write and survives an upgrade from the first release."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import AppEnv
from hypothesis import given, settings
from hypothesis import strategies as st
from runhelpers import DAY, DAY_IDS, invoke, resummarized_answer, run_day

import paperdigest.store as store_module
from paperdigest.config import load_settings
from paperdigest.errors import InputError
from paperdigest.flows.search import find
from paperdigest.papers import Paper
from paperdigest.store import Store, Summary, migrations
from paperdigest.text import plain_line

# The fake model's overview of every paper says "…에 대한 overview 항목의 요약입니다".
OVERVIEW = "overview 항목의"


def _search(*args: str) -> dict[str, Any]:
    result = invoke("search", *args, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _ids(data: dict[str, Any]) -> list[str]:
    return [h["arxiv_id"] for h in data["hits"]]


@pytest.fixture
def day_stored(env: AppEnv) -> AppEnv:
    """DAY run once: 15 papers with their summaries, listed by the day's digest."""
    assert run_day().exit_code == 0
    return env


def test_a_korean_substring_across_words_finds_every_paper_that_holds_it(
    day_stored: AppEnv,
) -> None:
    """ "목의 요약" (the end of one word and the start of the next) finds all 15 summaries."""
    data = _search("목의 요약", "--limit", "50")
    assert sorted(_ids(data)) == sorted(DAY_IDS)
    assert data["ranked"] is True


def test_a_title_word_finds_its_paper_first_with_the_day_it_was_listed(day_stored: AppEnv) -> None:
    """ "Cambrian-S" is in one title: that paper, its digest's day, its stored title."""
    (hit,) = _search("Cambrian-S")["hits"]
    assert hit["arxiv_id"] == "2511.04670"
    assert hit["dates"] == [DAY]
    assert hit["title"] == "Cambrian-S: Towards Spatial Supersensing in Video"


def test_the_snippet_marks_the_match(day_stored: AppEnv) -> None:
    """Each JSON snippet's marks point at the query's text inside the snippet."""
    for hit in _search("spatial")["hits"]:
        (start, end), *_ = hit["marks"]
        assert hit["snippet"][start:end].lower() == "spatial"


def test_the_table_shows_date_id_title_and_snippet(day_stored: AppEnv) -> None:
    """Without --json: one table row per paper with its date, arXiv id, title and snippet."""
    result = invoke("search", "Cambrian-S")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "2511.04670" in line)
    assert DAY in row and "Cambrian-S" in row


def test_results_are_ranked_by_bm25_title_hits_first(env: AppEnv) -> None:
    """A paper whose title holds the query ranks above one whose abstract mentions it once."""
    store = Store(env.tmp_path / "rank.db")
    try:
        store.save_paper(
            Paper(arxiv_id="2501.00001", title="A survey", abstract="About diffusion.")
        )
        store.save_paper(Paper(arxiv_id="2501.00002", title="Diffusion models", abstract="Text."))
        hits, ranked = store.search("diffusion", None, None, 10)
    finally:
        store.close()
    assert ranked
    assert [h.arxiv_id for h in hits] == ["2501.00002", "2501.00001"]


def test_from_and_to_keep_papers_listed_on_those_days(day_stored: AppEnv) -> None:
    """A paper of 2025-11-06 is found with --from 2025-11-06 --to 2025-11-06 and not with
    --from 2025-11-07."""
    assert run_day(day="2025-11-06").exit_code == 0
    both = _search(OVERVIEW, "--limit", "100")
    only_06 = _search(OVERVIEW, "--from", "2025-11-06", "--to", "2025-11-06", "--limit", "100")
    only_07 = _search(OVERVIEW, "--from", DAY, "--limit", "100")
    assert len(_ids(both)) == 26
    assert {d for h in only_06["hits"] for d in h["dates"]} == {"2025-11-06"}
    assert sorted(_ids(only_07)) == sorted(DAY_IDS)


def test_limit_caps_the_papers_shown(day_stored: AppEnv) -> None:
    """--limit 3 shows the 3 best of the 15 papers that match."""
    assert len(_ids(_search(OVERVIEW, "--limit", "3"))) == 3


def test_no_match_prints_no_matches_and_exits_0(day_stored: AppEnv) -> None:
    """A text no paper holds: `no matches`, exit 0."""
    result = invoke("search", "존재하지 않는 문장")
    assert result.exit_code == 0
    assert result.stdout == "no matches\n"


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "\x00\x01"])
def test_an_empty_query_is_exit_2(env: AppEnv, query: str) -> None:
    """An empty query (or only white space and control characters): one line, exit 2."""
    result = invoke("search", query)
    assert result.exit_code == 2
    assert result.stderr.startswith("paperdigest: error: the search query is empty")


def test_to_before_from_is_exit_2(env: AppEnv) -> None:
    """--to before --from is bad input."""
    assert invoke("search", "video", "--from", DAY, "--to", "2025-11-06").exit_code == 2


def test_search_without_a_database_creates_none(env: AppEnv) -> None:
    """No database yet: `no matches`, and no database file is created."""
    assert invoke("search", "video").stdout == "no matches\n"
    assert not (env.out_dir / "paperdigest.db").exists()


def test_a_two_character_query_is_a_substring_scan_newest_first(day_stored: AppEnv) -> None:
    """ "핵심" (two syllables: no trigram) is found by the plain scan, unranked."""
    assert run_day(day="2025-11-06").exit_code == 0
    data = _search("핵심", "--limit", "100")
    assert data["ranked"] is False
    assert len(data["hits"]) == 26
    days = [h["dates"][-1] for h in data["hits"]]
    assert days == sorted(days, reverse=True)
    for hit in data["hits"]:
        (start, end), *_ = hit["marks"]
        assert hit["snippet"][start:end] == "핵심"


HOSTILE = ['"', '""', "*", "AND", "a OR b", "(x", "NEAR(a b)", "title:x", "^abc", "a AND (b*"]


@pytest.mark.parametrize("query", HOSTILE)
def test_fts_syntax_in_a_query_is_text_not_syntax(env: AppEnv, query: str) -> None:
    """FTS5 syntax characters and words in a query are looked for literally: a title that
    holds them is found, and nothing raises."""
    store = Store(env.tmp_path / "hostile.db")
    try:
        store.save_paper(Paper(arxiv_id="2501.00009", title=f"x {query} y", abstract="z"))
        store.save_paper(Paper(arxiv_id="2501.00010", title="nothing here", abstract="z"))
        hits, _ = store.search(query, None, None, 10)
    finally:
        store.close()
    assert [h.arxiv_id for h in hits] == ["2501.00009"]


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)


@pytest.fixture(scope="module")
def prop_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for the property tests (a database per example would be slow)."""
    store = Store(tmp_path_factory.mktemp("prop") / "prop.db")
    yield store
    store.close()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_TEXT)
def test_any_query_is_answered_without_error(
    tmp_path_factory: pytest.TempPathFactory, q: str
) -> None:
    """Whatever the text, `find` returns hits or raises InputError (empty query): no
    other exception."""
    db = tmp_path_factory.getbasetemp() / "any.db"
    if not db.exists():
        Store(db).close()
    try:
        result = find(load_settings(db=db), None, None, q)
    except InputError:
        assert plain_line(q) == ""
    else:
        assert result.query == plain_line(q)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_TEXT)
def test_any_stored_text_is_found_by_itself(prop_store: Store, q: str) -> None:
    """A title holding any text (FTS syntax, Korean, symbols, one character) is found by a
    search for that text."""
    q = plain_line(q)
    if not q:
        return
    arxiv_id = f"2501.{zlib.crc32(q.encode()) % 100_000:05d}"
    prop_store.save_paper(Paper(arxiv_id=arxiv_id, title=f"[{q}]", abstract="-"))
    hits, _ = prop_store.search(q, None, None, 10_000)
    assert arxiv_id in [h.arxiv_id for h in hits]


def test_a_resummarized_paper_is_found_by_its_new_text_only(day_stored: AppEnv) -> None:
    """After `resummarize` replaces a summary (same key), the paper is found by its new text
    and no longer by the old one."""
    day_stored.fake.chat_handler = resummarized_answer
    assert invoke("resummarize", "2511.04460").exit_code == 0
    assert _ids(_search("다시 요약한")) == ["2511.04460"]
    assert "2511.04460" not in _ids(_search("2511.04460에 대한"))


def _vocabulary(db: Path) -> list[tuple[Any, ...]]:
    """Every (term, document, column, offset) the index holds."""
    con = sqlite3.connect(db)
    try:
        con.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, search_index, instance)")
        return sorted(con.execute("SELECT term, doc, col, offset FROM temp.v"))
    finally:
        con.close()


def test_the_index_kept_by_the_triggers_equals_one_built_afresh(day_stored: AppEnv) -> None:
    """After runs, a resummarize, a replaced paper record and deleted rows written by plain
    SQL, the index holds exactly what an index built from the stored text now holds."""
    day_stored.fake.chat_handler = resummarized_answer
    assert invoke("resummarize", "2511.04460").exit_code == 0
    assert run_day(day="2025-11-06").exit_code == 0
    db = day_stored.out_dir / "paperdigest.db"
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM summaries WHERE arxiv_id = ?", (DAY_IDS[0],))
        con.execute("DELETE FROM papers WHERE arxiv_id = ?", (DAY_IDS[1],))
        con.execute(
            'UPDATE summaries SET content = \'{"gist": "바뀐 요지"}\' WHERE arxiv_id = ?',
            (DAY_IDS[2],),
        )
    con.close()
    fresh = day_stored.tmp_path / "fresh.db"
    shutil.copyfile(db, fresh)
    con = sqlite3.connect(fresh)
    with con:  # a new, empty index (the old one's entries gone with its table), then filled
        con.execute("DROP TABLE search_index")
        con.execute(migrations._SEARCH_INDEX[0])
        con.execute(migrations._SEARCH_INDEX[-1])
    con.close()
    assert _vocabulary(db) == _vocabulary(fresh)
    assert _ids(_search("바뀐 요지")) == [DAY_IDS[2]]


def test_a_row_written_by_another_program_is_indexed(env: AppEnv) -> None:
    """The triggers index a summary inserted by plain SQL, not only through the Store."""
    db = env.tmp_path / "sql.db"
    Store(db).close()
    con = sqlite3.connect(db)
    with con:
        con.execute(
            "INSERT INTO summaries (arxiv_id, schema, prompt_hash, model, content, source_kind, "
            "source_tokens, prompt_tokens, completion_tokens, attempts, unverified, created_at) "
            "VALUES ('2501.00003', 'seven', 'h', 'm', '{\"gist\": \"손으로 넣은 요약\"}', "
            "'abstract', 0, 0, 0, '[]', '[]', 'now')"
        )
    con.close()
    store = Store(db)
    try:
        hits, _ = store.search("넣은 요약", None, None, 5)
    finally:
        store.close()
    assert [h.arxiv_id for h in hits] == ["2501.00003"]


def test_summaries_are_searchable_as_soon_as_they_are_stored(env: AppEnv) -> None:
    """A summary saved through the store is found at once, by any of its text fields."""
    store = Store(env.tmp_path / "s.db")
    try:
        store.save_summary(
            Summary(
                "2501.00004",
                "gmr",
                "h",
                "m",
                {"goal": "목표 문장", "gist": "요지 문장"},
                "abstract",
                0,
            )
        )
        found = [store.search(q, None, None, 5)[0] for q in ("목표 문", "요지 문")]
    finally:
        store.close()
    assert [[h.arxiv_id for h in hits] for hits in found] == [["2501.00004"]] * 2


def test_without_the_trigram_tokenizer_search_scans_and_says_so(env: AppEnv) -> None:
    """An SQLite without the trigram tokenizer: the migration makes no index, search scans
    with a one-line note and exit 0; once SQLite has the tokenizer, the index is built."""
    with pytest.MonkeyPatch.context() as old_sqlite:
        for module in (migrations, store_module):
            old_sqlite.setattr(module, "trigram_available", lambda db: False)
        assert run_day().exit_code == 0
        con = sqlite3.connect(env.out_dir / "paperdigest.db")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        con.close()
        assert "search_index" not in tables
        result = invoke("search", "Cambrian-S", "--json")
        assert result.exit_code == 0
        assert "has no FTS5 trigram tokenizer (SQLite 3.34 or later has)" in result.stderr
        assert _ids(json.loads(result.stdout)) == ["2511.04670"]
    data = _search("Cambrian-S")
    assert data["ranked"] is True and _ids(data) == ["2511.04670"]


def test_the_table_shows_the_match_in_reverse_video(day_stored: AppEnv) -> None:
    """On a terminal the snippet's match is bold reverse video (seen without colour) and
    the rest of the snippet plain."""
    from rich.console import Console

    from paperdigest.flows.search import hits_table

    result = find(load_settings(output_dir=day_stored.out_dir), None, None, "Cambrian-S")
    console = Console(force_terminal=True, color_system="standard", width=200)
    with console.capture() as captured:
        console.print(hits_table(result))
    assert "\x1b[1;7mCambrian-S\x1b[0m" in captured.get()
