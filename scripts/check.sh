#!/usr/bin/env bash
# scripts/check.sh - what `make check` runs after the build.
#
# Usage: scripts/check.sh [TEST...]    (TEST as for selftests/run.sh; default all)
# 1. Host unit tests: tests/unit/run-unit, if it exists (TAP "ok N - name" /
#    "not ok N - name" lines; nonzero exit on failure), then the same tests
#    built with AddressSanitizer and UBSan, tests/unit/run-unit-san (each
#    of its results counts too; a sanitizer report aborts it, a failure).
# 2. Host checks (scripts/host-checks.sh): checkpatch, the UAPI header and
#    kmod/genl-gen.[ch] against the spec, no cycle among kmod/'s files
#    (scripts/kmod-deps.py), the tool's build and man page; and for each
#    kernel, the module's W=1 and sparse builds and DKMS.
#    MEMQOS_HOST_CHECKS=0 skips them (the module is then built plainly).
# 3. The node image (scripts/image.sh build, with modules for the kernels
#    below), if test_node_image.py is among the tests: it runs in the guest.
# 4. The selftests in a guest per kernel (scripts/vm/run-guest.sh --
#    selftests/run.sh), up to MEMQOS_GUEST_JOBS guests at once (default:
#    one per host CPU), each counted from build/guest/KERNEL/out/results.tap.
#    A guest timeout, crash or failed dmesg check counts as one more failure.
# MEMQOS_KERNELS: the kernels, as scripts/kernel.sh names them (default
# "6.1 6.12"). Only unindented result lines count (subtests are detail);
# each guest's lines are shown prefixed with [KERNEL]. The second-to-last
# line is "S skipped", the last "N passed, M failed"; exit 0 only if M is 0.
# Guest settings come from the environment (MEMQOS_ACCEL, MEMQOS_LRU_GEN,
# ...; MEMQOS_TCG_THREAD defaults to single here).
set -euo pipefail

CDPATH="" cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

RESULTS_WHO=check
# shellcheck source=scripts/results.sh
source scripts/results.sh
# shellcheck source=scripts/guest-kernel.sh
source scripts/guest-kernel.sh
read -r -a KERNELS <<<"${MEMQOS_KERNELS:-6.1 6.12}"

# $1: the unit test binary, $2: what it is.
run_unit_one() {
	local bin=tests/unit/$1 log=build/check/$1.tap rc=0 failed_before=$FAILED
	if [[ ! -e $bin ]]; then
		extra_failure "no $bin: build it with 'make -C tests/unit'"
		return
	fi
	mkdir -p build/check
	echo "check: host unit tests$2"
	"$bin" | tee "$log" || rc=$?
	count_tap "$log"
	if ((rc != 0 && FAILED == failed_before)); then
		extra_failure "$bin exited with status $rc without a failing test"
	fi
}

run_unit() {
	if [[ ! -e tests/unit/run-unit ]]; then
		echo "check: no tests/unit/run-unit, no host unit tests"
		return
	fi
	run_unit_one run-unit ""
	run_unit_one run-unit-san " with AddressSanitizer and UBSan"
}

run_host_checks() {
	local log=build/check/host.tap rc=0 failed_before=$FAILED k
	mkdir -p build/check
	if [[ ${MEMQOS_HOST_CHECKS:-1} == 0 ]]; then
		echo "check: host build checks skipped; building the module"
		for k in "${KERNELS[@]}"; do
			scripts/kernel.sh build "$k" >/dev/null ||
				extra_failure "the module does not build on $k"
		done
		return
	fi
	echo "check: host build checks (${KERNELS[*]})"
	scripts/host-checks.sh "${KERNELS[@]}" | tee "$log" || rc=$?
	count_tap "$log"
	if ((rc != 0 && FAILED == failed_before)); then
		extra_failure "scripts/host-checks.sh exited with status $rc without a failing check"
	fi
}

# One kernel's guest, in the background of run_guests: its output lines
# prefixed with [KERNEL], its exit status in DIR/rc.
guest_job() {
	local k=$1 dir=$2 cmd=$3 rc=0
	(
		# Built by the host checks; a failed build fails here too.
		MEMQOS_KO=build/kernels/$k/src/kmod/memqos.ko
		use_kernel "$k" || exit 125
		MEMQOS_GUEST_DIR=$dir scripts/vm/run-guest.sh \
			--kernel "$MEMQOS_KVER" -- "$cmd"
	) 2>&1 | sed -u "s/^/[$k] /" || rc=${PIPESTATUS[0]}
	echo "$rc" >"$dir/rc"
}

run_guests() {
	local cmd=selftests/run.sh arg k dir rc jobs running=0
	for arg in "$@"; do cmd+=" $(printf '%q' "$arg")"; done
	jobs=${MEMQOS_GUEST_JOBS:-$(nproc)}
	# The whole suite takes ~10 min of TCG per kernel on an idle 2-CPU
	# host; a loaded host can double that, and a timeout loses every
	# result. Single-threaded TCG: one host CPU per guest, and with one
	# host thread per vCPU the guest kernel now and then broke while
	# patching its own code at module load or unload (Documentation/testing.md).
	export MEMQOS_GUEST_TIMEOUT=${MEMQOS_GUEST_TIMEOUT:-2400}
	export MEMQOS_TCG_THREAD=${MEMQOS_TCG_THREAD:-single}
	for k in "${KERNELS[@]}"; do
		dir=build/guest/$k
		mkdir -p "$dir"
		# A stale file must not count if the guest never ran.
		rm -rf "$dir/out" "$dir/rc"
		echo "check: selftests in the guest on $k"
		guest_job "$k" "$dir" "$cmd" &
		running=$((running + 1))
		if ((running >= jobs)); then
			wait -n || true
			running=$((running - 1))
		fi
	done
	wait
	for k in "${KERNELS[@]}"; do
		dir=build/guest/$k
		rc=$(cat "$dir/rc" 2>/dev/null || echo 125)
		RESULTS_WHO="check[$k]"
		count_guest_run "$rc" "$dir/out/results.tap" selftests/run.sh \
			"$dir/out"
	done
	RESULTS_WHO=check
}

# The node image for test_node_image.py, built on the host (buildah); a
# failure counts, and the test then fails on the missing image.
build_image() {
	local t want=$(($# == 0))
	for t in "$@"; do
		[[ ${t#selftests/} == test_node_image.py ]] && want=1
	done
	((want)) || return 0
	echo "check: the node image (scripts/image.sh build)"
	MEMQOS_IMAGE_KERNELS="${KERNELS[*]}" scripts/image.sh build >/dev/null ||
		extra_failure "the node image does not build (scripts/image.sh build)"
}

main() {
	run_unit
	run_host_checks
	build_image "$@"
	run_guests "$@"
	echo "$SKIPPED skipped"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
