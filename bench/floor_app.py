"""The floor: the least work ``GET /users/{id}`` (Bearer) needs on every request, without
our app around it, under the same gunicorn settings as the ceiling (bench/bare_app.py).

- ``GET /row?user=ID``: one primary-key read of a user through SQLAlchemy Core, as JSON.
- ``GET /floor?user=ID``: what the endpoint cannot skip without a cache: one Redis INCR
  (the client address's budget, shared by every worker), the bearer token's row by its
  SHA-256 (joined to its active user) and the user's row with its three counts, as JSON.
  No routing beyond Flask's, no validation, logs or metrics.
- ``GET /floor-cached?user=ID``: the same without the token's row, as if who a token
  belongs to were cached in the worker: the most such a cache could give.

Served by bench/run_pg.sh with ``DATABASE_URL`` and ``REDIS_URL`` set; the engine and the
Redis client are made in each worker on first use (the shipped config preloads the app).
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from typing import Any

import redis
from flask import Flask, abort, jsonify, request
from sqlalchemy import Engine, create_engine, text

app = Flask(__name__)

ROW = text("SELECT id, username, about_me, created_at, last_seen FROM users WHERE id = :id")
TOKEN = text(
    "SELECT users.id, users.username, users.role FROM users JOIN tokens"
    " ON tokens.user_id = users.id WHERE tokens.token_hash = :hash"
    " AND tokens.expires_at > :now AND users.is_active"
)
USER = text(
    "SELECT id, username, about_me, created_at, last_seen,"
    " (SELECT count(*) FROM posts WHERE posts.user_id = users.id AND posts.published)"
    "   AS post_count,"
    " (SELECT count(*) FROM follows WHERE follows.followed_id = users.id) AS follower_count,"
    " (SELECT count(*) FROM follows WHERE follows.follower_id = users.id) AS following_count"
    " FROM users WHERE id = :id"
)
clients: dict[str, Any] = {}


def engine() -> Engine:
    if "engine" not in clients:
        url = os.environ["DATABASE_URL"]
        clients["engine"] = create_engine(url, pool_size=5, isolation_level="AUTOCOMMIT")
    found: Engine = clients["engine"]
    return found


def store() -> redis.Redis:
    if "redis" not in clients:
        clients["redis"] = redis.Redis.from_url(os.environ["REDIS_URL"])
    found: redis.Redis = clients["redis"]
    return found


def as_json(row: Any) -> dict[str, Any]:
    return {key: str(value) if value is not None else None for key, value in row._asdict().items()}


@app.get("/row")
def one_row():  # type: ignore[no-untyped-def]
    with engine().connect() as conn:
        row = conn.execute(ROW, {"id": request.args.get("user", type=int)}).one()
    return jsonify(as_json(row))


def count_request() -> None:
    key = f"floor:{request.headers.get('X-Forwarded-For', '')}"
    pipe = store().pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, 60, nx=True)
    pipe.execute()


@app.get("/floor")
def floor():  # type: ignore[no-untyped-def]
    count_request()
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    digest = hashlib.sha256(token.encode()).hexdigest()
    with engine().connect() as conn:
        now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as the app stores it
        if conn.execute(TOKEN, {"hash": digest, "now": now}).one_or_none() is None:
            abort(401)
        row = conn.execute(USER, {"id": request.args.get("user", type=int)}).one()
    return jsonify(as_json(row))


@app.get("/floor-cached")
def floor_cached():  # type: ignore[no-untyped-def]
    count_request()
    with engine().connect() as conn:
        row = conn.execute(USER, {"id": request.args.get("user", type=int)}).one()
    return jsonify(as_json(row))
