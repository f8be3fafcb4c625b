// SPDX-License-Identifier: GPL-2.0
/*
 * One cgroup as the readers see it: the memcg's levels plus the module's
 * own counters and histograms, copied out of the record under RCU.
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "attrib.h"
#include "cgtable.h"
#include "hist.h"
#include "levels.h"
#include "report.h"
#include "walk.h"

const char *const mq_counter_names[MQ_NR_COUNTERS] = {
	[MQ_C_MEMCG_RECLAIMS] = "memcg_reclaims",
	[MQ_C_MEMCG_RECLAIM_PAGES] = "memcg_reclaim_pages",
	[MQ_C_MEMCG_RECLAIM_US] = "memcg_reclaim_us",
	[MQ_C_DIRECT_RECLAIMS] = "direct_reclaims",
	[MQ_C_DIRECT_RECLAIM_PAGES] = "direct_reclaim_pages",
	[MQ_C_DIRECT_RECLAIM_US] = "direct_reclaim_us",
	[MQ_C_HIGH_THROTTLES] = "high_throttles",
	[MQ_C_HIGH_THROTTLE_US] = "high_throttle_us",
	[MQ_C_KSWAPD_WAKEUPS] = "kswapd_wakeups",
	[MQ_C_THROTTLED] = "throttled",
	[MQ_C_THROTTLED_US] = "throttled_us",
	[MQ_C_OOM_KILLS] = "oom_kills",
	[MQ_C_VICTIM_SCANNED] = "victim_scanned_pages",
	[MQ_C_VICTIM_RECLAIMED_ANON] = "victim_reclaimed_anon_pages",
	[MQ_C_VICTIM_RECLAIMED_FILE] = "victim_reclaimed_file_pages",
	[MQ_C_RECLAIMED_BY_SELF] = "reclaimed_by_self_pages",
	[MQ_C_RECLAIMED_BY_OTHERS] = "reclaimed_by_others_pages",
	[MQ_C_RECLAIMED_BY_KSWAPD] = "reclaimed_by_kswapd_pages",
	[MQ_C_RECLAIMED_BY_UNKNOWN] = "reclaimed_by_unknown_pages",
	[MQ_C_RECLAIMED_FROM_OTHERS] = "reclaimed_from_others_pages",
	[MQ_C_SUBTREE_RECLAIMED_WITHIN] = "subtree_reclaimed_within_pages",
	[MQ_C_SUBTREE_RECLAIMED_OUTSIDE] = "subtree_reclaimed_outside_pages",
	[MQ_C_LIMIT_RECLAIMS] = "limit_reclaims",
	[MQ_C_LIMIT_RECLAIM_PAGES] = "limit_reclaim_pages",
};

bool mq_counter_is_attrib(enum mq_counter c)
{
	return c >= MQ_C_VICTIM_SCANNED && c <= MQ_C_SUBTREE_RECLAIMED_OUTSIDE;
}

bool mq_counter_on_kernel(enum mq_counter c)
{
#ifndef MQ_HAVE_RECLAIM_TARGET
	if (c == MQ_C_LIMIT_RECLAIMS || c == MQ_C_LIMIT_RECLAIM_PAGES)
		return false;
#endif
	return true;
}

bool mq_counter_available(enum mq_counter c)
{
	return mq_counter_on_kernel(c) &&
	       (!mq_counter_is_attrib(c) || mq_attrib_available());
}

static void mq_hist_copy(struct mq_hist_snap *s, const struct mq_hist *h)
{
	unsigned int b;

	s->count = atomic64_read(&h->count);
	s->sum_us = atomic64_read(&h->sum_us);
	s->max_us = atomic64_read(&h->max_us);
	for (b = 0; b < MQ_HIST_BUCKETS; b++)
		s->bucket[b] = atomic64_read(&h->bucket[b]);
}

static void mq_report_counters(struct mq_report *r, const struct mq_cgroup *cg)
{
	u64 *c = r->counters;
	unsigned int k;

	for (k = 0; k < MQ_NR_STALL_KINDS; k++)
		mq_hist_copy(&r->hist[k], &cg->stall[k]);

	c[MQ_C_MEMCG_RECLAIMS] = r->hist[MQ_STALL_MEMCG_RECLAIM].count;
	c[MQ_C_MEMCG_RECLAIM_PAGES] = atomic64_read(&cg->memcg_reclaim_pages);
	c[MQ_C_MEMCG_RECLAIM_US] = r->hist[MQ_STALL_MEMCG_RECLAIM].sum_us;
	c[MQ_C_DIRECT_RECLAIMS] = r->hist[MQ_STALL_DIRECT_RECLAIM].count;
	c[MQ_C_DIRECT_RECLAIM_PAGES] = atomic64_read(&cg->direct_reclaim_pages);
	c[MQ_C_DIRECT_RECLAIM_US] = r->hist[MQ_STALL_DIRECT_RECLAIM].sum_us;
	c[MQ_C_HIGH_THROTTLES] = r->hist[MQ_STALL_HIGH_THROTTLE].count;
	c[MQ_C_HIGH_THROTTLE_US] = r->hist[MQ_STALL_HIGH_THROTTLE].sum_us;
	c[MQ_C_KSWAPD_WAKEUPS] = atomic64_read(&cg->kswapd_wakeups);
	c[MQ_C_THROTTLED] = atomic64_read(&cg->throttled);
	c[MQ_C_THROTTLED_US] = atomic64_read(&cg->throttled_us);
	c[MQ_C_OOM_KILLS] = atomic64_read(&cg->oom_kills);

	c[MQ_C_VICTIM_SCANNED] = atomic64_read(&cg->victim_scanned);
	c[MQ_C_VICTIM_RECLAIMED_ANON] = atomic64_read(&cg->victim_reclaimed_anon);
	c[MQ_C_VICTIM_RECLAIMED_FILE] = atomic64_read(&cg->victim_reclaimed_file);
	c[MQ_C_RECLAIMED_BY_SELF] = atomic64_read(&cg->victim_self);
	for (k = 0; k < MQ_ATTR_DEPTH; k++)
		c[MQ_C_RECLAIMED_BY_OTHERS] += atomic64_read(&cg->victim_by[k]);
	c[MQ_C_RECLAIMED_BY_OTHERS] -= c[MQ_C_RECLAIMED_BY_SELF];
	c[MQ_C_RECLAIMED_BY_KSWAPD] = atomic64_read(&cg->victim_by[MQ_BY_KSWAPD]);
	c[MQ_C_RECLAIMED_BY_UNKNOWN] =
		atomic64_read(&cg->victim_by[MQ_BY_UNKNOWN]);
	c[MQ_C_RECLAIMED_FROM_OTHERS] = atomic64_read(&cg->inflicted);
	c[MQ_C_LIMIT_RECLAIMS] = atomic64_read(&cg->limit_reclaims);
	c[MQ_C_LIMIT_RECLAIM_PAGES] = atomic64_read(&cg->limit_reclaim_pages);
}

/*
 * Pages reclaimed from @cg's LRU by who reclaimed them: within[l] counts
 * those whose reclaimer was inside its level-l ancestor's subtree (their
 * lowest common ancestor at level l or below; l < MQ_ATTR_DEPTH), the
 * return value all of them, kswapd and unknown included. A cgroup at level
 * l counts within[mq_split_level(l)] as reclaimed from within its subtree
 * and the rest as from outside.
 */
