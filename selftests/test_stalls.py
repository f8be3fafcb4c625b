#!/usr/bin/python3
"""Events: the module's reclaim counts must equal the counts of the same
tracepoints taken independently through tracefs over the same window; its
OOM kills must equal memory.events and name the right victims; histogram
totals must equal event counts; stall sums must be plausible against PSI.

    /sys/fs/cgroup
    |-- memqos-st-reclaim  memory.max 32M, anon churn of 48 MiB (zram swap)
    |-- memqos-st-oom      memory.max 32M, swap.max 0, 3 victims
    `-- memqos-st-global   no limit: fills memory, then free < min watermark
"""
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB
VICTIM_COMM = "mq-oom-victim"
KINDS = ("memcg_reclaim", "direct_reclaim", "high_throttle")


def total(column):
    """Sum of a column over every cgroup, from the cgroups file."""
    return sum(row[column] for row in memqos.cgroups_table()[1])


def oom_victim():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(15, VICTIM_COMM.encode(), 0, 0, 0)   # PR_SET_NAME
    memqos.touch_anon(64 * MIB)


def squeeze_below_min(headroom):
    """Direct reclaim on purpose. Racing kswapd does not: under
    single-threaded TCG it sometimes keeps up, and with zram swap its own
    allocations can take free memory below half the min watermarks, where
    allocators wait for it without direct reclaim (6.1
    throttle_direct_reclaim(), no tracepoint). So: fill memory until
    @headroom is left (above the high watermark: no reclaim yet), raise
    the min watermark 8 MiB above what is free, and fault in 16 MiB more:
    the first allocation finds free memory under min and above min/2 and
    reclaims directly, before kswapd runs. A small squeeze: reclaiming
    much more evicts the guest's own binaries, which TCG reads back
    slowly over 9p (one loaded run took 288 s with 64 MiB and min a
    quarter above free)."""
    held = memqos.populate(max(free_bytes() - headroom, 0))
    memqos.min_free_kbytes((free_bytes() + 8 * MIB) // 1024)
    held += memqos.populate(16 * MIB)
    for m in held:
        m.close()


def free_bytes():
    with open("/proc/meminfo") as f:
        info = {k: int(v.split()[0]) * 1024 for k, v in
                (line.split(":", 1) for line in f)}
    return info["MemFree"]


def main():
    ktap.print_header(11)
    memqos.setup_swap(512)

    # memcg reclaim, counted by the module and by tracefs.
    ktap.cg_create("memqos-st-reclaim")
    memqos.cg_write("memqos-st-reclaim", "memory.max", 32 * MIB)
    before = total("memcg_reclaims")
    with memqos.TraceCount("vmscan/mm_vmscan_memcg_reclaim_begin",
                           "vmscan/mm_vmscan_memcg_reclaim_end") as tc:
        start = time.monotonic()
        status = ktap.cg_run("memqos-st-reclaim", memqos.anon_churn,
                             48 * MIB, 3)
        wall_us = (time.monotonic() - start) * 1e6
    traced = tc.count("mm_vmscan_memcg_reclaim_begin")
    ours = total("memcg_reclaims") - before
    ktap.print_msg(f"memcg reclaim: tracefs {traced}, memqos {ours}, "
                   f"workload status {status}")
    ktap.check("memcg reclaims happened", traced > 0)
    ktap.check("memcg reclaim count equals tracefs", ours == traced)

    psi = memqos.cg_pressure_total_us("memqos-st-reclaim")
    d = memqos.detail(memqos.cg_id("memqos-st-reclaim"))
    stall = d["memcg_reclaim_us"]
    ncpu = os.cpu_count()
    ktap.print_msg(f"memcg reclaim time {stall} us of {wall_us:.0f} us "
                   f"wall, PSI some {psi} us on {ncpu} CPUs")
    # One task cannot stall longer than it ran. PSI some covers these
    # stalls (and others), but 6.1 averages it over CPUs weighted by their
    # non-idle time (collect_percpu_times()), so one always-busy task's
    # stall shows there as no less than 1/ncpu of it.
    ktap.check("stall time plausible against wall time and PSI",
               0 < stall <= wall_us and
               stall * 0.9 <= psi * ncpu + 20000)

    # Global direct reclaim, from a cgroup without a limit.
    ktap.cg_create("memqos-st-global")
    memqos.drop_caches()
    min_free = memqos.min_free_kbytes()
    before = total("direct_reclaims")
    wakeups = total("kswapd_wakeups")
    with memqos.TraceCount("vmscan/mm_vmscan_direct_reclaim_begin",
                           "vmscan/mm_vmscan_wakeup_kswapd") as tc:
        t0 = time.monotonic()
        try:
            status = ktap.cg_run("memqos-st-global", squeeze_below_min,
                                 128 * MIB)
        finally:
            memqos.min_free_kbytes(min_free)
        took = time.monotonic() - t0
    traced = tc.count("mm_vmscan_direct_reclaim_begin")
    ours = total("direct_reclaims") - before
    ktap.print_msg(f"direct reclaim: tracefs {traced}, memqos {ours} "
                   f"(workload {took:.0f} s, status {status}; "
                   f"min_free_kbytes {min_free} restored)")
    ktap.check("direct reclaims happened", traced > 0)
    ktap.check("direct reclaim count equals tracefs", ours == traced)
    # Wakeups from interrupt context belong to no task: not attributed.
    traced = tc.count("mm_vmscan_wakeup_kswapd", task_only=True)
    ours = total("kswapd_wakeups") - wakeups
    ktap.print_msg(f"kswapd wakeups in task context: tracefs {traced}, "
                   f"memqos {ours}")
    ktap.check("kswapd wakeup count equals tracefs", ours == traced > 0)

    # OOM kills.
    ktap.cg_create("memqos-st-oom")
    memqos.cg_write("memqos-st-oom", "memory.max", 32 * MIB)
    memqos.cg_write("memqos-st-oom", "memory.swap.max", 0)
    seen = {k["pid"] for k in memqos.oom_kills()}
    victims, statuses = [], []
    for _ in range(3):
        pid = memqos.spawn("memqos-st-oom", oom_victim)
        statuses.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        victims.append(str(pid))
    events = memqos.cg_file("memqos-st-oom", "memory.events")
    cgid = memqos.cg_id("memqos-st-oom")
    d = memqos.detail(cgid)
    ktap.print_msg(f"victim statuses {statuses}, memory.events oom_kill "
                   f"{events['oom_kill']}, memqos {d['oom_kills']}")
    ktap.check("3 OOM kills", statuses == [-9, -9, -9])
    ktap.check("OOM kills equal memory.events oom_kill",
               d["oom_kills"] == events["oom_kill"] == 3)
    new = [k for k in memqos.oom_kills() if k["pid"] not in seen]
    ktap.check("ring names each victim's pid, comm and cgroup",
               [k["pid"] for k in new] == victims and
               all(k["comm"] == VICTIM_COMM and int(k["cgroup_id"]) == cgid
                   for k in new))

    # Every histogram's buckets add up to its count, in every cgroup.
    bad = []
    for row in memqos.cgroups_table()[1]:
        d = memqos.detail(row["id"])
        for kind in KINDS:
            buckets = sum(map(int, d[kind + "_hist"].split()))
            if buckets != (d["high_throttles"] if kind == "high_throttle"
                           else d[kind + "s"]):
                bad.append(f"{row['path']} {kind}")
    for b in bad:
        ktap.print_msg("histogram total differs: " + b)
    ktap.check("histogram totals equal event counts", not bad)
    st = memqos.stats()
    ktap.check("no pairing slot ran out, none left claimed, no end "
               "without begin",
               st["inflight_full"] == 0 and st["inflight"] == 0 and
               st["unpaired_end"] == 0)
    ktap.finish()


main()
