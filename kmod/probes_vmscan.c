// SPDX-License-Identifier: GPL-2.0
/*
 * Probes on the vmscan tracepoints: reclaim stalls, kswapd wakeups and
 * reclaim throttling, attributed to the memory cgroup of the task that
 * stalled.
 *
 * Memcg reclaim begin/end fire in the charging task, inside
 * try_to_free_mem_cgroup_pages(), and direct reclaim in the allocating task.
 * Both pairs are matched per task by inflight.c. From v7.1 the memcg
 * reclaim tracepoints also name the cgroup being reclaimed (the one whose
 * memory.high, memory.max or memory.reclaim started it, which may be an
 * ancestor of the stalled task's): it is counted as the reclaim's target.
 *
 * The kernel's own event header is included (without CREATE_TRACE_POINTS) so
 * that check_trace_callback_type_*() checks each probe against the running
 * kernel's TP_PROTO at build time.
 */
#include <linux/module.h>
#include <linux/memcontrol.h>
#include <linux/tracepoint.h>
#include <trace/events/vmscan.h>

#include "attrib.h"
#include "cgtable.h"
#include "hist.h"
#include "inflight.h"
#include "probes.h"
#include "stats.h"
#include "tracepoints.h"

/* The record of @target, the cgroup a memcg reclaim works on, or NULL. */
static struct mq_cgroup *mq_target_cg(struct mem_cgroup *target)
{
	struct mq_cgroup *cg;

	if (!target)
		return NULL;
	cg = mq_cg_lookup(cgroup_id(target->css.cgroup));
	if (!cg)
		mq_stat_inc(MQ_STAT_UNTRACKED_EVENTS);
	return cg;
}

static void mq_reclaim_begin(enum mq_stall_kind kind,
			     struct mem_cgroup *target)
{
	struct mem_cgroup *memcg;
	struct mq_cgroup *cg;
	u64 cgid;

	mq_stat_inc(MQ_STAT_RECLAIM_STALLS);
	rcu_read_lock();
	cgid = mq_current_memcg_id(&memcg);
	/* A first event may be the first sign of a cgroup: track it. */
	if (cgid)
		mq_cg_lookup_or_create(memcg);
	cg = mq_target_cg(target);
	if (cg)
		atomic64_inc(&cg->limit_reclaims);
	rcu_read_unlock();
	if (cgid)
		mq_inflight_begin(kind, cgid);
}

static void mq_reclaim_end(enum mq_stall_kind kind, unsigned long pages,
			   struct mem_cgroup *target)
{
	u64 now = ktime_get_ns(), cgid, start;
	struct mq_cgroup *cg;

	rcu_read_lock();
	cg = mq_target_cg(target);
	if (cg)
		atomic64_add(pages, &cg->limit_reclaim_pages);
	rcu_read_unlock();

	/* The LRU shrunk last belongs to this stall: forget it. */
	mq_inflight_release(MQ_SLOT_VICTIM);
	if (!mq_inflight_end(kind, &cgid, &start))
		return;
	mq_stall_account(kind, cgid, start, now);

	rcu_read_lock();
	cg = mq_cg_lookup(cgid);
	if (cg)
		atomic64_add(pages, kind == MQ_STALL_MEMCG_RECLAIM ?
			     &cg->memcg_reclaim_pages :
			     &cg->direct_reclaim_pages);
	rcu_read_unlock();
}

static void mq_memcg_reclaim_begin(void *data, MQ_RECLAIM_BEGIN_ARGS)
{
	mq_tp_hit(data);
	mq_reclaim_begin(MQ_STALL_MEMCG_RECLAIM, MQ_RECLAIM_MEMCG);
}

static void mq_memcg_reclaim_end(void *data, MQ_RECLAIM_END_ARGS)
{
	mq_tp_hit(data);
	mq_reclaim_end(MQ_STALL_MEMCG_RECLAIM, nr_reclaimed, MQ_RECLAIM_MEMCG);
}

/* Global direct reclaim has no target cgroup, whatever the kernel passes. */
static void mq_direct_reclaim_begin(void *data, MQ_RECLAIM_BEGIN_ARGS)
{
	mq_tp_hit(data);
	mq_reclaim_begin(MQ_STALL_DIRECT_RECLAIM, NULL);
}

