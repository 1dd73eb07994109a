"""``GET /posts?q=``: full text on PostgreSQL (websearch syntax, ranked), a substring on
SQLite (docs/architecture.md#search); hostile text never fails either."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microblog.data.db import db
from microblog.services import posts as post_service
from tests.api.test_bad_input import INJECTIONS
from tests.api.test_posts import write
from tests.conftest import Api, QueryCounter

POSTS = "/api/v1/posts"


def titles(client: FlaskClient, q: str, **extra: Any) -> list[str]:
    response = client.get(POSTS, query_string={"q": q, **extra})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    found = [post["title"] for post in data["items"]]
    if "total_items" in data.get("_meta", {}):
        assert data["_meta"]["total_items"] == len(found)
    return found


@pytest.fixture
def corpus(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    write(client, headers, title="old", body="Cache invalidation is hard")
    write(client, headers, title="cats", body="My cat likes the cache too")
    write(client, headers, title="phrase", body="invalidation of the cache is hard work")
    write(client, headers, title="caching", body="Caching helps")
    write(client, headers, title="Title words", body="nothing here")
    write(client, headers, title="draft", body="cache draft", published=False)


@pytest.mark.usefixtures("corpus")
def test_search_finds_words_in_title_and_body(client: FlaskClient, backend: str) -> None:
    assert titles(client, "WORDS") == ["Title words"]
    assert sorted(titles(client, "hard")) == ["old", "phrase"]
    if backend == "postgresql":
        # Whole words: "cache" is not "caching"; drafts never match.
        assert sorted(titles(client, "cache")) == ["cats", "old", "phrase"]
        assert titles(client, "cach") == []
    else:
        # A substring: "cach" and "cache" are found inside "caching" too.
        assert sorted(titles(client, "cache")) == ["cats", "old", "phrase"]
        assert sorted(titles(client, "cach")) == ["caching", "cats", "old", "phrase"]


@pytest.mark.usefixtures("corpus")
def test_postgresql_websearch_syntax(client: FlaskClient, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite searches for the text as written")
    assert sorted(titles(client, "cache hard")) == ["old", "phrase"]  # every word
    assert titles(client, '"cache invalidation"') == ["old"]  # a phrase, in order
    assert titles(client, "cache -hard") == ["cats"]  # -word excludes
    assert sorted(titles(client, "caching or words")) == ["Title words", "caching"]
    assert titles(client, "the") != []  # 'simple': no stop words


@pytest.mark.usefixtures("corpus")
def test_postgresql_ranks_best_match_first_then_newest(client: FlaskClient, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite orders matches like the rest: newest first")
    # "phrase" mentions both words, "cats" only one: more matched words rank higher.
    ranked = titles(client, "cache or invalidation")
    assert ranked[:2] == ["phrase", "old"]  # both words; equal rank: newest first
    assert ranked[2:] == ["cats"]
    # An explicit sort wins over the rank; keyset pages stay newest first.
    assert titles(client, "cache or invalidation", sort="title") == ["cats", "old", "phrase"]
    assert titles(client, "cache or invalidation", limit=10) == ["phrase", "cats", "old"]


@pytest.mark.usefixtures("corpus")
def test_search_in_keyset_mode(client: FlaskClient) -> None:
    assert titles(client, "hard", limit=1) == ["phrase"]


def test_hostile_search_text_is_never_an_error(
    client: FlaskClient, api: Api, backend: str
) -> None:
    _, headers = api.login("alice")
    write(client, headers, title="plain", body="plain text")
    hostile = [
        *INJECTIONS,
        '"',
        '"""',
        "'",
        "-",
        "--",
        "or",
        "& | ! : * ( )",
        "a & b | !c:* (d)",
        "!!!",
        "<->",
        "zzz:*",
        "\\",
        "%",
        "_",
        "😀",
        "日本語",
        "x" * 100,
        "( " * 50,
        '"' * 100,
    ]
    for q in hostile:
        for extra in ({}, {"limit": 5}, {"sort": "title"}):
            response = client.get(POSTS, query_string={"q": q, **extra})
            assert response.status_code == 200, (q, extra, response.get_json())
            assert [p["title"] for p in response.get_json()["items"]] == [], (q, extra)


def test_nul_in_search_is_400(client: FlaskClient) -> None:
    response = client.get(POSTS, query_string={"q": "a\u0000b"})
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"q"}


@pytest.mark.usefixtures("corpus")
def test_search_is_two_statements(client: FlaskClient, count_queries: QueryCounter) -> None:
    before = count_queries.count
    assert client.get(POSTS, query_string={"q": "hard"}).status_code == 200
    assert count_queries.count - before == 2  # the count and the page


def test_search_column_is_never_loaded_with_a_post(
    client: FlaskClient, api: Api, backend: str, count_queries: QueryCounter
) -> None:
    _, headers = api.login("alice")
    post = write(client, headers, title="t", body="b")
    assert (
        client.patch(f"{POSTS}/{post['id']}", json={"body": "c"}, headers=headers).status_code
        == 200
    )
    loaded = [sql for sql in count_queries.statements if "search" in sql.lower()]
    assert not loaded, loaded
    if backend == "postgresql":
        found = db.session.execute(
            db.text("SELECT search::text FROM posts WHERE id = :id"), {"id": post["id"]}
        ).scalar_one()
        assert found == "'c':2 't':1"


def test_page_mode_search_ranks_and_counts_the_newest_matches(
    api: Api, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, headers = api.login("alice")
    for n in range(5):
        write(client, headers, title=f"p{n}", body="match")
    monkeypatch.setattr(post_service, "SEARCH_WINDOW", 3)
    post_service._page_statements.cache_clear()
    post_service._keyset_statement.cache_clear()
    try:
        response = client.get(POSTS, query_string={"q": "match", "per_page": 2})
        assert response.get_json()["_meta"]["total_items"] == 3
        assert titles(client, "match") == ["p4", "p3", "p2"]
        # Keyset pages are not cut: each one is read from the window after its cursor.
        seen: list[str] = []
        url: str | None = f"{POSTS}?q=match&limit=2"
        while url:
            page = client.get(url).get_json()
            seen += [p["title"] for p in page["items"]]
            url = page["_links"].get("next")
        assert seen == ["p4", "p3", "p2", "p1", "p0"]
    finally:
        post_service._page_statements.cache_clear()
        post_service._keyset_statement.cache_clear()


def test_the_window_holds_a_whole_keyset_page(app: Flask) -> None:
    assert app.config["PER_PAGE_MAX"] + 1 < post_service.SEARCH_WINDOW
