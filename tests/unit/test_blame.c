// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/blame.c: who took what from a cgroup's subtree between two dumps
 * of the attribution matrix, self and subtree apart from harm.
 */
#include <string.h>

#include "blame.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define LIST(a)		{ .pairs = (a), .n = ARRAY_SIZE(a), .cap = ARRAY_SIZE(a) }

/* /p (1) with /p/svc (10) and /p/svc/child (12), /p/hog (11), /p/svcx (13) */
#define SVC		10
#define HOG		11
#define CHILD		12
#define SVCX		13
#define KSWAPD		ATTRIB_KSWAPD
#define UNKNOWN		ATTRIB_UNKNOWN

#define PAIR(r, rp, v, vp, n, sc, an, fi, rf, re)			\
	{ .reclaimer = (r), .reclaimer_path = (rp), .victim = (v),	\
	  .victim_path = (vp), .node = (n), .scanned = (sc),		\
	  .reclaimed_anon = (an), .reclaimed_file = (fi),		\
	  .refaults = (rf), .recent = (re) }

static struct mq_attrib_pair before_pairs[] = {
	PAIR(HOG, "/p/hog", SVC, "/p/svc", 0, 300, 0, 100, 10, 100),
	PAIR(SVC, "/p/svc", SVC, "/p/svc", 0, 40, 0, 20, 0, 20),
	/* the hog's own pages: not the service's business */
	PAIR(HOG, "/p/hog", HOG, "/p/hog", 0, 900, 400, 0, 0, 400),
	/* faded out by the second dump */
	PAIR(UNKNOWN, NULL, SVC, "/p/svc", 0, 10, 0, 3, 0, 0),
	/* recycled: its slot left and came back with less */
	PAIR(SVCX, "/p/svcx", SVC, "/p/svc", 0, 900, 0, 500, 50, 1),
};

static struct mq_attrib_pair after_pairs[] = {
	PAIR(HOG, "/p/hog", SVC, "/p/svc", 0, 3300, 200, 900, 410, 900),
	PAIR(SVC, "/p/svc", SVC, "/p/svc", 0, 140, 0, 70, 0, 50),
	PAIR(HOG, "/p/hog", HOG, "/p/hog", 0, 9000, 4000, 0, 0, 4000),
	PAIR(CHILD, "/p/svc/child", CHILD, "/p/svc/child", 0, 80, 0, 40, 2,
	     40),
	PAIR(KSWAPD, NULL, SVC, "/p/svc", 0, 60, 0, 30, 3, 30),
	PAIR(KSWAPD, NULL, CHILD, "/p/svc/child", 1, 20, 10, 0, 0, 10),
	/* a sibling whose name starts like the service's: outside */
	PAIR(SVCX, "/p/svcx", SVC, "/p/svc", 0, 14, 0, 7, 1, 7),
	/* nothing in the window */
	PAIR(SVC, "/p/svc", CHILD, "/p/svc/child", 0, 0, 0, 0, 0, 0),
};

static const struct mq_blame_row *row(const struct mq_blame *b, uint64_t who,
				      int node)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->rows[i].reclaimer == who && b->rows[i].node == node)
			return &b->rows[i];
	return NULL;
}

