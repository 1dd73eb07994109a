"""SQLite's plan and SQL-only cost for the posts/feed statements, as markdown.

Run (bench/run_posts.sh does, after the 100k-post server has stopped):
    MICROBLOG_ENV=production SECRET_KEY=... python bench/explain_feed.py --user ID \\
        100k=/path/bench.db 10k=/path/bench-10k.db

The statements are the app's own (``microblog.services.posts``), compiled with the SQLite
dialect; each is run with ``EXPLAIN QUERY PLAN`` and then timed with plain ``sqlite3``
(median of ``--repeat`` runs, rows fetched), so the numbers are the database's share only.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import sys
import time
from typing import Any


def statements(authors: list[int]) -> list[tuple[str, Any, dict[str, Any]]]:
    """(label, statement, extra params) for the benchmarked reads. ``authors``: the viewer
    and whom they follow. The feed has two shapes since the per-author merge: the merge
    (up to FEED_FANOUT_MAX authors) and the single filtered statement (beyond it)."""
    from microblog.services import posts

    items, count = posts._page_statements(None, False, False, False, False)
    found: list[tuple[str, Any, dict[str, Any]]] = []
    merge = getattr(posts, "_feed_merge_statement", None)
    if merge is not None and len(authors) <= getattr(posts, "FEED_FANOUT_MAX", 0):
        # As services.posts._run_keyset: slots padded to a power of two, user id 0 unused.
        slots = max(4, 1 << (len(authors) - 1).bit_length())
        padded = {f"u{i}": a for i, a in enumerate(authors + [0] * (slots - len(authors)))}
        found += [
            (
                f"feed, first page: per-author merge, {slots} slots (used here)",
                merge(slots, False),
                padded,
            ),
            ("feed, after a cursor: per-author merge (used here)", merge(slots, True), padded),
        ]
    label = "fallback beyond FEED_FANOUT_MAX authors" if found else "used here"
    found += [
        (
            f"feed, first page: single statement ({label})",
            posts._keyset_statement(*[False] * 4, True, False),
            {},
        ),
        (
            f"feed, after a cursor: single statement ({label})",
            posts._keyset_statement(*[False] * 4, True, True),
            {},
        ),
        ("posts keyset, after a cursor", posts._keyset_statement(*[False] * 5, True), {}),
        ("posts page mode: items (`per_page=100`)", items, {"offset": 0}),
        ("posts page mode: count", count, {}),
    ]
    return found


def _compress(plan: list[str]) -> list[str]:
    """Fold the merge's identical per-author arms (``anon_1`` … ``anon_16``) into one."""
    lines = [re.sub(r"anon_\d+", "anon_N", line) for line in plan]
    out: list[str] = []
    i = 0
    while i < len(lines):
        best_size, best_repeats = 1, 1
        for size in range(2, 7):
            block = lines[i : i + size]
            repeats = 1
            while lines[i + size * repeats : i + size * (repeats + 1)] == block:
                repeats += 1
            if repeats > 1 and size * repeats > best_size * best_repeats:
                best_size, best_repeats = size, repeats
        if best_repeats > 1:
            out += [f"{line}   [x{best_repeats}]" for line in lines[i : i + best_size]]
        else:
            out.append(lines[i])
        i += best_size * best_repeats
    return out


def explain(con: sqlite3.Connection, stmt: Any, values: dict[str, Any], repeat: int) -> str:
    from sqlalchemy.dialects import sqlite

    compiled = stmt.compile(dialect=sqlite.dialect())
    params = compiled.construct_params(values)
    args = [params[name] for name in compiled.positiontup]
    plan = _compress([row[3] for row in con.execute("EXPLAIN QUERY PLAN " + str(compiled), args)])
    times = []
    rows = 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = len(con.execute(str(compiled), args).fetchall())
        times.append(time.perf_counter() - start)
    return (
        "```\n" + "\n".join(plan) + "\n```\n"
        f"{rows} rows, median {statistics.median(times) * 1e3:.2f} ms in sqlite3"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", type=int, required=True, help="the feed's viewer")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("databases", nargs="+", help="LABEL=PATH of SQLite files")
    args = parser.parse_args(argv)

    out = []
    sql_shown = False
    for spec in args.databases:
        label, _, path = spec.partition("=")
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        # A cursor near the middle of the viewer's feed and of all posts.
        feed_rows = con.execute(
            "SELECT created_at, id FROM posts WHERE published AND (user_id = ?1 OR user_id IN "
            "(SELECT followed_id FROM follows WHERE follower_id = ?1)) "
            "ORDER BY created_at DESC, id DESC",
            (args.user,),
        ).fetchall()
        all_rows = con.execute("SELECT count(*) FROM posts").fetchone()[0]
        mid_feed = feed_rows[len(feed_rows) // 2]
        mid_post = con.execute(
            "SELECT created_at, id FROM posts ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?",
            (all_rows // 2,),
        ).fetchone()
        out.append(
            f"### {label}: {all_rows:,} posts, viewer {args.user} sees {len(feed_rows):,}\n"
        )
        authors = [args.user] + [
            row[0]
            for row in con.execute(
                "SELECT followed_id FROM follows WHERE follower_id = ?", (args.user,)
            )
        ]
        for name, stmt, extra in statements(authors):
            after = mid_feed if name.startswith("feed") else mid_post
            values = {"me": args.user, "limit": 101, "after_ts": after[0], "after_id": after[1]}
            if not sql_shown and "single statement" in name and "first" in name:
                from sqlalchemy.dialects import sqlite

                out.append(
                    f"SQL ({name}):\n```sql\n{stmt.compile(dialect=sqlite.dialect())}\n```\n"
                )
                sql_shown = True
            out.append(f"**{name}**\n{explain(con, stmt, {**values, **extra}, args.repeat)}\n")
        con.close()
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
