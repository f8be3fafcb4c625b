/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In v6.12, <asm/unaligned.h> moved to <linux/unaligned.h>. kmod/Kbuild puts
 * this directory after the kernel's include path (-idirafter), so this file
 * is found only on kernels that lack the new header.
 */
#ifndef MEMQOS_COMPAT_LINUX_UNALIGNED_H
#define MEMQOS_COMPAT_LINUX_UNALIGNED_H
#include <asm/unaligned.h>
#endif
