/* SPDX-License-Identifier: GPL-2.0 */
/* discover.c: records for the cgroups that existed before load */
#ifndef MQ_DISCOVER_H
#define MQ_DISCOVER_H

/* After the cgroup probes are bound, so that no cgroup is missed. */
int mq_cg_discover(void);

#endif /* MQ_DISCOVER_H */
