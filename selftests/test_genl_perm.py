#!/usr/bin/python3
"""Generic netlink permissions and privacy, as an unprivileged tenant sees
them (uid 65534 with no groups and no capabilities, in a cgroup delegated
to it the way systemd delegates), through pyroute2 and raw sockets with
the UAPI header's numbers.

Proves: CONFIG_SET and RESET fail with EPERM for uid 65534 and change
nothing (config read from debugfs before and after, a cgroup's counters
still there); every read works for it (version, cgroup dump, stats,
config, OOM kills); in the OOM-kill dump, root sees pid, uid and comm of
every victim, uid 65534 sees a root-owned victim's kill WITHOUT pid, uid
and comm but its own victim's WITH them. The "events" multicast group
carries every cgroup's OOM kills and pressure, so it needs CAP_NET_ADMIN:
uid 65534 cannot join it (EPERM at NETLINK_ADD_MEMBERSHIP, and `memqos
events` says it needs CAP_NET_ADMIN), root can, and the OOM-kill events
it gets carry seq, time, cgroup id and RSS, and the kill's trigger and
scope (cgroup ids, the scope kind, its memory.max) only: no pid, uid or
comm attribute, and not the victim's name anywhere in the bytes.

    /sys/fs/cgroup
    `-- memqos-gp
        |-- root-oom     max 32M, no swap: a root process is OOM-killed
        `-- tenant       delegated to uid 65534
            |-- init     the tenant's process
            `-- oom      made by the tenant, max 32M, no swap: it is
                         OOM-killed there
"""
import ctypes
import errno
import json
import os
import select
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB
NOBODY = 65534
ROOT_COMM, USER_COMM = "mq-root-victim", "mq-user-victim"
EVENT_ALLOWED = {"SEQ", "TIME_NS", "CGROUP_ID", "RSS_BYTES",
                 "TRIGGER_CGROUP_ID", "SCOPE", "SCOPE_CGROUP_ID",
                 "SCOPE_MAX_BYTES"}
IDENTITY = {"PID", "UID", "COMM"}
TENANT = "memqos-gp/tenant"
SETPRIV = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def drop_privileges():
    memqos.drop_privileges(NOBODY, NOBODY)


def set_comm(name):
    ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)   # PR_SET_NAME


# oom_score_adj of each victim (raising one's own needs no privilege)
SCORE_ADJ = {False: 300, True: 500}


def victim(comm, unprivileged):
    """@unprivileged: run by the tenant, after memqos.drop_privileges(),
    which leaves its /proc/self files its own."""
    set_comm(comm)
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write(str(SCORE_ADJ[unprivileged]))
    memqos.touch_anon(64 * MIB)


def tenant_victim():
    """The tenant, uid 65534 in its delegated cgroup: a child cgroup of its
    own at 32M without swap, where it is OOM-killed."""
    cg = f"{TENANT}/oom"
    os.mkdir(memqos.cg_path(cg))
    memqos.cg_write(cg, "memory.max", 32 * MIB)
    memqos.cg_write(cg, "memory.swap.max", 0)
    memqos.cg_write(cg, "cgroup.procs", os.getpid())
    victim(USER_COMM, True)


def as_nobody(fn, *args, ready=False):
    """Runs fn(*args) in a child as uid 65534; returns (pid, read fd).
    The child writes "r" once ready (if @ready) and then fn's JSON result."""
    r, w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)
            drop_privileges()
            res = fn(w, *args) if ready else fn(*args)
            os.write(w, json.dumps(res).encode())
            code = 0
        except BaseException as e:
            os.write(w, json.dumps({"exception": repr(e)}).encode())
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def collect(pid, r, timeout=60):
    data = b""
    while select.select([r], [], [], timeout)[0]:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    res = json.loads(data) if data else {}
    if "exception" in res:
        ktap.print_msg(f"child failed: {res['exception']}")
    return res, os.waitstatus_to_exitcode(status)


def try_join():
    """uid 65534 joins "events" on a raw socket: {"join": 0 or -errno}."""
    with genl.Memqos() as nl:
        group = nl.family_info()["groups"][H.MCGRP_EVENTS]
    with genl.RawSocket() as raw:
        try:
            raw.join(group)
            return {"join": 0}
        except OSError as e:
            return {"join": -e.errno}


