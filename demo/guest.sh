#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The memqos demo, inside the guest (scripts/demo.sh boots it): load the
# module and tell the story (demo/story.py): a service next to a noisy
# batch neighbour, what memqos shows about it, `memqos daemon` protecting
# it, and an OOM kill arriving live.
set -euo pipefail

insmod "${MEMQOS_KO:-kmod/memqos.ko}"
trap 'rmmod memqos' EXIT
/usr/bin/python3 demo/story.py