static void mq_direct_reclaim_end(void *data, MQ_RECLAIM_END_ARGS)
{
	mq_tp_hit(data);
	mq_reclaim_end(MQ_STALL_DIRECT_RECLAIM, nr_reclaimed, NULL);
}

/* The record of the current task's cgroup, for an event counter. */
static struct mq_cgroup *mq_current_cg(void)
{
	u64 cgid = mq_current_memcg_id(NULL);
	struct mq_cgroup *cg = cgid ? mq_cg_lookup(cgid) : NULL;

	if (cgid && !cg)
		mq_stat_inc(MQ_STAT_UNTRACKED_EVENTS);
	return cg;
}

/* An allocation (of the current task, unless in irq) woke kswapd. */
static void mq_wakeup_kswapd(void *data, int nid, int zid, int order,
			     gfp_t gfp_flags)
{
	struct mq_cgroup *cg;

	mq_tp_hit(data);
	rcu_read_lock();
	cg = mq_current_cg();
	if (cg)
		atomic64_inc(&cg->kswapd_wakeups);
	rcu_read_unlock();
}

/* kswapd itself woke up on a node. */
static void mq_kswapd_wake(void *data, int nid, int zid, int order)
{
	mq_tp_hit(data);
	mq_stat_inc(MQ_STAT_KSWAPD_WAKE);
}

/* Fires after the throttled task slept in reclaim_throttle(). */
static void mq_throttled(void *data, int nid, int usec_timeout,
			 int usec_delayed, int reason)
{
	struct mq_cgroup *cg;

	mq_tp_hit(data);
	rcu_read_lock();
	cg = mq_current_cg();
	if (cg) {
		atomic64_inc(&cg->throttled);
		atomic64_add(max(usec_delayed, 0), &cg->throttled_us);
	}
	rcu_read_unlock();
}

/* One batch of inactive LRU reclaim: attribute it (attrib.c). */
static void mq_lru_shrink_inactive(void *data, int nid,
				   unsigned long nr_scanned,
				   unsigned long nr_reclaimed,
				   struct reclaim_stat *stat, int priority,
				   int file)
{
	mq_tp_hit(data);
	mq_attrib_account(nid, nr_scanned, nr_reclaimed, file);
}

static inline void mq_vmscan_check_protos(void)
{
	check_trace_callback_type_mm_vmscan_memcg_reclaim_begin(mq_memcg_reclaim_begin);
	check_trace_callback_type_mm_vmscan_memcg_reclaim_end(mq_memcg_reclaim_end);
	check_trace_callback_type_mm_vmscan_direct_reclaim_begin(mq_direct_reclaim_begin);
	check_trace_callback_type_mm_vmscan_direct_reclaim_end(mq_direct_reclaim_end);
	check_trace_callback_type_mm_vmscan_wakeup_kswapd(mq_wakeup_kswapd);
	check_trace_callback_type_mm_vmscan_kswapd_wake(mq_kswapd_wake);
	check_trace_callback_type_mm_vmscan_throttled(mq_throttled);
	check_trace_callback_type_mm_vmscan_lru_shrink_inactive(mq_lru_shrink_inactive);
}

struct mq_tp_probe mq_vmscan_probes[] = {
	{ .name = "mm_vmscan_memcg_reclaim_begin", .func = mq_memcg_reclaim_begin },
	{ .name = "mm_vmscan_memcg_reclaim_end", .func = mq_memcg_reclaim_end },
	{ .name = "mm_vmscan_direct_reclaim_begin", .func = mq_direct_reclaim_begin },
	{ .name = "mm_vmscan_direct_reclaim_end", .func = mq_direct_reclaim_end },
	{ .name = "mm_vmscan_wakeup_kswapd", .func = mq_wakeup_kswapd },
	{ .name = "mm_vmscan_kswapd_wake", .func = mq_kswapd_wake },
	{ .name = "mm_vmscan_throttled", .func = mq_throttled, .optional = true },
	{ .name = "mm_vmscan_lru_shrink_inactive", .func = mq_lru_shrink_inactive },
	{ }
};
