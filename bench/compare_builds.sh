#!/usr/bin/env bash
# Before/after in one run: `bash bench/compare_builds.sh BEFORE_REV [AFTER_REV]` or
# `make bench-ab BEFORE=<rev> [AFTER=<rev>]`. AFTER defaults to this checkout's HEAD.
#
# BEFORE (and AFTER when it is not HEAD) is checked out into a temporary git worktree with
# its own virtualenv (`uv sync --frozen`). For each backend (a SQLite file; PostgreSQL +
# Redis from bench/services.py):
#  1. AFTER migrates and seeds one database (flask seed, its own bench/seed_posts.py):
#     1,000 users, 10 follows each, 10,000 posts (the posts scenario's small database);
#  2. BEFORE's migrations make a scratch database: the two schemas (bench/ab_db.py) must
#     be the same, or the run stops (the builds share the database);
#  3. the bare Flask app and both builds are served at once, each with its own shipped
#     gunicorn.conf.py (-w and -b only), production settings and rate limits;
#  4. BENCH_ROUNDS rounds (default 3): the bare app, then each endpoint on both builds back
#     to back (before first in odd rounds, after first in even ones), each run a warm-up
#     and BENCH_DURATION of `wrk -s bench/wrk.lua` (every status checked). POST /posts
#     comes last in a round (it adds posts), with an Idempotency-Key unique per request.
# Report: bench/results/ab-<date>-<before>-<after>.md (bench/report_ab.py); medians, ratios
# to the bare app, change after/before, any endpoint worse than -10 % flagged.
#
# Refuses a dirty tree (numbers are published from a clean one only) unless
# BENCH_ALLOW_DIRTY=1: then AFTER=HEAD means the working tree, and the report goes to
# bench/results/unpublished/. Knobs: BENCH_DURATION (10s), BENCH_WARMUP (2s),
# BENCH_ROUNDS (3), BENCH_BACKENDS ("sqlite pg"), BENCH_AFTER_ENV (VAR=value words added to
# the after build's environment: with BEFORE the same commit, what one setting costs, e.g.
# BENCH_AFTER_ENV=REQUEST_LOG_ENABLED=false).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 BEFORE_REV [AFTER_REV]" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

ROUNDS="${BENCH_ROUNDS:-3}"
BACKENDS="${BENCH_BACKENDS:-sqlite pg}"
[[ "$ROUNDS" =~ ^[1-9]$ ]] || die "BENCH_ROUNDS must be 1 to 9, got '$ROUNDS'"
[[ "$BACKENDS" =~ ^(sqlite|pg|sqlite pg|pg sqlite)$ ]] || die "BENCH_BACKENDS: sqlite, pg or both"
AFTER_ENV="${BENCH_AFTER_ENV:-}"
[[ "$AFTER_ENV" =~ ^([A-Z_][A-Z0-9_]*=[^ ]*( |$))*$ ]] || die "BENCH_AFTER_ENV: VAR=value words"
if [ "$CLEAN_AT_START" != yes ] && [ "${BENCH_ALLOW_DIRTY:-}" != 1 ]; then
  die "the work tree is not clean: commit first (or BENCH_ALLOW_DIRTY=1 for an unpublished try)"
fi
BEFORE="$(git -C "$ROOT" rev-parse --verify --quiet "$1^{commit}")" || die "no commit '$1'"
AFTER="$(git -C "$ROOT" rev-parse --verify --quiet "${2:-HEAD}^{commit}")" \
  || die "no commit '${2:-HEAD}'"
UV="${UV:-uv}"  # the Makefile passes its own (uv, python3 -m uv or .tools/uv/bin/uv)
$UV --version >/dev/null 2>&1 || die "uv is required (it makes each build's virtualenv)"
POSTS=10000
FOLLOWS=10
ENDPOINTS=(users_id posts_page feed user_posts healthz post_create)  # the writer last

checkout() {  # checkout NAME SHA: a worktree of SHA in $TMP/NAME, with its own virtualenv
  echo "bench: checking out ${2:0:7} into $TMP/$1 (uv sync --frozen)"
  git -C "$ROOT" worktree add --detach --quiet "$TMP/$1" "$2"
  WORKTREES+=("$TMP/$1")
  (cd "$TMP/$1" && env -u VIRTUAL_ENV -u UV_PROJECT_ENVIRONMENT $UV sync --frozen --quiet) \
    || die "uv sync --frozen failed in the checkout of $2"
}

