/* SPDX-License-Identifier: GPL-2.0 */
/* walk.c: a subtree's memory cgroups, in bounded chunks */
#ifndef MQ_WALK_H
#define MQ_WALK_H

#include <linux/compiler_types.h>

struct cgroup;
struct cgroup_subsys_state;

/*
 * A pre-order walk of the memory css of @top and its descendants (none if
 * @top has no memory controller):
 *
 *	mq_walk_start(&w, top);
 *	while ((pos = mq_walk_next(&w)))
 *		...;
 *	mq_walk_end(&w);
 *
 * The loop body runs under RCU and must not sleep; mq_walk_next() leaves
 * RCU and reschedules between chunks, so no pointer read under RCU may be
 * kept across it. To sleep between two cgroups, mq_walk_pin() the
 * position and, if it could, leave RCU and take it again before the next
 * mq_walk_next().
 */
struct mq_walk {
	struct cgroup_subsys_state *root;	/* referenced, or NULL */
	struct cgroup_subsys_state *pos;	/* the last one returned */
	struct cgroup_subsys_state *pinned;	/* referenced, or NULL */
	unsigned int visited;			/* since the last pin */
};

void mq_walk_start(struct mq_walk *w, struct cgroup *top) __acquires(RCU);
struct cgroup_subsys_state *mq_walk_next(struct mq_walk *w);
bool mq_walk_pin(struct mq_walk *w);
void mq_walk_end(struct mq_walk *w) __releases(RCU);

#endif /* MQ_WALK_H */
