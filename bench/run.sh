#!/usr/bin/env bash
# Benchmarks commerce-auth-mock next to a bare hyper server (the ceiling) and next to what users
# would pick instead (WireMock standalone, a graphql-yoga server), all with one load generator
# (wrk) on this machine in one run, then prints one table and each target as met / not met.
# Targets are reported, never asserted: this script fails only when it cannot measure.
# See bench/README.md for what each figure means.
#
#   bench/run.sh                      # the whole run, about 5 to 8 minutes
#   BENCH_DURATION=3 bench/run.sh     # shorter runs (and a soak of 6 x BENCH_DURATION seconds)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

DURATION="${BENCH_DURATION:-10}"            # seconds of each measured wrk run
WARMUP="${BENCH_WARMUP:-$((DURATION < 5 ? DURATION : 5))}"  # seconds of load before each
SOAK="${BENCH_SOAK:-$((DURATION * 6))}"     # seconds of the OTC/token soak (60 by default)
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
BIG="${BENCH_CUSTOMERS:-100000}"            # customers of the large fixture
MILLION="${BENCH_MILLION:-1000000}"         # customers of the flatness fixture (0: skip)
PAIRS="${BENCH_PAIRS:-2}"                   # bare hyper / mock alternations with wrk -t1
CALLGRIND_N="${BENCH_CALLGRIND_N:-1000}"    # N of the callgrind runs (N and 6N requests)
MOCK_LOG="${BENCH_MOCK_LOG:-warn}"          # RUST_LOG of the mock in the throughput runs
PORT_MOCK="${BENCH_PORT_BASE:-4100}"
PORT_BARE=$((PORT_MOCK + 1))
PORT_YOGA=$((PORT_MOCK + 2))
PORT_WIREMOCK=$((PORT_MOCK + 3))
OUT="${BENCH_OUT:-$BENCH/results}"

# .cargo/config.toml builds for an explicit target (the host's tuple, for the static binary), so
# the outputs are under target/<tuple>/release, not target/release.
HOST_TUPLE="$(rustc -vV | sed -n 's/^host: //p')"
MOCK="$TARGET_DIR/$HOST_TUPLE/release/commerce-auth-mock"
BARE="$TARGET_DIR/$HOST_TUPLE/release/examples/bare_hyper"
PEERS="$BENCH/peers"
WRK_DIR="$BENCH/wrk"

mkdir -p "$OUT"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
WORK="$OUT/$STAMP"
mkdir -p "$WORK"
ROWS="$WORK/rows.tsv"
INSTR="$WORK/instructions.tsv"
MILLION_JSON="$WORK/million.json"
LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
: >"$ROWS"
: >"$INSTR"
echo '{}' >"$MILLION_JSON"
# The 1 000 000-customer fixture file is big (about 150 MB): it lives in a temp dir of its own,
# removed on exit.
MILLION_DIR=""

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- processes we start, and only those, are stopped on exit -----------------------------------
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
cleanup() {
    stop_server
    if [[ -n "$MILLION_DIR" ]]; then rm -rf "$MILLION_DIR"; fi
}
trap cleanup EXIT INT TERM

# start_server NAME PORT CMD... : starts CMD in the background, waits until PORT answers HTTP.
start_server() {
    local name="$1" port="$2"
    shift 2
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null; then
        say "port $port is already in use: set BENCH_PORT_BASE to a free range"
        return 1
    fi
    "$@" >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 600); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            say "$name exited at start; its log: $WORK/$name.log"
            tail -5 "$WORK/$name.log" >&2 || true
            SERVER_PID=""
            return 1
        fi
        local code
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/graphql" || true)"
        if [[ "$code" != "000" && -n "$code" ]]; then
            return 0
        fi
        sleep 0.1
    done
    say "$name did not answer on port $port within 60 s"
    stop_server
    return 1
}

peak_rss_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# The request body of a wrk script (its `wrk.body = [[...]]` line), for the preflight request.
lua_body() { sed -n 's/^wrk\.body = \[\[\(.*\)\]\]$/\1/p' "$1"; }

# post URL BODY [HEADER...] : prints the response body.
post() {
    local url="$1" body="$2"
    shift 2
    local headers=(-H 'Content-Type: application/json')
    for h in "$@"; do headers+=(-H "$h"); done
    curl -s --max-time 10 -X POST "${headers[@]}" --data-binary "$body" "$url"
}

