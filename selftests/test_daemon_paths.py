#!/usr/bin/python3
"""The cgroup a write lands on is the one meant: a tenant (uid 65534 in a
delegated cgroup) removes and remakes its cgroup between the daemon's
measurement and its write, and runs a container process where the OCI
hook, in another cgroup namespace, reads a path with "..".

    /sys/fs/cgroup/memqos-pa              root's
    |-- tenant                            delegated to uid 65534
    |   |-- init                          its processes
    |   |-- x          root's tag critical, 16 MiB in use; remade by the
    |   |              tenant, untagged, while the daemon is stopped at
    |   |              its write
    |   |-- ns         the hook's cgroup namespace
    |   `-- cgroup/memqos-pav             the "container" process
    `-- ../memqos-pav                     root's, untiered: what
                                          /sys/fs/cgroup + "/../cgroup/
                                          memqos-pav" names

The race is made certain, not hoped for: the daemon runs under ptrace
and stops at the open(O_WRONLY) of x's memory.min (by path, or by
directory descriptor and name); the tenant remakes x there and the daemon
goes on.

Proven: the daemon writes nothing into the new x (today's main wrote the
old x's memory.min into it, a cgroup with no tier, and never restored
it), drops the old x's original and says why, and --restore leaves the
new x alone; the hook refuses a cgroup path with ".." (today's main
tagged memqos-pav, a cgroup outside the tenant's reach) and a bundle path
with "..", exits 0 and tags nothing.
"""
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402
import memqosd  # noqa: E402

P = "memqos-pa"
T = f"{P}/tenant"
X = f"{T}/x"
VICTIM = "memqos-pav"
TAGS = ("trusted.memqos.tier", "user.memqos.tier")

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                        ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
PTRACE_TRACEME, PTRACE_GETREGS, PTRACE_SYSCALL = 0, 12, 24
PTRACE_SETOPTIONS = 0x4200
PTRACE_O_TRACESYSGOOD, PTRACE_O_EXITKILL = 1, 0x100000
SYS_OPENAT = 257
ENOSYS_RET = 2**64 - 38         # rax at a syscall-entry stop
AT_FDCWD = -100
CLONE_NEWCGROUP = 0x02000000


class Regs(ctypes.Structure):
    """x86_64 struct user_regs_struct."""
    _fields_ = [(n, ctypes.c_ulonglong) for n in (
        "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi "
        "orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs").split()]


def ptrace(req, pid, addr=0, data=0):
    if libc.ptrace(req, pid, ctypes.c_void_p(addr),
                   ctypes.c_void_p(data)) < 0:
        raise OSError(ctypes.get_errno(), f"ptrace {req}")


def c_string(pid, addr):
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        out = b""
        while b"\0" not in out and len(out) < 4096:
            out += os.pread(mem.fileno(), 64, addr + len(out))
    return out.split(b"\0")[0].decode(errors="replace")


def opened_path(pid, regs):
    """The absolute path an openat(2) at its entry stop names."""
    path = c_string(pid, regs.rsi)
    dirfd = ctypes.c_int(regs.rdi & 0xffffffff).value
    if path.startswith("/"):
        return path
    base = (os.readlink(f"/proc/{pid}/cwd") if dirfd == AT_FDCWD else
            os.readlink(f"/proc/{pid}/fd/{dirfd}"))
    return os.path.join(base, path)


def traced_once(conf, target, at_write):
    """memqos daemon --once under ptrace: at the entry of the first
    openat(O_WRONLY) of @target, calls at_write() before the daemon goes
    on. Returns (exit status, stderr, whether it stopped there)."""
    err = tempfile.TemporaryFile("w+")
    pid = os.fork()
    if pid == 0:
        os.dup2(err.fileno(), 2)
        libc.ptrace(PTRACE_TRACEME, 0, None, None)
        os.execv(memqosd.TOOL, [memqosd.TOOL, "daemon", "-c", conf,
                                "--once"])
    os.waitpid(pid, 0)          # stopped at the exec
    ptrace(PTRACE_SETOPTIONS, pid, 0,
           PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)
    hit, sig = False, 0
    while True:
        ptrace(PTRACE_SYSCALL, pid, 0, sig)
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            break
        sig = os.WSTOPSIG(status)
        if sig != signal.SIGTRAP | 0x80:
            if sig == signal.SIGTRAP:
                sig = 0
            continue
        sig = 0
        regs = Regs()
        ptrace(PTRACE_GETREGS, pid, 0, ctypes.addressof(regs))
        if hit or regs.rax != ENOSYS_RET or regs.orig_rax != SYS_OPENAT or \
                regs.rdx & 3 != os.O_WRONLY:
            continue
        if opened_path(pid, regs) == target:
            hit = True
            at_write()
    rc = os.waitstatus_to_exitcode(status)
    err.seek(0)
    return rc, err.read(), hit


def hold(nbytes):
    memqos.hold(3600, memqos.touch_anon(nbytes))


