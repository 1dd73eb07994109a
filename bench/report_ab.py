"""The results file of bench/compare_builds.sh: two builds measured in the same run.

    python bench/report_ab.py --raw DIR --out bench/results --before SHA --after SHA \\
        --backend KEY=DESCRIPTION ... --endpoint KEY=LABEL ... --rounds N ...

``DIR`` holds ``<backend>.<build>.<endpoint>.r<round>.txt`` (``wrk --latency`` with
bench/wrk.lua's status line) for the builds ``before`` and ``after``, and
``<backend>.bare.r<round>.txt`` for the bare Flask app. Per backend and endpoint: the
median requests/s over the rounds of the bare app, of each build, each build's ratio to
the bare app, and the change after/before (also round by round, to show the spread). A
change below ``-BUDGET`` is flagged; it does not fail the run (noise can do it on a busy
machine: re-run on a quiet one). Any non-2xx answer, socket error, missing run or gunicorn
worker timeout fails it (exit 1), as in bench/report_run.py, whose publishing rule this
follows: ``ab-<date>-<before>-<after>.md`` goes to bench/results/ only from a clean tree,
otherwise to bench/results/unpublished/ (ignored by git); a run of the day is appended.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
from pathlib import Path

from report_run import (
    WrkResult,
    banner,
    machine,
    parse_wrk,
    raw_output,
    tree_clean,
    worker_timeouts,
    write_results,
)

BUILDS = ("before", "after")
BUDGET = 0.10  # the most a build may lose to the one before it, on any endpoint


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    return [(key, label) for key, _, label in (value.partition("=") for value in values)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--before", required=True, help="commit")
    parser.add_argument("--after", required=True, help="commit")
    parser.add_argument("--after-dirty", choices=("yes", "no"), default="no")
    parser.add_argument("--clean-at-start", choices=("yes", "no"), required=True)
    parser.add_argument("--started", required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--backend", action="append", required=True, help="KEY=DESCRIPTION")
    parser.add_argument("--endpoint", action="append", required=True, help="KEY=LABEL")
    parser.add_argument("--note", action="append", default=[], help="a line for the header")
    parser.add_argument("--load", default="?")
    parser.add_argument("--server-log-dir", type=Path)
    for name in ("duration", "warmup", "threads", "connections", "workers", "addresses"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    backends, endpoints = _pairs(args.backend), _pairs(args.endpoint)
    rounds = range(1, args.rounds + 1)

    problems: list[str] = []
    results: dict[str, WrkResult] = {}

    def runs(*parts: str) -> list[float]:  # requests/s of each round of one series
        found = []
        for r in rounds:
            key = ".".join((*parts, f"r{r}"))
            if key not in results:
                try:
                    results[key] = parse_wrk((args.raw / f"{key}.txt").read_text())
                except (OSError, ValueError) as exc:
                    problems.append(f"{key}: {exc}")
                    continue
                if results[key].problem:
                    problems.append(f"{key}: {results[key].problem}")
            found.append(results[key].rps)
        return found

    worse: list[str] = []
    tables: list[str] = []
    for backend, description in backends:
        bare = runs(backend, "bare")
        bare_rps = statistics.median(bare) if bare else 0.0
        tables += [
            f"### {backend}: {description}",
            "",
            f"Bare Flask `jsonify`: {bare_rps:,.0f} requests/s (median of "
            + ", ".join(f"{v:,.0f}" for v in bare)
            + ")",
            "",
            "| endpoint | bare req/s | before req/s | after req/s | before ÷ bare "
            "| after ÷ bare | after vs before | round by round |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for endpoint, label in endpoints:
            series = {build: runs(backend, build, endpoint) for build in BUILDS}
            if not all(series.values()) or not bare_rps:
                tables.append(f"| {label} | | missing | missing | | | | |")
                continue
            before, after = (statistics.median(series[build]) for build in BUILDS)
            change = after / before - 1
            flag = ""
            if change < -BUDGET:
                flag = f" ✗ worse than -{BUDGET:.0%}"
                worse.append(f"{backend} {label}: {change:+.1%}")
            by_round = ", ".join(
                f"{a / b - 1:+.1%}" for b, a in zip(*series.values(), strict=False)
            )
            tables.append(
                f"| {label} | {bare_rps:,.0f} | {before:,.0f} | {after:,.0f} "
                f"| {before / bare_rps:.3f} | {after / bare_rps:.3f} | {change:+.1%}{flag} "
                f"| {by_round} |"
            )
        tables.append("")

    timeouts = worker_timeouts(args.server_log_dir)
    if timeouts:
        problems.append(f"{timeouts} gunicorn worker timeouts")

    clean_now = tree_clean()
    published = args.clean_at_start == "yes" and clean_now and args.after_dirty == "no"
    now = dt.datetime.now(dt.UTC)
    dirty = " + uncommitted changes" if args.after_dirty == "yes" else ""
    out = [f"## Run {now:%Y-%m-%dT%H:%M:%SZ}", ""]
    out += banner(published, args.clean_at_start, clean_now, problems)
    out += [
        f"- before: `{args.before}`; after: `{args.after}`{dirty}",
        f"- tree clean at start: {args.clean_at_start}, at end: {'yes' if clean_now else 'no'}",
        f"- started {args.started}, finished {now:%Y-%m-%dT%H:%M:%SZ}; load average {args.load}",
        f"- machine: {machine()}",
        f"- servers: each build's own `gunicorn -c gunicorn.conf.py -w {args.workers} -b "
        "127.0.0.1:<port>` from its own checkout and virtualenv, both up at once (one "
        "loaded at a time), MICROBLOG_ENV=production (its rate limits), TRUSTED_PROXIES=1",
        f"- load: `wrk -t{args.threads} -c{args.connections} -d{args.duration} --timeout 5s "
        f"--latency -s bench/wrk.lua` after a {args.warmup} warm-up, per run; X-Forwarded-For "
        f"from {args.addresses} addresses; every status checked",
        f"- {args.rounds} round(s): in each, the bare app, then every endpoint on both builds "
        "back to back (before first in odd rounds, after first in even ones); medians over "
        f"the rounds; budget: after may lose at most {BUDGET:.0%} on any endpoint",
        *(f"- {line}" for line in args.note),
        "",
        *tables,
    ]
    if worse:
        out += ["Worse than the budget: " + "; ".join(worse), ""]
    out += [
        "Every run (requests/s, p50 / p99 ms, requests):",
        "",
        "| run | requests/s | p50 ms | p99 ms | requests |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {key} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.requests:,} |"
            for key, r in results.items()
        ),
        "",
        f"gunicorn WORKER TIMEOUTs in the server logs: {timeouts}",
        "",
    ]
    out += raw_output(list(results.items()))
    print("\n".join(tables))
    if worse:
        print("bench: worse than the budget: " + "; ".join(worse))
    title = f"# Before/after: `{args.before[:7]}` → `{args.after[:7]}`, {now:%Y-%m-%d}"
    name = f"ab-{now:%Y-%m-%d}-{args.before[:7]}-{args.after[:7]}.md"
    return write_results(args.out, published, name, title, "\n".join(out), problems)


if __name__ == "__main__":
    sys.exit(main())
