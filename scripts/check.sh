#!/usr/bin/env bash
# scripts/check.sh - what `make check` runs after the build.
#
# Usage: scripts/check.sh [TEST...]    (TEST as for selftests/run.sh; default all)
# 1. Host unit tests: tests/unit/run-unit, if it exists (TAP "ok N - name" /
#    "not ok N - name" lines; nonzero exit on failure).
# 2. Host checks of the build (scripts/host-checks.sh $KDIR): W=1, sparse,
#    checkpatch, UAPI header against the spec, DKMS. Skipped when KDIR is
#    not set (the Makefile sets it) or MEMQOS_HOST_CHECKS=0.
# 3. The selftests in the guest: scripts/vm/run-guest.sh -- selftests/run.sh,
#    counted from build/guest/out/results.tap. A guest timeout, crash or
#    failed dmesg check counts as one more failure.
# Only unindented result lines count (subtests are detail). The second-to-last
# line is "S skipped", the last "N passed, M failed"; exit 0 only if M is 0.
# Guest settings come from the environment (MEMQOS_ACCEL, MEMQOS_KO, ...;
# MEMQOS_TCG_THREAD defaults to single here).
set -euo pipefail

CDPATH="" cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

RESULTS=build/guest/out/results.tap
RESULTS_WHO=check
# shellcheck source=scripts/results.sh
source scripts/results.sh

run_unit() {
	if [[ ! -e tests/unit/run-unit ]]; then
		echo "check: no tests/unit/run-unit, no host unit tests"
		return
	fi
	local log=build/check/unit.tap rc=0 failed_before=$FAILED
	mkdir -p build/check
	echo "check: host unit tests"
	tests/unit/run-unit | tee "$log" || rc=$?
	count_tap "$log"
	if ((rc != 0 && FAILED == failed_before)); then
		extra_failure "tests/unit/run-unit exited with status $rc without a failing test"
	fi
}

run_host_checks() {
	local log=build/check/host.tap rc=0 failed_before=$FAILED
	if [[ -z ${KDIR:-} || ${MEMQOS_HOST_CHECKS:-1} == 0 ]]; then
		echo "check: host build checks skipped (no KDIR)"
		return
	fi
	mkdir -p build/check
	echo "check: host build checks"
	scripts/host-checks.sh "$KDIR" | tee "$log" || rc=$?
	count_tap "$log"
	if ((rc != 0 && FAILED == failed_before)); then
		extra_failure "scripts/host-checks.sh exited with status $rc without a failing check"
	fi
}

run_guest() {
	local cmd=selftests/run.sh arg rc=0
	for arg in "$@"; do cmd+=" $(printf '%q' "$arg")"; done
	# Hold the guest lock until the results are read (run-guest.sh reuses
	# fd 9), so a concurrent guest run cannot replace them.
	mkdir -p build/guest
	exec 9>build/guest/lock
	flock -n 9 || { echo "check: waiting for another guest run"; flock 9; }
	# A stale file must not count if the guest never ran.
	rm -f "$RESULTS"
	echo "check: selftests in the guest"
	# The whole suite takes ~10 min of TCG on an idle 2-CPU host; a
	# loaded host can double that, and a timeout would lose every result.
	# Single-threaded TCG: with one host thread per vCPU the guest kernel
	# now and then broke while patching its own code at module load or
	# unload (README, "Known problem"), which fails the whole run.
	MEMQOS_GUEST_TIMEOUT=${MEMQOS_GUEST_TIMEOUT:-2400} \
	MEMQOS_TCG_THREAD=${MEMQOS_TCG_THREAD:-single} \
		scripts/vm/run-guest.sh -- "$cmd" || rc=$?
	count_guest_run "$rc" "$RESULTS" selftests/run.sh
}

main() {
	run_unit
	run_host_checks
	run_guest "$@"
	echo "$SKIPPED skipped"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
