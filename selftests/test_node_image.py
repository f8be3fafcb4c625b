#!/usr/bin/python3
# memqos-timeout: 900
"""The node image (deploy/image, built by scripts/image.sh from an
mmdebstrap root, before the guest boots) run under podman the way the
DaemonSet of deploy/kubernetes runs it: privileged, the node's PID
namespace, a cgroup namespace of its own (as the kubelet gives a pod on
cgroup v2: the entry point joins the node's), the same host paths
(/sys/fs/cgroup, /lib/modules, /usr/src and /usr/lib read-only,
/run/memqos) and the configuration in /etc/memqos as the ConfigMap puts
it.

    /sys/fs/cgroup/memqos-node-test      raised to cover crit, restored
    `-- crit                             critical by a rule of the
                                         configuration: memory.min;
                                         holds 16 MiB of anon

Proven: with memqos.ko loaded (by the runner) the entry point accepts it
(same version) and runs the daemon; with the module unloaded it loads the
one built for this kernel from inside the container; the daemon in the
container protects a critical cgroup of the guest's cgroupfs and records
the originals in the node's /run/memqos, and its exporter (`--listen`, as
the DaemonSet's args) answers /metrics with memqos_up 1 and the
memory.min it set; `podman stop` restores every
value and leaves no state file; a configuration the daemon refuses,
found after the entry point loaded the module, ends the container with
status 2 and the reason, and the module is unloaded again (nothing
half-loaded); a run that must build the module but has no headers
mounted fails with exit status 4 and says so, and leaves no module
loaded.

Not run here: the module build inside the container (MEMQOS_BUILD=always
with the headers mounted compiles memqos.ko, minutes under TCG) and the
refusal of an unsupported kernel (the guest's kernel is supported).
"""
import os
import shutil
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402
import podman  # noqa: E402

MIB = memqos.MIB
ARCHIVE = "build/image/memqos-node.tar"
PARENT = "memqos-node-test"
CRIT = PARENT + "/crit"
CONF_DIR = "/tmp/memqos-node-conf"
BAD_CONF_DIR = "/tmp/memqos-node-badconf"
STATE_DIR = "/run/memqos"
NAME = "memqos-node"
PORT = 19470


def version():
    with open("VERSION") as f:
        return f.read().strip()


def daemonset_args(image, *extra, mounts=True, cgroupns="private",
                   conf=CONF_DIR, network="none"):
    """podman run options of the DaemonSet's pod spec (@network "host":
    the test reaches the exporter on the guest's loopback, where the pod
    has a network namespace of its own)."""
    args = ["--privileged", "--pid", "host", "--cgroupns", cgroupns,
            "--network", network]
    if mounts:
        args += ["-v", "/sys/fs/cgroup:/sys/fs/cgroup",
                 "-v", "/lib/modules:/lib/modules:ro",
                 "-v", "/usr/src:/usr/src:ro",
                 "-v", "/usr/lib:/host/usr/lib:ro",
                 "-v", f"{STATE_DIR}:{STATE_DIR}"]
    args += ["-v", f"{conf}:/etc/memqos:ro"]
    return [*args, *extra, image]


