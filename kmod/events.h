/* SPDX-License-Identifier: GPL-2.0 */
/* events.c: multicast events, sent from a work item */
#ifndef MQ_EVENTS_H
#define MQ_EVENTS_H

#include <linux/types.h>

struct mq_event {
	u8 cmd;			/* MEMQOS_CMD_*_NTF */
	u8 pressured;		/* pressure: 1 entering, 0 leaving */
	u8 storm;		/* storm: 1 starting, 0 over */
	u32 stall_permille;	/* pressure */
	u64 seq;		/* set when raised */
	u64 time_ns;		/* set when raised */
	u64 cgid;
	u64 rate;		/* storm: reclaim stalls per second */
	u64 rss_bytes;		/* oom kill */
	/* oom kill, if has_scope: see struct mq_oom_kill */
	bool has_scope;
	u8 scope;
	u64 trigger_cgid;
	u64 scope_cgid;
	u64 scope_max_bytes;
};

/*
 * Where events go (genl.c): whether anyone listens, from any context, and
 * the send of one event, from the work item.
 */
struct mq_event_sink {
	bool (*listening)(void);
	int (*send)(const struct mq_event *ev);
};

int mq_events_init(const struct mq_event_sink *sink);
void mq_events_flush(void);
void mq_events_exit(void);
/* Any context; does nothing when nobody listens. */
void mq_event_raise(struct mq_event *ev);
void mq_event_cgroup_removed(u64 cgid);
u64 mq_event_last_seq(void);

#endif /* MQ_EVENTS_H */
