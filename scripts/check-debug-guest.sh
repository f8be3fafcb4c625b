#!/usr/bin/env bash
# scripts/check-debug-guest.sh - the guest half of `make check-debug`, run
# by scripts/check-debug.sh under the debug kernel (run-guest.sh with
# MEMQOS_VMLINUZ/MEMQOS_MODDIR).
#
# Usage: scripts/check-debug-guest.sh          the selftests and the stress
#                                              suite, then the leak scan
#        scripts/check-debug-guest.sh --proof  make the debug kernel report:
#                                              a module that leaks, one that
#                                              KASAN catches (the run must
#                                              then FAIL the dmesg check)
# Run: the debug options are live (KASAN initialized, lockdep on, kmemleak
# on); a kmemleak scan, then "clear", so what the boot leaked is not
# counted; selftests/run.sh (MEMQOS_DEBUG_SELFTESTS: test names, default
# all, "none" to skip) with results in
# $MEMQOS_OUT/selftests; stress/run.sh
# (MEMQOS_DEBUG_STRESS, likewise) in
# $MEMQOS_OUT/stress; after the last
# unload, two kmemleak scans whose report must hold nothing from memqos
# (stress/kmemleak.py); lockdep still on at the end (it turns itself off
# after its first report). Those checks are KTAP in $MEMQOS_OUT/debug.tap.
set -uo pipefail

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." || exit 2
OUT=${MEMQOS_OUT:?run me in the guest}
KL=/sys/kernel/debug/kmemleak
n=0 failed=0

tap() {
	n=$((n + 1))
	if (($1)); then
		echo "ok $n - $2" | tee -a "$OUT/debug.tap"
	else
		echo "not ok $n - $2" | tee -a "$OUT/debug.tap"
		failed=$((failed + 1))
	fi
}

debug_locks() {
	awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats 2>/dev/null
}

# Runs a suite's runner with its own output dir; $2: the test list.
suite() {
	local runner=$1 list=$2 name=$3 rc=0
	[[ $list == none ]] && return 0
	mkdir -p "$OUT/$name"
	# shellcheck disable=SC2086 # the list is words
	MEMQOS_OUT=$OUT/$name "$runner" $list || rc=$?
	tap $((rc == 0)) "$name: $runner passed (exit status $rc)"
}

proof() {
	local v
	echo "# check-debug proof: kmemleak-test leaks on purpose, kasan_test_module makes KASAN reports"
	modprobe kmemleak-test || true
	python3 stress/kmemleak.py --scan --save "$OUT/kmemleak-loaded.txt" kmemleak-test
	v=$?
	tap $((v == 1)) "kmemleak: the leaks of a loaded module are attributed to it"
	rmmod kmemleak-test
	python3 stress/kmemleak.py --save "$OUT/kmemleak-unloaded.txt" kmemleak-test
	v=$?
	tap $((v == 1)) "kmemleak: after its unload, still attributed (frames kallsyms no longer names)"
	# init returns -EAGAIN after its tests: modprobe fails by design.
	modprobe kasan_test_module 2>/dev/null || true
	# Some of its bad accesses run in a workqueue: the report can come
	# after modprobe returns.
	local i seen=0
	for ((i = 0; i < 60 && !seen; i++)); do
		if dmesg | grep -c 'BUG: KASAN' >/dev/null; then seen=1; else sleep 1; fi
	done
	tap "$seen" "KASAN reported the module's bad accesses"
}

# shellcheck source=scripts/vm/dmesg-patterns.sh
source scripts/vm/dmesg-patterns.sh

# Whether the kernel reported a bug while booting, before any memqos was
# loaded (the lines the host's check would fail the run for): saves that
# dmesg in $OUT/boot-report.txt and says so, with its first lines.
boot_report() {
	local lines
	dmesg >"$OUT/boot-dmesg.txt"
	lines=$(dmesg_bad_lines "$OUT/boot-dmesg.txt")
	[[ -n $lines ]] || return 1
	mv "$OUT/boot-dmesg.txt" "$OUT/boot-report.txt"
	echo "# the kernel reported a bug while booting, before memqos was loaded:"
	head -n 3 <<<"$lines" | sed 's/^/#   /'
}

main() {
	: >"$OUT/debug.tap"
	echo "# kernel $(uname -r)"
	# Twice a TCG guest on a loaded host hit a KASAN wild-memory-access in
	# handle_edge_irq() at 0.006 s of boot, which also turns lockdep off:
	# check-debug.sh boots again rather than test on that kernel.
	if [[ ${1:-} != --proof ]] && boot_report; then
		return 3
	fi
	# grep -c, not -q: with pipefail, dmesg killed by SIGPIPE reads as "no".
	tap "$(dmesg | grep -c 'KernelAddressSanitizer initialized' >/dev/null && echo 1 || echo 0)" "KASAN is on"
	tap "$([[ $(debug_locks) == 1 ]] && echo 1 || echo 0)" "lockdep is on at the start"
	tap "$([[ -w $KL ]] && echo 1 || echo 0)" "kmemleak is on"
	if [[ ${1:-} == --proof ]]; then
		proof
		echo "1..$n"
		((failed == 0))
		return
	fi
	if [[ -w $KL ]]; then
		echo scan >"$KL"
		echo clear >"$KL"
	fi
	# Per-test limits: scripts/check-debug.sh.
	MEMQOS_TEST_TIMEOUT=${MEMQOS_DEBUG_SELFTEST_TIMEOUT:?} \
		suite selftests/run.sh "${MEMQOS_DEBUG_SELFTESTS:-}" selftests
	MEMQOS_TEST_TIMEOUT=${MEMQOS_DEBUG_STRESS_TIMEOUT:?} \
		suite stress/run.sh "${MEMQOS_DEBUG_STRESS:-}" stress
	[[ ! -d /sys/module/memqos ]] || rmmod memqos
	python3 stress/kmemleak.py --scan --save "$OUT/kmemleak.txt" memqos
	tap $(($? == 0)) "kmemleak after the last unload: nothing from memqos ($(grep -c '^unreferenced object' "$OUT/kmemleak.txt" 2>/dev/null) suspects in all)"
	tap "$([[ $(debug_locks) == 1 ]] && echo 1 || echo 0)" "lockdep still on at the end (no report turned it off)"
	echo "1..$n"
	((failed == 0))
}

main "$@"
