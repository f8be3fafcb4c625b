/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-cgroup rates between two dumps, for memqos top. Pure, unit tested.
 */
#ifndef MEMQOS_TOPRATE_H
#define MEMQOS_TOPRATE_H

#include <stdint.h>

#include "cgrec.h"

struct mq_top_row {
	const struct mq_cg_rec *rec;	/* the later dump's record */
	/*
	 * stall time (all kinds) per wall time, permille; > 1000 when
	 * several tasks stall at once, like the module's pressure monitor
	 */
	uint64_t stall_permille;
	/* memcg plus direct reclaim stalls, per second, times 10 */
	uint64_t reclaims_per_10s;
	/* p99 of the stalls (all kinds) in the interval, us */
	uint64_t p99_us;
};

/*
 * The rates of @cur since @prev, @wall_us apart. @prev is NULL for a
 * cgroup that was not in the earlier dump: its counters count from 0. A
 * counter that went down was reset: its new value is the delta.
 */
void mq_top_rate(const struct mq_cg_rec *prev, const struct mq_cg_rec *cur,
		 uint64_t wall_us, struct mq_top_row *row);

/* qsort() order: most stalled first, then most reclaims, usage, id. */
int mq_top_row_cmp(const void *a, const void *b);

#endif /* MEMQOS_TOPRATE_H */
