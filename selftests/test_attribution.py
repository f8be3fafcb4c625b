#!/usr/bin/python3
"""Reclaim attribution: who took memory from whom.

Where the Multi-Gen LRU is on and its reclaim has no tracepoint (6.1),
attribution must be reported unavailable instead: its fields left out,
attribution-get refused, `memqos blame` saying so, until a reset of every
counter with the classic LRU back (blind_attribution()).

Checked against the kernel's own per-cgroup reclaim counters (memory.stat
pgsteal, pgsteal_kswapd, pgsteal_direct, workingset_refault_file), which
count only the victim side. The memqos command is checked against the same
counters and debugfs: blame (a window around the hog, and the table as it
is), top's AGGRESSOR and dump's attribution array.

    /sys/fs/cgroup
    |-- memqos-at            memory.max 96M: a shared parent limit
    |   |-- service          40 MiB of page cache, re-read after the hog
    |   `-- hog              72 MiB of anonymous memory (no swap here)
    |-- memqos-at-self       memory.max 32M, reads a 64 MiB file: only
    |                        reclaims itself
    |-- memqos-at-bystander  64 MiB of page cache, no limit
    `-- memqos-at-global     allocates past free memory (zram swap):
                             direct reclaim and kswapd
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB
TOOL = "user/memqos"
HARM = ("other", "kswapd", "unknown")


def blame_begin(cg):
    """memqos blame -i over a long window, once it waits for the end."""
    proc = subprocess.Popen([TOOL, "-j", "blame", "-i", "3600", cg],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    end = time.time() + 60
    while time.time() < end and proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/syscall") as f:
                if f.read().split()[0] in ("7", "271"):   # poll, ppoll
                    return proc
        except (OSError, IndexError):
            pass
        time.sleep(0.05)
    ktap.print_msg("blame -i did not start waiting")
    return proc


def blame_end(proc):
    """SIGINT ends the window: the report of it."""
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode:
        ktap.print_msg(f"blame -i: exit {proc.returncode}: {err.strip()}")
        return None
    return json.loads(out)


def harm_consistent(b):
    """outside_pages is the harm rows' sum, and self/subtree are not harm."""
    return b["outside_pages"] == sum(r["reclaimed_pages"]
                                     for r in b["reclaimers"]
                                     if r["kind"] in HARM) and \
        b["within_pages"] == sum(r["reclaimed_pages"] for r in b["reclaimers"]
                                 if r["kind"] in ("self", "subtree"))


def close(a, b):
    """Within 5% of b."""
    return b > 0 and abs(a - b) <= b * 0.05


def pairs():
    """The attribution matrix as dicts, reclaimer "kswapd"/"unknown"/id."""
    with open(os.path.join(memqos.DEBUGFS, "attribution")) as f:
        header = f.readline().split()
        rows = []
        for line in f:
            row = dict(zip(header, line.split()))
            for k in header[1:]:
                row[k] = int(row[k])
            row["reclaimed"] = row["reclaimed_anon"] + row["reclaimed_file"]
            rows.append(row)
        return rows


def pair(reclaimer, victim):
    """Pages reclaimed and refaults of one pair, merged over nodes."""
    got = [p for p in pairs()
           if p["reclaimer"] == str(reclaimer) and p["victim"] == victim]
    return (sum(p["reclaimed"] for p in got),
            sum(p["refaults"] for p in got))


def victim_total(d):
    return d["victim_reclaimed_anon_pages"] + d["victim_reclaimed_file_pages"]


def pgsteal(cg):
    st = memqos.cg_file(cg, "memory.stat")
    return st["pgsteal"], st["pgsteal_kswapd"], st["pgsteal_direct"]


def detail(cg):
    return memqos.detail(memqos.cg_id(cg))


SUBTREE = ("subtree_reclaimed_within", "subtree_reclaimed_outside")


def same_subtree_totals(cgroups):
    """The dump and the debugfs table add up every subtree in one walk of
    the tree; the detail view walks the one cgroup's subtree: the same
    totals. Read while nothing reclaims (detail before and after agree)."""
    def walked():
        return [[detail(cg)[f"{k}_pages"] for k in SUBTREE] for cg in cgroups]

    for _ in range(5):
        before = walked()
        dump = {c["path"]: c for c in memqos.tool_json("dump")["cgroups"]}
        table = {r["path"]: r for r in memqos.cgroups_table()[1]}
        if walked() == before:
            break
        time.sleep(1)
    dumped = [[dump[f"/{cg}"][f"{k}_pages_total"] for k in SUBTREE]
              for cg in cgroups]
    tabled = [[table[f"/{cg}"][f"{k}_pages"] for k in SUBTREE]
              for cg in cgroups]
    ktap.print_msg(f"subtree totals of {', '.join(cgroups)}: detail "
                   f"{before}, dump {dumped}, table {tabled}")
    ktap.check("dump and table subtree totals (one walk) = detail's "
               "(a walk per cgroup)",
               before == dumped == tabled and any(map(sum, before)))


