// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots of the ids of a subtree's memory cgroups, with their subtree
 * totals from the same walk, for the readers that dump every cgroup
 * (debugfs and netlink). Apart from the table of records, whose pending
 * changes they apply first, and from report.c, which sums the subtrees.
 */
#include <linux/cgroup.h>
#include <linux/minmax.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cgtable.h"
#include "idlist.h"
#include "report.h"
#include "walk.h"

/* Ids a list starts with room for; and may take beyond a pause at most. */
#define MQ_IDLIST_MIN	256
#define MQ_IDLIST_SLACK	64

/*
 * Gives @list room for @cap ids (and their totals if @totals): false,
 * @list unchanged, without memory.
 */
static bool mq_idlist_grow(struct mq_idlist *list, size_t cap, bool totals)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
	u64 *ids, *subtree = NULL;

	ids = kvmalloc_array(cap, sizeof(*ids), gfp);
	if (!ids)
		return false;
	if (totals) {
		subtree = kvcalloc(2 * cap, sizeof(*subtree), gfp);
		if (!subtree) {
			kvfree(ids);
			return false;
		}
	}
	if (list->nr) {
		memcpy(ids, list->ids, list->nr * sizeof(*ids));
		if (totals)
			memcpy(subtree, list->subtree,
			       2 * list->nr * sizeof(*subtree));
	}
	kvfree(list->ids);
	kvfree(list->subtree);
	list->ids = ids;
	list->subtree = subtree;
	list->cap = cap;
	return true;
}

/*
 * One walk for mq_idlist_collect(): 0, -ENOMEM, or -EAGAIN when the list
 * filled up where the walk could not pause to grow it (MQ_IDLIST_SLACK
 * cgroups in a row removed as they were listed).
 */
static int mq_idlist_walk(struct mq_idlist *list, struct cgroup *top,
			  struct mq_subtree_walk *sw)
{
	struct cgroup_subsys_state *pos;
	struct mq_walk w;
	int ret = 0;
	long idx;

	if (sw)
		mq_subtree_walk_start(sw);
	mq_walk_start(&w, top);
	while ((pos = mq_walk_next(&w))) {
		idx = -1;
		if (READ_ONCE(pos->flags) & CSS_ONLINE) {
			if (list->nr == list->cap) {
				ret = -EAGAIN;
				break;
			}
			idx = list->nr++;
			list->ids[idx] = cgroup_id(pos->cgroup);
		}
		if (sw)
			mq_subtree_visit(sw, list->subtree, pos, idx);
		/* Grow between two cgroups, outside RCU. */
		if (list->nr + MQ_IDLIST_SLACK > list->cap &&
		    mq_walk_pin(&w)) {
			rcu_read_unlock();
			if (!mq_idlist_grow(list, 2 * list->cap, sw))
				ret = -ENOMEM;
			rcu_read_lock();
			if (ret)
				break;
		}
	}
	mq_walk_end(&w);
	return ret;
}

/*
 * Collects the ids of the online memory cgroups under @top (itself
 * included; NULL for the whole hierarchy), parents before children, and
 * if @subtrees their subtree totals in the same walk. The walk gives the
 * CPU back between chunks (walk.c) and the list grows as it goes: the
 * memory, charged to the caller, is what the caller can see.
 */
struct mq_idlist *mq_idlist_collect(struct cgroup *top, bool subtrees)
{
	struct mq_subtree_walk *sw = NULL;
	struct mq_idlist *list;
	int ret, tries = 0;

	if (!top)
		top = &cgrp_dfl_root.cgrp;
	list = kzalloc(sizeof(*list), GFP_KERNEL_ACCOUNT);
	if (!list)
		return NULL;
	/* Without memory for the totals, readers walk each subtree. */
	if (subtrees)
		sw = mq_subtree_walk_alloc();
	/* A cgroup made just before is listed with its record. */
	mq_cg_sync();
	do {
		list->nr = 0;
		ret = -ENOMEM;
		if (!mq_idlist_grow(list, max_t(size_t, list->cap,
						MQ_IDLIST_MIN), sw))
			break;
		ret = mq_idlist_walk(list, top, sw);
	} while (ret == -EAGAIN && ++tries < 4);
	if (!ret && sw && !mq_subtree_walk_complete(sw)) {
		kvfree(list->subtree);
		list->subtree = NULL;
	}
	kvfree(sw);
	if (ret) {
		mq_idlist_free(list);
		return NULL;
	}
	return list;
}

void mq_idlist_free(struct mq_idlist *list)
{
	if (!list)
		return;
	kvfree(list->ids);
	kvfree(list->subtree);
	kfree(list);
}
