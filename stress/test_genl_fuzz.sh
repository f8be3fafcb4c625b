#!/usr/bin/env bash
# The netlink fuzzer of selftests/test_genl_fuzz.py (targeted malformed
# requests, then random and mutated messages built from the UAPI header:
# types, lengths, nesting, flags), run longer and with a fresh seed each
# time (printed by the test, so a failure can be replayed).
#
# MEMQOS_STRESS_FUZZ_N   messages (default 100,000 x MEMQOS_STRESS_SCALE,
#                        never below 100,000)
# MEMQOS_FUZZ_SEED       seed (default: the time)
set -euo pipefail

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
scale=${MEMQOS_STRESS_SCALE:-1}
n=${MEMQOS_STRESS_FUZZ_N:-$(awk -v s="$scale" 'BEGIN { n = int(100000 * s); print (n < 100000 ? 100000 : n) }')}
export MEMQOS_FUZZ_N=$n
export MEMQOS_FUZZ_SEED=${MEMQOS_FUZZ_SEED:-$(date +%s)}
exec /usr/bin/python3 selftests/test_genl_fuzz.py
