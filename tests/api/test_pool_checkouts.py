"""One pool checkout per request at most: the ORM session and Core reads share the
request's connection (data.db.request_connection).

Before, on PostgreSQL: GET /users/{id} 1, GET /posts 2 (a raw DBAPI connection for the
credential, a Connection for the page), POST /posts 3 (raw DBAPI, the session's until its
commit, a Connection for the read after it)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from microblog.data.db import db
from tests.conftest import Api, bearer


class Checkouts:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


def isolated(client: FlaskClient, method: str, path: str, **kwargs: Any) -> TestResponse:
    """The request in a thread of its own, so it gets its own application context (and
    its teardown), as in production: the test's own context would otherwise be shared."""
    result: list[TestResponse] = []
    thread = threading.Thread(
        target=lambda: result.append(client.open(path, method=method, **kwargs))
    )
    thread.start()
    thread.join()
    return result[0]


@pytest.fixture
def checkouts(client: FlaskClient) -> Iterator[Checkouts]:
    counter = Checkouts()
    pool = db.engine.pool
    event.listen(pool, "checkout", counter)
    yield counter
    event.remove(pool, "checkout", counter)


def test_authenticated_read_checks_out_once(
    api: Api, client: FlaskClient, checkouts: Checkouts, backend: str
) -> None:
    user, headers = api.login("alice")
    for path in (f"/api/v1/users/{user['id']}", "/api/v1/me", "/api/v1/posts", "/api/v1/feed"):
        before = checkouts.count
        response = isolated(client, "GET", path, headers=headers)
        assert response.status_code == 200, (path, response.get_json())
        assert checkouts.count - before <= 1, path


def test_write_checks_out_once(
    api: Api, client: FlaskClient, checkouts: Checkouts, backend: str
) -> None:
    _, headers = api.login("alice")
    for body, extra in (({"body": "x"}, {}), ({"body": "y"}, {"Idempotency-Key": "k"})):
        before = checkouts.count
        response = isolated(
            client, "POST", "/api/v1/posts", json=body, headers={**headers, **extra}
        )
        assert response.status_code == 201, response.get_json()
        assert checkouts.count - before <= 1, extra


def test_jwt_read_checks_out_once(api: Api, client: FlaskClient, checkouts: Checkouts) -> None:
    api.register("bob")
    pair = client.post(
        "/api/v1/auth/login", json={"username": "bob", "password": "correct horse battery"}
    ).get_json()
    before = checkouts.count
    assert (
        isolated(client, "GET", "/api/v1/me", headers=bearer(pair["access_token"])).status_code
        == 200
    )
    assert checkouts.count - before <= 1
