#!/usr/bin/python3
"""The daemon beside other writers (the kubelet's Memory QoS, an in-place
resize, an admin): it yields a file someone else changed, never fights,
says so once with both values, counts it, and restores nothing over the
other writer's value; and observe-only subtrees, where it writes nothing
and exports what it would set.

    /sys/fs/cgroup/memqos-cx         raised to cover its children
    |-- crit     critical, set_high   memory.min, then memory.high changed
    |                                 by "the kubelet" (the test)
    |-- std      standard             memory.low changed likewise
    |-- alone    critical             the daemon's alone: restored
    `-- late     critical             changed just before SIGTERM

    /sys/fs/cgroup/memqos-kp
    |-- kubepods.slice                the kubelet's, Memory QoS on:
    |   |-- kubepods-podg1.slice      memory.min = requests, set before
    |   |   `-- cri-containerd-g1.scope   the daemon starts
    |   `-- kubepods-burstable.slice
    |       `-- kubepods-burstable-podb1.slice
    |           `-- cri-containerd-b1.scope   memory.high set too
    |-- obs      observe = /memqos-kp/obs: critical, never written
    `-- svc      critical, managed: the daemon does write in this run

Proven: each file another writer changes keeps that writer's value over
the daemon's next passes; the log has exactly one conflict line per file,
with both values, and no write to it after; memqos_daemon_conflicts_total
and memqos_daemon_yielded_files count them on /metrics of
'memqos daemon --listen'; set back to the daemon's value the file stays
yielded; a file changed just before SIGTERM is not restored; SIGTERM
restores what the daemon alone wrote and nothing over the other writer's
values, which stay in the state file as yielded; --restore then changes
nothing. Observe-only: with the kubelet's memory.min on the pods, kubepods
is detected as the kubelet's and no memory.min/low/high under it or under
an observe glob changes over several passes nor at SIGTERM, while a
managed cgroup beside them is protected; the advice is exported and
'memqos tier list' says observe-only.
"""
import os
import re
import signal
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

MIB = memqos.MIB
PORT = 19479
FILES = ("memory.min", "memory.low", "memory.high")
DAEMON = {"reconcile_ms": 500, "squeeze_interval_ms": 500}

P = "memqos-cx"
CONF = "/tmp/memqos-cx.conf"
# what "the kubelet" writes: none of them near what the daemon sizes
OTHER = {(f"{P}/crit", "memory.min"): str(40 * MIB),
         (f"{P}/std", "memory.low"): str(24 * MIB),
         (f"{P}/crit", "memory.high"): str(200 * MIB)}

K = "memqos-kp"
KP = f"{K}/kubepods.slice"
GPOD = f"{KP}/kubepods-podg1.slice"
GCTR = f"{GPOD}/cri-containerd-g1.scope"
BQOS = f"{KP}/kubepods-burstable.slice"
BPOD = f"{BQOS}/kubepods-burstable-podb1.slice"
BCTR = f"{BPOD}/cri-containerd-b1.scope"
KCONF = "/tmp/memqos-kp.conf"


def hold(nbytes):
    memqos.hold(3600, memqos.touch_anon(nbytes))


def metrics():
    """/metrics of the daemon's exporter, "" while it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics",
                                    timeout=30) as r:
            return r.read().decode()
    except OSError:
        return ""


def sample(text, name, **labels):
    """The value of series @name{labels} in @text, None if absent."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    m = re.search(rf"^{name}{{{re.escape(want)}}} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def same(written, read):
    """What the daemon wrote, as the kernel reads it back (in pages)."""
    if written in ("max", read):
        return written == read
    return written.isdigit() and read.isdigit() and \
        int(written) // memqos.PAGE * memqos.PAGE == int(read)


def conflict_lines(d, cg, file):
    return [ln for ln in d.lines if f"/{cg} {file}: conflict:" in ln]


def writes(d, cg, file, start=0):
    """Lines of the daemon writing @file of @cg, from line @start."""
    return [ln for ln in d.lines[start:]
            if re.search(rf"/{re.escape(cg)} {file}: \S+ -> ", ln)]


def passes(d, n):
    for _ in range(n):
        d.next_pass()


def values(cgs):
    return {(cg, f): memqosd.read(cg, f) for cg in cgs for f in FILES}


