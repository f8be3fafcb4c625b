/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CGROUP arguments: what the user typed, turned into what the kernel
 * resolves (CGROUP_GET takes an id or a path from the cgroup2 root of the
 * caller's cgroup namespace).
 *
 * Accepted forms:
 *   1234                         a cgroup id (the inode number of its dir)
 *   /system.slice/foo.service    a path from the cgroup2 root ("/": root);
 *                                the leading '/' may be left out
 *   /sys/fs/cgroup/system.slice  a path under a cgroup2 mount point, as
 *                                /proc/self/mountinfo lists them
 * Pure except for mq_cgroup_arg_read_mountinfo(); unit tested.
 */
#ifndef MEMQOS_CGROUP_ARG_H
#define MEMQOS_CGROUP_ARG_H

#include <limits.h>
#include <stdint.h>

struct mq_cgroup_arg {
	uint64_t id;		/* 0: by path */
	char path[PATH_MAX];	/* "/..." when id is 0; "" otherwise */
};

/*
 * Parse @arg into @out. @mountinfo is the text of /proc/self/mountinfo
 * (NULL: no mount points known); under the longest cgroup2 mount point
 * that prefixes @arg, that prefix is replaced with the mount's root. Runs
 * of '/' become one and a trailing '/' is dropped. Returns 0, -EINVAL
 * (empty, id 0) or -ENAMETOOLONG.
 */
int mq_cgroup_arg_parse(const char *arg, const char *mountinfo,
			struct mq_cgroup_arg *out);

/*
 * The path of file @file of the cgroup at @path (from the cgroup2 root of
 * the caller's namespace, as replies give it) under the first cgroup2
 * mount of @mountinfo whose root holds it, into @buf (PATH_MAX bytes):
 * "/sys/fs/cgroup/a/b/memory.stat" for "/a/b". Returns 0, -ENOENT (no
 * mount shows it), -ENAMETOOLONG or -ENOMEM.
 */
int mq_cgroup_arg_fs_path(const char *mountinfo, const char *path,
			  const char *file, char *buf);

/* /proc/self/mountinfo as a string to free(), NULL if unreadable. */
char *mq_cgroup_arg_read_mountinfo(void);

#endif /* MEMQOS_CGROUP_ARG_H */
