#!/usr/bin/python3
# memqos-timeout: 600
"""memqos daemon --listen scraped by a real Prometheus server, as a user
would run them: what Prometheus stores agrees with the kernel's files,
and every PromQL expression of the documentation and the Grafana
dashboard runs.

    /sys/fs/cgroup/memqos-prom
    |-- crit    critical (a rule): a process holding 64 MiB of anon memory
    `-- batch   batch (a rule): idle

The daemon serves /metrics on 127.0.0.1:19470; Prometheus (Debian's, from
the host root) scrapes it every second into a temporary directory and
answers on 127.0.0.1:19490. Through its HTTP API (/api/v1/query):

  - memqos_anon_bytes of crit is within 3% or 1 MiB of memory.stat anon
    read beside the query, and at least the 64 MiB it holds;
  - memqos_cgroup_info gives crit the tier critical;
  - memqos_daemon_protection_bytes{knob="min"} of crit equals its
    memory.min file (read before and after the query, the same) and is
    above the working set the daemon estimated, itself at least 64 MiB;
    batch's knob="low" equals its memory.low, 0;
  - every expression of Documentation/grafana/memqos.json and of the
    promql blocks of Documentation/prometheus.md returns status success.

Prometheus starts slowly in a TCG guest (tens of seconds): each wait is
bounded by ktap.patience().
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

PROMETHEUS = "/usr/bin/prometheus"
PORT = 19470
PROM_PORT = 19490
TOP = "memqos-prom"
CRIT = f"{TOP}/crit"
BATCH = f"{TOP}/batch"
HOLD = 64 * memqos.MIB
DASHBOARD = "Documentation/grafana/memqos.json"
DOC = "Documentation/prometheus.md"
# Grafana's variables, as the dashboard's defaults give them
GRAFANA_VARS = {"$__rate_interval": "1m", "$cgroup": ".*"}


def hold_anon(nbytes):
    """Holds @nbytes of anon memory, every page written, until killed."""
    maps = memqos.populate(nbytes)
    while maps:
        time.sleep(1)


def query(expr):
    """Prometheus' answer to instant query @expr as a dict; {} if none."""
    url = f"http://127.0.0.1:{PROM_PORT}/api/v1/query?" + \
        urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        # a bad expression is a 400 with the error in the body
        try:
            return json.load(e)
        except ValueError:
            return {"status": "error", "error": str(e)}
    except (OSError, ValueError) as e:
        return {"status": "error", "error": str(e)}


def value(expr):
    """The one sample of @expr as a float, None if there is not one."""
    r = query(expr)
    res = r.get("data", {}).get("result", [])
    if r.get("status") != "success" or len(res) != 1:
        return None
    return float(res[0]["value"][1])


def wait_for(what, fn, seconds):
    """fn() until it returns something true, at most @seconds (scaled)."""
    end = time.monotonic() + ktap.patience(seconds)
    while time.monotonic() < end:
        got = fn()
        if got:
            return got
        time.sleep(1)
    ktap.print_msg(f"gave up waiting for {what}")
    return None


