// SPDX-License-Identifier: GPL-2.0
/*
 * Levels: what a memory cgroup holds right now, read from the memcg at read
 * time rather than sampled.
 *
 * Statistics come through the kernel's own accessors (memcg_stat.c): the
 * hierarchical, rstat-flushed values memory.stat also shows. The kernel
 * flushes them about every 2 s and whenever memory.stat is read, so they
 * may lag by that much. A level whose accessor is not usable on the running
 * kernel, or whose item the kernel does not keep per memcg, is not
 * available: readers leave it out rather than show 0.
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/page_counter.h>
#include <linux/psi_types.h>
#include <linux/mm.h>
#include <linux/vmstat.h>

#include "levels.h"
#include "memcg_stat.h"

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
	[MQ_L_KERNEL] = "kernel",
	[MQ_L_PERCPU] = "percpu",
	[MQ_L_SOCK] = "sock",
	[MQ_L_VMALLOC] = "vmalloc",
	[MQ_L_ZSWAP] = "zswap",
	[MQ_L_ZSWAPPED] = "zswapped",
	[MQ_L_ZSWPWB] = "zswpwb",
	[MQ_L_PGDEMOTE_KSWAPD] = "pgdemote_kswapd",
	[MQ_L_PGDEMOTE_DIRECT] = "pgdemote_direct",
	[MQ_L_PGDEMOTE_KHUGEPAGED] = "pgdemote_khugepaged",
	[MQ_L_WS_ACTIVATE_ANON] = "workingset_activate_anon",
	[MQ_L_WS_ACTIVATE_FILE] = "workingset_activate_file",
	[MQ_L_WS_RESTORE_ANON] = "workingset_restore_anon",
	[MQ_L_WS_RESTORE_FILE] = "workingset_restore_file",
};

/* Statistics read as levels: which accessor, which item, in what unit. */
static const struct {
	enum mq_level level;
	enum mq_accessor acc;
	int item;		/* node_stat_item, memcg_stat_item, vm event */
	unsigned int unit;	/* bytes per count; 1 for plain counts */
} mq_stat_items[] = {
	{ MQ_L_ANON, MQ_ACC_LRUVEC, NR_ANON_MAPPED, PAGE_SIZE },
	{ MQ_L_FILE_MAPPED, MQ_ACC_LRUVEC, NR_FILE_MAPPED, PAGE_SIZE },
	{ MQ_L_SHMEM, MQ_ACC_LRUVEC, NR_SHMEM, PAGE_SIZE },
	{ MQ_L_SLAB_RECLAIMABLE, MQ_ACC_LRUVEC, NR_SLAB_RECLAIMABLE_B, 1 },
	{ MQ_L_SLAB_UNRECLAIMABLE, MQ_ACC_LRUVEC, NR_SLAB_UNRECLAIMABLE_B, 1 },
	{ MQ_L_KERNEL_STACK, MQ_ACC_LRUVEC, NR_KERNEL_STACK_KB, SZ_1K },
	{ MQ_L_PAGETABLES, MQ_ACC_LRUVEC, NR_PAGETABLE, PAGE_SIZE },
	{ MQ_L_SEC_PAGETABLES, MQ_ACC_LRUVEC, NR_SECONDARY_PAGETABLE, PAGE_SIZE },
	{ MQ_L_FILE, MQ_ACC_LRUVEC, NR_FILE_PAGES, PAGE_SIZE },
	{ MQ_L_ACTIVE_ANON, MQ_ACC_LRUVEC, NR_ACTIVE_ANON, PAGE_SIZE },
	{ MQ_L_INACTIVE_ANON, MQ_ACC_LRUVEC, NR_INACTIVE_ANON, PAGE_SIZE },
	{ MQ_L_ACTIVE_FILE, MQ_ACC_LRUVEC, NR_ACTIVE_FILE, PAGE_SIZE },
	{ MQ_L_INACTIVE_FILE, MQ_ACC_LRUVEC, NR_INACTIVE_FILE, PAGE_SIZE },
	{ MQ_L_REFAULT_ANON, MQ_ACC_LRUVEC, WORKINGSET_REFAULT_ANON, 1 },
	{ MQ_L_REFAULT_FILE, MQ_ACC_LRUVEC, WORKINGSET_REFAULT_FILE, 1 },
	{ MQ_L_WS_ACTIVATE_ANON, MQ_ACC_LRUVEC, WORKINGSET_ACTIVATE_ANON, 1 },
	{ MQ_L_WS_ACTIVATE_FILE, MQ_ACC_LRUVEC, WORKINGSET_ACTIVATE_FILE, 1 },
	{ MQ_L_WS_RESTORE_ANON, MQ_ACC_LRUVEC, WORKINGSET_RESTORE_ANON, 1 },
	{ MQ_L_WS_RESTORE_FILE, MQ_ACC_LRUVEC, WORKINGSET_RESTORE_FILE, 1 },
#ifdef MQ_HAVE_PGDEMOTE_STATS
	{ MQ_L_PGDEMOTE_KSWAPD, MQ_ACC_LRUVEC, PGDEMOTE_KSWAPD, 1 },
	{ MQ_L_PGDEMOTE_DIRECT, MQ_ACC_LRUVEC, PGDEMOTE_DIRECT, 1 },
	{ MQ_L_PGDEMOTE_KHUGEPAGED, MQ_ACC_LRUVEC, PGDEMOTE_KHUGEPAGED, 1 },
#endif
	{ MQ_L_KERNEL, MQ_ACC_MEMCG, MEMCG_KMEM, PAGE_SIZE },
	{ MQ_L_PERCPU, MQ_ACC_MEMCG, MEMCG_PERCPU_B, 1 },
	{ MQ_L_SOCK, MQ_ACC_MEMCG, MEMCG_SOCK, PAGE_SIZE },
#ifdef MQ_HAVE_NR_VMALLOC
	{ MQ_L_VMALLOC, MQ_ACC_MEMCG, NR_VMALLOC, PAGE_SIZE },
#else
	{ MQ_L_VMALLOC, MQ_ACC_MEMCG, MEMCG_VMALLOC, PAGE_SIZE },
#endif
#ifdef CONFIG_ZSWAP
	{ MQ_L_ZSWAP, MQ_ACC_MEMCG, MEMCG_ZSWAP_B, 1 },
	{ MQ_L_ZSWAPPED, MQ_ACC_MEMCG, MEMCG_ZSWAPPED, PAGE_SIZE },
#ifdef MQ_HAVE_MEMCG_EVENTS_FN
	{ MQ_L_ZSWPWB, MQ_ACC_EVENTS, ZSWPWB, 1 },
#endif
#endif
};