def remake(path, pid):
    """As the tenant: its process @pid out of x, then x again, a new
    cgroup at the old path."""
    with open(os.path.join(os.path.dirname(path), "init", "cgroup.procs"),
              "w") as f:
        f.write(str(pid))
    os.rmdir(path)
    os.mkdir(path)


def hook_in_cgroupns(ns_cg, state, conf):
    """memqos-oci-hook as root in a cgroup namespace rooted at @ns_cg, with
    @state on stdin: (exit status, stderr)."""
    r, w = os.pipe()
    errf = tempfile.TemporaryFile("w+")
    pid = os.fork()
    if pid == 0:
        try:
            with open(os.path.join(memqos.cg_path(ns_cg), "cgroup.procs"),
                      "w") as f:
                f.write(str(os.getpid()))
            if libc.unshare(CLONE_NEWCGROUP):
                os._exit(99)
            os.dup2(r, 0)
            os.dup2(errf.fileno(), 2)
            os.execv(memqosd.HOOK, [memqosd.HOOK, "--config", conf])
        finally:
            os._exit(98)
    os.close(r)
    os.write(w, state.encode())
    os.close(w)
    _, status = os.waitpid(pid, 0)
    errf.seek(0)
    return os.waitstatus_to_exitcode(status), errf.read().strip()


def tags(cg):
    out = {}
    for name in TAGS:
        try:
            out[name] = os.getxattr(memqos.cg_path(cg), name).decode()
        except OSError:
            pass
    return out


def main():
    ktap.print_header(5)
    conf = memqosd.config(daemon={"window_s": 10})
    base = memqosd.delegate(T)
    memqosd.as_tenant(T, os.mkdir, os.path.join(base, "x"))
    rc = memqosd.run("tier", "-c", conf, "set", f"/{X}", "critical")[0]
    old_id = memqos.cg_id(X)
    target = os.path.join(memqos.cg_path(X), "memory.min")
    # what the daemon protects: 16 MiB in use
    holder = memqosd.tenant_spawn(X, hold, 16 * memqos.MIB)
    memqos.drop_caches()
    time.sleep(3)       # levels are flushed about every 2 s

    rc, err, hit = traced_once(conf, target, lambda: memqosd.as_tenant(
        T, remake, memqos.cg_path(X), holder))
    for line in err.splitlines():
        ktap.print_msg("daemon: " + line)
    new_min = memqosd.read(X, "memory.min")
    ktap.print_msg(f"stopped at the write: {hit}; x {old_id} -> "
                   f"{memqos.cg_id(X)}, new x memory.min {new_min}, tags "
                   f"{tags(X)}")
    ktap.check("the daemon wrote nothing into the cgroup remade at the "
               "path", hit and memqos.cg_id(X) != old_id and new_min == "0")
    st = memqosd.state()
    ktap.check("and dropped the old one's original, saying why",
               (f"/{X}", "memory.min") not in st and
               f"/{X}: cgroup vanished" in err)
    rc_r, _, err_r = memqosd.run("daemon", "-c", conf, "--restore")
    ktap.check("--restore leaves the new one alone",
               rc_r == 0 and memqosd.read(X, "memory.min") == "0" and
               memqosd.read(T, "memory.min") == "0" and
               not os.path.exists(memqosd.STATE))
    memqos.stop(holder)

    # The hook in a cgroup namespace rooted at tenant/ns reads the
    # container's cgroup as "/../cgroup/memqos-pav".
    ktap.cg_create(VICTIM)
    for d in ("ns", "cgroup", f"cgroup/{VICTIM}"):
        memqosd.as_tenant(T, os.mkdir, os.path.join(base, d))
    ctr = memqosd.tenant_spawn(f"{T}/cgroup/{VICTIM}", memqos.hold, 3600)
    try:
        state = json.dumps({"ociVersion": "1.0.2", "id": "evil",
                            "pid": ctr, "bundle": "/",
                            "annotations": {"io.memqos.tier": "standard"}})
        rc, err = hook_in_cgroupns(f"{T}/ns", state, conf)
        ktap.print_msg(f"hook: exit {rc}: {err}")
        ktap.check("the hook refuses a cgroup path with '..': exit 0, "
                   "nothing tagged",
                   rc == 0 and "/../cgroup/memqos-pav" in err and
                   "has a . or .. component" in err and
                   tags(VICTIM) == {} and
                   tags(f"{T}/cgroup/{VICTIM}") == {})
    finally:
        memqos.stop(ctr)
    p = subprocess.run([memqosd.HOOK, "--config", conf],
                       input=json.dumps({"id": "b", "pid": 1,
                                         "bundle": "/tmp/x/../../etc"}),
                       capture_output=True, text=True)
    ktap.print_msg(f"hook, bundle with '..': exit {p.returncode}: "
                   f"{p.stderr.strip()}")
    ktap.check("and a bundle path with '..'",
               p.returncode == 0 and "is not absolute or has a . or .." in
               p.stderr)
    ktap.finish()


main()
