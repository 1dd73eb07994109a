"""CORS (docs/reference.md#cors): the origins in CORS_ORIGINS may call the API from a browser,
preflight included, and read the headers a client needs (ETag, Link, pagination, rate limits)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microblog import create_app
from microblog.data.db import db
from tests.conftest import Api, dispose
from tests.integration.live import fresh_window

APP_ORIGIN = "https://app.example.com"
ADMIN_ORIGIN = "https://admin.example.com"
EXPOSED = {
    "etag",
    "link",
    "location",
    "x-total-count",
    "x-request-id",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "retry-after",
    "idempotent-replayed",
}


@contextmanager
def build(**settings: object) -> Iterator[Flask]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "CORS_ORIGINS": f"{APP_ORIGIN}, {ADMIN_ORIGIN} ,",
            **settings,
        }
    )
    try:
        with app.app_context():
            db.create_all()
            yield app
    finally:
        dispose(app)


@pytest.fixture
def cors_client() -> Iterator[FlaskClient]:
    with build() as app:
        yield app.test_client()


def header_set(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


@pytest.mark.parametrize("origin", [APP_ORIGIN, ADMIN_ORIGIN])
def test_allowed_origin_can_read_the_response_and_its_headers(
    cors_client: FlaskClient, origin: str
) -> None:
    response = cors_client.get("/api/v1/users", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    # Caches must key on Origin as well as on Authorization (two Vary fields are one list).
    vary = header_set(", ".join(response.headers.getlist("Vary")))
    assert {"origin", "authorization"} <= vary
    assert header_set(response.headers["Access-Control-Expose-Headers"]) >= EXPOSED
    # Credentials travel in headers, never cookies: no credentialed CORS.
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_other_origins_get_no_cors_headers(cors_client: FlaskClient) -> None:
    for origin in ("https://evil.example.com", "https://app.example.com.evil.net", "null"):
        response = cors_client.get("/api/v1/users", headers={"Origin": origin})
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_for_an_authenticated_conditional_write(cors_client: FlaskClient) -> None:
    response = cors_client.options(
        "/api/v1/posts/1",
        headers={
            "Origin": APP_ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    assert header_set(response.headers["Access-Control-Allow-Headers"]) >= {
        "authorization",
        "content-type",
        "if-match",
    }
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize(
    ("url", "method", "headers"),
    [
        ("/api/v1/posts", "POST", "authorization, content-type, idempotency-key"),
        ("/api/v1/me", "GET", "x-api-key, if-none-match, x-request-id"),
        ("/api/users/1", "DELETE", "authorization"),  # the unversioned alias too
    ],
)
def test_preflight_is_answered_without_credentials(
    cors_client: FlaskClient, url: str, method: str, headers: str
) -> None:
    response = cors_client.options(
        url,
        headers={
            "Origin": APP_ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert header_set(response.headers["Access-Control-Allow-Headers"]) >= header_set(headers)
    assert method in response.headers["Access-Control-Allow-Methods"]


def test_preflight_from_unknown_origin_is_not_allowed(cors_client: FlaskClient) -> None:
    response = cors_client.options(
        "/api/v1/posts",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_errors_are_readable_cross_origin(cors_client: FlaskClient) -> None:
    """A browser client must see the JSON error (and its request id), not a CORS failure."""
    for response in (
        cors_client.get("/api/v1/me", headers={"Origin": APP_ORIGIN}),
        cors_client.get("/api/v1/users/4242", headers={"Origin": APP_ORIGIN}),
        cors_client.get("/api/v1/no-such-thing", headers={"Origin": APP_ORIGIN}),
    ):
        assert response.status_code in (401, 404)
        assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
        assert "request_id" in response.get_json()


def test_pagination_and_etag_headers_are_exposed(cors_client: FlaskClient) -> None:
    api = Api(cors_client)
    for name in ("alice", "bob", "carol"):
        api.register(name)
    response = cors_client.get("/api/v1/users?per_page=1", headers={"Origin": APP_ORIGIN})
    exposed = header_set(response.headers["Access-Control-Expose-Headers"])
    for name in ("ETag", "Link", "X-Total-Count", "X-Request-ID"):
        assert name in response.headers
        assert name.lower() in exposed


def test_429_is_readable_with_retry_after() -> None:
    fresh_window(5.0)  # both requests in one clock-aligned minute
    with build(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="1 per minute") as app:
        client = app.test_client()
        client.get("/api/v1/users", headers={"Origin": APP_ORIGIN})
        response = client.get("/api/v1/users", headers={"Origin": APP_ORIGIN})
        assert response.status_code == 429
        assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
        exposed = header_set(response.headers["Access-Control-Expose-Headers"])
        assert {"retry-after", "ratelimit-remaining", "ratelimit-reset"} <= exposed
        assert "Retry-After" in response.headers


def test_no_origins_configured_means_no_cors(client: FlaskClient) -> None:
    response = client.get("/api/v1/users", headers={"Origin": APP_ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        "/api/v1/users",
        headers={"Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
