// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's state file, see state.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgfs.h"
#include "state.h"

#define STATE_MAGIC	"memqos-state 2"
#define STATE_MAGIC_V1	"memqos-state 1"
#define LAST_UNKNOWN	"-"
#define LAST_YIELDED	"yielded"

void state_free(struct state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		free(st->e[i].path);
	free(st->e);
	memset(st, 0, sizeof(*st));
}

static bool valid_token(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n < max && !strpbrk(s, " \t\n");
}

int state_add(struct state *st, uint64_t id, const char *path,
	      const char *file, const char *value)
{
	struct state_ent *e;

	/* a path from the cgroup2 root: nothing outside the mount */
	if (!valid_token(file, STATE_FILE_LEN) ||
	    !valid_token(value, STATE_VALUE_LEN) || !mq_cgfs_rel_ok(path) ||
	    strchr(path, '\n') || strchr(file, '/'))
		return -EINVAL;
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;

		e = realloc(st->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		st->e = e;
		st->cap = cap;
	}
	e = &st->e[st->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	e->id = id;
	strcpy(e->file, file);
	strcpy(e->value, value);
	st->n++;
	return 0;
}

/* What memory.min, low and high read: a number or "max". */
int state_set_last(struct state_ent *e, const char *value)
{
	size_t n = strlen(value);

	if (!n || n >= STATE_VALUE_LEN ||
	    (strcmp(value, "max") && strspn(value, "0123456789") != n))
		return -EINVAL;
	strcpy(e->last, value);
	return 0;
}

void state_del(struct state *st, size_t i)
{
	free(st->e[i].path);
	st->e[i] = st->e[--st->n];
}

struct state_ent *state_find(const struct state *st, const char *path,
			     const char *file)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->e[i].path, path) &&
		    !strcmp(st->e[i].file, file))
			return &st->e[i];
	return NULL;
}

/* "<id> <file> <value> <last> <path>", version 1 without <last> */
static int parse_line(struct state *st, char *line, bool v1)
{
	char *id_s, *file, *value, *last = LAST_UNKNOWN, *path, *end;
	struct state_ent *e;
	uint64_t id;
	int err;

	id_s = strsep(&line, " ");
	file = line ? strsep(&line, " ") : NULL;
	value = line ? strsep(&line, " ") : NULL;
	if (!v1)
		last = line ? strsep(&line, " ") : NULL;
	path = line;
	if (!file || !value || !last || !path || !*id_s || *id_s == '-')
		return -EINVAL;
	errno = 0;
	id = strtoull(id_s, &end, 10);
	if (errno || *end || !id)
		return -EINVAL;
	if (state_find(st, path, file))
		return -EEXIST;
	err = state_add(st, id, path, file, value);
	if (err)
		return err;
	e = &st->e[st->n - 1];
	if (!strcmp(last, LAST_YIELDED))
		e->yielded = true;
	else if (strcmp(last, LAST_UNKNOWN) && state_set_last(e, last))
		err = -EINVAL;
	if (err)
		state_del(st, st->n - 1);
	return err;
}

int state_parse(struct state *st, const char *text, char *err, size_t errlen)
{
	char *copy = strdup(text), *p, *line;
	unsigned int lineno = 0;
	bool v1 = false;
	int ret = 0;

	state_free(st);
	if (!copy)
		return -ENOMEM;
	if (!*text) {
		snprintf(err, errlen, "empty file");
		free(copy);
		return -EINVAL;
	}
	p = copy;
	while ((line = strsep(&p, "\n"))) {
		lineno++;
		if (!p && !*line)
			break;		/* after the last newline */
		if (lineno == 1) {
			v1 = !strcmp(line, STATE_MAGIC_V1);
			if (!v1 && strcmp(line, STATE_MAGIC)) {
				snprintf(err, errlen,
					 "line 1: not a memqos state file");
				ret = -EINVAL;
				break;
			}
			continue;
		}
		ret = parse_line(st, line, v1);
		if (ret) {
			snprintf(err, errlen, "line %u: %s", lineno,
				 ret == -EEXIST ? "duplicate entry" :
				 ret == -ENOMEM ? "out of memory" :
				 "malformed entry");
			ret = ret == -ENOMEM ? ret : -EINVAL;
			break;
		}
	}
	free(copy);
	if (ret)
		state_free(st);
	return ret;
}

char *state_format(const struct state *st)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return NULL;
	fprintf(fp, "%s\n", STATE_MAGIC);
	for (i = 0; i < st->n; i++) {
		const struct state_ent *e = &st->e[i];

		fprintf(fp, "%" PRIu64 " %s %s %s %s\n", e->id, e->file,
			e->value, e->yielded ? LAST_YIELDED :
			*e->last ? e->last : LAST_UNKNOWN, e->path);
	}
	if (fclose(fp)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int state_load(struct state *st, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	int ret;

	state_free(st);
	if (!fp) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		return ret;
	}
	if (getdelim(&text, &len, '\0', fp) < 0 && ferror(fp)) {
		ret = -errno ? -errno : -EIO;
		snprintf(err, errlen, "read error");
		fclose(fp);
		free(text);
		return ret;
	}
	fclose(fp);
	ret = state_parse(st, text ? text : "", err, errlen);
	free(text);
	return ret;
}

int state_save(const struct state *st, const char *path)
{
	char tmp[4096];
	char *text = state_format(st);
	size_t len, off = 0;
	ssize_t n;
	int fd, ret = 0;

	if (!text)
		return -ENOMEM;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		free(text);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		free(text);
		return ret;
	}
	len = strlen(text);
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		off += n;
	}
	free(text);
	/* the rename must not land before the data */
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

const char *state_dir_unsafe(mode_t mode, uid_t owner, uid_t euid)
{
	if (!S_ISDIR(mode))
		return "not a directory";
	if (owner != euid)
		return "owned by another user";
	if (mode & (S_IWGRP | S_IWOTH))
		return "writable by others";
	return NULL;
}

int state_lock(const char *dir, long *holder)
{
	char path[4096], pid[32];
	ssize_t n;
	int fd, ret;

	*holder = 0;
	if (snprintf(path, sizeof(path), "%s/lock", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		if (n > 0) {
			pid[n] = '\0';
			*holder = strtol(pid, NULL, 10);
		}
		close(fd);
		return ret == -EAGAIN ? -EWOULDBLOCK : ret;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, n, 0) != n) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}
