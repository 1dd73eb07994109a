"""``Idempotency-Key`` on POST /posts and POST /tasks (docs/reference.md#idempotency): a
retry replays the first response and creates nothing; another body with the same key is
422; a retry while the first is still running waits for it and replays it; keys belong to
one user and expire after 24 h. The key, the work and the recorded response commit
together, so a process killed at any point of the request leaves nothing a retry cannot
resolve."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from microblog.data.db import db
from microblog.data.models import IdempotencyKey, Post, Task
from microblog.data.timeutil import utcnow
from microblog.services import posts as post_service
from tests.conftest import Api

CREATORS = [
    ("/api/v1/posts", {"title": "Hello", "body": "once only"}, Post),
    ("/api/v1/tasks", {"title": "Buy milk", "description": "2 litres"}, Task),
]


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def with_key(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


@pytest.mark.parametrize(("url", "body", "model"), CREATORS)
def test_retry_replays_the_first_response(
    api: Api, client: FlaskClient, url: str, body: dict[str, Any], model: Any
) -> None:
    _, headers = api.login("alice")
    first = client.post(url, json=body, headers=with_key(headers, "key-1"))
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers

    retry = client.post(url, json=body, headers=with_key(headers, "key-1"))
    assert retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.content_type == "application/json"
    assert count(model) == 1


def test_replay_ignores_json_formatting_and_key_order(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    first = client.post(
        "/api/v1/posts",
        data='{"title": "T", "body": "B"}',
        content_type="application/json",
        headers=with_key(headers, "k"),
    )
    assert first.status_code == 201
    retry = client.post(
        "/api/v1/posts",
        data='{"body":"B","title":"T"}',
        content_type="application/json",
        headers=with_key(headers, "k"),
    )
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert count(Post) == 1


def test_without_a_key_every_post_creates(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    for _ in range(2):
        assert client.post("/api/v1/posts", json={"body": "x"}, headers=headers).status_code == 201
    assert count(Post) == 2


@pytest.mark.parametrize(("url", "body", "model"), CREATORS)
def test_same_key_different_body_is_422(
    api: Api, client: FlaskClient, url: str, body: dict[str, Any], model: Any
) -> None:
    _, headers = api.login("alice")
    assert client.post(url, json=body, headers=with_key(headers, "k")).status_code == 201
    other = client.post(url, json={**body, "title": "changed"}, headers=with_key(headers, "k"))
    assert other.status_code == 422
    error = other.get_json()
    assert error["error"] == "Unprocessable Entity"
    assert "Idempotency-Key" in error["message"]
    assert "request_id" in error
    assert count(model) == 1


def test_same_key_on_another_route_is_422_not_a_replay(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    post = client.post(
        "/api/v1/posts", json={"title": "x", "body": "y"}, headers=with_key(headers, "k")
    )
    assert post.status_code == 201
    task = client.post("/api/v1/tasks", json={"title": "x"}, headers=with_key(headers, "k"))
    assert task.status_code == 422
    assert count(Task) == 0


def test_keys_belong_to_one_user(api: Api, client: FlaskClient) -> None:
    _, alice = api.login("alice")
    _, bob = api.login("bob")
    body = {"body": "same words"}
    a = client.post("/api/v1/posts", json=body, headers=with_key(alice, "shared"))
    b = client.post("/api/v1/posts", json=body, headers=with_key(bob, "shared"))
    assert a.status_code == b.status_code == 201
    assert "Idempotent-Replayed" not in b.headers
    assert a.get_json()["id"] != b.get_json()["id"]
    assert b.get_json()["author"]["username"] == "bob"
    assert count(Post) == 2


def test_retry_while_first_still_running_is_409(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    body = {"body": "slow"}
    assert (
        client.post("/api/v1/posts", json=body, headers=with_key(headers, "k")).status_code == 201
    )
    # Put the key back in the state it has while the first request is being served.
    db.session.execute(update(IdempotencyKey).values(status=None, body=None, location=None))
    db.session.commit()
    retry = client.post("/api/v1/posts", json=body, headers=with_key(headers, "k"))
    assert retry.status_code == 409
    assert retry.get_json()["error"] == "Conflict"
    assert count(Post) == 1


@pytest.mark.parametrize(
    ("age", "replayed"), [(timedelta(hours=23), True), (timedelta(hours=25), False)]
)
def test_keys_expire_after_24_hours(
    api: Api, client: FlaskClient, age: timedelta, replayed: bool
) -> None:
    _, headers = api.login("alice")
    body = {"body": "daily"}
    first = client.post("/api/v1/posts", json=body, headers=with_key(headers, "k"))
    db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - age))
    db.session.commit()
    retry = client.post("/api/v1/posts", json=body, headers=with_key(headers, "k"))
    assert retry.status_code == 201
    assert (retry.headers.get("Idempotent-Replayed") == "true") is replayed
    assert (retry.get_json()["id"] == first.get_json()["id"]) is replayed
    assert count(Post) == (1 if replayed else 2)


def test_rejected_request_does_not_use_up_the_key(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    bad = client.post("/api/v1/tasks", json={"title": ""}, headers=with_key(headers, "k"))
    assert bad.status_code == 400
    good = client.post("/api/v1/tasks", json={"title": "ok"}, headers=with_key(headers, "k"))
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good.headers
    assert count(Task) == 1


def test_failed_work_releases_the_key(
    api: Api, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, headers = api.login("alice")
    real = post_service.create_post

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(post_service, "create_post", broken)
    failed = client.post("/api/v1/posts", json={"body": "x"}, headers=with_key(headers, "k"))
    assert failed.status_code == 500
    monkeypatch.setattr(post_service, "create_post", real)
    retry = client.post("/api/v1/posts", json={"body": "x"}, headers=with_key(headers, "k"))
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert count(Post) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "ünïcode"])
def test_malformed_key_is_400(api: Api, client: FlaskClient, key: str) -> None:
    _, headers = api.login("alice")
    response = client.post(
        "/api/v1/posts", json={"body": "x"}, headers={**headers, "Idempotency-Key": key}
    )
    assert response.status_code == 400
    assert count(Post) == 0


def test_anonymous_request_with_key_is_401(client: FlaskClient) -> None:
    response = client.post("/api/v1/posts", json={"body": "x"}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 401
    assert count(IdempotencyKey) == 0


def test_concurrent_retries_create_exactly_one_row(
    app: Flask, api: Api, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "sqlite":
        pytest.skip(
            "in-memory SQLite is one connection shared by every thread: no real concurrency"
        )
    _, headers = api.login("alice")
    headers = with_key(headers, "retry-storm")
    body = {"title": "Once", "body": "exactly one row"}
    workers = 8
    barrier = threading.Barrier(workers)
    real = post_service.create_post

    def slow_create(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.2)  # keep the first request in flight while the retries arrive
        return real(*args, **kwargs)

    monkeypatch.setattr(post_service, "create_post", slow_create)
    answers: list[tuple[int, dict[str, Any], dict[str, str]]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            with app.app_context():
                client = app.test_client()
                barrier.wait(timeout=10)
                response = client.post("/api/v1/posts", json=body, headers=headers)
                with lock:
                    answers.append(
                        (response.status_code, response.get_json(), dict(response.headers))
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=send) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert len(answers) == workers

    db.session.expire_all()
    assert count(Post) == 1
    statuses = sorted(status for status, _, _ in answers)
    # The retries wait on the first request's uncommitted key, then replay it.
    assert statuses == [201] * workers, statuses
    created = [a for a in answers if a[0] == 201]
    originals = [a for a in created if "Idempotent-Replayed" not in a[2]]
    assert len(originals) == 1
    first_body, first_headers = originals[0][1], originals[0][2]
    for _, replay_body, replay_headers in created:
        assert replay_body == first_body
        assert replay_headers["Location"] == first_headers["Location"]

    # Once the storm is over, a late retry is a plain replay.
    late = app.test_client().post("/api/v1/posts", json=body, headers=headers)
    assert late.status_code == 201
    assert late.headers["Idempotent-Replayed"] == "true"
    assert late.get_json() == first_body
    assert count(Post) == 1


@pytest.mark.parametrize(("url", "body", "model"), CREATORS)
def test_a_crash_after_any_commit_leaves_an_outcome_a_retry_can_answer(
    app: Flask, api: Api, client: FlaskClient, url: str, body: dict[str, Any], model: Any
) -> None:
    """Found under load: the key was claimed, the row written and the response recorded in three
    commits; a worker killed between the last two left the key "in progress" for 24 h (409
    to every retry) although its row existed. Whatever a crash right after each commit of
    the request would leave must be either nothing (the retry creates) or the row with its
    recorded response (the retry replays)."""
    _, headers = api.login("alice")
    headers = with_key(headers, "crash")
    snapshots: list[tuple[int, int, int]] = []

    def snapshot(session: Session) -> None:
        # What the database holds at this commit, seen from another connection.
        with db.engine.connect() as conn:
            rows = conn.scalar(select(func.count()).select_from(model))
            keys = conn.scalar(select(func.count()).select_from(IdempotencyKey))
            answered = conn.scalar(
                select(func.count())
                .select_from(IdempotencyKey)
                .where(IdempotencyKey.status.is_not(None))
            )
        snapshots.append((int(rows or 0), int(keys or 0), int(answered or 0)))

    event.listen(Session, "after_commit", snapshot)
    try:
        response = client.post(url, json=body, headers=headers)
    finally:
        event.remove(Session, "after_commit", snapshot)
    assert response.status_code == 201, response.get_json()
    assert snapshots, "the request committed nothing"
    for rows, keys, answered in snapshots:
        # (rows, keys, answered): nothing yet, or the row with its answered key.
        assert (rows, keys, answered) in {(0, 0, 0), (1, 1, 1)}, snapshots
    assert snapshots[-1] == (1, 1, 1)


def test_work_that_fails_after_writing_leaves_no_row_and_the_key_free(
    api: Api, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A view that raises after its service wrote the row (here: reading it back for the
    response) must not leave the row behind while freeing the key: the retry would create
    it twice."""
    from microblog.services import posts as post_service

    _, headers = api.login("alice")
    real = post_service.get_post

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("response could not be built")

    monkeypatch.setattr(post_service, "get_post", broken)
    failed = client.post("/api/v1/posts", json={"body": "x"}, headers=with_key(headers, "k"))
    assert failed.status_code == 500
    assert count(Post) == 0
    monkeypatch.setattr(post_service, "get_post", real)
    retry = client.post("/api/v1/posts", json={"body": "x"}, headers=with_key(headers, "k"))
    assert retry.status_code == 201
    assert count(Post) == 1
