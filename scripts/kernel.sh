#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh - the Debian kernels memqos supports: fetch one into a cache
# outside the work tree, build memqos.ko for it with the toolchain its
# headers were made for, and tell the guest how to boot it.
#
# Usage: scripts/kernel.sh list          the names below, one per line
#        scripts/kernel.sh fetch NAME    download and unpack NAME (and make
#                                        its build root, if it needs one)
#        scripts/kernel.sh env NAME      fetch, then print KNAME, KREL, KDIR,
#                                        VMLINUZ, MODDIR and BUILDROOT as
#                                        shell assignments
#        scripts/kernel.sh build NAME [KBUILD-ARGS...]
#                                        build memqos.ko for NAME from a clean
#                                        copy of the tracked sources in
#                                        build/kernels/NAME/; prints the .ko's
#                                        path last (KBUILD-ARGS: W=1, C=2 ...)
#        scripts/kernel.sh dkms NAME     `dkms build` of a clean copy for NAME,
#                                        in a root of NAME's Debian release
#                                        with its headers installed where a
#                                        node has them; DKMS signs the module
#                                        with its MOK key (Documentation/kernels.md, "DKMS and Secure
#                                        Boot"). Prints the .ko's path and
#                                        its signer last.
#        scripts/kernel.sh mirror        the Debian mirror it uses (for
#                                        scripts/image.sh)
#
# NAME          what it is                          built with
# 6.1           bookworm's linux-image-amd64         the host (gcc-12)
# 6.12          bookworm-backports' 6.12             the host (gcc-12)
# 6.12-trixie   trixie's 6.12                        a trixie root (gcc-14)
# newest        the newest of trixie-backports       a trixie root (gcc-14)
#
# 6.1 is the system's own (scripts/deps.sh installs its image and headers).
# The others come from the Debian mirror the system already uses, through a
# private apt configuration: the system's sources and package state are
# never changed. Each NAME resolves to the newest version its suite has now.
# Kernels whose kbuild tools need a newer glibc and gcc than bookworm's are
# built in a root of their own Debian release, made with mmdebstrap.
#
# Cache: $MEMQOS_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/memqos):
#   apt/             the private apt state
#   kernels/KREL/    the unpacked packages (root/) and modules.dep
#   buildroot/SUITE/ the build roots, with the headers of their kernels
# MEMQOS_DEBIAN_MIRROR overrides the mirror (default: the one in
# /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list).
set -euo pipefail

PROJ=$(CDPATH="" cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE=${MEMQOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memqos}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Packages a module build needs in a build root (gcc comes per kernel).
BUILDROOT_PACKAGES=make,libc6-dev,libelf-dev,libssl-dev,dwarves,bc,kmod,xz-utils,zstd,sparse,dkms,openssl

log() { echo "kernel.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# NAME -> "SUITE TOOLCHAIN RELEASE": TOOLCHAIN is host or the suite of a
# build root; RELEASE the Debian release whose root DKMS runs in.
kernel_suite() {
	case $1 in
	6.1) echo "bookworm host bookworm" ;;
	6.12) echo "bookworm-backports host bookworm" ;;
	6.12-trixie) echo "trixie trixie trixie" ;;
	newest) echo "trixie-backports trixie trixie" ;;
	*) return 1 ;;
	esac
}

list() {
	printf '%s\n' 6.1 6.12 6.12-trixie newest
}