# CPU accounting, to show how much of the machine other work took during a measured run.
HZ="$(getconf CLK_TCK)"
# "busy total" jiffies of all CPUs, from /proc/stat.
cpu_jiffies() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
# utime + stime of a process, in jiffies.
proc_jiffies() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# other_cpu "BUSY0 TOTAL0" "BUSY1 TOTAL1" SERVER0 SERVER1 WRK_SECONDS: the share of the machine's
# CPU time used by processes other than the server and wrk during the run, in percent.
other_cpu() {
    awk -v a="$1" -v b="$2" -v s0="$3" -v s1="$4" -v w="$5" -v hz="$HZ" 'BEGIN {
        split(a, x, " "); split(b, y, " ");
        busy = y[1] - x[1]; total = y[2] - x[2];
        if (total <= 0) { print "-"; exit }
        other = busy - (s1 - s0) - w * hz;
        if (other < 0) other = 0;
        printf "%.0f", 100 * other / total }'
}
OTHER_CPU="-"

# row SERVER SCENARIO RPS P50_US P99_US NON2XX RSS_KB NOTE : the share of CPU that other
# processes took during the measured run goes with it, so a disturbed run shows.
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$OTHER_CPU" >>"$ROWS"; OTHER_CPU="-"; }

# measure SERVER SCENARIO URL LUA EXPECT [HEADER...] : a preflight request whose answer must
# contain EXPECT, a warm-up, then the measured wrk run; adds a row to the table.
measure() {
    local server="$1" scenario="$2" url="$3" lua="$4" expect="$5"
    shift 5
    local answer
    answer="$(post "$url" "${PREFLIGHT_BODY:-$(lua_body "$lua")}" "$@" || true)"
    if [[ "$answer" != *"$expect"* ]]; then
        say "$server / $scenario: preflight answer lacks '$expect': ${answer:0:200}"
        row "$server" "$scenario" - - - - "$(peak_rss_kb "$SERVER_PID")" "preflight failed: ${answer:0:60}"
        return 0
    fi
    if ((WARMUP > 0)); then
        wrk -t"${MEASURE_THREADS:-$THREADS}" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$lua" "$url" >/dev/null 2>&1 || true
    fi
    local out line raw="$WORK/wrk-${server// /_}-${scenario// /_}.txt"
    local cpu0 srv0 cpu1 srv1 wrk_cpu
    cpu0="$(cpu_jiffies)"
    srv0="$(proc_jiffies "$SERVER_PID")"
    TIMEFORMAT='%U %S'
    { time wrk -t"${MEASURE_THREADS:-$THREADS}" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$lua" "$url" >"$raw" 2>&1; } 2>"$raw.time" || true
    cpu1="$(cpu_jiffies)"
    srv1="$(proc_jiffies "$SERVER_PID")"
    wrk_cpu="$(awk '{print $1 + $2}' "$raw.time" 2>/dev/null || echo 0)"
    OTHER_CPU="$(other_cpu "$cpu0" "$cpu1" "$srv0" "$srv1" "$wrk_cpu")"
    out="$(cat "$raw")"
    line="$(grep '^BENCH ' <<<"$out" || true)"
    if [[ -z "$line" ]]; then
        say "$server / $scenario: wrk printed no result: $(tail -3 <<<"$out")"
        row "$server" "$scenario" - - - - "$(peak_rss_kb "$SERVER_PID")" "wrk failed"
        return 0
    fi
    local rps p50 p99 non2xx sockerr note=""
    rps="$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")"
    p50="$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")"
    p99="$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")"
    non2xx="$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$line")"
    sockerr="$(sed -n 's/.* socket_errors=\([0-9]*\).*/\1/p' <<<"$line")"
    ((sockerr > 0)) && note="$sockerr socket errors"
    row "$server" "$scenario" "$rps" "$p50" "$p99" "$non2xx" "$(peak_rss_kb "$SERVER_PID")" "$note"
    say "$server / $scenario: $rps req/s, p50 ${p50} us, p99 ${p99} us"
}

# ---- 0. tools ------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    say "wrk is missing: installing Debian's wrk"
    if [[ $(id -u) -eq 0 ]]; then
        (apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }) >&2
    else
        sudo apt-get install -y -qq wrk >&2
    fi
fi
for tool in wrk curl python3 cargo; do
    command -v "$tool" >/dev/null || { say "$tool is required and missing"; exit 2; }
