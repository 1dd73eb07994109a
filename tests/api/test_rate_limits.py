"""Rate limits (docs/reference.md#rate-limits): a default on every route, stricter shared limits on
the password routes per client address and per username tried, 429 in the error shape with
Retry-After and RateLimit-* headers, X-Forwarded-For believed only behind TRUSTED_PROXIES, Redis
storage shared between instances with an in-memory fallback when Redis is down.

Limits are off in the testing config, so every test here builds its own app with them on
(on SQLite: the limits do not depend on the database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microblog import create_app
from microblog.data.db import db
from tests.conftest import Api, basic, dispose
from tests.integration.live import free_port, fresh_window

MakeApp = Callable[..., Flask]
PASSWORD = "correct horse battery"


@pytest.fixture
def make_app() -> Iterator[MakeApp]:
    """Build apps with rate limiting on; settings override generous defaults."""
    with ExitStack() as stack:

        def make(**settings: Any) -> Flask:
            fresh_window(5.0)  # budgets are clock-aligned minutes: the test stays in one
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "RATELIMIT_ENABLED": True,
                    "RATELIMIT_DEFAULT": "1000 per minute",
                    "RATELIMIT_LOGIN_PER_ADDRESS": "1000 per minute",
                    "RATELIMIT_LOGIN_PER_USERNAME": "1000 per minute",
                    **settings,
                }
            )
            stack.callback(dispose, app)  # after its context has ended
            stack.enter_context(app.app_context())
            db.create_all()
            return app

        yield make


def limit_headers(response: Any) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["RateLimit-Limit"]),
        int(headers["RateLimit-Remaining"]),
        int(headers["RateLimit-Reset"]),
    )


def assert_429(response: Any, limit: int) -> None:
    assert response.status_code == 429, response.get_json()
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "message", "request_id"}
    assert body["error"] == "Too Many Requests"
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert 0 <= int(response.headers["Retry-After"]) <= 60
    assert limit_headers(response)[:2] == (limit, 0)


class TestDefaultLimit:
    def test_limit_then_429_with_headers(self, make_app: MakeApp) -> None:
        client = make_app(RATELIMIT_DEFAULT="3 per minute").test_client()
        for remaining in (2, 1, 0):
            response = client.get("/api/v1/users")
            assert response.status_code == 200
            limit, left, reset = limit_headers(response)
            assert (limit, left) == (3, remaining)
            assert 0 <= reset <= 60  # seconds from now, not an epoch time
            assert "Retry-After" not in response.headers
        assert_429(client.get("/api/v1/users"), limit=3)

    def test_429_as_problem_json(self, make_app: MakeApp) -> None:
        client = make_app(RATELIMIT_DEFAULT="1 per minute").test_client()
        client.get("/api/v1/posts")
        response = client.get("/api/v1/posts", headers={"Accept": "application/problem+json"})
        assert response.status_code == 429
        assert response.content_type == "application/problem+json"
        body = response.get_json()
        assert body["status"] == 429 and body["title"] == "Too Many Requests"
        assert "Retry-After" in response.headers

    def test_every_api_route_is_limited(self, make_app: MakeApp) -> None:
        app = make_app(RATELIMIT_DEFAULT="2 per minute")
        client = app.test_client()
        user = Api(client).register("alice")
        token_headers = {"Authorization": "Bearer nope"}
        for call in (
            lambda: client.get(f"/api/v1/users/{user['id']}"),
            lambda: client.get("/api/v1/me", headers=token_headers),
            lambda: client.get("/api/v1/openapi.json"),
            lambda: client.get(f"/todo/api/v1.0/tasks/{user['id']}"),
        ):
            statuses = [call().status_code for _ in range(3)]
            assert statuses[-1] == 429, statuses

    def test_only_the_liveness_probe_is_exempt(self, make_app: MakeApp) -> None:
        """/healthz answers a constant (api/ops.py); /readyz and /metrics do work."""
        client = make_app(RATELIMIT_DEFAULT="1 per minute").test_client()
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
        for url in ("/readyz", "/metrics"):
            assert [client.get(url).status_code for _ in range(2)] == [200, 429], url

    def test_budget_is_per_client_address(self, make_app: MakeApp) -> None:
        client = make_app(RATELIMIT_DEFAULT="1 per minute").test_client()
        one = {"REMOTE_ADDR": "198.51.100.1"}
        two = {"REMOTE_ADDR": "198.51.100.2"}
        assert client.get("/api/v1/users", environ_base=one).status_code == 200
        assert client.get("/api/v1/users", environ_base=one).status_code == 429
        assert client.get("/api/v1/users", environ_base=two).status_code == 200

    def test_rate_limit_setting_is_per_app(self, make_app: MakeApp) -> None:
        """Each app honours its own RATELIMIT_DEFAULT (the limiter is process-wide)."""
        first = make_app(RATELIMIT_DEFAULT="5 per minute").test_client()
        assert first.get("/api/v1/users").headers["RateLimit-Limit"] == "5"
        second = make_app(RATELIMIT_DEFAULT="2 per minute").test_client()
        assert second.get("/api/v1/users").headers["RateLimit-Limit"] == "2"


class TestForwardedFor:
    def test_x_forwarded_for_is_ignored_without_trusted_proxies(self, make_app: MakeApp) -> None:
        client = make_app(RATELIMIT_DEFAULT="2 per minute").test_client()
        statuses = [
            client.get("/api/v1/users", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(4)
        ]
        assert statuses == [200, 200, 429, 429]

    def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
        self, make_app: MakeApp
    ) -> None:
        client = make_app(RATELIMIT_DEFAULT="1 per minute", TRUSTED_PROXIES=1).test_client()
        proxy = {"REMOTE_ADDR": "10.0.0.1"}

        def get(forwarded: str) -> int:
            return client.get(
                "/api/v1/users", headers={"X-Forwarded-For": forwarded}, environ_base=proxy
            ).status_code

        assert get("203.0.113.1") == 200
        assert get("203.0.113.2") == 200
        assert get("203.0.113.1") == 429
        # A client cannot escape by prepending its own X-Forwarded-For: only the address
        # the trusted proxy appended (the last one) counts.
        assert get("192.0.2.99, 203.0.113.1") == 429


class TestPasswordRoutes:
    def test_wrong_passwords_count_and_then_even_the_right_one_is_refused(
        self, make_app: MakeApp
    ) -> None:
        client = make_app(RATELIMIT_LOGIN_PER_USERNAME="3 per minute").test_client()
        Api(client).register("alice")
        for _ in range(3):
            response = client.post("/api/v1/tokens", headers=basic("alice", "wrong"))
            assert response.status_code == 401
        blocked = client.post("/api/v1/tokens", headers=basic("alice", PASSWORD))
        assert_429(blocked, limit=3)
        assert "token" not in blocked.get_json()

    def test_limits_are_stricter_than_the_default(self, make_app: MakeApp) -> None:
        client = make_app(
            RATELIMIT_DEFAULT="100 per minute", RATELIMIT_LOGIN_PER_ADDRESS="2 per minute"
        ).test_client()
        statuses = [
            client.post("/api/v1/tokens", headers=basic(f"user{i}", "x")).status_code
            for i in range(3)
        ]
        assert statuses == [401, 401, 429]
        assert client.get("/api/v1/users").status_code == 200

    def test_username_budget_is_shared_by_both_routes_and_case_folded(
        self, make_app: MakeApp
    ) -> None:
        client = make_app(RATELIMIT_LOGIN_PER_USERNAME="3 per minute").test_client()
        Api(client).register("alice")
        assert client.post("/api/v1/tokens", headers=basic("Alice", "wrong")).status_code == 401
        login = client.post("/api/v1/auth/login", json={"username": " ALICE ", "password": "no"})
        assert login.status_code == 401
        assert client.post("/api/v1/auth/login", headers=basic("alice", "no")).status_code == 401
        blocked = client.post(
            "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
        )
        assert_429(blocked, limit=3)
        assert client.post("/api/v1/tokens", headers=basic("aLiCe", PASSWORD)).status_code == 429

    def test_username_budget_does_not_lock_out_other_accounts(self, make_app: MakeApp) -> None:
        client = make_app(RATELIMIT_LOGIN_PER_USERNAME="2 per minute").test_client()
        api = Api(client)
        api.register("alice")
        bob = api.register("bob")
        for _ in range(3):
            client.post("/api/v1/tokens", headers=basic("alice", "wrong"))
        assert client.post("/api/v1/tokens", headers=basic("alice", PASSWORD)).status_code == 429
        assert (
            client.post("/api/v1/tokens", headers=basic("bob", bob["password"])).status_code == 200
        )

    def test_address_budget_counts_every_username_tried(self, make_app: MakeApp) -> None:
        client = make_app(RATELIMIT_LOGIN_PER_ADDRESS="3 per minute").test_client()
        attacker = {"REMOTE_ADDR": "198.51.100.66"}
        for name in ("alice", "bob", "carol"):
            response = client.post(
                "/api/v1/auth/login",
                json={"username": name, "password": "guess"},
                environ_base=attacker,
            )
            assert response.status_code == 401
        blocked = client.post(
            "/api/v1/tokens", headers=basic("dave", "guess"), environ_base=attacker
        )
        assert_429(blocked, limit=3)
        other = client.post(
            "/api/v1/tokens",
            headers=basic("dave", "guess"),
            environ_base={"REMOTE_ADDR": "198.51.100.7"},
        )
        assert other.status_code == 401

    def test_email_login_is_keyed_by_the_email(self, make_app: MakeApp) -> None:
        client = make_app(RATELIMIT_LOGIN_PER_USERNAME="1 per minute").test_client()
        first = client.post(
            "/api/v1/auth/login", json={"email": "Alice@Example.com", "password": "x"}
        )
        assert first.status_code in (400, 401)
        again = client.post(
            "/api/v1/auth/login", json={"email": "alice@example.com", "password": "x"}
        )
        assert again.status_code == 429


def store_calls(server: Any) -> int:
    """Scripts the Redis server has been asked to run so far: the limiter's round trips
    (each one an increment; commands a script runs are counted apart)."""
    stats = server.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval"))


class TestRedisStorage:
    def test_counts_are_shared_between_instances(self, make_app: MakeApp, redis_url: str) -> None:
        import redis

        settings = {"REDIS_URL": redis_url, "RATELIMIT_DEFAULT": "3 per minute"}
        first = make_app(**settings).test_client()
        assert first.get("/api/v1/users").status_code == 200
        assert first.get("/api/v1/users").status_code == 200
        # A second instance (a new app with new storage) sees the first one's hits.
        second = make_app(**settings).test_client()
        response = second.get("/api/v1/users")
        assert response.status_code == 200
        assert response.headers["RateLimit-Remaining"] == "0"
        assert_429(second.get("/api/v1/users"), limit=3)
        keys = redis.Redis.from_url(redis_url).keys("*microblog*")
        assert keys, "the limiter did not write to Redis"

    def test_two_instances_share_one_budget_exactly(
        self, make_app: MakeApp, redis_url: str
    ) -> None:
        """Two instances taking turns are allowed the budget between them, no more and no
        less, and RateLimit-Remaining counts down across both."""
        settings = {"REDIS_URL": redis_url, "RATELIMIT_DEFAULT": "200 per hour"}
        clients = [make_app(**settings).test_client() for _ in range(2)]
        statuses, remaining = [], []
        for turn in range(210):
            response = clients[turn % 2].get("/api/v1/users")
            statuses.append(response.status_code)
            remaining.append(int(response.headers["RateLimit-Remaining"]))
        assert statuses == [200] * 200 + [429] * 10
        assert remaining == [*range(199, -1, -1)] + [0] * 10

    def test_password_budgets_are_counted_exactly_across_instances(
        self, make_app: MakeApp, redis_url: str
    ) -> None:
        """The login budgets never reserve ahead: two instances taking turns get exactly
        the budget of attempts between them."""
        settings = {"REDIS_URL": redis_url, "RATELIMIT_LOGIN_PER_USERNAME": "5 per hour"}
        clients = [make_app(**settings).test_client() for _ in range(2)]
        statuses = [
            clients[turn % 2].post("/api/v1/tokens", headers=basic("mallory", "guess")).status_code
            for turn in range(8)
        ]
        assert statuses == [401] * 5 + [429] * 3

    def test_redis_down_falls_back_to_memory_without_errors(self, make_app: MakeApp) -> None:
        closed = f"redis://127.0.0.1:{free_port()}/0"
        app = make_app(REDIS_URL=closed, RATELIMIT_DEFAULT="3 per minute")
        client: FlaskClient = app.test_client()
        statuses = [client.get("/api/v1/users").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]  # still limited, per process
        api = Api(client)
        alice = api.register("alice")
        token = client.post("/api/v1/tokens", headers=basic("alice", alice["password"]))
        assert token.status_code == 200
        assert "RateLimit-Limit" in token.headers
