// SPDX-License-Identifier: GPL-2.0
/*
 * The most recent OOM kills, node-wide. OOM kills are rare and serialized
 * by the kernel's oom_lock, so a spinlock here is never contended. The
 * oom-kills-get dump of the netlink family is at the end of this file.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/memqos.h>
#include <net/genetlink.h>

#include "config.h"
#include "genl-gen.h"
#include "nldump.h"
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

/* ---- the oom-kills-get dump ---- */

static size_t mq_oom_kill_payload(void)
{
	return 11 * MQ_NLA_U64 + 3 * MQ_NLA_PATH +
	       4 * nla_total_size(sizeof(u32)) + nla_total_size(TASK_COMM_LEN);
}

/* Who asks, and room for one path. */
struct mq_oom_dump {
	bool privileged;
	uid_t uid;
	char path[PATH_MAX];
};

static int mq_oom_dump_snapshot(struct mq_dump *dump,
				struct netlink_callback *cb)
{
	struct mq_oom_dump *d = mq_dump_scratch(dump);
	struct mq_oom_kill *kills;
	size_t nr;

	kills = mq_oomring_snapshot(&nr);
	if (!kills)
		return -ENOMEM;
	d->privileged = netlink_capable(cb->skb, CAP_NET_ADMIN);
	d->uid = from_kuid_munged(&init_user_ns, current_uid());
	mq_dump_set(dump, kills, kills, nr);
	return 0;
}

/*
 * The path of cgroup @id as @attr, when it still exists and the requester
 * sees it, as the victim's; nothing otherwise.
 */
static int mq_oom_put_path(struct sk_buff *skb, int attr, u64 id, char *buf)
{
	struct cgroup *cgrp = cgroup_get_from_id(id);
	int ret;

	if (IS_ERR(cgrp))
		return 0;
	ret = mq_nl_cgroup_path(cgrp, buf, PATH_MAX);
	cgroup_put(cgrp);
	return ret ? 0 : nla_put_string(skb, attr, buf);
}

/*
 * Whether the requester may learn of cgroup @id: a privileged one always,
 * another when it is in its cgroup namespace (cgroup_get_from_id()
 * resolves only there), as it may read that cgroup's memory.stat.
 */
static bool mq_oom_sees(u64 id, bool privileged)
{
	struct cgroup *cgrp;

	if (privileged)
		return true;
	cgrp = cgroup_get_from_id(id);
	if (IS_ERR(cgrp))
		return false;
	cgroup_put(cgrp);
	return true;
}

/*
 * Trigger and scope, when out_of_memory() was probed for this kill; the
 * trigger and scope cgroups only when the requester may see them (the
 * victim's owner must not learn another tenant's cgroup or its limit).
 */
static int mq_oom_put_scope(struct sk_buff *skb, const struct mq_oom_kill *k,
			    const struct mq_oom_dump *d, char *buf)
{
	if (!k->has_scope)
		return 0;
	if (nla_put_u32(skb, MEMQOS_A_OOM_KILL_SCOPE, k->scope))
		return -EMSGSIZE;
	if (k->trigger_cgid && mq_oom_sees(k->trigger_cgid, d->privileged) &&
	    (nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_TRIGGER_CGROUP_ID,
			       k->trigger_cgid, MEMQOS_A_OOM_KILL_PAD) ||
	     mq_oom_put_path(skb, MEMQOS_A_OOM_KILL_TRIGGER_PATH,
			     k->trigger_cgid, buf)))
		return -EMSGSIZE;
	if (k->scope != MEMQOS_OOM_SCOPE_MEMCG ||
	    !mq_oom_sees(k->scope_cgid, d->privileged))
		return 0;
	if (nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_SCOPE_CGROUP_ID,
			      k->scope_cgid, MEMQOS_A_OOM_KILL_PAD) ||
	    mq_oom_put_path(skb, MEMQOS_A_OOM_KILL_SCOPE_PATH, k->scope_cgid,
			    buf) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_SCOPE_MAX_BYTES,
			      k->scope_max_bytes, MEMQOS_A_OOM_KILL_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * A kill is shown when its cgroup is visible in the requester's cgroup
 * namespace, or, once the cgroup is gone, to privileged requesters only.
 */
static int mq_oom_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			   const void *item, void *scratch)
{
	const struct mq_oom_kill *k = item;
	struct mq_oom_dump *d = scratch;
	bool has_path = false, identity;
	struct cgroup *cgrp;
	void *hdr;

	cgrp = cgroup_get_from_id(k->cgid);
	if (!IS_ERR(cgrp)) {
		has_path = !mq_nl_cgroup_path(cgrp, d->path, sizeof(d->path));
		cgroup_put(cgrp);
	} else if (!d->privileged) {
		return 0;
	}
	identity = d->privileged || k->uid == d->uid;

	hdr = mq_nl_dump_hdr(skb, cb, MEMQOS_CMD_OOM_KILLS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_SEQ, k->seq,
			      MEMQOS_A_OOM_KILL_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_TIME_NS, k->time_ns,
			      MEMQOS_A_OOM_KILL_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_BOOT_NS, k->boot_ns,
			      MEMQOS_A_OOM_KILL_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_CGROUP_ID, k->cgid,
			      MEMQOS_A_OOM_KILL_PAD) ||
	    (has_path &&
	     nla_put_string(skb, MEMQOS_A_OOM_KILL_PATH, d->path)) ||
	    (identity &&
	     (nla_put_u32(skb, MEMQOS_A_OOM_KILL_PID, k->pid) ||
	      nla_put_u32(skb, MEMQOS_A_OOM_KILL_UID, k->uid) ||
	      nla_put_string(skb, MEMQOS_A_OOM_KILL_COMM, k->comm))) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_RSS_ANON_BYTES,
			      k->rss_anon_bytes, MEMQOS_A_OOM_KILL_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_RSS_FILE_BYTES,
			      k->rss_file_bytes, MEMQOS_A_OOM_KILL_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_RSS_SHMEM_BYTES,
			      k->rss_shmem_bytes, MEMQOS_A_OOM_KILL_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_OOM_KILL_PGTABLES_BYTES,
			      k->pgtables_bytes, MEMQOS_A_OOM_KILL_PAD) ||
	    nla_put_s32(skb, MEMQOS_A_OOM_KILL_OOM_SCORE_ADJ,
			k->oom_score_adj) ||
	    mq_oom_put_scope(skb, k, d, d->path)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static const struct mq_dump_ops mq_oom_dump_ops = {
	.item_size = sizeof(struct mq_oom_kill),
	.scratch_size = sizeof(struct mq_oom_dump),
	.snapshot = mq_oom_dump_snapshot,
	.put = mq_oom_dump_put,
	.free = mq_dump_kvfree,
};

int memqos_nl_oom_kills_get_dump_start(struct netlink_callback *cb)
{
	return mq_dump_start(cb, &mq_oom_dump_ops, mq_oom_kill_payload());
}

int memqos_nl_oom_kills_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	return mq_dump_next(skb, cb);
}
