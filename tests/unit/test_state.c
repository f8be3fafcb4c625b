// SPDX-License-Identifier: GPL-2.0
/*
 * user/daemon/state.c: the daemon's state file of original values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "unit.h"

static void round_trip(void)
{
	struct state st = { }, back = { };
	char err[64] = "";
	char *text;

	EXPECT_INT_EQ(state_add(&st, 42, "/a b/c", "memory.min", "0"), 0);
	EXPECT_INT_EQ(state_add(&st, 7, "/x", "memory.high", "max"), 0);
	EXPECT_INT_EQ(state_set_last(&st.e[0], "1048576"), 0);
	st.e[1].yielded = true;
	text = state_format(&st);
	EXPECT_STR_EQ(text, "memqos-state 2\n"
			    "42 memory.min 0 1048576 /a b/c\n"
			    "7 memory.high max yielded /x\n");
	EXPECT_INT_EQ(state_parse(&back, text, err, sizeof(err)), 0);
	EXPECT_INT_EQ(back.n, 2);
	EXPECT_STR_EQ(state_find(&back, "/a b/c", "memory.min")->value, "0");
	EXPECT_STR_EQ(state_find(&back, "/a b/c", "memory.min")->last,
		      "1048576");
	EXPECT_U64_EQ(state_find(&back, "/x", "memory.high")->id, 7);
	EXPECT_TRUE(state_find(&back, "/x", "memory.high")->yielded);
	EXPECT_TRUE(!state_find(&back, "/a b/c", "memory.min")->yielded);
	EXPECT_TRUE(!state_find(&back, "/x", "memory.min"));
	/* what is no value is refused */
	EXPECT_INT_EQ(state_set_last(&st.e[0], "-"), -EINVAL);
	EXPECT_INT_EQ(state_set_last(&st.e[0], "yielded"), -EINVAL);
	EXPECT_INT_EQ(state_set_last(&st.e[0], "1 2"), -EINVAL);
	EXPECT_STR_EQ(st.e[0].last, "1048576");
	free(text);
	state_free(&st);
	state_free(&back);
}

/* A version 1 file (a daemon before the last values) reads as unknown. */
static void version_1(void)
{
	struct state st = { };
	char err[64] = "";
	char *text;

	EXPECT_INT_EQ(state_parse(&st, "memqos-state 1\n"
				  "42 memory.min 4096 /a b/c\n",
				  err, sizeof(err)), 0);
	EXPECT_INT_EQ(st.n, 1);
	EXPECT_STR_EQ(st.e[0].value, "4096");
	EXPECT_STR_EQ(st.e[0].last, "");
	EXPECT_STR_EQ(st.e[0].path, "/a b/c");
	text = state_format(&st);
	EXPECT_STR_EQ(text, "memqos-state 2\n42 memory.min 4096 - /a b/c\n");
	free(text);
	/* version 2 with "-": unknown too */
	EXPECT_INT_EQ(state_parse(&st, "memqos-state 2\n"
				  "42 memory.min 4096 - /a\n",
				  err, sizeof(err)), 0);
	EXPECT_STR_EQ(st.e[0].last, "");
	EXPECT_TRUE(!st.e[0].yielded);
	state_free(&st);
}

static void add_and_delete(void)
{
	struct state st = { };
	int i;

	for (i = 0; i < 40; i++) {
		char path[16];

		snprintf(path, sizeof(path), "/c%d", i);
		EXPECT_INT_EQ(state_add(&st, i + 1, path, "memory.low", "0"), 0);
	}
	EXPECT_INT_EQ(st.n, 40);
	state_del(&st, 0);
	EXPECT_INT_EQ(st.n, 39);
	EXPECT_TRUE(!state_find(&st, "/c0", "memory.low"));
	EXPECT_TRUE(state_find(&st, "/c39", "memory.low") != NULL);
	/* what the file format cannot hold is refused */
	EXPECT_INT_EQ(state_add(&st, 1, "/a\nb", "memory.low", "0"), -EINVAL);
	EXPECT_INT_EQ(state_add(&st, 1, "relative", "memory.low", "0"),
		      -EINVAL);
	EXPECT_INT_EQ(state_add(&st, 1, "/a", "memory.low", "1 2"), -EINVAL);
	EXPECT_INT_EQ(state_add(&st, 1, "/a", "", "0"), -EINVAL);
	EXPECT_INT_EQ(st.n, 39);
	state_free(&st);
}

