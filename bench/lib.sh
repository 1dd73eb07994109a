# Shared by bench/run.sh (foundation), bench/run_posts.sh (SQLite posts/feed) and
# bench/run_pg.sh (PostgreSQL + Redis at scale); sourced, not run.
#
# Sourcing it: parses BENCH_DURATION / BENCH_WARMUP, checks the venv and wrk (it installs
# nothing: `make deps` does), records the commit and whether the tree is clean, creates the
# temp dir $TMP (removed on exit), sets the cleanup trap (kills wrk, the gunicorn and the database
# servers it started, including on Ctrl-C / TERM) and exports the app's production
# environment (SQLite file in $TMP unless start_services gives PostgreSQL and Redis).
# Functions: start_services, start_server, stop_server, bench, ceiling, login, get_json,
# migrate, migrate_and_seed_users, report. start_server and migrate take another build's
# checkout (bench/compare_builds.sh), which runs with its own .venv and gunicorn.conf.py.
#
# Every server is the shipped configuration: `gunicorn -c gunicorn.conf.py -w 2 -b
# 127.0.0.1:<port>` and nothing else on the command line (preload, recycling, timeouts and
# Prometheus multiprocess files as in production), MICROBLOG_ENV=production with its rate
# limits, TRUSTED_PROXIES=1, and wrk sending X-Forwarded-For from 10,000 addresses
# (bench/wrk.lua), every status checked.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"

DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
THREADS=2
CONNECTIONS=16
WORKERS=2
USERS=1000
PASSWORD=benchpass123
# The body of every POST /posts run: about the size of a seeded post.
POST_BODY='{"title": "Benchmark post", "body": "Written by wrk through bench/wrk.lua: one row in posts per request, about the size of a seeded post body.", "published": true}'

die() { echo "bench: $*" >&2; exit 1; }