def metrics(cmin):
    """GET /metrics of the container's daemon, once it shows @cmin."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics",
                                    timeout=30) as r:
            body = r.read().decode()
    except OSError:
        return None
    return body if f"{cmin}" in body else None


def wait_until(fn, seconds):
    end = time.monotonic() + ktap.patience(seconds)
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.5)
    return fn()


T0 = time.monotonic()


def hold(nbytes):
    memqos.hold(3600, memqos.touch_anon(nbytes))


def took():
    return f"{time.monotonic() - T0:.0f} s in"


def logs(name):
    r = podman.run("logs", name)
    return (r.stdout + r.stderr).strip()


def main():
    ktap.print_header(8)
    image = f"localhost/memqos-node:{version()}"
    if not os.path.exists(ARCHIVE):
        ktap.fail(f"{ARCHIVE} exists (scripts/image.sh build)")
        ktap.finish()
    os.makedirs(CONF_DIR, exist_ok=True)
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(os.path.join(CONF_DIR, "memqos.conf"), "w") as f:
        f.write(f"[daemon]\nstate_dir = {STATE_DIR}\nreconcile_ms = 500\n"
                f"squeeze_interval_ms = 500\n"
                f"[classify]\nrule = /{CRIT} critical\n")
    ktap.cg_create(CRIT)
    # Memory of its own: a forked child that only sleeps holds the pages it
    # happened to copy, too few for a working set on a loaded guest.
    holder = memqos.spawn(CRIT, hold, 16 * MIB)
    try:
        r = podman.run("load", "-i", ARCHIVE, timeout=600)
        ktap.print_msg(f"{took()}: podman load: {r.returncode} "
                       f"{(r.stdout + r.stderr).strip()[-300:]}")
        ktap.check("podman loads the image built from the mmdebstrap root",
                   r.returncode == 0 and
                   podman.run("image", "exists", image).returncode == 0)

        # The module the runner loaded: accepted, one daemon pass.
        r = podman.run("run", "--rm", *daemonset_args(image, cgroupns="host"),
                       "--once", "--dry-run", timeout=600)
        out = (r.stdout + r.stderr).strip()
        ktap.print_msg(f"{took()}: with memqos.ko loaded: exit "
                       f"{r.returncode}: {out[-600:]}")
        ktap.check("a loaded memqos.ko of the same version is accepted",
                   r.returncode == 0 and
                   f"memqos.ko {version()} is loaded already" in out)

        if memqos.loaded():
            memqos.rmmod()
        r = podman.run("run", "-d", "--name", NAME, "--log-driver",
                       "k8s-file", *daemonset_args(image, network="host"),
                       "-v", "--listen", f"127.0.0.1:{PORT}", timeout=600)
        ktap.print_msg(f"{took()}: podman run -d: {r.returncode} "
                       f"{r.stderr.strip()}")
        loaded = wait_until(lambda: memqos.loaded(), 120)
        cmin = wait_until(lambda: memqosd.read_int(CRIT, "memory.min"), 120)
        time.sleep(2)
        out = logs(NAME)
        for line in out.splitlines()[:20]:
            ktap.print_msg(f"container: {line}")
        krel = os.uname().release
        ktap.check("the container loads memqos.ko built for this kernel",
                   loaded and f"/opt/memqos/modules/{krel}/memqos.ko" in out
                   and f"loaded memqos.ko {version()}" in out and
                   "joining the node's cgroup namespace" in out)
        pmin = memqosd.read_int(PARENT, "memory.min")
        memqosd.STATE = os.path.join(STATE_DIR, "state")
        state = memqosd.state()
        ktap.print_msg(f"{took()}: memory.min: crit {cmin}, {PARENT} {pmin}; "
                       f"{memqosd.STATE}: {state}")
        ktap.check("the daemon in the container protects the critical "
                   "cgroup, originals in the node's /run/memqos",
                   cmin >= 8 * MIB and pmin >= cmin and
                   state.get((f"/{CRIT}", "memory.min")) == "0" and
                   state.get((f"/{PARENT}", "memory.min")) == "0")

        body = wait_until(lambda: metrics(cmin), 60) or ""
        lines = [ln for ln in body.splitlines()
                 if ln.startswith(("memqos_up", "memqos_daemon_protection_bytes"))
                 and (f'cgroup="/{CRIT}"' in ln or ln.startswith("memqos_up"))]
        ktap.print_msg(f"{took()}: /metrics of the daemon in the container: "
                       f"{len(body)} bytes; {lines}")
        ktap.check("the exporter of the daemon in the container answers: "
                   "memqos_up 1, crit's memory.min as the daemon set it",
                   "memqos_up 1" in lines and cmin >= 8 * MIB and
                   any('knob="min"' in ln and ln.endswith(f" {cmin}")
                       for ln in lines if ln.startswith("memqos_daemon")))

        r = podman.run("stop", "-t", "30", NAME, timeout=120)
        code = podman.inspect(NAME, "{{.State.ExitCode}}")
        after = (memqosd.read_int(CRIT, "memory.min"),
                 memqosd.read_int(PARENT, "memory.min"))
        tail = logs(NAME).splitlines()[-5:]
        ktap.print_msg(f"{took()}: podman stop: {r.returncode}, exit code "
                       f"{code}, memory.min now {after}; last lines {tail}")
        ktap.check("podman stop: exit 0, every value restored, no state "
                   "file", r.returncode == 0 and code == "0" and
                   after == (0, 0) and not os.path.exists(memqosd.STATE))
        podman.run("rm", "-f", NAME)

        # A configuration the daemon refuses, found after the entry point
        # loaded the module: exit 2, the reason, the module unloaded.
        if memqos.loaded():
            memqos.rmmod()
        os.makedirs(BAD_CONF_DIR, exist_ok=True)
        with open(os.path.join(BAD_CONF_DIR, "memqos.conf"), "w") as f:
            f.write("[daemon]\nreconcile_ms = 500\n")   # < squeeze interval
        r = podman.run("run", "--rm",
                       *daemonset_args(image, conf=BAD_CONF_DIR), timeout=600)
        out = (r.stdout + r.stderr).strip()
        ktap.print_msg(f"{took()}: refused configuration: exit "
                       f"{r.returncode}: {out[-600:]}")
        ktap.check("a refused configuration: exit 2, the reason, the module "
                   "it loaded unloaded again",
                   r.returncode == 2 and
                   "must not exceed reconcile_ms" in out and
                   "unloaded the memqos.ko this run loaded" in out and
                   not memqos.loaded())

        # Must build, no headers: a clear failure, nothing loaded.
        if memqos.loaded():
            memqos.rmmod()
        r = podman.run("run", "--rm", "-e", "MEMQOS_BUILD=always",
                       *daemonset_args(image, mounts=False), timeout=600)
        out = (r.stdout + r.stderr).strip()
        ktap.print_msg(f"{took()}: no headers: exit {r.returncode}: "
                       f"{out[-400:]}")
        ktap.check("without the node's headers: exit 4, a message, no "
                   "module loaded",
                   r.returncode == 4 and
                   f"no kernel headers for {krel}" in out and
                   not memqos.loaded())
    finally:
        memqos.stop(holder)
        podman.cleanup()
        shutil.rmtree(CONF_DIR, ignore_errors=True)
        shutil.rmtree(BAD_CONF_DIR, ignore_errors=True)
    ktap.finish()


main()
