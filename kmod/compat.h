/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version knowledge, in one place. Force-included into every kmod/
 * file by kmod/Kbuild. The code elsewhere is written against the API of the
 * target kernel (Linux 6.1, Debian bookworm); each entry here says what
 * differs on another kernel and since when.
 */
#ifndef MEMQOS_COMPAT_H
#define MEMQOS_COMPAT_H

/*
 * In v6.2, generic netlink gained split ops (struct genl_split_ops) and the
 * per-op policy moved there; 6.1 has per-op .policy/.maxattr in genl_ops,
 * which is what kmod/genl.c uses. Newer kernels still accept genl_ops.
 */

/*
 * oom:mark_victim is (struct task_struct *, uid_t) in the Debian 6.1 headers
 * we build against; older trees passed only the pid. Each probe file checks
 * its prototypes against the running kernel's <trace/events/...> with
 * check_trace_callback_type_*(), so such a change breaks the build, never
 * the machine.
 */

#endif /* MEMQOS_COMPAT_H */
