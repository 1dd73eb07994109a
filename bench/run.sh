#!/usr/bin/env bash
# The HTTP benchmark (`make bench`): wrk against gunicorn, our app versus a bare Flask app.
#
# Scenarios (BENCH_SCENARIO, default "all" = the three, one after the other, ~15 minutes):
#   foundation  SQLite (the embedded default): 1. bare Flask ceiling 2. microblog:
#               /users/{id}, /me, /users?per_page=100 3. ceiling again.
#               Report: bench/results/foundation-<date>.md.
#   posts       bench/run_posts.sh, SQLite: posts, feed and writes on 100,000 posts, the
#               feed on 10,000, deep keyset pages. Report: bench/results/posts-<date>.md.
#   pg          bench/run_pg.sh: PostgreSQL + Redis, 100,000 users, 1,000,000 posts and
#               follows (bench/seed_scale.py), the plans of every list query
#               (bench/explain_pg.py). Report: bench/results/pg-<date>.md, explain-<date>.md.
# Every server is the shipped gunicorn.conf.py with -w 2 -b only, production settings and
# rate limits, wrk spreading requests over 10,000 client addresses (bench/lib.sh).
# One server at a time (the box has 2 cores), loopback only, everything in a temp dir that
# is removed on exit, every server killed on exit.
#
# Knobs: BENCH_SCENARIO (all | foundation | posts | pg),
#        BENCH_DURATION (wrk -d per endpoint, default 10s, at most 120s),
#        BENCH_WARMUP (discarded warm-up per endpoint, default 2s, at most 30s).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case "${BENCH_SCENARIO:-all}" in
  foundation) ;;  # below
  posts) exec bash "$HERE/run_posts.sh" ;;
  pg) exec bash "$HERE/run_pg.sh" ;;
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
    for scenario in foundation posts pg; do
      echo "bench: === scenario $scenario ==="
      BENCH_SCENARIO="$scenario" bash "$HERE/run.sh" &
      CHILD=$!
      wait "$CHILD" || status=$?
      CHILD=""
    done
    exit "$status"
    ;;
  *) echo "bench: BENCH_SCENARIO must be all, foundation, posts or pg" >&2; exit 1 ;;
esac

# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

# -- database ---------------------------------------------------------------------------------
migrate_and_seed_users

LOAD_START="$(load_average)"

# -- 1. ceiling (start) ---------------------------------------------------------------------
ceiling bare_start

# -- 2. microblog -----------------------------------------------------------------------------
start_server microblog "microblog:create_app()" /healthz
first="$(get_json "/api/v1/users?per_page=1" 'd["items"][0]["id"], d["items"][0]["username"]')"
read -r USER_ID USERNAME <<<"$(tr -d "(),'" <<<"$first")"
[ -n "$USER_ID" ] && [ -n "$USERNAME" ] || die "could not read a seeded user: $first"
TOKEN="$(login "$USERNAME")" || die "could not get a token for $USERNAME"
AUTH="Authorization: Bearer $TOKEN"
# Fail fast on a wrong setup instead of benchmarking 4xx answers.
get_json "/api/v1/users/$USER_ID" 'd["id"]' -H "$AUTH" >/dev/null || die "GET /users/{id} failed"
get_json "/api/v1/users?per_page=100" 'len(d["items"])' >/dev/null || die "GET /users failed"
get_json /api/v1/me 'd["id"]' -H "$AUTH" >/dev/null || die "GET /me failed with the token"

bench users_id "/api/v1/users/$USER_ID" -H "$AUTH"
bench me /api/v1/me -H "$AUTH"
bench users_list "/api/v1/users?per_page=100"
stop_server

# -- 3. ceiling (end) ---------------------------------------------------------------------------
ceiling bare_end

LOAD_END="$(load_average)"

# -- report -----------------------------------------------------------------------------------
report foundation --load "$LOAD_START -> $LOAD_END" \
  --setting "database: SQLite file (the embedded default), no Redis (in-process rate limits)" \
  --data "$USERS users (flask seed); user $USER_ID" \
  --run "users_id=\`GET /api/v1/users/{id}\` (Bearer);ratio>=0.40;p99<=25" \
  --run "me=\`GET /api/v1/me\` (Bearer);ratio>=0.35;p99<=25" \
  --run "users_list=\`GET /api/v1/users?per_page=100\`;ratio>=0.13;p99<=60"
