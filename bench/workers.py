#!/usr/bin/env python3
"""Several `muelle run --once` workers on one workspace: files/s and rows/s per number of workers.

Two workloads, each from a fresh workspace with its whole input waiting in the inbox before the timer starts:
- drops: DROPS one-order Mercado Libre files (the drops task's burst, all at once) through mercadolibre-orders;
- csv: the ROWS-row Shopify export split at order boundaries into --parts files (6: every worker count up to 3
  gets the same share) through the import mapping (shopify-orders without shipping:).
Each runs with the SQLite ledger and one worker (the baseline), then with a PostgreSQL ledger (a throwaway cluster
started here: initdb into a temporary folder, pg_ctl on a free port of 127.0.0.1, stopped at the end; a new
database per run) and each count of --workers. The workers start together; the wall time runs from their start
until the last one exits. Peak RSS is the largest of the workers' (GNU time's %M); the load average is read before
and after each run.

    workers.py --muelle BIN --work DIR --drops DIR --csv FILE --drops-mapping YAML --csv-mapping YAML
               [--workers 1,2,3] [--parts 6] [--workloads drops,csv]

Prints one JSON object per run and line: workload, ledger, workers, files, rows, seconds, files_per_s, rows_per_s,
rss_kb (largest worker), load_before, load_after, statuses (each worker's exit status), archived (files done).
"""

import argparse
import csv
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

USER = "muelle"
PASSWORD_VARIABLE = "MUELLE_BENCH_PGPASS"


def log(text):
    print(time.strftime("%H:%M:%S") + " workers: " + text, file=sys.stderr, flush=True)


