#!/usr/bin/python3
"""Tier classification on real cgroupfs trees: a kubepods hierarchy laid out
as the kubelet's systemd driver does, one as its cgroupfs driver does, path
globs for docker/podman/systemd layouts, and root's tags (the
trusted.memqos.tier xattr), read back with 'memqos tier list -j' (tier and
source of each cgroup) and acted on by 'memqos daemon --dry-run --once'.

    /sys/fs/cgroup
    |-- kubepods.slice                                     (QoS level: none)
    |   |-- kubepods-pod<G>.slice                          Guaranteed
    |   |   `-- cri-containerd-<c1>.scope                  Guaranteed, 16 MiB
    |   |-- kubepods-burstable.slice                       (QoS level: none)
    |   |   `-- kubepods-burstable-pod<B>.slice            Burstable
    |   |       `-- cri-containerd-<c2>.scope              Burstable
    |   `-- kubepods-besteffort.slice
    |       `-- kubepods-besteffort-pod<E>.slice           BestEffort
    |           |-- crio-<c3>.scope                        BestEffort
    |           `-- crio-<c4>.scope                        xattr critical wins
    |-- kubepods                                           (cgroupfs driver)
    |   |-- pod<g>/<c5>                                    Guaranteed (both)
    |   |-- burstable/pod<b>/<c6>                          Burstable (both)
    |   `-- besteffort/pod<e>/<c7>                         BestEffort (both),
    |                                                      <c7>'s xattr
    |                                                      "platinum" ignored
    |-- system.slice/docker-<d>.scope                      rule -> standard
    |-- machine.slice/libpod-<p>.scope                     rule -> critical
    `-- memqos-cl
        |-- app.service                                    rule -> batch
        |-- opted-out.service                              xattr none
        `-- other                                          no tier

Proven: every cgroup gets the tier and source the order xattr > kubepods
QoS class > rules > default gives, for both kubelet drivers; QoS-level
slices get none; an unknown xattr is reported and ignored; tier set/get/
unset round-trip through the xattr and refuse unknown tiers (exit 2) and
unknown cgroups (exit 3); the daemon plans memory.min for the Guaranteed
container from its measured usage and raises its pod and kubepods.slice to
cover it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

MIB = memqos.MIB
G = "1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d"
B = "2b3c4d5e_6f7a_8b9c_0d1e_2f3a4b5c6d7e"
E = "3c4d5e6f_7a8b_9c0d_1e2f_3a4b5c6d7e8f"
SD = "kubepods.slice"
SD_G = f"{SD}/kubepods-pod{G}.slice"
SD_GC = f"{SD_G}/cri-containerd-{'a' * 64}.scope"
SD_BQ = f"{SD}/kubepods-burstable.slice"
SD_B = f"{SD_BQ}/kubepods-burstable-pod{B}.slice"
SD_BC = f"{SD_B}/cri-containerd-{'b' * 64}.scope"
SD_EQ = f"{SD}/kubepods-besteffort.slice"
SD_E = f"{SD_EQ}/kubepods-besteffort-pod{E}.slice"
SD_EC = f"{SD_E}/crio-{'c' * 64}.scope"
SD_EX = f"{SD_E}/crio-{'d' * 64}.scope"
FS_G = "kubepods/pod11111111-2222-3333-4444-555555555555/" + "e" * 64
FS_B = "kubepods/burstable/pod66666666-7777-8888-9999-000000000000/" + "f" * 64
FS_E = "kubepods/besteffort/podaaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/" + "1" * 64
DOCKER = "system.slice/docker-" + "2" * 64 + ".scope"
PODMAN = "machine.slice/libpod-" + "3" * 64 + ".scope"

# path: (tier, source as 'memqos tier list' prints it)
EXPECT = {
    SD_G: ("critical", "kubernetes Guaranteed"),
    SD_GC: ("critical", "kubernetes Guaranteed"),
    SD_B: ("standard", "kubernetes Burstable"),
    SD_BC: ("standard", "kubernetes Burstable"),
    SD_E: ("batch", "kubernetes BestEffort"),
    SD_EC: ("batch", "kubernetes BestEffort"),
    SD_EX: ("critical", "xattr trusted.memqos.tier"),
    FS_G: ("critical", "kubernetes Guaranteed"),
    FS_B: ("standard", "kubernetes Burstable"),
    FS_E: ("batch", "kubernetes BestEffort"),
    os.path.dirname(FS_G): ("critical", "kubernetes Guaranteed"),
    os.path.dirname(FS_B): ("standard", "kubernetes Burstable"),
    os.path.dirname(FS_E): ("batch", "kubernetes BestEffort"),
    DOCKER: ("standard", "rule /system.slice/docker-*.scope"),
    PODMAN: ("critical", "rule /machine.slice/libpod-*.scope"),
    "memqos-cl/app.service": ("batch", "rule /memqos-cl/*.service"),
}
UNTIERED = [SD, SD_BQ, SD_EQ, "kubepods", "kubepods/burstable",
            "memqos-cl/opted-out.service", "memqos-cl/other",
            "system.slice", "machine.slice"]


def mkdirs(path):
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        sub = "/".join(parts[:i])
        if not os.path.isdir(memqos.cg_path(sub)):
            ktap.cg_create(sub)


def hold(nbytes):
    m = memqos.touch_anon(nbytes)
    memqos.hold(3600, m)


def main():
    ktap.print_header(12)
    conf = memqosd.config(rules=["/system.slice/docker-*.scope standard",
                                 "/machine.slice/libpod-*.scope critical",
                                 "/memqos-cl/*.service batch"],
                          daemon={"window_s": 10})
    for p in list(EXPECT) + UNTIERED:
        mkdirs(p)
    tier = ["tier", "-c", conf]
    rc1 = memqosd.run(*tier, "set", "/" + SD_EX, "critical")[0]
    rc2 = memqosd.run(*tier, "set", "/" + FS_E, "batch")[0]
    rc3 = memqosd.run(*tier, "set", "memqos-cl/opted-out.service", "none")[0]
    # a tag that names no tier, written as any tool might
    os.setxattr(memqos.cg_path(FS_E), "trusted.memqos.tier", b"platinum")
    ktap.check("tier set accepted three tiers", (rc1, rc2, rc3) == (0, 0, 0))

    listed = memqosd.tier_list(conf)
    wrong = []
    for path, (t, src) in EXPECT.items():
        got = listed.get("/" + path)
        if not got or (got["tier"], got["source"]) != (t, src):
            wrong.append(f"/{path}: want {t} ({src}), got "
                         f"{got and (got['tier'], got['source'])}")
    for w in wrong:
        ktap.print_msg(w)
    ktap.print_msg(f"{len(listed)} tiered cgroups listed, "
                   f"{len(EXPECT)} expected")
    ktap.check("systemd-driver kubepods tree: QoS classes to tiers",
               not [w for w in wrong if SD in w])
    ktap.check("cgroupfs-driver kubepods tree: QoS classes to tiers",
               not [w for w in wrong if "/kubepods/" in w])
    ktap.check("globs: docker, libpod and service rules",
               not [w for w in wrong if SD not in w and "/kubepods/" not in w])
    extra = [p for p in UNTIERED if "/" + p in listed]
    ktap.check("QoS-level slices, opted-out and unmatched cgroups untiered",
               not extra and set(listed) == {"/" + p for p in EXPECT})
    e = listed.get("/" + FS_E, {})
    ktap.check("an unknown tier in the xattr is shown and ignored",
               e.get("ignored_xattr") == "platinum" and
               e.get("reason") == "kubernetes" and
               e.get("qos_class") == "BestEffort")

    rc, out, err = memqosd.run(*tier, "get", "/" + SD_EX)
    ktap.print_msg(f"tier get: {out.strip()}")
    rc_unset = memqosd.run(*tier, "unset", "/" + SD_EX)[0]
    rc2, out2, _ = memqosd.run(*tier, "get", "-j", "/" + SD_EX)
    ktap.check("get shows the xattr, unset falls back to the QoS class",
               rc == 0 and out.startswith("critical") and rc_unset == 0 and
               rc2 == 0 and '"tier":"batch"' in out2 and
               '"qos_class":"BestEffort"' in out2)
    rc_bad, _, err_bad = memqosd.run(*tier, "set", "/" + SD_EC, "gold")
    rc_gone, _, err_gone = memqosd.run(*tier, "get", "/memqos-cl/nope")
    ktap.print_msg(f"unknown tier: {rc_bad} {err_bad.splitlines()[0]}")
    ktap.print_msg(f"unknown cgroup: {rc_gone} {err_gone.strip()}")
    ktap.check("unknown tier exits 2 and changes nothing, unknown cgroup 3",
               rc_bad == 2 and "unknown tier 'gold'" in err_bad and
               memqosd.tier_list(conf)["/" + SD_EC]["tier"] == "batch" and
               rc_gone == 3 and "no such cgroup" in err_gone)

    # The daemon acts on the tree: memory.min for the Guaranteed container.
    pid = memqos.spawn(SD_GC, hold, 16 * MIB)
    memqos.drop_caches()
    import time
    time.sleep(3)       # levels are flushed about every 2 s
    rc, out, err = memqosd.run("daemon", "-c", conf, "--dry-run", "--once")
    memqos.stop(pid)
    for line in out.splitlines():
        ktap.print_msg("dry run: " + line)
    plan = {}
    for line in out.splitlines():
        if line.startswith("would set "):
            path, file = line.split()[2:4]
            plan[(path, file.rstrip(":"))] = int(line.split("-> ")[1].split()[0])
    want = plan.get(("/" + SD_GC, "memory.min"), 0)
    ktap.check("dry run plans memory.min >= 16 MiB for the Guaranteed "
               "container", rc == 0 and want >= 16 * MIB)
    ktap.check("its pod and kubepods.slice are raised to cover it",
               plan.get(("/" + SD_G, "memory.min")) == want and
               plan.get(("/" + SD, "memory.min"), 0) >= want)
    ktap.check("the dry run changed nothing",
               memqosd.read_int(SD_GC, "memory.min") == 0 and
               memqosd.read_int(SD, "memory.min") == 0 and
               not os.path.exists(memqosd.STATE))
    ktap.check("no memory.low/min planned for untiered cgroups",
               not [k for k in plan if k[0] in ("/" + p for p in UNTIERED)
                    and k[0] not in ("/" + SD, "/" + SD_G)])
    ktap.finish()


main()
