/* SPDX-License-Identifier: GPL-2.0 */
/* hist.c: log2 stall-time histograms */
#ifndef MQ_HIST_H
#define MQ_HIST_H

#include <linux/types.h>
#include <linux/atomic.h>

enum mq_stall_kind {
	MQ_STALL_MEMCG_RECLAIM,		/* try_to_free_mem_cgroup_pages() */
	MQ_STALL_DIRECT_RECLAIM,	/* global direct reclaim */
	MQ_STALL_HIGH_THROTTLE,		/* memory.high handling on return to user */
	MQ_NR_STALL_KINDS,
};

/*
 * Bucket 0 counts stalls under 1 us; bucket b (1..24) counts
 * [2^(b-1), 2^b) us; the last bucket everything from 2^24 us (16.8 s) on.
 */
#define MQ_HIST_BUCKETS	26

struct mq_hist {
	atomic64_t count;
	atomic64_t sum_us;
	atomic64_t max_us;
	atomic64_t bucket[MQ_HIST_BUCKETS];
};

extern const char *const mq_stall_names[MQ_NR_STALL_KINDS];
void mq_hist_add(struct mq_hist *h, u64 us);
void mq_hist_reset(struct mq_hist *h);

#endif /* MQ_HIST_H */
