#!/usr/bin/env bash
# The production benchmark: PostgreSQL and Redis, data at scale, the shipped
# gunicorn.conf.py. `BENCH_SCENARIO=pg make bench`, or `bash bench/run_pg.sh`.
#
# Data (bench/seed_scale.py, COPY through the app's tables): 100,000 users, 1,000,000
# follows (Zipf: the top accounts followed by ~50,000, most accounts following 5-50), a
# viewer following 1,000 accounts, 1,000,000 posts (3 % drafts); a copy of the database
# with the same users and follows and 10,000 posts.
#  0. the plans: bench/explain_pg.py, EXPLAIN (ANALYZE, BUFFERS) of every list query
#     (bench/results/explain-pg-<date>.md; any Seq Scan on posts or follows fails the run)
#  1. bare Flask ceiling (bench/bare_app.py, same gunicorn settings)
#  2. microblog on 1 M posts: GET /users/{id} (Bearer), GET /posts?per_page=100,
#     GET /posts?limit=100 and the keyset page 500 `next` links deep, GET /feed?limit=100
#     for the viewer following 1,000 (Bearer), POST /posts (last: it adds posts)
#  2b. the floor (bench/floor_app.py): GET /users/{id}'s Redis and SQL round trips in bare
#     Flask + SQLAlchemy Core + redis-py, the same without the token's row, and one
#     primary-key read alone
#  3. microblog on 10 k posts: GET /feed?limit=100, same viewer
#  4. bare Flask ceiling again
# Report: bench/results/pg-<date>.md (bench/report_run.py), appended.
#
# Knobs: BENCH_DURATION (default 10s), BENCH_WARMUP (2s), BENCH_DEEP_PAGES (500),
# BENCH_USERS / BENCH_POSTS / BENCH_FOLLOWS / BENCH_SMALL_POSTS (smaller data for a
# quick try; a published run uses the defaults).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

SCALE_USERS="${BENCH_USERS:-100000}"
SCALE_POSTS="${BENCH_POSTS:-1000000}"
SCALE_FOLLOWS="${BENCH_FOLLOWS:-1000000}"
SMALL_POSTS="${BENCH_SMALL_POSTS:-10000}"
VIEWER_FOLLOWS=1000
DEEP_PAGES="${BENCH_DEEP_PAGES:-500}"
SMALL_DB=bench_10k
[[ "$DEEP_PAGES" =~ ^[0-9]{1,4}$ ]] && (( DEEP_PAGES >= 1 )) || die "BENCH_DEEP_PAGES: 1-9999"

# -- services and data --------------------------------------------------------------------------
start_services
BIG_URL="$DATABASE_URL"
SMALL_URL="${DATABASE_URL%/*}/$SMALL_DB"
echo "bench: migrating"
migrate
echo "bench: seeding $SCALE_USERS users, $SCALE_FOLLOWS follows, $SCALE_POSTS posts" \
  "(+ $SMALL_DB with $SMALL_POSTS posts)"
SEED_START=$(date +%s)
(cd "$ROOT" && "$PY" -u bench/seed_scale.py --users "$SCALE_USERS" --posts "$SCALE_POSTS" \
  --follows "$SCALE_FOLLOWS" --viewer-follows "$VIEWER_FOLLOWS" --small-db "$SMALL_DB" \
  --small-posts "$SMALL_POSTS" --password "$PASSWORD") | tee "$RAW/seed.txt" \
  || die "seeding failed"
SEED_SECONDS=$(( $(date +%s) - SEED_START ))
read -r VIEWER TYPICAL CELEBRITY < <(sed -n 's/^VIEWER=\([0-9]*\) TYPICAL=\([0-9]*\) CELEBRITY=\([0-9]*\)$/\1 \2 \3/p' "$RAW/seed.txt")
[ -n "${CELEBRITY:-}" ] || die "seed_scale.py did not name the viewer"
VIEWER_NAME="$(printf 'user%06d' "$VIEWER")"

