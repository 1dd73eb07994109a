from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from microblog.data.db import db
from microblog.data.models import Post, User
from tests.conftest import Api, bearer

POST_FIELDS = {"id", "title", "body", "published", "created_at", "updated_at", "author", "_links"}


def write(client: FlaskClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("body", "hello world")
    response = client.post("/api/v1/posts", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def test_create_post(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    response = client.post(
        "/api/v1/posts", json={"title": "First", "body": "Hello!"}, headers=headers
    )
    assert response.status_code == 201
    post = response.get_json()
    assert set(post) == POST_FIELDS
    assert response.headers["Location"].endswith(f"/api/v1/posts/{post['id']}")
    assert post["published"] is True
    assert post["author"]["id"] == alice["id"]
    assert post["author"]["username"] == "alice"
    assert post["author"]["_links"]["self"] == f"/api/v1/users/{alice['id']}"
    assert post["_links"]["self"] == f"/api/v1/posts/{post['id']}"
    assert client.get(f"/api/v1/users/{alice['id']}").get_json()["post_count"] == 1


def test_create_post_requires_auth(client: FlaskClient) -> None:
    response = client.post("/api/v1/posts", json={"body": "x"})
    assert response.status_code == 401
    assert db.session.query(Post).count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": "x" * 10_001},
        {"body": 5},
        {"body": "x", "title": "t" * 201},
        {"body": "x", "published": "yes"},
        {"body": "x", "published": 1},
        {"body": "x", "author": 2},
        {"body": "x\u0000y"},
    ],
)
def test_create_post_bad_input(api: Api, client: FlaskClient, body: dict[str, Any]) -> None:
    _, headers = api.login("alice")
    response = client.post("/api/v1/posts", json=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["errors"]
    assert db.session.query(Post).count() == 0


def test_drafts_are_invisible_to_others(api: Api, client: FlaskClient) -> None:
    alice, alice_h = api.login("alice")
    _, bob_h = api.login("bob")
    draft = write(client, alice_h, body="secret", published=False)
    url = f"/api/v1/posts/{draft['id']}"
    assert client.get(url, headers=alice_h).status_code == 200
    assert client.get(url).status_code == 404
    assert client.get(url, headers=bob_h).status_code == 404
    assert client.put(url, json={"body": "x"}, headers=bob_h).status_code == 404
    assert client.delete(url, headers=bob_h).status_code == 404
    assert client.get("/api/v1/posts").get_json()["items"] == []
    mine = client.get(f"/api/v1/users/{alice['id']}/posts", headers=alice_h).get_json()
    assert [p["id"] for p in mine["items"]] == [draft["id"]]
    theirs = client.get(f"/api/v1/users/{alice['id']}/posts", headers=bob_h).get_json()
    assert theirs["items"] == []
    assert client.get(f"/api/v1/users/{alice['id']}").get_json()["post_count"] == 0


def test_admin_sees_drafts_and_deletes_any_post(api: Api, client: FlaskClient) -> None:
    _, alice_h = api.login("alice")
    admin = api.register("admin")
    db.session.query(User).filter_by(id=admin["id"]).update({"role": "admin"})
    db.session.commit()
    admin_h = bearer(api.token(admin))
    draft = write(client, alice_h, published=False)
    url = f"/api/v1/posts/{draft['id']}"
    assert client.get(url, headers=admin_h).status_code == 200
    assert client.patch(url, json={"body": "x"}, headers=admin_h).status_code == 403
    assert client.delete(url, headers=admin_h).status_code == 204
    assert db.session.query(Post).count() == 0


def test_only_author_edits(api: Api, client: FlaskClient) -> None:
    _, alice_h = api.login("alice")
    _, bob_h = api.login("bob")
    post = write(client, alice_h, body="original")
    url = f"/api/v1/posts/{post['id']}"
    assert client.put(url, json={"body": "hacked"}, headers=bob_h).status_code == 403
    assert client.delete(url, headers=bob_h).status_code == 403
    assert client.get(url).get_json()["body"] == "original"
    response = client.patch(url, json={"title": "New", "published": False}, headers=alice_h)
    assert response.status_code == 200
    edited = response.get_json()
    assert edited["title"] == "New"
    assert edited["body"] == "original"
    assert edited["published"] is False
    assert edited["updated_at"] >= edited["created_at"]
    assert client.delete(url, headers=alice_h).status_code == 204
    assert client.get(url, headers=alice_h).status_code == 404


def test_null_body_is_rejected_on_update(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    post = write(client, headers)
    response = client.patch(f"/api/v1/posts/{post['id']}", json={"body": None}, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"body": ["Field may not be null."]}


def test_list_filters_and_sort(api: Api, client: FlaskClient) -> None:
    alice, alice_h = api.login("alice")
    bob, bob_h = api.login("bob")
    a1 = write(client, alice_h, title="Banana", body="about fruit")
    b1 = write(client, bob_h, title="Apple", body="more FRUIT")
    a2 = write(client, alice_h, title="Cherry", body="nothing")

    def ids(url: str) -> list[int]:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        return [p["id"] for p in response.get_json()["items"]]

    assert ids("/api/v1/posts") == [a2["id"], b1["id"], a1["id"]]
    assert ids(f"/api/v1/posts?author={alice['id']}") == [a2["id"], a1["id"]]
    assert ids("/api/v1/posts?q=fruit") == [b1["id"], a1["id"]]
    assert ids("/api/v1/posts?sort=title") == [b1["id"], a1["id"], a2["id"]]
    assert ids("/api/v1/posts?sort=created_at") == [a1["id"], b1["id"], a2["id"]]
    assert ids(f"/api/v1/posts?since={a2['created_at']}") == [a2["id"]]
    assert ids("/api/v1/posts?since=2000-01-01T00:00:00%2B02:00") == ids("/api/v1/posts")
    assert ids(f"/api/v1/users/{bob['id']}/posts") == [b1["id"]]


@pytest.mark.parametrize(
    "query",
    ["since=yesterday", "since=2024-13-01", "author=abc", "author=0", "sort=body", "sort=-id",
     "limit=0", "limit=x", "page=1&cursor=abc", "cursor=abc", "limit=5&sort=title"],
)  # fmt: skip
def test_list_bad_query_is_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/v1/posts?{query}")
    assert response.status_code == 400, query
    assert response.get_json()["errors"]


def test_unknown_user_posts_is_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/users/4242/posts").status_code == 404


def test_keyset_pages_through_posts(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    made = [write(client, headers, body=f"post {i}")["id"] for i in range(7)]
    seen: list[int] = []
    url: str | None = "/api/v1/posts?limit=3"
    pages = 0
    while url:
        body = client.get(url).get_json()
        assert set(body["_meta"]) == {"limit", "next_cursor"}
        seen += [p["id"] for p in body["items"]]
        url = body["_links"]["next"]
        pages += 1
    assert seen == list(reversed(made))
    assert pages == 3


def test_forged_cursor_is_rejected(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    for i in range(3):
        write(client, headers, body=f"p{i}")
    cursor = client.get("/api/v1/posts?limit=1").get_json()["_meta"]["next_cursor"]
    assert client.get(f"/api/v1/posts?cursor={cursor}").status_code == 200
    head, _, sig = cursor.rpartition(".")
    forged = head + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    response = client.get(f"/api/v1/posts?cursor={forged}")
    assert response.status_code == 400
    assert "cursor" in response.get_json()["errors"]


def test_total_of_published_posts_follows_every_kind_of_write(
    api: Api, client: FlaskClient
) -> None:
    """The unfiltered total comes from trigger-kept counts: check it against a real
    count(*) after creates, drafts, publishing, unpublishing, deletes and a user's deletion."""

    def totals() -> tuple[int, int]:
        reported = client.get("/api/v1/posts").get_json()["_meta"]["total_items"]
        actual = db.session.query(Post).filter(Post.published.is_(True)).count()
        db.session.rollback()
        return reported, actual

    alice, alice_h = api.login("alice")
    _, bob_h = api.login("bob")
    posts = [write(client, alice_h, body=f"a{i}") for i in range(5)]
    draft = write(client, alice_h, body="draft", published=False)
    for i in range(3):
        write(client, bob_h, body=f"b{i}")
    assert totals() == (8, 8)
    client.patch(f"/api/v1/posts/{draft['id']}", json={"published": True}, headers=alice_h)
    client.patch(f"/api/v1/posts/{posts[0]['id']}", json={"published": False}, headers=alice_h)
    client.patch(f"/api/v1/posts/{posts[1]['id']}", json={"title": "same state"}, headers=alice_h)
    assert totals() == (8, 8)
    client.delete(f"/api/v1/posts/{posts[2]['id']}", headers=alice_h)
    assert totals() == (7, 7)
    client.delete(f"/api/v1/users/{alice['id']}", headers=alice_h)
    assert totals() == (3, 3)