static u64 mq_victim_split(const struct mq_cgroup *cg,
			   u64 within[MQ_ATTR_DEPTH + 1])
{
	u64 total;
	int k;

	within[MQ_ATTR_DEPTH] = 0;
	for (k = MQ_ATTR_DEPTH - 1; k >= 0; k--)
		within[k] = within[k + 1] + atomic64_read(&cg->victim_by[k]);
	total = within[0];
	for (k = MQ_ATTR_DEPTH; k < MQ_NR_BY; k++)
		total += atomic64_read(&cg->victim_by[k]);
	return total;
}

static unsigned int mq_split_level(int level)
{
	return min(level, MQ_ATTR_DEPTH - 1);
}

/*
 * Pages reclaimed from the LRUs of @cgrp's subtree, split by whether the
 * reclaimer was inside the subtree (its lowest common ancestor with the
 * victim at @cgrp's level or below) or outside it (above, kswapd, unknown).
 * Within + outside of a parent = its own pages + its children's totals.
 */
static void mq_report_subtree(struct mq_report *r, struct cgroup *cgrp)
{
	unsigned int level = mq_split_level(cgrp->level);
	u64 within[MQ_ATTR_DEPTH + 1], total;
	struct cgroup_subsys_state *pos;
	struct mq_cgroup *cg;
	struct mq_walk w;

	mq_walk_start(&w, cgrp);
	while ((pos = mq_walk_next(&w))) {
		cg = mq_cg_lookup(cgroup_id(pos->cgroup));
		if (!cg)
			continue;
		total = mq_victim_split(cg, within);
		r->counters[MQ_C_SUBTREE_RECLAIMED_WITHIN] += within[level];
		r->counters[MQ_C_SUBTREE_RECLAIMED_OUTSIDE] += total -
							      within[level];
	}
	mq_walk_end(&w);
}

