#!/usr/bin/env python3
"""Helpers of bench/run.sh that need finer timing or more logic than shell: time to first
answered request, the OTC/token soak, fixture generation and RSS reading. Standard library only.

    python3 bench/tools.py startup --port P [--runs N] [--fixtures FILE] -- CMD...
    python3 bench/tools.py soak --url URL --pid PID --fixtures FILE --seconds S [--warmup S]
    python3 bench/tools.py gen-fixtures --base fixtures/default.json --customers N --out FILE
    python3 bench/tools.py rss PID
    python3 bench/tools.py callgrind --port P --lua FILE [--requests N] -- CMD...
    python3 bench/tools.py latency --port P --body JSON [--requests N]

Each prints one JSON object per line on stdout; run.sh reads them.
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

STORE_CONFIG = json.dumps({"query": "{ storeConfig { store_code store_name locale } }"})


def proc_status(pid):
    """VmRSS and VmHWM of a process, in kB, from /proc/<pid>/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return {"vmrss_kb": out.get("VmRSS", 0), "vmhwm_kb": out.get("VmHWM", 0)}


def post(conn, path, body, headers=None):
    h = {"Content-Type": "application/json"}
    if headers:
        h.update(headers)
    conn.request("POST", path, body=body, headers=h)
    resp = conn.getresponse()
    return resp.status, resp.read()


