#!/usr/bin/python3
"""Who gives a cgroup its tier: a tenant, uid 65534 in a cgroup delegated
to it the way systemd delegates (the directory and its cgroup.procs and
cgroup.subtree_control its own), tries to raise its own protection, and
'memqos daemon --once' changes nothing for it beyond what root grants;
'memqos tier' explains each tier, the source trusted and the tags ignored;
old tags migrate.

    /sys/fs/cgroup/memqos-tr            root's
    |-- legacy      root's, user.memqos.tier=critical (memqos 0.1.0's tag)
    `-- tenant      delegated to uid 65534, which tags it critical
        |-- init                         its processes
        |-- crit    rule: batch; its owner tags it critical, then none;
        |           16 MiB in use
        |-- low     root's tag standard; its owner lowers it to batch
        |-- kubepods/pod<uid>/ctr        laid out as a Guaranteed pod,
        |                                16 MiB in use
        `-- .hide, show                  rule: batch; memory.low 32M set
                                         by their owner

Proven: the tenant cannot set root's tag (trusted.*: EPERM, and 'memqos
tier set' says why) but may lower its own tier ('tier set -o'); after
one pass no memory.min anywhere under memqos-tr, nothing of the tenant's
subtree changed and no original of it recorded (today's main gave crit
memory.min and raised its ancestors); the daemon logs each owner's tag
it ignores; 'memqos tier list' shows what each tag asked for and why it
was ignored, a lowered tier with what root granted, and a pod's layout
in the tenant's subtree as not trusted; an owner cannot opt a batch
cgroup out of the squeeze; a cgroup named ".hide" is listed and handled
like its sibling (the walk skipped it); 'tier migrate' makes root's tag
of the old tag only root could have set, and keeps the tenant's; as uid
65534 'tier list' warns that root's tags are unreadable.
"""
import errno
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

MIB = memqos.MIB
P = "memqos-tr"
T = f"{P}/tenant"
POD = f"{T}/kubepods/pod0a1b2c3d-0000-1111-2222-333344445555"
CTR = f"{POD}/" + "c" * 64
FILES = ("memory.min", "memory.low", "memory.high")
USER = "user.memqos.tier"
ROOT = "trusted.memqos.tier"


def values(top):
    """{(cgroup, file): value} for every cgroup under @top, @top too."""
    out = {}
    base = memqos.cg_path(top)
    for d, subdirs, _ in os.walk(base):
        rel = os.path.relpath(d, ktap.CG_ROOT)
        for f in FILES:
            out[(rel, f)] = memqosd.read(rel, f)
    return out


def hold(nbytes):
    memqos.hold(3600, memqos.touch_anon(nbytes))


def mkdirs(base, rel):
    """mkdir -p @base/@rel with memory on for each new cgroup's children."""
    path = base
    for part in rel.split("/"):
        with open(os.path.join(path, "cgroup.subtree_control"), "w") as f:
            f.write("+memory")
        path = os.path.join(path, part)
        if not os.path.isdir(path):
            os.mkdir(path)


def tenant_attack(base):
    """As the tenant: tag its cgroup and a child critical, lay out a pod,
    and try root's tag. Returns the errno of that try (0: it worked)."""
    os.setxattr(base, USER, b"critical")
    for d in ("crit", "low", os.path.relpath(memqos.cg_path(CTR), base)):
        mkdirs(base, d)
    os.setxattr(os.path.join(base, "crit"), USER, b"critical")
    os.setxattr(memqos.cg_path(CTR), USER, b"critical")
    try:
        os.setxattr(os.path.join(base, "crit"), ROOT, b"critical")
        return 0
    except OSError as e:
        return e.errno


def tenant_hide(base):
    """As the tenant: two batch children protected by their owner, one
    with a name the walk skipped."""
    for name in (".hide", "show"):
        os.mkdir(os.path.join(base, name))
        with open(os.path.join(base, name, "memory.low"), "w") as f:
            f.write(str(32 * MIB))


