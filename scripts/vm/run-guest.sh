#!/usr/bin/env bash
# run-guest.sh - run a command as root inside a throwaway QEMU guest that boots
# a Debian kernel (the installed 6.1 by default; scripts/kernel.sh fetches
# the others and scripts/guest-kernel.sh points MEMQOS_VMLINUZ and
# MEMQOS_MODDIR at them), with the host's / shared read-only. The host
# kernel cannot load modules; this is where memqos.ko gets loaded and tested.
#
# Usage: scripts/vm/run-guest.sh [OPTIONS] -- CMD [ARGS...]
#   --timeout SEC       limit for the whole boot+command+poweroff (default 900)
#   --mem MB            guest memory (default 1024)
#   --smp N             guest CPUs (default 2)
#   --kernel VER        kernel version (default $MEMQOS_KVER, else the newest
#                       /boot/vmlinuz-6.1*-amd64 that has /lib/modules/VER)
#   --accel kvm|tcg|auto  (default $MEMQOS_ACCEL, else auto: KVM if /dev/kvm
#                       opens and a probe boot succeeds within 20 s, else TCG;
#                       the probe result is cached in build/guest/accel, delete
#                       it after changing the host's KVM setup)
#   --no-dmesg-check    do not fail on kernel warnings/taint in the guest
#   MEMQOS_DMESG_ALLOW  an extended regexp: kernel log lines it matches do
#                       not fail the run (scripts/check-debug.sh lets
#                       kmemleak's "N new suspected memory leaks" through,
#                       since it reads the report and fails on memqos' own)
#
# A kernel outside /boot (a fetched Debian kernel, the debug kernel of
# `make check-debug`): set MEMQOS_VMLINUZ to its bzImage and MEMQOS_MODDIR to
# the INSTALL_MOD_PATH of its modules (MODDIR/lib/modules/VER; their .ko.xz
# are unpacked for the initramfs), with --kernel VER. Its
# modules are resolved there for the initramfs (those built in need none),
# and the guest sees MODDIR/lib/modules at /lib/modules (modprobe works).
# MEMQOS_GUEST_TIMEOUT and MEMQOS_GUEST_MEM set the defaults of --timeout
# and --mem (for callers such as scripts/check.sh). MEMQOS_TCG_THREAD=single
# runs every vCPU of a TCG guest in one host thread (default multi).
# MEMQOS_KERNEL_PARAMS: more kernel command-line parameters.
#
# CMD and ARGS are joined with spaces (like ssh) and run by `bash -c` in the
# project directory, at the same absolute path as on the host, even under
# /tmp. Quote arguments that contain spaces yourself.
# The guest sees the host's files read-only; /tmp, /var/tmp, /run and
# /dev/shm are fresh tmpfs; /root is the host's under a writable tmpfs
# overlay. CMD's environment: MEMQOS_GUEST=1, MEMQOS_OUT=/run/memqos-out
# (writable: build/guest/out on the host), PATH=/usr/sbin:/usr/bin:/sbin:/bin,
# HOME=/root, LANG=C.UTF-8, and every exported host variable named MEMQOS_*
# (e.g. MEMQOS_KO, MEMQOS_TEST_TIMEOUT). stdin is /dev/null; stdout/stderr go
# to the serial console, shown live and saved to build/guest/console.log.
#
# Exit status: CMD's exit status if the guest completed it;
#   124  timeout;
#   125  the guest died without reporting (panic, oops (oops=panic), crash)
#        or the host side failed (missing tools, QEMU did not start);
#   2    bad usage; 130/143 interrupted (SIGINT/SIGTERM);
#   126  CMD passed but the guest's dmesg shows a kernel warning/bug, or the
#        kernel is tainted by anything but O (out-of-tree) / E (unsigned).
#
# build/guest/out/ (recreated per run) holds the job (input) and the
# results: exit-status, dmesg.txt, tainted, whatever CMD wrote to
# $MEMQOS_OUT, and dmesg-check-failed (the findings) if the dmesg check
# failed, whatever CMD's status. Runs sharing a build dir wait for each other
# (lock build/guest/lock, which a caller may hold on fd 9);
# MEMQOS_GUEST_DIR (default build/guest) gives a run a dir of its own, for
# guests at once (scripts/check-debug.sh with MEMQOS_DEBUG_JOBS).
# Host tools (qemu-system-x86, busybox-static, cpio, kmod, Debian's
# linux-image 6.1) come from scripts/deps.sh.
set -euo pipefail

