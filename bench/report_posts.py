"""Turn the raw ``wrk --latency`` outputs of bench/run_posts.sh into a markdown report.

Usage (run_posts.sh does this):
    python bench/report_posts.py --raw DIR --out bench/results --duration 10s ...

``DIR`` holds one ``<key>.txt`` per run (keys in ``RUNS`` below) and ``explain.md`` (from
bench/explain_feed.py). Writes ``posts-<YYYY-MM-DD>.md`` in ``--out`` and prints the tables.
Exits 1 if a run is missing or unusable (non-2xx answers, socket errors). A missed target
is reported as FAIL but does not change the exit status (as in bench/report.py).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import (
    CEILING_RUNS,
    WrkResult,
    ceiling_of,
    common_arguments,
    drift_warning,
    load_results,
    machine_info,
    publish,
    raw_output,
)

#: key -> (label, database, target ratio to the ceiling or None)
RUNS: dict[str, tuple[str, str, float | None]] = {
    "posts_page": ("`GET /api/v1/posts?per_page=100`", "100k", 0.10),
    "posts_keyset": ("`GET /api/v1/posts?limit=100` (keyset, first page)", "100k", None),
    "posts_deep": ("`GET /api/v1/posts?limit=100&cursor=…` (deep page)", "100k", None),
    "feed": ("`GET /api/v1/feed?limit=100` (Bearer)", "100k", 0.10),
    "feed_deep": ("`GET /api/v1/feed?limit=100&cursor=…` (deep page)", "100k", None),
    "post_create": ("`POST /api/v1/posts` (Bearer, bench/post.lua)", "100k", None),
    "feed_10k": ("`GET /api/v1/feed?limit=100` (Bearer)", "10k", None),
}
#: (label, costly run, cheap run, max cost ratio): cost = 1 / (requests/s)
SCALING: list[tuple[str, str, str, float]] = [
    ("feed on 100k posts vs 10k posts", "feed", "feed_10k", 1.5),
    ("posts keyset: deep page vs first page", "posts_deep", "posts_keyset", 1.5),
    ("feed: deep page vs first page", "feed_deep", "feed", 1.5),
]
REFERENCE = (
    "Reference: the best-known Flask reference API measured 0.009 of the ceiling on a "
    "25-post page and 0.008 on its feed on this machine."
)
READ = re.compile(r"requests in [^,]+,\s+([\d.]+)(B|KB|MB|GB) read")
UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def bytes_per_response(result: WrkResult) -> str:
    match = READ.search(result.raw)
    if not match or not result.requests:
        return "?"
    size = float(match.group(1)) * UNITS[match.group(2)] / result.requests
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size:.0f} B"


def build_report(results: dict[str, WrkResult], args: argparse.Namespace, root: Path) -> str:
    start, end, ceiling, drift = ceiling_of(results)

    lines = [
        f"# Benchmark: posts and feed ({args.date})",
        "",
        f"Ceiling = mean of the bare-Flask runs at the start and end: **{ceiling:,.0f} req/s** "
        f"(start {start.rps:,.0f}, end {end.rps:,.0f}, drift {drift:.1%}).",
        "",
        "| endpoint | posts | requests/s | p50 | p99 | size | ratio to ceiling | target "
        "| result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, label in CEILING_RUNS.items():
        r = results[key]
        lines.append(
            f"| {label} | - | {r.rps:,.0f} | {r.p50_ms:.2f} ms | {r.p99_ms:.2f} ms "
            f"| {bytes_per_response(r)} | {r.rps / ceiling:.2f} | - | {r.problem or 'ceiling'} |"
        )
    for key, (label, data, target) in RUNS.items():
        r = results[key]
        ratio = r.rps / ceiling
        if r.problem:
            verdict = f"INVALID ({r.problem})"
        elif target is None:
            verdict = "-"
        else:
            verdict = "pass" if ratio >= target else "FAIL"
        lines.append(
            f"| {label} | {data} | {r.rps:,.0f} | {r.p50_ms:.2f} ms | {r.p99_ms:.2f} ms "
            f"| {bytes_per_response(r)} | {ratio:.3f} "
            f"| {f'≥ {target:.2f}' if target else '-'} | {verdict} |"
        )
    lines += [
        "",
        REFERENCE,
        "",
        "Scaling (cost = 1 / requests/s; the deep-page bounds are ours, the feed one is "
        "issue #4's):",
        "",
        "| check | cost ratio | target | result |",
        "|---|---:|---:|---|",
    ]
    for label, costly, cheap, bound in SCALING:
        a, b = results[costly], results[cheap]
        ratio = b.rps / a.rps if a.rps else float("inf")
        verdict = "INVALID" if a.problem or b.problem else ("pass" if ratio <= bound else "FAIL")
        lines.append(f"| {label} | {ratio:.2f}x | ≤ {bound:.1f}x | {verdict} |")
    lines += drift_warning(drift)

    lines += [
        "",
        "## Data",
        "",
        f"- {args.users:,} users (`flask seed`), each following {args.follows} others chosen "
        f"uniformly; {args.posts:,} posts (`bench/seed_posts.py`: uniform authors, "
        "`created_at` spread over 365 days, ids in time order, 3% drafts, 5% edited later)",
        f"- scaling copy: the same users and follows with {args.small_posts:,} posts",
        f"- viewer: user {args.user_id}, whose feed holds {args.feed_size:,} published posts "
        f"({args.feed_size_small:,} on the 10k copy; the user with the longest 10k feed, so "
        "both feed runs return full pages of 100)",
        f"- deep pages: `/posts?limit=100` after following `_links.next` {args.posts_depth} "
        f"times (posts {args.posts_depth * 100 + 1:,}-{args.posts_depth * 100 + 100:,}); "
        f"`/feed?limit=100` after {args.feed_depth} times (the deepest full page of this "
        "feed, at most BENCH_DEEP_PAGES)",
        "- `POST /posts` ran last on the 100k server (each request adds a post)",
        "",
        "## Settings",
        "",
        f"- gunicorn: `-c bench/gunicorn_bench.py -w {args.workers} -k sync "
        "-b 127.0.0.1:<port>` (not ./gunicorn.conf.py), one app at a time "
        "(bare, microblog on 100k posts, microblog on 10k posts, bare again)",
        f"- wrk: `-t{args.threads} -c{args.connections} -d{args.duration} --latency`, after a "
        f"{args.warmup} warm-up per endpoint (same flags, discarded)",
        "- app: `microblog:create_app()`, `MICROBLOG_ENV=production`, fresh SQLite files; "
        "Bearer token from `POST /api/v1/tokens`; `RATELIMIT_DEFAULT` raised to 10^9 per "
        "minute (limiter on, in memory, never trips)",
        '- bare: `bench/bare_app.py`, one route returning `jsonify({"hello": "world"})`',
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine_info(root)],
        f"- SQLite (Python's sqlite3): {sqlite3.sqlite_version}",
        f"- load average (1/5/15 min) before seeding -> after: {args.load} (the run itself "
        "adds ~3: "
        "wrk and both gunicorn workers share these cores; load before the run is someone "
        "else's and skews the numbers)",
        "",
        "## Query plans (bench/explain_feed.py)",
        "",
    ]
    explain = args.raw / "explain.md"
    lines.append(explain.read_text().strip() if explain.exists() else "(not available)")
    lines += ["", *raw_output(results, (*CEILING_RUNS, *RUNS))]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--small-posts", type=int, default=10_000)
    parser.add_argument("--follows", type=int, default=10)
    parser.add_argument("--feed-size", type=int, default=0)
    parser.add_argument("--feed-size-small", type=int, default=0)
    parser.add_argument("--posts-depth", type=int, default=0)
    parser.add_argument("--feed-depth", type=int, default=0)
    args = parser.parse_args(argv)
    results = load_results(args.raw, (*CEILING_RUNS, *RUNS))
    if results is None:
        return 1

    root = Path(__file__).resolve().parent.parent
    report = build_report(results, args, root)
    return publish(report, results, "\n## Data", args.out / f"posts-{args.date}.md")


if __name__ == "__main__":
    sys.exit(main())
