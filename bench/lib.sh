# Shared by bench/run.sh (foundation) and bench/run_posts.sh (posts/feed); sourced, not run.
#
# Sourcing it: parses BENCH_DURATION / BENCH_WARMUP, checks the venv, installs wrk if it
# is missing, creates the temp dir $TMP (removed on exit), sets the cleanup trap (kills
# wrk and the gunicorn it started, including on Ctrl-C / TERM) and exports the app's
# environment (production config, SQLite file in $TMP). Functions: start_server,
# stop_server, bench, ceiling, migrate_and_seed_users.
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
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    die "wrk is missing and we are not root: apt-get install wrk"
  fi
  echo "bench: installing wrk"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
command -v curl >/dev/null 2>&1 || die "curl is required"

# -- temp dir, cleanup ---------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/microblog-bench.XXXXXX")"
RAW="$TMP/raw"
mkdir -p "$RAW" "$TMP/instance"
SERVER_PID=""
WRK_PID=""

run_wrk() {  # wrk as a waited-on child, so that a signal is handled at once, not after it
  wrk "$@" &
  WRK_PID=$!
  wait "$WRK_PID"
  local status=$?
  WRK_PID=""
  return "$status"
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$WRK_PID" ] || kill -TERM "$WRK_PID" 2>/dev/null || true
  stop_server
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -- environment for the app ----------------------------------------------------------------
export MICROBLOG_ENV=production
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"  # 32 chars
export SECRET_KEY
export DATABASE_URL="sqlite:///$TMP/bench.db"
export MICROBLOG_INSTANCE="$TMP/instance"
export PYTHONDONTWRITEBYTECODE=1
# The production default (300 per minute per address) would answer wrk with 429s after the
# first 300 requests. The limiter stays on, so its per-request cost is measured, with a
# budget wrk cannot exhaust (in-memory storage: REDIS_URL is not passed through).
export RATELIMIT_DEFAULT="1000000000 per minute"
unset REDIS_URL
# In-process metrics, not ./gunicorn.conf.py's multiprocess files (see bench/gunicorn_bench.py).
unset PROMETHEUS_MULTIPROC_DIR

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {  # start_server NAME CHDIR APP HEALTH_PATH
  local name="$1" chdir="$2" app="$3" health="$4"
  PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"
  "$BIN/gunicorn" -c "$ROOT/bench/gunicorn_bench.py" \
    -w "$WORKERS" -k sync -b "127.0.0.1:$PORT" --chdir "$chdir" \
    --graceful-timeout 5 "$app" >"$TMP/gunicorn-$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do  # up to 30 s (each worker hashes argon2's dummy password on boot)
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$TMP/gunicorn-$name.log" >&2
      die "gunicorn ($name) exited during start-up"
    fi
    curl -fsS -o /dev/null --max-time 2 "$BASE$health" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$TMP/gunicorn-$name.log" >&2
  die "gunicorn ($name) did not answer $health within 30 s"
}

bench() {  # bench KEY PATH [wrk args...]: warm up, then measure into $RAW/KEY.txt
  local key="$1" path="$2"
  shift 2
  echo "bench: $key  ${BENCH_METHOD:-GET} $path  (warm-up $WARMUP, run $DURATION)"
  run_wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 5s "$@" "$BASE$path" >/dev/null
  run_wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency "$@" "$BASE$path" \
    >"$RAW/$key.txt"
  grep -E '^Requests/sec' "$RAW/$key.txt" | sed 's/^/       /'
}

ceiling() {  # ceiling KEY: the bare Flask app (bench/bare_app.py), served and measured alone
  start_server bare "$ROOT/bench" bare_app:app /
  bench "$1" /
  stop_server
}

migrate_and_seed_users() {  # the schema and $USERS users (password $PASSWORD) in $DATABASE_URL
  echo "bench: migrating and seeding $USERS users in $TMP"
  (cd "$ROOT" && "$BIN/flask" --app microblog db upgrade >"$TMP/migrate.log" 2>&1) \
    || { cat "$TMP/migrate.log" >&2; die "migration failed"; }
  (cd "$ROOT" && "$BIN/flask" --app microblog seed --users "$USERS" --password "$PASSWORD" \
    >"$TMP/seed.log" 2>&1) || { cat "$TMP/seed.log" >&2; die "seeding failed"; }
}

load_average() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }
