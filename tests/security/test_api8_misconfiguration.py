"""OWASP API8:2023 Security Misconfiguration: trusted hosts (docs/reference.md#host-names), secrets
refused in production, and text log lines that a request cannot forge.

Links, ``Location`` and access lines of requests that write are checked on SQLite and
PostgreSQL. SQLite only, as they never reach the database: the untrusted-host refusals (the
first step of the pipeline, before any query), settings that stop start-up, and log lines
of requests that end before a query. The secrets are judged by ``load_config`` alone."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microblog import create_app
from microblog.config import load_config
from tests.conftest import Api, basic, bearer
from tests.security.configured import MakeApp, make_app, sqlite_only

__all__ = ["make_app"]  # the fixture, imported to be found

EVIL = "evil.example"


def every_rule_and_method(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule of the URL map and every method it takes,
    with each path argument given the value 1."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        values = dict.fromkeys(rule.arguments, 1)
        for method in sorted(rule.methods or ()):
            found.append(
                (rule.endpoint, method, adapter.build(rule.endpoint, values, method=method))
            )
    return found


def login(app: Flask, **client_options: Any) -> tuple[FlaskClient, dict[str, str]]:
    client = app.test_client(**client_options)
    _, headers = Api(client).login("alice")
    return client, headers


@sqlite_only
class TestUntrustedHost:
    def test_every_rule_and_method_refuses_an_untrusted_host(self, make_app: MakeApp) -> None:
        """Generated from the URL map: every route, whether it writes links or not."""
        app = make_app()
        client = app.test_client()
        routes = every_rule_and_method(app)
        assert len(routes) > 50
        assert {"tasks.create_task", "todo.create_task", "api_keys.create_key"} <= {
            endpoint for endpoint, _, _ in routes
        }
        for endpoint, method, path in routes:
            body = {} if method in ("POST", "PUT", "PATCH") else None
            response = client.open(path, method=method, json=body, headers={"Host": EVIL})
            assert response.status_code == 400, (endpoint, method, path)
            assert "Location" not in response.headers
            if method != "HEAD":
                body = response.get_json()
                assert body["error"] == "Bad Request", (endpoint, method)
                assert set(body) == {"error", "message", "request_id"}
                assert EVIL not in response.get_data(as_text=True)

    def test_unknown_urls_refuse_it_too(self, make_app: MakeApp) -> None:
        client = make_app().test_client()
        assert client.get("/no/such/url", headers={"Host": EVIL}).status_code == 400

    @pytest.mark.parametrize(
        "host", [EVIL, f"{EVIL}:443", "localhost.evil.example", "127.0.0.1.evil.example", "a b"]
    )
    def test_near_misses_are_refused(self, make_app: MakeApp, host: str) -> None:
        client = make_app().test_client()
        response = client.get("/healthz", headers={"Host": host})
        assert response.status_code == 400

    def test_missing_host_is_refused(self, make_app: MakeApp) -> None:
        """No Host header: the server's own address (0.0.0.0 here) is not a trusted name."""
        client = make_app().test_client()
        environ = {"SERVER_NAME": "0.0.0.0", "SERVER_PORT": "8000"}  # noqa: S104 - a test value
        response = client.get("/healthz", headers={"Host": ""}, environ_overrides=environ)
        assert response.status_code == 400

    def test_checked_before_credentials_limits_and_bodies(self, make_app: MakeApp) -> None:
        """The pipeline's first step: no password is checked (401), no budget spent
        (RateLimit-*), no body judged (415) for a host the server does not answer to."""
        app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="1 per minute")
        client = app.test_client()
        evil = {"Host": EVIL}
        response = client.post("/api/v1/tokens", headers={**evil, **basic("alice", "wrong")})
        assert response.status_code == 400
        assert "WWW-Authenticate" not in response.headers
        assert "RateLimit-Limit" not in response.headers
        typed = client.post("/api/v1/users", data="x", content_type="text/plain", headers=evil)
        assert typed.status_code == 400
        for _ in range(3):
            assert client.get("/api/v1/users", headers=evil).status_code == 400
        # None of those spent the trusted client's budget (same address, same route).
        assert app.test_client().get("/api/v1/users").status_code == 200


