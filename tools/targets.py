#!/usr/bin/env python3
"""Prints, as markdown, where ravel stands against the performance targets of issues 3 and 4,
from `ravel bench --json` runs (one JSON object a line; ratios are same-run ratios).

  build/tools/ravel bench --threads 1,2 --json > suite.jsonl
  build/tools/ravel bench --cases bench/cases/ttc.txt --threads 1,2 --json > ttc.jsonl
  build/tools/ravel bench --isa all --threads 1 --json > suite-isa.jsonl
  build/tools/ravel bench --cases bench/cases/small.txt --isa all --threads 1 --json > small-isa.jsonl
  build/tools/ravel bench --cases bench/cases/cliffs.txt --threads 1 --json > cliffs.jsonl
  build/tools/ravel bench --cases bench/cases/cache.txt --threads 1 --json > cache.jsonl
  build/tools/ravel bench --threads 1 'f32[2,3,4].permute(2,0,1)' --json > latency.jsonl
  tools/targets.py --suite suite.jsonl --ttc ttc.jsonl --cache cache.jsonl \\
      --suite-isa suite-isa.jsonl --small-isa small-isa.jsonl --cliffs cliffs.jsonl \\
      [--latency latency.jsonl]

Every input is optional; a table needs only its own.
"""
import argparse
import json
import re
import statistics

LARGE_BYTES = 1 << 16  # "large": above the latency cases (the suite's small ones are < 1 KiB)


def load(path):
    rows = []
    with open(path) as lines:
        for line in lines:
            if line.startswith("{"):
                row = json.loads(line)
                if row.get("impl") == "ravel" and row.get("status") == "ok":
                    rows.append(row)
    return rows


def is_narrow_transpose(case):
    """1- and 2-byte transposes and permutes (u8, f16, bf16)."""
    return re.match(r"(u8|i8|f16|bf16)\[", case) is not None and (
        ".t()" in case or ".permute(" in case or ".transpose(" in case)


def ratio_rows(rows, threads, select):
    return [r for r in rows if r["threads"] == threads and select(r)]


def summary(values):
    if not values:
        return "-", "-"
    return f"{statistics.median(values):.2f}", f"{min(values):.2f}"


def cache_table(cache):
    """Cache-resident cases: ravel's GB/s over the same run's memcpy of the same bytes."""
    print("| set | threads | cases | median of GB/s / memcpy | lowest | target |")
    print("|---|---:|---:|---:|---:|---|")
    for threads in sorted({r["threads"] for r in cache}):
        chosen = [r["gbps"] / r["memcpy_gbps"] for r in cache
                  if r["threads"] == threads and r["memcpy_gbps"] > 0]
        median, low = summary(chosen)
        print(f"| cache-resident set (bench/cases/cache.txt, about 1 MiB) | {threads} | "
              f"{len(chosen)} | {median} | {low} | median >= 0.70 |")
    print()


def bandwidth_table(suite, ttc):
    print("| set | threads | cases | median ratio | lowest ratio | target |")
    print("|---|---:|---:|---:|---:|---|")
    for name, rows, select, target in (
        ("default suite, large cases", suite, lambda r: r["bytes"] >= LARGE_BYTES,
         "median >= 0.85, none < 0.60"),
        ("default suite, 1- and 2-byte transposes", suite,
         lambda r: r["bytes"] >= LARGE_BYTES and is_narrow_transpose(r["case"]), "median >= 0.75"),
        ("TTC-style f32 set (bench/cases/ttc.txt)", ttc, lambda r: True,
         "median >= 0.85, none < 0.60"),
    ):
        if not rows:
            continue
        for threads in sorted({r["threads"] for r in rows}):
            chosen = ratio_rows(rows, threads, select)
            median, low = summary([r["ratio"] for r in chosen])
            print(f"| {name} | {threads} | {len(chosen)} | {median} | {low} | {target} |")
    print()


def config_of(row):
    return row.get("config") or f"{row['backend']}/{row['isa']}"


def backend_ratios(rows, select):
    by_case = {}
    for r in rows:
        if select(r):
            by_case.setdefault(r["case"], {})[config_of(r)] = r
    ratios = []
    for configs in by_case.values():
        jit = configs.get("jit")
        hwy = configs.get("hwy/" + jit["isa"]) if jit else None
        if hwy and hwy["gbps"] > 0 and jit["backend"] == "jit":
            ratios.append(jit["gbps"] / hwy["gbps"])
    return ratios


def jit_table(suite, suite_isa, small_isa):
    """The latency rows come from suite (or a --latency run, which main passes as suite)."""
    print("| figure | measured | target |")
    print("|---|---:|---|")
    latency = [r for r in suite if r["case"] == "f32[2,3,4].permute(2,0,1)" and r["threads"] == 1]
    if latency:
        r = latency[0]
        print(f"| f32[2,3,4].permute(2,0,1): `ravel_plan_execute` | "
              f"{r.get('plan-execute_ns', float('nan')):.1f} ns | <= 15 ns |")
        print(f"| f32[2,3,4].permute(2,0,1): one-shot `ravel_copy` (plan-cache hit) | "
              f"{r['ns_per_call']:.1f} ns | <= 40 ns |")
        print(f"| f32[2,3,4].permute(2,0,1): `ravel_plan_create` (JIT cache hit) | "
              f"{r.get('plan-create_ns', float('nan')):.0f} ns | - |")
    if small_isa:
        ratios = backend_ratios(small_isa, lambda r: True)
        if ratios:
            print(f"| small-shape set (bench/cases/small.txt, {len(ratios)} cases): JIT / Highway "
                  f"GB/s, median | {statistics.median(ratios):.2f}x | >= 1.5x |")
    if suite_isa:
        ratios = backend_ratios(suite_isa, lambda r: r["bytes"] >= LARGE_BYTES)
        if ratios:
            print(f"| default suite, large cases ({len(ratios)}): JIT / Highway GB/s, median | "
                  f"{statistics.median(ratios):.2f}x | >= 1.0x |")
    print()


def cliffs_table(cliffs):
    """Consecutive lines of the cliffs file form pairs: (a, b) -> b's GB/s over a's."""
    rows = [r for r in cliffs if r["threads"] == 1]
    print("| case | GB/s | its neighbour | GB/s | neighbour / case |")
    print("|---|---:|---|---:|---:|")
    for a, b in zip(rows[0::2], rows[1::2]):
        print(f"| `{a['case']}` | {a['gbps']:.1f} | `{b['case']}` | {b['gbps']:.1f} | "
              f"{b['gbps'] / a['gbps']:.2f} |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name in ("suite", "ttc", "cache", "suite-isa", "small-isa", "cliffs", "latency"):
        parser.add_argument("--" + name)
    args = parser.parse_args()
    suite = load(args.suite) if args.suite else []
    ttc = load(args.ttc) if args.ttc else []
    suite_isa = load(args.suite_isa) if args.suite_isa else []
    small_isa = load(args.small_isa) if args.small_isa else []
    if suite or ttc:
        bandwidth_table(suite, ttc)
    if args.cache:
        cache_table(load(args.cache))
    if suite or suite_isa or small_isa or args.latency:
        jit_table(load(args.latency) if args.latency else suite, suite_isa, small_isa)
    if args.cliffs:
        cliffs_table(load(args.cliffs))


if __name__ == "__main__":
    main()
