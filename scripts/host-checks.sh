#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host checks of the module and the API that need no kernel to run. Once:
# checkpatch is clean, the UAPI header and kmod/genl-gen.[ch] match the
# netlink spec, no kmod/ files call each other in a cycle, the tool
# builds without a warning, user/lib stays below the programs
# (scripts/check-layers.sh), the man page matches the help texts, dkms.conf
# has the release's version, the Kubernetes manifests of deploy/ match the
# API schema (tests/kubernetes/validate.py), and promtool finds nothing
# in the exporter's output for synthetic cgroups. For each KERNEL (as
# scripts/kernel.sh names them): the module builds W=1 with neither a
# compiler warning nor a sparse finding, and DKMS builds it from a clean
# copy. The module of that build stays in build/kernels/KERNEL/ for the
# guest.
# Prints KTAP; exits 1 if any check failed.
# Usage: host-checks.sh KERNEL...
set -uo pipefail

(($#)) || { echo "usage: host-checks.sh KERNEL..." >&2; exit 2; }
proj=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$proj" || exit 2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
n=0
failed=0

# check NAME CMD...: runs CMD; passes if it exits 0 and printed no warning.
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$log" 2>&1 && ! grep -qiE 'warning:|error:' "$log"; then
		echo "ok $n $name"
	else
		grep -iE 'warning|error' "$log" | head -20 | sed 's/^/# /'
		echo "not ok $n $name"
		failed=1
	fi
}

# check_ok NAME CMD...: runs CMD; passes if it exits 0 (tools such as dkms
# print warnings of their own about the kernel's build tree).
check_ok() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$log" 2>&1; then
		echo "ok $n $name"
	else
		tail -n 20 "$log" | sed 's/^/# /'
		echo "not ok $n $name"
		failed=1
	fi
}

# shellcheck disable=SC2317 # called through check()
checkpatch() {
	make -s style | grep -E '^(ERROR|WARNING|CHECK):' && return 1
	return 0
}

# DKMS in a root of the kernel's release, as on a node: the module must
# come out signed with the MOK key DKMS made there.
# shellcheck disable=SC2317 # called through check_ok()
dkms_signed() {
	local out
	out=$(scripts/kernel.sh dkms "$1") || return 1
	echo "$out"
	[[ $(tail -n 1 <<<"$out") == "signer: DKMS module signing key" ]]
}

# A kernel older than the oldest or newer than the newest supported stops
# the build at once with a message naming the supported ones (the version
# is given on make's command line, over the headers' own).
# shellcheck disable=SC2317 # called through check_ok()
unsupported_refused() {
	local out
	out=$(scripts/kernel.sh build 6.1 VERSION=5 PATCHLEVEL=15 2>&1) && return 1
	grep -q 'memqos needs Linux 6.1 or newer; .* is Linux 5.15 (tested: ' <<<"$out" || return 1
	out=$(scripts/kernel.sh build 6.1 VERSION=99 PATCHLEVEL=0 2>&1) && return 1
	grep -q 'memqos knows Linux 6.1 to .* is Linux 99.0, newer' <<<"$out"
}

# shellcheck disable=SC2317 # called through check_ok()
dkms_version() {
	local conf version
	conf=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
	version=$(cat VERSION)
	[[ $conf == "$version" ]] || { echo "dkms.conf says '$conf', VERSION '$version'"; return 1; }
}

echo "KTAP version 1"
echo "1..$((10 + 2 * $#))"
check "checkpatch --strict is clean" checkpatch
check "UAPI header, netlink reference and kmod/genl-gen.[ch] match the spec" \
	scripts/gen-uapi.py --check
check "kmod/ files call each other without a cycle" scripts/kmod-deps.py --check
check "memqos tool builds with no warning" \
	sh -c 'make -s -C user clean && make -s -C user'
check "user/lib includes no program's header, prints no error, never exits" \
	scripts/check-layers.sh
check "man page matches the help texts" make -s -C user check-man
check_ok "dkms.conf version matches VERSION" dkms_version
check_ok "make on an unsupported kernel stops, naming the supported ones" \
	unsupported_refused
check_ok "Kubernetes manifests match the vendored API schema, typos rejected" \
	tests/kubernetes/validate.py
check_ok "promtool check metrics finds nothing in the exporter's and the daemon's families" \
	make -s -C tests/unit check-promtool
for k in "$@"; do
	check "module builds on $k with W=1, no warning, sparse (C=2) clean" \
		scripts/kernel.sh build "$k" W=1 C=2 KCFLAGS=-Werror
	check_ok "dkms builds and signs the module from a clean copy on $k" \
		dkms_signed "$k"
done
exit $failed
