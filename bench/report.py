"""Turn the raw ``wrk --latency`` outputs of bench/run.sh into a markdown report.

Usage (run.sh does this):
    python bench/report.py --raw DIR --out bench/results --duration 10s ...

``DIR`` holds one ``<key>.txt`` per run (keys in ``RUNS`` below). Writes
``foundation-<YYYY-MM-DD>.md`` and ``latest.md`` in ``--out`` and prints the table.
Exits 1 if a run is missing or unusable (non-2xx answers, socket errors), so a broken
benchmark never passes for a slow one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: key -> (label in the table, target ratio to the ceiling or None)
RUNS: dict[str, tuple[str, float | None]] = {
    "users_id": ("`GET /api/v1/users/{id}`", 0.50),
    "me": ("`GET /api/v1/me` (Bearer)", 0.40),
    "users_list": ("`GET /api/v1/users?per_page=100`", 0.15),
}
CEILING_RUNS = {"bare_start": "bare Flask, start of run", "bare_end": "bare Flask, end of run"}

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
DURATION = re.compile(r"([\d.]+)(us|ms|s|m|h)")


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    raw: str

    @property
    def problem(self) -> str | None:
        if self.non_2xx:
            return f"{self.non_2xx} non-2xx/3xx responses"
        if self.socket_errors:
            return f"{self.socket_errors} socket errors"
        if self.requests == 0:
            return "no requests completed"
        return None


def _ms(text: str) -> float:
    match = DURATION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"unrecognised wrk duration {text!r}")
    return float(match.group(1)) * UNIT_MS[match.group(2)]


def parse_wrk(text: str) -> WrkResult:
    """Requests/sec and the 50%/99% lines of ``--latency``'s Latency Distribution."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    total = re.search(r"^\s+(\d+) requests in", text, re.M)
    if not (rps and p50 and p99 and total):
        raise ValueError("not a complete `wrk --latency` output")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sock.groups()) if sock else 0,
        raw=text.strip(),
    )


