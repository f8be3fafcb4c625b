// SPDX-License-Identifier: GPL-2.0
/*
 * Task exit: releases any begin/end pairing slot the task still holds, so a
 * task that dies mid-stall leaks nothing.
 */
#include <linux/module.h>
#include <linux/tracepoint.h>
#include <trace/events/sched.h>

#include "inflight.h"
#include "probes.h"
#include "tracepoints.h"

static void mq_process_exit(void *data, MQ_PROCESS_EXIT_ARGS)
{
	mq_tp_hit(data);
	mq_inflight_task_exit(task);
}

static inline void mq_sched_check_protos(void)
{
	check_trace_callback_type_sched_process_exit(mq_process_exit);
}

struct mq_tp_probe mq_sched_probes[] = {
	{ .name = "sched_process_exit", .func = mq_process_exit },
	{ }
};
