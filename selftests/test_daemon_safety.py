#!/usr/bin/python3
"""The daemon's safety: what it changed always goes back, bad input changes
nothing, and a kernel that refuses a write or a cgroup that vanishes is
logged and survived.

    /sys/fs/cgroup/memqos-sf         raised to cover its children
    |-- crit1    critical  memory.min 4096 set by "the admin" beforehand
    |-- crit2    critical
    |-- crit3    critical  removed while the daemon runs
    |-- std      standard  memory.low 12288 beforehand
    `-- batch    batch

Proven: a bad configuration is refused with file:line and changes nothing,
also one whose path is longer than a message (run as uid 65534);
a malformed state file is refused likewise; --dry-run prints the plan and
changes nothing, not even the state file; on a read-only cgroupfs every
refused write is logged, the pass completes and nothing changes; the
running daemon records the originals before writing; SIGHUP with a bad file
keeps the running configuration, with a good one applies it; a vanished
cgroup is logged and forgotten; after kill -9 the next start restores what
it no longer manages (an opted-out cgroup) and leaves a new cgroup at an
old path alone; SIGTERM restores every original and removes the state file.
"""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

MIB = memqos.MIB
P = "memqos-sf"
RULES = [f"/{P}/crit* critical", f"/{P}/std standard", f"/{P}/batch batch"]
DAEMON = {"reconcile_ms": 500, "squeeze_interval_ms": 500}
CONF = "/tmp/memqos-sf.conf"
BAD = "/tmp/memqos-sf-bad.conf"
BAD_TEXT = "[daemon]\nreconcile_ms = soon\n[tier.gold]\naction = hoard\n"


def hold(nbytes):
    memqos.hold(3600, memqos.touch_anon(nbytes))


def good(headroom_min="8M"):
    return memqosd.config(CONF, rules=RULES, daemon=DAEMON,
                          tiers={"critical": {"headroom_min": headroom_min}})


def values():
    """Every file the daemon may touch here, as the kernel shows it."""
    out = {}
    for cg in (P, f"{P}/crit1", f"{P}/crit2", f"{P}/std", f"{P}/batch"):
        for f in ("memory.min", "memory.low", "memory.high"):
            out[(cg, f)] = memqosd.read(cg, f)
    return out


def ro_once():
    """memqos daemon --once with /sys/fs/cgroup read-only (its own mount
    namespace): (exit status, stderr)."""
    script = ("mount --bind /sys/fs/cgroup /sys/fs/cgroup && "
              "mount -o remount,bind,ro /sys/fs/cgroup && "
              f"exec {memqosd.TOOL} daemon -c {CONF} --once")
    p = subprocess.run(["unshare", "-m", "sh", "-c", script],
                       capture_output=True, text=True)
    return p.returncode, p.stderr


