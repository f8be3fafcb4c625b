// SPDX-License-Identifier: GPL-2.0
/*
 * The most recent OOM kills, node-wide. OOM kills are rare and serialized
 * by the kernel's oom_lock, so a spinlock here is never contended.
 */
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "config.h"
#include "oomring.h"

static DEFINE_SPINLOCK(mq_oomring_lock);
static struct mq_oom_kill *mq_oomring;
static unsigned int mq_oomring_size;	/* entries allocated */
static u64 mq_oomring_seq;		/* kills recorded since load */

void mq_oomring_add(const struct mq_oom_kill *k)
{
	struct mq_oom_kill *slot;
	unsigned long flags;

	spin_lock_irqsave(&mq_oomring_lock, flags);
	slot = &mq_oomring[mq_oomring_seq % mq_oomring_size];
	*slot = *k;
	slot->seq = ++mq_oomring_seq;
	spin_unlock_irqrestore(&mq_oomring_lock, flags);
}

/* Copies up to @max entries, oldest first; returns how many. */
static size_t mq_oomring_copy(struct mq_oom_kill *out, size_t max)
{
	unsigned long flags;
	size_t n, i;
	u64 first;

	spin_lock_irqsave(&mq_oomring_lock, flags);
	n = min3((u64)max, (u64)mq_oomring_size, mq_oomring_seq);
	first = mq_oomring_seq - n;
	for (i = 0; i < n; i++)
		out[i] = mq_oomring[(first + i) % mq_oomring_size];
	spin_unlock_irqrestore(&mq_oomring_lock, flags);
	return n;
}

/*
 * A copy of the kills kept, oldest first, in memory charged to the caller
 * and sized to them; NULL without memory. Kills recorded meanwhile push
 * the oldest out, as they do in the ring.
 */
struct mq_oom_kill *mq_oomring_snapshot(size_t *nr)
{
	struct mq_oom_kill *out;
	unsigned long flags;
	size_t n;

	spin_lock_irqsave(&mq_oomring_lock, flags);
	n = min_t(u64, mq_oomring_size, mq_oomring_seq);
	spin_unlock_irqrestore(&mq_oomring_lock, flags);
	/* One at least: a NULL return means no memory. */
	out = kvmalloc_array(max_t(size_t, n, 1), sizeof(*out),
			     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (out)
		*nr = mq_oomring_copy(out, n);
	return out;
}

/* Keeps the newest kills that fit in the new size. */
static int mq_oomring_resize(u32 entries)
{
	struct mq_oom_kill *ring, *old;
	unsigned long flags;
	size_t n, i;

	ring = kcalloc(entries, sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;

	spin_lock_irqsave(&mq_oomring_lock, flags);
	n = min3((u64)entries, (u64)mq_oomring_size, mq_oomring_seq);
	/* Place the kept entries where their seq maps in the new ring. */
	for (i = mq_oomring_seq - n; i < mq_oomring_seq; i++)
		ring[i % entries] = mq_oomring[i % mq_oomring_size];
	old = mq_oomring;
	mq_oomring = ring;
	mq_oomring_size = entries;
	spin_unlock_irqrestore(&mq_oomring_lock, flags);

	kfree(old);
	return 0;
}

size_t mq_oomring_bytes(void)
{
	return (size_t)READ_ONCE(mq_oomring_size) * sizeof(struct mq_oom_kill);
}

int mq_oomring_init(void)
{
	mq_oomring_size = mq_config[MQ_CFG_OOM_RING_ENTRIES];
	mq_oomring = kcalloc(mq_oomring_size, sizeof(*mq_oomring), GFP_KERNEL);
	if (!mq_oomring)
		return -ENOMEM;
	mq_config_on_prepare(MQ_CFG_OOM_RING_ENTRIES, mq_oomring_resize);
	return 0;
}

void mq_oomring_exit(void)
{
	mq_config_on_prepare(MQ_CFG_OOM_RING_ENTRIES, NULL);
	kfree(mq_oomring);
	mq_oomring = NULL;
}
