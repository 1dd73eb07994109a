"""SQL statement counts: collections cost a fixed number of statements, not one per row."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import insert

from microblog.data.db import db
from microblog.data.models import Post, User, follows
from microblog.data.timeutil import utcnow
from tests.conftest import Api


def user_rows(prefix: str, count: int) -> list[dict[str, Any]]:
    """``count`` users' rows for a bulk insert (no password anyone can use)."""
    now = utcnow()
    return [
        {
            "username": f"{prefix}{i}",
            "email": f"{prefix}{i}@example.com",
            "password_hash": "x",
            "about_me": "",
            "role": "user",
            "is_active": True,
            "created_at": now,
            "last_seen": now,
        }
        for i in range(count)
    ]


def _bulk_users(count: int) -> None:
    now = utcnow()
    db.session.execute(insert(User), user_rows("bulk", count))
    ids = [row.id for row in db.session.query(User.id).order_by(User.id)]
    db.session.execute(
        insert(Post),
        [
            {"body": "hi", "user_id": uid, "published": True, "created_at": now, "updated_at": now}
            for uid in ids[:50]
        ],
    )
    db.session.execute(
        insert(follows),
        [{"follower_id": a, "followed_id": b, "created_at": now} for a, b in pairwise(ids)],
    )
    db.session.commit()


def _statements(client: FlaskClient, counter: Any, url: str, **kwargs: Any) -> int:
    before = counter.count
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_json()
    return int(counter.count - before)


def test_user_page_statement_count_does_not_grow(client: FlaskClient, count_queries: Any) -> None:
    _bulk_users(120)
    small = _statements(client, count_queries, "/api/v1/users?per_page=10")
    large = _statements(client, count_queries, "/api/v1/users?per_page=100")
    assert large <= 3
    assert large == small


def test_user_page_counts_are_right_without_n_plus_1(
    client: FlaskClient, count_queries: Any
) -> None:
    _bulk_users(120)
    body = client.get("/api/v1/users?per_page=100").get_json()
    first, second = body["items"][0], body["items"][1]
    assert first["post_count"] == 1
    assert first["following_count"] == first["followed_count"] == 1
    assert first["follower_count"] == 0
    assert second["follower_count"] == 1


def test_single_user_and_me_statement_counts(
    api: Api, client: FlaskClient, count_queries: Any
) -> None:
    alice, headers = api.login("alice")
    client.get("/api/v1/me", headers=headers)  # may refresh last_seen once
    assert _statements(client, count_queries, f"/api/v1/users/{alice['id']}") == 1
    # one to authenticate the token, one to read the user with its counts
    assert _statements(client, count_queries, "/api/v1/me", headers=headers) == 2


def _bulk_posts_and_follows(count: int) -> int:
    """``count`` users who all follow user 1 and whom user 1 follows, each with 2 posts."""
    _bulk_users(count)
    now = utcnow()
    ids = [row.id for row in db.session.query(User.id).order_by(User.id)]
    first = ids[0]
    db.session.execute(follows.delete())
    db.session.execute(
        insert(follows),
        [{"follower_id": uid, "followed_id": first, "created_at": now} for uid in ids[1:]]
        + [{"follower_id": first, "followed_id": uid, "created_at": now} for uid in ids[1:]],
    )
    db.session.execute(
        insert(Post),
        [
            {"body": "x", "user_id": uid, "published": True, "created_at": now, "updated_at": now}
            for uid in ids
        ],
    )
    db.session.commit()
    return first


def test_collection_statement_counts_are_flat(
    api: Api, client: FlaskClient, count_queries: Any
) -> None:
    uid = _bulk_posts_and_follows(120)
    reader, headers = api.login("reader")
    db.session.execute(
        insert(follows),
        [
            {"follower_id": reader["id"], "followed_id": other, "created_at": utcnow()}
            for (other,) in db.session.query(User.id).filter(User.id != reader["id"])
        ],
    )
    db.session.commit()
    for i in range(120):
        client.post("/api/v1/tasks", json={"title": f"t{i}"}, headers=headers)
    client.get("/api/v1/me", headers=headers)  # settle last_seen
    feed = client.get("/api/v1/feed?limit=100", headers=headers).get_json()
    assert len(feed["items"]) == 100
    cases = {
        "posts page": ("/api/v1/posts?per_page={n}", {}),
        "posts keyset": ("/api/v1/posts?limit={n}", {}),
        "user posts": (f"/api/v1/users/{uid}/posts?per_page={{n}}", {}),
        "followers": (f"/api/v1/users/{uid}/followers?per_page={{n}}", {}),
        "following": (f"/api/v1/users/{uid}/following?per_page={{n}}", {}),
        "feed": ("/api/v1/feed?limit={n}", {"headers": headers}),
        "tasks": ("/api/v1/tasks?per_page={n}", {"headers": headers}),
    }
    for name, (url, kwargs) in cases.items():
        small = _statements(client, count_queries, url.format(n=10), **kwargs)
        large = _statements(client, count_queries, url.format(n=100), **kwargs)
        assert small == large, name
        assert large <= 3, name
