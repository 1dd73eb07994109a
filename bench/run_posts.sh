#!/usr/bin/env bash
# The posts/feed benchmark: wrk against gunicorn on 100,000 posts, versus the
# bare Flask ceiling measured in the same run. `make bench` runs it after the foundation
# scenario; alone: `BENCH_SCENARIO=posts make bench` or `bash bench/run_posts.sh`.
#
# Data: 1,000 users (flask seed), 10 follows each and 100,000 posts (bench/seed_posts.py);
# a copy with the same users and follows but 10,000 posts for the scaling check.
#  1. bare Flask ceiling
#  2. microblog on 100k posts: GET /posts?per_page=100, GET /posts?limit=100 (keyset),
#     the same keyset page BENCH_DEEP_PAGES pages deep, GET /feed?limit=100 (Bearer), the
#     deepest full feed page (up to BENCH_DEEP_PAGES), POST /posts (a JSON body through
#     bench/wrk.lua; last, because it adds posts)
#  3. microblog on 10k posts: GET /feed?limit=100 (Bearer)
#  4. bare Flask ceiling again
# One server at a time, loopback only, temp dir removed and servers killed on exit.
# Report: bench/results/posts-<date>.md (bench/report_run.py).
#
# Knobs: BENCH_DURATION (default 8s here), BENCH_WARMUP (default 2s) as in bench/run.sh,
#        BENCH_DEEP_PAGES (how many `next` links to follow for the deep pages, default 50).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Nine measured runs: 8 s each by default keeps `make bench` (both scenarios) near 3 min.
BENCH_DURATION="${BENCH_DURATION:-8s}"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

POSTS=100000
SMALL_POSTS=10000
FOLLOWS=10
DEEP_PAGES="${BENCH_DEEP_PAGES:-50}"
[[ "$DEEP_PAGES" =~ ^[0-9]{1,3}$ ]] && (( DEEP_PAGES >= 1 && DEEP_PAGES <= 200 )) \
  || die "BENCH_DEEP_PAGES must be between 1 and 200"
BIG_DB="$TMP/bench.db"      # $DATABASE_URL, from lib.sh
SMALL_DB="$TMP/bench-10k.db"

# -- data ---------------------------------------------------------------------------------------
LOAD_START="$(load_average)"  # before seeding, which adds its own load
migrate_and_seed_users
(cd "$ROOT" && "$PY" bench/seed_posts.py --follows "$FOLLOWS" --posts 0) \
  || die "seeding follows failed"
cp "$BIG_DB" "$SMALL_DB"  # same users and follows (nothing holds the file open now)
(cd "$ROOT" && "$PY" bench/seed_posts.py --follows 0 --posts "$POSTS") \
  || die "seeding $POSTS posts failed"
(cd "$ROOT" && DATABASE_URL="sqlite:///$SMALL_DB" "$PY" bench/seed_posts.py --follows 0 \
  --posts "$SMALL_POSTS") || die "seeding $SMALL_POSTS posts failed"

# The benchmark user: the one whose feed is longest on 10k posts (about 107 posts for 10
# follows), so that /feed?limit=100 returns a full page on both databases.
read -r USER_ID USERNAME FEED_SIZE FEED_SIZE_SMALL < <("$PY" - "$BIG_DB" "$SMALL_DB" <<'EOF'
import sqlite3, sys
FEED = ("SELECT count(*) FROM posts WHERE published AND (user_id = ?1 OR user_id IN "
        "(SELECT followed_id FROM follows WHERE follower_id = ?1))")
big, small = (sqlite3.connect(path) for path in sys.argv[1:3])
sizes = [(small.execute(FEED, (uid,)).fetchone()[0], -uid, name)
         for uid, name in small.execute("SELECT id, username FROM users")]
size, uid, name = max(sizes)
print(-uid, name, big.execute(FEED, (-uid,)).fetchone()[0], size)
EOF
)
[ -n "${FEED_SIZE_SMALL:-}" ] || die "could not pick a user"

# The plans and the SQL-only cost of the feed and posts queries, for the report; before any
# server runs (POST /posts adds the viewer's own posts). Not fatal: it reads private
# statement builders that may move.
"$PY" "$ROOT/bench/explain_feed.py" --user "$USER_ID" "100k=$BIG_DB" "10k=$SMALL_DB" \
  >"$RAW/explain.md" 2>&1 || echo "bench: explain_feed.py failed (see the report)"

# -- 1. ceiling (start) ---------------------------------------------------------------------
ceiling bare_start