# -- 0. the plans ---------------------------------------------------------------------------------
echo "bench: EXPLAIN (ANALYZE, BUFFERS) of every list query"
EXPLAIN_STATUS=0
(cd "$ROOT" && "$PY" bench/explain_pg.py --viewer "$VIEWER" --user "$TYPICAL" \
  --celebrity "$CELEBRITY" --out "$RAW/explain.md") || EXPLAIN_STATUS=$?

LOAD_START="$(load_average)"
# -- 1. ceiling (start) ---------------------------------------------------------------------
ceiling bare_start

# -- 2. microblog, 1 M posts ----------------------------------------------------------------
start_server microblog "microblog:create_app()" /healthz
TOKEN="$(login "$VIEWER_NAME")" || die "could not get a token for $VIEWER_NAME"
AUTH="Authorization: Bearer $TOKEN"
FOLLOWING="$(get_json "/api/v1/users/$VIEWER" 'd["following_count"]' -H "$AUTH")"
[ "$FOLLOWING" = "$VIEWER_FOLLOWS" ] || die "viewer $VIEWER follows $FOLLOWING, not $VIEWER_FOLLOWS"
for path in "/api/v1/posts?per_page=100" "/api/v1/posts?limit=100"; do
  [ "$(get_json "$path" 'len(d["items"])')" = 100 ] || die "GET $path does not return 100 posts"
done
[ "$(get_json "/api/v1/feed?limit=100" 'len(d["items"])' -H "$AUTH")" = 100 ] \
  || die "GET /api/v1/feed?limit=100 does not return 100 posts for the viewer"
echo "bench: walking $DEEP_PAGES keyset pages"
read -r POSTS_DEPTH POSTS_DEEP < <(deep_page "/api/v1/posts?limit=100" "$DEEP_PAGES")
[ -n "${POSTS_DEEP:-}" ] || die "could not walk to the deep page"

bench users_id "/api/v1/users/$TYPICAL" -H "$AUTH"
bench posts_page "/api/v1/posts?per_page=100"
bench posts_keyset "/api/v1/posts?limit=100"
bench posts_deep "$POSTS_DEEP"
bench search "/api/v1/posts?q=cache&per_page=25"
bench feed "/api/v1/feed?limit=100" -H "$AUTH"
BENCH_METHOD=POST BENCH_BODY="$POST_BODY" bench post_create /api/v1/posts -H "$AUTH"
stop_server

# -- 2b. the floor of GET /users/{id} (Bearer): its round trips without the app --------------
# bench/floor_app.py: one Redis INCR, the token's row and the user's row with its counts, in
# bare Flask + SQLAlchemy Core + redis-py; the same without the token's row (as if cached);
# and one primary-key read alone.
start_server floor bench.floor_app:app "/row?user=$TYPICAL"
bench floor_row "/row?user=$TYPICAL"
bench floor_users_id "/floor?user=$TYPICAL" -H "$AUTH"
bench floor_cached "/floor-cached?user=$TYPICAL"
stop_server

# -- 3. microblog, 10 k posts ---------------------------------------------------------------
export DATABASE_URL="$SMALL_URL"
start_server microblog-10k "microblog:create_app()" /healthz
TOKEN="$(login "$VIEWER_NAME")" || die "could not get a token for $VIEWER_NAME on $SMALL_DB"
AUTH="Authorization: Bearer $TOKEN"
[ "$(get_json "/api/v1/feed?limit=100" 'len(d["items"])' -H "$AUTH")" = 100 ] \
  || die "GET /api/v1/feed?limit=100 on $SMALL_POSTS posts does not return 100 posts"
bench feed_10k "/api/v1/feed?limit=100" -H "$AUTH"
stop_server
export DATABASE_URL="$BIG_URL"

# -- 4. ceiling (end) ---------------------------------------------------------------------------
ceiling bare_end
LOAD_END="$(load_average)"

