#!/usr/bin/env python3
"""Prints the median time and throughput of every criterion benchmark under target/criterion.

Usage: scripts/criterion-medians.py [GROUP_PREFIX...]
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
prefixes = sys.argv[1:]
import signal
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
for est in sorted(root.glob("**/new/estimates.json")):
    bench = est.parent.parent.relative_to(root).as_posix()
    if prefixes and not any(bench.startswith(p) for p in prefixes):
        continue
    median_ns = json.loads(est.read_text())["median"]["point_estimate"]
    meta = json.loads((est.parent / "benchmark.json").read_text())
    tp = meta.get("throughput") or {}
    nbytes = tp.get("BytesDecimal") or tp.get("Bytes")
    rate = f"{nbytes / median_ns * 1e3:9.1f} MB/s" if nbytes else ""
    print(f"{bench:60s} {median_ns / 1e3:12.2f} µs {rate}")
