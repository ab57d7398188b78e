#!/usr/bin/env python3
"""Compares two ravel builds (or one build under two environments) on a list of cases by
alternating runs of `ravel bench --json`: A then B, B then A, ... so that a shared machine's drift
falls on both sides. Prints each case's median GB/s for A and B, B / A, and B over the median copy
limit, then the median of B / A over the cases.

  cp build/tools/ravel /tmp/ravel.before      # then rebuild with the change
  tools/ab.py --a /tmp/ravel.before --b build/tools/ravel --cases bench/cases/ttc.txt \\
      --threads 1 --rounds 4
  tools/ab.py --b-env RAVEL_STREAMING=0 'f32[8192,8192].t()'   # one build, two environments

On the machines here a case moved by up to +-25% between two runs of one build even so: read a
single case's B / A within that, and look at many cases and rounds. With --per-case each case
runs alone, A and B back to back, and B / A is the median of those paired ratios: drift over the
minutes a whole list takes then falls on neither side (one build against itself: 0.95-1.05 where
whole-list rounds read 0.6-1.1 at the same hour).
"""
import argparse
import json
import os
import statistics
import subprocess


def environment(assignments):
    env = dict(os.environ)
    for assignment in assignments:
        key, _, value = assignment.partition("=")
        env[key] = value
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="cases in the case language")
    parser.add_argument("--cases", dest="cases_file", help="a file of cases, one a line")
    parser.add_argument("--a", default="build/tools/ravel", help="binary A (default: the build)")
    parser.add_argument("--b", default="build/tools/ravel", help="binary B (default: the build)")
    parser.add_argument("--a-env", action="append", default=[], help="KEY=VALUE for A's runs")
    parser.add_argument("--b-env", action="append", default=[], help="KEY=VALUE for B's runs")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--min-time", default="0.2")
    parser.add_argument("--bench-arg", action="append", default=[],
                        help="passed to both runs, e.g. --bench-arg=--isa --bench-arg=avx2")
    parser.add_argument("--per-case", action="store_true",
                        help="run each case alone, A and B back to back; B / A from paired runs")
    args = parser.parse_args()

    cases = list(args.cases)
    if args.cases_file:
        with open(args.cases_file) as lines:
            cases += [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    if not cases:
        parser.error("no cases")
    sides = {"a": (args.a, environment(args.a_env)), "b": (args.b, environment(args.b_env))}
    gbps = {case: {"a": [], "b": [], "limit": []} for case in cases}
    def run(side, run_cases):
        binary, env = sides[side]
        command = [binary, "bench", "--json", "--threads", args.threads,
                   "--min-time", args.min_time] + args.bench_arg + run_cases
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        for line in out.stdout.splitlines():
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            if row.get("case") in gbps and row.get("gbps") and row.get("impl", "").startswith("ravel"):
                gbps[row["case"]][side].append(row["gbps"])
                gbps[row["case"]]["limit"].append(row["limit_gbps"])

    batches = [[case] for case in cases] if args.per_case else [cases]
    for batch in batches:
        for round_index in range(args.rounds):
            for side in ("a", "b") if round_index % 2 == 0 else ("b", "a"):
                run(side, batch)
    ratios = []
    for case in cases:
        if not gbps[case]["a"] or not gbps[case]["b"]:
            print(f"{case}: no result")
            continue
        a = statistics.median(gbps[case]["a"])
        b = statistics.median(gbps[case]["b"])
        limit = statistics.median(gbps[case]["limit"])
        paired = len(gbps[case]["a"]) == len(gbps[case]["b"])
        ratios.append(statistics.median(y / x for x, y in zip(gbps[case]["a"], gbps[case]["b"]))
                      if args.per_case and paired else b / a)
        print(f"{case[:58]:58s} A {a:6.1f}  B {b:6.1f}  B/A {ratios[-1]:5.2f}  B/limit {b / limit:4.2f}")
    if ratios:
        print(f"median B/A over {len(ratios)} cases: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
