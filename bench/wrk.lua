-- wrk script for every benchmark run (bench/lib.sh): wrk -s bench/wrk.lua URL
--
-- * X-Forwarded-For from BENCH_ADDRESSES client addresses (default 10,000), round robin,
--   each wrk thread starting at its own offset: with TRUSTED_PROXIES=1 the app keys its
--   rate limits on them, so production's budgets (300 a minute per address and route)
--   apply with their real cost (a Redis reservation every few requests of an address)
--   and wrk never runs one out.
-- * BENCH_METHOD (default GET) and BENCH_BODY (a JSON body, sent with Content-Type
--   application/json) for writes.
-- * BENCH_IDEMPOTENCY=1: an Idempotency-Key unique to each request (a random prefix per
--   thread and wrk process, then a counter), so a write is never a replay.
-- * Every response's status is checked: anything outside 2xx is counted, and done()
--   prints "bench-non2xx: N (first: STATUS)"; bench/report_run.py fails the run on N > 0
--   (wrk's own "Non-2xx or 3xx" line lets 3xx through).
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  addresses = tonumber(os.getenv("BENCH_ADDRESSES") or "10000")
  counter = (thread_index or 0) * 5003
  method = os.getenv("BENCH_METHOD") or "GET"
  body = os.getenv("BENCH_BODY")
  if body and body ~= "" then
    wrk.headers["Content-Type"] = "application/json"
  else
    body = nil
  end
  if (os.getenv("BENCH_IDEMPOTENCY") or "") ~= "" then
    local urandom = assert(io.open("/dev/urandom", "rb"))
    key_prefix = urandom:read(8):gsub(".", function(c) return string.format("%02x", c:byte()) end)
    urandom:close()
  end
  bad = 0
  first_bad = 0
end

function request()
  counter = counter + 1
  local n = counter % addresses
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
  if key_prefix then
    wrk.headers["Idempotency-Key"] = key_prefix .. "-" .. counter
  end
  return wrk.format(method, nil, nil, body)
end

function response(status, headers, response_body)
  if status < 200 or status > 299 then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local total, first = 0, 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("bad") or 0)
    local status = thread:get("first_bad") or 0
    if first == 0 then first = status end
  end
  io.write(string.format("bench-non2xx: %d (first: %d)\n", total, first))
end
