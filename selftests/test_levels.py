#!/usr/bin/python3
"""Levels: what memqos reads from each memory cgroup must agree with the
kernel's own memory.stat for the same cgroup, within 3% or 1 MiB, for
workloads that fill each kind of memory. Fields this kernel cannot give
(memqos.expected_unavailable()) must be left out, not shown as 0.

    /sys/fs/cgroup
    |-- memqos-lv-anon     40 MiB of written anonymous memory
    |-- memqos-lv-cache    a 32 MiB file written on ext4, then mmapped
    |-- memqos-lv-procs    40 sleeping processes (stacks, page tables)
    `-- memqos-lv-tmpfs    24 MiB written to a tmpfs file (shmem)
"""
import mmap
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB
# debugfs name -> memory.stat key, for every part compared.
PARTS = {
    "anon": "anon", "file_mapped": "file_mapped", "shmem": "shmem",
    "file": "file", "slab_reclaimable": "slab_reclaimable",
    "slab_unreclaimable": "slab_unreclaimable",
    "kernel_stack": "kernel_stack", "pagetables": "pagetables",
    "active_anon": "active_anon", "inactive_anon": "inactive_anon",
    "active_file": "active_file", "inactive_file": "inactive_file",
    "kernel": "kernel", "percpu": "percpu", "sock": "sock",
    "vmalloc": "vmalloc", "zswap": "zswap", "zswapped": "zswapped",
    "workingset_activate_anon": "workingset_activate_anon",
    "workingset_activate_file": "workingset_activate_file",
    "workingset_restore_anon": "workingset_restore_anon",
    "workingset_restore_file": "workingset_restore_file",
    "pgdemote_kswapd": "pgdemote_kswapd", "pgdemote_direct": "pgdemote_direct",
    "pgdemote_khugepaged": "pgdemote_khugepaged", "zswpwb": "zswpwb",
}


def ready_flag(name):
    return f"/tmp/memqos-lv-{name}.ready"


def signal_ready(name):
    open(ready_flag(name), "w").close()


def anon_workload():
    m = memqos.touch_anon(40 * MIB)
    signal_ready("anon")
    memqos.hold(3600, m)


def cache_workload(path):
    memqos.write_file(path, 32 * MIB)
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        for off in range(0, len(m), memqos.PAGE):
            m[off]
    signal_ready("cache")
    memqos.hold(3600, m)


def procs_workload():
    for _ in range(40):
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
    signal_ready("procs")
    time.sleep(3600)


def tmpfs_workload():
    memqos.write_file("/tmp/memqos-lv-tmpfs.dat", 24 * MIB)
    signal_ready("tmpfs")
    time.sleep(3600)


def wait_ready(names, timeout=120):
    end = time.time() + ktap.patience(timeout)
    while time.time() < end:
        if all(os.path.exists(ready_flag(n)) for n in names):
            return True
        time.sleep(0.1)
    return False


def compare(name):
    """Compares one cgroup's levels with memory.stat; returns mismatches."""
    cg = "memqos-lv-" + name
    stat = memqos.cg_file(cg, "memory.stat")   # read first: it flushes
    d = memqos.detail(memqos.cg_id(cg))
    bad = []
    unavailable = memqos.expected_unavailable()
    for ours, theirs in PARTS.items():
        if ours in unavailable:
            # Left out ("-"), and memory.stat may not have it either.
            if d[ours] != "-":
                bad.append(f"{ours} {d[ours]} shown, this kernel lacks it")
        elif theirs not in stat:
            bad.append(f"{ours}: memory.stat has no {theirs}")
        elif not memqos.close_enough(d[ours], stat[theirs]):
            bad.append(f"{ours} {d[ours]} != memory.stat {stat[theirs]}")
    if d["rss"] != d["anon"] + d["file_mapped"] + d["shmem"]:
        bad.append("rss is not anon + file_mapped + shmem")
    kmem = (d["slab_reclaimable"] + d["slab_unreclaimable"] +
            d["kernel_stack"] + d["pagetables"] + d["sec_pagetables"])
    if d["kmem"] != kmem:
        bad.append("kmem is not the sum of its parts")
    with open(os.path.join(memqos.cg_path(cg), "memory.current")) as f:
        current = int(f.read())
    if not memqos.close_enough(d["usage"], current):
        bad.append(f"usage {d['usage']} != memory.current {current}")
    with open(os.path.join(memqos.cg_path(cg), "memory.peak")) as f:
        peak = int(f.read())
    if not memqos.close_enough(d["peak"], peak):
        bad.append(f"peak {d['peak']} != memory.peak {peak}")
    for msg in bad:
        ktap.print_msg(f"{name}: {msg}")
    return bad, d, stat


def main():
    ktap.print_header(9)
    mnt = memqos.setup_ext4(128)
    names = ["anon", "cache", "procs", "tmpfs"]
    for n in names:
        ktap.cg_create("memqos-lv-" + n)
    memqos.drop_caches()
    pids = [
        memqos.spawn("memqos-lv-anon", anon_workload),
        memqos.spawn("memqos-lv-cache", cache_workload, mnt + "/lv.dat"),
        memqos.spawn("memqos-lv-procs", procs_workload),
        memqos.spawn("memqos-lv-tmpfs", tmpfs_workload),
    ]
    try:
        if not ktap.check("workloads ready", wait_ready(names)):
            ktap.finish()
        results = {n: compare(n) for n in names}
    finally:
        # Killing the cgroup kills the procs workload's children too.
        memqos.stop(*pids)

    for n in names:
        ktap.check(f"{n}: levels agree with memory.stat", not results[n][0])
    d = {n: results[n][1] for n in names}
    ktap.print_msg(f"anon {d['anon']['anon']}, cache file {d['cache']['file']} "
                   f"mapped {d['cache']['file_mapped']}, procs kernel_stack "
                   f"{d['procs']['kernel_stack']}, tmpfs shmem "
                   f"{d['tmpfs']['shmem']} bytes")
    ktap.check("anon workload shows >= 40 MiB anon", d["anon"]["anon"] >= 40 * MIB)
    ktap.check("cache workload shows >= 32 MiB file, mapped",
               d["cache"]["file"] >= 32 * MIB and
               d["cache"]["file_mapped"] >= 30 * MIB)
    ktap.check("procs workload shows >= 40 kernel stacks",
               d["procs"]["kernel_stack"] >= 40 * 16384)
    ktap.check("tmpfs workload shows >= 24 MiB shmem",
               d["tmpfs"]["shmem"] >= 24 * MIB)
    os.unlink("/tmp/memqos-lv-tmpfs.dat")
    ktap.finish()


main()
