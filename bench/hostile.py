#!/usr/bin/env python3
"""The figures of the hostile-input attack set, measured on a release build (standard library only).

    cargo build --release
    python3 bench/hostile.py [--binary PATH] [--port 4150] [--customers 100000] [--out DIR]

1. Memory under the 1 MB-name loop: a mock with the default fixtures, VmRSS (from
   /proc/<pid>/status) before and after 150 guest createCustomerV2 calls whose firstname is
   1 000 000 characters (refused: "First Name is not valid!"), then after 150 more whose 1 MB
   firstname has no character Magento's name validator knows (accepted, cut to 255 characters).
2. With --customers generated customers (bench/tools.py gen-fixtures): the time and size of a
   page of GET /__mock/customers (first, deep, largest, searched, and the 304 of an unchanged
   page) and of REST customers/search with a 20 000-character LIKE pattern.

Prints one table and one JSON object per figure (on stdout); times are medians of repeated
requests on one keep-alive connection. Reports, never asserts: exits 0 whatever the figures,
non-zero only when it cannot measure (no binary, the mock does not start). Everything runs on
127.0.0.1.
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CREATE = ("mutation($input: CustomerCreateInput!) "
          "{ createCustomerV2(input: $input) { customer { firstname } } }")
ADMIN = {"Authorization": "Bearer mock-admin-token"}


def vmrss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def default_binary():
    triple = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    host = next(l.split()[1] for l in triple.splitlines() if l.startswith("host:"))
    return os.path.join(ROOT, "target", host, "release", "commerce-auth-mock")


class Mock:
    """`commerce-auth-mock serve` on 127.0.0.1:port, stopped on exit."""

    def __init__(self, binary, port, fixtures=None, log=None):
        cmd = [binary, "serve", "--host", "127.0.0.1", "--port", str(port)]
        if fixtures:
            cmd += ["--fixtures", fixtures]
        env = dict(os.environ, RUST_LOG="warn")
        self.port = port
        self.proc = subprocess.Popen(cmd, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the mock exited with {self.proc.returncode}: {' '.join(cmd)}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/__mock/health")
                if c.getresponse().status == 200:
                    c.close()
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit("the mock did not answer within 60 s")
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=None, headers=None):
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=h)
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data, (time.perf_counter() - started) * 1000, dict(resp.getheaders())

    def rss(self):
        return vmrss_kb(self.proc.pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def name_loop(mock, firstname, count=150):
    body = json.dumps({"query": CREATE, "variables": {"input": {
        "email": "huge@example.com", "firstname": firstname, "lastname": "Loop",
        "password": "Huge-Name-2024"}}})
    answers = {}
    for i in range(count):
        if firstname.startswith("@"):
            # Accepted ones must not collide on the email.
            body = json.dumps({"query": CREATE, "variables": {"input": {
                "email": f"cut-{i}@example.com", "firstname": firstname, "lastname": "Loop"}}})
        status, data, _, _ = mock.call("POST", "/graphql", body)
        v = json.loads(data)
        key = (status, v["errors"][0]["message"] if "errors" in v else "created")
        answers[key] = answers.get(key, 0) + 1
    return answers


def timed(mock, method, path, runs, headers=None):
    times, size, status = [], 0, 0
    for _ in range(runs):
        status, data, ms, _ = mock.call(method, path, headers=headers)
        times.append(ms)
        size = len(data)
    return {"status": status, "median_ms": round(statistics.median(times), 2),
            "max_ms": round(max(times), 2), "bytes": size, "runs": runs}


def search_path(value, page_size=20):
    q = {
        "searchCriteria[filterGroups][0][filters][0][field]": "email",
        "searchCriteria[filterGroups][0][filters][0][value]": value,
        "searchCriteria[filterGroups][0][filters][0][conditionType]": "like",
        "searchCriteria[pageSize]": str(page_size),
    }
    return "/rest/V1/customers/search?" + urllib.parse.urlencode(q)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=None)
    p.add_argument("--port", type=int, default=4150)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--out", default=None, help="folder for the generated fixtures and logs (default: a temporary one)")
    args = p.parse_args()
    binary = args.binary or default_binary()
    if not os.path.exists(binary):
        raise SystemExit(f"{binary} does not exist: run cargo build --release first")
    out = args.out or tempfile.mkdtemp(prefix="hostile-")
    os.makedirs(out, exist_ok=True)
    rows = []

    def report(name, figure, target=""):
        rows.append((name, figure, target))
        print(json.dumps({"figure": name, **figure}), flush=True)

    # 1. The 1 MB-name loop.
    with open(os.path.join(out, "mock-names.log"), "w") as log, Mock(binary, args.port, log=log) as mock:
        mock.call("POST", "/graphql", json.dumps({"query": "{ storeConfig { store_code } }"}))
        before = mock.rss()
        refused = name_loop(mock, "a" * 1_000_000)
        after_refused = mock.rss()
        cut = name_loop(mock, "@" * 1_000_000)
        after_cut = mock.rss()
        _, data, _, _ = mock.call("GET", "/__mock/customers?q=cut-&size=1")
        stored = json.loads(data)["total"]
        report("1 MB-name loop: 150 refused createCustomerV2", {
            "answers": {f"{k[0]} {k[1]}": n for k, n in refused.items()},
            "rss_before_kb": before, "rss_after_kb": after_refused,
            "growth_kb": after_refused - before}, "growth <= 10 MB")
        report("150 accepted 1 MB '@' names (stored cut to 255)", {
            "answers": {f"{k[0]} {k[1]}": n for k, n in cut.items()}, "stored": stored,
            "rss_after_kb": after_cut, "growth_kb": after_cut - before}, "growth <= 10 MB")

    # 2. 100 000 customers.
    fixtures = os.path.join(out, f"fixtures-{args.customers}.json")
    subprocess.run([sys.executable, os.path.join(HERE, "tools.py"), "gen-fixtures",
                    "--base", os.path.join(ROOT, "fixtures", "default.json"),
                    "--customers", str(args.customers), "--out", fixtures],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "mock-100k.log"), "w") as log, \
            Mock(binary, args.port + 1, fixtures=fixtures, log=log) as mock:
        runs = args.runs
        first = timed(mock, "GET", "/__mock/customers", runs)
        report("listing: first page (size 50)", first, "< 20 ms, < 200 KB")
        report("listing: page 2000 (size 50)", timed(mock, "GET", "/__mock/customers?page=2000", runs), "< 20 ms, < 200 KB")
        report("listing: largest page (size 500)", timed(mock, "GET", "/__mock/customers?size=500", runs), "< 200 KB")
        report("listing: search q=customer-099 (1000 matches)", timed(mock, "GET", "/__mock/customers?q=customer-099", runs), "< 20 ms, < 200 KB")
        _, _, _, headers = mock.call("GET", "/__mock/customers")
        etag = headers.get("ETag") or headers.get("etag")
        if etag is None:
            raise SystemExit(f"no ETag on the listing: {headers}")
        report("listing: unchanged first page, If-None-Match", timed(mock, "GET", "/__mock/customers", runs, {"If-None-Match": etag}), "304")
        report("search: LIKE %a…a% (20 000 characters, no match)",
               timed(mock, "GET", search_path("%" + "a" * 19_998 + "%"), runs, ADMIN), "< 50 ms")
        email = "customer-054321@bench.example.com"
        report("search: LIKE %…%" + email + " (20 000 characters, 1 match)",
               timed(mock, "GET", search_path("%" * (20_000 - len(email)) + email), runs, ADMIN), "< 50 ms")
        report("search: LIKE _______________%@bench.example.com (every generated customer, page of 20)",
               timed(mock, "GET", search_path("_" * 15 + "%@bench.example.com"), runs, ADMIN), "")
        report("RSS with the fixtures after the above", {"rss_kb": mock.rss()}, "")

    print()
    print(f"{'figure':<82} {'result':<44} target")
    for name, f, target in rows:
        if "median_ms" in f:
            result = f"{f['status']}, median {f['median_ms']} ms (max {f['max_ms']}), {f['bytes']} bytes"
        elif "growth_kb" in f:
            result = f"RSS {f.get('rss_before_kb', '')} -> {f['rss_after_kb']} kB ({f['growth_kb']:+} kB)"
        else:
            result = ", ".join(f"{k} {v}" for k, v in f.items())
        print(f"{name:<82} {result:<44} {target}")
    print(f"\n(generated fixtures and logs in {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
