#!/usr/bin/python3
"""memqos daemon under faults. Critical and standard cgroups get memory.min
and memory.low from the daemon (and their parent is raised to cover them)
while it is hit by:

1. cgroups vanishing mid-write: critical cgroups with memory in use,
   killed and removed 0.3-0.9 s after they appear, all through the run;
2. the module unloaded under it and loaded again: it keeps running and
   managing, and it rejoins the module's events (observable from outside:
   with no other listener, the module raises events again; events_seq in
   the stats file only moves while someone listens);
3. a SIGHUP storm, including a broken configuration in the middle: it keeps
   running with the last good configuration;
4. kill -9 at random points: at each, every file that differs from its
   original has its original in the state file (nothing lost), and the
   next start picks it up.
At the end (SIGTERM) every memory.min/low/high is back to its original,
including originals that were not the default, and no state file is left.

MEMQOS_STRESS_DAEMON_KILLS (default 10 x scale), MEMQOS_STRESS_DAEMON_RELOADS
(default 3 x scale), MEMQOS_STRESS_SEED.

    /sys/fs/cgroup/memqos-sdm          raised to cover its children
    |-- crit0 .. crit3  critical       crit0 min 1M, crit1 low 4M originally
    |-- std0 .. std3    standard       std2 high 512M originally
    `-- tmp-cN          critical       4 MiB in use, killed and removed
                                       all the time
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stress  # noqa: E402
from stress import ktap, memqos  # noqa: E402
import memqosd  # noqa: E402  (selftests/, on the path through stress)

MIB = memqos.MIB
P = "memqos-sdm"
KILLS = stress.scaled("MEMQOS_STRESS_DAEMON_KILLS", 10)
RELOADS = stress.scaled("MEMQOS_STRESS_DAEMON_RELOADS", 3)
FILES = ("memory.min", "memory.low", "memory.high")
STABLE = [P] + [f"{P}/crit{i}" for i in range(4)] + [f"{P}/std{i}" for i in range(4)]
CONF = "/tmp/memqos-sdm.conf"
RULES = [f"/{P}/crit* critical", f"/{P}/std* standard", f"/{P}/tmp-c* critical"]


def snapshot(cgs):
    out = {}
    for cg in cgs:
        for f in FILES:
            try:
                out[(cg, f)] = memqosd.read(cg, f)
            except FileNotFoundError:
                pass
    return out


def vanishing(rng_seed):
    """Critical cgroups with 4 MiB in use (so the daemon protects them)
    that live 0.3-0.9 s: killed and removed while the daemon writes."""
    import random
    r = random.Random(rng_seed)
    i = 0
    while True:
        p = memqos.cg_path(f"{P}/tmp-c{i % 8}")
        os.mkdir(p)
        pid = memqos.spawn(f"{P}/tmp-c{i % 8}", hold, 4 * MIB)
        time.sleep(0.3 + r.random() * 0.6)
        with open(os.path.join(p, "cgroup.kill"), "w") as f:
            f.write("1")
        os.waitpid(pid, 0)
        for _ in range(100):
            try:
                os.rmdir(p)
                break
            except OSError:
                time.sleep(0.01)
        i += 1


def hold(nbytes):
    m = memqos.touch_anon(nbytes)
    while True:
        time.sleep(60)
    return m


def nothing_lost(orig):
    """Every stable file that differs from its original has its original in
    the state file; tmp-c* ones differ only from their defaults."""
    st = memqosd.state()
    bad = []
    cur = snapshot(STABLE)
    for (cg, f), v in cur.items():
        if v != orig[(cg, f)] and st.get((f"/{cg}", f)) != orig[(cg, f)]:
            bad.append(f"{cg} {f} = {v}, original {orig[(cg, f)]}, state "
                       f"{st.get((f'/{cg}', f))}")
    for i in range(8):
        cg = f"{P}/tmp-c{i}"
        for f in FILES:
            default = "max" if f == "memory.high" else "0"
            try:
                v = memqosd.read(cg, f)
            except OSError:
                continue
            # A cgroup of the same name may have been made again since
            # (the state then holds the old one's id): check only the value.
            if v != default and (f"/{cg}", f) not in st:
                bad.append(f"{cg} {f} = {v} with no original recorded")
    return bad


def events_seq():
    return memqos.stats()["events_seq"]


def main():
    ktap.print_header(10)
    rng = stress.rng_from_env()
    # Registered for cleanup first, so it goes last: its removal kills
    # whatever is left in tmp-c* too (an orphan holding the test's stdout
    # would keep the runner waiting).
    ktap.cg_create(P)
    for i in range(4):
        ktap.cg_create(f"{P}/crit{i}")
        ktap.cg_create(f"{P}/std{i}")
    memqos.cg_write(f"{P}/crit0", "memory.min", MIB)
    memqos.cg_write(f"{P}/crit1", "memory.low", 4 * MIB)
    memqos.cg_write(f"{P}/std2", "memory.high", 512 * MIB)
    orig = snapshot(STABLE)
    holders = [memqos.spawn(f"{P}/crit{i}", hold, 8 * MIB) for i in range(2)]
    conf = memqosd.config(CONF, rules=RULES,
                          daemon={"reconcile_ms": 200, "squeeze_interval_ms": 200})
    d = memqosd.Daemon(conf, "-v")
    churn = None
    problems = []
    tmp_writes = 0
    try:
        line = d.wait_for(f"/{P}/crit0 memory.min", timeout=60)
        ktap.check("the daemon protects the critical cgroups", line is not None)
        churn = memqos.spawn(None, vanishing, rng.getrandbits(32))

        # 2. The module goes away under the daemon and comes back.
        alive, rejoined = True, 0
        for i in range(RELOADS):
            stress.rmmod()
            time.sleep(3)
            alive &= d.p.poll() is None
            stress.insmod()
            # The churn removes a cgroup every ~0.2 s; events are raised
            # only while someone listens, and the daemon is the only one.
            end = time.monotonic() + 15
            while time.monotonic() < end and not events_seq():
                time.sleep(0.5)
            rejoined += events_seq() > 0
            alive &= d.p.poll() is None
        ktap.print_msg(f"{RELOADS} reloads: alive {alive}, events again after "
                       f"{rejoined} of them")
        ktap.check("module unloaded and loaded under the daemon: it keeps running",
                   alive)
        ktap.check("after each reload the daemon listens to events again",
                   rejoined == RELOADS)
        n = len(d.lines)
        memqos.cg_write(f"{P}/crit1", "memory.min", 0)    # someone resets it
        ktap.check("after the reloads it still manages (puts back memory.min)",
                   d.wait_for(f"/{P}/crit1 memory.min", start=n, timeout=30)
                   is not None)

        # 3. SIGHUP storm, a broken configuration in the middle. Signals
        # of one kind coalesce while pending: the daemon reloads at least
        # once per burst, not once per signal.
        n = len(d.lines)
        for i in range(300):
            d.send(signal.SIGHUP)
        with open(CONF, "a") as f:
            f.write("[tier.broken\n")
        refused = None
        for i in range(200):
            d.send(signal.SIGHUP)
            refused = d.wait_for("keeping the running one", start=n, timeout=0.05)
            if refused:
                break
        memqosd.config(CONF, rules=RULES, daemon={
            "reconcile_ms": 200, "squeeze_interval_ms": 200})
        m = len(d.lines)
        for i in range(300):
            d.send(signal.SIGHUP)
        reloaded = d.wait_for("configuration reloaded", start=m, timeout=10)
        ktap.print_msg(f"SIGHUP storm: {sum('configuration reloaded' in x for x in d.lines[n:])} "
                       f"reloads, {sum('keeping the running one' in x for x in d.lines[n:])} "
                       "refused")
        ktap.check("SIGHUP storm with a broken config: still running, the broken "
                   "one refused, the good one loaded after it",
                   d.p.poll() is None and refused is not None and reloaded is not None)

        # 4. kill -9 at random points; the next start takes over.
        for i in range(KILLS):
            time.sleep(rng.random() * 2)
            d.stop(signal.SIGKILL)
            problems += nothing_lost(orig)
            tmp_writes += sum("/tmp-c" in x for x in d.lines)
            d = memqosd.Daemon(conf, "-v")
            d.wait_for("protection:", timeout=30)
        for p in problems[:20]:
            ktap.print_msg("lost: " + p)
        ktap.check(f"{KILLS} kill -9: every changed file's original was in the "
                   "state file", not problems)
        # kill -9 left the values set: take one away, the new daemon must
        # put it back.
        memqos.cg_write(f"{P}/crit0", "memory.min", 0)
        end = time.monotonic() + 30
        while time.monotonic() < end and memqosd.read(f"{P}/crit0", "memory.min") == "0":
            time.sleep(0.2)
        ktap.check("the restarted daemon protects again (crit0 memory.min)",
                   memqosd.read(f"{P}/crit0", "memory.min") != "0")
    finally:
        if churn:
            memqos.stop(churn)
            for i in range(8):
                ktap.cg_remove(f"{P}/tmp-c{i}")
        time.sleep(1)
        rc = d.stop()
        memqos.stop(*holders)
    for x in d.lines[-15:]:
        ktap.print_msg("daemon: " + x)
    tmp_writes += sum("/tmp-c" in x for x in d.lines)
    ktap.print_msg(f"the daemons logged {tmp_writes} changes to vanishing tmp-c* cgroups")
    ktap.check("SIGTERM: exit 0", rc == 0)
    now = snapshot(STABLE)
    diff = {k: (orig[k], v) for k, v in now.items() if v != orig[k]}
    if diff:
        ktap.print_msg(f"not restored: {diff}")
    ktap.check("every memory.min/low/high back to its original", not diff)
    ktap.check("no state file left", not os.path.exists(memqosd.STATE))
    ktap.finish()


main()
