#!/usr/bin/env python3
"""Paired, interleaved timing of whole commands: the ratio of each command to a reference,
measured round by round so a machine whose speed drifts (a shared VM) moves both sides of
each ratio together.

hyperfine runs all the runs of one command, then all of the next: on a machine whose speed
changes within seconds, the ratio of two medians then measures the drift as much as the
commands. Here every round runs each command once, in a shuffled order, and the ratio is
taken within the round; the report gives the median of those paired ratios and their
interquartile range, beside each command's median wall and CPU time (from wait4's rusage).

Usage: paired.py [--runs N] [--warmup N] [--ref NAME] NAME=COMMAND ...
Commands are split with shlex and run directly (no shell), stdout and stderr to /dev/null.
A command that exits non-zero is an error (nothing is measured on failures).
"""

import argparse
import os
import random
import shlex
import statistics
import sys
import time


def run(argv):
    """Runs argv once; returns (wall seconds, user+sys CPU seconds)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        start = time.perf_counter()
        try:
            pid = os.posix_spawnp(
                argv[0], argv, os.environ,
                file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)],
            )
        except OSError as e:
            sys.exit(f"paired.py: cannot run {shlex.join(argv)}: {e.strerror}")
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.close(devnull)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"paired.py: {shlex.join(argv)} exited with {code}")
    return wall, usage.ru_utime + usage.ru_stime


def quartiles(values):
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--ref", help="the command ratios are taken against (default: the last)")
    parser.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")
    commands = {}
    for spec in args.commands:
        name, sep, command = spec.partition("=")
        if not sep or not name or not command.strip():
            parser.error(f"expected NAME=COMMAND, got {spec!r}")
        if name in commands:
            parser.error(f"{name!r} given twice")
        commands[name] = shlex.split(command)
    ref = args.ref or list(commands)[-1]
    if ref not in commands:
        parser.error(f"--ref {ref!r} is not one of the commands")

    for _ in range(args.warmup):
        for argv in commands.values():
            run(argv)
    walls = {name: [] for name in commands}
    cpus = {name: [] for name in commands}
    order = list(commands)
    for _ in range(args.runs):
        random.shuffle(order)
        for name in order:
            wall, cpu = run(commands[name])
            walls[name].append(wall)
            cpus[name].append(cpu)

    load = os.getloadavg()[0]
    print(f"{args.runs} interleaved rounds (+{args.warmup} warm-up), load {load:.2f}, ratios to {ref!r}")
    print()
    print("| command | median wall | median CPU (user+sys) | paired ratio: median | IQR |")
    print("|---|---:|---:|---:|---:|")
    for name in commands:
        ratios = [w / r for w, r in zip(walls[name], walls[ref])]
        low, high = quartiles(ratios)
        print(
            f"| {name} | {statistics.median(walls[name]) * 1e3:.1f} ms "
            f"| {statistics.median(cpus[name]) * 1e3:.1f} ms "
            f"| {statistics.median(ratios):.2f}× | {low:.2f}–{high:.2f} |"
        )


if __name__ == "__main__":
    main()
