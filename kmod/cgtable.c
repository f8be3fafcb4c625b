// SPDX-License-Identifier: GPL-2.0
/*
 * The table of tracked memory cgroups, keyed by the 64-bit cgroup id.
 *
 * Probes look records up under RCU without a lock. Records are created at
 * load for every online memory cgroup, on cgroup_mkdir, and lazily on the
 * first event of a cgroup that has none (memory enabled later in
 * subtree_control, or an earlier atomic allocation failed). They go on
 * cgroup_rmdir, and on cgroup_release as a safety net. The 16-bit memcg id
 * is recycled by the kernel; the cgroup id never is, so it is the key.
 *
 * The cgroup tracepoints fire under a spinlock with IRQs off, where the
 * table's bucket locks (which disable bottom halves) must not be taken.
 * The probes only queue the change on a lockless list, in order; a work
 * item applies it in process context.
 *
 * Records are charged to the parent of the memory cgroup they describe
 * (SLAB_ACCOUNT and set_active_memcg()), as the kernel charges a memcg's
 * own structures: whoever makes cgroups pays for their records within the
 * limits of the subtree they are made in, and an empty cgroup stays empty. And max_cgroups is not a
 * pool one tenant can drain: a share of it is kept for cgroups outside
 * delegated subtrees.
 *
 * A cgroup counts as delegated unless memqos saw root make it: a cgroup
 * whose mkdir ran with a non-root fsuid (in the initial user namespace),
 * or whose mkdir memqos did not see with the memory controller on (made
 * before load, or given the controller later). The kernel makes a new
 * cgroup directory its maker's, and an unprivileged task can only make one
 * below a directory delegated to it (systemd, and container managers after
 * it, chown a delegated cgroup's directory, cgroup.procs,
 * cgroup.subtree_control and cgroup.threads to the user): root's cgroups
 * (services, pods made by a root runtime, the delegation points
 * themselves) are not delegated; all a user or a user namespace makes is.
 * A cgroup memqos did not see made counts as delegated because it cannot
 * tell by whom: a directory's owner is kept in kernfs's private
 * structures, and a tenant could otherwise make its cgroups without the
 * memory controller and turn it on afterwards.
 *
 * Records of delegated cgroups are made only while fewer than max_cgroups
 * minus 1/MQ_CG_RESERVE of it exist: that last share is for root's.
 */
#include <linux/module.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/memcontrol.h>
#include <linux/rhashtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/workqueue.h>

#include "cgtable.h"
#include "config.h"
#include "events.h"
#include "hist.h"
#include "stats.h"

enum { MQ_CG_REMOVE_SILENT = 1, MQ_CG_REMOVE_NOTIFY };

#define MQ_CG_RESERVE	8

/*
 * Probe context: no sleeping, and no dipping into the reserves that a task
 * in direct reclaim (PF_MEMALLOC) may use, which are for freeing memory.
 */
#define MQ_GFP_PROBE	(GFP_NOWAIT | __GFP_NOMEMALLOC)

static struct kmem_cache *mq_cg_cache;
static struct rhashtable mq_cg_table;
static atomic_long_t mq_cg_nr = ATOMIC_LONG_INIT(0);
static atomic_long_t mq_cg_nr_delegated = ATOMIC_LONG_INIT(0);
/* Bumped on every cgroup mkdir/rmdir; dumps use it to flag a race. */
static atomic_t mq_cg_gen = ATOMIC_INIT(1);

unsigned int mq_cg_generation(void)
{
	return atomic_read(&mq_cg_gen);
}

void mq_cg_generation_bump(void)
{
	/* Never 0: netlink treats a zero sequence as "not tracked". */
	if (atomic_inc_return(&mq_cg_gen) == 0)
		atomic_inc(&mq_cg_gen);
}

static const struct rhashtable_params mq_cg_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct mq_cgroup, id),
	.head_offset = offsetof(struct mq_cgroup, node),
	.automatic_shrinking = true,
};

struct mq_cgroup *mq_cg_lookup(u64 id)
{
	return rhashtable_lookup(&mq_cg_table, &id, mq_cg_params);
}

unsigned long mq_cg_count(void)
{
	return atomic_long_read(&mq_cg_nr);
}

unsigned long mq_cg_count_delegated(void)
{
	return atomic_long_read(&mq_cg_nr_delegated);
}

/*
 * False, and the refusal counted, when the cap is reached, or for a
 * delegated cgroup when only the reserve is left.
 */
static bool mq_cg_room(bool delegated)
{
	unsigned long max = READ_ONCE(mq_config[MQ_CFG_MAX_CGROUPS]);
	unsigned long n = mq_cg_count();

	if (n >= max) {
		mq_stat_inc(MQ_STAT_DROPPED_CAP);
		return false;
	}
	if (delegated && n >= max - max / MQ_CG_RESERVE) {
		mq_stat_inc(MQ_STAT_DROPPED_DELEGATED);
		return false;
	}
	return true;
}

