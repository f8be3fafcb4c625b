#!/usr/bin/python3
"""What the running kernel gives memqos. Every probe and statistics
function this kernel should have is bound; the module leaves out exactly
the fields kmod/compat.h says this kernel cannot give (in debugfs, in
netlink and so in the tool's output, and in `memqos version`), never
showing them as 0; every other field is a number. An accessor that misreads
at load is refused with a message naming the kernel: a misread per-node
accessor stops the load, a misread memcg_page_state() only takes its
fields away.

    /sys/fs/cgroup
    `-- memqos-kernel      an empty cgroup to read
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import memqos  # noqa: E402

CG = "memqos-kernel"
# Fields memcg_page_state() gives (debugfs names).
MEMCG_FIELDS = {"kernel", "percpu", "sock", "vmalloc", "zswap", "zswapped"}


def dmesg():
    return subprocess.run(["dmesg"], capture_output=True, text=True).stdout


def probe_states():
    """(kind, name) -> "bound"/"absent" from the stats file."""
    out = {}
    with open(os.path.join(memqos.DEBUGFS, "stats")) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0] in (
                    "tracepoint", "kprobe", "kretprobe", "function"):
                out[(parts[0], parts[1])] = parts[2]
    return out


def missing_fields(d):
    return {k for k, v in d.items() if v == "-"}


def json_key(name):
    """The tool's JSON key of a debugfs level or counter."""
    return name + ("_bytes" if name in MEMCG_FIELDS else "_total")


def tool_json(*args):
    r = subprocess.run(["user/memqos", "--json", *args], capture_output=True,
                       text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def check_fault_memcg(release):
    """memcg_page_state() misreads: the module loads without its fields."""
    memqos.rmmod()
    before = len(dmesg())
    subprocess.run(["insmod", memqos.KO, "verify_fault=memcg_page_state"],
                   check=True)
    log = dmesg()[before:]
    d = memqos.detail("/" + CG)
    ok = ("memcg_page_state reads the root cgroup's" in log and
          release in log and
          MEMCG_FIELDS <= missing_fields(d) and
          isinstance(d["anon"], int))
    ver = tool_json("version") or {}
    gone = set(ver.get("unavailable_fields", []))
    ok = ok and {json_key(n) for n in MEMCG_FIELDS} <= gone
    ktap.print_msg("misread memcg_page_state: " +
                   " ".join(line.split("] ", 1)[-1]
                            for line in log.splitlines() if "memqos" in line))
    ktap.check("a misreading memcg_page_state is refused at load, its "
               "fields left out, the kernel named", ok)
    memqos.rmmod()


def check_fault_lruvec(release):
    """lruvec_page_state() misreads: the module does not load at all."""
    before = len(dmesg())
    r = subprocess.run(["insmod", memqos.KO, "verify_fault=lruvec_page_state"],
                       capture_output=True, text=True)
    log = dmesg()[before:]
    ktap.print_msg(f"misread lruvec_page_state: insmod status {r.returncode}")
    ktap.check("a misreading lruvec_page_state stops the load, naming the "
               "kernel",
               r.returncode != 0 and not memqos.loaded() and
               f"cannot read memcg statistics on {release}: not loading" in log)


def main():
    ktap.print_header(9)
    release = os.uname().release
    ktap.print_msg(f"kernel {release}")
    log = dmesg()
    ktap.check("the load verified every accessor (no 'not used' or "
               "'not found' in the log)",
               "memqos: version" in log and "not used on" not in log and
               " not found on " not in log)

    states = probe_states()
    want = memqos.expected_probes()
    unbound = [f"{kind} {name}" for name, kind in want.items()
               if states.get((kind, name)) != "bound"]
    unbound += [f"tracepoint {name}" for (kind, name), st in states.items()
                if kind == "tracepoint" and st != "bound"]
    for u in unbound:
        ktap.print_msg(f"not bound: {u}")
    ktap.check("every probe and function this kernel should have is bound",
               not unbound)

    ktap.cg_create(CG)
    d = memqos.detail("/" + CG)
    expected = memqos.expected_unavailable()
    missing = missing_fields(d)
    ktap.print_msg(f"left out: {sorted(missing)}; expected {sorted(expected)}")
    ktap.check("debugfs leaves out exactly the fields this kernel lacks",
               missing == expected)
    odd = [f"{k}={v!r}" for k, v in d.items()
           if k not in ("path", "hist_bounds_us") and not k.endswith("_hist")
           and k not in missing
           and not isinstance(v, int)]
    for o in odd:
        ktap.print_msg(f"not a number: {o}")
    ktap.check("every other field is a number", not odd)

    ver = tool_json("version") or {}
    ktap.check("memqos version lists the same fields as not available",
               set(ver.get("unavailable_fields", [])) ==
               {json_key(n) for n in expected})
    st = tool_json("stat", "/" + CG) or {}
    flat = json.dumps(st)
    ktap.check("memqos stat shows none of them, and the others",
               st and all(f'"{json_key(n)}"' not in flat for n in expected) and
               '"kernel_bytes"' in flat and '"usage_bytes"' in flat)

    check_fault_memcg(release)
    check_fault_lruvec(release)
    memqos.insmod()
    ktap.check("the module loads again without the fault", memqos.loaded())
    ktap.finish()


main()
