#!/usr/bin/python3
"""A tenant cannot make the module hold node memory it does not pay for.

The attack (issue 16): uid 65534, in a cgroup delegated to it with
memory.max = 64M, opens thousands of generic netlink sockets and starts a
cgroup dump on each without reading. Every dump start snapshots the ids
(and subtree totals) of the cgroups it can see, here 3,000, and keeps
them until the dump ends.

Proves, against /proc/meminfo, /proc/vmstat and the tenant's memory.current
and memory.events (never the module's own numbers): the attack ends at the
tenant's own limit (its dump starts fail with ENOMEM or it is OOM-killed,
and only inside its cgroup), and the node memory it took beyond what its
cgroup was charged, MemAvailable's drop minus memory.current's rise, is no
more than the same tenant takes with as many dumps of the kernel's own
nlctrl family (what the netlink core itself does not charge: the socket
and the first reply queued on it), plus FIRST_SKB a socket: the module's
first reply is sized for its largest message (cb->min_dump_alloc, a
cgroup path up to PATH_MAX), where nlctrl's fits a page. A snapshot
left uncharged would be SNAPSHOT a socket beyond that (the ids and
subtree totals of 3,000 cgroups). Then that the module still answers.

    /sys/fs/cgroup
    |-- memqos-tdump           c0 ... c2999, made by root
    `-- memqos-tdump-tenant    delegated to uid 65534, memory.max 64M
        `-- init               the tenant's process
"""
import errno
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB
N_CGROUPS = 3000
N_SOCKETS = 2000           # at most, for the attack
N_CONTROL = 300
REPORT_EVERY = 25
# The netlink core's first reply skb of a memqos dump, beyond nlctrl's:
# kmalloc'd for the largest message (a path near PATH_MAX), uncharged as
# every dump's is.
FIRST_SKB = 16 << 10
SNAPSHOT = N_CGROUPS * 24     # u64 id + two u64 subtree totals each
TENANT = "memqos-tdump-tenant"
CTRL_CMD_GETFAMILY = 3
NLM_F_DUMP = genl.NLM_F_ROOT | genl.NLM_F_MATCH