# -- 2. microblog, 100k posts ---------------------------------------------------------------
start_server microblog "microblog:create_app()" /healthz
FOLLOWING="$(get_json "/api/v1/users/$USER_ID/following?per_page=1" 'd["_meta"]["total_items"]')"
[ "$FOLLOWING" = "$FOLLOWS" ] || die "user $USER_ID follows $FOLLOWING users, expected $FOLLOWS"
TOKEN="$(login "$USERNAME")" || die "could not get a token for $USERNAME"
AUTH="Authorization: Bearer $TOKEN"
for path in "/api/v1/posts?per_page=100" "/api/v1/posts?limit=100"; do
  [ "$(get_json "$path" 'len(d["items"])')" = 100 ] || die "GET $path does not return 100 posts"
done
[ "$(get_json "/api/v1/feed?limit=100" 'len(d["items"])' -H "$AUTH")" = 100 ] \
  || die "GET /api/v1/feed?limit=100 does not return 100 posts with the token"
read -r POSTS_DEPTH POSTS_DEEP < <(deep_page "/api/v1/posts?limit=100" "$DEEP_PAGES")
read -r FEED_DEPTH FEED_DEEP < <(deep_page "/api/v1/feed?limit=100" "$DEEP_PAGES" "$AUTH")
[ -n "${POSTS_DEEP:-}" ] && [ -n "${FEED_DEEP:-}" ] || die "could not walk to the deep pages"
echo "bench: user $USER_ID ($USERNAME) follows $FOLLOWING users; feed: $FEED_SIZE posts" \
  "(10k: $FEED_SIZE_SMALL);" \
  "deep pages: posts after $POSTS_DEPTH pages, feed after $FEED_DEPTH pages"

bench posts_page "/api/v1/posts?per_page=100"
bench posts_keyset "/api/v1/posts?limit=100"
bench posts_deep "$POSTS_DEEP"
bench feed "/api/v1/feed?limit=100" -H "$AUTH"
bench feed_deep "$FEED_DEEP" -H "$AUTH"
BENCH_METHOD=POST BENCH_BODY="$POST_BODY" bench post_create /api/v1/posts -H "$AUTH"
stop_server

# -- 3. microblog, 10k posts ----------------------------------------------------------------
export DATABASE_URL="sqlite:///$SMALL_DB"
start_server microblog-10k "microblog:create_app()" /healthz
TOKEN="$(login "$USERNAME")" || die "could not get a token for $USERNAME"
AUTH="Authorization: Bearer $TOKEN"
[ "$(get_json "/api/v1/feed?limit=100" 'len(d["items"])' -H "$AUTH")" = 100 ] \
  || die "GET /api/v1/feed?limit=100 on 10k posts does not return 100 posts"
bench feed_10k "/api/v1/feed?limit=100" -H "$AUTH"
stop_server

# -- 4. ceiling (end) ---------------------------------------------------------------------------
ceiling bare_end

LOAD_END="$(load_average)"

# -- report -----------------------------------------------------------------------------------
report posts --load "$LOAD_START -> $LOAD_END" \
  --setting "database: SQLite file (the embedded default), no Redis (in-process rate limits)" \
  --data "$USERS users, $FOLLOWS follows each, $POSTS posts (3 % drafts; bench/seed_posts.py) and a copy with $SMALL_POSTS posts" \
  --data "viewer $USER_ID: feed of $FEED_SIZE posts ($FEED_SIZE_SMALL on the copy); deep pages: posts after $POSTS_DEPTH pages, feed after $FEED_DEPTH" \
  --run "posts_page=\`GET /api/v1/posts?per_page=100\`;ratio>=0.10;p99<=60" \
  --run "posts_keyset=\`GET /api/v1/posts?limit=100\` (keyset, first page);p99<=60" \
  --run "posts_deep=keyset page $POSTS_DEPTH deep;p99<=60" \
  --run "feed=\`GET /api/v1/feed?limit=100\` (Bearer);p99<=60" \
  --run "feed_deep=feed page $FEED_DEPTH deep;p99<=60" \
  --run "post_create=\`POST /api/v1/posts\` (Bearer)" \
  --run "feed_10k=\`GET /api/v1/feed?limit=100\` on $SMALL_POSTS posts;p99<=60" \
  --scaling "feed cost at $POSTS ÷ at $SMALL_POSTS posts=feed/feed_10k" \
  --scaling "keyset page $POSTS_DEPTH deep ÷ first page=posts_deep/posts_keyset" \
  --attach "query plans (SQLite, bench/explain_feed.py)=$RAW/explain.md"
