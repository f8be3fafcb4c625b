#!/usr/bin/python3
"""Random writes to every memqos debugfs file while cgroups come and go.

Phase 1, one writer, checked write by write:
- config: mutated "key value" lines (keys cut, cased, glued; values out of
  range, signed, hex, huge, empty; separators; trailing newlines, NULs and
  second lines) and random bytes up to 5,000 long. A rejection must be
  EINVAL or ERANGE and leave the file exactly as it was; an accepted write
  changes at most the one key it names, to a value in range, and keeps
  hysteresis <= threshold. Well-formed in-range writes must be accepted
  and read back.
- detail: cgroup paths (some being removed right then), ids (live, dead,
  0, huge, signed), garbage. A rejection must be EINVAL or ENOENT and keep
  the selection; an accepted write selects that cgroup (the id line).
- every other file (read-only): any write fails with EINVAL and changes
  nothing.
Phase 2: two writers and a reader on every file at once (lockdep and KASAN
see the concurrency): errnos from the same sets, the config valid at the
end. Then the config is restored and compared.

MEMQOS_STRESS_DEBUGFS_N (writes in phase 1, default 10,000 x scale),
MEMQOS_STRESS_DEBUGFS_S (seconds of phase 2, default 30 x scale),
MEMQOS_STRESS_SEED.

    /sys/fs/cgroup
    |-- memqos-sdf/a, b, c   targets for detail
    `-- memqos-sdf-churn     cgroups created and removed, also targets
"""
import errno
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stress  # noqa: E402
from stress import ktap, memqos  # noqa: E402

N = stress.scaled("MEMQOS_STRESS_DEBUGFS_N", 10000)
SECS = stress.scaled("MEMQOS_STRESS_DEBUGFS_S", 30)
D = memqos.DEBUGFS
RANGES = {
    "max_cgroups": (1, 1 << 20),
    "oom_ring_entries": (1, 4096),
    "pressure_threshold_permille": (1, 1000),
    "pressure_hysteresis_permille": (0, 1000),
    "storm_reclaims_per_sec": (1, 10000000),
    "event_interval_ms": (100, 60000),
    "attribution_halflife_ms": (1000, 3600000),
}
CONFIG_ERRNOS = {errno.EINVAL, errno.ERANGE}
DETAIL_ERRNOS = {errno.EINVAL, errno.ENOENT}
CHURN = 20


def write(name, data):
    """errno of one write() of @data (bytes) to debugfs file @name, 0 if
    all of it was accepted, -1 for a short write (never acceptable)."""
    fd = os.open(os.path.join(D, name), os.O_WRONLY)
    try:
        n = os.write(fd, data)
        return 0 if n == len(data) else -1
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def read(name):
    try:
        with open(os.path.join(D, name), "rb") as f:
            return f.read()
    except OSError as e:
        return f"<{errno.errorcode.get(e.errno, e.errno)}>".encode()


def config():
    return memqos.read_pairs("config")


def detail_sel():
    """The selection of the detail file: its first line (id N, or the
    header that asks for one), or <ENOENT> if the selected cgroup left."""
    return read("detail").split(b"\n", 1)[0]


def path_id(path):
    """The id (inode) of the cgroup at /path, None if there is none."""
    try:
        return os.stat(memqos.cg_path(path.lstrip("/"))).st_ino
    except OSError:
        return None


def churn(parent):
    base = memqos.cg_path(parent)
    i = 0
    while True:
        for n in range(CHURN):
            os.mkdir(os.path.join(base, f"c{n}"))
        for n in range(CHURN):
            os.rmdir(os.path.join(base, f"c{n}"))
        i += 1


class Gen:
    def __init__(self, rng, cfg_keys):
        self.r = rng
        self.keys = cfg_keys

    def value(self, key):
        r = self.r
        lo, hi = RANGES.get(key, (0, 1000))
        v = r.choice([lo, hi, lo - 1, hi + 1, r.randint(lo, hi), 0, 1 << 32,
                      (1 << 32) - 1, 1 << 64, -1, r.getrandbits(r.randint(1, 80))])
        s = str(v)
        k = r.random()
        if k < 0.05:
            s = "+" + s
        elif k < 0.1:
            s = hex(abs(v))
        elif k < 0.15:
            s = r.choice(["", " ", "abc", "1e3", "12abc", "1.5", "-0", "0" * 30,
                          "9" * r.randint(10, 5000)])
        elif k < 0.2:
            s = s + r.choice([" 1", "x", "\t", " \t "])
        return s

    def key(self):
        r = self.r
        k = r.choice(self.keys)
        m = r.random()
        if m < 0.7:
            return k
        return r.choice([k.upper(), k[:-1], k + "x", "x" + k, k.replace("_", "-"),
                         "", "bogus", k + " " + k, "\0" + k])

    def config_line(self):
        r = self.r
        if r.random() < 0.1:
            return r.randbytes(r.choice([0, 1, 3, 40, 4095, 4096, 5000]))
        key = self.key()
        sep = r.choice([" ", " ", " ", "\t", "  ", "", "=", ": ", "\n"])
        line = (r.choice(["", "", " ", "\t"]) + key + sep + self.value(key.strip()) +
                r.choice(["", "", "\n", "\n", " ", "\n\n", "\nmax_cgroups 5", "\0",
                          "\0junk", "\r\n"]))
        return line.encode(errors="surrogateescape")

    def detail_line(self, ids, paths):
        r = self.r
        k = r.random()
        if k < 0.3:
            s = r.choice(paths)
        elif k < 0.6:
            s = str(r.choice(ids))
        elif k < 0.7:
            s = r.choice(["0", "-1", "-5", str(1 << 64), str((1 << 64) - 1), "1 2",
                          "0x10", "+1", " 1", "", "relative", "/..", "//", "/./"])
        elif k < 0.8:
            s = "/" + "a" * r.choice([10, 255, 256, 4000, 4094, 4095, 5000])
        else:
            return r.randbytes(r.choice([0, 1, 8, 100, 4095, 4096, 6000]))
        return (s + r.choice(["", "", "\n", "\n\n", "\0", " "])).encode()


