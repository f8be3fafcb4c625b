// SPDX-License-Identifier: GPL-2.0
/*
 * cgroupfs I/O, see cgfs.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/capability.h>

#include "cgfs.h"

int mq_cgfs_open(struct mq_cgfs *fs)
{
	FILE *fp = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	int ret = -ENOENT;

	memset(fs, 0, sizeof(*fs));
	if (!fp)
		return -errno;
	while ((m = getmntent(fp))) {
		if (strcmp(m->mnt_type, "cgroup2"))
			continue;
		if (strlen(m->mnt_dir) >= sizeof(fs->root)) {
			ret = -ENAMETOOLONG;
			continue;
		}
		strcpy(fs->root, m->mnt_dir);
		fs->recursiveprot = hasmntopt(m, "memory_recursiveprot");
		ret = 0;
		break;
	}
	endmntent(fp);
	return ret;
}

bool mq_cgfs_rel_ok(const char *rel)
{
	const char *s = rel, *end;
	size_t n;

	if (*rel != '/')
		return false;
	for (; *s; s = end) {
		s += strspn(s, "/");
		end = strchrnul(s, '/');
		n = end - s;
		if ((n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
	}
	return true;
}

int mq_cgfs_path(const struct mq_cgfs *fs, const char *rel, const char *file,
		 char *buf, size_t len)
{
	int n;

	/* "/a/../../etc" would leave the mount */
	if (!mq_cgfs_rel_ok(rel) || (file && strchr(file, '/')))
		return -EINVAL;
	/* the root's own files: "<root>/<file>", not "<root>//<file>" */
	if (!strcmp(rel, "/"))
		rel = "";
	n = snprintf(buf, len, "%s%s%s%s", fs->root, rel, file ? "/" : "",
		     file ? file : "");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mq_cgfs_cg_open(const struct mq_cgfs *fs, const char *rel, uint64_t id)
{
	char dir[PATH_MAX];
	struct stat st;
	int fd, err;

	err = mq_cgfs_path(fs, rel, NULL, dir, sizeof(dir));
	if (err)
		return err;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (id && st.st_ino != id) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int mq_cgfs_read(const char *path, char *buf, size_t len)
{
	return mq_cgfs_read_at(AT_FDCWD, path, buf, len);
}

int mq_cgfs_read_at(int dfd, const char *file, char *buf, size_t len)
{
	int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t off = 0;
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (off + 1 >= len) {
			ret = -EFBIG;
			break;
		}
		n = read(fd, buf + off, len - 1 - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (!n)
			break;
		off += n;
	}
	close(fd);
	if (ret)
		return ret;
	buf[off] = '\0';
	if (off && buf[off - 1] == '\n')
		buf[off - 1] = '\0';
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!strcmp(s, "max")) {
		*v = UINT64_MAX;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int mq_cgfs_read_u64(const char *path, uint64_t *v)
{
	return mq_cgfs_read_u64_at(AT_FDCWD, path, v);
}

int mq_cgfs_read_u64_at(int dfd, const char *file, uint64_t *v)
{
	char buf[CGFS_VALUE_LEN];
	int err = mq_cgfs_read_at(dfd, file, buf, sizeof(buf));

	return err ? err : parse_u64(buf, v);
}

int mq_cgfs_read_keyed(const char *path, const char *const *keys,
		       uint64_t *vals, size_t n)
{
	return mq_cgfs_read_keyed_at(AT_FDCWD, path, keys, vals, n);
}

int mq_cgfs_read_keyed_at(int dfd, const char *file, const char *const *keys,
			  uint64_t *vals, size_t n)
{
	char buf[8192], *line, *p, *val;
	int err = mq_cgfs_read_at(dfd, file, buf, sizeof(buf));
	size_t i;

	if (err)
		return err;
	p = buf;
	while ((line = strsep(&p, "\n"))) {
		val = strchr(line, ' ');
		if (!val)
			continue;
		*val++ = '\0';
		for (i = 0; i < n; i++)
			if (!strcmp(line, keys[i]))
				parse_u64(val, &vals[i]);
	}
	return 0;
}

int mq_cgfs_read_psi_some(const char *path, uint64_t *us)
{
	return mq_cgfs_read_psi_some_at(AT_FDCWD, path, us);
}

int mq_cgfs_read_psi_some_at(int dfd, const char *file, uint64_t *us)
{
	char buf[256], *t;
	int err = mq_cgfs_read_at(dfd, file, buf, sizeof(buf));

	if (err)
		return err;
	if (strncmp(buf, "some ", 5) || !(t = strstr(buf, "total=")))
		return -EINVAL;
	*us = strtoull(t + 6, NULL, 10);
	return 0;
}

int mq_cgfs_write(const char *path, const char *value)
{
	return mq_cgfs_write_at(AT_FDCWD, path, value);
}

int mq_cgfs_write_at(int dfd, const char *file, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd = openat(dfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

const char *mq_cgfs_fmt(uint64_t v, char *buf, size_t len)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

int mq_cgfs_get_xattr(const char *dir, const char *name, char *buf, size_t len)
{
	ssize_t n = getxattr(dir, name, buf, len - 1);

	if (n < 0)
		return errno == ENOTSUP ? -ENODATA : -errno;
	buf[n] = '\0';
	return 0;
}

int mq_cgfs_fget_xattr(int fd, const char *name, char *buf, size_t len)
{
	ssize_t n = fgetxattr(fd, name, buf, len - 1);

	if (n < 0)
		return errno == ENOTSUP ? -ENODATA : -errno;
	buf[n] = '\0';
	return 0;
}

const char *mq_cgfs_read_tag(int fd, const char *name, char *buf, size_t len)
{
	int err;

	if (fd < 0 || !*name)
		return NULL;
	err = mq_cgfs_fget_xattr(fd, name, buf, len);
	/* a value too long for a tier name is no tier name */
	if (err == -ERANGE)
		return "";
	return err ? NULL : buf;
}

bool mq_cgfs_trusted_ok(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { };

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	       CAP_TO_MASK(CAP_SYS_ADMIN);
}

int mq_cgfs_set_xattr(const char *dir, const char *name, const char *value)
{
	return setxattr(dir, name, value, strlen(value), 0) ? -errno : 0;
}

int mq_cgfs_remove_xattr(const char *dir, const char *name)
{
	return removexattr(dir, name) ? -errno : 0;
}

/* Root's levels below the root: those of the parent, and this one's? */
static int root_depth(const struct mq_cgfs_node *parent, uid_t uid)
{
	if (parent->root_depth == parent->depth && uid == 0)
		return parent->depth + 1;
	return parent->root_depth;
}

/*
 * Depth first, a directory before its children. @path has PATH_MAX;
 * @parent is NULL for the root.
 */
static int walk(char *path, size_t root_len, const struct mq_cgfs_node *parent,
		int (*fn)(const struct mq_cgfs_node *n, void *data), void *data)
{
	size_t len = strlen(path);
	struct mq_cgfs_node n;
	struct dirent *de;
	DIR *dir;
	int ret;

	if (stat(path, &n.st))
		return 0;		/* removed meanwhile */
	n.rel = len > root_len ? path + root_len : "/";
	n.depth = parent ? parent->depth + 1 : 0;
	n.root_depth = parent ? root_depth(parent, n.st.st_uid) : 0;
	ret = fn(&n, data);
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		/* only . and ..: a cgroup named ".x" is a cgroup too */
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		if (len + 1 + strlen(de->d_name) >= PATH_MAX)
			continue;
		path[len] = '/';
		strcpy(path + len + 1, de->d_name);
		ret = walk(path, root_len, &n, fn, data);
		path[len] = '\0';
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

int mq_cgfs_walk(const struct mq_cgfs *fs,
		 int (*fn)(const struct mq_cgfs_node *n, void *data),
		 void *data)
{
	char *path = malloc(PATH_MAX);
	size_t root_len = strlen(fs->root);
	int ret;

	if (!path)
		return -ENOMEM;
	strcpy(path, fs->root);
	/* "/" as the mount point: children are "//x" otherwise */
	if (root_len == 1)
		root_len = 0;
	ret = walk(path, root_len, NULL, fn, data);
	free(path);
	return ret;
}

int mq_cgfs_node_at(const struct mq_cgfs *fs, const char *rel,
		    struct mq_cgfs_node *n)
{
	char dir[PATH_MAX];
	size_t root_len;
	struct mq_cgfs_node up = { .depth = 0, .root_depth = 0 };
	const char *s;
	int err;

	err = mq_cgfs_path(fs, rel, NULL, dir, sizeof(dir));
	if (err)
		return err;
	root_len = strlen(dir) - (strcmp(rel, "/") ? strlen(rel) : 0);
	/* each ancestor below the root, then the cgroup itself */
	for (s = dir + root_len; *s; ) {
		struct stat st;
		char c;

		s += strspn(s, "/");
		if (!*s)
			break;
		s = strchrnul(s, '/');
		c = *s;
		dir[s - dir] = '\0';
		err = stat(dir, &st) ? -errno : 0;
		dir[s - dir] = c;
		if (err)
			return err;
		up.root_depth = root_depth(&up, st.st_uid);
		up.depth++;
		n->st = st;
	}
	if (!up.depth && stat(dir, &n->st))
		return -errno;
	n->rel = rel;
	n->depth = up.depth;
	n->root_depth = up.root_depth;
	return 0;
}
