#!/usr/bin/python3
"""Pressure events of one cgroup while a tenant makes the module's record
table grow and shrink under the pressure monitor.

The monitor walks the record table every event_interval_ms. A walk that
meets a resize starts over in the new table and visits records twice: a
second visit read as a whole interval without stalls is a false leave,
and the next pass enters again. A tenant (uid 65534, in a cgroup delegated
to it the way systemd delegates) can resize the table at will: it creates
and removes thousands of cgroups of its own.

Proves: a cgroup thrashing at its memory.max (zram swap) is pressured
(one enter; threshold 100 permille, no hysteresis, 250 ms interval);
while the tenant's two processes create and remove 2,500 cgroups each,
the record count going up and down by thousands (the table resized again
and again), it gets no false leave: a leave may report a low stall rate
for the interval before it (the task starved of CPU, or in one long
stall), but never one far below the stall time that tracefs saw end in
that interval (mm_vmscan_memcg/direct_reclaim_begin/end of its task, the
kernel's stamps), as a second visit of the record in one pass reports;
once the thrashing stops, it is left unpressured. Skipped below 3
reclaims/s (a debug kernel on a loaded host), where whole intervals go by
without a stall.

    /sys/fs/cgroup
    `-- memqos-pr
        |-- steady      memory.max 16M: a 32 MiB working set touched
        |               over and over
        `-- tenant      delegated to uid 65534: c<n>-<i>, made and removed
"""
import os
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
TENANT = "memqos-pr/tenant"
STEADY = "memqos-pr/steady"
CHURNERS, BATCH = 2, 2500
# At least CHURN_S, and on until the table grew and shrank by RESIZE (a
# slow guest makes its 2,500 cgroups in more than 45 s), at most 4 times.
CHURN_S = 45
RESIZE = 1000
INTERVAL, THRESHOLD, HYSTERESIS = 250, 100, 0
MIN_RATE = 3
SO_RCVBUFFORCE = 33
RECLAIM_EVENTS = ("vmscan/mm_vmscan_memcg_reclaim_begin",
                  "vmscan/mm_vmscan_memcg_reclaim_end",
                  "vmscan/mm_vmscan_direct_reclaim_begin",
                  "vmscan/mm_vmscan_direct_reclaim_end")


class Listener:
    def __init__(self, nl):
        self.family = nl.prid
        self.raw = genl.RawSocket()
        self.raw.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 * MIB)
        self.raw.join(nl.mcast_groups[H.MCGRP_EVENTS])
        self.raw.sock.setblocking(False)

    def pressure(self, cgid, timeout, until=None):
        """PRESSURE_NTF events of @cgid within @timeout s (or until
        until(event)), as dicts."""
        out = []
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.raw.sock], [], [], left)[0]:
                return out
            try:
                buf = self.raw.sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                continue
            for mtype, _, _, payload in genl.split_msgs(buf):
                if mtype != self.family or H.CMD_NAME.get(payload[0]) != "PRESSURE_NTF":
                    continue
                ev = genl.decode_raw(H.SETS["event"], payload)
                if ev.get("CGROUP_ID") == cgid:
                    out.append(ev)
                    if until and until(ev):
                        return out


def reclaims(tr, pid):
    """[(end, duration)] in ns of @pid's reclaim stalls, from tracefs."""
    marks = sorted((ts, ev.endswith("end")) for ev in RECLAIM_EVENTS
                   for ts, p, _ in tr.records(ev.split("/")[1]) if p == pid)
    out, begin = [], None
    for ts, is_end in marks:
        if not is_end:
            begin = ts
        elif begin is not None:
            out.append((ts, ts - begin))
            begin = None
    return out


def show(evs, t0):
    for e in evs:
        seen = f" (tracefs: {e['SEEN']} ended)" if "SEEN" in e else ""
        ktap.print_msg(f"  t={(e['TIME_NS'] - t0) / 1e9:.1f} s pressured="
                       f"{e.get('PRESSURED')} at {e.get('STALL_PERMILLE')} "
                       f"permille{seen}")


def swing(records):
    """The largest rise and the largest fall of @records."""
    rise = fall = 0
    low = high = records[0]
    for b in records:
        low, high = min(low, b), max(high, b)
        rise, fall = max(rise, b - low), max(fall, high - b)
    return rise, fall


def swings(records):
    return min(swing(records))