class Cluster:
    """A throwaway PostgreSQL server, as the tests start one (Tests/PostgresTestCluster)."""

    def __init__(self):
        self.bin = self.binaries()
        self.as_root = os.geteuid() == 0
        self.folder = tempfile.mkdtemp(prefix="muelle-bench-pg-", dir="/tmp" if self.as_root else None)
        self.password = os.urandom(12).hex()
        if self.as_root:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        password_file = os.path.join(self.folder, "password")
        with open(password_file, "w") as f:
            f.write(self.password)
        if self.as_root:
            os.chown(password_file, account.pw_uid, account.pw_gid)
        self.run("initdb", "-D", self.folder + "/data", "-U", USER, "--pwfile", password_file, "--auth-local=trust",
                 "--auth-host=scram-sha-256", "--locale=C", "-E", "UTF8", "--no-sync")
        os.unlink(password_file)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        # The server's durability as in production (fsync on): the ledger's commits are what is measured.
        self.run("pg_ctl", "start", "-D", self.folder + "/data", "-l", self.folder + "/server.log", "-w", "-t", "60",
                 "-o", f"-k {self.folder} -h 127.0.0.1 -p {self.port} -c max_connections=200")
        self.databases = 0

    @staticmethod
    def binaries():
        for folder in os.environ.get("PATH", "").split(":"):
            if os.access(os.path.join(folder, "initdb"), os.X_OK) and os.access(os.path.join(folder, "pg_ctl"), os.X_OK):
                return os.path.dirname(os.path.realpath(os.path.join(folder, "initdb")))
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not versions:
            sys.exit("workers: no PostgreSQL server (initdb, pg_ctl): apt-get install postgresql")
        return os.path.dirname(versions[-1])

    def run(self, program, *arguments):
        command = [os.path.join(self.bin, program), *arguments]
        if self.as_root:
            command = ["/usr/sbin/runuser", "-u", "postgres", "--"] + command
        # Not a pipe: the server pg_ctl leaves running would hold it open.
        with tempfile.TemporaryFile() as output:
            status = subprocess.call(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env={**os.environ, "PGPASSWORD": self.password})
            if status != 0:
                output.seek(0)
                sys.exit(f"workers: {program} failed: {output.read().decode(errors='replace')[-600:]}")

    def database(self):
        self.databases += 1
        name = f"bench{self.databases}"
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name)
        return f"postgres://{USER}@127.0.0.1:{self.port}/{name}?password=env:{PASSWORD_VARIABLE}"

    def stop(self):
        try:
            self.run("pg_ctl", "stop", "-D", self.folder + "/data", "-m", "fast", "-w")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def split_csv(source, parts, folder):
    """The export in `parts` files of about equal size, cut only where a new order starts (an order's rows stay
    together: the mapping groups consecutive rows). Each part has the header. Returns (paths, data rows)."""
    os.makedirs(folder, exist_ok=True)
    stamp = os.path.join(folder, ".params")
    params = f"{os.path.abspath(source)} {os.path.getsize(source)} {os.path.getmtime(source)} {parts}"
    paths = [os.path.join(folder, f"part-{i + 1:02d}.csv") for i in range(parts)]
    if os.path.exists(stamp) and open(stamp).read() == params:
        return paths, int(open(os.path.join(folder, ".rows")).read())
    with open(source, encoding="utf-8-sig", newline="") as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    per_part = -(-rows // parts)
    with open(source, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        name = header.index("Name")
        index, written, previous, out = 0, 0, None, None
        for row in reader:
            if out is None or (written >= per_part * index and row[name] != previous and index < parts):
                if out:
                    out.close()
                out = open(paths[index], "w", encoding="utf-8-sig", newline="")
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(header)
                index += 1
            writer.writerow(row)
            written += 1
            previous = row[name]
        out.close()
    for path in paths[index:]:  # fewer orders than parts: the rest are header-only files
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerow(header)
    with open(os.path.join(folder, ".rows"), "w") as f:
        f.write(str(rows))
    with open(stamp, "w") as f:
        f.write(params)
    return paths, rows


def workspace(work, route, mapping, files):
    ws = os.path.join(work, "ws")
    shutil.rmtree(ws, ignore_errors=True)
    inbox = os.path.join(ws, "inbox", route)
    os.makedirs(inbox)
    os.makedirs(os.path.join(ws, "mappings"))
    shutil.copy(mapping, os.path.join(ws, "mappings", route + ".yaml"))
    past = time.time() - 5  # --once takes a file at once only when it is older than the quiet period
    for path in files:
        target = os.path.join(inbox, os.path.basename(path))
        try:
            os.link(path, target)
        except OSError:
            shutil.copy(path, target)
        os.utime(target, (past, past))
    return ws


def load():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def measure(args, workload, ledger, workers, route, mapping, files, rows, url, environment):
    ws = workspace(args.work, route, mapping, files)
    extra = ["--ledger", url] if url else []
    before = load()
    processes = []
    start = time.monotonic()
    for worker in range(workers):
        timing = os.path.join(args.work, f"time-{worker}.txt")
        stderr = open(os.path.join(args.work, f"stderr-{worker}.txt"), "w")
        processes.append((subprocess.Popen(
            ["/usr/bin/time", "-f", "%e %M", "-o", timing, args.muelle, "run", "--once", "--root", ws, "--log-level", "warning",
             "--concurrency", "1", *extra],
            stdout=subprocess.DEVNULL, stderr=stderr, env=environment), timing, stderr))
    statuses = [process.wait() for process, _, _ in processes]
    seconds = time.monotonic() - start
    after = load()
    rss = 0
    for _, timing, stderr in processes:
        stderr.close()
        try:
            rss = max(rss, int(open(timing).read().split()[-1]))
        except (OSError, ValueError, IndexError):
            pass
    archive = os.path.join(ws, "archive", route)
    archived = sum(1 for e in os.scandir(archive) if e.is_file()) if os.path.isdir(archive) else 0
    failures = [open(os.path.join(args.work, f"stderr-{i}.txt")).read().strip().splitlines()[-1:] for i, s in enumerate(statuses) if s != 0]
    result = {
        "workload": workload, "ledger": ledger, "workers": workers, "files": len(files), "rows": rows,
        "seconds": round(seconds, 3), "files_per_s": round(archived / seconds, 1), "rows_per_s": round(rows / seconds) if archived == len(files) else None,
        "rss_kb": rss, "load_before": before, "load_after": after, "statuses": statuses, "archived": archived,
        "failures": [line for lines in failures for line in lines],
    }
    shutil.rmtree(ws, ignore_errors=True)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--muelle", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--drops", required=True, help="folder of one-order files")
    parser.add_argument("--csv", required=True, help="the Shopify export")
    parser.add_argument("--drops-mapping", required=True)
    parser.add_argument("--csv-mapping", required=True)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--parts", type=int, default=6)
    parser.add_argument("--workloads", default="drops,csv")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    os.makedirs(args.work, exist_ok=True)

    loads = {}
    if "drops" in args.workloads:
        files = sorted(os.path.join(args.drops, n) for n in os.listdir(args.drops) if n.endswith(".json"))
        loads["drops"] = ("mercadolibre-orders", args.drops_mapping, files, len(files))
    if "csv" in args.workloads:
        parts, rows = split_csv(args.csv, args.parts, os.path.splitext(args.csv)[0] + f"-parts{args.parts}")
        loads["csv"] = ("shopify-orders", args.csv_mapping, parts, rows)

    cluster = Cluster()
    environment = {**os.environ, PASSWORD_VARIABLE: cluster.password}
    try:
        for workload, (route, mapping, files, rows) in loads.items():
            log(f"{workload}: SQLite ledger, 1 worker ({len(files)} files)")
            print(json.dumps(measure(args, workload, "sqlite", 1, route, mapping, files, rows, None, environment)), flush=True)
            for count in counts:
                log(f"{workload}: PostgreSQL ledger, {count} worker(s)")
                print(json.dumps(measure(args, workload, "postgres", count, route, mapping, files, rows, cluster.database(), environment)),
                      flush=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
