"""One login budget for every password check
(docs/authentication.md#password-attempts-one-login-budget).

Found against the running server: the login budgets applied only to views marked as
password routes, so once ``POST /tokens`` answered 429 for an account, HTTP Basic on the
2013 todo routes still checked passwords for it at the general per-route rate. Username
and email of one account had separate budgets, and a Basic password of any length was
hashed. Here, every rule of the URL map is walked to show that a spent budget stops every
password check, whatever the route, and the hasher's ``verify`` is counted to show that
nothing is hashed past the budget."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from microblog import create_app
from microblog.data.db import db
from microblog.data.passwords import EXTENSION_KEY, MAX_PASSWORD_LENGTH
from tests.conftest import Api, basic

BUDGET = 5  # attempts per account
TOKENS = "/api/v1/tokens"
LOGIN = "/api/v1/auth/login"
TODO = "/todo/api/v1.0/tasks"
PASSWORD = "correct horse battery"
#: Windows of a day: a test never straddles the end of one (windows align to the clock).
LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_DEFAULT": "10000 per day",
    "RATELIMIT_LOGIN_PER_ADDRESS": "10000 per day",
    "RATELIMIT_LOGIN_PER_USERNAME": f"{BUDGET} per day",
}


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return LIMITS


class CountingHasher:
    """The app's argon2 hasher, counting the password checks (``verify``) it runs."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.calls = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls += 1
        return self.inner.verify(password_hash, password)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def count_verifies(app: Flask, monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    passwords = app.extensions[EXTENSION_KEY]
    counter = CountingHasher(passwords.hasher)
    monkeypatch.setattr(passwords, "hasher", counter)
    return counter


@pytest.fixture
def hashes(app: Flask, monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    return count_verifies(app, monkeypatch)


def addresses() -> Iterator[dict[str, str]]:
    """A new client address per request (a botnet)."""
    for i in range(1, 65000):
        yield {"REMOTE_ADDR": f"10.99.{i // 250}.{i % 250 + 1}"}


ATTACKER = {"REMOTE_ADDR": "198.51.100.66"}


def every_route(app: Flask) -> list[tuple[str, str]]:
    """Every (method, URL) of the URL map but HEAD/OPTIONS, path parameters set to 1."""
    found = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


GUESS = "wrong guess"


def attempt(client: FlaskClient, name: str, password: str = GUESS, **kw: Any) -> int:
    return client.post(TOKENS, headers=basic(name, password), **kw).status_code


def assert_429(response: TestResponse, limit: int) -> None:
    assert response.status_code == 429, response.get_json()
    body = response.get_json()
    assert set(body) == {"error", "message", "request_id"}
    assert body["error"] == "Too Many Requests"
    headers = response.headers
    assert int(headers["Retry-After"]) == int(headers["RateLimit-Reset"]) > 0
    assert (int(headers["RateLimit-Limit"]), int(headers["RateLimit-Remaining"])) == (limit, 0)


def walk(app: Flask, client: FlaskClient, logins: Iterator[str], environs: Any) -> set[str]:
    """Send every route HTTP Basic, and then a JSON login body, for the next name of
    ``logins``, with the right password; return the routes that answered 429. (Public
    routes answer 200: they ignore credentials.)"""
    refused = set()
    for method, url in every_route(app):
        for creds in ("basic", "json"):
            name = next(logins)
            sent: dict[str, Any] = (
                {"headers": basic(name, PASSWORD)}
                if creds == "basic"
                else {"json": {"username": name, "password": PASSWORD}}
            )
            response = client.open(url, method=method, environ_base=next(environs), **sent)
            assert response.status_code < 500, (method, url, creds)
            if response.status_code == 429:
                refused.add(f"{method} {url} {creds}")
    return refused


#: Where passwords are checked today: each must have answered 429 in a walk.
PASSWORD_ROUTES = {
    f"POST {TOKENS} basic",
    f"POST {LOGIN} basic",
    f"POST {LOGIN} json",
    f"GET {TODO} basic",
    f"POST {TODO} basic",
    f"GET {TODO}/1 basic",
    f"PUT {TODO}/1 basic",
    f"DELETE {TODO}/1 basic",
}


def bobs(name: str = "bob") -> Iterator[str]:
    while True:
        yield name


def test_no_route_checks_a_password_once_the_account_budget_is_spent(
    app: Flask, client: FlaskClient, api: Api, hashes: CountingHasher
) -> None:
    api.register("bob")
    assert [attempt(client, "bob", environ_base=ATTACKER) for _ in range(BUDGET)] == [401] * BUDGET
    assert hashes.calls == BUDGET
    # Every route, from a new address each time: the account's budget alone stops them.
    refused = walk(app, client, bobs(), addresses())
    assert hashes.calls == BUDGET, "a route checked a password past the account's budget"
    assert refused >= PASSWORD_ROUTES


class TestAddressBudget:
    @pytest.fixture
    def app_settings(self) -> dict[str, Any]:
        return {
            **LIMITS,
            "RATELIMIT_LOGIN_PER_ADDRESS": f"{BUDGET} per day",
            "RATELIMIT_LOGIN_PER_USERNAME": "10000 per day",
        }

    def test_no_route_checks_a_password_once_the_address_budget_is_spent(
        self, app: Flask, client: FlaskClient, api: Api, hashes: CountingHasher
    ) -> None:
        api.register("bob")
        statuses = [attempt(client, f"name{i}", environ_base=ATTACKER) for i in range(BUDGET)]
        assert statuses == [401] * BUDGET
        assert hashes.calls == BUDGET
        # A new account name each time, from the spent address: its budget alone stops them.
        names = (f"user{i}" for i in range(10000))
        refused = walk(app, client, names, iter(lambda: ATTACKER, None))
        assert hashes.calls == BUDGET, "a route checked a password past the address budget"
        assert refused >= PASSWORD_ROUTES
        other = {"REMOTE_ADDR": "198.51.100.7"}
        assert attempt(client, "bob", PASSWORD, environ_base=other) == 200
        assert hashes.calls == BUDGET + 1


def test_username_email_and_case_variants_are_one_account(
    client: FlaskClient, api: Api, hashes: CountingHasher
) -> None:
    api.register("bob")
    alice = api.register("alice")
    variants = ["bob", "BOB", "bob@example.com", "Bob@Example.COM", " Bob "]
    assert len(variants) == BUDGET
    assert [attempt(client, name) for name in variants] == [401] * BUDGET
    assert_429(client.post(TOKENS, headers=basic("bob", PASSWORD)), BUDGET)
    body = {"email": "BOB@example.com", "password": PASSWORD}
    assert_429(client.post(LOGIN, json=body), BUDGET)
    assert hashes.calls == BUDGET
    # Another account is untouched.
    assert attempt(client, "alice@example.com", alice["password"]) == 200


def test_an_unknown_name_has_a_budget_of_its_own_of_the_same_size(
    client: FlaskClient, api: Api, hashes: CountingHasher
) -> None:
    bob = api.register("bob")
    assert [attempt(client, "nobody") for _ in range(BUDGET)] == [401] * BUDGET
    assert hashes.calls == BUDGET  # each one costs a (dummy) hash, like a known name
    assert_429(client.post(TOKENS, headers=basic("NoBody", GUESS)), BUDGET)
    assert_429(client.post(LOGIN, json={"username": "nobody", "password": "x"}), BUDGET)
    assert hashes.calls == BUDGET
    # An unknown name spends neither a known account's budget nor another unknown one's.
    assert attempt(client, "bob", bob["password"]) == 200
    assert attempt(client, "nobody2") == 401


def test_todo_routes_answer_429_once_tokens_spent_the_budget(
    client: FlaskClient, api: Api, hashes: CountingHasher
) -> None:
    """The attack as found: /tokens answers 429 for bob, then Basic on the todo routes."""
    api.register("bob")
    assert [attempt(client, "bob") for _ in range(BUDGET)] == [401] * BUDGET
    assert_429(client.post(TOKENS, headers=basic("bob", GUESS)), BUDGET)
    for password in ("another guess", PASSWORD):
        headers = basic("bob", password)
        assert_429(client.get(TODO, headers=headers), BUDGET)
        assert_429(client.get(f"{TODO}/1", headers=headers), BUDGET)
        assert_429(client.post(TODO, headers=headers, json={"title": "x"}), BUDGET)
    assert hashes.calls == BUDGET


def test_current_password_checks_spend_the_same_budget(
    client: FlaskClient, api: Api, hashes: CountingHasher
) -> None:
    """Changing one's password with ``current_password`` is a password check too: a
    stolen token cannot guess the password through it past the account's budget."""
    bob, headers = api.login("bob")
    spent = hashes.calls
    url = f"/api/v1/users/{bob['id']}"
    for n in range(BUDGET - 1):  # one attempt went to the token
        body = {"password": "a new password", "current_password": f"guess {n}"}
        assert client.patch(url, json=body, headers=headers).status_code == 403
    assert hashes.calls == spent + BUDGET - 1
    body = {"password": "a new password", "current_password": PASSWORD}
    assert_429(client.patch(url, json=body, headers=headers), BUDGET)
    assert_429(client.post(TOKENS, headers=basic("bob", PASSWORD)), BUDGET)
    assert hashes.calls == spent + BUDGET - 1


def test_an_overlong_basic_password_is_refused_without_hashing(
    client: FlaskClient, api: Api, hashes: CountingHasher
) -> None:
    api.register("bob")
    alice = api.register("alice")
    huge = "x" * 40_000
    for response in (
        client.post(TOKENS, headers=basic("bob", huge)),
        client.post(LOGIN, headers=basic("bob", huge)),
        client.get(TODO, headers=basic("bob", huge)),
    ):
        assert response.status_code == 401, response.get_json()
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert client.post(LOGIN, json={"username": "bob", "password": huge}).status_code == 400
    assert hashes.calls == 0
    # The one limit for both: the longest accepted password is hashed, one more is not.
    assert attempt(client, "alice", "y" * MAX_PASSWORD_LENGTH) == 401
    assert hashes.calls == 1
    assert attempt(client, "alice", "y" * (MAX_PASSWORD_LENGTH + 1)) == 401
    assert hashes.calls == 1
    too_long = {"username": "alice", "password": "y" * (MAX_PASSWORD_LENGTH + 1)}
    assert client.post(LOGIN, json=too_long).status_code == 400
    assert attempt(client, "alice", alice["password"]) == 200


def test_two_instances_share_the_account_budget_in_redis(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two app instances on one database and one Redis: the account's attempts through
    either (username on one, email on the other) are counted exactly, once."""
    settings = {
        **LIMITS,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.db'}",
        "REDIS_URL": redis_url,
    }
    first, second = create_app(settings), create_app(settings)
    with first.app_context():
        db.create_all()
    clients = [first.test_client(), second.test_client()]
    bob = Api(clients[0]).register("bob")
    counters = [count_verifies(first, monkeypatch), count_verifies(second, monkeypatch)]
    names = ["bob", "bob@example.com", "BOB", "Bob@Example.COM", "bob"]
    statuses = [attempt(clients[i % 2], name) for i, name in enumerate(names)]
    assert statuses == [401] * BUDGET
    assert_429(clients[1].post(TOKENS, headers=basic("bob", bob["password"])), BUDGET)
    assert_429(clients[0].get(TODO, headers=basic("bob@example.com", bob["password"])), BUDGET)
    assert [c.calls for c in counters] == [3, 2]
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()
