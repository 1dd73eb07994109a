"""The reads every request makes (a user by id; the user behind an opaque token, a JWT or
an API key), built once as Core statements and run through SQLAlchemy on the request's
connection: what each finds and refuses, with the same Python types on SQLite and on
PostgreSQL, and how a request runs them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Select, select, update
from sqlalchemy.engine import Connection

from microblog.data.db import db, read_connection
from microblog.data.models import Token, User
from microblog.data.timeutil import utcnow
from microblog.services.api_keys import PRINCIPAL_BY_PREFIX
from microblog.services.jwt_tokens import ACTIVE_USER
from microblog.services.tokens import PRINCIPAL_BY_TOKEN, hash_token
from microblog.services.users import USER_BY_ID
from tests.conftest import Api, bearer

Row = tuple[Any, ...]
MISSING_ID = 987_654


@dataclass
class People:
    alice: dict[str, Any]
    bob: dict[str, Any]  # deactivated after logging in
    carol: dict[str, Any]
    alice_token: str
    bob_token: str
    alice_family: str  # a JWT login of alice's
    bob_family: str

    @property
    def alice_login(self) -> dict[str, Any]:
        return {"user_id": self.alice["id"], "family_id": self.alice_family}


def _login_family(client: FlaskClient, user: dict[str, Any]) -> str:
    response = client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": user["password"]}
    )
    assert response.status_code == 200, response.get_json()
    claims = jwt.decode(response.get_json()["access_token"], options={"verify_signature": False})
    return str(claims["fam"])


@pytest.fixture
def people(app: Flask, api: Api, client: FlaskClient) -> People:
    """Three users; alice has a post and follows carol, bob has a token but is inactive."""
    alice, alice_headers = api.login("alice")
    bob = api.register("bob")
    carol = api.register("carol")
    bob_token = api.token(bob)
    families = _login_family(client, alice), _login_family(client, bob)
    response = client.post("/api/v1/posts", json={"body": "hello"}, headers=alice_headers)
    assert response.status_code == 201, response.get_json()
    response = client.post(f"/api/v1/me/following/{carol['id']}", headers=alice_headers)
    assert response.status_code == 204
    db.session.execute(update(User).where(User.id == bob["id"]).values(is_active=False))
    db.session.commit()
    alice_token = alice_headers["Authorization"].split()[1]
    return People(alice, bob, carol, alice_token, bob_token, *families)


@pytest.fixture
def conn(app: Flask) -> Iterator[Connection]:
    with db.engine.connect() as connection:
        yield connection


def rows(conn: Connection, stmt: Select[Any], params: dict[str, Any]) -> list[Row]:
    return [tuple(row) for row in conn.execute(stmt, params)]


def test_statements_are_built_once() -> None:
    """Module-level statements with bind parameters, so SQLAlchemy's compiled cache
    serves every execution after the first."""
    for stmt in (USER_BY_ID, ACTIVE_USER, PRINCIPAL_BY_TOKEN, PRINCIPAL_BY_PREFIX):
        assert isinstance(stmt, Select)


def test_user_by_id(people: People, conn: Connection) -> None:
    """USER_BY_ID: every user (active or not), with the counts, and no row for an unknown
    id; datetimes come back as datetime objects, is_active as a bool, counts as ints."""
    for user in (people.alice, people.bob, people.carol):
        assert len(rows(conn, USER_BY_ID, {"user_id": user["id"]})) == 1
    assert rows(conn, USER_BY_ID, {"user_id": MISSING_ID}) == []

    (row,) = rows(conn, USER_BY_ID, {"user_id": people.alice["id"]})
    uid, username, email, about_me, role, is_active, created_at, last_seen, *counts = row
    assert (uid, username, email, role) == (
        people.alice["id"],
        "alice",
        "alice@example.com",
        "user",
    )
    assert isinstance(about_me, str)
    assert is_active is True
    assert type(created_at) is datetime and type(last_seen) is datetime
    assert created_at.tzinfo is None
    assert counts == [1, 0, 1]  # posts, followers, following
    assert all(type(count) is int for count in counts)

    (bob,) = rows(conn, USER_BY_ID, {"user_id": people.bob["id"]})
    assert bob[5] is False
    (carol,) = rows(conn, USER_BY_ID, {"user_id": people.carol["id"]})
    assert carol[-3:] == (0, 1, 0)


def test_active_user(people: People, conn: Connection) -> None:
    """ACTIVE_USER: a row for an active user with a live family of theirs only; the JWT
    ``sub`` claim as a string finds the same row as the id."""
    alice_id = people.alice["id"]
    found = rows(conn, ACTIVE_USER, people.alice_login)
    assert len(found) == 1
    uid, username, role, last_seen = found[0]
    assert (uid, username, role) == (alice_id, "alice", "user")
    assert type(uid) is int and type(last_seen) is datetime
    as_text = {"user_id": str(alice_id), "family_id": people.alice_family}
    assert rows(conn, ACTIVE_USER, as_text) == found
    inactive = {"user_id": people.bob["id"], "family_id": people.bob_family}
    assert rows(conn, ACTIVE_USER, inactive) == []
    missing = {"user_id": MISSING_ID, "family_id": people.alice_family}
    assert rows(conn, ACTIVE_USER, missing) == []
    # Someone else's family, or none at all: no principal.
    theirs = {"user_id": alice_id, "family_id": people.bob_family}
    assert rows(conn, ACTIVE_USER, theirs) == []
    gone = {"user_id": alice_id, "family_id": "0" * 32}
    assert rows(conn, ACTIVE_USER, gone) == []


def test_active_user_forgets_a_logged_out_family(
    people: People, client: FlaskClient, conn: Connection
) -> None:
    """ACTIVE_USER is the revocation check: a row before the JWT's logout, none after."""
    response = client.post(
        "/api/v1/auth/login", json={"username": "carol", "password": people.carol["password"]}
    )
    assert response.status_code == 200, response.get_json()
    access = response.get_json()["access_token"]
    claims = jwt.decode(access, options={"verify_signature": False})
    params = {"user_id": claims["sub"], "family_id": claims["fam"]}
    assert len(rows(conn, ACTIVE_USER, params)) == 1
    conn.rollback()
    logout = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {access}"})
    assert logout.status_code == 204
    assert rows(conn, ACTIVE_USER, params) == []


