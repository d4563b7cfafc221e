#!/usr/bin/env python3
"""Files/s of one `muelle run --once` at the start and at the end of its run, from its archive.

Every processed input is renamed into archive/<route>/ right after its commit, which sets the file's ctime:
the sorted ctimes are the moments each file was done. The rate over the first and the last tenth of the
files (at least 2, at most 2,000) shows whether per-file work grows as the inbox empties and the ledger fills.

    scale.py --archive WS/archive/ROUTE --seconds WALL --rss-kb KIB [--after EPOCH]

--after ignores files archived before that moment (a workspace whose ledger was filled beforehand).
Prints one JSON object: files, seconds, files_per_s, start_files_per_s, end_files_per_s, rss_kb.
"""

import argparse
import json
import os


def rate(times):
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    return round((len(times) - 1) / (times[-1] - times[0]), 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--rss-kb", type=int, required=True)
    parser.add_argument("--after", type=float, default=0)
    args = parser.parse_args()
    times = sorted(t for t in (os.lstat(e.path).st_ctime for e in os.scandir(args.archive) if e.is_file(follow_symlinks=False))
                   if t > args.after)
    window = max(2, min(2000, len(times) // 10))
    print(json.dumps({
        "files": len(times), "seconds": args.seconds,
        "files_per_s": round(len(times) / args.seconds, 1) if args.seconds else None,
        "start_files_per_s": rate(times[:window]), "end_files_per_s": rate(times[-window:]),
        "rss_kb": args.rss_kb,
    }))


if __name__ == "__main__":
    main()
