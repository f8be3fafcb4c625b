// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/attrib.c: ATTRIBUTION_GET replies decoded, merged, ranked and
 * printed.
 */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/memqos.h>

#include "attrib.h"
#include "unit.h"

static char msg[4096];

/* A reply for one pair; @path_r / @path_v NULL leave the path out. */
static struct nlmsghdr *pair_reply(uint64_t reclaimer, const char *path_r,
				   uint64_t victim, const char *path_v,
				   uint32_t node, uint64_t anon, uint64_t file)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(msg, 0, sizeof(msg));
	nlh = mnl_nlmsg_put_header(msg);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = MEMQOS_CMD_ATTRIBUTION_GET;
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_RECLAIMER, reclaimer);
	if (path_r)
		mnl_attr_put_strz(nlh, MEMQOS_A_PAIR_RECLAIMER_PATH, path_r);
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_VICTIM, victim);
	if (path_v)
		mnl_attr_put_strz(nlh, MEMQOS_A_PAIR_VICTIM_PATH, path_v);
	mnl_attr_put_u32(nlh, MEMQOS_A_PAIR_NODE, node);
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_SCANNED_PAGES, 2 * (anon + file));
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_RECLAIMED_ANON_PAGES, anon);
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_RECLAIMED_FILE_PAGES, file);
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_REFAULTS, file / 2);
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_RECENT_PAGES, anon + file);
	return nlh;
}

static void decode_pairs(void)
{
	struct mq_attrib_list list = { };
	struct nlmsghdr *nlh;
	const struct mq_attrib_pair *p;

	nlh = pair_reply(7, "/batch/hog", 9, "/svc", 0, 10, 100);
	/* an attribute of a newer module is skipped */
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_MAX + 3, 1);
	EXPECT_INT_EQ(mq_attrib_list_add_cb(nlh, &list), MNL_CB_OK);
	EXPECT_INT_EQ(mq_attrib_list_add_cb(pair_reply(ATTRIB_KSWAPD, NULL, 9,
						       "/svc", 1, 0, 40),
					    &list), MNL_CB_OK);
	EXPECT_U64_EQ(list.n, 2);
	p = &list.pairs[0];
	EXPECT_U64_EQ(p->reclaimer, 7);
	EXPECT_STR_EQ(p->reclaimer_path, "/batch/hog");
	EXPECT_U64_EQ(p->victim, 9);
	EXPECT_STR_EQ(p->victim_path, "/svc");
	EXPECT_U64_EQ(p->node, 0);
	EXPECT_U64_EQ(p->scanned, 220);
	EXPECT_U64_EQ(p->reclaimed_anon, 10);
	EXPECT_U64_EQ(p->reclaimed_file, 100);
	EXPECT_U64_EQ(p->refaults, 50);
	EXPECT_U64_EQ(p->recent, 110);
	p = &list.pairs[1];
	EXPECT_TRUE(!p->reclaimer_path);
	EXPECT_U64_EQ(p->node, 1);
	EXPECT_STR_EQ(mq_attrib_reclaimer_name(p->reclaimer, NULL), "kswapd");
	EXPECT_STR_EQ(mq_attrib_reclaimer_name(ATTRIB_UNKNOWN, NULL), "unknown");
	EXPECT_STR_EQ(mq_attrib_reclaimer_name(5, NULL), "-");
	EXPECT_STR_EQ(mq_attrib_reclaimer_name(5, "/a"), "/a");
	mq_attrib_list_free(&list);
	EXPECT_TRUE(!list.pairs && !list.n);
}

/* Malformed replies fail with EBADMSG and add nothing. */
static void decode_errors(void)
{
	struct mq_attrib_list list = { };
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	/* no node */
	nlh = mnl_nlmsg_put_header(msg);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = MEMQOS_CMD_ATTRIBUTION_GET;
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_RECLAIMER, 1);
	mnl_attr_put_u64(nlh, MEMQOS_A_PAIR_VICTIM, 2);
	errno = 0;
	EXPECT_INT_EQ(mq_attrib_list_add_cb(nlh, &list), MNL_CB_ERROR);
	EXPECT_INT_EQ(errno, EBADMSG);

	/* a u64 sent as u32 */
	nlh = pair_reply(1, NULL, 2, NULL, 0, 1, 1);
	mnl_attr_put_u32(nlh, MEMQOS_A_PAIR_SCANNED_PAGES, 5);
	EXPECT_INT_EQ(mq_attrib_list_add_cb(nlh, &list), MNL_CB_ERROR);

	/* the path twice: the first copy must not leak */
	nlh = pair_reply(1, "/a", 2, NULL, 0, 1, 1);
	mnl_attr_put_strz(nlh, MEMQOS_A_PAIR_RECLAIMER_PATH, "/b");
	EXPECT_INT_EQ(mq_attrib_list_add_cb(nlh, &list), MNL_CB_ERROR);
	EXPECT_U64_EQ(list.n, 0);
	mq_attrib_list_free(&list);
}

