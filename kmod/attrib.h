/* SPDX-License-Identifier: GPL-2.0 */
/* attrib.c: who reclaimed from whom */
#ifndef MQ_ATTRIB_H
#define MQ_ATTRIB_H

#include <linux/types.h>

struct seq_file;

struct mq_pair_snap {
	u64 reclaimer;		/* cgroup id or MQ_RECLAIMER_* */
	u64 victim;
	int nid;
	u64 scanned, reclaimed_anon, reclaimed_file;
	u64 refaults;		/* victim's refaults shared out to this pair */
	u64 score;		/* decayed recent pages reclaimed */
};

int mq_attrib_init(void);
void mq_attrib_exit(void);
/* From mm_vmscan_lru_shrink_inactive: one batch of reclaim. */
void mq_attrib_account(int nid, unsigned long scanned,
		       unsigned long reclaimed, bool file);
void mq_attrib_tick(u64 elapsed_ms);
struct mq_pair_snap *mq_attrib_snapshot(size_t *nr);
size_t mq_attrib_bytes(void);
/* Probed, and no reclaim went unseen: else its counters are left out. */
bool mq_attrib_available(void);
void mq_attrib_counters_reset(void);
void mq_attrib_show(struct seq_file *m);

#endif /* MQ_ATTRIB_H */
