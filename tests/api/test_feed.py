from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.test_posts import write
from tests.api.test_queries import user_rows
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


def test_feed_is_complete_on_both_sides_of_the_fan_out_limit(
    api: Api, client: FlaskClient, count_queries: Any
) -> None:
    """Up to FEED_FANOUT_MAX authors (the viewer and 63 followed) the feed merges each
    author's newest posts; from 64 followed on, one filtered scan, chosen from at most
    FEED_FANOUT_MAX followed ids read. Either way every followed author's post is in."""
    from sqlalchemy import insert

    from microblog.data.db import db
    from microblog.data.models import Post, User, follows
    from microblog.data.timeutil import utcnow
    from microblog.services.posts import FEED_FANOUT_MAX

    viewer, viewer_h = api.login("viewer")
    now = utcnow()
    rows = user_rows("author", FEED_FANOUT_MAX + 1)
    authors = db.session.execute(insert(User).returning(User.id), rows).scalars().all()
    db.session.execute(
        insert(Post),
        [
            {
                "body": f"by {uid}",
                "user_id": uid,
                "published": True,
                "created_at": now,
                "updated_at": now,
            }
            for uid in authors
        ],
    )
    db.session.commit()
    mine = write(client, viewer_h, body="mine")
    for followed in (FEED_FANOUT_MAX - 1, FEED_FANOUT_MAX, FEED_FANOUT_MAX + 1):
        db.session.execute(follows.delete())
        db.session.execute(
            insert(follows),
            [
                {"follower_id": viewer["id"], "followed_id": uid, "created_at": now}
                for uid in authors[:followed]
            ],
        )
        db.session.commit()
        count_queries.statements.clear()
        items = walk(client, "/api/v1/feed?limit=100", viewer_h)
        expected = {*authors[:followed]}
        assert {p["author"]["id"] for p in items} - {viewer["id"]} == expected, followed
        assert mine["id"] in {p["id"] for p in items}
        merged = any("UNION ALL" in sql for sql in count_queries.statements)
        assert merged == (followed < FEED_FANOUT_MAX), followed
