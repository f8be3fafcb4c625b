// SPDX-License-Identifier: GPL-2.0
/*
 * Levels: what a memory cgroup holds right now, read from the memcg at read
 * time rather than sampled.
 *
 * Per-node statistics are the lruvec state lruvec_page_state() reads: the
 * hierarchical, rstat-flushed values memory.stat also shows. The kernel
 * flushes them about every 2 s and whenever memory.stat is read, so they
 * may lag by that much. memcg-only items (MEMCG_KMEM, percpu, sock) are not
 * reachable from a module on 6.1 (memcg_page_state() is not exported), so
 * kmem is the sum of its node-level parts: slab, kernel stacks and page
 * tables.
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/page_counter.h>
#include <linux/psi_types.h>
#include <linux/mm.h>

#include "memqos.h"

const char *const mq_level_names[MQ_NR_LEVELS] = {
	[MQ_L_USAGE] = "usage",
	[MQ_L_PEAK] = "peak",
	[MQ_L_SWAP] = "swap",
	[MQ_L_MIN] = "min",
	[MQ_L_LOW] = "low",
	[MQ_L_HIGH] = "high",
	[MQ_L_MAX] = "max",
	[MQ_L_ANON] = "anon",
	[MQ_L_FILE_MAPPED] = "file_mapped",
	[MQ_L_SHMEM] = "shmem",
	[MQ_L_RSS] = "rss",
	[MQ_L_SLAB_RECLAIMABLE] = "slab_reclaimable",
	[MQ_L_SLAB_UNRECLAIMABLE] = "slab_unreclaimable",
	[MQ_L_KERNEL_STACK] = "kernel_stack",
	[MQ_L_PAGETABLES] = "pagetables",
	[MQ_L_SEC_PAGETABLES] = "sec_pagetables",
	[MQ_L_KMEM] = "kmem",
	[MQ_L_FILE] = "file",
	[MQ_L_ACTIVE_ANON] = "active_anon",
	[MQ_L_INACTIVE_ANON] = "inactive_anon",
	[MQ_L_ACTIVE_FILE] = "active_file",
	[MQ_L_INACTIVE_FILE] = "inactive_file",
	[MQ_L_REFAULT_ANON] = "workingset_refault_anon",
	[MQ_L_REFAULT_FILE] = "workingset_refault_file",
	[MQ_L_EV_LOW] = "events_low",
	[MQ_L_EV_HIGH] = "events_high",
	[MQ_L_EV_MAX] = "events_max",
	[MQ_L_EV_OOM] = "events_oom",
	[MQ_L_EV_OOM_KILL] = "events_oom_kill",
	[MQ_L_PSI_SOME_US] = "psi_some_us",
	[MQ_L_PSI_FULL_US] = "psi_full_us",
};

/* Node stat items read as levels, and the unit each is kept in. */
static const struct {
	enum mq_level level;
	enum node_stat_item item;
	unsigned int unit;	/* bytes per count; 1 for plain counts */
} mq_node_items[] = {
	{ MQ_L_ANON, NR_ANON_MAPPED, PAGE_SIZE },
	{ MQ_L_FILE_MAPPED, NR_FILE_MAPPED, PAGE_SIZE },
	{ MQ_L_SHMEM, NR_SHMEM, PAGE_SIZE },
	{ MQ_L_SLAB_RECLAIMABLE, NR_SLAB_RECLAIMABLE_B, 1 },
	{ MQ_L_SLAB_UNRECLAIMABLE, NR_SLAB_UNRECLAIMABLE_B, 1 },
	{ MQ_L_KERNEL_STACK, NR_KERNEL_STACK_KB, SZ_1K },
	{ MQ_L_PAGETABLES, NR_PAGETABLE, PAGE_SIZE },
	{ MQ_L_SEC_PAGETABLES, NR_SECONDARY_PAGETABLE, PAGE_SIZE },
	{ MQ_L_FILE, NR_FILE_PAGES, PAGE_SIZE },
	{ MQ_L_ACTIVE_ANON, NR_ACTIVE_ANON, PAGE_SIZE },
	{ MQ_L_INACTIVE_ANON, NR_INACTIVE_ANON, PAGE_SIZE },
	{ MQ_L_ACTIVE_FILE, NR_ACTIVE_FILE, PAGE_SIZE },
	{ MQ_L_INACTIVE_FILE, NR_INACTIVE_FILE, PAGE_SIZE },
	{ MQ_L_REFAULT_ANON, WORKINGSET_REFAULT_ANON, 1 },
	{ MQ_L_REFAULT_FILE, WORKINGSET_REFAULT_FILE, 1 },
};