def conflicts(pids):
    for cg in ("crit", "std", "alone", "late"):
        ktap.cg_create(f"{P}/{cg}")
        pids.append(memqos.spawn(f"{P}/{cg}", hold, 4 * MIB))
    # memory.high is sized below memory.max only
    memqos.cg_write(f"{P}/crit", "memory.max", str(256 * MIB))
    memqosd.config(CONF, rules=[f"/{P}/crit critical",
                                f"/{P}/alone critical",
                                f"/{P}/late critical",
                                f"/{P}/std standard"],
                   daemon=DAEMON, tiers={"critical": {"set_high": "yes"}})
    cgs = [P] + [f"{P}/{cg}" for cg in ("crit", "std", "alone", "late")]
    before = values(cgs)

    d = memqosd.Daemon(CONF, "-v", "--listen", f"127.0.0.1:{PORT}")
    try:
        ok = all(d.wait_for(f"/{cg} {f}:") for cg, f in
                 list(OTHER) + [(f"{P}/alone", "memory.min"),
                                (f"{P}/late", "memory.min"),
                                (P, "memory.min"), (P, "memory.low")])
        passes(d, 2)
        mine = values(cgs)
        st = memqosd.state_entries()
        ktap.print_msg(f"managed: {sorted((k[0], k[1], v) for k, v in mine.items() if v != before[k])}")
        ktap.check("the daemon manages crit's min and high, std's low, "
                   "alone's and late's min, and records what it wrote",
                   ok and all(mine[k] != before[k] for k in OTHER) and
                   all(same(st.get((f"/{cg}", f), ("", ""))[1],
                            mine[(cg, f)]) for cg, f in OTHER))

        # the second writer, one file at a time
        for (cg, f), v in OTHER.items():
            start = len(d.lines)
            memqos.cg_write(cg, f, v)
            passes(d, 3)
            lines = conflict_lines(d, cg, f)
            for line in lines:
                ktap.print_msg(line)
            ktap.check(f"{cg} {f} set to {v} by another writer: kept over "
                       "3 passes, one conflict line with both values, no "
                       "write back",
                       memqosd.read(cg, f) == v and len(lines) == 1 and
                       f" {v} set by another writer" in lines[0] and
                       "memqos wrote " in lines[0] and
                       not writes(d, cg, f, start) and
                       memqosd.state_entries()[(f"/{cg}", f)][1] ==
                       "yielded")

        text = metrics()
        got = {f: (sample(text, "memqos_daemon_conflicts_total", file=f),
                   sample(text, "memqos_daemon_yielded_files", file=f))
               for f in FILES}
        ktap.print_msg(f"/metrics: conflicts, yielded: {got}")
        ktap.check("/metrics counts one conflict and one yielded file for "
                   "each of memory.min, memory.low and memory.high",
                   all(got[f] == (1.0, 1.0) for f in FILES))

        # set back to what the daemon wrote: still the other writer's
        cg, f = f"{P}/crit", "memory.min"
        memqos.cg_write(cg, f, mine[(cg, f)])
        start = len(d.lines)
        memqos.cg_write(cg, f, str(36 * MIB))
        passes(d, 2)
        ktap.check("set back and changed again by the other writer: still "
                   "yielded, no new conflict line, no write",
                   memqosd.read(cg, f) == str(36 * MIB) and
                   len(conflict_lines(d, cg, f)) == 1 and
                   not writes(d, cg, f, start))
        OTHER[(cg, f)] = str(36 * MIB)

        # between two passes: caught by the restore itself, or a pass
        late = str(28 * MIB)
        memqos.cg_write(f"{P}/late", "memory.min", late)
        rc = d.stop()
    finally:
        d.stop()
        d.log()
    after = values(cgs)
    st = memqosd.state_entries()
    ktap.print_msg(f"after SIGTERM (status {rc}): state {st}")
    want = dict(before)
    want.update(OTHER)
    want[(f"{P}/late", "memory.min")] = late
    for k in want:
        if after[k] != want[k]:
            ktap.print_msg(f"{k}: {after[k]}, want {want[k]}")
    ktap.check("SIGTERM: the other writer's values stay, what the daemon "
               "alone wrote is restored, exit 0",
               rc == 0 and after == want and
               len(conflict_lines(d, f"{P}/late", "memory.min")) == 1)
    ktap.check("the yielded files stay in the state file, nothing else",
               sorted(st) == sorted((f"/{cg}", f) for cg, f in
                                    list(OTHER) +
                                    [(f"{P}/late", "memory.min")]) and
               all(v[1] == "yielded" for v in st.values()))
    rc, _, err = memqosd.run("daemon", "-c", CONF, "--restore")
    for line in err.splitlines():
        ktap.print_msg("--restore: " + line)
    ktap.check("--restore leaves the yielded files alone",
               rc == 0 and values(cgs) == want)
    os.unlink(memqosd.STATE)


