"""The results file of one benchmark run (bench/run.sh, run_posts.sh, run_pg.sh).

    python bench/report_run.py --scenario NAME --raw DIR --out bench/results \\
        --commit SHA --clean-at-start yes|no --run KEY=LABEL[;ratio>=X][;p99<=Y] ... \\
        [--scaling LABEL=NUM/DEN;<=X ...] [--data TEXT ...] [--attach TITLE=FILE ...]

``DIR`` holds ``<key>.txt`` (``wrk --latency`` with bench/wrk.lua's status line) for every
run and ``bare_start`` / ``bare_end`` for the ceiling. The table gives requests/s, the
ratio to the ceiling (mean of the two bare runs), p50/p99 and the targets; scalings are
cost ratios (cost = 1 / requests/s) of two runs.

Honesty rules:
- any non-2xx answer (bench/wrk.lua checks every status) or socket error in any run, or a
  missing run, fails the report (exit 1): a broken run never passes for a slow one;
- the file records the commit, whether the tree was clean at the start and at the end,
  the settings, the data size, the dates and the machine's load;
- a run is appended to ``<scenario>-<date>.md``, never overwriting an earlier one;
- only a clean tree publishes: otherwise the file goes to ``bench/results/unpublished/``
  (ignored by git) and says so at the top.
Missed targets are reported (and listed at the end) but do not fail the run: they are
measurements to act on, and on a busy machine they move.
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

ROOT = Path(__file__).resolve().parent.parent
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
DURATION = re.compile(r"([\d.]+)(us|ms|s|m|h)")
CEILING = ("bare_start", "bare_end")


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    first_bad: int
    socket_errors: int
    timeouts: int
    raw: str

    @property
    def problem(self) -> str | None:
        if self.non_2xx:
            return f"{self.non_2xx} non-2xx answers (first: {self.first_bad})"
        if self.socket_errors:
            return f"{self.socket_errors} socket errors ({self.timeouts} timeouts)"
        if self.requests == 0:
            return "no requests completed"
        return None


def _ms(text: str) -> float:
    match = DURATION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"unrecognised wrk duration {text!r}")
    return float(match.group(1)) * UNIT_MS[match.group(2)]


def parse_wrk(text: str) -> WrkResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    total = re.search(r"^\s+(\d+) requests in", text, re.M)
    checked = re.search(r"^bench-non2xx: (\d+) \(first: (\d+)\)", text, re.M)
    if not (rps and p50 and p99 and total and checked):
        raise ValueError("not a complete `wrk --latency -s bench/wrk.lua` output")
    wrk_non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=max(int(checked.group(1)), int(wrk_non_2xx.group(1)) if wrk_non_2xx else 0),
        first_bad=int(checked.group(2)),
        socket_errors=sum(int(n) for n in sock.groups()) if sock else 0,
        timeouts=int(sock.group(4)) if sock else 0,
        raw=text.strip(),
    )


@dataclass
class RunSpec:
    key: str
    label: str
    min_ratio: float | None
    max_p99: float | None


def parse_run(text: str) -> RunSpec:
    key, _, rest = text.partition("=")
    label, *targets = rest.split(";")
    spec = RunSpec(key, label, None, None)
    for target in targets:
        if target.startswith("ratio>="):
            spec.min_ratio = float(target[7:])
        elif target.startswith("p99<="):
            spec.max_p99 = float(target[5:])
        else:
            raise SystemExit(f"unknown target {target!r} in --run {text!r}")
    return spec


def _cmd(*args: str) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if lines else "?"


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


def machine() -> str:
    """CPUs, kernel, Python, the server's libraries (this checkout's) and wrk, in one line."""
    return (
        f"{_cmd('nproc')} CPUs ({_cpu_model()}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, gunicorn {_version('gunicorn')}, Flask "
        f"{_version('flask')}, SQLAlchemy {_version('sqlalchemy')}, wrk: `{_cmd('wrk', '-v')}`"
    )


def worker_timeouts(log_dir: Path | None) -> int:
    """gunicorn's WORKER TIMEOUT lines in the run's server logs (``gunicorn-*.log``)."""
    if log_dir is None:
        return 0
    logs = log_dir.glob("gunicorn-*.log")
    return sum(log.read_text(errors="replace").count("WORKER TIMEOUT") for log in logs)


def banner(
    published: bool, clean_at_start: str, clean_now: bool, problems: list[str]
) -> list[str]:
    """The results file's warnings: unpublished (dirty tree), failed."""
    out = []
    if not published:
        out += [
            "**Unpublished: the work tree was not clean** (`git status --porcelain` not empty "
            f"at the start: {clean_at_start == 'no'}, at the end: {not clean_now}). "
            "These numbers are not from the recorded commit alone; do not quote them.",
            "",
        ]
    if problems:
        out += ["**FAILED**: " + "; ".join(problems), ""]
    return out


