#!/usr/bin/python3
"""Generic netlink, read side, as an independent client sees it: pyroute2
(Debian's python3-pyroute2) resolves the "memqos" family through nlctrl,
and every number it uses comes from include/uapi/linux/memqos.h parsed as
text (selftests/genl.py); nothing of the project's C code runs.

Which commands exist, their do/dump/admin flags and the attributes of
each request and reply come from the spec's operations
(Documentation/netlink/specs/memqos.yaml, by name only).

Proves: the family advertises its version, exactly the spec's request
commands (the issue's 7, GET_VERSION..OOM_KILLS_GET, among them) with
do/dump as specified and the admin flag on CONFIG_SET and RESET only, and
the "events" group; the replies of the other requests carry only the
attributes the spec lists for them; GET_VERSION answers the module's, the
header's and the kernel's versions; a dump decodes with the header's
numbers alone (no unknown attribute, exactly the spec's reply attributes,
one histogram per stall kind with 26 buckets summing to its count); for the three test cgroups the dump agrees with debugfs `detail`:
id (= st_ino of the cgroup dir) and path exactly, limits and the module's
counters and histograms exactly, levels within 3% or 1 MiB (memory.stat
read first); a cgroup without the memory controller is not dumped; a get
by id and a get by path return the same cgroup; unknown id, unknown path,
both, neither, a relative path, a non-memory cgroup and a file's inode
fail with the right errno and an extended-ack message.

    /sys/fs/cgroup
    `-- memqos-gc            +memory for its children
        |-- hold             a process holding 24 MiB anon and 8 MiB tmpfs
        |-- limits           min 2M, low 4M, high 48M, max 64M, no process
        |   `-- nomem        no memory controller (limits has no +memory)
        `-- reclaim          max 16M, 32 MiB anon churn (zram swap)
"""
import errno
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

H = genl.H
MIB = memqos.MIB
CGS = ("memqos-gc/hold", "memqos-gc/limits", "memqos-gc/reclaim")
LIMITS = ("MIN_BYTES", "LOW_BYTES", "HIGH_BYTES", "MAX_BYTES")
# Counts and times the kernel keeps and may still move a little while idle.
KERNEL_COUNTS = ("WORKINGSET_REFAULT_ANON", "WORKINGSET_REFAULT_FILE",
                 "PSI_SOME_US", "PSI_FULL_US")
COUNTERS = ("MEMCG_RECLAIMS", "MEMCG_RECLAIM_PAGES", "MEMCG_RECLAIM_US",
            "DIRECT_RECLAIMS", "DIRECT_RECLAIM_PAGES", "DIRECT_RECLAIM_US",
            "HIGH_THROTTLES", "HIGH_THROTTLE_US", "KSWAPD_WAKEUPS",
            "THROTTLED", "THROTTLED_US", "OOM_KILLS")
REQUEST_CMDS = ("GET_VERSION", "CGROUP_GET", "STATS_GET", "CONFIG_GET",
                "CONFIG_SET", "RESET", "OOM_KILLS_GET")


def dkey(attr):
    """The debugfs detail key of a cgroup attribute (same name, lower case,
    without the _bytes unit)."""
    k = attr.lower()
    return k[:-len("_bytes")] if k.endswith("_bytes") else k


def holder():
    m = memqos.touch_anon(24 * MIB)
    with open("/dev/shm/memqos-gc-shm", "wb") as f:
        f.write(b"s" * (8 * MIB))
    open("/tmp/memqos-gc.ready", "w").close()
    memqos.hold(3600, m)


def expect_error(nl, want, desc, at=None, **attrs):
    """@at: the attribute the ext-ack must point at (the request's first
    attribute sits at offset 20: nlmsghdr and genlmsghdr)."""
    try:
        rep = nl.do("CGROUP_GET", **attrs)
        ktap.print_msg(f"{desc}: succeeded: {rep.attrs.get('PATH')}")
        return ktap.check(f"{desc}: {errno.errorcode[want]}", False)
    except genl.NlError as e:
        ktap.print_msg(f"{desc}: {e} (offset {e.offs})")
        return ktap.check(f"{desc}: {errno.errorcode[want]} with an ext-ack "
                          "message" + (" pointing at the attribute" if at else ""),
                          e.errno == want and bool(e.msg) and
                          (at is None or e.offs == at))


