"""The attacks docs/security.md guards against, over real HTTP, against the service as
users run it: ``make run`` (the Flask server, development, SQLite) and gunicorn with the
shipped gunicorn.conf.py in production on PostgreSQL and Redis. Each attack uses a client
address of its own (``X-Forwarded-For`` behind ``TRUSTED_PROXIES=1``), so their login
budgets do not mix. The in-process tests of each rule live in the other modules of this package."""

from __future__ import annotations

import itertools
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import pg
from tests.integration.live import flask_server, fresh_window, migrate
from tests.integration.test_multi_instance import (
    basic,
    bearer,
    call,
    production_environment,
    start_gunicorn,
    stop,
    wait_until_up,
)

PASSWORD = "correct horse battery"
_addresses = itertools.count(10)


class Target:
    """A running server, and the next client address to attack it from."""

    def __init__(self, base: str, log: Path | None, *, gunicorn: bool) -> None:
        self.base = base
        self.log = log
        self.gunicorn = gunicorn  # else the Flask development server of ``make run``

    def client(self) -> Client:
        return Client(self.base, f"198.51.100.{next(_addresses)}")


class Client:
    def __init__(self, base: str, address: str) -> None:
        self.base = base
        self.address = address

    def __call__(self, method: str, path: str, **kw: Any) -> Any:
        headers = {"X-Forwarded-For": self.address, **kw.pop("headers", {})}
        return call(self.base, method, path, headers=headers, **kw)

    def register(self, name: str) -> dict[str, Any]:
        reply = self(
            "POST",
            "/api/v1/users",
            json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
        assert reply.status == 201, reply.body
        user: dict[str, Any] = reply.json()
        return user

    def token(self, name: str) -> str:
        reply = self("POST", "/api/v1/tokens", headers=basic(name, PASSWORD))
        assert reply.status == 200, reply.body
        return str(reply.json()["token"])


def production_env(workdir: Path, database_url: str) -> dict[str, str]:
    env = production_environment(workdir, database_url)
    env.update(
        LOG_FORMAT="text",
        TRUSTED_PROXIES="1",
        TRUSTED_HOSTS="127.0.0.1",
    )
    return env


@pytest.fixture(scope="module", params=["make run (SQLite)", "gunicorn (PostgreSQL)"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    workdir = Path(tempfile.mkdtemp(prefix="microblog-attacks-"))
    try:
        if request.param.startswith("make run"):
            env = {
                "DATABASE_URL": f"sqlite:///{workdir / 'microblog.db'}",
                "MICROBLOG_INSTANCE": str(workdir / "instance"),
                "TRUSTED_PROXIES": "1",
            }
            with flask_server(env) as base:
                yield Target(base, None, gunicorn=False)
            return
        server = request.getfixturevalue("postgres_server")
        env = production_env(workdir, pg.create_database(server, "microblog_attacks"))
        # As the README deploys it: limits shared by the workers through Redis.
        env["REDIS_URL"] = request.getfixturevalue("redis_server")
        migrate(env)
        instance = start_gunicorn("attacked", env, workdir)
        try:
            wait_until_up(instance)
            yield Target(instance.base, instance.log, gunicorn=True)
        finally:
            stop(instance.process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_1_a_deleted_accounts_credentials_do_not_pass_to_the_next_account(target: Target) -> None:
    c = target.client()
    name = f"eve{c.address.rsplit('.', 1)[1]}"
    eve = c.register(name)
    token = c.token(name)
    pair = c("POST", "/api/v1/auth/login", json={"username": name, "password": PASSWORD}).json()
    key = c("POST", "/api/v1/me/api-keys", json={"name": "k"}, headers=bearer(token)).json()["key"]
    assert (
        c("DELETE", f"/api/v1/users/{eve['id']}", headers=bearer(pair["access_token"])).status
        == 204
    )
    frank = c.register(f"frank{c.address.rsplit('.', 1)[1]}")
    assert frank["id"] != eve["id"]
    for secret in (token, pair["access_token"], key):
        assert c("GET", "/api/v1/me", headers=bearer(secret)).status == 401
    assert (
        c("POST", "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status
        == 401
    )


def test_2_the_todo_routes_share_the_login_budget(target: Target) -> None:
    c = target.client()
    name = f"bob{c.address.rsplit('.', 1)[1]}"
    c.register(name)
    fresh_window(30.0)  # ten argon2 checks, then three more, all in one window
    statuses = [
        c("POST", "/api/v1/tokens", headers=basic(name, "wrong guess")).status for _ in range(10)
    ]
    assert statuses == [401] * 10  # RATELIMIT_LOGIN_PER_USERNAME: 10 per minute
    for login in (name, name.upper(), f"{name}@example.com"):
        reply = c("GET", "/todo/api/v1.0/tasks", headers=basic(login, PASSWORD))
        assert reply.status == 429, (login, reply.body)


def test_3_a_stolen_token_or_key_cannot_take_the_account(target: Target) -> None:
    c = target.client()
    name = f"carol{c.address.rsplit('.', 1)[1]}"
    carol = c.register(name)
    token = c.token(name)
    key = c("POST", "/api/v1/me/api-keys", json={"name": "k"}, headers=bearer(token)).json()["key"]
    url = f"/api/v1/users/{carol['id']}"
    assert c("PATCH", url, json={"password": "taken over!"}, headers=bearer(token)).status == 403
    body = {"password": "taken over!", "current_password": PASSWORD}
    assert c("PATCH", url, json=body, headers={"X-API-Key": key}).status == 403
    assert c("PATCH", url, json=body, headers=bearer(token)).status == 200
    assert c("GET", "/api/v1/me", headers={"X-API-Key": key}).status == 401  # keys end too


@pytest.mark.parametrize(
    "query", ["author=9223372036854775808", "since=0001-01-01T00:00:00%2B14:00"]
)
def test_4_out_of_range_input_is_400_not_500(target: Target, query: str) -> None:
    reply = target.client()("GET", f"/api/v1/posts?{query}")
    assert reply.status == 400, reply.body
    assert reply.json()["errors"]


def test_5_an_untrusted_host_header_is_refused(target: Target) -> None:
    c = target.client()
    name = f"dan{c.address.rsplit('.', 1)[1]}"
    c.register(name)
    token = c.token(name)
    reply = c(
        "POST",
        "/api/v1/tasks",
        json={"title": "x"},
        headers={**bearer(token), "Host": "evil.example"},
    )
    assert reply.status == 400
    assert b"evil.example" not in reply.body


def test_6_a_path_cannot_forge_a_log_line(target: Target) -> None:
    if target.log is None:
        pytest.skip(
            "make run writes its log to the terminal; the text-log rule is tested in-process"
        )
    marker = secrets.token_hex(8)
    forged = f"/api/v1/x{marker}%0A2026-01-01%20INFO%20microblog.access%20forged=yes"
    before = target.log.read_text(errors="replace").count(marker)
    assert target.client()("GET", forged).status == 404
    lines = [
        line for line in target.log.read_text(errors="replace").splitlines() if marker in line
    ]
    assert before == 0 and len(lines) == 1
    assert not any(line.startswith("2026-01-01") for line in lines)


def test_7_weak_secrets_stop_production(tmp_path: Path) -> None:
    env = production_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    for name, value in (("SECRET_KEY", "secret"), ("SECRET_KEY", "x" * 16),
                        ("JWT_SECRET_KEY", "secret")):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", "from microblog import create_app; create_app()"],
            env={**env, name: value},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode != 0 and name in done.stderr, (name, value)


def test_8_metrics_and_readiness_detail_are_not_public(target: Target) -> None:
    c = target.client()
    assert c("GET", "/metrics").status == 403
    ready = c("GET", "/readyz")
    assert b"database" not in ready.body


def test_9_a_long_basic_password_is_refused(target: Target) -> None:
    c = target.client()
    reply = c("POST", "/api/v1/tokens", headers=basic("nobody", "x" * 40_000))
    # gunicorn's header limit (8190 B) answers 431; make run's Werkzeug passes it on: app, 401
    assert reply.status == (431 if target.gunicorn else 401), reply.body
    # Short enough for gunicorn's limit, still past the app's 256: refused unhashed on both.
    reply = c("POST", "/api/v1/tokens", headers=basic("nobody", "x" * 5_000))
    assert reply.status == 401, reply.body
