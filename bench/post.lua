-- wrk script for `POST /api/v1/posts` (bench/run_posts.sh): every request writes one post.
-- The Bearer token comes from the command line: wrk -s bench/post.lua -H "Authorization: ..."
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title": "Benchmark post", "body": "Written by wrk through bench/post.lua: '
  .. 'one row in posts per request, about the size of a seeded post body.", "published": true}'
