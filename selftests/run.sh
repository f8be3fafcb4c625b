#!/usr/bin/env bash
# selftests/run.sh - run the memqos selftests inside the guest, print KTAP.
#
# Usage (from the host): scripts/vm/run-guest.sh -- selftests/run.sh [TEST...]
#        selftests/run.sh --list     prints the test names, one a line
# TEST is a name as listed below (test_foo.sh, test_bar.py, bin/test_baz; a
# leading "selftests/" is accepted); default: all tests. Refuses to run
# outside the guest (MEMQOS_GUEST=1), since it loads kernel modules.
#
# Tests, in this order: selftests/test_*.sh (run with bash) and
# selftests/test_*.py (run with /usr/bin/python3), sorted by name together,
# then the executables selftests/bin/test_* (compiled C tests).
#
# Conventions every test can rely on:
# - The module is loaded when it starts: the runner runs `insmod $MEMQOS_KO`
#   before each test and `rmmod` after it if the module is still loaded. An
#   insmod failure fails the test without running it; an rmmod failure fails
#   the test. A test may unload and reload the module itself.
# - cwd is the project dir, stdin is /dev/null, and it is killed after
#   $MEMQOS_TEST_TIMEOUT seconds (default 300; a test that needs longer
#   has a line "# memqos-timeout: N" in its first 5 lines: N seconds,
#   scaled as MEMQOS_TEST_TIMEOUT scales the default, never less than
#   the limit of the others). MEMQOS_KO is exported as an
#   absolute path, MEMQOS_OUT is writable.
# - It prints KTAP (selftests/lib.sh, selftests/ktap.py); subtests are detail,
#   only its exit status counts: 0 pass, 4 skip (reason: the text after its
#   last "# SKIP"), anything else fail.
#
# Output: KTAP on stdout with each test's output indented 4 spaces as a
# nested test and a line "# NAME: N s" (how long it ran), the same in
# $MEMQOS_OUT/results.tap, each test's raw output in
# $MEMQOS_OUT/logs/NAME.log, and a last line "# guest: P passed, F failed,
# S skipped". Exit status: 0 if no test failed, 1 if one did, 2 on setup errors.
# Environment: MEMQOS_KO (default kmod/memqos.ko), MEMQOS_TEST_TIMEOUT,
# MEMQOS_TEST_DIR (default selftests: where the tests are; stress/run.sh
# sets it to stress), MEMQOS_LRU_GEN (on, off, or toggle: the Multi-Gen
# LRU for the whole run, /sys/kernel/mm/lru_gen/enabled; default as the
# kernel booted; a kernel without it fails the run when asked).
set -euo pipefail

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

die() {
	echo "# run.sh: $*" >&2
	exit 2
}

# Prints to stdout and to results.tap (fd 3).
emit() {
	printf '%s\n' "$@"
	printf '%s\n' "$@" >&3
}

# Indents test output as a nested KTAP test and keeps a raw copy in $1.
relay() {
	local line
	exec 4>"$1"
	while IFS= read -r line || [[ -n $line ]]; do
		printf '    %s\n' "$line"
		printf '    %s\n' "$line" >&3
		printf '%s\n' "$line" >&4
	done
}

# Fills TESTS with every test name, in run order.
discover() {
	local f
	TESTS=()
	for f in "$DIR"/test_*; do
		case $f in
		*.sh | *.py) [[ -f $f ]] && TESTS+=("${f#"$DIR"/}") ;;
		esac
	done
	for f in "$DIR"/bin/test_*; do
		[[ -f $f && -x $f ]] && TESTS+=("${f#"$DIR"/}")
	done
	return 0
}

