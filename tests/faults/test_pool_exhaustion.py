"""The database pool, served by gunicorn with the shipped config (PostgreSQL).

A request checks out one pooled connection whatever it reads and writes
(``microblog.data.db.request_connection``; counted per route by
tests/api/test_pool_checkouts.py), so:

- under the shipped sync workers (one request at a time per worker) the smallest pool,
  ``DB_POOL_SIZE=1`` with no overflow, serves every route under load: no request waits
  ``DB_POOL_TIMEOUT``, none gets a 503 or a 500, every acknowledged write is stored once;
- with threads (``-k gthread --threads 4``, nothing else changed) four requests share that
  one connection: while one holds it, blocked in the database, the others wait
  ``DB_POOL_TIMEOUT`` for it and get 503 with ``Retry-After`` in the error shape, never a
  hang and never a 500; once the database lets go, the held request completes and the
  retried ones (same ``Idempotency-Key``) make one row each."""

from __future__ import annotations

import threading
import time

import psycopg

from tests import pg
from tests.faults import harness

SMALLEST = {"DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT": "1"}
POOL_TIMEOUT = float(SMALLEST["DB_POOL_TIMEOUT"])
THREADS = 4  # concurrent requests in the one worker: one holds the connection, three wait
HOLD = 3.5  # seconds the test keeps the table locked: each waiting client gets 503s
# A 503 comes after DB_POOL_TIMEOUT and well before twice it: the margin is for a loaded
# 2-core machine (the request's own work and the client's round trip).
MARGIN = 0.5


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


def waiting_on_a_lock(dsn: str, database: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND wait_event_type = 'Lock'",
            (database,),
        ).fetchone()
    return int(row[0]) if row else 0


def test_threads_beyond_the_pool_get_503_after_pool_timeout(postgres_server: str) -> None:
    name = "microblog_faults_pool_threads"
    options = ("-k", "gthread", "--threads", str(THREADS))
    with harness.workdir() as where:
        database_url = pg.create_database(postgres_server, name)
        dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
        env = harness.server_env(database_url, where, **SMALLEST)
        harness.migrate(env)
        with harness.gunicorn(env, 1, where, options) as server:
            token = harness.register(server.base, "poolheld")[1]
            ledger = harness.Ledger(timeline=[])
            clients = [
                harness.RetryingClient(server.base, token, ledger, name=f"c{n}")
                for n in range(THREADS)
            ]
            failures: list[BaseException] = []

            def write(client: harness.RetryingClient, key: str) -> None:
                try:
                    client.create_task(key)
                except BaseException as exc:  # reported below
                    failures.append(exc)

            # The held request takes the worker's one connection and blocks on the lock;
            # the others (one of them a retry of the held request's key) find no free
            # connection.
            keys = ["held", "waiting-1", "waiting-2", "held"]
            threads = [
                threading.Thread(target=write, args=(client, key))
                for client, key in zip(clients, keys, strict=True)
            ]
            with psycopg.connect(dsn) as locker:
                locker.execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
                threads[0].start()
                harness.wait_for(lambda: waiting_on_a_lock(dsn, name) == 1, 10.0)
                fired = time.monotonic()
                for thread in threads[1:]:
                    thread.start()
                time.sleep(max(0.0, fired + HOLD - time.monotonic()))
                released = time.monotonic()
                locker.rollback()
            for thread in threads:
                thread.join()
            logged = server.access_log()
        check = harness.check_ledger(database_url, ledger)

    assert ledger.timeline is not None
    held = next(a for a in ledger.timeline if a.client == "c0")
    unavailable = [a for a in ledger.timeline if a.outcome == 503]
    served = [line for line in logged.values() if line["route"] == "/api/v1/tasks"]
    logged_503_ms = sorted(line["duration_ms"] for line in served if line["status"] == 503)
    harness.record(
        "pool exhausted (threads beyond the pool)",
        {
            "settings": f"gunicorn.conf.py -w 1 -k gthread --threads {THREADS}, PostgreSQL, "
            f"{SMALLEST}; one POST /tasks held {HOLD} s on LOCK TABLE tasks, "
            f"{THREADS - 1} more (one with the held request's key) retrying with their keys",
            **harness.ledger_figures(ledger, check),
            "held_request_s": round(held.seconds, 3),
            "held_answered_after_release_s": round(held.ended - released, 3),
            "503_client_s": {
                "min": round(min((a.seconds for a in unavailable), default=0.0), 3),
                "max": round(max((a.seconds for a in unavailable), default=0.0), 3),
            },
            "503_server_ms": {
                "min": min(logged_503_ms, default=None),
                "max": max(logged_503_ms, default=None),
            },
        },
    )
    assert not failures, failures
    # The held request waited for the lock, not for a connection, and was answered once
    # the lock went: one attempt, 201.
    assert held.outcome == 201, ledger.timeline
    assert held.ended >= released
    # Every other client waited the pool timeout for the connection, at least once.
    assert {a.client for a in unavailable} == {"c1", "c2", "c3"}, ledger.timeline
    late = [a for a in unavailable if not POOL_TIMEOUT <= a.seconds <= 2 * POOL_TIMEOUT + MARGIN]
    assert not late, late
    assert logged_503_ms and logged_503_ms[0] >= 1000 * POOL_TIMEOUT, logged_503_ms
    # Nothing but 201s and 503s (with Retry-After in the error shape): no 500, no hang.
    assert set(ledger.statuses) == {201, 503}, ledger.statuses
    harness.assert_clean(ledger, check, [])
    # The two writes with the held request's key made one row, reported to both.
    twins = [w for w in ledger.writes if w.key == "held"]
    assert len({w.task_id for w in twins}) == 1, twins