def unprivileged_session(cgids):
    """Everything uid 65534 tries on its own socket."""
    out = {"uid": os.getuid(), "euid": os.geteuid()}
    with genl.Memqos() as nl:
        for key, cmd, attrs in (
                ("config_set", "CONFIG_SET", {"EVENT_INTERVAL_MS": 1000}),
                ("config_set_bad", "CONFIG_SET", {"EVENT_INTERVAL_MS": 1}),
                ("reset_all", "RESET", {}),
                ("reset_one", "RESET", {"CGROUP_ID": cgids[0]})):
            try:
                nl.do(cmd, **attrs)
                out[key] = 0
            except genl.NlError as e:
                out[key] = -e.errno
        out["version"] = nl.version()
        out["dump_ids"] = [m["ID"] for m in nl.dump("CGROUP_GET").msgs]
        st = nl.stats_get()
        out["stats_records"] = st.get("RECORDS")
        out["config"] = nl.config_get()
        out["oom"] = nl.oom_kills()
    return out


def main():
    ktap.print_header(11)
    ktap.cg_create("memqos-gp/root-oom")
    memqos.cg_write("memqos-gp/root-oom", "memory.max", 32 * MIB)
    memqos.cg_write("memqos-gp/root-oom", "memory.swap.max", 0)
    memqos.cg_delegate(TENANT)
    cg_root = memqos.cg_id("memqos-gp/root-oom")

    # A privileged listener, joined before the kills.
    root_nl = genl.Memqos()
    root_nl.join()

    pids, statuses = {}, {}
    for key, spawn in (("root", lambda: memqos.spawn("memqos-gp/root-oom", victim,
                                                     ROOT_COMM, False)),
                       ("user", lambda: memqos.spawn_tenant(TENANT, tenant_victim))):
        pid = spawn()
        statuses[key] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        pids[key] = pid
    cg_user = memqos.cg_id(f"{TENANT}/oom")
    ktap.print_msg(f"victims {pids} statuses {statuses}")
    # Unprivileged: admin commands refused, nothing changed; reads work.
    cfg0 = memqos.read_pairs("config")
    kills0 = memqos.detail(cg_root)["oom_kills"]
    res, status = collect(*as_nobody(unprivileged_session, [cg_root]))
    cfg1 = memqos.read_pairs("config")
    kills1 = memqos.detail(cg_root)["oom_kills"]
    def en(v):
        return errno.errorcode.get(-v, v) if isinstance(v, int) and v < 0 else v
    ktap.print_msg(f"uid {res.get('uid')}: CONFIG_SET {en(res.get('config_set'))} "
                   f"(bad value: {en(res.get('config_set_bad'))}), RESET "
                   f"{en(res.get('reset_all'))} / {en(res.get('reset_one'))}; config "
                   f"{'unchanged' if cfg0 == cfg1 else f'{cfg0} -> {cfg1}'}; "
                   f"root-oom oom_kills {kills0} -> {kills1}")
    ktap.check("uid 65534: CONFIG_SET fails with EPERM (valid or not)",
               res.get("uid") == NOBODY and res.get("config_set") == -errno.EPERM
               and res.get("config_set_bad") == -errno.EPERM)
    ktap.check("uid 65534: RESET (all, one) fails with EPERM",
               res.get("reset_all") == -errno.EPERM and
               res.get("reset_one") == -errno.EPERM)
    ktap.check("uid 65534: config and counters unchanged",
               cfg0 == cfg1 and kills0 == kills1 == 1)

    with genl.Memqos() as nl:
        root_ids = [m["ID"] for m in nl.dump("CGROUP_GET").msgs]
        root_cfg = nl.config_get()
        root_oom = nl.oom_kills()
    ktap.print_msg(f"uid 65534 reads: version {res.get('version')}, "
                   f"{len(res.get('dump_ids', []))} cgroups (root: {len(root_ids)}), "
                   f"{res.get('stats_records')} records, config {res.get('config')}")
    ktap.check("uid 65534: version, cgroup dump, stats and config read like root's",
               res.get("version", {}).get("UAPI") == H_VERSION and
               sorted(res.get("dump_ids", [])) == sorted(root_ids) and
               res.get("stats_records", 0) >= 3 and res.get("config") == root_cfg)

    # The OOM-kill dump: root sees identities, uid 65534 its own only.
    def by_cg(kills):
        return {k.get("CGROUP_ID"): k for k in kills}
    rk, uk = by_cg(root_oom), by_cg(res.get("oom", []))
    for who, kills in (("root", rk), ("uid 65534", uk)):
        for cg in (cg_root, cg_user):
            k = kills.get(cg, {})
            ktap.print_msg(f"{who} sees kill in {k.get('PATH')}: pid {k.get('PID')} "
                           f"uid {k.get('UID')} comm {k.get('COMM')} rss anon "
                           f"{k.get('RSS_ANON_BYTES')}")
    ktap.check("root: both kills with pid, uid and comm",
               rk.get(cg_root, {}).get("PID") == pids["root"] and
               rk.get(cg_root, {}).get("UID") == 0 and
               rk.get(cg_root, {}).get("COMM") == ROOT_COMM and
               rk.get(cg_user, {}).get("PID") == pids["user"] and
               rk.get(cg_user, {}).get("UID") == NOBODY and
               rk.get(cg_user, {}).get("COMM") == USER_COMM)
    ktap.check("each kill has the victim's oom_score_adj and page tables",
               rk.get(cg_root, {}).get("OOM_SCORE_ADJ") == SCORE_ADJ[False] and
               rk.get(cg_user, {}).get("OOM_SCORE_ADJ") == SCORE_ADJ[True] and
               all(k.get("PGTABLES_BYTES", 0) > 0 for k in rk.values()))
    theirs = uk.get(cg_root, {})
    ktap.check("uid 65534: a root victim's kill is shown without pid, uid, comm",
               theirs.get("SEQ") == rk.get(cg_root, {}).get("SEQ") and
               theirs.get("PATH") == "/memqos-gp/root-oom" and
               not IDENTITY & set(theirs))
    own = uk.get(cg_user, {})
    ktap.check("uid 65534: its own victim's kill is shown with pid, uid, comm",
               own.get("PID") == pids["user"] and own.get("UID") == NOBODY and
               own.get("COMM") == USER_COMM)

    # The events group: closed to uid 65534, open to root.
    joined, _ = collect(*as_nobody(try_join))
    cli = subprocess.run(SETPRIV + [TOOL, "events", "--count", "1", "--timeout", "5"],
                         capture_output=True, text=True, timeout=60)
    ktap.print_msg(f"uid 65534 joining events: {en(joined.get('join'))}; "
                   f"memqos events: exit {cli.returncode}: {cli.stderr.strip()}")
    ktap.check("uid 65534 cannot join the events group (EPERM), and memqos events "
               "says it needs CAP_NET_ADMIN",
               joined.get("join") == -errno.EPERM and cli.returncode == 1 and
               "CAP_NET_ADMIN" in cli.stderr)

    got = []

    def until(e):
        if e["cmd"] == "OOM_KILL_NTF" and e.get("CGROUP_ID") in (cg_root, cg_user):
            got.append(e)
        return {e.get("CGROUP_ID") for e in got} >= {cg_root, cg_user}
    root_nl.events(30, until)
    root_nl.close()
    events = [{"attrs": {k: v for k, v in e.items()
                         if k not in ("cmd", "t_recv", "raw")},
               "raw": e["raw"], "cmd": e["cmd"]} for e in got]
    for e in events:
        ktap.print_msg(f"event {e['cmd']} attrs {sorted(e['attrs'])}: {e['attrs']}")
    ktap.check("root received the OOM-kill event of both cgroups",
               sorted(e["attrs"].get("CGROUP_ID") for e in events) ==
               sorted([cg_root, cg_user]))
    leaks = []
    for e in events:
        extra = set(e["attrs"]) - EVENT_ALLOWED
        if extra or ROOT_COMM.encode() in e["raw"] or USER_COMM.encode() in e["raw"]:
            leaks.append(f"{e['attrs'].get('CGROUP_ID')}: {extra}")
    for b in leaks:
        ktap.print_msg("event carries more: " + b)
    ktap.check("events carry seq, time, cgroup, RSS, trigger and scope only: "
               "no pid, uid, comm",
               events and not leaks and
               all(set(e["attrs"]) == EVENT_ALLOWED for e in events))
    ktap.finish()


H = genl.H
H_VERSION = H.FAMILY_VERSION
TOOL = "user/memqos"
main()
