#!/usr/bin/python3
"""Loading and unloading memqos while the kernel is busy with everything the
module hooks: memcg reclaim with swapping, OOM kills, cgroup creation and
removal, and readers of its debugfs files. The harness fails the run if the
guest's dmesg shows a warning, an oops or a leak report.

    /sys/fs/cgroup
    |-- memqos-lu-reclaim  memory.max 32M, anon churn of 48 MiB (zram swap)
    |-- memqos-lu-oom      memory.max 32M, swap.max 0, children OOM-killed
    `-- memqos-lu-churn    memory cgroups created and removed in a loop
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

CYCLES = int(os.environ.get("MEMQOS_LU_CYCLES", "20"))
MIB = memqos.MIB


def read_everything():
    """Reads every debugfs file once; returns the record count."""
    for name in ("version", "config", "oom_kills", "cgroups"):
        with open(os.path.join(memqos.DEBUGFS, name)) as f:
            f.read()
    return memqos.stats()["records"]


def main():
    ktap.print_header(4)
    memqos.setup_swap(256)
    ktap.cg_create("memqos-lu-reclaim")
    memqos.cg_write("memqos-lu-reclaim", "memory.max", 32 * MIB)
    ktap.cg_create("memqos-lu-oom")
    memqos.cg_write("memqos-lu-oom", "memory.max", 32 * MIB)
    memqos.cg_write("memqos-lu-oom", "memory.swap.max", 0)
    ktap.cg_create("memqos-lu-churn")
    # Children of the churn cgroup get the memory controller, so each
    # mkdir and rmdir creates and frees a record.
    memqos.cg_write("memqos-lu-churn", "cgroup.subtree_control", "+memory")

    pids = [
        memqos.spawn("memqos-lu-reclaim", memqos.forever, memqos.anon_churn,
                     48 * MIB, 1),
        memqos.spawn("memqos-lu-oom", memqos.oom_loop, None, 48 * MIB),
        memqos.spawn(None, memqos.cgroup_churn, "memqos-lu-churn", 20),
    ]
    cycles = 0
    records_ok = True
    try:
        for _ in range(CYCLES):
            memqos.rmmod()
            memqos.insmod()
            # Every cgroup of the test exists: the load found them.
            records_ok &= read_everything() >= 4
            cycles += 1
    finally:
        memqos.stop(*pids)

    ktap.check(f"{CYCLES} unload/load cycles under load", cycles == CYCLES)
    ktap.check("records found at every load", records_ok)
    ev = memqos.cg_file("memqos-lu-reclaim", "memory.events")
    ktap.print_msg(f"reclaim cgroup memory.events max={ev['max']}")
    ktap.check("reclaim ran during the cycles", ev["max"] > 0)
    ev = memqos.cg_file("memqos-lu-oom", "memory.events")
    ktap.print_msg(f"oom cgroup memory.events oom_kill={ev['oom_kill']}")
    ktap.check("OOM kills happened during the cycles", ev["oom_kill"] > 0)
    ktap.finish()


main()
