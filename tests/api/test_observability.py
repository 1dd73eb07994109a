"""Operations (docs/reference.md#operations): one JSON access-log line per request that never
carries a secret, Prometheus metrics at /metrics, and the /readyz readiness probe."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from microblog.data.db import db
from microblog.telemetry.logs import JsonFormatter, TextFormatter
from tests.conftest import Api, BuildApp, basic, bearer
from tests.integration.live import free_port

ACCESS_FIELDS = {
    "time",
    "level",
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "user_id",
}


class Lines(logging.Handler):
    """Keeps every record of the ``microblog`` loggers formatted exactly as the app's own
    handler writes it."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))

    def access(self) -> list[dict[str, Any]]:
        return [
            json.loads(line)
            for line, record in zip(self.lines, self.records, strict=True)
            if record.name == "microblog.access"
        ]


@contextmanager
def capture(app: Flask) -> Iterator[Lines]:
    logger = logging.getLogger("microblog")
    (app_handler,) = logger.handlers
    assert app_handler.formatter is not None
    handler = Lines(app_handler.formatter)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def json_app(build_app: BuildApp) -> BuildApp:
    """``json_app(database_url="sqlite://", **settings)``: an app that logs JSON lines."""

    def build(database_url: str = "sqlite://", **settings: Any) -> Flask:
        return build_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "json", **settings}
        )

    return build


@pytest.fixture
def logged(json_app: BuildApp) -> Iterator[tuple[FlaskClient, Lines]]:
    app = json_app()
    with app.app_context():
        db.create_all()
        with capture(app) as lines:
            yield app.test_client(), lines


class TestAccessLog:
    def test_json_formatter_is_used_when_asked(
        self, json_app: BuildApp, build_app: BuildApp
    ) -> None:
        json_app()
        (handler,) = logging.getLogger("microblog").handlers
        assert isinstance(handler.formatter, JsonFormatter)
        build_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": "text"})
        (handler,) = logging.getLogger("microblog").handlers
        assert isinstance(handler.formatter, TextFormatter)

    def test_one_json_line_per_request_with_the_fields(
        self, logged: tuple[FlaskClient, Lines]
    ) -> None:
        client, lines = logged
        alice, headers = Api(client).login("alice")
        before = len(lines.access())
        response = client.get(
            f"/api/v1/users/{alice['id']}", headers={**headers, "X-Request-ID": "trace-42"}
        )
        assert response.status_code == 200
        entries = lines.access()
        assert len(entries) == before + 1
        entry = entries[-1]
        assert set(entry) >= ACCESS_FIELDS
        assert entry["level"] == "INFO"
        assert entry["request_id"] == "trace-42" == response.headers["X-Request-ID"]
        assert entry["method"] == "GET"
        assert entry["status"] == 200
        assert entry["user_id"] == alice["id"]
        assert isinstance(entry["duration_ms"], int | float) and entry["duration_ms"] >= 0
        assert entry["time"].endswith("Z")
        # The route template, not the concrete URL (bounded cardinality for log queries).
        assert entry["route"] == "/api/v1/users/<id:user_id>"
        for line in lines.lines:
            assert "\n" not in line

    def test_errors_and_unknown_urls_are_logged_too(
        self, logged: tuple[FlaskClient, Lines]
    ) -> None:
        client, lines = logged
        client.get("/api/v1/no/such/thing")
        client.delete("/api/v1/users")
        client.get("/api/v1/me")
        entries = lines.access()[-3:]
        assert [e["status"] for e in entries] == [404, 405, 401]
        assert entries[0]["route"] == "unmatched"
        assert all(e["user_id"] is None for e in entries)

    def test_no_password_token_or_key_is_ever_logged(
        self, logged: tuple[FlaskClient, Lines]
    ) -> None:
        client, lines = logged
        password = "Sup3r-s3cret-passw0rd"
        secrets = [password]
        created = client.post(
            "/api/v1/users",
            json={"username": "alice", "email": "alice@example.com", "password": password},
        )
        assert created.status_code == 201
        token_response = client.post("/api/v1/tokens", headers=basic("alice", password))
        token = token_response.get_json()["token"]
        secrets.append(token)
        pair = client.post(
            "/api/v1/auth/login", json={"username": "alice", "password": password}
        ).get_json()
        secrets += [pair["access_token"], pair["refresh_token"]]
        key_response = client.post(
            "/api/v1/me/api-keys", json={"name": "ci"}, headers=bearer(token)
        )
        key = key_response.get_json()["key"]
        secrets.append(key)

        client.get("/api/v1/me", headers=bearer(token))
        client.get("/api/v1/me", headers={"X-API-Key": key})
        client.get("/api/v1/me", headers=bearer(pair["access_token"]))
        client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        client.post("/api/v1/tokens", headers=basic("alice", password + "-wrong"))
        client.get(f"/api/v1/users?q=x&token={token}&api_key={key}")
        client.patch(
            "/api/v1/users/1", json={"password": password + "-new"}, headers=bearer(token)
        )
        secrets.append(password + "-new")

        statuses = [e["status"] for e in lines.access()]
        assert len(statuses) == 11
        text = "\n".join(lines.lines)
        for secret in secrets:
            assert secret not in text
        # Nor the Basic credentials in their encoded form.
        assert basic("alice", password)["Authorization"].split()[1] not in text

    def test_text_format_is_key_value_and_as_discreet(self, build_app: BuildApp) -> None:
        app = build_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": "text"})
        with app.app_context():
            db.create_all()
            with capture(app) as lines:
                client = app.test_client()
                user = Api(client).register("bob")
                client.post("/api/v1/tokens", headers=basic("bob", user["password"]))
                line = lines.lines[-1]
                assert "method=POST" in line and "status=200" in line
                assert "route=/api/v1/tokens" in line
                assert user["password"] not in "\n".join(lines.lines)


