#!/bin/sh
# /init of the memqos guest initramfs (busybox sh, PID 1). Built into the
# initramfs by scripts/vm/run-guest.sh, which documents the whole protocol.
#
# Mounts the host's / (9p tag "hostroot", read-only) at /host, makes a usable
# system of it (proc, sysfs, devtmpfs, fresh tmpfs on /tmp /run /var/tmp, a
# writable overlay on /root, cgroup2, debugfs, tracefs, bpffs), then runs the
# job in a chroot.
# The job comes from, and the results go to, the writable 9p export "out":
#   in:  job          MEMQOS_PROJ (project path), MEMQOS_SCRIPT (bash -c text) and
#                     MEMQOS_GUEST_MODDIR (if set, its lib/modules replaces
#                     /lib/modules: the modules of a kernel not from /boot)
#   out: exit-status  the command's exit status (written first)
#        dmesg.txt    the kernel log after the command
#        tainted      /proc/sys/kernel/tainted after the command
# PID 1 must never exit (that panics the kernel), so every path ends in
# poweroff -f; QEMU runs with -no-reboot and exits with it.
#
# Kernel parameter memqos_probe=1 (an init env var) only prints a marker and
# powers off: run-guest.sh uses it to check that KVM works.

export PATH=/bin

OUT=/out                       # the "out" export inside the initramfs
GUEST_OUT=/run/memqos-out      # the same export as the command sees it
# Fresh tmpfs over these host dirs (only those that exist on the host).
TMPFS_DIRS="/tmp /run /var/tmp"

halt_guest() {
	sync
	poweroff -f
}

die() {
	echo "memqos-init: FATAL: $*"
	halt_guest
}

mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

if [ -n "$memqos_probe" ]; then
	echo "memqos-probe-ok"
	halt_guest
fi

mount -t proc proc /proc

# Load order was resolved from modules.dep when the initramfs was built.
for m in /modules/*.ko; do
	[ -e "$m" ] || continue         # all built in
	insmod "$m" || die "insmod $m failed"
done

# cache=loose: the host root does not change during a run, and caching
# lookups makes exec and python startup several times faster under TCG.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose \
	hostroot /host || die "cannot mount the host root (9p tag hostroot)"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out $OUT ||
	die "cannot mount the out export (9p tag out)"
[ -r $OUT/job ] || die "no job file in the out export"
. $OUT/job
[ -d "/host$MEMQOS_PROJ" ] || die "project dir $MEMQOS_PROJ not visible in the guest"

# A project under one of TMPFS_DIRS would be hidden by the tmpfs: keep a bind
# of it aside and put it back at the same path afterwards.
proj_aside=
for d in $TMPFS_DIRS; do
	case "$MEMQOS_PROJ/" in "$d"/*) proj_aside=1 ;; esac
done
if [ -n "$proj_aside" ]; then
	mkdir -p /proj
	mount --bind "/host$MEMQOS_PROJ" /proj || die "cannot bind the project aside"
fi

mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /host/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
ln -sf /proc/self/fd /host/dev/fd
ln -sf /proc/self/fd/0 /host/dev/stdin
ln -sf /proc/self/fd/1 /host/dev/stdout
ln -sf /proc/self/fd/2 /host/dev/stderr

for d in $TMPFS_DIRS; do
	[ -d "/host$d" ] || continue
	mode=1777
	[ "$d" = /run ] && mode=755
	mount -t tmpfs -o mode=$mode tmpfs "/host$d" || die "cannot mount tmpfs on $d"
done
# HOME=/root keeps the host's files (e.g. a module built there) but must be
# writable: overlay it with a tmpfs upper layer.
if [ -d /host/root ]; then
	mount -t tmpfs tmpfs /rw
	mkdir -m 700 /rw/upper
	mkdir /rw/work
	mount -t overlay -o lowerdir=/host/root,upperdir=/rw/upper,workdir=/rw/work \
		overlay /host/root || die "cannot mount an overlay on /root"
fi

if [ -n "$MEMQOS_GUEST_MODDIR" ]; then
	mount --bind "/host$MEMQOS_GUEST_MODDIR/lib/modules" /host/lib/modules ||
		die "cannot bind $MEMQOS_GUEST_MODDIR/lib/modules on /lib/modules"
fi

mount -t cgroup2 -o memory_recursiveprot cgroup2 /host/sys/fs/cgroup ||
	die "cannot mount cgroup2"
mount -t debugfs debugfs /host/sys/kernel/debug
mount -t tracefs tracefs /host/sys/kernel/tracing
mount -t bpf bpf /host/sys/fs/bpf

if [ -n "$proj_aside" ]; then
	mkdir -p "/host$MEMQOS_PROJ"
	mount --bind /proj "/host$MEMQOS_PROJ" || die "cannot bind the project back"
fi
mkdir -p "/host$GUEST_OUT"
mount --bind $OUT "/host$GUEST_OUT" || die "cannot bind the out export"

ip link set lo up

env -i MEMQOS_GUEST=1 MEMQOS_OUT=$GUEST_OUT PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 chroot /host /bin/bash -c "$MEMQOS_SCRIPT" </dev/null
rc=$?
echo "$rc" >$OUT/exit-status
echo "memqos-guest: command exited with status $rc"

dmesg >$OUT/dmesg.txt
# Not ash's read: it reads byte by byte and sysctl files return EOF at offset > 0.
cat /proc/sys/kernel/tainted >$OUT/tainted
halt_guest