def _cmd(*args: str) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (
        (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"
    )


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine_info(root: Path) -> list[tuple[str, str]]:
    rev = _cmd("git", "-C", str(root), "rev-parse", "--short", "HEAD")
    dirty = _cmd("git", "-C", str(root), "status", "--porcelain", "--untracked-files=no")
    return [
        ("nproc", _cmd("nproc")),
        ("CPU", _cpu_model()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("wrk", _cmd("wrk", "--version").split(" [")[0]),
        (
            "versions",
            ", ".join(
                f"{d} {_version(d)}"
                for d in ("gunicorn", "flask", "flask-openapi3", "pydantic", "sqlalchemy")
            ),
        ),
        ("commit", f"{rev}{' + uncommitted changes' if dirty not in ('', '?') else ''}"),
    ]


def _fmt_ms(value: float) -> str:
    return f"{value:.2f} ms"


def ceiling_of(results: dict[str, WrkResult]) -> tuple[WrkResult, WrkResult, float, float]:
    """The bare-Flask runs at the start and end, their mean requests/s and their drift."""
    start, end = results["bare_start"], results["bare_end"]
    ceiling = (start.rps + end.rps) / 2
    drift = abs(start.rps - end.rps) / ceiling if ceiling else 0.0
    return start, end, ceiling, drift


def drift_warning(drift: float) -> list[str]:
    """A warning under the table when the ceiling moved more than 10 % during the run."""
    if drift <= 0.10:
        return []
    return [
        "",
        f"**Warning:** the ceiling moved {drift:.0%} between start and end; the machine "
        "was not quiet. Re-run before trusting the ratios.",
    ]


def raw_output(results: dict[str, WrkResult], keys: tuple[str, ...]) -> list[str]:
    """The report's last section: each run's wrk output, folded."""
    lines = ["## Raw wrk output", ""]
    for key in keys:
        lines += [
            f"<details><summary>{key}</summary>",
            "",
            "```",
            results[key].raw,
            "```",
            "",
            "</details>",
            "",
        ]
    return lines


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every scenario's report takes from its shell script."""
    parser.add_argument("--raw", type=Path, required=True, help="directory of <key>.txt files")
    parser.add_argument("--out", type=Path, required=True, help="bench/results")
    parser.add_argument("--date", default=dt.date.today().isoformat())
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--warmup", default="2s")
    parser.add_argument("--threads", default="2")
    parser.add_argument("--connections", default="16")
    parser.add_argument("--workers", default="2")
    parser.add_argument("--user-id", default="?")
    parser.add_argument("--load", default="?", help="load average before -> after the run")


def load_results(raw: Path, keys: tuple[str, ...]) -> dict[str, WrkResult] | None:
    """Each run's parsed wrk output, or None (said on stderr) if any is unusable."""
    results: dict[str, WrkResult] = {}
    broken = []
    for key in keys:
        try:
            results[key] = parse_wrk((raw / f"{key}.txt").read_text())
        except (OSError, ValueError) as exc:
            broken.append(f"{key}: {exc}")
    if broken:
        print("report: unusable wrk output:\n  " + "\n  ".join(broken), file=sys.stderr)
        return None
    return results


def write_atomically(text: str, *paths: Path) -> None:
    for path in paths:
        tmp = path.with_suffix(".md.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)


def publish(report: str, results: dict[str, WrkResult], summary_end: str, *paths: Path) -> int:
    """Write ``report`` to ``paths``, print its summary (what comes before
    ``summary_end``: not the raw outputs) and where it went; 1 if a run had a problem."""
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    write_atomically(report, *paths)
    print(report.split(summary_end)[0])
    print("written: " + " and ".join(str(path) for path in paths))
    return 1 if any(r.problem for r in results.values()) else 0


def build_report(results: dict[str, WrkResult], args: argparse.Namespace, root: Path) -> str:
    start, end, ceiling, drift = ceiling_of(results)

    lines = [
        f"# Benchmark: foundation ({args.date})",
        "",
        f"Ceiling = mean of the bare-Flask runs at the start and end: **{ceiling:,.0f} req/s** "
        f"(start {start.rps:,.0f}, end {end.rps:,.0f}, drift {drift:.1%}).",
        "",
        "| endpoint | requests/s | p50 | p99 | ratio to ceiling | target | result |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for key, label in CEILING_RUNS.items():
        r = results[key]
        lines.append(
            f"| {label} | {r.rps:,.0f} | {_fmt_ms(r.p50_ms)} | {_fmt_ms(r.p99_ms)} "
            f"| {r.rps / ceiling:.2f} | - | {r.problem or 'ceiling'} |"
        )
    for key, (label, target) in RUNS.items():
        r = results[key]
        ratio = r.rps / ceiling
        if r.problem:
            verdict = f"INVALID ({r.problem})"
        else:
            verdict = "pass" if target is None or ratio >= target else "FAIL"
        lines.append(
            f"| {label} | {r.rps:,.0f} | {_fmt_ms(r.p50_ms)} | {_fmt_ms(r.p99_ms)} "
            f"| {ratio:.2f} | ≥ {target:.2f} | {verdict} |"
        )
    lines += drift_warning(drift)

    lines += [
        "",
        "## Settings",
        "",
        f"- gunicorn: `-c bench/gunicorn_bench.py -w {args.workers} -k sync "
        "-b 127.0.0.1:<port>` (not ./gunicorn.conf.py), one app at a time "
        "(bare, then microblog, then bare again)",
        f"- wrk: `-t{args.threads} -c{args.connections} -d{args.duration} --latency`, after a "
        f"{args.warmup} warm-up per endpoint (same flags, discarded)",
        f"- app: `microblog:create_app()`, `MICROBLOG_ENV=production`, fresh SQLite file, "
        f"{args.users} seeded users; `/users/{{id}}` and `/me` use user id {args.user_id}; "
        "`/me` sends `Authorization: Bearer <token>` from `POST /api/v1/tokens`; "
        "`RATELIMIT_DEFAULT` raised to 10^9 per minute (limiter on, in memory, never trips)",
        '- bare: `bench/bare_app.py`, one route returning `jsonify({"hello": "world"})`',
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine_info(root)],
        f"- load average (1/5/15 min) before -> after: {args.load} (the run itself adds ~3: "
        "wrk and both gunicorn workers share these cores; load before the run is someone "
        "else's and skews the numbers)",
        "",
        *raw_output(results, (*CEILING_RUNS, *RUNS)),
    ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser)
    parser.add_argument("--users", default="1000")
    args = parser.parse_args(argv)
    results = load_results(args.raw, (*CEILING_RUNS, *RUNS))
    if results is None:
        return 1

    root = Path(__file__).resolve().parent.parent
    report = build_report(results, args, root)
    dated = args.out / f"foundation-{args.date}.md"
    return publish(report, results, "\n## Settings", dated, args.out / "latest.md")


if __name__ == "__main__":
    sys.exit(main())
