/* SPDX-License-Identifier: GPL-2.0 */
/* cgtable.c: one record per tracked memory cgroup */
#ifndef MQ_CGTABLE_H
#define MQ_CGTABLE_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>

#include "hist.h"

struct cgroup;
struct mem_cgroup;

/*
 * Reclaim attribution keeps, per record, the ids of its ancestors (levels
 * 0..MQ_ATTR_DEPTH-1) and the pages reclaimed from its LRU by who took
 * them: victim_by[l] for a reclaimer whose lowest common ancestor with it
 * is at level l (its own level when it reclaimed from itself), then kswapd,
 * then reclaimers memqos could not tell. Exact for hierarchies up to
 * MQ_ATTR_DEPTH levels deep.
 */
#define MQ_ATTR_DEPTH		16
#define MQ_BY_KSWAPD		MQ_ATTR_DEPTH
#define MQ_BY_UNKNOWN		(MQ_ATTR_DEPTH + 1)
#define MQ_NR_BY		(MQ_ATTR_DEPTH + 2)
/* Reclaimer ids that are not cgroups (cgroup ids start at 1). */
#define MQ_RECLAIMER_KSWAPD	0ULL
#define MQ_RECLAIMER_UNKNOWN	U64_MAX

/* Event counters: everything the module counts itself, per cgroup. */
struct mq_cgroup {
	struct rhash_head node;
	u64 id;				/* cgroup id (kernfs id), never reused */
	/*
	 * A record waits on the change list (cgtable.c) for insertion, with
	 * a reference on its cgroup, or for removal; the rcu head is used
	 * only after it has left both table and list.
	 */
	union {
		struct {
			struct llist_node change;
			struct cgroup *change_cgrp;	/* NULL: a removal */
		};
		struct rcu_head rcu;
	};
	atomic_t removing;		/* 0, or MQ_CG_REMOVE_* once queued */
	bool delegated;			/* not seen made by root */
	unsigned int level;		/* 0 for the root */
	u64 ancestors[MQ_ATTR_DEPTH];	/* [l]: id at level l, itself last */
	atomic64_t memcg_reclaim_pages;
	atomic64_t direct_reclaim_pages;
	atomic64_t kswapd_wakeups;	/* allocations that woke kswapd */
	atomic64_t throttled;		/* mm_vmscan_throttled sleeps */
	atomic64_t throttled_us;
	atomic64_t oom_kills;		/* victims in this very cgroup */
	/* Memcg reclaims aimed at this cgroup (v7.1 on, see compat.h). */
	atomic64_t limit_reclaims;
	atomic64_t limit_reclaim_pages;
	struct mq_hist stall[MQ_NR_STALL_KINDS];
	/* Reclaim attribution, as victim and as reclaimer (attrib.c). */
	atomic64_t victim_scanned;
	atomic64_t victim_reclaimed_anon;
	atomic64_t victim_reclaimed_file;
	atomic64_t victim_by[MQ_NR_BY];
	atomic64_t victim_self;		/* reclaimed by its own tasks */
	atomic64_t inflicted;		/* its tasks reclaimed from others */
	/* Owned by the pressure monitor's work item alone. */
	u64 monitor_ns;			/* its last pass (ktime_get_ns()) */
	u64 monitor_stall_us;		/* stall total at its last pass */
	bool pressured;
	bool attrib_refaults_seen;
	u64 attrib_refaults;		/* refaults at the last pass */
};

int mq_cgtable_init(void);
void mq_cgtable_exit(void);
/* Lookup under RCU (any context); the record is valid until rcu unlock. */
struct mq_cgroup *mq_cg_lookup(u64 id);
struct mq_cgroup *mq_cg_lookup_or_create(struct mem_cgroup *memcg);
/* From the cgroup probes (IRQs off): queue the change for process context. */
void mq_cg_queue_create(struct cgroup *cgrp);
void mq_cg_queue_remove(u64 id, bool notify);
/* Applies the queued changes; readers call it so new cgroups show at once. */
void mq_cg_sync(void);
void mq_cg_adopt(u64 id);
unsigned long mq_cg_count(void);
/* Records of cgroups that count as delegated (cgtable.c). */
unsigned long mq_cg_count_delegated(void);
unsigned int mq_cg_generation(void);
void mq_cg_generation_bump(void);
int mq_cg_reset(u64 id);
void mq_cg_for_each(void (*fn)(struct mq_cgroup *cg, void *arg), void *arg);

/* Cgroup id of current's memory cgroup; 0 when not in task context. */
u64 mq_current_memcg_id(struct mem_cgroup **memcgp);

#endif /* MQ_CGTABLE_H */
