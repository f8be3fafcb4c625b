#!/usr/bin/python3
"""A record made inside direct reclaim does not come out of the reserves.

A cgroup whose mkdir the module did not see with the memory controller on
gets its record on the first reclaim of a task in it, from the reclaim
probes. In direct reclaim the task has PF_MEMALLOC, which lets its
allocations ignore the watermarks: the reserves are there for reclaim to
free memory with, not for a tenant's bookkeeping. The attack (issue 16):
uid 65534, in a cgroup delegated to it without the memory controller for
its children, makes a child, turns the controller on
(cgroup.subtree_control is its own), moves into the child and allocates
while the node is under its min watermark.

Proves, from the kernel's own events (kmem:kmem_cache_alloc, whose
gfp_flags and call site it prints, and vmscan:mm_vmscan_direct_reclaim_
begin/end): the tenant went into direct reclaim; the module allocated the
child's record from inside it; and every record allocation the module made
in a probe carried __GFP_NOMEMALLOC. The child is tracked if that
allocation succeeded, and counted in dropped_nomem if not.

    /sys/fs/cgroup
    `-- memqos-trecl-tenant    delegated to uid 65534, no +memory at first
        |-- init               the tenant's process, at first
        `-- lazy               made by the tenant; the process moves here
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

MIB = memqos.MIB
TENANT = "memqos-trecl-tenant"
ALLOC, ALLOC_EVENT = "kmem/kmem_cache_alloc", "kmem_cache_alloc"
BEGIN, END = "mm_vmscan_direct_reclaim_begin", "mm_vmscan_direct_reclaim_end"


def tenant(t):
    """As the tenant: the child without a record; then, at SIGUSR1, 48
    MiB allocated and held."""
    lazy = memqos.cg_path(f"{TENANT}/lazy")
    os.mkdir(lazy)
    memqos.cg_write(TENANT, "cgroup.subtree_control", "+memory")
    memqos.cg_write(f"{TENANT}/lazy", "cgroup.procs", os.getpid())
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    t.tell({"pid": os.getpid()})
    signal.sigwait({signal.SIGUSR1})
    held = memqos.populate(48 * MIB, chunk=MIB)
    t.tell({"held": len(held)})
    time.sleep(3600)


def inside_reclaim(events, pid):
    """The kmem_cache_alloc events of @pid made in its direct reclaim:
    between a begin and its end, or just before the begin, by a probe on
    that very tracepoint (the module's probe was attached before tracefs's
    and runs first). @pid's events are in the order it made them."""
    inside, out, before = False, [], []
    for _, p, name, text in events:
        if p != pid:
            continue
        if name == BEGIN:
            out += before
            before, inside = [], True
        elif name == END:
            inside = False
        elif inside:
            out.append(text)
        else:
            before = [text]
    return out


def main():
    ktap.print_header(4)
    memqos.setup_swap(512)
    leaf = memqos.delegate(TENANT, memory=False)
    record_bytes = memqos.stats()["record_bytes"]
    st0 = memqos.stats()
    filt = f"{memqos.TRACEFS}/events/{ALLOC}/filter"
    with open(filt, "w") as f:
        f.write(f"bytes_req == {record_bytes}")
    memqos.drop_caches()
    min_free = memqos.min_free_kbytes()
    held = []
    try:
        with memqos.TraceCount(ALLOC, f"vmscan/{BEGIN}",
                               f"vmscan/{END}") as tc:
            t = memqos.Tenant(leaf, tenant)
            pid = (t.hear() or {}).get("pid")
            # Direct reclaim on purpose (test_stalls.py): fill memory to
            # 64 MiB from free, raise the min watermark 8 MiB above what is
            # free, and have the tenant allocate: once the small DMA zone
            # is used up too, its pages come from direct reclaim (zram swap
            # gives reclaim something to take).
            free = memqos.meminfo()["MemFree"]
            held = memqos.populate(max(free - 64 * MIB, 0))
            free = memqos.meminfo()["MemFree"]
            memqos.min_free_kbytes((free + 8 * MIB) // 1024)
            os.kill(pid, signal.SIGUSR1)
            done = t.hear(timeout=ktap.patience(120))
            ktap.print_msg(f"MemFree {free // MIB} MiB, min watermark "
                           f"raised to {free // MIB + 8} MiB; the tenant "
                           f"allocated {(done or {}).get('held')} MiB")
            memqos.min_free_kbytes(min_free)
            status = t.stop()
        events = tc.in_order(ALLOC_EVENT, BEGIN, END)
    finally:
        memqos.min_free_kbytes(min_free)
        with open(filt, "w") as f:
            f.write("0")
        for m in held:
            m.close()
    ours = [text for _, _, name, text in events if name == ALLOC_EVENT and
            re.search(r"call_site=\S*mq_\S* \[memqos\]", text)]
    in_reclaim = [text for text in inside_reclaim(events, pid)
                  if "[memqos]" in text]
    begins = sum(1 for _, p, name, _ in events if p == pid and name == BEGIN)
    for text in in_reclaim[:3]:
        ktap.print_msg(f"in the tenant's direct reclaim: {text}")
    ktap.print_msg(f"tenant pid {pid} (exit {status}): {begins} direct "
                   f"reclaims; the module's record allocations traced: "
                   f"{len(ours)}, {len(in_reclaim)} of them inside the "
                   f"tenant's direct reclaim")
    ktap.check("the tenant went into direct reclaim", begins > 0)
    ktap.check("the module allocated the child's record inside it",
               len(in_reclaim) >= 1)
    ktap.check("every record allocation from a probe has __GFP_NOMEMALLOC",
               ours and all("__GFP_NOMEMALLOC" in text for text in ours))
    st = memqos.stats()
    tracked = memqos.detail(memqos.cg_id(f"{TENANT}/lazy"))["tracked"]
    ktap.print_msg(f"the child is tracked: {tracked}; dropped_nomem "
                   f"{st0['dropped_nomem']} -> {st['dropped_nomem']}")
    ktap.check("the child is tracked, or its refusal counted",
               tracked == 1 or st["dropped_nomem"] > st0["dropped_nomem"])
    ktap.finish()


main()
