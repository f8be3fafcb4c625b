"""KTAP helpers for memqos python selftests (the python twin of lib.sh).

Tests run in the guest with /usr/bin/python3 (see selftests/run.sh):

    import os, sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ktap

    ktap.print_header(2)
    ktap.check("two is close to three at 50%", ktap.values_close(2, 3, 50))
    ktap.cg_create("memqos-example")
    ktap.check("child runs in the cgroup", ktap.cg_run("memqos-example", ["true"]) == 0)
    ktap.finish()

print_header(plan=None)   "KTAP version 1", and the plan "1..plan" if given
ok(desc) / fail(desc) / skip(desc, reason)   numbered subtest results
check(desc, cond)         ok if cond is true, else fail; returns bool(cond)
print_msg(msg)            diagnostic line "# msg"
exit_skip(reason)         skip the whole test (exit 4)
finish()                  exit 1 if a subtest failed, none ran, or the plan
                          was not met; 4 if all were skipped; else 0
values_close(a, b, pct)   |a-b| <= (a+b)*pct/100 (the kernel cgroup selftests' check)
test_limit()              the runner's per-test limit in seconds
                          (MEMQOS_TEST_TIMEOUT, default 300)
patience(seconds)         a wait of @seconds, stretched as the runner's limit
                          is over its default
cg_create(name)           mkdir CG_ROOT/name (may be nested: "a/b"), enabling
                          +memory in every parent; returns the path
cg_remove(name)           kill its processes, remove it and its children
cg_run(name, target, *args)  fork a child that joins the cgroup, then calls
                          target(*args) or, for a list, execs it; returns the
                          child's exit status (negative signal number if
                          killed, e.g. -9 after an OOM kill). A function child
                          exits 0 on return, n on sys.exit(n), 1 on exception.

Cgroups made by cg_create are removed at exit. A test that ends without
finish()/exit_skip() fails, so a script that stops early cannot pass.
"""

import atexit
import os
import sys
import time
import traceback

CG_ROOT = os.environ.get("CG_ROOT", "/sys/fs/cgroup")

_num = 0
_counts = {"pass": 0, "fail": 0, "skip": 0}
_plan = None
_done = False
_crashed = False
_cgroups = []


def _out(line):
    # Flushed: the runner interleaves our output with children's.
    print(line, flush=True)


def print_header(plan=None):
    global _plan
    _out("KTAP version 1")
    if plan is not None:
        _plan = plan
        _out(f"1..{plan}")


def print_msg(msg):
    _out(f"# {msg}")


def _result(kind, line):
    global _num
    _num += 1
    _counts[kind] += 1
    _out(line.format(n=_num))


def ok(desc):
    _result("pass", "ok {n} - " + desc)


def fail(desc):
    _result("fail", "not ok {n} - " + desc)


def skip(desc, reason):
    _result("skip", "ok {n} - " + desc + " # SKIP " + reason)


def check(desc, cond):
    (ok if cond else fail)(desc)
    return bool(cond)


def exit_skip(reason):
    global _done
    _done = True
    _out(f"# SKIP {reason}")
    sys.exit(4)


def finish():
    global _done
    _done = True
    if _plan is None:
        _out(f"1..{_num}")
    elif _plan != _num:
        _out(f"# planned {_plan} subtests but ran {_num}")
        sys.exit(1)
    _out("# totals: pass:{pass} fail:{fail} skip:{skip}".format(**_counts))
    if _counts["fail"]:
        sys.exit(1)
    if _num == 0:
        _out("# no subtests ran")
        sys.exit(1)
    if _counts["pass"] == 0:
        _out("# SKIP all subtests skipped")
        sys.exit(4)
    sys.exit(0)


def values_close(a, b, pct):
    return abs(a - b) * 100 <= (a + b) * pct


DEFAULT_TEST_LIMIT = 300       # selftests/run.sh's


def test_limit():
    """The runner's limit for this test, in seconds (selftests/run.sh and
    stress/run.sh kill a test past it)."""
    return int(os.environ.get("MEMQOS_TEST_TIMEOUT", DEFAULT_TEST_LIMIT))


def patience(seconds):
    """How long to wait for what takes @seconds at most on the plain
    kernel: the runner's per-test limit over its default says how much
    slower this run may be (check-debug: 3000 s, so 10 times)."""
    return seconds * max(1.0, test_limit() / DEFAULT_TEST_LIMIT)


def _write(path, value):
    with open(path, "w") as f:
        f.write(value)


def cg_create(name):
    """Makes @name (its parents too, where they do not exist yet); the
    topmost one made here is removed, with all below it, at exit."""
    path = CG_ROOT
    target = os.path.join(CG_ROOT, name)
    top = None
    for part in name.split("/"):
        _write(os.path.join(path, "cgroup.subtree_control"), "+memory")
        path = os.path.join(path, part)
        # Parents may exist already; the cgroup itself must be new.
        if path != target and os.path.isdir(path):
            continue
        os.mkdir(path)
        top = top or os.path.relpath(path, CG_ROOT)
    _cgroups.append(top)
    return target


def _rmtree(path):
    if not os.path.isdir(path):
        return
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            _rmtree(entry.path)
    _write(os.path.join(path, "cgroup.kill"), "1")
    # Killed tasks take a moment to leave.
    for _ in range(100):
        try:
            os.rmdir(path)
            return
        except OSError:
            time.sleep(0.05)
    os.rmdir(path)


def cg_remove(name):
    _rmtree(os.path.join(CG_ROOT, name))


def cg_run(name, target, *args):
    procs = os.path.join(CG_ROOT, name, "cgroup.procs")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            _write(procs, str(os.getpid()))
            if callable(target):
                target(*args)
                status = 0
            else:
                os.execvp(target[0], [*target, *args])
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            # _exit: the child must not run the parent's atexit cleanup.
            os._exit(status)
    _, wstatus = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wstatus)


def _excepthook(*exc):
    global _crashed
    _crashed = True
    sys.__excepthook__(*exc)


def _at_exit():
    failed = False
    for name in reversed(_cgroups):
        try:
            cg_remove(name)
        except OSError as e:
            _out(f"# cannot remove cgroup {name}: {e}")
            failed = True
    if not _done and not _crashed:
        _out("# test exited without ktap.finish()")
        failed = True
    if failed:
        sys.stdout.flush()
        os._exit(1)


sys.excepthook = _excepthook
atexit.register(_at_exit)