def metric_value(
    client: FlaskClient, name: str, labels: dict[str, str], sample: str | None = None
) -> float:
    response = client.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            if s.name == (sample or name) and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


class TestMetrics:
    def test_prometheus_text(self, client: FlaskClient) -> None:
        client.get("/healthz")
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        body = response.get_data(as_text=True)
        assert "# TYPE microblog_http_requests_total counter" in body
        assert "# TYPE microblog_http_request_duration_seconds histogram" in body

    def test_requests_are_counted_by_route_method_and_status(
        self, api: Api, client: FlaskClient
    ) -> None:
        alice = api.register("alice")
        route = "/api/v1/users/<id:user_id>"
        ok = {"route": route, "method": "GET", "status": "200"}
        missing = {"route": route, "method": "GET", "status": "404"}
        before_ok = metric_value(client, "microblog_http_requests_total", ok)
        before_missing = metric_value(client, "microblog_http_requests_total", missing)
        before_count = metric_value(
            client,
            "microblog_http_request_duration_seconds",
            {"route": route, "method": "GET"},
            sample="microblog_http_request_duration_seconds_count",
        )
        client.get(f"/api/v1/users/{alice['id']}")
        client.get(f"/api/v1/users/{alice['id']}")
        client.get("/api/v1/users/4242")
        assert metric_value(client, "microblog_http_requests_total", ok) == before_ok + 2
        assert metric_value(client, "microblog_http_requests_total", missing) == before_missing + 1
        after_count = metric_value(
            client,
            "microblog_http_request_duration_seconds",
            {"route": route, "method": "GET"},
            sample="microblog_http_request_duration_seconds_count",
        )
        assert after_count == before_count + 3

    def test_concrete_urls_never_become_labels(self, client: FlaskClient) -> None:
        client.get("/api/v1/users/987654")
        client.get("/api/v1/definitely/not/here")
        body = client.get("/metrics").get_data(as_text=True)
        assert "987654" not in body
        assert "definitely" not in body
        assert 'route="unmatched"' in body


class TestReadiness:
    def test_ready_on_each_database(self, client: FlaskClient) -> None:
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}

    def test_ready_with_redis(self, redis_url: str, json_app: BuildApp) -> None:
        app = json_app(REDIS_URL=redis_url)
        with app.app_context():
            response = app.test_client().get("/readyz")
            assert response.status_code == 200
            assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}

    def test_redis_down_is_503_naming_redis(self, json_app: BuildApp) -> None:
        app = json_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
        with app.app_context():
            client = app.test_client()
            response = client.get("/readyz")
            assert response.status_code == 503
            body = response.get_json()
            assert body["error"] == "Service Unavailable"
            assert "redis" in body["message"]
            assert set(body["errors"]) == {"redis"}
            assert "request_id" in body
            assert client.get("/healthz").status_code == 200  # alive, just not ready

    def test_database_down_is_503_naming_the_database_without_leaking_the_url(
        self, json_app: BuildApp
    ) -> None:
        url = f"postgresql+psycopg://microblog:hunter2-secret@127.0.0.1:{free_port()}/microblog"
        app = json_app(url)
        with app.app_context():
            client = app.test_client()
            response = client.get("/readyz")
            assert response.status_code == 503
            body = response.get_json()
            assert body["error"] == "Service Unavailable"
            assert "database" in body["message"]
            assert set(body["errors"]) == {"database"}
            text = response.get_data(as_text=True)
            assert "hunter2" not in text and "127.0.0.1" not in text
            assert client.get("/healthz").status_code == 200
            db.engine.dispose()

    def test_both_down_names_both(self, json_app: BuildApp) -> None:
        app = json_app(
            "sqlite:////nonexistent-dir/for/sure/microblog.db",
            REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        )
        with app.app_context():
            response = app.test_client().get("/readyz")
            assert response.status_code == 503
            assert set(response.get_json()["errors"]) == {"database", "redis"}