SYNC_START=$(date +%s)
checkout before "$BEFORE"
BEFORE_DIR="$TMP/before"
AFTER_DIR="$ROOT"
AFTER_DIRTY=no
if [ "$AFTER" != "$COMMIT" ]; then
  checkout after "$AFTER"
  AFTER_DIR="$TMP/after"
else
  [ "$CLEAN_AT_START" = yes ] || AFTER_DIRTY=yes
fi
# The files may differ (a moved import) where the schema does not: run_backend decides.
# Against the working tree when AFTER is HEAD, so a dirty try compares what it runs.
AGAINST=("$BEFORE")
[ "$AFTER_DIR" = "$ROOT" ] || AGAINST+=("$AFTER")
MIGRATIONS_DIFF="$(git -C "$ROOT" diff --name-only "${AGAINST[@]}" \
  -- src/microblog/migrations/versions | xargs)"
if git -C "$ROOT" diff --quiet "${AGAINST[@]}" -- uv.lock; then LOCK="the same in both builds"
else LOCK="**differs** between the builds (library versions may explain a change)"; fi
SYNC_SECONDS=$(( $(date +%s) - SYNC_START ))
echo "bench: migrations changed between the builds: ${MIGRATIONS_DIFF:-none}"

ab_db() { "$PY" "$ROOT/bench/ab_db.py" "$@"; }

declare -A BASES TOKENS
measure() {  # measure BACKEND BUILD ENDPOINT ROUND: one wrk run into $RAW
  local key="$1.$2.$3.r$4" auth="Authorization: Bearer ${TOKENS[$2]}"
  BASE="${BASES[$2]}"
  case "$3" in
    users_id) bench "$key" "/api/v1/users/$AUTHOR" -H "$auth" ;;
    posts_page) bench "$key" "/api/v1/posts?per_page=100" ;;
    feed) bench "$key" "/api/v1/feed?limit=100" -H "$auth" ;;
    user_posts) bench "$key" "/api/v1/users/$AUTHOR/posts" ;;
    healthz) bench "$key" /healthz ;;
    post_create) BENCH_METHOD=POST BENCH_BODY="$POST_BODY" BENCH_IDEMPOTENCY=1 \
      bench "$key" /api/v1/posts -H "$auth" ;;
  esac
}

check_build() {  # check_build BUILD: log in; every endpoint answers 2xx with full pages
  BASE="${BASES[$1]}"
  TOKENS[$1]="$(login "$VIEWER_NAME")" || die "$1: could not get a token for $VIEWER_NAME"
  local auth="Authorization: Bearer ${TOKENS[$1]}"
  [ "$(get_json "/api/v1/users/$AUTHOR" 'd["id"]' -H "$auth")" = "$AUTHOR" ] \
    || die "$1: GET /users/$AUTHOR failed"
  [ "$(get_json "/api/v1/posts?per_page=100" 'len(d["items"])')" = 100 ] \
    || die "$1: GET /posts?per_page=100 does not return 100 posts"
  [ "$(get_json "/api/v1/feed?limit=100" 'len(d["items"])' -H "$auth")" = 100 ] \
    || die "$1: GET /feed?limit=100 does not return 100 posts for the viewer"
  [ "$(get_json "/api/v1/users/$AUTHOR/posts" 'len(d["items"]) > 0')" = True ] \
    || die "$1: GET /users/$AUTHOR/posts is empty"
  [ "$(get_json /healthz 'd["status"]')" = ok ] || die "$1: GET /healthz failed"
  get_json /api/v1/posts 'd["id"]' -H "$auth" -H "Idempotency-Key: check-$1-$RANDOM" \
    -H "Content-Type: application/json" -d "$POST_BODY" >/dev/null || die "$1: POST /posts failed"
}

