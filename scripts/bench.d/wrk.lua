-- scripts/bench.d/wrk.lua: wrk script for scripts/bench. Environment:
--   BENCH_METHOD     GET or POST (default GET)
--   BENCH_BODY_FILE  file whose content is the request body (POST), sent as application/json
--   BENCH_TOKEN      bearer secret (login token or API key); none: no Authorization header
-- At the end prints one line: "RESULT requests=… duration_us=… p50_us=… p99_us=… non2xx=… socket_errors=…".
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
