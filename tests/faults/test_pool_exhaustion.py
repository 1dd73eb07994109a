"""The database pool under gunicorn's sync workers (PostgreSQL).

A sync worker serves one request at a time, and a request checks out one pooled connection
whatever it reads and writes (``extensions.request_connection``; counted per route by
tests/api/test_pool_checkouts.py). So the smallest pool, ``DB_POOL_SIZE=1`` with no
overflow, serves every route under load: no request waits ``DB_POOL_TIMEOUT``, none gets a
503, none a 500, and every acknowledged write is in the database once. A pool that is
really exhausted (more concurrent requests than connections, as threads would make) answers
503 with ``Retry-After``: tests/api/test_database_errors.py proves that mapping in-process."""

from __future__ import annotations

import time

from tests import pg
from tests.faults import harness

SMALLEST = {"DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT": "1"}


def test_one_connection_per_worker_serves_a_mixed_load(postgres_server: str) -> None:
    clients = harness.PROFILE.clients
    with harness.workdir() as where:
        database_url = pg.create_database(postgres_server, "microblog_faults_pool")
        env = harness.server_env(database_url, where, **SMALLEST)
        harness.migrate(env)
        with harness.gunicorn(env, 2, where) as server:
            tokens = [harness.register(server.base, f"pool{n}")[1] for n in range(clients)]
            with harness.Load(server.base, tokens, "pool") as load:
                time.sleep(harness.PROFILE.load_seconds / 2)
        check = harness.check_ledger(database_url, load.ledger)

    harness.record(
        "one pooled connection per worker under load",
        {
            "settings": f"gunicorn.conf.py -w 2, PostgreSQL, {SMALLEST}, {clients} clients",
            **harness.ledger_figures(load.ledger, check),
        },
    )
    assert 503 not in load.ledger.statuses, load.ledger.statuses
    harness.assert_clean(load.ledger, check, load.failures)
