// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup lifecycle: records are created with their cgroups and freed with
 * them. Only cgroups of the v2 hierarchy with the memory controller enabled
 * are tracked. These tracepoints fire with cgroup_mutex held, inside the
 * kernel's trace_cgroup_path_lock with IRQs off: the probes only queue the
 * change (cgtable.c applies it in process context).
 */
#include <linux/module.h>
#include <linux/cgroup.h>
#include <linux/tracepoint.h>
#include <trace/events/cgroup.h>

#include "cgtable.h"
#include "probes.h"
#include "tracepoints.h"

/* cgroup_on_dfl() is internal to kernel/cgroup/. */
static bool mq_on_dfl(const struct cgroup *cgrp)
{
	return cgrp->root == &cgrp_dfl_root;
}

static void mq_cgroup_mkdir(void *data, struct cgroup *cgrp, const char *path)
{
	mq_tp_hit(data);
	if (!mq_on_dfl(cgrp) ||
	    !rcu_access_pointer(cgrp->subsys[memory_cgrp_id]))
		return;
	mq_cg_generation_bump();
	mq_cg_queue_create(cgrp);
}

static void mq_cgroup_rmdir(void *data, struct cgroup *cgrp, const char *path)
{
	mq_tp_hit(data);
	if (!mq_on_dfl(cgrp))
		return;
	mq_cg_generation_bump();
	mq_cg_queue_remove(cgroup_id(cgrp), true);
}

/* A record created lazily while the cgroup was dying goes here. */
static void mq_cgroup_release(void *data, struct cgroup *cgrp,
			      const char *path)
{
	mq_tp_hit(data);
	if (mq_on_dfl(cgrp))
		mq_cg_queue_remove(cgroup_id(cgrp), false);
}

static inline void mq_cgroup_check_protos(void)
{
	check_trace_callback_type_cgroup_mkdir(mq_cgroup_mkdir);
	check_trace_callback_type_cgroup_rmdir(mq_cgroup_rmdir);
	check_trace_callback_type_cgroup_release(mq_cgroup_release);
}

struct mq_tp_probe mq_cgroup_probes[] = {
	{ .name = "cgroup_mkdir", .func = mq_cgroup_mkdir },
	{ .name = "cgroup_rmdir", .func = mq_cgroup_rmdir },
	{ .name = "cgroup_release", .func = mq_cgroup_release },
	{ }
};
