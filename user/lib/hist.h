/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Percentiles and bucket bounds of the module's log2 stall histograms.
 *
 * Bucket 0 counts stalls under 1 us, bucket b (1..MEMQOS_HIST_BUCKETS-2)
 * counts [2^(b-1), 2^b) us and the last bucket everything from
 * 2^(MEMQOS_HIST_BUCKETS-2) us on. Pure functions, unit tested.
 */
#ifndef MEMQOS_HIST_H
#define MEMQOS_HIST_H

#include <stdint.h>

#include <linux/memqos.h>

#define HIST_LAST_BUCKET	(MEMQOS_HIST_BUCKETS - 1)
/* @max_us of a histogram whose longest stall is not known (a delta) */
#define HIST_MAX_UNKNOWN	UINT64_MAX

/* Lowest value bucket @b holds, in us. */
uint64_t mq_hist_bucket_lower_us(unsigned int b);
/* First value above bucket @b, in us; UINT64_MAX for the last bucket. */
uint64_t mq_hist_bucket_upper_us(unsigned int b);

/* Sum of the bucket counts. */
uint64_t mq_hist_total(const uint64_t bucket[MEMQOS_HIST_BUCKETS]);

/*
 * Estimate of the @pct percentile (1..100) in us: the bucket where the
 * running count first reaches ceil(total * pct / 100), reported as its
 * upper bound, except that the estimate never exceeds @max_us (the
 * longest stall recorded) nor falls below the bucket's lower bound. So
 * p100 is @max_us, a percentile in bucket 0 is 0 when @max_us is 0, and
 * one in the open-ended last bucket is @max_us (or the bucket's lower
 * bound if @max_us is not in it or is HIST_MAX_UNKNOWN). 0 for an empty
 * histogram.
 */
uint64_t mq_hist_percentile_us(const uint64_t bucket[MEMQOS_HIST_BUCKETS],
			       uint64_t max_us, unsigned int pct);

/*
 * The exporter's coarser buckets: 4^(k+1) us for k = 0..HIST_LOG4_BUCKETS-1,
 * 4 us to 16.777216 s, each the upper bound of a log2 bucket, so that
 * regrouping loses nothing but resolution. 12 series instead of 26 per
 * stalled cgroup and kind.
 */
#define HIST_LOG4_BUCKETS	12
_Static_assert(2 * HIST_LOG4_BUCKETS < HIST_LAST_BUCKET,
	       "each log4 bound is a finite log2 bound");

/* Upper bound of log4 bucket @k, in us: 4^(k+1). */
uint64_t mq_hist_log4_upper_us(unsigned int k);

/*
 * @cum[k]: the stalls of @bucket at most mq_hist_log4_upper_us(k) long,
 * cumulative as Prometheus wants it; the +Inf bucket is mq_hist_total().
 */
void mq_hist_log4(const uint64_t bucket[MEMQOS_HIST_BUCKETS],
		  uint64_t cum[HIST_LOG4_BUCKETS]);

#endif /* MEMQOS_HIST_H */
