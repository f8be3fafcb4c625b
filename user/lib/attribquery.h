/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ATTRIBUTION_GET for the commands: the whole reclaim attribution matrix.
 */
#ifndef MEMQOS_ATTRIBQUERY_H
#define MEMQOS_ATTRIBQUERY_H

#include "attrib.h"
#include "nl.h"

/*
 * Every pair visible to the caller into @list (freed first), one entry
 * per (reclaimer, victim, node). 0 or a negative errno:
 * -EOPNOTSUPP from a module without attribution.
 */
int mq_attribq_dump(struct mq_nl **nlp, struct mq_attrib_list *list);

#endif /* MEMQOS_ATTRIBQUERY_H */
