# dmesg-patterns.sh - the kernel log lines that fail a memqos run; sourced
# by scripts/vm/run-guest.sh (the host's check of a guest's log) and by
# scripts/check-debug-guest.sh (a debug kernel that reports a bug while
# booting, before memqos is loaded), so that both read one list.
# shellcheck shell=bash

# A debug kernel's boot banner that the patterns below also match.
DMESG_BENIGN='RCU lockdep checking is enabled\.'
# A test's KTAP result on the console ("ok 1 - KASAN is on") names
# debug options, not findings; the kernel never starts a line so.
DMESG_TAP='^ *(not )?ok [0-9]+ '
# A call-trace frame ("  ? lockdep_hardirqs_on_prepare+0x277/0x3e0") names
# functions, not findings: an OOM report's stack on the debug kernel has
# such frames. A real report always has a header line of its own.
DMESG_FRAME='^(\[ *[0-9]+\.[0-9]+\] )? +(\? )?[A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+( \[[A-Za-z0-9_]+\])?$'
# Lines that fail a run (grep -E). "BUG[: ]" as a word catches
# "BUG: ..." and "kernel BUG at" but not "DEBUG ".
DMESG_BAD_PATTERNS=(
	'WARNING:'
	'\<BUG[: ]'
	'Oops'
	'general protection'
	'list_(add|del) corruption'
	'lockdep'
	'possible recursive locking'
	'circular locking'
	'inconsistent lock state'
	'turning off the locking correctness validator'
	# kmemleak's findings and its failures, not its "initialized" line.
	'suspected memory leak'
	'unreferenced object 0x'
	'kmemleak: .*(Cannot|Failed|disabled|Memory pool empty)'
	'ODEBUG: .*object type'
	'ODEBUG: [Oo]ut of memory'
	'INFO: trying to register non-static key'
	'KASAN'
	'UBSAN'
	'refcount_t:'
	'rcu_sched self-detected stall'
	'rcu: INFO'
	'soft lockup'
	'hung_task'
	'blocked for more than'
	'Kernel panic'
)

# Prints the lines of kernel log $1 that fail a run, without the copies a
# panic's log replay (panic_print) adds; nothing if there are none.
dmesg_bad_lines() {
	local args=() p lines
	for p in "${DMESG_BAD_PATTERNS[@]}"; do args+=(-e "$p"); done
	lines=$(grep -a -E "${args[@]}" "$1" | awk '!seen[$0]++' || true)
	# A debug kernel's boot banners that the patterns above also match,
	# stack frames and KTAP results.
	if [[ -n $lines ]]; then
		lines=$(grep -v -E -e "$DMESG_BENIGN" -e "$DMESG_FRAME" -e "$DMESG_TAP" <<<"$lines" || true)
	fi
	if [[ -n $lines && -n ${MEMQOS_DMESG_ALLOW:-} ]]; then
		lines=$(grep -v -E -- "$MEMQOS_DMESG_ALLOW" <<<"$lines" || true)
	fi
	[[ -z $lines ]] || printf '%s\n' "$lines"
}
