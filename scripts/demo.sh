#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job, `make demo`. Where this kernel can load modules (a real
# node), build memqos.ko for it, load it and show the node's own cgroups;
# elsewhere (no module support, as on CI machines) boot a Debian kernel in
# QEMU (MEMQOS_KERNEL, default 6.1, as scripts/kernel.sh names them) and tell
# the demo's story there (demo/guest.sh, demo/story.py).
# MEMQOS_DEMO=guest forces the guest even where modules load.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -e /proc/modules ] && [ "${MEMQOS_DEMO:-}" != guest ]; then
	if [ ! -d /sys/module/memqos ]; then
		make kmod
		echo "demo: loading kmod/memqos.ko on this node"
		insmod kmod/memqos.ko
	fi
	user/memqos version
	user/memqos stat
	echo
	echo "demo: memqos stays loaded; 'rmmod memqos' unloads it."
	exit 0
fi

# shellcheck source=scripts/guest-kernel.sh
source scripts/guest-kernel.sh
use_kernel "${MEMQOS_KERNEL:-6.1}"
echo "demo: this kernel cannot load modules; running the demo in a guest ($MEMQOS_KVER)"
exec scripts/vm/run-guest.sh --kernel "$MEMQOS_KVER" -- demo/guest.sh
