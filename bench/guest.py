#!/usr/bin/python3
"""bench/guest.py - the in-guest driver of `make bench` (run by bench/run.sh
through scripts/vm/run-guest.sh). Writes every raw figure to
$MEMQOS_OUT/bench.json; bench/report.py turns it into the table and plots.

Sections (MEMQOS_BENCH_ONLY=overhead,scale,events,protect picks some):
  overhead  reclaim churn and page-fault workloads, and the per-hit
            microbenchmark, timed with the module unloaded, loaded and with
            bench/memqos.bt under bpftrace, the three modes interleaved
  scale     one `memqos dump` against a C reader of memory.stat,
            memory.events and memory.pressure, at 100/1,000/10,000 cgroups;
            scrapes of `memqos exporter` against the same reader looping in
            a long-running process and against `memqos dump --prometheus`;
            the module's footprint at 10,000
  events    OOM kill and pressure event latency, and the cgroup_removed
            event rate at which the first event is dropped
  protect   critical vs batch: no manager, static memory.min/high, daemon

Every workload loops inside long-lived processes (bench/load.c workers);
nothing in a timed window forks or execs, except the collection commands,
whose whole process cost is the point.
"""

import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJ = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(PROJ, "selftests"))
import ktap  # noqa: E402
import memqos as mq  # noqa: E402

OUT = os.environ.get("MEMQOS_OUT", "/tmp")
LOAD = os.path.join(PROJ, "build/bench/load")
TOOL = os.path.join(PROJ, "user/memqos")
BT = os.path.join(HERE, "memqos.bt")
REPS = int(os.environ.get("MEMQOS_BENCH_REPS", "8"))
BPFTRACE_STARTUP_S = 300
SCALES = [int(n) for n in os.environ.get("MEMQOS_BENCH_SCALES", "100,1000,10000").split(",")]
ONLY = set(filter(None, os.environ.get("MEMQOS_BENCH_ONLY", "").split(",")))
CG = "/sys/fs/cgroup"

R = {"reps": REPS}


def log(msg):
    print(f"bench: {msg}", flush=True)


def save():
    with open(os.path.join(OUT, "bench.json"), "w") as f:
        json.dump(R, f, indent=1)


def wanted(section):
    return not ONLY or section in ONLY


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            out[k] = int(v.split()[0]) * 1024
    return out


# ---- the module and bpftrace ----

def kprobe_state():
    """How the kernel runs the module's shrink_lruvec kprobe: OPTIMIZED (a
    jump), FTRACE (an ftrace call) or plain (an int3 trap, the slow way,
    until the optimizer gets to it); None if it is not listed."""
    try:
        with open("/sys/kernel/debug/kprobes/list") as f:
            for line in f:
                if "shrink_lruvec" in line:
                    for state in ("OPTIMIZED", "FTRACE"):
                        if state in line:
                            return state
                    return "plain"
    except OSError:
        pass
    return None


def load_module():
    if not mq.loaded():
        mq.insmod()
    # The kprobe optimizer replaces int3 with a jump after a delay.
    for _ in range(30):
        if kprobe_state() != "plain":
            break
        time.sleep(0.1)
    R.setdefault("kprobe_state", []).append(kprobe_state())


def unload_module():
    if mq.loaded():
        mq.rmmod()


def probe_hits():
    """Sum of the tracepoint hits in the stats file."""
    total = 0
    with open(os.path.join(mq.DEBUGFS, "stats")) as f:
        for line in f:
            p = line.split()
            if p[0] == "tracepoint":
                total += int(p[3])
    return total


