-- wrk script: POST /api/v1/fix-attempts with {"repository":"octo/app","reference":"main"}, API keys rotated per
-- request. Every 201 creates a fix attempt and uses one trial fix of the key's customer.
--
--   RSOLV_BENCH_KEYS_FILE=keys.txt RSOLV_BENCH_SUCCESS=201 \
--     wrk -t2 -c64 -d40s --timeout 30s -s bench/api_fix_attempts.lua http://HOST:PORT/api/v1/fix-attempts
--
-- Everything else (keys per thread, status counts reported from done(), the drain that makes the 201 count match
-- the database) is bench/api_account.lua, loaded from this file's directory; see its header for the environment.
-- Set RSOLV_BENCH_SUCCESS=201 (bench/api-load.sh does) so "success" counts created attempts.

BENCH_METHOD = "POST"
BENCH_BODY = os.getenv("RSOLV_BENCH_FIX_BODY") or '{"repository":"octo/app","reference":"main"}'
BENCH_CONTENT_TYPE = "application/json"

local source = debug.getinfo(1, "S").source
local dir = source:sub(1, 1) == "@" and source:sub(2):match("^(.*/)") or "./"
dofile(dir .. "api_account.lua")
