"""``flask prune``: expired tokens, token families (with their refresh tokens) and
idempotency keys go, in batches, and nothing else; requests sweep nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from microblog.data.db import db
from microblog.data.models import IdempotencyKey, RefreshToken, Token, TokenFamily
from microblog.data.timeutil import utcnow
from microblog.services import prune as prune_service
from tests.conftest import Api, QueryCounter, basic, bearer

LOGIN = "/api/v1/auth/login"


def count(model: Any) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def run_prune(app: Flask, *args: str) -> dict[str, int]:
    result = app.test_cli_runner().invoke(args=["prune", *args])
    assert result.exit_code == 0, result.output
    found = re.fullmatch(
        r"pruned (\d+) tokens, (\d+) token families, (\d+) refresh tokens, "
        r"(\d+) idempotency keys\n",
        result.output,
    )
    assert found, result.output
    names = ("tokens", "token_families", "refresh_tokens", "idempotency_keys")
    return dict(zip(names, map(int, found.groups()), strict=True))


def jwt_login(client: FlaskClient, username: str) -> dict[str, Any]:
    response = client.post(LOGIN, json={"username": username, "password": "correct horse battery"})
    assert response.status_code == 200, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def age(model: Any, column: Any, where: Any, when: Any) -> None:
    db.session.execute(update(model).where(where).values({column: when}))
    db.session.commit()


@pytest.fixture
def world(api: Api, client: FlaskClient) -> dict[str, Any]:
    """Live and expired rows of every kind, for two users."""
    past = utcnow() - timedelta(seconds=1)
    alice, alice_h = api.login("alice")
    bob, bob_h = api.login("bob")
    # opaque tokens: 3 expired (alice's 2 extra, one of bob's), 2 live (the logins')
    extra = [api.token(alice), api.token(alice), api.token(bob)]
    live_tokens = {alice_h["Authorization"][7:], bob_h["Authorization"][7:]}
    age(
        Token,
        "expires_at",
        Token.id.in_(select(Token.id).order_by(Token.id.desc()).limit(3)),
        past,
    )
    assert len(extra) == 3
    # token families: alice's first login expires (with its 2 refresh tokens); 1 live
    dead = jwt_login(client, "alice")
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": dead["refresh_token"]})
    assert refreshed.status_code == 200
    live = jwt_login(client, "bob")
    dead_family = db.session.scalar(
        select(TokenFamily.id).order_by(TokenFamily.created_at).limit(1)
    )
    age(TokenFamily, "expires_at", TokenFamily.id == dead_family, past)
    # idempotency keys: one 25 h old, one 23 h old
    for key in ("old", "recent"):
        response = client.post(
            "/api/v1/posts", json={"body": key}, headers={**alice_h, "Idempotency-Key": key}
        )
        assert response.status_code == 201
    age(IdempotencyKey, "created_at", IdempotencyKey.key == "old", utcnow() - timedelta(hours=25))
    age(
        IdempotencyKey,
        "created_at",
        IdempotencyKey.key == "recent",
        utcnow() - timedelta(hours=23),
    )
    return {"live_tokens": live_tokens, "live": live, "dead": dead, "dead_family": dead_family}


def test_prune_deletes_exactly_what_expired(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    assert (count(Token), count(TokenFamily), count(RefreshToken), count(IdempotencyKey)) == (
        5, 2, 3, 2
    )  # fmt: skip
    assert run_prune(app) == {
        "tokens": 3,
        "token_families": 1,
        "refresh_tokens": 2,
        "idempotency_keys": 1,
    }
    assert (count(Token), count(TokenFamily), count(RefreshToken), count(IdempotencyKey)) == (
        2, 1, 1, 1
    )  # fmt: skip
    assert db.session.get(TokenFamily, world["dead_family"]) is None
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["recent"]
    for token in world["live_tokens"]:
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert (
        client.get("/api/v1/me", headers=bearer(world["live"]["access_token"])).status_code == 200
    )
    # Twice in a row: nothing left to do.
    assert run_prune(app) == dict.fromkeys(
        ("tokens", "token_families", "refresh_tokens", "idempotency_keys"), 0
    )


def test_prune_works_in_batches(
    app: Flask, world: dict[str, Any], count_queries: QueryCounter
) -> None:
    before = count_queries.count
    assert run_prune(app, "--batch-size", "1") == {
        "tokens": 3,
        "token_families": 1,
        "refresh_tokens": 2,
        "idempotency_keys": 1,
    }
    deletes = [sql for sql in count_queries.statements[before:] if sql.startswith("DELETE")]
    # One row a statement, and one more statement per kind to find nothing left.
    assert len(deletes) == (3 + 1) + (2 + 1) + (1 + 1) + (1 + 1)
    assert all("LIMIT" in sql for sql in deletes)


def test_prune_of_an_empty_database(app: Flask) -> None:
    assert set(run_prune(app).values()) == {0}


def test_prune_skips_rows_locked_by_a_concurrent_run(
    app: Flask, backend: str, world: dict[str, Any]
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    # Another instance's prune holds the expired tokens' row locks: this run skips them
    # (FOR UPDATE SKIP LOCKED) instead of waiting, and finishes.
    with db.engine.connect() as other:
        other.execute(select(Token.id).where(Token.expires_at <= utcnow()).with_for_update()).all()
        assert prune_service.prune().tokens == 0
        other.rollback()
    assert prune_service.prune().tokens == 3


def test_expired_family_cannot_refresh_before_prune(api: Api, client: FlaskClient) -> None:
    api.register("carol")
    pair = jwt_login(client, "carol")
    age(
        TokenFamily,
        "expires_at",
        TokenFamily.user_id.is_not(None),
        utcnow() - timedelta(seconds=1),
    )
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 401


def test_requests_do_not_sweep(api: Api, client: FlaskClient, count_queries: QueryCounter) -> None:
    _, headers = api.login("dave")
    before = count_queries.count
    assert (
        client.post("/api/v1/tokens", headers=basic("dave", "correct horse battery")).status_code
        == 200
    )
    jwt_login(client, "dave")
    assert (
        client.post(
            "/api/v1/posts", json={"body": "x"}, headers={**headers, "Idempotency-Key": "k"}
        ).status_code
        == 201
    )
    deletes = [sql for sql in count_queries.statements[before:] if sql.startswith("DELETE")]
    assert deletes == []
