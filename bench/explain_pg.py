"""``EXPLAIN (ANALYZE, BUFFERS)`` of every list query, on PostgreSQL at scale.

    python bench/explain_pg.py --viewer ID --user ID --celebrity ID [--out FILE]

Run with the app's environment (``DATABASE_URL`` on the seeded database: bench/run_pg.sh
does it after bench/seed_scale.py). Each statement is the app's own, taken from the
services' statement builders (the same objects the views execute), compiled for
PostgreSQL and run through the engine's psycopg connection with realistic parameters
(the feed's viewer follows 1,000 accounts; a celebrity has ~50,000 followers).

A plan passes when it reads ``posts`` and ``follows`` through indexes only: any ``Seq
Scan`` on either table fails it, and the script exits 1 if any plan fails. Search
(``?q=``) is PostgreSQL full text on ``posts.search`` (GIN), with a common word, a rare
one and two words (docs/architecture.md#search).
Writes markdown to ``--out`` (or stdout).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEQ_SCAN = re.compile(r"(?:Parallel )?Seq Scan on (posts|follows)\b")


@dataclass
class Case:
    name: str
    endpoint: str
    stmt: Any
    params: dict[str, Any]


def cases(viewer: int, user: int, celebrity: int) -> list[Case]:
    from sqlalchemy import func, select

    from microblog.data.models import Post
    from microblog.services import follows as follow_service
    from microblog.services import posts, users
    from microblog.services.users import like_pattern

    found: list[Case] = []
    page1 = {"limit": 100, "offset": 0}
    deep = {"limit": 100, "offset": 100 * 499}

    # -- users ------------------------------------------------------------------------
    found.append(Case("user by id", "GET /users/{id}", users.USER_BY_ID, {"user_id": user}))
    found.append(
        Case("celebrity by id", "GET /users/{id}", users.USER_BY_ID, {"user_id": celebrity})
    )
    for sort in (None, "username", "-created_at", "-last_seen"):
        items, count = users._list_statements(sort, False)
        found.append(Case(f"users page, sort={sort}", "GET /users", items, page1))
    items, count = users._list_statements(None, False)
    found.append(Case("users count", "GET /users", count, {}))
    items, count = users._list_statements(None, True)
    found.append(
        Case(
            "users search", "GET /users?q=", items, {**page1, "pattern": like_pattern("user0042")}
        )
    )
    # -- follows -----------------------------------------------------------------------
    for direction in ("followers", "following"):
        items, count = follow_service._statements(direction)
        for who, uid in (("typical user", user), ("celebrity", celebrity), ("viewer", viewer)):
            if direction == "following" and who == "celebrity":
                continue
            found.append(
                Case(
                    f"{direction} of {who}",
                    f"GET /users/{{id}}/{direction}",
                    items,
                    {**page1, "user_id": uid},
                )
            )
        found.append(
            Case(
                f"{direction} count of celebrity",
                f"GET /users/{{id}}/{direction}",
                count,
                {"user_id": celebrity if direction == "followers" else viewer},
            )
        )
    # -- posts, page mode ---------------------------------------------------------------
    for sort in (None, "created_at", "-updated_at", "updated_at", "title", "-title"):
        items, count = posts._page_statements(sort, False, False, False, False)
        found.append(Case(f"posts page 1, sort={sort}", "GET /posts?per_page=100", items, page1))
    items, count = posts._page_statements(None, False, False, False, False)
    found.append(Case("posts page 500 (OFFSET 49,900)", "GET /posts?page=500", items, deep))
    found.append(Case("posts count (post_stats)", "GET /posts", count, {}))
    items, count = posts._page_statements(None, True, False, False, False)
    found.append(
        Case("posts of a user, page", "GET /users/{id}/posts", items, {**page1, "author": user})
    )
    found.append(Case("posts of a user, count", "GET /users/{id}/posts", count, {"author": user}))
    items, count = posts._page_statements(None, True, False, False, True)
    found.append(
        Case(
            "posts of a user with drafts (author)",
            "GET /users/{id}/posts",
            items,
            {**page1, "author": user},
        )
    )
    # Full text (posts.search, GIN): two words, one common word (in ~40 % of the seeded
    # posts: the bench's 53-word vocabulary), a rare one; ranked pages, counts, keyset.
    items, count = posts._page_statements(None, False, True, False, False, True)
    for label, q in (
        ("two words", "latency cache"),
        ("common word", "flask"),
        ("no match", "zebra"),
    ):
        found.append(
            Case(f"posts search ({label}), ranked page", "GET /posts?q=", items, {**page1, "q": q})
        )
        found.append(Case(f"posts search ({label}), count", "GET /posts?q=", count, {"q": q}))
        found.append(
            Case(
                f"posts search ({label}), keyset",
                "GET /posts?q=&limit=100",
                posts._keyset_statement(False, True, False, False, False, False, True),
                {"limit": 101, "q": q},
            )
        )

    # -- posts, keyset ------------------------------------------------------------------
    from microblog.data.db import db

    with db.engine.connect() as conn:
        published = conn.execute(
            select(func.count()).select_from(Post).where(Post.published.is_(True))
        ).scalar_one()
        newest = conn.execute(
            select(Post.created_at, Post.id)
            .where(Post.published.is_(True))
            .order_by(Post.created_at.desc(), Post.id.desc())
            .offset(min(100 * 500, max(0, published - 101)))  # the 500th page's cursor
            .limit(1)
        ).one()
        since = conn.execute(
            select(Post.created_at).order_by(Post.created_at.desc()).offset(5000).limit(1)
        ).scalar_one()
    after = {"after_ts": newest[0], "after_id": newest[1]}
    found.append(
        Case(
            "posts keyset, first page",
            "GET /posts?limit=100",
            posts._keyset_statement(False, False, False, False, False, False),
            {"limit": 101},
        )
    )
    found.append(
        Case(
            "posts keyset, 500 pages deep",
            "GET /posts?limit=100&after=",
            posts._keyset_statement(False, False, False, False, False, True),
            {"limit": 101, **after},
        )
    )
    found.append(
        Case(
            "posts since (keyset)",
            "GET /posts?limit=100&since=",
            posts._keyset_statement(False, False, True, False, False, False),
            {"limit": 101, "since": since},
        )
    )
    found.append(
        Case(
            "posts of a user, keyset",
            "GET /users/{id}/posts?limit=100",
            posts._keyset_statement(True, False, False, False, False, False),
            {"limit": 101, "author": user},
        )
    )
    # -- feed ---------------------------------------------------------------------------
    found.append(
        Case("followed ids (feed, step 1)", "GET /feed", posts.FOLLOWED_IDS, {"me": viewer})
    )
    found.append(
        Case(
            "feed, viewer following 1,000 (filtered scan)",
            "GET /feed?limit=100",
            posts._keyset_statement(False, False, False, False, True, False),
            {"limit": 101, "me": viewer},
        )
    )
    found.append(
        Case(
            "feed, viewer following 1,000, after posts page 500",
            "GET /feed?limit=100&after=",
            posts._keyset_statement(False, False, False, False, True, True),
            {"limit": 101, "me": viewer, **after},
        )
    )
    with db.engine.connect() as conn:
        few = list(conn.execute(posts.FOLLOWED_IDS, {"me": user}).scalars())[:15]
    authors = [user, *few]
    slots = max(4, 1 << (len(authors) - 1).bit_length())
    padded = authors + [0] * (slots - len(authors))
    found.append(
        Case(
            f"feed, a user following {len(few)} (merge of {slots} arms)",
            "GET /feed?limit=100",
            posts._feed_merge_statement(slots, False),
            {"limit": 101, **{f"u{i}": a for i, a in enumerate(padded)}},
        )
    )
    return found


def explain(conn: Any, dialect: Any, case: Case) -> tuple[str, str, float]:
    compiled = case.stmt.compile(dialect=dialect)
    sql = str(compiled)
    params = compiled.construct_params(case.params)
    with conn.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        elapsed = (time.perf_counter() - started) * 1000
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return sql, plan, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewer", type=int, required=True)
    parser.add_argument("--user", type=int, required=True)
    parser.add_argument("--celebrity", type=int, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from microblog import create_app
    from microblog.data.db import db

    app = create_app()
    failures: list[str] = []
    sections: list[str] = []
    summary = ["| query | endpoint | execution ms | plan |", "|---|---|---:|---|"]
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            raise SystemExit("explain_pg.py needs DATABASE_URL on PostgreSQL")
        found = cases(args.viewer, args.user, args.celebrity)
        raw = engine.raw_connection()
        try:
            pg = raw.driver_connection
            assert pg is not None
            counts = {
                table: pg.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("users", "posts", "follows")
            }
            version = pg.execute("SELECT version()").fetchone()[0]
            for case in found:
                explain(pg, engine.dialect, case)  # once to warm the cache, then measured
                sql, plan, _ = explain(pg, engine.dialect, case)
                pg.rollback()
                scans = sorted(set(SEQ_SCAN.findall(plan)))
                executed = re.search(r"Execution Time: ([\d.]+) ms", plan)
                ms = float(executed.group(1)) if executed else float("nan")
                verdict = "ok" if not scans else "**Seq Scan on " + ", ".join(scans) + "**"
                if scans:
                    failures.append(f"{case.name}: Seq Scan on {', '.join(scans)}")
                summary.append(f"| {case.name} | `{case.endpoint}` | {ms:.2f} | {verdict} |")
                sections += [
                    f"### {case.name} (`{case.endpoint}`): {verdict}",
                    "",
                    f"Parameters: `{case.params}`",
                    "",
                    "```sql",
                    sql,
                    "```",
                    "",
                    "```",
                    plan,
                    "```",
                    "",
                ]
        finally:
            raw.close()
    head = [
        f"Data: {counts['users']:,} users, {counts['posts']:,} posts, {counts['follows']:,} "
        f"follows; viewer {args.viewer} (feed), typical user {args.user}, celebrity "
        f"{args.celebrity}. {version.split(',')[0]}. Each statement run once to warm the "
        "cache, then `EXPLAIN (ANALYZE, BUFFERS)`.",
        "",
        f"**{len(failures)} of {len(found)} plans scan posts or follows sequentially**"
        if failures
        else f"All {len(found)} plans read posts and follows through indexes.",
        "",
        *summary,
        "",
    ]
    text = "\n".join(head + sections)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    for failure in failures:
        print(f"explain_pg: FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