def hold_dumps(t, family, payload, n, seconds):
    """As the tenant: n sockets (as many as it opens in @seconds), a dump
    started on each and nothing read. Reports how many sockets it holds,
    how many dumps started and the errors of the others every REPORT_EVERY
    sockets, then waits."""
    socks, started, errors = [], 0, {}
    deadline = time.monotonic() + seconds

    def report(done=False):
        t.tell({"sockets": len(socks), "started": started,
                "errors": errors, "done": done})

    for i in range(n):
        try:
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                              genl.NETLINK_GENERIC)
            # The smallest buffer: a peek then does not make the kernel
            # queue a second part of the dump.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
            s.bind((0, 0))
        except OSError as e:
            errors[errno.errorcode[e.errno]] = errors.get(
                errno.errorcode[e.errno], 0) + 1
            break
        socks.append(s)
        try:
            s.send(genl.nlmsg(family, genl.NLM_F_REQUEST | NLM_F_DUMP,
                              i + 1, payload))
            # The start and the first part ran in send(): the reply
            # queued is the first part, or the error the start failed with.
            head = s.recv(64, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            mtype = struct.unpack_from("IH", head)[1]
            err = (-struct.unpack_from("i", head, 16)[0]
                   if mtype == genl.NLMSG_ERROR else 0)
        except OSError as e:
            err = e.errno
        if err:
            name = errno.errorcode.get(err, str(err))
            errors[name] = errors.get(name, 0) + 1
        else:
            started += 1
        if (i + 1) % REPORT_EVERY == 0:
            report()
            if time.monotonic() > deadline:
                break
    report(done=True)
    time.sleep(3600)


class Phase:
    """One run of hold_dumps() by the tenant, the node and the tenant's
    cgroup sampled at each of its reports."""

    def __init__(self, label, family, payload, n):
        self.label = label
        cur0 = self.current()
        avail0 = memqos.meminfo()["MemAvailable"]
        ev0, vm0 = memqos.cg_file(TENANT, "memory.events"), memqos.vmstat()
        t = memqos.Tenant(f"{TENANT}/init", hold_dumps, family, payload,
                          n, ktap.test_limit() / 5, nofile=n + 64)
        # At each report: what the node lost, and what the tenant's cgroup
        # was charged of it; the sample where the rest was largest.
        self.last, samples = {}, [(0, 0)]
        start = time.monotonic()
        while True:
            rep = t.hear(timeout=ktap.patience(60))
            if rep is None or "exception" in rep:
                break
            samples.append((avail0 - memqos.meminfo()["MemAvailable"],
                            self.current() - cur0))
            self.last = rep
            if rep["done"]:
                break
        drop, self.charged = max(samples, key=lambda s: s[0] - s[1])
        self.unaccounted = drop - self.charged
        self.peak = max(samples)
        self.seconds = time.monotonic() - start
        self.status = t.stop()
        ev, vm = memqos.cg_file(TENANT, "memory.events"), memqos.vmstat()
        self.events = {k: ev[k] - ev0[k] for k in ev}
        self.node_oom_kills = vm["oom_kill"] - vm0["oom_kill"]
        self.sockets = self.last.get("sockets", 0)
        self.started = self.last.get("started", 0)
        self.errors = self.last.get("errors", {})
        ktap.print_msg(
            f"{label}: {self.sockets} sockets, {self.started} dumps "
            f"started, errors {self.errors}, exit {self.status} after "
            f"{self.seconds:.0f} s; tenant memory.events {self.events}, "
            f"node oom_kill +{self.node_oom_kills}; MemAvailable fell by "
            f"{self.peak[0] / MIB:.1f} MiB at most ({self.peak[1] / MIB:.1f}"
            f" MiB charged to the tenant then); uncharged at most "
            f"{self.unaccounted / MIB:.1f} MiB "
            f"({self.per_socket() / 1024:.1f} KiB a socket)")
        settle()

    @staticmethod
    def current():
        return int(open(memqos.cg_path(TENANT) + "/memory.current").read())

    def per_socket(self):
        return self.unaccounted / max(self.sockets, 1)


def settle():
    """Lets sockets freed after an RCU grace period go."""
    avail = memqos.meminfo()["MemAvailable"]
    for _ in range(20):
        time.sleep(0.5)
        now = memqos.meminfo()["MemAvailable"]
        if abs(now - avail) < MIB:
            return
        avail = now


def main():
    ktap.print_header(5)
    parent = ktap.cg_create("memqos-tdump")
    memqos.cg_write("memqos-tdump", "cgroup.subtree_control", "+memory")
    for i in range(N_CGROUPS):
        os.mkdir(os.path.join(parent, f"c{i}"))
    memqos.delegate(TENANT)
    memqos.cg_write(TENANT, "memory.max", 64 * MIB)
    memqos.cg_write(TENANT, "memory.swap.max", 0)
    with genl.Memqos() as nl:
        family = nl.prid
    ktap.print_msg(f"{N_CGROUPS} cgroups; memqos records "
                   f"{memqos.stats()['records']}; MemAvailable "
                   f"{memqos.meminfo()['MemAvailable'] // MIB} MiB")

    # The kernel's own cost of as many sockets with a dump queued.
    ctrl = Phase("nlctrl dumps (control)", genl.GENL_ID_CTRL,
                 struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0), N_CONTROL)
    attack = Phase("memqos cgroup dumps", family,
                   genl.genlhdr(genl.H.CMD["CGROUP_GET"]), N_SOCKETS)

    ktap.check("control: every socket held a started dump",
               ctrl.sockets == ctrl.started > 0)
    ktap.check("the attack ends at the tenant's limit: dump starts fail "
               "with ENOMEM or the tenant is OOM-killed",
               attack.events.get("max", 0) > 0 and
               (attack.errors.get("ENOMEM", 0) > 0 or
                (attack.status == -9 and attack.events.get("oom_kill", 0))))
    ktap.check("no OOM kill outside the tenant's cgroup",
               attack.node_oom_kills == attack.events.get("oom_kill", 0))
    allowed = ((ctrl.per_socket() + FIRST_SKB) * attack.sockets * 1.25 +
               4 * MIB)
    ktap.print_msg(f"memory the attack took uncharged: "
                   f"{attack.unaccounted / MIB:.1f} MiB for "
                   f"{attack.sockets} sockets; allowed "
                   f"{allowed / MIB:.1f} MiB (the control's "
                   f"{ctrl.per_socket() / 1024:.1f} KiB a socket + "
                   f"{FIRST_SKB >> 10} KiB, +25%, +4 MiB; uncharged "
                   f"snapshots would add {SNAPSHOT >> 10} KiB a socket: "
                   f"{SNAPSHOT * attack.sockets / MIB:.0f} MiB)")
    ktap.check("the node's MemAvailable lost no more than the tenant was "
               "charged and the netlink core's own sockets",
               attack.unaccounted <= allowed)
    with genl.Memqos() as nl:
        ids = {genl.cgroup_id_path(p)[0]
               for p in nl.dump("CGROUP_GET", raw=True).msgs}
    ktap.check("the module still dumps every cgroup",
               memqos.cg_id("memqos-tdump/c0") in ids and
               len(ids) >= N_CGROUPS)
    ktap.finish()


main()