def raw_output(runs: list[tuple[str, WrkResult]]) -> list[str]:
    """Every run's wrk output under its heading, folded."""
    out = ["<details><summary>raw wrk output</summary>", ""]
    for heading, result in runs:
        out += [f"### {heading}", "", "```", result.raw, "```", ""]
    return [*out, "</details>", ""]


def write_results(
    folder: Path, published: bool, name: str, title: str, text: str, problems: list[str]
) -> int:
    """Append TEXT to FOLDER/NAME (FOLDER/unpublished/NAME from a dirty tree), or start
    the file with TITLE (an earlier run of the day stays as it was); the exit status."""
    target = (folder if published else folder / "unpublished") / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        with target.open("a") as handle:
            handle.write("\n" + text)
    else:
        target.write_text(f"{title}\n\n{text}")
    where = os.path.relpath(target, ROOT)
    print(f"bench: {'appended to' if published else 'NOT PUBLISHED (dirty tree), see'} {where}")
    if problems:
        print("bench: FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


def tree_clean() -> bool:
    """``git status --porcelain`` is empty, but for bench/results/: a scenario writes its
    own results there (and the pg scenario two files) before the last check."""
    status = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", ".", ":!bench/results"],
        capture_output=True,
        text=True,
    )
    return status.returncode == 0 and status.stdout.strip() == ""


