"""The service behind a real PgBouncer in transaction mode (docs/operations.md, "Behind
PgBouncer"): gunicorn with the shipped gunicorn.conf.py and three workers, their pools
sharing two server connections, under a concurrent mixed workload.

With ``DB_PREPARED_STATEMENTS=false`` every request succeeds and every acknowledged write is
in the database. With it on, psycopg prepares each statement after its fifth run on a
connection, on whichever server connection PgBouncer lent that transaction, and the same
workload fails (``prepared statement "_pg3_0" already exists`` or ``does not exist``).

PostgreSQL comes from the session fixture in tests/conftest.py, PgBouncer from tests/
pgbouncer.py: a missing binary skips this module locally and fails it under CI=true."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests import pg
from tests import pgbouncer as pgb
from tests.conftest import IN_CI
from tests.integration.live import Reply, call, free_port, migrate
from tests.integration.test_multi_instance import (
    APP,
    CONFIG,
    PASSWORD,
    ROOT,
    Instance,
    basic,
    bearer,
    production_environment,
    stop,
    wait_until_up,
)

DATABASE = "microblog_pgbouncer"
SERVER_POOL = 2  # server connections for all of gunicorn's workers: each one is shared
WORKERS = 3
THREADS = 6
USERS_PER_THREAD = 5
POSTS_PER_USER = 3
#: Set on the database: PgBouncer 1.18 refuses the ``options`` startup parameter that
#: DB_STATEMENT_TIMEOUT_MS is sent in.
STATEMENT_TIMEOUT = "10s"


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module")
def bouncer(postgres_server: str) -> Iterator[pgb.Bouncer]:
    try:
        with pgb.pgbouncer(postgres_server, pool_mode="transaction", pool_size=SERVER_POOL) as b:
            yield b
    except FileNotFoundError as exc:
        if IN_CI:
            pytest.fail(f"CI must test PgBouncer: {exc}")
        pytest.skip(f"PgBouncer leg skipped: {exc}")


@pytest.fixture(scope="module")
def direct_url(postgres_server: str) -> str:
    """The test database on the server itself, with the statement timeout set where
    PgBouncer cannot lose it: on the database, for every session opened on it."""
    url = pg.create_database(postgres_server, DATABASE)
    with psycopg.connect(plain(postgres_server), autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {DATABASE} SET statement_timeout = '{STATEMENT_TIMEOUT}'")
    return url


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="microblog-pgbouncer-app-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def bouncer_environment(workdir: Path, bouncer: pgb.Bouncer, prepared: bool) -> dict[str, str]:
    env = production_environment(workdir, bouncer.url(DATABASE))
    env.update(
        DB_PREPARED_STATEMENTS="true" if prepared else "false",
        DB_STATEMENT_TIMEOUT_MS="0",  # set on the database above instead
        TRUSTED_HOSTS="127.0.0.1",
        LOG_FORMAT="json",
        # The workload logs in dozens of times from one address; limits are not tested here.
        RATELIMIT_ENABLED="false",
        # Cheap hashes: registrations and logins are a third of the requests.
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        ARGON2_PARALLELISM="1",
    )
    return env


@pytest.fixture(scope="module")
def migrated(bouncer: pgb.Bouncer, direct_url: str, workdir: Path) -> str:
    """The schema, migrated through PgBouncer in transaction mode (Alembic's one
    transaction); the direct URL, to check the results with."""
    migrate(bouncer_environment(workdir, bouncer, prepared=False))
    return direct_url


def start_gunicorn(name: str, env: dict[str, str], workdir: Path) -> Instance:
    """gunicorn with the shipped gunicorn.conf.py and three workers on a free loopback port,
    in a session of its own (``stop`` kills the group), its output in a log file."""
    port = free_port()
    log = workdir / f"gunicorn-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "-w", str(WORKERS),
             "-b", f"127.0.0.1:{port}", APP],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Instance(name, f"http://127.0.0.1:{port}", process, log)


# -- the workload ------------------------------------------------------------------------


@dataclass
class Ledger:
    """Every answer's status, the failures (5xx, or no answer), and what was acknowledged."""

    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    users: dict[str, int] = field(default_factory=dict)  # username -> id
    tokens: dict[int, str] = field(default_factory=dict)  # user id -> opaque token
    posts: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> (author, body)
    follows: set[tuple[int, int]] = field(default_factory=set)  # (follower, followed)
    #: Posts whose edit failed: it may have committed before the failure, or not.
    uncertain: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(
            1 for failure in self.failures if "no answer" in failure
        )

    def send(self, base: str, method: str, path: str, **kwargs: Any) -> Reply | None:
        try:
            reply = call(base, method, path, timeout=15, **kwargs)
        except OSError as exc:
            with self.lock:
                self.failures.append(f"{method} {path}: no answer ({exc!r})")
            return None
        with self.lock:
            self.statuses[reply.status] += 1
            if reply.status >= 500:
                self.failures.append(f"{method} {path}: {reply.status} {reply.body[:200]!r}")
        return reply


