#!/usr/bin/env python3
"""Small-drops benchmark: many one-order files dropped into a running `muelle run` (watch mode).

For every file it records when the file appeared in the inbox (rename done) and when its orders file
appeared in outbox/orders/ (seen through inotify, so polling costs nothing and adds no delay), then
prints one JSON object: files/s overall, drop→outbox latency percentiles, and muelle's peak RSS.

The output name is known in advance: <route>-<first 12 hex of the input's sha256>.ndjson, so each
outbox event is matched to its input without reading reports. Every generated drop is a paid, undelivered
order, so every input yields an orders file.

    drops.py --muelle BIN --workspace WS --route ROUTE --files DIR [--rate N] [--limit N] [--quiet-ms 50]

--rate 0 drops as fast as possible (throughput); --rate N drops N files per second at a steady pace
(latency under a load the service can sustain). The workspace must hold mappings/<route>.yaml and nothing
in the inbox; muelle is started here under GNU time (for its peak RSS) and stopped with SIGTERM.
"""

import argparse
import ctypes
import hashlib
import json
import math
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time

IN_CREATE = 0x100
IN_MOVED_TO = 0x80
EVENT_HEADER = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then the name)


class OutboxWatch(threading.Thread):
    """Records the first time each name appears in a folder, from inotify events (Linux)."""

    def __init__(self, folder):
        super().__init__(daemon=True)
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, folder.encode(), IN_CREATE | IN_MOVED_TO) < 0:
            raise OSError(ctypes.get_errno(), "inotify on " + folder)
        self.seen = {}
        self.lock = threading.Lock()
        self.stopping = False

    def run(self):
        while not self.stopping:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                continue
            now = time.monotonic()
            data = os.read(self.fd, 1 << 16)
            offset = 0
            while offset < len(data):
                _, _, _, length = EVENT_HEADER.unpack_from(data, offset)
                offset += EVENT_HEADER.size
                name = data[offset:offset + length].rstrip(b"\0").decode()
                offset += length
                with self.lock:
                    self.seen.setdefault(name, now)

    def count(self, names):
        with self.lock:
            return sum(1 for n in names if n in self.seen)


def percentile(sorted_values, p):
    """Nearest-rank percentile (no interpolation: p99 of 10,000 samples is the 9,900th)."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def muelle_pid(time_pid):
    """The muelle process started by /usr/bin/time (GNU time does not pass SIGTERM on)."""
    for _ in range(100):
        try:
            with open(f"/proc/{time_pid}/task/{time_pid}/children") as f:
                children = f.read().split()
            if children:
                return int(children[0])
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError("muelle did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--muelle", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--route", required=True)
    parser.add_argument("--files", required=True, help="folder of prepared drops")
    parser.add_argument("--rate", type=float, default=0, help="files per second; 0 = as fast as possible")
    parser.add_argument("--limit", type=int, default=0, help="drop only the first N files")
    parser.add_argument("--quiet-ms", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=120, help="seconds without progress before giving up")
    args = parser.parse_args()

    ws, route = args.workspace, args.route
    inbox = os.path.join(ws, "inbox", route)
    outbox = os.path.join(ws, "outbox", "orders")
    os.makedirs(inbox, exist_ok=True)
    os.makedirs(outbox, exist_ok=True)

    # Read every drop before starting: the clock then measures muelle, not our disk reads.
    names = sorted(os.listdir(args.files))
    if args.limit:
        names = names[:args.limit]
    drops = []
    for name in names:
        with open(os.path.join(args.files, name), "rb") as f:
            content = f.read()
        expected = f"{route}-{hashlib.sha256(content).hexdigest()[:12]}.ndjson"
        drops.append((name, content, expected))
    total_bytes = sum(len(c) for _, c, _ in drops)

    watch = OutboxWatch(outbox)
    watch.start()
    time_file = os.path.join(ws, "time.txt")
    log = open(os.path.join(ws, "muelle.log"), "wb")
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%e %M", "-o", time_file, args.muelle, "run", "--root", ws,
                             "--quiet-ms", str(args.quiet_ms), "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT)
    pid = muelle_pid(proc.pid)
    # Let it open the ledger and set its inotify watches, so the first drops are not handled by a rescan.
    ledger = os.path.join(ws, ".muelle", "ledger.sqlite")
    deadline = time.monotonic() + 30
    while not os.path.exists(ledger) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(1.0)
    if proc.poll() is not None:
        sys.exit("muelle run exited at start; see " + log.name)

    # Drop: write under a dot name (muelle ignores it), then rename into the inbox, as an uploader does.
    dropped = {}
    start = time.monotonic()
    for i, (name, content, expected) in enumerate(drops):
        if args.rate > 0:
            due = start + i / args.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        temp = os.path.join(inbox, "." + name + ".tmp")
        with open(temp, "wb") as f:
            f.write(content)
        os.rename(temp, os.path.join(inbox, name))
        dropped[expected] = time.monotonic()
    drop_end = time.monotonic()

    # Wait for every orders file; give up after --timeout seconds without any new one.
    expected_names = list(dropped)
    done, last_progress = 0, time.monotonic()
    while done < len(expected_names):
        time.sleep(0.05)
        now_done = watch.count(expected_names)
        if now_done > done:
            done, last_progress = now_done, time.monotonic()
        elif time.monotonic() - last_progress > args.timeout or proc.poll() is not None:
            break

    os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.kill(pid, signal.SIGKILL)
        proc.wait()
    watch.stopping = True
    watch.join()
    with open(time_file) as f:
        wall, rss_kb = f.read().split()[-2:]

    seen = {n: watch.seen[n] for n in expected_names if n in watch.seen}
    latencies = sorted((seen[n] - dropped[n]) * 1000 for n in seen)
    finish = max(seen.values()) if seen else drop_end
    print(json.dumps({
        "files": len(drops), "bytes": total_bytes, "seen": len(seen), "rate": args.rate,
        "drop_seconds": round(drop_end - start, 3),
        "elapsed": round(finish - start, 3),  # first drop → last orders file
        "files_per_s": round(len(seen) / (finish - start), 1) if seen else 0,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "muelle_wall": float(wall), "rss_kb": int(rss_kb), "exit": proc.returncode,
    }))
    return 0 if len(seen) == len(drops) else 1


if __name__ == "__main__":
    sys.exit(main())
