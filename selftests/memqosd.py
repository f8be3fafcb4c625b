"""What the 'memqos daemon' selftests share: a configuration in a temporary
file, the daemon as a child process whose stderr is collected, its state
file, and 'memqos tier'.

    conf = memqosd.config(reconcile_ms=500, rules=["/memqos-x/* batch"])
    d = memqosd.Daemon(conf)        # started, stderr collected by a thread
    d.wait_for("memory.min")        # a log line containing this, or None
    d.stop()                        # SIGTERM, returns the exit status

and the workloads' progress counters and the batch memory hog; and a
tenant: a cgroup delegated to uid 65534 the way systemd delegates, and
code run as that tenant inside it.

    memqosd.delegate("memqos-x/tenant")
    memqosd.as_tenant("memqos-x/tenant", os.mkdir, path)   # in a child
"""
import json
import mmap
import os
import pickle
import signal
import struct
import subprocess
import threading
import time

import ktap
import memqos

TOOL = "user/memqos"
HOOK = "user/memqos-oci-hook"
STATE_DIR = "/run/memqos-test"
STATE = STATE_DIR + "/state"


def config(path="/tmp/memqos-test.conf", rules=(), daemon=None, node=None,
           classify=None, tiers=None):
    """Writes an INI configuration; dicts give [section] key = value."""
    lines = ["[daemon]", f"state_dir = {STATE_DIR}"]
    for k, v in (daemon or {}).items():
        lines.append(f"{k} = {v}")
    if node:
        lines.append("[node]")
        lines += [f"{k} = {v}" for k, v in node.items()]
    lines.append("[classify]")
    lines += [f"{k} = {v}" for k, v in (classify or {}).items()]
    lines += [f"rule = {r}" for r in rules]
    for name, keys in (tiers or {}).items():
        lines.append(f"[tier.{name}]")
        lines += [f"{k} = {v}" for k, v in keys.items()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


NOBODY = memqos.NOBODY
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
             "--clear-groups"]


def run(*args, check=False, user=None):
    """memqos ARGS (as uid 65534 with user="nobody"): (exit status,
    stdout, stderr)."""
    cmd = (AS_NOBODY if user == "nobody" else []) + [TOOL, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, check=check)
    return p.returncode, p.stdout, p.stderr


# ---- a tenant ----

def _cg(name):
    return os.path.join(ktap.CG_ROOT, name)


def delegate(cg, uid=NOBODY):
    """Makes cgroup @cg and delegates it to @uid as systemd does (Delegate=
    yes with User=): the directory and the files the kernel lists in
    /sys/kernel/cgroup/delegate (cgroup.procs, cgroup.subtree_control,
    ...) owned by @uid; its other files (memory.min, memory.max, ...)
    stay root's. Memory is on for its children. @cg/init, made and
    owned by @uid as a user manager would, is where its processes
    start. Returns the path."""
    memqos.delegate(cg, uid, uid)
    return _cg(cg)


def _become(cg, uid):
    with open(os.path.join(_cg(cg), "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    memqos.drop_privileges(uid, uid)


def as_tenant(cg, fn, *args, uid=NOBODY):
    """fn(*args) in a forked child running as @uid (no groups, no
    capabilities) in @cg/init (delegate()); returns what it returns, and
    raises what it raised as a RuntimeError (its repr)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            _become(f"{cg}/init", uid)
            out = ("ok", fn(*args))
        except BaseException as e:  # noqa: B902 - the child must report
            out = ("err", repr(e))
        try:
            os.write(w, pickle.dumps(out))
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    kind, val = pickle.loads(data) if data else ("err", "child died")
    if kind == "err":
        raise RuntimeError(val)
    return val


def tenant_spawn(cg, fn, *args, uid=NOBODY):
    """A child running as @uid in cgroup @cg (anywhere in the tenant's
    subtree) that calls fn(*args) until killed (memqos.stop()); its
    pid."""
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _become(cg, uid)
            fn(*args)
        finally:
            os._exit(0)
    return pid



def tier_list(conf, all_cgroups=False):
    """memqos tier list -j as {path: entry}."""
    args = ["tier", "-c", conf, "list", "-j"] + (["-a"] if all_cgroups
                                                  else [])
    rc, out, err = run(*args)
    if rc:
        raise RuntimeError(f"tier list: {rc} {err}")
    return {c["path"]: c for c in json.loads(out)["cgroups"]}


def state_entries():
    """The state file as {(path, file): (original, last)}, {} if absent;
    last is what the daemon last wrote, "-" if unknown (a version 1
    file), "yielded" once another writer owns the file."""
    try:
        with open(STATE) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return {}
    out = {}
    v1 = lines[0] == "memqos-state 1"
    for line in lines[1:]:
        if v1:
            _, file, value, path = line.split(" ", 3)
            last = "-"
        else:
            _, file, value, last, path = line.split(" ", 4)
        out[(path, file)] = (value, last)
    return out


def state():
    """The state file as {(path, file): original}, {} if absent."""
    return {k: v[0] for k, v in state_entries().items()}


def read(cg, file):
    with open(os.path.join(ktap.CG_ROOT, cg.lstrip("/"), file)) as f:
        return f.read().strip()


def read_int(cg, file):
    v = read(cg, file)
    return 2**64 - 1 if v == "max" else int(v)


class Daemon:
    """memqos daemon as a child; every stderr line is kept in .lines."""

    def __init__(self, conf, *args):
        self.lines = []
        self._cv = threading.Condition()
        self.p = subprocess.Popen([TOOL, "daemon", "-c", conf, *args],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        for line in self.p.stderr:
            with self._cv:
                self.lines.append(line.rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def wait_for(self, text, timeout=20, start=0):
        """The first line from index @start containing @text, or None."""
        end = time.monotonic() + timeout
        with self._cv:
            while True:
                for line in self.lines[start:]:
                    if text in line:
                        return line
                left = end - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and
                                 not self._t.is_alive()):
                    return None
                self._cv.wait(min(left, 0.2))

    def next_pass(self, timeout=20):
        """The summary line of a pass that ends from now on: the state file
        is saved at the end of a pass, before its summary."""
        return self.wait_for("pass ", timeout, start=len(self.lines))

    def send(self, sig):
        self.p.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self._t.join(5)
        return rc

    def log(self, prefix="daemon: "):
        for line in self.lines:
            ktap.print_msg(prefix + line)


# ---- workloads ----

PAGE = mmap.PAGESIZE
MIB = 1 << 20


def counters():
    """Two u64 counters in shared memory the children bump (0: the critical
    workload's bytes, 1: the hog's). Touched here, so charged here."""
    m = mmap.mmap(-1, PAGE, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    m[:16] = bytes(16)
    return m


def bump(ctr, slot, n):
    off = slot * 8
    struct.pack_into("Q", ctr, off, struct.unpack_from("Q", ctr, off)[0] + n)


def read_ctr(ctr, slot):
    return struct.unpack_from("Q", ctr, slot * 8)[0]


def hog(ctr, cpu, size):
    """The batch hog: dirties one byte per page of @size bytes, cycling,
    counting bytes in counter 1."""
    os.sched_setaffinity(0, {cpu})
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
    area = memoryview(mmap.mmap(-1, size, flags=flags))
    # Counted every MiB: a throttled hog under the debug kernel writes
    # a few MiB in a whole phase, which 4 MiB steps read as no progress.
    chunk = MIB
    ones = b"\x01" * (chunk // PAGE)
    while True:
        for off in range(0, size, chunk):
            area[off:off + chunk:PAGE] = ones
            bump(ctr, 1, chunk)
