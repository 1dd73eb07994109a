"""Redis stopped and started under load (PostgreSQL + Redis, gunicorn ``-w 2`` behind one
trusted proxy): Redis holds nothing but the rate-limit counts (docs/reliability.md).

While it is down: no 5xx in the API; ``/readyz`` says 503 (docs/reference.md#operations: the
database and Redis, when configured, must answer), and 200 again once Redis is back; a JWT
revoked before the outage (logout) stays refused (401), the live ones keep working; the
limiter counts in each worker's memory (so a budget may admit up to once per worker). After
it is back: every keyed write was stored once, and the counts are shared again: one address
spread over both workers is held to the budget, not twice it.

The load gives every request an address of its own (``X-Forwarded-For``), so the small budget
binds only the probe addresses that the test reuses."""

from __future__ import annotations

import time

import pytest

from microblog.web.ratelimit import RETRY_STORAGE_AFTER
from tests import pg
from tests.conftest import IN_CI
from tests.faults import harness
from tests.integration.live import fresh_window
from tests.redis_server import redis_process

BUDGET = 20  # RATELIMIT_DEFAULT per minute, per address and route
SLACK = 2  # the shared count admits at most this many over the budget
OUTAGE = 4.0  # seconds Redis stays down
RECOVERY_BOUND = 3 * RETRY_STORAGE_AFTER


def burst(base: str, token: str, address: str, count: int) -> dict[int, int]:
    """``count`` GETs from one client address (each on a connection of its own, so both
    workers take some); their statuses counted."""
    seen: dict[int, int] = {}
    for _ in range(count):
        reply = harness.call(
            base, "GET", "/api/v1/tasks?per_page=1",
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": address},
        )  # fmt: skip
        seen[reply.status] = seen.get(reply.status, 0) + 1
    return seen