static void add(struct mq_attrib_list *list, uint64_t reclaimer,
		const char *path_r, uint64_t victim, uint32_t node,
		uint64_t file)
{
	EXPECT_INT_EQ(mq_attrib_list_add_cb(pair_reply(reclaimer, path_r,
						       victim, "/v", node, 0,
						       file),
					    list),
		      MNL_CB_OK);
}

static void merge_duplicates(void)
{
	struct mq_attrib_list list = { };
	const struct mq_attrib_pair *p;

	add(&list, 7, "/hog", 9, 0, 100);
	add(&list, 7, "/hog", 9, 1, 30);	/* another node: kept */
	add(&list, 7, "/hog", 9, 0, 20);	/* a racing second slot */
	add(&list, 8, "/b", 9, 0, 5);
	mq_attrib_list_merge(&list);
	EXPECT_U64_EQ(list.n, 3);
	p = mq_attrib_find(&list, 7, 9, 0);
	EXPECT_TRUE(p == &list.pairs[0]);
	EXPECT_U64_EQ(p->reclaimed_file, 120);
	EXPECT_U64_EQ(p->scanned, 240);
	EXPECT_U64_EQ(p->refaults, 60);
	EXPECT_U64_EQ(p->recent, 120);
	EXPECT_U64_EQ(mq_attrib_find(&list, 7, 9, 1)->reclaimed_file, 30);
	EXPECT_U64_EQ(mq_attrib_find(&list, 8, 9, 0)->reclaimed_file, 5);
	EXPECT_TRUE(!mq_attrib_find(&list, 8, 9, 1));
	mq_attrib_list_free(&list);
}

static void aggressor(void)
{
	struct mq_attrib_list list = { };
	struct mq_attrib_aggressor a;

	EXPECT_TRUE(!mq_attrib_aggressor(&list, 9, &a));
	add(&list, 9, "/v", 9, 0, 1000);	/* itself: no aggression */
	EXPECT_TRUE(!mq_attrib_aggressor(&list, 9, &a));
	add(&list, 7, "/hog", 9, 0, 60);
	add(&list, ATTRIB_KSWAPD, NULL, 9, 0, 40);
	add(&list, ATTRIB_KSWAPD, NULL, 9, 1, 40);	/* 80 over nodes */
	add(&list, 8, "/other", 10, 0, 500);		/* another victim */
	EXPECT_TRUE(mq_attrib_aggressor(&list, 9, &a));
	EXPECT_U64_EQ(a.reclaimer, ATTRIB_KSWAPD);
	EXPECT_U64_EQ(a.recent, 80);
	EXPECT_TRUE(!a.path);
	add(&list, 6, "/tie", 9, 0, 80);	/* a tie: the lower id */
	EXPECT_TRUE(mq_attrib_aggressor(&list, 9, &a));
	EXPECT_U64_EQ(a.reclaimer, ATTRIB_KSWAPD);
	add(&list, 7, "/hog", 9, 1, 30);	/* the hog's nodes: 90 */
	EXPECT_TRUE(mq_attrib_aggressor(&list, 9, &a));
	EXPECT_U64_EQ(a.reclaimer, 7);
	EXPECT_STR_EQ(a.path, "/hog");
	EXPECT_U64_EQ(a.recent, 90);
	mq_attrib_list_free(&list);
}

static void json(void)
{
	struct mq_attrib_list list = { };
	struct mq_print_ctx pc;

	add(&list, ATTRIB_KSWAPD, NULL, 9, 1, 4);
	mq_print_init(&pc, unit_capture_begin(), true, false);
	mq_print_obj_begin(&pc, NULL);
	mq_attrib_list_print(&pc, &list);
	mq_print_obj_end(&pc);
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		      "{\"attribution\":[{\"reclaimer\":0,\"reclaimer_path\":null,"
		      "\"victim\":9,\"victim_path\":\"/v\",\"node\":1,"
		      "\"scanned_pages_total\":8,"
		      "\"reclaimed_anon_pages_total\":0,"
		      "\"reclaimed_file_pages_total\":4,\"refaults_total\":2,"
		      "\"recent_pages\":4}]}\n");
	mq_attrib_list_free(&list);
}

static const struct unit_test tests[] = {
	UNIT_TEST(decode_pairs),
	UNIT_TEST(decode_errors),
	UNIT_TEST(merge_duplicates),
	UNIT_TEST(aggressor),
	UNIT_TEST(json),
};

UNIT_SUITE(attrib_suite, "attrib", tests);
