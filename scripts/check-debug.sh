#!/usr/bin/env bash
# scripts/check-debug.sh - `make check-debug`: the selftests and the stress
# suite under Debian's 6.1 kernel source built with KASAN, lockdep
# (PROVE_LOCKING), PROVE_RCU, DEBUG_ATOMIC_SLEEP, kmemleak and DEBUG_OBJECTS.
#
# Usage: scripts/check-debug.sh
# 1. The debug kernel: scripts/debug-kernel.sh build (cached in
#    ~/.cache/memqos; the first build takes long, see Documentation/testing.md).
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
#    The tests are spread over MEMQOS_DEBUG_JOBS guests that run at once
#    (default: one per host cpu, as memory allows), each with its own
#    kmemleak scan, lockdep check and dmesg check; the longest tests of
#    earlier runs go first, each to the guest with the least work.
# Environment: MEMQOS_DEBUG_REBUILD (0: no make in the kernel tree, see
# below), MEMQOS_STRESS_SCALE (default 0.1, see below), MEMQOS_TCG_THREAD
# (default single for the real run, see scripts/stress.sh),
# MEMQOS_DEBUG_SELFTESTS / MEMQOS_DEBUG_STRESS (test lists, "none" to skip
# a suite), MEMQOS_DEBUG_JOBS, MEMQOS_GUEST_MEM (default 3072),
# MEMQOS_GUEST_TIMEOUT (default: the sum of its tests' own limits + 1800).
# A boot whose kernel reported a bug before memqos was loaded is retried
# once (its output in out-K-boot-report/).
# Results: build/check-debug/ (out-proof/; shard-K: guest K's tests;
# out-K/: its output).
# Ends with "N passed, M failed"; exit 0 only if M is 0.
set -euo pipefail

CDPATH="" cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
PROJ=$PWD
DIR=build/check-debug
# The stress suite at a tenth of its counts and durations by default (20
# reloads, 1,000 debugfs writes, 20 s of steady state); its fuzzer's
# 100,000 messages and the steady state's 10,000 cgroups do not scale.
# At scale 1 it would run for many hours under this kernel.
scale=${MEMQOS_STRESS_SCALE:-0.1}
# Per-test limits: KASAN and lockdep under TCG run the tests 2-40 times
# slower (test_genl_dump: ~40 s plain, 1,633 s here); the stress suite's
# usual limit, 1800 s x scale, 25 times over (at least 3000 s).
SELFTEST_LIMIT=${MEMQOS_TEST_TIMEOUT:-3000}
STRESS_LIMIT=${MEMQOS_TEST_TIMEOUT:-$(awk -v s="$scale" \
	'BEGIN { t = int(25 * 1800 * s); print (t < 3000 ? 3000 : t) }')}
