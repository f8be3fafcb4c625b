#!/usr/bin/python3
"""The memqos demo, inside the guest (demo/guest.sh runs it with the module
loaded): what memqos is for, in four short acts.

    /sys/fs/cgroup/demo        reads of the dataset's disk: 8 MiB/s
    |-- node                   memory.max 128M: the node's little RAM
    |   |-- service            re-reads a 48 MiB dataset, checksumming it
    |   `-- batch              allocates and fills 96 MiB, frees it, again
    |-- elsewhere              memory.max 128M: the batch job, first
    `-- leak                   memory.max 32M, no swap: leaks until killed

The batch job runs in all three acts, on the other CPU: under emulation a
CPU that churns memory slows the other, so "alone" means with the batch
job in a cgroup of its own, and the service's figures show only what
sharing memory with it costs.

1. the service alone; 2. the batch neighbour arrives: memqos shows the
service's reclaim stalls and names the neighbour; 3. `memqos daemon`
protects the service and squeezes the neighbour, figures side by side;
4. an OOM kill arriving live. Swap is zram, so the neighbour's memory can
be swapped instead of the service's cache dropped.
"""
import mmap
import os
import signal
import struct
import subprocess
import sys
import time
import zlib

CG = "/sys/fs/cgroup"
TOP = "demo"
SERVICE, BATCH, LEAK = "demo/node/service", "demo/node/batch", "demo/leak"
ELSEWHERE = "demo/elsewhere"
TOOL = "user/memqos"
MNT = "/tmp/memqos-demo"
IMAGE = "/tmp/memqos-demo.img"
DATASET = "/tmp/memqos-demo/dataset"
CONF = "/tmp/memqos-demo.conf"
MIB = 1 << 20
PAGE = os.sysconf("SC_PAGE_SIZE")
BOLD, PLAIN = "\033[1m", "\033[0m"


def caption(text):
    print(f"\n{BOLD}{text}{PLAIN}", flush=True)


def say(text):
    print(f"  {text}", flush=True)


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def cg(name, file=None):
    return os.path.join(CG, name, file) if file else os.path.join(CG, name)


def stat(name):
    with open(cg(name, "memory.stat")) as f:
        return {k: int(v) for k, v in (line.split() for line in f)}


def pressure_us(name):
    with open(cg(name, "memory.pressure")) as f:
        return int(f.readline().split("total=")[1])


def show(*args):
    """A memqos command, as the user would type it."""
    print(f"\n{BOLD}$ memqos {' '.join(args)}{PLAIN}", flush=True)
    subprocess.run([TOOL, *args], check=False)


# ---- the machine ----

