// SPDX-License-Identifier: GPL-2.0
/*
 * ATTRIBUTION_GET for the commands, see attribquery.h.
 */
#include <linux/memqos.h>

#include "attribquery.h"

int mq_attribq_dump(struct mq_nl **nlp, struct mq_attrib_list *list)
{
	struct mq_nl *nl;
	struct nlmsghdr *nlh;
	int err;

	mq_attrib_list_free(list);
	err = mq_nl_ready(nlp, MEMQOS_CMD_ATTRIBUTION_GET);
	if (err)
		return err;
	nl = *nlp;
	nlh = mq_nl_msg_prepare(nl, MEMQOS_CMD_ATTRIBUTION_GET,
				NLM_F_DUMP);
	err = mq_nl_request(nl, nlh, mq_attrib_list_add_cb, list);
	if (!err)
		mq_attrib_list_merge(list);
	return err;
}
