#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Proves that DKMS builds the module from a clean copy of the source for
# kernel release KREL, without touching the system's DKMS tree: the source
# and DKMS trees are temporary. Prints KTAP. Usage: dkms-build.sh KREL
set -euo pipefail

krel=${1:?usage: dkms-build.sh KREL}
proj=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
version=$(cat "$proj/VERSION")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

echo "KTAP version 1"
echo "1..2"

conf_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$proj/dkms.conf")
if [ "$conf_version" = "$version" ]; then
	echo "ok 1 dkms.conf version matches VERSION ($version)"
else
	echo "not ok 1 dkms.conf version '$conf_version' != VERSION '$version'"
	failed=1
fi

# The files a release tarball carries: what git tracks, minus tests.
src=$tmp/src/memqos-$version
mkdir -p "$src" "$tmp/dkms"
(cd "$proj" && git ls-files -z -- Kbuild dkms.conf VERSION kmod include |
	xargs -0 cp --parents -t "$src")

log=$tmp/dkms.log
ko=$tmp/dkms/memqos/$version/$krel/$(uname -m)/module/memqos.ko
built() { [ -f "$ko" ] || [ -f "$ko.xz" ]; }
if dkms build -m memqos -v "$version" -k "$krel" \
	--sourcetree "$tmp/src" --dkmstree "$tmp/dkms" >"$log" 2>&1 && built; then
	echo "ok 2 dkms build for $krel"
else
	sed 's/^/# /' "$log"
	find "$tmp/dkms" -name make.log -exec sed 's/^/# /' {} + 2>/dev/null || true
	echo "not ok 2 dkms build for $krel"
	failed=1
fi
exit $failed