static void malformed(void)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "", "empty file" },
		{ "something else\n", "line 1: not a memqos state file" },
		{ "memqos-state 1\n42 memory.min\n", "line 2: malformed entry" },
		{ "memqos-state 1\n0 memory.min 0 /a\n", "line 2: malformed entry" },
		{ "memqos-state 1\nx memory.min 0 /a\n", "line 2: malformed entry" },
		{ "memqos-state 1\n-1 memory.min 0 /a\n", "line 2: malformed entry" },
		{ "memqos-state 1\n1 memory.min 0 rel\n", "line 2: malformed entry" },
		/* nothing outside the cgroup2 mount */
		{ "memqos-state 1\n1 memory.min 0 /a/../../etc\n",
		  "line 2: malformed entry" },
		{ "memqos-state 1\n1 ../../shadow 0 /a\n",
		  "line 2: malformed entry" },
		{ "memqos-state 1\n1 memory.min 0 /a\n2 memory.min 5 /a\n",
		  "line 3: duplicate entry" },
		{ "memqos-state 1\n\n", "line 2: malformed entry" },
		{ "memqos-state 2\n1 memory.min 0 /a\n",
		  "line 2: malformed entry" },
		{ "memqos-state 2\n1 memory.min 0 0\n",
		  "line 2: malformed entry" },
		{ "memqos-state 2\n1 memory.min 0 /a /b\n",
		  "line 2: malformed entry" },
		{ "memqos-state 3\n", "line 1: not a memqos state file" },
	};
	struct state st = { };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[64] = "";

		EXPECT_INT_EQ(state_parse(&st, cases[i].text, err, sizeof(err)),
			      -EINVAL);
		EXPECT_STR_EQ(err, cases[i].err);
		EXPECT_INT_EQ(st.n, 0);
	}
	/* a header alone is an empty state; no final newline is fine */
	EXPECT_INT_EQ(state_parse(&st, "memqos-state 1\n", NULL, 0), 0);
	EXPECT_INT_EQ(state_parse(&st, "memqos-state 1\n1 memory.min 0 /a", NULL,
				  0), 0);
	EXPECT_INT_EQ(st.n, 1);
	state_free(&st);
}

static void save_and_load(void)
{
	char dir[] = "/tmp/memqos-state-XXXXXX", path[64], tmp[80];
	struct state st = { }, back = { };
	char err[64] = "";
	struct stat sb;

	EXPECT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* absent: empty, no error */
	EXPECT_INT_EQ(state_load(&back, path, err, sizeof(err)), 0);
	EXPECT_INT_EQ(back.n, 0);

	EXPECT_INT_EQ(state_add(&st, 9, "/k/p", "memory.min", "1048576"), 0);
	EXPECT_INT_EQ(state_save(&st, path), 0);
	EXPECT_INT_EQ(stat(tmp, &sb), -1);
	EXPECT_INT_EQ(stat(path, &sb), 0);
	EXPECT_INT_EQ(sb.st_mode & 0777, 0600);
	EXPECT_INT_EQ(state_load(&back, path, err, sizeof(err)), 0);
	EXPECT_INT_EQ(back.n, 1);
	EXPECT_STR_EQ(back.e[0].value, "1048576");
	/* replaced whole */
	state_del(&st, 0);
	EXPECT_INT_EQ(state_save(&st, path), 0);
	EXPECT_INT_EQ(state_load(&back, path, err, sizeof(err)), 0);
	EXPECT_INT_EQ(back.n, 0);
	/* a directory that is not there */
	EXPECT_INT_EQ(state_save(&st, "/nonexistent/dir/state"), -ENOENT);
	unlink(path);
	rmdir(dir);
	state_free(&st);
	state_free(&back);
}

static void dir_only_its_owner_writes(void)
{
	EXPECT_TRUE(!state_dir_unsafe(S_IFDIR | 0700, 0, 0));
	EXPECT_TRUE(!state_dir_unsafe(S_IFDIR | 0755, 0, 0));
	EXPECT_STR_EQ(state_dir_unsafe(S_IFDIR | 0700, 65534, 0),
		      "owned by another user");
	EXPECT_STR_EQ(state_dir_unsafe(S_IFDIR | 01777, 0, 0),
		      "writable by others");
	EXPECT_STR_EQ(state_dir_unsafe(S_IFDIR | 0770, 0, 0),
		      "writable by others");
	EXPECT_STR_EQ(state_dir_unsafe(S_IFLNK | 0777, 0, 0),
		      "not a directory");
}

/* flock(2) locks belong to an open file: a second open conflicts. */
static void one_lock_holder(void)
{
	char dir[] = "/tmp/memqos-unit-lock-XXXXXX", path[64];
	long holder = -1;
	int fd, fd2;

	EXPECT_TRUE(mkdtemp(dir) != NULL);
	fd = state_lock(dir, &holder);
	EXPECT_TRUE(fd >= 0);
	EXPECT_INT_EQ(holder, 0);
	fd2 = state_lock(dir, &holder);
	EXPECT_INT_EQ(fd2, -EWOULDBLOCK);
	EXPECT_INT_EQ(holder, getpid());
	if (fd >= 0)
		close(fd);
	/* released with its holder */
	fd2 = state_lock(dir, &holder);
	EXPECT_TRUE(fd2 >= 0);
	if (fd2 >= 0)
		close(fd2);
	snprintf(path, sizeof(path), "%s/lock", dir);
	unlink(path);
	rmdir(dir);
}

static const struct unit_test tests[] = {
	UNIT_TEST(round_trip),
	UNIT_TEST(version_1),
	UNIT_TEST(add_and_delete),
	UNIT_TEST(malformed),
	UNIT_TEST(save_and_load),
	UNIT_TEST(dir_only_its_owner_writes),
	UNIT_TEST(one_lock_holder),
};
UNIT_SUITE(state_suite, "state", tests);
