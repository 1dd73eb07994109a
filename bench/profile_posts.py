"""Where the time goes on the posts/feed endpoints, in-process (cProfile).

Run: .venv/bin/python bench/profile_posts.py [--posts 100000] [--requests 300] [--out FILE]

The same data as bench/run_posts.sh (1,000 users, 10 follows each, ``--posts`` posts from
bench/seed_posts.py), the same production config, and the WSGI app called directly as in
bench/profile_endpoints.py (whose helpers this reuses). For each endpoint: unprofiled
µs/request next to the bare app's, the bucket table and the top functions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import profile_endpoints as pe  # noqa: E402

POST_BUCKETS = [
    (label, funcs)
    for label, funcs in pe.BUCKETS
    if not any("services/users.py" in f or "pagination.py" in f for f, _ in funcs)
] + [
    ("posts represent(): rows -> dicts", [("microblog/web/representations.py", "post")]),
    (
        "keyset_collection() (links, signed cursor)",
        [("microblog/web/pagination.py", "keyset_collection")],
    ),
    (
        "  of which encode_cursor (itsdangerous)",
        [("microblog/web/pagination.py", "encode_cursor")],
    ),
    ("page collection() (links, Link header)", [("microblog/web/pagination.py", "collection")]),
    (
        "ETag: conditional.tag_response (hash of body)",
        [("microblog/web/conditional.py", "tag_response")],
    ),
    (
        "rate limiter (microblog.web.ratelimit check)",
        [("microblog/web/ratelimit.py", "check")],
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser(description="cProfile the posts/feed endpoints")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="per endpoint")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="also write the report here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="microblog-profile.") as tmp:
        pe.setup_env(Path(tmp))
        app, user_id, token = pe.build_app()
        import seed_posts

        seed_posts.main(["--follows", "10", "--posts", str(args.posts)])
        auth = {"Authorization": f"Bearer {token}"}
        bare_us = pe.bare_cost(3000)

        endpoints = [
            ("GET /api/v1/posts?per_page=100", pe.caller(app, "/api/v1/posts?per_page=100")),
            ("GET /api/v1/posts?limit=100", pe.caller(app, "/api/v1/posts?limit=100")),
            (
                "GET /api/v1/feed?limit=100 (Bearer)",
                pe.caller(app, "/api/v1/feed?limit=100", auth),
            ),
        ]
        pe.BUCKETS[:] = POST_BUCKETS
        pe.profile_all(
            f"# In-process profile: posts and feed ({args.posts:,} posts, user {user_id}, "
            f"{args.requests} requests per endpoint)\n",
            endpoints,
            lambda name: args.requests,
            bare_us,
            args,
            warmup=50,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
