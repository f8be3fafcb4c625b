#!/usr/bin/python3
"""memory.high throttling: a task that charges past its cgroup's
memory.high reclaims and sleeps off a penalty on its way back to user space
(mem_cgroup_handle_over_high(), timed by a kretprobe). Every such stall
follows at least one "high" event in memory.events, so the module's count
lies between 1 and that; its time cannot exceed the workload's wall time;
its histogram adds up; and a cgroup that never crossed memory.high has
none.

    /sys/fs/cgroup
    |-- memqos-high        memory.high 24M, anon churn of 48 MiB (zram swap)
    `-- memqos-high-none   memory.high 256M, the same churn
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB


def run(cg, high):
    ktap.cg_create(cg)
    memqos.cg_write(cg, "memory.high", high)
    start = time.monotonic()
    status = ktap.cg_run(cg, memqos.anon_churn, 48 * MIB, 2)
    wall_us = (time.monotonic() - start) * 1e6
    events = memqos.cg_file(cg, "memory.events")
    return status, wall_us, events, memqos.detail(memqos.cg_id(cg))


def main():
    ktap.print_header(6)
    memqos.setup_swap(256)
    st0 = memqos.stats()
    status, wall_us, events, d = run("memqos-high", 24 * MIB)
    n, us = d["high_throttles"], d["high_throttle_us"]
    ktap.print_msg(f"status {status}: {n} throttles, {us} us of "
                   f"{wall_us:.0f} us wall; memory.events high "
                   f"{events['high']}; max stall {d['high_throttle_max_us']} us")
    ktap.check("the workload completed", status == 0)
    ktap.check("throttles counted, no more than memory.events high",
               1 <= n <= events["high"])
    ktap.check("throttle time within the workload's wall time",
               0 < us <= wall_us)
    ktap.check("histogram adds up to the count",
               sum(map(int, d["high_throttle_hist"].split())) == n)

    status, _, events, d = run("memqos-high-none", 256 * MIB)
    ktap.check("no throttle below memory.high",
               events["high"] == 0 and d["high_throttles"] == 0)
    st = memqos.stats()
    ktap.check("kretprobe missed nothing",
               st["kretprobe_missed"] == st0["kretprobe_missed"])
    ktap.finish()


main()
