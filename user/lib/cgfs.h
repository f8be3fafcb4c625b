/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroupfs I/O for the daemon and the tier commands: the cgroup2 mount,
 * reading and writing interface files, the tier xattr, walking the tree.
 *
 * Every function returns 0 or a negative errno and hides none: a short
 * write is -EIO, and EBUSY, EINVAL, ENOENT (the cgroup went away) or
 * EROFS come back as the kernel gave them, for the caller to report
 * with the path.
 */
#ifndef MEMQOS_CGFS_H
#define MEMQOS_CGFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Room for the value of any single-value interface file. */
#define CGFS_VALUE_LEN	32

struct mq_cgfs {
	char root[PATH_MAX];	/* the cgroup2 mount point */
	bool recursiveprot;	/* mounted with memory_recursiveprot */
};

/* The first cgroup2 mount in /proc/self/mounts; -ENOENT if none. */
int mq_cgfs_open(struct mq_cgfs *fs);

/*
 * Whether @rel is a path from the cgroup2 root: it starts with '/' and
 * has no "." or ".." component (no cgroup has such a name; "/a/../.."
 * would leave the mount).
 */
bool mq_cgfs_rel_ok(const char *rel);

/*
 * "<root><rel>[/<file>]" into @buf; -ENAMETOOLONG if it does not fit,
 * -EINVAL if @rel is no path from the root (mq_cgfs_rel_ok()).
 */
int mq_cgfs_path(const struct mq_cgfs *fs, const char *rel, const char *file,
		 char *buf, size_t len);

/*
 * The cgroup directory at @rel, opened (O_DIRECTORY), for the *_at()
 * calls below: they then read and write that cgroup even if another
 * one is made at its path meanwhile. With a non-zero @id, -ESTALE if
 * the directory there is another cgroup (its inode is its id). Returns
 * the descriptor or -errno.
 */
int mq_cgfs_cg_open(const struct mq_cgfs *fs, const char *rel, uint64_t id);

/*
 * Each call below has a twin *_at(dfd, file, ...) that opens @file
 * relative to the directory @dfd (openat(2), no symlink followed).
 */

/* The whole file, without its trailing newline. -EFBIG if it is longer. */
int mq_cgfs_read(const char *path, char *buf, size_t len);
int mq_cgfs_read_at(int dfd, const char *file, char *buf, size_t len);

/* A single number, "max" as UINT64_MAX. */
int mq_cgfs_read_u64(const char *path, uint64_t *v);
int mq_cgfs_read_u64_at(int dfd, const char *file, uint64_t *v);

/* "key value" lines (memory.stat, memory.events): @vals[i] for @keys[i],
 * left untouched if absent. */
int mq_cgfs_read_keyed(const char *path, const char *const *keys,
		       uint64_t *vals, size_t n);
int mq_cgfs_read_keyed_at(int dfd, const char *file, const char *const *keys,
			  uint64_t *vals, size_t n);

/* The total= of memory.pressure's "some" line, microseconds. */
int mq_cgfs_read_psi_some(const char *path, uint64_t *us);
int mq_cgfs_read_psi_some_at(int dfd, const char *file, uint64_t *us);

/* One write(2) of @value; a short write is -EIO. */
int mq_cgfs_write(const char *path, const char *value);
int mq_cgfs_write_at(int dfd, const char *file, const char *value);

/* @v as the memory files take it: digits or "max". Returns @buf. */
const char *mq_cgfs_fmt(uint64_t v, char *buf, size_t len);

/* The tier xattr @name of directory @dir: -ENODATA if not set. */
int mq_cgfs_get_xattr(const char *dir, const char *name, char *buf, size_t len);
int mq_cgfs_fget_xattr(int fd, const char *name, char *buf, size_t len);
/*
 * A tier tag @name ("" for none) of the cgroup open at @fd (< 0: none)
 * into @buf: @buf, "" for a value too long for a tier name, or NULL if
 * it is not set or cannot be read.
 */
const char *mq_cgfs_read_tag(int fd, const char *name, char *buf, size_t len);
/*
 * Whether this process may read and write trusted.* xattrs (CAP_SYS_ADMIN
 * in the initial user namespace); without it they read as unset.
 */
bool mq_cgfs_trusted_ok(void);
int mq_cgfs_set_xattr(const char *dir, const char *name, const char *value);
int mq_cgfs_remove_xattr(const char *dir, const char *name);

/* One cgroup as mq_cgfs_walk() and mq_cgfs_node_at() find it. */
struct mq_cgfs_node {
	const char *rel;	/* path from the root, "/" for it */
	struct stat st;		/* of its directory: st_ino is its id */
	int depth;		/* components of rel: 0 for the root */
	/*
	 * How many of them, from the first, are cgroups root owns: below
	 * them begins a subtree delegated to someone else (systemd chowns
	 * a delegated cgroup's directory to its user, who owns all it
	 * makes below). depth if root owns them all.
	 */
	int root_depth;
};

/*
 * Call @fn for the root and every cgroup below it, parents first. A
 * non-zero return from @fn stops the walk and is returned. Cgroups that
 * vanish during the walk are skipped; every other is visited, whatever
 * its name (".hidden" too).
 */
int mq_cgfs_walk(const struct mq_cgfs *fs,
		 int (*fn)(const struct mq_cgfs_node *n, void *data),
		 void *data);

/* The node of the cgroup at @rel (@n->rel is @rel); 0 or -errno. */
int mq_cgfs_node_at(const struct mq_cgfs *fs, const char *rel,
		    struct mq_cgfs_node *n);

#endif /* MEMQOS_CGFS_H */
