// SPDX-License-Identifier: GPL-2.0
/*
 * One cgroup as the readers see it: the memcg's levels plus the module's
 * own counters and histograms, copied out of the record under RCU.
 */
#include <linux/cgroup.h>
#include <linux/string.h>

#include "memqos.h"

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
};

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
}

int mq_report_read(struct cgroup *cgrp, struct mq_report *r)
{
	struct mq_cgroup *cg;
	int ret;

	memset(r, 0, sizeof(*r));
	r->id = cgroup_id(cgrp);
	ret = mq_levels_read(cgrp, &r->levels);
	if (ret)
		return ret;

	rcu_read_lock();
	cg = mq_cg_lookup(r->id);
	if (cg) {
		r->tracked = true;
		mq_report_counters(r, cg);
	}
	rcu_read_unlock();
	return 0;
}
