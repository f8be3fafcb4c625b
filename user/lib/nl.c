// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink client on libmnl for the memqos family, see nl.h.
 *
 * Every request carries NLM_F_ACK, so a do request ends with an ACK and a
 * dump with NLMSG_DONE; replies are read until then even after an error
 * so the socket is ready for the next request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/memqos.h>
#include <linux/netlink.h>

#include "nl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Any version: the controller does not look at it. */
#define CTRL_GENL_VERSION	1
/* NETLINK_LIST_MEMBERSHIPS words read: genl group ids up to 1024 */
#define MEMQOS_NL_MAX_GROUP_WORDS	32

/* One request in flight: what mq_nl_request() collects from replies. */
struct request_run {
	struct mq_nl *nl;
	const struct nlmsghdr *req;
	mnl_cb_t cb;
	void *data;
	bool cb_done;		/* callback stopped or failed: skip the rest */
	int cb_err;
	int kernel_err;
};

/* The program's, for every socket: warnings are not the library's to say. */
static void (*warn_fn)(const char *msg);

void mq_nl_on_warning(void (*warn)(const char *msg))
{
	warn_fn = warn;
}

int mq_nl_open(struct mq_nl **nlp)
{
	struct mq_nl *nl;
	int one = 1;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->bad_attr = -1;
	nl->missing_attr = -1;
	nl->stat_fd = -1;

	nl->tx_buf = malloc(MEMQOS_NL_TX_SIZE);
	nl->rx_buf = malloc(MEMQOS_NL_RX_SIZE);
	if (!nl->tx_buf || !nl->rx_buf) {
		err = -ENOMEM;
		goto err_free;
	}

	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock) {
		err = -errno;
		goto err_free;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err_free;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	/*
	 * Best effort: without them (kernels before 4.12) errors still come
	 * back, only without the message and with the request echoed.
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	*nlp = nl;
	return 0;

err_free:
	mq_nl_close(nl);
	return err;
}

void mq_nl_close(struct mq_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	if (nl->stat_fd >= 0)
		close(nl->stat_fd);
	free(nl->tx_buf);
	free(nl->rx_buf);
	free(nl);
}

struct attr_table {
	const struct nlattr **tb;
	unsigned int max;
};

static int attr_table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *table = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= table->max)
		table->tb[type] = attr;
	return MNL_CB_OK;
}

int mq_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		unsigned int max)
{
	struct attr_table table = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_parse(nlh, GENL_HDRLEN, attr_table_cb, &table) < 0)
		return -EBADMSG;
	return 0;
}

int mq_nl_parse_nested(const struct nlattr *nest,
		       const struct nlattr **tb, unsigned int max)
{
	struct attr_table table = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, attr_table_cb, &table) < 0)
		return -EBADMSG;
	return 0;
}

static struct nlmsghdr *msg_prepare(struct mq_nl *nl, uint16_t type,
				    uint8_t version, uint8_t cmd,
				    uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	/* libmnl 1.0.4 leaves attribute padding as it finds it */
	memset(nl->tx_buf, 0, MEMQOS_NL_TX_SIZE);
	nlh = mnl_nlmsg_put_header(nl->tx_buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *mq_nl_msg_prepare(struct mq_nl *nl, uint8_t cmd,
				   uint16_t flags)
{
	return msg_prepare(nl, nl->family.id, MEMQOS_FAMILY_VERSION, cmd,
			   flags);
}

/* Type of the attribute at byte @offset of our request, -1 if none. */
static int request_attr_type(const struct nlmsghdr *req, uint32_t offset)
{
	const struct nlattr *attr;

	if (offset < NLMSG_HDRLEN + GENL_HDRLEN ||
	    offset > req->nlmsg_len - sizeof(*attr))
		return -1;
	attr = (const struct nlattr *)((const char *)req + offset);
	return attr->nla_type & NLA_TYPE_MASK;
}

static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= NLMSGERR_ATTR_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_ext_ack(struct request_run *run, const void *tlvs,
			  size_t len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	struct mq_nl *nl = run->nl;
	const struct nlattr *attr;

	mnl_attr_parse_payload(tlvs, len, ext_ack_attr_cb, tb);

	attr = tb[NLMSGERR_ATTR_MSG];
	if (attr && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s",
			 mnl_attr_get_str(attr));

	attr = tb[NLMSGERR_ATTR_OFFS];
	if (attr && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		nl->bad_attr = request_attr_type(run->req,
						 mnl_attr_get_u32(attr));

	attr = tb[NLMSGERR_ATTR_MISS_TYPE];
	if (attr && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		nl->missing_attr = mnl_attr_get_u32(attr);
}

static void clear_ext_ack(struct mq_nl *nl)
{
	nl->errmsg[0] = '\0';
	nl->bad_attr = -1;
	nl->missing_attr = -1;
}

/* NLMSG_ERROR: an error, or with error 0 the ACK that ends a request. */
static int ctl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	struct request_run *run = data;
	size_t tlv_offset = sizeof(*err);

	if (len < sizeof(*err)) {
		run->kernel_err = -EBADMSG;
		return MNL_CB_STOP;
	}

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* without NETLINK_CAP_ACK the whole request is echoed */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    err->msg.nlmsg_len >= sizeof(err->msg))
			tlv_offset += NLMSG_ALIGN(err->msg.nlmsg_len) -
				      sizeof(err->msg);
		if (tlv_offset < len)
			parse_ext_ack(run, (const char *)err + tlv_offset,
				      len - tlv_offset);
	}

	if (err->error) {
		run->kernel_err = err->error < 0 ? err->error : -err->error;
	} else if (run->nl->errmsg[0]) {
		/* the request worked, but the kernel has something to say */
		if (warn_fn)
			warn_fn(run->nl->errmsg);
		clear_ext_ack(run->nl);
	}
	return MNL_CB_STOP;
}

/* NLMSG_DONE ends a dump; a dump that failed puts its error here. */
static int ctl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	const char *payload = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	struct request_run *run = data;
	int err;

	if (len < sizeof(err))
		return MNL_CB_STOP;

	memcpy(&err, payload, sizeof(err));
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		parse_ext_ack(run, payload + sizeof(err), len - sizeof(err));
	if (err < 0)
		run->kernel_err = err;
	return MNL_CB_STOP;
}

