#!/usr/bin/env bash
# scripts/check-kernels.sh - what `make check-kernels` runs after the build:
# scripts/check.sh on every kernel of MEMQOS_KERNELS (default all that
# scripts/kernel.sh lists), then the tests whose outcome depends on the LRU
# (MEMQOS_LRU_TESTS: attribution, stalls, the daemon's) once more with the
# Multi-Gen LRU switched the other way from how each kernel boots (on for
# 6.1, off for 6.12 and newer). Ends with the totals of both passes:
# "S skipped", then "N passed, M failed"; exit 0 only if M is 0.
set -euo pipefail

CDPATH="" cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
MEMQOS_KERNELS=${MEMQOS_KERNELS:-$(scripts/kernel.sh list | xargs)}
export MEMQOS_KERNELS
read -r -a lru_tests <<<"${MEMQOS_LRU_TESTS:-test_attribution.py test_stalls.py test_daemon_protect.py test_daemon_squeeze.py}"
passed=0 failed=0 skipped=0

# Runs check.sh "$@", adds its totals, keeps its log in build/check/$1.log.
pass() {
	local name=$1 log=build/check/$1.log
	shift
	mkdir -p build/check
	echo "check-kernels: $name"
	"$@" 2>&1 | tee "$log" || true
	read -r s _ < <(grep -E '^[0-9]+ skipped$' "$log" | tail -n 1 || echo "0")
	read -r p _ f _ < <(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" |
		tail -n 1 || echo "0 passed, 1 failed")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

pass kernels-lru-default scripts/check.sh
MEMQOS_LRU_GEN=toggle MEMQOS_HOST_CHECKS=0 \
	pass kernels-lru-switched scripts/check.sh "${lru_tests[@]}"
echo "check-kernels: ${MEMQOS_KERNELS}; logs in build/check/kernels-*.log"
echo "$skipped skipped"
echo "$passed passed, $failed failed"
((failed == 0))