# modprobe lives in sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
PROJ=$(CDPATH="" cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
INIT_SH=$PROJ/scripts/vm/init.sh
GUEST_DIR=${MEMQOS_GUEST_DIR:-$PROJ/build/guest}
[[ $GUEST_DIR == /* ]] || GUEST_DIR=$PWD/$GUEST_DIR
# What the probe found is the host's: one cache for every guest dir.
ACCEL_CACHE=$PROJ/build/guest/accel
OUT_DIR=$GUEST_DIR/out
CONSOLE_LOG=$GUEST_DIR/console.log

# Modules the initramfs needs (9p over virtio-pci, overlay for /root); their
# dependencies are added in load order from modules.dep.
GUEST_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

# Kernel log lines that fail a run: one list for the host's check and the
# debug guest's boot check.
# shellcheck source=scripts/vm/dmesg-patterns.sh
source "$PROJ/scripts/vm/dmesg-patterns.sh"
# Taint bits that are expected: O (4096, out-of-tree) and E (8192, unsigned).
TAINT_OK_MASK=$((4096 | 8192))
TAINT_LETTERS=PFSRMBUDAWCIOELKXTN   # bit 0.. as in Documentation/admin-guide/tainted-kernels.rst

# panic=-1 + -no-reboot: a panic ends QEMU at once; oops=panic turns an oops
# into one (a half-dead kernel would otherwise hang until the timeout);
# panic_print=0x20 replays the whole log on panic since quiet hides the trace.
# softlockup_panic: a soft lockup fails the run anyway (dmesg check); a
# wedged guest would otherwise sit until the timeout and never save its log
# (make stress hit one: both CPUs stuck for 20 min, no trace on the console).
KERNEL_CMDLINE="console=ttyS0 quiet loglevel=4 panic=-1 oops=panic softlockup_panic=1 panic_print=0x20 log_buf_len=4M"
PROBE_TIMEOUT=20

log() { echo "run-guest: $*" >&2; }
die() { log "error: $*"; exit 125; }

usage() {
	[[ -z ${1:-} ]] || log "error: $1"
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
	exit 2
}

parse_args() {
	TIMEOUT=${MEMQOS_GUEST_TIMEOUT:-900} MEM=${MEMQOS_GUEST_MEM:-1024} SMP=2 KVER=${MEMQOS_KVER:-} ACCEL=${MEMQOS_ACCEL:-auto} DMESG_CHECK=1
	while (($#)); do
		case $1 in
		--timeout) TIMEOUT=${2:?}; shift 2 ;;
		--mem) MEM=${2:?}; shift 2 ;;
		--smp) SMP=${2:?}; shift 2 ;;
		--kernel) KVER=${2:?}; shift 2 ;;
		--accel) ACCEL=${2:?}; shift 2 ;;
		--no-dmesg-check) DMESG_CHECK=; shift ;;
		--) shift; break ;;
		*) usage ;;
		esac
	done
	(($#)) || usage
	CMD="$*"
	[[ $TIMEOUT =~ ^[0-9]+$ && $MEM =~ ^[0-9]+$ && $SMP =~ ^[0-9]+$ ]] ||
		usage "--timeout, --mem and --smp take integers"
	[[ $ACCEL =~ ^(kvm|tcg|auto)$ ]] || usage "--accel must be kvm, tcg or auto"
	[[ ${MEMQOS_TCG_THREAD:-multi} =~ ^(single|multi)$ ]] ||
		usage "MEMQOS_TCG_THREAD must be single or multi"
}

check_host() {
	local tool
	for tool in qemu-system-x86_64 busybox cpio modprobe timeout; do
		command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps.sh)"
	done
	# A dynamically linked busybox (package "busybox") cannot run in the initramfs.
	if ldd "$(command -v busybox)" >/dev/null 2>&1; then
		die "busybox is dynamically linked; install busybox-static"
	fi
}

resolve_kernel() {
	MODROOT=${MEMQOS_MODDIR:-}
	MODULES=$MODROOT/lib/modules
	if [[ -n ${MEMQOS_VMLINUZ:-} ]]; then
		[[ -n $KVER ]] || die "MEMQOS_VMLINUZ needs --kernel VER (or MEMQOS_KVER)"
		VMLINUZ=$MEMQOS_VMLINUZ
	fi
	if [[ -z $KVER ]]; then
		local f v versions=()
		for f in /boot/vmlinuz-6.1*-amd64; do
			v=${f#/boot/vmlinuz-}
			[[ -d /lib/modules/$v ]] && versions+=("$v")
		done
		((${#versions[@]})) || die "no /boot/vmlinuz-6.1*-amd64 with modules (run scripts/deps.sh)"
		KVER=$(printf '%s\n' "${versions[@]}" | sort -V | tail -n1)
	fi
	VMLINUZ=${VMLINUZ:-/boot/vmlinuz-$KVER}
	[[ -f $VMLINUZ ]] || die "$VMLINUZ does not exist"
	[[ -d $MODULES/$KVER ]] || die "$MODULES/$KVER does not exist"
	# Debian installs vmlinuz mode 0600.
	[[ -r $VMLINUZ ]] || die "cannot read $VMLINUZ (run as root)"
}

# Module paths in load order: for each wanted module, `modprobe --show-depends`
# prints "insmod PATH" lines dependencies first ("builtin NAME" for one built
# into the kernel, which needs nothing); keep the first occurrence.
module_load_order() {
	local m line
	declare -A seen=()
	for m in "${GUEST_MODULES[@]}"; do
		while read -r line; do
			[[ $line == unresolved\ * ]] && echo "$line"
			[[ $line == insmod\ * ]] || continue
			line=${line#insmod }
			line=${line%% *}
			[[ -n ${seen[$line]:-} ]] && continue
			seen[$line]=1
			echo "$line"
		done < <(modprobe ${MODROOT:+-d "$MODROOT"} -S "$KVER" --show-depends "$m" ||
			echo "unresolved $m")
	done
}

# Sets INITRAMFS; builds it unless a copy for this kernel and init.sh exists.
build_initramfs() {
	local mods key tree i m applet
	mods=$(module_load_order)
	[[ $mods != *unresolved* ]] || die "cannot resolve ${GUEST_MODULES[*]} for $KVER in $MODULES"
	key=$({ cat "$INIT_SH"; echo "$mods"; stat -c %Y "$MODULES/$KVER/modules.dep"; } |
		sha256sum | cut -c1-16)
	INITRAMFS=$GUEST_DIR/initramfs-$KVER-$key.cpio
	[[ -f $INITRAMFS ]] && return

	log "building initramfs for $KVER"
	rm -f "$GUEST_DIR/initramfs-$KVER-"*.cpio
	tree=$(mktemp -d "$GUEST_DIR/initramfs.XXXXXX")
	mkdir -p "$tree"/{bin,dev,proc,host,out,rw,modules}
	cp "$(command -v busybox)" "$tree/bin/busybox"
	for applet in $(busybox --list); do
		[[ $applet == busybox ]] || ln -s busybox "$tree/bin/$applet"
	done
	install -m 755 "$INIT_SH" "$tree/init"
	i=10
	while read -r m; do
		[[ -n $m ]] || continue
		# busybox insmod needs a plain .ko; Debian compresses modules
		# with xz from 6.12 on.
		case $m in
		*.ko) cp "$m" "$tree/modules/$i-${m##*/}" ;;
		*.ko.xz) xz -dc "$m" >"$tree/modules/$i-$(basename "$m" .xz)" ;;
		*.ko.zst) zstd -qdc "$m" >"$tree/modules/$i-$(basename "$m" .zst)" ;;
		*) die "unsupported module file $m" ;;
		esac
		i=$((i + 1))
	done <<<"$mods"
	(cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$INITRAMFS.tmp"
	mv "$INITRAMFS.tmp" "$INITRAMFS"
	rm -rf "$tree"
}

