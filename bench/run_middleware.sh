#!/usr/bin/env bash
# The cost of the per-request middleware: GET /api/v1/users/{id} with the whole
# stack on (rate limiting in Redis, request ids, the JSON request log, Prometheus metrics,
# ETags) against the same route with it off, same gunicorn settings, same run.
# Runs on, off five times over (BENCH_ROUNDS) and takes each side's median, so that machine
# drift and one-off noise cancel out: on this VM a single run of either side can be 10 %
# off its median. bench/middleware_inprocess.py splits the cost piece by piece.
#   bash bench/run_middleware.sh        (BENCH_DURATION / BENCH_WARMUP as for run.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null 2>&1 || die "redis-server is not installed: run 'make deps'"
REDIS_PORT="$(free_port)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize no >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

migrate_and_seed_users
echo "bench: load average at start: $(load_average)"

stack_on() {
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" RATELIMIT_ENABLED=true
  export REQUEST_LOG_ENABLED=true METRICS_ENABLED=true ETAGS_ENABLED=true LOG_FORMAT=json
}
stack_off() {
  unset REDIS_URL
  export RATELIMIT_ENABLED=false REQUEST_LOG_ENABLED=false METRICS_ENABLED=false ETAGS_ENABLED=false
}

ROUNDS="${BENCH_ROUNDS:-5}"
[[ "$ROUNDS" =~ ^[1-9]$ ]] || die "BENCH_ROUNDS must be 1 to 9, got '$ROUNDS'"
for round in $(seq "$ROUNDS"); do
  for mode in on off; do
    "stack_$mode"
    start_server "microblog-$mode" "microblog:create_app()" /healthz
    bench "users_id_${mode}_$round" /api/v1/users/1
    stop_server
  done
done

"$PY" - "$RAW" "$ROOT/bench/results" "$(load_average)" "$ROUNDS" <<'PY'
import re, sys, datetime, pathlib, statistics
raw, out, load = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
rounds = range(1, int(sys.argv[4]) + 1)
def rps(key):
    return float(re.search(r"Requests/sec:\s+([\d.]+)", (raw / f"{key}.txt").read_text()).group(1))
def lat(key, pct):
    m = re.search(rf"^\s+{pct}%\s+(\S+)", (raw / f"{key}.txt").read_text(), re.M)
    return m.group(1) if m else "?"
rows = []
for mode in ("on", "off"):
    for r in rounds:
        key = f"users_id_{mode}_{r}"
        rows.append((mode, r, rps(key), lat(key, 50), lat(key, 99)))
on = statistics.median(x[2] for x in rows if x[0] == "on")
off = statistics.median(x[2] for x in rows if x[0] == "off")
cost = off / on - 1  # extra time per request with the stack on
by_round = {r: {m: v for m, rr, v, *_ in rows if rr == r} for r in rounds}
lines = [
    f"# Benchmark: middleware cost ({datetime.date.today()})",
    "",
    "`GET /api/v1/users/1`, gunicorn -w 2 sync, wrk -t2 -c16, 1,000 users, SQLite;",
    "stack on = rate limits on a real Redis (ratelimit.py, slices of each budget), request",
    "ids, JSON request log, Prometheus metrics, ETags; off = all of them disabled (request",
    "ids stay: errors need them).",
    "",
    "| run | stack | requests/s | p50 | p99 |",
    "|---|---|---:|---:|---:|",
    *[f"| {r} | {m} | {v:,.0f} | {p50} | {p99} |" for m, r, v, p50, p99 in rows],
    "",
    f"Median on {on:,.0f} req/s, off {off:,.0f} req/s: the stack costs **{cost:.1%}** per request "
    f"(target ≤ 15 %: {'pass' if cost <= 0.15 else 'FAIL'}), {len(rounds)} rounds. Round by "
    "round (off/on of the same round): "
    + ", ".join(f"{b['off'] / b['on'] - 1:.1%}" for b in by_round.values())
    + f". Load average at the end: {load}.",
]
path = out / f"middleware-{datetime.date.today()}.md"
path.write_text("\n".join(lines) + "\n")
print("\n".join(lines))
PY
