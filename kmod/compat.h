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

/*
 * lruvec_page_state() falls back to node_page_state() when memcg is disabled,
 * and node_page_state() is not exported in 6.1, so a module cannot call it.
 * This is its memcg branch (mem_cgroup_per_node.lruvec_stats.state in
 * 6.1); memqos refuses to load when memcg is disabled.
 */
#define mq_lruvec_page_state(lv, idx)				\
	({								\
		struct lruvec *__lv = (lv);				\
		struct mem_cgroup_per_node *__pn =			\
			container_of(__lv, struct mem_cgroup_per_node,	\
				     lruvec);				\
		long __x = READ_ONCE(__pn->lruvec_stats.state[idx]);	\
		/* per-CPU deltas not yet flushed may make it dip */	\
		__x < 0 ? 0UL : (unsigned long)__x;			\
	})

#endif /* MEMQOS_COMPAT_H */
