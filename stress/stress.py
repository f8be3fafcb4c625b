"""What the stress tests (stress/test_*) share: the selftests' helpers on
the path, the duration knobs, and netlink clients that survive the module
going away under them.

Durations scale with MEMQOS_STRESS_SCALE (default 1: the whole suite takes
~35 min in a TCG guest on a 2-cpu host); each test also has its own
variable, documented in its docstring and in stress/run.sh.

    scaled("MEMQOS_STRESS_CYCLES", 200)   an int knob, times the scale
    fam = resolve()                       (family id, events group id) or None
    Dumper / Listener                     loops for a forked child (see below)
"""
import os
import random
import select
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "selftests"))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402
from genl import H  # noqa: E402

SCALE = float(os.environ.get("MEMQOS_STRESS_SCALE", "1"))

# nlctrl (linux/genetlink.h)
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2


def knob(name, default):
    """An int from the environment, not scaled."""
    return int(os.environ.get(name, default))


def scaled(name, default, minimum=1):
    """An int from the environment, else @default times the scale."""
    if name in os.environ:
        return int(os.environ[name])
    return max(minimum, int(default * SCALE))


_libc = None


def _syscall(*args):
    global _libc
    import ctypes
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.syscall(*args) != 0:
        return ctypes.get_errno()
    return 0


def insmod(path=None):
    """finit_module(2) of memqos.ko: no fork+exec (~170 ms under TCG)."""
    fd = os.open(path or memqos.KO, os.O_RDONLY | os.O_CLOEXEC)
    try:
        err = _syscall(313, fd, b"", 0)        # SYS_finit_module
    finally:
        os.close(fd)
    if err:
        raise OSError(err, f"finit_module: {os.strerror(err)}")


def rmmod(timeout=30):
    """delete_module(2) with O_NONBLOCK, retried while the module is busy:
    a netlink dump in progress holds a reference on it (the kernel's
    netlink_dump_start), so a client that dumps all the time makes rmmod
    fail with EBUSY now and then, as it would on a node. Returns the number
    of busy retries."""
    busy = 0
    end = time.monotonic() + timeout
    while True:
        err = _syscall(176, b"memqos", os.O_NONBLOCK)   # SYS_delete_module
        if not err:
            return busy
        if err not in (11, 16) or time.monotonic() > end:   # EAGAIN, EBUSY
            raise OSError(err, f"delete_module: {os.strerror(err)}")
        busy += 1
        time.sleep(0.01)


def resolve(sock=None):
    """(memqos family id, events multicast group id), or None if the
    family is not registered (module not loaded)."""
    own = sock is None
    s = sock or genl.RawSocket(timeout=5)
    try:
        seq = s.next_seq()
        name = H.FAMILY_NAME.encode() + b"\0"
        s.send(genl.nlmsg(genl.GENL_ID_CTRL, genl.NLM_F_REQUEST | genl.NLM_F_ACK,
                          seq, struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) +
                          genl.nla(CTRL_ATTR_FAMILY_NAME, name)))
        fam = grp = None
        while True:
            for mtype, mflags, mseq, payload in genl.split_msgs(s.recv(1 << 16)):
                if mseq != seq:
                    continue
                if mtype == genl.NLMSG_ERROR:
                    err, _, _ = genl.parse_ack(mtype, mflags, payload)
                    if err:
                        return None
                    return (fam, grp) if fam else None
                for t, _, data in genl.parse_attrs(payload, 4):
                    if t == CTRL_ATTR_FAMILY_ID:
                        fam = struct.unpack_from("H", data)[0]
                    elif t == CTRL_ATTR_MCAST_GROUPS:
                        for _, _, g in genl.parse_attrs(data):
                            gattr = {gt: gd for gt, _, gd in genl.parse_attrs(g)}
                            gname = bytes(gattr.get(CTRL_ATTR_MCAST_GRP_NAME, b""))
                            if gname.rstrip(b"\0").decode() == H.MCGRP_EVENTS:
                                grp = struct.unpack_from(
                                    "I", gattr[CTRL_ATTR_MCAST_GRP_ID])[0]
    finally:
        if own:
            s.close()


def dump_cgroups(s, fam):
    """One CGROUP_GET dump on raw socket @s: (messages, errno)."""
    seq = s.next_seq()
    s.send(genl.nlmsg(fam, genl.NLM_F_REQUEST | genl.NLM_F_DUMP, seq,
                      genl.genlhdr(H.CMD["CGROUP_GET"])))
    n = 0
    while True:
        for mtype, mflags, mseq, payload in genl.split_msgs(s.recv(1 << 17)):
            if mseq != seq:
                continue
            if mtype in (genl.NLMSG_DONE, genl.NLMSG_ERROR):
                err, _, _ = genl.parse_ack(mtype, mflags, payload)
                return n, err
            if mtype == fam:
                n += 1


def event_seqs(buf, fam):
    """The SEQ of every memqos event in a received buffer."""
    seqa = H.SETS["event"].num("SEQ")
    out = []
    for mtype, _, _, payload in genl.split_msgs(buf):
        if mtype != fam:
            continue
        for t, _, data in genl.parse_attrs(payload, 4):
            if t == seqa:
                out.append(struct.unpack("Q", data)[0])
    return out


def write_counts(path, counts):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(" ".join(f"{k}={v}" for k, v in counts.items()) + "\n")
    os.replace(tmp, path)