def shared_limit(mnt):
    """The hog takes the service's page cache under their parent's limit."""
    ktap.cg_create("memqos-at/service")
    ktap.cg_create("memqos-at/hog")
    memqos.cg_write("memqos-at", "memory.max", 96 * MIB)
    path = mnt + "/service.dat"
    ktap.cg_run("memqos-at/service", memqos.write_file, path, 40 * MIB)
    ktap.cg_run("memqos-at/service", memqos.read_file, path, 1)
    steal0 = pgsteal("memqos-at/service")[0]
    refault0 = memqos.cg_file("memqos-at/service",
                              "memory.stat")["workingset_refault_file"]
    window = blame_begin("/memqos-at/service")

    status = ktap.cg_run("memqos-at/hog",
                         lambda: memqos.touch_anon(72 * MIB).close())
    # Refaults count from the monitor's first pass that saw the new pair
    # (every event_interval_ms, 500): let one go by first. On an idle
    # guest the hog and the service's reads fitted in one interval, and
    # the refaults were the pair's base.
    time.sleep(1.2)
    # The service wants its cache back: the refaults are the harm.
    ktap.cg_run("memqos-at/service", memqos.read_file, path, 2)
    refaults = memqos.cg_file("memqos-at/service",
                              "memory.stat")["workingset_refault_file"] - refault0
    steal = pgsteal("memqos-at/service")[0] - steal0
    # The monitor shares refaults out on its next passes.
    time.sleep(1.5)
    blamed = blame_end(window)

    service, hog = memqos.cg_id("memqos-at/service"), memqos.cg_id("memqos-at/hog")
    taken, harm = pair(hog, service)
    d = detail("memqos-at/service")
    ktap.print_msg(f"hog status {status}; service: pgsteal +{steal}, memqos "
                   f"hog->service {taken} pages, by others "
                   f"{d['reclaimed_by_others_pages']}; refaults +{refaults}, "
                   f"shared to hog->service {harm}")
    ktap.check("the hog is named as the service's aggressor", taken > 0 and
               max(pairs(), key=lambda p: p["reclaimed"]
                   if p["victim"] == service else -1)["reclaimer"] == str(hog))
    ktap.check("pages taken from the service agree with its pgsteal within 5%",
               steal > 0 and abs(victim_total(d) - steal) <= steal * 0.05 and
               abs(taken - d["reclaimed_by_others_pages"]) <= taken * 0.05)
    ktap.check("refaults after the hog are shared to it",
               refaults > 0 and 0 < harm <= refaults)
    h = detail("memqos-at/hog")
    ktap.check("the hog took from others, the service took from no one",
               h["reclaimed_from_others_pages"] >= taken and
               d["reclaimed_from_others_pages"] == 0)

    # Hierarchy: the reclaim stayed inside memqos-at, but came from outside
    # the service's own subtree; a parent's totals are its own plus its
    # children's.
    p = detail("memqos-at")
    kids = [d, h]
    ktap.check("inside the parent, outside the service",
               p["subtree_reclaimed_outside_pages"] == 0 and
               p["subtree_reclaimed_within_pages"] > 0 and
               d["subtree_reclaimed_outside_pages"] >= taken)
    own = victim_total(p)
    ktap.check("parent's subtree totals = its own + its children's",
               p["subtree_reclaimed_within_pages"] +
               p["subtree_reclaimed_outside_pages"] ==
               own + sum(k["subtree_reclaimed_within_pages"] +
                         k["subtree_reclaimed_outside_pages"] for k in kids))
    same_subtree_totals(("memqos-at", "memqos-at/hog", "memqos-at/service"))
    blame_shared_limit(blamed, steal, hog, service)