seconds() {  # "10", "10s" or "2m" -> seconds; anything else is refused
  [[ "$1" =~ ^([0-9]{1,4})([sm]?)$ ]] || return 1
  if [ "${BASH_REMATCH[2]}" = m ]; then echo $(( 10#${BASH_REMATCH[1]} * 60 )); else
    echo $(( 10#${BASH_REMATCH[1]} )); fi
}
dur_s="$(seconds "$DURATION")" || die "BENCH_DURATION must look like 10s or 1m, got '$DURATION'"
warm_s="$(seconds "$WARMUP")" || die "BENCH_WARMUP must look like 2s, got '$WARMUP'"
(( dur_s >= 1 && dur_s <= 120 )) || die "BENCH_DURATION must be between 1s and 120s"
(( warm_s >= 1 && warm_s <= 30 )) || die "BENCH_WARMUP must be between 1s and 30s"
DURATION="${dur_s}s"
WARMUP="${warm_s}s"

[ -x "$PY" ] && [ -x "$BIN/gunicorn" ] || die "no virtualenv at $ROOT/.venv: run 'make install' first"

# -- wrk ------------------------------------------------------------------------------------
command -v wrk >/dev/null 2>&1 \
  || die "wrk is not installed: run 'make deps' (it says what it will install first)"
command -v curl >/dev/null 2>&1 || die "curl is required"

# -- temp dir, cleanup ---------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/microblog-bench.XXXXXX")"
RAW="$TMP/raw"
mkdir -p "$RAW" "$TMP/instance"
SERVER_PID=""
SERVER_PIDS=()  # several at once for bench/compare_builds.sh
WRK_PID=""
SERVICES_PID=""
WORKTREES=()  # checkouts of other builds (bench/compare_builds.sh), removed on exit
COMMIT="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
# Clean but for bench/results/, where each scenario of `make bench` writes its results.
if [ -z "$(git -C "$ROOT" status --porcelain -- . ':!bench/results' 2>/dev/null)" ] \
  && [ "$COMMIT" != unknown ]; then
  CLEAN_AT_START=yes
else
  CLEAN_AT_START=no
  echo "bench: the work tree is not clean (git status --porcelain): the results will be" \
    "written to bench/results/unpublished/, not published" >&2
fi
STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

run_wrk() {  # wrk as a waited-on child, so that a signal is handled at once, not after it
  wrk "$@" &
  WRK_PID=$!
  wait "$WRK_PID"
  local status=$?
  WRK_PID=""
  return "$status"
}

stop_server() {  # every server start_server started
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PIDS=()
  SERVER_PID=""
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$WRK_PID" ] || kill -TERM "$WRK_PID" 2>/dev/null || true
  stop_server
  if [ -n "$SERVICES_PID" ]; then
    kill -TERM "$SERVICES_PID" 2>/dev/null || true
    wait "$SERVICES_PID" 2>/dev/null || true
  fi
  local tree
  for tree in "${WORKTREES[@]}"; do
    git -C "$ROOT" worktree remove --force "$tree" >/dev/null 2>&1 || true
  done
  rm -rf "$TMP"
  git -C "$ROOT" worktree prune 2>/dev/null || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -- environment for the app ----------------------------------------------------------------
export MICROBLOG_ENV=production
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"  # 43 chars
JWT_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"
METRICS_TOKEN="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"
export SECRET_KEY JWT_SECRET_KEY METRICS_TOKEN
export DATABASE_URL="sqlite:///$TMP/bench.db"
export MICROBLOG_INSTANCE="$TMP/instance"
export PYTHONDONTWRITEBYTECODE=1
# Behind one proxy (nginx in deploy/): X-Forwarded-For is believed, and bench/wrk.lua sends
# 10,000 client addresses, so production's rate-limit budgets hold without a 429.
export TRUSTED_PROXIES=1
export TRUSTED_HOSTS="127.0.0.1,localhost"
unset RATELIMIT_DEFAULT RATELIMIT_ENABLED RATELIMIT_STORAGE_URI REDIS_URL
unset RATELIMIT_LOGIN_PER_ADDRESS RATELIMIT_LOGIN_PER_USERNAME
unset GUNICORN_MAX_REQUESTS GUNICORN_MAX_REQUESTS_JITTER GUNICORN_PRELOAD WEB_CONCURRENCY
# Prometheus multiprocess files, as gunicorn.conf.py sets up in production; here in $TMP.
export PROMETHEUS_MULTIPROC_DIR="$TMP/prometheus"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
export BENCH_ADDRESSES="${BENCH_ADDRESSES:-10000}"

start_services() {  # PostgreSQL and Redis (bench/services.py); exports DATABASE_URL, REDIS_URL
  echo "bench: starting PostgreSQL and Redis"
  "$PY" "$ROOT/bench/services.py" --env-file "$TMP/services.env" --postgres --redis \
    --parent $$ >"$TMP/services.log" 2>&1 &
  SERVICES_PID=$!
  for _ in $(seq 600); do
    [ -f "$TMP/services.env" ] && break
    kill -0 "$SERVICES_PID" 2>/dev/null || { cat "$TMP/services.log" >&2; die "services failed"; }
    sleep 0.1
  done
  [ -f "$TMP/services.env" ] || die "PostgreSQL/Redis did not start within 60 s"
  # shellcheck disable=SC1091
  source "$TMP/services.env"
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {  # start_server NAME APP HEALTH_PATH [TREE]: the shipped config of TREE
  # (default: this checkout), -w and -b only; sets PORT and BASE. SERVER_ENV: extra
  # VAR=value words for this server's environment (bench/compare_builds.sh)
  local name="$1" app="$2" health="$3" tree="${4:-$ROOT}"
  PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"
  # Its own Prometheus directory: gunicorn.conf.py empties it on start.
  (cd "$tree" && PROMETHEUS_MULTIPROC_DIR="$PROMETHEUS_MULTIPROC_DIR/$name" \
    exec env ${SERVER_ENV:-} "$tree/.venv/bin/gunicorn" -c "$tree/gunicorn.conf.py" -w "$WORKERS" \
    -b "127.0.0.1:$PORT" "$app") >"$TMP/gunicorn-$name.log" 2>&1 &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  for _ in $(seq 300); do  # up to 30 s (the app hashes argon2's dummy password on import)
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -50 "$TMP/gunicorn-$name.log" >&2
      die "gunicorn ($name) exited during start-up"
    fi
    curl -fsS -o /dev/null --max-time 2 "$BASE$health" 2>/dev/null && return 0
    sleep 0.1
  done
  tail -50 "$TMP/gunicorn-$name.log" >&2
  die "gunicorn ($name) did not answer $health within 30 s"
}

bench() {  # bench KEY PATH [wrk args...]: warm up, then measure into $RAW/KEY.txt
  # BENCH_METHOD / BENCH_BODY (environment) make it a write; see bench/wrk.lua.
  local key="$1" path="$2"
  shift 2
  echo "bench: $key  ${BENCH_METHOD:-GET} $path  (warm-up $WARMUP, run $DURATION)"
  run_wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 5s -s "$ROOT/bench/wrk.lua" \
    "$@" "$BASE$path" >"$RAW/$key.warmup.txt"
  run_wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency \
    -s "$ROOT/bench/wrk.lua" "$@" "$BASE$path" >"$RAW/$key.txt"
  grep -E '^Requests/sec|bench-non2xx|Socket errors' "$RAW/$key.txt" | sed 's/^/       /'
  echo "$path" >"$RAW/$key.path"
}

ceiling() {  # ceiling KEY: the bare Flask app (bench/bare_app.py), same gunicorn settings
  start_server bare bench.bare_app:app /
  bench "$1" /
  stop_server
}

get_json() {  # get_json PATH PYTHON-EXPRESSION-ON-d [curl args...]
  local path="$1" expr="$2"
  shift 2
  curl -fsS --max-time 10 -H "X-Forwarded-For: 192.0.2.$(( RANDOM % 250 + 1 ))" "$@" \
    "$BASE$path" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print($expr)"
}

login() {  # login USERNAME: prints a token (one password check: the login budget is small)
  curl -fsS --max-time 30 -X POST -u "$1:$PASSWORD" -H "X-Forwarded-For: 192.0.2.254" \
    "$BASE/api/v1/tokens" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

deep_page() {  # deep_page PATH MAX [AUTH-HEADER]: follow _links.next up to MAX times,
  # stopping before a page shorter than the first; prints "<pages followed> <path>". Each
  # request from another address (the walk is many requests to one route).
  "$PY" - "$BASE" "$1" "$2" "${3:-}" <<'PYEOF'
import json, sys, urllib.request
base, path, most, auth = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
n = 0
def get(p):
    global n
    n += 1
    headers = {"X-Forwarded-For": f"198.18.{n // 250 % 250}.{n % 250 + 1}"}
    if auth:
        headers.update([auth.split(": ", 1)])
    with urllib.request.urlopen(urllib.request.Request(base + p, headers=headers), timeout=30) as r:
        return json.load(r)
page = get(path)
full, depth = len(page["items"]), 0
while depth < most and page["_links"]["next"]:
    following = get(page["_links"]["next"])
    if len(following["items"]) < full:
        break
    path, page, depth = page["_links"]["next"], following, depth + 1
print(depth, path)
PYEOF
}

report() {  # report SCENARIO [report_run.py args...]: the results file (bench/report_run.py)
  local scenario="$1"
  shift
  "$PY" "$ROOT/bench/report_run.py" --scenario "$scenario" --raw "$RAW" \
    --out "$ROOT/bench/results" --commit "$COMMIT" --clean-at-start "$CLEAN_AT_START" \
    --started "$STARTED_AT" --duration "$DURATION" --warmup "$WARMUP" --threads "$THREADS" \
    --connections "$CONNECTIONS" --workers "$WORKERS" --addresses "$BENCH_ADDRESSES" \
    --server-log-dir "$TMP" "$@"
}

migrate() {  # migrate [TREE]: the schema in $DATABASE_URL by TREE's migrations (default: $ROOT)
  local tree="${1:-$ROOT}"
  (cd "$tree" && "$tree/.venv/bin/flask" --app microblog db upgrade >"$TMP/migrate.log" 2>&1) \
    || { cat "$TMP/migrate.log" >&2; die "migration failed"; }
}

migrate_and_seed_users() {  # [TREE]: the schema and $USERS users (password $PASSWORD)
  local tree="${1:-$ROOT}"
  echo "bench: migrating and seeding $USERS users in $TMP"
  migrate "$tree"
  (cd "$tree" && "$tree/.venv/bin/flask" --app microblog seed --users "$USERS" \
    --password "$PASSWORD" >"$TMP/seed.log" 2>&1) \
    || { cat "$TMP/seed.log" >&2; die "seeding failed"; }
}

load_average() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }
