# shellcheck shell=bash
# scripts/guest-kernel.sh - sourced by the scripts that boot a guest (check,
# stress, demo, bench): the Debian kernel it boots and the module built for
# that kernel.
#
# use_kernel NAME   NAME as scripts/kernel.sh lists it. Unless MEMQOS_KO is
#                   set already, builds memqos.ko for NAME (its build output
#                   goes to stderr). Exports, for scripts/vm/run-guest.sh
#                   and the guest: MEMQOS_KVER, MEMQOS_VMLINUZ,
#                   MEMQOS_MODDIR and MEMQOS_KO. Returns non-zero if the
#                   kernel cannot be fetched or the module not built.

use_kernel() {
	local name=$1 env
	env=$(scripts/kernel.sh env "$name") || return 1
	eval "$env"
	if [[ -z ${MEMQOS_KO:-} ]]; then
		MEMQOS_KO=$(scripts/kernel.sh build "$name" | tail -n 1) || return 1
	fi
	# shellcheck disable=SC2153 # set by the eval above
	export MEMQOS_KVER=$KREL MEMQOS_VMLINUZ=$VMLINUZ MEMQOS_MODDIR=$MODDIR \
		MEMQOS_KO
}
