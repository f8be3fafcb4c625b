#!/usr/bin/python3
"""An OOM kill's trigger (the cgroup of the task that invoked the OOM
killer) and scope (the cgroup whose memory.max was hit, or the node, or
SysRq-f), in `memqos oom -j`, the netlink dump, the OOM_KILL_NTF event,
debugfs and the exporter's /metrics, each checked against what the
kernel says independently: memory.events.local oom of the cgroup whose
limit was hit, memory.events oom_kill of the victim's, the victim's exit
by SIGKILL, oom:mark_victim in tracefs, memory.max in cgroupfs.

    /sys/fs/cgroup
    `-- memqos-os         memory.max 64M, no swap
        |-- alloc         1: allocates until it is killed itself
        |-- c1            2: allocates 30M, while ...
        `-- c2            ... an idle 40M hog is the victim;
                          3: the hog again, killed when this test (outside
                          memqos-os) lowers memory.max under it;
                          4: the hog again, oom_score_adj 1000, SysRq-f

A tenant (uid 65534, in a cgroup namespace rooted at c2) sees the kills
of c2 but not the trigger and scope cgroups outside its namespace.
Then the same without the out_of_memory() kretprobe (insmod
probe_fault=out_of_memory): the module loads, says so, and its kills have
neither. A global OOM (the node out of memory) is not made: in a guest sharing
its memory with the harness it could kill the harness.
"""
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402
from promfmt import check_prometheus  # noqa: E402

H = genl.H
MIB = memqos.MIB
TOOL = "user/memqos"
P = "memqos-os"
LIMIT = 64 * MIB
HOG = 40 * MIB
PORT = 19471
SCOPES = {n[len("MEMQOS_OOM_SCOPE_"):].lower(): v
          for n, v, _ in H.enums["memqos_oom_scope"] if not n.startswith("__")}


def read_max(cg):
    with open(os.path.join(memqos.cg_path(cg), "memory.max")) as f:
        return int(f.read())


def probe_state(kind, name):
    """"bound" or "absent", as the module's stats file says."""
    with open(os.path.join(memqos.DEBUGFS, "stats")) as f:
        for line in f:
            parts = line.split()
            if parts[:2] == [kind, name]:
                return parts[2]
    return None


def alloc_forever():
    memqos.touch_anon(4 * LIMIT)


def hog(ready_fd, adj=None):
    """Holds HOG bytes, says so on @ready_fd, then sleeps."""
    if adj is not None:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(str(adj))
    m = memqos.populate(HOG)
    os.write(ready_fd, b"r")
    time.sleep(3600)
    del m


def alloc_some(done_fd):
    """30M: with the hog, past P's memory.max; alone, well under it."""
    m = memqos.populate(30 * MIB)
    os.write(done_fd, b"d")
    del m


def spawn_hog(cg, adj=None):
    r, w = os.pipe()
    pid = memqos.spawn(f"{P}/{cg}", hog, w, adj)
    os.close(w)
    ok = os.read(r, 1) == b"r"
    os.close(r)
    # Idle from here: a page it faults in past a lowered limit would make
    # the hog itself invoke the OOM killer.
    time.sleep(0.5)
    return pid, ok


def killed(status):
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def events_local(cg, key):
    return memqos.cg_file(cg, "memory.events.local")[key]


def self_cgroup():
    with open("/proc/self/cgroup") as f:
        return next(line.strip().split("::", 1)[1] for line in f
                    if line.startswith("0::"))


def metrics():
    """/metrics of a `memqos exporter` started for it."""
    import http.client
    p = subprocess.Popen([TOOL, "exporter", "--listen", f"127.0.0.1:{PORT}"],
                         stderr=subprocess.PIPE, text=True)
    try:
        end = time.time() + ktap.patience(30)
        while time.time() < end and p.poll() is None:
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                c.request("GET", "/metrics")
                r = c.getresponse()
                body = r.read().decode()
                c.close()
                if r.status == 200:
                    return body
            except OSError:
                time.sleep(0.1)
        return ""
    finally:
        p.terminate()
        p.wait(timeout=30)


def sample(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{want}}} "
    return next((line[len(prefix):] for line in text.splitlines()
                 if line.startswith(prefix)), None)


class Case:
    def __init__(self, name, victim_pid, victim_cg, trigger, scope,
                 scope_cg=None, limit=None):
        self.name, self.pid, self.victim_cg = name, victim_pid, victim_cg
        self.trigger, self.scope = trigger, scope
        self.scope_cg, self.limit = scope_cg, limit


