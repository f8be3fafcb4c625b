// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/cgfs.c: which paths from the cgroup2 root are accepted.
 */
#include <errno.h>
#include <string.h>

#include "cgfs.h"
#include "unit.h"

static void rel_paths(void)
{
	EXPECT_TRUE(mq_cgfs_rel_ok("/"));
	EXPECT_TRUE(mq_cgfs_rel_ok("/system.slice/foo.service"));
	EXPECT_TRUE(mq_cgfs_rel_ok("/a//b/"));
	/* names that start with a dot are names */
	EXPECT_TRUE(mq_cgfs_rel_ok("/.hidden/..x/..."));
	EXPECT_TRUE(!mq_cgfs_rel_ok(""));
	EXPECT_TRUE(!mq_cgfs_rel_ok("a/b"));
	EXPECT_TRUE(!mq_cgfs_rel_ok("/.."));
	EXPECT_TRUE(!mq_cgfs_rel_ok("/../../etc"));
	EXPECT_TRUE(!mq_cgfs_rel_ok("/a/../b"));
	EXPECT_TRUE(!mq_cgfs_rel_ok("/a/.."));
	EXPECT_TRUE(!mq_cgfs_rel_ok("/a/./b"));
	EXPECT_TRUE(!mq_cgfs_rel_ok("/a/."));
}

static void paths_under_the_mount(void)
{
	struct mq_cgfs fs = { .root = "/sys/fs/cgroup" };
	char buf[64];

	EXPECT_INT_EQ(mq_cgfs_path(&fs, "/", "memory.stat", buf, sizeof(buf)),
		      0);
	EXPECT_STR_EQ(buf, "/sys/fs/cgroup/memory.stat");
	EXPECT_INT_EQ(mq_cgfs_path(&fs, "/a/b", NULL, buf, sizeof(buf)), 0);
	EXPECT_STR_EQ(buf, "/sys/fs/cgroup/a/b");
	EXPECT_INT_EQ(mq_cgfs_path(&fs, "/../../etc", "shadow", buf,
				   sizeof(buf)), -EINVAL);
	EXPECT_INT_EQ(mq_cgfs_path(&fs, "/a", "../x", buf, sizeof(buf)),
		      -EINVAL);
	EXPECT_INT_EQ(mq_cgfs_path(&fs, "/a", "memory.stat", buf, 20),
		      -ENAMETOOLONG);
}

static const struct unit_test tests[] = {
	UNIT_TEST(rel_paths),
	UNIT_TEST(paths_under_the_mount),
};
UNIT_SUITE(cgfs_suite, "cgfs", tests);
