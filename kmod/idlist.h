/* SPDX-License-Identifier: GPL-2.0 */
/* idlist.c: snapshots of the ids of a subtree's memory cgroups */
#ifndef MQ_IDLIST_H
#define MQ_IDLIST_H

#include <linux/types.h>

struct cgroup;

/*
 * A snapshot of the ids of online memory cgroups, in hierarchy order, and
 * optionally their subtree totals from the same walk: subtree[2 * i] and
 * [2 * i + 1] are ids[i]'s MQ_C_SUBTREE_RECLAIMED_WITHIN and _OUTSIDE, or
 * subtree is NULL (not asked for, no memory, or a hierarchy too deep).
 * Charged to the caller's memory cgroup, and sized to the cgroups listed.
 */
struct mq_idlist {
	size_t nr, cap;
	u64 *ids;
	u64 *subtree;
};

struct mq_idlist *mq_idlist_collect(struct cgroup *top, bool subtrees);
void mq_idlist_free(struct mq_idlist *list);

/* The subtree totals of the id at @id in @list's ids, or NULL. */
static inline const u64 *mq_idlist_subtree(const struct mq_idlist *list,
					   const u64 *id)
{
	return list->subtree ? &list->subtree[2 * (id - list->ids)] : NULL;
}

#endif /* MQ_IDLIST_H */