static int ctl_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* not const: mnl_cb_run2() in libmnl 1.0.4 takes a plain pointer */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP]	= ctl_noop_cb,
	[NLMSG_ERROR]	= ctl_error_cb,
	[NLMSG_DONE]	= ctl_done_cb,
	[NLMSG_OVERRUN]	= ctl_noop_cb,
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request_run *run = data;
	int ret;

	/* multicast notifications (seq 0) are not replies to us */
	if (nlh->nlmsg_seq != run->req->nlmsg_seq ||
	    nlh->nlmsg_type != run->req->nlmsg_type)
		return MNL_CB_OK;
	if (run->cb_done || !run->cb)
		return MNL_CB_OK;

	errno = 0;
	ret = run->cb(nlh, run->data);
	if (ret < MNL_CB_STOP)
		run->cb_err = errno ? -errno : -EIO;
	if (ret <= MNL_CB_STOP)
		run->cb_done = true;
	/* keep reading to the ACK or DONE, see the top of this file */
	return MNL_CB_OK;
}

/* Whether @buf holds the NLMSG_ERROR or NLMSG_DONE that ends @seq. */
static bool buf_has_end(const void *buf, int len, uint32_t seq)
{
	const struct nlmsghdr *nlh = buf;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq == seq &&
		    (nlh->nlmsg_type == NLMSG_ERROR ||
		     nlh->nlmsg_type == NLMSG_DONE))
			return true;
	}
	return false;
}

static int recv_replies(struct mq_nl *nl, struct request_run *run)
{
	uint32_t seq = run->req->nlmsg_seq;
	bool draining = false;
	ssize_t len;
	int ret;

	for (;;) {
		len = mnl_socket_recvfrom(nl->sock, nl->rx_buf,
					  MEMQOS_NL_RX_SIZE);
		if (len < 0)
			return -errno;

		if (draining) {
			if (buf_has_end(nl->rx_buf, (int)len, seq))
				return -EINTR;
			continue;
		}

		ret = mnl_cb_run2(nl->rx_buf, len, seq, nl->portid, data_cb,
				  run, ctl_cbs, ARRAY_SIZE(ctl_cbs));
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret == MNL_CB_OK)
			continue;

		/*
		 * The objects changed under a dump (NLM_F_DUMP_INTR) and
		 * libmnl gave up mid-buffer: skip to the end of the dump so
		 * the caller can simply retry.
		 */
		if (errno != EINTR)
			return -errno;
		if (buf_has_end(nl->rx_buf, (int)len, seq))
			return -EINTR;
		draining = true;
	}
}

