// SPDX-License-Identifier: GPL-2.0
/*
 * Records for the cgroups that existed before load, parents first. Apart
 * from the table (cgtable.c), which a snapshot of the hierarchy
 * (idlist.c) reads in turn.
 */
#include <linux/errno.h>

#include "cgtable.h"
#include "discover.h"
#include "idlist.h"

int mq_cg_discover(void)
{
	struct mq_idlist *list = mq_idlist_collect(NULL, false);
	size_t i;

	if (!list)
		return -ENOMEM;
	for (i = 0; i < list->nr; i++)
		mq_cg_adopt(list->ids[i]);
	mq_idlist_free(list);
	return 0;
}