def stop(proc):
    """Stops a server process: SIGTERM, then SIGKILL if it has not exited within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def first_answer(port, proc, deadline_s):
    """Polls until the server answers one HTTP request; returns True when it did."""
    end = time.perf_counter() + deadline_s
    while time.perf_counter() < end:
        if proc.poll() is not None:
            return False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            post(conn, "/graphql", STORE_CONFIG)
            conn.close()
            return True
        except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
            time.sleep(0.0005)
        except OSError:
            time.sleep(0.0005)
    return False


def cmd_startup(args):
    """Time from spawning the server to its first answered request (median of --runs)."""
    times = []
    mem = {}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(args.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ok = first_answer(args.port, proc, args.timeout)
            elapsed = (time.perf_counter() - t0) * 1000.0
            if not ok:
                print(json.dumps({"error": "no answer", "exit": proc.poll()}))
                return 1
            times.append(elapsed)
            # A few more answers, then the memory of a server that has loaded and answered.
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            for _ in range(20):
                post(conn, "/graphql", STORE_CONFIG)
            conn.close()
            mem = proc_status(proc.pid)
        finally:
            stop(proc)
        # Let the port be released before the next start.
        time.sleep(0.2)
    print(json.dumps({"median_ms": statistics.median(times), "runs_ms": [round(t, 2) for t in times], **mem}))
    return 0


def cmd_rss(args):
    print(json.dumps(proc_status(args.pid)))
    return 0


# ----- soak -------------------------------------------------------------------------------------

SIGN_IN = (
    "mutation SignIn($email: String!, $password: String!) "
    "{ generateCustomerToken(email: $email, password: $password) { token } }"
)
EXCHANGE = (
    "mutation Exchange($email: String!, $otp: String!) "
    "{ exchangeOtpForCustomerToken(email: $email, otp: $otp) { token } }"
)
CUSTOMER = "{ customer { email firstname } }"


class Soak:
    """Issues and redeems OTCs and tokens in a loop from several threads, counting outcomes."""

    def __init__(self, host, port, admin_token, customers):
        self.host, self.port = host, port
        self.admin_token = admin_token
        self.customers = customers  # [(id, email)]
        self.lock = threading.Lock()
        self.counts = {"otc": 0, "token": 0, "customer": 0, "failed": 0}
        self.first_failure = None
        self.stop_at = 0.0

    def bump(self, key, failure=None):
        with self.lock:
            self.counts[key] += 1
            if failure and self.first_failure is None:
                self.first_failure = failure

    def worker(self, index):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        # Each thread owns its own accounts: a new OTC replaces the account's unused one, so two
        # threads sharing an account would void each other's codes.
        mine = self.customers[index::self.threads] or self.customers[:1]
        i = 0
        while time.perf_counter() < self.stop_at:
            cid, email = mine[i % len(mine)]
            i += 1
            try:
                status, body = post(
                    conn, f"/rest/V1/customer/{cid}/otp", json.dumps({"reason": "bench soak"}),
                    {"Authorization": f"Bearer {self.admin_token}"},
                )
                if status != 200:
                    self.bump("failed", f"otp {status}: {body[:200]!r}")
                    continue
                self.bump("otc")
                otp = json.loads(body)["otp"]
                if i % 2:
                    req = {"query": SIGN_IN, "variables": {"email": email, "password": otp}}
                    field = "generateCustomerToken"
                else:
                    req = {"query": EXCHANGE, "variables": {"email": email, "otp": otp}}
                    field = "exchangeOtpForCustomerToken"
                status, body = post(conn, "/graphql", json.dumps(req))
                data = json.loads(body).get("data") or {}
                token = (data.get(field) or {}).get("token")
                if status != 200 or not token:
                    self.bump("failed", f"{field} {status}: {body[:200]!r}")
                    continue
                self.bump("token")
                status, body = post(
                    conn, "/graphql", json.dumps({"query": CUSTOMER}), {"Authorization": f"Bearer {token}"}
                )
                if status != 200 or b'"email"' not in body:
                    self.bump("failed", f"customer {status}: {body[:200]!r}")
                    continue
                self.bump("customer")
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.bump("failed", f"{type(e).__name__}: {e}")
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        conn.close()

    def run(self, seconds, threads):
        self.stop_at = time.perf_counter() + seconds
        self.threads = threads
        pool = [threading.Thread(target=self.worker, args=(n,)) for n in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()


def admin_token(host, port, fixtures):
    """A static admin token (fixtures' `admin_tokens`) of an admin allowed to issue OTCs, else
    one from the admin token endpoint."""
    allowed = {
        a["username"] for a in fixtures.get("admin_users", [])
        if "Magento_LoginAsCustomer::login" in a.get("permissions", [])
        or "Magento_Backend::all" in a.get("permissions", [])
    }
    for token, username in fixtures.get("admin_tokens", {}).items():
        if username in allowed:
            return token
    for admin in fixtures.get("admin_users", []):
        if admin["username"] not in allowed:
            continue
        if admin.get("username") and admin.get("password"):
            conn = http.client.HTTPConnection(host, port, timeout=10)
            status, body = post(
                conn, "/rest/V1/integration/admin/token",
                json.dumps({"username": admin["username"], "password": admin["password"]}),
            )
            if status == 200:
                return json.loads(body)
            raise SystemExit(f"admin token endpoint answered {status}: {body[:200]!r}")
    raise SystemExit("no admin in the fixtures: cannot issue OTCs")


def soak_customers(fixtures):
    """Customers that accept remote shopping assistance (OTCs are refused for the others)."""
    out = []
    for c in fixtures.get("customers", []):
        if c.get("allow_remote_shopping_assistance") and c.get("email", "").startswith("bench-soak"):
            out.append((c["id"], c["email"]))
    if not out:
        raise SystemExit("no bench-soak customers with remote shopping assistance in the fixtures")
    return out


def cmd_soak(args):
    with open(args.fixtures) as f:
        fixtures = json.load(f)
    host, port = "127.0.0.1", args.port
    soak = Soak(host, port, admin_token(host, port, fixtures), soak_customers(fixtures))
    # One OTC first: if the admin REST API does not answer, say so instead of soaking in errors.
    cid, _ = soak.customers[0]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    status, body = post(conn, f"/rest/V1/customer/{cid}/otp", "{}", {"Authorization": f"Bearer {soak.admin_token}"})
    conn.close()
    if status != 200:
        print(json.dumps({"error": f"OTC endpoint answered {status}: {body[:120].decode(errors='replace')}"}))
        return 0
    soak.run(args.warmup, args.threads)
    before = proc_status(args.pid)
    warm_counts = dict(soak.counts)
    soak.run(args.seconds, args.threads)
    after = proc_status(args.pid)
    counts = {k: soak.counts[k] - warm_counts[k] for k in soak.counts}
    print(json.dumps({
        "before_kb": before["vmrss_kb"], "after_kb": after["vmrss_kb"], "hwm_kb": after["vmhwm_kb"],
        "seconds": args.seconds, "counts": counts, "first_failure": soak.first_failure,
    }))
    return 0


BENCH_PASSWORD = "Bench-Passw0rd!"
SOAK_ACCOUNTS = 20


def cmd_gen_fixtures(args):
    """Writes the base fixtures (fixtures/default.json) plus the bench accounts, and --customers
    generated customers: `customer-<n>@bench.example.com`, all with the password BENCH_PASSWORD.

    Bench accounts: `bench-signin@example.com` (the success and `customer` scenarios),
    `bench-wrong@example.com` (the wrong-password scenario: it gets throttled and locked),
    `bench-soak-NN@example.com` (remote shopping assistance allowed: the soak's OTCs)."""
    if not os.path.exists(args.base):
        raise SystemExit(f"{args.base} does not exist: run from a checkout of main")
    with open(args.base) as f:
        fixtures = json.load(f)
    customers = fixtures.setdefault("customers", [])
    next_id = max((c["id"] for c in customers), default=0) + 1

    def add(email, **extra):
        nonlocal next_id
        customers.append({
            "id": next_id, "email": email, "password": BENCH_PASSWORD, "firstname": "Bench",
            "lastname": extra.pop("lastname", "Account"), **extra,
        })
        next_id += 1

    add("bench-signin@example.com", lastname="Signin", note="bench: repeated successful sign-ins")
    add("bench-wrong@example.com", lastname="Wrong", note="bench: wrong passwords (throttled, locked)")
    for n in range(1, SOAK_ACCOUNTS + 1):
        add(f"bench-soak-{n:02d}@example.com", lastname=f"Soak {n}", allow_remote_shopping_assistance=True)
    last_email = None
    for n in range(1, args.customers + 1):
        last_email = f"customer-{n:06d}@bench.example.com"
        customers.append({
            "id": next_id, "email": last_email, "password": BENCH_PASSWORD,
            "firstname": "Customer", "lastname": f"Number {n}",
        })
        next_id += 1
    fixtures["$comment"] = (
        f"Generated by bench/tools.py gen-fixtures from {os.path.basename(args.base)}:"
        f" bench accounts and {args.customers} generated customers."
    )
    with open(args.out, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))
    print(json.dumps({
        "customers": len(customers), "generated": args.customers, "last_email": last_email,
        "password": BENCH_PASSWORD, "bytes": os.path.getsize(args.out),
    }))
    return 0


# ----- instructions per request (callgrind) -----------------------------------------------------

def lua_body(path):
    """The request body of a wrk script (its `wrk.body = [[...]]` line)."""
    with open(path) as f:
        for line in f:
            if line.startswith("wrk.body = [[") and line.rstrip().endswith("]]"):
                return line.rstrip()[len("wrk.body = [["):-2]
    raise SystemExit(f"{path} has no wrk.body = [[...]] line")


SIGN_IN_QUERY = ("mutation SignIn($email: String!, $password: String!) "
                 "{ generateCustomerToken(email: $email, password: $password) { token } }")


def lua_bodies(path):
    """The body of the n-th request of a wrk script, as a function of n (from 1). For
    sign-in-as.lua, which builds its body from BENCH_EMAIL and BENCH_PASSWORD (an address with
    "%d" formatted with the request counter modulo BENCH_DISTINCT), the same bodies it sends;
    for the others their one `wrk.body`."""
    if os.path.basename(path) == "sign-in-as.lua":
        email = os.environ.get("BENCH_EMAIL", "customer-000001@bench.example.com")
        password = os.environ.get("BENCH_PASSWORD", BENCH_PASSWORD)
        distinct = int(os.environ.get("BENCH_DISTINCT", "200000"))

        def body(n):
            address = email.replace("%d", str(n % distinct))
            return json.dumps({"query": SIGN_IN_QUERY,
                               "variables": {"email": address, "password": password}},
                              separators=(",", ":"))
        return body
    fixed = lua_body(path)
    return lambda n: fixed


def callgrind_total(path):
    """The total instruction count (Ir) of a callgrind output file."""
    with open(path) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise SystemExit(f"{path} has no totals line")


def _closed():
    raise SystemExit("the server closed the connection")


def callgrind_run(args, requests, out_file):
    """Starts CMD under callgrind, sends `requests` copies of the body on one keep-alive
    connection (after one first answer on its own connection), has callgrind dump its counts
    and returns the instructions the server executed until then."""
    body_of = lua_bodies(args.lua)
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + args.cmd
    # One tokio worker thread (both servers are tokio multi-thread runtimes, which read this
    # variable). With the default two, where the connection's task wakes up varies from run to
    # run, and so does the scheduler's share: the same binary counted from 46 900 to 57 200
    # instructions per sign-in. With one, two runs agree to within 50.
    env = dict(os.environ)
    env.setdefault("TOKIO_WORKER_THREADS", "1")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        if not first_answer(args.port, proc, 120):
            raise SystemExit(f"{args.cmd[0]} did not answer under callgrind")
        auth = ""
        if args.bearer_from:
            # The `customer` query needs a token of this very server: one sign-in first (in
            # both runs, so it cancels out like the first answer).
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            _, answer = post(conn, "/graphql", lua_body(args.bearer_from))
            conn.close()
            token = json.loads(answer)["data"]["generateCustomerToken"]["token"]
            auth = f"Authorization: Bearer {token}\r\n"
        # Each request in one write, as wrk sends it (http.client writes the head and the body
        # apart, and a server that answers before reading the body may then close).
        def raw(n):
            body = body_of(n).encode()
            return (f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n{auth}"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                    ).encode() + body
        sock = socket.create_connection(("127.0.0.1", args.port), timeout=60)
        buf = b""
        for n in range(1, requests + 1):
            sock.sendall(raw(n))
            while b"\r\n\r\n" not in buf:
                buf += sock.recv(65536) or _closed()
            head, _, buf = buf.partition(b"\r\n\r\n")
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            while len(buf) < length:
                buf += sock.recv(65536) or _closed()
            answer, buf = buf[:length], buf[length:]
            if args.expect.encode() not in answer:
                raise SystemExit(f"unexpected answer: {head[:40]!r} {answer[:200]!r}")
        sock.close()
        # A dump on request rather than at exit: a server without a SIGTERM handler (bare
        # hyper) does not always die of the signal under valgrind, and its exit adds nothing.
        subprocess.run(["callgrind_control", "--dump", str(proc.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        dump = f"{out_file}.1"
        end = time.perf_counter() + 60
        while time.perf_counter() < end:
            try:
                return callgrind_total(dump)
            except (OSError, SystemExit):
                time.sleep(0.2)
        raise SystemExit(f"callgrind wrote no dump to {dump}")
    finally:
        stop(proc)
        time.sleep(0.2)


def cmd_callgrind(args):
    """User-space instructions per request: the server under callgrind with N and then 6N
    requests on one keep-alive connection; (I(6N) - I(N)) / 5N, so start-up, the first
    request and shutdown cancel out."""
    n = args.requests
    small = callgrind_run(args, n, f"{args.out_prefix}.n.out")
    large = callgrind_run(args, 6 * n, f"{args.out_prefix}.6n.out")
    print(json.dumps({"per_request": (large - small) / (5 * n), "n": n,
                      "total_n": small, "total_6n": large}))
    return 0


def cmd_latency(args):
    """Mean and median latency of one request repeated on one keep-alive connection (after a
    warm-up of the same), in microseconds: a figure for one e-mail at a time, without load."""
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    for _ in range(args.warmup):
        post(conn, "/graphql", args.body)
    times = []
    status = None
    for _ in range(args.requests):
        t0 = time.perf_counter()
        status, answer = post(conn, "/graphql", args.body)
        times.append((time.perf_counter() - t0) * 1e6)
    conn.close()
    print(json.dumps({"mean_us": statistics.mean(times), "median_us": statistics.median(times),
                      "status": status, "answer": answer[:80].decode(errors="replace")}))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("startup", help="time to first answered request")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--timeout", type=float, default=30.0)
    s.add_argument("cmd", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_startup)

    s = sub.add_parser("rss", help="VmRSS and VmHWM of a process")
    s.add_argument("pid", type=int)
    s.set_defaults(func=cmd_rss)

    s = sub.add_parser("soak", help="issue and redeem OTCs and tokens, RSS before and after")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--fixtures", required=True)
    s.add_argument("--seconds", type=float, default=60)
    s.add_argument("--warmup", type=float, default=5)
    s.add_argument("--threads", type=int, default=4)
    s.set_defaults(func=cmd_soak)

    s = sub.add_parser("gen-fixtures", help="bench accounts and N generated customers")
    s.add_argument("--base", required=True)
    s.add_argument("--customers", type=int, default=0)
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_gen_fixtures)

    s = sub.add_parser("callgrind", help="user-space instructions per request under callgrind")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--lua", required=True, help="wrk script whose body is sent")
    s.add_argument("--expect", default='"token":"', help="a substring every answer must contain")
    s.add_argument("--requests", type=int, default=1000, help="N (the second run sends 6N)")
    s.add_argument("--out-prefix", default="/tmp/callgrind")
    s.add_argument("--bearer-from", help="wrk script of a sign-in whose token every request carries")
    s.add_argument("cmd", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_callgrind)

    s = sub.add_parser("latency", help="latency of one request repeated on one connection")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--body", required=True)
    s.add_argument("--requests", type=int, default=2000)
    s.add_argument("--warmup", type=int, default=200)
    s.set_defaults(func=cmd_latency)

    args = p.parse_args()
    if getattr(args, "cmd", None) and args.cmd[0] == "--":
        args.cmd = args.cmd[1:]
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
