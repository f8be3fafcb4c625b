# SPDX-License-Identifier: GPL-2.0
#
# What every part of user/ is built with: the version, the libraries found
# by pkg-config, the warnings and defines. Included by user/Makefile and
# user/lib/Makefile (which tests/unit runs too); srctree is set first.

VERSION_FILE	:= $(srctree)/VERSION
TOOL_VERSION	:= $(shell cat $(VERSION_FILE) 2>/dev/null)
ifeq ($(TOOL_VERSION),)
$(error cannot read the version from $(VERSION_FILE))
endif

PKG_CONFIG	?= pkg-config

MNL_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libmnl)
MNL_LIBS	:= $(shell $(PKG_CONFIG) --libs libmnl)
ifeq ($(MNL_LIBS),)
$(error libmnl not found by $(PKG_CONFIG); install libmnl-dev)
endif
INIH_LIBS	:= $(shell $(PKG_CONFIG) --libs inih)
ifeq ($(INIH_LIBS),)
$(error inih not found by $(PKG_CONFIG); install libinih-dev)
endif

CFLAGS		?= -O2 -g
WARN_CFLAGS	:= -Wall -Wextra -Werror=implicit-function-declaration
# the project's UAPI first, so <linux/memqos.h> is never a stale copy
MEMQOS_CPPFLAGS	:= -I$(srctree)/include/uapi -D_GNU_SOURCE \
		   -DMEMQOS_TOOL_VERSION=\"$(TOOL_VERSION)\" $(MNL_CFLAGS)

ifeq ($(V),1)
Q		:=
quiet		= @true
else
Q		:= @
quiet		= @printf '  %-7s %s\n'
endif
