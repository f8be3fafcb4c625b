#!/usr/bin/python3
"""10,000 memory cgroups held for minutes while events flow: memcg reclaim
with swapping (pressure events), OOM kills (OOM events), and a small churn
of cgroups (removal events), with a listener that checks the events'
sequence numbers. Sampled every few seconds from the stats file:

- records stay between the 10,000 (plus the node's own and the workloads')
  and that plus the churn batch;
- bytes_used does not grow: the part that is not records is the same at
  the end as at the start, within 64 KiB;
- dropped_cap, dropped_nomem, inflight_full and events_dropped do not move;
  events_sent does; the listener saw every event (no gap, no ENOBUFS).
At the end the churn stops and records equals the memory cgroups that
cgroupfs has, and one dump returns them all.

MEMQOS_STRESS_CGROUPS (default 10000), MEMQOS_STRESS_STEADY_S (default
120 x MEMQOS_STRESS_SCALE, at least 20).

    /sys/fs/cgroup
    |-- memqos-ss/c0 ... c9999   idle
    |-- memqos-ss-reclaim        memory.max 32M, anon churn of 48 MiB
    |-- memqos-ss-oom            memory.max 32M, swap.max 0, OOM kills
    `-- memqos-ss-churn          20 cgroups created and removed every 2 s
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stress  # noqa: E402
from stress import ktap, memqos  # noqa: E402

N = stress.knob("MEMQOS_STRESS_CGROUPS", 10000)
SECS = stress.scaled("MEMQOS_STRESS_STEADY_S", 120, minimum=20)
CHURN = 20
OUT = os.environ.get("MEMQOS_OUT", "/tmp")
DROPS = ("dropped_cap", "dropped_nomem", "inflight_full", "events_dropped")


def slow_churn(parent):
    base = memqos.cg_path(parent)
    while True:
        for n in range(CHURN):
            os.mkdir(os.path.join(base, f"c{n}"))
        time.sleep(1)
        for n in range(CHURN):
            os.rmdir(os.path.join(base, f"c{n}"))
        time.sleep(1)


def main():
    ktap.print_header(8)
    stress.pressure_setup("memqos-ss")
    base = ktap.cg_create("memqos-ss")
    memqos.cg_write("memqos-ss", "cgroup.subtree_control", "+memory")
    t0 = time.monotonic()
    for i in range(N):
        os.mkdir(os.path.join(base, f"c{i}"))
    ktap.print_msg(f"created {N} cgroups in {time.monotonic() - t0:.1f} s")
    ktap.cg_create("memqos-ss-churn")
    memqos.cg_write("memqos-ss-churn", "cgroup.subtree_control", "+memory")
    base_records = stress.memory_cgroups()
    listen = os.path.join(OUT, "ss-listen.counts")
    lpid = memqos.spawn(None, stress.listener_loop, listen)
    time.sleep(2)           # joined before the events start
    pids = stress.pressure_start("memqos-ss")
    churner = memqos.spawn(None, slow_churn, "memqos-ss-churn")
    samples = []
    try:
        time.sleep(5)       # the workloads get going
        end = time.monotonic() + SECS
        while time.monotonic() < end:
            samples.append(memqos.stats())
            time.sleep(5)
        samples.append(memqos.stats())
        memqos.stop(churner)
        churner = None
        memqos.stop(*pids)
        pids = []
        time.sleep(2)       # the last events reach the listener
    finally:
        memqos.stop(*pids, *([churner] if churner else []))
        time.sleep(1.2)
        memqos.stop(lpid)
    li = stress.read_counts(listen)
    first, last = samples[0], samples[-1]
    rec = [s["records"] for s in samples]
    ktap.print_msg(f"{len(samples)} samples over {SECS} s; records {min(rec)}..{max(rec)} "
                   f"(base {base_records}); bytes_used {first['bytes_used']} -> "
                   f"{last['bytes_used']}; events_sent {first['events_sent']} -> "
                   f"{last['events_sent']}; listener {li}")
    ktap.print_msg("drops first: " + " ".join(f"{k}={first[k]}" for k in DROPS) +
                   "; last: " + " ".join(f"{k}={last[k]}" for k in DROPS))
    ktap.check(f"records within [{base_records}, {base_records + CHURN}] in every sample",
               all(base_records <= r <= base_records + CHURN for r in rec))

    def other(s):
        return s["bytes_used"] - s["records"] * s["record_bytes"]
    ktap.check("bytes_used: records x record_bytes plus a part that does not grow",
               other(last) <= other(first) + 64 * 1024)
    for k in DROPS:
        ktap.check(f"{k} stable", last[k] == first[k])
    ktap.check("events flowed and the listener got every one (no gap, no ENOBUFS)",
               last["events_sent"] > first["events_sent"] and li.get("events", 0) > 0 and
               li.get("gaps", 1) == 0 and li.get("enobufs", 1) == 0)

    want = stress.memory_cgroups()
    got = memqos.stats()["records"]
    fam = stress.resolve()
    with stress.genl.RawSocket(rcvbuf=8 << 20, timeout=60) as s:
        n, err = stress.dump_cgroups(s, fam[0])
    ktap.print_msg(f"at the end: {got} records, {want} memory cgroups, dump {n} ({err})")
    ktap.check("records == memory cgroups in cgroupfs == one dump",
               got == want == n and err == 0)
    t0 = time.monotonic()
    for i in range(N):
        os.rmdir(os.path.join(base, f"c{i}"))
    ktap.print_msg(f"removed {N} cgroups in {time.monotonic() - t0:.1f} s")
    ktap.finish()


main()