def blame_shared_limit(window, steal, hog, service):
    """memqos blame, top and dump say what the matrix and pgsteal say."""
    rows = window["reclaimers"] if window else []
    for r in rows:
        ktap.print_msg(f"blame -i: {r['kind']} {r['name']}: "
                       f"{r['reclaimed_pages']} pages, {r['refaults']} "
                       f"refaults")
    if window:
        ktap.print_msg(f"blame -i over {window['interval_us']} us: "
                       f"{window['reclaimed_pages']} pages (pgsteal "
                       f"+{steal}), outside {window['outside_pages']} "
                       f"(exact {window['exact_outside_pages']}), within "
                       f"{window['within_pages']} (exact "
                       f"{window['exact_within_pages']}); "
                       f"{window['verdict']}")
    ktap.check("blame -i names the hog, pages agree with pgsteal within 5%",
               rows and rows[0]["reclaimer"] == "/memqos-at/hog" and
               rows[0]["kind"] == "other" and
               close(window["reclaimed_pages"], steal) and
               close(window["outside_pages"], window["exact_outside_pages"]))
    ktap.check("blame -i: the service's own reclaim is not harm",
               harm_consistent(window) and
               all(r["kind"] == "self" for r in rows
                   if r["reclaimer"] == "/memqos-at/service") and
               window["within_pages"] == window["exact_within_pages"])

    # Without -i: the table as it is; the pairs appeared with the hog.
    now = memqos.tool_json("blame", "/memqos-at/service")
    ktap.check("blame (no window) names the hog and agrees with pgsteal",
               now and now["interval_us"] is None and
               now["reclaimers"][0]["reclaimer"] == "/memqos-at/hog" and
               close(now["reclaimed_pages"], steal) and harm_consistent(now))

    top = memqos.tool_json("top", "-b", "-n", "1", "-d", "0.2")
    row = [c for c in (top or {}).get("cgroups", []) if c["id"] == service]
    ktap.check("top's AGGRESSOR of the service is the hog",
               row and row[0]["aggressor"] == "/memqos-at/hog" and
               row[0]["aggressor_id"] == hog)

    dump = memqos.tool_json("dump")
    theirs = {}
    for p in pairs():
        if p["victim"] == service:
            k = (p["reclaimer"], p["node"])
            old = theirs.get(k, (0, 0, 0))
            theirs[k] = (old[0] + p["scanned"], old[1] + p["reclaimed_anon"],
                         old[2] + p["reclaimed_file"])
    ours = {}
    for p in (dump or {}).get("attribution", []):
        if p["victim"] == service:
            who = {0: "kswapd", 2**64 - 1: "unknown"}.get(p["reclaimer"],
                                                         str(p["reclaimer"]))
            ours[(who, p["node"])] = (p["scanned_pages_total"],
                                      p["reclaimed_anon_pages_total"],
                                      p["reclaimed_file_pages_total"])
    if ours != theirs:
        ktap.print_msg(f"dump attribution {ours}, debugfs {theirs}")
    ktap.check("dump --json's attribution array matches debugfs",
               (str(hog), 0) in ours and ours == theirs)


def self_reclaim(mnt):
    """A cgroup reclaiming within its own limit harms no one."""
    path = mnt + "/self.dat"
    memqos.write_file(path, 64 * MIB)
    memqos.drop_caches()
    ktap.cg_create("memqos-at-self")
    memqos.cg_write("memqos-at-self", "memory.max", 32 * MIB)
    steal0 = pgsteal("memqos-at-self")[0]
    ktap.cg_run("memqos-at-self", memqos.read_file, path, 2)
    steal = pgsteal("memqos-at-self")[0] - steal0
    d = detail("memqos-at-self")
    me = memqos.cg_id("memqos-at-self")
    others = [p for p in pairs() if p["reclaimer"] == str(me) and
              p["victim"] != me]
    ktap.print_msg(f"self: pgsteal +{steal}, by self "
                   f"{d['reclaimed_by_self_pages']}, by others "
                   f"{d['reclaimed_by_others_pages']}, from others "
                   f"{d['reclaimed_from_others_pages']}")
    ktap.check("self-reclaim is self-reclaim, never harm to others",
               d["reclaimed_by_self_pages"] > 0 and
               abs(d["reclaimed_by_self_pages"] - steal) <= steal * 0.05 and
               d["reclaimed_by_others_pages"] == 0 and
               d["reclaimed_from_others_pages"] == 0 and not others)
    b = memqos.tool_json("blame", "/memqos-at-self")
    if b:
        ktap.print_msg(f"blame self: {b['reclaimed_pages']} pages (pgsteal "
                       f"+{steal}), outside {b['outside_pages']}; "
                       f"{b['verdict']}")
    ktap.check("blame: self-reclaim is shown as self, not as harm",
               b and b["outside_pages"] == 0 and b["reclaimers"] and
               all(r["kind"] == "self" for r in b["reclaimers"]) and
               close(b["reclaimed_pages"], steal) and
               b["verdict"].endswith("none from outside its subtree"))


