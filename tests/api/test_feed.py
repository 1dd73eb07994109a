from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.test_posts import write
from tests.conftest import Api


def walk(client: FlaskClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        next_url = body["_links"]["next"]
    return items


def test_feed_has_own_and_followed_published_posts(api: Api, client: FlaskClient) -> None:
    _, alice_h = api.login("alice")
    bob, bob_h = api.login("bob")
    _, carol_h = api.login("carol")
    client.post(f"/api/v1/me/following/{bob['id']}", headers=alice_h)
    mine = write(client, alice_h, body="mine")
    bobs = write(client, bob_h, body="bob's")
    write(client, bob_h, body="bob's draft", published=False)
    write(client, carol_h, body="carol's")
    feed = client.get("/api/v1/feed", headers=alice_h)
    assert feed.status_code == 200
    body = feed.get_json()
    assert [p["id"] for p in body["items"]] == [bobs["id"], mine["id"]]
    assert body["_meta"] == {"limit": 10, "next_cursor": None}


def test_feed_requires_auth(client: FlaskClient) -> None:
    response = client.get("/api/v1/feed")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_feed_pages_without_gaps_or_repeats_while_posts_arrive(
    api: Api, client: FlaskClient
) -> None:
    _, alice_h = api.login("alice")
    bob, bob_h = api.login("bob")
    client.post(f"/api/v1/me/following/{bob['id']}", headers=alice_h)
    before = [write(client, bob_h if i % 2 else alice_h, body=f"p{i}")["id"] for i in range(25)]

    seen: list[int] = []
    url: str | None = "/api/v1/feed?limit=4"
    arrivals = 0
    while url:
        body = client.get(url, headers=alice_h).get_json()
        seen += [p["id"] for p in body["items"]]
        url = body["_links"]["next"]
        # New posts land between page requests; they are newer than the cursor.
        write(client, bob_h, body=f"late {arrivals}")
        arrivals += 1
    assert seen == sorted(before, reverse=True)
    assert len(seen) == len(set(seen))


def test_feed_limit_is_clamped(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    body = client.get("/api/v1/feed?limit=500", headers=headers).get_json()
    assert body["_meta"]["limit"] == 100
