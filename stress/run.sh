#!/usr/bin/env bash
# stress/run.sh - the reliability suite (make stress), inside the guest.
#
# Usage (from the host): scripts/stress.sh [TEST...], or
#        scripts/vm/run-guest.sh -- stress/run.sh [TEST...]
#        stress/run.sh --list    prints the test names, one a line
# Runs stress/test_* with selftests/run.sh (same conventions: the module is
# loaded before each test and unloaded after it, KTAP out, results in
# $MEMQOS_OUT/results.tap and logs/):
#   test_daemon_faults.py  the daemon: vanishing cgroups, module reloads,
#                          SIGHUP storm, kill -9; nothing lost or left set
#   test_debugfs_fuzz.py   random writes to every debugfs file
#   test_genl_fuzz.sh      selftests/test_genl_fuzz.py, >= 100,000 messages,
#                          fresh seed
#   test_load_unload.py    200 reloads under reclaim, OOM, cgroup churn,
#                          dumps and event listeners
#   test_steady.py         10,000 cgroups for minutes with events flowing
# Durations: MEMQOS_STRESS_SCALE (default 1, ~35 min in a TCG guest on a
# 2-cpu host) multiplies every count and duration; each test's own
# variables (MEMQOS_STRESS_CYCLES, ...) are in its header. A test is killed
# after MEMQOS_TEST_TIMEOUT s (default 1800 x scale, at least 600).
set -euo pipefail

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
scale=${MEMQOS_STRESS_SCALE:-1}
export MEMQOS_TEST_DIR=stress
export MEMQOS_TEST_TIMEOUT=${MEMQOS_TEST_TIMEOUT:-$(awk -v s="$scale" \
	'BEGIN { t = int(1800 * s); print (t < 600 ? 600 : t) }')}
exec selftests/run.sh "$@"