def case_self_kill():
    """1: the allocating task is the victim."""
    cg = f"{P}/alloc"
    oom0, kill0 = events_local(P, "oom"), memqos.cg_file(cg, "memory.events")
    pid = memqos.spawn(cg, alloc_forever)
    _, status = os.waitpid(pid, 0)
    kill1 = memqos.cg_file(cg, "memory.events")
    ktap.check("1: the allocator was SIGKILLed; memory.events oom_kill of "
               f"{cg} +1; {P} hit its limit (memory.events.local oom), "
               f"{cg} did not",
               killed(status) and
               kill1["oom_kill"] == kill0["oom_kill"] + 1 and
               events_local(P, "oom") > oom0 and
               events_local(cg, "oom") == 0)
    return Case("1", pid, "/" + cg, "/" + cg, "memcg", "/" + P, read_max(P))


def case_other_victim():
    """2: c1 allocates, the idle hog in c2 is chosen."""
    h, ready = spawn_hog("c2")
    kills0 = {c: memqos.cg_file(f"{P}/{c}", "memory.events")["oom_kill"]
              for c in ("c1", "c2")}
    oom0 = events_local(P, "oom")
    r, w = os.pipe()
    with memqos.TraceCount("oom/mark_victim") as tr:
        a = memqos.spawn(f"{P}/c1", alloc_some, w)
        os.close(w)
        done = os.read(r, 1) == b"d"
        os.close(r)
        _, astatus = os.waitpid(a, 0)
        _, hstatus = os.waitpid(h, 0)
        # (the task it fired in, the victim)
        marked = [(ctx, int(dict(kv.split("=", 1) for kv in
                                 text.replace(":", "=").split()
                                 if "=" in kv)["pid"]))
                  for _, ctx, text in tr.records("mark_victim")]
    kills = {c: memqos.cg_file(f"{P}/{c}", "memory.events")["oom_kill"]
             for c in ("c1", "c2")}
    oom = events_local(P, "oom") - oom0
    ktap.print_msg(f"2: hog {h} ready {ready}, allocator {a} done {done} "
                   f"exit {astatus}, hog status {hstatus}, marked {marked}, "
                   f"oom_kill {kills0} -> {kills}, {P} oom +{oom}")
    ktap.check("2: the allocator in c1 finished, the hog in c2 was SIGKILLed; "
               "oom:mark_victim marked the hog alone, in the allocator's "
               f"context; oom_kill c2 +1, c1 +0; {P} hit its limit (its "
               "memory.events.local oom grew), c1 and c2 did not",
               ready and done and astatus == 0 and killed(hstatus) and
               marked == [(a, h)] and kills["c2"] == kills0["c2"] + 1 and
               kills["c1"] == kills0["c1"] and oom >= 1 and
               events_local(f"{P}/c1", "oom") == 0 and
               events_local(f"{P}/c2", "oom") == 0)
    return Case("2", h, f"/{P}/c2", f"/{P}/c1", "memcg", "/" + P,
                read_max(P))


def case_max_write():
    """3: this test, outside P, lowers P's memory.max under the hog."""
    h, ready = spawn_hog("c2")
    with memqos.TraceCount("oom/mark_victim") as tr:
        memqos.cg_write(P, "memory.max", 8 * MIB)
        limit = read_max(P)
        _, status = os.waitpid(h, 0)
        marked = [ctx for _, ctx, _ in tr.records("mark_victim")]
    memqos.cg_write(P, "memory.max", LIMIT)
    ktap.print_msg(f"3: hog {h} status {status}, oom:mark_victim in "
                   f"{marked}, this test {os.getpid()}")
    ktap.check("3: lowering memory.max to 8M SIGKILLed the hog; "
               "oom:mark_victim fired in the writer (this test)",
               ready and killed(status) and limit == 8 * MIB and
               marked == [os.getpid()])
    return Case("3", h, f"/{P}/c2", self_cgroup(), "memcg", "/" + P, limit)


def case_sysrq():
    """4: SysRq-f picks the hog (oom_score_adj 1000): no limit, no trigger."""
    others = []
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/oom_score_adj") as f:
                if d.isdigit() and int(f.read()) >= 1000:
                    others.append(d)
        except OSError:
            pass
    if others:
        ktap.skip("4: SysRq-f kills the hog", f"pids {others} have "
                  "oom_score_adj 1000 too")
        return None
    h, ready = spawn_hog("c2", 1000)
    with open("/proc/sysrq-trigger", "w") as f:
        f.write("f")
    _, status = os.waitpid(h, 0)
    ktap.check("4: SysRq-f SIGKILLed the hog", ready and killed(status))
    return Case("4", h, f"/{P}/c2", None, "sysrq")