def setup():
    subprocess.run(["modprobe", "-a", "zram", "loop", "ext4"], check=True)
    write("/sys/block/zram0/disksize", 256 * MIB)
    subprocess.run(["mkswap", "-q", "/dev/zram0"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["swapon", "/dev/zram0"], check=True)
    # nodes that keep swap for emergencies: reclaim prefers the cache
    write("/proc/sys/vm/swappiness", 10)
    with open(IMAGE, "wb") as f:
        f.truncate(64 * MIB)
    subprocess.run(["mkfs.ext4", "-q", "-F", IMAGE], check=True)
    os.makedirs(MNT, exist_ok=True)
    subprocess.run(["mount", "-o", "loop", IMAGE, MNT], check=True)
    seed = os.urandom(MIB)
    with open(DATASET, "wb") as f:
        for _ in range(48):
            f.write(seed)
    write("/proc/sys/vm/drop_caches", 3)
    write(cg("", "cgroup.subtree_control"), "+memory +io")
    for name in (TOP, "demo/node", SERVICE, BATCH, ELSEWHERE, LEAK):
        os.makedirs(cg(name), exist_ok=True)
    write(cg(TOP, "cgroup.subtree_control"), "+memory")
    write(cg("demo/node", "cgroup.subtree_control"), "+memory")
    write(cg("demo/node", "memory.max"), 128 * MIB)
    write(cg(ELSEWHERE, "memory.max"), 128 * MIB)
    write(cg(LEAK, "memory.max"), 32 * MIB)
    write(cg(LEAK, "memory.swap.max"), 0)
    # The loop device reads RAM: a disk's pace makes lost cache cost.
    dev = os.stat(MNT).st_dev
    write(cg(TOP, "io.max"), f"{os.major(dev)}:{os.minor(dev)} rbps={8 * MIB}")


def teardown():
    for name in (BATCH, SERVICE, ELSEWHERE, LEAK, "demo/node", TOP):
        if os.path.isdir(cg(name)):
            write(cg(name, "cgroup.kill"), 1)
            for _ in range(200):
                try:
                    os.rmdir(cg(name))
                    break
                except OSError:
                    time.sleep(0.05)
    subprocess.run(["umount", MNT], check=False)
    for path in (IMAGE, CONF):
        if os.path.exists(path):
            os.unlink(path)
    subprocess.run(["swapoff", "/dev/zram0"], check=False)
    write("/sys/block/zram0/reset", 1)


# ---- the workloads ----

COUNTER = mmap.mmap(-1, 8)      # bytes the service checksummed, shared


def served():
    return struct.unpack_from("Q", COUNTER)[0]


def service():
    fd = os.open(DATASET, os.O_RDONLY)
    buf = bytearray(MIB)
    while True:
        for off in range(0, 48 * MIB, MIB):
            os.preadv(fd, [buf], off)
            for _ in range(4):
                zlib.crc32(buf)
            struct.pack_into("Q", COUNTER, 0, served() + MIB)


def batch():
    """A batch job's churn: fresh memory each round, so it reclaims."""
    while True:
        m = mmap.mmap(-1, 96 * MIB,
                      flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        for off in range(0, len(m), PAGE):
            m[off] = 1
        m.close()


def leak():
    chunks = []
    while True:
        chunks.append(bytearray(4 * MIB))


def spawn(name, fn, cpu=None):
    """@fn in a child in cgroup @name; on CPU @cpu, so that the neighbour
    costs the service memory, not CPU time (where there are two)."""
    pid = os.fork()
    if pid == 0:
        write(cg(name, "cgroup.procs"), os.getpid())
        if cpu is not None and os.cpu_count() > cpu:
            os.sched_setaffinity(0, {cpu})
        try:
            fn()
        finally:
            os._exit(0)
    return pid


def measure(seconds):
    """The service over @seconds: MiB/s checksummed, MiB it faulted back
    in (refaults), % of the time it stalled on memory."""
    st0, p0, s0, t0 = stat(SERVICE), pressure_us(SERVICE), served(), time.time()
    time.sleep(seconds)
    st1, p1, s1, t1 = stat(SERVICE), pressure_us(SERVICE), served(), time.time()
    refaults = sum(st1[k] - st0[k] for k in ("workingset_refault_anon",
                                              "workingset_refault_file"))
    return {"rate": (s1 - s0) / MIB / (t1 - t0),
            "refault_mib": refaults * PAGE / MIB,
            "stall_pct": (p1 - p0) / 1e4 / (t1 - t0)}


def resident(name, nbytes, timeout=60):
    end = time.time() + timeout
    while time.time() < end and stat(name)["file"] < nbytes:
        time.sleep(0.5)


def row(label, m, alone):
    return (f"  {label:<24} {m['rate']:6.1f} MiB/s  {m['rate'] / alone:5.2f}"
            f"   {m['refault_mib']:7.1f} MiB   {m['stall_pct']:5.1f}%")


# ---- the story ----

def act_alone():
    caption("1/4  A service keeps a 48 MiB dataset in cache and checksums it, "
            "round and round; a batch job runs in a cgroup of its own")
    pids = [spawn(SERVICE, service, cpu=0)]
    resident(SERVICE, 46 * MIB)
    elsewhere = spawn(ELSEWHERE, batch, cpu=1)
    time.sleep(3)
    alone = measure(6)
    os.kill(elsewhere, signal.SIGKILL)
    say(f"alone: {alone['rate']:.1f} MiB/s, {alone['refault_mib']:.0f} MiB "
        f"refaulted, {alone['stall_pct']:.0f}% stalled")
    return pids, alone


def act_neighbour(pids):
    caption("2/4  A batch job moves in next to it (both under a 128 MiB limit) "
            "and churns through 96 MiB")
    pids.append(spawn(BATCH, batch, cpu=1))
    time.sleep(4)
    hurt = measure(10)
    say(f"the service now: {hurt['rate']:.1f} MiB/s, it faulted "
        f"{hurt['refault_mib']:.0f} MiB back in from disk and stalled "
        f"{hurt['stall_pct']:.0f}% of the time")
    caption("memqos times every reclaim stall of the service, per cgroup:")
    show("hist", "/" + SERVICE)
    caption("and names who took its memory, and the harm (refaults after):")
    show("blame", "-i", "5", "/" + SERVICE)
    return hurt


def settled(name, file, calm=3, timeout=30):
    """Until @file of @name has not changed for @calm seconds."""
    end, last, since = time.time() + timeout, None, time.time()
    while time.time() < end:
        with open(cg(name, file)) as f:
            now = f.read()
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= calm:
            return
        time.sleep(0.5)


def act_daemon(pids):
    caption("3/4  memqos daemon, running as it would all along: the service "
            "is critical, the batch job batch")
    os.kill(pids.pop(), signal.SIGKILL)     # the neighbour leaves a while
    with open(CONF, "w") as f:
        f.write("[daemon]\nstate_dir = /run/memqos-demo\nreconcile_ms = 500\n"
                "squeeze_interval_ms = 500\nwindow_s = 30\n[classify]\n"
                f"rule = /{SERVICE} critical\nrule = /{BATCH} batch\n")
    daemon = subprocess.Popen([TOOL, "daemon", "-c", CONF],
                              stderr=subprocess.PIPE, text=True)
    resident(SERVICE, 46 * MIB)
    settled(SERVICE, "memory.min")
    with open(cg(SERVICE, "memory.min")) as f:
        say(f"the daemon sized the service's working set: memory.min "
            f"{int(f.read()) // MIB} MiB")
    say("the batch job comes back")
    pids.append(spawn(BATCH, batch, cpu=1))
    time.sleep(3)
    protected = measure(10)
    daemon.send_signal(signal.SIGTERM)
    _, log = daemon.communicate(timeout=60)
    squeezes = [line for line in log.splitlines()
                if f"/{BATCH} memory." in line and "original" not in line]
    if squeezes:
        say(f"it squeezed the batch job {len(squeezes)} times, e.g.: "
            + squeezes[0].split(f"/{BATCH} ", 1)[1])
    say("on SIGTERM it put every value back")
    return protected


def act_oom(pids):
    caption("4/4  An OOM kill, as it happens: `memqos events` is told at once")
    while pids:
        os.kill(pids.pop(), signal.SIGKILL)
    ev = subprocess.Popen([TOOL, "events", "-t", "30"],
                          stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    victim = spawn(LEAK, leak)
    print(f"\n{BOLD}$ memqos events{PLAIN}", flush=True)
    for line in ev.stdout:
        if " oom_kill " in line:
            print(line.rstrip(), flush=True)
            break
    ev.terminate()
    ev.wait()
    os.waitpid(victim, 0)


def main():
    setup()
    pids = []
    try:
        pids, alone = act_alone()
        hurt = act_neighbour(pids)
        protected = act_daemon(pids)
        caption("The service, side by side:")
        say(f"{'':<24} {'throughput':>11}  {'vs alone':>8}   "
            f"{'refaulted':>9}   {'stalled':>6}")
        say(row("alone", alone, alone["rate"]).strip())
        say(row("with the batch job", hurt, alone["rate"]).strip())
        say(row("with memqos daemon", protected, alone["rate"]).strip())
        say("(throughput under emulation moves with the host's load; "
            "refaults and stalls are the memory's cost)")
        act_oom(pids)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        teardown()


if __name__ == "__main__":
    sys.exit(main())
