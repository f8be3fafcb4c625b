#!/usr/bin/python3
"""Records follow cgroups: one appears with each new memory cgroup and goes
with its rmdir; 10,000 cgroups created and removed leave the record count and
the module's memory back at baseline; a new cgroup never inherits the
counters of a removed one, although the kernel reuses 16-bit memcg ids at
once; the cap on records holds and counts what it refused.

    /sys/fs/cgroup
    `-- memqos-rec          +memory for its children
        |-- c0 ... c9999    created, then removed
        `-- victim          one OOM kill, removed, created again
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

N = int(os.environ.get("MEMQOS_REC_N", "10000"))
PARENT = "memqos-rec"


def slab_objects(cache="mq_cgroup"):
    """Active objects of the module's slab cache, or None if merged."""
    with open("/proc/slabinfo") as f:
        for line in f:
            if line.startswith(cache + " "):
                return int(line.split()[1])
    return None


def slab_shrink(cache="mq_cgroup"):
    """Frees the cache's empty slabs and, on a KASAN kernel, the freed
    objects KASAN holds in quarantine (they count as active until then)."""
    try:
        with open(f"/sys/kernel/slab/{cache}/shrink", "w") as f:
            f.write("1")
    except OSError:
        pass


def set_config(key, value):
    with open(os.path.join(memqos.DEBUGFS, "config"), "w") as f:
        f.write(f"{key} {value}")


def oom_victim():
    memqos.touch_anon(64 * memqos.MIB)


def main():
    ktap.print_header(7)
    base = memqos.cg_path(ktap.cg_create(PARENT).split("/")[-1])
    memqos.cg_write(PARENT, "cgroup.subtree_control", "+memory")
    st0, slab0 = memqos.stats(), slab_objects()

    os.mkdir(os.path.join(base, "one"))
    cgid = os.stat(os.path.join(base, "one")).st_ino
    rows = {r["id"] for r in memqos.cgroups_table()[1]}
    ktap.check("a new cgroup gets a record and a row",
               memqos.stats()["records"] == st0["records"] + 1 and
               cgid in rows)
    os.rmdir(os.path.join(base, "one"))
    ktap.check("rmdir takes the record away",
               memqos.stats()["records"] == st0["records"])

    names = [os.path.join(base, f"c{i}") for i in range(N)]
    for p in names:
        os.mkdir(p)
    st1 = memqos.stats()
    ktap.print_msg(f"records {st0['records']} -> {st1['records']} with {N} "
                   f"cgroups, bytes_used {st0['bytes_used']} -> "
                   f"{st1['bytes_used']} ({st1['record_bytes']} per record)")
    ktap.check(f"{N} cgroups, {N} more records",
               st1["records"] == st0["records"] + N)
    for p in names:
        os.rmdir(p)
    st2 = memqos.stats()
    # Records are freed after an RCU grace period: let the frees land.
    slab_shrink()
    slab2 = slab_objects()
    for _ in range(50):
        if slab0 is None or slab2 <= slab0 + N // 20:
            break
        time.sleep(0.1)
        slab_shrink()
        slab2 = slab_objects()
    ktap.print_msg(f"after removal: records {st2['records']}, bytes_used "
                   f"{st2['bytes_used']}, slab objects {slab0} -> {slab2}")
    # SLUB counts objects of per-CPU slabs as active even when free, so the
    # slab check allows that cache, far below a leak of N records.
    ktap.check("record count and memory back at baseline",
               st2["records"] == st0["records"] and
               st2["bytes_used"] == st0["bytes_used"] and
               (slab0 is None or slab2 <= slab0 + N // 20))

    victim = os.path.join(base, "victim")
    os.mkdir(victim)
    memqos.cg_write(PARENT + "/victim", "memory.max", 16 * memqos.MIB)
    memqos.cg_write(PARENT + "/victim", "memory.swap.max", 0)
    ktap.cg_run(PARENT + "/victim", oom_victim)
    first = memqos.detail(os.stat(victim).st_ino)["oom_kills"]
    os.rmdir(victim)
    os.mkdir(victim)
    again = memqos.detail(os.stat(victim).st_ino)["oom_kills"]
    ktap.check("a cgroup made again starts from zero", first == 1 and again == 0)
    os.rmdir(victim)

    # The cap: room for 5 more records, then refusals are counted.
    records = memqos.stats()["records"]
    set_config("max_cgroups", records + 5)
    capped = names[:10]
    for p in capped:
        os.mkdir(p)
    st3 = memqos.stats()
    for p in capped:
        os.rmdir(p)
    set_config("max_cgroups", 65536)
    ktap.check("max_cgroups caps the records",
               st3["records"] == records + 5)
    ktap.check("refused records are counted",
               st3["dropped_cap"] - st0["dropped_cap"] == 5)
    ktap.finish()


main()