def observe_only(pids):
    for cg in (GCTR, BCTR, f"{K}/obs", f"{K}/svc"):
        ktap.cg_create(cg)
    # the kubelet's Memory QoS: memory.min = requests up the tree, and
    # memory.high of the burstable container
    kubelet = {(GPOD, "memory.min"): 32 * MIB, (GCTR, "memory.min"): 32 * MIB,
               (BPOD, "memory.min"): 16 * MIB, (BCTR, "memory.min"): 16 * MIB,
               (BQOS, "memory.min"): 16 * MIB, (KP, "memory.min"): 48 * MIB,
               (BCTR, "memory.high"): 120 * MIB}
    for (cg, f), v in sorted(kubelet.items(), key=lambda kv: kv[0][0]):
        memqos.cg_write(cg, f, str(v))
    for cg in (GCTR, BCTR, f"{K}/obs", f"{K}/svc"):
        pids.append(memqos.spawn(cg, hold, 4 * MIB))
    memqosd.config(KCONF, rules=[f"/{K}/obs critical", f"/{K}/svc critical"],
                   classify={"observe": f"/{K}/obs"}, daemon=DAEMON)
    watched = [KP, GPOD, GCTR, BQOS, BPOD, BCTR, f"{K}/obs"]
    before = values(watched)

    rc, out, _ = memqosd.run("tier", "-c", KCONF, "list")
    shown = [ln for ln in out.splitlines() if ln.rstrip().endswith(
        f"/{K}/obs") or f"/{K}/obs " in ln]
    ktap.print_msg(f"tier list: {shown}")
    ktap.check("memqos tier list says the observe glob's cgroup is "
               "observe-only", rc == 0 and shown and
               "observe-only observe /memqos-kp/obs" in shown[0])

    d = memqosd.Daemon(KCONF, "-v", "--listen", f"127.0.0.1:{PORT}")
    try:
        seen = d.wait_for("the kubelet's Memory QoS is on")
        svc = d.wait_for(f"/{K}/svc memory.min:")
        passes(d, 4)
        text = metrics()
        advice = {cg: sample(text, "memqos_daemon_advised_protection_bytes",
                             cgroup=f"/{cg}", file=f)
                  for cg, f in ((GPOD, "memory.min"), (GCTR, "memory.min"),
                                (BPOD, "memory.low"), (BCTR, "memory.low"),
                                (f"{K}/obs", "memory.min"))}
        during = values(watched)
    finally:
        rc = d.stop()
        d.log()
    ktap.print_msg(f"detected: {seen}")
    ktap.print_msg(f"advice: {advice}")
    for k in before:
        if during[k] != before[k]:
            ktap.print_msg(f"{k}: {before[k]} -> {during[k]}")
    ktap.check("kubelet-style memory.min on the pods: kubepods observe-only, "
               "no memory.min/low/high under it or the observe glob changed "
               "over 4 passes",
               seen is not None and during == before)
    ktap.check("and the daemon protects the managed cgroup beside them",
               svc is not None and
               memqosd.read_int(f"{K}/svc", "memory.min") == 0 and
               not [ln for ln in d.lines if f"/{KP}" in ln and " -> " in ln])
    ktap.check("the advice is exported: the memory.min/low it would set "
               "for each protected cgroup observed",
               all(v is not None and v >= 4 * MIB for v in advice.values()))
    ktap.check("SIGTERM changes nothing there either, exit 0",
               rc == 0 and values(watched) == before and
               not os.path.exists(memqosd.STATE))


def main():
    ktap.print_header(14)
    pids = []
    try:
        conflicts(pids)
        observe_only(pids)
    finally:
        memqos.stop(*pids)
    ktap.finish()


main()
