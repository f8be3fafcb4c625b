#!/usr/bin/python3
"""podman end to end: memqos installed by `make -C user install` (no
DESTDIR, into overlays of /usr/local, /usr/share/containers and /etc:
selftests/podman.py), so memqos.json is in podman's default hooks
directory, /usr/share/containers/oci/hooks.d, exactly as on a node; an
image imported from a local root filesystem (the guest's static busybox,
`podman import`); `podman run --annotation io.memqos.tier=critical`.

    /libpod_parent                       podman's cgroupfs layout
    |-- libpod-<id of mq-crit>           annotated critical: tagged by the
    |                                    hook podman ran, memory.min set
    `-- libpod-<id of mq-plain>          no annotation: no hook, no tag
    /machine.slice                       podman's systemd layout, by hand
    |-- libpod-<64 hex>.scope            tagged by the installed hook run
    |                                    on its OCI state: critical
    `-- libpod-<64 hex>.scope            untagged: standard by the rule

Proven: make install puts the hook and its hooks.d file where podman
looks; podman (not the test: it writes no config.json) puts the hook in
the annotated container's OCI config, and only in that one; the hook ran
(root's trusted.memqos.tier tag on the container's cgroup, which only a
CAP_SYS_ADMIN process can set); the daemon gives that cgroup memory.min
and raises libpod_parent to cover it; `podman rm` leaves no cgroup, no
container storage, and the daemon then restores libpod_parent and its
state file holds nothing.

Not proven here: podman's systemd cgroup manager itself. The guest's
PID 1 is a busybox init, with no systemd and no D-Bus, and podman's
systemd manager creates machine.slice/libpod-<id>.scope through
systemd's D-Bus API (the attempt is run and its error printed). What can
be tested of that layout is tested on cgroups made by hand with its
names: the installed hook tags such a scope from its OCI state, and the
daemon classifies a tagged one critical (memory.min set) and an untagged
one by the example rule of memqos.conf.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402
import podman  # noqa: E402

MIB = memqos.MIB
IMG = "localhost/memqos-busybox:test"
PARENT = "libpod_parent"
SCOPE_CRIT = "machine.slice/libpod-" + "c" * 64 + ".scope"
SCOPE_STD = "machine.slice/libpod-" + "5" * 64 + ".scope"


def xattr(cg):
    """Root's tag on cgroup @cg (a path from the root, or a name)."""
    try:
        return os.getxattr(memqos.cg_path(cg.lstrip("/")),
                           "trusted.memqos.tier").decode()
    except OSError:
        return None