# Fills QEMU (the command line) for accelerator $1; extra kernel params in $2.
qemu_cmdline() {
	local cmdline=$KERNEL_CMDLINE
	# Under TCG the guest's clock runs on while a loaded host leaves a vCPU
	# thread unscheduled: 20 s "soft lockups" in clear_page() came from
	# that alone. 60 s (a soft lockup after 120 s) and a 120 s RCU stall
	# timeout still end a real livelock long before the run's timeout.
	[[ $1 == tcg ]] && cmdline+=" watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120"
	cmdline+=${MEMQOS_KERNEL_PARAMS:+ $MEMQOS_KERNEL_PARAMS}
	QEMU=(qemu-system-x86_64 -nodefaults -no-user-config -nographic -no-reboot
		-serial stdio -bios qboot.rom -m "$MEM" -smp "$SMP"
		-kernel "$VMLINUZ" -initrd "$INITRAMFS" -append "$cmdline${2:+ $2}"
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=${OUT_DIR//,/,,},mount_tag=out,security_model=none")
	case $1 in
	kvm) QEMU+=(-accel kvm -cpu host) ;;
	tcg) QEMU+=(-accel "tcg,thread=${MEMQOS_TCG_THREAD:-multi}" -cpu max) ;;
	esac
}

# Nested KVM can exist and still hang or abort; only a real boot tells.
probe_kvm() {
	local log_file=$GUEST_DIR/kvm-probe.log start=$EPOCHREALTIME
	log "probing KVM (up to ${PROBE_TIMEOUT} s)"
	mkdir -p "$OUT_DIR"
	qemu_cmdline kvm memqos_probe=1
	# The group's redirection also catches bash's "Aborted" job report.
	{ timeout --foreground -k 2 "$PROBE_TIMEOUT" "${QEMU[@]}" </dev/null >"$log_file" 2>&1 || true; } 2>>"$log_file"
	if grep -q memqos-probe-ok "$log_file"; then
		log "KVM works ($(elapsed "$start") s)"
		return 0
	fi
	log "KVM unusable, using TCG ($(elapsed "$start") s; see $log_file)"
	return 1
}

