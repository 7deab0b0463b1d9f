-- wrk script for the customer API: GET /api/v1/account with API keys (or any GET without a key, e.g. /healthz).
-- bench/api_fix_attempts.lua reuses it for POST /api/v1/fix-attempts. bench/api-load.sh drives both.
--
--   RSOLV_BENCH_KEYS_FILE=keys.txt wrk -t2 -c64 -d40s --timeout 30s -s bench/api_account.lua http://HOST:PORT/api/v1/account
--
-- Environment (bench/api-load.sh sets all of these):
--   RSOLV_BENCH_KEYS_FILE   API keys, one a line. Empty or unset: requests carry no key (for /healthz).
--   RSOLV_BENCH_WRK_THREADS the -t given to wrk (default 2): thread t of T takes keys t, t+T, t+2T... of the file, so
--                           no two threads share a key (with one key in the file, every thread uses it).
--   RSOLV_BENCH_SECONDS     how long to send (default 10); then the connections drain (see below)
--   RSOLV_BENCH_SUCCESS     the status that counts as success (default 200)
--   RSOLV_BENCH_DONE_DIR    optional: each thread creates DIR/drained.<thread> once it has every answer
--   RSOLV_BENCH_RESULT      optional: done() writes its figures there as key=value lines
--   RSOLV_BENCH_LABEL       optional: a name for the printed report
--   RSOLV_BENCH_RATE        optional: requests per second over all connections (an offered load below capacity);
--                           unset or 0: every connection sends its next request as soon as it has the answer
--   RSOLV_BENCH_CONNECTIONS the -c given to wrk (needed with RSOLV_BENCH_RATE)
--
-- Keys: each thread sends its keys in turn, one per request. With 64 connections, 2 threads and 64 keys, thread 1
-- rotates over 32 keys with 32 connections, so a key has about one request in flight at a time: the bench measures
-- the service, not the per-key advisory lock. With one key, all 64 connections queue on that key's lock.
--
-- Drain: when wrk's -d ends it drops the requests in flight, but the server still completes them (a fix attempt is
-- committed that no 201 counted). So after RSOLV_BENCH_SECONDS each connection stops sending (delay() parks it for an
-- hour), the requests in flight are answered and counted, each thread reports "drained", and bench/api-load.sh stops
-- wrk with SIGINT. Give wrk a -d of seconds + some drain time and a --timeout above any latency.
--
-- Thread states and the main state (setup, done) are separate Lua states: each thread counts in its own globals and
-- done() collects them with thread:get().

local KEYS_FILE = os.getenv("RSOLV_BENCH_KEYS_FILE")
local WRK_THREADS = tonumber(os.getenv("RSOLV_BENCH_WRK_THREADS") or "2") or 2
local SECONDS = tonumber(os.getenv("RSOLV_BENCH_SECONDS") or "10") or 10
local SUCCESS = tonumber(os.getenv("RSOLV_BENCH_SUCCESS") or "200") or 200
local DONE_DIR = os.getenv("RSOLV_BENCH_DONE_DIR")
local RESULT = os.getenv("RSOLV_BENCH_RESULT")
local LABEL = os.getenv("RSOLV_BENCH_LABEL") or "api"
local RATE = tonumber(os.getenv("RSOLV_BENCH_RATE") or "0") or 0
local CONNECTIONS = tonumber(os.getenv("RSOLV_BENCH_CONNECTIONS") or "64") or 64
-- Paced: each connection waits about CONNECTIONS / RATE seconds after an answer (uniformly 0.5x to 1.5x, so the
-- connections do not fall into step). wrk times a request from its send, so the wait is not in the latency.
local PACE_MS = RATE > 0 and (1000 * CONNECTIONS / RATE) or 0

-- Set by bench/api_fix_attempts.lua before it loads this file: the request to send.
BENCH_METHOD = BENCH_METHOD or "GET"
BENCH_BODY = BENCH_BODY or nil
BENCH_CONTENT_TYPE = BENCH_CONTENT_TYPE or nil

