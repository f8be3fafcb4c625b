/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink client on libmnl for the memqos family.
 *
 * Typical use (mq_nl_ready() does the first three steps; see module.c):
 *
 *	err = mq_nl_open(&nl);
 *	if (!err)
 *		err = mq_nl_resolve(nl, MEMQOS_FAMILY_NAME);
 *	if (!err && !mq_nl_supports(nl, MEMQOS_CMD_GET_VERSION))
 *		err = -EOPNOTSUPP;
 *	if (!err) {
 *		nlh = mq_nl_msg_prepare(nl, MEMQOS_CMD_GET_VERSION, 0);
 *		err = mq_nl_request(nl, nlh, version_cb, &version);
 *	}
 *	if (err)
 *		say what went wrong, from err and mq_nl_errmsg(nl);
 *	mq_nl_close(nl);
 *
 * All functions returning int give 0 or a negative errno, and none
 * prints: the programs decide what to say. Errors the kernel sends come
 * back as their errno, with the extended ACK message, bad attribute and
 * missing attribute kept in struct mq_nl until the next request.
 */
#ifndef MEMQOS_NL_H
#define MEMQOS_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

/* genlmsghdr.cmd is a u8, so this covers every possible operation. */
#define MEMQOS_NL_MAX_OPS	256
#define MEMQOS_NL_MAX_MCGRPS	16
#define MEMQOS_NL_ERRMSG_SIZE	256
/* Reply buffer: a dump skb is at most 32 KiB, less would truncate it. */
#define MEMQOS_NL_RX_SIZE	32768
/* Request buffer: pass to mnl_attr_put_*_check() as the buffer length. */
#define MEMQOS_NL_TX_SIZE	8192

struct mq_nl_mcgrp {
	char name[GENL_NAMSIZ];
	uint32_t id;
};

/* What the controller (CTRL_CMD_GETFAMILY) tells about a family. */
struct mq_nl_family {
	char name[GENL_NAMSIZ];
	uint16_t id;			/* 0: not resolved */
	uint32_t version;
	uint32_t hdrsize;
	uint32_t maxattr;
	bool op_listed[MEMQOS_NL_MAX_OPS];
	uint32_t op_flags[MEMQOS_NL_MAX_OPS];	/* GENL_CMD_CAP_*, GENL_*PERM */
	unsigned int n_mcgrps;
	struct mq_nl_mcgrp mcgrps[MEMQOS_NL_MAX_MCGRPS];
};

struct mq_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	struct mq_nl_family family;
	/* name asked for in mq_nl_resolve(), for messages */
	char wanted_family[GENL_NAMSIZ];

	/* extended ACK of the last failed request */
	char errmsg[MEMQOS_NL_ERRMSG_SIZE];
	int bad_attr;			/* attribute type, -1: none */
	int missing_attr;		/* attribute type, -1: none */

	/* the request being built or last sent, for NLMSGERR_ATTR_OFFS */
	char *tx_buf;
	/* replies; sized for a full dump skb */
	char *rx_buf;
	/*
	 * memory.stat of the cgroup root, read before each dump to flush the
	 * kernel's statistics (cgquery.c): opened once, -1 until then.
	 */
	int stat_fd;
};

/*
 * @warn is told the extended ACK message of any request that worked (the
 * kernel has something to say all the same); NULL, the default: not told.
 */
void mq_nl_on_warning(void (*warn)(const char *msg));

/* Socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK; *@nlp set on success. */
int mq_nl_open(struct mq_nl **nlp);
/* Closes the socket and frees @nl; NULL is fine. */
void mq_nl_close(struct mq_nl *nl);

/*
 * Look @name up with the controller and fill nl->family (id, version, ops,
 * multicast groups). -ENOENT: no such family, i.e. the module is not
 * loaded.
 */
int mq_nl_resolve(struct mq_nl *nl, const char *name);

/*
 * Make *@nlp a socket with the memqos family resolved and @cmd supported
 * by the loaded module, opening it if *@nlp is NULL (then *@nlp is set
 * even when resolving fails, for the error's context). -ENOENT with
 * (*nlp)->family.id still 0: the module is not loaded; -EOPNOTSUPP: it
 * is too old for @cmd.
 */
int mq_nl_ready(struct mq_nl **nlp, uint8_t cmd);

/* Whether the resolved family lists @cmd among its operations. */
bool mq_nl_supports(const struct mq_nl *nl, uint8_t cmd);
/* GENL_CMD_CAP_DO/DUMP/HASPOL, GENL_ADMIN_PERM... of @cmd, 0 if absent. */
uint32_t mq_nl_op_flags(const struct mq_nl *nl, uint8_t cmd);

/* Multicast group id by name, -ENOENT if the family has no such group. */
int mq_nl_mcgrp_id(const struct mq_nl *nl, const char *name);
/* Subscribe the socket to a multicast group of the family, by name. */
int mq_nl_join_mcgrp(struct mq_nl *nl, const char *name);
/*
 * 1 while the socket is still in the group joined by name, 0 once the
 * kernel dropped it (the family was unregistered), or a negative errno.
 */
int mq_nl_mcgrp_joined(const struct mq_nl *nl, const char *name);

/*
 * Start a request for @cmd of the resolved family in the socket's send
 * buffer: nlmsghdr (NLM_F_REQUEST | NLM_F_ACK | @flags, e.g. NLM_F_DUMP)
 * and genlmsghdr. Append attributes with mnl_attr_put*() (the buffer is
 * MEMQOS_NL_TX_SIZE bytes), then pass the result to mq_nl_request().
 * Valid until the next prepare.
 */
struct nlmsghdr *mq_nl_msg_prepare(struct mq_nl *nl, uint8_t cmd,
				   uint16_t flags);

/*
 * Send @nlh and run @cb on every reply message of the family (one for a
 * do request, one per object for NLM_F_DUMP) until the ACK or NLMSG_DONE.
 * @cb returns MNL_CB_OK to go on; MNL_CB_ERROR (with errno set) or
 * MNL_CB_STOP stop the callbacks, but the remaining replies are still
 * read so the socket stays usable. Returns the kernel's error, else the
 * callback's (-errno, or -EIO if errno was not set), else 0. An extended
 * ACK warning on success goes to mq_nl_on_warning()'s function.
 */
int mq_nl_request(struct mq_nl *nl, struct nlmsghdr *nlh,
		  mnl_cb_t cb, void *data);

/*
 * Attributes of a family message or of a nest, indexed by type, into
 * @tb[0..@max] (zeroed first). Types above @max, sent by a newer module,
 * are ignored; validating types and lengths is left to the caller.
 */
int mq_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		unsigned int max);
int mq_nl_parse_nested(const struct nlattr *nest,
		       const struct nlattr **tb, unsigned int max);

/* Extended ACK message of the last failed request, NULL if none. */
const char *mq_nl_errmsg(const struct mq_nl *nl);

/*
 * List every registered family (a CTRL_CMD_GETFAMILY dump), calling @fn
 * for each. For debugging; does not change nl->family.
 */
int mq_nl_list_families(struct mq_nl *nl,
			void (*fn)(const struct mq_nl_family *fam,
				   void *data),
			    void *data);

#endif /* MEMQOS_NL_H */
