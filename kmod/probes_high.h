/* SPDX-License-Identifier: GPL-2.0 */
/* probes_high.c: memory.high throttling via a kretprobe */
#ifndef MQ_PROBES_HIGH_H
#define MQ_PROBES_HIGH_H

#include <linux/types.h>

struct seq_file;

int mq_high_probe_init(void);
void mq_high_probe_exit(void);
void mq_high_probe_show(struct seq_file *m);
bool mq_high_probe_bound(void);
u64 mq_high_probe_hits(void);
u64 mq_high_probe_missed(void);
u32 mq_high_probe_maxactive(void);
const char *mq_high_probe_name(void);

#endif /* MQ_PROBES_HIGH_H */