def valid_config_cases(rng):
    out = []
    for key, (lo, hi) in RANGES.items():
        for v in (lo, hi, rng.randint(lo, hi)):
            out.append((key, v))
    return out


def phase1(rng, cfg0, targets):
    keys = [k for k in cfg0]
    g = Gen(rng, keys)
    problems = []
    errnos = {"config": {}, "detail": {}, "ro": {}}
    accepted = {"config": 0, "detail": 0}
    ro = [n for n in sorted(os.listdir(D))
          if not os.stat(os.path.join(D, n)).st_mode & 0o200]
    rw = [n for n in sorted(os.listdir(D)) if n not in ro]
    ktap.print_msg(f"writable: {' '.join(rw)}; read-only: {' '.join(ro)}")
    ro_before = {n: read(n) for n in ro if n in ("version",)}

    def bump(kind, e):
        errnos[kind][e] = errnos[kind].get(e, 0) + 1

    for i in range(N):
        k = rng.random()
        if k < 0.5:
            before = config()
            data = g.config_line()
            e = write("config", data)
            after = config()
            bump("config", e)
            if e:
                if e not in CONFIG_ERRNOS:
                    problems.append(("errno", f"config {data[:60]!r}: errno {e}"))
                if after != before:
                    problems.append(("kept", f"config {data[:60]!r} rejected ({e}) but "
                                    f"changed {before} -> {after}"))
                continue
            accepted["config"] += 1
            changed = [x for x in after if after[x] != before.get(x)]
            if len(changed) > 1 or any(x.encode() not in data for x in changed):
                problems.append(("accepted", f"config {data[:60]!r} changed {changed}"))
            for x in changed:
                lo, hi = RANGES.get(x, (0, 1 << 32))
                if not lo <= after[x] <= hi:
                    problems.append(("accepted", f"config {x} = {after[x]} out of range"))
            if after["pressure_hysteresis_permille"] > after["pressure_threshold_permille"]:
                problems.append(("accepted", f"config {data[:60]!r}: hysteresis above threshold"))
        elif k < 0.85:
            ids, paths = targets()
            before = detail_sel()
            data = g.detail_line(ids, paths)
            # A churned path may name another cgroup by the time it is
            # read back: the ids it had just before and just after count.
            s = data.split(b"\0")[0].strip().decode(errors="replace")
            want = set()
            if s.startswith("/"):
                want.add(path_id(s))
            e = write("detail", data)
            bump("detail", e)
            after = detail_sel()
            if e:
                if e not in DETAIL_ERRNOS:
                    problems.append(("errno", f"detail {data[:60]!r}: errno {e}"))
                # The selected cgroup may be removed by the churn meanwhile.
                if after != before and after != b"<ENOENT>":
                    problems.append(("kept", f"detail {data[:60]!r} rejected ({e}) but "
                                    f"the selection changed {before} -> {after}"))
                continue
            accepted["detail"] += 1
            if s.startswith("/"):
                want.add(path_id(s))
            elif s.isdigit():
                want.add(int(s))
            want.discard(None)
            if want and after != b"<ENOENT>" and after not in {
                    f"id {w}".encode() for w in want}:
                problems.append(("accepted", f"detail {data[:60]!r} accepted, shows {after!r}"))
        else:
            name = rng.choice(ro)
            data = rng.choice([b"1", b"\n", rng.randbytes(rng.randint(1, 5000))])
            e = write(name, data)
            bump("ro", e)
            if e != errno.EINVAL:
                problems.append(("errno", f"{name} (read-only) {data[:20]!r}: errno {e}"))
    for n, v in ro_before.items():
        if read(n) != v:
            problems.append(("kept", f"{n} changed"))

    # Well-formed writes must work.
    bad_valid = []
    for key, v in valid_config_cases(rng):
        cur = config()
        if key == "pressure_hysteresis_permille" and v > cur["pressure_threshold_permille"]:
            continue
        if key == "pressure_threshold_permille" and v < cur["pressure_hysteresis_permille"]:
            write("config", b"pressure_hysteresis_permille 0")
        e = write("config", f"{key} {v}\n".encode())
        if e or config()[key] != v:
            bad_valid.append(f"{key} {v}: errno {e}, reads {config()[key]}")
    return problems, errnos, accepted, bad_valid


