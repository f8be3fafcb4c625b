// SPDX-License-Identifier: GPL-2.0
/*
 * ATTRIBUTION_GET for the commands, see attribquery.h.
 */
#include <linux/memqos.h>

#include "attribquery.h"

int attribq_dump(struct memqos_nl **nlp, struct attrib_list *list)
{
	struct memqos_nl *nl;
	struct nlmsghdr *nlh;
	int err;

	attrib_list_free(list);
	err = memqos_nl_ready(nlp, MEMQOS_CMD_ATTRIBUTION_GET);
	if (err)
		return err;
	nl = *nlp;
	nlh = memqos_nl_msg_prepare(nl, MEMQOS_CMD_ATTRIBUTION_GET,
				    NLM_F_DUMP);
	err = memqos_nl_request(nl, nlh, attrib_list_add_cb, list);
	if (!err)
		attrib_list_merge(list);
	return err;
}
