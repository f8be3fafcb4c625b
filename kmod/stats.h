/* SPDX-License-Identifier: GPL-2.0 */
/* stats.c: module-wide counters */
#ifndef MQ_STATS_H
#define MQ_STATS_H

#include <linux/types.h>

struct seq_file;

enum mq_stat {
	MQ_STAT_RECORDS_CREATED,
	MQ_STAT_RECORDS_FREED,
	MQ_STAT_DROPPED_CAP,		/* record refused: max_cgroups reached */
	MQ_STAT_DROPPED_DELEGATED,	/* ... delegated: only the reserve left */
	MQ_STAT_DROPPED_NOMEM,		/* record refused: no atomic memory */
	MQ_STAT_UNTRACKED_EVENTS,	/* event for a cgroup with no record */
	MQ_STAT_UNPAIRED_END,		/* end without a begin (e.g. at load) */
	MQ_STAT_INFLIGHT_FULL,		/* begin with no free pairing slot */
	MQ_STAT_KSWAPD_WAKE,		/* kswapd woke (any node) */
	MQ_STAT_OOM_KILLS,
	MQ_STAT_RECLAIM_STALLS,		/* memcg + direct reclaim begins */
	MQ_STAT_EVENTS_SENT,
	MQ_STAT_EVENTS_DROPPED,		/* queue full or send failed */
	MQ_STAT_PAIRS_FULL,		/* attribution pair table full */
	MQ_STAT_UNKNOWN_VICTIM,		/* reclaim batch of an unseen LRU */
	MQ_NR_STATS,
};

extern const char *const mq_stat_names[MQ_NR_STATS];

int mq_stats_init(void);
void mq_stats_exit(void);
void mq_stat_inc(enum mq_stat s);
u64 mq_stat_read(enum mq_stat s);
void mq_stats_show(struct seq_file *m);

#endif /* MQ_STATS_H */