def start_prometheus(tmp):
    conf = os.path.join(tmp, "prometheus.yml")
    with open(conf, "w") as f:
        f.write("global:\n"
                "  scrape_interval: 1s\n"
                "  evaluation_interval: 1s\n"
                "scrape_configs:\n"
                "  - job_name: memqos\n"
                "    static_configs:\n"
                f"      - targets: ['127.0.0.1:{PORT}']\n")
    log = open(os.path.join(tmp, "prometheus.log"), "w")
    p = subprocess.Popen([PROMETHEUS, f"--config.file={conf}",
                          f"--storage.tsdb.path={tmp}/data",
                          f"--web.listen-address=127.0.0.1:{PROM_PORT}",
                          "--storage.tsdb.retention.time=1h"],
                         stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    log.close()
    return p


def ready():
    try:
        with urllib.request.urlopen(
                f"http://127.0.0.1:{PROM_PORT}/-/ready", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def expressions():
    """(where, expr) of the dashboard's panels and the doc's promql blocks,
    Grafana's variables given their defaults."""
    out = []
    with open(DASHBOARD) as f:
        dash = json.load(f)
    for panel in dash["panels"]:
        for t in panel.get("targets", []):
            out.append((f"dashboard '{panel['title']}' {t['refId']}",
                        t["expr"]))
    with open(DOC) as f:
        doc = f.read()
    for block in re.findall(r"^```promql\n(.*?)^```", doc, re.M | re.S):
        # one expression a paragraph; # lines are comments
        for expr in re.split(r"\n\s*\n", block):
            expr = "\n".join(line for line in expr.splitlines()
                             if not line.lstrip().startswith("#")).strip()
            if expr:
                out.append((f"{DOC}: {expr.splitlines()[0][:50]}", expr))
    for i, (where, expr) in enumerate(out):
        for var, val in GRAFANA_VARS.items():
            expr = expr.replace(var, val)
        out[i] = (where, expr)
    return out


def anon_of(cg):
    for line in memqosd.read(cg, "memory.stat").splitlines():
        k, v = line.split()
        if k == "anon":
            return int(v)
    return None


def test_usage():
    sel = f'{{cgroup="/{CRIT}"}}'
    got = wait_for("crit's anon in Prometheus", lambda: (
        (lambda v: v if v and v >= HOLD else None)(
            value(f"memqos_anon_bytes{sel}"))), 60)
    # read beside the query: the scrape is at most a second old
    best = None
    for _ in range(5):
        a = anon_of(CRIT)
        got = value(f"memqos_anon_bytes{sel}")
        if got is not None and memqos.close_enough(got, a, pct=3,
                                                   slack=memqos.MIB):
            best = (got, a)
            break
        time.sleep(1)
    ktap.print_msg(f"crit anon: Prometheus {got}, memory.stat {a}")
    ktap.check("Prometheus' memqos_anon_bytes of crit is memory.stat's "
               "anon (3% or 1 MiB), at least the 64 MiB it holds",
               best is not None and best[0] >= HOLD)
    info = query(f'memqos_cgroup_info{sel}').get("data", {}).get("result")
    tier = info[0]["metric"].get("tier") if info and len(info) == 1 else None
    ktap.check("memqos_cgroup_info gives crit the tier critical",
               tier == "critical")


def matches_file(cg, knob):
    """(Prometheus' value, the file's) once they agree, or the last seen."""
    expr = f'memqos_daemon_protection_bytes{{cgroup="/{cg}",knob="{knob}"}}'
    seen = None
    end = time.monotonic() + ktap.patience(60)
    while time.monotonic() < end:
        before = memqosd.read_int(cg, f"memory.{knob}")
        got = value(expr)
        after = memqosd.read_int(cg, f"memory.{knob}")
        seen = (got, before, after)
        if got is not None and got == before == after:
            return got, before
        time.sleep(1)
    ktap.print_msg(f"{expr}: Prometheus, file before, after: {seen}")
    return seen[0], seen[1]


def test_decisions():
    # the daemon protects crit once it has measured it
    wait_for("crit's memory.min", lambda: memqosd.read_int(
        CRIT, "memory.min") > 0, 60)
    got, file = matches_file(CRIT, "min")
    ws = value(f'memqos_daemon_working_set_bytes{{cgroup="/{CRIT}"}}')
    head = value(f'memqos_daemon_headroom_bytes{{cgroup="/{CRIT}"}}')
    ktap.print_msg(f"crit memory.min: Prometheus {got}, file {file}, "
                   f"working set {ws}, headroom {head}")
    ktap.check("memqos_daemon_protection_bytes knob=min of crit is its "
               "memory.min, above a working set of at least 64 MiB",
               got is not None and got == file and file > 0 and
               ws is not None and head is not None and ws >= HOLD and
               file > ws)
    got, file = matches_file(BATCH, "low")
    ktap.check("batch's knob=low is its memory.low, 0",
               got == 0 and file == 0)
    scale = value("memqos_daemon_budget_scale_ratio")
    passes = value("memqos_daemon_pass_duration_seconds_count")
    ktap.print_msg(f"budget scale {scale}, passes {passes}")
    ktap.check("the budget fits (scale 1) and passes are counted",
               scale == 1 and passes and passes >= 1)


def test_expressions():
    exprs = expressions()
    bad = []
    for where, expr in exprs:
        r = query(expr)
        if r.get("status") != "success":
            bad.append(where)
            ktap.print_msg(f"{where}: {r.get('error')}: {expr}")
    ktap.print_msg(f"{len(exprs)} expressions, {len(bad)} failed")
    ktap.check(f"every PromQL expression of the dashboard and {DOC} "
               "returns success", exprs and not bad)


def test_promtool():
    """The daemon's whole /metrics, its own families (decisions,
    conflicts, advice) with the exporter's, through promtool's linter."""
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics",
                                timeout=60) as r:
        text = r.read()
    p = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True)
    out = (p.stdout + p.stderr).decode().strip()
    ktap.print_msg(f"promtool check metrics of {len(text):,} bytes: exit "
                   f"{p.returncode} {out[:1500]}")
    ktap.check("promtool check metrics finds nothing in memqos daemon "
               "--listen's /metrics", p.returncode == 0 and not out)


def main():
    ktap.print_header(9)
    if not os.access(PROMETHEUS, os.X_OK):
        ktap.exit_skip("no /usr/bin/prometheus: scripts/deps.sh check")
    ktap.cg_create(CRIT)
    ktap.cg_create(BATCH)
    conf = memqosd.config(daemon={"reconcile_ms": 1000},
                          rules=[f"/{CRIT} critical", f"/{BATCH} batch"])
    holder = memqos.spawn(CRIT, hold_anon, HOLD)
    daemon = memqosd.Daemon(conf, "--listen", f"127.0.0.1:{PORT}")
    tmp = tempfile.mkdtemp(prefix="memqos-prom-")
    prom = start_prometheus(tmp)
    try:
        up = wait_for("Prometheus ready", ready, 120) and wait_for(
            "the first scrape", lambda: value(
                'up{job="memqos"}') == 1, 60)
        if not ktap.check("Prometheus starts and scrapes the daemon", up):
            with open(os.path.join(tmp, "prometheus.log")) as f:
                ktap.print_msg("prometheus: " + f.read()[-2000:])
            daemon.log()
        else:
            test_usage()
            test_decisions()
            test_expressions()
        test_promtool()
    finally:
        prom.send_signal(signal.SIGTERM)
        try:
            prom.wait(ktap.patience(30))
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()
        memqos.stop(holder)
        rc = daemon.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    ktap.check("the daemon stops on SIGTERM, exit status 0", rc == 0)
    ktap.finish()


main()