-- A monotonic clock in seconds (LuaJIT's ffi; wrk links LuaJIT). Without ffi, os.time() (whole seconds).
local now
do
  local ok, ffi = pcall(require, "ffi")
  if ok then
    pcall(ffi.cdef, "typedef struct { long tv_sec; long tv_nsec; } rsolv_api_bench_timespec;"
                 .. "int clock_gettime(int clk_id, rsolv_api_bench_timespec *tp);")
    local ts = ffi.new("rsolv_api_bench_timespec")
    now = function()
      ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC: the same clock in every thread state
      return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
    end
  else
    now = os.time
  end
end

local function read_keys()
  local keys = {}
  if KEYS_FILE and KEYS_FILE ~= "" then
    local f = io.open(KEYS_FILE, "r")
    if not f then error("api_account.lua: cannot read RSOLV_BENCH_KEYS_FILE " .. KEYS_FILE) end
    for line in f:lines() do
      local k = line:match("^%s*(%S+)%s*$")
      if k then table.insert(keys, k) end
    end
    f:close()
    if #keys == 0 then error("api_account.lua: no keys in " .. KEYS_FILE) end
  end
  return keys
end

---------------------------------------------------------------------------------------------------- main state
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  local tid = #threads
  local all, mine = read_keys(), {}
  for i, k in ipairs(all) do
    if #all < WRK_THREADS or (i - 1) % WRK_THREADS == tid - 1 then table.insert(mine, k) end
  end
  if #all > 0 and #mine == 0 then table.insert(mine, all[(tid - 1) % #all + 1]) end
  thread:set("tid", tid)
  -- thread:set copies strings and numbers only: pass the list as one string.
  thread:set("keys_joined", table.concat(mine, "\n"))
end

---------------------------------------------------------------------------------------------------- thread states
-- Globals, read by done() through thread:get().
issued = 0        -- requests sent
answered = 0      -- responses received
statuses = {}     -- [status code] = count
first_sent = 0    -- monotonic seconds of the first request
last_answer = 0   -- monotonic seconds of the last response
per_second = {}   -- [second since this thread's first request] = successes answered in it

local keys = {}
local next_key = 1
local deadline = nil
local drained_reported = false
-- wrk calls request() once in the first thread's state to check it parses (script_verify_request), before any
-- connection exists; that request is never sent and must not count as in flight.
local verify_call_pending = false

function init(args)
  deadline = now() + SECONDS
  if tid == nil then tid = 1 end
  for k in string.gmatch(keys_joined or "", "[^\n]+") do table.insert(keys, k) end
  verify_call_pending = (tid == 1)
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
  if now() < deadline then return PACE_MS > 0 and PACE_MS * (0.5 + math.random()) or 0 end
  report_drained()
  return 3600 * 1000 -- park the connection until wrk is stopped
end

function request()
  if verify_call_pending then
    verify_call_pending = false
  else
    issued = issued + 1
    if issued == 1 then first_sent = now() end
  end
  local headers = { ["User-Agent"] = "rsolv-bench/wrk" }
  if #keys > 0 then
    headers["Authorization"] = "Bearer " .. keys[next_key]
    next_key = next_key % #keys + 1
  end
  if BENCH_CONTENT_TYPE then headers["Content-Type"] = BENCH_CONTENT_TYPE end
  return wrk.format(BENCH_METHOD, wrk.path, headers, BENCH_BODY)
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  last_answer = now()
  if status == SUCCESS then
    local s = math.floor(last_answer - first_sent) + 1
    per_second[s] = (per_second[s] or 0) + 1
  end
  if deadline and last_answer >= deadline then report_drained() end
end

---------------------------------------------------------------------------------------------------- main state
function done(summary, latency, requests)
  local issued_all, answered_all, first, last = 0, 0, nil, 0
  local by_status, seconds = {}, {}
  for _, t in ipairs(threads) do
    issued_all = issued_all + (t:get("issued") or 0)
    answered_all = answered_all + (t:get("answered") or 0)
    local f, l = t:get("first_sent") or 0, t:get("last_answer") or 0
    if f > 0 and (first == nil or f < first) then first = f end
    if l > last then last = l end
    for code, count in pairs(t:get("statuses") or {}) do by_status[code] = (by_status[code] or 0) + count end
    for s, count in pairs(t:get("per_second") or {}) do seconds[s] = (seconds[s] or 0) + count end
  end
  local ok = by_status[SUCCESS] or 0
  local window = (first and last > first) and (last - first) or (summary.duration / 1e6)
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local p = function(q) return latency:percentile(q) / 1000 end -- microseconds -> ms

  local codes, parts = {}, {}
  for code in pairs(by_status) do table.insert(codes, code) end
  table.sort(codes)
  for _, code in ipairs(codes) do table.insert(parts, string.format("%d=%d", code, by_status[code])) end
  local series, max_s = {}, 0
  for s in pairs(seconds) do if s > max_s then max_s = s end end
  for s = 1, max_s do table.insert(series, tostring(seconds[s] or 0)) end

  io.write(string.format("---- %s --------------------------------------------------------------\n", LABEL))
  io.write(string.format("requests sent        %d, answered %d (unanswered %d) in %.2f s -> %.1f answers/s\n",
                         issued_all, answered_all, issued_all - answered_all, window, answered_all / window))
  io.write(string.format("success (%d)        %d -> %.1f/s\n", SUCCESS, ok, ok / window))
  io.write(string.format("latency ms           p50 %.2f  p90 %.2f  p99 %.2f  max %.1f  (mean %.2f)\n",
                         p(50), p(90), p(99), latency.max / 1000, latency.mean / 1000))
  io.write(string.format("statuses             %s\n", #parts > 0 and table.concat(parts, " ") or "(none)"))
  io.write(string.format("socket errors        connect %d, read %d, write %d, timeout %d\n",
                         e.connect, e.read, e.write, e.timeout))
  io.write(string.format("successes per second %s\n", table.concat(series, " ")))
  io.write("---------------------------------------------------------------------------\n")

  if RESULT then
    local f = io.open(RESULT, "w")
    if f then
      f:write(string.format("issued=%d\nanswered=%d\nok=%d\nsocket_errors=%d\n", issued_all, answered_all, ok,
                            socket_errors))
      f:write(string.format("window_s=%.3f\nrate=%.1f\nok_rate=%.1f\n", window, answered_all / window, ok / window))
      f:write(string.format("p50_ms=%.3f\np90_ms=%.3f\np99_ms=%.3f\nmax_ms=%.3f\nmean_ms=%.3f\n",
                            p(50), p(90), p(99), latency.max / 1000, latency.mean / 1000))
      f:write(string.format("statuses=%s\nper_second=%s\n", table.concat(parts, ","), table.concat(series, " ")))
      f:close()
    end
  end
end