def compare(name, nlc, det, unavailable):
    """Differences between a netlink cgroup and its debugfs detail: limits,
    memory.events counts and the module's own counters exact, byte levels
    within 3% or 1 MiB, the kernel's refault counts and PSI totals within
    3% or 10,000; fields this kernel cannot give absent from both."""
    bad = []
    for a in H.SETS["cgroup"].attrs:
        if a.kind in ("pad", "nest") or a.name in ("ID", "PATH", "TRACKED"):
            continue
        if a.name in unavailable:
            if a.name in nlc or det.get(dkey(a.name)) != "-":
                bad.append(f"{a.name} is not available here, yet shown")
            continue
        if dkey(a.name) not in det:
            ktap.print_msg(f"{name}: {a.name} is not in debugfs detail, not compared")
            continue
        ours, theirs = nlc.get(a.name), det[dkey(a.name)]
        if a.name in LIMITS:
            ok = ours == theirs
        elif a.name.endswith("_BYTES"):
            ok = memqos.close_enough(ours, theirs)
        elif a.name in KERNEL_COUNTS:
            ok = memqos.close_enough(ours, theirs, slack=10000)
        else:
            ok = ours == theirs
        if not ok:
            bad.append(f"{a.name} netlink {ours} debugfs {theirs}")
    if nlc["ID"] != det["id"] or nlc["PATH"] != det["path"] or \
            nlc["TRACKED"] != det["tracked"]:
        bad.append(f"id/path/tracked {nlc['ID']} {nlc['PATH']} {nlc['TRACKED']}"
                   f" vs {det['id']} {det['path']} {det['tracked']}")
    for h in nlc["HIST"]:
        kind = [k for k, v in H.STALL_KINDS.items() if v == h["KIND"]][0].lower()
        buckets = list(map(int, str(det[kind + "_hist"]).split()))
        if full_buckets(h) != buckets or h["MAX_US"] != det[kind + "_max_us"]:
            bad.append(f"hist {kind} netlink {h.get('BUCKET')} max {h['MAX_US']} "
                       f"debugfs {buckets} max {det[kind + '_max_us']}")
    return [f"{name}: {b}" for b in bad]


def full_buckets(h):
    """All hist-buckets counts of a HIST nest (those not sent are 0)."""
    b = h.get("BUCKET", [])
    return b + [0] * (H.HIST_BUCKETS - len(b))


def trimmed(h):
    """Whether a HIST nest sends its buckets up to the last one above 0,
    no further, and they sum to its count."""
    b = h.get("BUCKET", [])
    return (len(b) <= H.HIST_BUCKETS and (not b or b[-1] > 0) and
            sum(b) == h["COUNT"])


