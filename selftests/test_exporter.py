#!/usr/bin/python3
"""memqos exporter against the real module: /metrics passes the strict
exposition-format check (and promtool where it is installed), the default
collectors keep an idle cgroup to at most 25 series and no histogram, gzip
is served to who asks, bad requests are refused, and when the module goes
away /metrics says memqos_up 0 and keeps serving until it is back.

    /sys/fs/cgroup
    `-- memqos-exp-idle   a cgroup that never stalls
"""
import gzip
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
from promfmt import check_prometheus  # noqa: E402

TOOL = "user/memqos"
PORT = 19469
IDLE_CG = "memqos-exp-idle"
DEFAULT_SERIES = 25


def request(path, method="GET", headers=None):
    """(status, headers with lower-case names, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def metrics():
    status, _, body = request("/metrics")
    return body.decode() if status == 200 else ""


def up(text):
    return next((line.split()[1] for line in text.splitlines()
                 if line.startswith("memqos_up ")), None)


def start():
    """The exporter, once /healthz answers; None if it never does."""
    p = subprocess.Popen([TOOL, "exporter", "--listen",
                          f"127.0.0.1:{PORT}"], stderr=subprocess.PIPE,
                         text=True)
    end = time.time() + ktap.patience(30)
    while time.time() < end and p.poll() is None:
        try:
            if request("/healthz")[0] == 200:
                return p
        except OSError:
            time.sleep(0.1)
    p.kill()
    ktap.print_msg(f"exporter: {p.communicate()[1]}")
    return None


def test_metrics():
    status, hdrs, body = request("/metrics")
    text = body.decode()
    ktap.check("/metrics answers 200 in text format 0.0.4",
               status == 200 and hdrs.get("content-type", "").startswith(
                   "text/plain; version=0.0.4"))
    errors = check_prometheus(text)
    for e in errors:
        ktap.print_msg(f"exporter: {e}")
    ktap.check("/metrics passes the exposition format check, memqos_up 1",
               not errors and up(text) == "1")
    if not shutil.which("promtool"):
        ktap.skip("promtool check metrics", "promtool not installed")
    else:
        r = subprocess.run(["promtool", "check", "metrics"], input=text,
                           capture_output=True, text=True)
        if r.returncode or r.stdout or r.stderr:
            ktap.print_msg(f"promtool: {r.stdout}{r.stderr}")
        ktap.check("promtool check metrics reports nothing",
                   r.returncode == 0 and not r.stdout and not r.stderr)

    mine = [line for line in text.splitlines() if not line.startswith("#")
            and f'cgroup="/{IDLE_CG}"' in line]
    # not a pod, container or unit: no label but the path
    want = f'memqos_cgroup_info{{cgroup="/{IDLE_CG}",' \
           f'id="{memqos.cg_id(IDLE_CG)}"}} 1'
    if len(mine) > DEFAULT_SERIES or want not in mine:
        ktap.print_msg(f"exporter: {len(mine)} series of /{IDLE_CG}: "
                       f"{mine[:30]}")
    ktap.check(f"an idle cgroup has at most {DEFAULT_SERIES} series, "
               "its ID in memqos_cgroup_info, no histogram",
               len(mine) <= DEFAULT_SERIES and want in mine and
               not any("memqos_stall_seconds" in m for m in mine))


def test_gzip():
    status, hdrs, body = request("/metrics",
                                 headers={"Accept-Encoding": "gzip"})
    try:
        text = gzip.decompress(body).decode()
    except (OSError, EOFError):
        text = ""
    ktap.check("/metrics is gzip'ed for a scraper that accepts it",
               status == 200 and hdrs.get("content-encoding") == "gzip" and
               up(text) == "1")
    status, hdrs, body = request("/metrics",
                                 headers={"Accept-Encoding": "identity"})
    ktap.check("and plain for one that does not",
               status == 200 and "content-encoding" not in hdrs and
               up(body.decode()) == "1")


def test_refusals():
    got = (request("/metrics", method="POST")[0],
           request("/nope")[0],
           request("/metrics", headers={"X-Big": "a" * (64 << 10)})[0],
           request("/")[0])
    ktap.check("POST 405, an unknown path 404, a 64 KiB header 431, / 200",
               got == (405, 404, 431, 200))


def test_module_gone():
    memqos.rmmod()
    try:
        gone = metrics()
        health = request("/healthz")[0]
    finally:
        memqos.insmod()
    ktap.check("without the module: memqos_up 0, /healthz 200",
               up(gone) == "0" and health == 200 and
               not check_prometheus(gone))
    ktap.check("the module back: memqos_up 1", up(metrics()) == "1")


def main():
    ktap.print_header(11)
    ktap.cg_create(IDLE_CG)
    p = start()
    if not ktap.check("the exporter starts and /healthz answers", p):
        ktap.finish()
    try:
        test_metrics()
        test_gzip()
        test_refusals()
        test_module_gone()
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=ktap.patience(10))
        except subprocess.TimeoutExpired:
            p.kill()
            rc = None
    ktap.check("SIGTERM stops it, exit status 0", rc == 0)
    ktap.finish()


main()
