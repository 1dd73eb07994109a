"""Pool exhaustion under gunicorn's sync workers (PostgreSQL).

A sync worker serves one request at a time, but one request can hold three pooled
connections at once (prepared reads, the Core read connection, the ORM session:
``config.CONNECTIONS_PER_REQUEST``), so exhaustion needs no threads: with ``DB_POOL_SIZE=1``,
``DB_MAX_OVERFLOW=0`` an authenticated request finds no free connection. It must then be a
``503`` with ``Retry-After`` in the error shape within ``DB_POOL_TIMEOUT`` (never a hang or
a 500), the startup log must say why, and the worker must go on serving what one connection
is enough for. With a pool of three and no overflow the same load sees no 503 at all."""

from __future__ import annotations

import time

from microblog.config import CONNECTIONS_PER_REQUEST
from tests import pg
from tests.faults import harness

POOL_TIMEOUT = 1.0
TOO_SMALL = {"DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT": str(POOL_TIMEOUT)}
ENOUGH = {**TOO_SMALL, "DB_POOL_SIZE": str(CONNECTIONS_PER_REQUEST)}


def test_a_pool_smaller_than_a_request_is_503_within_the_pool_timeout(
    postgres_server: str,
) -> None:
    clients = harness.PROFILE.clients
    with harness.workdir() as where:
        database_url = pg.create_database(postgres_server, "microblog_faults_pool")
        env = harness.server_env(database_url, where, **TOO_SMALL)
        harness.migrate(env)
        with harness.gunicorn(env, 2, where) as server:
            tokens = [harness.register(server.base, f"pool{n}")[1] for n in range(clients)]
            ledger = harness.Ledger()
            starved: list[harness.Reply] = []
            deadline = time.monotonic() + harness.PROFILE.load_seconds / 3
            while time.monotonic() < deadline:
                for token in tokens:
                    started = time.monotonic()
                    reply = harness.call(
                        server.base, "GET", "/api/v1/tasks",
                        headers={"Authorization": f"Bearer {token}"},
                    )  # fmt: skip
                    ledger.note(reply.status, time.monotonic() - started, "GET /api/v1/tasks")
                    starved.append(reply)
                anonymous = harness.call(server.base, "GET", "/api/v1/users")
                ledger.note(anonymous.status, 0.0, "GET /api/v1/users")
                assert anonymous.status == 200, anonymous.body
            warned = "one request can hold" in server.log.read_text(errors="replace")

        # The same load with a pool of CONNECTIONS_PER_REQUEST: no 503.
        env = harness.server_env(database_url, where, **ENOUGH)
        with (
            harness.gunicorn(env, 2, where) as server,
            harness.Load(server.base, tokens, "pool") as load,
        ):
            time.sleep(harness.PROFILE.load_seconds / 2)
        check = harness.check_ledger(database_url, load.ledger)

    harness.record(
        "database pool exhausted under gunicorn",
        {
            "settings": f"gunicorn.conf.py -w 2, PostgreSQL, {TOO_SMALL} (sync workers: one "
            f"request each), then DB_POOL_SIZE={CONNECTIONS_PER_REQUEST} under "
            f"{clients} clients",
            "requests_pool_of_1": ledger.requests,
            "statuses_pool_of_1": {str(k): v for k, v in sorted(ledger.statuses.items())},
            "slowest_503_s": round(ledger.slowest, 3),
            "startup_warning_logged": warned,
            "pool_of_3": harness.ledger_figures(load.ledger, check),
        },
    )
    assert starved
    for reply in starved:
        assert reply.status == 503, reply.body
        assert reply.headers["Retry-After"] == "1"
        assert reply.json()["error"] == "Service Unavailable"
    assert ledger.slowest < POOL_TIMEOUT + 0.5  # waited the pool timeout, never longer
    assert 500 not in ledger.statuses
    assert warned
    assert 503 not in load.ledger.statuses, load.ledger.statuses
    harness.assert_clean(load.ledger, check, load.failures)
