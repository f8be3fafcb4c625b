/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cgroup id -> path, cached: events carry ids only. A miss asks the
 * module (CGROUP_GET by id); a cgroup it does not show (gone, or outside
 * the caller's cgroup namespace) is remembered as having no path.
 */
#ifndef MEMQOS_IDPATH_H
#define MEMQOS_IDPATH_H

#include <stddef.h>
#include <stdint.h>

#include "cgrec.h"
#include "nl.h"

struct mq_idpath_entry {
	uint64_t id;
	char *path;		/* NULL: not visible */
};

struct mq_idpath_cache {
	struct mq_idpath_entry *entries;
	size_t n;
};

/* The path of @id, NULL if the module shows none; cached. */
const char *mq_idpath_get(struct mq_nl **nlp, struct mq_idpath_cache *c,
			  uint64_t id);
/* Forget @id (its cgroup was removed). */
void mq_idpath_drop(struct mq_idpath_cache *c, uint64_t id);
/* Replace everything with the cgroups of a dump. */
void mq_idpath_fill(struct mq_idpath_cache *c, const struct mq_cg_list *list);
void mq_idpath_free(struct mq_idpath_cache *c);

#endif /* MEMQOS_IDPATH_H */
