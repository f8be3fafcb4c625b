#!/usr/bin/env bash
# scripts/image.sh - the memqos node image (deploy/image, run by the
# DaemonSet of deploy/kubernetes), built without an image registry.
#
# Usage: scripts/image.sh rootfs     the base root filesystem: a tarball
#                                    made by mmdebstrap (Debian bookworm,
#                                    minbase with kmod, make, gcc-12 and
#                                    the tool's libraries), cached; prints
#                                    its path
#        scripts/image.sh build      the image: FROM that root filesystem,
#                                    with `make -C user install`, the
#                                    module's source (/opt/memqos/src/memqos-VER:
#                                    the node's /usr/src is mounted over
#                                    /usr/src)
#                                    and memqos.ko prebuilt for the kernels
#                                    of MEMQOS_IMAGE_KERNELS (default 6.1,
#                                    as scripts/kernel.sh names them),
#                                    built by buildah from
#                                    deploy/image/Containerfile and saved as
#                                    an OCI archive; prints its path
#
# Cache: $MEMQOS_CACHE/image/rootfs-KEY.tar (default ~/.cache/memqos), KEY
# a hash of the package list: a new list makes a new tarball. The image:
# build/image/memqos-node.tar (oci-archive, tag localhost/memqos-node:VER),
# its build context in build/image/context, buildah's storage in
# build/image/storage (nothing under /var/lib/containers is touched).
# Load it with `podman load -i build/image/memqos-node.tar` (the guest
# tests do). Needs mmdebstrap, buildah (scripts/deps.sh guest kernels).
set -euo pipefail

PROJ=$(CDPATH="" cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE=${MEMQOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memqos}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
OUT=$PROJ/build/image
# What the entry point needs at run time: kmod (insmod, modinfo), the
# compiler of bookworm's kernel headers and make (a module built on the
# node), and the tool's libraries (libmicrohttpd12 and libdeflate0 for
# the exporter of `memqos daemon --listen`).
PACKAGES="kmod make gcc-12 libc6-dev libelf1 libmnl0 libinih1 libjson-c5 libmicrohttpd12 libdeflate0"
SUITE=bookworm
# Left out of the root: documentation, translations, and what a module
# build never runs (LTO, the sanitizers' runtimes, static libc): the
# image is unpacked into the memory of the guest that tests it.
EXCLUDE=('/usr/share/doc/*' '/usr/share/man/*' '/usr/share/locale/*'
	'/usr/share/info/*' /usr/lib/gcc/x86_64-linux-gnu/12/lto1
	/usr/bin/x86_64-linux-gnu-lto-dump-12 '/usr/lib/x86_64-linux-gnu/lib*san.so*'
	/usr/lib/x86_64-linux-gnu/libc.a)

log() { echo "image.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

rootfs() {
	local key tar tmp opt dpkgopts=()
	for opt in "${EXCLUDE[@]}"; do dpkgopts+=(--dpkgopt="path-exclude=$opt"); done
	key=$(echo "$SUITE $PACKAGES ${EXCLUDE[*]}" | sha256sum | cut -c1-12)
	tar=$CACHE/image/rootfs-$key.tar
	# mmdebstrap tells the output's format from its name.
	tmp=$CACHE/image/tmp-rootfs-$key.tar
	if [[ ! -f $tar ]]; then
		command -v mmdebstrap >/dev/null || die "mmdebstrap not found (scripts/deps.sh guest kernels)"
		mkdir -p "$CACHE/image"
		rm -rf "$CACHE/image/rootfs-"*.tar "$CACHE/image/tmp-rootfs-"*
		log "making the $SUITE root filesystem with $PACKAGES"
		mmdebstrap --variant=minbase --include="${PACKAGES// /,}" \
			--aptopt='Acquire::Languages "none"' --quiet \
			"${dpkgopts[@]}" "$SUITE" "$tmp" \
			"deb [signed-by=$KEYRING] $("$PROJ/scripts/kernel.sh" mirror) $SUITE main" >&2 ||
			{ rm -rf "$tmp"; die "mmdebstrap failed"; }
		mv "$tmp" "$tar"
	fi
	echo "$tar"
}

# The build context: the root filesystem, the tool installed as on a node,
# the module's source as DKMS gets it, and prebuilt modules.
context() {
	local ctx=$OUT/context ver k ko krel
	ver=$(<"$PROJ/VERSION")
	rm -rf "$ctx"
	mkdir -p "$ctx/root/opt/memqos/src/memqos-$ver" "$ctx/root/opt/memqos/modules"
	ln "$(rootfs)" "$ctx/rootfs.tar" 2>/dev/null || cp "$(rootfs)" "$ctx/rootfs.tar"
	make -s -C "$PROJ/user" >&2 || die "the tool does not build"
	make -s -C "$PROJ/user" install DESTDIR="$ctx/root" >&2 || die "make -C user install failed"
	(cd "$PROJ" && git ls-files -z -- Kbuild dkms.conf VERSION kmod include |
		xargs -0 cp --parents -t "$ctx/root/opt/memqos/src/memqos-$ver")
	install -D -m 0755 "$PROJ/deploy/image/memqos-node" "$ctx/root/usr/local/sbin/memqos-node"
	for k in ${MEMQOS_IMAGE_KERNELS-6.1}; do
		ko=$("$PROJ/scripts/kernel.sh" build "$k" | tail -n 1) || die "memqos.ko does not build for $k"
		krel=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
		install -D -m 0644 "$ko" "$ctx/root/opt/memqos/modules/$krel/memqos.ko"
	done
	cp "$PROJ/deploy/image/Containerfile" "$ctx/Containerfile"
	echo "$ctx"
}

build() {
	local ctx ver tag
	command -v buildah >/dev/null || die "buildah not found (scripts/deps.sh guest kernels)"
	ver=$(<"$PROJ/VERSION")
	tag=localhost/memqos-node:$ver
	ctx=$(context)
	mkdir -p "$OUT/storage" "$OUT/run"
	local bah=(buildah --root "$OUT/storage" --runroot "$OUT/run" --storage-driver vfs)
	log "building $tag"
	"${bah[@]}" bud --quiet --isolation chroot --format oci -f "$ctx/Containerfile" \
		-t "$tag" "$ctx" >&2 || die "buildah bud failed"
	rm -f "$OUT/memqos-node.tar"
	"${bah[@]}" push --quiet "$tag" "oci-archive:$OUT/memqos-node.tar:$tag" >&2 ||
		die "cannot save the image"
	"${bah[@]}" rmi --all >/dev/null 2>&1 || true
	rm -rf "$ctx"
	echo "$OUT/memqos-node.tar"
}

case ${1:-} in
rootfs) rootfs ;;
build) build ;;
*) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