class Bpftrace:
    """bench/memqos.bt under bpftrace, attached until stop()."""

    def __init__(self):
        t0 = time.monotonic()
        self.p = subprocess.Popen(["bpftrace", BT], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.head = []
        # A bpftrace that never gets ready must not hang the whole bench.
        watchdog = threading.Timer(BPFTRACE_STARTUP_S, self.p.kill)
        watchdog.start()
        for line in self.p.stdout:
            self.head.append(line.rstrip())
            if "memqos.bt ready" in line:
                break
        else:
            self.p.wait()
            raise RuntimeError(f"bpftrace failed (status {self.p.returncode}, "
                               f"{time.monotonic() - t0:.0f} s): " +
                               " | ".join(self.head[-5:]))
        watchdog.cancel()
        self.startup_s = time.monotonic() - t0

    def stop(self):
        """Detaches; returns the maps it printed as {map name: total count}."""
        self.p.send_signal(signal.SIGINT)
        totals = {}
        for line in self.p.stdout:
            if line.startswith("@") and "]: " in line:
                name = line.split("[")[0]
                try:
                    totals[name] = totals.get(name, 0) + int(line.rsplit(" ", 1)[1])
                except ValueError:
                    pass
            elif line.startswith("@") and ": " in line:
                name, val = line.split(": ", 1)
                if val.strip().isdigit():
                    totals[name] = totals.get(name, 0) + int(val)
        self.p.wait()
        return totals


def bpftrace_check():
    """Why bpftrace can or cannot run here; None if it can."""
    if not os.path.exists("/usr/bin/bpftrace"):
        return "bpftrace is not installed (scripts/deps.sh bench)"
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        return "the guest kernel has no BTF (/sys/kernel/btf/vmlinux)"
    try:
        Bpftrace().stop()
    except (RuntimeError, OSError) as e:
        return str(e)
    return None


# ---- workers: bench/load.c processes that stay alive between runs ----

class Worker:
    def __init__(self, cgroup, *args, cpu=None):
        procs = os.path.join(CG, cgroup, "cgroup.procs") if cgroup else None

        def join():
            if procs:
                write(procs, os.getpid())
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})
        self.p = subprocess.Popen([LOAD, *map(str, args)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True,
                                  preexec_fn=join)

    def start(self):
        self.p.stdin.write("run\n")
        self.p.stdin.flush()

    def wait(self):
        line = self.p.stdout.readline()
        if not line.startswith("done "):
            raise RuntimeError(f"worker {self.p.args} died")
        return int(line.split()[1])

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def run_workers(workers):
    """Wall seconds from go to the last worker's done."""
    t0 = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.wait()
    return time.monotonic() - t0


def cg_make(name, files=None, parent=False):
    """A cgroup (memory controller on, as for all of CG's children), with
    @files written; @parent: its children get the memory controller too.
    Removed with ktap.cg_remove."""
    path = os.path.join(CG, name)
    os.mkdir(path)
    for k, v in (files or {}).items():
        write(os.path.join(path, k), v)
    if parent:
        write(os.path.join(path, "cgroup.subtree_control"), "+memory")
    return path


# ---- 1. probe overhead ----

FAULT_RUNS, MICRO_RUNS, MICRO_WRITES = 6, 20, 100


def section_overhead():
    mq.setup_swap(768)
    res = R["overhead"] = {"runs": [], "bpftrace_startup_s": []}
    bt_err = bpftrace_check()
    res["bpftrace_error"] = bt_err
    if bt_err:
        log(f"bpftrace cannot run: {bt_err}")
    modes = ["unloaded", "loaded"] + ([] if bt_err else ["bpftrace"])
    res["modes"] = modes

    # Reclaim: 3 processes churn 40 MiB each in a 64 MiB cgroup (zram swap).
    cg_make("bench-reclaim", {"memory.max": 64 << 20})
    reclaim = [Worker("bench-reclaim", "churn", 40, 1) for _ in range(3)]
    # Faults: one process faults 16 MiB in and drops it, no limit.
    cg_make("bench-faults")
    faults = [Worker("bench-faults", "faults", 16, 1)]
    # Per-hit cost: memory.reclaim on an empty cgroup runs the memcg reclaim
    # path (begin/end tracepoints, the shrink_lruvec kprobe) and nothing else.
    micro_cg = cg_make("bench-micro")
    micro = [Worker(None, "reclaim", os.path.join(micro_cg, "memory.reclaim"), MICRO_WRITES)]
    res["kprobe_hits_per_run"] = kprobe_calls_per_micro_run(micro)
    # Warm-up: swap slots, page tables, caches.
    run_workers(reclaim)
    run_workers(faults)
    run_workers(micro)

    for rep in range(REPS):
        order = modes[rep % len(modes):] + modes[:rep % len(modes)]
        for mode in order:
            bt = None
            if mode == "loaded":
                load_module()
            elif mode == "bpftrace":
                try:
                    bt = Bpftrace()
                except RuntimeError as e:
                    log(f"rep {rep} bpftrace: {e}; this rep has no bpftrace run")
                    res.setdefault("bpftrace_failures", []).append(str(e))
                    continue
                res["bpftrace_startup_s"].append(bt.startup_s)
            run = {"rep": rep, "mode": mode}
            h0 = probe_hits() if mode == "loaded" else 0
            run["reclaim_s"] = run_workers(reclaim)
            h1 = probe_hits() if mode == "loaded" else 0
            # Short, deterministic runs, many of them: the best one is the
            # one the host did not preempt (the host is shared and busy).
            run["faults_all"] = [run_workers(faults) for _ in range(FAULT_RUNS)]
            run["faults_s"] = min(run["faults_all"])
            h2 = probe_hits() if mode == "loaded" else 0
            run["micro_all"] = [run_workers(micro) for _ in range(MICRO_RUNS)]
            run["micro_s"] = min(run["micro_all"])
            h3 = probe_hits() if mode == "loaded" else 0
            if mode == "loaded":
                run.update(reclaim_hits=h1 - h0, faults_hits=(h2 - h1) // FAULT_RUNS,
                           micro_hits=(h3 - h2) // MICRO_RUNS)
                unload_module()
            if bt:
                run["bpftrace_maps"] = bt.stop()
            res["runs"].append(run)
            log(f"rep {rep} {mode}: reclaim {run['reclaim_s']:.3f} s, "
                f"faults {run['faults_s']:.3f} s, micro {run['micro_s']:.4f} s")
            save()
    for w in reclaim + faults + micro:
        w.close()
    ktap.cg_remove("bench-reclaim")
    ktap.cg_remove("bench-faults")
    ktap.cg_remove("bench-micro")


def kprobe_calls_per_micro_run(micro):
    """shrink_lruvec/evict_folios calls in one micro run, counted by tracefs
    kprobe events (the module is not loaded). A symbol tracefs refuses
    (evict_folios is absent or not unique on some builds) is left out."""
    tr = mq.TRACEFS
    events = []
    for name, sym in (("lru", "shrink_lruvec"), ("mglru", "evict_folios")):
        # O_APPEND without python's seek to the end, which tracefs refuses.
        fd = os.open(f"{tr}/kprobe_events", os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, f"p:memqos_bench/{name} {sym}\n".encode())
            events.append(name)
        except OSError as e:
            log(f"tracefs kprobe on {sym}: {e}")
        finally:
            os.close(fd)
    try:
        with mq.TraceCount(*(f"memqos_bench/{e}" for e in events)) as tc:
            run_workers(micro)
        R.setdefault("kprobe_events_counted", events)
        return sum(tc.count(e) for e in events)
    finally:
        write(f"{tr}/kprobe_events", "")


# ---- 2. collection at scale, and 4. footprint ----

def spawn_timed(argv):
    """(wall s, cpu s, exit status) of one command, stdout discarded."""
    t0 = time.monotonic()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null",
                                        os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    return (time.monotonic() - t0, ru.ru_utime + ru.ru_stime,
            os.waitstatus_to_exitcode(status), ru.ru_utime)


def cpu_ns(pid):
    """CPU time of all threads of @pid, in ns (schedstat: exact, where
    getrusage of another process is not available and /proc/PID/stat
    counts ticks)."""
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:  # a thread that just ended
            pass
    return total


class Exporter:
    """`memqos exporter` as a node runs it, and one keep-alive scraper."""
    PORT = 19469

    def __init__(self, port=PORT, proc=None):
        """@proc: started by the caller, listening on @port."""
        self.p = proc or subprocess.Popen([TOOL, "exporter", "--listen",
                                           f"127.0.0.1:{port}"])
        for _ in range(600):
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", port,
                                                       timeout=120)
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("memqos exporter did not answer /healthz")

    def get(self, path, gzip=False):
        try:
            self.conn.request("GET", path,
                              headers={"Accept-Encoding": "gzip"} if gzip else {})
            r = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # The exporter drops a connection idle for 10 s, as a scraper
            # that waits its interval sees it: connect again.
            self.conn.close()
            self.conn.request("GET", path,
                              headers={"Accept-Encoding": "gzip"} if gzip else {})
            r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r.status}")
        return body

    def close(self):
        self.conn.close()
        self.p.terminate()
        self.p.wait()


