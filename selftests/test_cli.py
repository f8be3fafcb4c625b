#!/usr/bin/python3
"""The memqos command against the real module: what it prints must be what
the module's debugfs files and the kernel's cgroup files say.

    /sys/fs/cgroup
    |-- memqos-cli-oom    memory.max 64M; a python child allocates 240 MiB
    |                     and is OOM-killed (reclaim stalls + an OOM kill)
    `-- memqos-cli-hold   a child holding 24 MiB of anonymous memory

Checked: stat -j against debugfs detail (counters and histograms exactly)
and against memory.stat & co. (levels within 3% or 1 MiB); dump --json
covers every cgroup of debugfs cgroups; dump --prometheus passes a strict
exposition-format check; events -j --count 1 gets the OOM kill; config set
as an unprivileged user fails with the permission message, exit 1, and
changes nothing; a listener that falls behind reports the overflow and
how many events it lost; an unknown cgroup exits 3; top -b -n 2 prints two
frames.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
from promfmt import check_prometheus  # noqa: E402

TOOL = "user/memqos"
MIB = memqos.MIB
OOM_CG = "memqos-cli-oom"
HOLD_CG = "memqos-cli-hold"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
REQUIRED = ["id", "path", "usage_bytes", "rss_bytes", "kmem_bytes",
            "oom_kills_total"]
# cgroups created and removed while the listener is stopped
CHURN = 1500
STALL_KINDS = ["memcg_reclaim", "direct_reclaim", "high_throttle"]
# stat -j keys whose memory.stat name differs from the key less "_bytes"
STAT_FILE_KEYS = {
    "anon", "file_mapped", "shmem", "slab_reclaimable", "slab_unreclaimable",
    "kernel_stack", "pagetables", "sec_pagetables", "file", "active_anon",
    "inactive_anon", "active_file", "inactive_file", "kernel", "percpu",
    "sock", "vmalloc", "zswap", "zswapped",
}
# Counts of memory.stat, keyed as stat -j has them (where the kernel has).
STAT_FILE_COUNTS = {
    "workingset_refault_anon", "workingset_refault_file",
    "workingset_activate_anon", "workingset_activate_file",
    "workingset_restore_anon", "workingset_restore_file",
    "pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged", "zswpwb",
}


def tool(*args, user=None, timeout=120):
    cmd = (NOBODY if user == "nobody" else []) + [TOOL, *args]
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout)


def tool_json(*args):
    r = tool("-j", *args)
    if r.returncode:
        ktap.print_msg(f"memqos {' '.join(args)}: exit {r.returncode}: "
                       f"{r.stderr.strip()}")
        return None
    return json.loads(r.stdout)


def oom_workload():
    b = [bytearray(8 * MIB) for _ in range(30)]
    return len(b)


def hold_workload():
    m = memqos.touch_anon(24 * MIB)
    memqos.hold(3600, m)


def debugfs_name(key):
    for suffix in ("_bytes", "_total"):
        if key.endswith(suffix):
            return key[:-len(suffix)]
    return key


def read_int(cg, file):
    with open(os.path.join(memqos.cg_path(cg), file)) as f:
        v = f.read().split()[0]
    return None if v == "max" else int(v)


def kernel_levels(cg):
    """What the kernel's own files say, keyed like stat -j."""
    st = memqos.cg_file(cg, "memory.stat")     # first: it flushes
    ev = memqos.cg_file(cg, "memory.events")
    k = {f"{n}_bytes": st[n] for n in STAT_FILE_KEYS if n in st}
    k["rss_bytes"] = st["anon"] + st["file_mapped"] + st["shmem"]
    k["kmem_bytes"] = (st["slab_reclaimable"] + st["slab_unreclaimable"] +
                       st["kernel_stack"] + st["pagetables"] +
                       st.get("sec_pagetables", 0))
    for key, file in (("usage", "memory.current"), ("peak", "memory.peak"),
                      ("swap", "memory.swap.current"), ("min", "memory.min"),
                      ("low", "memory.low"), ("high", "memory.high"),
                      ("max", "memory.max")):
        try:
            k[f"{key}_bytes"] = read_int(cg, file)
        except FileNotFoundError:
            pass            # no swap accounting: compared with debugfs
    for n in ("low", "high", "max", "oom", "oom_kill"):
        k[f"events_{n}_total"] = ev[n]
    for n in STAT_FILE_COUNTS & set(st):
        k[f"{n}_total"] = st[n]
    k["psi_some_us"] = memqos.cg_pressure_total_us(cg, "some")
    k["psi_full_us"] = memqos.cg_pressure_total_us(cg, "full")
    return k