def main():
    ktap.print_header(11)
    conf = memqosd.config(rules=[f"/{T}/* batch"],
                          daemon={"window_s": 10})
    tier = ["tier", "-c", conf]
    ktap.cg_create(f"{P}/legacy")
    os.setxattr(memqos.cg_path(f"{P}/legacy"), USER, b"critical")
    base = memqosd.delegate(T)

    rc_root_tag = memqosd.as_tenant(T, tenant_attack, base)
    # what the daemon would protect: 16 MiB in use in each
    pids = [memqosd.tenant_spawn(cg, hold, 16 * MIB)
            for cg in (f"{T}/crit", CTR)]
    memqos.drop_caches()
    time.sleep(3)       # levels are flushed about every 2 s
    rc_set = memqosd.run(*tier, "set", f"/{T}/low", "standard")[0]
    rc_nb, _, err_nb = memqosd.run(*tier, "set", f"/{T}/crit", "critical",
                                   user="nobody")
    rc_own, _, err_own = memqosd.run(*tier, "set", "-o", f"/{T}/low",
                                     "batch", user="nobody")
    ktap.print_msg(f"as uid 65534: setxattr {ROOT}: "
                   f"{errno.errorcode.get(rc_root_tag, rc_root_tag)}; "
                   f"tier set: {rc_nb} {err_nb.strip()}; tier set -o: "
                   f"{rc_own} {err_own.strip()}")
    ktap.check("the tenant cannot set root's tag, may set its own",
               rc_root_tag == errno.EPERM and rc_set == 0 and
               rc_nb == 1 and "needs CAP_SYS_ADMIN" in err_nb and
               rc_own == 0 and
               os.getxattr(memqos.cg_path(f"{T}/low"), USER) == b"batch")

    before = values(P)
    rc, out, err = memqosd.run("daemon", "-c", conf, "--once", "-v")
    for line in err.splitlines():
        ktap.print_msg("daemon: " + line)
    after = values(P)
    changed = {k: (before[k], after[k]) for k in before
               if after.get(k) != before[k]}
    ktap.print_msg(f"changed: {changed}")
    mins = {k: v for k, v in after.items()
            if k[1] == "memory.min" and v != "0"}
    st = memqosd.state()
    ktap.check("one pass: no memory.min under memqos-tr, nothing of the "
               "tenant's changed, nothing of it recorded",
               rc == 0 and not mins and not changed and
               not [k for k in st if k[0].startswith(f"/{P}")])
    ktap.check("the daemon logs the owners' tags it ignores",
               all(f"/{cg}: {USER} \"critical\" ignored" in err
                   for cg in (T, f"{T}/crit", f"{P}/legacy", CTR)))

    listed = memqosd.tier_list(conf)
    for path in sorted(listed):
        if path.startswith(f"/{P}"):
            ktap.print_msg(f"tier list: {listed[path]}")
    t, crit = listed.get(f"/{T}", {}), listed.get(f"/{T}/crit", {})
    ktap.check("tier list: the owner's critical ignored, and why",
               t.get("tier") == "none" and t.get("owner_tag") == "critical"
               and t.get("owner_tag_effect") == "ignored" and
               "never raise it" in t.get("owner_tag_why", "") and
               crit.get("tier") == "batch" and
               crit.get("reason") == "rule" and
               crit.get("owner_tag_effect") == "ignored")
    low = listed.get(f"/{T}/low", {})
    ktap.check("tier list: root's standard lowered to batch by the owner",
               low.get("tier") == "batch" and low.get("reason") == "owner"
               and low.get("granted") == "standard" and
               low.get("granted_reason") == "xattr" and
               low.get("owner_tag_effect") == "lowered" and
               low.get("source", "").startswith(f"owner {USER}"))
    ctr = listed.get(f"/{CTR}", {})
    ktap.check("tier list: a pod's layout in the tenant's subtree is not "
               "trusted",
               ctr.get("tier") == "none" and
               ctr.get("untrusted_qos_class") == "Guaranteed")

    memqosd.as_tenant(T, os.setxattr, memqos.cg_path(f"{T}/crit"), USER,
                      b"none")
    crit = memqosd.tier_list(conf).get(f"/{T}/crit", {})
    ktap.check("an owner cannot opt a batch cgroup out of the squeeze",
               crit.get("tier") == "batch" and
               crit.get("owner_tag") == "none" and
               crit.get("owner_tag_effect") == "ignored")

    memqosd.as_tenant(T, tenant_hide, base)
    rc, out, err = memqosd.run("daemon", "-c", conf, "--once")
    listed = memqosd.tier_list(conf)
    low_hide = memqosd.read(f"{T}/.hide", "memory.low")
    low_show = memqosd.read(f"{T}/show", "memory.low")
    ktap.print_msg(f"memory.low after a pass: .hide {low_hide}, show "
                   f"{low_show}; .hide listed: {listed.get(f'/{T}/.hide')}")
    ktap.check("a cgroup named .hide is walked and handled like its "
               "sibling",
               rc == 0 and low_hide == low_show == "0" and
               listed.get(f"/{T}/.hide", {}).get("tier") == "batch")
    rc = memqosd.run("daemon", "-c", conf, "--restore")[0]

    rc_n, out_n, _ = memqosd.run(*tier, "migrate", "-n")
    for line in out_n.splitlines():
        ktap.print_msg("migrate -n: " + line)
    ktap.check("migrate -n says what it would do and changes nothing",
               rc_n == 0 and f"would migrate /{P}/legacy: " in out_n and
               f"kept /{T}: " in out_n and
               os.getxattr(memqos.cg_path(f"{P}/legacy"), USER) ==
               b"critical")
    rc_m, out_m, err_m = memqosd.run(*tier, "migrate")
    leg = memqosd.tier_list(conf).get(f"/{P}/legacy", {})
    ktap.print_msg(f"migrate: {rc_m} {out_m.strip()} {err_m.strip()}; "
                   f"legacy now {leg}")
    try:
        left = os.getxattr(memqos.cg_path(f"{P}/legacy"), USER)
    except OSError:
        left = None
    ktap.check("migrate: root's tag from the old one only root could set; "
               "the tenant's kept",
               rc_m == 0 and leg.get("tier") == "critical" and
               leg.get("reason") == "xattr" and left is None and
               os.getxattr(base, USER) == b"critical" and
               not os.path.exists(memqosd.STATE))

    rc, out, err = memqosd.run(*tier, "list", "-j", user="nobody")
    ktap.check("as uid 65534, tier list warns that root's tags are "
               "unreadable",
               rc == 0 and "without CAP_SYS_ADMIN" in err)
    memqos.stop(*pids)
    ktap.finish()


main()