def series_of(text):
    """(series, series with a cgroup label, distinct cgroups) of a scrape."""
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    cg = [m.group(1) for m in map(re.compile(r'cgroup="([^"]*)"').search, lines) if m]
    return len(lines), len(cg), len(set(cg))


def scrape_point(exporter, scanner, reps):
    """What a scraper sees, each side a long-running process: a scrape of
    `memqos exporter` (plain and gzip'ed), one pass of the C reader
    (bench/load.c cgscan), and, for the textfile-collector way, one
    `memqos dump --prometheus` process. [wall s, CPU s] each; and where
    the exporter's time goes (perf)."""
    pt = {"exporter": [], "exporter_gzip": [], "scanner": [], "dump_prom": []}
    exporter.get("/metrics")
    run_workers([scanner])
    for _ in range(reps * 2):
        for kind in ("exporter", "exporter_gzip", "scanner", "dump_prom"):
            if kind == "dump_prom":
                wall, cpu, rc, _ = spawn_timed([TOOL, "dump", "--prometheus"])
                if rc:
                    raise RuntimeError(f"dump --prometheus exited {rc}")
                pt[kind].append([wall, cpu])
                continue
            pid = scanner.p.pid if kind == "scanner" else exporter.p.pid
            c0 = cpu_ns(pid)
            t0 = time.monotonic()
            if kind == "scanner":
                run_workers([scanner])
            else:
                body = exporter.get("/metrics", gzip=kind == "exporter_gzip")
                pt["bytes_" + kind] = len(body)
            pt[kind].append([time.monotonic() - t0, (cpu_ns(pid) - c0) / 1e9])
    text = exporter.get("/metrics").decode()
    pt["series"], pt["cgroup_series"], pt["cgroups"] = series_of(text)
    pt["profile"] = profile_scrapes(reps)
    return pt


