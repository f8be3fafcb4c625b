// SPDX-License-Identifier: GPL-2.0
/*
 * Per-cgroup rates between two dumps, see toprate.h.
 */
#include <string.h>

#include "hist.h"
#include "toprate.h"

static uint64_t delta(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : cur;
}

static uint64_t per_wall(uint64_t d, uint64_t scale, uint64_t wall_us)
{
	if (!wall_us)
		return 0;
	/* d * scale may overflow only for absurd deltas: saturate */
	if (d > UINT64_MAX / scale)
		return UINT64_MAX / wall_us;
	return d * scale / wall_us;
}

static uint64_t reclaims(const struct mq_cg_rec *r)
{
	return mq_cg_val(r, MEMQOS_A_CGROUP_MEMCG_RECLAIMS) +
	       mq_cg_val(r, MEMQOS_A_CGROUP_DIRECT_RECLAIMS);
}

/* Merged histogram delta of every kind; returns the largest max_us. */
static uint64_t hist_delta(const struct mq_cg_rec *prev,
			   const struct mq_cg_rec *cur,
			   uint64_t bucket[MEMQOS_HIST_BUCKETS])
{
	uint64_t max_us = 0;
	unsigned int k, b;

	memset(bucket, 0, MEMQOS_HIST_BUCKETS * sizeof(*bucket));
	for (k = 0; k < CG_STALL_KINDS; k++) {
		const struct mq_cg_hist *c = &cur->hist[k];
		const struct mq_cg_hist *p = prev ? &prev->hist[k] : NULL;
		const uint64_t *cb = mq_cg_hist_buckets(c);
		const uint64_t *pb = p ? mq_cg_hist_buckets(p) : NULL;
		bool reset = p && c->count < p->count;

		for (b = 0; b < MEMQOS_HIST_BUCKETS; b++)
			bucket[b] += pb && !reset ? delta(pb[b], cb[b]) : cb[b];
		if (c->max_us > max_us)
			max_us = c->max_us;
	}
	return max_us;
}

void mq_top_rate(const struct mq_cg_rec *prev, const struct mq_cg_rec *cur,
		 uint64_t wall_us, struct mq_top_row *row)
{
	static const struct mq_cg_rec zero;
	uint64_t bucket[MEMQOS_HIST_BUCKETS], max_us;

	row->rec = cur;
	row->stall_permille = per_wall(delta(mq_cg_stall_us(prev ?: &zero),
					     mq_cg_stall_us(cur)),
				       1000, wall_us);
	row->reclaims_per_10s = per_wall(delta(reclaims(prev ?: &zero),
					       reclaims(cur)), 10000000,
					 wall_us);
	/* the all-time longest stall bounds the interval's */
	max_us = hist_delta(prev, cur, bucket);
	row->p99_us = mq_hist_percentile_us(bucket, max_us, 99);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

int mq_top_row_cmp(const void *a, const void *b)
{
	const struct mq_top_row *x = a, *y = b;

	return cmp_u64(y->stall_permille, x->stall_permille) ?:
	       cmp_u64(y->reclaims_per_10s, x->reclaims_per_10s) ?:
	       cmp_u64(mq_cg_val(y->rec, MEMQOS_A_CGROUP_USAGE_BYTES),
		       mq_cg_val(x->rec, MEMQOS_A_CGROUP_USAGE_BYTES)) ?:
	       cmp_u64(x->rec->id, y->rec->id);
}
