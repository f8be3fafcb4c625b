// SPDX-License-Identifier: GPL-2.0
/*
 * Percentiles of the module's log2 stall histograms, see hist.h.
 */
#include "hist.h"

uint64_t mq_hist_bucket_lower_us(unsigned int b)
{
	return b ? 1ULL << (b - 1) : 0;
}

uint64_t mq_hist_bucket_upper_us(unsigned int b)
{
	return b < HIST_LAST_BUCKET ? 1ULL << b : UINT64_MAX;
}

uint64_t mq_hist_total(const uint64_t bucket[MEMQOS_HIST_BUCKETS])
{
	uint64_t total = 0;
	unsigned int b;

	for (b = 0; b < MEMQOS_HIST_BUCKETS; b++)
		total += bucket[b];
	return total;
}

/* ceil(total * pct / 100) without overflowing for any u64 total. */
static uint64_t rank_of(uint64_t total, unsigned int pct)
{
	uint64_t rank = total / 100 * pct + (total % 100 * pct + 99) / 100;

	return rank ? rank : 1;
}

uint64_t mq_hist_percentile_us(const uint64_t bucket[MEMQOS_HIST_BUCKETS],
			       uint64_t max_us, unsigned int pct)
{
	uint64_t total = mq_hist_total(bucket), rank, seen = 0, est;
	unsigned int b;

	if (!total)
		return 0;
	if (pct > 100)
		pct = 100;
	rank = rank_of(total, pct);
	for (b = 0; b < HIST_LAST_BUCKET; b++) {
		seen += bucket[b];
		if (seen >= rank)
			break;
	}
	if (b == HIST_LAST_BUCKET)
		est = max_us == HIST_MAX_UNKNOWN ? 0 : max_us;
	else
		est = mq_hist_bucket_upper_us(b) < max_us ?
		      mq_hist_bucket_upper_us(b) : max_us;
	/* a max from another moment than the buckets may lag behind them */
	if (est < mq_hist_bucket_lower_us(b))
		est = mq_hist_bucket_lower_us(b);
	return est;
}

uint64_t mq_hist_log4_upper_us(unsigned int k)
{
	return 1ULL << (2 * (k + 1));
}

void mq_hist_log4(const uint64_t bucket[MEMQOS_HIST_BUCKETS],
		  uint64_t cum[HIST_LOG4_BUCKETS])
{
	uint64_t sum = 0;
	unsigned int b = 0, k;

	/* log2 bucket b holds stalls below 2^b us: up to 4^(k+1) is b <= 2k+2 */
	for (k = 0; k < HIST_LOG4_BUCKETS; k++) {
		for (; b <= 2 * (k + 1); b++)
			sum += bucket[b];
		cum[k] = sum;
	}
}
