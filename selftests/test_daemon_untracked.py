#!/usr/bin/python3
"""A cgroup the module does not track: a tenant (uid 65534 in a delegated
cgroup) fills the module's table with empty cgroups of its own, so a
critical cgroup made after it has no record, and the daemon must measure
that one from cgroupfs instead of reading the record's zeros.

    /sys/fs/cgroup/memqos-ut
    |-- tenant    delegated to uid 65534: empty cgroups up to max_cgroups
    `-- crit      critical, made with the table full: not tracked;
                  memory.max 48M, thrashing on zram swap

Proven: crit is listed by the module with tracked 0; the daemon says it
measures crit from memory.stat and memory.pressure, sees it stall in
reclaim (pressure_permille of its memory.pressure "some" time: today's
main read the record's stall time, 0, and never saw it stall) and sizes
its memory.min from its memory.stat; SIGTERM puts it back.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

MIB = memqos.MIB
P = "memqos-ut"
T = f"{P}/tenant"
CRIT = f"{P}/crit"


def set_config(key, value):
    with open(os.path.join(memqos.DEBUGFS, "config"), "w") as f:
        f.write(f"{key} {value}")


def get_config(key):
    return memqos.read_pairs("config")[key]


def fill(base, n):
    """As the tenant: @n empty cgroups."""
    for i in range(n):
        os.mkdir(os.path.join(base, f"e{i}"))


def tracked(cg):
    rc, out, err = memqosd.run("-j", "stat", "/" + cg)
    return json.loads(out).get("tracked") if rc == 0 else err.strip()


def main():
    ktap.print_header(4)
    memqos.setup_swap(256)
    old_max = get_config("max_cgroups")
    base = memqosd.delegate(T)
    d = pid = None
    try:
        # the tenant takes what is left; the cap then stays where it is
        records = memqos.stats()["records"]
        set_config("max_cgroups", records + 16)
        memqosd.as_tenant(T, fill, base, 16)
        set_config("max_cgroups", memqos.stats()["records"])
        ktap.cg_create(CRIT)
        st = memqos.stats()
        ktap.print_msg(f"records {records} -> {st['records']}, "
                       f"dropped_cap {st['dropped_cap']}; crit tracked: "
                       f"{tracked(CRIT)}")
        ktap.check("crit, made with the table full, is not tracked",
                   tracked(CRIT) is False)

        memqos.cg_write(CRIT, "memory.max", 48 * MIB)
        pid = memqos.spawn(CRIT, memqos.thrash, 64 * MIB)
        conf = memqosd.config(rules=[f"/{CRIT} critical"],
                              daemon={"reconcile_ms": 1000,
                                      "squeeze_interval_ms": 1000,
                                      "window_s": 10,
                                      "pressure_permille": 50})
        psi0 = memqos.cg_pressure_total_us(CRIT)
        d = memqosd.Daemon(conf, "-v")
        note = d.wait_for(f"{CRIT}: not tracked by the module")
        stall = None
        end = time.monotonic() + ktap.patience(60)
        while stall is None and time.monotonic() < end:
            line = d.next_pass()
            if line and "protected cgroups stall" in line:
                stall = line
        psi1 = memqos.cg_pressure_total_us(CRIT)
        cmin = memqosd.read_int(CRIT, "memory.min")
        ktap.print_msg(f"memory.pressure some total {psi0} -> {psi1} us; "
                       f"daemon: {note}; {stall}; memory.min {cmin}")
        ktap.check("the daemon measures it from cgroupfs, and says so",
                   note is not None and
                   "levels from memory.stat, pressure from memory.pressure"
                   in note)
        ktap.check("and sees it stall in reclaim (memory.pressure)",
                   psi1 > psi0 and stall is not None)
        ktap.check("its memory.min sized from memory.stat",
                   cmin >= 16 * MIB and
                   any(f"/{CRIT} memory.min: " in ln for ln in d.lines))
    finally:
        if d:
            d.stop()
            d.log()
        if pid:
            memqos.stop(pid)
        set_config("max_cgroups", old_max)
    ktap.finish()


main()
