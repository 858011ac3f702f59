"""The relevance score (issue 18 §2): the combination rule and the recency weights (pure),
BM25 through SQLite FTS5 when no embedding model is set, and the embedding flow against the
fake server's /v1/embeddings (a hashed bag of words, so texts sharing words are similar):
batched requests, stored per (arXiv id, model) and per content hash, errors before any chat
call."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from conftest import AppEnv

from paperdigest.config import load_settings
from paperdigest.errors import ConfigError, FetchError
from paperdigest.flows.filters import ranked
from paperdigest.flows.rank import rank_papers
from paperdigest.papers import Paper
from paperdigest.records import Relevance
from paperdigest.relevance.lexical import lexical_similarity
from paperdigest.relevance.score import TOP_K, combine, recency_weights
from paperdigest.sources.hf import parse_daily_list
from paperdigest.sources.library import LibraryItem, read_library
from paperdigest.sources.profile import Profile
from paperdigest.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2025, 11, 7)
DAY = parse_daily_list(json.loads((FIXTURES / "hf" / "2025-11-07.json").read_text("utf-8"))).papers
LIBRARY = tuple(read_library(FIXTURES / "library" / "library.json"))


def _item(title: str, days_old: int | None = None) -> LibraryItem:
    added = TODAY - timedelta(days=days_old) if days_old is not None else None
    return LibraryItem(title, added=added)


# --- recency weights -------------------------------------------------------------------------


def test_an_item_one_half_life_old_weighs_half() -> None:
    """Weights halve every half-life: new 1, one half-life 0.5, two 0.25; the future counts
    as today."""
    items = [_item("a", 0), _item("b", 365), _item("c", 730), _item("d", -10)]
    assert recency_weights(items, TODAY, 365).tolist() == [1.0, 0.5, 0.25, 1.0]


def test_undated_items_weigh_as_the_median_dated_item() -> None:
    """An item without a date is neither favoured nor dropped: the median dated weight."""
    items = [_item("a", 0), _item("b", 365), _item("c", 730), _item("x")]
    assert recency_weights(items, TODAY, 365)[3] == 0.5


def test_a_library_without_dates_weighs_every_item_fully() -> None:
    """No dates at all: every item weighs 1 (the rule reduces to a plain top-K mean)."""
    assert recency_weights([_item("a"), _item("b")], TODAY, 365).tolist() == [1.0, 1.0]


def test_an_issued_date_stands_in_for_a_missing_added_date() -> None:
    """An item with only a publication date is aged from it."""
    item = LibraryItem("old", issued=TODAY - timedelta(days=365))
    assert recency_weights([item], TODAY, 365).tolist() == [0.5]


# --- the combination rule ---------------------------------------------------------------------


def test_the_closest_interest_gives_the_score_and_the_reason() -> None:
    """Interests: the maximum similarity, and the phrase that gave it."""
    sims = np.array([[0.2, 0.7], [0.4, 0.1]], dtype=np.float32)
    out = combine(["video reasoning", "RL"], sims, [], np.zeros((2, 0)), np.zeros(0))
    assert out[0] == Relevance(pytest.approx(0.7), "RL", "interest")
    assert out[1].why == "video reasoning"


def test_one_stray_library_item_moves_the_score_by_at_most_one_kth() -> None:
    """A paper identical to one item and unrelated to the rest scores 1/TOP_K."""
    library = [_item(f"t{n}", 0) for n in range(10)]
    sims = np.zeros((1, 10), dtype=np.float32)
    sims[0, 3] = 1.0
    (out,) = combine([], np.zeros((1, 0)), library, sims, np.ones(10))
    assert out.score == pytest.approx(1 / TOP_K) and out.why == "t3"


def test_a_library_of_one_date_gives_the_mean_of_the_top_k() -> None:
    """Equal weights: the library score is the mean of the K best similarities."""
    library = [_item(f"t{n}", 30) for n in range(7)]
    row = np.array([[0.9, 0.8, 0.1, 0.7, 0.6, 0.5, 0.0]], dtype=np.float32)
    weights = recency_weights(library, TODAY, 365)
    (out,) = combine([], np.zeros((1, 0)), library, row, weights)
    assert out.score == pytest.approx((0.9 + 0.8 + 0.7 + 0.6 + 0.5) / 5, abs=1e-6)


def test_a_topic_of_new_items_outranks_the_same_topic_of_old_items() -> None:
    """Two papers, each as close to five items: the one whose items are new scores higher,
    and the newest-items paper scores 1."""
    library = [_item(f"new{n}", 0) for n in range(5)] + [_item(f"old{n}", 730) for n in range(5)]
    sims = np.zeros((2, 10), dtype=np.float32)
    sims[0, :5] = 1.0
    sims[1, 5:] = 1.0
    weights = recency_weights(library, TODAY, 365)
    new, old = combine([], np.zeros((2, 0)), library, sims, weights)
    assert new.score == pytest.approx(1.0) and old.score == pytest.approx(0.25)


def test_the_score_is_the_larger_of_interests_and_library_ties_to_the_interest() -> None:
    """max(I, L); an equal pair names the interest the reader wrote."""
    library = [_item("item", 0)]
    out = combine(
        ["topic"],
        np.array([[0.3], [0.6]], dtype=np.float32),
        library,
        np.array([[0.5], [0.6]], dtype=np.float32),
        np.ones(1),
    )
    assert (out[0].score, out[0].source) == (pytest.approx(0.5), "library")
    assert (out[1].score, out[1].why) == (pytest.approx(0.6), "topic")


def test_nothing_similar_gives_zero_and_no_reason() -> None:
    """A paper similar to nothing scores 0 with no reason to show."""
    (out,) = combine(["x"], np.zeros((1, 1)), [], np.zeros((1, 0)), np.zeros(0))
    assert out == Relevance(0.0, None, None)


def test_relevance_ties_fall_back_to_upvotes() -> None:
    """Equal scores order by upvotes, then list order."""
    papers = [
        Paper(arxiv_id="2511.00001", title="a", abstract="", upvotes=3),
        Paper(arxiv_id="2511.00002", title="b", abstract="", upvotes=9),
        Paper(arxiv_id="2511.00003", title="c", abstract="", upvotes=1),
    ]
    rel = {
        "2511.00001": Relevance(0.5, "x", "interest"),
        "2511.00002": Relevance(0.5, "x", "interest"),
        "2511.00003": Relevance(0.9, "x", "interest"),
    }
    assert [p.arxiv_id for p in ranked(papers, rel)] == [
        "2511.00003",
        "2511.00002",
        "2511.00001",
    ]


# --- lexical (BM25, FTS5) ---------------------------------------------------------------------


def test_bm25_finds_the_paper_an_interest_names() -> None:
    """Among the 15 recorded papers, "humanoid robot soccer" is closest to the soccer paper."""
    texts = [f"{p.title}\n\n{p.abstract}" for p in DAY]
    sims = lexical_similarity(texts, ["humanoid robot soccer"])
    assert DAY[int(np.argmax(sims[:, 0]))].arxiv_id == "2511.03996"
    assert 0 < sims.max() < 1


def test_bm25_reads_fts_syntax_in_a_profile_text_literally() -> None:
    """Quotes, stars, AND, NEAR and parentheses in an interest are words, never FTS syntax."""
    sims = lexical_similarity(["video AND robots"], ['"video* AND (robots) NEAR/2 -x'])
    assert sims[0, 0] > 0


def test_bm25_is_fts5s_own_score_of_the_texts_terms() -> None:
    """Each similarity is FTS5's bm25() for the query OR-ing the profile text's terms (per
    term, mapped to 0-1): the matrix form computes what SQLite's own ranking function does."""
    texts = [f"{p.title}\n\n{p.abstract}" for p in DAY]
    queries = ["humanoid robot soccer", "video generation as multimodal reasoning"]
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE papers USING fts5(body, tokenize = 'porter unicode61 "
        "remove_diacritics 2')"
    )
    db.executemany("INSERT INTO papers (rowid, body) VALUES (?, ?)", enumerate(texts, 1))
    expected = np.zeros((len(texts), len(queries)))
    for column, query in enumerate(queries):
        words = query.split()
        match = " OR ".join(f'"{w}"' for w in words)
        for row, score in db.execute(
            "SELECT rowid, -bm25(papers) FROM papers WHERE papers MATCH ?", (match,)
        ):
            per_term = score / len(words)
            expected[row - 1, column] = per_term / (per_term + 1)
    db.close()
    assert lexical_similarity(texts, queries) == pytest.approx(expected, abs=1e-6)


