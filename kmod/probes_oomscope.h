/* SPDX-License-Identifier: GPL-2.0 */
/* probes_oomscope.c: an OOM kill's scope and trigger, via a kretprobe */
#ifndef MQ_PROBES_OOMSCOPE_H
#define MQ_PROBES_OOMSCOPE_H

#include <linux/types.h>

struct mq_oom_kill;
struct seq_file;

int mq_oomscope_probe_init(void);
void mq_oomscope_probe_exit(void);
/*
 * From oom:mark_victim: fills @k's trigger and scope when the current task
 * is inside a probed out_of_memory(); leaves them absent otherwise.
 */
void mq_oomscope_fill(struct mq_oom_kill *k);
void mq_oomscope_probe_show(struct seq_file *m);
bool mq_oomscope_probe_bound(void);
u64 mq_oomscope_probe_hits(void);
const char *mq_oomscope_probe_name(void);

#endif /* MQ_PROBES_OOMSCOPE_H */
