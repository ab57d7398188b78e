#!/usr/bin/python3
"""Charts and tables from `ravel bench --json` output (and tools/peers.py --json lines).

  build/tools/ravel bench --peers --threads 1,2 --json > bench.jsonl
  build/tools/ravel bench --isa all --threads 1 --json > isa.jsonl
  /usr/bin/python3 tools/plot_bench.py bench.jsonl isa.jsonl --out docs/bench --markdown tables.md

Writes, into --out:
  bandwidth-tN.png  GB/s per case and implementation at N threads (cases above 64 KiB), with the
                    same-run memcpy and streaming-copy limits on N threads as tick lines;
                    n/a cells are labelled with the reason
  latency-tN.png    ns per call on the small cases (<= 64 KiB): ravel one-shot and plan execute,
                    oneDNN execute and creation, ATen copy_ and contiguous(), ...
  isa-tN.png        ravel per backend and ISA (rows with a "config" field, from --isa all)
and, with --markdown FILE, the tables and the medians per peer (ravel's GB/s over each peer's,
over the cases both ran and verified). Needs python3-matplotlib (Agg backend, no display).
"""

import argparse
import collections
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

LATENCY_BYTES = 64 * 1024
IMPL_ORDER = ["ravel", "onednn", "aten", "eigen", "numpy", "torch"]
COLORS = {"ravel": "#d62728", "onednn": "#1f77b4", "aten": "#ff7f0e", "eigen": "#2ca02c",
          "numpy": "#9467bd", "torch": "#8c564b"}
ISA_COLORS = ["#7f7f7f", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]


def plural(threads):
    return "%d thread%s" % (threads, "" if threads == 1 else "s")


def load(paths):
    rows = []
    for path in paths:
        with (sys.stdin if path == "-" else open(path)) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    row = json.loads(line)
                    row.setdefault("impl", "ravel")  # `ravel bench --json` without --peers
                    rows.append(row)
    return rows


def impl_key(row):
    """One series per implementation; ravel's ISA sweep rows are series of their own."""
    if row["impl"] == "ravel" and row.get("config"):
        return "ravel " + row["config"]
    return row["impl"]


def ordered_cases(rows):
    seen = []
    for row in rows:
        if row["case"] not in seen:
            seen.append(row["case"])
    return seen


def short_reason(row):
    if row["status"] == "unsupported":
        return "unsupported"
    reason = row.get("reason", "")
    return "%s: %s" % (row["status"], reason[:48]) if reason else row["status"]