def profile_scrapes(scrapes):
    """Where a scrape's time goes: an exporter started under perf
    (software cpu-clock, the only clock under TCG; perf attached to a
    running process gets few samples there), user and kernel, during
    @scrapes plain and @scrapes gzip'ed scrapes; the top symbols, as perf
    report prints them."""
    data = os.path.join(OUT, "scrape.perf")
    err = os.path.join(OUT, "scrape.perf.err")
    port = Exporter.PORT + 2
    # No build-id cache: the guest's root is the host's, read-only.
    try:
        with open(err, "w") as ef:
            perf = subprocess.Popen(["perf", "record", "-q", "-N", "-B",
                                     "-e", "cpu-clock", "-F", "999",
                                     "-o", data, "--", TOOL, "exporter",
                                     "--listen", f"127.0.0.1:{port}"],
                                    stderr=ef)
    except OSError as e:
        return [f"perf: {e}"]
    try:
        exporter = Exporter(port=port, proc=perf)
        for _ in range(scrapes):
            exporter.get("/metrics")
            exporter.get("/metrics", gzip=True)
        exporter.conn.close()
    finally:
        # The exporter is perf's child: its end ends perf's record.
        with open(f"/proc/{perf.pid}/task/{perf.pid}/children") as f:
            for pid in f.read().split():
                os.kill(int(pid), signal.SIGTERM)
        perf.wait()
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "-q",
                          "--no-children", "--sort", "dso,sym",
                          "--percent-limit", "1.5"],
                         capture_output=True, text=True)
    if not rep.stdout.strip():
        return [f"perf record exited {perf.returncode}: "
                f"{open(err).read().strip()}; perf report: {rep.stderr.strip()}"]
    return [ln.rstrip() for ln in rep.stdout.splitlines() if ln.strip()][:25]