static void mq_cg_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(mq_cg_cache, container_of(head, struct mq_cgroup, rcu));
}

/* Remembers where @cgrp sits in the hierarchy, for attribution. */
static void mq_cg_place(struct mq_cgroup *cg, struct cgroup *cgrp)
{
	unsigned int l;

	cg->level = cgrp->level;
	for (l = 0; l <= cgrp->level && l < MQ_ATTR_DEPTH; l++)
		cg->ancestors[l] = cgroup_id(cgrp->ancestors[l]);
}

/*
 * A new record for @cgrp, not yet in the table, charged to the parent of
 * @memcg (the memcg of @cgrp), so whoever made the cgroup pays; NULL (the
 * refusal counted) at the cap or without memory. The cap is checked
 * before, not atomically with, the insert: racing creators may overshoot
 * it by a few records.
 */
static struct mq_cgroup *mq_cg_alloc(struct cgroup *cgrp,
				     struct mem_cgroup *memcg, gfp_t gfp,
				     bool delegated)
{
	struct mem_cgroup *old_memcg;
	struct mq_cgroup *cg;

	if (!mq_cg_room(delegated))
		return NULL;
	/*
	 * Not @memcg itself: a charge there makes an empty cgroup non-empty,
	 * and reclaim then walks it (6.1 skips only empty ones).
	 */
	old_memcg = set_active_memcg(parent_mem_cgroup(memcg) ?: memcg);
	cg = kmem_cache_zalloc(mq_cg_cache, gfp | __GFP_NOWARN);
	set_active_memcg(old_memcg);
	if (!cg) {
		mq_stat_inc(MQ_STAT_DROPPED_NOMEM);
		return NULL;
	}
	cg->id = cgroup_id(cgrp);
	cg->delegated = delegated;
	mq_cg_place(cg, cgrp);
	return cg;
}

/*
 * Puts @cg into the table: NULL when it went in, else the record already
 * there or an ERR_PTR (counted); @cg is then the caller's to free.
 */
static struct mq_cgroup *mq_cg_insert(struct mq_cgroup *cg)
{
	struct mq_cgroup *old;

	old = rhashtable_lookup_get_insert_fast(&mq_cg_table, &cg->node,
						mq_cg_params);
	if (IS_ERR(old)) {
		mq_stat_inc(MQ_STAT_DROPPED_NOMEM);
	} else if (!old) {
		atomic_long_inc(&mq_cg_nr);
		if (cg->delegated)
			atomic_long_inc(&mq_cg_nr_delegated);
		mq_stat_inc(MQ_STAT_RECORDS_CREATED);
	}
	return old;
}

/*
 * Creates the record of @cgrp (whose memcg is @memcg), or returns the one
 * that exists. May run in a probe: @gfp is then MQ_GFP_PROBE and failure
 * only costs a counter.
 */
static struct mq_cgroup *mq_cg_create(struct cgroup *cgrp,
				      struct mem_cgroup *memcg, gfp_t gfp,
				      bool delegated)
{
	struct mq_cgroup *cg = mq_cg_alloc(cgrp, memcg, gfp, delegated), *old;

	if (!cg)
		return NULL;
	rcu_read_lock();
	old = mq_cg_insert(cg);
	if (old) {
		kmem_cache_free(mq_cg_cache, cg);
		cg = IS_ERR(old) ? NULL : old;
	}
	rcu_read_unlock();
	return cg;
}

/* Takes @cg out of the table; it is freed after a grace period. */
static bool mq_cg_unlink(struct mq_cgroup *cg)
{
	if (rhashtable_remove_fast(&mq_cg_table, &cg->node, mq_cg_params))
		return false;
	atomic_long_dec(&mq_cg_nr);
	if (cg->delegated)
		atomic_long_dec(&mq_cg_nr_delegated);
	mq_stat_inc(MQ_STAT_RECORDS_FREED);
	call_rcu(&cg->rcu, mq_cg_free_rcu);
	return true;
}

static LLIST_HEAD(mq_cg_changes);

static bool mq_cg_online(const struct cgroup *cgrp)
{
	return READ_ONCE(cgrp->self.flags) & CSS_ONLINE;
}