GUEST_MEM=${MEMQOS_GUEST_MEM:-3072}
# Guests at once: one per host cpu, as memory allows (the guest's and 1 GiB).
JOBS=${MEMQOS_DEBUG_JOBS:-$(awk -v cpus="$(nproc)" -v mem="$GUEST_MEM" '
	/^MemAvailable:/ { n = int($2 / 1024 / (mem + 1024))
			   print (n < 1 ? 1 : (n < cpus ? n : cpus)) }' /proc/meminfo)}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "check-debug: MEMQOS_DEBUG_JOBS must be a positive integer" >&2; exit 2; }
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
exec 9>"$DIR/lock"
flock -n 9 || { echo "check-debug: waiting for another check-debug run"; flock 9; }
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

# Runs run-guest.sh "$@" in guest dir $2 (build/guest-debug-K for the
# real run's guests, which run at once) and keeps its out/ in $DIR/$1.
# no5lvl: 4-level paging. With QEMU's "-cpu max" (LA57) a 6.1 KASAN kernel
# can report a "wild-memory-access" from an interrupt at 0.006 s:
# identify_cpu() zeroes the CPU's feature words for a moment, so
# pgtable_l5_enabled() and with it KASAN's shadow bounds flip to 4-level
# while the direct map is 5-level: 4 of 23 boots here, always in
# identify_boot_cpu().
guest() {
	local out=$1 gdir=$PROJ/$2 rc=0
	shift 2
	mkdir -p "$gdir"
	rm -rf "${DIR:?}/${out:?}"
	MEMQOS_KERNEL_PARAMS="no5lvl${MEMQOS_KERNEL_PARAMS:+ $MEMQOS_KERNEL_PARAMS}" \
		MEMQOS_GUEST_DIR=$gdir MEMQOS_VMLINUZ=$VMLINUZ MEMQOS_MODDIR=$MODDIR \
		MEMQOS_KVER=$KVER MEMQOS_KO=$KO \
		MEMQOS_GUEST_MEM=$GUEST_MEM "$@" || rc=$?
	cp -r "$gdir/out" "$DIR/$out"
	return "$rc"
}

if [[ ${MEMQOS_DEBUG_PROOF:-1} != 0 ]]; then
	rc=0
	MEMQOS_GUEST_TIMEOUT=1200 guest out-proof build/guest-debug-1 \
		scripts/vm/run-guest.sh -- scripts/check-debug-guest.sh --proof || rc=$?
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

# $1: a suite's test list variable, $2: its runner. Prints "suite/test"
# lines: the list, "none" for none, default every test of the runner.
tests_of() {
	local list=${!1:-} suite=${2%%/*} t
	[[ $list == none ]] && return 0
	[[ -n $list ]] || list=$("$2" --list)
	for t in $list; do echo "$suite/${t#"$suite"/}"; done
}

# "suite/test seconds" lines: how long each test ran, newest first: the
# last run's (the runners' "# NAME: N s" lines), then the earlier runs'
# ($DIR/durations), so a test a cut-short run did not reach keeps its time.
last_durations() {
	local f suite
	for f in "$DIR"/out-[0-9]*/*/results.tap; do
		[[ -f $f ]] || continue
		suite=$(basename "$(dirname "$f")")
		sed -n -E "s|^# ([^ ]+): ([0-9]+) s$|$suite/\1 \2|p" "$f"
	done
	[[ ! -f $DIR/durations ]] || cat "$DIR/durations"
}

# Spreads the tests over $JOBS guests, longest first onto the guest with
# the least so far (by the durations above; 600 s for a test never run):
# writes the lists to $DIR/shard-K.
shard() {
	awk '
		FILENAME == ARGV[1] { if (!($1 in t)) t[$1] = $2; next }
		{ w = ($1 in t) ? t[$1] : 600; print w, NR, $1 }' \
		<(last_durations) <(tests_of MEMQOS_DEBUG_SELFTESTS selftests/run.sh
				    tests_of MEMQOS_DEBUG_STRESS stress/run.sh) |
		sort -k1,1nr -k2,2n |
		awk -v jobs="$JOBS" -v dir="$DIR" '
			BEGIN { for (k = 1; k <= jobs; k++) { load[k] = 0; printf "" >(dir "/shard-" k) } }
			{
				best = 1
				for (k = 2; k <= jobs; k++) if (load[k] < load[best]) best = k
				load[best] += $1
				print $3 >>(dir "/shard-" best)
			}'
}

# Guest K's real run: its share of the tests, the kmemleak scan and the
# dmesg check. A bug the kernel reported while booting, before memqos was
# loaded, is not memqos's: that boot's output goes to out-K-boot-report/
# and the guest boots once more (scripts/check-debug-guest.sh).
real_run() {
	local k=$1 sel st n_sel n_st rc boot
	sel=$(sed -n 's|^selftests/||p' "$DIR/shard-$k" | tr '\n' ' ')
	st=$(sed -n 's|^stress/||p' "$DIR/shard-$k" | tr '\n' ' ')
	n_sel=$(wc -w <<<"$sel") n_st=$(wc -w <<<"$st")
	echo "check-debug: guest $k: ${sel:-no selftests}${st:+; stress: $st}"
	# Its limit: every test's own and 1800 s for the rest, so a test
	# that stays within its limit is never cut short.
	for boot in 1 2; do
		rc=0
		# The stress suite's reloads need single-threaded TCG (scripts/stress.sh).
		MEMQOS_DEBUG_SELFTESTS=${sel:-none} MEMQOS_DEBUG_STRESS=${st:-none} \
		MEMQOS_STRESS_SCALE=$scale \
		MEMQOS_DEBUG_SELFTEST_TIMEOUT=$SELFTEST_LIMIT MEMQOS_DEBUG_STRESS_TIMEOUT=$STRESS_LIMIT \
		MEMQOS_GUEST_TIMEOUT=${MEMQOS_GUEST_TIMEOUT:-$((1800 + SELFTEST_LIMIT * n_sel + STRESS_LIMIT * n_st))} \
		MEMQOS_TCG_THREAD=${MEMQOS_TCG_THREAD:-single} \
		MEMQOS_DMESG_ALLOW='kmemleak: [0-9]+ new suspected memory leaks' \
			guest "out-$k" "build/guest-debug-$k" \
			scripts/vm/run-guest.sh -- scripts/check-debug-guest.sh || rc=$?
		[[ -f $DIR/out-$k/boot-report.txt && $boot == 1 ]] || break
		echo "check-debug: guest $k: the debug kernel reported a bug while booting, before memqos was loaded; booting again"
		rm -rf "$DIR/out-$k-boot-report"
		mv "$DIR/out-$k" "$DIR/out-$k-boot-report"
	done
	echo "$rc" >"$DIR/out-$k/run-guest-status"
}

rm -f "$DIR"/shard-*
shard
last_durations | awk '!($1 in t) { t[$1]; print }' >"$DIR/durations.new"
mv "$DIR/durations.new" "$DIR/durations"
rm -rf "$DIR"/out-[0-9]*
# Guest 1 runs even with no tests: the leak scan and lockdep check.
pids=()
for ((k = 1; k <= JOBS; k++)); do
	[[ -s $DIR/shard-$k || $k == 1 ]] || continue
	real_run "$k" > >(sed -u "s/^/[$k] /") 2>&1 &
	pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
for ((k = 1; k <= JOBS; k++)); do
	[[ -s $DIR/shard-$k || $k == 1 ]] || continue
	count "$DIR/out-$k/selftests/results.tap"
	count "$DIR/out-$k/stress/results.tap"
	count "$DIR/out-$k/debug.tap"
	case $(cat "$DIR/out-$k/run-guest-status" 2>/dev/null || echo 125) in
	124) fail "guest $k timed out" ;;
	125) fail "guest $k died (kernel panic/oops, crash, or QEMU failed)" ;;
	esac
	if [[ -f $DIR/out-$k/dmesg-check-failed ]]; then
		fail "debug kernel reports in guest $k's dmesg ($DIR/out-$k/dmesg-check-failed):"
		sed 's/^/#   /' "$DIR/out-$k/dmesg-check-failed" | head -n 40
	fi
done
echo "check-debug: $((SECONDS - start)) s"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
