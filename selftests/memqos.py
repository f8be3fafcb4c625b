"""What memqos selftests share: reading the module's debugfs files, the
kernel's own accounting (memory.stat, memory.events, tracefs), and
workloads that make real memory pressure.

Workloads are python functions run in a forked child inside a cgroup with
ktap.cg_run(); fork+exec costs ~170 ms in a TCG guest, so they loop inside
one process and never shell out.
"""

import errno
import json
import mmap
import os
import re
import subprocess
import sys
import time

import ktap

DEBUGFS = "/sys/kernel/debug/memqos"
TRACEFS = "/sys/kernel/tracing"
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1 << 20
KO = os.environ.get("MEMQOS_KO", "kmod/memqos.ko")
TOOL = "user/memqos"


# ---- the module ----

def loaded():
    return os.path.isdir(DEBUGFS)


def insmod():
    subprocess.run(["insmod", KO], check=True)


def rmmod():
    subprocess.run(["rmmod", "memqos"], check=True)


def read_pairs(name):
    """A debugfs file of "key value" lines, as a dict of ints where numeric."""
    out = {}
    with open(os.path.join(DEBUGFS, name)) as f:
        for line in f:
            key, _, val = line.rstrip("\n").partition(" ")
            out[key] = int(val) if val.lstrip("-").isdigit() else val
    return out


def stats():
    return read_pairs("stats")


def tracepoint_hits(name):
    """Hits of one bound tracepoint, from the stats file."""
    with open(os.path.join(DEBUGFS, "stats")) as f:
        for line in f:
            parts = line.split()
            if parts[:2] == ["tracepoint", name]:
                return int(parts[3])
    raise KeyError(name)


def detail(cgroup):
    """The detail view of one cgroup (an id or a /path)."""
    with open(os.path.join(DEBUGFS, "detail"), "w") as f:
        f.write(str(cgroup))
    return read_pairs("detail")


def cgroups_table():
    """The cgroups file as a list of dicts keyed by its header row; a value
    this kernel cannot give ("-") is None."""
    with open(os.path.join(DEBUGFS, "cgroups")) as f:
        header = f.readline().split()
        rows = []
        for line in f:
            vals = line.rstrip("\n").split(" ")
            row = dict(zip(header[:-1], (None if v == "-" else int(v)
                                         for v in vals[:-1])))
            row["path"] = vals[-1]
            rows.append(row)
    return header, rows


def oom_kills():
    with open(os.path.join(DEBUGFS, "oom_kills")) as f:
        header = f.readline().split()
        return [dict(zip(header, line.rstrip("\n").split(" "))) for line in f]


def tool_json(*args):
    """`memqos -j ARGS` as JSON; None (and why, as a KTAP comment) if it
    fails."""
    r = subprocess.run([TOOL, "-j", *args], capture_output=True, text=True,
                       timeout=120)
    if r.returncode:
        ktap.print_msg(f"memqos {' '.join(args)}: exit {r.returncode}: "
                       f"{r.stderr.strip()}")
        return None
    return json.loads(r.stdout)


# ---- what the running kernel gives ----

def kernel_version():
    """The running kernel's (major, minor, patch)."""
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", os.uname().release)
    return tuple(int(x or 0) for x in m.groups())


def expected_unavailable():
    """The levels and counters (debugfs names) kmod/compat.h says this
    kernel cannot give: the module must leave out exactly these."""
    v = kernel_version()
    out = set()
    if v < (6, 12):
        out |= {"pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged"}
    if v < (7, 1):
        out |= {"limit_reclaims", "limit_reclaim_pages"}
    if v < (7, 2):
        out.add("zswpwb")
    return out


def mglru_on():
    """Whether the Multi-Gen LRU is on (False where the kernel has none)."""
    try:
        with open("/sys/kernel/mm/lru_gen/enabled") as f:
            return int(f.read(), 16) & 1 == 1
    except FileNotFoundError:
        return False


def attribution_blind():
    """Whether this kernel's reclaim goes unseen by attribution right now:
    the Multi-Gen LRU on a kernel whose evict_folios() has no tracepoint
    (before 6.12, kmod/compat.h)."""
    return mglru_on() and kernel_version() < (6, 12)


def expected_probes():
    """name -> kind of every probe and function the module must have bound
    on this kernel (stats file lines "KIND NAME bound ...")."""
    v = kernel_version()
    high = ("__mem_cgroup_handle_over_high" if v >= (7, 2)
            else "mem_cgroup_handle_over_high")
    out = {high: "kretprobe", "out_of_memory": "kretprobe",
           "shrink_lruvec": "kprobe",
           "evict_folios": "kprobe", "lruvec_page_state": "function",
           "memcg_page_state": "function"}
    if v >= (7, 2):
        out["memcg_events"] = "function"
    return out