class TestTrustedHost:
    @pytest.mark.parametrize(
        ("host", "origin"),
        [
            ("localhost", "http://localhost"),
            ("LocalHost:5000", "http://localhost:5000"),
            ("127.0.0.1:8000", "http://127.0.0.1:8000"),
            ("[::1]:8080", "http://[::1]:8080"),
        ],
    )
    def test_loopback_names_build_links(self, make_app: MakeApp, host: str, origin: str) -> None:
        client, headers = login(make_app())
        headers = {**headers, "Host": host}
        created = client.post("/api/v1/tasks", json={"title": "t"}, headers=headers)
        assert created.status_code == 201, created.get_json()
        task_id = created.get_json()["id"]
        assert created.headers["Location"].lower() == f"{origin}/api/v1/tasks/{task_id}"
        assert created.get_json()["uri"].lower() == f"{origin}/api/v1/tasks/{task_id}"

    def test_trusted_hosts_setting(self, make_app: MakeApp) -> None:
        app = make_app(TRUSTED_HOST_NAMES=["api.example.com", ".example.org"])
        client, headers = login(app)
        for host in ("api.example.com", "example.org", "eu.example.org:8443"):
            created = client.post(
                "/todo/api/v1.0/tasks", json={"title": "t"}, headers={**headers, "Host": host}
            )
            assert created.status_code == 201, (host, created.get_json())
            assert created.headers["Location"].startswith(f"http://{host}/todo/api/v1.0/tasks/")
            assert created.get_json()["task"]["uri"] == created.headers["Location"]
        for host in ("example.com", "evil-example.org", "api.example.com.evil.example"):
            response = client.get("/api/v1/me", headers={**headers, "Host": host})
            assert response.status_code == 400, host

    def test_trusted_hosts_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TRUSTED_HOSTS", " api.example.com, ,10.0.0.5 ,::2 ")
        app = create_app("testing")
        assert app.config["TRUSTED_HOST_NAMES"] == ["api.example.com", "10.0.0.5", "::2"]
        # Flask's own setting stays off: see microblog/hosts.py for why.
        assert app.config["TRUSTED_HOSTS"] is None
        client = app.test_client()
        for host in ("api.example.com", "10.0.0.5:8000", "[::2]", "localhost"):
            assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
        assert client.get("/healthz", headers={"Host": "10.0.0.6"}).status_code == 400

    @pytest.mark.parametrize(
        "entry", ["https://api.example.com", "api.example.com:8443", "bad_name", "a..b"]
    )
    @sqlite_only
    def test_a_bad_entry_stops_start_up(self, make_app: MakeApp, entry: str) -> None:
        with pytest.raises(RuntimeError, match="TRUSTED_HOSTS"):
            make_app(TRUSTED_HOST_NAMES=[entry])


