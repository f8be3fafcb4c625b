#!/usr/bin/env bash
# scripts/check-debug.sh - `make check-debug`: the selftests and the stress
# suite under Debian's 6.1 kernel source built with KASAN, lockdep
# (PROVE_LOCKING), PROVE_RCU, DEBUG_ATOMIC_SLEEP, kmemleak and DEBUG_OBJECTS.
#
# Usage: scripts/check-debug.sh
# 1. The debug kernel: scripts/debug-kernel.sh build (cached in
#    ~/.cache/memqos; the first build takes long, see README).
# 2. memqos.ko built against it, in build/check-debug/mod (the work tree's
#    kmod/memqos.ko stays the Debian kernel's), and the tool.
# 3. Host: scripts/vm/test-dmesg-filter.sh, the harness's dmesg check
#    against the debug kernel's report formats.
# 4. Proof run (MEMQOS_DEBUG_PROOF=0 skips it): the guest loads a module
#    that leaks and one that KASAN catches; the run must fail the dmesg
#    check with both reports, and the kmemleak scan must attribute the
#    leaks to their module, loaded and unloaded. The clean boot's dmesg is
#    then checked to pass the filter (no false alarm from the debug
#    kernel's own boot messages).
# 5. The real run: scripts/check-debug-guest.sh (selftests, stress, a
#    kmemleak scan after the last unload that must hold nothing from
#    memqos, lockdep still on), with the harness's dmesg check; kmemleak's
#    "N new suspected memory leaks" line alone does not fail it
#    (MEMQOS_DMESG_ALLOW), since the scan's report is judged by module.
# Environment: MEMQOS_DEBUG_REBUILD (0: no make in the kernel tree, see
# below), MEMQOS_STRESS_SCALE (default 1), MEMQOS_TCG_THREAD (default
# single for the real run, see scripts/stress.sh), MEMQOS_DEBUG_SELFTESTS /
# MEMQOS_DEBUG_STRESS (test lists, "none" to skip a suite), MEMQOS_GUEST_MEM
# (default 3072), MEMQOS_GUEST_TIMEOUT (default 3600 + 9600 x scale).
# A boot whose kernel reported a bug before memqos was loaded is retried
# once (its output in out-boot-report/).
# Results: build/check-debug/ (out-proof/, out/: each run's guest output).
# Ends with "N passed, M failed"; exit 0 only if M is 0.
set -euo pipefail

CDPATH="" cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
PROJ=$PWD
DIR=build/check-debug
scale=${MEMQOS_STRESS_SCALE:-1}
PASSED=0 FAILED=0

ok() { echo "ok - $*"; PASSED=$((PASSED + 1)); }
fail() { echo "not ok - $*"; FAILED=$((FAILED + 1)); }
check() { if (($1)); then ok "$2"; else fail "$2"; fi; }

# Counts the top-level results of a TAP file.
count() {
	local p f
	[[ -f $1 ]] || return 0
	p=$(grep -c -E '^ok [0-9]+ ' "$1" || true)
	f=$(grep -c -E '^not ok [0-9]+ ' "$1" || true)
	PASSED=$((PASSED + p)) FAILED=$((FAILED + f))
}

mkdir -p "$DIR"
start=$SECONDS
# MEMQOS_DEBUG_REBUILD=0 takes the cached kernel as it is, without make:
# a cache that was moved recompiles in full (objtool is built with
# absolute paths, and every object depends on it).
if [[ ${MEMQOS_DEBUG_REBUILD:-1} != 0 ]]; then
	scripts/debug-kernel.sh build >/dev/null
fi
eval "$(scripts/debug-kernel.sh env)"
echo "check-debug: kernel $KVER ($((SECONDS - start)) s to build or find it)"

