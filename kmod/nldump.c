// SPDX-License-Identifier: GPL-2.0
/*
 * One way to dump a snapshot over netlink, for every dump of the family:
 * the snapshot is taken at the dump's start, in memory charged to the
 * requester, and each dumpit call puts the items that fit its skb.
 *
 * A dump's skb is NLMSG_GOODSIZE (under 4 KiB) unless the reader's earlier
 * recv() buffers were larger: too small for a deep cgroup's path. Each dump
 * start asks for room for its largest message (cb->min_dump_alloc), so a
 * message that fits no skb is a bug, reported as EMSGSIZE, never a dump
 * that ends early in silence.
 */
#include <linux/cgroup.h>
#include <linux/nsproxy.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "nldump.h"

struct mq_dump {
	const struct mq_dump_ops *ops;
	void *snap;
	const void *items;
	size_t nr, pos;
	u8 scratch[];
};

static const struct genl_family *mq_nl_family;

static struct mq_dump **mq_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct mq_dump *) > sizeof(cb->ctx));
	return (struct mq_dump **)cb->ctx;
}

int mq_dump_start(struct netlink_callback *cb, const struct mq_dump_ops *ops,
		  size_t payload)
{
	struct mq_dump *d;
	int ret;

	d = kvzalloc(struct_size(d, scratch, ops->scratch_size),
		     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!d)
		return -ENOMEM;
	d->ops = ops;
	ret = ops->snapshot(d, cb);
	if (ret) {
		kvfree(d);
		return ret;
	}
	*mq_dump_ctx(cb) = d;
	cb->min_dump_alloc = genlmsg_total_size(payload);
	return 0;
}

void mq_dump_set(struct mq_dump *d, void *snap, const void *items, size_t nr)
{
	d->snap = snap;
	d->items = items;
	d->nr = nr;
}

void *mq_dump_scratch(struct mq_dump *d)
{
	return d->scratch;
}

int mq_dump_next(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mq_dump *d = *mq_dump_ctx(cb);
	int ret;

	for (; d->pos < d->nr; d->pos++) {
		ret = d->ops->put(skb, cb, (const u8 *)d->items +
				  d->pos * d->ops->item_size, d->scratch);
		if (ret == -EMSGSIZE)
			break;
		if (ret)
			return ret;
	}
	if (d->pos == d->nr)
		return skb->len;
	/*
	 * A full skb goes out and the next call resumes here, but a message
	 * that does not fit an empty skb never will.
	 */
	if (skb->len)
		return skb->len;
	NL_SET_ERR_MSG(cb->extack, "a message is larger than the dump's buffer");
	return -EMSGSIZE;
}

int mq_dump_done(struct netlink_callback *cb)
{
	struct mq_dump *d = *mq_dump_ctx(cb);

	if (d)
		d->ops->free(d->snap);
	kvfree(d);
	return 0;
}

void mq_dump_kvfree(void *snap)
{
	kvfree(snap);
}

void mq_nl_set_family(const struct genl_family *family)
{
	mq_nl_family = family;
}

void *mq_nl_dump_hdr(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   mq_nl_family, NLM_F_MULTI, cmd);
}

int mq_nl_cgroup_path(struct cgroup *cgrp, char *buf, size_t len)
{
	int ret = cgroup_path_ns(cgrp, buf, len, current->nsproxy->cgroup_ns);

	return ret < 0 ? ret : (ret >= len ? -ENAMETOOLONG : 0);
}
