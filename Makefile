# SPDX-License-Identifier: GPL-2.0
#
# memqos: per-cgroup memory pressure accounting (kmod/) and its tool (user/).
#
#   make              build kmod/memqos.ko and user/memqos
#   make demo         the main job: a guest demo (installs what it needs)
#   make unit         the host unit tests of user/ (tests/unit)
#   make check        every test: host unit tests, host build checks, then
#                     the guest selftests on 6.1 and 6.12
#   make check-kernels  the same on every supported kernel, with MGLRU on
#                     and off where the kernel has it
#   make bench        benchmarks in the guest (~25 min): bench/results/
#   make stress       the reliability suite in the guest (~35 min)
#   make check-debug  selftests + stress under a KASAN/lockdep/kmemleak kernel
#   make install      install module (+depmod) and tool
#   make dkms-install install the module through DKMS
#   make style        checkpatch on kmod/ and include/
#   make layers       user/lib reaches not up into the programs beside it
#                     (scripts/check-layers.sh; also run by unit and check)
#   make sparse       sparse (C=2) and W=1 on the module
#
# KDIR defaults to the running kernel's build tree, else the newest Debian
# linux-headers-*-amd64 (the guest's kernel on machines without modules).
#
# The targets that boot a guest take the kernel from KERNEL (one name) or
# MEMQOS_KERNELS (a list), as `scripts/kernel.sh list` names them: 6.1,
# 6.12 (bookworm-backports), 6.12-trixie, newest (trixie-backports). They
# are fetched into ~/.cache/memqos; e.g. `make check KERNEL=newest`.

VERSION := $(shell cat VERSION)
KVER_RUNNING := $(shell uname -r)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER_RUNNING)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1))
# The release the module is built for (uname -r of that kernel; Debian's
# include/config/kernel.release holds the upstream version instead), and
# the kernel the guest boots.
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# check's kernels; demo, bench and stress boot the first one.
KERNELS := $(or $(KERNEL),$(MEMQOS_KERNELS),6.1 6.12)
GUEST_KERNEL := $(firstword $(or $(KERNEL),$(MEMQOS_KERNELS),6.1))
ALL_KERNELS := 6.1 6.12 6.12-trixie newest

DESTDIR ?=
PREFIX ?= /usr/local

CHECKPATCH_DIR := build/checkpatch
CHECKPATCH := $(CHECKPATCH_DIR)/scripts/checkpatch.pl

.PHONY: all kmod user install uninstall clean deps demo check unit \
	layers style sparse dkms-build dkms-install dkms-remove bench stress \
	check-debug check-kernels

all: kmod user

kmod:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || \
		{ echo "no kernel headers found: run 'scripts/deps.sh build' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user:
	$(MAKE) -C user

unit: layers
	$(MAKE) -C tests/unit run

layers:
	scripts/check-layers.sh

deps:
	scripts/deps.sh build guest check kernels

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KREL)
	$(MAKE) -C user install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

uninstall:
	rm -f /lib/modules/$(KREL)/updates/kmod/memqos.ko
	depmod -a $(KREL)
	$(MAKE) -C user uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

demo:
	scripts/deps.sh build guest kernels
	$(MAKE) user
	MEMQOS_KERNEL=$(GUEST_KERNEL) scripts/demo.sh

check:
	scripts/deps.sh build guest check style kernels
	$(MAKE) user
	$(MAKE) -C tests/unit
	MEMQOS_KERNELS="$(KERNELS)" scripts/check.sh

# Every supported kernel, each with MGLRU as it boots and then the
# MGLRU-sensitive tests with it switched (scripts/check-kernels.sh).
check-kernels:
	scripts/deps.sh build guest check style kernels
	$(MAKE) user
	$(MAKE) -C tests/unit
	MEMQOS_KERNELS="$(or $(KERNEL),$(MEMQOS_KERNELS),$(ALL_KERNELS))" \
		scripts/check-kernels.sh

stress:
	scripts/deps.sh build guest check kernels
	$(MAKE) user
	MEMQOS_KERNEL=$(GUEST_KERNEL) scripts/stress.sh

# Builds the debug kernel (cached in ~/.cache/memqos) and memqos.ko for it.
check-debug:
	scripts/deps.sh build guest check debug
	$(MAKE) user
	scripts/check-debug.sh

# Not part of check: ~25 minutes, and its figures are measurements.
bench:
	scripts/deps.sh build guest bench kernels
	$(MAKE) user
	MEMQOS_KERNEL=$(GUEST_KERNEL) bench/run.sh

dkms-build:
	scripts/kernel.sh dkms $(GUEST_KERNEL)

# The tracked sources to /usr/src/memqos-VERSION, then DKMS builds and
# installs the module for the running kernel (and future ones).
DKMS_SRC := /usr/src/memqos-$(VERSION)
dkms-install:
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	git ls-files -z -- Kbuild dkms.conf VERSION kmod include | \
		xargs -0 cp --parents -t $(DKMS_SRC)
	dkms install memqos/$(VERSION) -k $(KREL)

dkms-remove:
	dkms remove memqos/$(VERSION) --all
	rm -rf $(DKMS_SRC)

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 modules

$(CHECKPATCH):
	scripts/deps.sh style
	mkdir -p $(CHECKPATCH_DIR)
	tar -xf $$(ls /usr/src/linux-source-6.1*.tar.xz | sort -V | tail -n 1) \
		-C $(CHECKPATCH_DIR) --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'

# compat.h is where version checks belong: checkpatch's rule against
# them (and its constant-on-the-right rule they trip) is off there only.
style: $(CHECKPATCH)
	$(CHECKPATCH) --no-tree --strict -f \
		$(filter-out kmod/compat.h %.mod.c,$(wildcard kmod/*.[ch] kmod/compat/*/*.h)) \
		include/uapi/linux/memqos.h
	$(CHECKPATCH) --no-tree --strict -f \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON kmod/compat.h

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C user clean
	$(MAKE) -C tests/unit clean