static const struct {
	enum mq_level level;
	enum memcg_memory_event event;
} mq_events[] = {
	{ MQ_L_EV_LOW, MEMCG_LOW },
	{ MQ_L_EV_HIGH, MEMCG_HIGH },
	{ MQ_L_EV_MAX, MEMCG_MAX },
	{ MQ_L_EV_OOM, MEMCG_OOM },
	{ MQ_L_EV_OOM_KILL, MEMCG_OOM_KILL },
};

static u64 mq_limit_bytes(unsigned long pages)
{
	return pages >= PAGE_COUNTER_MAX ? MQ_UNLIMITED : (u64)pages * PAGE_SIZE;
}

static void mq_levels_psi(struct cgroup *cgrp, struct mq_levels *l)
{
	/*
	 * The root cgroup's group is psi_system, which is not exported: its
	 * totals are /proc/pressure/memory and read as 0 here.
	 */
	struct psi_group *psi = cgroup_id(cgrp) == 1 ? NULL : cgrp->psi;

	/* Aggregated by the kernel's averaging work, every 2 s at most. */
	if (psi) {
		l->v[MQ_L_PSI_SOME_US] =
			div_u64(READ_ONCE(psi->total[PSI_AVGS][PSI_MEM_SOME]),
				NSEC_PER_USEC);
		l->v[MQ_L_PSI_FULL_US] =
			div_u64(READ_ONCE(psi->total[PSI_AVGS][PSI_MEM_FULL]),
				NSEC_PER_USEC);
	}
}

int mq_cgroup_refaults(u64 id, u64 *refaults)
{
	struct cgroup_subsys_state *css;
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	struct lruvec *lruvec;
	int nid;

	cgrp = cgroup_get_from_id(id);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	cgroup_put(cgrp);
	if (!css)
		return -ENOENT;
	memcg = mem_cgroup_from_css(css);
	*refaults = 0;
	for_each_node_state(nid, N_MEMORY) {
		lruvec = mem_cgroup_lruvec(memcg, NODE_DATA(nid));
		*refaults +=
			mq_lruvec_page_state(lruvec, WORKINGSET_REFAULT_ANON) +
			mq_lruvec_page_state(lruvec, WORKINGSET_REFAULT_FILE);
	}
	css_put(css);
	return 0;
}

int mq_levels_read(struct cgroup *cgrp, struct mq_levels *l)
{
	struct cgroup_subsys_state *css;
	struct mem_cgroup *memcg;
	size_t i;
	int nid;

	memset(l, 0, sizeof(*l));
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	if (!css)
		return -ENOENT;
	/* The memory controller is off here: the css is an ancestor's. */
	if (css->cgroup != cgrp) {
		css_put(css);
		return -ENOENT;
	}
	memcg = mem_cgroup_from_css(css);

	l->v[MQ_L_USAGE] = (u64)page_counter_read(&memcg->memory) * PAGE_SIZE;
	l->v[MQ_L_PEAK] = (u64)READ_ONCE(memcg->memory.watermark) * PAGE_SIZE;
	l->v[MQ_L_SWAP] = (u64)page_counter_read(&memcg->swap) * PAGE_SIZE;
	l->v[MQ_L_MIN] = mq_limit_bytes(READ_ONCE(memcg->memory.min));
	l->v[MQ_L_LOW] = mq_limit_bytes(READ_ONCE(memcg->memory.low));
	l->v[MQ_L_HIGH] = mq_limit_bytes(READ_ONCE(memcg->memory.high));
	l->v[MQ_L_MAX] = mq_limit_bytes(READ_ONCE(memcg->memory.max));

	for_each_node_state(nid, N_MEMORY) {
		struct lruvec *lruvec = mem_cgroup_lruvec(memcg, NODE_DATA(nid));

		for (i = 0; i < ARRAY_SIZE(mq_node_items); i++)
			l->v[mq_node_items[i].level] +=
				(u64)mq_lruvec_page_state(lruvec,
							  mq_node_items[i].item) *
				mq_node_items[i].unit;
	}
	l->v[MQ_L_RSS] = l->v[MQ_L_ANON] + l->v[MQ_L_FILE_MAPPED] +
			 l->v[MQ_L_SHMEM];
	l->v[MQ_L_KMEM] = l->v[MQ_L_SLAB_RECLAIMABLE] +
			  l->v[MQ_L_SLAB_UNRECLAIMABLE] +
			  l->v[MQ_L_KERNEL_STACK] + l->v[MQ_L_PAGETABLES] +
			  l->v[MQ_L_SEC_PAGETABLES];

	for (i = 0; i < ARRAY_SIZE(mq_events); i++)
		l->v[mq_events[i].level] =
			atomic_long_read(&memcg->memory_events[mq_events[i].event]);

	mq_levels_psi(cgrp, l);
	css_put(css);
	return 0;
}
