/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version knowledge, in one place. Force-included into every kmod/
 * file by kmod/Kbuild. The code elsewhere is written against the newest
 * kernel memqos supports; each entry here says what differs on an older one
 * and since when, newest first. Tracepoint prototypes are also checked
 * against the kernel's own <trace/events/...> by check_trace_callback_type_*()
 * in each probe file, so a change not listed here breaks the build, never
 * the machine.
 *
 * Where a change reached a stable series too, the entry says which release.
 * Where only Debian's kernels could be compared, it says "by vX.Y": the
 * change is in X.Y and not in the previous kernel checked.
 */
#ifndef MEMQOS_COMPAT_H
#define MEMQOS_COMPAT_H

#include <linux/version.h>

/*
 * In v7.1, the vmscan reclaim tracepoints gained the memcg being reclaimed:
 * begin is (gfp_t gfp_flags, int order, struct mem_cgroup *memcg), end is
 * (unsigned long nr_reclaimed, struct mem_cgroup *memcg). Before, begin is
 * (int order, gfp_t gfp_flags) and end has no memcg: the probes then see a
 * NULL memcg (MQ_RECLAIM_MEMCG) and the reclaim target is not known.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 1, 0)
#define MQ_RECLAIM_BEGIN_ARGS	gfp_t gfp_flags, int order, struct mem_cgroup *memcg
#define MQ_RECLAIM_END_ARGS	unsigned long nr_reclaimed, struct mem_cgroup *memcg
#define MQ_RECLAIM_MEMCG	memcg
#define MQ_HAVE_RECLAIM_TARGET	1
#else
#define MQ_RECLAIM_BEGIN_ARGS	int order, gfp_t gfp_flags
#define MQ_RECLAIM_END_ARGS	unsigned long nr_reclaimed
#define MQ_RECLAIM_MEMCG	NULL
#endif

/*
 * By v7.2, memcg_events() is global and declared in <linux/memcontrol.h>
 * (static in 6.12), so per-cgroup vm events (zswpwb) can be read; and
 * vmalloc is the node item NR_VMALLOC instead of the memcg item
 * MEMCG_VMALLOC.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
#define MQ_HAVE_MEMCG_EVENTS_FN	1
#define MQ_HAVE_NR_VMALLOC	1
#endif

/*
 * By v7.2, the Multi-Gen LRU's evict_folios() takes nr_to_scan first and
 * the lruvec second (6.12: first). attrib.c reads where it is from the
 * running kernel's BTF; this is what it assumes on a kernel without BTF.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
#define MQ_EVICT_FOLIOS_LRUVEC_ARG	1
#else
#define MQ_EVICT_FOLIOS_LRUVEC_ARG	0
#endif

/* The kernel's BTF, to read static functions' prototypes (ksym.c). */
#if defined(CONFIG_DEBUG_INFO_BTF) && defined(CONFIG_BPF_SYSCALL)
#define MQ_HAVE_BTF	1
#endif

/*
 * By v7.2, mem_cgroup_handle_over_high() is an inline wrapper and the work
 * is in __mem_cgroup_handle_over_high(). probes_high.c tries the new name
 * first, then the old one, and says which it bound.
 */

/*
 * In v6.17 (and 6.12.77), system_percpu_wq and system_dfl_wq were added as
 * the new names of system_wq and system_unbound_wq, which 7.3 warns about.
 * Defining the new names on a kernel that has them too would only repeat
 * an extern declaration.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 77) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0))
#define system_percpu_wq	system_wq
#define system_dfl_wq		system_unbound_wq
#endif

/* In v6.16, sched_process_exit gained the bool group_dead argument. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define MQ_PROCESS_EXIT_ARGS	struct task_struct *task, bool group_dead
#else
#define MQ_PROCESS_EXIT_ARGS	struct task_struct *task
#endif

/*
 * In v6.12, <asm/unaligned.h> moved to <linux/unaligned.h>. The code
 * includes the new name; kmod/compat/linux/unaligned.h, on the include path
 * after the kernel's own (-idirafter), provides it on older kernels.
 */

/*
 * By v6.12, the demotion counters PGDEMOTE_* are per-node (and so
 * per-memcg) statistics; in 6.1 they are node-wide vm events only.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define MQ_HAVE_PGDEMOTE_STATS	1
#endif

/*
 * In v6.8, mem_cgroup_flush_stats() gained the memcg whose subtree to flush
 * (before, it flushes everything, and only past a threshold of updates).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define MQ_FLUSH_STATS_ARGS(memcg)	(memcg)
#else
#define MQ_FLUSH_STATS_ARGS(memcg)	()
#endif

/*
 * By v6.12, the Multi-Gen LRU's evict_folios() emits
 * mm_vmscan_lru_shrink_inactive for each batch, as the classic LRU does;
 * in 6.1 it emits nothing, so with the Multi-Gen LRU on, reclaim
 * attribution misses its batches (attrib.c reports it unavailable then).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define MQ_HAVE_MGLRU_SHRINK_TP	1
#endif

/*
 * In v6.10, the per-node memcg statistics moved behind a pointer to a struct
 * private to mm/memcontrol.c, and lruvec_page_state() became a function of
 * that file, not exported: memcg_stat.c resolves it by name. Before, it is
 * an inline of <linux/memcontrol.h> reading the public lruvec_stats, copied
 * here but for its memcg-disabled branch (node_page_state() is not
 * exported; memqos refuses to load without memcg).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define MQ_HAVE_LRUVEC_PAGE_STATE_FN	1
#else
#define mq_lruvec_page_state_inline(lv, idx)			\
	({								\
		struct lruvec *__lv = (lv);				\
		struct mem_cgroup_per_node *__pn =			\
			container_of(__lv, struct mem_cgroup_per_node,	\
				     lruvec);				\
		long __x = READ_ONCE(__pn->lruvec_stats.state[idx]);	\
		/* per-CPU deltas not yet flushed may make it dip */	\
		__x < 0 ? 0UL : (unsigned long)__x;			\
	})
#endif

/*
 * In v6.2, generic netlink gained split ops (struct genl_split_ops) and the
 * per-op policy moved there; 6.1 has per-op .policy/.maxattr in genl_ops,
 * which is what kmod/genl-gen.c (generated) uses. Newer kernels still
 * accept genl_ops.
 */

#endif /* MEMQOS_COMPAT_H */
