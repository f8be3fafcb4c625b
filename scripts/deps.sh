#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages a make target needs, skipping what is already
# installed. Usage: scripts/deps.sh GROUP...
#   build  compile the module and the tool (headers, libmnl, ...)
#   guest  boot Debian's 6.1 kernel in QEMU and run the selftests in it
#          (podman and buildah: the podman and node image tests, the image
#          built by scripts/image.sh from an mmdebstrap root)
#   kernels fetch Debian's newer kernels and build for them
#          (scripts/kernel.sh: a private apt, mmdebstrap build roots,
#          pahole for module BTF, xz for their compressed modules)
#   check  extra checkers used by `make check` (sparse, dkms, the spec's
#          YAML parser, jsonschema for the Kubernetes manifests, and
#          prometheus: promtool for check-promtool, the server for
#          selftests/test_prometheus.py)
#   style  checkpatch (shipped in Debian's linux-source-6.1 tarball)
#   debug  build Debian's 6.1 kernel source with KASAN/lockdep/kmemleak
#          (make check-debug)
#   bench  the bpftrace comparison, the plots and the scrape profile of
#          make bench
set -euo pipefail

declare -A group=(
	[build]="gcc make pkg-config libmnl-dev libinih-dev libjson-c-dev
		 libmicrohttpd-dev libdeflate-dev"
	[guest]="linux-image-amd64 qemu-system-x86 busybox-static cpio kmod
		 iproute2 python3 python3-pyroute2 crun stress-ng rt-tests
		 podman conmon netavark buildah"
	[kernels]="mmdebstrap dwarves xz-utils zstd debian-archive-keyring"
	[check]="sparse dkms python3-yaml python3-jsonschema prometheus"
	[style]="linux-source-6.1 perl xz-utils"
	[debug]="linux-source-6.1 xz-utils gcc make bc bison flex libelf-dev
		 libssl-dev cpio kmod"
	[bench]="bpftrace gnuplot-nox linux-perf"
)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Headers for the running kernel on a real node; Debian's 6.1 headers (the
# guest kernel's ABI) on a machine whose own kernel has none.
headers_package() {
	local running
	running="linux-headers-$(uname -r)"

	if [ -d "/lib/modules/$(uname -r)/build" ]; then
		return
	fi
	if apt-cache show "$running" >/dev/null 2>&1; then
		echo "$running"
	else
		echo linux-headers-amd64
	fi
}

want=()
for g in "$@"; do
	if [ -z "${group[$g]+x}" ]; then
		echo "deps.sh: unknown group '$g' (build, guest, kernels, check, style, debug, bench)" >&2
		exit 2
	fi
	# shellcheck disable=SC2206 # word splitting of the list is intended
	want+=(${group[$g]})
	if [ "$g" = build ]; then
		headers=$(headers_package)
		[ -n "$headers" ] && want+=("$headers")
	fi
done

missing=()
for p in "${want[@]}"; do
	installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# An empty or stale package list makes install fail; refresh once then.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
