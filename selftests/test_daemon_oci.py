#!/usr/bin/python3
"""Container runtime integration with crun, the real OCI runtime: a busybox
container whose annotation asks for the critical tier is tagged by
memqos-oci-hook (createRuntime stage) and protected by the daemon; bad
annotations and malformed OCI states never stop a container; removing the
container leaves nothing behind.

    /sys/fs/cgroup/memqos-test          raised to cover ctr1, then restored
    |-- ctr1   io.memqos.tier=critical  xattr set by the hook, memory.min
    |                                   set by the daemon
    `-- ctr2   io.memqos.tier=gold      starts, untagged, hook logs why

Proven: crun runs the hook with the OCI state and the hook sets root's
tag, trusted.memqos.tier, on the container's own cgroup, for a tier
annotation_tiers allows (by default an annotation cannot ask for critical:
refused, nothing tagged); the daemon sets that
cgroup's memory.min (and its parent's, to cover it) and records the
originals; an unknown tier, a malformed state, a state without pid or
annotations all exit 0 with a message; after 'crun delete' the daemon
restores the parent and its state file holds nothing; SIGTERM removes the
state file.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

MIB = memqos.MIB
PARENT = "memqos-test"
BUNDLES = "/tmp/memqos-bundles"
HOOK = os.path.abspath(memqosd.HOOK)
CRUN = ["crun", "--cgroup-manager=cgroupfs"]


def bundle(name, tier, conf):
    """A busybox bundle whose container sleeps in /memqos-test/NAME."""
    path = os.path.join(BUNDLES, name)
    rootfs = os.path.join(path, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"), exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(rootfs, "bin/busybox"))
    for app in ("sh", "sleep"):
        link = os.path.join(rootfs, "bin", app)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    subprocess.run(["crun", "spec"], cwd=path, check=True)
    with open(os.path.join(path, "config.json")) as f:
        spec = json.load(f)
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["/bin/sleep", "3600"]
    spec["root"]["readonly"] = False
    spec["linux"]["cgroupsPath"] = f"/{PARENT}/{name}"
    # crun gives hooks no stderr unless asked: this file gets the hook's
    spec["annotations"] = {"io.memqos.tier": tier,
                           "run.oci.hooks.stderr": hook_log(name)}
    spec["hooks"] = {"createRuntime": [{
        "path": HOOK, "args": ["memqos-oci-hook", "--config", conf]}]}
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(spec, f)
    return path


def hook_log(name):
    return os.path.join(BUNDLES, name, "hook.err")


def hook_said(name):
    try:
        with open(hook_log(name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def crun(*args):
    """crun ARGS; its output goes through files, not pipes: a detached
    container inherits them and would hold a pipe open for its life."""
    with tempfile.TemporaryFile("w+") as out, \
            tempfile.TemporaryFile("w+") as err:
        p = subprocess.run([*CRUN, *args], stdin=subprocess.DEVNULL,
                           stdout=out, stderr=err, text=True, timeout=60)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(p.args, p.returncode, out.read(),
                                           err.read())


def hook(stdin, conf):
    p = subprocess.run([HOOK, "--config", conf], input=stdin,
                       capture_output=True, text=True)
    return p.returncode, p.stderr.strip()


def xattr(cg):
    try:
        return os.getxattr(memqos.cg_path(cg), "trusted.memqos.tier").decode()
    except OSError:
        return None


def main():
    ktap.print_header(12)
    if not shutil.which("crun"):
        ktap.exit_skip("crun not installed")
    conf = memqosd.config(daemon={"reconcile_ms": 500,
                                  "squeeze_interval_ms": 500},
                          classify={"annotation_tiers":
                                    "critical standard batch none"})
    default_conf = memqosd.config("/tmp/memqos-oci-default.conf")
    ktap.cg_create(PARENT)
    ids = []
    daemon = None
    try:
        b1 = bundle("ctr1", "critical", conf)
        r = crun("run", "-d", "--bundle", b1, "ctr1")
        ids.append("ctr1")
        ktap.print_msg(f"crun run ctr1: {r.returncode} {r.stderr.strip()}; "
                       f"hook said: {hook_said('ctr1')}")
        ktap.check("crun starts the critical container",
                   r.returncode == 0 and
                   os.path.isdir(memqos.cg_path(f"{PARENT}/ctr1")))
        ktap.check("the hook tagged its cgroup critical",
                   xattr(f"{PARENT}/ctr1") == "critical" and
                   f"/{PARENT}/ctr1: trusted.memqos.tier=critical" in
                   hook_said("ctr1"))

        b2 = bundle("ctr2", "gold", conf)
        r = crun("run", "-d", "--bundle", b2, "ctr2")
        ids.append("ctr2")
        st = crun("state", "ctr2")
        status = json.loads(st.stdout)["status"] if st.returncode == 0 \
            else None
        ktap.print_msg(f"crun run ctr2: {r.returncode}, status {status}, "
                       f"hook said: {hook_said('ctr2')}")
        ktap.check("an unknown tier does not stop the container",
                   r.returncode == 0 and status == "running" and
                   xattr(f"{PARENT}/ctr2") is None)
        ktap.check("and the hook said why it did not tag it",
                   'io.memqos.tier="gold" names no tier' in
                   hook_said("ctr2"))

        cases = [("garbage{", "malformed OCI state"),
                 ("[1, 2]", "not an object"),
                 ('{"id": "x", "annotations": {"io.memqos.tier": "critical"}}',
                  "no pid in the state"),
                 ('{"id": "y", "pid": 1, "annotations": '
                  '{"io.memqos.tier": "platinum"}}', "names no tier"),
                 ('{"id": "z", "pid": 999999, "annotations": '
                  '{"io.memqos.tier": "batch"}}', "cannot tag")]
        bad = []
        for stdin, want in cases:
            rc, err = hook(stdin, conf)
            ktap.print_msg(f"hook on {stdin[:30]!r}: exit {rc}: {err}")
            if rc != 0 or want not in err:
                bad.append(stdin)
        rc, err = hook('{"id": "w", "pid": 1}', conf)
        ktap.check("malformed states and bad annotations: exit 0, "
                   "with the reason", not bad and rc == 0 and err == "")
        rc, err = hook("{}", "/nonexistent.conf")
        ktap.check("even a missing configuration exits 0",
                   rc == 0 and "nonexistent.conf" in err)
        ktap.cg_create(f"{PARENT}/scratch")
        pid = memqos.spawn(f"{PARENT}/scratch", memqos.hold, 3600)
        rc, err = hook(json.dumps({"id": "c", "pid": pid, "annotations":
                                   {"io.memqos.tier": "critical"}}),
                       default_conf)
        memqos.stop(pid)
        ktap.print_msg(f"hook, default configuration, critical: exit {rc}: "
                       f"{err}")
        ktap.check("by default an annotation cannot ask for critical",
                   rc == 0 and "may not ask for that tier" in err and
                   xattr(f"{PARENT}/scratch") is None)

        daemon = memqosd.Daemon(conf, "-v")
        line = daemon.wait_for(f"/{PARENT}/ctr1 memory.min")
        daemon.next_pass()
        ktap.print_msg(f"daemon: {line}")
        cmin = memqosd.read_int(f"{PARENT}/ctr1", "memory.min")
        pmin = memqosd.read_int(PARENT, "memory.min")
        ktap.print_msg(f"ctr1 memory.min {cmin}, {PARENT} memory.min {pmin}")
        ktap.check("the daemon set the container's memory.min",
                   line is not None and cmin >= 8 * MIB and
                   "critical (xattr trusted.memqos.tier)" in line)
        ktap.check("and raised its parent to cover it, originals recorded",
                   pmin >= cmin and memqosd.state() == {
                       (f"/{PARENT}/ctr1", "memory.min"): "0",
                       (f"/{PARENT}", "memory.min"): "0"})

        start = len(daemon.lines)
        for cid in ids:
            crun("kill", cid, "KILL")
        for cid in ids:
            r = crun("delete", "-f", cid)
        gone = not os.path.exists(memqos.cg_path(f"{PARENT}/ctr1"))
        line = daemon.wait_for(f"/{PARENT} memory.min", start=start)
        ktap.print_msg(f"after crun delete: {line}")
        done = daemon.next_pass()
        ktap.check("crun delete removed the container's cgroup", gone)
        ktap.check("the daemon restored the parent and forgot the container",
                   line is not None and "no longer managed" in line and
                   done is not None and
                   memqosd.read_int(PARENT, "memory.min") == 0 and
                   memqosd.state() == {})
        rc = daemon.stop()
        daemon.log()
        daemon = None
        ktap.check("SIGTERM: exit 0 and no state file left",
                   rc == 0 and not os.path.exists(memqosd.STATE))
    finally:
        if daemon:
            daemon.stop()
        for cid in ids:
            crun("delete", "-f", cid)
        shutil.rmtree(BUNDLES, ignore_errors=True)
    ktap.finish()


main()
