// SPDX-License-Identifier: GPL-2.0
/*
 * user/daemon/conflict.c: whether another writer changed a file the
 * daemon manages.
 */
#include <stdint.h>
#include <string.h>

#include "conflict.h"
#include "unit.h"

#define PAGE	4096

static struct state_ent ent(const char *orig, const char *last)
{
	struct state_ent e;

	memset(&e, 0, sizeof(e));
	strcpy(e.file, "memory.min");
	strcpy(e.value, orig);
	if (last)
		strcpy(e.last, last);
	return e;
}

static void parse_values(void)
{
	uint64_t v = 0;

	EXPECT_TRUE(conflict_parse("max", &v));
	EXPECT_U64_EQ(v, UINT64_MAX);
	EXPECT_TRUE(conflict_parse("0", &v));
	EXPECT_U64_EQ(v, 0);
	EXPECT_TRUE(conflict_parse("1048576", &v));
	EXPECT_U64_EQ(v, 1048576);
	EXPECT_TRUE(!conflict_parse("", &v));
	EXPECT_TRUE(!conflict_parse("-1", &v));
	EXPECT_TRUE(!conflict_parse("12 ", &v));
	EXPECT_TRUE(!conflict_parse("99999999999999999999999", &v));
}

static void ours_or_foreign(void)
{
	struct state_ent e = ent("0", "8388608");

	EXPECT_INT_EQ(conflict_check(NULL, "123", PAGE), CONFLICT_NONE);
	EXPECT_INT_EQ(conflict_check(&e, "8388608", PAGE), CONFLICT_NONE);
	/* the kubelet's request, an admin's 0, "max": all someone else's */
	EXPECT_INT_EQ(conflict_check(&e, "67108864", PAGE), CONFLICT_FOREIGN);
	EXPECT_INT_EQ(conflict_check(&e, "0", PAGE), CONFLICT_FOREIGN);
	EXPECT_INT_EQ(conflict_check(&e, "max", PAGE), CONFLICT_FOREIGN);
	/* what the file reads is no value: not ours either */
	EXPECT_INT_EQ(conflict_check(&e, "", PAGE), CONFLICT_FOREIGN);
	e = ent("max", "max");
	EXPECT_INT_EQ(conflict_check(&e, "max", PAGE), CONFLICT_NONE);
	EXPECT_INT_EQ(conflict_check(&e, "1073741824", PAGE),
		      CONFLICT_FOREIGN);
}

/* The kernel keeps pages: what we wrote reads back rounded down. */
static void page_rounding(void)
{
	struct state_ent e = ent("0", "1000000");

	EXPECT_INT_EQ(conflict_check(&e, "999424", PAGE), CONFLICT_NONE);
	EXPECT_INT_EQ(conflict_check(&e, "1000000", PAGE), CONFLICT_NONE);
	/* a page less or more is another writer's */
	EXPECT_INT_EQ(conflict_check(&e, "995328", PAGE), CONFLICT_FOREIGN);
	EXPECT_INT_EQ(conflict_check(&e, "1003520", PAGE), CONFLICT_FOREIGN);
	/* 64 KiB pages (arm64, ppc64) */
	EXPECT_INT_EQ(conflict_check(&e, "983040", 65536), CONFLICT_NONE);
	EXPECT_INT_EQ(conflict_check(&e, "999424", 65536), CONFLICT_FOREIGN);
}

static void unknown_and_yielded(void)
{
	struct state_ent e = ent("0", NULL);

	/* a version 1 state file: what is there now is adopted */
	EXPECT_INT_EQ(conflict_check(&e, "123", PAGE), CONFLICT_UNKNOWN);
	/* yielded stays yielded, even if it reads our value again */
	e = ent("0", "8388608");
	e.yielded = true;
	EXPECT_INT_EQ(conflict_check(&e, "8388608", PAGE), CONFLICT_YIELDED);
	EXPECT_INT_EQ(conflict_check(&e, "4096", PAGE), CONFLICT_YIELDED);
}

static void kubelet_detection(void)
{
	struct state_ent e = ent("0", "8388608");

	/* a pod's memory.min memqos never wrote, nonzero: the kubelet's */
	EXPECT_TRUE(conflict_kubelet_min(NULL, "67108864", PAGE));
	EXPECT_TRUE(!conflict_kubelet_min(NULL, "0", PAGE));
	EXPECT_TRUE(!conflict_kubelet_min(NULL, "garbage", PAGE));
	/* memqos's own value is no sign of the kubelet */
	EXPECT_TRUE(!conflict_kubelet_min(&e, "8388608", PAGE));
	e = ent("0", "8390000");
	EXPECT_TRUE(!conflict_kubelet_min(&e, "8388608", PAGE));
	/* the kubelet wrote over memqos's value */
	EXPECT_TRUE(conflict_kubelet_min(&e, "67108864", PAGE));
	EXPECT_TRUE(conflict_kubelet_min(&e, "8384512", PAGE));
	/* written by a memqos that kept no last value: cannot tell, no */
	e = ent("0", NULL);
	EXPECT_TRUE(!conflict_kubelet_min(&e, "67108864", PAGE));
	e.yielded = true;
	EXPECT_TRUE(conflict_kubelet_min(&e, "67108864", PAGE));
}

static const struct unit_test tests[] = {
	UNIT_TEST(parse_values),
	UNIT_TEST(ours_or_foreign),
	UNIT_TEST(page_rounding),
	UNIT_TEST(unknown_and_yielded),
	UNIT_TEST(kubelet_detection),
};
UNIT_SUITE(conflict_suite, "conflict", tests);