def test_principal_by_token(people: People, conn: Connection) -> None:
    """PRINCIPAL_BY_TOKEN: found by hash for an active user; nothing for an unknown hash or
    an inactive user's token."""
    now = utcnow()
    found = rows(
        conn, PRINCIPAL_BY_TOKEN, {"token_hash": hash_token(people.alice_token), "now": now}
    )
    assert len(found) == 1
    uid, username, role, last_seen, token_id = found[0]
    assert (uid, username, role) == (people.alice["id"], "alice", "user")
    assert type(last_seen) is datetime and type(token_id) is int
    expected_id = db.session.scalar(
        select(Token.id).where(Token.token_hash == hash_token(people.alice_token))
    )
    assert token_id == expected_id
    for token_hash in (hash_token("mbt_not-a-token"), hash_token(people.bob_token)):
        assert rows(conn, PRINCIPAL_BY_TOKEN, {"token_hash": token_hash, "now": now}) == []


def test_principal_by_token_compares_now_as_a_datetime(people: People, conn: Connection) -> None:
    """The ``now`` parameter is a datetime: a token is found strictly before its expiry,
    to the microsecond, and not at or after it."""
    token_hash = hash_token(people.alice_token)
    expires_at = db.session.scalar(select(Token.expires_at).where(Token.token_hash == token_hash))
    assert isinstance(expires_at, datetime)
    cases = {
        expires_at - timedelta(days=1): True,
        expires_at - timedelta(microseconds=1): True,
        expires_at: False,
        expires_at + timedelta(microseconds=1): False,
        expires_at + timedelta(days=400): False,
    }
    for now, found in cases.items():
        params = {"token_hash": token_hash, "now": now}
        assert (len(rows(conn, PRINCIPAL_BY_TOKEN, params)) == 1) is found, now


