-- A failing generateCustomerToken: a dedicated account with a wrong password. After 6 failures
-- the email string is throttled and after 10 the account is locked (spec 4.4); every answer is
-- still the generic sign-in message with status 401, so this measures the failing path as a
-- frontend's "wrong password" test would hit it. wrk counts these 401s as non-2xx: expected.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"query":"mutation SignIn($email: String!, $password: String!) { generateCustomerToken(email: $email, password: $password) { token } }","variables":{"email":"bench-wrong@example.com","password":"not-the-password"}}]]
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
