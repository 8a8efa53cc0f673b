-- A successful generateCustomerToken, repeated: one account, the right password. Each success
-- resets the account's counters, so the run measures the sign-in path, not the throttle.
-- The same request is sent to the mock, WireMock and graphql-yoga.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"query":"mutation SignIn($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }","variables":{"email":"bench-signin@example.com","password":"Bench-Passw0rd!"}}]]
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
