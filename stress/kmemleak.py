#!/usr/bin/python3
"""Reads /sys/kernel/debug/kmemleak (or a saved copy) and tells which
suspected leaks belong to a module.

Usage: stress/kmemleak.py [--scan] [--file F] [--save F] MODULE
  --scan   trigger two scans first (6 s apart from the last allocation:
           kmemleak reports objects older than 5 s), as the kmemleak
           documentation advises
Prints one "# " line per suspect and a summary; exit status 1 if any
suspect is MODULE's: a backtrace frame in it ("[MODULE]"), or, once the
module is unloaded, a frame kallsyms cannot name any more (a bare
0xffff... address: module text that is gone; check-debug's kernel has
everything else built in). Exit 2 if kmemleak is not there or is off.
"""
import argparse
import re
import sys
import time

KMEMLEAK = "/sys/kernel/debug/kmemleak"


def scan():
    for i in range(2):
        time.sleep(6 if i == 0 else 1)
        with open(KMEMLEAK, "w") as f:
            f.write("scan")


def parse(text):
    """[(header line, [backtrace lines])]"""
    out = []
    for line in text.splitlines():
        if line.startswith("unreferenced object"):
            out.append((line, []))
        elif out and re.match(r"\s+\[<[0-9a-f]+>\]", line):
            out[-1][1].append(line.strip())
    return out


def belongs(frames, module):
    tag = f"[{module.replace('-', '_')}]"
    for fr in frames:
        if tag in fr or re.search(r"\]\s+0x[0-9a-f]+$", fr):
            return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scan", action="store_true")
    ap.add_argument("--file")
    ap.add_argument("--save")
    ap.add_argument("module")
    a = ap.parse_args()
    try:
        if a.scan:
            scan()
        with open(a.file or KMEMLEAK) as f:
            text = f.read()
    except OSError as e:
        print(f"# kmemleak: {e}")
        return 2
    if a.save:
        with open(a.save, "w") as f:
            f.write(text)
    leaks = parse(text)
    mine = [lk for lk in leaks if belongs(lk[1], a.module)]
    for head, frames in leaks:
        who = a.module if (head, frames) in mine else "other"
        print(f"# {who}: {head} <- " + " <- ".join(frames[:6]))
    print(f"# kmemleak: {len(leaks)} suspects, {len(mine)} from {a.module}")
    return 1 if mine else 0


sys.exit(main())