def main():
    ktap.print_header(4)
    memqos.setup_swap(256)
    rate = memqos.reclaim_rate("memqos-pr/calib")
    ktap.print_msg(f"the workload reclaims {rate:.0f} times/s here (memory.events max)")
    if rate < MIN_RATE:
        ktap.exit_skip(f"{rate:.1f} reclaims/s, below {MIN_RATE}: whole intervals "
                       "go by without a stall")
    memqos.cg_delegate(TENANT)
    ktap.cg_create(STEADY)
    memqos.cg_write(STEADY, "memory.max", 16 * MIB)
    cgid = memqos.cg_id(STEADY)

    nl = genl.Memqos()
    cfg0 = nl.config_get()
    nl.config_set(EVENT_INTERVAL_MS=INTERVAL, PRESSURE_THRESHOLD_PERMILLE=THRESHOLD,
                  PRESSURE_HYSTERESIS_PERMILLE=HYSTERESIS)
    lis = Listener(nl)
    t0 = time.time_ns()
    # CLOCK_REALTIME (events) to CLOCK_MONOTONIC (tracefs): no NTP here.
    offset = time.time_ns() - time.monotonic_ns()
    thrash = memqos.spawn(STEADY, memqos.thrash, 32 * MIB)
    churners = []
    try:
        enter = lis.pressure(cgid, 30, lambda e: e.get("PRESSURED") == 1)
        show(enter, t0)
        ktap.check("the thrashing cgroup is pressured: one enter",
                   [e.get("PRESSURED") for e in enter] == [1] and
                   enter[0].get("STALL_PERMILLE", 0) >= THRESHOLD)

        churners = [memqos.spawn_tenant(TENANT, memqos.cgroup_churn, TENANT,
                                        BATCH, f"{n}-") for n in range(CHURNERS)]
        records, during = [], []
        # The kernel's stamps of the thrashing task's reclaim ends: a leave
        # (0 permille) is true only after an interval in which none ended.
        with memqos.TraceCount(*RECLAIM_EVENTS, clock="mono") as tr:
            start = time.monotonic()
            while True:
                during += lis.pressure(cgid, INTERVAL / 1000)
                records.append(nl.stats_get()["RECORDS"])
                spent = time.monotonic() - start
                if spent >= 4 * CHURN_S or (spent >= CHURN_S and
                                            swings(records) >= RESIZE):
                    break
            stalls = reclaims(tr, thrash)
        memqos.stop(*churners)
        churners = []
        rise, fall = swing(records)
        ktap.print_msg(f"tenant churn for {spent:.0f} s: records between "
                       f"{min(records)} and {max(records)}, up by {rise}, down by "
                       f"{fall}; steady's task ended {len(stalls)} reclaims")
        ktap.check("the tenant grew and shrank the record table by thousands",
                   rise >= RESIZE and fall >= RESIZE)
        # A leave reports the stall per wall time since the last pass. The
        # stall that ended in most of that interval, as tracefs stamps it,
        # can exceed it only if the pass came very late (3 times the
        # interval, never seen); a second visit of the record in one pass
        # reports the little that ended between the two visits.
        false, true = [], []
        for e in during:
            if e.get("PRESSURED") != 0:
                continue
            t = e["TIME_NS"] - offset
            ended = sum(d for end_ns, d in stalls
                        if t - 0.9 * INTERVAL * 1e6 < end_ns < t - 1e6)
            seen = ended * 1000 // (INTERVAL * 10**6)
            e["SEEN"] = seen
            reported = e.get("STALL_PERMILLE", 0)
            (false if seen >= 3 * reported + 50 else true).append(e)
        show(during, t0)
        ktap.print_msg(f"{len(false)} leaves far below the stall tracefs saw "
                       f"end in the interval (false), {len(true)} true")
        ktap.check("while the table was resized: no false leave of the "
                   "thrashing cgroup", stalls and not false)
    finally:
        t_stop = time.time_ns()
        memqos.stop(*churners, thrash)
    after = lis.pressure(cgid, max(2, 20 * INTERVAL / 1000))
    show(after, t0)
    nl.config_set(**{k: cfg0[k] for k in ("EVENT_INTERVAL_MS",
                                          "PRESSURE_THRESHOLD_PERMILLE",
                                          "PRESSURE_HYSTERESIS_PERMILLE")})
    last = (enter + during + after)[-1]
    ktap.check("once the thrashing stops: it is left unpressured, and no "
               "enter comes after the stop",
               last.get("PRESSURED") == 0 and
               not [e for e in after if e.get("PRESSURED") == 1 and
                    e["TIME_NS"] > t_stop + 2 * INTERVAL * 10**6])
    nl.close()
    ktap.finish()


main()
