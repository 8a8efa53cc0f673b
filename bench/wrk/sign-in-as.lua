-- generateCustomerToken as BENCH_EMAIL with BENCH_PASSWORD (the 1 000 000-customer runs: the
-- first customer, the last one, an unknown address). An address containing "%d" is formatted
-- with a counter (modulo BENCH_DISTINCT, 200000 by default), so each unknown address is tried
-- at most a few times in a run and the throttle (which answers before the lookup) never trips;
-- a known address has no "%d" and stays as it is (a literal "%" would be written "%%").
local email = os.getenv("BENCH_EMAIL") or "customer-000001@bench.example.com"
local password = os.getenv("BENCH_PASSWORD") or "Bench-Passw0rd!"
local distinct = tonumber(os.getenv("BENCH_DISTINCT") or "200000")
local query = "mutation SignIn($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local function body(address)
  return string.format('{"query":"%s","variables":{"email":"%s","password":"%s"}}', query, address, password)
end

-- Every address, "%d" or not, goes through the same request() (string.format of the address
-- and of the body, wrk.format per request): wrk's one thread costs the same for the three
-- rows, so their latencies compare the mock's work alone. (A fixed wrk.body for the known
-- addresses made the unknown row alone pay for the Lua formatting.)
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, body(string.format(email, n % distinct)))
end
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
