"""A token revoked through one instance is rejected by every other.

Two application objects (two ``create_app`` calls: two engines, as two processes or hosts
would have) share one PostgreSQL database, with or without a real Redis (``REDIS_URL``,
for the rate limits). Revocations live in the database only (a JWT's family is read with
its user on every request), so Redis has no say in them: while Redis is down, live JWTs
keep working and revoked ones stay refused."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text, update

from microblog import create_app
from microblog.data.db import close_read_connection, db
from microblog.data.models import User
from tests.api.test_auth_jwt import claims_of, login, refresh
from tests.conftest import Api, basic, bearer, empty_postgres_tables
from tests.integration.live import free_port


@contextmanager
def make_app(database_url: str, **config: Any) -> Iterator[Flask]:
    """Like the ``app`` fixture, with settings of its own (``REDIS_URL`` is unset unless
    given, whatever the environment says)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None, **config})
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        try:
            yield app
        finally:
            close_read_connection()
            db.session.remove()
            if database_url.startswith("postgresql"):
                empty_postgres_tables()
            db.engine.dispose()


@pytest.fixture(params=["database", "redis"])
def instances(request: pytest.FixtureRequest, postgres_url: str) -> Iterator[tuple[Flask, Flask]]:
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": postgres_url,
        "SECRET_KEY": secrets.token_urlsafe(32),  # one deployment: one key
        "REDIS_URL": None,
    }
    if request.param == "redis":
        config["REDIS_URL"] = request.getfixturevalue("redis_url")
    first, second = create_app(config), create_app(config)
    try:
        yield first, second
    finally:
        with first.app_context():
            empty_postgres_tables()
        for app in (first, second):
            with app.app_context():
                db.engine.dispose()


def status(client: FlaskClient, token: str) -> int:
    return client.get("/api/v1/me", headers=bearer(token)).status_code


def test_a_token_issued_by_one_instance_works_on_the_other(
    instances: tuple[Flask, Flask],
) -> None:
    a, b = (app.test_client() for app in instances)
    alice = Api(a).register("alice")
    pair = login(a, alice)
    assert status(b, pair["access_token"]) == 200
    assert refresh(b, pair["refresh_token"]).status_code == 200


def test_logout_through_a_is_rejected_by_b(instances: tuple[Flask, Flask]) -> None:
    a, b = (app.test_client() for app in instances)
    alice = Api(a).register("alice")
    pair, other = login(a, alice), login(b, alice)
    assert status(b, pair["access_token"]) == 200
    assert a.post("/api/v1/auth/logout", headers=bearer(pair["access_token"])).status_code == 204
    assert status(b, pair["access_token"]) == 401
    assert status(a, pair["access_token"]) == 401
    assert refresh(b, pair["refresh_token"]).status_code == 401
    assert status(b, other["access_token"]) == 200  # another login lives on


def no_reuse_grace(*apps: Flask) -> None:
    """Every reuse of a spent refresh token is theft, however soon it comes (the replay
    tests below replay at once; the grace window has its own test)."""
    for app in apps:
        app.config["JWT_REFRESH_REUSE_GRACE"] = 0


def test_refresh_replay_through_a_is_rejected_by_b(instances: tuple[Flask, Flask]) -> None:
    no_reuse_grace(*instances)
    a, b = (app.test_client() for app in instances)
    alice = Api(a).register("alice")
    first = login(a, alice)
    second = refresh(a, first["refresh_token"]).get_json()
    assert status(b, second["access_token"]) == 200
    assert refresh(a, first["refresh_token"]).status_code == 401  # replay: theft assumed
    for client in (a, b):
        assert status(client, first["access_token"]) == 401
        assert status(client, second["access_token"]) == 401
    assert refresh(b, second["refresh_token"]).status_code == 401


def test_replay_through_b_of_a_token_rotated_by_a(instances: tuple[Flask, Flask]) -> None:
    no_reuse_grace(*instances)
    a, b = (app.test_client() for app in instances)
    alice = Api(a).register("alice")
    first = login(a, alice)
    second = refresh(a, first["refresh_token"]).get_json()
    assert refresh(b, first["refresh_token"]).status_code == 401
    assert status(a, second["access_token"]) == 401
    assert refresh(a, second["refresh_token"]).status_code == 401


