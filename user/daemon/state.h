/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the daemon changed: the original value of every cgroup file it
 * wrote, recorded before the first write and kept in a state file
 * (/run/memqos/state) so that a later start, after a crash, can put back
 * whatever the daemon no longer manages.
 *
 * The file: a "memqos-state 2" line, then one line per file
 *	<cgroup id> <file> <original value> <last> <path from the cgroup2 root>
 * the path last since it may hold spaces. <last> is the value the daemon
 * last wrote, so that a write by someone else shows (coexist.c); "-" if
 * unknown, "yielded" once another writer owns the file. Version 1 files
 * (no <last>) are read as "-" and written back as version 2. The file is
 * replaced atomically (written to a temporary file, fsync'ed, renamed).
 *
 * Parsing and formatting are pure and unit tested.
 */
#ifndef MEMQOS_STATE_H
#define MEMQOS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STATE_FILE_LEN	32
#define STATE_VALUE_LEN	32

struct state_ent {
	uint64_t id;		/* cgroup id: a new cgroup at the path differs */
	char file[STATE_FILE_LEN];	/* "memory.min" */
	char value[STATE_VALUE_LEN];	/* as the kernel printed it */
	char last[STATE_VALUE_LEN];	/* last written, "" if unknown */
	bool yielded;			/* another writer owns the file */
	char *path;
	unsigned int mark;	/* for the caller */
};

struct state {
	struct state_ent *e;
	size_t n, cap;
};

void state_free(struct state *st);

/*
 * Parse @text into @st (emptied first). -EINVAL with "line N: ..." in
 * @err (of @errlen bytes) on a malformed file; @st is then empty.
 */
int state_parse(struct state *st, const char *text, char *err, size_t errlen);

/* The file's text, to free(); NULL without memory. */
char *state_format(const struct state *st);

/* The entry for @file of the cgroup at @path, NULL if none. */
struct state_ent *state_find(const struct state *st, const char *path,
			     const char *file);

/*
 * Add an entry, its last value unknown; -EINVAL for a path with a newline or a . or ..
 * component, a file name with a '/', or a too long value.
 */
int state_add(struct state *st, uint64_t id, const char *path,
	      const char *file, const char *value);

/* Remember @value (a number or "max") as the last one written; -EINVAL. */
int state_set_last(struct state_ent *e, const char *value);

/* Remove entry @i (order is not kept). */
void state_del(struct state *st, size_t i);

/* Read @path into @st; an absent file is an empty state. 0 or -errno. */
int state_load(struct state *st, const char *path, char *err, size_t errlen);

/* Replace @path with @st, atomically. 0 or -errno. */
int state_save(const struct state *st, const char *path);

/*
 * Why a directory of @mode owned by @owner may not hold the state of a
 * daemon running as @euid, NULL if it may: only its owner may write in
 * it, or another user could replace the state file or the lock.
 */
const char *state_dir_unsafe(mode_t mode, uid_t owner, uid_t euid);

/*
 * One daemon per node: takes the lock on "@dir/lock" (flock(2),
 * exclusive) and writes its pid in it. Returns the descriptor, to keep
 * open for the process lifetime (close-on-exec), -EWOULDBLOCK with the
 * holder's pid in @holder (0 if unknown) while another process has it,
 * or -errno.
 */
int state_lock(const char *dir, long *holder);

#endif /* MEMQOS_STATE_H */