def in_threads(work: Callable[[int], None]) -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))


def run_workload(base: str, prefix: str) -> Ledger:
    """From THREADS threads at once: register and log in; then posts with Idempotency-Key
    and follows; then each post's replay, a GET and an If-Match PATCH, feed reads and
    ``/me``. Every statement shape runs dozens of times over the three workers (the 30
    registrations alone are ten a worker on average), more than the five times after which
    psycopg prepares it on a connection.

    psycopg forgets its prepared statements at every ROLLBACK (and sends DEALLOCATE ALL),
    which ends each request that only read; the first two phases only write (commit), so
    that, with preparing on, each connection gets to prepare."""
    ledger = Ledger()
    names = [f"{prefix}{n}" for n in range(THREADS * USERS_PER_THREAD)]
    keys: dict[int, tuple[str, dict[str, str]]] = {}  # post id -> (key, body) sent

    def register(thread: int) -> None:
        for name in names[thread::THREADS]:
            reply = ledger.send(
                base, "POST", "/api/v1/users",
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            )  # fmt: skip
            if reply is None or reply.status != 201:
                continue
            user_id = reply.json()["id"]
            with ledger.lock:
                ledger.users[name] = user_id
            login = ledger.send(base, "POST", "/api/v1/tokens", headers=basic(name, PASSWORD))
            if login is not None and login.status == 200:
                with ledger.lock:
                    ledger.tokens[user_id] = login.json()["token"]

    in_threads(register)
    everyone = sorted(ledger.tokens)

    def write(thread: int) -> None:
        for user_id in everyone[thread::THREADS]:
            auth = bearer(ledger.tokens[user_id])
            for n in range(POSTS_PER_USER):
                key = str(uuid.uuid4())
                post = {"title": f"post {n}", "body": f"by {user_id}, number {n}"}
                created = ledger.send(
                    base, "POST", "/api/v1/posts", json=post,
                    headers={**auth, "Idempotency-Key": key},
                )  # fmt: skip
                if created is not None and created.status == 201:
                    post_id = created.json()["id"]
                    with ledger.lock:
                        ledger.posts[post_id] = (user_id, post["body"])
                        keys[post_id] = (key, post)
            position = everyone.index(user_id)
            for step in (1, 2):
                followed = everyone[(position + step) % len(everyone)]
                if followed == user_id:
                    continue
                reply = ledger.send(base, "POST", f"/api/v1/me/following/{followed}", headers=auth)
                if reply is not None and reply.status == 204:
                    with ledger.lock:
                        ledger.follows.add((user_id, followed))

    in_threads(write)

    def mixed(thread: int) -> None:
        for user_id in everyone[thread::THREADS]:
            auth = bearer(ledger.tokens[user_id])
            mine = sorted(post_id for post_id, (author, _) in ledger.posts.items()
                          if author == user_id)  # fmt: skip
            for post_id in mine:
                key, post = keys[post_id]
                replay = ledger.send(
                    base, "POST", "/api/v1/posts", json=post,
                    headers={**auth, "Idempotency-Key": key},
                )  # fmt: skip
                if replay is not None and replay.status == 201:
                    assert replay.headers.get("Idempotent-Replayed") == "true", replay.headers
                    assert replay.json()["id"] == post_id
                read = ledger.send(base, "GET", f"/api/v1/posts/{post_id}", headers=auth)
                if read is None or read.status != 200:
                    continue
                body = f"{post['body']}, edited"
                edited = ledger.send(
                    base, "PATCH", f"/api/v1/posts/{post_id}", json={"body": body},
                    headers={**auth, "If-Match": read.headers["ETag"]},
                )  # fmt: skip
                with ledger.lock:
                    if edited is not None and edited.status == 200:
                        ledger.posts[post_id] = (user_id, body)
                    else:
                        ledger.uncertain.add(post_id)
                ledger.send(base, "GET", "/api/v1/feed?limit=5", headers=auth)
            ledger.send(base, "GET", "/api/v1/me", headers=auth)

    in_threads(mixed)
    return ledger


def check_acknowledged_writes(ledger: Ledger, direct_url: str, *, exact: bool) -> None:
    """Every acknowledged user, post (with its last acknowledged body) and follow is in the
    database, read on the server itself rather than through PgBouncer. ``exact``: nothing
    else either (no post twice), as when no request failed."""
    ids = list(ledger.tokens)
    with psycopg.connect(plain(direct_url)) as conn:
        users = conn.execute(
            "SELECT username, id FROM users WHERE username = ANY(%s)", (list(ledger.users),)
        ).fetchall()
        assert dict(users) == ledger.users
        rows = conn.execute(
            "SELECT id, user_id, body FROM posts WHERE user_id = ANY(%s)", (ids,)
        ).fetchall()
        posts = {row[0]: (row[1], row[2]) for row in rows}
        follows = set(
            conn.execute(
                "SELECT follower_id, followed_id FROM follows WHERE follower_id = ANY(%s)", (ids,)
            ).fetchall()
        )
    if exact:
        assert posts == ledger.posts
        assert follows == ledger.follows
        return
    assert ledger.posts.keys() <= posts.keys()
    for post_id, (author, body) in ledger.posts.items():
        assert posts[post_id][0] == author
        if post_id not in ledger.uncertain:
            assert posts[post_id][1] == body, (post_id, posts[post_id], body)
    assert ledger.follows <= follows