run_backend() {  # run_backend sqlite|pg: schema check, seeding, the rounds
  local backend="$1" scratch round order build endpoint started
  started=$(date +%s)
  if [ "$backend" = pg ]; then
    start_services
    scratch="${DATABASE_URL%/*}/ab_schema_before"
    ab_db create "$scratch"
  else
    export DATABASE_URL="sqlite:///$TMP/ab.db"
    scratch="sqlite:///$TMP/ab-schema-before.db"
  fi
  migrate_and_seed_users "$AFTER_DIR"
  echo "bench: $backend: seeding $FOLLOWS follows each and $POSTS posts (the after build)"
  (cd "$AFTER_DIR" && .venv/bin/python bench/seed_posts.py --follows "$FOLLOWS" \
    --posts "$POSTS") || die "$backend: seeding posts failed"
  echo "bench: $backend: the before build's migrations on an empty database, to compare"
  DATABASE_URL="$scratch" migrate "$BEFORE_DIR"
  if ! diff <(ab_db schema "$scratch") <(ab_db schema "$DATABASE_URL") \
    >"$TMP/schema-$backend.diff"; then
    cat "$TMP/schema-$backend.diff" >&2
    die "$backend: the builds' migrations make different schemas: they cannot share a database"
  fi
  read -r VIEWER VIEWER_NAME FEED_SIZE AUTHOR < <(ab_db viewer "$DATABASE_URL")
  [ -n "${AUTHOR:-}" ] || die "$backend: could not pick the viewer"
  NOTES+=(--note "$backend: viewer $VIEWER (a feed of $FEED_SIZE posts); {id} = $AUTHOR")

  start_server "$backend-bare" bench.bare_app:app /
  BASES[bare]="$BASE"
  start_server "$backend-before" "microblog:create_app()" /healthz "$BEFORE_DIR"
  BASES[before]="$BASE"
  SERVER_ENV="$AFTER_ENV" start_server "$backend-after" "microblog:create_app()" /healthz \
    "$AFTER_DIR"
  BASES[after]="$BASE"
  check_build before
  check_build after
  for round in $(seq "$ROUNDS"); do
    echo "bench: $backend: round $round of $ROUNDS"
    BASE="${BASES[bare]}"
    bench "$backend.bare.r$round" /
    if (( round % 2 )); then order="before after"; else order="after before"; fi
    for endpoint in "${ENDPOINTS[@]}"; do
      for build in $order; do measure "$backend" "$build" "$endpoint" "$round"; done
    done
  done
  stop_server
  if [ "$backend" = pg ]; then
    kill -TERM "$SERVICES_PID" 2>/dev/null || true
    wait "$SERVICES_PID" 2>/dev/null || true
    SERVICES_PID=""
    unset REDIS_URL
  fi
  TIMES+="$backend $(( $(date +%s) - started )) s; "
}

LOAD_START="$(load_average)"
NOTES=()
TIMES=""
for backend in $BACKENDS; do run_backend "$backend"; done
LOAD_END="$(load_average)"

SQLITE="SQLite file, in-process rate limits (no Redis)"
PG="PostgreSQL on loopback (bench/services.py: ${PG_SETTINGS:-}), Redis for the rate limits"
DATA="$USERS users (flask seed), $FOLLOWS follows each, $POSTS posts (bench/seed_posts.py)"
for backend in $BACKENDS; do
  if [ "$backend" = pg ]; then NOTES+=(--backend "pg=$PG")
  else NOTES+=(--backend "sqlite=$SQLITE"); fi
done
"$PY" "$ROOT/bench/report_ab.py" --raw "$RAW" --out "$ROOT/bench/results" \
  --before "$BEFORE" --after "$AFTER" --after-dirty "$AFTER_DIRTY" \
  --clean-at-start "$CLEAN_AT_START" --started "$STARTED_AT" --rounds "$ROUNDS" \
  --load "$LOAD_START -> $LOAD_END" --duration "$DURATION" --warmup "$WARMUP" \
  --threads "$THREADS" --connections "$CONNECTIONS" --workers "$WORKERS" \
  --addresses "$BENCH_ADDRESSES" --server-log-dir "$TMP" "${NOTES[@]}" \
  --endpoint "users_id=\`GET /api/v1/users/{id}\` (Bearer)" \
  --endpoint "posts_page=\`GET /api/v1/posts?per_page=100\`" \
  --endpoint "feed=\`GET /api/v1/feed?limit=100\` (Bearer)" \
  --endpoint "user_posts=\`GET /api/v1/users/{id}/posts\`" \
  --endpoint "healthz=\`GET /healthz\`" \
  --endpoint "post_create=\`POST /api/v1/posts\` (Bearer, Idempotency-Key)" \
  --note "data: $DATA, seeded by the after build; one database per backend for both builds" \
  --note "schema: the same from both builds' migrations (bench/ab_db.py schema)" \
  --note "migration files that differ: ${MIGRATIONS_DIFF:-none}" \
  --note "uv.lock: $LOCK" \
  --note "the after build's extra environment: ${AFTER_ENV:-none}" \
  --note "time: checkouts and virtualenvs ${SYNC_SECONDS} s; ${TIMES%; }"
