"""Races on PostgreSQL, through gunicorn (``-w 3``, so three requests really run at once):
several clients fire the same request at the same instant (a barrier), and the outcome must
be what one request at a time would give.

* one username (and one email) registered concurrently: exactly one ``201``, the rest ``409``;
* follow and unfollow of one pair concurrently: no 5xx, and the final state, the
  ``follows`` row and the follower count agree;
* one refresh token refreshed concurrently, on a server with ``JWT_REFRESH_REUSE_GRACE``
  set (off by default: then any reuse revokes the login): exactly one ``200``, the rest
  ``401`` ("already used"), and the winner's new pair keeps working: a spent token
  presented again within the window is a retry, not theft
  (docs/authentication.md#jwt-access-and-refresh-tokens);
* ``PATCH`` with one ``If-Match`` concurrently: exactly one ``200``, the rest ``412``;
* ``POST`` with one ``Idempotency-Key`` concurrently: one row, identical bodies."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests import pg
from tests.faults import harness

CONCURRENCY = 6  # requests fired at once per race (3 workers: half of them queue)


def race(base: str, requests: list[dict[str, Any]]) -> list[harness.Reply]:
    """``harness.call(base, **request)`` for each request, all released at the same instant."""
    count = len(requests)
    barrier = threading.Barrier(count)
    replies: list[harness.Reply | BaseException] = [RuntimeError("not run")] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            replies[i] = harness.call(base, **requests[i])
        except BaseException as exc:  # reported below
            replies[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [r for r in replies if isinstance(r, BaseException)]
    assert not failed, failed
    return [r for r in replies if isinstance(r, harness.Reply)]


def statuses(replies: list[harness.Reply]) -> Counter[int]:
    return Counter(r.status for r in replies)


@pytest.fixture(scope="module")
def served(postgres_server: str) -> Iterator[tuple[harness.Gunicorn, str]]:
    with harness.workdir() as where:
        database_url = pg.create_database(postgres_server, "microblog_faults_races")
        env = harness.server_env(database_url, where)
        env["JWT_REFRESH_REUSE_GRACE"] = "10"  # the refresh race's rule (its test says which)
        harness.migrate(env)
        with harness.gunicorn(env, 3, where) as server:
            yield server, database_url
            errors = server.logged_errors()
    assert not errors, errors[:3]


FIGURES: dict[str, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def results() -> Iterator[None]:
    yield
    harness.record(
        "races on PostgreSQL",
        {
            "settings": f"gunicorn.conf.py -w 3, PostgreSQL, {CONCURRENCY} identical "
            f"requests released at once, {harness.PROFILE.race_rounds} rounds each",
            **FIGURES,
        },
    )


def bearer(token: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **more}


def test_one_username_and_one_email_register_once(
    served: tuple[harness.Gunicorn, str],
) -> None:
    server, _ = served
    seen: Counter[int] = Counter()
    for round_ in range(harness.PROFILE.race_rounds):
        name = f"same{round_}"
        by_name = race(server.base, [
            {"method": "POST", "path": "/api/v1/users",
             "json": {"username": name, "email": f"{name}.{i}@example.com",
                           "password": harness.PASSWORD}}
            for i in range(CONCURRENCY)
        ])  # fmt: skip
        by_email = race(server.base, [
            {"method": "POST", "path": "/api/v1/users",
             "json": {"username": f"{name}x{i}", "email": f"{name}@example.org",
                           "password": harness.PASSWORD}}
            for i in range(CONCURRENCY)
        ])  # fmt: skip
        for replies in (by_name, by_email):
            got = statuses(replies)
            seen.update(got)
            assert got == {201: 1, 409: CONCURRENCY - 1}, got
    FIGURES["registration"] = {str(k): v for k, v in sorted(seen.items())}


def test_follow_and_unfollow_of_one_pair_stay_consistent(
    served: tuple[harness.Gunicorn, str],
) -> None:
    server, database_url = served
    follower_id, token = harness.register(server.base, "racer")
    followed_id, _ = harness.register(server.base, "raced")
    path = f"/api/v1/me/following/{followed_id}"
    engine = create_engine(database_url)
    seen: Counter[int] = Counter()
    try:
        for _ in range(harness.PROFILE.race_rounds):
            # Follows only: one row, every answer 204.
            follows = {"method": "POST", "path": path, "headers": bearer(token)}
            replies = race(server.base, [follows] * CONCURRENCY)
            seen.update(statuses(replies))
            assert statuses(replies) == {204: CONCURRENCY}
            # Follows and unfollows mixed: whatever wins, everything agrees afterwards.
            mixed = [
                {**follows, "method": "POST" if i % 2 else "DELETE"} for i in range(CONCURRENCY)
            ]
            replies = race(server.base, mixed)
            seen.update(statuses(replies))
            assert statuses(replies) == {204: CONCURRENCY}
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT count(*) FROM follows WHERE follower_id = :a AND followed_id = :b"
                    ),
                    {"a": follower_id, "b": followed_id},
                ).scalar_one()
            assert rows in (0, 1)
            state = harness.call(server.base, "GET", path, headers=bearer(token)).status
            assert state == (204 if rows else 404)
            user = harness.call(server.base, "GET", f"/api/v1/users/{followed_id}").json()
            assert user["follower_count"] == rows, user
            me = harness.call(server.base, "GET", f"/api/v1/users/{follower_id}").json()
            assert me["following_count"] == rows, me
    finally:
        engine.dispose()
    FIGURES["follow_unfollow"] = {str(k): v for k, v in sorted(seen.items())}


def test_one_refresh_token_refreshes_once_and_its_retries_end_nothing(
    served: tuple[harness.Gunicorn, str],
) -> None:
    """The rule with a grace window (docs/authentication.md#jwt-access-and-refresh-tokens;
    this server sets ``JWT_REFRESH_REUSE_GRACE=10``): of concurrent refreshes with one token
    one wins; the others arrive within the window, so they are refused as already used and
    end nothing: the winner's new pair keeps working (a client's own retry must not log it
    out)."""
    server, _ = served
    harness.register(server.base, "refresher")
    seen: Counter[int] = Counter()
    for _ in range(harness.PROFILE.race_rounds):
        pair = harness.login_jwt(server.base, "refresher")
        refresh = {"method": "POST", "path": "/api/v1/auth/refresh",
                   "json": {"refresh_token": pair["refresh_token"]}}  # fmt: skip
        replies = race(server.base, [refresh] * CONCURRENCY)
        got = statuses(replies)
        seen.update(got)
        assert got == {200: 1, 401: CONCURRENCY - 1}, got
        for loser in (r for r in replies if r.status == 401):
            message = loser.json()["message"]
            assert "already used" in message and "revoked" not in message, message
        winner = next(r for r in replies if r.status == 200).json()
        access = harness.call(
            server.base, "GET", "/api/v1/me", headers=bearer(winner["access_token"])
        )
        assert access.status == 200, access.body
        again = harness.call(
            server.base, "POST", "/api/v1/auth/refresh",
            json={"refresh_token": winner["refresh_token"]},
        )  # fmt: skip
        assert again.status == 200, again.body
        latest = again.json()
        access = harness.call(
            server.base, "GET", "/api/v1/me", headers=bearer(latest["access_token"])
        )
        assert access.status == 200, access.body
    FIGURES["refresh"] = {str(k): v for k, v in sorted(seen.items())}


def test_patch_with_one_if_match_wins_once(served: tuple[harness.Gunicorn, str]) -> None:
    server, _ = served
    _, token = harness.register(server.base, "patcher")
    seen: Counter[int] = Counter()
    for round_ in range(harness.PROFILE.race_rounds):
        created = harness.call(
            server.base, "POST", "/api/v1/tasks",
            json={"title": f"etag {round_}"}, headers=bearer(token),
        )  # fmt: skip
        assert created.status == 201, created.body
        task = f"/api/v1/tasks/{created.json()['id']}"
        etag = harness.call(server.base, "GET", task, headers=bearer(token)).headers["ETag"]
        replies = race(server.base, [
            {"method": "PATCH", "path": task, "json": {"title": f"writer {i}"},
             "headers": bearer(token, **{"If-Match": etag})}
            for i in range(CONCURRENCY)
        ])  # fmt: skip
        got = statuses(replies)
        seen.update(got)
        assert got == {200: 1, 412: CONCURRENCY - 1}, got
        winner = next(r for r in replies if r.status == 200).json()
        final = harness.call(server.base, "GET", task, headers=bearer(token)).json()
        assert final["title"] == winner["title"]
    FIGURES["if_match"] = {str(k): v for k, v in sorted(seen.items())}


def test_one_idempotency_key_makes_one_row(served: tuple[harness.Gunicorn, str]) -> None:
    server, database_url = served
    _, token = harness.register(server.base, "keyholder")
    engine = create_engine(database_url)
    seen: Counter[int] = Counter()
    try:
        for round_ in range(harness.PROFILE.race_rounds):
            title = f"keyed race {round_}"
            key = {"Idempotency-Key": f"race-{round_}"}
            keyed = {"method": "POST", "path": "/api/v1/tasks", "json": {"title": title},
                     "headers": bearer(token, **key)}  # fmt: skip
            replies = race(server.base, [keyed] * CONCURRENCY)
            got = statuses(replies)
            seen.update(got)
            assert got == {201: CONCURRENCY}, got
            assert len({r.body for r in replies}) == 1
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT count(*) FROM tasks WHERE title = :t"), {"t": title}
                ).scalar_one()
            assert rows == 1
    finally:
        engine.dispose()
    FIGURES["idempotency_key"] = {str(k): v for k, v in sorted(seen.items())}