def test_bm25_of_texts_sharing_no_word_is_zero() -> None:
    """No shared word: similarity 0."""
    assert lexical_similarity(["alpha beta"], ["gamma delta"]).tolist() == [[0.0]]


# --- the embedding flow against the fake server -------------------------------------------------


def _rank(
    env: AppEnv,
    profile: Profile,
    papers: list[Paper] | None = None,
    **settings_env: str,
) -> dict[str, Relevance]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in settings_env.items():
            mp.setenv(name, value)
        settings = load_settings()
    store = Store(settings.db_path)
    try:
        return asyncio.run(rank_papers(settings, store, profile, papers or DAY))
    finally:
        store.close()


READER = Profile(("video generation as multimodal reasoning",), LIBRARY, TODAY)


def test_a_first_run_asks_two_embedding_requests_and_a_rerun_none(env: AppEnv) -> None:
    """Profile texts and the day's papers: one request each; the rerun reads the store."""
    first = _rank(env, READER)
    assert env.fake.embedding_count == 2
    assert [len(r["input"]) for r in env.fake.embedding_requests] == [1 + 8, 15]
    assert all(r["model"] == "text-embedding-3-small" for r in env.fake.embedding_requests)
    again = _rank(env, READER)
    assert env.fake.embedding_count == 2
    assert again == first