class TestPublicUrl:
    def test_links_and_location_use_it_whatever_the_host(self, make_app: MakeApp) -> None:
        app = make_app(PUBLIC_URL="https://API.example.com/prefix/")
        assert app.config["PUBLIC_URL"] == "https://api.example.com/prefix"
        client, headers = login(app)
        base = "https://api.example.com/prefix"
        for host in ("localhost", "api.example.com", "127.0.0.1:5000"):
            sent = {**headers, "Host": host}
            task = client.post("/api/v1/tasks", json={"title": "t"}, headers=sent)
            assert task.status_code == 201, task.get_json()
            task_id = task.get_json()["id"]
            assert task.headers["Location"] == f"{base}/api/v1/tasks/{task_id}"
            assert task.get_json()["uri"] == f"{base}/api/v1/tasks/{task_id}"
            legacy = client.post("/todo/api/v1.0/tasks", json={"title": "t"}, headers=sent)
            assert legacy.headers["Location"].startswith(f"{base}/todo/api/v1.0/tasks/")
            assert legacy.get_json()["task"]["uri"] == legacy.headers["Location"]
            key = client.post("/api/v1/me/api-keys", json={"name": "k"}, headers=sent)
            assert key.status_code == 201, key.get_json()
            assert key.headers["Location"] == f"{base}/api/v1/me/api-keys/{key.get_json()['id']}"
            user = client.post(
                "/api/v1/users",
                json={"username": f"user{task_id}", "email": f"user{task_id}@example.com",
                      "password": "correct horse battery"},
                headers={"Host": host},
            )  # fmt: skip
            assert user.status_code == 201, user.get_json()
            assert user.headers["Location"] == f"{base}/api/v1/users/{user.get_json()['id']}"
        # Mounted under a prefix (SCRIPT_NAME) that PUBLIC_URL already carries: not twice.
        mounted = client.post(
            "/api/v1/tasks",
            json={"title": "t"},
            headers=headers,
            environ_overrides={"SCRIPT_NAME": "/prefix"},
        )
        assert mounted.headers["Location"].startswith(f"{base}/api/v1/tasks/")
        # Its host is trusted; others are still refused.
        assert client.get("/api/v1/me", headers={**headers, "Host": EVIL}).status_code == 400

    @pytest.mark.parametrize(
        "value",
        [
            "api.example.com",
            "ftp://api.example.com",
            "https://",
            "https://user:pw@api.example.com",
            "https://api.example.com/?x=1",
            "https://api.example.com/#top",
            "https://api.example.com:99999",
            "https://bad_host",
        ],
    )
    @sqlite_only
    def test_an_invalid_one_stops_start_up(self, make_app: MakeApp, value: str) -> None:
        with pytest.raises(RuntimeError, match="PUBLIC_URL"):
            make_app(PUBLIC_URL=value)


class TestForwardedHost:
    def test_behind_a_trusted_proxy_the_forwarded_host_is_checked(self, make_app: MakeApp) -> None:
        app = make_app(TRUSTED_PROXIES=1, TRUSTED_HOST_NAMES=["api.example.com"])
        client, headers = login(app)
        forwarded = {**headers, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}
        refused = client.post("/api/v1/tasks", json={"title": "t"}, headers=forwarded)
        assert refused.status_code == 400
        forwarded["X-Forwarded-Host"] = "api.example.com"
        created = client.post("/api/v1/tasks", json={"title": "t"}, headers=forwarded)
        assert created.status_code == 201
        assert created.headers["Location"].startswith("https://api.example.com/api/v1/tasks/")

    def test_without_one_the_forwarded_host_is_ignored(self, make_app: MakeApp) -> None:
        client, headers = login(make_app())
        sent = {**headers, "X-Forwarded-Host": EVIL}
        created = client.post("/api/v1/tasks", json={"title": "t"}, headers=sent)
        assert created.status_code == 201
        assert created.headers["Location"].startswith("http://localhost/api/v1/tasks/")


# -- secrets -----------------------------------------------------------------------------------

GOOD = secrets.token_urlsafe(32)  # 43 bytes


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    """``load(**env)``: production settings over exactly these secret variables."""
    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "METRICS_TOKEN", "PUBLIC_URL", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)

    def load(**env: str) -> Any:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return load_config("production", str(tmp_path))

    return load


WEAK = ["secret", "SECRET", " changeme ", "Password", "change-me", "your-secret-key"]
REPETITIVE = ["a" * 64, "=" * 40, "changeme" * 4, "ab" * 20]


@pytest.mark.parametrize("name", ["SECRET_KEY", "JWT_SECRET_KEY", "METRICS_TOKEN"])
class TestSecrets:
    def others(self, name: str) -> dict[str, str]:
        return {} if name == "SECRET_KEY" else {"SECRET_KEY": GOOD}

    def test_31_bytes_refused_32_accepted(self, production: Any, name: str) -> None:
        with pytest.raises(RuntimeError, match=rf"{name} is 31 bytes long") as refused:
            production(**self.others(name), **{name: secrets.token_hex(16)[:31]})
        assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in str(refused.value)
        assert production(**self.others(name), **{name: secrets.token_hex(16)})

    def test_bytes_of_utf8_not_characters(self, production: Any, name: str) -> None:
        sixteen_letters = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ"  # 16 characters, 32 bytes
        assert production(**self.others(name), **{name: sixteen_letters})
        with pytest.raises(RuntimeError, match=name):
            production(**self.others(name), **{name: sixteen_letters[:15] + "a"})  # 31 bytes

    @pytest.mark.parametrize("value", WEAK + REPETITIVE)
    def test_weak_values_refused(self, production: Any, name: str, value: str) -> None:
        with pytest.raises(RuntimeError, match=rf"{name} is a well-known or repetitive"):
            production(**self.others(name), **{name: value})