mirror() {
	local m
	if [[ -n ${MEMQOS_DEBIAN_MIRROR:-} ]]; then
		echo "$MEMQOS_DEBIAN_MIRROR"
		return
	fi
	m=$(sed -n 's|^URIs: *\(\S*/debian\)/*$|\1|p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[[ -n $m ]] || m=$(sed -n 's|^deb \(\[[^]]*\] \)\{0,1\}\(\S*/debian\)/* .*|\2|p' \
		/etc/apt/sources.list 2>/dev/null | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

# The private apt: APT holds the options, refreshed once a day.
apt_setup() {
	local dir=$CACHE/apt suite list
	mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial"
	touch "$dir/state/status"
	list=$dir/sources.list
	: >"$list.tmp"
	for suite in bookworm-backports trixie trixie-backports; do
		echo "deb [signed-by=$KEYRING] $(mirror) $suite main" >>"$list.tmp"
	done
	cmp -s "$list.tmp" "$list" || rm -f "$dir/updated"
	mv "$list.tmp" "$list"
	APT=(-o "Dir::Etc::SourceList=$list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State=$dir/state" -o "Dir::State::status=$dir/state/status"
		-o "Dir::Cache=$dir/cache" -o APT::Architecture=amd64
		-o APT::Sandbox::User=root -o Acquire::Languages=none)
	if [[ -z $(find "$dir/updated" -mmin -1440 2>/dev/null) ]]; then
		log "refreshing the package lists of the private apt"
		apt-get -q "${APT[@]}" update >&2 || die "apt-get update failed"
		touch "$dir/updated"
	fi
}

# The ABI name (e.g. 6.12.95+deb12) of linux-image-amd64 in suite $1.
resolve_abi() {
	local suite=$1 ver dep
	ver=$(apt-cache "${APT[@]}" madison linux-image-amd64 |
		awk -F' *\\| *' -v s="/debian $suite/main" 'index($3, s) { print $2 }' |
		sort -V | tail -n 1)
	[[ -n $ver ]] || die "no linux-image-amd64 in $suite"
	dep=$(apt-cache "${APT[@]}" show "linux-image-amd64=$ver" |
		sed -n 's/^Depends: .*linux-image-\([0-9][^ ,]*\)-amd64.*/\1/p' | head -n 1)
	[[ -n $dep ]] || die "cannot tell the kernel of linux-image-amd64 $ver"
	echo "${dep%-unsigned}"
}

# The kernel's packages: the image (newer kernels split it into base,
# binary and modules), headers, and kbuild. Downloads into $1.
download() {
	local dest=$1 abi=$2 image=linux-image-$2-amd64 p pkgs=()
	# An -unsigned image holds everything; the signed one is a meta package.
	if apt-cache "${APT[@]}" show "$image-unsigned" >/dev/null 2>&1; then
		pkgs+=("$image-unsigned")
	else
		pkgs+=("$image")
		for p in base binary modules; do
			apt-cache "${APT[@]}" show "linux-$p-$abi-amd64" >/dev/null 2>&1 &&
				pkgs+=("linux-$p-$abi-amd64")
		done
	fi
	pkgs+=("linux-headers-$abi-amd64" "linux-headers-$abi-common" "linux-kbuild-$abi")
	mkdir -p "$dest"
	log "downloading ${pkgs[*]}"
	(cd "$dest" && apt-get -q "${APT[@]}" download "${pkgs[@]}" >&2) ||
		die "download of $abi failed"
}

# Where Debian put the modules: lib/modules or (newer) usr/lib/modules.
moddir_of() {
	local root=$1 krel=$2
	if [[ -d $root/usr/lib/modules/$krel/kernel ]]; then echo "$root/usr"; else echo "$root"; fi
}

# A build root of suite $1 for gcc $2, made once; returns its path.
buildroot() {
	local suite=$1 gcc=$2 dir=$CACHE/buildroot/$1
	local want="$suite $gcc $BUILDROOT_PACKAGES"
	# A root made for another gcc or package list is made again.
	if [[ ! -f $dir/.memqos-ready || $(<"$dir/.memqos-ready") != "$want" ]]; then
		command -v mmdebstrap >/dev/null || die "mmdebstrap not found (scripts/deps.sh kernels)"
		log "making a $suite build root with $gcc in $dir"
		rm -rf "$dir"
		mkdir -p "${dir%/*}"
		mmdebstrap --variant=minbase --include="$gcc,$BUILDROOT_PACKAGES" \
			--aptopt='Acquire::Languages "none"' --quiet \
			"$suite" "$dir" "deb [signed-by=$KEYRING] $(mirror) $suite main" >&2 ||
			die "mmdebstrap $suite failed"
		echo "$want" >"$dir/.memqos-ready"
	fi
	echo "$dir"
}

# The gcc package the headers want (Depends: gcc-14-for-host, gcc-12 ...).
headers_gcc() {
	dpkg-deb -f "$1" Depends | grep -o 'gcc-[0-9]\+' | head -n 1
}

