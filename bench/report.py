#!/usr/bin/env python3
"""Turns bench/run's session file (one tab-separated measurement per line) into the markdown report:
the machine, a table of every tool on every task, the targets with PASS/FAIL, and notes.

Session lines (written by bench/run):
    param   KEY VALUE
    input   TASK TOOL|* BYTES RECORDS UNIT PATH
    run     TASK TOOL PAIR SECONDS RSS_KIB       (pair 0 = warm-up, not counted)
    check   TASK TOOL TEXT                       (what a run produced, for the reader to sanity-check)
    note    TASK TEXT
    drops   PHASE JSON                           (drops.py's result)
    scale   PHASE JSON                           (scale.py's result: many-files, fresh-ledger, large-ledger)
    workers PHASE JSON                           (workers.py's result: "WORKLOAD LEDGER N", one per run)
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
from collections import defaultdict

TASK_ORDER = ["csv", "json", "xml", "xml-feed", "memory", "drops", "pushes", "io-csv", "io-xml", "labels", "scale"]
TASK_TITLES = {"csv": "CSV orders", "json": "JSON orders (NDJSON)", "xml": "XML orders (SOAP)", "xml-feed": "XML product feed (RSS)",
               "memory": "Memory", "drops": "Small drops", "io-csv": "I/O floor (CSV)", "io-xml": "I/O floor (XML)",
               "labels": "Labels", "many-files": "Many files waiting", "fresh-ledger": "500 files, fresh ledger",
               "large-ledger": "500 files, large ledger", "many-files-watch": "Many files waiting (watching)",
               "tenth-files-watch": "A tenth as many waiting (watching)"}
REFERENCES = {"csv": ["mlr"], "json": ["jq"], "xml": ["xmlstarlet", "xmllint --stream"],
              "xml-feed": ["xmlstarlet", "xmllint --stream"]}
RSS_LIMIT_MB = 100


def mb(n_bytes):
    return n_bytes / 1e6


def fmt_int(n):
    return f"{n:,}"


def fmt_rate(x):
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:,.1f}" if x >= 10 else f"{x:,.2f}"


def fmt_ms(ms):
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def fmt_seconds(s):
    return f"{s:.3f}" if s < 10 else f"{s:.2f}"


class Session:
    def __init__(self, path):
        self.params = {}
        self.inputs = {}                    # (task, tool or "*") → (bytes, records, unit, path)
        self.runs = defaultdict(list)       # (task, tool) → [(pair, seconds, rss_kib)]
        self.checks = []
        self.notes = []
        self.drops = {}
        self.scale = {}
        self.pushes = {}
        self.workers = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                kind, *fields = line.rstrip("\n").split("\t")
                if kind == "param":
                    self.params[fields[0]] = fields[1]
                elif kind == "input":
                    task, tool, size, records, unit, path_ = fields
                    self.inputs[(task, tool)] = (int(size), int(records), unit, path_)
                elif kind == "run":
                    task, tool, pair, seconds, rss = fields
                    self.runs[(task, tool)].append((int(pair), float(seconds), int(rss)))
                elif kind == "check":
                    self.checks.append(fields)
                elif kind == "note":
                    self.notes.append(fields)
                elif kind == "drops":
                    self.drops[fields[0]] = json.loads(fields[1])
                elif kind == "scale":
                    self.scale[fields[0]] = json.loads(fields[1])
                elif kind == "pushes":
                    self.pushes[fields[0]] = json.loads(fields[1])
                elif kind == "workers":
                    self.workers[fields[0]] = json.loads(fields[1])

    def tools(self, task):
        """Tools of a task in the order they first ran (muelle first)."""
        return [tool for (t, tool) in self.runs if t == task]

    def input(self, task, tool):
        return self.inputs.get((task, tool)) or self.inputs.get((task, "*"))

    def measured(self, task, tool):
        """Measured runs; the warm-up only when no measured pair exists (PAIRS=0)."""
        runs = self.runs[(task, tool)]
        return [r for r in runs if r[0] > 0] or runs

    def median_seconds(self, task, tool):
        return statistics.median(r[1] for r in self.measured(task, tool))

    def median_rss_mb(self, task, tool):
        return statistics.median(r[2] for r in self.measured(task, tool)) * 1024 / 1e6

    def max_rss_mb(self, task, tool):
        return max(r[2] for r in self.runs[(task, tool)]) * 1024 / 1e6

    def speedups(self, task, reference):
        """Per measured pair: reference wall time ÷ muelle wall time (> 1: muelle is faster)."""
        muelle = {p: s for p, s, _ in self.measured(task, "muelle")}
        return [s / muelle[p] for p, s, _ in self.measured(task, reference) if p in muelle and muelle[p] > 0]


def machine(root, params):
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=root).stdout.strip()
        except OSError:
            return "?"

    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
    os_name = "?"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    versions = run("dpkg-query", "-W", "-f", "${Package} ${Version}, ", "miller", "jq", "xmlstarlet",
                   "libxml2-utils", "time").rstrip(", ")
    swift = run("swift", "--version").splitlines()
    # MUELLE_COMMIT names the commit when the tree is not a git checkout (say, a `git archive` export).
    commit = os.environ.get("MUELLE_COMMIT") or run("git", "describe", "--always", "--dirty", "--abbrev=12") or "?"
    commit_date = run("git", "log", "-1", "--format=%cI", os.environ.get("MUELLE_COMMIT", "HEAD"))
    return [
        f"- Date: {params.get('started', '?')} (UTC), {params.get('duration', '?')} s in all",
        f"- Machine: {os.cpu_count()} CPUs (nproc {run('nproc')}), {cpu}, {mem_kib / 1024 / 1024:.1f} GiB memory",
        f"- System: {os_name}, Linux {platform.release()}",
        f"- Load average (1, 5, 15 min): {params.get('load_start', '?')} at the start, "
        f"{params.get('load_end', '?')} at the end",
        f"- muelle: commit {commit}{f' ({commit_date})' if commit_date else ''}; binary {params.get('muelle', '?')}",
        f"- Swift: {swift[0] if swift else '?'}",
        f"- Reference tools (Debian packages): {versions}",
        f"- Parameters: ROWS={params.get('rows')} PAIRS={params.get('pairs')} SEED={params.get('seed')}; "
        f"tasks: {params.get('tasks')}",
    ]


def workers_table(s):
    """Files/s and rows/s per number of workers on one PostgreSQL ledger, against the SQLite single worker."""
    if not s.workers:
        return []
    out = ["## Workers", "",
           "`muelle run --once` workers started together on one workspace; wall time from their start until the last "
           "exits. Speed-up against one worker on the same ledger. Peak RSS: the largest worker's.", "",
           "| Workload | Ledger | Workers | Input | Wall (s) | Files/s | Rows/s | Speed-up vs 1 | Peak RSS (MB) | Load before → after | Exit statuses |",
           "|---|---|--:|---|--:|--:|--:|--:|--:|---|---|"]
    for phase, d in s.workers.items():
        one = s.workers.get(f"{d['workload']} {d['ledger']} 1")
        up = (f"{one['seconds'] / d['seconds']:.2f}×" if one and d['seconds'] else "—")
        done = "" if d["archived"] == d["files"] else f" (**only {fmt_int(d['archived'])} done**)"
        rows = fmt_rate(d["rows_per_s"]) if d["workload"] == "csv" and d["rows_per_s"] else "—"
        statuses = ", ".join(str(x) for x in d["statuses"]) + ("; " + "; ".join(d["failures"]) if d.get("failures") else "")
        out.append(f"| {d['workload']} | {'PostgreSQL' if d['ledger'] == 'postgres' else 'SQLite'} | {d['workers']} | "
                   f"{fmt_int(d['files'])} files, {fmt_int(d['rows'])} rows | {fmt_seconds(d['seconds'])} | {fmt_rate(d['files_per_s'])}{done} | "
                   f"{rows} | {up} | {d['rss_kb'] * 1024 / 1e6:.1f} | {d['load_before']} → {d['load_after']} | {statuses} |")
    return out + [""]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--session", required=True)
    parser.add_argument("--root", required=True)
    args = parser.parse_args()
    s = Session(args.session)

    out = ["# muelle benchmark", ""]
    if int(s.params.get("rows", "0")) < 1_000_000:
        out += [f"**Scaled-down run (ROWS={s.params.get('rows')}): numbers are for checking the harness, "
                "not for the targets.**", ""]
    out += machine(args.root, s.params) + [""]

    # ---- Main table: one row per tool and task.
    out += ["## Results", "",
            "Median of the measured pairs (a warm-up pair first, not counted). Speed-up = the reference's wall "
            "time ÷ muelle's wall time on the same input in the same pair: above 1 muelle is faster (it is also "
            "the ratio of muelle's records/s to the reference's). MB = 10⁶ bytes.", "",
            "| Task | Tool | Input | Median wall (s) | Records/s | MB/s | Peak RSS (MB) | muelle speed-up per pair | Median speed-up |",
            "|---|---|---|--:|--:|--:|--:|---|---|"]
    tasks_run = s.params.get("tasks", "").split()
    for task in TASK_ORDER:
        if task == "drops":
            for phase, d in s.drops.items():
                label = "as fast as possible" if not d["rate"] else f"paced, {d['rate']:g} files/s"
                lat = (f"drop→outbox p50 {fmt_ms(d['p50_ms'])}, p99 {fmt_ms(d['p99_ms'])}, max {fmt_ms(d['max_ms'])}"
                       if d["p50_ms"] is not None else "no output seen")
                seen = "" if d["seen"] == d["files"] else f" (**only {d['seen']} reached the outbox**)"
                out.append(f"| Small drops ({label}) | muelle run --quiet-ms 50 | {fmt_int(d['files'])} files, "
                           f"{mb(d['bytes']):.1f} MB | {fmt_seconds(d['elapsed'])} | {fmt_rate(d['files_per_s'])} files/s"
                           f"{seen} | {fmt_rate(mb(d['bytes']) / d['elapsed'])} | {d['rss_kb'] * 1024 / 1e6:.1f} | "
                           f"no reference; {lat} | — |")
            continue
        if task == "pushes":
            burst = s.drops.get("burst")
            for tool, d in s.pushes.items():
                versus = (f"file drops (burst): {fmt_rate(burst['files_per_s'])} files/s" if burst else "file drops: not run")
                out.append(f"| Pushes (HTTP, {d['connections']} connections, {d['seconds']} s) | muelle run --listen + wrk | "
                           f"{fmt_int(d['requests'])} pushes ({fmt_int(d['distinct'])} distinct) | {fmt_seconds(d['seconds_to_last_order'])} | "
                           f"{fmt_rate(d['pushes_per_s'])} pushes/s accepted, {fmt_rate(d['orders_per_s'])} orders/s to the outbox | — | — | "
                           f"push→202 p50 {fmt_ms(d['p50_ms'])}, p99 {fmt_ms(d['p99_ms'])}; {versus} | — |")
            continue
        if task == "scale":
            for phase, d in s.scale.items():
                command = "muelle run" if phase.endswith("-watch") else "muelle run --once"
                out.append(f"| {TASK_TITLES.get(phase, phase)} | {command} | {fmt_int(d['files'])} files | "
                           f"{fmt_seconds(d['seconds'])} | {fmt_rate(d['files_per_s'])} files/s | — | {d['rss_kb'] * 1024 / 1e6:.1f} | "
                           f"no reference; files/s at the start {d['start_files_per_s']}, at the end {d['end_files_per_s']} | — |")
            continue
        for tool in s.tools(task):
            size, records, unit, _ = s.input(task, tool)
            seconds = s.median_seconds(task, tool)
            per_pair, median = "", ""
            if tool in REFERENCES.get(task, []):
                ups = s.speedups(task, tool)
                if ups:
                    per_pair = ", ".join(f"{u:.2f}×" for u in ups)
                    m = statistics.median(ups)
                    median = (f"muelle {m:.2f}× faster" if m >= 1 else f"muelle {1 / m:.2f}× slower")
            out.append(f"| {TASK_TITLES[task]} | {tool} | {mb(size):.1f} MB, {fmt_int(records)} {unit} | "
                       f"{fmt_seconds(seconds)} | {fmt_rate(records / seconds) if seconds else '—'} | "
                       f"{fmt_rate(mb(size) / seconds) if seconds else '—'} | {s.median_rss_mb(task, tool):.1f} | "
                       f"{per_pair} | {median} |")
    out.append("")
    out += workers_table(s)

    # ---- Targets.
    out += ["## Targets", "", "| Target | Measured | Result |", "|---|---|---|"]

    def verdict(ok):
        return "PASS" if ok else "**FAIL**"

    def speed_target(task, ref, need, label):
        ups = s.speedups(task, ref) if (task, "muelle") in s.runs else []
        if not ups:
            out.append(f"| {label} | not run | — |")
            return
        m = statistics.median(ups)
        out.append(f"| {label} | muelle {m:.2f}× the reference's records/s (median of {plural(len(ups), 'pair')}) | "
                   f"{verdict(m >= need)} |")

    speed_target("csv", "mlr", 3, "CSV: muelle rows/s ≥ 3× Miller's")
    speed_target("json", "jq", 5, "JSON: muelle orders/s ≥ 5× jq's")
    for task, what in (("xml", "XML orders"), ("xml-feed", "XML product feed")):
        speed_target(task, "xmlstarlet", 2, f"{what}: muelle ≥ 2× xmlstarlet")
        floor = s.speedups(task, "xmllint --stream") if (task, "muelle") in s.runs else []
        if floor:
            ratio = statistics.median(1 / u for u in floor)
            out.append(f"| {what}: within 1.5× of `xmllint --stream` (muelle time ÷ xmllint time ≤ 1.5) | "
                       f"{ratio:.2f} (median of {plural(len(floor), 'pair')}) | {verdict(ratio <= 1.5)} |")
        else:
            out.append(f"| {what}: within 1.5× of `xmllint --stream` | not run | — |")

    peaks = [(task, s.max_rss_mb(task, tool)) for (task, tool) in s.runs if tool.startswith("muelle")]
    peaks += [("drops", d["rss_kb"] * 1024 / 1e6) for d in s.drops.values()]
    if peaks:
        worst = {}
        for task, rss in peaks:
            worst[task] = max(worst.get(task, 0), rss)
        listing = ", ".join(f"{t} {v:.1f}" for t, v in worst.items())
        out.append(f"| muelle peak RSS ≤ {RSS_LIMIT_MB} MB in every task (highest run, warm-up included) | "
                   f"{listing} MB | {verdict(max(worst.values()) <= RSS_LIMIT_MB)} |")

    small = [tool for (task, tool) in s.runs if task == "memory"]
    big_key = ("csv", "muelle") if ("csv", "muelle") in s.runs else None
    big_key = next((("memory", t) for t in small if t != small[0]), big_key) if small else None
    if small and big_key:
        a, b = s.median_rss_mb("memory", small[0]), s.median_rss_mb(*big_key)
        _, big_rows, _, _ = s.input(*big_key)
        _, small_rows, _, _ = s.input("memory", small[0])
        change = (b - a) / a * 100
        out.append(f"| Memory flat: peak RSS on {fmt_int(big_rows)} rows within 20% of {fmt_int(small_rows)} rows | "
                   f"{a:.1f} MB → {b:.1f} MB ({change:+.0f}%) | {verdict(abs(change) <= 20)} |")
    else:
        out.append("| Memory flat (100k vs 1M rows within 20%) | not run | — |")

    burst = s.drops.get("burst")
    if burst:
        out.append(f"| Small drops: a burst of {fmt_int(burst['files'])} one-order files at ≥ 1,000 files/s | "
                   f"{fmt_rate(burst['files_per_s'])} files/s | {verdict(burst['files_per_s'] >= 1000)} |")
    d = s.drops.get("paced") or burst
    if d and d["p50_ms"] is not None:
        which = "paced run" if "paced" in s.drops else "burst run"
        out.append(f"| Small drops: drop→outbox p50 ≤ 100 ms ({which}) | {d['p50_ms']} ms | {verdict(d['p50_ms'] <= 100)} |")
        out.append(f"| Small drops: drop→outbox p99 ≤ 1 s ({which}) | {d['p99_ms']} ms | {verdict(d['p99_ms'] <= 1000)} |")
    else:
        out.append("| Small drops: drop→outbox p50 ≤ 100 ms, p99 ≤ 1 s | not run | — |")
    if ("labels", "muelle") in s.runs:
        _, shipments, _, _ = s.input("labels", "muelle")
        rate = shipments / s.median_seconds("labels", "muelle")
        out.append(f"| Labels: ≥ 500 labels/s | {rate:.0f} labels/s ({fmt_int(shipments)} shipments, PDFs and tracking updates, "
                   f"median of the measured runs) | {verdict(rate >= 500)} |")
    else:
        out.append("| Labels: ≥ 500 labels/s | not run | — |")
    if ("labels", "muelle") in s.runs and ("labels", "muelle ×10") in s.runs:
        _, small_labels, _, _ = s.input("labels", "muelle")
        _, big_labels, _, _ = s.input("labels", "muelle ×10")
        a, b = s.median_rss_mb("labels", "muelle"), s.median_rss_mb("labels", "muelle ×10")
        big_rate = big_labels / s.median_seconds("labels", "muelle ×10")
        out.append(f"| Labels: peak RSS on {fmt_int(big_labels)} labels within 1.2× of {fmt_int(small_labels)} labels | "
                   f"{a:.1f} MB → {b:.1f} MB ({b / a:.2f}×; {big_rate:.0f} labels/s on the large run) | {verdict(b <= 1.2 * a)} |")
    else:
        out.append("| Labels: peak RSS at 10× the labels within 1.2× | not run | — |")
    out.append("")

    # ---- Notes.
    out += ["## Notes", ""]
    for task, text in s.notes:
        out.append(f"- {text}")
    ran = set(task for task, _ in s.runs) | ({"drops"} if s.drops else set()) | ({"workers"} if s.workers else set()) | ({"scale"} if s.scale else set()) | ({"pushes"} if s.pushes else set())
    general = [
        (None, "Every muelle run starts from a fresh workspace (new ledger) with the input hard-linked into the "
         "inbox before the timer starts; muelle's time includes writing, fsyncing and renaming its outputs, the "
         "ledger commit and archiving the input. The references write to a scratch file without fsync."),
        (None, "Wall time: `$EPOCHREALTIME` around `/usr/bin/time -f '%e %M' CMD`; peak RSS: GNU time's `%M`. "
         "Inputs are in the page cache (the warm-up pair reads them first)."),
        ("csv", "Miller: fill-down of the order columns onto item rows, filter `Financial Status == paid`, line "
         "total, upper-cased country, renames, cut to the emitted fields, JSON out. It does less than muelle: no "
         "fulfilment/cancel conditions, no grouping into nested orders, float arithmetic, no validation. Miller 6 "
         "RSS grows with the input (it is not limited to a window of records)."),
        ("json", "jq: the mapping's filter and order shape (`-c`, one order per line); float arithmetic, no "
         "validation."),
        ("xml", "xmlstarlet builds the whole document tree in memory (hence its RSS); `xmllint --stream --noout` "
         "only parses, with the libxml2 reader muelle also uses: the floor for any XML work. With the example's "
         "element shapes an order takes about 2 KB, so the XML holds fewer orders per MB than the other inputs "
         "(XML_MB sets its size)."),
        ("xml-feed", "Product feed: a Google Merchant Center RSS feed of XML_MB MB (about 600 bytes a product, every "
         "id distinct) through mappings/merchant-feed-catalogue.yaml, a full feed: each product is upserted into the "
         "ledger's catalogue. xmlstarlet extracts the same fields (price split into amount and currency, stock "
         "from availability); `xmllint --stream --noout` is the parse floor."),
        ("memory", "Memory: muelle's peak RSS on a tenth of the CSV rows against the full CSV (the csv task's "
         "runs when it ran): a streaming pipeline stays flat."),
        ("drops", "Small drops: `muelle run --quiet-ms 50` on an empty workspace; each file is written under a "
         "dot name and renamed into `inbox/mercadolibre-orders/`; latency runs from the rename to the orders "
         "file's appearance in `outbox/orders/` (inotify), so it includes the 50 ms quiet period. The burst run "
         "gives files/s; the latency targets are judged on the paced run (half the burst rate unless DROP_RATE "
         "says otherwise, so no queue builds up)."),
        ("pushes", "Pushes: wrk POSTs the small drops' bodies, each with an order id of its own (every push a new order) "
         "to `/hooks/mercadolibre-orders` of `muelle run --listen --quiet-ms 50` on loopback, with a bearer token; each "
         "push is written, fsynced and linked into the inbox before its 202. p50/p99 are wrk's push→answer latencies; "
         "orders/s counts from the first push to the last report."),
        ("workers", "Workers: the CSV is split at order boundaries into 6 files (equal shares for 1, 2 and 3 workers); "
         "the drops are the drops task's one-order files, all waiting before the start. The PostgreSQL cluster is a "
         "throwaway one on this machine (fsync on), so the server competes with the workers for the same cores."),
        ("scale", "Scale: one `muelle run --once --log-level warning` each (the watching phases: `muelle run`, stopped "
         "with SIGTERM once the inbox is empty; their peak RSS must not follow the number of waiting files); files/s at the start and at the end are "
         "the rates over the first and the last tenth of the files, read from the archive's ctimes (each original is "
         "renamed there right after its commit). The large ledger was filled by an untimed run first."),
    ]
    out += [f"- {text}" for task, text in general if task is None or task in ran]
    if s.checks:
        out += ["", "What each tool produced (warm-up run):", ""]
        out += [f"- {TASK_TITLES.get(task, task)}: {text}" for task, _, text in s.checks]
    print("\n".join(out))


if __name__ == "__main__":
    main()