def test_principal_by_prefix(people: People, client: FlaskClient, conn: Connection) -> None:
    """PRINCIPAL_BY_PREFIX: a key's user and hash; an unknown prefix finds nothing."""
    headers = bearer(people.alice_token)
    response = client.post("/api/v1/me/api-keys", json={"name": "ci"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    prefix = response.get_json()["key"].split("_")[1]
    (row,) = rows(conn, PRINCIPAL_BY_PREFIX, {"prefix": prefix})
    assert row[0] == people.alice["id"] and isinstance(row[5], str)
    assert rows(conn, PRINCIPAL_BY_PREFIX, {"prefix": "000000000000"}) == []


def test_end_to_end_requests_authenticate(people: People, client: FlaskClient) -> None:
    """The statements as the app uses them: a user page, an opaque token, a JWT; the
    inactive user's token is refused."""
    response = client.get(f"/api/v1/users/{people.alice['id']}")
    assert response.status_code == 200
    assert response.get_json()["post_count"] == 1
    assert client.get(f"/api/v1/users/{MISSING_ID}").status_code == 404
    me = client.get("/api/v1/me", headers=bearer(people.alice_token))
    assert me.status_code == 200 and me.get_json()["username"] == "alice"
    assert client.get("/api/v1/me", headers=bearer(people.bob_token)).status_code == 401


def test_count_queries_fixture_sees_the_reads(
    people: People, client: FlaskClient, count_queries: Any
) -> None:
    """The tests' statement counter (a before_cursor_execute listener) sees the read of
    GET /users/{id}."""
    before = count_queries.count
    assert client.get(f"/api/v1/users/{people.alice['id']}").status_code == 200
    fresh = count_queries.statements[before:]
    assert any("post_count" in statement for statement in fresh)


def checked_out_connections() -> int | None:
    """Connections checked out of the engine's pool (None: SQLite in memory's StaticPool,
    one shared connection, does not count)."""
    count = getattr(db.engine.pool, "checkedout", None)
    return count() if count is not None else None


def test_reads_in_a_request_share_its_connection_and_return_it(app: Flask, people: People) -> None:
    """In a request the reads run on the request's one connection, which goes back to the
    pool when the request ends."""
    params = {"user_id": people.alice["id"]}
    with db.engine.connect() as conn:
        expected = rows(conn, USER_BY_ID, params)
    checked_out = checked_out_connections()
    # An app context of its own, as each request has in production: its teardown returns
    # the connection (the fixture's app context spans the whole test).
    with app.app_context(), app.test_request_context():
        first = read_connection()
        assert [tuple(row) for row in first.execute(USER_BY_ID, params)] == expected
        assert read_connection() is first
        assert read_connection().execute(USER_BY_ID, {"user_id": MISSING_ID}).first() is None
        if checked_out is not None:
            assert checked_out_connections() == checked_out + 1
    assert checked_out_connections() == checked_out


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PATCH", "DELETE"])
def test_only_reads_on_postgresql_run_in_autocommit(app: Flask, method: str) -> None:
    """On PostgreSQL, GET and HEAD skip BEGIN and ROLLBACK (data/db.py:
    request_connection); a write request's statements stay in one transaction, so a failure
    leaves nothing behind. SQLite keeps its transactions (no round trip to save)."""
    with app.app_context(), app.test_request_context(method=method):
        connection = read_connection()
        options = connection.get_execution_options()
        expected = method in ("GET", "HEAD") and connection.dialect.name == "postgresql"
        assert (options.get("isolation_level") == "AUTOCOMMIT") is expected


def test_reads_outside_a_request_keep_their_transaction(app: Flask) -> None:
    """The CLI and scripts read in an app context, with no request method to go by."""
    with app.app_context():
        options = read_connection().get_execution_options()
        assert options.get("isolation_level") != "AUTOCOMMIT"


def test_reads_see_the_requests_own_uncommitted_writes(app: Flask, people: People) -> None:
    """While the ORM session has a transaction open, reads go through it (a write
    request: GET and HEAD run in autocommit, see the next test)."""
    params = {"user_id": people.alice["id"]}
    with app.app_context(), app.test_request_context(method="POST"):
        db.session.execute(
            update(User).where(User.id == people.alice["id"]).values(about_me="changed")
        )
        row = read_connection().execute(USER_BY_ID, params).one()
        assert row.about_me == "changed"
        db.session.rollback()
        row = read_connection().execute(USER_BY_ID, params).one()
        assert row.about_me != "changed"