int mq_nl_request(struct mq_nl *nl, struct nlmsghdr *nlh,
		  mnl_cb_t cb, void *data)
{
	struct request_run run = {
		.nl = nl,
		.req = nlh,
		.cb = cb,
		.data = data,
	};
	int err;

	/* type 0 would mean the family was never resolved */
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return -EINVAL;

	clear_ext_ack(nl);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	err = recv_replies(nl, &run);
	if (run.kernel_err)
		return run.kernel_err;
	if (err)
		return err;
	return run.cb_err;
}

static int parse_family_ops(const struct nlattr *ops,
			    struct mq_nl_family *fam)
{
	const struct nlattr *tb[CTRL_ATTR_OP_MAX + 1];
	const struct nlattr *op;
	uint32_t id;

	mnl_attr_for_each_nested(op, ops) {
		if (mq_nl_parse_nested(op, tb, CTRL_ATTR_OP_MAX) ||
		    !tb[CTRL_ATTR_OP_ID] ||
		    mnl_attr_validate(tb[CTRL_ATTR_OP_ID], MNL_TYPE_U32) < 0)
			return -EBADMSG;

		id = mnl_attr_get_u32(tb[CTRL_ATTR_OP_ID]);
		if (id >= MEMQOS_NL_MAX_OPS)
			continue;
		fam->op_listed[id] = true;
		if (tb[CTRL_ATTR_OP_FLAGS] &&
		    mnl_attr_validate(tb[CTRL_ATTR_OP_FLAGS],
				      MNL_TYPE_U32) >= 0)
			fam->op_flags[id] =
				mnl_attr_get_u32(tb[CTRL_ATTR_OP_FLAGS]);
	}
	return 0;
}

static int parse_family_mcgrps(const struct nlattr *groups,
			       struct mq_nl_family *fam)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlattr *grp, *name, *id;
	struct mq_nl_mcgrp *mcgrp;

	mnl_attr_for_each_nested(grp, groups) {
		if (mq_nl_parse_nested(grp, tb, CTRL_ATTR_MCAST_GRP_MAX))
			return -EBADMSG;
		name = tb[CTRL_ATTR_MCAST_GRP_NAME];
		id = tb[CTRL_ATTR_MCAST_GRP_ID];
		if (!name || !id ||
		    mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_validate(id, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		if (fam->n_mcgrps == MEMQOS_NL_MAX_MCGRPS)
			break;

		mcgrp = &fam->mcgrps[fam->n_mcgrps++];
		snprintf(mcgrp->name, sizeof(mcgrp->name), "%s",
			 mnl_attr_get_str(name));
		mcgrp->id = mnl_attr_get_u32(id);
	}
	return 0;
}

static uint32_t get_u32_or_zero(const struct nlattr *attr)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return 0;
	return mnl_attr_get_u32(attr);
}

