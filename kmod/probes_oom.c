// SPDX-License-Identifier: GPL-2.0
/*
 * OOM kills, from oom:mark_victim. It fires once per victim task (the kernel
 * marks a task only once), with oom_lock held and the victim's task_lock
 * taken, so victim->mm is stable here. The record holds what the
 * tracepoint's own event records on 6.12 and newer (and Debian's 6.1.192
 * on): comm, the RSS parts, uid, page tables and oom_score_adj, read from
 * the same task. The kill's trigger and scope come from out_of_memory(),
 * which this fires inside of (probes_oomscope.c).
 *
 * A task that was already exiting is marked without a SIGKILL and without
 * counting in memory.events oom_kill; such marks are rare (a dying task
 * charges with force) and are counted here like kills.
 */
#include <linux/module.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <trace/events/oom.h>
#include <linux/memqos.h>

#include "cgtable.h"
#include "events.h"
#include "oomring.h"
#include "probes.h"
#include "probes_oomscope.h"
#include "stats.h"
#include "tracepoints.h"

static void mq_mark_victim(void *data, struct task_struct *task, uid_t uid)
{
	struct mq_event ev = { .cmd = MEMQOS_CMD_OOM_KILL_NTF };
	struct mq_oom_kill k = { .uid = uid };
	struct mem_cgroup *memcg;
	struct mq_cgroup *cg;
	struct mm_struct *mm;

	mq_tp_hit(data);
	mq_stat_inc(MQ_STAT_OOM_KILLS);

	k.time_ns = ktime_get_real_ns();
	k.boot_ns = ktime_get_boottime_ns();
	k.pid = task_tgid_nr(task);
	/* Not get_task_comm(): the caller may hold the victim's task_lock. */
	strscpy_pad(k.comm, task->comm, sizeof(k.comm));
	mm = task->mm;
	if (mm) {
		k.rss_anon_bytes = get_mm_counter(mm, MM_ANONPAGES) * PAGE_SIZE;
		k.rss_file_bytes = get_mm_counter(mm, MM_FILEPAGES) * PAGE_SIZE;
		k.rss_shmem_bytes = get_mm_counter(mm, MM_SHMEMPAGES) * PAGE_SIZE;
		k.pgtables_bytes = mm_pgtables_bytes(mm);
	}
	k.oom_score_adj = READ_ONCE(task->signal->oom_score_adj);

	rcu_read_lock();
	memcg = mem_cgroup_from_task(task);
	if (memcg) {
		k.cgid = cgroup_id(memcg->css.cgroup);
		cg = mq_cg_lookup(k.cgid);
		if (cg)
			atomic64_inc(&cg->oom_kills);
		else
			mq_stat_inc(MQ_STAT_UNTRACKED_EVENTS);
	}
	rcu_read_unlock();
	mq_oomscope_fill(&k);

	mq_oomring_add(&k);

	/* No pid, comm or uid: the OOM-kill dump checks who asks for those. */
	ev.cgid = k.cgid;
	ev.rss_bytes = k.rss_anon_bytes + k.rss_file_bytes + k.rss_shmem_bytes;
	ev.has_scope = k.has_scope;
	ev.scope = k.scope;
	ev.trigger_cgid = k.trigger_cgid;
	ev.scope_cgid = k.scope_cgid;
	ev.scope_max_bytes = k.scope_max_bytes;
	mq_event_raise(&ev);
}

static inline void mq_oom_check_protos(void)
{
	check_trace_callback_type_mark_victim(mq_mark_victim);
}

struct mq_tp_probe mq_oom_probes[] = {
	{ .name = "mark_victim", .func = mq_mark_victim },
	{ }
};