def read_counts(path):
    try:
        with open(path) as f:
            return {k: int(v) for k, v in
                    (p.split("=") for p in f.read().split())}
    except FileNotFoundError:
        return {}


def dumper_loop(counts_path, pause=0.0):
    """A child: dumps every cgroup over and over, reconnecting whenever the
    family goes away. Counts complete dumps, dumps cut short (the module
    left mid-dump: an errno or a socket error), and family lookups that
    found nothing. Any other exception ends the child with status 1."""
    c = {"dumps": 0, "cut": 0, "absent": 0, "msgs": 0}
    last = 0.0
    while True:
        s = genl.RawSocket(rcvbuf=4 << 20, timeout=10)
        try:
            r = resolve(s)
            if r is None:
                c["absent"] += 1
                time.sleep(0.05)
                continue
            while True:
                n, err = dump_cgroups(s, r[0])
                if err:
                    c["cut"] += 1
                    break
                c["dumps"] += 1
                c["msgs"] += n
                if pause:
                    time.sleep(pause)
                if time.monotonic() - last > 1:
                    write_counts(counts_path, c)
                    last = time.monotonic()
        except (OSError, ValueError):
            # ENOENT/EOPNOTSUPP from a family that left mid-conversation,
            # or a timeout: reconnect.
            c["cut"] += 1
        finally:
            s.close()
            write_counts(counts_path, c)


def listener_loop(counts_path):
    """A child: joins the events group, reads events, rejoins after every
    module reload (the family and group ids may change). Counts events,
    gaps in the sequence within one load (lost events), ENOBUFS and
    rejoins."""
    c = {"events": 0, "gaps": 0, "enobufs": 0, "joins": 0}
    last = 0.0
    while True:
        s = genl.RawSocket(rcvbuf=4 << 20, timeout=10)
        try:
            r = resolve(s)
            if r is None or r[1] is None:
                time.sleep(0.05)
                continue
            fam, grp = r
            s.join(grp)
            c["joins"] += 1
            prev = None
            while True:
                rd, _, _ = select.select([s.sock], [], [], 0.5)
                if time.monotonic() - last > 1:
                    write_counts(counts_path, c)
                    last = time.monotonic()
                if not rd:
                    # Quiet: still the same family? A reload may give the
                    # same ids, but drops every membership: join again.
                    if resolve() != r:
                        break
                    s.join(grp)
                    continue
                try:
                    buf = s.sock.recv(1 << 17)
                except OSError as e:
                    if e.errno == 105:          # ENOBUFS: overrun
                        c["enobufs"] += 1
                        prev = None
                        continue
                    raise
                for q in event_seqs(buf, fam):
                    c["events"] += 1
                    if prev is not None and q > prev + 1:
                        c["gaps"] += q - prev - 1
                    if prev is not None and q <= prev:
                        prev = None             # a new load: seq restarted
                    prev = q
        except (OSError, ValueError):
            pass
        finally:
            s.close()
            write_counts(counts_path, c)


def memory_cgroups():
    """Memory cgroups from cgroupfs: the root and every cgroup whose
    cgroup.controllers lists memory."""
    n = 1
    for dirpath, dirnames, _ in os.walk(ktap.CG_ROOT):
        for d in dirnames:
            try:
                with open(os.path.join(dirpath, d, "cgroup.controllers")) as f:
                    n += "memory" in f.read().split()
            except FileNotFoundError:
                pass
    return n


def pressure_setup(prefix):
    """PREFIX-reclaim (memory.max 32M, swap on zram) and PREFIX-oom
    (memory.max 32M, no swap), made and registered for cleanup."""
    memqos.setup_swap(256)
    ktap.cg_create(f"{prefix}-reclaim")
    memqos.cg_write(f"{prefix}-reclaim", "memory.max", 32 * memqos.MIB)
    ktap.cg_create(f"{prefix}-oom")
    memqos.cg_write(f"{prefix}-oom", "memory.max", 32 * memqos.MIB)
    memqos.cg_write(f"{prefix}-oom", "memory.swap.max", 0)


def pressure_start(prefix):
    """Anon churn of 48 MiB in PREFIX-reclaim, children OOM-killed one
    after the other in PREFIX-oom; returns their pids."""
    return [memqos.spawn(f"{prefix}-reclaim", memqos.forever, memqos.anon_churn,
                         48 * memqos.MIB, 1),
            memqos.spawn(f"{prefix}-oom", memqos.oom_loop, None, 48 * memqos.MIB)]


def pressure_check(prefix, when):
    """KTAP: reclaim and OOM kills happened, from memory.events."""
    ev = memqos.cg_file(f"{prefix}-reclaim", "memory.events")
    ktap.print_msg(f"reclaim cgroup memory.events max={ev['max']}")
    ktap.check(f"reclaim ran {when}", ev["max"] > 0)
    ev = memqos.cg_file(f"{prefix}-oom", "memory.events")
    ktap.print_msg(f"oom cgroup memory.events oom_kill={ev['oom_kill']}")
    ktap.check(f"OOM kills happened {when}", ev["oom_kill"] > 0)


def rng_from_env(name="MEMQOS_STRESS_SEED"):
    """A seeded Random; the seed is printed so a run can be replayed."""
    seed = int(os.environ.get(name, str(int(time.time()))))
    ktap.print_msg(f"seed {seed} (replay with {name}={seed})")
    return random.Random(seed)


__all__ = ["genl", "ktap", "memqos", "H", "socket"]
