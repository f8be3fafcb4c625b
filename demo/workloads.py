#!/usr/bin/python3
"""Workloads of the memqos demo, started in their own cgroups and left
running in the background:

    /sys/fs/cgroup/demo              +memory for its children
    |-- service   memory.max 256M: keeps a 48 MiB working set hot
    `-- hog       memory.max 64M, no swap: allocates until OOM-killed,
                  again and again

Usage: workloads.py start | stop
"""
import mmap
import os
import sys
import time

ROOT = "/sys/fs/cgroup/demo"
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1 << 20


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def anon(nbytes):
    """Private anonymous memory, like a heap (mmap(-1, n) alone is shmem)."""
    return mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


def touch(m):
    for off in range(0, len(m), PAGE):
        m[off] = (m[off] + 1) & 0xff


def service():
    """A steady service: its working set is touched every 100 ms."""
    m = anon(48 * MIB)
    while True:
        touch(m)
        time.sleep(0.1)


def hog():
    """A leaky batch job: grows until the OOM killer stops it; restarted."""
    while True:
        pid = os.fork()
        if pid == 0:
            chunks = []
            while True:
                m = anon(8 * MIB)
                touch(m)
                chunks.append(m)
                time.sleep(0.05)
        os.waitpid(pid, 0)
        time.sleep(0.5)


def spawn(name, fn):
    if os.fork() == 0:
        os.setsid()
        write(f"{ROOT}/{name}/cgroup.procs", os.getpid())
        fn()
        os._exit(0)


def start():
    write("/sys/fs/cgroup/cgroup.subtree_control", "+memory")
    os.makedirs(ROOT, exist_ok=True)
    write(f"{ROOT}/cgroup.subtree_control", "+memory")
    for name, limit in (("service", 256 * MIB), ("hog", 64 * MIB)):
        os.makedirs(f"{ROOT}/{name}", exist_ok=True)
        write(f"{ROOT}/{name}/memory.max", limit)
    write(f"{ROOT}/hog/memory.swap.max", 0)
    spawn("service", service)
    spawn("hog", hog)


def stop():
    for name in ("service", "hog"):
        path = f"{ROOT}/{name}"
        if os.path.isdir(path):
            write(f"{path}/cgroup.kill", 1)
            while True:
                try:
                    os.rmdir(path)
                    break
                except OSError:
                    time.sleep(0.05)
    if os.path.isdir(ROOT):
        os.rmdir(ROOT)


if __name__ == "__main__":
    {"start": start, "stop": stop}[sys.argv[1]]()