# ---- the kernel's own accounting ----

def cg_path(name):
    return os.path.join(ktap.CG_ROOT, name)


def cg_id(name):
    """The cgroup id is the inode number of its cgroupfs directory."""
    return os.stat(cg_path(name)).st_ino


def cg_file(name, file):
    """A flat-keyed cgroup file (memory.stat, memory.events) as a dict."""
    with open(os.path.join(cg_path(name), file)) as f:
        return {k: int(v) for k, v in (line.split() for line in f)}


def cg_pressure_total_us(name, kind="some"):
    """Reading memory.pressure also makes the kernel aggregate the totals."""
    with open(os.path.join(cg_path(name), "memory.pressure")) as f:
        for line in f:
            if line.startswith(kind):
                return int(line.split("total=")[1])
    raise KeyError(kind)


def cg_write(name, file, value):
    with open(os.path.join(cg_path(name), file), "w") as f:
        f.write(str(value))


class TraceCount:
    """Counts tracefs events over a window, independently of the module.
    clock: a trace_clock ("mono" stamps events with CLOCK_MONOTONIC, as
    time.monotonic_ns() reads it), restored on exit, which empties the
    buffer: read records() inside the with block."""

    def __init__(self, *events, clock=None):
        self.events = events
        self.clock = clock
        self.old_clock = None

    def _set(self, value):
        for ev in self.events:
            with open(f"{TRACEFS}/events/{ev}/enable", "w") as f:
                f.write(value)

    def __enter__(self):
        with open(f"{TRACEFS}/tracing_on", "w") as f:
            f.write("0")
        with open(f"{TRACEFS}/buffer_size_kb", "w") as f:
            f.write("8192")
        if self.clock:
            with open(f"{TRACEFS}/trace_clock") as f:
                self.old_clock = f.read().split("[")[1].split("]")[0]
            with open(f"{TRACEFS}/trace_clock", "w") as f:
                f.write(self.clock)
        with open(f"{TRACEFS}/trace", "w") as f:
            f.write("")
        self._set("1")
        with open(f"{TRACEFS}/tracing_on", "w") as f:
            f.write("1")
        return self

    def __exit__(self, *exc):
        with open(f"{TRACEFS}/tracing_on", "w") as f:
            f.write("0")
        self._set("0")
        if self.old_clock:
            with open(f"{TRACEFS}/trace_clock", "w") as f:
                f.write(self.old_clock)

    def records(self, event):
        """[(timestamp in ns of the trace clock, pid, the event's text)] of
        the events named @event in the buffer."""
        return [(ts, pid, text) for ts, pid, _, text in self.in_order(event)]

    def in_order(self, *names):
        """[(timestamp in ns of the trace clock, pid, event name, text)]
        of the events named in @names, in the buffer's order."""
        out = []
        with open(f"{TRACEFS}/trace") as f:
            for line in f:
                # "comm-pid [cpu] flags 22.598870: event: text", and
                # "...: sys_recvfrom -> 0x40" for a syscall's exit
                m = re.match(r"\s*.*?-(\d+)\s+\[\d+\].*?\s(\d+)\.(\d{6}):"
                             r"\s+(\w+)(?::\s?|\s+)(.*)$", line)
                if m and m.group(4) in names:
                    out.append((int(m.group(2)) * 10**9 + int(m.group(3)) * 1000,
                                int(m.group(1)), m.group(4), m.group(5)))
        return out

    def count(self, event, task_only=False):
        """Events named @event in the buffer; fails if any were overrun.
        @task_only leaves out events that fired in interrupt context (the
        irq-info flags show 'h', 'H' or 's')."""
        for cpu in os.listdir(f"{TRACEFS}/per_cpu"):
            with open(f"{TRACEFS}/per_cpu/{cpu}/stats") as f:
                for line in f:
                    if line.startswith("overrun:") and int(line.split()[1]):
                        raise RuntimeError("trace buffer overrun")
        n = 0
        with open(f"{TRACEFS}/trace") as f:
            for line in f:
                if f" {event}:" not in line:
                    continue
                # "comm-pid [cpu] flags timestamp: event: ..."
                flags = line.split("]", 1)[1].split()[0]
                if task_only and len(flags) > 2 and flags[2] in "hHs":
                    continue
                n += 1
        return n


# ---- workloads (run inside a cgroup with ktap.cg_run) ----

