// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide counters, per CPU so that probes never share a cache line.
 */
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "stats.h"

struct mq_stat_counters {
	u64 v[MQ_NR_STATS];
};

static struct mq_stat_counters __percpu *mq_stats;

const char *const mq_stat_names[MQ_NR_STATS] = {
	[MQ_STAT_RECORDS_CREATED] = "records_created",
	[MQ_STAT_RECORDS_FREED] = "records_freed",
	[MQ_STAT_DROPPED_CAP] = "dropped_cap",
	[MQ_STAT_DROPPED_DELEGATED] = "dropped_delegated",
	[MQ_STAT_DROPPED_NOMEM] = "dropped_nomem",
	[MQ_STAT_UNTRACKED_EVENTS] = "untracked_events",
	[MQ_STAT_UNPAIRED_END] = "unpaired_end",
	[MQ_STAT_INFLIGHT_FULL] = "inflight_full",
	[MQ_STAT_KSWAPD_WAKE] = "kswapd_wake",
	[MQ_STAT_OOM_KILLS] = "oom_kills",
	[MQ_STAT_RECLAIM_STALLS] = "reclaim_stalls",
	[MQ_STAT_EVENTS_SENT] = "events_sent",
	[MQ_STAT_EVENTS_DROPPED] = "events_dropped",
	[MQ_STAT_PAIRS_FULL] = "pairs_full",
	[MQ_STAT_UNKNOWN_VICTIM] = "unknown_victim",
};

int mq_stats_init(void)
{
	mq_stats = alloc_percpu(struct mq_stat_counters);
	return mq_stats ? 0 : -ENOMEM;
}

void mq_stats_exit(void)
{
	free_percpu(mq_stats);
	mq_stats = NULL;
}

void mq_stat_inc(enum mq_stat s)
{
	this_cpu_inc(mq_stats->v[s]);
}

u64 mq_stat_read(enum mq_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(mq_stats, cpu)->v[s];
	return sum;
}

void mq_stats_show(struct seq_file *m)
{
	int s;

	for (s = 0; s < MQ_NR_STATS; s++)
		seq_printf(m, "%s %llu\n", mq_stat_names[s], mq_stat_read(s));
}