def levels_close(key, ours, theirs):
    if theirs is None or ours is None:
        return ours is theirs
    if key.startswith("psi_"):
        return memqos.close_enough(ours, theirs, pct=3, slack=1000)
    if key.endswith("_bytes"):
        return memqos.close_enough(ours, theirs)
    return ours == theirs


def compare_stat(cg):
    """stat -j CG against debugfs detail and the kernel's files."""
    kernel = kernel_levels(cg)
    j = tool_json("stat", f"/{cg}")
    d = memqos.detail(memqos.cg_id(cg))
    if j is None:
        return ["stat -j failed"]
    bad = []
    if j["id"] != d["id"] or j["path"] != d["path"]:
        bad.append(f"id/path {j['id']} {j['path']} != {d['id']} {d['path']}")
    for key, val in j.items():
        if key in ("id", "path", "stalls"):
            continue
        if key == "tracked":
            ok = int(val) == d["tracked"]
        elif key in kernel:
            # a level: the kernel's file, within the tolerance
            ok = levels_close(key, val, kernel[key])
        else:
            # a counter of the module: exactly its debugfs value
            ok = val == d[debugfs_name(key)]
        if not ok:
            bad.append(f"{key}: {val} vs kernel {kernel.get(key)} "
                       f"debugfs {d.get(debugfs_name(key))}")
    for kind in STALL_KINDS:
        h = j["stalls"][kind]
        hist = [int(x) for x in d[f"{kind}_hist"].split()]
        if h["buckets"] != hist or h["max_us"] != d[f"{kind}_max_us"]:
            bad.append(f"{kind} histogram differs from debugfs")
        if h["count"] != sum(hist):
            bad.append(f"{kind} count {h['count']} != {sum(hist)}")
    for msg in bad:
        ktap.print_msg(f"{cg}: {msg}")
    return bad


# ---- the subtests ----

def wait_listening(proc, timeout=30):
    """The events command polls only once it has joined its group: wait
    until it sits in poll() (syscall 7 on x86_64)."""
    end = time.time() + timeout
    while time.time() < end and proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/syscall") as f:
                if f.read().split()[0] == "7":
                    return True
        except (OSError, IndexError):
            pass
        time.sleep(0.05)
    return False


