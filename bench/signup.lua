-- wrk script: every request is a unique self-service signup (POST /signup).
--
--   wrk -t2 -c100 -d30s --timeout 60s -s bench/signup.lua http://127.0.0.1:PORT/signup
--
-- Environment (bench/signup-load.sh sets all of these):
--   RSOLV_BENCH_COOKIE     the pre-session cookie, "rsolv_pre=..." (from GET /signup)
--   RSOLV_BENCH_CSRF       the csrf_token rendered with that cookie (an HMAC of it: reusable for every POST)
--   RSOLV_BENCH_ORIGIN     the service's RSOLV_PUBLIC_URL, sent as Origin
--   RSOLV_BENCH_RUN        a tag that makes the emails of this run unique (default: the current time)
--   RSOLV_BENCH_SECONDS    how long to start new signups (default 10); see "Drain" below
--   RSOLV_BENCH_DONE_DIR   optional: each thread creates DIR/drained.<thread> once it is drained
--   RSOLV_BENCH_RESULT     optional: done() writes its figures there as key=value lines
--
-- Unique signups: thread t (1..15) sends its n-th request (n < 2^20) with
--   email  bench-<run>-<t>-<n>@example.com
--   X-Forwarded-For 10.<t*16 + n/65536>.<n/256 % 256>.<n % 256>
-- so neither the per-email nor the per-IP rate limit is ever hit (the server must trust 127.0.0.1 as a proxy).
--
-- Drain: wrk has no request-count option and, when its -d duration ends, it drops the requests still in flight;
-- the server still commits those signups, so the database would hold more customers than the 303s counted here.
-- Instead, after RSOLV_BENCH_SECONDS every connection stops sending (delay() returns an hour), the requests in flight
-- are answered and counted, and each thread reports "drained"; bench/signup-load.sh then ends wrk with SIGINT (which
-- wrk takes as "stop now"). Give wrk a -d long enough for the slowest answer (the script uses seconds + 20 s) and a
-- --timeout above any latency, or slow answers are not in the latency histogram.
--
-- Thread states and the main state (setup, done) are separate Lua states: counters live in each thread's globals and
-- done() collects them with thread:get().

local RUN = os.getenv("RSOLV_BENCH_RUN") or tostring(os.time())
local COOKIE = os.getenv("RSOLV_BENCH_COOKIE") or ""
local CSRF = os.getenv("RSOLV_BENCH_CSRF") or ""
local ORIGIN = os.getenv("RSOLV_BENCH_ORIGIN") or ""
local SECONDS = tonumber(os.getenv("RSOLV_BENCH_SECONDS") or "10") or 10
local DONE_DIR = os.getenv("RSOLV_BENCH_DONE_DIR")
local RESULT = os.getenv("RSOLV_BENCH_RESULT")

