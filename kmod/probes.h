/* SPDX-License-Identifier: GPL-2.0 */
/* probes_*.c: one table of tracepoint probes per tracepoint system */
#ifndef MQ_PROBES_H
#define MQ_PROBES_H

#include "tracepoints.h"

extern struct mq_tp_probe mq_vmscan_probes[];
extern struct mq_tp_probe mq_oom_probes[];
extern struct mq_tp_probe mq_cgroup_probes[];
extern struct mq_tp_probe mq_sched_probes[];

#endif /* MQ_PROBES_H */