# Sets KNAME KREL KDIR VMLINUZ MODDIR BUILDROOT (and DEBS, RELEASE) for
# NAME $1, fetching it. Runs of this script at once (check.sh starts a
# guest per kernel) take turns: they share the apt state and build roots.
fetch() {
	mkdir -p "$CACHE"
	exec 8>>"$CACHE/lock"
	flock 8
	fetch_locked "$@"
	flock -u 8
}

fetch_locked() {
	local name=$1 suite toolchain abi dir root hdr p
	read -r suite toolchain RELEASE < <(kernel_suite "$name") ||
		die "unknown kernel '$name' (supported: $(list | xargs))"
	KNAME=$name BUILDROOT=
	if [[ $suite == bookworm ]]; then
		fetch_system
		return
	fi
	apt_setup
	abi=$(resolve_abi "$suite")
	KREL=$abi-amd64
	dir=$CACHE/kernels/$KREL
	root=$dir/root
	if [[ ! -f $dir/.memqos-ready ]]; then
		rm -rf "$dir"
		download "$dir/debs" "$abi"
		log "unpacking $KREL"
		mkdir -p "$root"
		for p in "$dir"/debs/*.deb; do unpack "$p" "$root"; done
		# modules.dep, for modprobe in the guest and the initramfs builder.
		depmod -b "$(moddir_of "$root" "$KREL")" "$KREL" ||
			die "depmod of $KREL failed"
		touch "$dir/.memqos-ready"
	fi
	VMLINUZ=
	for p in "$root/boot/vmlinuz-$KREL" "$root/usr/lib/modules/$KREL/vmlinuz"; do
		[[ -f $p ]] && VMLINUZ=$p
	done
	[[ -n $VMLINUZ ]] || die "no vmlinuz in $root"
	MODDIR=$(moddir_of "$root" "$KREL")
	DEBS=$dir/debs
	hdr=$(echo "$DEBS"/linux-headers-"$abi"-amd64_*.deb)
	if [[ $toolchain == host ]]; then
		KDIR=$root/usr/src/linux-headers-$KREL
		# Its Makefile includes the common tree by its /usr/src path.
		sed -i "s|^include /usr/src/|include $root/usr/src/|" "$KDIR/Makefile"
		return
	fi
	BUILDROOT=$(buildroot "$toolchain" "$(headers_gcc "$hdr")")
	KDIR=/usr/src/linux-headers-$KREL
	install_headers "$BUILDROOT"
}

# Unpacks package $1 into directory $2. Not dpkg-deb -x: its tar replaces
# a symlinked /lib of a merged-/usr root with a directory of its own.
unpack() {
	dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink -C "$2"
}

# The kernel's headers and kbuild in root $1, where a node has them.
install_headers() {
	local root=$1 p
	[[ -f $root/usr/src/linux-headers-$KREL/.memqos-ready ]] && return
	for p in "$DEBS"/linux-headers-*.deb "$DEBS"/linux-kbuild-*.deb; do
		unpack "$p" "$root"
	done
	mkdir -p "$root/lib/modules/$KREL"
	ln -sfn "/usr/src/linux-headers-$KREL" "$root/lib/modules/$KREL/build"
	touch "$root/usr/src/linux-headers-$KREL/.memqos-ready"
}

# 6.1: the system's image and headers, newest first. DEBS, for DKMS, is
# filled only when asked (system_debs).
fetch_system() {
	local f
	KDIR=$(ls -d /usr/src/linux-headers-6.1*-amd64 2>/dev/null | sort -V | tail -n 1)
	[[ -n $KDIR ]] || die "no /usr/src/linux-headers-6.1*-amd64 (scripts/deps.sh build)"
	KREL=${KDIR#/usr/src/linux-headers-}
	f=/boot/vmlinuz-$KREL
	[[ -f $f ]] || die "no $f (scripts/deps.sh guest)"
	VMLINUZ=$f MODDIR=
	DEBS=$CACHE/kernels/$KREL/debs
}

# The packages of the system's headers (and their kbuild) in DEBS: the
# versions installed, downloaded with the system's own apt sources.
system_debs() {
	local hdr p pkgs=()
	[[ -f $DEBS/.memqos-ready ]] && return
	hdr=$(dpkg -S "$KDIR" | cut -d: -f1)
	for p in "$hdr" $(dpkg-query -W -f='${Depends}' "$hdr" | tr ',|' '\n\n' |
		sed -n 's/^ *\(linux-\(headers\|kbuild\)-[^ ]*\).*/\1/p'); do
		pkgs+=("$p=$(dpkg-query -W -f='${Version}' "$p")") ||
			die "$p is not installed"
	done
	rm -rf "$DEBS"
	mkdir -p "$DEBS"
	(cd "$DEBS" && apt-get -q -o APT::Sandbox::User=root download "${pkgs[@]}" >&2) ||
		die "cannot download ${pkgs[*]}"
	touch "$DEBS/.memqos-ready"
}

