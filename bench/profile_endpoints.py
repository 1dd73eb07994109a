"""Where the time goes, in-process: cProfile over the benchmarked endpoints.

Run: .venv/bin/python bench/profile_endpoints.py [--requests 3000] [--top 25] [--out FILE]

Builds the same setup as bench/run.sh (production config, a temp SQLite file, 1,000 seeded
users, a Bearer token) and calls the WSGI app directly, as gunicorn's sync worker does
(no test client, no HTTP), so what is measured is our app and its libraries only.

For each endpoint it prints
- the unprofiled cost in µs/request (best of 3), next to the bare Flask app's;
- named buckets (flask-openapi3 validation, auth, SQL, serialisation, ...), as % of the
  profiled time and that share of the unprofiled µs/request (cProfile inflates pure-Python
  code more than C, so the µs are estimates);
- the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import os
import pstats
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

PASSWORD = "benchpass123"
BENCH_DIR = Path(__file__).resolve().parent

#: bucket -> the functions (file substring, name) whose cumulative time it sums. Buckets
#: nest (SQL runs inside auth and inside the view), so the column does not add up to 100%.
BUCKETS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "flask-openapi3 request validation (_validate_request)",
        [("flask_openapi3/request.py", "_validate_request")],
    ),
    (
        "  of which query-string parsing (_validate_query)",
        [("flask_openapi3/request.py", "_validate_query")],
    ),
    (
        "auth before_request (authenticate_request)",
        [("microblog/web/auth.py", "authenticate_request")],
    ),
    (
        "  of which token lookup (principal_for_token)",
        [("microblog/services/tokens.py", "principal_for_token")],
    ),
    (
        "other before_request (negotiate_version, check_body)",
        [("microblog/web/http.py", "negotiate_version"), ("microblog/web/http.py", "check_body")],
    ),
    (
        "view function incl. validation (openapi3 view_func)",
        [("flask_openapi3/scaffold.py", "view_func")],
    ),
    (
        "SQL: Connection.execute (every query, Core and ORM)",
        [("sqlalchemy/engine/base.py", "execute")],
    ),
    (
        "  of which sqlite3 cursor.execute (the DB itself)",
        [("sqlalchemy/engine/default.py", "do_execute")],
    ),
    (
        "SQL: fetching rows (Result.all/one_or_none/first/scalar_one)",
        [
            ("sqlalchemy/engine/result.py", "all"),
            ("sqlalchemy/engine/result.py", "one_or_none"),
            ("sqlalchemy/engine/result.py", "first"),
            ("sqlalchemy/engine/result.py", "scalar_one"),
        ],
    ),
    ("SQL: ORM Session.execute (ORM layer on top)", [("sqlalchemy/orm/session.py", "execute")]),
    (
        "read_connection() (pool checkout per request)",
        [("microblog/data/db.py", "read_connection")],
    ),
    ("represent(): rows -> dicts", [("microblog/web/representations.py", "user")]),
    (
        "  of which user_links/avatar_url (md5)",
        [("microblog/web/representations.py", "user_links")],
    ),
    (
        "respond(): pydantic model_validate + to_json",
        [("microblog/web/api/responses.py", "respond")],
    ),
    (
        "  of which isoformat() (datetime serialiser)",
        [("microblog/data/timeutil.py", "isoformat")],
    ),
    (
        "pagination collection() (links, Link header)",
        [("microblog/web/pagination.py", "collection")],
    ),
    (
        "set_response_headers (request id, Cache-Control)",
        [("microblog/web/http.py", "set_response_headers")],
    ),
    (
        "teardown: flask-sqlalchemy session remove",
        [("flask_sqlalchemy/extension.py", "_teardown_session")],
    ),
    ("werkzeug URL matching (match_request)", [("flask/ctx.py", "match_request")]),
]


def setup_env(tmp: Path) -> None:
    os.environ.update(
        MICROBLOG_ENV="production",
        SECRET_KEY=secrets.token_hex(16),
        DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        MICROBLOG_INSTANCE=str(tmp / "instance"),
        LOG_LEVEL="WARNING",
        # As in bench/lib.sh: the limiter stays on, with a budget the loop cannot exhaust.
        RATELIMIT_DEFAULT="1000000000 per minute",
    )
    os.environ.pop("REDIS_URL", None)


def build_app() -> tuple[Any, int, str]:
    """The app, a seeded user's id and a Bearer token for that user."""
    from flask_migrate import upgrade

    from microblog import create_app

    app = create_app()
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed", "--users", "1000", "--password", PASSWORD])
    if result.exit_code:
        raise SystemExit(f"seed failed: {result.output}")
    client = app.test_client()
    first = client.get("/api/v1/users?per_page=1").get_json()["items"][0]
    basic = base64.b64encode(f"{first['username']}:{PASSWORD}".encode()).decode()
    response = client.post("/api/v1/tokens", headers={"Authorization": f"Basic {basic}"})
    if response.status_code != 200:
        raise SystemExit(f"token request failed: {response.status_code} {response.data!r}")
    return app, first["id"], response.get_json()["token"]


