/* SPDX-License-Identifier: GPL-2.0 */
/* levels.c: what the memcg itself knows, read at read time */
#ifndef MQ_LEVELS_H
#define MQ_LEVELS_H

#include <linux/types.h>

struct cgroup;

/*
 * Memcg statistics are ANON..REFAULT_FILE and KERNEL on; the rest are the
 * memcg's page counters, memory.events and PSI.
 */
enum mq_level {
	MQ_L_USAGE, MQ_L_PEAK, MQ_L_SWAP,
	MQ_L_MIN, MQ_L_LOW, MQ_L_HIGH, MQ_L_MAX,
	MQ_L_ANON, MQ_L_FILE_MAPPED, MQ_L_SHMEM, MQ_L_RSS,
	MQ_L_SLAB_RECLAIMABLE, MQ_L_SLAB_UNRECLAIMABLE, MQ_L_KERNEL_STACK,
	MQ_L_PAGETABLES, MQ_L_SEC_PAGETABLES, MQ_L_KMEM,
	MQ_L_FILE, MQ_L_ACTIVE_ANON, MQ_L_INACTIVE_ANON,
	MQ_L_ACTIVE_FILE, MQ_L_INACTIVE_FILE,
	MQ_L_REFAULT_ANON, MQ_L_REFAULT_FILE,
	MQ_L_EV_LOW, MQ_L_EV_HIGH, MQ_L_EV_MAX, MQ_L_EV_OOM, MQ_L_EV_OOM_KILL,
	MQ_L_PSI_SOME_US, MQ_L_PSI_FULL_US,
	MQ_L_KERNEL, MQ_L_PERCPU, MQ_L_SOCK, MQ_L_VMALLOC,
	MQ_L_ZSWAP, MQ_L_ZSWAPPED, MQ_L_ZSWPWB,
	MQ_L_PGDEMOTE_KSWAPD, MQ_L_PGDEMOTE_DIRECT, MQ_L_PGDEMOTE_KHUGEPAGED,
	MQ_L_WS_ACTIVATE_ANON, MQ_L_WS_ACTIVATE_FILE,
	MQ_L_WS_RESTORE_ANON, MQ_L_WS_RESTORE_FILE,
	MQ_NR_LEVELS,
};

extern const char *const mq_level_names[MQ_NR_LEVELS];
/* Unlimited min/low/high/max read as this. */
#define MQ_UNLIMITED	U64_MAX

struct mq_levels {
	u64 v[MQ_NR_LEVELS];
};

/* A page_counter limit in bytes, MQ_UNLIMITED for none. */
u64 mq_limit_bytes(unsigned long pages);

/* After mq_memcg_stat_init(): which levels this kernel gives. */
void mq_levels_init(void);
bool mq_level_available(enum mq_level level);
/*
 * Adds to the levels of @want the ones they are summed from: what
 * mq_levels_read() must read to give them.
 */
void mq_levels_need(unsigned long *want);
/*
 * Fills @l for cgroup @cgrp (levels not available read 0); -ENOENT when it
 * has no memory controller. @want (from mq_levels_need()), or NULL for all:
 * the memcg statistics not in it are not read and read 0.
 */
int mq_levels_read(struct cgroup *cgrp, struct mq_levels *l,
		   const unsigned long *want);

/* Workingset refaults (anon + file) of cgroup @id, hierarchical. */
int mq_cgroup_refaults(u64 id, u64 *refaults);

#endif /* MQ_LEVELS_H */
