-- The `customer` query with a customer token, taken from BENCH_TOKEN (bench/run.sh signs in first).
local token = os.getenv("BENCH_TOKEN")
if token == nil or token == "" then
  error("set BENCH_TOKEN to a customer token (bench/run.sh does)")
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = [[{"query":"{ customer { email firstname lastname confirmation_status } }"}]]
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
