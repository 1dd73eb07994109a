"""Seed PostgreSQL at scale for bench/run_pg.sh, with COPY through the app's tables.

    python bench/seed_scale.py [--users 100000] [--posts 1000000] [--follows 1000000]
        [--small-db NAME --small-posts 10000] [--password benchpass123]

Run after ``flask --app microblog db upgrade`` on ``DATABASE_URL`` (an empty schema), with
the app's environment. It builds ``create_app()`` and writes with ``COPY ... FROM STDIN``
on the app engine's psycopg connection, into the columns of the models' tables
(``User.__table__`` etc.), so the rows, the ``post_stats`` triggers and every index are
the app's. Prints the time of each phase. With ``--small-db``, a second database is made
from the first one (``CREATE DATABASE ... TEMPLATE``) once users and follows are in, and
gets ``--small-posts`` posts: same users and follows, for the scaling ratios.

Data shape (deterministic for a given ``--seed``):
- users: ``user000001``..., one argon2 hash (production parameters) shared by all;
- popularity: users ranked in a random order, weight ``1 / (rank + 1)`` (Zipf);
- follows: out-degrees between 5 and 50 (most near 5-12: ``5 + exponential``), scaled
  to exactly ``--follows`` rows; targets drawn by popularity (Zipf), so the top few
  accounts are followed by ~50,000 users and the median by a handful; the viewer
  (``--viewer``, a user of middling popularity) follows ``--viewer-follows`` accounts;
- posts: authors drawn by popularity to the power 0.5 (active accounts are followed
  more, but posting is flatter than following), ``created_at`` uniform over a year, ids
  in time order, ``--drafts`` (3 %) unpublished, 5 % edited later, bodies 60-400 chars.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from seed_posts import random_text  # bench/ is on sys.path: scripts run from there

WORDS = (  # noqa: SIM905 (one string reads better than a list)
    "flask api post feed keyset cursor index query latency cache postgres python worker "
    "gunicorn page token json schema follow user draft publish write read scale row "
    "benchmark ceiling profile request response header body title time order random "
    "the a of and to in is it that for on with as this be at by from or an"
).split()
TEXT_POOL = 5000  # distinct bodies and titles, reused: generating 1 M texts takes minutes


class Clock:
    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        print(f"seed_scale: {what}: {now - self.last:.1f} s", flush=True)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.start


def _copy(conn: Any, table: Any, columns: list[str], rows: Any) -> int:
    """COPY rows (tuples in ``columns`` order) into ``table`` on a psycopg connection."""
    for name in columns:  # the app's columns, or fail loudly
        table.c[name]
    count = 0
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with conn.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _draw(rng: random.Random, cum: list[float], ids: list[int]) -> int:
    return ids[bisect.bisect_left(cum, rng.random() * cum[-1])]


def out_degrees(
    rng: random.Random, users: int, total: int, viewer: int, viewer_n: int
) -> list[int]:
    """Out-degree per user (index = id - 1): 5-50, skewed low, summing to ``total``."""
    degrees = [min(50, 5 + int(rng.expovariate(1 / 5.0))) for _ in range(users)]
    degrees[viewer - 1] = 0
    target = total - viewer_n
    current = sum(degrees)
    # Scale to the exact total, one step at a time, keeping 5 <= degree <= 50.
    order = list(range(users))
    while current != target:
        rng.shuffle(order)
        step = 1 if current < target else -1
        for index in order:
            if current == target:
                break
            if index == viewer - 1:
                continue
            new = degrees[index] + step
            if 5 <= new <= 50:
                degrees[index] = new
                current += step
    degrees[viewer - 1] = viewer_n
    return degrees


def follow_rows(
    rng: random.Random, degrees: list[int], cum: list[float], ids: list[int], now: datetime
) -> Any:
    for follower, degree in enumerate(degrees, start=1):
        chosen: set[int] = set()
        while len(chosen) < degree:
            other = _draw(rng, cum, ids)
            if other != follower:
                chosen.add(other)
        for followed in sorted(chosen):
            yield follower, followed, now - timedelta(seconds=rng.random() * 30 * 86_400)


def post_rows(
    rng: random.Random, count: int, cum: list[float], ids: list[int], drafts: float, now: datetime
) -> Any:
    span = 365 * 86_400.0
    texts = [random_text(rng, 60, 400, WORDS) for _ in range(TEXT_POOL)]
    titles = [random_text(rng, 10, 60, WORDS) for _ in range(TEXT_POOL)]
    backs = sorted((rng.random() * span for _ in range(count)), reverse=True)  # oldest first
    for post_id, back in enumerate(backs, start=1):
        created = now - timedelta(seconds=back)
        edited = rng.random() < 0.05
        updated = (
            min(created + timedelta(seconds=rng.random() * 86_400), now) if edited else created
        )
        yield (
            post_id,
            rng.choice(titles) if rng.random() < 0.8 else None,
            rng.choice(texts),
            rng.random() >= drafts,
            _draw(rng, cum, ids),
            created,
            updated,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=1_000_000)
    parser.add_argument("--viewer-follows", type=int, default=1000)
    parser.add_argument("--small-db", help="also make this database, with --small-posts")
    parser.add_argument("--small-posts", type=int, default=10_000)
    parser.add_argument("--drafts", type=float, default=0.03)
    parser.add_argument("--password", default="benchpass123")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    if args.users < 1000 or args.follows < args.users * 5 or args.follows > args.users * 50:
        parser.error("need --users >= 1000 and 5 * users <= --follows <= 50 * users")

    from argon2 import PasswordHasher
    from sqlalchemy import text

    from microblog import create_app
    from microblog.data.db import db
    from microblog.data.models import Post, User, follows
    from microblog.data.timeutil import utcnow

    app = create_app()
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise SystemExit("seed_scale.py writes with PostgreSQL's COPY: set DATABASE_URL")
    rng = random.Random(args.seed)
    clock = Clock()
    now = utcnow()
    ids = list(range(1, args.users + 1))
    ranked = ids[:]
    rng.shuffle(ranked)  # ranked[0] is the most popular account
    follow_cum = _cumulative([1 / (rank + 1) for rank in range(len(ranked))])
    post_cum = _cumulative([(1 / (rank + 1)) ** 0.5 for rank in range(len(ranked))])
    viewer = ranked[len(ranked) // 2]  # a middling account: not a celebrity's follower list
    config = app.config
    password_hash = PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    ).hash(args.password)

    def users() -> Any:
        for user_id in ids:
            created = now - timedelta(days=400) + timedelta(seconds=user_id)
            yield (
                user_id,
                f"user{user_id:06d}",
                f"user{user_id:06d}@bench.example",
                password_hash,
                "Seeded by bench/seed_scale.py.",
                "user",
                True,
                created,
                created,
            )

    user_columns = ["id", "username", "email", "password_hash", "about_me", "role",
                    "is_active", "created_at", "last_seen"]  # fmt: skip
    post_columns = ["id", "title", "body", "published", "user_id", "created_at", "updated_at"]

    def fix_sequence(conn: Any, table: str) -> None:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )

    with app.app_context():
        engine = db.engine
        url = engine.url
        raw = engine.raw_connection()
        try:
            pg = raw.driver_connection
            assert pg is not None
            pg.execute("SET synchronous_commit = off")  # this session's commits only
            # The app's DB_STATEMENT_TIMEOUT_MS is for requests; a million-row COPY (with
            # its foreign-key checks) may take longer on a busy machine.
            pg.execute("SET statement_timeout = 0")
            n_users = _copy(pg, User.__table__, user_columns, users())
            fix_sequence(pg, "users")
            pg.commit()
            clock.lap(f"{n_users:,} users")
            degrees = out_degrees(rng, args.users, args.follows, viewer, args.viewer_follows)
            n_follows = _copy(
                pg,
                follows,
                ["follower_id", "followed_id", "created_at"],
                follow_rows(rng, degrees, follow_cum, ranked, now),
            )
            pg.commit()
            clock.lap(f"{n_follows:,} follows")
        finally:
            raw.close()
        engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the source database idle

        def posts_into(database: str | None, count: int, label: str) -> None:
            target = url if database is None else url.set(database=database)
            import psycopg

            dsn = target.set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(dsn) as pg:
                pg.execute("SET synchronous_commit = off")
                post_rng = random.Random(args.seed + count)
                rows = post_rows(post_rng, count, post_cum, ranked, args.drafts, now)
                # The post_stats triggers (models/stats.py) would update a counter row per
                # post (half the time of the COPY): off for the COPY, and the counts set
                # from the rows afterwards, in the same transaction.
                pg.execute("ALTER TABLE posts DISABLE TRIGGER USER")
                written = _copy(pg, Post.__table__, post_columns, rows)
                pg.execute(
                    "UPDATE post_stats SET published = counted.n FROM (SELECT id & 7 AS shard, "
                    "count(*) FILTER (WHERE published) AS n FROM posts GROUP BY 1) AS counted "
                    "WHERE post_stats.shard = counted.shard"
                )
                pg.execute("ALTER TABLE posts ENABLE TRIGGER USER")
                fix_sequence(pg, "posts")
                pg.commit()
                clock.lap(f"{written:,} posts ({label})")
                pg.autocommit = True
                pg.execute("VACUUM (ANALYZE)")
                clock.lap(f"VACUUM ANALYZE ({label})")
                # The seeding's dirty pages written out now, not by the checkpointer while
                # the endpoints are measured.
                pg.execute("CHECKPOINT")
                clock.lap(f"CHECKPOINT ({label})")

        if args.small_db:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{args.small_db}"'))
                conn.execute(text(f'CREATE DATABASE "{args.small_db}" TEMPLATE "{url.database}"'))
            engine.dispose()
            clock.lap(f"database {args.small_db} from the template")
            posts_into(args.small_db, args.small_posts, args.small_db)
        posts_into(None, args.posts, url.database or "main")

        with engine.connect() as conn:
            top = conn.execute(
                text(
                    "SELECT followed_id, count(*) FROM follows GROUP BY followed_id "
                    "ORDER BY count(*) DESC LIMIT 3"
                )
            ).all()
            typical = conn.execute(
                text(
                    "SELECT followed_id FROM follows WHERE followed_id <> :viewer "
                    "GROUP BY followed_id HAVING count(*) BETWEEN 8 AND 12 "
                    "ORDER BY followed_id LIMIT 1"
                ),
                {"viewer": viewer},
            ).scalar_one()
            median_out = conn.execute(
                text(
                    "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM "
                    "(SELECT count(*) AS n FROM follows GROUP BY follower_id) AS d"
                )
            ).scalar_one()
    print(
        f"seed_scale: done in {clock.total():.1f} s; viewer {viewer} follows "
        f"{args.viewer_follows}; typical user {typical}; median out-degree {median_out}; "
        "most followed: " + ", ".join(f"{uid} ({n:,})" for uid, n in top),
        flush=True,
    )
    print(f"VIEWER={viewer} TYPICAL={typical} CELEBRITY={top[0][0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
