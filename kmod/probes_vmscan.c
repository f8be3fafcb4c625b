// SPDX-License-Identifier: GPL-2.0
/*
 * Probes on the vmscan tracepoints.
 *
 * The kernel's own event header is included (without CREATE_TRACE_POINTS) so
 * that check_trace_callback_type_*() checks each probe against the running
 * kernel's TP_PROTO at build time.
 */
#include <linux/module.h>
#include <linux/tracepoint.h>
#include <trace/events/vmscan.h>

#include "memqos.h"

static void mq_memcg_reclaim_begin(void *data, int order, gfp_t gfp_flags)
{
	mq_tp_hit(data);
}

static void mq_memcg_reclaim_end(void *data, unsigned long nr_reclaimed)
{
	mq_tp_hit(data);
}

static inline void mq_vmscan_check_protos(void)
{
	check_trace_callback_type_mm_vmscan_memcg_reclaim_begin(mq_memcg_reclaim_begin);
	check_trace_callback_type_mm_vmscan_memcg_reclaim_end(mq_memcg_reclaim_end);
}

struct mq_tp_probe mq_vmscan_probes[] = {
	{ .name = "mm_vmscan_memcg_reclaim_begin", .func = mq_memcg_reclaim_begin },
	{ .name = "mm_vmscan_memcg_reclaim_end", .func = mq_memcg_reclaim_end },
	{ }
};