choose_accel() {
	[[ $ACCEL == auto ]] || return 0
	if ! { : <>/dev/kvm; } 2>/dev/null; then
		ACCEL=tcg
		return
	fi
	local cache=$ACCEL_CACHE ver acc
	if [[ -f $cache ]] && read -r ver acc <"$cache" && [[ $ver == "$KVER" ]]; then
		ACCEL=$acc
		return
	fi
	if probe_kvm; then ACCEL=kvm; else ACCEL=tcg; fi
	mkdir -p "${cache%/*}"
	echo "$KVER $ACCEL" >"$cache"
}

# Single-quote $1 for sh/bash.
shquote() {
	local q="'\\''"
	printf "'%s'" "${1//\'/$q}"
}

write_job() {
	local var script=""
	for var in $(compgen -e MEMQOS_); do
		[[ $var == MEMQOS_OUT || $var == MEMQOS_GUEST || $var == MEMQOS_KVER ]] && continue
		script+="export $var=$(shquote "${!var}")"$'\n'
	done
	# The kernel booted, whatever named it (test_boot checks it).
	script+="export MEMQOS_KVER=$(shquote "$KVER")"$'\n'
	script+="cd -- $(shquote "$PROJ") || exit 127"$'\n'"$CMD"
	{
		echo "MEMQOS_PROJ=$(shquote "$PROJ")"
		echo "MEMQOS_SCRIPT=$(shquote "$script")"
		echo "MEMQOS_GUEST_MODDIR=$(shquote "$MODROOT")"
	} >"$OUT_DIR/job"
}