def proc_mem(pid):
    """VmRSS and VmHWM (peak) of @pid, in bytes."""
    mem = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                mem[k] = int(v.split()[0]) << 10
    return mem


def daemon_point():
    """`memqos daemon --listen` as a node runs it, over every cgroup there
    is (bench-scale's children in the standard tier): its memory and CPU
    per pass after three passes and a scrape, for the DaemonSet's
    requests and limits. Its writes are restored when it stops."""
    import memqosd
    conf = memqosd.config("/tmp/bench-scale.conf",
                          rules=["/bench-scale/* standard"],
                          daemon={"reconcile_ms": 1000})
    port = Exporter.PORT + 1
    d = memqosd.Daemon(conf, "-v", "--listen", f"127.0.0.1:{port}")
    try:
        passes = []
        for _ in range(3):
            c0 = cpu_ns(d.p.pid)
            t0 = time.monotonic()
            if not d.next_pass(timeout=ktap.patience(600)):
                raise RuntimeError("the daemon made no pass: " +
                                   " | ".join(d.lines[-5:]))
            passes.append([time.monotonic() - t0, (cpu_ns(d.p.pid) - c0) / 1e9])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
        scraped = len(conn.getresponse().read())
        conn.close()
        mem = proc_mem(d.p.pid)
    finally:
        rc = d.stop()
    return {"passes": passes, "scraped_bytes": scraped, "rc": rc, **mem}


def count_cgroups():
    n = 0
    for _, dirs, _ in os.walk(CG):
        n += len(dirs)
    return n + 1


