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

struct idpath_entry {
	uint64_t id;
	char *path;		/* NULL: not visible */
};

struct idpath_cache {
	struct idpath_entry *entries;
	size_t n;
};

/* The path of @id, NULL if the module shows none; cached. */
const char *mq_idpath_get(struct memqos_nl **nlp, struct idpath_cache *c,
			  uint64_t id);
/* Forget @id (its cgroup was removed). */
void mq_idpath_drop(struct idpath_cache *c, uint64_t id);
/* Replace everything with the cgroups of a dump. */
void mq_idpath_fill(struct idpath_cache *c, const struct cg_list *list);
void mq_idpath_free(struct idpath_cache *c);

#endif /* MEMQOS_IDPATH_H */