def fuzz_child(seed, kind, secs, ids, paths, keys):
    """Phase 2 writer; exits 1 if an errno outside the sets showed up."""
    import random
    rng = random.Random(seed)
    g = Gen(rng, keys)
    end = time.monotonic() + secs
    bad = 0
    while time.monotonic() < end:
        if kind == "config" or rng.random() < 0.5:
            e = write("config", g.config_line())
            bad += e not in CONFIG_ERRNOS | {0}
        else:
            e = write("detail", g.detail_line(ids, paths))
            bad += e not in DETAIL_ERRNOS | {0}
    # _exit: memqos.spawn's children leave with os._exit(0) otherwise.
    os._exit(1 if bad else 0)


def reader_child(secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for n in os.listdir(D):
            read(n)
    os._exit(0)


def main():
    ktap.print_header(8)
    rng = stress.rng_from_env()
    for c in ("a", "b", "c"):
        ktap.cg_create(f"memqos-sdf/{c}")
    ktap.cg_create("memqos-sdf-churn")
    memqos.cg_write("memqos-sdf-churn", "cgroup.subtree_control", "+memory")
    dead = ktap.cg_create("memqos-sdf/dead")
    dead_id = os.stat(dead).st_ino
    os.rmdir(dead)
    churner = memqos.spawn(None, churn, "memqos-sdf-churn")

    def targets():
        ids = [1, dead_id, memqos.cg_id("memqos-sdf/a"), memqos.cg_id("memqos-sdf"),
               1 << 40, (1 << 64) - 1]
        try:
            ids.append(os.stat(memqos.cg_path("memqos-sdf-churn/c3")).st_ino)
        except OSError:
            pass
        paths = ["/", "/memqos-sdf", "/memqos-sdf/b", "/memqos-sdf/c/",
                 "/memqos-sdf/dead", "/memqos-sdf-churn/c1", "/memqos-sdf-churn/c7",
                 "/memqos-sdf//a", "/memqos-sdf/../memqos-sdf/a"]
        return ids, paths

    cfg0 = config()
    t0 = time.monotonic()
    try:
        problems, errnos, accepted, bad_valid = phase1(rng, cfg0, targets)
        t1 = time.monotonic()
        ktap.print_msg(f"phase 1: {N} writes in {t1 - t0:.0f} s; accepted {accepted}; "
                       f"errnos {errnos}")
        for cat, p in problems[:20]:
            ktap.print_msg(f"problem ({cat}): {p}")
        cats = {cat for cat, _ in problems}
        ktap.check("every rejected write had a proper errno (config EINVAL/ERANGE, "
                   "detail EINVAL/ENOENT, read-only EINVAL)",
                   "errno" not in cats)
        ktap.check("no rejected write changed anything",
                   "kept" not in cats)
        ktap.check("every accepted write changed only what it named, in range",
                   "accepted" not in cats)
        ktap.check("both writable files accepted some and rejected most writes",
                   accepted["config"] > 0 and accepted["detail"] > 0 and
                   sum(v for e, v in errnos["config"].items() if e) > accepted["config"])
        for b in bad_valid:
            ktap.print_msg("valid write: " + b)
        ktap.check("well-formed in-range config writes are accepted and read back",
                   not bad_valid)

        ids, paths = targets()
        kids = [memqos.spawn(None, fuzz_child, rng.getrandbits(32), "config", SECS,
                             ids, paths, list(cfg0)),
                memqos.spawn(None, fuzz_child, rng.getrandbits(32), "mixed", SECS,
                             ids, paths, list(cfg0)),
                memqos.spawn(None, reader_child, SECS)]
        codes = [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in kids]
        ktap.print_msg(f"phase 2: {SECS} s, children exited {codes}")
        ktap.check("concurrent writers and readers: only proper errnos", codes == [0, 0, 0])
        cfg = config()
        ktap.check("config valid after the concurrent phase",
                   all(RANGES[k][0] <= v <= RANGES[k][1] for k, v in cfg.items()
                       if k in RANGES) and
                   cfg["pressure_hysteresis_permille"] <= cfg["pressure_threshold_permille"])
    finally:
        memqos.stop(churner)
    # Restore: hysteresis first down, then everything in an order that
    # keeps hysteresis <= threshold.
    write("config", b"pressure_hysteresis_permille 0")
    for k, v in cfg0.items():
        if k != "pressure_hysteresis_permille":
            write("config", f"{k} {v}".encode())
    write("config", f"pressure_hysteresis_permille {cfg0['pressure_hysteresis_permille']}".encode())
    ktap.check("config restored", config() == cfg0)
    ktap.finish()


main()
