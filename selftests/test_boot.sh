#!/usr/bin/env bash
# The guest environment the other tests rely on (does not use the module):
# the kernel the run asked for (MEMQOS_KVER), cgroup2 with the memory
# controller, debugfs, tracefs with the memcg reclaim tracepoint, loopback
# up, and lib.sh's cgroup helpers.
set -euo pipefail
# shellcheck source=selftests/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

ktap_print_header 8

release=$(</proc/sys/kernel/osrelease)
want=${MEMQOS_KVER:-}
if [[ -n $want && $release == "$want" ]]; then
	ktap_ok "kernel is the one asked for ($release)"
else
	ktap_fail "kernel is the one asked for ($release, asked: ${want:-none})"
fi

declare -A mounts=()
while read -r _ mnt fstype opts _; do
	mounts[$mnt]="$fstype,$opts,"
done </proc/mounts

if [[ ${mounts[/sys/fs/cgroup]:-} == cgroup2,*,memory_recursiveprot,* ]]; then
	ktap_ok "cgroup2 on /sys/fs/cgroup with memory_recursiveprot"
else
	ktap_fail "cgroup2 on /sys/fs/cgroup with memory_recursiveprot (${mounts[/sys/fs/cgroup]:-not mounted})"
fi

controllers=" $(<"$CG_ROOT/cgroup.controllers") "
if [[ $controllers == *" memory "* ]]; then
	ktap_ok "memory controller available"
else
	ktap_fail "memory controller available (have:$controllers)"
fi

for fs in debugfs:/sys/kernel/debug tracefs:/sys/kernel/tracing; do
	if [[ ${mounts[${fs#*:}]:-} == "${fs%%:*}",* ]]; then
		ktap_ok "${fs%%:*} on ${fs#*:}"
	else
		ktap_fail "${fs%%:*} on ${fs#*:}"
	fi
done

ktap_check "tracepoint vmscan/mm_vmscan_memcg_reclaim_begin exists" \
	test -d /sys/kernel/tracing/events/vmscan/mm_vmscan_memcg_reclaim_begin

read -r lo_flags </sys/class/net/lo/flags
if ((lo_flags & 1)); then
	ktap_ok "loopback is up"
else
	ktap_fail "loopback is up (flags $lo_flags)"
fi

# The process must land in the new cgroup, which must have memory files.
# shellcheck disable=SC2317  # called through cg_run
in_cgroup() {
	local line
	read -r line </proc/self/cgroup
	[[ $line == "0::/$1" && -f $CG_ROOT/$1/memory.max ]]
}
if cg_create memqos-boot && cg_run memqos-boot in_cgroup memqos-boot; then
	ktap_ok "cg_create + cg_run put a task in a memory cgroup"
else
	ktap_fail "cg_create + cg_run put a task in a memory cgroup"
fi

ktap_finish