def oci_config(cid):
    """The OCI config.json podman wrote for container @cid."""
    path = os.path.join(podman.STORE, "overlay-containers", cid, "userdata",
                        "config.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def our_hooks(spec):
    hooks = (spec or {}).get("hooks", {}).get("createRuntime", [])
    return [h for h in hooks if h.get("path") == podman.HOOK]


def start(name, *opts):
    """podman run -d NAME; (id, pid, cgroup) or Nones."""
    r = podman.run("run", "-d", "--name", name, "--network", "none", *opts,
                   IMG, "sleep", "3600")
    ktap.print_msg(f"podman run {name}: exit {r.returncode} "
                   f"{r.stderr.strip()[-300:]}")
    if r.returncode:
        return None, None, None
    cid = podman.inspect(name, "{{.Id}}")
    pid = podman.inspect(name, "{{.State.Pid}}")
    cg = podman.cgroup_of(int(pid)) if pid and pid.isdigit() else None
    ktap.print_msg(f"{name}: id {cid}, pid {pid}, cgroup {cg}")
    return cid, pid, cg


def hooks_d_file():
    try:
        with open(os.path.join(podman.HOOKS_D, "memqos.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    ktap.print_header(13)
    if not shutil.which("podman"):
        ktap.fail("podman is installed (scripts/deps.sh guest)")
        ktap.finish()
    node = podman.NodeInstall()
    daemon = None
    try:
        hd = hooks_d_file()
        ktap.print_msg(f"make -C user install: exit {node.rc} {node.log}; "
                       f"hooks.d/memqos.json: {hd}")
        ktap.check("make -C user install puts memqos.json in "
                   f"{podman.HOOKS_D}, naming the installed hook",
                   node.rc == 0 and hd is not None and
                   hd["hook"]["path"] == podman.HOOK and
                   hd["stages"] == ["createRuntime"] and
                   os.access(podman.HOOK, os.X_OK))
        # The administrator lets annotations ask for critical.
        node.set_conf("classify", "annotation_tiers",
                      "critical standard batch none")

        tar = podman.busybox_tar("/tmp/memqos-busybox.tar")
        r = podman.run("import", tar, IMG)
        ktap.print_msg(f"podman import: {r.returncode} {r.stderr.strip()}")
        ktap.check("podman imports the image from a local root filesystem",
                   r.returncode == 0 and
                   podman.run("image", "exists", IMG).returncode == 0)

        cid, pid, cg = start("mq-crit", "--annotation",
                             "io.memqos.tier=critical")
        layout = bool(cid and cg == f"/{PARENT}/libpod-{cid}")
        ktap.check("the container runs in podman's cgroupfs layout, "
                   f"/{PARENT}/libpod-<id>", layout)
        spec = oci_config(cid) if cid else None
        ktap.print_msg(f"its OCI createRuntime hooks: "
                       f"{(spec or {}).get('hooks', {}).get('createRuntime')}")
        ktap.check("podman put the installed hook in its OCI config "
                   "(from hooks.d)", len(our_hooks(spec)) == 1)
        ktap.check("the hook ran: root's trusted.memqos.tier=critical on "
                   "the container's cgroup",
                   cg is not None and xattr(cg) == "critical")

        pcid, _, pcg = start("mq-plain")
        ktap.check("a container without the annotation: no hook, no tag",
                   pcid is not None and pcg is not None and
                   oci_config(pcid) is not None and
                   not our_hooks(oci_config(pcid)) and xattr(pcg) is None)

        # podman's systemd manager needs systemd over D-Bus: say why not.
        try:
            r = podman.run("run", "--rm", "--network", "none", IMG, "true",
                           timeout=60,
                           global_args=[a if a != "cgroupfs" else "systemd"
                                        for a in podman.GLOBAL])
            why = f"exit {r.returncode}: {r.stderr.strip()[-200:]}"
        except subprocess.TimeoutExpired:
            why = "no answer in 60 s"
        ktap.print_msg(f"podman --cgroup-manager systemd here: {why}")
        # Its layout, by hand, the scope's process tagged by the hook as
        # the runtime would run it (the default configuration path).
        ktap.cg_create(SCOPE_CRIT)
        ktap.cg_create(SCOPE_STD)
        holders = [memqos.spawn(SCOPE_CRIT, memqos.hold, 3600),
                   memqos.spawn(SCOPE_STD, memqos.hold, 3600)]
        state = json.dumps({"ociVersion": "1.0.2", "id": "c" * 64,
                            "status": "creating", "pid": holders[0],
                            "bundle": "/nonexistent",
                            "annotations": {"io.memqos.tier": "critical"}})
        h = subprocess.run([podman.HOOK], input=state,
                                  capture_output=True, text=True)
        ktap.print_msg(f"hook on the scope's state: exit {h.returncode} "
                       f"{h.stderr.strip()}")
        ktap.check("the installed hook tags a machine.slice/libpod-*.scope",
                   h.returncode == 0 and xattr(SCOPE_CRIT) == "critical")

        memqosd.TOOL = podman.TOOL
        conf = memqosd.config(daemon={"reconcile_ms": 500,
                                      "squeeze_interval_ms": 500},
                              rules=["/machine.slice/libpod-*.scope standard"])
        listed = memqosd.tier_list(conf)
        got = {p: (listed.get("/" + p, {}).get("tier"),
                   listed.get("/" + p, {}).get("source"))
               for p in (SCOPE_CRIT, SCOPE_STD)}
        ktap.print_msg(f"tier list: {got}")
        ktap.check("the systemd layout: a tagged scope is critical, an "
                   "untagged one standard by rule",
                   got[SCOPE_CRIT] == ("critical", "xattr trusted.memqos.tier")
                   and got[SCOPE_STD] == (
                       "standard", "rule /machine.slice/libpod-*.scope"))

        daemon = memqosd.Daemon(conf, "-v")
        line = daemon.wait_for(f"{cg} memory.min", timeout=60) if cg else None
        sline = daemon.wait_for(f"/{SCOPE_CRIT} memory.min", timeout=60)
        daemon.next_pass(60)
        ktap.print_msg(f"daemon: {line}; {sline}")
        cmin = memqosd.read_int(cg, "memory.min") if cg else 0
        pmin = memqosd.read_int(PARENT, "memory.min")
        smin = memqosd.read_int(SCOPE_CRIT, "memory.min")
        st = memqosd.state()
        ktap.print_msg(f"memory.min: container {cmin}, {PARENT} {pmin}, "
                       f"scope {smin}; state {st}")
        ktap.check("the daemon protects the container: memory.min set, "
                   f"{PARENT} raised to cover it, originals recorded",
                   line is not None and
                   "critical (xattr trusted.memqos.tier)" in line and
                   cmin >= 8 * MIB and pmin >= cmin and
                   st.get((cg, "memory.min")) == "0" and
                   st.get((f"/{PARENT}", "memory.min")) == "0")
        ktap.check("and the hand-made systemd-layout scope",
                   sline is not None and smin >= 8 * MIB and
                   memqosd.read_int("machine.slice", "memory.min") >= smin)

        start_at = len(daemon.lines)
        rm = podman.run("rm", "-f", "-t", "0", "mq-crit", "mq-plain")
        ps = podman.run("ps", "-a", "-q")
        leftover = [p for p in (cg, pcg) if p and
                    os.path.exists(memqos.cg_path(p.lstrip("/")))]
        stores = [c for c in (cid, pcid) if c and os.path.exists(
            os.path.join(podman.STORE, "overlay-containers", c))]
        ktap.print_msg(f"podman rm: {rm.returncode} {rm.stderr.strip()}; "
                       f"ps -a: {ps.stdout.split()}; cgroups left "
                       f"{leftover}; storage left {stores}")
        ktap.check("podman rm leaves no container, cgroup or storage",
                   rm.returncode == 0 and ps.returncode == 0 and
                   not ps.stdout.strip() and not leftover and not stores)
        line = daemon.wait_for(f"/{PARENT} memory.min", timeout=60,
                               start=start_at)
        daemon.next_pass(60)
        st = memqosd.state()
        ktap.print_msg(f"after podman rm: {line}; state {st}")
        ktap.check("the daemon forgot the container and restored "
                   f"{PARENT}", line is not None and
                   memqosd.read_int(PARENT, "memory.min") == 0 and
                   not [k for k in st if k[0].startswith(f"/{PARENT}")])
        memqos.stop(*holders)
        rc = daemon.stop()
        daemon = None
        ktap.check("SIGTERM: exit 0, every value back, no state file",
                   rc == 0 and not os.path.exists(memqosd.STATE) and
                   memqosd.read_int("machine.slice", "memory.min") == 0)
    finally:
        if daemon:
            daemon.log()
            daemon.stop()
        podman.cleanup()
        node.undo()
    ktap.finish()


main()
