#!/usr/bin/env python3
"""Prints bench/run.sh's table and its targets (met / not met) from the run's raw results.

Targets are reported, never asserted: the exit code is 0 whatever the figures are.
"""
import argparse
import json
import sys

# The targets of issue 6, in one place.
MIN_SHARE_OF_BARE = 0.50        # successful generateCustomerToken vs bare hyper, req/s
MAX_P99_MS = 5.0                # at 64 connections
MIN_TIMES_PEERS = 3.0           # successful generateCustomerToken vs WireMock and graphql-yoga
MAX_START_DEFAULT_MS = 50.0
MAX_START_BIG_MS = 1000.0
MAX_RSS_BIG_MB = 150.0
MAX_SOAK_GROWTH = 0.10          # RSS after the soak within 10 % of before


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def parse_json(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def mb(kb):
    return None if kb is None else kb / 1024.0


def fmt(value, pattern, missing="-"):
    return missing if value is None else pattern.format(value)


def verdict(ok):
    if ok is None:
        return "not measured"
    return "met" if ok else "NOT MET"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", required=True)
    p.add_argument("--start-default", default="")
    p.add_argument("--start-big", default="")
    p.add_argument("--big", default="100000")
    p.add_argument("--big-rss-kb", default="")
    p.add_argument("--big-rss-now-kb", default="")
    p.add_argument("--big-note", default="")
    p.add_argument("--soak", default="")
    p.add_argument("--header", default="")
    p.add_argument("--params", default="")
    a = p.parse_args()

    rows = []
    with open(a.rows) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            parts += [""] * (9 - len(parts))
            server, scenario, rps, p50, p99, non2xx, rss, note, other = parts[:9]
            rows.append({
                "server": server, "scenario": scenario, "rps": num(rps),
                "p50_ms": None if num(p50) is None else num(p50) / 1000.0,
                "p99_ms": None if num(p99) is None else num(p99) / 1000.0,
                "non2xx": num(non2xx), "rss_mb": mb(num(rss)) if num(rss) else None, "note": note, "other": num(other),
            })

    def find(server, scenario_prefix):
        for r in rows:
            if r["server"] == server and r["scenario"].startswith(scenario_prefix) and r["rps"] is not None:
                return r
        return None

    # bare hyper runs first and again last; the ceiling is the mean of the two runs.
    bare_runs = [r["rps"] for r in rows if r["server"] == "bare hyper" and r["rps"] is not None]
    bare_rps = sum(bare_runs) / len(bare_runs) if bare_runs else None

    out = []
    if a.header:
        out.append(a.header)
    if a.params:
        out.append(a.params)
    out.append("")
    head = f"{'server':<13} {'scenario':<42} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8} {'peak RSS':>9} {'vs bare':>8} {'other':>6}  note"
    out.append(head)
    out.append("-" * len(head))
    for r in rows:
        ratio = None if (r["rps"] is None or not bare_rps) else r["rps"] / bare_rps
        out.append(
            f"{r['server']:<13} {r['scenario']:<42} {fmt(r['rps'], '{:.0f}'):>9} "
            f"{fmt(r['p50_ms'], '{:.2f}'):>7} {fmt(r['p99_ms'], '{:.2f}'):>7} "
            f"{fmt(r['non2xx'], '{:.0f}'):>8} {fmt(r['rss_mb'], '{:.1f} MB'):>9} "
            f"{fmt(ratio, '{:.2f}x'):>8} {fmt(r['other'], '{:.0f} %'):>6}  {r['note']}".rstrip()
        )
    if len(bare_runs) > 1:
        out.append(f"(vs bare: req/s over the mean of the bare hyper runs, {bare_rps:.0f};"
                   f" they spread {min(bare_runs):.0f} to {max(bare_runs):.0f})")
    out.append("(non-2xx: the wrong-password scenario answers 401 by design; elsewhere it should be 0."
               "\n other: share of the machine's CPU that processes other than wrk and the server used during the run;"
               " above a few % the row was disturbed)")

    start_default = parse_json(a.start_default) or {}
    start_big = parse_json(a.start_big) or {}
    soak = parse_json(a.soak) or {}
    big_rss_mb = mb(num(a.big_rss_kb)) if num(a.big_rss_kb) else None
    sd = start_default.get("median_ms")
    sb = start_big.get("median_ms")

    out.append("")
    out.append("start-up and memory")
    out.append(f"  time to first answer, default fixtures:  {fmt(sd, '{:.1f} ms')}"
               f"  (median of {start_default.get('runs_ms', '-')}; RSS then {fmt(mb(start_default.get('vmhwm_kb')), '{:.1f} MB')})"
               + (f"  {start_default['error']}" if 'error' in start_default else ""))
    out.append(f"  time to first answer, {a.big} customers: {fmt(sb, '{:.1f} ms')}"
               f"  (median of {start_big.get('runs_ms', '-')})"
               + (f"  {start_big['error']}" if 'error' in start_big else ""))
    big_now_mb = mb(num(a.big_rss_now_kb)) if num(a.big_rss_now_kb) else None
    out.append(f"  peak RSS with {a.big} customers:          {fmt(big_rss_mb, '{:.1f} MB')}"
               f"  (RSS after loading and one sign-in: {fmt(big_now_mb, '{:.1f} MB')})  {a.big_note}".rstrip())
    growth = None
    if soak.get("before_kb"):
        growth = (soak["after_kb"] - soak["before_kb"]) / soak["before_kb"]
        c = soak.get("counts", {})
        out.append(
            f"  soak {soak.get('seconds', 0):.0f} s: RSS {mb(soak['before_kb']):.1f} MB before, {mb(soak['after_kb']):.1f} MB after"
            f" ({growth * 100:+.1f} %), peak {mb(soak['hwm_kb']):.1f} MB; OTCs issued {c.get('otc', 0)},"
            f" tokens issued {c.get('token', 0)}, tokens redeemed {c.get('customer', 0)}, failures {c.get('failed', 0)}"
        )
        if soak.get("first_failure"):
            out.append(f"    first failure: {soak['first_failure']}")
    else:
        why = soak.get("error") or (a.soak[:200] if a.soak else "")
        out.append(f"  soak: not measured {why}".rstrip())

    ok = find("mock", "generateCustomerToken ok")
    wiremock = find("WireMock", "")
    yoga = find("graphql-yoga", "")
    targets = []
    share = ok["rps"] / bare_rps if ok and bare_rps else None
    targets.append((f"successful generateCustomerToken >= {MIN_SHARE_OF_BARE:.0%} of bare hyper",
                    None if share is None else share >= MIN_SHARE_OF_BARE, fmt(share, "{:.0%}")))
    mock_rows = [r for r in rows if r["server"] == "mock" and "RUST_LOG=info" not in r["scenario"]]
    for r in mock_rows:
        p99 = r["p99_ms"]
        targets.append((f"p99 < {MAX_P99_MS:.0f} ms at 64 connections: {r['scenario']}",
                        None if p99 is None else p99 < MAX_P99_MS, fmt(p99, "{:.2f} ms")))
    for name, peer in (("WireMock", wiremock), ("graphql-yoga", yoga)):
        times = ok["rps"] / peer["rps"] if ok and peer and peer["rps"] else None
        targets.append((f">= {MIN_TIMES_PEERS:.0f}x the throughput of {name}",
                        None if times is None else times >= MIN_TIMES_PEERS, fmt(times, "{:.1f}x")))
    targets.append((f"start < {MAX_START_DEFAULT_MS:.0f} ms, default fixtures",
                    None if sd is None else sd < MAX_START_DEFAULT_MS, fmt(sd, "{:.1f} ms")))
    targets.append((f"start < {MAX_START_BIG_MS / 1000:.0f} s, {a.big} customers",
                    None if sb is None else sb < MAX_START_BIG_MS, fmt(sb, "{:.0f} ms")))
    targets.append((f"RSS < {MAX_RSS_BIG_MB:.0f} MB, {a.big} customers",
                    None if big_rss_mb is None else big_rss_mb < MAX_RSS_BIG_MB, fmt(big_rss_mb, "{:.1f} MB")))
    soak_ok = None
    if growth is not None:
        soak_ok = abs(growth) <= MAX_SOAK_GROWTH and soak.get("counts", {}).get("failed", 0) == 0
    targets.append((f"RSS flat within {MAX_SOAK_GROWTH:.0%} across the soak (and no soak failures)",
                    soak_ok, fmt(growth, "{:+.1%}")))

    out.append("")
    out.append("targets (reported, never asserted)")
    for label, met, value in targets:
        out.append(f"  {verdict(met):<12} {label}: {value}")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
