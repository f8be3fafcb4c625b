// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/cgroup_arg.c: CGROUP arguments against a fake mountinfo.
 */
#include <errno.h>
#include <string.h>

#include "cgroup_arg.h"
#include "unit.h"

static const char mountinfo[] =
	"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
	"25 22 0:22 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
	"26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev shared:8 - cgroup2 "
	"cgroup2 rw,nsdelegate,memory_recursiveprot\n"
	"40 25 0:30 / /sys/fs/cgroup-v1 rw shared:9 - cgroup cgroup rw,cpu\n"
	"41 22 0:23 /ctr /srv/my\\040cg rw master:8 - cgroup2 cgroup2 rw\n"
	"42 22 0:31 / /mnt/x rw - tmpfs tmpfs rw\n";

static struct mq_cgroup_arg cg;

static void numeric_id(void)
{
	EXPECT_INT_EQ(mq_cgroup_arg_parse("1234", mountinfo, &cg), 0);
	EXPECT_U64_EQ(cg.id, 1234);
	EXPECT_STR_EQ(cg.path, "");
	EXPECT_INT_EQ(mq_cgroup_arg_parse("18446744073709551615", NULL, &cg), 0);
	EXPECT_U64_EQ(cg.id, UINT64_MAX);
}

static void bad_ids(void)
{
	EXPECT_INT_EQ(mq_cgroup_arg_parse("0", mountinfo, &cg), -EINVAL);
	EXPECT_INT_EQ(mq_cgroup_arg_parse("18446744073709551616", NULL, &cg),
		      -EINVAL);
	EXPECT_INT_EQ(mq_cgroup_arg_parse("", mountinfo, &cg), -EINVAL);
}

static void path_from_root(void)
{
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/system.slice/foo.service", mountinfo,
					  &cg), 0);
	EXPECT_U64_EQ(cg.id, 0);
	EXPECT_STR_EQ(cg.path, "/system.slice/foo.service");
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/", mountinfo, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/");
	/* a name of digits is a path once it has a slash */
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/123", mountinfo, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/123");
}

static void relative_and_slashes(void)
{
	EXPECT_INT_EQ(mq_cgroup_arg_parse("a//b/", mountinfo, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/a/b");
	EXPECT_INT_EQ(mq_cgroup_arg_parse("//a", NULL, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/a");
}

static void mount_point_stripped(void)
{
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/sys/fs/cgroup/system.slice/x", mountinfo,
					  &cg), 0);
	EXPECT_STR_EQ(cg.path, "/system.slice/x");
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/sys/fs/cgroup/", mountinfo, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/");
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/sys/fs/cgroup", mountinfo, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/");
}

static void other_mounts_left_alone(void)
{
	/* a cgroup v1 mount and a mere name prefix are not cgroup2 mounts */
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/sys/fs/cgroup-v1/a", mountinfo, &cg),
		      0);
	EXPECT_STR_EQ(cg.path, "/sys/fs/cgroup-v1/a");
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/mnt/x/a", mountinfo, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/mnt/x/a");
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/sys/fs/cgroup/a", NULL, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/sys/fs/cgroup/a");
}

static void mount_root_and_escapes(void)
{
	/* mounted with root /ctr at a point with a space in its name */
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/srv/my cg/app", mountinfo, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/ctr/app");
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/srv/my cg", mountinfo, &cg), 0);
	EXPECT_STR_EQ(cg.path, "/ctr");
}

static void too_long(void)
{
	static char arg[PATH_MAX + 2];

	memset(arg, 'a', sizeof(arg) - 1);
	arg[0] = '/';
	EXPECT_INT_EQ(mq_cgroup_arg_parse(arg, mountinfo, &cg), -ENAMETOOLONG);
}

static void garbage_mountinfo(void)
{
	EXPECT_INT_EQ(mq_cgroup_arg_parse("/a", "junk\n\n1 2\n - cgroup2", &cg),
		      0);
	EXPECT_STR_EQ(cg.path, "/a");
}

static void fs_path(void)
{
	const char *sub;
	char buf[PATH_MAX];

	EXPECT_INT_EQ(mq_cgroup_arg_fs_path(mountinfo, "/a/b", "memory.stat",
					    buf), 0);
	EXPECT_STR_EQ(buf, "/sys/fs/cgroup/a/b/memory.stat");
	EXPECT_INT_EQ(mq_cgroup_arg_fs_path(mountinfo, "/", "memory.stat", buf),
		      0);
	EXPECT_STR_EQ(buf, "/sys/fs/cgroup/memory.stat");
	/* only the mount of a subtree shows it: under that mount's point */
	sub = strstr(mountinfo, "41 ");
	EXPECT_INT_EQ(mq_cgroup_arg_fs_path(sub, "/ctr/x", "memory.stat", buf),
		      0);
	EXPECT_STR_EQ(buf, "/srv/my cg/x/memory.stat");
	EXPECT_INT_EQ(mq_cgroup_arg_fs_path(sub, "/ctr", "memory.stat", buf), 0);
	EXPECT_STR_EQ(buf, "/srv/my cg/memory.stat");
	/* "/ctrl" is not under "/ctr"; cgroup v1 and tmpfs never count */
	EXPECT_INT_EQ(mq_cgroup_arg_fs_path(sub, "/ctrl", "memory.stat", buf),
		      -ENOENT);
	EXPECT_INT_EQ(mq_cgroup_arg_fs_path(strstr(mountinfo, "40 "), "/",
					    "memory.stat", buf), -ENOENT);
	EXPECT_INT_EQ(mq_cgroup_arg_fs_path(NULL, "/", "memory.stat", buf),
		      -ENOENT);
}

static const struct unit_test tests[] = {
	UNIT_TEST(numeric_id),
	UNIT_TEST(bad_ids),
	UNIT_TEST(path_from_root),
	UNIT_TEST(relative_and_slashes),
	UNIT_TEST(mount_point_stripped),
	UNIT_TEST(other_mounts_left_alone),
	UNIT_TEST(mount_root_and_escapes),
	UNIT_TEST(too_long),
	UNIT_TEST(garbage_mountinfo),
	UNIT_TEST(fs_path),
};

UNIT_SUITE(cgroup_arg_suite, "cgroup_arg", tests);
