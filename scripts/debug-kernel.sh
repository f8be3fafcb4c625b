#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh - build Debian's 6.1 kernel source (linux-source-6.1) with
# KASAN, lockdep (PROVE_LOCKING), PROVE_RCU, DEBUG_ATOMIC_SLEEP, kmemleak and
# DEBUG_OBJECTS on a trimmed config, for `make check-debug`.
#
# Usage: scripts/debug-kernel.sh build   extract, configure, build, install
#                                        (each step resumes from the cache)
#        scripts/debug-kernel.sh env     print KVER, KDIR, VMLINUZ, MODDIR of
#                                        the built kernel as shell assignments
#
# The tree lives outside the work tree, in $MEMQOS_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/memqos): linux-6.1/ (source and build, the
# KDIR to build memqos.ko against), install/lib/modules/KVER (modules_install),
# build-times.log (how long each step took). The config is defconfig +
# kvm_guest.config + scripts/debug-kernel/memqos-debug.config; changing that
# fragment reconfigures and rebuilds incrementally. Every step runs under
# nice -n 19 ionice -c3 with -j$(nproc) (MEMQOS_JOBS overrides).
set -euo pipefail

PROJ=$(CDPATH="" cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
FRAGMENT=$PROJ/scripts/debug-kernel/memqos-debug.config
CACHE=${MEMQOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memqos}
SRC=$CACHE/linux-6.1
INSTALL=$CACHE/install
TIMES=$CACHE/build-times.log
JOBS=${MEMQOS_JOBS:-$(nproc)}
LOW=(nice -n 19 ionice -c3)

log() { echo "debug-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

tarball() {
	local t
	t=$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[[ -n $t ]] || die "no /usr/src/linux-source-6.1*.tar.xz (scripts/deps.sh debug)"
	echo "$t"
}

# Appends "STEP SECONDS" to the log and says it.
timed() {
	local step=$1 start=$SECONDS
	shift
	"$@"
	echo "$(date -u +%FT%TZ) $step $((SECONDS - start)) s (-j$JOBS, $(nproc) cpus)" | tee -a "$TIMES" >&2
}

extract() {
	local t
	t=$(tarball)
	[[ -f $SRC/.memqos-extracted && $(<"$SRC/.memqos-extracted") == "$t $(stat -c %Y "$t")" ]] && return
	log "extracting $t into $SRC"
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	"${LOW[@]}" tar -xf "$t" -C "$SRC.tmp" --strip-components=1
	echo "$t $(stat -c %Y "$t")" >"$SRC.tmp/.memqos-extracted"
	mv "$SRC.tmp" "$SRC"
}

# Every option of the fragment must survive olddefconfig: a silently dropped
# KASAN or PROVE_LOCKING would make check-debug check nothing.
verify_config() {
	local line opt want got bad=0
	while read -r line; do
		[[ $line =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]] || continue
		opt=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
		got=$(sed -n "s/^$opt=//p" "$SRC/.config")
		if [[ $want == n ]]; then
			[[ -z $got ]] && continue
		elif [[ $got == "$want" ]]; then
			continue
		fi
		log "config: $opt wanted $want, got ${got:-unset}"
		bad=1
	done <"$FRAGMENT"
	return $bad
}

configure() {
	local key
	key=$(cat "$FRAGMENT" "$SRC/.memqos-extracted" | sha256sum | cut -c1-16)
	[[ -f $SRC/.config && -f $SRC/.memqos-config && $(<"$SRC/.memqos-config") == "$key" ]] && return
	log "configuring (defconfig + kvm_guest.config + ${FRAGMENT#"$PROJ"/})"
	rm -f "$SRC/.memqos-config"
	"${LOW[@]}" make -C "$SRC" -s defconfig
	(cd "$SRC" && KCONFIG_CONFIG=.config "${LOW[@]}" scripts/kconfig/merge_config.sh -m \
		.config kernel/configs/kvm_guest.config "$FRAGMENT" >/dev/null)
	"${LOW[@]}" make -C "$SRC" -s olddefconfig
	verify_config || die "the config lost options (see above)"
	echo "$key" >"$SRC/.memqos-config"
}

build() {
	log "building bzImage and modules (-j$JOBS; resumes where it stopped)"
	"${LOW[@]}" make -C "$SRC" -s -j"$JOBS" bzImage modules
}

install_modules() {
	local kver
	kver=$(make -C "$SRC" -s kernelrelease)
	if [[ -f $INSTALL/lib/modules/$kver/.memqos-stamp &&
		! $SRC/arch/x86/boot/bzImage -nt $INSTALL/lib/modules/$kver/.memqos-stamp ]]; then
		return
	fi
	rm -rf "$INSTALL"
	"${LOW[@]}" make -C "$SRC" -s INSTALL_MOD_PATH="$INSTALL" modules_install
	# The build/source links would point into the cache from the guest too,
	# which is fine, but depmod is all the guest needs.
	touch "$INSTALL/lib/modules/$kver/.memqos-stamp"
}

print_env() {
	local kver
	[[ -f $SRC/arch/x86/boot/bzImage ]] || die "not built yet: scripts/debug-kernel.sh build"
	kver=$(make -C "$SRC" -s kernelrelease)
	[[ -f $INSTALL/lib/modules/$kver/.memqos-stamp ]] || die "modules not installed: scripts/debug-kernel.sh build"
	printf 'KVER=%q\nKDIR=%q\nVMLINUZ=%q\nMODDIR=%q\n' "$kver" "$SRC" \
		"$SRC/arch/x86/boot/bzImage" "$INSTALL"
}

case ${1:-} in
build)
	mkdir -p "$CACHE"
	exec 8>"$CACHE/lock"
	flock -n 8 || { log "waiting for another build in $CACHE"; flock 8; }
	total=$SECONDS
	timed extract extract
	timed configure configure
	timed build build
	timed modules_install install_modules
	echo "$(date -u +%FT%TZ) total $((SECONDS - total)) s" | tee -a "$TIMES" >&2
	print_env
	;;
env) print_env ;;
*) sed -n '4,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