def test_redis_outage_keeps_the_api_up_and_counts_return_to_redis(
    request: pytest.FixtureRequest,
) -> None:
    try:
        redis_context = redis_process()
        store = redis_context.__enter__()
    except FileNotFoundError as exc:
        if IN_CI:
            pytest.fail(f"CI must run the Redis restart: {exc}")
        pytest.skip(str(exc))
    postgres = request.getfixturevalue("postgres_server")
    probe_address = iter(f"10.9.0.{n}" for n in range(1, 250))
    fresh = harness.addresses("10.2")
    try:
        with harness.workdir() as where:
            database_url = pg.create_database(postgres, "microblog_faults_redis")
            env = harness.server_env(
                database_url, where, REDIS_URL=store.url, RATELIMIT_ENABLED="true",
                RATELIMIT_DEFAULT=f"{BUDGET} per minute", TRUSTED_PROXIES="1",
            )  # fmt: skip
            harness.migrate(env)
            with harness.gunicorn(env, 2, where) as server:
                base = server.base
                names = [f"redis{n}" for n in range(harness.PROFILE.clients + 1)]
                for name in names:
                    harness.register(base, name)
                pairs = [harness.login_jwt(base, n, {"X-Forwarded-For": fresh()}) for n in names]
                tokens = [pair["access_token"] for pair in pairs[:-1]]
                revoked = pairs[-1]["access_token"]
                out = harness.call(
                    base, "POST", "/api/v1/auth/logout",
                    headers={"Authorization": f"Bearer {revoked}", "X-Forwarded-For": fresh()},
                )  # fmt: skip
                assert out.status == 204, out.body
                live = tokens[0]
                # Shared before any fault: one address over two workers gets the budget.
                fresh_window(6.0)
                before = burst(base, live, next(probe_address), BUDGET + 10)

                outages: list[dict[str, object]] = []
                probes: list[tuple[str, int]] = []
                with harness.Load(base, tokens, "redis", forwarded_for=fresh) as load:
                    deadline = time.monotonic() + harness.PROFILE.load_seconds
                    time.sleep(1.0)
                    while time.monotonic() < deadline or not outages:
                        fresh_window(OUTAGE + 2)
                        store.stop()
                        stopped = time.monotonic()
                        time.sleep(0.3)
                        for label, token, expected in (("revoked", revoked, 401),
                                                       ("live", live, 200)):  # fmt: skip
                            got = harness.call(
                                base, "GET", "/api/v1/tasks?per_page=1",
                                headers={"Authorization": f"Bearer {token}",
                                         "X-Forwarded-For": fresh()},
                            )  # fmt: skip
                            probes.append((label, got.status))
                            assert got.status == expected, (label, got.status, got.body)
                        ready = harness.call(
                            base, "GET", "/readyz", headers={"X-Forwarded-For": fresh()}
                        ).status
                        during = burst(base, live, next(probe_address), 2 * BUDGET + 10)
                        time.sleep(max(0.0, stopped + OUTAGE - time.monotonic()))
                        store.start()
                        started = time.monotonic()
                        ready_after = harness.call(
                            base, "GET", "/readyz", headers={"X-Forwarded-For": fresh()}
                        ).status
                        # Shared again once both workers have retried Redis: a fresh
                        # address held to the budget (a burst every second until it is).
                        after: dict[int, int] = {}
                        while time.monotonic() - started < RECOVERY_BOUND:
                            fresh_window(6.0)
                            after = burst(base, live, next(probe_address), BUDGET + 10)
                            if after.get(200, 0) <= BUDGET + SLACK:
                                break
                            time.sleep(1.0)
                        recovered = time.monotonic() - started
                        # Past every worker's retry time: counts must be shared now.
                        time.sleep(max(0.0, started + RETRY_STORAGE_AFTER + 1 - time.monotonic()))
                        fresh_window(6.0)
                        confirmed = burst(base, live, next(probe_address), BUDGET + 10)
                        outages.append(
                            {
                                "readyz_during": ready,
                                "readyz_after": ready_after,
                                "probe_admitted_during": during.get(200, 0),
                                "probe_admitted_first_shared_burst": after.get(200, 0),
                                "shared_again_s": round(recovered, 2),
                                "probe_admitted_confirmed": confirmed.get(200, 0),
                                "confirmed_statuses": confirmed,
                                "during_statuses": during,
                            }
                        )
                    time.sleep(1.0)
                revoked_after = harness.call(
                    base, "GET", "/api/v1/tasks",
                    headers={"Authorization": f"Bearer {revoked}", "X-Forwarded-For": fresh()},
                ).status  # fmt: skip
                log = server.log.read_text(errors="replace")
                warned = log.count("rate-limit storage unreachable")
            check = harness.check_ledger(database_url, load.ledger)
    finally:
        redis_context.__exit__(None, None, None)

    harness.record(
        "Redis stopped and started under load",
        {
            "settings": f"gunicorn.conf.py -w 2, PostgreSQL + Redis, TRUSTED_PROXIES=1, "
            f"RATELIMIT_DEFAULT={BUDGET} per minute, Redis killed for {OUTAGE} s then "
            f"started, {harness.PROFILE.clients} JWT clients (an address per request)",
            "faults_injected": len(outages),
            "duration_s": round(load.elapsed, 1),
            **harness.ledger_figures(load.ledger, check),
            "probe_admitted_before": before.get(200, 0),
            "outages": outages,
            "jwt_probes_during_outage": probes,
            "revoked_jwt_after": revoked_after,
            "fallback_warnings_logged": warned,
        },
    )
    assert before.get(200, 0) == BUDGET, before
    five_xx = {s: n for s, n in load.ledger.statuses.items() if isinstance(s, int) and s >= 500}
    assert not five_xx, five_xx
    for outage in outages:
        assert outage["readyz_during"] == 503, outage
        assert outage["readyz_after"] == 200, outage
        during = outage["during_statuses"]
        assert isinstance(during, dict)
        assert set(during) <= {200, 429}, during  # no 5xx for the outage
        assert during.get(200, 0) <= 2 * BUDGET  # one memory count per worker at most
        admitted = outage["probe_admitted_confirmed"]
        assert isinstance(admitted, int)
        assert BUDGET <= admitted <= BUDGET + SLACK, outage
    assert revoked_after == 401
    assert warned >= 1  # the fallback is logged
    harness.assert_clean(load.ledger, check, load.failures)
