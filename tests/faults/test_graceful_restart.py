"""Graceful restarts under load: ``SIGHUP`` (gunicorn reloads: new workers, the
old ones finish what they accepted) and ``SIGTERM`` (the master stops accepting and waits
for in-flight requests) drop no request already accepted: no client sees its connection
reset or closed without an answer, and no acknowledged write is lost."""

from __future__ import annotations

import signal
import time

from tests.faults import harness

DROPPED = {"RemoteDisconnected", "ConnectionResetError", "BrokenPipeError", "IncompleteRead"}


def test_sighup_reloads_drop_no_request() -> None:
    with harness.workdir() as where:
        database_url = f"sqlite:///{where / 'reload.db'}"
        env = harness.server_env(database_url, where)
        harness.migrate(env)
        reloads = 0
        with harness.gunicorn(env, 2, where) as server:
            tokens = [harness.register(server.base, f"reload{n}")[1] for n in range(3)]
            with harness.Load(server.base, tokens, "hup") as load:
                deadline = time.monotonic() + harness.PROFILE.load_seconds
                while time.monotonic() < deadline:
                    time.sleep(2.0)
                    server.signal(signal.SIGHUP)
                    reloads += 1
        check = harness.check_ledger(database_url, load.ledger)
    harness.record(
        "SIGHUP (reload) under load",
        {
            "settings": "gunicorn.conf.py -w 2, SQLite, 3 clients, SIGHUP every 2 s",
            "faults_injected": reloads,
            "duration_s": round(load.elapsed, 1),
            **harness.ledger_figures(load.ledger, check),
            "dropped_connections": sum(load.ledger.statuses[d] for d in DROPPED),
        },
    )
    assert not DROPPED & set(load.ledger.statuses), load.ledger.statuses
    harness.assert_clean(load.ledger, check, load.failures)


def test_sigterm_finishes_every_accepted_request() -> None:
    """Requests in flight when the master gets SIGTERM all get their answer (201, stored);
    afterwards connections are refused (the client would go to another instance).

    Known and recorded, not hidden: connections still queued in the listen backlog when
    the master closes its socket are reset by the kernel (no worker had accepted them).
    Those are never acknowledged, so a keyed retry is safe; this test asserts that every
    reset comes after the SIGTERM and that nothing acknowledged is lost."""
    with harness.workdir() as where:
        database_url = f"sqlite:///{where / 'term.db'}"
        env = harness.server_env(database_url, where)
        harness.migrate(env)
        server = harness.Gunicorn(env, 2, where)
        server.start()
        try:
            tokens = [harness.register(server.base, f"term{n}")[1] for n in range(3)]
            ledger = harness.Ledger()
            clients = [harness.RetryingClient(server.base, t, ledger, 5.0) for t in tokens]
            import threading

            answers: list[int | str] = []
            when: list[float] = []
            lock = threading.Lock()
            stop = threading.Event()

            def hammer(client: harness.RetryingClient, n: int) -> None:
                i = 0
                while not stop.is_set():
                    try:
                        reply = harness.call(
                            server.base, "POST", "/api/v1/tasks",
                            json={"title": f"term {n}-{i}"},
                            headers={**client.headers, "Idempotency-Key": f"term{n}-{i}"},
                        )  # fmt: skip
                        outcome: int | str = reply.status
                    except OSError as exc:
                        outcome = type(exc).__name__
                    with lock:
                        answers.append(outcome)
                        when.append(time.monotonic())
                    if outcome == "ConnectionRefusedError":
                        return
                    i += 1

            threads = [threading.Thread(target=hammer, args=(c, n)) for n, c in enumerate(clients)]
            for thread in threads:
                thread.start()
            time.sleep(harness.PROFILE.load_seconds / 3)
            term_sent = time.monotonic()
            server.signal(signal.SIGTERM)
            assert server.process is not None
            server.process.wait(timeout=60)
            stop.set()
            for thread in threads:
                thread.join()
        finally:
            server.stop()
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(where / "term.db")) as conn:
            rows = conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
    outcomes = {str(a) for a in answers}
    harness.record(
        "SIGTERM under load",
        {
            "settings": "gunicorn.conf.py -w 2, SQLite, 3 clients writing until refused",
            "faults_injected": 1,
            "requests": len(answers),
            "statuses": {o: sum(1 for a in answers if str(a) == o) for o in sorted(outcomes)},
            "dropped_connections": sum(1 for a in answers if a in DROPPED),
            "http_500": answers.count(500),
            "acknowledged_writes_checked": answers.count(201),
            "rows_stored": rows,
        },
    )
    assert outcomes <= {"201", "ConnectionRefusedError", *DROPPED}, outcomes
    dropped_at = [at for at, a in zip(when, answers, strict=True) if a in DROPPED]
    assert all(at >= term_sent for at in dropped_at)
    # Every 201 is stored; a dropped request may or may not have been (never answered).
    assert answers.count(201) <= rows <= answers.count(201) + len(dropped_at)
