// SPDX-License-Identifier: GPL-2.0
/*
 * CGROUP arguments, see cgroup_arg.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_arg.h"

/* A cgroup2 mount: where it is and which cgroup it shows. */
struct cg_mount {
	char point[PATH_MAX];
	char root[PATH_MAX];
};

/*
 * Copy the space-delimited mountinfo field at *@p into @buf, undoing the
 * kernel's octal escapes (\040 for ' ' and so on). False if it is missing
 * or too long.
 */
static bool next_field(const char **p, char *buf, size_t len)
{
	const char *s = *p + strspn(*p, " ");
	size_t n = 0;

	if (!*s || *s == '\n')
		return false;
	while (*s && *s != ' ' && *s != '\n') {
		char c = *s++;

		if (c == '\\' && s[0] >= '0' && s[0] <= '3' &&
		    s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
			c = (char)((s[0] - '0') << 6 | (s[1] - '0') << 3 |
				   (s[2] - '0'));
			s += 3;
		}
		if (n + 1 >= len)
			return false;
		buf[n++] = c;
	}
	buf[n] = '\0';
	*p = s;
	return true;
}

/* One mountinfo line into @m if it is a cgroup2 mount. */
static bool parse_mount_line(const char *line, struct cg_mount *m)
{
	char field[PATH_MAX];
	const char *p = line;
	int i;

	/* id, parent id, major:minor, root, mount point */
	for (i = 0; i < 3; i++)
		if (!next_field(&p, field, sizeof(field)))
			return false;
	if (!next_field(&p, m->root, sizeof(m->root)) ||
	    !next_field(&p, m->point, sizeof(m->point)))
		return false;
	/* options and optional fields up to "-", then the type */
	do {
		if (!next_field(&p, field, sizeof(field)))
			return false;
	} while (strcmp(field, "-"));
	return next_field(&p, field, sizeof(field)) &&
	       !strcmp(field, "cgroup2");
}

/* Length of @point if it is a path prefix of @arg ("/a" of "/a/b"), else 0. */
static size_t prefix_len(const char *point, const char *arg)
{
	size_t len = strlen(point);

	while (len && point[len - 1] == '/')
		len--;
	if (strncmp(point, arg, len) || (arg[len] && arg[len] != '/'))
		return 0;
	return len ? len : 1;
}

/*
 * The cgroup2 mount whose point is the longest prefix of @arg, into @best;
 * the length of that prefix, 0 if none.
 */
static size_t find_mount(const char *mountinfo, const char *arg,
			 struct cg_mount *best)
{
	struct cg_mount *m = malloc(sizeof(*m));
	size_t best_len = 0, len;
	const char *line;

	if (!m)
		return 0;
	for (line = mountinfo; line && *line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (!parse_mount_line(line, m))
			continue;
		len = prefix_len(m->point, arg);
		if (len > best_len) {
			best_len = len;
			*best = *m;
		}
	}
	free(m);
	return best_len;
}

/* Append @src to @dst (of PATH_MAX) as path components, '/'-normalised. */
static int path_append(char *dst, const char *src)
{
	size_t n = strlen(dst);

	for (; *src; src++) {
		if (*src == '/' && n && dst[n - 1] == '/')
			continue;
		if (n + 1 >= PATH_MAX)
			return -ENAMETOOLONG;
		dst[n++] = *src;
	}
	dst[n] = '\0';
	return 0;
}

static int parse_id(const char *arg, struct mq_cgroup_arg *out)
{
	char *end;

	errno = 0;
	out->id = strtoull(arg, &end, 10);
	if (errno || *end || !out->id)
		return -EINVAL;
	return 0;
}

int mq_cgroup_arg_parse(const char *arg, const char *mountinfo,
			struct mq_cgroup_arg *out)
{
	struct cg_mount *m;
	size_t skip = 0, n;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!*arg)
		return -EINVAL;
	if (strspn(arg, "0123456789") == strlen(arg))
		return parse_id(arg, out);

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	strcpy(out->path, "/");
	if (arg[0] == '/' && mountinfo) {
		skip = find_mount(mountinfo, arg, m);
		if (skip)
			err = path_append(out->path, m->root);
	}
	free(m);
	if (!err)
		err = path_append(out->path, arg + skip);
	if (err)
		return err;
	n = strlen(out->path);
	if (n > 1 && out->path[n - 1] == '/')
		out->path[n - 1] = '\0';
	return 0;
}

int mq_cgroup_arg_fs_path(const char *mountinfo, const char *path,
			  const char *file, char *buf)
{
	struct cg_mount *m = malloc(sizeof(*m));
	const char *line;
	size_t skip = 0;
	int err;

	if (!m)
		return -ENOMEM;
	for (line = mountinfo; line && *line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (parse_mount_line(line, m)) {
			skip = prefix_len(m->root, path);
			if (skip)
				break;
		}
	}
	if (!skip) {
		free(m);
		return -ENOENT;
	}
	buf[0] = '\0';
	err = path_append(buf, m->point) ?: path_append(buf, "/") ?:
	      path_append(buf, path + skip) ?: path_append(buf, "/") ?:
	      path_append(buf, file);
	free(m);
	return err;
}

char *mq_cgroup_arg_read_mountinfo(void)
{
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;

	if (!fp)
		return NULL;
	/* one read loop: the file is generated on read, no size known */
	n = getdelim(&buf, &len, '\0', fp);
	fclose(fp);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
