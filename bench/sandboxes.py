#!/usr/bin/env python3
"""What a sandbox costs: time to create one and resident memory per idle sandbox.

Starts `commerce-auth-mock serve` on the given fixtures, then creates N sandboxes, each by one
GraphQL request under a new tenant prefix (`/bench-NNNN/graphql`, a `storeConfig` query: the
sandbox is made on first use), one after another on one keep-alive connection. Prints, as JSON:
the median and the 95th percentile of those first requests, the same for a request to an
existing sandbox (the baseline: what the request itself costs), and VmRSS before and after
divided by N. Reported, never asserted.

    bench/sandboxes.py --binary target/x86_64-unknown-linux-gnu/release/commerce-auth-mock
    bench/sandboxes.py --binary … --fixtures /tmp/100k.json --count 200
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tools import first_answer, proc_status  # noqa: E402

QUERY = json.dumps({"query": "{ storeConfig { store_code } }"})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_post(conn, path):
    started = time.perf_counter()
    conn.request("POST", path, QUERY, {"Content-Type": "application/json"})
    answer = conn.getresponse()
    body = answer.read()
    elapsed = time.perf_counter() - started
    if answer.status != 200 or b"store_code" not in body:
        raise SystemExit(f"{path}: HTTP {answer.status} {body[:200]!r}")
    return elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--fixtures")
    p.add_argument("--count", type=int, default=200)
    args = p.parse_args()
    port = free_port()
    cmd = [args.binary, "serve", "--port", str(port), "--max-sandboxes", str(args.count + 1)]
    if args.fixtures:
        cmd += ["--fixtures", args.fixtures]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not first_answer(port, proc, 60):
            raise SystemExit("the mock did not answer within 60 s")
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(50):  # the default store and the connection warmed up
            timed_post(conn, "/graphql")
        before = proc_status(proc.pid)["vmrss_kb"]
        create = [timed_post(conn, f"/bench-{n:04d}/graphql") for n in range(args.count)]
        after = proc_status(proc.pid)["vmrss_kb"]
        again = [timed_post(conn, f"/bench-{n:04d}/graphql") for n in range(args.count)]

        def ms(xs, q):
            return round(statistics.quantiles(xs, n=100)[q - 1] * 1000, 3)

        print(json.dumps({
            "fixtures": args.fixtures or "embedded defaults",
            "sandboxes": args.count,
            "first_request_ms_p50": ms(create, 50),
            "first_request_ms_p95": ms(create, 95),
            "existing_sandbox_ms_p50": ms(again, 50),
            "existing_sandbox_ms_p95": ms(again, 95),
            "rss_before_kb": before,
            "rss_after_kb": after,
            "rss_per_sandbox_kb": round((after - before) / args.count, 1),
        }))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
