-- A static storeConfig query, as a storefront sends at start-up.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"query":"{ storeConfig { store_code store_name locale } }"}]]
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")