def test_a_retry_through_b_within_the_grace_window_ends_nothing(
    instances: tuple[Flask, Flask],
) -> None:
    """The rotation time A wrote is what B measures the window on: a retry of the spent
    token through B soon after is refused, and the pair A issued keeps working on both."""
    for app in instances:
        app.config["JWT_REFRESH_REUSE_GRACE"] = 10
    a, b = (app.test_client() for app in instances)
    alice = Api(a).register("alice")
    first = login(a, alice)
    second = refresh(a, first["refresh_token"]).get_json()
    retry = refresh(b, first["refresh_token"])
    assert retry.status_code == 401
    assert "revoked" not in retry.get_json()["message"]
    for client in (a, b):
        assert status(client, second["access_token"]) == 200
    assert refresh(b, second["refresh_token"]).status_code == 200


def test_password_change_through_a_ends_sessions_on_b(instances: tuple[Flask, Flask]) -> None:
    a, b = (app.test_client() for app in instances)
    api = Api(a)
    alice = api.register("alice")
    token = api.token(alice)
    elsewhere = login(b, alice)
    response = a.patch(
        f"/api/v1/users/{alice['id']}",
        json={"password": "a new password", "current_password": alice["password"]},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert status(b, elsewhere["access_token"]) == 401
    assert refresh(b, elsewhere["refresh_token"]).status_code == 401
    assert status(b, token) == 401  # the credential that made the change ends too


def test_deactivation_through_a_is_enforced_by_b(instances: tuple[Flask, Flask]) -> None:
    first_app, _ = instances
    a, b = (app.test_client() for app in instances)
    api = Api(a)
    admin, admin_headers = api.login("root")
    with first_app.app_context():
        db.session.execute(update(User).where(User.id == admin["id"]).values(role="admin"))
        db.session.commit()
    alice, token_headers = api.login("alice")
    key = a.post("/api/v1/me/api-keys", json={"name": "k"}, headers=token_headers).get_json()
    pair = login(b, alice)
    response = a.patch(
        f"/api/v1/users/{alice['id']}", json={"is_active": False}, headers=admin_headers
    )
    assert response.status_code == 200
    for headers in (
        token_headers,
        bearer(pair["access_token"]),
        {"X-API-Key": key["key"]},
        bearer(key["key"]),
    ):
        assert b.get("/api/v1/me", headers=headers).status_code == 401
    assert b.post("/api/v1/tokens", headers=basic("alice", alice["password"])).status_code == 401
    assert refresh(b, pair["refresh_token"]).status_code == 401


# --- Redis down -------------------------------------------------------------------------


@pytest.fixture
def redis_down(database_url: str) -> Iterator[Flask]:
    """``REDIS_URL`` points at a loopback port nobody listens on."""
    with make_app(database_url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as app:
        yield app


def test_redis_down_revocation_still_holds_and_live_tokens_work(redis_down: Flask) -> None:
    """Revocation never depends on Redis: live JWTs pass, and every way of revoking one
    (logout, a refresh replay, a password change) still refuses it, with no 5xx."""
    client = redis_down.test_client()
    api = Api(client)
    alice, token_headers = api.login("alice")
    pair, other = login(client, alice), login(client, alice)
    access = bearer(pair["access_token"])
    assert client.get("/api/v1/me", headers=access).status_code == 200
    assert client.post("/api/v1/posts", json={"body": "hi"}, headers=access).status_code == 201

    assert client.post("/api/v1/auth/logout", headers=access).status_code == 204
    assert client.get("/api/v1/me", headers=access).status_code == 401

    second = refresh(client, other["refresh_token"])
    assert second.status_code == 200
    redis_down.config["JWT_REFRESH_REUSE_GRACE"] = 0  # a replay, not a client's retry
    assert refresh(client, other["refresh_token"]).status_code == 401  # replay: family revoked
    assert status(client, second.get_json()["access_token"]) == 401

    third = login(client, alice)
    response = client.patch(
        f"/api/v1/users/{alice['id']}",
        json={"password": "a new password", "current_password": alice["password"]},
        headers=token_headers,
    )
    assert response.status_code == 200
    assert status(client, third["access_token"]) == 401
    db.session.rollback()
    fam = claims_of(third["access_token"])["fam"]
    revoked_at = db.session.execute(
        text("SELECT revoked_at FROM token_families WHERE id = :id"), {"id": fam}
    ).scalar()
    assert revoked_at is not None
