#!/usr/bin/env bash
# The HTTP benchmark (`make bench`): wrk against gunicorn, our app versus a bare Flask app.
#
# Scenarios (BENCH_SCENARIO, default "all" = both, one after the other, about 3 minutes):
#   foundation  1. bare Flask ceiling  2. microblog: /users/{id}, /me, /users?per_page=100
#               3. ceiling again. Report: bench/results/foundation-<date>.md and latest.md.
#   posts       bench/run_posts.sh: posts, feed and writes on 100,000 posts, the feed on
#               10,000, deep keyset pages. Report: bench/results/posts-<date>.md.
# One server at a time (the box has 2 cores), loopback only, everything in a temp dir that
# is removed on exit, every server killed on exit.
#
# Knobs: BENCH_SCENARIO (all | foundation | posts),
#        BENCH_DURATION (wrk -d per endpoint, default 10s, at most 120s),
#        BENCH_WARMUP (discarded warm-up per endpoint, default 2s, at most 30s).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case "${BENCH_SCENARIO:-all}" in
  foundation) ;;  # below
  posts) exec bash "$HERE/run_posts.sh" ;;
  all)
    # Each scenario in its own process with its own temp dir and cleanup. Background
    # children of a script ignore SIGINT, so Ctrl-C and TERM are forwarded as TERM.
    CHILD=""
    forward() {
      [ -z "$CHILD" ] || { kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; }
      exit "$1"
    }
    trap 'forward 130' INT
    trap 'forward 143' TERM
    status=0
    for scenario in foundation posts; do
      echo "bench: === scenario $scenario ==="
      BENCH_SCENARIO="$scenario" bash "$HERE/run.sh" &
      CHILD=$!
      wait "$CHILD" || status=$?
      CHILD=""
    done
    exit "$status"
    ;;
  *) echo "bench: BENCH_SCENARIO must be all, foundation or posts" >&2; exit 1 ;;
esac

# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

# -- database ---------------------------------------------------------------------------------
migrate_and_seed_users

LOAD_START="$(load_average)"

# -- 1. ceiling (start) ---------------------------------------------------------------------
ceiling bare_start

# -- 2. microblog -----------------------------------------------------------------------------
start_server microblog "$ROOT" "microblog:create_app()" /healthz
first="$(curl -fsS --max-time 5 "$BASE/api/v1/users?per_page=1")"
USER_ID="$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])' \
  <<<"$first")"
USERNAME="$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["username"])' \
  <<<"$first")"
[ -n "$USER_ID" ] && [ -n "$USERNAME" ] || die "could not read a seeded user: $first"
TOKEN="$(curl -fsS --max-time 30 -X POST -u "$USERNAME:$PASSWORD" "$BASE/api/v1/tokens" \
  | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])')" \
  || die "could not get a token for $USERNAME"
# Fail fast on a wrong setup instead of benchmarking 4xx answers.
for path in "/api/v1/users/$USER_ID" "/api/v1/users?per_page=100"; do
  curl -fsS -o /dev/null --max-time 5 "$BASE$path" || die "GET $path does not answer 2xx"
done
curl -fsS -o /dev/null --max-time 5 -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/me" \
  || die "GET /api/v1/me does not answer 2xx with the token"

bench users_id "/api/v1/users/$USER_ID"
bench me /api/v1/me -H "Authorization: Bearer $TOKEN"
bench users_list "/api/v1/users?per_page=100"
stop_server

# -- 3. ceiling (end) ---------------------------------------------------------------------------
ceiling bare_end

LOAD_END="$(load_average)"

# -- report -----------------------------------------------------------------------------------
"$PY" "$ROOT/bench/report.py" --raw "$RAW" --out "$ROOT/bench/results" \
  --duration "$DURATION" --warmup "$WARMUP" --threads "$THREADS" --connections "$CONNECTIONS" \
  --workers "$WORKERS" --users "$USERS" --user-id "$USER_ID" \
  --load "$LOAD_START -> $LOAD_END"
