#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The memqos demo, inside the guest (scripts/demo.sh boots it): load the
# module, run a steady service and a leaking memory hog in their own
# cgroups, and show what memqos reports about them.
set -euo pipefail

show() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$@"
}

memqos() {
	user/memqos "$@"
}

insmod "${MEMQOS_KO:-kmod/memqos.ko}"
/usr/bin/python3 demo/workloads.py start
trap '/usr/bin/python3 demo/workloads.py stop; rmmod memqos' EXIT

echo "demo: a steady 'service' (48 MiB working set, memory.max 256M) and a"
echo "demo: leaking 'hog' (memory.max 64M, no swap) run for 8 seconds..."
sleep 8

show memqos version
show memqos stat
show memqos stat /demo/hog
show memqos stat /demo/service
