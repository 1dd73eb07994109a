"""Prepared reads (microblog.data.prepared): the statements run on the DBAPI cursor give exactly
what SQLAlchemy's own execution gives (same rows, same Python types), on SQLite and on
PostgreSQL; statements it cannot run directly and connections with cursor listeners take
SQLAlchemy's path; database errors surface as SQLAlchemy's DBAPIError."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    literal_column,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InvalidRequestError

from microblog.data.db import db
from microblog.data.models import Token, User
from microblog.data.prepared import Prepared
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


def types_of(rows: list[Row]) -> list[tuple[type, ...]]:
    return [tuple(type(value) for value in row) for row in rows]


def assert_same_as_sqlalchemy(
    conn: Connection, prepared: Prepared, params: Mapping[str, Any]
) -> list[Row]:
    """Run ``prepared`` directly, then the same select through ``conn.execute``: same rows,
    same types (``True == 1`` and a string never equals a datetime, so types are compared
    on their own too)."""
    direct = prepared.all(conn, params)
    expected = [tuple(row) for row in conn.execute(prepared.stmt, params)]
    assert direct == expected
    assert types_of(direct) == types_of(expected)
    assert all(type(row) is tuple for row in direct)
    return direct


def statement_plan(prepared: Prepared, conn: Connection) -> Any:
    return prepared.plans.get(conn.dialect)


def test_the_direct_path_does_not_go_through_connection_execute(
    people: People, conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without cursor listeners the prepared statements never call Connection.execute (so
    the comparisons below really compare two different paths)."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("Connection.execute called on the direct path")

    monkeypatch.setattr(Connection, "execute", refuse)
    assert USER_BY_ID.one_or_none(conn, {"user_id": people.alice["id"]}) is not None
    assert ACTIVE_USER.one_or_none(conn, people.alice_login) is not None
    params = {"token_hash": hash_token(people.alice_token), "now": utcnow()}
    assert PRINCIPAL_BY_TOKEN.one_or_none(conn, params) is not None
    for prepared in (USER_BY_ID, ACTIVE_USER, PRINCIPAL_BY_TOKEN):
        assert statement_plan(prepared, conn) is not None


def test_user_by_id_matches_sqlalchemy(people: People, conn: Connection) -> None:
    """USER_BY_ID: every user (active or not), with the counts, and no row for an unknown
    id; datetimes come back as datetime objects, is_active as a bool, counts as ints."""
    for user in (people.alice, people.bob, people.carol):
        rows = assert_same_as_sqlalchemy(conn, USER_BY_ID, {"user_id": user["id"]})
        assert len(rows) == 1
    assert assert_same_as_sqlalchemy(conn, USER_BY_ID, {"user_id": MISSING_ID}) == []

    row = USER_BY_ID.one_or_none(conn, {"user_id": people.alice["id"]})
    assert row is not None
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

    bob = USER_BY_ID.one_or_none(conn, {"user_id": people.bob["id"]})
    assert bob is not None and bob[5] is False
    carol = USER_BY_ID.one_or_none(conn, {"user_id": people.carol["id"]})
    assert carol is not None and carol[-3:] == (0, 1, 0)
    assert USER_BY_ID.one_or_none(conn, {"user_id": MISSING_ID}) is None


def test_active_user_matches_sqlalchemy(people: People, conn: Connection) -> None:
    """ACTIVE_USER: a row for an active user with a live family of theirs only; the JWT
    ``sub`` claim it is called with is a string, which must find the same row as the id."""
    alice_id = people.alice["id"]
    rows = assert_same_as_sqlalchemy(conn, ACTIVE_USER, people.alice_login)
    assert len(rows) == 1
    uid, username, role, last_seen = rows[0]
    assert (uid, username, role) == (alice_id, "alice", "user")
    assert type(uid) is int and type(last_seen) is datetime
    as_text = {"user_id": str(alice_id), "family_id": people.alice_family}
    assert assert_same_as_sqlalchemy(conn, ACTIVE_USER, as_text) == rows
    inactive = {"user_id": people.bob["id"], "family_id": people.bob_family}
    assert assert_same_as_sqlalchemy(conn, ACTIVE_USER, inactive) == []
    missing = {"user_id": MISSING_ID, "family_id": people.alice_family}
    assert assert_same_as_sqlalchemy(conn, ACTIVE_USER, missing) == []
    # Someone else's family, or none at all: no principal.
    theirs = {"user_id": alice_id, "family_id": people.bob_family}
    assert assert_same_as_sqlalchemy(conn, ACTIVE_USER, theirs) == []
    gone = {"user_id": alice_id, "family_id": "0" * 32}
    assert assert_same_as_sqlalchemy(conn, ACTIVE_USER, gone) == []
    assert ACTIVE_USER.one_or_none(conn, inactive) is None


def test_principal_by_token_matches_sqlalchemy(people: People, conn: Connection) -> None:
    """PRINCIPAL_BY_TOKEN: found by hash for an active user; nothing for an unknown hash or
    an inactive user's token."""
    now = utcnow()
    params = {"token_hash": hash_token(people.alice_token), "now": now}
    rows = assert_same_as_sqlalchemy(conn, PRINCIPAL_BY_TOKEN, params)
    assert len(rows) == 1
    uid, username, role, last_seen, token_id = rows[0]
    assert (uid, username, role) == (people.alice["id"], "alice", "user")
    assert type(last_seen) is datetime and type(token_id) is int
    expected_id = db.session.scalar(
        select(Token.id).where(Token.token_hash == hash_token(people.alice_token))
    )
    assert token_id == expected_id

    for token_hash in (hash_token("mbt_not-a-token"), hash_token(people.bob_token)):
        params = {"token_hash": token_hash, "now": now}
        assert assert_same_as_sqlalchemy(conn, PRINCIPAL_BY_TOKEN, params) == []
        assert PRINCIPAL_BY_TOKEN.one_or_none(conn, params) is None


