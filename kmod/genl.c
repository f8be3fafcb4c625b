// SPDX-License-Identifier: GPL-2.0
/*
 * The "memqos" generic netlink family: the API tools build on. Commands and
 * attributes are described in Documentation/netlink/specs/memqos.yaml and
 * numbered in include/uapi/linux/memqos.h.
 */
#include <linux/module.h>
#include <linux/utsname.h>
#include <net/genetlink.h>
#include <linux/memqos.h>

#include "memqos.h"

static struct genl_family mq_genl_family;

static int mq_genl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &mq_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr)
		goto err_free;

	if (nla_put_string(msg, MEMQOS_A_VERSION_MODULE, MEMQOS_VERSION) ||
	    nla_put_u32(msg, MEMQOS_A_VERSION_UAPI, MEMQOS_FAMILY_VERSION) ||
	    nla_put_string(msg, MEMQOS_A_VERSION_KERNEL, init_utsname()->release))
		goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* GET_VERSION takes no attributes: an empty policy rejects any. */
static const struct nla_policy mq_version_policy[MEMQOS_A_VERSION_MAX + 1] = {
};

static const struct genl_ops mq_genl_ops[] = {
	{
		.cmd = MEMQOS_CMD_GET_VERSION,
		.doit = mq_genl_get_version,
		.policy = mq_version_policy,
		.maxattr = 0,
	},
};

static struct genl_family mq_genl_family __ro_after_init = {
	.name = MEMQOS_FAMILY_NAME,
	.version = MEMQOS_FAMILY_VERSION,
	.module = THIS_MODULE,
	.netnsok = true,
	.ops = mq_genl_ops,
	.n_ops = ARRAY_SIZE(mq_genl_ops),
};

int mq_genl_init(void)
{
	return genl_register_family(&mq_genl_family);
}

void mq_genl_exit(void)
{
	genl_unregister_family(&mq_genl_family);
}