def test_secret_key_is_required(production: Any) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        production()


def test_development_and_testing_do_not_judge_secrets(production: Any, tmp_path: Any) -> None:
    for env in ("development", "testing"):
        assert load_config(env, str(tmp_path))


# -- log forging -------------------------------------------------------------------------------

FORGED = "2030-01-01 00:00:00,000 INFO microblog.access method=GET path=/forged status=200"
FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)(?: |$)')
ACCESS_KEYS = ["request_id", "method", "route", "path", "status", "duration_ms", "user_id"]
LINE_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) microblog")


class TestTextLogs:
    def test_one_line_per_request_whatever_the_path(
        self, make_app: MakeApp, capsys: pytest.CaptureFixture[str]
    ) -> None:
        app = make_app(LOG_FORMAT="text")  # the handler writes to the captured stderr
        client, headers = login(app)
        capsys.readouterr()
        attacks = [
            f"/api/v1/users/%0A{FORGED}",
            f"/api/v1/users/%0D{FORGED}",
            f"/api/v1/users/%0D%0A{FORGED}",
            "/api/v1/users/%1B[2K%1B[1Gstatus=200",  # erase the line on a terminal
            "/api/v1/users/%C2%85next-line",  # C1 NEL
            "/api/v1/users/%E2%80%A8line-separator",
            "/api/v1/users/%7Fdel%00nul%09tab",
            "/api/v1/users/x%20status=200%20user_id=1",  # fields within the line
            '/api/v1/users/x"%20status=200',
        ]
        for path in attacks:
            client.get(path, headers=headers)
        client.get("/api/v1/users", headers={"X-Request-ID": "x\x1b[31m"})
        client.post("/api/v1/tokens", headers=basic(f"mallory\n{FORGED}", "x\r\nx"))
        lines = capsys.readouterr().err.splitlines()
        access = [line for line in lines if " microblog.access " in line]
        assert len(access) == len(attacks) + 2, lines
        assert len(lines) == len(access), lines  # nothing else was written
        for line in lines:
            assert LINE_START.match(line), line
            assert not any(ch in line for ch in "\x1b\x85\u2028\x7f\x00\t"), line
        for line in access:
            # The fields, in order: nothing in the path passes for another one.
            fields = FIELD.findall(line.split(" microblog.access ", 1)[1])
            assert [key for key, _ in fields] == ACCESS_KEYS, line
        assert 'path="/api/v1/users/\\n2030-01-01' in access[0]
        assert "\\x1b[2K" in access[3] and "\\x85" in access[4] and "\\u2028" in access[5]
        assert 'path="/api/v1/users/x status=200 user_id=1"' in access[7]
        assert 'path="/api/v1/users/x\\" status=200"' in access[8]

    @sqlite_only
    def test_other_records_stay_on_one_line(
        self, make_app: MakeApp, capsys: pytest.CaptureFixture[str]
    ) -> None:
        make_app(LOG_FORMAT="text")
        capsys.readouterr()
        log = logging.getLogger("microblog.test")
        log.warning("looked up %s", f"name\n{FORGED}")
        try:
            raise ValueError(f"bad\r\n{FORGED}")
        except ValueError:
            log.exception("failed")
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 2, lines
        assert lines[0].endswith(f"looked up name\\n{FORGED}")
        assert "Traceback (most recent call last):\\n" in lines[1]
        assert f"ValueError: bad\\r\\n{FORGED}" in lines[1]


@sqlite_only
def test_bearer_token_in_the_path_of_a_text_line_is_escaped_not_dropped(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    """Escaping keeps what was sent (for the investigation), on one line."""
    client = make_app(LOG_FORMAT="text").test_client()
    capsys.readouterr()
    client.get("/api/v1/users/%0A", headers=bearer("nope"))
    (line,) = capsys.readouterr().err.splitlines()
    assert 'path="/api/v1/users/\\n"' in line