/* A record queued by mq_cg_queue_create() joins the table. */
static void mq_cg_apply_create(struct mq_cgroup *cg)
{
	struct cgroup *cgrp = cg->change_cgrp;

	if (!mq_cg_online(cgrp)) {
		/* Removed before we got here: its rmdir found no record. */
		mq_event_cgroup_removed(cg->id);
		goto drop;
	}
	if (!mq_cg_room(cg->delegated) || mq_cg_insert(cg))
		goto drop;	/* at the cap, created lazily meanwhile, no room */
	/*
	 * Pairs with the barrier in mq_cg_queue_remove(): either its lookup
	 * sees this record, or this sees the cgroup offline.
	 */
	smp_mb();
	if (!mq_cg_online(cgrp) && !atomic_cmpxchg(&cg->removing, 0,
						   MQ_CG_REMOVE_NOTIFY)) {
		mq_cg_unlink(cg);
		mq_event_cgroup_removed(cg->id);
	}
	cgroup_put(cgrp);
	return;
drop:
	cgroup_put(cgrp);
	kmem_cache_free(mq_cg_cache, cg);
}

static void mq_cg_apply_remove(struct mq_cgroup *cg)
{
	bool notify = atomic_read(&cg->removing) == MQ_CG_REMOVE_NOTIFY;

	if (mq_cg_unlink(cg) && notify)
		mq_event_cgroup_removed(cg->id);
}

static void mq_cg_changes_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&mq_cg_changes);
	struct mq_cgroup *cg, *next;

	/* llist_add() pushes at the head: apply in the order queued. */
	list = llist_reverse_order(list);
	llist_for_each_entry_safe(cg, next, list, change) {
		if (cg->change_cgrp)
			mq_cg_apply_create(cg);
		else
			mq_cg_apply_remove(cg);
	}
}

static DECLARE_WORK(mq_cg_changes_work, mq_cg_changes_fn);

static void mq_cg_queue(struct mq_cgroup *cg)
{
	if (llist_add(&cg->change, &mq_cg_changes))
		queue_work(system_dfl_wq, &mq_cg_changes_work);
}

/*
 * Queues a record for @cgrp, made just now by the current task. The cap
 * check of mq_cg_alloc() is only an early out here: the count leaves out
 * changes still queued, so mq_cg_apply_create() checks again.
 */
void mq_cg_queue_create(struct cgroup *cgrp)
{
	bool delegated = !uid_eq(current_fsuid(), GLOBAL_ROOT_UID);
	struct cgroup_subsys_state *css;
	struct mq_cgroup *cg;

	/* Under cgroup_mutex: the new css stays. */
	rcu_read_lock();
	css = rcu_dereference(cgrp->subsys[memory_cgrp_id]);
	cg = css ? mq_cg_alloc(cgrp, mem_cgroup_from_css(css), MQ_GFP_PROBE,
			       delegated) : NULL;
	rcu_read_unlock();
	if (!cg)
		return;
	cgroup_get(cgrp);
	cg->change_cgrp = cgrp;
	mq_cg_queue(cg);
}

/*
 * Queues the removal of cgroup @id's record, once. A record still waiting
 * for insertion is not found here; mq_cg_apply_create() then sees the
 * cgroup offline (the kernel clears CSS_ONLINE before the tracepoints).
 */
void mq_cg_queue_remove(u64 id, bool notify)
{
	struct mq_cgroup *cg;

	smp_mb();	/* CSS_ONLINE cleared before the lookup */
	rcu_read_lock();
	cg = mq_cg_lookup(id);
	if (cg && !atomic_cmpxchg(&cg->removing, 0, notify ?
				  MQ_CG_REMOVE_NOTIFY : MQ_CG_REMOVE_SILENT)) {
		cg->change_cgrp = NULL;
		mq_cg_queue(cg);
	}
	rcu_read_unlock();
}

void mq_cg_sync(void)
{
	flush_work(&mq_cg_changes_work);
}

/*
 * The record of @memcg, created if missing. Called from probes under RCU:
 * creation only in task context with IRQs on (rhashtable inserts take
 * bh-disabling bucket locks) and only for online cgroups, so a dying one is
 * not brought back. The reclaim probes call it inside direct reclaim,
 * where MQ_GFP_PROBE keeps the record out of the reserves.
 */
struct mq_cgroup *mq_cg_lookup_or_create(struct mem_cgroup *memcg)
{
	struct cgroup *cgrp = memcg->css.cgroup;
	struct mq_cgroup *cg = mq_cg_lookup(cgroup_id(cgrp));

	if (cg)
		return cg;
	if (!in_task() || irqs_disabled() || !mem_cgroup_online(memcg)) {
		mq_stat_inc(MQ_STAT_UNTRACKED_EVENTS);
		return NULL;
	}
	/* Who made it is not known: delegated. */
	return mq_cg_create(cgrp, memcg, MQ_GFP_PROBE, true);
}

