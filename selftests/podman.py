"""What the podman selftests share: memqos installed in the guest the way
a node has it, and podman with its storage in the guest's tmpfs.

    node = podman.NodeInstall()     # make -C user install, into overlays
    p = podman.run("run", "-d", ...)  # podman ARGS: CompletedProcess
    node.undo()                     # overlays gone, the host's files back

The guest's / is the host's, read-only. NodeInstall mounts an overlay
(upper layer in a tmpfs) on /usr/local, /usr/share/containers and
/etc, then runs `make -C
user install` with no DESTDIR: memqos, memqos-oci-hook, hooks.d/memqos.json
and /etc/memqos/memqos.conf land exactly where they land on a node, and
podman reads /usr/share/containers/oci/hooks.d, its default hooks
directory (an overlay on /usr/share/containers takes it).

podman runs as root with the cgroupfs manager (the guest has no systemd),
its storage (overlay driver) under /tmp and its run state and network
configuration under /run, events to a file, containers without a
network (--network none; memqos has nothing to do with it).
"""
import os
import shutil
import subprocess
import tempfile

STORE = "/tmp/memqos-podman/storage"
RUNROOT = "/run/memqos-podman"
OVERLAYS = "/tmp/memqos-podman/ovl"
# netavark keeps a lock in its configuration directory, /etc's by default.
GLOBAL = ["--root", STORE, "--runroot", RUNROOT, "--storage-driver", "overlay",
          "--cgroup-manager", "cgroupfs", "--events-backend", "file",
          "--network-config-dir", RUNROOT + "/networks"]
SBIN = "/usr/local/sbin"
TOOL = SBIN + "/memqos"
HOOK = "/usr/local/libexec/memqos/memqos-oci-hook"
HOOKS_D = "/usr/share/containers/oci/hooks.d"
CONF = "/etc/memqos/memqos.conf"


def run(*args, timeout=300, global_args=None):
    """podman ARGS; output through files, not pipes: a detached
    container's conmon inherits them and would hold a pipe open."""
    cmd = ["podman", *(GLOBAL if global_args is None else global_args),
           *args]
    with tempfile.TemporaryFile("w+") as out, \
            tempfile.TemporaryFile("w+") as err:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out,
                           stderr=err, text=True, timeout=timeout)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(cmd, p.returncode, out.read(),
                                           err.read())


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


class NodeInstall:
    """make -C user install into tmpfs overlays of /usr/local,
    /usr/share/containers and /etc."""

    def __init__(self):
        self.mounts = []
        os.makedirs(OVERLAYS, exist_ok=True)
        for i, path in enumerate(("/usr/local", "/usr/share/containers",
                                  "/etc")):
            top = os.path.join(OVERLAYS, str(i))
            os.makedirs(top + "/upper", exist_ok=True)
            os.makedirs(top + "/work", exist_ok=True)
            subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            f"lowerdir={path},upperdir={top}/upper,"
                            f"workdir={top}/work", path], check=True)
            self.mounts.append(path)
        p = subprocess.run(["make", "-s", "-C", "user", "install"],
                           capture_output=True, text=True)
        self.rc, self.log = p.returncode, (p.stdout + p.stderr).strip()

    def set_conf(self, section, key, value):
        """Sets KEY = VALUE in [SECTION] of the installed memqos.conf, as
        an administrator edits it."""
        with open(CONF) as f:
            lines = f.read().splitlines()
        at = lines.index(f"[{section}]") + 1
        lines.insert(at, f"{key} = {value}")
        with open(CONF, "w") as f:
            f.write("\n".join(lines) + "\n")

    def undo(self):
        for path in reversed(self.mounts):
            subprocess.run(["umount", "-l", path])
        self.mounts = []


def cleanup():
    """Removes every container and image of the test storage, then the
    storage itself."""
    if os.path.isdir(STORE):
        run("rm", "-a", "-f", "-t", "0", timeout=120)
        run("rmi", "-a", "-f", timeout=120)
        subprocess.run(["umount", "-R", "-l", STORE],
                       stderr=subprocess.DEVNULL)
    shutil.rmtree(STORE, ignore_errors=True)
    shutil.rmtree(RUNROOT, ignore_errors=True)


def busybox_tar(path):
    """A root filesystem of the guest's static busybox, as a tarball for
    `podman import`."""
    root = tempfile.mkdtemp(dir="/tmp")
    os.makedirs(root + "/bin")
    shutil.copy("/bin/busybox", root + "/bin/busybox")
    for app in ("sh", "sleep", "cat", "true"):
        os.symlink("busybox", f"{root}/bin/{app}")
    for d in ("proc", "sys", "dev", "etc", "tmp"):
        os.makedirs(f"{root}/{d}")
    subprocess.run(["tar", "-C", root, "-cf", path, "."], check=True)
    shutil.rmtree(root)
    return path


def cgroup_of(pid):
    """The cgroup v2 path of @pid, from the root."""
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line.strip()[3:]
    return None


def inspect(name, fmt):
    p = run("inspect", "-f", fmt, name)
    return p.stdout.strip() if p.returncode == 0 else None