def caller(app: Any, path: str, headers: dict[str, str] | None = None) -> Callable[[], int]:
    """One request through ``app(environ, start_response)``, body consumed and closed."""
    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
    template = EnvironBuilder(
        path=path,
        query_string=query,
        headers=headers or {},
        base_url="http://127.0.0.1:8000",
    ).get_environ()
    status: list[str] = []

    def start_response(s: str, h: Any, exc_info: Any = None) -> None:
        status.append(s)

    def call() -> int:
        status.clear()
        environ = dict(template)
        body = app(environ, start_response)
        size = sum(len(chunk) for chunk in body)
        close = getattr(body, "close", None)
        if close:
            close()
        if not status[0].startswith("200"):
            raise SystemExit(f"GET {path}: {status[0]}")
        return size

    return call


def us_per_request(call: Callable[[], int], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            call()
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e6


def profile(call: Callable[[], int], n: int) -> pstats.Stats:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    return pstats.Stats(profiler)


def _short(key: tuple[str, int, str]) -> str:
    file, line, func = key
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    else:
        # This script itself: a path from the repository's root, not from the machine's.
        root = f"{BENCH_DIR.parent}/"
        file = file.removeprefix(root)
    return f"{file}:{line}({func})" if line else func


def report(name: str, stats: pstats.Stats, us: float, bare_us: float, top: int) -> str:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _, ct, _) in raw.values())  # the outermost frame
    out = [
        f"## {name}",
        "",
        f"unprofiled: {us:,.0f} µs/request (bare Flask: {bare_us:,.0f} µs, "
        f"{us / bare_us:.1f}x); profiled total {total:.2f}s",
        "",
        "| bucket | % of time | ≈ µs/request |",
        "|---|---:|---:|",
    ]
    for label, funcs in BUCKETS:
        ct = sum(
            v[3]
            for (f, _, fn), v in raw.items()
            for file_part, func in funcs
            if fn == func and file_part in f
        )
        if ct:
            out.append(f"| {label} | {ct / total:.1%} | {ct / total * us:,.0f} |")
    out += ["", f"top {top} by cumulative time:", "", "```"]
    rows = sorted(raw.items(), key=lambda kv: kv[1][3], reverse=True)
    for key, (_, nc, tt, ct, _) in rows[:top]:
        out.append(f"{ct / total:6.1%} cum {tt / total:6.1%} own {nc:>8} calls  {_short(key)}")
    out += ["```", ""]
    return "\n".join(out)


def bare_cost(requests: int) -> float:
    """µs per request of the bare Flask app (bench/bare_app.py), warmed up first."""
    sys.path.insert(0, str(BENCH_DIR))
    from bare_app import app as bare

    call = caller(bare, "/")
    for _ in range(500):
        call()
    return us_per_request(call, requests)


def profile_all(
    title: str,
    endpoints: list[tuple[str, Callable[[], int]]],
    requests: Callable[[str], int],
    bare_us: float,
    args: argparse.Namespace,
    warmup: int = 300,
) -> None:
    """Warm up, time and profile each endpoint; print the report (and write ``args.out``)."""
    sections = [title]
    summary = {}
    for name, call in endpoints:
        n = requests(name)
        for _ in range(min(n, warmup)):
            call()
        us = us_per_request(call, n)
        stats = profile(call, n)
        summary[name] = round(us)
        sections.append(report(name, stats, us, bare_us, args.top))
    text = "\n".join(sections)
    print(text)
    print("µs/request:", json.dumps({"bare": round(bare_us), **summary}))
    if args.out:
        args.out.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description="cProfile the benchmarked endpoints")
    parser.add_argument("--requests", type=int, default=3000, help="per endpoint")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="also write the report here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="microblog-profile.") as tmp:
        setup_env(Path(tmp))
        app, user_id, token = build_app()
        auth = {"Authorization": f"Bearer {token}"}
        bare_us = bare_cost(args.requests)

        endpoints = [
            (f"GET /api/v1/users/{user_id}", caller(app, f"/api/v1/users/{user_id}")),
            ("GET /api/v1/me (Bearer)", caller(app, "/api/v1/me", auth)),
            ("GET /api/v1/users?per_page=100", caller(app, "/api/v1/users?per_page=100")),
        ]
        n_list = max(args.requests // 10, 100)  # the list is ~10x slower per request
        profile_all(
            f"# In-process profile ({args.requests} requests per endpoint, "
            f"{n_list} for the list)\n",
            endpoints,
            lambda name: n_list if "per_page" in name else args.requests,
            bare_us,
            args,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
