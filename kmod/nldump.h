/* SPDX-License-Identifier: GPL-2.0 */
/* nldump.c: netlink dumps of a snapshot, and what their messages share */
#ifndef MQ_NLDUMP_H
#define MQ_NLDUMP_H

#include <linux/types.h>
#include <net/genetlink.h>

struct cgroup;

struct mq_dump;

/*
 * A dump of a snapshot taken at its start: nr items of item_size bytes,
 * each put in a message of its own by @put, which returns 0 when it put
 * the item or left it out, -EMSGSIZE when the skb is full (the next
 * dumpit call resumes there), or an error that ends the dump.
 */
struct mq_dump_ops {
	size_t item_size;
	size_t scratch_size;	/* per dump, for @put (and @snapshot) */
	/*
	 * Takes the snapshot: sets it with mq_dump_set(). On error nothing
	 * is kept, and the dump does not start.
	 */
	int (*snapshot)(struct mq_dump *d, struct netlink_callback *cb);
	int (*put)(struct sk_buff *skb, struct netlink_callback *cb,
		   const void *item, void *scratch);
	void (*free)(void *snap);
};

/*
 * Dump state is charged to the requester and sized to what it copies.
 * Each start asks for room for the largest message, a @payload of
 * attributes, so that a message fits any skb of the dump.
 */
int mq_dump_start(struct netlink_callback *cb, const struct mq_dump_ops *ops,
		  size_t payload);
void mq_dump_set(struct mq_dump *d, void *snap, const void *items, size_t nr);
void *mq_dump_scratch(struct mq_dump *d);
int mq_dump_next(struct sk_buff *skb, struct netlink_callback *cb);
int mq_dump_done(struct netlink_callback *cb);
/* The free of a snapshot that is one kvmalloc()ed array. */
void mq_dump_kvfree(void *snap);

/* The family the messages are of; genl.c sets it before registering it. */
void mq_nl_set_family(const struct genl_family *family);
/* The header of one message of a dump, as genlmsg_put(); NULL if full. */
void *mq_nl_dump_hdr(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd);

/* The path of @cgrp as the requester's cgroup namespace names it. */
int mq_nl_cgroup_path(struct cgroup *cgrp, char *buf, size_t len);

/* Attribute sizes of the largest messages. */
#define MQ_NLA_U64	nla_total_size_64bit(sizeof(u64))
#define MQ_NLA_PATH	nla_total_size(PATH_MAX)

#endif /* MQ_NLDUMP_H */