SERVER_STATES = ("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")


def pools(bouncer: pgb.Bouncer) -> dict[str, int]:
    """PgBouncer's own count of client and server connections for the test database."""
    with psycopg.connect(plain(bouncer.url("pgbouncer")), autocommit=True) as conn:
        cursor = conn.execute("SHOW POOLS")
        columns = [column.name for column in cursor.description or ()]
        for row in cursor.fetchall():
            pool = dict(zip(columns, row, strict=True))
            if pool["database"] == DATABASE:
                clients = pool["cl_active"] + pool["cl_waiting"]
                servers = sum(pool[name] for name in SERVER_STATES)
                return {"clients": clients, "servers": servers}
    raise AssertionError(f"no pool for {DATABASE}")


@dataclass
class Run:
    ledger: Ledger
    pools: dict[str, int]
    log: str
    seconds: float


def serve_and_load(bouncer: pgb.Bouncer, workdir: Path, prepared: bool, prefix: str) -> Run:
    name = "prepared-on" if prepared else "prepared-off"
    instance = start_gunicorn(name, bouncer_environment(workdir, bouncer, prepared), workdir)
    try:
        wait_until_up(instance)
        started = time.monotonic()
        ledger = run_workload(instance.base, prefix)
        seconds = time.monotonic() - started
        counts = pools(bouncer)
    finally:
        stop(instance.process)
    return Run(ledger, counts, instance.log.read_text(errors="replace"), seconds)


def logged_errors(log: str) -> Counter[str]:
    """The psycopg error behind each request that failed, by class, from the app's log:
    a 500's traceback, or the class a 503's warning names."""
    found: Counter[str] = Counter()
    for line in log.splitlines():
        if "unhandled exception" in line:
            match = re.search(r"psycopg\.errors\.(\w+)", line)
        elif "database unavailable" in line:
            match = re.search(r"database unavailable \(request_id=\w*\): (\w+)", line)
        else:
            continue
        found[match.group(1) if match else "other"] += 1
    return found


#: psycopg's errors for a statement it prepared that is not on the server connection a
#: transaction got, or for a name another client prepared there first.
PREPARED_ERRORS = {"DuplicatePreparedStatement", "InvalidSqlStatementName"}


def test_transaction_pooling_works_with_prepared_statements_off(
    bouncer: pgb.Bouncer, migrated: str, workdir: Path
) -> None:
    run = serve_and_load(bouncer, workdir, prepared=False, prefix="off")
    ledger = run.ledger
    print(f"\nprepared statements off: {ledger.requests} requests in {run.seconds:.1f} s, "
          f"statuses {dict(ledger.statuses)}, pools {run.pools}")  # fmt: skip
    assert not ledger.failures, "\n".join(ledger.failures[:20]) + "\n" + run.log[-4000:]
    assert set(ledger.statuses) <= {200, 201, 204}, ledger.statuses
    assert len(ledger.users) == len(ledger.tokens) == THREADS * USERS_PER_THREAD
    assert len(ledger.posts) == THREADS * USERS_PER_THREAD * POSTS_PER_USER
    assert not ledger.uncertain
    check_acknowledged_writes(ledger, migrated, exact=True)
    # The workers' connections really were shared: more clients than server connections.
    assert run.pools["servers"] <= SERVER_POOL < run.pools["clients"], run.pools
    with psycopg.connect(plain(bouncer.url(DATABASE))) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == (STATEMENT_TIMEOUT,)


def test_transaction_pooling_fails_with_prepared_statements_on(
    bouncer: pgb.Bouncer, migrated: str, workdir: Path
) -> None:
    """The failure the setting exists for, shown through the same PgBouncer."""
    run = serve_and_load(bouncer, workdir, prepared=True, prefix="on")
    ledger = run.ledger
    errors = logged_errors(run.log)
    print(f"\nprepared statements on: {ledger.requests} requests in {run.seconds:.1f} s, "
          f"statuses {dict(ledger.statuses)}, failures {len(ledger.failures)}, "
          f"errors logged {dict(errors)}")  # fmt: skip
    assert ledger.failures, "the workload passed with prepared statements on"
    assert set(errors) & PREPARED_ERRORS, run.log[-4000:]
    # What was acknowledged is there all the same: the failures were refusals, not losses.
    check_acknowledged_writes(ledger, migrated, exact=False)
