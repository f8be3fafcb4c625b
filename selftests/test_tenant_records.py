#!/usr/bin/python3
"""A tenant pays for its cgroups' records and cannot use up max_cgroups.

The attacks (issue 16), by uid 65534 in a cgroup delegated to it: it
makes cgroups, to have the module hold memory for them outside its limits,
and to use up the records so that the pods root makes next go untracked.
(65,536 empty cgroups cannot be made: the kernel has 65,535 memory cgroup
ids. The test lowers max_cgroups instead, to 64 above the records there
are.)

Proves, against the kernel's own memory.current: a cgroup the tenant
makes is charged for its children's records (32 empty children: at least
32 records, less two pages, more than the same made with the module
unloaded, both read with the charges cached per CPU drained), and the
empty children stay at 0. With max_cgroups lowered, after the
tenant made 100 cgroups: its records stopped at max_cgroups less an eighth,
the refusals counted in dropped_delegated (not dropped_cap) and
records_delegated counts its records; four pods root makes then are all
tracked (debugfs detail, and netlink's "tracked" as root and as the
tenant); a tenant cgroup without a record says so ("tracked" 0 to the
tenant too).

    /sys/fs/cgroup
    |-- memqos-trec-pods       root's: pod0 ... pod3
    `-- memqos-trec-tenant     delegated to uid 65534
        |-- init               the tenant's process
        |-- one, two           made with the module loaded, and not,
        |   `-- c0 ... c31     each with 32 empty children
        `-- t0 ... t99         made with max_cgroups lowered
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402
import ktap  # noqa: E402
import memqos  # noqa: E402

TENANT = "memqos-trec-tenant"
PODS = "memqos-trec-pods"
N_TENANT = 100
N_KIDS = 32
N_PODS = 4
MAX_CGROUPS = 65536


def set_config(key, value):
    with open(os.path.join(memqos.DEBUGFS, "config"), "w") as f:
        f.write(f"{key} {value}")


def mkdirs(t, names):
    """As the tenant: makes TENANT/name for each of @names ("+name": gives
    name's children memory)."""
    made = []
    for name in names:
        try:
            if name.startswith("+"):
                with open(memqos.cg_path(f"{TENANT}/{name[1:]}") +
                          "/cgroup.subtree_control", "w") as f:
                    f.write("+memory")
                continue
            os.mkdir(memqos.cg_path(f"{TENANT}/{name}"))
            made.append(name)
        except OSError as e:
            t.tell({"error": f"{name}: {e}"})
            break
    t.tell({"made": made})


def tenant_mkdirs(leaf, names):
    t = memqos.Tenant(leaf, mkdirs, names)
    rep = t.hear(timeout=ktap.patience(120)) or {}
    status = t.wait()
    return rep.get("made", []), status


def tracked_as_tenant(t, ids):
    """As the tenant: the "tracked" attribute of each cgroup id."""
    with genl.Memqos() as nl:
        t.tell({str(i): nl.do("CGROUP_GET", ID=i).attrs.get("TRACKED")
                for i in ids})


def current(name):
    """memory.current of @name without the charges cached for it: a charge
    takes a batch of 64 pages and keeps the rest per CPU for the next ones,
    so memory.current may be up to 256 KiB a CPU over what it holds.
    Writing memory.high below it drains those (drain_all_stock()) before
    reclaim, which finds nothing to take in an empty cgroup's subtree."""
    memqos.cg_write(name, "memory.high", "0")
    try:
        return int(open(memqos.cg_path(name) + "/memory.current").read())
    finally:
        memqos.cg_write(name, "memory.high", "max")


def main():
    ktap.print_header(6)
    leaf = memqos.delegate(TENANT)
    ktap.cg_create(PODS)
    memqos.cg_write(PODS, "cgroup.subtree_control", "+memory")
    record_bytes = memqos.stats()["record_bytes"]

    # A record is charged to the parent of the cgroup it describes: the
    # tenant pays for the cgroups it makes, and an empty cgroup stays
    # empty (6.1's reclaim skips only empty cgroups). 32 records, nine
    # pages, so that the rounding to pages cannot hide them.
    kids = [f"{p}/c{i}" for p in ("one", "two") for i in range(N_KIDS)]
    made, _ = tenant_mkdirs(leaf, ["one", "+one"] + kids[:N_KIDS])
    with_module = current(f"{TENANT}/one")
    kids_with = [current(f"{TENANT}/{k}") for k in kids[:N_KIDS]]
    memqos.rmmod()
    try:
        made += tenant_mkdirs(leaf, ["two", "+two"] + kids[N_KIDS:])[0]
        without = current(f"{TENANT}/two")
    finally:
        memqos.insmod()
    # Page rounding: a remainder under a page per cgroup may stay uncharged.
    slack = 2 * 4096
    ktap.print_msg(f"memory.current of a cgroup the tenant made, after it "
                   f"made {N_KIDS} empty children in it: {with_module} with "
                   f"the module, {without} without; the children's: "
                   f"{sorted(set(kids_with))}; {N_KIDS} records are "
                   f"{N_KIDS * record_bytes} bytes")
    ktap.check("the tenant's cgroup is charged for its children's records, "
               "and the empty children are not",
               made == ["one"] + kids[:N_KIDS] + ["two"] + kids[N_KIDS:] and set(kids_with) == {0} and
               with_module - without >= N_KIDS * record_bytes - slack)

    # The tenant uses up all it may; root's pods are tracked still.
    st0 = memqos.stats()
    cap = st0["records"] + 64
    share = cap - cap // 8
    set_config("max_cgroups", cap)
    try:
        made, status = tenant_mkdirs(leaf, [f"t{i}" for i in range(N_TENANT)])
        st1 = memqos.stats()
        for i in range(N_PODS):
            os.mkdir(memqos.cg_path(f"{PODS}/pod{i}"))
        st2 = memqos.stats()
    finally:
        set_config("max_cgroups", MAX_CGROUPS)
    taken = st1["records"] - st0["records"]
    refused = st1.get("dropped_delegated", 0) - st0.get("dropped_delegated", 0)
    ktap.print_msg(f"max_cgroups {cap}: the tenant made {len(made)} cgroups "
                   f"(status {status}), {taken} got records, {refused} "
                   f"refused; records {st0['records']} -> {st1['records']} "
                   f"-> {st2['records']} after {N_PODS} pods; "
                   f"records_delegated {st0.get('records_delegated')} -> "
                   f"{st1.get('records_delegated')}; dropped_cap "
                   f"{st0['dropped_cap']} -> {st2['dropped_cap']}")
    ktap.check("the tenant's records stop at max_cgroups less an eighth",
               len(made) == N_TENANT and st1["records"] == share)
    ktap.check("its refusals count in dropped_delegated, not dropped_cap; "
               "records_delegated counts its records",
               refused == N_TENANT - taken and
               st2["dropped_cap"] == st0["dropped_cap"] and
               st1.get("records_delegated", 0) -
               st0.get("records_delegated", 0) == taken)

    pods = [memqos.cg_id(f"{PODS}/pod{i}") for i in range(N_PODS)]
    with genl.Memqos() as nl:
        root_view = [nl.do("CGROUP_GET", ID=i).attrs.get("TRACKED")
                     for i in pods]
    debugfs = [memqos.detail(i)["tracked"] for i in pods]
    refused_cg = memqos.cg_id(f"{TENANT}/t{N_TENANT - 1}")
    t = memqos.Tenant(leaf, tracked_as_tenant, pods + [refused_cg])
    tenant_view = t.hear(timeout=ktap.patience(60)) or {}
    t.wait()
    ktap.print_msg(f"pods tracked: debugfs {debugfs}, netlink {root_view}, "
                   f"to the tenant {[tenant_view.get(str(i)) for i in pods]};"
                   f" a refused tenant cgroup: {tenant_view.get(str(refused_cg))}")
    ktap.check("every pod root made after the attack is tracked",
               st2["records"] == st1["records"] + N_PODS and
               debugfs == [1] * N_PODS and root_view == [1] * N_PODS and
               [tenant_view.get(str(i)) for i in pods] == [1] * N_PODS)
    ktap.check("a tenant cgroup without a record reads tracked 0",
               tenant_view.get(str(refused_cg)) == 0 and
               memqos.detail(refused_cg)["tracked"] == 0)
    ktap.check("max_cgroups is back to its default",
               memqos.read_pairs("config")["max_cgroups"] == MAX_CGROUPS)
    ktap.finish()


main()