def check_tool(cases, kills):
    """memqos oom -j: the kills of the cases, by victim pid."""
    by_pid = {k.get("pid"): k for k in kills}
    bad = []
    for c in cases:
        k = by_pid.get(c.pid) or {}
        want = {"path": c.victim_cg, "trigger_path": c.trigger,
                "scope": c.scope, "scope_path": c.scope_cg,
                "scope_max_bytes": c.limit}
        got = {key: k.get(key) for key in want}
        ids_ok = (k.get("scope_cgroup_id") ==
                  (memqos.cg_id(c.scope_cg[1:]) if c.scope_cg else None) and
                  k.get("trigger_cgroup_id") ==
                  (memqos.cg_id(c.trigger[1:]) if c.trigger else None) and
                  k.get("cgroup_id") == memqos.cg_id(c.victim_cg[1:]))
        if got != want or not ids_ok:
            bad.append(f"case {c.name}: got {got}, ids "
                       f"{k.get('trigger_cgroup_id')}/{k.get('scope_cgroup_id')}"
                       f", want {want}")
    for b in bad:
        ktap.print_msg(f"memqos oom: {b}")
    ktap.check("memqos oom -j: each kill's victim, trigger and scope "
               "cgroups, and the scope's memory.max as cgroupfs had it",
               not bad)


def check_text(cases, tool_kills):
    """memqos oom's text: each kill's trigger and scope line."""
    r = subprocess.run([TOOL, "oom"], capture_output=True, text=True,
                       timeout=120)
    lines = r.stdout.splitlines()
    for line in lines[-2 * len(cases):]:
        ktap.print_msg(f"memqos oom: {line}")
    by_pid = {k.get("pid"): k for k in tool_kills}
    want = []
    for c in cases:
        k = by_pid.get(c.pid, {})
        trig = (f"trigger {c.trigger} ({k.get('trigger_cgroup_id')})"
                if c.trigger else "trigger -")
        scope = f", scope {c.scope}"
        if c.scope_cg:
            scope += (f" {c.scope_cg} ({k.get('scope_cgroup_id')}), "
                      "memory.max ")
        want.append(trig + scope)
    missing = [w for w in want
               if not any(line.strip().startswith(w) for line in lines)]
    for m in missing:
        ktap.print_msg(f"memqos oom: no line starting {m!r}")
    ktap.check("memqos oom (text): a trigger and scope line under each kill",
               r.returncode == 0 and not missing)


def check_dump(cases, tool_kills):
    """The netlink dump says what the tool printed, ids included."""
    with genl.Memqos() as nl:
        dumped = {m.get("PID"): m for m in nl.oom_kills()}
    by_pid = {k.get("pid"): k for k in tool_kills}
    bad = []
    for c in cases:
        m, k = dumped.get(c.pid, {}), by_pid.get(c.pid, {})
        scope = SCOPES[c.scope]
        got = (m.get("SCOPE"), m.get("TRIGGER_CGROUP_ID"),
               m.get("SCOPE_CGROUP_ID"), m.get("SCOPE_MAX_BYTES"),
               m.get("TRIGGER_PATH"), m.get("SCOPE_PATH"))
        want = (scope, k.get("trigger_cgroup_id"), k.get("scope_cgroup_id"),
                c.limit, c.trigger, c.scope_cg)
        if got != want:
            bad.append(f"case {c.name}: {got}, want {want}")
    for b in bad:
        ktap.print_msg(f"dump: {b}")
    ktap.check("netlink OOM_KILLS_GET: SCOPE, TRIGGER_/SCOPE_CGROUP_ID, "
               "SCOPE_MAX_BYTES and the paths, absent where none", not bad)


