#!/usr/bin/python3
"""CGROUP_GET's select bitmap (family version 5): a request names the
attributes it wants, the module sends those (with id, path and tracked)
and reads only the statistics behind them. Raw AF_NETLINK messages,
numbers from the UAPI header, replies parsed attribute by attribute.

Proves: a dump selecting usage, anon, memory.min/max and hist carries in
every message exactly id, path, tracked, those four and the three
histogram nests, nothing else; the limits it carries equal what cgroupfs
says (memory.min and memory.max written by the test); anon selected
alone equals anon in a full dump of the same cgroup (an idle cgroup
holding tmpfs-free anon of a sleeping child: the value does not move);
rss selected alone (a sum the module computes from anon, file_mapped and
shmem) equals the full dump's; an empty bitmap gives id, path and
tracked only; bits past the known attributes are ignored; a do request
honours it too; a dump without it carries everything, as before.

    /sys/fs/cgroup
    `-- memqos-gs          +memory
        `-- w              memory.min 8M, memory.max 64M; a child holding
                           4 MiB of anon
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402
from genl import H, nla, nla_u64, nlmsg, genlhdr  # noqa: E402

CG = H.SETS["cgroup"]
REQ, ACK, DUMP = genl.NLM_F_REQUEST, genl.NLM_F_ACK, genl.NLM_F_DUMP
ALWAYS = {"ID", "PATH", "TRACKED"}


def bitmap(names, size=16):
    """The select bitmap of attributes @names, @size bytes."""
    bits = bytearray(size)
    for n in names:
        num = CG.num(n)
        bits[num // 8] |= 1 << (num % 8)
    return bytes(bits)


def cg_value(name, file):
    with open(os.path.join(memqos.cg_path(name), file)) as f:
        return int(f.read())


def holder(cgroup, nbytes):
    """A child in @cgroup holding @nbytes of anon; its pid once it does."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        memqos.cg_write(cgroup, "cgroup.procs", os.getpid())
        m = memqos.touch_anon(nbytes)
        os.write(w, b"r")
        memqos.hold(3600, m)
        os._exit(0)
    os.close(w)
    os.read(r, 1)
    os.close(r)
    return pid


class Conn:
    def __init__(self):
        with genl.Memqos() as nl:
            self.fam = nl.prid
        self.s = genl.RawSocket(rcvbuf=4 << 20, timeout=30)
        self.seq = 1

    def request(self, attrs, dump):
        """[{attribute name: [values]}] of the replies; raises on an error."""
        self.seq += 1
        flags = REQ | ACK | (DUMP if dump else 0)
        self.s.send(nlmsg(self.fam, flags, self.seq,
                          genlhdr(H.CMD["CGROUP_GET"]) + attrs))
        out = []
        while True:
            for mtype, mflags, mseq, payload in genl.split_msgs(self.s.recv(1 << 17)):
                if mseq != self.seq:
                    continue
                if mtype in (genl.NLMSG_ERROR, genl.NLMSG_DONE):
                    err, msg, _ = genl.parse_ack(mtype, mflags, payload)
                    if err:
                        raise genl.NlError(err, msg)
                    if mtype == genl.NLMSG_DONE or not dump:
                        return out
                    continue
                msg = {}
                for t, _, data in genl.parse_attrs(payload, 4):
                    a = CG.by_num.get(t)
                    msg.setdefault(a.name if a else t, []).append(bytes(data))
                out.append(msg)


def u64(msg, name):
    return int.from_bytes(msg[name][0], "little")


def by_path(msgs, path):
    for m in msgs:
        if m["PATH"][0].rstrip(b"\0").decode() == path:
            return m
    return None


def main():
    ktap.print_header(8)
    ktap.cg_create("memqos-gs/w")
    memqos.cg_write("memqos-gs/w", "memory.min", str(8 << 20))
    memqos.cg_write("memqos-gs/w", "memory.max", str(64 << 20))
    pid = holder("memqos-gs/w", 4 << 20)
    c = Conn()
    try:
        run(c)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    ktap.finish()


def run(c):
    path = "/memqos-gs/w"
    want = ["USAGE_BYTES", "ANON_BYTES", "MIN_BYTES", "MAX_BYTES", "HIST"]
    sel = nla(CG.num("SELECT"), bitmap(want))
    msgs = c.request(sel, dump=True)
    keys = {frozenset(m) for m in msgs}
    expect = frozenset(ALWAYS | set(want))
    if keys != {expect}:
        ktap.print_msg(f"attribute sets seen: {[sorted(map(str, k)) for k in keys]}")
    ktap.check(f"dump selecting {', '.join(want)}: each of {len(msgs)} messages "
               "has exactly those and id, path, tracked",
               len(msgs) > 1 and keys == {expect} and
               all(len(m["HIST"]) == 3 for m in msgs))

    w = by_path(msgs, path)
    lim = (u64(w, "MIN_BYTES"), u64(w, "MAX_BYTES")) if w else None
    fs = (cg_value("memqos-gs/w", "memory.min"),
          cg_value("memqos-gs/w", "memory.max"))
    ktap.print_msg(f"{path}: min/max selected {lim}, cgroupfs {fs}")
    ktap.check("selected memory.min and memory.max equal cgroupfs", lim == fs)

    memqos.cg_file("memqos-gs/w", "memory.stat")    # flushes: values settle
    full = by_path(c.request(b"", dump=True), path)
    one = by_path(c.request(nla(CG.num("SELECT"), bitmap(["ANON_BYTES"])),
                            dump=True), path)
    ktap.print_msg(f"anon: full dump {u64(full, 'ANON_BYTES')}, "
                   f"selected {u64(one, 'ANON_BYTES')}")
    ktap.check("anon selected alone equals the full dump's, and comes alone",
               u64(full, "ANON_BYTES") == u64(one, "ANON_BYTES") >= 4 << 20 and
               set(one) == ALWAYS | {"ANON_BYTES"})
    rss = by_path(c.request(nla(CG.num("SELECT"), bitmap(["RSS_BYTES"])),
                            dump=True), path)
    ktap.check("rss (a sum of levels not selected) equals the full dump's",
               set(rss) == ALWAYS | {"RSS_BYTES"} and
               u64(rss, "RSS_BYTES") == u64(full, "RSS_BYTES"))
    ktap.check("a dump without select carries every attribute, hist too",
               len(full) > 40 and len(full["HIST"]) == 3)

    empty = c.request(nla(CG.num("SELECT"), b""), dump=True)
    ktap.check("an empty bitmap: id, path and tracked only",
               empty and all(set(m) == ALWAYS for m in empty))

    extra = c.request(nla(CG.num("SELECT"),
                          bitmap(["USAGE_BYTES"], 32)[:28] + b"\xff" * 4),
                      dump=True)
    ktap.check("bits past the known attributes are ignored",
               extra and all(set(m) == ALWAYS | {"USAGE_BYTES"} for m in extra))

    do = c.request(nla_u64(CG.num("ID"), memqos.cg_id("memqos-gs/w")) +
                   nla(CG.num("SELECT"), bitmap(["MAX_BYTES"])), dump=False)
    ktap.check("a do request honours select",
               len(do) == 1 and set(do[0]) == ALWAYS | {"MAX_BYTES"} and
               u64(do[0], "MAX_BYTES") == 64 << 20)


if __name__ == "__main__":
    main()
