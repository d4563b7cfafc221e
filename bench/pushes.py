#!/usr/bin/env python3
"""Pushes benchmark: one-order JSON bodies POSTed to a running `muelle run --listen` with wrk, on loopback.

Every push is fsynced and renamed into the inbox before its 202 (the intake's promise), so this measures the
HTTP intake's accepted pushes per second and their latency (p50/p99 from wrk --latency), then how long muelle
takes to turn every accepted push into its order (the same path as a file drop), for the rate end to end.

    pushes.py --muelle BIN --workspace WS --route ROUTE --files DIR [--seconds 10] [--connections 8] [--threads 2]

The bodies are the small drops of `generate.py drops` (one paid order each), used as templates: every request
gets an order id of its own (the thread's number and its count written over the order's first "id"), so each
push is a new drop and a new order, and the pipeline behind the intake does the whole work for every one.
"""

import argparse
import glob
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def milliseconds(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--muelle", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--route", required=True)
    parser.add_argument("--files", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    ws = args.workspace
    bodies = sorted(glob.glob(os.path.join(args.files, "*.json")))
    if not bodies:
        sys.exit("no bodies in " + args.files)
    token = subprocess.run([args.muelle, "tokens", "create", "--route", args.route, "--name", "bench", "--root", ws],
                           check=True, capture_output=True, text=True).stdout.strip()
    # wrk's Lua reads the bodies once per thread; each thread starts at its own offset.
    script = os.path.join(ws, "pushes.lua")
    with open(script, "w") as out:
        out.write("local bodies = {}\n")
        out.write("for line in io.lines(%r) do\n  local f = io.open(line, 'rb'); bodies[#bodies + 1] = f:read('*a'); f:close()\nend\n" % os.path.join(ws, "bodies.txt"))
        out.write("local counter = 0\n")
        out.write("function setup(thread) thread:set('first', counter); counter = counter + 1 end\n")
        # Order ids 3000000000000000 + thread * 10^9 + n: below 2^53, exact in LuaJIT's doubles, never repeated.
        out.write("function init(args) thread_number = tonumber(first) or 0; i = 0 end\n")
        out.write("function request()\n  local body = bodies[(i %% #bodies) + 1]\n"
                  "  local id = string.format('%%.0f', 3000000000000000 + thread_number * 1000000000 + i)\n  i = i + 1\n"
                  "  body = string.gsub(body, '\"id\": %%d+', '\"id\": ' .. id, 1)\n"
                  "  return wrk.format('POST', '/hooks/%s', { ['Content-Type'] = 'application/json', ['Authorization'] = 'Bearer %s' }, body)\nend\n"
                  % (args.route, token))
    with open(os.path.join(ws, "bodies.txt"), "w") as out:
        out.write("\n".join(bodies) + "\n")

    port = free_port()
    muelle = subprocess.Popen([args.muelle, "run", "--listen", "127.0.0.1:%d" % port, "--quiet-ms", "50",
                               "--log-level", "warning", "--root", ws], stderr=subprocess.DEVNULL)
    try:
        import urllib.request
        def up():
            try:
                return urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1).status == 200
            except OSError:
                return False
        if not wait_until(up, 30):
            sys.exit("muelle did not listen")
        started = time.monotonic()
        wrk = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", "%ds" % args.seconds,
                              "--latency", "-s", script, "http://127.0.0.1:%d" % port], capture_output=True, text=True, check=True)
        text = wrk.stdout
        requests = int(re.search(r"(\d+) requests in", text).group(1))
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
        p50 = milliseconds(re.search(r"\s50%\s+(\S+)", text).group(1))
        p99 = milliseconds(re.search(r"\s99%\s+(\S+)", text).group(1))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        non_2xx = int(errors.group(1)) if errors else 0
        # Every answered push is a new order; pushes still in flight when wrk stopped may land too.
        distinct = requests - non_2xx
        reports = os.path.join(ws, "outbox", "reports")
        inbox = os.path.join(ws, "inbox", args.route)
        def count(folder):
            return len([n for n in os.listdir(folder) if not n.startswith(".")]) if os.path.isdir(folder) else 0
        def drained():
            return count(reports) >= distinct and count(inbox) == 0
        wait_until(drained, 1800)
        done = time.monotonic() - started
        orders = count(reports)
        print(json.dumps({
            "requests": requests, "pushes_per_s": round(rate, 1), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
            "non_2xx": non_2xx, "distinct": distinct, "orders": orders,
            "load_average": os.getloadavg()[0],
            "seconds_to_last_order": round(done, 2), "orders_per_s": round(orders / done, 1) if done else 0,
            "connections": args.connections, "threads": args.threads, "seconds": args.seconds,
        }))
    finally:
        muelle.send_signal(signal.SIGTERM)
        muelle.wait(timeout=60)


if __name__ == "__main__":
    main()
