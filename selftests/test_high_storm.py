#!/usr/bin/python3
"""A memory.high throttling storm: many tasks throttled at once, each
holding one instance of the module's kretprobe on
mem_cgroup_handle_over_high() while it sleeps off its penalty. A call that
finds no free instance is not timed, only counted: high_probe_missed.

A tenant (uid 65534, in a cgroup delegated to it the way systemd
delegates) forks THREADS processes in a child cgroup of its own without
swap, then sets its memory.high to 4M for STORM_S seconds: each process
maps and populates 256 KiB over and over, so every one sleeps up to 2 s
on each return to user space. The test counts the tasks asleep in the
throttle at once from their /proc wchan (the kernel's view, not the
module's).

Proves: the storm had THREADS - 20 or more tasks throttled at once, more
than 64 (what the module allowed on 2 CPUs before); the default
high_probe_maxactive is 32 per possible CPU within 256..4096, the same
over netlink and in debugfs; with it, high_probe_missed stays 0 and every
call the probe timed is one of the storm cgroup's high_throttles (at
least one per thread, at most its memory.events "high"); loaded again
with high_maxactive=16, the same storm is missed (high_probe_missed > 0
over netlink, equal to debugfs' kretprobe_missed and to `memqos stats`)
while 16 at a time are still timed, and timed plus missed calls cover
every thread; high_maxactive=70000 is refused at load (EINVAL, the reason
in the kernel log).

    /sys/fs/cgroup
    `-- memqos-hs
        `-- tenant          delegated to uid 65534
            |-- init
            `-- storm       made by the tenant: no swap, 100 processes,
                            then memory.high 4M
"""
import json
import mmap
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB
TENANT = "memqos-hs/tenant"
STORM = f"{TENANT}/storm"
THREADS = 100          # processes
CHUNK = 256 << 10
STORM_S = ktap.patience(10)
SMALL = 16
THROTTLE_FNS = ("mem_cgroup_handle_over_high", "__mem_cgroup_handle_over_high")


def charge_forever(go):
    """Maps and populates CHUNK bytes over and over, once @go is closed."""
    os.read(go, 1)
    while True:
        mmap.mmap(-1, CHUNK, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS |
                  mmap.MAP_POPULATE).close()


def storm():
    """The tenant: THREADS processes in a cgroup of its own, forked under
    no limit; then memory.high 4M for STORM_S seconds."""
    os.mkdir(memqos.cg_path(STORM))
    memqos.cg_write(STORM, "memory.swap.max", 0)
    memqos.cg_write(STORM, "cgroup.procs", os.getpid())
    go, start = os.pipe()
    kids = []
    for _ in range(THREADS):
        pid = os.fork()
        if pid == 0:
            os.close(start)
            try:
                charge_forever(go)
            finally:
                os._exit(0)
        kids.append(pid)
    memqos.cg_write(STORM, "memory.high", 4 * MIB)
    os.close(start)
    time.sleep(STORM_S)
    memqos.cg_write(STORM, "memory.high", "max")
    memqos.stop(*kids)


def tasks():
    with open(os.path.join(memqos.cg_path(STORM), "cgroup.threads")) as f:
        return f.read().split()


def throttled_now():
    """Tasks of the storm asleep in the throttle, from their wchan."""
    n = 0
    for tid in tasks():
        try:
            with open(f"/proc/{tid}/wchan") as f:
                n += f.read().strip() in THROTTLE_FNS
        except OSError:
            pass
    return n


def high_probe(st):
    for p in st.get("PROBE", []):
        if p["NAME"] in THROTTLE_FNS:
            return p
    return {}


def run_storm(nl):
    """One storm: (peak throttled at once, netlink stats before and after,
    the storm cgroup's detail and memory.events); the cgroup is removed."""
    st0 = nl.stats_get()
    pid = memqos.spawn_tenant(TENANT, storm)
    peak = 0
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if os.path.isdir(memqos.cg_path(STORM)):
            peak = max(peak, throttled_now())
        time.sleep(0.2)
    st1 = nl.stats_get()
    d = memqos.detail(memqos.cg_id(STORM))
    events = memqos.cg_file(STORM, "memory.events")
    os.rmdir(memqos.cg_path(STORM))
    return peak, st0, st1, d, events


