// SPDX-License-Identifier: GPL-2.0
/*
 * Pairing *_begin and *_end tracepoints of one task.
 *
 * A reclaim stall starts and ends in the same task, but the task may be
 * preempted and migrate in between, so per-CPU state does not work. Each
 * stall in progress owns a slot of a fixed table, claimed with cmpxchg on
 * the owner field and found again by hashing the task pointer. Only the
 * owning task ever writes a claimed slot, so no lock is needed. Nesting of
 * different kinds (and even of one kind) gets one slot each; the newest
 * matching slot wins at end. A task that exits with a slot still claimed
 * releases it in the sched_process_exit probe.
 *
 * The same slots remember, for reclaim attribution, which memory cgroup's
 * LRU a task is shrinking (MQ_SLOT_VICTIM).
 */
#include <linux/bits.h>
#include <linux/hash.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "cgtable.h"
#include "hist.h"
#include "inflight.h"
#include "stats.h"

#define MQ_INFLIGHT_BITS	11
#define MQ_INFLIGHT_SLOTS	BIT(MQ_INFLIGHT_BITS)
#define MQ_INFLIGHT_PROBE	16	/* slots tried from the hash position */

struct mq_inflight {
	struct task_struct *owner;	/* NULL when free */
	u64 val;			/* cgroup id */
	u64 start_ns;
	unsigned int kind;		/* stall kind or MQ_SLOT_VICTIM */
};

static struct mq_inflight *mq_inflight;

static struct mq_inflight *mq_inflight_slot(struct task_struct *task,
					    unsigned int i)
{
	u32 h = hash_ptr(task, MQ_INFLIGHT_BITS);

	return &mq_inflight[(h + i) & (MQ_INFLIGHT_SLOTS - 1)];
}

static void mq_inflight_claim(unsigned int kind, u64 val)
{
	struct mq_inflight *slot;
	unsigned int i;

	for (i = 0; i < MQ_INFLIGHT_PROBE; i++) {
		slot = mq_inflight_slot(current, i);
		if (READ_ONCE(slot->owner) ||
		    cmpxchg(&slot->owner, NULL, current))
			continue;
		slot->kind = kind;
		slot->val = val;
		slot->start_ns = ktime_get_ns();
		return;
	}
	mq_stat_inc(MQ_STAT_INFLIGHT_FULL);
}

/* The newest of current's slots of @kind, or NULL. */
static struct mq_inflight *mq_inflight_find(unsigned int kind)
{
	struct mq_inflight *slot, *found = NULL;
	unsigned int i;

	for (i = 0; i < MQ_INFLIGHT_PROBE; i++) {
		slot = mq_inflight_slot(current, i);
		if (READ_ONCE(slot->owner) != current || slot->kind != kind)
			continue;
		if (!found || slot->start_ns > found->start_ns)
			found = slot;
	}
	return found;
}

static void mq_inflight_free(struct mq_inflight *slot)
{
	/* Fields are read before the slot can be claimed again. */
	smp_store_release(&slot->owner, NULL);
}

void mq_inflight_begin(enum mq_stall_kind kind, u64 cgid)
{
	mq_inflight_claim(kind, cgid);
}

bool mq_inflight_end(enum mq_stall_kind kind, u64 *cgid, u64 *start_ns)
{
	struct mq_inflight *found = mq_inflight_find(kind);

	if (!found) {
		mq_stat_inc(MQ_STAT_UNPAIRED_END);
		return false;
	}
	*cgid = found->val;
	*start_ns = found->start_ns;
	mq_inflight_free(found);
	return true;
}

bool mq_inflight_peek(unsigned int kind, u64 *val)
{
	struct mq_inflight *found = mq_inflight_find(kind);

	if (found)
		*val = found->val;
	return found;
}

void mq_inflight_set(unsigned int kind, u64 val)
{
	struct mq_inflight *found = mq_inflight_find(kind);

	if (found)
		found->val = val;
	else
		mq_inflight_claim(kind, val);
}

void mq_inflight_release(unsigned int kind)
{
	struct mq_inflight *found = mq_inflight_find(kind);

	if (found)
		mq_inflight_free(found);
}

void mq_inflight_task_exit(struct task_struct *task)
{
	struct mq_inflight *slot;
	unsigned int i;

	for (i = 0; i < MQ_INFLIGHT_PROBE; i++) {
		slot = mq_inflight_slot(task, i);
		if (READ_ONCE(slot->owner) != task)
			continue;
		/* Pairs with the cmpxchg that claims a slot. */
		smp_store_release(&slot->owner, NULL);
	}
}

void mq_stall_account(enum mq_stall_kind kind, u64 cgid, u64 start_ns,
		      u64 end_ns)
{
	struct mq_cgroup *cg;

	rcu_read_lock();
	cg = mq_cg_lookup(cgid);
	if (cg)
		mq_hist_add(&cg->stall[kind], div_u64(end_ns - start_ns,
						      NSEC_PER_USEC));
	else
		mq_stat_inc(MQ_STAT_UNTRACKED_EVENTS);
	rcu_read_unlock();
}

/* Slots claimed right now: 0 whenever no reclaim is in progress. */
unsigned int mq_inflight_used(void)
{
	unsigned int i, used = 0;

	for (i = 0; i < MQ_INFLIGHT_SLOTS; i++)
		used += !!READ_ONCE(mq_inflight[i].owner);
	return used;
}

size_t mq_inflight_bytes(void)
{
	return MQ_INFLIGHT_SLOTS * sizeof(struct mq_inflight);
}

int mq_inflight_init(void)
{
	mq_inflight = kcalloc(MQ_INFLIGHT_SLOTS, sizeof(*mq_inflight),
			      GFP_KERNEL);
	return mq_inflight ? 0 : -ENOMEM;
}

void mq_inflight_exit(void)
{
	kfree(mq_inflight);
	mq_inflight = NULL;
}