elapsed() {
	local now=$EPOCHREALTIME
	awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

# Prints the offending lines of file $1 (and bad taint, if $2 is given);
# returns 1 if there are any.
dmesg_findings() {
	local file=$1 tainted=${2:-0} bad letters="" i lines
	lines=$(dmesg_bad_lines "$file")
	bad=$((tainted & ~TAINT_OK_MASK))
	[[ -z $lines && $bad -eq 0 ]] && return 0
	[[ -n $lines ]] && printf '%s\n' "$lines"
	if ((bad)); then
		for ((i = 0; i < ${#TAINT_LETTERS}; i++)); do
			((bad & (1 << i))) && letters+=${TAINT_LETTERS:i:1}
		done
		echo "kernel tainted: $tainted (unexpected flags: ${letters:-?}, bits $bad)"
	fi
	return 1
}

# One guest per build dir at a time: they share out/ and console.log. A
# caller that reads out/ afterwards (scripts/check.sh) takes the lock itself
# and passes it down as fd 9 so no other run can replace out/ in between.
lock_guest_dir() {
	[[ /dev/fd/9 -ef $GUEST_DIR/lock ]] || exec 9>"$GUEST_DIR/lock"
	if ! flock -n 9; then
		log "waiting for another guest run in $GUEST_DIR"
		flock 9
	fi
}

# Maps the QEMU run to the documented exit status.
evaluate() {
	local qemu_rc=$1 status tainted findings
	if [[ -f $OUT_DIR/exit-status ]]; then
		status=$(<"$OUT_DIR/exit-status")
		[[ $status =~ ^[0-9]+$ ]] || { log "garbled exit-status '$status'"; return 125; }
		[[ -n $DMESG_CHECK ]] || return "$status"
		if [[ ! -f $OUT_DIR/dmesg.txt || ! -f $OUT_DIR/tainted ]]; then
			findings="dmesg.txt or tainted missing"
		elif tainted=$(<"$OUT_DIR/tainted") && [[ ! $tainted =~ ^[0-9]+$ ]]; then
			findings="unreadable tainted value '$tainted'"
		elif findings=$(dmesg_findings "$OUT_DIR/dmesg.txt" "$tainted"); then
			return "$status"
		fi
		log "guest dmesg check FAILED (full log: $OUT_DIR/dmesg.txt):"
		printf '%s\n' "$findings" | tee "$OUT_DIR/dmesg-check-failed" >&2
		return $((status ? status : 126))
	fi
	if ((qemu_rc == 124 || qemu_rc == 137)); then
		log "guest timed out after $TIMEOUT s"
		return 124
	fi
	log "guest died without reporting an exit status (qemu status $qemu_rc); see $CONSOLE_LOG"
	if ! findings=$(dmesg_findings "$CONSOLE_LOG"); then
		log "kernel problems on the console:"
		printf '%s\n' "$findings" >&2
	fi
	return 125
}

main() {
	# Ctrl-C reaches QEMU too (same process group): don't report a crash, die
	# of the signal so that calling shells stop as well.
	trap 'log "interrupted"; trap - INT; kill -INT $$' INT
	trap 'log "terminated"; trap - TERM; kill -TERM $$' TERM
	parse_args "$@"
	check_host
	resolve_kernel
	mkdir -p "$GUEST_DIR"
	lock_guest_dir
	build_initramfs
	choose_accel

	rm -rf "$OUT_DIR"
	mkdir -p "$OUT_DIR"
	write_job
	qemu_cmdline "$ACCEL"
	log "booting $KVER ($ACCEL, ${SMP} cpus, ${MEM} MB, timeout ${TIMEOUT} s): $CMD"
	local start=$EPOCHREALTIME qemu_rc=0 rc=0
	timeout --foreground -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>&1 |
		tee "$CONSOLE_LOG" || qemu_rc=$?
	evaluate "$qemu_rc" || rc=$?
	log "exit status $rc ($ACCEL, $(elapsed "$start") s)"
	exit "$rc"
}

# Sourced (scripts/vm/test-dmesg-filter.sh), it only defines the functions.
[[ ${BASH_SOURCE[0]} != "$0" ]] || main "$@"