static void window(void)
{
	struct mq_attrib_list before = LIST(before_pairs);
	struct mq_attrib_list after = LIST(after_pairs);
	const struct mq_blame_row *r;
	struct mq_blame b;

	EXPECT_INT_EQ(mq_blame_compute(&before, &after, SVC, "/p/svc", &b), 0);
	EXPECT_U64_EQ(b.n, 6);
	/* most pages first */
	EXPECT_U64_EQ(b.rows[0].reclaimer, HOG);
	EXPECT_U64_EQ(b.rows[1].reclaimer, SVC);
	EXPECT_U64_EQ(b.rows[2].reclaimer, CHILD);
	EXPECT_U64_EQ(b.rows[3].reclaimer, KSWAPD);

	r = row(&b, HOG, -1);
	EXPECT_INT_EQ(r->kind, BLAME_OTHER);
	EXPECT_STR_EQ(r->path, "/p/hog");
	EXPECT_U64_EQ(r->scanned, 3000);
	EXPECT_U64_EQ(r->anon, 200);
	EXPECT_U64_EQ(r->file, 800);
	EXPECT_U64_EQ(r->refaults, 400);
	EXPECT_U64_EQ(r->recent, 900);
	EXPECT_INT_EQ(row(&b, SVC, -1)->kind, BLAME_SELF);
	EXPECT_U64_EQ(mq_blame_row_pages(row(&b, SVC, -1)), 50);
	EXPECT_INT_EQ(row(&b, CHILD, -1)->kind, BLAME_SUBTREE);
	EXPECT_U64_EQ(mq_blame_row_pages(row(&b, CHILD, -1)), 40);
	/* kswapd per node, its victims in the subtree summed */
	EXPECT_INT_EQ(row(&b, KSWAPD, 0)->kind, BLAME_KSWAPD);
	EXPECT_U64_EQ(mq_blame_row_pages(row(&b, KSWAPD, 0)), 30);
	EXPECT_U64_EQ(mq_blame_row_pages(row(&b, KSWAPD, 1)), 10);
	/* recycled: the new values are the window's */
	EXPECT_INT_EQ(row(&b, SVCX, -1)->kind, BLAME_OTHER);
	EXPECT_U64_EQ(mq_blame_row_pages(row(&b, SVCX, -1)), 7);
	EXPECT_TRUE(!row(&b, UNKNOWN, -1));

	EXPECT_U64_EQ(b.pages, 1000 + 50 + 40 + 30 + 10 + 7);
	EXPECT_U64_EQ(b.scanned, 3000 + 100 + 80 + 60 + 20 + 14);
	EXPECT_U64_EQ(b.refaults, 400 + 2 + 3 + 1);
	EXPECT_U64_EQ(b.outside_pages, 1000 + 30 + 10 + 7);
	EXPECT_U64_EQ(b.outside_refaults, 400 + 3 + 1);
	mq_blame_free(&b);
	EXPECT_TRUE(!b.rows && !b.n);
}

/* An empty first dump: the totals since the pairs appeared. */
static void totals_and_subtrees(void)
{
	struct mq_attrib_list none = { };
	struct mq_attrib_list after = LIST(after_pairs);
	struct mq_blame b;

	EXPECT_INT_EQ(mq_blame_compute(&none, &after, CHILD, "/p/svc/child", &b),
		      0);
	/* the child's own reclaim, and kswapd's; the service is outside */
	EXPECT_U64_EQ(b.n, 2);
	EXPECT_INT_EQ(b.rows[0].kind, BLAME_SELF);
	EXPECT_U64_EQ(b.pages, 50);
	EXPECT_U64_EQ(b.outside_pages, 10);
	mq_blame_free(&b);

	/* the parent: all of it is within but kswapd's */
	EXPECT_INT_EQ(mq_blame_compute(&none, &after, 1, "/p", &b), 0);
	EXPECT_U64_EQ(b.pages, 1100 + 70 + 4000 + 40 + 30 + 10 + 7);
	EXPECT_U64_EQ(b.outside_pages, 40);
	EXPECT_INT_EQ(row(&b, HOG, -1)->kind, BLAME_SUBTREE);
	mq_blame_free(&b);

	/* the root: everything */
	EXPECT_INT_EQ(mq_blame_compute(&none, &after, 1, "/", &b), 0);
	EXPECT_U64_EQ(b.pages, 1100 + 70 + 4000 + 40 + 30 + 10 + 7);
	mq_blame_free(&b);
}

/* Refaults of earlier reclaim, with no pages in the window: last. */
static void refaults_only(void)
{
	struct mq_attrib_pair b0[] = {
		PAIR(HOG, "/p/hog", SVC, "/p/svc", 0, 10, 0, 10, 0, 10),
		PAIR(SVC, "/p/svc", SVC, "/p/svc", 0, 10, 0, 10, 0, 10),
	};
	struct mq_attrib_pair a0[] = {
		PAIR(HOG, "/p/hog", SVC, "/p/svc", 0, 10, 0, 10, 6, 5),
		PAIR(SVC, "/p/svc", SVC, "/p/svc", 0, 14, 0, 12, 0, 7),
	};
	struct mq_attrib_list before = LIST(b0), after = LIST(a0);
	char buf[256];
	struct mq_blame b;

	EXPECT_INT_EQ(mq_blame_compute(&before, &after, SVC, "/p/svc", &b), 0);
	EXPECT_U64_EQ(b.n, 2);
	EXPECT_U64_EQ(b.rows[0].reclaimer, SVC);
	EXPECT_U64_EQ(b.rows[1].reclaimer, HOG);
	EXPECT_U64_EQ(b.outside_pages, 0);
	EXPECT_U64_EQ(b.outside_refaults, 6);
	EXPECT_STR_EQ(mq_blame_verdict(&b, "/p/svc", buf, sizeof(buf)),
		      "all reclaimed by itself, 0% of it refaulted; none from outside its subtree");
	mq_blame_free(&b);
}

