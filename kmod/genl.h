/* SPDX-License-Identifier: GPL-2.0 */
/* genl.c: the memqos generic netlink family */
#ifndef MQ_GENL_H
#define MQ_GENL_H

#include "events.h"

int mq_genl_init(void);
void mq_genl_exit(void);
/* Events go out as multicast messages of the family. */
extern const struct mq_event_sink mq_genl_event_sink;

#endif /* MQ_GENL_H */
