#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh - `make bench`: builds the workload helper, boots the guest,
# runs bench/guest.py in it, and turns its figures into bench/results/
# (latest.md, bench-DATE-KERNEL.md and .json, scaling.png, latency.png; not
# committed: Documentation/performance.md holds the current table).
# Run by the Makefile after the module and the tool are built. Runs for
# different kernels at once keep apart (a guest dir each).
#
# Environment: MEMQOS_KERNEL (the guest's kernel, as scripts/kernel.sh
# names them; default 6.1), MEMQOS_BENCH_REPS (default 8: overhead repetitions; the
# protection scenario runs REPS/4 times), MEMQOS_BENCH_ONLY (a comma list
# of overhead,scale,events,protect), MEMQOS_BENCH_SCALES (default
# 100,1000,10000), MEMQOS_BENCH_TIMEOUT (guest limit, default 2400 s);
# MEMQOS_BENCH_NOTE is added to the report's header.
set -euo pipefail

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
RESULTS=bench/results

# shellcheck source=scripts/guest-kernel.sh
source scripts/guest-kernel.sh
use_kernel "${MEMQOS_KERNEL:-6.1}"
KNAME=${MEMQOS_KERNEL:-6.1}
export MEMQOS_GUEST_DIR=build/guest/bench-$KNAME
OUT=$MEMQOS_GUEST_DIR/out
mkdir -p build/bench "$RESULTS"
gcc -O2 -Wall -Wextra -o build/bench/load bench/load.c

export MEMQOS_BENCH_REPS=${MEMQOS_BENCH_REPS:-8}
start=$(date +%s)
load=$(cut -d' ' -f1-3 /proc/loadavg)
# 10,000 memory cgroups need more than the default 1 GiB.
# A failed section is reported with the others' figures; fail at the end.
rc=0
scripts/vm/run-guest.sh --kernel "$MEMQOS_KVER" --mem 2048 --timeout "${MEMQOS_BENCH_TIMEOUT:-2400}" -- \
	python3 bench/guest.py || rc=$?
[[ -f $OUT/bench.json ]] || { echo "bench: the guest wrote no results (status $rc)" >&2; exit 1; }
day=$(date -u +%Y-%m-%d)
python3 - "$OUT/bench.json" "$start" "$load" <<'PY'
import json, os, sys
path, start, load = sys.argv[1:]
r = json.load(open(path))
r["host"] = (f"QEMU TCG guest (2 vCPUs, 2 GiB) on a {os.cpu_count()}-CPU host, "
             f"host load average {load} at start")
r["kernel"] = os.environ["MEMQOS_KVER"]
r["note"] = os.environ.get("MEMQOS_BENCH_NOTE", "")
json.dump(r, open(path, "w"), indent=1)
PY
cp "$OUT/bench.json" "$RESULTS/bench-$day-$KNAME.json"
python3 bench/report.py "$RESULTS/bench-$day-$KNAME.json" "$RESULTS"
echo "bench: results in $RESULTS/latest.md ($(( $(date +%s) - start )) s)"
exit "$rc"
