"""Backup and restore, as docs/operations.md tells an operator to do it: a database seeded
through the API (users, follows, published posts and drafts, tasks, API keys, tokens) is
dumped with ``pg_dump -Fc``, restored with ``pg_restore`` into a fresh database, migrated
(``flask db upgrade``: a no-op at head) and served by gunicorn. Every table must then be equal
row for row (and every sequence must go on from where it was, or the next insert would reuse
an id), and a walk of the API (users, posts, a user's posts, the feed, tasks, API keys)
must answer the same on the restored server as on the original, credentials included.

Also the SQLite ``.backup`` of the embedded default, restored by copying it into place."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from typing import Any

from sqlalchemy import MetaData, Table, create_engine, inspect, select, text

from tests import pg
from tests.faults import harness


def seed(base: str) -> dict[str, Any]:
    """Users who follow each other and write posts (some drafts), tasks and an API key."""
    users = [harness.register(base, f"keep{n}") for n in range(3)]
    for n, (_, token) in enumerate(users):
        auth = {"Authorization": f"Bearer {token}"}
        for other_id, _ in users:
            if other_id != users[n][0] and (n + other_id) % 2 == 0:
                got = harness.call(base, "POST", f"/api/v1/me/following/{other_id}", headers=auth)
                assert got.status == 204, got.body
        for i in range(4):
            got = harness.call(
                base, "POST", "/api/v1/posts", headers=auth,
                json={"title": f"post {n}.{i}", "body": f"body {n}.{i} ☃",
                           "published": i != 3},
            )  # fmt: skip
            assert got.status == 201, got.body
            got = harness.call(
                base, "POST", "/api/v1/tasks", headers={**auth, "Idempotency-Key": f"s{n}{i}"},
                json={"title": f"task {n}.{i}", "description": "to keep"},
            )  # fmt: skip
            assert got.status == 201, got.body
    key = harness.call(
        base, "POST", "/api/v1/me/api-keys", json={"name": "backup"},
        headers={"Authorization": f"Bearer {users[0][1]}"},
    )  # fmt: skip
    assert key.status == 201, key.body
    return {"users": users, "api_key": key.json()["key"]}


def walk(base: str, seeded: dict[str, Any]) -> dict[str, Any]:
    """What the API answers for everything seeded (links relative to ``base``)."""
    seen: dict[str, Any] = {}

    def get(path: str, headers: dict[str, str] | None = None) -> None:
        reply = harness.call(base, "GET", path, headers=headers)
        seen[f"{path} {sorted(headers or {})}"] = (
            reply.status,
            reply.body.decode().replace(base, "<base>"),
        )

    get("/api/v1/users?per_page=100")
    get("/api/v1/posts?per_page=100")
    for user_id, token in seeded["users"]:
        auth = {"Authorization": f"Bearer {token}"}
        get(f"/api/v1/users/{user_id}")
        get(f"/api/v1/users/{user_id}/posts?per_page=100", auth)
        get(f"/api/v1/users/{user_id}/followers")
        get("/api/v1/feed?limit=100", auth)
        get("/api/v1/tasks?per_page=100", auth)
    get("/api/v1/me/api-keys", {"Authorization": f"Bearer {seeded['users'][0][1]}"})
    # The key itself authenticates (its use is recorded, so only the status is compared).
    key = harness.call(base, "GET", "/api/v1/me", headers={"X-API-Key": seeded["api_key"]})
    seen["/api/v1/me with the API key"] = (key.status, "")
    return seen


def tables(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in a stable order, and every sequence's position."""
    engine = create_engine(database_url)
    found: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as conn:
            for name in sorted(inspect(conn).get_table_names()):
                table = Table(name, MetaData(), autoload_with=conn)
                found[name] = sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for sequence, last_value in conn.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
                )
            ):
                found[f"sequence {sequence}"] = [(last_value,)]
    finally:
        engine.dispose()
    return found


