#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host checks of the module and the API that need no kernel to run: the
# module builds W=1 without a warning, sparse finds nothing, checkpatch is
# clean, the UAPI header matches the netlink spec, the tool builds without
# a warning, and DKMS builds the module from a clean copy. Prints KTAP;
# exits 1 if any check failed. Usage: host-checks.sh KDIR
set -uo pipefail

kdir=${1:?usage: host-checks.sh KDIR}
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

# shellcheck disable=SC2317 # called through check()
kbuild() {
	# Rebuild every object, or warnings of up-to-date files are not seen.
	make -s -C "$kdir" M="$proj" clean >/dev/null &&
		make -C "$kdir" M="$proj" "$@" modules
}

# shellcheck disable=SC2317 # called through check()
checkpatch() {
	make -s style | grep -E '^(ERROR|WARNING|CHECK):' && return 1
	return 0
}

echo "KTAP version 1"
echo "1..7"
check "module builds with W=1 and no warning" kbuild W=1 KCFLAGS=-Werror
check "sparse (C=2) finds nothing" kbuild C=2
check "checkpatch --strict is clean" checkpatch
check "UAPI header matches the netlink spec" scripts/gen-uapi.py --check
check "memqos tool builds with no warning" \
	sh -c 'make -s -C user clean && make -s -C user'
check "man page matches the help texts" make -s -C user check-man
n=$((n + 1))
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
	"$kdir/include/generated/utsrelease.h")
if scripts/dkms-build.sh "$krel" >"$log" 2>&1; then
	echo "ok $n dkms builds the module from a clean copy"
else
	sed 's/^/# /' "$log" | tail -20
	echo "not ok $n dkms builds the module from a clean copy"
	failed=1
fi
exit $failed
