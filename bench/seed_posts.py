"""Bulk-seed follows and posts for the posts/feed benchmark (bench/run_posts.sh).

Run after ``flask --app microblog db upgrade`` and ``flask --app microblog seed --users N``,
with the same environment (``DATABASE_URL``, ``MICROBLOG_ENV``, ``SECRET_KEY``):

    python bench/seed_posts.py --follows 10 --posts 0        # follows only
    python bench/seed_posts.py --follows 0 --posts 100000    # posts only

It goes through the app (``create_app()``, ``microblog.data.db.db``, the models' tables)
but writes with SQLAlchemy Core ``insert()`` executemany in chunks, one transaction per
table: 100,000 posts take a couple of seconds instead of minutes through the ORM.

Data shape (deterministic for a given ``--seed`` and set of users):
- follows: each user follows ``--follows`` distinct other users, chosen uniformly;
- posts: authors chosen uniformly (about posts/users each), ``created_at`` spread uniformly
  over the last ``--days`` days and ids ascending in time order (as if written live),
  ``--drafts`` of them unpublished, a few edited later (``updated_at`` > ``created_at``),
  bodies of 60-400 characters, most with a title.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from typing import Any

WORDS = (  # noqa: SIM905 (one string reads better than 57 list items)
    "flask api post feed keyset cursor index query latency cache sqlite python worker "
    "gunicorn page token json schema follow user draft publish write read scale row "
    "benchmark ceiling profile request response header body title time order random "
    "the a of and to in is it that for on with as this be at by from or an"
).split()
CHUNK = 10_000


def random_text(rng: random.Random, low: int, high: int, vocabulary: list[str] = WORDS) -> str:
    """Words of ``vocabulary`` up to a random length in [low, high] characters."""
    target = rng.randint(low, high)
    words: list[str] = []
    size = 0
    while size < target:
        word = rng.choice(vocabulary)
        words.append(word)
        size += len(word) + 1
    return " ".join(words).capitalize()[:high]


def seed_follows(conn: Any, user_ids: list[int], per_user: int, rng: random.Random) -> int:
    from sqlalchemy import insert

    from microblog.data.models import follows
    from microblog.data.timeutil import utcnow

    if per_user <= 0:
        return 0
    if per_user >= len(user_ids):
        raise SystemExit(f"--follows {per_user} needs more than {per_user} users")
    now = utcnow()
    rows = []
    for follower in user_ids:
        chosen: set[int] = set()
        while len(chosen) < per_user:
            other = rng.choice(user_ids)
            if other != follower:
                chosen.add(other)
        rows += [
            {"follower_id": follower, "followed_id": f, "created_at": now} for f in sorted(chosen)
        ]
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(follows), rows[start : start + CHUNK])
    return len(rows)


def seed_posts(
    conn: Any, user_ids: list[int], count: int, days: float, drafts: float, rng: random.Random
) -> int:
    from sqlalchemy import insert

    from microblog.data.models import Post
    from microblog.data.timeutil import utcnow

    if count <= 0:
        return 0
    now = utcnow()
    span = timedelta(days=days).total_seconds()
    # Sorted offsets: ids ascend with created_at, as if the posts had been written live.
    offsets = sorted(rng.random() * span for _ in range(count))
    table = Post.__table__
    batch: list[dict[str, Any]] = []
    for back in reversed(offsets):  # oldest first
        created = now - timedelta(seconds=back)
        edited = rng.random() < 0.05
        batch.append(
            {
                "title": random_text(rng, 10, 60) if rng.random() < 0.8 else None,
                "body": random_text(rng, 60, 400),
                "published": rng.random() >= drafts,
                "user_id": rng.choice(user_ids),
                "created_at": created,
                "updated_at": (
                    min(created + timedelta(seconds=rng.random() * 86_400), now)
                    if edited
                    else created
                ),
            }
        )
        if len(batch) == CHUNK:
            conn.execute(insert(table), batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--follows", type=int, default=10, help="per user; 0 to skip")
    parser.add_argument("--drafts", type=float, default=0.03, help="share of unpublished posts")
    parser.add_argument("--days", type=float, default=365.0, help="created_at spread")
    parser.add_argument("--seed", type=int, default=4, help="random seed")
    args = parser.parse_args(argv)
    if not 0 <= args.drafts < 1 or args.days <= 0 or args.posts < 0 or args.follows < 0:
        parser.error("need --posts >= 0, --follows >= 0, 0 <= --drafts < 1, --days > 0")

    from sqlalchemy import func, select

    from microblog import create_app
    from microblog.data.db import db
    from microblog.data.models import Post, User, follows

    app = create_app()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with app.app_context(), db.engine.begin() as conn:
        user_ids = list(conn.execute(select(User.id).order_by(User.id)).scalars())
        if not user_ids:
            raise SystemExit("no users: run `flask --app microblog seed --users N` first")
        n_follows = seed_follows(conn, user_ids, args.follows, rng)
        n_posts = seed_posts(conn, user_ids, args.posts, args.days, args.drafts, rng)
        totals = (
            conn.execute(select(func.count()).select_from(follows)).scalar_one(),
            conn.execute(select(func.count(Post.id))).scalar_one(),
        )
    print(
        f"seed_posts: +{n_follows} follows, +{n_posts} posts for {len(user_ids)} users in "
        f"{time.perf_counter() - started:.1f}s (now {totals[0]} follows, {totals[1]} posts)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