done
HAVE_JAVA=1 HAVE_NODE=1
command -v java >/dev/null || HAVE_JAVA=0
command -v node >/dev/null && command -v npm >/dev/null || HAVE_NODE=0

# ---- 1. builds and peer installs -----------------------------------------------------------------
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    say "building the mock and the bare hyper example (release)"
    (cd "$ROOT" && cargo build --release --quiet --bin commerce-auth-mock --example bare_hyper)
fi
if [[ $HAVE_NODE == 1 && ! -d "$PEERS/node_modules/graphql-yoga" ]]; then
    say "installing the peers (npm ci in bench/peers)"
    (cd "$PEERS" && npm ci --no-audit --no-fund --loglevel=error >&2) || HAVE_NODE=0
fi
WIREMOCK_JAR="$(ls "$PEERS"/node_modules/wiremock/build/wiremock-standalone-*.jar 2>/dev/null | head -1 || true)"

# ---- 2. fixtures ---------------------------------------------------------------------------------
BENCH_FIXTURES="$WORK/fixtures-bench.json"
BIG_FIXTURES="$WORK/fixtures-$BIG.json"
FIXTURE_ARGS=()
if python3 "$BENCH/tools.py" gen-fixtures --base "$ROOT/fixtures/default.json" --customers 0 \
    --out "$BENCH_FIXTURES" >"$WORK/gen-bench.json" 2>"$WORK/gen-bench.err"; then
    FIXTURE_ARGS=(--fixtures "$BENCH_FIXTURES")
else
    say "cannot make the bench fixtures ($(tail -1 "$WORK/gen-bench.err")): the mock runs on its defaults"
fi
HAVE_BIG=1
python3 "$BENCH/tools.py" gen-fixtures --base "$ROOT/fixtures/default.json" --customers "$BIG" \
    --out "$BIG_FIXTURES" >"$WORK/gen-big.json" 2>"$WORK/gen-big.err" || HAVE_BIG=0

# ---- 3. header -----------------------------------------------------------------------------------
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
say "measuring; each run: ${WARMUP}s warm-up + ${DURATION}s, $THREADS threads, $CONNECTIONS connections"

# ---- 4. throughput and latency -------------------------------------------------------------------
OK="$WRK_DIR/sign-in-ok.lua"
WRONG="$WRK_DIR/sign-in-wrong-password.lua"
CUSTOMER="$WRK_DIR/customer.lua"
STORE="$WRK_DIR/store-config.lua"
MOCK_URL="http://127.0.0.1:$PORT_MOCK/graphql"

say "bare hyper"
if start_server bare-hyper "$PORT_BARE" "$BARE" "$PORT_BARE"; then
    measure "bare hyper" "fixed JSON" "http://127.0.0.1:$PORT_BARE/graphql" "$OK" '"token":"'
    stop_server
fi

mock_cmd=("$MOCK" serve --port "$PORT_MOCK" "${FIXTURE_ARGS[@]}")
say "mock: generateCustomerToken ok"
if RUST_LOG="$MOCK_LOG" start_server mock-ok "$PORT_MOCK" "${mock_cmd[@]}"; then
    measure mock "generateCustomerToken ok" "$MOCK_URL" "$OK" '"token":"'
    stop_server
fi
say "mock: generateCustomerToken wrong password"
if RUST_LOG="$MOCK_LOG" start_server mock-wrong "$PORT_MOCK" "${mock_cmd[@]}"; then
    measure mock "generateCustomerToken wrong password" "$MOCK_URL" "$WRONG" \
        'The account sign-in was incorrect'
    stop_server
fi
say "mock: customer with a token"
if RUST_LOG="$MOCK_LOG" start_server mock-customer "$PORT_MOCK" "${mock_cmd[@]}"; then
    BENCH_TOKEN="$(post "$MOCK_URL" "$(lua_body "$OK")" |
        sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
    export BENCH_TOKEN
    if [[ -n "$BENCH_TOKEN" ]]; then
        measure mock "customer (Bearer token)" "$MOCK_URL" "$CUSTOMER" 'bench-signin@example.com' \
            "Authorization: Bearer $BENCH_TOKEN"
    else
        row mock "customer (Bearer token)" - - - - "$(peak_rss_kb "$SERVER_PID")" "no token: sign-in failed"
    fi
    stop_server
