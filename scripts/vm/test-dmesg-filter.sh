#!/usr/bin/env bash
# test-dmesg-filter.sh - host test of run-guest.sh's dmesg check: every kind
# of report a debug kernel (KASAN, lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP,
# kmemleak, DEBUG_OBJECTS, DEBUG_LIST) or any kernel prints must fail a run,
# and the lines a clean debug-kernel boot prints must not.
#
# Usage: scripts/vm/test-dmesg-filter.sh [DMESG...]
#   DMESG: kernel logs of clean runs (e.g. build/check-debug/clean-dmesg.txt,
#   saved by scripts/check-debug.sh) that must pass as a whole.
# Prints TAP; exit status 1 if a case fails.
# The report lines are the kernel's own format strings (6.1: lockdep.c,
# kasan/report.c, kmemleak.c, debugobjects.c, sched/core.c, list_debug.c)
# with their arguments filled in.
set -uo pipefail

HERE=$(CDPATH="" cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=scripts/vm/run-guest.sh
source "$HERE/run-guest.sh"
set +e

BAD=(
	'[   42.123456] BUG: KASAN: slab-out-of-bounds in mq_cg_add+0x1a2/0x3c0 [memqos]'
	'[   42.123456] BUG: KASAN: use-after-free in mq_event_send_all+0x51/0x90 [memqos]'
	'[   42.123456] WARNING: possible circular locking dependency detected'
	'[   42.123456] WARNING: possible recursive locking detected'
	'[   42.123456] WARNING: inconsistent lock state'
	'[   42.123456] WARNING: possible irq lock inversion dependency detected'
	'[   42.123456] WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected'
	'[   42.123456] [ BUG: Invalid wait context ]'
	'[   42.123456] WARNING: bad unlock balance detected!'
	'[   42.123456] WARNING: held lock freed!'
	'[   42.123456] WARNING: lock held when returning to user space!'
	'[   42.123456] INFO: trying to register non-static key.'
	'[   42.123456] BUG: MAX_LOCKDEP_ENTRIES too low!'
	'[   42.123456] turning off the locking correctness validator.'
	'[   42.123456] INFO: lockdep is turned off.'
	'[   42.123456] WARNING: suspicious RCU usage'
	'[   42.123456] BUG: sleeping function called from invalid context at mm/slab.h:723'
	'[   42.123456] BUG: scheduling while atomic: kworker/0:1/42/0x00000002'
	'[   42.123456] BUG: workqueue leaked lock or atomic: kworker/0:1/0x00000000/42'
	'[   42.123456] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'
	'[   42.123456] kmemleak: unreferenced object 0xffff888003a1c000 (size 512):'
	'[   42.123456] kmemleak: Cannot allocate a kmemleak_object structure'
	'[   42.123456] kmemleak: Kernel memory leak detector disabled'
	'[   42.123456] kmemleak: Memory pool empty, consider increasing CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE'
	'[   42.123456] ODEBUG: free active (active state 0) object: 00000000e3a1b2c4 object type: work_struct hint: mq_event_send_all+0x0/0x90 [memqos]'
	'[   42.123456] ODEBUG: Out of memory. ODEBUG disabled'
	'[   42.123456] list_add corruption. prev->next should be next (ffff888003a1c010), but was 0000000000000000. (prev=ffff888003a1c020).'
	'[   42.123456] list_del corruption, ffff888003a1c000->next is LIST_POISON1 (dead000000000100)'
	'[   42.123456] WARNING: CPU: 1 PID: 317 at kmod/cgtable.c:88 mq_cg_add+0x1a2/0x3c0 [memqos]'
	'[   42.123456] BUG: unable to handle page fault for address: ffffc90000a3f000'
	'[   42.123456] general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN'
	'[   42.123456] refcount_t: underflow; use-after-free.'
	'[   42.123456] rcu: INFO: rcu_preempt self-detected stall on CPU'
	'[   42.123456] INFO: task python3:317 blocked for more than 120 seconds.'
	'[   42.123456] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [python3:317]'
	'[   42.123456] UBSAN: shift-out-of-bounds in kmod/hist.c:40:12'
)
# Lines of a clean boot of the debug kernel and of a memqos load.
GOOD=(
	'[    0.000000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15797)'
	'[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar'
	'[    0.000000] ... MAX_LOCKDEP_SUBCLASSES:  8'
	'[    0.000000] ... MAX_LOCKDEP_KEYS:        8192'
	'[    0.000000]  memory used by lock dependency info: 6301 kB'
	'[    0.000000] KernelAddressSanitizer initialized (generic)'
	'[    0.123456] ODEBUG: selftest passed'
	'[    1.234567] Running RCU self tests'
	'[    2.345678] loading out-of-tree module taints kernel.'
	'[    2.345678] memqos: loaded, 42 memory cgroups'
	'[    2.345678] DEBUG_LIST is on'
	# frames of an OOM report's stack on the debug kernel
	'[ 1341.861109]  ? lockdep_hardirqs_on_prepare+0x277/0x3e0'
	'[ 1341.861109]  lockdep_hardirqs_on+0x7d/0x100'
	'[   42.123456]  ? mq_cg_queue_create+0x51/0x90 [memqos]'
	# check-debug-guest.sh's results on the console of a guest that died
	'ok 1 - KASAN is on'
	'ok 2 - lockdep is on at the start'
	'    not ok 6 - lockdep still on at the end (no report turned it off)'
)

n=0 failed=0
tap() {
	n=$((n + 1))
	if (($1)); then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for line in "${BAD[@]}"; do
	printf '%s\n' "$line" >"$tmp"
	dmesg_findings "$tmp" 0 >/dev/null
	tap $? "caught: ${line#*] }"
done
for line in "${GOOD[@]}"; do
	printf '%s\n' "$line" >"$tmp"
	dmesg_findings "$tmp" 0 >/dev/null
	tap $((!$?)) "passes: ${line#*] }"
done
printf '%s\n' "${GOOD[@]}" >"$tmp"
dmesg_findings "$tmp" $((4096 | 8192)) >/dev/null
tap $((!$?)) "taint O|E alone passes"
dmesg_findings "$tmp" 512 >/dev/null
tap $? "taint W (512) fails"
printf '%s\n' '[ 42.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)' >"$tmp"
MEMQOS_DMESG_ALLOW='kmemleak: [0-9]+ new suspected memory leaks' dmesg_findings "$tmp" 0 >/dev/null
tap $((!$?)) "MEMQOS_DMESG_ALLOW lets the kmemleak count line through"
printf '%s\n' '[ 42.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)' \
	'[ 42.1] BUG: KASAN: use-after-free in x+0x1/0x2' >"$tmp"
MEMQOS_DMESG_ALLOW='kmemleak: [0-9]+ new suspected memory leaks' dmesg_findings "$tmp" 0 >/dev/null
tap $? "but nothing else"
for f in "$@"; do
	out=$(dmesg_findings "$f" 0)
	tap $((!$?)) "clean log $f passes${out:+ (caught: ${out//$'\n'/; })}"
done
echo "1..$n"
((failed == 0))