def bar_chart(rows, threads, series, path, title):
    """Horizontal grouped bars of GB/s with memcpy/stream ticks per case."""
    cases = [c for c in ordered_cases(rows) if any(
        r["case"] == c and r["bytes"] > LATENCY_BYTES for r in rows)]
    if not cases or not series:
        return False
    by = {(r["case"], impl_key(r)): r for r in rows}
    group = len(series) + 1
    fig_height = max(4.0, 0.11 * group * len(cases) + 2.0)
    fig, ax = plt.subplots(figsize=(11, fig_height))
    bar = 0.8 / len(series)
    xmax = 1.0
    for i, case in enumerate(cases):
        base = i
        limits = {}
        for j, name in enumerate(series):
            row = by.get((case, name))
            y = base + (j - (len(series) - 1) / 2) * bar
            color = COLORS.get(name.split(" ")[0], None) if " " not in name else \
                ISA_COLORS[j % len(ISA_COLORS)]
            if row is None:
                continue
            limits = limits or {"memcpy": row.get("memcpy_gbps", 0),
                                "stream": row.get("stream_gbps", 0)}
            if row["status"] == "ok" and row.get("verified", True):
                ax.barh(y, row["gbps"], height=bar, color=color,
                        label=name if i == 0 else None)
                xmax = max(xmax, row["gbps"])
            else:
                ax.barh(y, 0, height=bar, color=color, label=name if i == 0 else None)
                ax.text(0.2, y, short_reason(row), va="center", fontsize=6, color="#555555")
        half = 0.45
        if limits.get("memcpy"):
            ax.plot([limits["memcpy"]] * 2, [base - half, base + half], color="black", lw=1.2,
                    label="memcpy (%s)" % plural(threads) if i == 0 else None)
            xmax = max(xmax, limits["memcpy"])
        if limits.get("stream"):
            ax.plot([limits["stream"]] * 2, [base - half, base + half], color="black", lw=1.2,
                    ls="--", label="streaming copy (%s)" % plural(threads) if i == 0 else None)
            xmax = max(xmax, limits["stream"])
    ax.set_yticks(range(len(cases)))
    ax.set_yticklabels(cases, fontsize=7)
    ax.set_ylim(len(cases) - 0.5, -0.5)
    ax.set_xlim(0, xmax * 1.08)
    ax.set_xlabel("GB/s (2 x bytes / seconds)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False)
    ax.set_title(title, fontsize=9, pad=12 + 11 * ((len(series) + 2 + 3) // 4))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def latency_chart(rows, threads, path):
    cases = [c for c in ordered_cases(rows) if any(
        r["case"] == c and 0 < r["bytes"] <= LATENCY_BYTES for r in rows)]
    series = collections.OrderedDict()
    for row in rows:
        if row["case"] not in cases or row["status"] != "ok" or row.get("config"):
            continue
        name = row["impl"]
        main = {"ravel": "ravel one-shot", "onednn": "onednn execute", "aten": "aten copy_",
                "eigen": "eigen assign", "numpy": "numpy copyto", "torch": "torch copy_"}
        series.setdefault(main.get(name, name), {})[row["case"]] = row["ns_per_call"]
        for key, value in row.items():
            if key.endswith("_ns") and key != "ns_per_call":
                series.setdefault("%s %s" % (name, key[:-3]), {})[row["case"]] = value
    if not cases or not series:
        return False
    fig, ax = plt.subplots(figsize=(11, max(4.0, 0.3 * len(series) * len(cases) / 2 + 1.5)))
    names = list(series)
    bar = 0.8 / len(names)
    cmap = plt.get_cmap("tab20")
    for j, name in enumerate(names):
        ys = [i + (j - (len(names) - 1) / 2) * bar for i in range(len(cases))]
        xs = [series[name].get(c, 0) for c in cases]
        ax.barh(ys, xs, height=bar, color=cmap(j % 20), label=name)
    ax.set_xscale("log")
    ax.set_yticks(range(len(cases)))
    ax.set_yticklabels(cases, fontsize=8)
    ax.set_xlabel("ns per call (log scale)")
    ax.set_ylim(len(cases) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False)
    ax.set_title("Latency on small cases, %d thread%s" % (threads, "" if threads == 1 else "s"),
                 fontsize=10, pad=12 + 11 * ((len(names) + 3) // 4))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


MAIN_CALLS = {"ravel": "ravel one-shot ravel_copy", "onednn": "onednn reorder execute",
              "aten": "aten copy_", "eigen": "eigen assign", "numpy": "numpy copyto",
              "torch": "torch copy_"}
PROBE_NAMES = {"plan-execute": "ravel plan execute", "plan-create": "ravel plan create",
               "create": "onednn create (primitive cache hit)",
               "create-uncached": "onednn create (cache off: descriptor + JIT)",
               "contiguous": "aten contiguous() (allocates)"}


def latency_table(rows, threads):
    """Markdown: ns per call on the small cases, one row per implementation or probe."""
    section = [r for r in rows if r["threads"] == threads and not r.get("config")
               and 0 < r["bytes"] <= LATENCY_BYTES and r["status"] == "ok"]
    cases = ordered_cases(section)
    if not cases:
        return []
    table = collections.OrderedDict()
    for row in section:
        table.setdefault(MAIN_CALLS.get(row["impl"], row["impl"]), {})[row["case"]] = \
            row["ns_per_call"]
        for key, value in row.items():
            if key.endswith("_ns") and key != "ns_per_call":
                name = PROBE_NAMES.get(key[:-3], "%s %s" % (row["impl"], key[:-3]))
                table.setdefault(name, {})[row["case"]] = value
    order = [MAIN_CALLS["ravel"], PROBE_NAMES["plan-execute"], PROBE_NAMES["plan-create"]]
    names = [n for n in order if n in table] + [n for n in table if n not in order]
    lines = ["### Latency, ns per call, %d thread%s\n" % (threads, "" if threads == 1 else "s"),
             "| call | " + " | ".join("`%s`" % c for c in cases) + " |",
             "|---|" + "---:|" * len(cases)]
    for name in names:
        lines.append("| %s | %s |" % (name, " | ".join(
            "%.0f" % table[name][c] if c in table[name] else "-" for c in cases)))
    lines.append("")
    return lines


def fmt(row):
    if row is None:
        return "-"
    if row["status"] == "ok" and row.get("verified", True):
        return "%.2f (%.2f)" % (row["gbps"], row.get("ratio", 0))
    if row["status"] == "unsupported":
        return "unsupported"  # the reason is the same on every row; the table's note gives it
    return short_reason(row).replace("|", "/")


def markdown(rows, threads_list, out):
    lines = []
    for threads in threads_list:
        section = [r for r in rows if r["threads"] == threads and not r.get("config")]
        if not section:
            continue
        impls = [i for i in IMPL_ORDER if any(r["impl"] == i for r in section)]
        by = {(r["case"], r["impl"]): r for r in section}
        lines.append("### %d thread%s\n" % (threads, "" if threads == 1 else "s"))
        lines.append("GB/s (ratio to the same-run copy limit, max of memcpy and streaming copy "
                     "on %d thread%s); speed-up = ravel's GB/s over the best verified peer's.\n"
                     % (threads, "" if threads == 1 else "s"))
        lines.append("| case | MiB | memcpy | stream | " + " | ".join(impls) + " | speed-up |")
        lines.append("|---|---:|---:|---:|" + "---:|" * len(impls) + "---|")
        for case in ordered_cases(section):
            first = next(r for r in section if r["case"] == case)
            ravel = by.get((case, "ravel"), {})
            speedup = ravel.get("speedup_over_best_peer")
            lines.append("| `%s` | %.2f | %.2f | %.2f | %s | %s |" % (
                case, first["bytes"] / 2**20, first.get("memcpy_gbps", 0),
                first.get("stream_gbps", 0), " | ".join(fmt(by.get((case, i))) for i in impls),
                "%.2fx (%s)" % (speedup, ravel.get("best_peer")) if speedup else "-"))
        lines.append("")
        lines.append("Medians over the cases above 64 KiB that both ran and verified "
                     "(ravel's GB/s / the peer's; > 1 = ravel faster), and each "
                     "implementation's median ratio to the copy limit:\n")
        lines.append("| implementation | cases | median ravel / peer | median ratio to limit |")
        lines.append("|---|---:|---:|---:|")
        for impl in impls:
            pairs = []
            ratios = []
            for case in ordered_cases(section):
                r = by.get((case, impl))
                v = by.get((case, "ravel"))
                if not r or r["bytes"] <= LATENCY_BYTES or r["status"] != "ok" or \
                        not r.get("verified", True):
                    continue
                ratios.append(r.get("ratio", 0))
                if impl != "ravel" and v and v["status"] == "ok" and r["gbps"] > 0:
                    pairs.append(v["gbps"] / r["gbps"])
            lines.append("| %s | %d | %s | %.2f |" % (
                impl, len(ratios) if impl == "ravel" else len(pairs),
                "%.2fx" % statistics.median(pairs) if pairs else "-",
                statistics.median(ratios) if ratios else 0))
        lines.append("")
    for threads in threads_list:
        lines.extend(latency_table(rows, threads))
    isa_rows = [r for r in rows if r.get("config")]
    for threads in sorted({r["threads"] for r in isa_rows}):
        section = [r for r in isa_rows if r["threads"] == threads]
        configs = []
        for r in section:
            if r["config"] not in configs:
                configs.append(r["config"])
        by = {(r["case"], r["config"]): r for r in section}
        lines.append("### ravel per backend and ISA, %d thread%s\n"
                     % (threads, "" if threads == 1 else "s"))
        reasons = sorted({r.get("reason", "") for r in section if r["status"] == "unsupported"})
        if reasons:
            lines.append("unsupported: %s\n" % "; ".join(reasons))
        lines.append("| case | " + " | ".join(configs) + " |")
        lines.append("|---|" + "---:|" * len(configs))
        for case in ordered_cases(section):
            lines.append("| `%s` | %s |" % (case, " | ".join(
                fmt(by.get((case, c))) for c in configs)))
        lines.append("")
    with open(out, "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+", help="JSON-lines files ('-' = stdin)")
    parser.add_argument("--out", default="docs/bench", help="directory for the PNGs")
    parser.add_argument("--markdown", help="also write the tables and medians to this file")
    args = parser.parse_args()
    rows = load(args.inputs)
    if not rows:
        print("plot_bench: no JSON rows in the input", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    threads_list = sorted({r["threads"] for r in rows})
    written = []
    for threads in threads_list:
        plain = [r for r in rows if r["threads"] == threads and not r.get("config")]
        series = [i for i in IMPL_ORDER if any(r["impl"] == i for r in plain)]
        path = os.path.join(args.out, "bandwidth-t%d.png" % threads)
        if bar_chart(plain, threads, series, path,
                     "Bandwidth per case and implementation, %d thread%s\n(bars: verified "
                     "copies; lines: memcpy and streaming copy on the same threads)"
                     % (threads, "" if threads == 1 else "s")):
            written.append(path)
        path = os.path.join(args.out, "latency-t%d.png" % threads)
        if latency_chart(plain, threads, path):
            written.append(path)
        isa = [r for r in rows if r["threads"] == threads and r.get("config")]
        configs = []
        for r in isa:
            if impl_key(r) not in configs:
                configs.append(impl_key(r))
        path = os.path.join(args.out, "isa-t%d.png" % threads)
        if bar_chart(isa, threads, configs, path,
                     "ravel per backend and ISA, %d thread%s" % (threads,
                                                                "" if threads == 1 else "s")):
            written.append(path)
    if args.markdown:
        markdown(rows, threads_list, args.markdown)
        written.append(args.markdown)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