def test_api_key_principal_matches_sqlalchemy(
    people: People, client: FlaskClient, conn: Connection
) -> None:
    """PRINCIPAL_BY_PREFIX: a key's user and hash; an unknown prefix finds nothing."""
    headers = {"Authorization": f"Bearer {people.alice_token}"}
    response = client.post("/api/v1/me/api-keys", json={"name": "ci"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    prefix = response.get_json()["key"].split("_")[1]
    for params in ({"prefix": prefix}, {"prefix": "000000000000"}):
        rows = assert_same_as_sqlalchemy(conn, PRINCIPAL_BY_PREFIX, params)
        assert len(rows) == (1 if params["prefix"] == prefix else 0)
    assert statement_plan(PRINCIPAL_BY_PREFIX, conn) is not None


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
    assert len(assert_same_as_sqlalchemy(conn, ACTIVE_USER, params)) == 1
    conn.rollback()
    logout = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {access}"})
    assert logout.status_code == 204
    assert assert_same_as_sqlalchemy(conn, ACTIVE_USER, params) == []


def test_datetime_bind_parameter_is_compared_as_a_datetime(
    people: People, conn: Connection
) -> None:
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
        rows = assert_same_as_sqlalchemy(conn, PRINCIPAL_BY_TOKEN, params)
        assert (len(rows) == 1) is found, now


def test_end_to_end_requests_authenticate_through_prepared_reads(
    people: People, client: FlaskClient
) -> None:
    """The statements as the app uses them: a user page, an opaque token, a JWT; the
    inactive user's token is refused."""
    response = client.get(f"/api/v1/users/{people.alice['id']}")
    assert response.status_code == 200
    assert response.get_json()["post_count"] == 1
    assert client.get(f"/api/v1/users/{MISSING_ID}").status_code == 404
    me = client.get("/api/v1/me", headers=bearer(people.alice_token))
    assert me.status_code == 200 and me.get_json()["username"] == "alice"
    assert client.get("/api/v1/me", headers=bearer(people.bob_token)).status_code == 401


USERS = User.__table__


def test_one_or_none_none_one_and_too_many(people: People, conn: Connection) -> None:
    """one_or_none: None for no row, the row for one, RuntimeError for more than one."""
    prepared = Prepared(
        select(USERS.c.id, USERS.c.created_at)
        .where(USERS.c.id >= bindparam("min_id"))
        .order_by(USERS.c.id)
    )
    ids = sorted(user["id"] for user in (people.alice, people.bob, people.carol))
    assert prepared.one_or_none(conn, {"min_id": MISSING_ID}) is None
    row = prepared.one_or_none(conn, {"min_id": ids[-1]})
    assert row is not None and row[0] == ids[-1] and type(row[1]) is datetime
    with pytest.raises(RuntimeError, match="at most one row, got 3"):
        prepared.one_or_none(conn, {"min_id": ids[0]})
    rows = assert_same_as_sqlalchemy(conn, prepared, {"min_id": ids[0]})
    assert [r[0] for r in rows] == ids
    assert statement_plan(prepared, conn) is not None


def test_parameters_are_bound_by_name_not_by_dict_order(people: People, conn: Connection) -> None:
    """Several parameters (given in another order than they appear in the SQL), a literal
    value and a LIMIT in the statement, one parameter used twice, a repeated column."""
    prepared = Prepared(
        select(USERS.c.username, USERS.c.id, USERS.c.created_at, USERS.c.created_at)
        .where(
            USERS.c.username != bindparam("skip"),
            USERS.c.id >= bindparam("low"),
            USERS.c.id <= bindparam("high"),
            USERS.c.role == "user",
            (USERS.c.id + bindparam("low")) > bindparam("low"),
        )
        .order_by(USERS.c.id.desc())
        .limit(2)
    )
    params = {"high": people.carol["id"], "low": people.alice["id"], "skip": "bob"}
    rows = assert_same_as_sqlalchemy(conn, prepared, params)
    assert [r[0] for r in rows] == ["carol", "alice"]
    assert rows[0][2] == rows[0][3]
    assert statement_plan(prepared, conn) is not None


def test_missing_parameter_is_an_sqlalchemy_error(people: People, conn: Connection) -> None:
    """A required parameter left out: SQLAlchemy's InvalidRequestError (StatementError
    on its own path), never a KeyError or a driver error."""
    prepared = Prepared(select(USERS.c.id).where(USERS.c.id == bindparam("user_id")))
    for _ in range(2):  # the first call plans, the second runs the planned statement
        with pytest.raises(InvalidRequestError, match="user_id"):
            prepared.all(conn, {})


def test_a_value_computed_per_execution_is_computed_each_time(
    people: People, conn: Connection
) -> None:
    """A bind parameter with a callable: evaluated on every execution, as SQLAlchemy does."""
    wanted = iter([people.alice["id"], people.bob["id"]])
    prepared = Prepared(
        select(USERS.c.username).where(
            USERS.c.id == bindparam("id", callable_=lambda: next(wanted))
        )
    )
    assert prepared.all(conn, {}) == [("alice",)]
    assert prepared.all(conn, {}) == [("bob",)]
    assert statement_plan(prepared, conn) is not None


def test_cursor_listeners_see_every_statement(people: People, conn: Connection) -> None:
    """While a before_cursor_execute (or after_cursor_execute) listener is attached to the
    engine, prepared reads go through SQLAlchemy so the listener sees them, with the same
    result; once it is removed, the direct path is back."""
    params = {"user_id": people.alice["id"]}
    direct = USER_BY_ID.all(conn, params)
    for name in ("before_cursor_execute", "after_cursor_execute"):
        seen: list[str] = []

        def listener(*args: Any, seen: list[str] = seen) -> None:
            seen.append(args[2])

        event.listen(db.engine, name, listener)
        try:
            assert USER_BY_ID.all(conn, params) == direct
            assert ACTIVE_USER.all(conn, {"user_id": MISSING_ID, "family_id": "0" * 32}) == []
        finally:
            event.remove(db.engine, name, listener)
        assert len(seen) == 2
        assert "FROM users" in seen[0] and "post_count" in seen[0]
        assert "is_active" in seen[1]
        before = len(seen)
        assert USER_BY_ID.all(conn, params) == direct
        assert len(seen) == before


def test_count_queries_fixture_counts_prepared_reads(
    people: People, client: FlaskClient, count_queries: Any
) -> None:
    """The tests' statement counter (a before_cursor_execute listener) sees the prepared
    read of GET /users/{id}."""
    before = count_queries.count
    assert client.get(f"/api/v1/users/{people.alice['id']}").status_code == 200
    fresh = count_queries.statements[before:]
    assert any("post_count" in statement for statement in fresh)


def test_expanding_in_parameter_takes_sqlalchemy_path(people: People, conn: Connection) -> None:
    """An expanding IN parameter (and a literal IN list, also expanded at execution) is
    not run directly: it has no direct plan and still gives the right rows."""
    ids = [people.alice["id"], people.carol["id"]]
    expanding = Prepared(
        select(USERS.c.id, USERS.c.is_active)
        .where(USERS.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(USERS.c.id)
    )
    rows = assert_same_as_sqlalchemy(conn, expanding, {"ids": ids})
    assert rows == [(ids[0], True), (ids[1], True)]
    assert statement_plan(expanding, conn) is None
    assert expanding.all(conn, {"ids": [MISSING_ID]}) == []
    assert expanding.all(conn, {"ids": []}) == []
    assert expanding.one_or_none(conn, {"ids": [people.bob["id"]]}) == (people.bob["id"], False)

    literal = Prepared(select(USERS.c.username).where(USERS.c.id.in_(ids)).order_by(USERS.c.id))
    assert assert_same_as_sqlalchemy(conn, literal, {}) == [("alice",), ("carol",)]
    assert statement_plan(literal, conn) is None


def test_escaped_parameter_name_takes_sqlalchemy_path(people: People, conn: Connection) -> None:
    """A parameter name that needs escaping in the SQL ("user.id") still works."""
    prepared = Prepared(select(USERS.c.username).where(USERS.c.id == bindparam("user.id")))
    assert assert_same_as_sqlalchemy(conn, prepared, {"user.id": people.bob["id"]}) == [("bob",)]
    assert statement_plan(prepared, conn) is None


def _error_via_sqlalchemy(conn: Connection, prepared: Prepared) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught:
        conn.execute(prepared.stmt, {})
    conn.rollback()
    return caught.value


def test_database_error_is_a_dbapi_error(conn: Connection) -> None:
    """A statement the database rejects raises SQLAlchemy's DBAPIError subclass (the same
    class as SQLAlchemy's own path raises), wrapping the driver's exception."""
    prepared = Prepared(select(literal_column("no_such_column")).select_from(USERS))
    with pytest.raises(DBAPIError) as caught:
        prepared.all(conn, {})
    assert statement_plan(prepared, conn) is not None  # it failed on the direct path
    error = caught.value
    assert isinstance(error.orig, conn.dialect.loaded_dbapi.Error)
    assert "no_such_column" in str(error.statement)
    assert type(error) is not DBAPIError  # OperationalError, ProgrammingError...
    conn.rollback()
    assert type(_error_via_sqlalchemy(conn, prepared)) is type(error)


@pytest.fixture
def scratch_table(conn: Connection) -> Iterator[Table]:
    """A table of our own (not the app's schema, which PostgreSQL keeps between tests)."""
    table = Table(
        "prepared_scratch",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(20), nullable=False),
    )
    table.drop(conn, checkfirst=True)
    table.create(conn)
    conn.execute(table.insert(), [{"name": "one"}, {"name": "two"}])
    conn.commit()
    yield table
    conn.rollback()
    table.drop(conn, checkfirst=True)
    conn.commit()


def test_dropped_table_error_is_a_dbapi_error(conn: Connection, scratch_table: Table) -> None:
    """A plan compiled while the table existed, run after it was dropped: DBAPIError."""
    prepared = Prepared(select(scratch_table.c.name).order_by(scratch_table.c.id))
    assert prepared.all(conn, {}) == [("one",), ("two",)]
    conn.rollback()
    scratch_table.drop(conn)
    conn.commit()
    with pytest.raises(DBAPIError) as caught:
        prepared.all(conn, {})
    assert isinstance(caught.value.orig, conn.dialect.loaded_dbapi.Error)
    assert "prepared_scratch" in str(caught.value)
    conn.rollback()
    assert type(_error_via_sqlalchemy(conn, prepared)) is type(caught.value)


def test_connection_is_clean_in_the_pool_after_a_direct_error(app: Flask) -> None:
    """After a database error on the direct path, the pooled connection is reset when
    the Connection is closed: the next checkout works."""
    prepared = Prepared(select(literal_column("no_such_column")).select_from(USERS))
    for _ in range(2):
        with db.engine.connect() as conn, pytest.raises(DBAPIError):
            prepared.all(conn, {})
        with db.engine.connect() as conn:
            assert USER_BY_ID.all(conn, {"user_id": MISSING_ID}) == []
            assert conn.execute(select(USERS.c.id)).all() == []


def test_rollback_recovers_the_connection_after_a_direct_error(
    app: Flask, conn: Connection
) -> None:
    """After a failed statement, ``conn.rollback()`` makes the connection usable again,
    as it does after a failure through ``conn.execute``."""
    prepared = Prepared(select(literal_column("no_such_column")).select_from(USERS))
    _error_via_sqlalchemy(conn, prepared)  # rolls back, and the connection works:
    assert conn.execute(select(USERS.c.id)).all() == []
    conn.rollback()
    with pytest.raises(DBAPIError):
        prepared.all(conn, {})
    conn.rollback()
    assert conn.execute(select(USERS.c.id)).all() == []


# -- fetch(): the request path ---------------------------------------------------------------


def test_fetch_in_a_request_matches_and_returns_its_connection(
    app: Flask, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a request, fetch() reads on a pooled DBAPI connection of its own (not through
    Connection.execute), gives the same rows as SQLAlchemy, reuses that connection for
    the request's next read and gives it back to the pool when the request ends."""
    params = {"user_id": people.alice["id"]}
    with db.engine.connect() as conn:
        expected = [tuple(row) for row in conn.execute(USER_BY_ID.stmt, params)]
    checked_out = checked_out_connections()
    # An app context of its own, as each request has in production: its teardown returns
    # the connection (the fixture's app context spans the whole test).
    with app.app_context(), app.test_request_context():
        monkeypatch.setattr(Connection, "execute", _refuse)
        assert USER_BY_ID.fetch(params) == expected
        assert USER_BY_ID.fetch_one({"user_id": MISSING_ID}) is None
        if checked_out is not None:
            assert checked_out_connections() == checked_out + 1
        monkeypatch.undo()
    assert checked_out_connections() == checked_out


def checked_out_connections() -> int | None:
    """Connections checked out of the engine's pool (None: SQLite in memory's StaticPool,
    one shared connection, does not count)."""
    count = getattr(db.engine.pool, "checkedout", None)
    return count() if count is not None else None


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("Connection.execute called on the direct path")


def test_fetch_sees_the_requests_own_uncommitted_writes(app: Flask, people: People) -> None:
    """While the ORM session has a transaction open, fetch() reads through it."""
    with app.app_context(), app.test_request_context():
        db.session.execute(
            update(User).where(User.id == people.alice["id"]).values(about_me="changed")
        )
        row = USER_BY_ID.fetch_one({"user_id": people.alice["id"]})
        assert row is not None and row[3] == "changed"
        db.session.rollback()
        row = USER_BY_ID.fetch_one({"user_id": people.alice["id"]})
        assert row is not None and row[3] != "changed"


def test_fetch_with_cursor_listeners_goes_through_sqlalchemy(app: Flask, people: People) -> None:
    """With a listener on the engine, fetch() takes SQLAlchemy's path: the listener sees it."""
    seen: list[str] = []

    def listener(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with app.test_request_context():
            assert USER_BY_ID.fetch_one({"user_id": people.alice["id"]}) is not None
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(seen) == 1 and "FROM users" in seen[0]


def test_fetch_recovers_after_an_error_in_the_same_request(app: Flask, people: People) -> None:
    """A failed prepared read leaves the request's connection usable (rolled back, which
    matters on PostgreSQL), and the connection still goes back to the pool."""
    broken = Prepared(select(literal_column("no_such_column")).select_from(USERS))
    checked_out = checked_out_connections()
    with app.app_context(), app.test_request_context():
        with pytest.raises(DBAPIError) as caught:
            broken.fetch({})
        assert not caught.value.connection_invalidated
        assert USER_BY_ID.fetch_one({"user_id": people.alice["id"]}) is not None
    assert checked_out_connections() == checked_out