static void verdicts(void)
{
	struct mq_attrib_list none = { };
	struct mq_attrib_list after = LIST(after_pairs);
	struct mq_blame b;
	char buf[256];

	EXPECT_INT_EQ(mq_blame_compute(&none, &none, SVC, "/p/svc", &b), 0);
	EXPECT_STR_EQ(mq_blame_verdict(&b, "/p/svc", buf, sizeof(buf)),
		      "nothing was reclaimed from /p/svc");
	mq_blame_free(&b);

	/* 1100 of 1257 pages by the hog; 410 of its 1100 refaulted */
	EXPECT_INT_EQ(mq_blame_compute(&none, &after, SVC, "/p/svc", &b), 0);
	EXPECT_STR_EQ(mq_blame_verdict(&b, "/p/svc", buf, sizeof(buf)),
		      "mostly reclaimed by /p/hog (88%), 37% of it refaulted");
	mq_blame_free(&b);

	/* the parent: 5100 of 5257 by the hog, 410 of them refaulted */
	EXPECT_INT_EQ(mq_blame_compute(&none, &after, 1, "/p", &b), 0);
	EXPECT_STR_EQ(mq_blame_verdict(&b, "/p", buf, sizeof(buf)),
		      "mostly reclaimed by /p/hog (97%), 8% of it refaulted");
	mq_blame_free(&b);

	/* several, none above half; the verdict fits a short buffer */
	{
		struct mq_attrib_pair a0[] = {
			PAIR(KSWAPD, NULL, SVC, "/p/svc", 2, 0, 0, 40, 10, 0),
			PAIR(HOG, "/p/hog", SVC, "/p/svc", 0, 0, 0, 35, 0, 0),
			PAIR(UNKNOWN, NULL, SVC, "/p/svc", 0, 0, 25, 0, 0, 0),
		};
		struct mq_attrib_list a = LIST(a0);

		EXPECT_INT_EQ(mq_blame_compute(&none, &a, SVC, "/p/svc", &b), 0);
		EXPECT_STR_EQ(mq_blame_verdict(&b, "/p/svc", buf, sizeof(buf)),
			      "reclaimed by 3 reclaimers, the most by kswapd on node 2 (40%); 10% of it refaulted");
		EXPECT_STR_EQ(mq_blame_verdict(&b, "/p/svc", buf, 12),
			      "reclaimed b");
		mq_blame_free(&b);
	}
}

static void percent_and_counters(void)
{
	struct mq_cg_rec before, after;
	uint16_t attr = MEMQOS_A_CGROUP_SUBTREE_RECLAIMED_OUTSIDE_PAGES;

	EXPECT_U64_EQ(mq_blame_percent(1, 3), 33);
	EXPECT_U64_EQ(mq_blame_percent(2, 3), 67);
	EXPECT_U64_EQ(mq_blame_percent(5, 0), 0);
	EXPECT_U64_EQ(mq_blame_percent(UINT32_MAX, UINT32_MAX), 100);

	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	mq_field_mark(&before.v, attr);
	mq_field_mark(&after.v, attr);
	before.v.val[attr] = 100;
	after.v.val[attr] = 250;
	EXPECT_U64_EQ(mq_blame_counter(&before, &after, attr), 150);
	EXPECT_U64_EQ(mq_blame_counter(NULL, &after, attr), 250);
	/* reset in between: counts from 0 */
	after.v.val[attr] = 40;
	EXPECT_U64_EQ(mq_blame_counter(&before, &after, attr), 40);
	/* not sent: 0 */
	EXPECT_U64_EQ(mq_blame_counter(&before, &after,
				       MEMQOS_A_CGROUP_OOM_KILLS), 0);
	EXPECT_STR_EQ(mq_blame_kind_name(BLAME_SUBTREE), "subtree");
	EXPECT_TRUE(!mq_blame_kind_outside(BLAME_SELF) &&
		    !mq_blame_kind_outside(BLAME_SUBTREE) &&
		    mq_blame_kind_outside(BLAME_OTHER) &&
		    mq_blame_kind_outside(BLAME_KSWAPD) &&
		    mq_blame_kind_outside(BLAME_UNKNOWN));
}

static const struct unit_test tests[] = {
	UNIT_TEST(window),
	UNIT_TEST(totals_and_subtrees),
	UNIT_TEST(refaults_only),
	UNIT_TEST(verdicts),
	UNIT_TEST(percent_and_counters),
};

UNIT_SUITE(blame_suite, "blame", tests);