fi
say "mock: storeConfig"
if RUST_LOG="$MOCK_LOG" start_server mock-store "$PORT_MOCK" "${mock_cmd[@]}"; then
    measure mock "storeConfig" "$MOCK_URL" "$STORE" '"store_code"'
    stop_server
fi
say "mock: generateCustomerToken ok, with the default info log (one line per request)"
if RUST_LOG=info start_server mock-ok-info "$PORT_MOCK" "${mock_cmd[@]}"; then
    measure mock "generateCustomerToken ok, RUST_LOG=info" "$MOCK_URL" "$OK" '"token":"'
    stop_server
fi

if [[ $HAVE_JAVA == 1 && -n "$WIREMOCK_JAR" ]]; then
    say "WireMock standalone"
    if start_server wiremock "$PORT_WIREMOCK" java -jar "$WIREMOCK_JAR" --port "$PORT_WIREMOCK" \
        --bind-address 127.0.0.1 --root-dir "$PEERS/wiremock" --disable-banner --no-request-journal; then
        measure WireMock "generateCustomerToken ok (stub)" "http://127.0.0.1:$PORT_WIREMOCK/graphql" "$OK" '"token":"'
        stop_server
    fi
else
    row WireMock "generateCustomerToken ok (stub)" - - - - 0 "not run: java or the npm wiremock jar is missing"
fi
if [[ $HAVE_NODE == 1 ]]; then
    say "graphql-yoga"
    if start_server yoga "$PORT_YOGA" node "$PEERS/yoga-server.js" "$PORT_YOGA"; then
        measure graphql-yoga "generateCustomerToken ok" "http://127.0.0.1:$PORT_YOGA/graphql" "$OK" '"token":"'
        stop_server
    fi
else
    row graphql-yoga "generateCustomerToken ok" - - - - 0 "not run: node or npm is missing"
fi

say "bare hyper again (the ceiling drifts on a shared machine: the ratio uses the mean of both)"
if start_server bare-hyper-again "$PORT_BARE" "$BARE" "$PORT_BARE"; then
    measure "bare hyper" "fixed JSON, again after the peers" "http://127.0.0.1:$PORT_BARE/graphql" "$OK" '"token":"'
    stop_server
fi

# ---- 4b. the ceiling target: bare hyper and the mock alternated, one wrk thread ------------------
# wrk on one core and the server on the other; each pair is bare hyper then the mock, so a drift
# of the machine during the run moves both.
for pair in $(seq "$PAIRS"); do
    say "pair $pair of $PAIRS (wrk -t1): bare hyper"
    if start_server "bare-hyper-t1-$pair" "$PORT_BARE" "$BARE" "$PORT_BARE"; then
        MEASURE_THREADS=1 measure "bare hyper" "fixed JSON, wrk -t1, pair $pair" \
            "http://127.0.0.1:$PORT_BARE/graphql" "$OK" '"token":"'
        stop_server
    fi
    say "pair $pair of $PAIRS (wrk -t1): mock, generateCustomerToken ok"
    if RUST_LOG="$MOCK_LOG" start_server "mock-ok-t1-$pair" "$PORT_MOCK" "${mock_cmd[@]}"; then
        MEASURE_THREADS=1 measure mock "generateCustomerToken ok, wrk -t1, pair $pair" "$MOCK_URL" "$OK" '"token":"'
        stop_server
    fi
    say "pair $pair of $PAIRS (wrk -t1): mock, generateCustomerToken ok, RUST_LOG=info"
    if RUST_LOG=info start_server "mock-ok-info-t1-$pair" "$PORT_MOCK" "${mock_cmd[@]}"; then
        MEASURE_THREADS=1 measure mock "generateCustomerToken ok, RUST_LOG=info, wrk -t1, pair $pair" "$MOCK_URL" "$OK" '"token":"'
        stop_server
    fi
done