/* One CTRL_CMD_NEWFAMILY message (the GETFAMILY reply) into @fam. */
static int parse_family(const struct nlmsghdr *nlh,
			struct mq_nl_family *fam)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *attr;
	int err;

	memset(fam, 0, sizeof(*fam));
	err = mq_nl_parse(nlh, tb, CTRL_ATTR_MAX);
	if (err)
		return err;

	attr = tb[CTRL_ATTR_FAMILY_ID];
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
		return -EBADMSG;
	fam->id = mnl_attr_get_u16(attr);

	attr = tb[CTRL_ATTR_FAMILY_NAME];
	if (attr && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(fam->name, sizeof(fam->name), "%s",
			 mnl_attr_get_str(attr));

	fam->version = get_u32_or_zero(tb[CTRL_ATTR_VERSION]);
	fam->hdrsize = get_u32_or_zero(tb[CTRL_ATTR_HDRSIZE]);
	fam->maxattr = get_u32_or_zero(tb[CTRL_ATTR_MAXATTR]);

	if (tb[CTRL_ATTR_OPS]) {
		err = parse_family_ops(tb[CTRL_ATTR_OPS], fam);
		if (err)
			return err;
	}
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		err = parse_family_mcgrps(tb[CTRL_ATTR_MCAST_GROUPS], fam);
		if (err)
			return err;
	}
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = parse_family(nlh, data);

	if (err) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int mq_nl_resolve(struct mq_nl *nl, const char *name)
{
	struct nlmsghdr *nlh;
	int err;

	if (strlen(name) >= GENL_NAMSIZ)
		return -EINVAL;
	snprintf(nl->wanted_family, sizeof(nl->wanted_family), "%s", name);
	memset(&nl->family, 0, sizeof(nl->family));

	nlh = msg_prepare(nl, GENL_ID_CTRL, CTRL_GENL_VERSION,
			  CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);

	err = mq_nl_request(nl, nlh, family_cb, &nl->family);
	if (err) {
		/* a failed parse may have left an id: keep "unresolved" */
		memset(&nl->family, 0, sizeof(nl->family));
		return err;
	}
	if (!nl->family.id)
		return -EBADMSG;	/* ACK without a reply */
	return 0;
}

int mq_nl_ready(struct mq_nl **nlp, uint8_t cmd)
{
	int err;

	if (!*nlp) {
		err = mq_nl_open(nlp);
		if (err)
			return err;
	}
	if (!(*nlp)->family.id) {
		err = mq_nl_resolve(*nlp, MEMQOS_FAMILY_NAME);
		if (err)
			return err;
	}
	/* ethtool style: ask the family rather than fail on the request */
	if (!mq_nl_supports(*nlp, cmd))
		return -EOPNOTSUPP;
	return 0;
}

bool mq_nl_supports(const struct mq_nl *nl, uint8_t cmd)
{
	return nl->family.op_listed[cmd];
}

uint32_t mq_nl_op_flags(const struct mq_nl *nl, uint8_t cmd)
{
	return nl->family.op_flags[cmd];
}

int mq_nl_mcgrp_id(const struct mq_nl *nl, const char *name)
{
	unsigned int i;

	for (i = 0; i < nl->family.n_mcgrps; i++) {
		if (!strcmp(nl->family.mcgrps[i].name, name))
			return nl->family.mcgrps[i].id;
	}
	return -ENOENT;
}

int mq_nl_join_mcgrp(struct mq_nl *nl, const char *name)
{
	int group = mq_nl_mcgrp_id(nl, name);

	if (group < 0)
		return group;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	return 0;
}

int mq_nl_mcgrp_joined(const struct mq_nl *nl, const char *name)
{
	int group = mq_nl_mcgrp_id(nl, name);
	uint32_t bits[MEMQOS_NL_MAX_GROUP_WORDS] = { };
	socklen_t len = sizeof(bits);

	if (group < 0)
		return group;
	if ((unsigned int)group > 32 * MEMQOS_NL_MAX_GROUP_WORDS)
		return -ERANGE;
	/* bit group - 1; groups past len are not reported, nor joined */
	if (getsockopt(mnl_socket_get_fd(nl->sock), SOL_NETLINK,
		       NETLINK_LIST_MEMBERSHIPS, bits, &len) < 0)
		return -errno;
	group--;
	return !!(bits[group / 32] & (1U << (group % 32)));
}

struct family_list {
	void (*fn)(const struct mq_nl_family *fam, void *data);
	void *data;
};

static int family_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_list *list = data;
	struct mq_nl_family fam;
	int err;

	err = parse_family(nlh, &fam);
	if (err) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	list->fn(&fam, list->data);
	return MNL_CB_OK;
}

int mq_nl_list_families(struct mq_nl *nl,
			void (*fn)(const struct mq_nl_family *fam,
				   void *data),
			    void *data)
{
	struct family_list list = { fn, data };
	struct nlmsghdr *nlh;

	nlh = msg_prepare(nl, GENL_ID_CTRL, CTRL_GENL_VERSION,
			  CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	return mq_nl_request(nl, nlh, family_list_cb, &list);
}

const char *mq_nl_errmsg(const struct mq_nl *nl)
{
	return nl->errmsg[0] ? nl->errmsg : NULL;
}
