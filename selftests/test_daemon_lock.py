#!/usr/bin/python3
"""One daemon per node, and its state only root's: a second daemon while
the service runs, and a tenant (uid 65534 in a delegated cgroup) that
plants a state file in a state_dir it made.

    /sys/fs/cgroup/memqos-lk         raised to cover crit
    |-- crit      critical: the running daemon's; 16 MiB in use
    |-- other     critical for the second daemon only; 16 MiB in use
    `-- tenant    delegated to uid 65534; its planted state file says
                  "memory.min was 64M before the daemon changed it"

Proven: while a daemon runs, 'memqos daemon --once' (with a configuration
that would protect another cgroup) and '--restore' refuse with "already
running" and exit 1, and change neither a cgroup nor the state file
(today's main ran both: the --once recorded other's original, which the
running daemon then wrote over, and --restore put back what the running
daemon kept managing); after SIGTERM the lock is free again; a state_dir
owned by the tenant is refused and its planted original never written
(today's main restored it: memory.min 64M for the tenant's cgroup).
"""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

MIB = memqos.MIB
P = "memqos-lk"
T = f"{P}/tenant"
DAEMON = {"reconcile_ms": 500, "squeeze_interval_ms": 500}
EVIL_DIR = "/tmp/memqos-lk-state"


def snapshot():
    """Every memory.min under memqos-lk, and the state file's bytes."""
    out = {}
    for cg in (P, f"{P}/crit", f"{P}/other", T):
        out[cg] = memqosd.read(cg, "memory.min")
    try:
        with open(memqosd.STATE, "rb") as f:
            out["state"] = f.read()
    except FileNotFoundError:
        out["state"] = None
    return out


def hold(nbytes):
    memqos.hold(3600, memqos.touch_anon(nbytes))


def plant(dirname, cg_id, path):
    """As the tenant: a state_dir of its own with an 'original' for its
    cgroup that the daemon would write back."""
    os.mkdir(dirname, 0o755)
    with open(os.path.join(dirname, "state"), "w") as f:
        f.write(f"memqos-state 1\n{cg_id} memory.min {64 * MIB} {path}\n")


def main():
    ktap.print_header(5)
    for cg in ("crit", "other"):
        ktap.cg_create(f"{P}/{cg}")
    memqosd.delegate(T)
    conf = memqosd.config("/tmp/memqos-lk.conf", daemon=DAEMON,
                          rules=[f"/{P}/crit critical"])
    conf2 = memqosd.config("/tmp/memqos-lk2.conf", daemon=DAEMON,
                           rules=[f"/{P}/crit critical",
                                  f"/{P}/other critical"])

    # what the daemons protect: 16 MiB in use in each
    pids = [memqos.spawn(f"{P}/{cg}", hold, 16 * MIB)
            for cg in ("crit", "other")]
    memqos.drop_caches()
    time.sleep(3)       # levels are flushed about every 2 s
    d = memqosd.Daemon(conf, "-v")
    try:
        d.wait_for(f"/{P}/crit memory.min:")
        d.next_pass()
        before = snapshot()
        ktap.print_msg(f"running: {before}")
        rc, _, err = memqosd.run("daemon", "-c", conf2, "--once")
        ktap.print_msg(f"--once while running: {rc} {err.strip()}")
        d.next_pass()
        after = snapshot()
        ktap.check("--once while the daemon runs: 'already running', exit "
                   "1, nothing changed",
                   rc == 1 and "already running (pid " in err and
                   f"{d.p.pid}" in err and after == before and
                   int(before[f"{P}/crit"]) >= 8 * MIB)
        rc, _, err = memqosd.run("daemon", "-c", conf, "--restore")
        ktap.print_msg(f"--restore while running: {rc} {err.strip()}")
        d.next_pass()
        ktap.check("--restore while the daemon runs: refused, nothing "
                   "changed",
                   rc == 1 and "already running" in err and
                   snapshot() == before)
        rc = d.stop()
        d.log()
        d = None
        ktap.check("SIGTERM: originals back, state file gone",
                   rc == 0 and memqosd.read(P, "memory.min") == "0" and
                   memqosd.read(f"{P}/crit", "memory.min") == "0" and
                   not os.path.exists(memqosd.STATE))
        rc, _, err = memqosd.run("daemon", "-c", conf, "--once")
        rc_r = memqosd.run("daemon", "-c", conf, "--restore")[0]
        ktap.check("with the daemon gone, --once and --restore run",
                   rc == 0 and rc_r == 0 and
                   memqosd.read(f"{P}/crit", "memory.min") == "0")
    finally:
        if d:
            d.stop()
        memqos.stop(*pids)

    memqosd.as_tenant(T, plant, EVIL_DIR, memqos.cg_id(T), f"/{T}")
    evil = memqosd.config("/tmp/memqos-lk3.conf",
                          daemon={"state_dir": EVIL_DIR})
    rc, _, err = memqosd.run("daemon", "-c", evil, "--once")
    ktap.print_msg(f"state_dir owned by uid 65534: {rc} {err.strip()}")
    ktap.check("a state_dir the tenant owns is refused, its 'original' "
               "never written",
               rc == 1 and "owned by another user" in err and
               memqosd.read(T, "memory.min") == "0")
    shutil.rmtree(EVIL_DIR, ignore_errors=True)
    ktap.finish()


main()
