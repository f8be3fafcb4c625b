#!/usr/bin/python3
"""Aggressor first: while a critical cgroup stalls in reclaim, 'memqos
daemon' squeezes the batch cgroup the module's reclaim attribution names as
its aggressor, and leaves a batch bystander alone.

    /sys/fs/cgroup/memqos-sq     memory.max 112 MiB, a shared parent limit
    |-- crit    critical   checksums a 48 MiB file on ext4 (page cache),
    |                      round and round
    |-- idle    batch      wrote 16 MiB of anon memory before the pressure,
    |                      then only sleeps: it reclaims from nobody
    `-- agg     batch      writes a byte in every page of 96 MiB, cycling:
                           its charges reclaim from crit (and idle)

Swap is zram. The daemon's node guard is set to 1% of RAM, so crit's
memory.min is scaled down far below its working set (the daemon says so)
and crit keeps stalling while agg runs: what protection cannot hold, the
squeeze must. The batch floor is 24 MiB, so agg can give a lot before
idle's turn would come.

A slow kernel (KASAN, lockdep) makes agg push far less hard than crit
reads, so crit stalls in short bursts minutes apart: each calm of more
than release_delay_ms ends the episode before the reclaim steps reach
memory.high. The test first measures how fast reclaim runs here
(memory.events "max" of a thrashing cgroup of its own) and, that many
times slower than the plain kernel, makes the release delay that many
times longer and the stall that counts as pressure that many times
smaller.

Cross-checked: the module's attribution matrix (debugfs) shows agg, not
idle, reclaiming from crit; the daemon's log names agg as crit's main
aggressor; its memory.reclaim and memory.high writes go to agg first and,
once it named agg, say why ("it reclaims from a protected cgroup that
stalls, squeezed first"; before the attribution has a recent pair, every
batch cgroup above its floor is squeezed alike, "proactive reclaim"), and
to idle only once agg is down to its floor; agg's memory.high, read from the
cgroup file while it runs, went below its usage, idle's stayed max; agg is
never OOM-killed and keeps running; SIGTERM puts agg's memory.high back.
Reported: crit's stall and refaults before and while agg is squeezed.
"""
import os
import re
import signal
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

MIB = memqos.MIB
PAGE = memqos.PAGE
P = "memqos-sq"
CRIT, IDLE, AGG = f"{P}/crit", f"{P}/idle", f"{P}/agg"
LIMIT, DATASET, IDLE_SIZE, HOG = 112 * MIB, 48 * MIB, 16 * MIB, 96 * MIB
FLOOR = 24 * MIB
RUN_S = 25
RELEASE_DELAY_MS, PRESSURE_PERMILLE = 3000, 20
# A slow kernel (KASAN, lockdep: ~25x) gets agg squeezed later: the run
# goes on until then (while agg lives), within the runner's limit, and
# RUN_S - 10 s after.
TEST_END = time.monotonic() + ktap.test_limit() - 90


def critical(ctr, path):
    os.sched_setaffinity(0, {0})
    fd = os.open(path, os.O_RDONLY)
    buf = bytearray(MIB)
    while True:
        for off in range(0, DATASET, MIB):
            os.preadv(fd, [buf], off)
            zlib.crc32(buf)
            memqosd.bump(ctr, 0, MIB)


def idle():
    area = memqos.touch_anon(IDLE_SIZE)
    while True:
        time.sleep(3600)
        area[0] = 1


def reclaimed_from(victim):
    """Pages each reclaimer took from @victim, from debugfs."""
    vid = str(memqos.cg_id(victim))
    out = {}
    with open(os.path.join(memqos.DEBUGFS, "attribution")) as f:
        header = f.readline().split()
        for line in f:
            row = dict(zip(header, line.split()))
            if row["victim"] != vid:
                continue
            n = int(row["reclaimed_anon"]) + int(row["reclaimed_file"])
            out[row["reclaimer"]] = out.get(row["reclaimer"], 0) + n
    return out


def crit_sample(ctr):
    st = memqos.cg_file(CRIT, "memory.stat")
    return (time.monotonic(), memqosd.read_ctr(ctr, 0),
            st["workingset_refault_file"] + st["workingset_refault_anon"],
            memqos.cg_pressure_total_us(CRIT))


def crit_rates(a, b):
    dt = b[0] - a[0]
    return (f"{(b[1] - a[1]) / MIB / dt:.1f} MiB/s, refaulted "
            f"{(b[2] - a[2]) * PAGE / MIB / dt:.1f} MiB/s, stall "
            f"{(b[3] - a[3]) / 1e4 / dt:.1f}%")