def netlink_rmem(pid):
    """Bytes queued on each netlink socket of process @pid."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    with open("/proc/net/netlink") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    # sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    return [int(r[4]) for r in rows if len(r) >= 10 and r[9] in inodes]


def wait_caught_up(proc, timeout=120):
    """Until the listener has read everything queued for it (a resync
    after an overflow takes long on a debug kernel) and sits in poll()."""
    end = time.time() + timeout
    quiet = 0
    while time.time() < end and proc.poll() is None and quiet < 3:
        try:
            idle = not any(netlink_rmem(proc.pid)) and \
                wait_listening(proc, timeout=0.2)
        except OSError:
            idle = False
        quiet = quiet + 1 if idle else 0
        time.sleep(0.2)
    return quiet >= 3


def test_events_and_oom():
    """Starts a listener, makes an OOM kill; True if the listener got it."""
    ev = subprocess.Popen([TOOL, "events", "-j", "--count", "1",
                           "--timeout", "120"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    listening = wait_listening(ev)
    status = ktap.cg_run(OOM_CG, oom_workload)
    ktap.check(f"the workload was OOM-killed (status {status})", status == -9)
    out, err = ev.communicate(timeout=150)
    got = [json.loads(line) for line in out.splitlines() if line]
    cg_id = memqos.cg_id(OOM_CG)
    ok = listening and ev.returncode == 0 and len(got) == 1 and \
        got[0]["kind"] == "oom_kill" and got[0]["cgroup_id"] == cg_id and \
        got[0]["path"] == f"/{OOM_CG}" and got[0]["seq"] >= 1
    if not ok:
        ktap.print_msg(f"events: listening {listening}, exit "
                       f"{ev.returncode}, out {out!r}, err {err!r}")
    ktap.check("events -j --count 1 got the OOM kill with its cgroup id", ok)


# Records the module could not make (no memory, or the cap): their cgroups
# raise no removal event.
REFUSED = ("dropped_nomem_total", "dropped_cap_total")
EVENT_STATS = ("events_seq", "events_sent_total", "events_dropped_total",
               "records_created_total", "records_freed_total")


def tracked_removal(parent, tries=5):
    """Makes and removes a cgroup the module tracks (a record can be
    refused: under KASAN a GFP_NOWAIT allocation fails now and then);
    returns how many were made."""
    for i in range(1, tries + 1):
        path = f"{parent}/last{i}"
        os.mkdir(path)
        st = tool_json("stat", path)
        os.rmdir(path)
        if st and st.get("tracked"):
            break
    return i


def events_settled(timeout=120):
    """Until the module's event sequence has not moved for 2 s: removal
    events are raised from a work item."""
    end = time.time() + timeout
    last, same = None, 0
    while time.time() < end and same < 4:
        seq = tool_json("stats")["events_seq"]
        same = same + 1 if seq == last else 0
        last = seq
        time.sleep(0.5)


def test_events_overflow():
    """A stopped listener misses events: it must say how many."""
    parent = ktap.cg_create("memqos-cli-churn")
    memqos.cg_write("memqos-cli-churn", "cgroup.subtree_control", "+memory")
    # The test stops it; its own timeout must outlast the churn, which
    # takes minutes on a debug kernel.
    ev = subprocess.Popen([TOOL, "events", "-j", "--timeout", "3600"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    listening = wait_listening(ev)
    before = tool_json("stats")
    ev.send_signal(signal.SIGSTOP)
    # each removal is one event: far more than a socket buffer holds
    for i in range(CHURN):
        os.mkdir(f"{parent}/c{i}")
        os.rmdir(f"{parent}/c{i}")
    ev.send_signal(signal.SIGCONT)
    caught_up = wait_caught_up(ev)
    made = CHURN + tracked_removal(parent)
    events_settled()
    caught_up &= wait_caught_up(ev)
    after = tool_json("stats")
    raised = after["events_seq"] - before["events_seq"]
    refused = sum(after[k] - before[k] for k in REFUSED)
    ev.terminate()
    out, err = ev.communicate(timeout=60)
    lines = [json.loads(line) for line in out.splitlines() if line]
    got = sum("kind" in x for x in lines)
    lost = sum(x.get("lost", 0) for x in lines)
    resyncs = [x["resync"] for x in lines if "resync" in x]
    ok = listening and caught_up and ev.returncode == 0 and \
        raised + refused == made and \
        got + lost == raised and lost > 0 and resyncs and \
        lines[-1].get("kind") == "cgroup_removed"
    ktap.print_msg(f"overflow: {made} cgroups removed, {refused} had no "
                   f"record, {raised} events raised, {got} received, {lost} "
                   f"reported lost, resyncs {resyncs}")
    if not ok:
        seqs = [x.get("seq") for x in lines if "kind" in x]
        ktap.print_msg(f"events: listening {listening}, caught up "
                       f"{caught_up}, exit {ev.returncode}, err {err!r}; "
                       "module "
                       + ", ".join(f"{k} +{after[k] - before[k]}"
                                   for k in EVENT_STATS)
                       + f"; listener lines {len(lines)}, seqs "
                       f"{seqs[:3]}..{seqs[-3:]} (first "
                       f"{before['events_seq']})")
    ktap.check("events: an overflow is reported, resynced, and every "
               "event is received or counted lost", ok)


def test_dump_json():
    d = tool_json("dump")
    _, rows = memqos.cgroups_table()
    ok = d is not None and isinstance(d.get("cgroups"), list)
    if ok:
        by_id = {c["id"]: c for c in d["cgroups"]}
        for row in rows:
            c = by_id.get(row["id"])
            if c is None or any(k not in c for k in REQUIRED) or \
                    c["path"] != row["path"]:
                ktap.print_msg(f"dump: cgroup {row['id']} {row['path']}: "
                               f"{c}")
                ok = False
        for c in d["cgroups"]:
            bad = [k for k in c if not re.fullmatch(r"[a-z0-9_]+", k)]
            if bad:
                ktap.print_msg(f"dump: keys not snake_case: {bad}")
                ok = False
    ktap.check("dump --json has every debugfs cgroup with the required keys",
               ok and len(rows) >= 3)


def test_dump_prometheus():
    r = tool("dump", "--prometheus")
    errors = check_prometheus(r.stdout) if r.returncode == 0 else ["failed"]
    for e in errors:
        ktap.print_msg(f"prometheus: {e}")
    cg_id = memqos.cg_id(OOM_CG)
    want = f'memqos_oom_kills_total{{cgroup="/{OOM_CG}",id="{cg_id}"}} 1'
    if want not in r.stdout.splitlines():
        ktap.print_msg(f"prometheus: no line '{want}'")
        errors.append("missing")
    ktap.check("dump --prometheus passes the exposition format check",
               not errors)


def test_config_unprivileged():
    before = tool("config", "get", "max_cgroups").stdout.strip()
    r = tool("config", "set", "max_cgroups", "12345", user="nobody")
    after = tool("config", "get", "max_cgroups").stdout.strip()
    ok = r.returncode == 1 and "permission denied" in r.stderr and \
        before == after and before != "12345"
    if not ok:
        ktap.print_msg(f"config set as nobody: exit {r.returncode}, "
                       f"{r.stderr.strip()!r}, {before} -> {after}")
    ktap.check("config set as uid 65534: permission denied, exit 1, "
               "nothing changed", ok)


def test_config_root():
    r = tool("config", "set", "oom_ring_entries", "33", "max_cgroups", "0")
    unchanged = tool("config", "get", "oom_ring_entries").stdout.strip()
    r2 = tool("config", "set", "oom_ring_entries", "33")
    changed = tool("config", "get", "oom_ring_entries").stdout.strip()
    ok = r.returncode == 2 and unchanged != "33" and r2.returncode == 0 \
        and changed == "33"
    if not ok:
        ktap.print_msg(f"config set: {r.returncode} {r.stderr.strip()!r} "
                       f"{unchanged} / {r2.returncode} {changed}")
    ktap.check("config set: a bad value changes nothing (exit 2), "
               "a good one applies", ok)


def test_unknown_cgroup():
    r = tool("stat", "/memqos-cli-nope")
    r2 = tool("hist", "999999999")
    ok = r.returncode == 3 and \
        r.stderr.strip() == "memqos: no such cgroup: /memqos-cli-nope" and \
        r2.returncode == 3
    if not ok:
        ktap.print_msg(f"unknown cgroup: {r.returncode} {r.stderr!r} "
                       f"{r2.returncode} {r2.stderr!r}")
    ktap.check("unknown cgroup: 'no such cgroup', exit 3", ok)


def test_cgroupfs_path():
    a = tool_json("stat", f"{memqos.cg_path(HOLD_CG)}/")
    b = tool_json("stat", str(memqos.cg_id(HOLD_CG)))
    ok = a is not None and b is not None and a["id"] == b["id"] and \
        a["path"] == f"/{HOLD_CG}"
    ktap.check("a cgroupfs path and an id name the same cgroup", ok)


def test_oom_list():
    root = tool_json("oom")
    nobody = tool("-j", "oom", user="nobody")
    cg_id = memqos.cg_id(OOM_CG)
    ok = root is not None and nobody.returncode == 0
    if ok:
        mine = [k for k in root["oom_kills"] if k["cgroup_id"] == cg_id]
        theirs = [k for k in json.loads(nobody.stdout)["oom_kills"]
                  if k["cgroup_id"] == cg_id]
        ok = len(mine) == 1 and mine[0]["pid"] and \
            mine[0]["comm"] == "python3" and len(theirs) == 1 and \
            theirs[0]["pid"] is None and theirs[0]["comm"] is None
        if not ok:
            ktap.print_msg(f"oom: root {mine}, nobody {theirs}")
    ktap.check("oom: the kill, with pid and comm for root only", ok)


def test_top():
    r = tool("top", "-b", "-n", "2", "-d", "0.5")
    frames = [ln for ln in r.stdout.splitlines()
              if ln.startswith("memqos top - ")]
    ok = r.returncode == 0 and len(frames) == 2 and \
        r.stdout.count(f"/{HOLD_CG}") == 2
    if not ok:
        ktap.print_msg(f"top: exit {r.returncode}: {r.stdout!r} "
                       f"{r.stderr!r}")
    ktap.check("top -b -n 2 prints two frames", ok)


def test_reset():
    r = tool("reset", f"/{OOM_CG}")
    d = memqos.detail(memqos.cg_id(OOM_CG))
    ok = r.returncode == 0 and d["memcg_reclaims"] == 0 and \
        d["oom_kills"] == 0
    r2 = tool("reset", user="nobody")
    ok = ok and r2.returncode == 1 and "permission denied" in r2.stderr
    ktap.check("reset zeroes a cgroup's counters; not for uid 65534", ok)


def main():
    ktap.print_header(15)
    for cg in (OOM_CG, HOLD_CG):
        ktap.cg_create(cg)
    memqos.cg_write(OOM_CG, "memory.max", 64 * MIB)
    # no pressure or storm events to race the OOM kill for --count 1
    r = tool("config", "set", "event_interval_ms", "60000",
             "pressure_threshold_permille", "1000")
    ktap.check("config set as root", r.returncode == 0)
    hold = memqos.spawn(HOLD_CG, hold_workload)
    try:
        test_events_and_oom()
        time.sleep(1)           # let the holder touch its memory
        for cg in (OOM_CG, HOLD_CG):
            ktap.check(f"stat -j /{cg} agrees with debugfs and the kernel",
                       not compare_stat(cg))
        test_events_overflow()
        test_dump_json()
        test_dump_prometheus()
        test_config_unprivileged()
        test_config_root()
        test_unknown_cgroup()
        test_cgroupfs_path()
        test_oom_list()
        test_top()
        test_reset()
    finally:
        memqos.stop(hold)
    ktap.finish()


main()