# ---- 4c. instructions per request (callgrind) ----------------------------------------------------
# User-space instructions, which other work on the machine cannot move: each server under
# callgrind with N and 6N requests on one keep-alive connection, (I(6N) - I(N)) / 5N.
if command -v valgrind >/dev/null; then
    say "instructions per request under callgrind (N=$CALLGRIND_N and 6N): bare hyper"
    if out="$(python3 "$BENCH/tools.py" callgrind --port "$PORT_BARE" --lua "$OK" --requests "$CALLGRIND_N" \
        --out-prefix "$WORK/callgrind-bare" -- "$BARE" "$PORT_BARE" 2>&1 | tail -1)"; then
        printf 'bare hyper\tfixed JSON\t%s\n' "$out" >>"$INSTR"
    else
        printf 'bare hyper\tfixed JSON\t{"error": "%s"}\n' "${out//\"/\'}" >>"$INSTR"
    fi
    for scenario in ok wrong customer; do
        lua="$OK" expect='"token":"' label="generateCustomerToken ok" bearer=()
        if [[ $scenario == wrong ]]; then
            lua="$WRONG" expect='The account sign-in was incorrect' label="generateCustomerToken wrong password"
        elif [[ $scenario == customer ]]; then
            # The customer query with a token of the measured server itself (one sign-in first).
            lua="$CUSTOMER" expect='"email":"' label="customer query, Bearer token" bearer=(--bearer-from "$OK")
        fi
        say "instructions per request under callgrind: mock, $label"
        if out="$(RUST_LOG="$MOCK_LOG" python3 "$BENCH/tools.py" callgrind --port "$PORT_MOCK" --lua "$lua" \
            "${bearer[@]}" --expect "$expect" --requests "$CALLGRIND_N" --out-prefix "$WORK/callgrind-mock-$scenario" -- \
            "${mock_cmd[@]}" 2>&1 | tail -1)"; then
            printf 'mock\t%s\t%s\n' "$label" "$out" >>"$INSTR"
        else
            printf 'mock\t%s\t{"error": "%s"}\n' "$label" "${out//\"/\'}" >>"$INSTR"
        fi
    done
else
    printf 'bare hyper\tfixed JSON\t{"error": "valgrind is missing"}\n' >>"$INSTR"
fi

# ---- 5. start-up time and memory with many customers ---------------------------------------------
say "time to first answer (default fixtures, 5 starts)"
START_DEFAULT="$(python3 "$BENCH/tools.py" startup --port "$PORT_MOCK" --runs 5 -- \
    "$MOCK" serve --port "$PORT_MOCK" 2>&1 | tail -1)"
