#!/usr/bin/python3
"""Generic netlink dumps of many cgroups, through pyroute2's socket (family
resolved by nlctrl, numbers from the UAPI header); only the id and path of
each message are decoded (struct), so the wall time printed is the
kernel's and the socket's, not a python decoder's.

Proves: dumps of 1,000 and of 10,000 created cgroups are complete (every
created id exactly once, ids equal to st_ino), without duplicates, parents
before children, NLM_F_MULTI on every message, spread over many recv()
batches, and not flagged NLM_F_DUMP_INTR when nothing changed; a dump of
10,000 read slowly (small SO_RCVBUF, a pause per recv) while another
process creates and removes cgroups has no duplicate, still holds every
cgroup that existed throughout, and is flagged NLM_F_DUMP_INTR; a dump
from inside a cgroup namespace shows only its subtree, with paths relative
to it ("/" for its root), and a get of a cgroup outside it fails.
Prints the dump wall times (no thresholds: TCG and KVM differ).

    /sys/fs/cgroup
    `-- memqos-gd              +memory
        |-- a                  10 x m{i}, each with 99 children: 1,000 cgroups
        |-- b                  90 x m{i}, each with 99 children: 9,000 more
        |-- race               r{n}: made and removed during a dump
        `-- ns                 the cgroup namespace root of a child process
            |-- inner          where that child moves after unshare
            |-- p
            |   `-- deep
            `-- q
"""
import ctypes
import errno
import json
import os
import select
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

PARENT = "memqos-gd"
CLONE_NEWCGROUP = 0x02000000


def make_tree(name, mids, kids):
    """Creates PARENT/name/m{i}/c{j}; returns {path relative to the cgroup
    root: id}, parents first."""
    base = memqos.cg_path(f"{PARENT}/{name}")
    os.mkdir(base)
    with open(os.path.join(base, "cgroup.subtree_control"), "w") as f:
        f.write("+memory")
    made = {}
    for i in range(mids):
        mid = os.path.join(base, f"m{i}")
        os.mkdir(mid)
        with open(os.path.join(mid, "cgroup.subtree_control"), "w") as f:
            f.write("+memory")
        made[mid] = os.stat(mid).st_ino
        for j in range(kids):
            p = os.path.join(mid, f"c{j}")
            os.mkdir(p)
            made[p] = os.stat(p).st_ino
    root = memqos.cg_path("")
    return {"/" + os.path.relpath(p, root): i for p, i in made.items()}


def remove_tree(name):
    base = memqos.cg_path(f"{PARENT}/{name}")
    if not os.path.isdir(base):
        return
    for mid in os.scandir(base):
        if mid.is_dir():
            for c in os.scandir(mid.path):
                if c.is_dir():
                    os.rmdir(c.path)
            os.rmdir(mid.path)
    os.rmdir(base)


def dump(nl, **kw):
    """A raw CGROUP_GET dump: (reply, [(id, path)], seconds)."""
    t0 = time.monotonic()
    rep = nl.dump("CGROUP_GET", raw=True, **kw)
    secs = time.monotonic() - t0
    return rep, [genl.cgroup_id_path(p) for p in rep.msgs], secs


def verify(label, rep, entries, made):
    """The checks every dump must pass; returns a list of problems."""
    bad = []
    ids = [i for i, _ in entries]
    dups = len(ids) - len(set(ids))
    if dups:
        bad.append(f"{dups} duplicate ids")
    got = dict((p, i) for i, p in entries)
    missing = [p for p in made if p not in got]
    wrong = [p for p, i in made.items() if p in got and got[p] != i]
    if missing:
        bad.append(f"{len(missing)} created cgroups missing, e.g. {missing[:3]}")
    if wrong:
        bad.append(f"{len(wrong)} ids differ from st_ino, e.g. {wrong[:3]}")
    seen, orphans = set(), []
    for _, p in entries:
        if p != "/" and os.path.dirname(p) not in seen:
            orphans.append(p)
        seen.add(p)
    if orphans:
        bad.append(f"{len(orphans)} children before their parent, e.g. {orphans[:3]}")
    if not all(f & genl.NLM_F_MULTI for f in rep.flags):
        bad.append("a message without NLM_F_MULTI")
    for b in bad:
        ktap.print_msg(f"{label}: {b}")
    return bad