def check_namespaced(cases):
    """As uid 65534 in a cgroup namespace rooted at c2, the victim's
    cgroup of case 2 (a tenant whose process was killed for another's
    allocation) and of 3 and 4: its kills are there, but not the trigger
    cgroup beside it (c1) or above it (the test's), nor the scope above
    it: neither their ids nor the scope's limit."""
    case = cases[1]
    r, w = os.pipe()
    victim = case.victim_cg.lstrip("/")
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            with open(os.path.join(memqos.cg_path(victim), "cgroup.procs"),
                      "w") as f:
                f.write(str(os.getpid()))
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(0x02000000):        # CLONE_NEWCGROUP
                raise OSError(ctypes.get_errno(), "unshare")
            memqos.drop_privileges()
            with genl.Memqos() as nl:
                kills = [{k: v for k, v in m.items() if isinstance(v, (int, str))}
                         for m in nl.oom_kills()]
            os.write(w, json.dumps(kills).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    kills = json.loads(data or b"[]")
    vid = memqos.cg_id(victim)
    mine = [k for k in kills if k.get("CGROUP_ID") == vid]
    others = [k.get("CGROUP_ID") for k in kills if k.get("CGROUP_ID") != vid]
    hidden = ("TRIGGER_CGROUP_ID", "TRIGGER_PATH", "SCOPE_CGROUP_ID",
              "SCOPE_PATH", "SCOPE_MAX_BYTES", "PID", "COMM")
    want = [c for c in cases if c.victim_cg == case.victim_cg]
    ktap.print_msg(f"in a cgroup namespace at {case.victim_cg} as uid "
                   f"65534: {mine}; other kills' cgroups {others}")
    ktap.check(f"a tenant at {case.victim_cg} sees its {len(want)} kills "
               "(path /, their scope kind) but not the trigger cgroups, the "
               "scope cgroup, its limit or the victim's identity; no other "
               "cgroup's kill",
               len(mine) == len(want) and
               all(k.get("PATH") == "/" for k in mine) and
               sorted(k.get("SCOPE") for k in mine) ==
               sorted(SCOPES[c.scope] for c in want) and
               not any(h in k for k in mine for h in hidden) and
               not others)


def check_debugfs(cases, tool_kills):
    rows = {int(r["pid"]): r for r in memqos.oom_kills()}
    by_pid = {k.get("pid"): k for k in tool_kills}
    bad = []
    for c in cases:
        r, k = rows.get(c.pid, {}), by_pid.get(c.pid, {})
        want = {"trigger_cgroup_id": str(k.get("trigger_cgroup_id") or "-"),
                "scope": c.scope,
                "scope_cgroup_id": str(k.get("scope_cgroup_id") or "-"),
                "scope_max": str(c.limit or "-")}
        got = {key: r.get(key) for key in want}
        if got != want:
            bad.append(f"case {c.name}: {got}, want {want}")
    for b in bad:
        ktap.print_msg(f"debugfs: {b}")
    ktap.check("debugfs oom_kills: the same trigger, scope and limit", not bad)


def check_events(cases, events, tool_kills):
    """One OOM_KILL_NTF per case, in order, with the kill's ids."""
    by_pid = {k.get("pid"): k for k in tool_kills}
    got = [(e.get("CGROUP_ID"), e.get("TRIGGER_CGROUP_ID"), e.get("SCOPE"),
            e.get("SCOPE_CGROUP_ID"), e.get("SCOPE_MAX_BYTES"))
           for e in events if e["cmd"] == "OOM_KILL_NTF"]
    want = []
    for c in cases:
        k = by_pid.get(c.pid, {})
        want.append((k.get("cgroup_id"), k.get("trigger_cgroup_id"),
                     SCOPES[c.scope], k.get("scope_cgroup_id"), c.limit))
    if got != want:
        ktap.print_msg(f"events: {got}, want {want}")
    ktap.check("OOM_KILL_NTF of each kill: victim, trigger and scope ids, "
               "scope, memory.max (none for sysrq)", got == want)


def check_exporter(cases, tool_kills):
    text = metrics()
    errors = check_prometheus(text)
    for e in errors:
        ktap.print_msg(f"exporter: {e}")
    by_pid = {k.get("pid"): k for k in tool_kills}
    bad, groups = [], {}
    for c in cases:
        key = (c.victim_cg, c.trigger or "", c.scope, c.scope_cg or "")
        groups.setdefault(key, []).append(by_pid.get(c.pid, {}))
    # Kills of other tests in this guest may share no label set with these.
    for (victim, trigger, scope, scope_cg), ks in groups.items():
        labels = dict(victim_cgroup=victim, trigger_cgroup=trigger,
                      scope=scope, scope_cgroup=scope_cg)
        ts = sample(text, "memqos_oom_kill_timestamp_seconds", **labels)
        n = sample(text, "memqos_oom_kills_recent", **labels)
        newest = max(k.get("time_ns", 0) for k in ks) / 1e9
        if ts is None or abs(float(ts) - newest) > 1e-5 or n != str(len(ks)):
            bad.append(f"{labels}: {ts} x{n}, want {newest} x{len(ks)}")
    for b in bad:
        ktap.print_msg(f"exporter: {b}")
    ktap.check("exporter: memqos_oom_kill_timestamp_seconds and "
               "memqos_oom_kills_recent per victim/trigger/scope, valid "
               "exposition", text and not errors and not bad)


def dmesg():
    return subprocess.run(["dmesg"], capture_output=True, text=True).stdout


def check_unprobed():
    """out_of_memory() cannot be probed (made to fail with probe_fault):
    the module loads and says so; kills keep the rest, without trigger or
    scope anywhere."""
    memqos.rmmod()
    before = len(dmesg())
    r = subprocess.run(["insmod", memqos.KO, "probe_fault=out_of_memory"],
                       capture_output=True, text=True)
    log = dmesg()[before:]
    probes = {p["name"]: p for p in
              (memqos.tool_json("stats") or {}).get("probes", [])}
    ktap.print_msg(f"probe_fault=out_of_memory: insmod status {r.returncode}, "
                   f"debugfs {probe_state('kretprobe', 'out_of_memory')}, "
                   f"memqos stats {probes.get('out_of_memory')}")
    ktap.check("unprobed: the module loads, warns, and debugfs and memqos "
               "stats show out_of_memory not bound",
               r.returncode == 0 and
               "out_of_memory not probed" in log and
               probe_state("kretprobe", "out_of_memory") == "absent" and
               probes.get("out_of_memory", {}).get("bound") is False)
    cg = f"{P}/alloc"
    with genl.Memqos() as listener:
        listener.join()
        pid = memqos.spawn(cg, alloc_forever)
        _, status = os.waitpid(pid, 0)
        with genl.Memqos() as nl:
            nl.events_settled()
            dumped = [m for m in nl.oom_kills() if m.get("PID") == pid]
        events = [e for e in listener.events(2.0)
                  if e["cmd"] == "OOM_KILL_NTF"]
    kills = [k for k in (memqos.tool_json("oom") or {}).get("oom_kills", [])
             if k.get("pid") == pid]
    scope_keys = ("trigger_cgroup_id", "trigger_path", "scope",
                  "scope_cgroup_id", "scope_path", "scope_max_bytes")
    attrs = {"TRIGGER_CGROUP_ID", "TRIGGER_PATH", "SCOPE", "SCOPE_CGROUP_ID",
             "SCOPE_PATH", "SCOPE_MAX_BYTES"}
    ktap.print_msg(f"unprobed kill: {kills}; dump keys "
                   f"{[sorted(m) for m in dumped]}; events "
                   f"{[{k: v for k, v in e.items() if k != 'raw'} for e in events]}")
    ktap.check("unprobed: the kill keeps victim and RSS; memqos oom shows no "
               "trigger or scope, the dump and the event leave them out",
               killed(status) and len(kills) == 1 and
               kills[0]["path"] == "/" + cg and
               all(kills[0].get(k) is None for k in scope_keys) and
               len(dumped) == 1 and not attrs & set(dumped[0]) and
               len(events) == 1 and
               events[0].get("CGROUP_ID") == memqos.cg_id(cg) and
               events[0].get("RSS_BYTES", 0) > 0 and
               not attrs & set(events[0]))
    memqos.rmmod()
    memqos.insmod()


def main():
    ktap.print_header(15)
    ktap.cg_create(f"{P}/alloc")
    for c in ("c1", "c2"):
        ktap.cg_create(f"{P}/{c}")
    memqos.cg_write(P, "memory.max", LIMIT)
    memqos.cg_write(P, "memory.swap.max", 0)
    st = memqos.stats()
    state = probe_state("kretprobe", "out_of_memory")
    ktap.print_msg(f"memory.max of {P}: {read_max(P)}; out_of_memory "
                   f"kretprobe: {state}")
    ktap.check("the out_of_memory kretprobe is bound", state == "bound")

    listener = genl.Memqos()
    listener.join()
    cases = [case_self_kill(), case_other_victim(), case_max_write()]
    sysrq = case_sysrq()
    if sysrq:
        cases.append(sysrq)
    # Every kill's event is sent (or dropped) once the counters settle.
    with genl.Memqos() as nl:
        nl.events_settled()
    events = listener.events(2.0)
    listener.close()

    kills = (memqos.tool_json("oom") or {}).get("oom_kills", [])
    check_tool(cases, kills)
    check_text(cases, kills)
    check_dump(cases, kills)
    check_namespaced(cases)
    check_debugfs(cases, kills)
    check_events(cases, events, kills)
    check_exporter(cases, kills)
    st1 = memqos.stats()
    ktap.print_msg(f"oom_kills {st['oom_kills']} -> {st1['oom_kills']}")
    ktap.check("the module counted the kills", st1["oom_kills"] -
               st["oom_kills"] == len(cases))
    check_unprobed()
    ktap.finish()


main()