/* Levels built from others, and what each needs. */
static const struct {
	enum mq_level level;
	enum mq_level parts[5];
	unsigned int nr;
} mq_sum_levels[] = {
	{ MQ_L_RSS, { MQ_L_ANON, MQ_L_FILE_MAPPED, MQ_L_SHMEM }, 3 },
	{ MQ_L_KMEM, { MQ_L_SLAB_RECLAIMABLE, MQ_L_SLAB_UNRECLAIMABLE,
		       MQ_L_KERNEL_STACK, MQ_L_PAGETABLES,
		       MQ_L_SEC_PAGETABLES }, 5 },
};

/* Levels this kernel gives; the others are left out by every reader. */
static DECLARE_BITMAP(mq_level_avail, MQ_NR_LEVELS);

bool mq_level_available(enum mq_level level)
{
	return test_bit(level, mq_level_avail);
}

/* Levels that are memcg statistics, read through an accessor or summed. */
static bool mq_level_is_stat(unsigned int level)
{
	return (level >= MQ_L_ANON && level <= MQ_L_REFAULT_FILE) ||
	       level >= MQ_L_KERNEL;
}

/*
 * After mq_memcg_stat_init(): a statistic is available if its accessor is
 * usable and this kernel keeps its item (a sum, if all its parts are);
 * every other level always is.
 */
