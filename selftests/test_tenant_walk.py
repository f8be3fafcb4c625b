#!/usr/bin/python3
"""A tenant asking for every cgroup does not hold a CPU for the whole walk.

The attack (issue 16): uid 65534, in a cgroup delegated to it, loops on
the two requests that walk every cgroup it can see, a GET of "/" (its
subtree totals) and a dump start (the snapshot of ids), on a node of
10,000 cgroups. Debian's kernels preempt voluntarily: a walk that never
leaves RCU delays everything else on its CPU until it ends.

Measured with cyclictest (rt-tests: a SCHED_FIFO thread that wakes every
millisecond and records how late it woke) on the tenant's CPU, over the
same time: beside the tenant looping on a GET of its own cgroup (the same
syscalls, no walk), then beside the attack. A walk that holds the CPU
delays a wake-up by up to its length, once per walk. In a TCG guest the
host's scheduling of the vCPU thread makes outliers of its own in every
phase, so the worst alone decides nothing: a wake-up counts as late when
it is later than a quarter of the attack's GET of "/". Proves: beyond the
control's rate of late wake-ups, the attack made late ones for less than
a quarter of its walks (a walk that holds the CPU makes one for three in
four); and the attack made its requests all along, each GET of "/" taking
10 times a GET of a leaf (so the walks did run). Prints the median, 99th
percentile and worst latency of each phase, the late counts, and the mean
time of a GET. With
MEMQOS_KO_BEFORE (the path of another build's memqos.ko), measures that
build's attack too, in the same guest, and prints before / after.

    /sys/fs/cgroup
    |-- memqos-twalk           m0 ... m99, each with c0 ... c99: 10,100
    `-- memqos-twalk-tenant    delegated to uid 65534
        `-- init               the tenant's process, on CPU 1
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

TENANT = "memqos-twalk-tenant"
CPU = 1
SECONDS = 10
# A module built from another commit (e.g. main), measured after this one
# in the same guest for a before/after ratio: the path of its memqos.ko.
BEFORE = os.environ.get("MEMQOS_KO_BEFORE")
NLM_F_DUMP = genl.NLM_F_ROOT | genl.NLM_F_MATCH


def make_tree(mids, kids):
    base = ktap.cg_create("memqos-twalk")
    memqos.cg_write("memqos-twalk", "cgroup.subtree_control", "+memory")
    for i in range(mids):
        mid = os.path.join(base, f"m{i}")
        os.mkdir(mid)
        with open(os.path.join(mid, "cgroup.subtree_control"), "w") as f:
            f.write("+memory")
        for j in range(kids):
            os.mkdir(os.path.join(mid, f"c{j}"))


def requester(t, family, path, walks, seconds):
    """As the tenant: GETs of @path (and, if @walks, a dump start after
    each) for @seconds; reports how many, and their mean time."""
    get = genl.genlhdr(genl.H.CMD["CGROUP_GET"]) + genl.nla_str(
        genl.H.SETS["cgroup"].num("PATH"), path)
    dump = genl.genlhdr(genl.H.CMD["CGROUP_GET"])
    sock = genl.RawSocket()
    t.tell({"ready": True})
    gets = dumps = 0
    spent = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        sock.send(genl.nlmsg(family, genl.NLM_F_REQUEST, sock.next_seq(),
                             get))
        if genl.split_msgs(sock.recv())[0][0] != family:
            raise RuntimeError("GET failed")
        spent += time.monotonic() - t0
        gets += 1
        if walks:
            # The start walks; closing the socket unread ends the dump.
            with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               genl.NETLINK_GENERIC) as s:
                s.send(genl.nlmsg(family, genl.NLM_F_REQUEST | NLM_F_DUMP,
                                  1, dump))
                dumps += 1
    t.tell({"gets": gets, "dumps": dumps,
            "get_ms": spent * 1e3 / max(gets, 1)})


class Latency:
    """cyclictest's wake-up latencies (us) on CPU over @seconds: every
    sample (-v), since in a TCG guest the host's scheduling of the vCPU
    thread makes outliers of its own, in every phase."""

    def __init__(self, seconds):
        out = subprocess.run(
            ["cyclictest", "-q", "-m", "-p", "95", "-t", "1", "-a",
             str(CPU), "-i", "1000", "-D", f"{seconds}s", "-v"],
            check=True, capture_output=True, text=True).stdout
        self.v = sorted(int(m.group(1)) for m in
                        re.finditer(r"^\s*0:\s*\d+:\s*(\d+)$", out, re.M))
        if not self.v:
            raise RuntimeError(f"no samples from cyclictest: {out[-300:]!r}")
        self.p99 = self.v[len(self.v) * 99 // 100]
        self.max = self.v[-1]

    def late(self, us):
        """Wake-ups later than @us."""
        return sum(1 for x in self.v if x > us)

    def __str__(self):
        return (f"{len(self.v)} wake-ups, median {self.v[len(self.v) // 2]}"
                f" us, 99th {self.p99} us, worst {self.max} us")


def phase(label, family, path, walks):
    t = memqos.Tenant(f"{TENANT}/init", requester, family, path, walks,
                      SECONDS, cpu=CPU)
    t.hear()
    lat = Latency(SECONDS)
    rep = t.hear(timeout=ktap.patience(120)) or {}
    t.wait()
    ktap.print_msg(f"{label}: {lat}; the tenant made {rep.get('gets')} "
                   f"GETs of {path} ({rep.get('get_ms', 0):.2f} ms each) "
                   f"and {rep.get('dumps')} dump starts")
    return lat, rep


class Measure:
    """The control, then the attack, with the module loaded now. A walk
    that holds the CPU delays a wake-up by up to the walk's length: the
    wake-ups later than a quarter of a GET of "/" count as late."""

    def __init__(self, label, leaf):
        with genl.Memqos() as nl:
            family = nl.prid
        self.ctrl, self.crep = phase(f"{label}, control", family,
                                     f"/{leaf}", False)
        self.attack, self.arep = phase(f"{label}, attack", family, "/",
                                       True)
        self.walks = self.arep.get("gets", 0) + self.arep.get("dumps", 0)
        self.late_us = self.arep.get("get_ms", 0) * 1000 / 4
        self.late_ctrl = self.ctrl.late(self.late_us)
        self.late_attack = self.attack.late(self.late_us)
        # Late wake-ups the attack added: beyond the control's rate.
        self.excess = self.late_attack - self.late_ctrl * len(
            self.attack.v) / len(self.ctrl.v)
        ktap.print_msg(f"{label}: wake-ups later than "
                       f"{self.late_us / 1000:.1f} ms: control "
                       f"{self.late_ctrl}, attack {self.late_attack} (of "
                       f"{self.walks} walks: {self.excess:.0f} more than "
                       f"the control's rate); attack / control: 99th "
                       f"{self.attack.p99 / max(self.ctrl.p99, 1):.1f}, "
                       f"worst {self.attack.max / max(self.ctrl.max, 1):.1f}")


def main():
    ktap.print_header(3)
    if os.cpu_count() < 2:
        ktap.exit_skip("needs 2 CPUs")
    try:
        with open("/sys/kernel/debug/sched/preempt") as f:
            ktap.print_msg(f"preemption: {f.read().strip()}")
    except OSError:
        pass
    make_tree(100, 100)
    leaf = memqos.delegate(TENANT)
    ktap.print_msg(f"records {memqos.stats()['records']}")

    ktap.print_msg(f"no tenant: {Latency(SECONDS)}")
    now = Measure("this module", leaf)
    ktap.check("the control and the attack made their requests",
               now.crep.get("gets", 0) > 0 and now.walks > 0)
    ktap.check("a GET of / took 10 times a GET of a leaf (the walk ran)",
               now.arep.get("get_ms", 0) >
               10 * now.crep.get("get_ms", 1e9))
    ktap.check("the attack made late wake-ups for less than a quarter "
               "of its walks, beyond the control's rate",
               now.excess < now.walks / 4)
    if BEFORE:
        # Another build, measured the same way in the same guest.
        memqos.rmmod()
        subprocess.run(["insmod", BEFORE], check=True)
        try:
            then = Measure("module before", leaf)
        finally:
            memqos.rmmod()
            memqos.insmod()
        b, a = then.attack, now.attack
        ktap.print_msg(f"attack, before / this module: 99th "
                       f"{b.p99 / max(a.p99, 1):.1f}, worst "
                       f"{b.max / max(a.max, 1):.1f}; wake-ups later than "
                       f"{now.late_us / 1000:.1f} ms: {b.late(now.late_us)}"
                       f" / {a.late(now.late_us)}")
    ktap.finish()


main()