rm -rf "$DIR/mod"
mkdir -p "$DIR/mod"
cp -r Kbuild VERSION include "$DIR/mod/"
mkdir "$DIR/mod/kmod"
cp kmod/Kbuild kmod/*.[ch] "$DIR/mod/kmod/"
rm -f "$DIR/mod/kmod/"*.mod.c
make -s -C "$KDIR" M="$PROJ/$DIR/mod" modules
KO=$PROJ/$DIR/mod/kmod/memqos.ko
make -s -C user

out=$(scripts/vm/test-dmesg-filter.sh) && rc=0 || rc=$?
grep '^not ok' <<<"$out" || true
check $((rc == 0)) "the dmesg filter catches every debug-kernel report format ($(grep -c '^ok' <<<"$out") cases)"

guest() {
	local out=$1 rc=0
	shift
	mkdir -p build/guest
	rm -rf "${DIR:?}/${out:?}"
	MEMQOS_VMLINUZ=$VMLINUZ MEMQOS_MODDIR=$MODDIR MEMQOS_KVER=$KVER MEMQOS_KO=$KO \
		MEMQOS_GUEST_MEM=${MEMQOS_GUEST_MEM:-3072} \
		MEMQOS_GUEST_TIMEOUT=${MEMQOS_GUEST_TIMEOUT:-$(awk -v s="$scale" \
			'BEGIN { print 3600 + int(9600 * s) }')} \
		"$@" || rc=$?
	cp -r build/guest/out "$DIR/$out"
	return "$rc"
}

mkdir -p build/guest
exec 9>build/guest/lock
flock -n 9 || { echo "check-debug: waiting for another guest run"; flock 9; }

if [[ ${MEMQOS_DEBUG_PROOF:-1} != 0 ]]; then
	rc=0
	MEMQOS_GUEST_TIMEOUT=1200 guest out-proof scripts/vm/run-guest.sh -- \
		scripts/check-debug-guest.sh --proof || rc=$?
	count "$DIR/out-proof/debug.tap"
	found=$(cat "$DIR/out-proof/dmesg-check-failed" 2>/dev/null || true)
	check $((rc == 126 || rc == 1)) "proof run: the harness fails it (exit status $rc)"
	check "$(grep -q 'BUG: KASAN' <<<"$found" && echo 1 || echo 0)" "proof run: dmesg check caught 'BUG: KASAN'"
	check "$(grep -q 'suspected memory leak' <<<"$found" && echo 1 || echo 0)" "proof run: dmesg check caught kmemleak's report"
	# The clean part of that boot: everything before the first test module.
	awk '/kmemleak_test|kmemleak-test|kasan test|kasan_test|new suspected memory leak/ { exit } { print }' \
		"$DIR/out-proof/dmesg.txt" >"$DIR/clean-dmesg.txt"
	out=$(scripts/vm/test-dmesg-filter.sh "$DIR/clean-dmesg.txt" | tail -n 2 | head -n 1)
	echo "$out"
	check "$([[ $out == ok* ]] && echo 1 || echo 0)" "the debug kernel's clean boot passes the dmesg filter ($(wc -l <"$DIR/clean-dmesg.txt") lines)"
fi

# A bug the kernel reported while booting, before memqos was loaded, is
# not memqos's: that boot's output goes to out-boot-report/ and the
# guest boots once more (scripts/check-debug-guest.sh).
for boot in 1 2; do
	rc=0
	# The stress suite's reloads need single-threaded TCG (scripts/stress.sh).
	MEMQOS_TCG_THREAD=${MEMQOS_TCG_THREAD:-single} \
	MEMQOS_DMESG_ALLOW='kmemleak: [0-9]+ new suspected memory leaks' \
		guest out scripts/vm/run-guest.sh -- scripts/check-debug-guest.sh || rc=$?
	[[ -f $DIR/out/boot-report.txt && $boot == 1 ]] || break
	echo "check-debug: the debug kernel reported a bug while booting, before memqos was loaded; booting again"
	rm -rf "$DIR/out-boot-report"
	mv "$DIR/out" "$DIR/out-boot-report"
done
count "$DIR/out/selftests/results.tap"
count "$DIR/out/stress/results.tap"
count "$DIR/out/debug.tap"
case $rc in
124) fail "the guest timed out" ;;
125) fail "the guest died (kernel panic/oops, crash, or QEMU failed)" ;;
esac
if [[ -f $DIR/out/dmesg-check-failed ]]; then
	fail "debug kernel reports in the guest's dmesg ($DIR/out/dmesg-check-failed):"
	sed 's/^/#   /' "$DIR/out/dmesg-check-failed" | head -n 40
fi
echo "check-debug: $((SECONDS - start)) s"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
