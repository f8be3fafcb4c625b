#!/usr/bin/python3
"""Reclaim attribution pairs recycled while they are claimed and read.

The pair table is fixed (1024 slots): a pair whose recent score fades to
nothing is retired by the pressure monitor and, after a grace period, its
slot cleared and made free for the next pair to claim. A slot published
free before it is fully cleared lets a claimer's keys be zeroed under it
(a READY pair of victim 0, never otherwise possible: cgroup ids start at
1); a copy taken while a slot is recycled can mix two pairs' keys.

A tenant (uid 65534, in a cgroup delegated to it the way systemd
delegates) reclaims in bursts in each of K cgroups of its own, itself
only (memory.max 4M, zram swap), with pauses long enough for the pairs to
fade (halflife 1 s, a tick every 100 ms), so slots are retired, recycled
and claimed again, over and over; root reads the table all the while
(debugfs attribution, every pair with its raw keys, and attribution-get).

Proves: the tenant's pairs faded out and came back (recycled) K times or
more; no snapshot held a pair of victim 0, nor a pair of two of the
tenant's cgroups that are not one and the same (each reclaims only
itself); the netlink dump agreed (no such pair either); and once the
tenant stops, all its pairs fade out of the table.

The race itself (a claimer between the FREE store and the end of the
clearing, a few instructions) was never seen here, on main or after.

    /sys/fs/cgroup
    `-- memqos-ar
        `-- tenant          delegated to uid 65534
            |-- init
            `-- v0 ... v7   made by the tenant, memory.max 4M
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB
TENANT = "memqos-ar/tenant"
K = 8
ROUNDS = 3
PAUSE_S = 9


def tenant_bursts():
    """The tenant: a burst of reclaim in each of its K cgroups, then a
    pause for the pairs to fade; ROUNDS times."""
    for i in range(K):
        os.mkdir(memqos.cg_path(f"{TENANT}/v{i}"))
        memqos.cg_write(f"{TENANT}/v{i}", "memory.max", 4 * MIB)
    for _ in range(ROUNDS):
        for i in range(K):
            memqos.cg_write(f"{TENANT}/v{i}", "cgroup.procs", os.getpid())
            memqos.touch_anon(6 * MIB).close()
        memqos.cg_write(f"{TENANT}/init", "cgroup.procs", os.getpid())
        time.sleep(PAUSE_S)


def table():
    """Debugfs attribution: [(reclaimer, victim)], raw keys of every pair."""
    out = []
    with open(os.path.join(memqos.DEBUGFS, "attribution")) as f:
        header = f.readline().split()
        for line in f:
            row = dict(zip(header, line.split()))
            out.append((row["reclaimer"], int(row["victim"])))
    return out


def main():
    ktap.print_header(5)
    if memqos.attribution_blind():
        ktap.exit_skip("reclaim attribution is unavailable under the Multi-Gen "
                       "LRU on this kernel")
    memqos.setup_swap(256)
    memqos.cg_delegate(TENANT)
    nl = genl.Memqos()
    cfg0 = nl.config_get()
    nl.config_set(ATTRIBUTION_HALFLIFE_MS=1000, EVENT_INTERVAL_MS=100)
    pid = memqos.spawn_tenant(TENANT, tenant_bursts)
    ours, bad, dumped_bad = {}, [], []
    present, ever, comebacks, reads, dumps = set(), set(), 0, 0, 0
    status = None
    try:
        while True:
            got, wstatus = os.waitpid(pid, os.WNOHANG)
            if got:
                status = os.waitstatus_to_exitcode(wstatus)
                break
            if len(ours) < K:
                ours = {os.stat(memqos.cg_path(f"{TENANT}/v{i}")).st_ino: i
                        for i in range(K)
                        if os.path.isdir(memqos.cg_path(f"{TENANT}/v{i}"))}
            now = set()
            for rec, victim in table():
                if victim == 0 or (victim in ours and rec != str(victim) and
                                   rec.isdigit() and int(rec) in ours):
                    bad.append((rec, victim))
                if victim in ours and rec == str(victim):
                    now.add(victim)
            reads += 1
            comebacks += len((now - present) & ever)
            ever |= now
            present = now
            if reads % 10 == 0:
                dumps += 1
                for m in nl.dump("ATTRIBUTION_GET").msgs:
                    v, r = m.get("VICTIM"), m.get("RECLAIMER")
                    if v in ours and r in ours and r != v:
                        dumped_bad.append((r, v))
    finally:
        if status is None:
            memqos.stop(pid)
    # Every pair of the tenant fades once it stops: a score of 4 MiB of
    # pages halves every second, checked every 100 ms.
    end = time.monotonic() + 30
    left = None
    while time.monotonic() < end:
        left = [r for r in table() if r[1] in ours]
        if not left:
            break
        time.sleep(0.5)
    nl.config_set(**{k: cfg0[k] for k in ("ATTRIBUTION_HALFLIFE_MS",
                                          "EVENT_INTERVAL_MS")})
    nl.close()
    ktap.print_msg(f"{reads} reads of the table and {dumps} dumps while the "
                   f"tenant reclaimed in {K} cgroups, {ROUNDS} rounds: its pairs "
                   f"came back {comebacks} times; bad pairs {bad[:5]}, in dumps "
                   f"{dumped_bad[:5]}; left after it stopped {left}")
    ktap.check("the tenant ran its bursts, its K cgroups seen",
               status == 0 and len(ours) == K)
    ktap.check(f"its pairs faded out and came back {K} times or more (recycled)",
               comebacks >= K)
    ktap.check("no pair of victim 0 or of two different tenant cgroups "
               "(debugfs)", reads and not bad)
    ktap.check("attribution-get showed none either", dumps and not dumped_bad)
    ktap.check("once the tenant stopped, all its pairs faded out", left == [])
    ktap.finish()


main()