def section_scale():
    res = R["scale"] = {"points": []}
    base = cg_make("bench-scale", parent=True)
    load_module()
    exporter = Exporter()
    scanner = Worker(None, "cgscan", CG, 1)
    made = 0
    reps = max(3, REPS // 2)
    for n in SCALES:
        t0 = time.monotonic()
        while made < n:
            os.mkdir(os.path.join(base, f"c{made}"))
            made += 1
        log(f"{n} cgroups made in {time.monotonic() - t0:.1f} s")
        # The collectors read every cgroup on the node, bench-scale's and the rest.
        total = count_cgroups()
        dump = json.loads(subprocess.run([TOOL, "dump", "--json"], check=True,
                                         capture_output=True, text=True).stdout)
        reader = subprocess.run([LOAD, "cgread", CG], check=True,
                                capture_output=True, text=True).stdout.split()
        pt = {"n": n, "cgroups_total": total, "dump_cgroups": len(dump["cgroups"]),
              "reader_cgroups": int(reader[1]), "dump": [], "reader": []}
        for _ in range(reps):
            for kind, argv in (("dump", [TOOL, "dump", "--json"]),
                               ("reader", [LOAD, "cgread", CG])):
                wall, cpu, rc, user = spawn_timed(argv)
                if rc:
                    raise RuntimeError(f"{argv} exited {rc}")
                pt[kind].append([wall, cpu, user])
        # The tool's fixed cost: a dump that returns no cgroup work (version).
        pt["tool_startup"] = [spawn_timed([TOOL, "version"])[:2] for _ in range(3)]
        pt["scrape"] = scrape_point(exporter, scanner, reps)
        pt["exporter_mem"] = proc_mem(exporter.p.pid)
        pt["daemon"] = daemon_point()
        res["points"].append(pt)
        log(f"{n}: dump {statistics.median(x[0] for x in pt['dump']):.3f} s, "
            f"reader {statistics.median(x[0] for x in pt['reader']):.3f} s")
        save()
    exporter.close()
    scanner.close()
    unload_module()
    R["footprint"] = footprint(base, made)
    save()


def footprint_cycle():
    """Memory the module takes at load, as meminfo deltas, and its own
    count; three load/unload cycles, medians."""
    keys = ("Slab", "SUnreclaim", "VmallocUsed", "Percpu")
    deltas = {k: [] for k in keys}
    own = []
    records = []
    for _ in range(3):
        time.sleep(1)
        a = meminfo()
        load_module()
        time.sleep(1)
        b = meminfo()
        st = mq.stats()
        own.append(st["bytes_used"])
        records.append(st["records"])
        for k in keys:
            deltas[k].append(b[k] - a[k])
        unload_module()
    out = {k: statistics.median(v) for k, v in deltas.items()}
    out["bytes_used"] = statistics.median(own)
    out["records"] = statistics.median(records)
    out["record_bytes"] = st["record_bytes"]
    return out


def footprint(base, made):
    full = footprint_cycle()
    log(f"footprint with {made} cgroups: {full}")
    # The rate test removes the cgroups; then the same cycle with none.
    R["rate"] = removal_rate(base, made)
    ktap.cg_remove("bench-scale")
    empty = footprint_cycle()
    log(f"footprint without them: {empty}")
    return {"n": made, "full": full, "empty": empty}


# ---- 3. events ----

LISTENER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import genl
with genl.Memqos(rcvbuf=4 << 20) as nl:
    nl.join()
    print("ready", flush=True)
    while True:
        for e in nl.events(0.5):
            print(e["cmd"], e.get("SEQ"), e.get("TIME_NS"), e["t_recv"],
                  e.get("PRESSURED", ""), flush=True)
"""


class Listener:
    """A python genl listener in its own process, receipt times recorded."""

    def __init__(self):
        self.path = "/tmp/bench-events.txt"
        self.f = open(self.path, "w")
        self.p = subprocess.Popen([sys.executable, "-c", LISTENER,
                                   os.path.join(PROJ, "selftests")],
                                  stdout=subprocess.PIPE, text=True)
        if self.p.stdout.readline().strip() != "ready":
            raise RuntimeError("listener failed")

    def stop(self):
        time.sleep(1)
        self.p.terminate()
        rows = [ln.split() for ln in self.p.stdout]
        self.p.wait()
        return rows


def oom_once(nbytes):
    pid = os.fork()
    if pid == 0:
        try:
            write(os.path.join(CG, "bench-oom", "cgroup.procs"), os.getpid())
            mq.touch_anon(nbytes)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def section_events():
    res = R["events"] = {}
    load_module()
    subprocess.run([TOOL, "config", "set", "event_interval_ms", "100",
                    "pressure_threshold_permille", "100",
                    "pressure_hysteresis_permille", "50"], check=True)
    lis = Listener()
    # OOM kills: 16 MiB cgroup, no swap, a child touching 64 MiB.
    cg_make("bench-oom", {"memory.max": 16 << 20, "memory.swap.max": 0})
    n_oom = 10 + 3 * REPS
    for _ in range(n_oom):
        oom_once(64 << 20)
    # Pressure: bursts of churn in a tight cgroup, pauses between.
    mq.setup_swap(768)
    cg_make("bench-press", {"memory.max": 24 << 20})
    workers = [Worker("bench-press", "churn", 32, 2) for _ in range(2)]
    for _ in range(6 + REPS):
        t_end = time.monotonic() + 1.0
        while time.monotonic() < t_end:
            run_workers(workers)
        time.sleep(1.2)
    for w in workers:
        w.close()
    rows = lis.stop()
    stats = mq.stats()
    lat = {"OOM_KILL_NTF": [], "PRESSURE_NTF": []}
    for r in rows:
        if r[0] in lat and r[2] != "None":
            lat[r[0]].append((int(r[3]) - int(r[2])) / 1e6)
    res["oom_kills_made"] = n_oom
    res["latency_ms"] = lat
    res["events_dropped"] = stats["events_dropped"]
    ktap.cg_remove("bench-press")
    ktap.cg_remove("bench-oom")
    unload_module()
    save()


def removal_rate(base, made):
    """cgroup_removed events at stepped rmdir rates, received by `memqos
    events`; module drops and the tool's own loss reports per step."""
    load_module()
    out_path = "/tmp/bench-rate.jsonl"
    out = open(out_path, "w")
    tool = subprocess.Popen([TOOL, "events", "-j"], stdout=out, stderr=subprocess.STDOUT)
    time.sleep(1.5)
    steps = []
    i = 0
    for rate in (250, 500, 1000, 2000, 4000, 0):
        n = min(made - i, rate * 2 if rate else made)
        if n <= 0:
            break
        d0 = mq.stats()
        t0 = time.monotonic()
        for k in range(n):
            if rate:
                ahead = t0 + k / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            os.rmdir(os.path.join(base, f"c{i}"))
            i += 1
        dt = time.monotonic() - t0
        time.sleep(0.5)
        d1 = mq.stats()
        steps.append({"target": rate, "n": n, "achieved": n / dt,
                      "dropped": d1["events_dropped"] - d0["events_dropped"],
                      "sent": d1["events_sent"] - d0["events_sent"]})
        log(f"rate step {steps[-1]}")
    time.sleep(1)
    # Still running, as it should be, or its exit status.
    tool_rc = tool.poll()
    if tool_rc is None:
        tool.send_signal(signal.SIGINT)
        tool.wait()
    out.close()
    lost = received = 0
    other = []
    with open(out_path) as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                other.append(line.strip())
                continue
            if "lost" in ev:
                lost += ev["lost"]
            elif ev.get("kind") == "cgroup_removed":
                received += 1
            else:
                other.append(line.strip())
    unload_module()
    return {"steps": steps, "tool_received": received, "tool_lost": lost,
            "removed": i, "tool_exited": tool_rc, "tool_other": other[-10:]}


# ---- 5. protection ----
# The scenario of the daemon issue, compact: a critical service with a
# 64 MiB working set next to a batch hog cycling through 320 MiB, both in a
# 192 MiB parent (the node's "little RAM"), zram swap; crit on CPU 0, the
# hog on CPU 1. Phases: crit alone, then with the hog under no manager,
# under a static Kubernetes-Memory-QoS-style setting (crit memory.min = its
# 64 MiB request, batch memory.high = 0.9 x the node's 192 MiB limit), and
# under `memqos daemon` (crit critical, batch batch, by path rules).

PT, CRIT, BATCH = "bench-pt", "bench-pt/crit", "bench-pt/batch"
DATASET_MB, HOG_MB, PT_LIMIT = 64, 320, 192 << 20
CRIT_IDLE = 0.3


class Hog:
    """The batch hog: cycles through its memory until stopped."""

    def __init__(self):
        self.w = Worker(BATCH, "touch", HOG_MB, 1 << 30, cpu=1)
        self.w.start()

    def stop(self):
        self.w.p.kill()
        self.w.p.wait()


def crit_sample():
    st = mq.cg_file(CRIT, "memory.stat")
    return {"t": time.monotonic(), "majfault": st["pgmajfault"],
            "batch_pgfault": mq.cg_file(BATCH, "memory.stat")["pgfault"],
            "stall_us": mq.cg_pressure_total_us(CRIT),
            "oom_kill": mq.cg_file(CRIT, "memory.events")["oom_kill"]}


def crit_measure(crit, seconds):
    """crit serving "requests" for @seconds: each one writes its whole
    dataset, then it idles CRIT_IDLE s (a service's working set is hot, not
    spinning). Request times and the kernel's counts of what it suffered;
    batch's progress is the pages it faulted in (memory.stat pgfault)."""
    a = crit_sample()
    passes = []
    while time.monotonic() < a["t"] + seconds:
        passes.append(run_workers([crit]))
        time.sleep(CRIT_IDLE)
    b = crit_sample()
    dt = b["t"] - a["t"]
    return {"pass_s": passes, "majfault": b["majfault"] - a["majfault"],
            "stall_pct": (b["stall_us"] - a["stall_us"]) / 1e4 / dt,
            "oom_kill": b["oom_kill"] - a["oom_kill"],
            "batch_mibs": (b["batch_pgfault"] - a["batch_pgfault"]) * mq.PAGE / mq.MIB / dt}


def protect_phase(crit, phase, seconds):
    daemon = None
    if phase == "static":
        # The kubelet sets the request on the pod and on its ancestors.
        write(os.path.join(CG, PT, "memory.min"), DATASET_MB << 20)
        write(os.path.join(CG, CRIT, "memory.min"), DATASET_MB << 20)
        write(os.path.join(CG, BATCH, "memory.high"), PT_LIMIT * 9 // 10)
    elif phase == "memqos":
        import memqosd
        load_module()
        conf = memqosd.config("/tmp/bench-pt.conf",
                              rules=[f"/{CRIT} critical", f"/{BATCH} batch"],
                              daemon={"reconcile_ms": 500,
                                      "squeeze_interval_ms": 500,
                                      "window_s": 30})
        daemon = memqosd.Daemon(conf, "-v")
        if not daemon.wait_for(f"/{CRIT} memory.min:", timeout=60):
            raise RuntimeError("the daemon set no memory.min: "
                               + " | ".join(daemon.lines[-5:]))
    hog = Hog()
    time.sleep(2)           # the hog fills the parent
    r = crit_measure(crit, seconds)
    r["crit_min"] = int(open(os.path.join(CG, CRIT, "memory.min")).read())
    hog.stop()
    if daemon:
        r["daemon_rc"] = daemon.stop()
        r["daemon_log"] = daemon.lines[-40:]
        unload_module()
    for cg in (PT, CRIT):
        write(os.path.join(CG, cg, "memory.min"), 0)
    write(os.path.join(CG, BATCH, "memory.high"), "max")
    # crit faults its dataset back in before the next phase.
    crit_measure(crit, 2)
    return r


def section_protect():
    res = R["protect"] = {"runs": []}
    mq.setup_swap(768)
    cg_make(PT, {"memory.max": PT_LIMIT}, parent=True)
    cg_make(CRIT)
    cg_make(BATCH)
    crit = Worker(CRIT, "touch", DATASET_MB, 1, cpu=0)
    reps = max(1, REPS // 4)
    crit_measure(crit, 2)       # faults the dataset in
    for rep in range(reps):
        run = {"alone": crit_measure(crit, 5)}
        for phase in ("none", "static", "memqos"):
            run[phase] = protect_phase(crit, phase, 10)
            ph = run[phase]
            log(f"protect {rep} {phase}: crit request median "
                f"{statistics.median(ph['pass_s']) * 1e3:.0f} ms (alone "
                f"{statistics.median(run['alone']['pass_s']) * 1e3:.0f} ms), "
                f"majfault {ph['majfault']}, batch {ph['batch_mibs']:.1f} MiB/s, "
                f"memory.min {ph['crit_min'] >> 20} MiB")
        res["runs"].append(run)
        save()
    crit.close()
    ktap.cg_remove(PT)


def main():
    os.chdir(PROJ)
    write(os.path.join(CG, "cgroup.subtree_control"), "+memory")
    R["started"] = time.time()
    failed = []
    for name, fn in (("overhead", section_overhead), ("scale", section_scale),
                     ("events", section_events), ("protect", section_protect)):
        if not wanted(name):
            continue
        # A failed section is reported, and the others still run.
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc()
            R.setdefault("errors", {})[name] = f"{type(e).__name__}: {e}"
            failed.append(name)
            unload_module()
    R["finished"] = time.time()
    save()
    log("done" + (f", failed: {', '.join(failed)}" if failed else ""))
    # Not a KTAP test: tell ktap's exit hook (imported through memqos.py).
    ktap._done = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