def touch_anon(nbytes):
    """An anonymous mapping with every page written; returns it."""
    m = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    for off in range(0, nbytes, PAGE):
        m[off] = 1
    return m


MADV_POPULATE_WRITE = 23        # Linux 5.14; not in Python 3.11's mmap


def populate(nbytes, chunk=64 * MIB):
    """Maps @nbytes of anonymous memory in small-page chunks, every page
    written by the kernel (MADV_POPULATE_WRITE: a page at a time from
    Python is too slow to matter under TCG)."""
    maps = []
    for off in range(0, nbytes, chunk):
        m = mmap.mmap(-1, min(chunk, nbytes - off),
                      flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        m.madvise(mmap.MADV_NOHUGEPAGE)
        m.madvise(MADV_POPULATE_WRITE)
        maps.append(m)
    return maps


def anon_churn(nbytes, rounds):
    """Maps, writes and unmaps @nbytes @rounds times: reclaim if it exceeds
    the cgroup's limit (with swap), an OOM kill without."""
    for _ in range(rounds):
        touch_anon(nbytes).close()


def thrash(nbytes):
    """Keeps touching a working set larger than memory.max: every pass
    swaps half of it out and in again, so reclaim never pauses for long."""
    m = touch_anon(nbytes)
    while True:
        for off in range(0, nbytes, PAGE):
            m[off] = 1


# thrash()'s reclaim rate in the plain 6.1 kernel of the TCG guest:
# 114-117/s measured on a quiet host, 28-48/s beside other guests; the
# debug kernel (KASAN, lockdep) makes 2-5/s
PLAIN_RECLAIM_RATE = 100


def reclaim_rate(cg, secs=3):
    """Limit reclaims per second thrash() makes on this kernel (swap on),
    in a new cgroup @cg at memory.max 16 MiB, removed after: from
    memory.events' "max", as each charge that hits memory.max reclaims."""
    ktap.cg_create(cg)
    cg_write(cg, "memory.max", 16 * MIB)
    pid = spawn(cg, thrash, 32 * MIB)
    try:
        # past the first fill, at the limit
        time.sleep(1)
        a = cg_file(cg, "memory.events")["max"]
        t = time.monotonic()
        time.sleep(secs)
        b = cg_file(cg, "memory.events")["max"]
        return (b - a) / (time.monotonic() - t)
    finally:
        stop(pid)
        ktap.cg_remove(cg)


def slowdown(rate):
    """How many times slower than the plain kernel reclaim_rate() @rate is
    (at least 1)."""
    return max(1.0, PLAIN_RECLAIM_RATE / max(rate, 0.1))


def hold(seconds, *objs):
    """Keeps @objs alive (and mapped) for @seconds."""
    time.sleep(seconds)
    return objs


def write_file(path, nbytes):
    chunk = b"m" * MIB
    with open(path, "wb") as f:
        for _ in range(nbytes // MIB):
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())


def read_file(path, rounds):
    for _ in range(rounds):
        with open(path, "rb") as f:
            while f.read(MIB):
                pass


# ---- node setup ----

MIN_FREE = "/proc/sys/vm/min_free_kbytes"


def min_free_kbytes(value=None):
    """Reads vm.min_free_kbytes, or sets it to @value."""
    with open(MIN_FREE, "r" if value is None else "w") as f:
        return f.read().strip() if value is None else f.write(str(value))


ZRAM = "/sys/block/zram0"


def _zram_reset():
    """Frees zram0's memory and size (a built-in zram cannot be removed)."""
    try:
        with open(f"{ZRAM}/reset", "w") as f:
            f.write("1")
    except OSError:
        pass


def _teardown_swap():
    subprocess.run(["swapoff", "/dev/zram0"], check=False)
    if subprocess.run(["rmmod", "zram"], check=False,
                      stderr=subprocess.DEVNULL).returncode:
        _zram_reset()


def swapping_on(dev):
    """Whether @dev is an active swap device (/proc/swaps)."""
    with open("/proc/swaps") as f:
        return any(line.split()[0] == dev for line in f.readlines()[1:])


def setup_swap(mb):
    """A zram swap device, so that anonymous memory can be reclaimed. It
    goes away when the test exits: later tests expect no swap. A kernel
    with zram built in (the debug kernel) has an unused zram0 from boot."""
    import atexit
    if swapping_on("/dev/zram0"):
        return
    if not os.path.exists(ZRAM):
        subprocess.run(["modprobe", "zram", "num_devices=1"], check=True)
    atexit.register(_teardown_swap)
    _zram_reset()
    with open(f"{ZRAM}/disksize", "w") as f:
        f.write(f"{mb}M")
    subprocess.run(["mkswap", "-q", "/dev/zram0"], check=True)
    subprocess.run(["swapon", "/dev/zram0"], check=True)


def _teardown_ext4(mountpoint, image):
    subprocess.run(["umount", mountpoint], check=False)
    if os.path.exists(image):
        os.unlink(image)


def setup_ext4(mb, mountpoint="/tmp/memqos-ext4"):
    """An ext4 filesystem on a loop device: page cache that reclaim can drop
    (tmpfs pages are shmem and behave otherwise). Unmounted at exit. The
    loop device reads the guest's RAM: to make cache a workload loses cost
    what it costs on a node, throttle reads of block_device(mountpoint)."""
    import atexit
    if os.path.ismount(mountpoint):
        return mountpoint
    subprocess.run(["modprobe", "-a", "loop", "ext4"], check=True)
    image = "/tmp/memqos-ext4.img"
    atexit.register(_teardown_ext4, mountpoint, image)
    with open(image, "wb") as f:
        f.truncate(mb * MIB)
    subprocess.run(["mkfs.ext4", "-q", "-F", image], check=True)
    os.makedirs(mountpoint, exist_ok=True)
    subprocess.run(["mount", "-o", "loop", image, mountpoint], check=True)
    return mountpoint


def block_device(path):
    """"MAJ:MIN" of the block device a file system is on, as io.max wants."""
    dev = os.stat(path).st_dev
    return f"{os.major(dev)}:{os.minor(dev)}"


def drop_caches():
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3")


def close_enough(a, b, pct=3, slack=MIB):
    """The accounting engine's tolerance: within pct% or slack bytes."""
    return abs(a - b) <= max(slack, max(a, b) * pct / 100)


def spawn(cgroup, target, *args):
    """Like ktap.cg_run, but returns the child's pid at once (cgroup None:
    stay in the current one). The child loops until killed."""
    import sys
    import signal
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if cgroup:
                with open(os.path.join(cg_path(cgroup), "cgroup.procs"),
                          "w") as f:
                    f.write(str(os.getpid()))
            target(*args)
        finally:
            os._exit(0)
    return pid


# ---- tenants: unprivileged users in cgroups delegated to them ----

NOBODY = 65534


def chown_delegated(path, uid=NOBODY, gid=NOBODY):
    """Gives cgroup @path to @uid the way systemd delegates one (Delegate=
    yes with User=, systemd.resource-control(5)): the directory and the
    files the kernel lists in /sys/kernel/cgroup/delegate (cgroup.procs,
    cgroup.threads, cgroup.subtree_control, ...) owned by the user, its
    other files (memory.max, memory.min, ...) root's."""
    with open("/sys/kernel/cgroup/delegate") as f:
        files = f.read().split()
    os.chown(path, uid, gid)
    for name in files:
        if os.path.exists(os.path.join(path, name)):
            os.chown(os.path.join(path, name), uid, gid)


def cg_delegate(name, uid=NOBODY, gid=NOBODY):
    """Creates cgroup @name (memory on in its parents) and delegates it to
    @uid (chown_delegated()). Removed at exit like ktap.cg_create's."""
    path = ktap.cg_create(name)
    chown_delegated(path, uid, gid)
    return path


def drop_privileges(uid=NOBODY, gid=NOBODY):
    """Becomes @uid, with no supplementary groups and no capabilities, and
    owns its /proc files again as a process the user started would (a uid
    change makes the process non-dumpable: /proc/self/* root's)."""
    import ctypes
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)     # PR_SET_DUMPABLE


