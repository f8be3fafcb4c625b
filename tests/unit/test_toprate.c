// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/toprate.c: rates between two dumps, and the top order.
 */
#include <stdlib.h>
#include <string.h>

#include "toprate.h"
#include "unit.h"

static void set(struct mq_cg_rec *r, uint16_t attr, uint64_t v)
{
	mq_field_mark(&r->v, attr);
	r->v.val[attr] = v;
}

/* Bucket @i of @r's histogram of stall kind @kind. */
static void set_bucket(struct mq_cg_rec *r, int kind, unsigned int i,
		       uint64_t n)
{
	mq_cg_hist_buckets_mut(&r->hist[kind])[i] = n;
}

static void rec_init(struct mq_cg_rec *r, uint64_t id, uint64_t stall_us,
		     uint64_t reclaims)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].present = true;
	r->hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].sum_us = stall_us;
	set(r, MEMQOS_A_CGROUP_MEMCG_RECLAIMS, reclaims);
}

static void rates(void)
{
	struct mq_cg_rec prev, cur;
	struct mq_top_row row;

	rec_init(&prev, 5, 1000, 10);
	rec_init(&cur, 5, 501000, 40);
	set(&cur, MEMQOS_A_CGROUP_DIRECT_RECLAIMS, 5);
	set_bucket(&cur, MEMQOS_STALL_KIND_MEMCG_RECLAIM, 10, 30);
	cur.hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].max_us = 700;
	cur.hist[MEMQOS_STALL_KIND_DIRECT_RECLAIM].present = true;
	set_bucket(&cur, MEMQOS_STALL_KIND_DIRECT_RECLAIM, 3, 5);
	/* 0.5 s stalled in 2 s: 250 permille; 35 reclaims: 17.5/s */
	mq_top_rate(&prev, &cur, 2000000, &row);
	EXPECT_TRUE(row.rec == &cur);
	EXPECT_U64_EQ(row.stall_permille, 250);
	EXPECT_U64_EQ(row.reclaims_per_10s, 175);
	/* 35 stalls: 5 under 8 us, 30 in [512, 1024) capped by max 700 */
	EXPECT_U64_EQ(row.p99_us, 700);
	mq_cg_rec_free(&prev);
	mq_cg_rec_free(&cur);
}

static void new_cgroup_and_reset(void)
{
	struct mq_cg_rec prev, cur;
	struct mq_top_row row;

	rec_init(&cur, 5, 3000000, 4);
	mq_top_rate(NULL, &cur, 1000000, &row);
	EXPECT_U64_EQ(row.stall_permille, 3000);
	EXPECT_U64_EQ(row.reclaims_per_10s, 40);

	/* counters went down: reset since; the new values are the delta */
	rec_init(&prev, 5, 9000000, 100);
	prev.hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].count = 100;
	set_bucket(&prev, MEMQOS_STALL_KIND_MEMCG_RECLAIM, 20, 100);
	rec_init(&cur, 5, 100000, 2);
	cur.hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].count = 2;
	set_bucket(&cur, MEMQOS_STALL_KIND_MEMCG_RECLAIM, 4, 2);
	cur.hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].max_us = 12;
	mq_top_rate(&prev, &cur, 1000000, &row);
	EXPECT_U64_EQ(row.stall_permille, 100);
	EXPECT_U64_EQ(row.reclaims_per_10s, 20);
	EXPECT_U64_EQ(row.p99_us, 12);
	mq_cg_rec_free(&prev);
	mq_cg_rec_free(&cur);
}

static void idle_and_zero_wall(void)
{
	struct mq_cg_rec r;
	struct mq_top_row row;

	rec_init(&r, 1, 77, 3);
	mq_top_rate(&r, &r, 1000000, &row);
	EXPECT_U64_EQ(row.stall_permille, 0);
	EXPECT_U64_EQ(row.reclaims_per_10s, 0);
	EXPECT_U64_EQ(row.p99_us, 0);
	mq_top_rate(NULL, &r, 0, &row);
	EXPECT_U64_EQ(row.stall_permille, 0);
}

static void order(void)
{
	struct mq_cg_rec r[4];
	struct mq_top_row rows[4];
	int i;

	for (i = 0; i < 4; i++) {
		rec_init(&r[i], 10 + i, 0, 0);
		rows[i] = (struct mq_top_row){ .rec = &r[i] };
	}
	rows[0].stall_permille = 5;
	rows[1].stall_permille = 900;
	rows[2].stall_permille = 5;
	rows[2].reclaims_per_10s = 3;
	set(&r[3], MEMQOS_A_CGROUP_USAGE_BYTES, 1);
	qsort(rows, 4, sizeof(rows[0]), mq_top_row_cmp);
	EXPECT_U64_EQ(rows[0].rec->id, 11);
	EXPECT_U64_EQ(rows[1].rec->id, 12);
	EXPECT_U64_EQ(rows[2].rec->id, 10);
	EXPECT_U64_EQ(rows[3].rec->id, 13);
}

static const struct unit_test tests[] = {
	UNIT_TEST(rates),
	UNIT_TEST(new_cgroup_and_reset),
	UNIT_TEST(idle_and_zero_wall),
	UNIT_TEST(order),
};

UNIT_SUITE(toprate_suite, "toprate", tests);
