"""PostgreSQL restarted (fast shutdown, then start) under load: requests during
the outage get 503 with Retry-After in the error shape within the pool and connect
timeouts (``DB_POOL_TIMEOUT + DB_CONNECT_TIMEOUT``, plus a stated margin), never a hang and
never a 500; /readyz says not ready during the outage and ready after;
the service recovers by itself (pre-ping, reconnect) within seconds of the database; and
the client's retried writes are all stored once."""

from __future__ import annotations

import time

import pytest

from tests import pg
from tests.conftest import IN_CI
from tests.faults import harness
from tests.integration.live import Reply

OUTAGE = 3.0  # seconds the database stays down
RECOVERY_BOUND = 10.0  # generous: the property under test is "by itself, within seconds"
TIMEOUTS = {"DB_POOL_TIMEOUT": "2", "DB_CONNECT_TIMEOUT": "2", "DB_STATEMENT_TIMEOUT_MS": "5000"}
# The longest a request may take while the database is down or starting: waiting for a
# pooled connection, then for a new one to connect, plus this margin for the request's own
# work and a loaded 2-core machine (a request queued behind another on its sync worker).
MARGIN = 1.0
ANSWER_BOUND = float(TIMEOUTS["DB_POOL_TIMEOUT"]) + float(TIMEOUTS["DB_CONNECT_TIMEOUT"]) + MARGIN


def test_postgres_restart_is_503_then_recovers_by_itself() -> None:
    try:
        cluster_context = pg.postgres_cluster()
        cluster = cluster_context.__enter__()
    except FileNotFoundError as exc:
        if IN_CI:
            pytest.fail(f"CI must run the PostgreSQL restart: {exc}")
        pytest.skip(str(exc))
    try:
        with harness.workdir() as where:
            database_url = pg.create_database(cluster.url, "microblog_faults_pg")
            env = harness.server_env(database_url, where, **TIMEOUTS)
            harness.migrate(env)
            with harness.gunicorn(env, 2, where) as server:
                tokens = [
                    harness.register(server.base, f"pgrestart{n}")[1]
                    for n in range(harness.PROFILE.clients)
                ]
                probe_token = tokens[0]
                restarts: list[tuple[float, float, float]] = []  # down, starting, ready
                recoveries: list[float] = []
                probes: list[Reply] = []
                probe_seconds: list[float] = []
                with (
                    harness.Poller(server.base, "/readyz") as ready,
                    harness.Load(server.base, tokens, "pg", timeline=True) as load,
                ):
                    deadline = time.monotonic() + harness.PROFILE.load_seconds
                    while time.monotonic() < deadline or not restarts:
                        time.sleep(1.0)
                        down = time.monotonic()
                        cluster.stop("fast")
                        time.sleep(OUTAGE / 2)
                        sent = time.monotonic()
                        probes.append(
                            harness.call(
                                server.base, "POST", "/api/v1/tasks",
                                json={"title": "probe"},
                                headers={"Authorization": f"Bearer {probe_token}"},
                            )
                        )  # fmt: skip
                        probe_seconds.append(time.monotonic() - sent)
                        time.sleep(OUTAGE / 2)
                        starting = time.monotonic()
                        cluster.start()
                        recovered = harness.wait_for(
                            lambda: ready.first(200, time.monotonic() - 0.3) is not None,
                            RECOVERY_BOUND,
                        )
                        restarts.append((down, starting, starting + recovered))
                        recoveries.append(round(recovered, 2))
                    time.sleep(1.0)  # load after the last recovery
            check = harness.check_ledger(database_url, load.ledger)
    finally:
        cluster_context.__exit__(None, None, None)

    during = [s for down, up, _ in restarts for s in ready.between(down + 0.5, up)]
    # Every request under way at any time from the stop until /readyz said ready again.
    assert load.ledger.timeline is not None
    in_outage = [
        a for a in load.ledger.timeline
        if any(a.ended >= down and a.started <= ready_again for down, _, ready_again in restarts)
    ]  # fmt: skip
    slowest_in_outage = max([a.seconds for a in in_outage] + probe_seconds)
    harness.record(
        "PostgreSQL restarted under load",
        {
            "settings": f"gunicorn.conf.py -w 2, PostgreSQL stopped (-m fast) for {OUTAGE} s "
            f"then started, {harness.PROFILE.clients} clients, {TIMEOUTS}",
            "faults_injected": len(restarts),
            "duration_s": round(load.elapsed, 1),
            **harness.ledger_figures(load.ledger, check),
            "readyz_during_outage": sorted({str(s) for s in during}),
            "recovery_s_after_database_up": recoveries,
            "requests_during_outage": len(in_outage),
            "slowest_request_during_outage_s": round(slowest_in_outage, 3),
            "answer_bound_s": ANSWER_BOUND,
        },
    )
    for probe in probes:
        assert probe.status == 503, probe.body
        assert probe.headers["Retry-After"] == "1"
        assert probe.json()["error"] == "Service Unavailable"
    assert during and set(during) == {503}, during
    assert ready.seen[-1][1] == 200
    # No hang (the client's 10 s TimeoutError), and every request during the outage was
    # answered within the pool and connect timeouts.
    assert "TimeoutError" not in load.ledger.statuses
    assert in_outage, "no request during the outage"
    assert slowest_in_outage <= ANSWER_BOUND, sorted(in_outage, key=lambda a: -a.seconds)[:5]
    harness.assert_clean(load.ledger, check, load.failures)