def main():
    ktap.print_header(12)
    for cg in ("crit1", "crit2", "std", "batch"):
        ktap.cg_create(f"{P}/{cg}")
    memqos.cg_write(f"{P}/crit1", "memory.min", "4096")
    memqos.cg_write(f"{P}/std", "memory.low", "12288")
    # the daemon sizes protection from use: each holds 4 MiB
    pids = {cg: memqos.spawn(f"{P}/{cg}", hold, 4 * MIB)
            for cg in ("crit1", "crit2", "std")}
    before = values()
    good()

    with open(BAD, "w") as f:
        f.write(BAD_TEXT)
    rc, _, err = memqosd.run("daemon", "-c", BAD, "--once")
    for line in err.splitlines():
        ktap.print_msg("bad config: " + line)
    ktap.check("a bad configuration: exit 2, errors with file:line, "
               "nothing changed",
               rc == 2 and f"{BAD}:2:" in err and f"{BAD}:4:" in err and
               "not starting" in err and values() == before and
               not os.path.exists(memqosd.STATE))

    # as uid 65534 too, a path longer than a message: no overflow
    # (ASan saw add_error() write past its buffer), every error reported
    longdir = "/tmp/" + "/".join(["d" * 200] * 15)
    os.makedirs(longdir, exist_ok=True)
    longconf = os.path.join(longdir, "bad.conf")
    with open(longconf, "w") as f:
        f.write("[daemon]\n" + "window_s = 0\n" * 20)
    rc, _, err = memqosd.run("daemon", "-c", longconf, "--once",
                             user="nobody")
    lines = err.splitlines()
    ktap.print_msg(f"{len(longconf)}-byte path, 20 errors: exit {rc}, "
                   f"{len(lines)} lines, last: {lines[-1:]}")
    ktap.check("a long configuration path with many errors: exit 2, each "
               "error cut short, nothing changed",
               rc == 2 and "... and 4 more errors" in err and
               sum(ln.startswith("memqos daemon: /tmp/ddd") and
                   len(ln) < 300 for ln in lines) == 16 and
               values() == before)

    os.makedirs(memqosd.STATE_DIR, exist_ok=True)
    with open(memqosd.STATE, "w") as f:
        f.write("memqos-state 1\nnot a state line\n")
    rc, _, err = memqosd.run("daemon", "-c", CONF, "--once")
    ktap.print_msg("malformed state: " + err.strip())
    ktap.check("a malformed state file: refused, nothing changed",
               rc != 0 and "fix or remove it" in err and
               values() == before)
    os.unlink(memqosd.STATE)

    rc, out, err = memqosd.run("daemon", "-c", CONF, "--dry-run", "--once")
    for line in out.splitlines():
        ktap.print_msg("dry run: " + line)
    ktap.check("--dry-run prints the plan and changes nothing",
               rc == 0 and f"would set /{P}/crit1 memory.min: 4096 -> " in out
               and f"would set /{P}/std memory.low: 12288 -> " in out and
               values() == before and not os.path.exists(memqosd.STATE))

    rc, err = ro_once()
    for line in err.splitlines():
        ktap.print_msg("read-only cgroupfs: " + line)
    refused = [ln for ln in err.splitlines()
               if ln.startswith("memqos daemon: write ") and
               "Read-only file system" in ln]
    ktap.check("read-only cgroupfs: every refused write logged, the pass "
               "completes, nothing changed",
               rc == 1 and len(refused) >= 4 and "pass 1:" in err and
               values() == before)

    d = memqosd.Daemon(CONF, "-v")
    try:
        ok = all(d.wait_for(f"/{P}/{cg} {f}:") for cg, f in
                 (("crit1", "memory.min"), ("crit2", "memory.min"),
                  ("std", "memory.low")))
        d.wait_for("pass 2:")
        v = values()
        st = memqosd.state()
        ktap.print_msg(f"running: crit1 min {v[(P + '/crit1', 'memory.min')]}"
                       f", {P} min {v[(P, 'memory.min')]}, std low "
                       f"{v[(P + '/std', 'memory.low')]}, state {st}")
        ktap.check("the daemon protects, originals recorded before writing",
                   ok and int(v[(P + "/crit1", "memory.min")]) >= 8 * MIB and
                   int(v[(P + "/std", "memory.low")]) >= 8 * MIB and
                   int(v[(P, "memory.min")]) >=
                   int(v[(P + "/crit1", "memory.min")]) +
                   int(v[(P + "/crit2", "memory.min")]) and
                   st.get((f"/{P}/crit1", "memory.min")) == "4096" and
                   st.get((f"/{P}/std", "memory.low")) == "12288" and
                   st.get((f"/{P}", "memory.min")) == "0")

        with open(CONF, "w") as f:
            f.write(BAD_TEXT.replace("[daemon]\n", "[daemon]\nx = 1\n"))
        start = len(d.lines)
        d.send(signal.SIGHUP)
        kept = d.wait_for("keeping the running one", start=start)
        d.next_pass()
        errs = [ln for ln in d.lines[start:] if f"{CONF}:" in ln]
        for line in errs:
            ktap.print_msg("SIGHUP: " + line)
        ktap.check("SIGHUP with a bad file: errors with file:line, the "
                   "running configuration kept",
                   kept is not None and bool(errs) and d.p.poll() is None and
                   v[(P + "/crit1", "memory.min")] ==
                   memqosd.read(f"{P}/crit1", "memory.min"))
        good("32M")
        start = len(d.lines)
        d.send(signal.SIGHUP)
        line = d.wait_for(f"/{P}/crit1 memory.min:", start=start)
        ktap.print_msg(f"SIGHUP, headroom_min 32M: {line}")
        ktap.check("SIGHUP with a good file applies it",
                   line is not None and
                   memqosd.read_int(f"{P}/crit1", "memory.min") >= 32 * MIB)

        ktap.cg_create(f"{P}/crit3")
        pids["crit3"] = memqos.spawn(f"{P}/crit3", hold, 4 * MIB)
        ok = d.wait_for(f"/{P}/crit3 memory.min:")
        d.next_pass()
        ktap.cg_remove(f"{P}/crit3")
        memqos.stop(pids.pop("crit3"))
        start = len(d.lines)
        gone = d.wait_for(f"/{P}/crit3 memory.min: cgroup gone", start=start)
        d.next_pass()
        ktap.print_msg(f"vanished: {gone}")
        ktap.check("a vanished cgroup is logged and forgotten, the daemon "
                   "goes on",
                   ok is not None and gone is not None and d.p.poll() is None and
                   not [k for k in memqosd.state() if "crit3" in k[0]])

        # kill -9: what it set stays until the next start reconciles
        rc = d.stop(signal.SIGKILL)
        d.log("first daemon: ")
        crashed = values()
        os.setxattr(memqos.cg_path(f"{P}/crit1"), "user.memqos.tier", b"none")
        ktap.cg_remove(f"{P}/std")
        memqos.stop(pids.pop("std"))
        ktap.cg_create(f"{P}/std")
        memqos.cg_write(f"{P}/std", "memory.low", "8192")
        os.setxattr(memqos.cg_path(f"{P}/std"), "user.memqos.tier", b"none")
        ktap.print_msg(f"after kill -9 (status {rc}): crit1 min "
                       f"{crashed[(P + '/crit1', 'memory.min')]}, state "
                       f"holds {len(memqosd.state())} originals")

        d = memqosd.Daemon(CONF, "-v")
        recon = d.wait_for("from a previous run; reconciling")
        d.wait_for("pass 1:")
        st = memqosd.state()
        ktap.print_msg(f"restarted: state {st}")
        ktap.check("restart after kill -9: the opted-out cgroup gets its "
                   "original back, the new one at an old path is left alone",
                   rc == -signal.SIGKILL and recon is not None and
                   int(crashed[(P + "/crit1", "memory.min")]) >= 32 * MIB and
                   memqosd.read(f"{P}/crit1", "memory.min") == "4096" and
                   memqosd.read(f"{P}/std", "memory.low") == "8192" and
                   memqosd.read(P, "memory.low") == "0" and
                   not [k for k in st if "crit1" in k[0] or "std" in k[0]])
        ktap.check("and keeps managing the rest: crit2 and its parent",
                   memqosd.read_int(f"{P}/crit2", "memory.min") >= 32 * MIB
                   and st.get((f"/{P}/crit2", "memory.min")) == "0" and
                   st.get((f"/{P}", "memory.min")) == "0")

        rc = d.stop()
        d.log("second daemon: ")
        d = None
        want = dict(before)
        want[(P + "/std", "memory.low")] = "8192"
        after = values()
        for k in want:
            if after[k] != want[k]:
                ktap.print_msg(f"{k}: {after[k]}, want {want[k]}")
        ktap.check("SIGTERM: every original back, no state file, exit 0",
                   rc == 0 and after == want and
                   not os.path.exists(memqosd.STATE))
    finally:
        if d:
            d.stop()
        memqos.stop(*pids.values())
    ktap.finish()


main()
