"""OWASP API5:2023 Broken Function Level Authorization, for the operations endpoints:
/metrics only for the METRICS_TOKEN's holder (or, without one, loopback clients), /readyz's
detail only for them, and both under the default rate limit.

On SQLite and PostgreSQL, but for the tests of /metrics, /healthz and the loopback check:
they never reach the database (the counters and the constant answer are in process, and
who may read them is decided from the request alone), so they run on SQLite only."""

from __future__ import annotations

import secrets

import pytest

from microblog.web.api.ops import is_loopback
from tests.conftest import bearer
from tests.integration.live import free_port, fresh_window
from tests.security.configured import MakeApp, make_app, sqlite_only

__all__ = ["make_app"]  # the fixture, imported to be found

OUTSIDER = {"REMOTE_ADDR": "203.0.113.9"}
TOKEN = secrets.token_urlsafe(32)


@sqlite_only
class TestMetrics:
    def test_loopback_clients_only_without_a_token(self, make_app: MakeApp) -> None:
        client = make_app().test_client()
        assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
        for address in ("::1", "::ffff:127.0.0.1", "127.0.0.2"):
            response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
            assert response.status_code == 200, address
        refused = client.get("/metrics", environ_base=OUTSIDER)
        assert refused.status_code == 403
        assert refused.get_json()["error"] == "Forbidden"
        assert "microblog_http" not in refused.get_data(as_text=True)
        for address in ("10.0.0.1", "::ffff:10.0.0.1", "unix-socket", ""):
            response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
            assert response.status_code == 403, address

    def test_with_a_token_only_its_holder(self, make_app: MakeApp) -> None:
        client = make_app(METRICS_TOKEN=TOKEN).test_client()
        for headers in ({}, bearer(TOKEN[:-1]), bearer(TOKEN + "x"), {"Authorization": TOKEN}):
            for environ in (OUTSIDER, {}):  # loopback alone is not enough once a token is set
                refused = client.get("/metrics", headers=headers, environ_base=environ)
                assert refused.status_code == 401, headers
                assert refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
                assert refused.get_json()["error"] == "Unauthorized"
        served = client.get("/metrics", headers=bearer(TOKEN), environ_base=OUTSIDER)
        assert served.status_code == 200
        assert "microblog_http_requests_total" in served.get_data(as_text=True)

    def test_behind_a_trusted_proxy_the_forwarded_address_counts(self, make_app: MakeApp) -> None:
        client = make_app(TRUSTED_PROXIES=1).test_client()
        # nginx on this machine, relaying an outside client: refused.
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        assert client.get("/metrics", headers=forwarded).status_code == 403
        # A client cannot claim loopback through a proxy that appends the real address.
        spoofed = {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}
        assert client.get("/metrics", headers=spoofed).status_code == 403
        local = {"X-Forwarded-For": "127.0.0.1"}
        assert client.get("/metrics", headers=local, environ_base=OUTSIDER).status_code == 200


class TestReadiness:
    def test_detail_for_loopback_and_token_holders(self, make_app: MakeApp) -> None:
        client = make_app(METRICS_TOKEN=TOKEN).test_client()
        detailed = {"status": "ok", "checks": {"database": "ok"}}
        assert client.get("/readyz").get_json() == detailed
        assert client.get("/readyz", headers=bearer(TOKEN), environ_base=OUTSIDER).get_json() == (
            detailed
        )
        for headers in ({}, bearer("wrong")):
            response = client.get("/readyz", headers=headers, environ_base=OUTSIDER)
            assert response.status_code == 200
            assert response.get_json() == {"status": "ok"}

    def test_failing_check_named_only_to_them(self, make_app: MakeApp) -> None:
        client = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
        hidden = client.get("/readyz", environ_base=OUTSIDER)
        assert hidden.status_code == 503
        body = hidden.get_json()
        assert body["error"] == "Service Unavailable"
        assert body["message"] == "Not ready."
        assert "errors" not in body and "redis" not in hidden.get_data(as_text=True).lower()
        shown = client.get("/readyz")
        assert shown.status_code == 503
        assert set(shown.get_json()["errors"]) == {"redis"}


@pytest.mark.parametrize("url", ["/metrics", "/readyz"])
def test_both_count_against_the_rate_limit(make_app: MakeApp, url: str) -> None:
    fresh_window(5.0)  # every request in one clock-aligned minute
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute").test_client()
    first = client.get(url)
    assert first.headers["RateLimit-Limit"] == "2"
    assert [client.get(url).status_code for _ in range(2)] == [200, 429]
    # Refused callers spend the budget too: an outsider cannot probe for free.
    for _ in range(2):
        client.get(url, environ_base=OUTSIDER)
    assert client.get(url, environ_base=OUTSIDER).status_code == 429


@sqlite_only
def test_healthz_stays_exempt(make_app: MakeApp) -> None:
    """A constant answer, no database: see microblog/api/ops.py for why it is not counted."""
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="1 per minute").test_client()
    statuses = [client.get("/healthz", environ_base=OUTSIDER).status_code for _ in range(5)]
    assert statuses == [200] * 5


@sqlite_only
def test_loopback_check_reads_the_client_address(make_app: MakeApp) -> None:
    app = make_app()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.9.9.9"}) as ctx:
        assert is_loopback(ctx.request)
    with app.test_request_context(environ_base=OUTSIDER) as ctx:
        assert not is_loopback(ctx.request)