# -- report -----------------------------------------------------------------------------------
SEED_SUMMARY="$(grep -E '^seed_scale: done' "$RAW/seed.txt" | sed 's/^seed_scale: //')"
status=0
report pg --load "$LOAD_START -> $LOAD_END" \
  --setting "database: PostgreSQL on loopback (bench/services.py: $PG_SETTINGS); Redis for the rate limits (REDIS_URL)" \
  --data "$SCALE_USERS users, $SCALE_FOLLOWS follows, $SCALE_POSTS posts (3 % drafts), seeded in ${SEED_SECONDS} s (bench/seed_scale.py: $SEED_SUMMARY); $SMALL_DB: same users and follows, $SMALL_POSTS posts" \
  --data "viewer $VIEWER follows $VIEWER_FOLLOWS accounts; /users/{id} is user $TYPICAL (~10 followers); keyset page $POSTS_DEPTH \`next\` links deep" \
  --run "users_id=\`GET /api/v1/users/{id}\` (Bearer);ratio>=0.35;p99<=25" \
  --run "posts_page=\`GET /api/v1/posts?per_page=100\`;ratio>=0.12;p99<=60" \
  --run "posts_keyset=\`GET /api/v1/posts?limit=100\` (keyset, first page);p99<=60" \
  --run "posts_deep=keyset page $POSTS_DEPTH deep;p99<=60" \
  --run "search=\`GET /api/v1/posts?q=cache&per_page=25\` (full text, a word in most posts);p99<=100" \
  --run "feed=\`GET /api/v1/feed?limit=100\`, viewer following $VIEWER_FOLLOWS;ratio>=0.10;p99<=60" \
  --run "post_create=\`POST /api/v1/posts\` (Bearer);ratio>=0.08" \
  --run "floor_row=floor: bare Flask, one primary-key read of a user (bench/floor_app.py)" \
  --run "floor_users_id=floor of \`GET /users/{id}\` (Bearer): bare Flask, Redis INCR + token row + user row with counts (bench/floor_app.py)" \
  --run "floor_cached=floor as if tokens were cached: Redis INCR + user row with counts (bench/floor_app.py)" \
  --run "feed_10k=\`GET /api/v1/feed?limit=100\` on $SMALL_POSTS posts;p99<=60" \
  --scaling "feed cost at $SCALE_POSTS ÷ at $SMALL_POSTS posts=feed/feed_10k;<=1.3" \
  --scaling "keyset page $POSTS_DEPTH deep ÷ first page=posts_deep/posts_keyset;<=1.2" \
  --attach "seeding (bench/seed_scale.py)=$RAW/seed.txt" || status=$?

# The plans: their own file, same publishing rule (clean tree) and never overwritten.
"$PY" - "$RAW/explain.md" "$ROOT" "$COMMIT" "$CLEAN_AT_START" "$EXPLAIN_STATUS" <<'PYEOF' || status=1
import datetime as dt, pathlib, sys
sys.path.insert(0, str(pathlib.Path(sys.argv[2]) / "bench"))
from report_run import tree_clean
source, root, commit, clean_start, explain_status = sys.argv[1:6]
published = clean_start == "yes" and tree_clean()
now = dt.datetime.now(dt.UTC)
folder = pathlib.Path(root) / "bench" / "results" / ("" if published else "unpublished")
folder.mkdir(parents=True, exist_ok=True)
target = folder / f"explain-pg-{now:%Y-%m-%d}.md"
head = [f"## Run {now:%Y-%m-%dT%H:%M:%SZ}", "",
        f"- commit: `{commit}` (tree clean at start: {clean_start}, at end: "
        f"{'yes' if tree_clean() else 'no'})"]
if not published:
    head.append("- **Unpublished: the work tree was not clean**")
if explain_status != "0":
    head.append(f"- **FAILED** (explain_pg.py exit status {explain_status})")
body = "\n".join(head) + "\n\n" + pathlib.Path(source).read_text() + "\n"
if target.exists():
    with target.open("a") as handle:
        handle.write("\n" + body)
else:
    target.write_text(f"# EXPLAIN (ANALYZE, BUFFERS) at scale, {now:%Y-%m-%d}\n\n" + body)
print(f"bench: plans {'appended to' if published else 'NOT PUBLISHED (dirty tree), see'} "
      f"{target.relative_to(root)}")
sys.exit(0 if explain_status == "0" else 1)
PYEOF
exit "$status"