def global_pressure(mnt):
    """kswapd and direct reclaimers take a bystander's cache."""
    memqos.setup_swap(512)
    ktap.cg_create("memqos-at-bystander")
    ktap.cg_create("memqos-at-global")
    path = mnt + "/bystander.dat"
    ktap.cg_run("memqos-at-bystander", memqos.write_file, path, 64 * MIB)
    ktap.cg_run("memqos-at-bystander", memqos.read_file, path, 1)
    _, ksw0, dir0 = pgsteal("memqos-at-bystander")
    d0 = detail("memqos-at-bystander")
    with open("/proc/meminfo") as f:
        free = int(next(ln for ln in f if ln.startswith("MemFree")).split()[1])
    ktap.cg_run("memqos-at-global", memqos.anon_churn,
                free * 1024 + 128 * MIB, 1)
    _, ksw, dirr = pgsteal("memqos-at-bystander")
    d = detail("memqos-at-bystander")
    by_kswapd = d["reclaimed_by_kswapd_pages"] - d0["reclaimed_by_kswapd_pages"]
    by_tasks = sum(d[k] - d0[k] for k in ("reclaimed_by_others_pages",
                                          "reclaimed_by_self_pages",
                                          "reclaimed_by_unknown_pages"))
    bystander = memqos.cg_id("memqos-at-bystander")
    ktap.print_msg(f"bystander: pgsteal_kswapd +{ksw - ksw0}, memqos kswapd "
                   f"{by_kswapd}; pgsteal_direct +{dirr - dir0}, memqos "
                   f"tasks {by_tasks}; global->bystander "
                   f"{pair(memqos.cg_id('memqos-at-global'), bystander)[0]}, "
                   f"kswapd->bystander {pair('kswapd', bystander)[0]}")
    ktap.check("global pressure reclaimed from the bystander",
               ksw - ksw0 + dirr - dir0 > 0)
    ktap.check("kswapd's share equals pgsteal_kswapd",
               by_kswapd == ksw - ksw0)
    ktap.check("direct reclaimers' share equals pgsteal_direct",
               by_tasks == dirr - dir0)
    b = memqos.tool_json("blame", "/memqos-at-bystander")
    rows = b["reclaimers"] if b else []
    for r in rows:
        ktap.print_msg(f"blame bystander: {r['kind']} {r['name']}: "
                       f"{r['reclaimed_pages']} pages")
    ksw_pairs = {p["node"]: p["reclaimed"] for p in pairs()
                 if p["reclaimer"] == "kswapd" and p["victim"] == bystander}
    ksw_rows = {r["node"]: r["reclaimed_pages"] for r in rows
                if r["kind"] == "kswapd"}
    glob = [r for r in rows if r["reclaimer"] == "/memqos-at-global"]
    ktap.check("blame: kswapd per node as the matrix has it, and the "
               "direct reclaimer named",
               ksw_rows == {n: v for n, v in ksw_pairs.items() if v} and
               (not dirr - dir0 or (glob and glob[0]["kind"] == "other")))


def stats_attribution():
    """The "attribution complete|unavailable" line of the stats file."""
    return memqos.stats().get("attribution")


def blind_attribution(mnt):
    """The Multi-Gen LRU reclaims where attribution cannot see it."""
    ktap.cg_create("memqos-at/service")
    memqos.cg_write("memqos-at", "memory.max", 32 * MIB)
    before = stats_attribution()
    path = mnt + "/service.dat"
    ktap.cg_run("memqos-at/service", memqos.write_file, path, 64 * MIB)
    ktap.cg_run("memqos-at/service", memqos.read_file, path, 1)
    d = detail("memqos-at/service")
    ktap.print_msg(f"attribution before {before}, after {stats_attribution()}; "
                   f"pgsteal {pgsteal('memqos-at/service')[0]}")
    ktap.check("complete before the Multi-Gen LRU reclaimed, unavailable after",
               before == "complete" and stats_attribution() == "unavailable")
    ktap.check("its fields are left out, not zero",
               all(d[f"{k}_pages"] == "-" for k in
                   ("victim_scanned", "reclaimed_by_others", "reclaimed_by_self")
                   + SUBTREE))
    r = subprocess.run([TOOL, "blame", "/memqos-at/service"],
                       capture_output=True, text=True)
    ktap.print_msg(f"blame: exit {r.returncode}: {r.stderr.strip()}")
    ktap.check("memqos blame says it is not available",
               r.returncode != 0 and "not available on this kernel now" in
               r.stderr)
    with open("/sys/kernel/mm/lru_gen/enabled", "w") as f:
        f.write("n")
    subprocess.run([TOOL, "reset"], check=True)
    ktap.check("after a reset with the classic LRU, complete again",
               stats_attribution() == "complete" and
               isinstance(detail("memqos-at/service")["victim_scanned_pages"],
                          int))
    with open("/sys/kernel/mm/lru_gen/enabled", "w") as f:
        f.write("y")


def main():
    if memqos.attribution_blind():
        ktap.print_header(4)
        mnt = memqos.setup_ext4(256)
        memqos.drop_caches()
        blind_attribution(mnt)
        ktap.finish()
    ktap.print_header(18)
    mnt = memqos.setup_ext4(256)
    memqos.drop_caches()
    shared_limit(mnt)
    self_reclaim(mnt)
    global_pressure(mnt)
    st = memqos.stats()
    ktap.print_msg(f"unknown victims {st['unknown_victim']}, pairs table "
                   f"full {st['pairs_full']}")
    ktap.finish()


main()