def possible_cpus():
    with open("/sys/devices/system/cpu/possible") as f:
        n = 0
        for part in f.read().strip().split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
        return n


def delta(st0, st1, key):
    return st1.get(key, 0) - st0.get(key, 0)


def main():
    ktap.print_header(6)
    memqos.cg_delegate(TENANT)
    want = min(max(32 * possible_cpus(), 256), 4096)

    with genl.Memqos() as nl:
        peak, st0, st1, d, events = run_storm(nl)
    maxactive = st1.get("HIGH_PROBE_MAXACTIVE")
    missed = delta(st0, st1, "HIGH_PROBE_MISSED")
    hits = high_probe(st1).get("HITS", 0) - high_probe(st0).get("HITS", 0)
    dbg = memqos.stats()
    ktap.print_msg(f"storm of {THREADS} workers: {peak} throttled at once "
                   f"(wchan); maxactive {maxactive} (debugfs "
                   f"{dbg.get('kretprobe_maxactive')}, expected {want}); "
                   f"probe timed {hits} calls, missed {missed} (debugfs total "
                   f"{dbg.get('kretprobe_missed')}); cgroup high_throttles "
                   f"{d['high_throttles']}, memory.events high {events['high']}")
    ktap.check(f"the storm had {THREADS - 20} or more tasks throttled at once",
               peak >= THREADS - 20)
    ktap.check("default high_probe_maxactive: 32 per possible CPU within "
               "256..4096, over netlink and in debugfs",
               maxactive == want and dbg.get("kretprobe_maxactive") == want)
    ktap.check("with it no call missed, every timed call is one of the "
               "storm's high_throttles, one or more per thread",
               st1.get("HIGH_PROBE_MISSED") == 0 and
               hits == d["high_throttles"] and
               THREADS <= hits <= events["high"])

    memqos.rmmod()
    subprocess.run(["insmod", memqos.KO, f"high_maxactive={SMALL}"], check=True)
    with genl.Memqos() as nl:
        peak, st0, st1, d, events = run_storm(nl)
    missed = st1.get("HIGH_PROBE_MISSED", 0)
    hits = high_probe(st1).get("HITS", 0) - high_probe(st0).get("HITS", 0)
    dbg = memqos.stats()
    tool = subprocess.run(["user/memqos", "-j", "stats"], capture_output=True,
                          text=True, timeout=60)
    shown = json.loads(tool.stdout) if tool.returncode == 0 else {}
    ktap.print_msg(f"high_maxactive={SMALL}: {peak} throttled at once; "
                   f"maxactive {st1.get('HIGH_PROBE_MAXACTIVE')}; timed {hits}, "
                   f"missed {missed} (debugfs {dbg.get('kretprobe_missed')}, "
                   f"memqos stats {shown.get('high_probe_missed_total')}); "
                   f"high_throttles {d['high_throttles']}, memory.events high "
                   f"{events['high']}")
    ktap.check(f"high_maxactive={SMALL}: the storm is missed, and says so: "
               "high_probe_missed > 0 over netlink, in debugfs and in memqos stats",
               st1.get("HIGH_PROBE_MAXACTIVE") == SMALL and peak > SMALL and
               missed > 0 and dbg.get("kretprobe_missed") == missed and
               shown.get("high_probe_missed_total") == missed)
    ktap.check(f"high_maxactive={SMALL}: still timed, timed plus missed calls "
               "cover every thread",
               0 < hits == d["high_throttles"] <= events["high"] and
               hits + missed >= THREADS)

    memqos.rmmod()
    bad = subprocess.run(["insmod", memqos.KO, "high_maxactive=70000"],
                         capture_output=True, text=True)
    log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    ktap.print_msg(f"high_maxactive=70000: insmod exit {bad.returncode}: "
                   f"{bad.stderr.strip()}")
    ktap.check("high_maxactive=70000 is refused at load, the reason logged",
               bad.returncode != 0 and "Invalid" in bad.stderr and
               "high_maxactive=70000: at most 65536" in log and
               not memqos.loaded())
    memqos.insmod()
    ktap.finish()


main()