# Keeps only the tests named in the arguments, in the order given.
select_tests() {
	local want t found chosen=()
	for want in "$@"; do
		want=${want#"$DIR"/}
		found=
		for t in "${TESTS[@]}"; do
			[[ $t == "$want" ]] && found=1
		done
		[[ -n $found ]] || die "no test named $want (have: ${TESTS[*]})"
		chosen+=("$want")
	done
	TESTS=("${chosen[@]}")
}

# Sets SKIP_REASON from the last "# SKIP" in log $1.
find_skip_reason() {
	local line
	SKIP_REASON=
	while IFS= read -r line || [[ -n $line ]]; do
		[[ $line == *"# SKIP"* ]] && SKIP_REASON=${line##*# SKIP}
	done <"$1"
	SKIP_REASON=${SKIP_REASON# }
	SKIP_REASON=${SKIP_REASON:-exit status 4}
}

run_test() {
	local num=$1 name=$2 log err rc=0 cmd start limit want
	log=$OUT/logs/${name//\//_}.log
	case $name in
	*.sh) cmd=(bash "$DIR/$name") ;;
	*.py) cmd=(/usr/bin/python3 "$DIR/$name") ;;
	*) cmd=("$DIR/$name") ;;
	esac

	if [[ -d /sys/module/$MODNAME ]]; then
		err="$MODNAME is still loaded (an earlier rmmod failed)"
	elif ! err=$(insmod "$MEMQOS_KO" 2>&1); then
		err="insmod $MEMQOS_KO failed: $err"
	else
		err=
	fi
	if [[ -n $err ]]; then
		emit "# $name: not started: $err" "not ok $num $name"
		FAILED=$((FAILED + 1))
		return
	fi
	limit=$TEST_TIMEOUT
	case $name in
	*.sh | *.py)
		want=$(sed -n '1,5s/^# memqos-timeout: \([0-9]\{1,\}\)$/\1/p' "$DIR/$name")
		[[ -z $want ]] || limit=$((want * TEST_TIMEOUT / 300))
		((limit >= TEST_TIMEOUT)) || limit=$TEST_TIMEOUT
		;;
	esac
	start=$SECONDS
	if timeout -k 10 "$limit" "${cmd[@]}" </dev/null 2>&1 | relay "$log"; then
		rc=0
	else
		rc=${PIPESTATUS[0]}
	fi
	emit "# $name: $((SECONDS - start)) s"
	case $rc in
	124 | 137) emit "# $name: timed out after $limit s" ;;
	0 | 4) ;;
	*) emit "# $name: exit status $rc" ;;
	esac
	if [[ -d /sys/module/$MODNAME ]] && ! err=$(rmmod "$MODNAME" 2>&1); then
		emit "# $name: rmmod $MODNAME failed: $err"
		rc=1
	fi

	case $rc in
	0)
		emit "ok $num $name"
		PASSED=$((PASSED + 1))
		;;
	4)
		find_skip_reason "$log"
		emit "ok $num $name # SKIP $SKIP_REASON"
		SKIPPED=$((SKIPPED + 1))
		;;
	*)
		emit "not ok $num $name"
		FAILED=$((FAILED + 1))
		;;
	esac
}

# Switches the Multi-Gen LRU on, off, or the other way ($1; empty: leave
# it) and says how the run goes.
set_lru_gen() {
	local knob=/sys/kernel/mm/lru_gen/enabled want=$1 now
	if [[ ! -w $knob ]]; then
		[[ -z $want ]] || die "MEMQOS_LRU_GEN=$want, but this kernel has no $knob"
		emit "# Multi-Gen LRU: not in this kernel"
		return
	fi
	now=$(<"$knob")
	case $want in
	"") ;;
	on) echo y >"$knob" ;;
	off) echo n >"$knob" ;;
	toggle) if ((now & 1)); then echo n >"$knob"; else echo y >"$knob"; fi ;;
	*) die "MEMQOS_LRU_GEN must be on, off or toggle" ;;
	esac
	now=$(<"$knob")
	emit "# Multi-Gen LRU: $( ((now & 1)) && echo on || echo off) ($now)"
}

main() {
	DIR=${MEMQOS_TEST_DIR:-selftests}
	if [[ ${1:-} == --list ]]; then
		discover
		((${#TESTS[@]} == 0)) || printf '%s\n' "${TESTS[@]}"
		return 0
	fi
	[[ ${MEMQOS_GUEST:-} == 1 ]] ||
		die "run me in the guest: scripts/vm/run-guest.sh -- selftests/run.sh"
	OUT=${MEMQOS_OUT:?}
	MEMQOS_KO=${MEMQOS_KO:-kmod/memqos.ko}
	[[ $MEMQOS_KO == /* ]] || MEMQOS_KO=$PWD/$MEMQOS_KO
	[[ -f $MEMQOS_KO ]] || die "$MEMQOS_KO not found (build the module first)"
	export MEMQOS_KO
	MODNAME=${MEMQOS_KO##*/}
	MODNAME=${MODNAME%.ko}
	MODNAME=${MODNAME//-/_}
	TEST_TIMEOUT=${MEMQOS_TEST_TIMEOUT:-300}
	[[ -d $DIR ]] || die "no test directory $DIR"
	[[ $TEST_TIMEOUT =~ ^[0-9]+$ ]] || die "MEMQOS_TEST_TIMEOUT must be an integer"

	discover
	(($# == 0)) || select_tests "$@"
	mkdir -p "$OUT/logs"
	exec 3>"$OUT/results.tap"

	PASSED=0 FAILED=0 SKIPPED=0
	emit "KTAP version 1" "1..${#TESTS[@]}"
	set_lru_gen "${MEMQOS_LRU_GEN:-}"
	local i
	for i in "${!TESTS[@]}"; do
		run_test $((i + 1)) "${TESTS[i]}"
	done
	emit "# guest: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	((FAILED == 0))
}

main "$@"
