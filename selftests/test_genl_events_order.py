#!/usr/bin/python3
"""Event sequence numbers under concurrent raisers: a listener must never
see 6 before 5, nor a gap that is not a loss.

Three kinds of event are raised at once from different contexts: cgroup
removals from the cgroup work item (a tenant, uid 65534 in a cgroup
delegated to it, creates and removes cgroups in two processes), pressure
enter/leave from the monitor's work item (four cgroups whose reclaim comes
and goes, with a 100 ms interval and a 1 permille threshold), and OOM kills
from the killing task (a cgroup at 16M without swap where children are
killed one after the other). A root listener with a 32 MiB receive buffer
(no socket overflow) takes every event for DURATION seconds.

Proves: events of the three kinds came, many raised within 50 us of an
event of another kind (the raisers overlapped); seqs arrive strictly
increasing; every seq missing is one the module counted as dropped
(events_dropped; its queue holds 256), every event sent arrived, and no
ENOBUFS; TIME_NS never goes back as seq grows (both are taken where the
queue is ordered).

    /sys/fs/cgroup
    `-- memqos-eo
        |-- tenant      delegated to uid 65534: c<n>-<i>, made and removed
        |-- p0 ... p3   memory.max 8M: 12 MiB touched, then a pause
        `-- oom         memory.max 16M, no swap: OOM kills
"""
import os
import random
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

H = genl.H
MIB = memqos.MIB
DURATION = 30
TENANT = "memqos-eo/tenant"
CHURNERS, BATCH = 2, 40
PRESSURED = 4
SO_RCVBUFFORCE = 33
NEAR_NS = 50_000


def flicker(seed):
    """Reclaim in bursts, with pauses of up to three intervals between."""
    rnd = random.Random(seed)
    while True:
        memqos.touch_anon(12 * MIB).close()
        time.sleep(rnd.uniform(0, 0.3))


def receive(sock, out, timeout):
    """Events that arrive within @timeout s, appended to @out in arrival
    order as (seq, command, time_ns); returns the ENOBUFS count."""
    enobufs = 0
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return enobufs
        try:
            buf = sock.recv(1 << 16)
        except BlockingIOError:
            continue
        except OSError as e:
            enobufs += e.errno == 105      # ENOBUFS
            continue
        for mtype, _, _, payload in genl.split_msgs(buf):
            if mtype == FAMILY:
                ev = genl.decode_raw(H.SETS["event"], payload)
                out.append((ev["SEQ"], H.CMD_NAME.get(payload[0]), ev["TIME_NS"]))


def main():
    global FAMILY
    ktap.print_header(4)
    memqos.setup_swap(256)
    memqos.cg_delegate(TENANT)
    for i in range(PRESSURED):
        ktap.cg_create(f"memqos-eo/p{i}")
        memqos.cg_write(f"memqos-eo/p{i}", "memory.max", 8 * MIB)
    ktap.cg_create("memqos-eo/oom")
    memqos.cg_write("memqos-eo/oom", "memory.max", 16 * MIB)
    memqos.cg_write("memqos-eo/oom", "memory.swap.max", 0)

    nl = genl.Memqos()
    FAMILY = nl.prid
    cfg0 = nl.config_get()
    nl.config_set(EVENT_INTERVAL_MS=100, PRESSURE_THRESHOLD_PERMILLE=1,
                  PRESSURE_HYSTERESIS_PERMILLE=0)
    raw = genl.RawSocket()
    raw.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 * MIB)
    raw.join(nl.mcast_groups[H.MCGRP_EVENTS])
    raw.sock.setblocking(False)
    st0 = nl.events_settled()

    pids = [memqos.spawn_tenant(TENANT, memqos.cgroup_churn, TENANT, BATCH, f"{n}-")
            for n in range(CHURNERS)]
    pids += [memqos.spawn(f"memqos-eo/p{i}", flicker, i) for i in range(PRESSURED)]
    pids.append(memqos.spawn("memqos-eo/oom", memqos.oom_loop, None, 32 * MIB))
    evs = []
    try:
        enobufs = receive(raw.sock, evs, DURATION)
    finally:
        memqos.stop(*pids)
    nl.config_set(**{k: cfg0[k] for k in ("EVENT_INTERVAL_MS",
                                          "PRESSURE_THRESHOLD_PERMILLE",
                                          "PRESSURE_HYSTERESIS_PERMILLE")})
    st1 = nl.events_settled()
    enobufs += receive(raw.sock, evs, 2)
    raw.close()
    first, last = st0["EVENTS_SEQ"], st1["EVENTS_SEQ"]
    evs = [e for e in evs if first < e[0] <= last]

    kinds = {}
    for _, cmd, _ in evs:
        kinds[cmd] = kinds.get(cmd, 0) + 1
    by_seq = sorted(evs)
    near = sum(1 for a, b in zip(by_seq, by_seq[1:])
               if a[1] != b[1] and abs(b[2] - a[2]) < NEAR_NS)
    ktap.print_msg(f"{len(evs)} events in {DURATION} s: {kinds}; {near} raised "
                   f"within {NEAR_NS // 1000} us of an event of another kind")
    ktap.check("removals, pressure and OOM kills raised at once",
               kinds.get("CGROUP_REMOVED_NTF", 0) >= 100 and
               kinds.get("PRESSURE_NTF", 0) >= 20 and
               kinds.get("OOM_KILL_NTF", 0) >= 2)

    seqs = [e[0] for e in evs]
    back = [(a, b) for a, b in zip(seqs, seqs[1:]) if b <= a]
    if back:
        ktap.print_msg(f"{len(back)} seqs arrived after a later one, first "
                       f"{back[:5]}")
    ktap.check("seqs arrive strictly increasing", seqs and not back)

    got = set(seqs)
    missing = sum(1 for s in range(first + 1, last + 1) if s not in got)
    dropped = st1["EVENTS_DROPPED"] - st0["EVENTS_DROPPED"]
    sent = st1["EVENTS_SENT"] - st0["EVENTS_SENT"]
    ktap.print_msg(f"seqs {first + 1}..{last}: {len(got)} received, {missing} "
                   f"missing; module sent {sent}, dropped {dropped}; "
                   f"ENOBUFS x{enobufs}")
    ktap.check("every missing seq is a drop the module counted, every sent "
               "event arrived, no ENOBUFS",
               missing == dropped and sent == len(got) == len(seqs) and
               not enobufs)

    times = [e[2] for e in by_seq]
    late = sum(1 for a, b in zip(times, times[1:]) if b < a)
    ktap.print_msg(f"{late} events stamped earlier than the one before them")
    ktap.check("TIME_NS never goes back as seq grows", not late)
    ktap.finish()


FAMILY = None
main()
