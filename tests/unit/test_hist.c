// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/hist.c: percentiles of the log2 stall histograms.
 */
#include <string.h>

#include "hist.h"
#include "unit.h"

static uint64_t bucket[MEMQOS_HIST_BUCKETS];

static void clear(void)
{
	memset(bucket, 0, sizeof(bucket));
}

static void bounds(void)
{
	EXPECT_U64_EQ(mq_hist_bucket_lower_us(0), 0);
	EXPECT_U64_EQ(mq_hist_bucket_upper_us(0), 1);
	EXPECT_U64_EQ(mq_hist_bucket_lower_us(1), 1);
	EXPECT_U64_EQ(mq_hist_bucket_upper_us(1), 2);
	EXPECT_U64_EQ(mq_hist_bucket_lower_us(10), 512);
	EXPECT_U64_EQ(mq_hist_bucket_upper_us(10), 1024);
	EXPECT_U64_EQ(mq_hist_bucket_lower_us(HIST_LAST_BUCKET), 1 << 24);
	EXPECT_U64_EQ(mq_hist_bucket_upper_us(HIST_LAST_BUCKET), UINT64_MAX);
}

static void empty_is_zero(void)
{
	clear();
	EXPECT_U64_EQ(mq_hist_total(bucket), 0);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 0, 50), 0);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 123, 99), 0);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 0, 100), 0);
}

static void all_in_one_bucket(void)
{
	clear();
	bucket[10] = 1000;		/* [512, 1024) us */
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 1000, 1), 1000);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 1000, 50), 1000);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 1000, 100), 1000);
	/* max unknown (UINT64_MAX): the bucket's upper bound */
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, UINT64_MAX, 50), 1024);
	/* a max below the bucket (racy snapshot) is not believed */
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 3, 50), 512);
}

static void bucket_zero(void)
{
	clear();
	bucket[0] = 5;
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 0, 50), 0);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 0, 100), 0);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, UINT64_MAX, 99), 1);
}

static void spread(void)
{
	clear();
	bucket[1] = 50;			/* [1, 2) */
	bucket[4] = 40;			/* [8, 16) */
	bucket[8] = 9;			/* [128, 256) */
	bucket[12] = 1;			/* [2048, 4096) */
	EXPECT_U64_EQ(mq_hist_total(bucket), 100);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 3000, 50), 2);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 3000, 51), 16);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 3000, 90), 16);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 3000, 91), 256);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 3000, 99), 256);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 3000, 100), 3000);
}

static void rank_rounds_up(void)
{
	clear();
	bucket[2] = 1;
	bucket[6] = 2;
	/* p1 of 3 stalls is the first one, p34 the second */
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 40, 1), 4);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 40, 33), 4);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 40, 34), 40);
}

static void last_bucket(void)
{
	clear();
	bucket[3] = 1;
	bucket[HIST_LAST_BUCKET] = 1;
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 60000000, 99), 60000000);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 60000000, 100), 60000000);
	/* open-ended and max unknown: its lower bound */
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, UINT64_MAX, 99), 1 << 24);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 60000000, 50), 8);
}

static void huge_counts(void)
{
	clear();
	bucket[5] = UINT64_MAX / 2;
	bucket[7] = UINT64_MAX / 2;
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 100, 50), 32);
	EXPECT_U64_EQ(mq_hist_percentile_us(bucket, 100, 51), 100);
}

/* Each log4 bound is a log2 one: regrouping is exact. */
static void log4_bounds(void)
{
	unsigned int k;

	EXPECT_U64_EQ(mq_hist_log4_upper_us(0), 4);
	EXPECT_U64_EQ(mq_hist_log4_upper_us(HIST_LOG4_BUCKETS - 1), 16777216);
	for (k = 0; k < HIST_LOG4_BUCKETS; k++)
		EXPECT_U64_EQ(mq_hist_log4_upper_us(k),
			      mq_hist_bucket_upper_us(2 * k + 2));
}

static void log4_regroups(void)
{
	uint64_t cum[HIST_LOG4_BUCKETS];
	unsigned int b, k;

	/* one stall in each log2 bucket */
	for (b = 0; b < MEMQOS_HIST_BUCKETS; b++)
		bucket[b] = 1;
	mq_hist_log4(bucket, cum);
	for (k = 0; k < HIST_LOG4_BUCKETS; k++)
		EXPECT_U64_EQ(cum[k], 2 * k + 3);
	/* what is above 16.777216 s only +Inf counts */
	EXPECT_U64_EQ(mq_hist_total(bucket) - cum[HIST_LOG4_BUCKETS - 1], 1);

	clear();
	bucket[3] = 5;		/* [4, 8) us: above the first bound */
	bucket[HIST_LAST_BUCKET] = 2;
	mq_hist_log4(bucket, cum);
	EXPECT_U64_EQ(cum[0], 0);
	EXPECT_U64_EQ(cum[1], 5);
	EXPECT_U64_EQ(cum[HIST_LOG4_BUCKETS - 1], 5);
	clear();
}

static const struct unit_test tests[] = {
	UNIT_TEST(bounds),
	UNIT_TEST(empty_is_zero),
	UNIT_TEST(all_in_one_bucket),
	UNIT_TEST(bucket_zero),
	UNIT_TEST(spread),
	UNIT_TEST(rank_rounds_up),
	UNIT_TEST(last_bucket),
	UNIT_TEST(huge_counts),
	UNIT_TEST(log4_bounds),
	UNIT_TEST(log4_regroups),
};

UNIT_SUITE(hist_suite, "hist", tests);