def test_the_ranking_follows_the_readers_interest_and_library(env: AppEnv) -> None:
    """With the fake's bag-of-words vectors, the interest's own paper (Thinking with Video)
    ranks first and names the interest; every score lies in 0–1."""
    result = _rank(env, READER)
    order = ranked(DAY, result)
    assert order[0].arxiv_id == "2511.04570"
    assert result["2511.04570"].why == "video generation as multimodal reasoning"
    assert all(0 <= r.score <= 1 for r in result.values())


def test_library_reasons_are_item_titles(env: AppEnv) -> None:
    """Without interests, the reason is the title of the closest library item."""
    result = _rank(env, Profile((), LIBRARY, TODAY))
    titles = {item.title for item in LIBRARY}
    assert all(r.why in titles and r.source == "library" for r in result.values() if r.score)


def test_an_edited_library_item_alone_is_embedded_anew(env: AppEnv) -> None:
    """Library texts are stored by content hash: a changed abstract costs one input."""
    _rank(env, READER)
    edited = (LibraryItem(LIBRARY[0].title, "A new abstract."), *LIBRARY[1:])
    _rank(env, Profile(READER.interests, edited, TODAY))
    assert env.fake.embedding_count == 3
    assert env.fake.embedding_requests[-1]["input"] == [f"{LIBRARY[0].title} A new abstract."]


def test_vectors_are_stored_per_embedding_model(env: AppEnv) -> None:
    """Another embedding model embeds everything again; both sets stay stored."""
    _rank(env, READER)
    _rank(env, READER, PAPERDIGEST_EMBEDDING_MODEL="fake-embedding")
    assert env.fake.embedding_count == 4
    store = Store(load_settings().db_path)
    try:
        for model in ("text-embedding-3-small", "fake-embedding"):
            assert set(store.get_embeddings("paper", model, [p.arxiv_id for p in DAY])) == {
                p.arxiv_id for p in DAY
            }
    finally:
        store.close()


def test_an_unknown_embedding_model_is_a_config_error_before_any_chat_call(env: AppEnv) -> None:
    """404 model_not_found: one-line ConfigError (exit 2) naming the model; no chat call."""
    with pytest.raises(ConfigError) as info:
        _rank(env, READER, PAPERDIGEST_EMBEDDING_MODEL="no-such-embedder")
    assert "'no-such-embedder'" in str(info.value) and "HTTP 404" in str(info.value)
    assert info.value.exit_code == 2 and env.fake.chat_count == 0


def test_a_server_without_the_embeddings_endpoint_is_a_config_error(env: AppEnv) -> None:
    """A 404 of the route itself is the same setting to fix, with the server's own words."""
    env.fake.embedding_faults.append("no_endpoint")
    with pytest.raises(ConfigError, match=r"no embeddings endpoint .*Not Found"):
        _rank(env, READER)
    assert env.fake.embedding_count == 1


def test_a_refused_embedding_key_is_a_config_error(env: AppEnv) -> None:
    """401: the key is refused, and the message says which setting holds it."""
    env.fake.embedding_faults.append("http_401")
    with pytest.raises(ConfigError, match=r"refused the key .*PAPERDIGEST_EMBEDDING_API_KEY"):
        _rank(env, READER)


def test_a_transient_embedding_error_is_retried_by_the_openai_client(env: AppEnv) -> None:
    """503 then an answer: the openai client's own retry (one layer) gets the vectors."""
    env.fake.embedding_faults.append("http_503")
    result = _rank(env, READER)
    assert env.fake.embedding_count == 3 and len(result) == 15


def test_an_embedding_server_down_after_retries_is_a_fetch_error(env: AppEnv) -> None:
    """Still 500 after the client's retries: FetchError (exit 1) naming the endpoint."""
    env.fake.embedding_faults.extend(["http_500"] * 3)
    with pytest.raises(FetchError, match="/v1/embeddings failed: HTTP 500"):
        _rank(env, READER, PAPERDIGEST_MODEL_MAX_RETRIES="2")
    assert env.fake.embedding_count == 3


def test_the_embedding_server_and_key_can_differ_from_the_chat_clients(env: AppEnv) -> None:
    """EMBEDDING_BASE_URL/EMBEDDING_API_KEY are used when set (the fake checks no key; the
    request reaches the server named)."""
    _rank(
        env,
        READER,
        PAPERDIGEST_EMBEDDING_BASE_URL=f"{env.base_url}/v1",
        PAPERDIGEST_EMBEDDING_API_KEY="sk-embed-0123456789",
    )
    assert env.fake.embedding_count == 2


def test_lexical_ranking_sends_no_request(env: AppEnv) -> None:
    """PAPERDIGEST_EMBEDDING_MODEL=none ranks by BM25 with no embedding request at all."""
    result = _rank(
        env, Profile(("humanoid robot soccer",), (), TODAY), PAPERDIGEST_EMBEDDING_MODEL="none"
    )
    assert env.fake.embedding_count == 0
    assert ranked(DAY, result)[0].arxiv_id == "2511.03996"