def client_tool(name: str) -> str:
    bindir = pg.find_bindir()
    assert bindir is not None
    return str(bindir / name)


def connection_args(database_url: str) -> list[str]:
    # postgresql+psycopg://postgres@127.0.0.1:PORT/NAME
    rest = database_url.split("@", 1)[1]
    host_port, name = rest.split("/", 1)
    host, port = host_port.split(":")
    return ["-h", host, "-p", port, "-U", "postgres", "-d", name]


def test_pg_dump_and_restore_into_a_fresh_database_serve_the_same(postgres_server: str) -> None:
    with harness.workdir() as where:
        original_url = pg.create_database(postgres_server, "microblog_faults_original")
        env = harness.server_env(original_url, where)
        harness.migrate(env)
        with harness.gunicorn(env, 1, where) as server:
            seeded = seed(server.base)
        dump = where / "microblog.dump"
        subprocess.run(
            [client_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(dump),
             *connection_args(original_url)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        dump_size = dump.stat().st_size
        restored_url = pg.create_database(postgres_server, "microblog_faults_restored")
        subprocess.run(
            [client_tool("pg_restore"), "--no-owner", "--exit-on-error",
             *connection_args(restored_url), str(dump)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        restored_env = {**env, "DATABASE_URL": restored_url}
        harness.migrate(restored_env)
        before, after = tables(original_url), tables(restored_url)
        with (
            harness.gunicorn(env, 1, where) as original,
            harness.gunicorn(restored_env, 1, where) as restored,
        ):
            walked = walk(original.base, seeded), walk(restored.base, seeded)

    rows = {name: len(found) for name, found in before.items() if not name.startswith("seq")}
    harness.record(
        "backup (pg_dump -Fc) and restore into a fresh database",
        {
            "settings": "pg_dump -Fc --no-owner, pg_restore --no-owner into a new database, "
            "flask db upgrade, gunicorn.conf.py -w 1 on each",
            "dump_bytes": dump_size,
            "rows_compared": sum(rows.values()),
            "rows_per_table": rows,
            "tables_differing": sorted(n for n in before if before[n] != after.get(n)),
            "api_responses_compared": len(walked[0]),
            "api_responses_differing": sorted(
                path for path, seen in walked[0].items() if seen != walked[1].get(path)
            ),
        },
    )
    assert set(before) == set(after)
    for name in before:
        assert before[name] == after[name], name
    assert rows["users"] == 3 and rows["posts"] == 12 and rows["tasks"] == 12, rows
    assert all(status == 200 for status, _ in walked[0].values()), walked[0]
    assert walked[0] == walked[1]


def test_sqlite_backup_restores_by_copying_it_into_place() -> None:
    with harness.workdir() as where:
        live = where / "microblog.db"
        env = harness.server_env(f"sqlite:///{live}", where)
        harness.migrate(env)
        with harness.gunicorn(env, 1, where) as server:
            seeded = seed(server.base)
            # Online: the backup API copies a consistent snapshot while the server runs.
            backup = where / "backup.db"
            done = subprocess.run(
                ["sqlite3", str(live), f".backup '{backup}'"], capture_output=True, check=False
            ) if shutil.which("sqlite3") else None  # fmt: skip
            if done is None:  # no command-line shell: the same API from Python
                with (
                    closing(sqlite3.connect(live)) as source,
                    closing(sqlite3.connect(backup)) as target,
                ):
                    source.backup(target)
            else:
                assert done.returncode == 0, done.stderr
            before = walk(server.base, seeded)
        restored = where / "restored.db"
        shutil.copy(backup, restored)
        restored_env = {**env, "DATABASE_URL": f"sqlite:///{restored}"}
        harness.migrate(restored_env)
        with harness.gunicorn(restored_env, 1, where) as server:
            after = walk(server.base, seeded)
    assert all(status == 200 for status, _ in before.values())
    assert before == after