u64 mq_current_memcg_id(struct mem_cgroup **memcgp)
{
	struct mem_cgroup *memcg;

	/* In irq context current is whoever was interrupted. */
	if (!in_task())
		return 0;
	memcg = mem_cgroup_from_task(current);
	if (!memcg)
		return 0;
	if (memcgp)
		*memcgp = memcg;
	return cgroup_id(memcg->css.cgroup);
}

/*
 * A record for cgroup @id, which existed before load; who made it is not
 * known, so all but the root cgroup count as delegated. A cgroup at its
 * limit does without one rather than have a task killed for it
 * (__GFP_NORETRY).
 */
void mq_cg_adopt(u64 id)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cgrp;

	/* Removed meanwhile (its rmdir found no record to drop). */
	cgrp = cgroup_get_from_id(id);
	if (IS_ERR(cgrp))
		return;
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	if (css->cgroup == cgrp && READ_ONCE(cgrp->self.flags) & CSS_ONLINE)
		mq_cg_create(cgrp, mem_cgroup_from_css(css),
			     GFP_KERNEL | __GFP_NORETRY, !!cgroup_parent(cgrp));
	css_put(css);
	cgroup_put(cgrp);
}

static void mq_cg_reset_one(struct mq_cgroup *cg, void *unused)
{
	unsigned int k;

	/* Racing probes may add to a counter while it is zeroed: harmless. */
	atomic64_set(&cg->memcg_reclaim_pages, 0);
	atomic64_set(&cg->direct_reclaim_pages, 0);
	atomic64_set(&cg->kswapd_wakeups, 0);
	atomic64_set(&cg->throttled, 0);
	atomic64_set(&cg->throttled_us, 0);
	atomic64_set(&cg->oom_kills, 0);
	atomic64_set(&cg->limit_reclaims, 0);
	atomic64_set(&cg->limit_reclaim_pages, 0);
	for (k = 0; k < MQ_NR_STALL_KINDS; k++)
		mq_hist_reset(&cg->stall[k]);
	atomic64_set(&cg->victim_scanned, 0);
	atomic64_set(&cg->victim_reclaimed_anon, 0);
	atomic64_set(&cg->victim_reclaimed_file, 0);
	for (k = 0; k < MQ_NR_BY; k++)
		atomic64_set(&cg->victim_by[k], 0);
	atomic64_set(&cg->victim_self, 0);
	atomic64_set(&cg->inflicted, 0);
}

/*
 * Calls @fn on every record under RCU (it must not sleep). A record may be
 * seen twice or missed if the table is resized meanwhile; callers are
 * periodic and tolerate that.
 */
void mq_cg_for_each(void (*fn)(struct mq_cgroup *cg, void *arg), void *arg)
{
	struct rhashtable_iter iter;
	struct mq_cgroup *cg;

	rhashtable_walk_enter(&mq_cg_table, &iter);
	rhashtable_walk_start(&iter);
	while ((cg = rhashtable_walk_next(&iter))) {
		if (!IS_ERR(cg))	/* -EAGAIN: table resized, keep going */
			fn(cg, arg);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/* Zeroes the counters of cgroup @id, or of every record when @id is 0. */
int mq_cg_reset(u64 id)
{
	struct mq_cgroup *cg;
	int ret = 0;

	mq_cg_sync();
	if (!id) {
		mq_cg_for_each(mq_cg_reset_one, NULL);
		return 0;
	}
	rcu_read_lock();
	cg = mq_cg_lookup(id);
	if (cg)
		mq_cg_reset_one(cg, NULL);
	else
		ret = -ENOENT;
	rcu_read_unlock();
	return ret;
}

int mq_cgtable_init(void)
{
	int ret;

	if (mem_cgroup_disabled()) {
		pr_err("memory cgroups are disabled (cgroup_disable=memory)\n");
		return -ENODEV;
	}
	if (!cgroup_subsys_on_dfl(memory_cgrp_subsys)) {
		pr_err("the memory controller is not on cgroup v2\n");
		return -ENODEV;
	}
	mq_cg_cache = KMEM_CACHE(mq_cgroup, SLAB_ACCOUNT);
	if (!mq_cg_cache)
		return -ENOMEM;
	ret = rhashtable_init(&mq_cg_table, &mq_cg_params);
	if (ret) {
		kmem_cache_destroy(mq_cg_cache);
		return ret;
	}
	return 0;
}

static void mq_cg_free_now(void *ptr, void *unused)
{
	kmem_cache_free(mq_cg_cache, ptr);
}

/* Called once no probe, file or genl handler can reach the table. */
void mq_cgtable_exit(void)
{
	rhashtable_free_and_destroy(&mq_cg_table, mq_cg_free_now, NULL);
	atomic_long_set(&mq_cg_nr, 0);
	/* Records removed earlier may still sit in call_rcu callbacks. */
	rcu_barrier();
	kmem_cache_destroy(mq_cg_cache);
}
