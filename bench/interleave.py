#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/interleave.py — time several commands in ONE interleaved run: every
# round runs each command once, the order rotated from round to round, so
# that a change in the machine's load (other engineers' qemu guests, here)
# falls on every row alike and ratios between rows stay meaningful.
# hyperfine times one command's runs back to back, then the next's.
#
#   interleave.py OUT.json ROUNDS WARMUP GAP NAME=CMD…
#
# Each NAME=CMD is a name and a command line split on blanks (no shell),
# started with posix_spawn (a vfork: the runner's size costs nothing) and
# reaped with wait4, whose rusage gives the command's CPU (user + system of
# it and the children it waited for).  GAP seconds of sleep come before
# each command (0: back to back).  A command that fails is counted and its
# time kept out.  The commands' stdin and stdout are /dev/null, their
# stderr ours.  OUT.json: {"rounds", "gap", "results": [{"command",
# "times" (s), "cpu" (s), "failed"}]}.
import json
import os
import statistics
import sys
import time


def run(argv):
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, {})
    _, status, ru = os.wait4(pid, 0)
    dt = time.perf_counter() - t0
    return dt, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status)


def main():
    out, rounds, warmup, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    rows = []
    for a in sys.argv[5:]:
        name, _, cmd = a.partition("=")
        rows.append({"command": name, "argv": cmd.split(), "times": [], "cpu": [], "failed": 0})
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    n = len(rows)
    for r in range(warmup + rounds):
        for k in range(n):
            row = rows[(r + k) % n]
            if gap > 0:
                time.sleep(gap)
            dt, cpu, code = run(row["argv"])
            if r < warmup:
                continue
            if code != 0:
                row["failed"] += 1
                continue
            row["times"].append(dt)
            row["cpu"].append(cpu)
    for row in rows:
        del row["argv"]
    json.dump({"rounds": rounds, "gap": gap, "results": rows}, open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