def tenant_setup(name, leaf="init"):
    """Run by a tenant's process after spawn_tenant() put it in its
    delegated cgroup @name: moves itself into the child @leaf, as a user
    manager does (no process may stay in a cgroup whose children have
    controllers), and enables memory for @name's children."""
    base = cg_path(name)
    os.makedirs(os.path.join(base, leaf), exist_ok=True)
    with open(os.path.join(base, leaf, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    control = os.path.join(base, "cgroup.subtree_control")
    for _ in range(100):
        with open(control) as f:
            if "memory" in f.read().split():
                return
        try:
            with open(control, "w") as f:
                f.write("+memory")
            return
        except OSError as e:
            # EBUSY: another of its processes has yet to move to @leaf
            if e.errno != errno.EBUSY:
                raise
        time.sleep(0.1)
    raise TimeoutError(f"{name}: processes stay in the delegated cgroup")


def _as_tenant(name, target, args):
    import traceback
    try:
        # Where systemd would start it: the delegated cgroup, or the leaf
        # its user manager made there.
        leaf = os.path.join(cg_path(name), "init")
        where = leaf if os.path.isdir(leaf) else cg_path(name)
        with open(os.path.join(where, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
        drop_privileges()
        tenant_setup(name)
        target(*args)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)


def spawn_tenant(name, target, *args):
    """Like spawn(), for the tenant of delegated cgroup @name: root puts
    the child there (in its leaf "init" once made), it becomes uid 65534
    and runs tenant_setup(), then target(*args). The tenant may then mkdir
    in @name and write the files of what it made (memory.max, ...), as
    uid 65534 could on a node."""
    return spawn(None, _as_tenant, name, target, args)


def stop(*pids):
    """Kills background children and reaps them."""
    import signal
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        os.waitpid(pid, 0)


def forever(fn, *args):
    while True:
        fn(*args)


def cgroup_churn(parent, batch, tag=""):
    """Creates and removes @batch cgroups under @parent, over and over;
    @tag tells apart the names of several churners of one parent."""
    base = cg_path(parent)
    i = 0
    while True:
        names = [os.path.join(base, f"c{tag}{i}-{n}") for n in range(batch)]
        for p in names:
            os.mkdir(p)
        for p in names:
            os.rmdir(p)
        i += 1


def oom_loop(cgroup_unused, nbytes):
    """Forks children that get OOM-killed, one after the other."""
    while True:
        pid = os.fork()
        if pid == 0:
            try:
                touch_anon(nbytes)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)


# ---- an unprivileged tenant ----

def delegate(name, uid=NOBODY, gid=NOBODY, memory=True):
    """A cgroup delegated to @uid the way systemd delegates one: made by
    root (with +memory for its children unless @memory is False) and
    given to @uid by chown_delegated(); and a leaf "init" of the user's,
    where its processes start (a cgroup that gives controllers to its
    children may hold no process). Returns the leaf's name."""
    cg_delegate(name, uid, gid)
    if memory:
        cg_write(name, "cgroup.subtree_control", "+memory")
    leaf = f"{name}/init"
    os.mkdir(cg_path(leaf))
    # All of it the user's, as if its user manager had made it.
    os.chown(cg_path(leaf), uid, gid)
    for f in os.listdir(cg_path(leaf)):
        os.chown(os.path.join(cg_path(leaf), f), uid, gid)
    return leaf


class Tenant:
    """fn(tenant, *args) run by uid/gid 65534, with no supplementary
    groups and no capabilities, in cgroup @leaf (joined as root first, as
    a service manager starts a delegated unit's process), on CPU @cpu if
    given, with an open-file limit of @nofile if given. The child reports
    with tell(obj) (one JSON line each); the parent reads with hear(), and
    wait() gives the child's exit status (negative signal if killed, e.g.
    -9 after an OOM kill)."""

    def __init__(self, leaf, fn, *args, nofile=None, cpu=None):
        import json
        import resource
        import sys
        self._json = json
        r, w = os.pipe()
        sys.stdout.flush()
        self.pid = os.fork()
        if self.pid == 0:
            code = 1
            try:
                os.close(r)
                self._w = w
                cg_write(leaf, "cgroup.procs", os.getpid())
                if cpu is not None:
                    os.sched_setaffinity(0, {cpu})
                if nofile:
                    resource.setrlimit(resource.RLIMIT_NOFILE,
                                       (nofile, nofile))
                drop_privileges()
                fn(self, *args)
                code = 0
            except BaseException as e:
                self.tell({"exception": repr(e)})
            finally:
                os._exit(code)
        os.close(w)
        self._r = os.fdopen(r, "r")

    def tell(self, obj):
        os.write(self._w, (self._json.dumps(obj) + "\n").encode())

    def hear(self, timeout=60):
        """The child's next report, or None once it exits or is silent
        for @timeout seconds."""
        import select
        if not select.select([self._r], [], [], timeout)[0]:
            return None
        line = self._r.readline()
        if not line:
            return None
        obj = self._json.loads(line)
        if "exception" in obj:
            ktap.print_msg(f"tenant {self.pid} failed: {obj['exception']}")
        return obj

    def wait(self):
        self._r.close()
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])

    def stop(self):
        import signal
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.wait()


def meminfo():
    """/proc/meminfo in bytes."""
    with open("/proc/meminfo") as f:
        return {k: int(v.split()[0]) * 1024 for k, v in
                (line.split(":", 1) for line in f)}


def vmstat():
    with open("/proc/vmstat") as f:
        return {k: int(v) for k, v in (line.split() for line in f)}
