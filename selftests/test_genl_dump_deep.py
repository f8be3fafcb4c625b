#!/usr/bin/python3
"""Dumps of messages larger than a dump's first skb: a cgroup path near
PATH_MAX, read with a 4 KiB receive buffer.

A dump's skb is NLMSG_GOODSIZE (under 4 KiB) unless the reader's earlier
recv() buffers were larger. A tenant (uid 65534, in a cgroup delegated to
it the way systemd delegates) nests cgroups 16 deep under its own, to a
path of 3,980 bytes, reclaims there (zram swap) and is then OOM-killed
there; root's process is OOM-killed in an ordinary cgroup after it. Its
cgroup message is ~6 KiB, its OOM kill's ~4.2 KiB, its attribution pair
(itself reclaiming from itself: two such paths) ~8 KiB.

Proves, for the cgroup, OOM-kill and attribution dumps, read on fresh raw
sockets:
- with recv() into 4 KiB: the deep item is delivered (whole, or cut by
  that buffer and flagged MSG_TRUNC) or the dump ends with EMSGSIZE: it
  never ends with NLMSG_DONE 0 without it (which hid, in the OOM-kill
  dump, every kill after the tenant's from everyone);
- a reader that peeks each datagram's length (MSG_PEEK|MSG_TRUNC) and
  reads it whole gets every message whole, the deep one with its exact
  path (and, in the OOM-kill dump, the kill after it), and NLMSG_DONE 0:
  each dump's skb has room for its largest message;
- a get of the deep cgroup by id returns it with its path.

    /sys/fs/cgroup
    `-- memqos-deep
        |-- tenant            delegated to uid 65534
        |   |-- init          the tenant's process, until it moves
        |   `-- 00xxx...      15 levels of 255-byte names, then
        |       `-- ...       deepyyy... (120 bytes): memory.max 16M, 3 s of
        |                     reclaim, then no swap and OOM-killed there
        `-- after             memory.max 32M, no swap: root's process
                              OOM-killed after the tenant's
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

H = genl.H
MIB = memqos.MIB
TENANT = "memqos-deep/tenant"
LEVELS = [f"{i:02d}" + "x" * 253 for i in range(15)] + ["deep" + "y" * 116]
DEEP = "/".join([TENANT] + LEVELS)
SMALL = 4096
NLMSG_DONE, NLMSG_ERROR = genl.NLMSG_DONE, genl.NLMSG_ERROR
EMSGSIZE = 90


def tenant_deep():
    """The tenant: nests LEVELS under its cgroup, memory on all the way,
    reclaims in the deepest for 3 s, then is OOM-killed there."""
    path = memqos.cg_path(TENANT)
    for name in LEVELS:
        with open(os.path.join(path, "cgroup.subtree_control"), "w") as f:
            f.write("+memory")
        path = os.path.join(path, name)
        os.mkdir(path)
    memqos.cg_write(DEEP, "memory.max", 16 * MIB)
    memqos.cg_write(DEEP, "cgroup.procs", os.getpid())
    m = memqos.touch_anon(32 * MIB)
    end = time.monotonic() + 3
    while time.monotonic() < end:
        for off in range(0, 32 * MIB, memqos.PAGE):
            m[off] = 2
    m.close()
    memqos.cg_write(DEEP, "memory.swap.max", 0)
    memqos.cg_write(DEEP, "memory.max", 32 * MIB)
    memqos.touch_anon(64 * MIB)


def victim():
    memqos.touch_anon(64 * MIB)


def split_lenient(buf):
    """[(type, payload, whole)] of a datagram whose last message may be cut
    by the receive buffer (whole False)."""
    out, off = [], 0
    while off + 16 <= len(buf):
        length, mtype, _, _, _ = struct.unpack_from("IHHII", buf, off)
        if length < 16:
            break
        out.append((mtype, bytes(buf[off + 16:off + length]),
                    off + length <= len(buf)))
        off += genl.align4(length)
    return out


def attrs_lenient(aset, payload):
    """{name: value} of a message's attributes as far as @payload goes; a
    cut string attribute gives its bytes so far."""
    out, off = {}, 4
    while off + 4 <= len(payload):
        alen, atype = struct.unpack_from("HH", payload, off)
        if alen < 4:
            break
        data = payload[off + 4:off + alen]
        a = aset.by_num.get(atype & genl.NLA_TYPE_MASK)
        if a and a.kind == "u64" and len(data) == 8:
            out[a.name] = struct.unpack("Q", data)[0]
        elif a and a.kind == "string":
            out[a.name] = data.rstrip(b"\0").decode(errors="replace")
        off += genl.align4(alen)
    return out


def dump(family, cmd, peek):
    """Dumps @cmd on a fresh socket: recv() into SMALL bytes, or (@peek)
    each datagram's length peeked and read whole. Returns (messages as
    [(attrs, whole)], how the dump ended: errno, None if it never did)."""
    aset = H.cmd_set(cmd)
    with genl.RawSocket(rcvbuf=1 << 20) as s:
        seq = s.next_seq()
        s.send(genl.nlmsg(family, genl.NLM_F_REQUEST | genl.NLM_F_DUMP, seq,
                          genl.genlhdr(H.CMD[cmd])))
        msgs = []
        while True:
            try:
                if peek:
                    n = s.sock.recv_into(bytearray(16), 16,
                                         socket.MSG_PEEK | socket.MSG_TRUNC)
                    buf = s.sock.recv(n)
                else:
                    buf, _, _, _ = s.sock.recvmsg(SMALL)
            except socket.timeout:
                return msgs, None
            for mtype, payload, whole in split_lenient(buf):
                if mtype in (NLMSG_DONE, NLMSG_ERROR):
                    return msgs, -struct.unpack_from("i", payload)[0]
                if mtype == family:
                    msgs.append((attrs_lenient(aset, payload), whole))


def main():
    global FAMILY
    ktap.print_header(8)
    memqos.setup_swap(256)
    memqos.cg_delegate(TENANT)
    ktap.cg_create("memqos-deep/after")
    memqos.cg_write("memqos-deep/after", "memory.max", 32 * MIB)
    memqos.cg_write("memqos-deep/after", "memory.swap.max", 0)

    pid = memqos.spawn_tenant(TENANT, tenant_deep)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    deep_path = "/" + DEEP
    deep_id = memqos.cg_id(DEEP) if os.path.isdir(memqos.cg_path(DEEP)) else None
    kills = memqos.cg_file(DEEP, "memory.events")["oom_kill"] if deep_id else 0
    pid2 = memqos.spawn("memqos-deep/after", victim)
    status2 = os.waitstatus_to_exitcode(os.waitpid(pid2, 0)[1])
    after_id = memqos.cg_id("memqos-deep/after")
    ktap.print_msg(f"tenant: exit {status}, {len(LEVELS)} levels, path "
                   f"{len(deep_path)} bytes, id {deep_id}, oom_kill {kills}; "
                   f"root's victim after it: exit {status2}")
    ktap.check("the tenant nested a cgroup with a path near PATH_MAX and was "
               "OOM-killed there, root's process after it",
               deep_id and status == -9 and kills == 1 and status2 == -9 and
               len(deep_path) >= 3900)

    with genl.Memqos() as nl:
        FAMILY = nl.prid
        try:
            got = nl.do("CGROUP_GET", ID=deep_id).attrs.get("PATH")
        except genl.NlError as e:
            got = f"error {e}"
        attrib = nl.stats_get().get("ATTRIBUTION")
    ktap.print_msg(f"get by id: {'the path' if got == deep_path else got}")
    ktap.check("a get of the deep cgroup by id returns it with its path",
               got == deep_path)

    def deep_cgroup(a):
        return a.get("ID") == deep_id

    def deep_kill(a):
        return a.get("CGROUP_ID") == deep_id

    # A pair's victim may be an ancestor of the deep cgroup (from 7.1 the
    # reclaim tracepoints name the memcg whose limit was reclaimed), so
    # each pair's path is checked against its own victim's.
    chain = {}
    for i in range(1, len(LEVELS) + 1):
        p = "/".join([TENANT] + LEVELS[:i])
        if os.path.isdir(memqos.cg_path(p)):
            chain[memqos.cg_id(p)] = "/" + p

    def deep_pair(a):
        return a.get("VICTIM") in chain or \
            (len(a.get("VICTIM_PATH", "")) >= 100 and
             deep_path.startswith(a["VICTIM_PATH"]))

    for cmd, is_deep, path_key, after in (
            ("CGROUP_GET", deep_cgroup, "PATH", None),
            ("OOM_KILLS_GET", deep_kill, "PATH",
             lambda a: a.get("CGROUP_ID") == after_id),
            ("ATTRIBUTION_GET", deep_pair, "VICTIM_PATH", None)):
        if cmd == "ATTRIBUTION_GET" and not attrib:
            for what in ("4 KiB", "peeking"):
                ktap.skip(f"{cmd}: {what} reader", "reclaim attribution "
                          "is unavailable on this kernel now")
            continue
        msgs, end = dump(FAMILY, cmd, peek=False)
        mine = [(a, whole) for a, whole in msgs if is_deep(a)]
        cut = sum(1 for _, whole in msgs if not whole)
        ktap.print_msg(f"{cmd}, recv() into {SMALL} bytes: {len(msgs)} messages "
                       f"({cut} cut by the buffer), the deep one "
                       f"{'whole' if mine and mine[0][1] else 'cut' if mine else 'absent'}, "
                       f"ended with {genl.errname(end) if end else end}")
        ktap.check(f"{cmd}, 4 KiB reader: the deep item is delivered or the "
                   "dump fails with EMSGSIZE, never ends without it",
                   (mine and end == 0) or end == EMSGSIZE)

        msgs, end = dump(FAMILY, cmd, peek=True)
        mine = [a for a, whole in msgs if is_deep(a) and whole]
        cut = sum(1 for _, whole in msgs if not whole)
        later = after is None or any(after(a) for a, _ in msgs)
        ktap.print_msg(f"{cmd}, peeking reader: {len(msgs)} messages ({cut} "
                       f"cut), the deep one {'there' if mine else 'absent'}"
                       f"{'' if after is None else ', the kill after it ' + ('there' if later else 'absent')}, "
                       f"ended with {genl.errname(end) if end else end}")
        if cmd == "ATTRIBUTION_GET":
            wrong = [(a.get("VICTIM"), len(a.get(path_key, ""))) for a in mine
                     if a.get(path_key) != chain.get(a.get("VICTIM"))]
            ok = mine and not wrong
        else:
            wrong = [(a.get("ID", a.get("CGROUP_ID")), len(a.get(path_key, "")))
                     for a in mine if a.get(path_key) != deep_path]
            ok = len(mine) == 1 and not wrong
        if wrong:
            ktap.print_msg(f"{cmd}: (id, path length) not its cgroup's path: "
                           f"{wrong}")
        ktap.check(f"{cmd}, peeking reader: every message whole, the deep one "
                   "with its path, NLMSG_DONE 0",
                   end == 0 and not cut and ok and later)
    ktap.finish()


FAMILY = None
main()