-- A monotonic clock in seconds (LuaJIT's ffi; wrk links LuaJIT). Without ffi, os.time() (whole seconds).
local now
do
  local ok, ffi = pcall(require, "ffi")
  if ok then
    pcall(ffi.cdef, "typedef struct { long tv_sec; long tv_nsec; } rsolv_bench_timespec;"
                 .. "int clock_gettime(int clk_id, rsolv_bench_timespec *tp);")
    local ts = ffi.new("rsolv_bench_timespec")
    now = function()
      ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
      return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
    end
  else
    now = os.time
  end
end

---------------------------------------------------------------------------------------------------- main state
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

---------------------------------------------------------------------------------------------------- thread states
-- Globals, read by done() through thread:get().
issued = 0       -- requests sent
answered = 0     -- responses received
statuses = {}    -- [status code] = count
first_sent = 0   -- monotonic seconds of the first request
last_answer = 0  -- monotonic seconds of the last response

local deadline = nil
local drained_reported = false
-- wrk calls request() once in the first thread's state to check the request parses (script_verify_request), after
-- init() and before any connection exists; that request is never sent, so it must not count as in flight.
local verify_call_pending = false

function init(args)
  deadline = now() + SECONDS
  if tid == nil then tid = 1 end
  if tid > 15 then error("signup.lua: at most 15 wrk threads (the X-Forwarded-For scheme has room for 15)") end
  verify_call_pending = (tid == 1)
end

local function urlencode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function report_drained()
  if drained_reported or issued ~= answered then return end
  drained_reported = true
  if DONE_DIR then
    local f = io.open(DONE_DIR .. "/drained." .. tid, "w")
    if f then f:write(answered, "\n"); f:close() end
  end
end

function delay()
  if now() < deadline then return 0 end
  report_drained()
  return 3600 * 1000 -- park the connection until wrk stops
end

function request()
  local n = issued
  if verify_call_pending then
    verify_call_pending = false -- wrk's parse check: build a request with n = 0 again later, count nothing
  else
    issued = issued + 1
    if n == 0 then first_sent = now() end
  end
  if n >= 1048576 then error("signup.lua: more than 2^20 requests in one thread") end
  local ip = string.format("10.%d.%d.%d", tid * 16 + math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
  local email = string.format("bench-%s-%d-%d@example.com", RUN, tid, n)
  local body = "csrf_token=" .. urlencode(CSRF) .. "&email=" .. urlencode(email) ..
               "&name=" .. urlencode("Bench User " .. n) .. "&company=" .. urlencode("Bench Co " .. tid)
  return wrk.format("POST", wrk.path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = ORIGIN,
    ["Cookie"] = COOKIE,
    ["X-Forwarded-For"] = ip,
    ["User-Agent"] = "rsolv-bench/wrk",
  }, body)
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  last_answer = now()
  if deadline and last_answer >= deadline then report_drained() end
end

---------------------------------------------------------------------------------------------------- main state
function done(summary, latency, requests)
  local issued_all, answered_all, first, last = 0, 0, nil, 0
  local by_status = {}
  for _, t in ipairs(threads) do
    issued_all = issued_all + (t:get("issued") or 0)
    answered_all = answered_all + (t:get("answered") or 0)
    local f, l = t:get("first_sent") or 0, t:get("last_answer") or 0
    if f > 0 and (first == nil or f < first) then first = f end
    if l > last then last = l end
    for code, count in pairs(t:get("statuses") or {}) do
      by_status[code] = (by_status[code] or 0) + count
    end
  end
  local accepted = by_status[303] or 0
  local errors = answered_all - accepted
  local window = (first and last > first) and (last - first) or (summary.duration / 1e6)
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local p = function(q) return latency:percentile(q) / 1000 end -- microseconds -> ms

  local codes = {}
  for code in pairs(by_status) do table.insert(codes, code) end
  table.sort(codes)
  local parts = {}
  for _, code in ipairs(codes) do table.insert(parts, string.format("%d=%d", code, by_status[code])) end

  io.write("---- signup.lua ----------------------------------------------------------\n")
  io.write(string.format("requests sent        %d, answered %d (unanswered %d)\n",
                         issued_all, answered_all, issued_all - answered_all))
  io.write(string.format("accepted (303)       %d in %.2f s  ->  %.1f signups/s\n", accepted, window, accepted / window))
  io.write(string.format("latency ms           p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  (mean %.1f)\n",
                         p(50), p(90), p(99), latency.max / 1000, latency.mean / 1000))
  io.write(string.format("statuses             %s\n", #parts > 0 and table.concat(parts, " ") or "(none)"))
  io.write(string.format("errors               %d non-303 responses; socket errors: connect %d, read %d, write %d, timeout %d\n",
                         errors, e.connect, e.read, e.write, e.timeout))
  io.write("---------------------------------------------------------------------------\n")

  if RESULT then
    local f = io.open(RESULT, "w")
    if f then
      f:write(string.format("issued=%d\nanswered=%d\naccepted=%d\nerrors=%d\nsocket_errors=%d\n",
                            issued_all, answered_all, accepted, errors, socket_errors))
      f:write(string.format("connect_errors=%d\nread_errors=%d\nwrite_errors=%d\ntimeout_errors=%d\n",
                            e.connect, e.read, e.write, e.timeout))
      f:write(string.format("window_s=%.3f\nrate=%.1f\np50_ms=%.1f\np90_ms=%.1f\np99_ms=%.1f\nmax_ms=%.1f\n",
                            window, accepted / window, p(50), p(90), p(99), latency.max / 1000))
      f:write(string.format("statuses=%s\n", table.concat(parts, ",")))
      f:close()
    end
  end
end
