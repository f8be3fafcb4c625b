// SPDX-License-Identifier: GPL-2.0
/*
 * Log2 histograms of stall times. Updated from probes with atomics only:
 * concurrent stalls of one cgroup on several CPUs never serialize.
 */
#include <linux/bitops.h>
#include <linux/minmax.h>

#include "hist.h"

const char *const mq_stall_names[MQ_NR_STALL_KINDS] = {
	[MQ_STALL_MEMCG_RECLAIM] = "memcg_reclaim",
	[MQ_STALL_DIRECT_RECLAIM] = "direct_reclaim",
	[MQ_STALL_HIGH_THROTTLE] = "high_throttle",
};

static unsigned int mq_hist_bucket(u64 us)
{
	return min_t(unsigned int, fls64(us), MQ_HIST_BUCKETS - 1);
}

void mq_hist_add(struct mq_hist *h, u64 us)
{
	s64 old = atomic64_read(&h->max_us);

	atomic64_inc(&h->bucket[mq_hist_bucket(us)]);
	atomic64_add(us, &h->sum_us);
	atomic64_inc(&h->count);
	while (old < (s64)us && !atomic64_try_cmpxchg(&h->max_us, &old, us))
		;
}

void mq_hist_reset(struct mq_hist *h)
{
	unsigned int b;

	atomic64_set(&h->count, 0);
	atomic64_set(&h->sum_us, 0);
	atomic64_set(&h->max_us, 0);
	for (b = 0; b < MQ_HIST_BUCKETS; b++)
		atomic64_set(&h->bucket[b], 0);
}
