/* SPDX-License-Identifier: GPL-2.0 */
/* report.c: one cgroup as read by debugfs and netlink */
#ifndef MQ_REPORT_H
#define MQ_REPORT_H

#include <linux/types.h>

#include "hist.h"
#include "levels.h"

struct cgroup;
struct cgroup_subsys_state;

enum mq_counter {
	MQ_C_MEMCG_RECLAIMS, MQ_C_MEMCG_RECLAIM_PAGES, MQ_C_MEMCG_RECLAIM_US,
	MQ_C_DIRECT_RECLAIMS, MQ_C_DIRECT_RECLAIM_PAGES, MQ_C_DIRECT_RECLAIM_US,
	MQ_C_HIGH_THROTTLES, MQ_C_HIGH_THROTTLE_US,
	MQ_C_KSWAPD_WAKEUPS, MQ_C_THROTTLED, MQ_C_THROTTLED_US,
	MQ_C_OOM_KILLS,
	/* reclaim attribution: pages reclaimed from this cgroup's own LRU */
	MQ_C_VICTIM_SCANNED, MQ_C_VICTIM_RECLAIMED_ANON,
	MQ_C_VICTIM_RECLAIMED_FILE,
	MQ_C_RECLAIMED_BY_SELF, MQ_C_RECLAIMED_BY_OTHERS,
	MQ_C_RECLAIMED_BY_KSWAPD, MQ_C_RECLAIMED_BY_UNKNOWN,
	/* ... pages its tasks reclaimed from other cgroups */
	MQ_C_RECLAIMED_FROM_OTHERS,
	/* ... and its whole subtree's, by where the reclaimer was */
	MQ_C_SUBTREE_RECLAIMED_WITHIN, MQ_C_SUBTREE_RECLAIMED_OUTSIDE,
	/* memcg reclaims whose target was this cgroup, where known */
	MQ_C_LIMIT_RECLAIMS, MQ_C_LIMIT_RECLAIM_PAGES,
	MQ_NR_COUNTERS,
};

/* Whether this kernel lets memqos count @c (compat.h). */
bool mq_counter_on_kernel(enum mq_counter c);
/* One of reclaim attribution's, which may be unavailable (attrib.c). */
bool mq_counter_is_attrib(enum mq_counter c);
/* Whether @c is given now: on this kernel, and complete. */
bool mq_counter_available(enum mq_counter c);

extern const char *const mq_counter_names[MQ_NR_COUNTERS];

struct mq_hist_snap {
	u64 count, sum_us, max_us;
	u64 bucket[MQ_HIST_BUCKETS];
};

struct mq_report {
	u64 id;
	bool tracked;			/* has a record; else counters are 0 */
	struct mq_levels levels;
	u64 counters[MQ_NR_COUNTERS];
	struct mq_hist_snap hist[MQ_NR_STALL_KINDS];
};

/*
 * Fills @r for @cgrp; -ENOENT when it has no memory controller. @subtree:
 * its two subtree totals from an mq_idlist, or NULL to walk its subtree.
 * @levels: the levels to read (see mq_levels_read()), NULL for all.
 */
int mq_report_read(struct cgroup *cgrp, struct mq_report *r,
		   const u64 *subtree, const unsigned long *levels);

/* Subtree totals of a whole pre-order walk, see report.c. */
struct mq_subtree_walk;
struct mq_subtree_walk *mq_subtree_walk_alloc(void);
void mq_subtree_walk_start(struct mq_subtree_walk *w);
void mq_subtree_visit(struct mq_subtree_walk *w, u64 *sums,
		      struct cgroup_subsys_state *pos, long idx);
bool mq_subtree_walk_complete(const struct mq_subtree_walk *w);

#endif /* MQ_REPORT_H */