/*
 * The same totals for every cgroup of one pre-order walk (a dump, the
 * debugfs table): each cgroup's pages go to itself and to its ancestors
 * on the walk's stack, one record lookup per cgroup. mq_report_subtree()
 * per cgroup made n x depth lookups for n cgroups: 30,000 for 10,000
 * children of one parent.
 */
#define MQ_SUBTREE_MAX_DEPTH	64	/* deeper: each cgroup walks its own */

struct mq_subtree_walk {
	unsigned int depth;
	bool overflow;
	struct {
		int level;
		long idx;	/* in the id list; -1: offline, not listed */
	} stack[MQ_SUBTREE_MAX_DEPTH];
};

struct mq_subtree_walk *mq_subtree_walk_alloc(void)
{
	return kvmalloc(sizeof(struct mq_subtree_walk),
			GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
}

void mq_subtree_walk_start(struct mq_subtree_walk *w)
{
	w->depth = 0;
	w->overflow = false;
}

bool mq_subtree_walk_complete(const struct mq_subtree_walk *w)
{
	return !w->overflow;
}

/* @pos, next in pre-order, listed at @idx; its totals go to @sums. */
void mq_subtree_visit(struct mq_subtree_walk *w, u64 *sums,
		      struct cgroup_subsys_state *pos, long idx)
{
	u64 within[MQ_ATTR_DEPTH + 1], total;
	int level = pos->cgroup->level;
	struct mq_cgroup *cg;
	unsigned int i, l;

	while (w->depth && w->stack[w->depth - 1].level >= level)
		w->depth--;
	if (w->overflow || w->depth == MQ_SUBTREE_MAX_DEPTH) {
		w->overflow = true;
		return;
	}
	w->stack[w->depth].level = level;
	w->stack[w->depth].idx = idx;
	w->depth++;

	cg = mq_cg_lookup(cgroup_id(pos->cgroup));
	if (!cg)
		return;
	total = mq_victim_split(cg, within);
	for (i = 0; i < w->depth; i++) {
		if (w->stack[i].idx < 0)
			continue;
		l = mq_split_level(w->stack[i].level);
		sums[2 * w->stack[i].idx] += within[l];
		sums[2 * w->stack[i].idx + 1] += total - within[l];
	}
}

int mq_report_read(struct cgroup *cgrp, struct mq_report *r,
		   const u64 *subtree, const unsigned long *levels)
{
	struct mq_cgroup *cg;
	int ret;

	memset(r, 0, sizeof(*r));
	r->id = cgroup_id(cgrp);
	ret = mq_levels_read(cgrp, &r->levels, levels);
	if (ret)
		return ret;

	rcu_read_lock();
	cg = mq_cg_lookup(r->id);
	if (cg) {
		r->tracked = true;
		mq_report_counters(r, cg);
	}
	rcu_read_unlock();
	if (subtree) {
		r->counters[MQ_C_SUBTREE_RECLAIMED_WITHIN] = subtree[0];
		r->counters[MQ_C_SUBTREE_RECLAIMED_OUTSIDE] = subtree[1];
	} else {
		mq_report_subtree(r, cgrp);
	}
	return 0;
}
