# shellcheck shell=bash
# scripts/results.sh - sourced by scripts/check.sh and scripts/stress.sh:
# counting the top-level results of a TAP file and judging a guest run.
# The caller sets RESULTS_WHO (the prefix of failure messages).

PASSED=0 FAILED=0 SKIPPED=0

# Adds the top-level results in TAP file $1 to the counters.
count_tap() {
	local line
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		case $line in
		"not ok "*) FAILED=$((FAILED + 1)) ;;
		"ok "*)
			if [[ ${line^^} == *"# SKIP"* ]]; then
				SKIPPED=$((SKIPPED + 1))
			else
				PASSED=$((PASSED + 1))
			fi
			;;
		esac
	done <"$1"
}

extra_failure() {
	echo "$RESULTS_WHO: FAILED: $*"
	FAILED=$((FAILED + 1))
}

# Counts TAP file $2 that runner $3 in the guest should have written, then
# judges run-guest.sh's exit status $1: a guest timeout, crash, failed
# dmesg check, missing results or a failing runner with no failing test
# each counts as one more failure. $4: the guest's out dir (default
# build/guest/out).
count_guest_run() {
	local rc=$1 results=$2 runner=$3 out=${4:-build/guest/out}
	local failed_before=$FAILED
	[[ -f $results ]] && count_tap "$results"
	case $rc in
	124) extra_failure "the guest timed out" ;;
	125) extra_failure "the guest died (kernel panic/oops, crash, or QEMU failed)" ;;
	esac
	if [[ -f $out/dmesg-check-failed ]]; then
		extra_failure "kernel warnings or taint in the guest's dmesg ($out/dmesg-check-failed)"
	elif [[ ! -f $results ]] && ((rc != 124 && rc != 125)); then
		extra_failure "the guest wrote no $results (exit status $rc)"
	elif ((rc != 0 && rc != 124 && rc != 125 && FAILED == failed_before)); then
		extra_failure "$runner exited with status $rc without a failing test"
	fi
}