void mq_levels_init(void)
{
	unsigned int i, j;

	bitmap_zero(mq_level_avail, MQ_NR_LEVELS);
	for (i = 0; i < MQ_NR_LEVELS; i++)
		if (!mq_level_is_stat(i))
			set_bit(i, mq_level_avail);
	for (i = 0; i < ARRAY_SIZE(mq_stat_items); i++)
		if (mq_accessor_ok(mq_stat_items[i].acc))
			set_bit(mq_stat_items[i].level, mq_level_avail);
	for (i = 0; i < ARRAY_SIZE(mq_sum_levels); i++) {
		for (j = 0; j < mq_sum_levels[i].nr; j++)
			if (!mq_level_available(mq_sum_levels[i].parts[j]))
				break;
		if (j == mq_sum_levels[i].nr)
			set_bit(mq_sum_levels[i].level, mq_level_avail);
	}
}

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

u64 mq_limit_bytes(unsigned long pages)
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
		lruvec = mq_memcg_lruvec(memcg, nid);
		*refaults +=
			mq_lruvec_page_state(lruvec, WORKINGSET_REFAULT_ANON) +
			mq_lruvec_page_state(lruvec, WORKINGSET_REFAULT_FILE);
	}
	css_put(css);
	return 0;
}

void mq_levels_need(unsigned long *want)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(mq_sum_levels); i++)
		if (test_bit(mq_sum_levels[i].level, want))
			for (j = 0; j < mq_sum_levels[i].nr; j++)
				set_bit(mq_sum_levels[i].parts[j], want);
}

/*
 * The memcg statistics of @memcg into @l (unavailable ones stay 0), those
 * of @want only unless it is NULL.
 */
static void mq_levels_stats(struct mem_cgroup *memcg, struct mq_levels *l,
			    const unsigned long *want)
{
	unsigned long v;
	unsigned int i, j;
	int nid;

	for (i = 0; i < ARRAY_SIZE(mq_stat_items); i++) {
		if (!mq_level_available(mq_stat_items[i].level) ||
		    (want && !test_bit(mq_stat_items[i].level, want)))
			continue;
		switch (mq_stat_items[i].acc) {
		case MQ_ACC_LRUVEC:
			v = 0;
			for_each_node_state(nid, N_MEMORY)
				v += mq_lruvec_page_state(mq_memcg_lruvec(memcg,
									  nid),
							  mq_stat_items[i].item);
			break;
		case MQ_ACC_MEMCG:
			v = mq_memcg_page_state(memcg, mq_stat_items[i].item);
			break;
		default:
			v = mq_memcg_events(memcg, mq_stat_items[i].item);
			break;
		}
		l->v[mq_stat_items[i].level] = (u64)v * mq_stat_items[i].unit;
	}
	for (i = 0; i < ARRAY_SIZE(mq_sum_levels); i++) {
		if (!mq_level_available(mq_sum_levels[i].level))
			continue;
		for (j = 0; j < mq_sum_levels[i].nr; j++)
			l->v[mq_sum_levels[i].level] +=
				l->v[mq_sum_levels[i].parts[j]];
	}
}

int mq_levels_read(struct cgroup *cgrp, struct mq_levels *l,
		   const unsigned long *want)
{
	struct cgroup_subsys_state *css;
	struct mem_cgroup *memcg;
	size_t i;

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

	mq_levels_stats(memcg, l, want);
	for (i = 0; i < ARRAY_SIZE(mq_events); i++)
		l->v[mq_events[i].level] =
			atomic_long_read(&memcg->memory_events[mq_events[i].event]);

	mq_levels_psi(cgrp, l);
	css_put(css);
	return 0;
}