print_env() {
	local v
	for v in KNAME KREL KDIR VMLINUZ MODDIR BUILDROOT; do
		printf '%s=%q\n' "$v" "${!v}"
	done
}

# A clean copy of what DKMS would get, in $1.
copy_sources() {
	rm -rf "$1"
	mkdir -p "$1"
	(cd "$PROJ" && git ls-files -z -- Kbuild dkms.conf VERSION kmod include |
		xargs -0 cp --parents -t "$1")
}

# Runs "$@" for the kernel: in its build root (chroot, with a /proc of
# its own in a mount namespace that ends with it: objtool reads it), or on
# the host.
in_toolchain() {
	if [[ -n $BUILDROOT ]]; then
		unshare --mount --fork sh -c \
			'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
			"$BUILDROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 "$@"
	else
		"$@"
	fi
}

build() {
	local name=$1 out src inner
	shift
	fetch "$name"
	out=$PROJ/build/kernels/$name
	if [[ -n $BUILDROOT ]]; then
		inner=/build/memqos-$name
		src=$BUILDROOT$inner
	else
		inner=$out/src
		src=$inner
	fi
	copy_sources "$src"
	in_toolchain make -j"$(nproc)" -C "$KDIR" M="$inner" "$@" modules >&2 ||
		die "build for $KREL failed"
	if [[ -n $BUILDROOT ]]; then
		rm -rf "$out/src"
		mkdir -p "$out"
		cp -a "$src" "$out/src"
	fi
	echo "$out/src/kmod/memqos.ko"
}

# DKMS as a node runs it: in a root of the kernel's Debian release with
# its headers at /usr/src and /lib/modules/KREL/build. Debian's DKMS makes
# a MOK key pair in /var/lib/dkms of that root at its first build and signs
# with it.
dkms_build() {
	local name=$1 version inner tmp ko gcc signer
	fetch "$name"
	if [[ $KNAME == 6.1 ]]; then
		flock 8
		system_debs
		flock -u 8
	fi
	gcc=$(headers_gcc "$(echo "$DEBS"/linux-headers-"${KREL%-amd64}"-amd64_*.deb)")
	flock 8
	BUILDROOT=$(buildroot "$RELEASE" "$gcc")
	install_headers "$BUILDROOT"
	flock -u 8
	version=$(cat "$PROJ/VERSION")
	inner=/build/dkms-$name
	tmp=$BUILDROOT$inner
	rm -rf "$tmp"
	copy_sources "$tmp/src/memqos-$version"
	mkdir -p "$tmp/tree"
	in_toolchain dkms build -m memqos -v "$version" -k "$KREL" \
		--sourcetree "$inner/src" --dkmstree "$inner/tree" >&2 || {
		find "$tmp/tree" -name make.log -exec cat {} + >&2
		die "dkms build for $KREL failed"
	}
	ko=$(cd "$tmp/tree" && find . -name 'memqos.ko*' -path '*/module/*' | head -n 1)
	[[ -n $ko ]] || die "dkms built no memqos.ko for $KREL"
	ko=$inner/tree/${ko#./}
	signer=$(in_toolchain modinfo -F signer "$ko")
	echo "$BUILDROOT$ko"
	echo "signer: ${signer:-none}"
}

main() {
	(($#)) || usage
	case $1 in
	list) list ;;
	fetch) (($# == 2)) || usage; fetch "$2"; log "$KNAME is $KREL" ;;
	env) (($# == 2)) || usage; fetch "$2"; print_env ;;
	build) (($# >= 2)) || usage; shift; build "$@" ;;
	dkms) (($# == 2)) || usage; dkms_build "$2" ;;
	mirror) mirror ;;
	*) usage ;;
	esac
}

main "$@"