def _fmt_ratio(value: float) -> str:
    return f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--clean-at-start", choices=("yes", "no"), required=True)
    parser.add_argument("--started", required=True)
    parser.add_argument("--run", action="append", default=[], type=parse_run)
    parser.add_argument("--scaling", action="append", default=[])
    parser.add_argument("--data", action="append", default=[], help="a line on the data")
    parser.add_argument("--setting", action="append", default=[], help="a line on settings")
    parser.add_argument("--attach", action="append", default=[], help="TITLE=FILE")
    parser.add_argument("--load", default="?")
    parser.add_argument("--server-log-dir", type=Path)
    for name in ("duration", "warmup", "threads", "connections", "workers", "addresses"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)

    problems: list[str] = []
    results: dict[str, WrkResult] = {}
    for key in [*CEILING, *(run.key for run in args.run)]:
        path = args.raw / f"{key}.txt"
        try:
            results[key] = parse_wrk(path.read_text())
        except (OSError, ValueError) as exc:
            problems.append(f"{key}: {exc}")
            continue
        if results[key].problem:
            problems.append(f"{key}: {results[key].problem}")

    ceilings = [results[k].rps for k in CEILING if k in results]
    ceiling = sum(ceilings) / len(ceilings) if ceilings else 0.0
    missed: list[str] = []
    lines = [
        "| endpoint | requests/s | ratio | target | p50 ms | p99 ms | p99 target | requests |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in (("bare_start", "bare Flask (start)"), ("bare_end", "bare Flask (end)")):
        if key in results:
            r = results[key]
            lines.append(
                f"| {label} | {r.rps:,.0f} | | | {r.p50_ms:.2f} | {r.p99_ms:.2f} | | "
                f"{r.requests:,} |"
            )
    for run in args.run:
        r = results.get(run.key)
        if r is None:
            lines.append(f"| {run.label} | missing | | | | | | |")
            continue
        ratio = r.rps / ceiling if ceiling else 0.0
        ratio_ok = run.min_ratio is None or ratio >= run.min_ratio
        p99_ok = run.max_p99 is None or r.p99_ms <= run.max_p99
        if not ratio_ok:
            missed.append(f"{run.label}: ratio {ratio:.3f} < {run.min_ratio}")
        if not p99_ok:
            missed.append(f"{run.label}: p99 {r.p99_ms:.1f} ms > {run.max_p99} ms")
        target = f"≥ {run.min_ratio}" + ("" if ratio_ok else " ✗") if run.min_ratio else ""
        p99_target = f"≤ {run.max_p99:g}" + ("" if p99_ok else " ✗") if run.max_p99 else ""
        lines.append(
            f"| {run.label} | {r.rps:,.0f} | {_fmt_ratio(ratio)} | {target} | {r.p50_ms:.2f} "
            f"| {r.p99_ms:.2f} | {p99_target} | {r.requests:,} |"
        )
    scaling_lines = []
    for spec in args.scaling:  # LABEL=NUM/DEN;<=X: cost(NUM) / cost(DEN) = rps(DEN) / rps(NUM)
        label, _, rest = spec.partition("=")
        pair, _, limit_text = rest.partition(";<=")
        num, _, den = pair.partition("/")
        if num not in results or den not in results:
            problems.append(f"scaling {label}: missing run")
            continue
        value = results[den].rps / results[num].rps
        limit = float(limit_text) if limit_text else None
        ok = limit is None or value <= limit
        if not ok:
            missed.append(f"{label}: {value:.2f}x > {limit}x")
        scaling_lines.append(
            f"| {label} | {value:.2f}x | {'' if limit is None else f'≤ {limit}x'}"
            f"{'' if ok else ' ✗'} |"
        )

    clean_now = tree_clean()
    published = args.clean_at_start == "yes" and clean_now and args.commit != "unknown"
    now = dt.datetime.now(dt.UTC)
    spread = (
        abs(ceilings[0] - ceilings[1]) / max(ceilings) if len(ceilings) == 2 and ceilings[0] else 0
    )
    timeouts_in_logs = worker_timeouts(args.server_log_dir)
    if timeouts_in_logs:
        problems.append(f"{timeouts_in_logs} gunicorn worker timeouts")
    out = [f"## Run {now:%Y-%m-%dT%H:%M:%SZ} ({args.scenario})", ""]
    out += banner(published, args.clean_at_start, clean_now, problems)
    out += [
        f"- commit: `{args.commit}` (tree clean at start: {args.clean_at_start}, at end: "
        f"{'yes' if clean_now else 'no'})",
        f"- started {args.started}, finished {now:%Y-%m-%dT%H:%M:%SZ}; load average {args.load}",
        f"- machine: {machine()}",
        f"- server: `gunicorn -c gunicorn.conf.py -w {args.workers} -b 127.0.0.1:<port>` "
        "(nothing else overridden), MICROBLOG_ENV=production (its rate limits), "
        "TRUSTED_PROXIES=1, Prometheus multiprocess files (PROMETHEUS_MULTIPROC_DIR)",
        f"- load: `wrk -t{args.threads} -c{args.connections} -d{args.duration} --timeout 5s "
        f"--latency -s bench/wrk.lua` after a {args.warmup} warm-up per endpoint; "
        f"X-Forwarded-For from {args.addresses} addresses; every status checked",
        *(f"- {line}" for line in args.setting),
        *(f"- data: {line}" for line in args.data),
        "",
        f"Ceiling (mean of the two bare runs): {ceiling:,.0f} requests/s"
        + (f"; **the two differ by {spread:.0%}**: a busy machine" if spread > 0.10 else ""),
        "",
        *lines,
        "",
    ]
    if scaling_lines:
        out += [
            "Scaling (cost = 1 / requests/s):",
            "",
            "| check | cost ratio | target |",
            "|---|---:|---:|",
            *scaling_lines,
            "",
        ]
    if missed:
        out += ["Targets missed: " + "; ".join(missed), ""]
    for attachment in args.attach:
        title, _, file = attachment.partition("=")
        try:
            body = Path(file).read_text().strip()
        except OSError as exc:
            body = f"({exc})"
        out += [f"<details><summary>{title}</summary>", "", body, "", "</details>", ""]
    paths = {run.key: (args.raw / f"{run.key}.path") for run in args.run}
    raw_parts = []
    for key, result in results.items():
        path = paths.get(key)
        shown = path.read_text().strip() if path is not None and path.exists() else "/"
        raw_parts.append((f"{key}: `{shown}`", result))
    out += [f"gunicorn WORKER TIMEOUTs in the server logs: {timeouts_in_logs}", ""]
    out += raw_output(raw_parts)

    print("\n".join(lines))
    if scaling_lines:
        print("\n".join(scaling_lines))
    if missed:
        print("targets missed: " + "; ".join(missed))
    title = f"# Benchmark results: {args.scenario}, {now:%Y-%m-%d}"
    name = f"{args.scenario}-{now:%Y-%m-%d}.md"
    return write_results(args.out, published, name, title, "\n".join(out), problems)


if __name__ == "__main__":
    sys.exit(main())