def squeeze_lines(lines, cg):
    """(index, line) of the daemon's squeeze writes to @cg."""
    pat = re.compile(rf"^memqos daemon: /{re.escape(cg)} "
                     r"(memory\.reclaim |memory\.high: \S+ -> \d+ \(batch: "
                     r"protected tier)")
    return [(i, ln) for i, ln in enumerate(lines) if pat.search(ln)]


def exited(pid):
    """Whether child @pid has exited; it stays unreaped for the cleanup."""
    return os.waitid(os.P_PID, pid,
                     os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def daemon_line(lines, text):
    return [ln for ln in lines if text in ln]


def high_value(line):
    m = re.search(r"memory\.high: \S+ -> (\d+)", line)
    return int(m.group(1)) if m else None


def main():
    ktap.print_header(8)
    if os.cpu_count() < 2:
        ktap.exit_skip("needs 2 CPUs to keep the workloads apart")
    if memqos.attribution_blind():
        # test_attribution checks that the module says so, never zeros
        ktap.exit_skip("reclaim attribution is unavailable while the "
                       "Multi-Gen LRU runs on this kernel (before 6.12), "
                       "and aggressor first needs it")
    memqos.setup_swap(512)
    rate = memqos.reclaim_rate(f"{P}-calib")
    slow = memqos.slowdown(rate)
    release_ms = min(int(RELEASE_DELAY_MS * slow), 600000)
    pressure = max(2, round(PRESSURE_PERMILLE / slow))
    ktap.print_msg(f"reclaim runs {rate:.0f} times/s here (memory.events "
                   f"max), {slow:.1f}x slower than the plain kernel: "
                   f"release_delay_ms {release_ms}, pressure_permille "
                   f"{pressure}")
    path = os.path.join(memqos.setup_ext4(DATASET // MIB + 64), "dataset")
    memqos.write_file(path, DATASET)
    memqos.drop_caches()
    for cg in (CRIT, IDLE, AGG):
        ktap.cg_create(cg)
    memqos.cg_write(P, "memory.max", LIMIT)
    conf = memqosd.config(
        "/tmp/memqos-sq.conf",
        rules=[f"/{CRIT} critical", f"/{IDLE} batch", f"/{AGG} batch"],
        daemon={"reconcile_ms": 500, "squeeze_interval_ms": 500,
                "release_delay_ms": release_ms,
                "pressure_permille": pressure},
        node={"min_budget_pct": 1},
        tiers={"batch": {"floor": f"{FLOOR // MIB}M"}})
    ctr = memqosd.counters()
    pids = [memqos.spawn(CRIT, critical, ctr, path)]
    daemon = None
    try:
        end = time.monotonic() + 30
        while (time.monotonic() < end and
               memqos.cg_file(CRIT, "memory.stat")["file"] < DATASET):
            time.sleep(0.5)
        pids.append(memqos.spawn(IDLE, idle))
        end = time.monotonic() + 30
        while (time.monotonic() < end and
               memqos.cg_file(IDLE, "memory.stat")["anon"] < IDLE_SIZE):
            time.sleep(0.5)
        before = reclaimed_from(CRIT)

        os.sched_setaffinity(0, {1})
        daemon = memqosd.Daemon(conf, "-v")
        os.sched_setaffinity(0, set(range(os.cpu_count())))
        daemon.wait_for("pass ")
        s0 = crit_sample(ctr)
        agg = memqos.spawn(AGG, memqosd.hog, ctr, 1, HOG)
        pids.append(agg)
        agg_high, idle_high, over = [], [], 0
        s_squeezed = None
        end = time.monotonic() + RUN_S
        # past RUN_S without a squeeze: a status line a minute, so that a
        # slow kernel's long wait shows what the daemon sees
        status_at, status_s, shown = end + 60, s0, 0
        while time.monotonic() < end or (s_squeezed is None and
                                         time.monotonic() < TEST_END and
                                         not exited(agg)):
            ah = memqosd.read_int(AGG, "memory.high")
            ih = memqosd.read_int(IDLE, "memory.high")
            cur = memqosd.read_int(AGG, "memory.current")
            agg_high.append(ah)
            idle_high.append((ih, ah))
            # memory.high throttles the charge: usage stays near it
            if ah < 2**63 and cur > ah + 8 * MIB:
                over += 1
            if ah < 2**63 and s_squeezed is None:
                s_squeezed = crit_sample(ctr)
                end = max(end, time.monotonic() + RUN_S - 10)
            if s_squeezed is None and time.monotonic() >= status_at:
                s_now = crit_sample(ctr)
                new = [ln for ln in daemon.lines[shown:]
                       if "pass " not in ln]
                shown = len(daemon.lines)
                ktap.print_msg(f"waiting for the squeeze: agg usage "
                               f"{cur // MIB} MiB, wrote "
                               f"{memqosd.read_ctr(ctr, 1) // MIB} MiB; "
                               f"crit {crit_rates(status_s, s_now)}; "
                               "daemon: " + (" | ".join(new[-6:]) or
                                             "no change"))
                status_at, status_s = time.monotonic() + 60, s_now
            time.sleep(0.25)
        s_end = crit_sample(ctr)
        matrix = reclaimed_from(CRIT)
        agg_alive = not exited(agg)
        agg_oom = memqos.cg_file(AGG, "memory.events")["oom_kill"]
        batch_written = memqosd.read_ctr(ctr, 1)
        rc = daemon.stop()
        lines = daemon.lines
        daemon = None
        restored = memqosd.read(AGG, "memory.high")

        for ln in lines:
            if any(k in ln for k in ("aggressor", "memory.reclaim",
                                     "memory.high", "node budget",
                                     f"/{CRIT} memory.min")):
                ktap.print_msg("daemon: " + ln)
        aid, iid = str(memqos.cg_id(AGG)), str(memqos.cg_id(IDLE))
        took_agg = matrix.get(aid, 0) - before.get(aid, 0)
        took_idle = matrix.get(iid, 0) - before.get(iid, 0)
        names = {str(memqos.cg_id(cg)): cg for cg in (P, CRIT, IDLE, AGG)}
        ktap.print_msg(f"attribution: agg reclaimed {took_agg * PAGE // MIB} "
                       f"MiB from crit, idle {took_idle * PAGE // MIB} MiB; "
                       "pages reclaimed from crit by: " +
                       ", ".join(f"{names.get(k, k)} {v}"
                                 for k, v in matrix.items()))
        if s_squeezed:
            ktap.print_msg(f"crit before agg's memory.high was lowered: "
                           f"{crit_rates(s0, s_squeezed)}; after: "
                           f"{crit_rates(s_squeezed, s_end)}")
        lowest = min(agg_high)
        ktap.print_msg(f"agg memory.high lowest {lowest // MIB} MiB; "
                       f"agg wrote {batch_written // MIB} MiB; "
                       f"{len(agg_high)} samples 0.25 s apart, "
                       f"{sum('pass ' in ln for ln in lines)} daemon passes")
        if s_squeezed is None:
            ktap.print_msg("daemon's last lines: " +
                           " | ".join(lines[-8:]))

        ktap.check("the attribution matrix: agg reclaimed from crit, "
                   "idle did not",
                   took_agg > 0 and took_idle <= 0)
        named = daemon_line(lines, "stalls in reclaim; its main aggressor")
        ktap.check("the daemon named agg as crit's main aggressor",
                   any(f"/{CRIT} stalls" in ln and
                       f"aggressor: /{AGG} (" in ln for ln in named) and
                   not any(f"aggressor: /{IDLE} (" in ln for ln in named))
        sq_agg, sq_idle = squeeze_lines(lines, AGG), squeeze_lines(lines,
                                                                  IDLE)
        named_at = min((i for i, ln in enumerate(lines)
                        if f"aggressor: /{AGG} (" in ln), default=len(lines))
        targeted = [ln for i, ln in sq_agg
                    if i > named_at and "memory.reclaim" in ln]
        ktap.check("agg squeezed first: memory.reclaim, its reason says so",
                   bool(sq_agg) and "memory.reclaim" in sq_agg[0][1] and
                   bool(targeted) and "squeezed first" in targeted[0] and
                   (not sq_idle or sq_agg[0][0] < sq_idle[0][0]))
        # idle only once agg's memory.high is down at its lowest
        agg_at_floor = min((i for i, ln in sq_agg
                            if high_value(ln) == lowest), default=len(lines))
        ktap.check("idle not squeezed while agg could still give",
                   bool(sq_agg) and
                   all(i > agg_at_floor for i, _ in sq_idle))
        ktap.check("agg's memory.high lowered below its usage, its usage "
                   "held there",
                   lowest < HOG and lowest >= FLOOR and
                   over <= len(agg_high) // 10)
        ktap.check("idle's memory.high stayed max while agg was above "
                   "its lowest",
                   lowest < HOG and
                   all(ih == 2**64 - 1 for ih, ah in idle_high
                       if ah > lowest))
        ktap.check("agg never OOM-killed and still progressing",
                   agg_alive and agg_oom == 0 and batch_written > HOG)
        ktap.check("SIGTERM put agg's memory.high back",
                   rc == 0 and restored == "max")
    finally:
        if daemon:
            daemon.stop()
        memqos.stop(*pids)
    ktap.finish()


signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
main()