START_BIG="" BIG_RSS_KB="" BIG_RSS_NOW_KB="" BIG_NOTE=""
if [[ $HAVE_BIG == 1 ]]; then
    say "time to first answer ($BIG customers, 3 starts)"
    START_BIG="$(python3 "$BENCH/tools.py" startup --port "$PORT_MOCK" --runs 3 -- \
        "$MOCK" serve --port "$PORT_MOCK" --fixtures "$BIG_FIXTURES" 2>&1 | tail -1)"
    say "RSS with $BIG customers (after signing in the last one)"
    if RUST_LOG="$MOCK_LOG" start_server mock-big "$PORT_MOCK" "$MOCK" serve --port "$PORT_MOCK" --fixtures "$BIG_FIXTURES"; then
        last_email="$(sed -n 's/.*"last_email": *"\([^"]*\)".*/\1/p' "$WORK/gen-big.json")"
        last_password="$(sed -n 's/.*"password": *"\([^"]*\)".*/\1/p' "$WORK/gen-big.json")"
        body="{\"query\":\"mutation { generateCustomerToken(email: \\\"$last_email\\\", password: \\\"$last_password\\\") { token } }\"}"
        answer="$(post "$MOCK_URL" "$body" || true)"
        [[ "$answer" == *'"token":"'* ]] || BIG_NOTE="sign-in of $last_email failed: ${answer:0:80}"
        BIG_RSS_KB="$(peak_rss_kb "$SERVER_PID")"
        BIG_RSS_NOW_KB="$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || true)"
        stop_server
    fi
else
    BIG_NOTE="no large fixture: $(tail -1 "$WORK/gen-big.err" 2>/dev/null)"
fi

# ---- 5b. flat in the number of customers: 1 000 000 of them --------------------------------------
if ((MILLION > 0)); then
    MILLION_DIR="$(mktemp -d /tmp/bench-million.XXXXXX)"
    MILLION_FIXTURES="$MILLION_DIR/fixtures-$MILLION.json"
    say "generating $MILLION customers in $MILLION_DIR"
    if python3 "$BENCH/tools.py" gen-fixtures --base "$ROOT/fixtures/default.json" --customers "$MILLION" \
        --out "$MILLION_FIXTURES" >"$WORK/gen-million.json" 2>"$WORK/gen-million.err"; then
        say "time to first answer ($MILLION customers, 3 starts)"
        start_million="$(python3 "$BENCH/tools.py" startup --port "$PORT_MOCK" --runs 3 -- \
            "$MOCK" serve --port "$PORT_MOCK" --fixtures "$MILLION_FIXTURES" 2>&1 | tail -1)"
        first_email="customer-000001@bench.example.com"
        last_email="$(sed -n 's/.*"last_email": *"\([^"]*\)".*/\1/p' "$WORK/gen-million.json")"
        password="$(sed -n 's/.*"password": *"\([^"]*\)".*/\1/p' "$WORK/gen-million.json")"
        million_rows=""
        if RUST_LOG="$MOCK_LOG" start_server mock-million "$PORT_MOCK" "$MOCK" serve --port "$PORT_MOCK" --fixtures "$MILLION_FIXTURES"; then
            rss_loaded="$(peak_rss_kb "$SERVER_PID")"
            # First at 64 connections (throughput), then on one connection: the latency an attacker
            # timing one attempt sees, a request's round trip and not the queue of 64 connections
            # (whose p50 is 64 / req/s). A fresh unknown prefix per pass, so none is throttled.
            for pass in 64 1; do
                if ((pass == 1)); then label="$MILLION customers, one connection:" unknown="nobody-c1-%d"
                else label="$MILLION customers:" unknown="nobody-%d"; fi
                for who in first last unknown; do
                    case $who in
                        first) email="$first_email" expect='"token":"' ;;
                        last) email="$last_email" expect='"token":"' ;;
                        unknown) email="$unknown@bench.example.com" expect='The account sign-in was incorrect' ;;
                    esac
                    preflight_email="${email//%d/preflight}"
                    PREFLIGHT_BODY="{\"query\":\"mutation SignIn(\$email: String!, \$password: String!) { generateCustomerToken(email: \$email, password: \$password) { token } }\",\"variables\":{\"email\":\"$preflight_email\",\"password\":\"$password\"}}" \
                    BENCH_EMAIL="$email" BENCH_PASSWORD="$password" MEASURE_THREADS=1 CONNECTIONS="${pass/64/$CONNECTIONS}" \
                        measure mock "$label sign-in as the $who e-mail" "$MOCK_URL" "$WRK_DIR/sign-in-as.lua" "$expect"
                done
            done
            rss_peak="$(peak_rss_kb "$SERVER_PID")"
            stop_server
            printf '{"start": %s, "rss_loaded_kb": %s, "rss_peak_kb": %s}\n' \
                "${start_million:-null}" "${rss_loaded:-null}" "${rss_peak:-null}" >"$MILLION_JSON"
        fi
    else
        printf '{"error": "cannot generate the fixture: %s"}\n' "$(tail -1 "$WORK/gen-million.err")" >"$MILLION_JSON"
    fi
    rm -rf "$MILLION_DIR"
    MILLION_DIR=""
fi

# ---- 6. soak -------------------------------------------------------------------------------------
SOAK_RESULT=""
if ((${#FIXTURE_ARGS[@]} > 0)); then
    say "soak: ${SOAK}s of OTC issue + redeem + customer query (after a 5 s warm-up)"
    if RUST_LOG="$MOCK_LOG" start_server mock-soak "$PORT_MOCK" "${mock_cmd[@]}"; then
        SOAK_RESULT="$(python3 "$BENCH/tools.py" soak --port "$PORT_MOCK" --pid "$SERVER_PID" \
            --fixtures "$BENCH_FIXTURES" --seconds "$SOAK" --warmup 5 2>&1 | tail -1)"
        stop_server
    fi
fi

# ---- 7. report -----------------------------------------------------------------------------------
REPORT="$WORK/report.txt"
python3 "$BENCH/report.py" --rows "$ROWS" --start-default "$START_DEFAULT" --start-big "$START_BIG" \
    --big "$BIG" --big-rss-kb "${BIG_RSS_KB:-}" --big-rss-now-kb "${BIG_RSS_NOW_KB:-}" --big-note "$BIG_NOTE" --soak "$SOAK_RESULT" \
    --instructions "$INSTR" --million "$MILLION" --million-json "$MILLION_JSON" \
    --header "commerce-auth-mock benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, $(nproc) cores, load average at start: $LOAD_AT_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)" \
    --params "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency after ${WARMUP}s of warm-up; mock RUST_LOG=$MOCK_LOG unless said; soak ${SOAK}s" \
    | tee "$REPORT"
say "raw outputs in $WORK"
