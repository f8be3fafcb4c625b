#!/usr/bin/python3
"""Bad input to debugfs: every malformed write fails with the right errno
and changes nothing."""
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

CONFIG_BAD = [
    ("", errno.EINVAL), ("\n", errno.EINVAL), ("max_cgroups", errno.EINVAL),
    ("bogus 1", errno.EINVAL), ("max_cgroups abc", errno.EINVAL),
    ("max_cgroups -1", errno.EINVAL), ("max_cgroups 1 2", errno.EINVAL),
    ("max_cgroups 0", errno.ERANGE), ("max_cgroups 2000000", errno.ERANGE),
    ("max_cgroups 99999999999", errno.ERANGE),
    ("oom_ring_entries 0", errno.ERANGE),
    ("oom_ring_entries 5000", errno.ERANGE),
    ("pressure_threshold_permille 1001", errno.ERANGE),
    ("pressure_hysteresis_permille 900", errno.ERANGE),
    ("event_interval_ms 99", errno.ERANGE),
    ("max_cgroups 5\nmax_cgroups 6", errno.EINVAL),
    ("max_cgroups " + "9" * 5000, errno.EINVAL),
    ("x" * 5000, errno.EINVAL),
]
DETAIL_BAD = [
    ("", errno.EINVAL), ("abc", errno.EINVAL), ("0", errno.EINVAL),
    ("-5", errno.EINVAL), ("1 2", errno.EINVAL),
    ("99999999999", errno.ENOENT), ("/no/such/cgroup", errno.ENOENT),
    ("relative", errno.EINVAL), ("/" + "a" * 5000, errno.EINVAL),
]


def write_errno(name, data):
    """errno of writing @data in one write() to debugfs file @name."""
    fd = os.open(os.path.join(memqos.DEBUGFS, name), os.O_WRONLY)
    try:
        os.write(fd, data.encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def read(name):
    with open(os.path.join(memqos.DEBUGFS, name)) as f:
        return f.read()


def check_all(name, cases):
    before = read(name)
    wrong = []
    for data, want in cases:
        got = write_errno(name, data)
        if got != want:
            wrong.append(f"{data[:40]!r}: {errno.errorcode.get(got, got)} "
                         f"(want {errno.errorcode[want]})")
    for w in wrong:
        ktap.print_msg(f"{name}: {w}")
    return wrong, read(name) == before


def main():
    ktap.print_header(7)
    wrong, same = check_all("config", CONFIG_BAD)
    ktap.check("config: each malformed write fails with its errno", not wrong)
    ktap.check("config: nothing changed", same)
    ktap.check("config: a valid write still works",
               write_errno("config", "oom_ring_entries 32\n") == 0 and
               "oom_ring_entries 32" in read("config") and
               write_errno("config", "oom_ring_entries 64") == 0)

    ktap.check("detail: selecting the root by path works",
               write_errno("detail", "/") == 0)
    wrong, same = check_all("detail", DETAIL_BAD)
    ktap.check("detail: each malformed write fails with its errno", not wrong)
    ktap.check("detail: the selection did not change", same)
    ktap.check("read-only files refuse writes",
               all(write_errno(n, "1") == errno.EINVAL
                   for n in ("version", "stats", "cgroups", "oom_kills")))
    ktap.finish()


main()
