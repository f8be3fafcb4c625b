// SPDX-License-Identifier: GPL-2.0
/*
 * Walking the memory cgroups of a subtree in bounded chunks.
 *
 * A walk of 10,000 cgroups takes milliseconds natively and much longer
 * under emulation; in one RCU read section nothing preempts it on a kernel
 * that preempts voluntarily (Debian's), and any user may ask for one (a GET
 * of "/", a dump start). So a walk leaves its RCU section every
 * MQ_WALK_CHUNK cgroups and reschedules if asked to.
 *
 * Between chunks it holds a reference on the last cgroup it visited, not
 * RCU: css_next_descendant_pre() resumes from a cgroup removed meanwhile
 * (it finds the next sibling by serial number), as long as that css is
 * still allocated, which the reference ensures; a css holds its parent.
 * A css whose last reference is already gone cannot be pinned: the walk
 * then goes on and pins the next one.
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>

#include "walk.h"

/* Cgroups visited per RCU read section. */
#define MQ_WALK_CHUNK	128

void mq_walk_start(struct mq_walk *w, struct cgroup *top)
	__acquires(RCU)
{
	struct cgroup_subsys_state *root;

	rcu_read_lock();
	root = rcu_dereference(top->subsys[memory_cgrp_id]);
	w->root = root && css_tryget(root) ? root : NULL;
	w->pos = NULL;
	w->pinned = NULL;
	w->visited = 0;
}

bool mq_walk_pin(struct mq_walk *w)
{
	struct cgroup_subsys_state *old = w->pinned;

	if (w->pos && w->pos != w->root) {
		if (!css_tryget(w->pos))
			return false;	/* released: pin the next one */
		w->pinned = w->pos;
	} else {
		w->pinned = NULL;	/* the root is held already */
	}
	if (old)
		css_put(old);
	w->visited = 0;
	return true;
}

struct cgroup_subsys_state *mq_walk_next(struct mq_walk *w)
{
	if (!w->root)
		return NULL;
	if (w->visited >= MQ_WALK_CHUNK && mq_walk_pin(w)) {
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
	}
	w->pos = css_next_descendant_pre(w->pos, w->root);
	w->visited++;
	return w->pos;
}

void mq_walk_end(struct mq_walk *w)
	__releases(RCU)
{
	rcu_read_unlock();
	if (w->pinned)
		css_put(w->pinned);
	if (w->root)
		css_put(w->root);
}