def racer(go_r, started_w):
    """Waits for a byte on go_r, then makes and removes cgroups until
    SIGTERM; reports after its first change and, at the end, the count."""
    base = memqos.cg_path(f"{PARENT}/race")
    n = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    os.read(go_r, 1)
    while not stop:
        p = os.path.join(base, f"r{n}")
        os.mkdir(p)
        os.rmdir(p)
        n += 2
        if n == 2:
            os.write(started_w, b"s")
    os.write(started_w, json.dumps(n).encode())


def ns_child(ready_w, go_r, out_w):
    """Enters PARENT/ns, unshares the cgroup namespace, moves to inner, and
    once the parent has built the subtree, dumps from inside."""
    ns = memqos.cg_path(f"{PARENT}/ns")
    with open(os.path.join(ns, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWCGROUP):
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWCGROUP)")
    with open(os.path.join(ns, "inner", "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    with open("/proc/self/cgroup") as f:
        selfcg = f.read().strip()
    os.write(ready_w, b"r")
    os.read(go_r, 1)
    res = {"proc_cgroup": selfcg}
    with genl.Memqos() as nl:
        rep = nl.dump("CGROUP_GET")
        res["dump"] = [(m["ID"], m["PATH"]) for m in rep.msgs]
        res["get_p"] = nl.do("CGROUP_GET", PATH="/p").attrs.get("ID")
        for key, attrs in (("outside_id", {"ID": memqos.cg_id(PARENT)}),
                           ("outside_path", {"PATH": f"/{PARENT}"})):
            try:
                res[key] = nl.do("CGROUP_GET", **attrs).attrs.get("PATH")
            except genl.NlError as e:
                res[key] = -e.errno
    os.write(out_w, json.dumps(res).encode())


def main():
    ktap.print_header(9)
    ktap.cg_create(PARENT)
    memqos.cg_write(PARENT, "cgroup.subtree_control", "+memory")
    nl = genl.Memqos()
    try:
        run(nl)
    finally:
        nl.close()
        for t in ("a", "b"):
            remove_tree(t)
    ktap.finish()


def run(nl):
    # 1,000 cgroups.
    t0 = time.monotonic()
    made = make_tree("a", 10, 99)
    mk1 = time.monotonic() - t0
    rep, entries, secs = dump(nl)
    bad = verify("1k", rep, entries, made)
    ktap.print_msg(f"1,000 created in {mk1:.2f} s; dump: {len(entries)} cgroups "
                   f"in {secs * 1000:.0f} ms, {rep.batches} recv, "
                   f"{rep.bytes / 1e6:.1f} MB, intr {rep.intr}")
    ktap.check("dump of 1,000: complete, no duplicates, parents first, multi-part",
               not bad and len(made) == 1000 and rep.batches > 1)

    # 10,000 cgroups.
    t0 = time.monotonic()
    made.update(make_tree("b", 90, 99))
    mk2 = time.monotonic() - t0
    rep, entries, secs = dump(nl)
    bad = verify("10k", rep, entries, made)
    ktap.print_msg(f"9,000 more created in {mk2:.2f} s; dump: {len(entries)} "
                   f"cgroups in {secs * 1000:.0f} ms "
                   f"({len(entries) / secs:.0f} cgroups/s), {rep.batches} recv, "
                   f"{rep.bytes / 1e6:.1f} MB")
    ktap.check("dump of 10,000: complete, no duplicates, parents first, multi-part",
               not bad and len(made) == 10000 and rep.batches > 1)
    ktap.check("a dump while nothing changes is not flagged NLM_F_DUMP_INTR",
               not rep.intr)

    # 10,000 read slowly while another process makes and removes cgroups.
    os.mkdir(memqos.cg_path(f"{PARENT}/race"))
    go_r, go_w = os.pipe()
    st_r, st_w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            racer(go_r, st_w)
        finally:
            os._exit(0)
    slow = genl.Memqos(rcvbuf=32768)
    started = []

    def on_batch(n):
        if n == 1:
            os.write(go_w, b"g")
            if select.select([st_r], [], [], 30)[0]:
                started.append(os.read(st_r, 1))
    try:
        rep, entries, secs = dump(slow, pause=0.002, on_batch=on_batch)
    finally:
        os.kill(pid, signal.SIGTERM)
        changes = json.loads(os.read(st_r, 64))
        os.waitpid(pid, 0)
        slow.close()
    ids = [i for i, _ in entries]
    dups = len(ids) - len(set(ids))
    got = {p for _, p in entries}
    missing = [p for p in made if p not in got]
    intr_at = next((k for k, f in enumerate(rep.flags) if f & genl.NLM_F_DUMP_INTR),
                   None)
    ktap.print_msg(f"racing dump: {len(entries)} cgroups in {secs:.2f} s, "
                   f"{rep.batches} recv; racer made {changes} changes; "
                   f"NLM_F_DUMP_INTR {rep.intr} (first on message {intr_at}); "
                   f"{dups} duplicates, {len(missing)} of the 10,000 missing")
    ktap.check("racing dump: no duplicate", entries and dups == 0)
    ktap.check("racing dump: flagged or complete",
               rep.intr or not missing)
    ktap.check("racing dump: cgroups changed during it, so it is flagged "
               "NLM_F_DUMP_INTR", started and changes > 0 and rep.intr)
    ktap.check("racing dump: the snapshot still holds every cgroup that "
               "existed throughout", not missing)
    os.rmdir(memqos.cg_path(f"{PARENT}/race"))

    # From inside a cgroup namespace.
    ns = memqos.cg_path(f"{PARENT}/ns")
    os.mkdir(ns)
    os.mkdir(os.path.join(ns, "inner"))
    rd_r, rd_w = os.pipe()
    go_r, go_w = os.pipe()
    out_r, out_w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            ns_child(rd_w, go_r, out_w)
        finally:
            os._exit(0)
    os.close(rd_w)
    os.close(out_w)
    res = {}
    try:
        if os.read(rd_r, 1) == b"r":
            memqos.cg_write(f"{PARENT}/ns", "cgroup.subtree_control", "+memory")
            for d in ("p", "q", "p/deep"):
                os.mkdir(os.path.join(ns, d))
                if d == "p":
                    memqos.cg_write(f"{PARENT}/ns/p", "cgroup.subtree_control",
                                    "+memory")
            os.write(go_w, b"g")
            data = b""
            while True:
                chunk = os.read(out_r, 1 << 16)
                if not chunk:
                    break
                data += chunk
            res = json.loads(data) if data else {}
    finally:
        _, status = os.waitpid(pid, 0)
    want = {"/": os.stat(ns).st_ino}
    for d in ("inner", "p", "q", "p/deep"):
        want["/" + d] = os.stat(os.path.join(ns, d)).st_ino
    got = [(p, i) for i, p in res.get("dump", [])]
    ktap.print_msg(f"in the namespace ({res.get('proc_cgroup')}): dump "
                   f"{[p for p, _ in got]}; get /p {res.get('get_p')}; outside "
                   f"id {res.get('outside_id')}, outside path "
                   f"{res.get('outside_path')}; child status {status}")
    ktap.check("cgroup namespace: the dump is the subtree only, paths relative "
               'to its root ("/"), ids are st_ino, parents first',
               dict(got) == want and len(got) == len(want) and got[0][0] == "/"
               and got.index(("/p", want["/p"])) < got.index(("/p/deep", want["/p/deep"])))
    ktap.check("cgroup namespace: get by a relative path works, cgroups "
               "outside are ENOENT", res.get("get_p") == want["/p"] and
               res.get("outside_id") == -errno.ENOENT and
               res.get("outside_path") == -errno.ENOENT)
    for d in ("p/deep", "p", "q"):
        os.rmdir(os.path.join(ns, d))


main()