def main():
    ktap.print_header(21)
    memqos.setup_swap(256)
    nl = genl.Memqos()

    # The family as nlctrl describes it.
    fi = nl.family_info()
    ops = {H.CMD_NAME.get(c, c): f for c, f in fi["ops"].items()}
    ktap.print_msg(f"family {fi['name']} id {fi['id']} version {fi['version']} "
                   f"groups {fi['groups']} ops "
                   + " ".join(f"{k}:{v:#x}" for k, v in ops.items()))
    ktap.check("family version is the header's", fi["version"] == H.FAMILY_VERSION)
    want_flags = {}
    for c in H.requests():
        op = H.OPS[c]
        want_flags[c] = ((genl.GENL_CMD_CAP_DO if op.do else 0) |
                         (genl.GENL_CMD_CAP_DUMP if op.dump else 0) |
                         (genl.GENL_ADMIN_PERM if op.admin else 0))
    got_flags = {c: f & (genl.GENL_CMD_CAP_DO | genl.GENL_CMD_CAP_DUMP |
                         genl.GENL_ADMIN_PERM) for c, f in ops.items()}
    if got_flags != want_flags:
        ktap.print_msg(f"spec: {want_flags}")
    ktap.check(f"ops are the spec's {len(want_flags)} request commands "
               f"({', '.join(REQUEST_CMDS)}...), do/dump as specified, admin "
               "on CONFIG_SET and RESET", got_flags == want_flags and
               set(REQUEST_CMDS) <= set(got_flags) and
               {c for c, f in got_flags.items() if f & genl.GENL_ADMIN_PERM} ==
               {"CONFIG_SET", "RESET"})
    ktap.check('multicast group "events"', H.MCGRP_EVENTS in fi["groups"] and
               nl.mcast_groups.get(H.MCGRP_EVENTS) == fi["groups"][H.MCGRP_EVENTS])

    # Every other reply: only the attributes the spec lists for it (all of
    # them for GET_VERSION and CONFIG_GET, whose replies are fixed).
    bad = []
    for c in H.requests():
        if c in ("CGROUP_GET", "CONFIG_SET", "RESET"):
            continue
        op = H.OPS[c]
        for m in (nl.do(c) if op.do else nl.dump(c)).msgs:
            extra = set(m) - op.reply
            # UNAVAILABLE is there only where the kernel lacks a field.
            short = op.reply - set(m) - {"UNAVAILABLE"} \
                if c in ("GET_VERSION", "CONFIG_GET") else ()
            if extra or short:
                bad.append(f"{c}: not in the spec {sorted(extra)}, missing "
                           f"{sorted(short)}")
    for b in bad[:5]:
        ktap.print_msg(b)
    ktap.check("replies of the other requests carry only the spec's reply "
               "attributes (all of them for GET_VERSION, CONFIG_GET)", not bad)

    v = nl.version()
    with open(os.path.join(memqos.DEBUGFS, "version")) as f:
        modver = f.read().strip()
    ktap.print_msg(f"version {v}")
    ktap.check("GET_VERSION: module, uapi and kernel versions",
               v.get("MODULE") == modver and v.get("UAPI") == H.FAMILY_VERSION
               and v.get("KERNEL") == os.uname().release)
    # Fields this kernel cannot give: left out of every cgroup message.
    unavailable = {a.name for a in H.SETS["cgroup"].attrs
                   if a.num in v.get("UNAVAILABLE", [])}
    ktap.print_msg(f"not available on this kernel: {sorted(unavailable)}")

    # The test cgroups.
    ktap.cg_create("memqos-gc")
    for name in CGS:
        ktap.cg_create(name)
    limits = {"memory.min": 2 * MIB, "memory.low": 4 * MIB,
              "memory.high": 48 * MIB, "memory.max": 64 * MIB}
    for k, val in limits.items():
        memqos.cg_write("memqos-gc/limits", k, val)
    os.mkdir(memqos.cg_path("memqos-gc/limits/nomem"))
    memqos.cg_write("memqos-gc/reclaim", "memory.max", 16 * MIB)
    pid = memqos.spawn("memqos-gc/hold", holder)
    status = ktap.cg_run("memqos-gc/reclaim", memqos.anon_churn, 32 * MIB, 2)
    for _ in range(300):
        if os.path.exists("/tmp/memqos-gc.ready"):
            break
        time.sleep(0.1)
    ktap.print_msg(f"reclaim workload status {status}")

    try:
        # Dump: every message decodes with the header's numbers.
        # memory.stat and memory.pressure are flushed/aggregated when read:
        # read them first so that both views see the same totals.
        for name in CGS:
            memqos.cg_file(name, "memory.stat")
            memqos.cg_pressure_total_us(name)
        rep = nl.dump("CGROUP_GET")
        want_attrs = H.OPS["CGROUP_GET"].reply - unavailable
        undecoded, histbad = [], []
        for m in rep.msgs:
            if m.get("UNKNOWN") or set(m) != want_attrs:
                undecoded.append(f"{m.get('PATH')}: unknown {m.get('UNKNOWN')} "
                                 f"missing {want_attrs - set(m)}")
            hists = m.get("HIST", [])
            if sorted(h["KIND"] for h in hists) != sorted(H.STALL_KINDS.values()) \
                    or not all(trimmed(h) for h in hists):
                histbad.append(m.get("PATH"))
        for u in undecoded[:5]:
            ktap.print_msg("not decoded: " + u)
        ktap.print_msg(f"dump: {len(rep.msgs)} cgroups, {rep.batches} recv, "
                       f"{rep.bytes} bytes, {rep.seconds * 1000:.1f} ms")
        ktap.check("dump: every attribute decodes with the header's numbers, "
                   "exactly the spec's reply attributes", rep.msgs and not undecoded)
        ktap.check(f"dump: {len(H.STALL_KINDS)} histograms, at most "
                   f"{H.HIST_BUCKETS} buckets up to the last one above 0, "
                   "summing to their count",
                   rep.msgs and not histbad)
        ktap.check("dump: every message is CGROUP_GET with NLM_F_MULTI",
                   all(c == H.CMD["CGROUP_GET"] for c in rep.cmds) and
                   all(f & genl.NLM_F_MULTI for f in rep.flags))
        by_path = {m["PATH"]: m for m in rep.msgs}
        ktap.check("a cgroup without the memory controller is not dumped",
                   "/memqos-gc/limits/nomem" not in by_path and
                   "/memqos-gc/limits" in by_path)

        # The three test cgroups against debugfs.
        bad, seen = [], {}
        for name in CGS:
            cgid = memqos.cg_id(name)
            m = by_path.get("/" + name)
            if m is None:
                bad.append(f"{name}: not in the dump")
                continue
            seen[name] = m
            memqos.cg_file(name, "memory.stat")
            memqos.cg_pressure_total_us(name)
            det = memqos.detail(cgid)
            bad += compare(name, m, det, unavailable)
            if m["ID"] != cgid:
                bad.append(f"{name}: id {m['ID']} is not st_ino {cgid}")
        for b in bad:
            ktap.print_msg(b)
        ktap.check("dump agrees with debugfs detail for the 3 cgroups "
                   "(id, path, limits, counters, histograms exact; levels "
                   "within 3%/1MiB)", not bad and len(seen) == 3)
        lim = seen.get("memqos-gc/limits", {})
        ktap.check("limits read back as written, unlimited is the header's",
                   [lim.get(a) for a in LIMITS] == list(limits.values()) and
                   by_path.get("/", {}).get("MAX_BYTES") == H.UNLIMITED)
        hold = seen.get("memqos-gc/hold", {})
        rec = seen.get("memqos-gc/reclaim", {})
        ktap.print_msg(f"hold: anon {hold.get('ANON_BYTES')} shmem "
                       f"{hold.get('SHMEM_BYTES')}; reclaim: memcg reclaims "
                       f"{rec.get('MEMCG_RECLAIMS')} in "
                       f"{rec.get('MEMCG_RECLAIM_US')} us, swap "
                       f"{rec.get('SWAP_BYTES')}")
        ktap.check("levels and counters are live (anon held, reclaims counted)",
                   hold.get("ANON_BYTES", 0) >= 20 * MIB and
                   hold.get("SHMEM_BYTES", 0) >= 6 * MIB and
                   rec.get("MEMCG_RECLAIMS", 0) > 0 and
                   rec.get("HIST", [{}])[0].get("COUNT", 0) > 0)

        # One cgroup by id and by path.
        cgid = memqos.cg_id("memqos-gc/limits")
        by_id = nl.do("CGROUP_GET", ID=cgid)
        by_pa = nl.do("CGROUP_GET", PATH="/memqos-gc/limits")
        keys = ("ID", "PATH", "TRACKED") + LIMITS + COUNTERS
        ktap.check("get by id and by path: one reply, the same cgroup",
                   len(by_id.msgs) == len(by_pa.msgs) == 1 and
                   by_id.flags[0] & genl.NLM_F_MULTI == 0 and
                   [by_id.attrs.get(k) for k in keys] ==
                   [by_pa.attrs.get(k) for k in keys] and
                   by_id.attrs.get("ID") == cgid and
                   by_id.attrs.get("PATH") == "/memqos-gc/limits")
        root = nl.do("CGROUP_GET", PATH="/").attrs
        ktap.check('the root is "/", id 1',
                   root.get("PATH") == "/" and root.get("ID") == 1)

        # Errors.
        gone = memqos.cg_path("memqos-gc/gone")
        os.mkdir(gone)
        gone_id = os.stat(gone).st_ino
        os.rmdir(gone)
        expect_error(nl, errno.ENOENT, "removed cgroup's id", at=20, ID=gone_id)
        expect_error(nl, errno.ENOENT, "unknown path", at=20,
                     PATH="/memqos-gc/none")
        expect_error(nl, errno.EINVAL, "both id and path", ID=cgid,
                     PATH="/memqos-gc/limits")
        expect_error(nl, errno.EINVAL, "neither id nor path")
        expect_error(nl, errno.EINVAL, "relative path", at=20, PATH="memqos-gc")
        expect_error(nl, errno.ENOENT, "cgroup without the memory controller",
                     PATH="/memqos-gc/limits/nomem")
        file_ino = os.stat(os.path.join(memqos.cg_path("memqos-gc/limits"),
                                        "memory.max")).st_ino
        expect_error(nl, errno.ENOENT, "a cgroup file's inode", at=20,
                     ID=file_ino)
    finally:
        memqos.stop(pid)
        os.rmdir(memqos.cg_path("memqos-gc/limits/nomem"))
        if os.path.exists("/dev/shm/memqos-gc-shm"):
            os.unlink("/dev/shm/memqos-gc-shm")
        nl.close()
    ktap.finish()


main()
