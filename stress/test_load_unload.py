#!/usr/bin/python3
"""200 unload/load cycles of memqos while everything it hooks runs: memcg
reclaim with swapping, OOM kills, thousands of memory cgroups created and
removed, and netlink clients that keep dumping and listening to events
across the reloads (they reconnect when the family comes back). Between
two reloads the module stays loaded a random 0-300 ms, so each load sees
dumps, events and probes in flight. The harness fails the run on any
warning, oops, lockdep, KASAN or kmemleak report in the guest's dmesg.

MEMQOS_STRESS_CYCLES (default 200 x MEMQOS_STRESS_SCALE), MEMQOS_STRESS_SEED.

Checked against the kernel, not the module: at the end the module's record
count equals the memory cgroups that exist (a walk of cgroupfs), reclaim
and OOM kills happened (memory.events), and the churn child's own counts.

    /sys/fs/cgroup
    |-- memqos-slu-reclaim  memory.max 32M, anon churn of 48 MiB (zram swap)
    |-- memqos-slu-oom      memory.max 32M, swap.max 0, children OOM-killed
    `-- memqos-slu-churn    memory cgroups created and removed in batches
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stress  # noqa: E402
from stress import ktap, memqos  # noqa: E402

CYCLES = stress.scaled("MEMQOS_STRESS_CYCLES", 200)
OUT = os.environ.get("MEMQOS_OUT", "/tmp")


def churn(parent, batch, counts_path):
    """Creates @batch cgroups under @parent, removes them, forever;
    counts what it did."""
    base = memqos.cg_path(parent)
    c = {"created": 0, "removed": 0}
    i, last = 0, 0.0
    while True:
        names = [os.path.join(base, f"c{i}-{n}") for n in range(batch)]
        for p in names:
            os.mkdir(p)
            c["created"] += 1
        for p in names:
            os.rmdir(p)
            c["removed"] += 1
        i += 1
        if time.monotonic() - last > 0.5:
            stress.write_counts(counts_path, c)
            last = time.monotonic()


def main():
    ktap.print_header(9)
    rng = stress.rng_from_env()
    stress.pressure_setup("memqos-slu")
    ktap.cg_create("memqos-slu-churn")
    memqos.cg_write("memqos-slu-churn", "cgroup.subtree_control", "+memory")

    files = {k: os.path.join(OUT, f"slu-{k}.counts")
             for k in ("churn", "dump", "listen")}
    pids = stress.pressure_start("memqos-slu") + [
        memqos.spawn(None, churn, "memqos-slu-churn", 50, files["churn"]),
        memqos.spawn(None, stress.dumper_loop, files["dump"]),
        memqos.spawn(None, stress.listener_loop, files["listen"]),
    ]
    cycles = busy = 0
    t_rm = t_ins = 0.0
    records_ok = True
    t0 = time.monotonic()
    try:
        for i in range(CYCLES):
            t = time.monotonic()
            busy += stress.rmmod()
            t_rm += time.monotonic() - t
            time.sleep(rng.random() * 0.05)
            t = time.monotonic()
            stress.insmod()
            t_ins += time.monotonic() - t
            records_ok &= memqos.stats()["records"] >= 4
            time.sleep(rng.random() * 0.3)
            cycles += 1
            if (i + 1) % 50 == 0:
                ktap.print_msg(f"{i + 1} cycles, {time.monotonic() - t0:.0f} s: "
                               f"{stress.read_counts(files['churn'])} "
                               f"{stress.read_counts(files['dump'])} "
                               f"{stress.read_counts(files['listen'])}")
        # The clients see the last load for a moment.
        time.sleep(2)
    finally:
        # Each child saves its counts at least every second.
        time.sleep(1.2)
        memqos.stop(*pids)
    secs = time.monotonic() - t0
    ch, du, li = (stress.read_counts(files[k]) for k in ("churn", "dump", "listen"))
    ktap.print_msg(f"{cycles} cycles in {secs:.0f} s (unload {t_rm:.0f} s, load {t_ins:.0f} s; "
                   f"{busy} unload retries: busy "
                   f"with a dump); churn {ch}; dumper {du}; listener {li}")

    ktap.check(f"{CYCLES} unload/load cycles under load", cycles == CYCLES)
    ktap.check("records found at every load", records_ok)
    ktap.check(f"cgroup churn: at least {10 * CYCLES} created and removed",
               ch.get("removed", 0) >= 10 * CYCLES)
    ktap.check("the dumper completed dumps across the reloads",
               du.get("dumps", 0) >= CYCLES // 4)
    ktap.check("the listener received events and rejoined after reloads",
               li.get("events", 0) > 0 and li.get("joins", 0) >= 2)
    stress.pressure_check("memqos-slu", "during the cycles")

    # Quiet now: one more reload must find exactly the memory cgroups that
    # exist, and a dump must return them all.
    stress.rmmod()
    stress.insmod()
    want = stress.memory_cgroups()
    got = memqos.stats()["records"]
    ktap.print_msg(f"after the last reload: {got} records, {want} memory cgroups")
    ktap.check("records == memory cgroups in cgroupfs", got == want)
    fam = stress.resolve()
    with stress.genl.RawSocket(rcvbuf=4 << 20) as s:
        n, err = stress.dump_cgroups(s, fam[0])
    ktap.check("a dump returns every memory cgroup", err == 0 and n == want)
    ktap.finish()


main()
