"""Where the time goes on PostgreSQL + Redis, in-process: cProfile over the pg scenario's
endpoints (bench/run_pg.sh), on an already seeded database.

    DATABASE_URL=... REDIS_URL=... python bench/profile_pg.py --viewer ID --user ID \\
        [--requests 300] [--top 20] [--out FILE]

With the production environment bench/lib.sh sets (``MICROBLOG_ENV=production``,
``TRUSTED_PROXIES=1``...) and a database seeded by bench/seed_scale.py. The WSGI app is
called directly, as gunicorn's sync worker does, each request from another
``X-Forwarded-For`` address (so the rate limiter reserves in Redis as under wrk).
Reuses bench/profile_endpoints.py's timing and report, with buckets for psycopg and Redis
round trips. cProfile inflates pure-Python code more than waiting on a socket, so the
µs are estimates; confirm a change with ``make bench``.
"""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent))
import profile_endpoints as pe

PG_BUCKETS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "PostgreSQL: psycopg Cursor.execute (round trip + server)",
        [("psycopg/cursor.py", "execute")],
    ),
    # (profile_endpoints.py's "sqlite3 cursor.execute" bucket is do_execute: psycopg here.)
    ("Redis: round trips (redis-py execute_command)", [("redis/client.py", "execute_command")]),
    ("  of which rate limits (RateLimiter.check)", [("microblog/web/ratelimit.py", "check")]),
    ("services.posts represent()", [("microblog/web/representations.py", "post")]),
]


def caller(app: Any, path: str, headers: dict[str, str] | None = None, *,
           method: str = "GET", body: str | None = None) -> Callable[[], int]:  # fmt: skip
    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
    template = EnvironBuilder(
        path=path, query_string=query, headers=headers or {}, method=method, data=body,
        content_type="application/json" if body else None, base_url="http://127.0.0.1:8000",
    ).get_environ()  # fmt: skip
    payload = body.encode() if body else b""
    status: list[str] = []
    counter = [0]

    def start_response(s: str, h: Any, exc_info: Any = None) -> None:
        status.append(s)

    def call() -> int:
        import io

        status.clear()
        counter[0] += 1
        n = counter[0] % 60000
        environ = dict(template)
        environ["HTTP_X_FORWARDED_FOR"] = f"10.9.{n // 250}.{n % 250 + 1}"
        environ["wsgi.input"] = io.BytesIO(payload)
        result = app(environ, start_response)
        size = sum(len(chunk) for chunk in result)
        close = getattr(result, "close", None)
        if close:
            close()
        if not status[0][:1] == "2":
            raise SystemExit(f"{method} {path}: {status[0]}")
        return size

    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewer", type=int, required=True)
    parser.add_argument("--user", type=int, required=True)
    parser.add_argument("--password", default="benchpass123")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from microblog import create_app

    pe.BUCKETS[:0] = PG_BUCKETS
    app = create_app()
    client = app.test_client()
    basic = base64.b64encode(f"user{args.viewer:06d}:{args.password}".encode()).decode()
    response = client.post(
        "/api/v1/tokens",
        headers={"Authorization": f"Basic {basic}", "X-Forwarded-For": "192.0.2.77"},
    )
    if response.status_code != 200:
        raise SystemExit(f"login failed: {response.status_code} {response.data!r}")
    auth = {"Authorization": f"Bearer {response.get_json()['token']}"}
    body = (
        '{"title": "Profiled post", "body": "Written by bench/profile_pg.py.", "published": true}'
    )
    user_path = f"/api/v1/users/{args.user}"
    endpoints = [
        (f"GET {user_path} (Bearer)", caller(app, user_path, auth)),
        ("GET /api/v1/posts?per_page=100", caller(app, "/api/v1/posts?per_page=100")),
        (
            "GET /api/v1/feed?limit=100 (following 1,000)",
            caller(app, "/api/v1/feed?limit=100", auth),
        ),
        ("POST /api/v1/posts", caller(app, "/api/v1/posts", auth, method="POST", body=body)),
    ]
    bare_us = pe.bare_cost(args.requests * 5)
    pe.profile_all(
        f"# In-process profile on PostgreSQL + Redis ({args.requests} requests per endpoint)\n",
        endpoints,
        lambda name: args.requests * (5 if "users/" in name else 1),
        bare_us,
        args,
        warmup=100,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
