/* SPDX-License-Identifier: GPL-2.0 */
/* inflight.c: pairing begin/end tracepoints per task */
#ifndef MQ_INFLIGHT_H
#define MQ_INFLIGHT_H

#include <linux/types.h>

#include "hist.h"

struct task_struct;

int mq_inflight_init(void);
void mq_inflight_exit(void);
void mq_inflight_begin(enum mq_stall_kind kind, u64 cgid);
/* Returns true and the begin's cgroup and start time when paired. */
bool mq_inflight_end(enum mq_stall_kind kind, u64 *cgid, u64 *start_ns);

/* A slot kind beyond the stall kinds: the cgroup whose LRU is shrunk. */
#define MQ_SLOT_VICTIM	MQ_NR_STALL_KINDS
/* current's value of slot @kind, without ending it. */
bool mq_inflight_peek(unsigned int kind, u64 *val);
void mq_inflight_set(unsigned int kind, u64 val);
void mq_inflight_release(unsigned int kind);
void mq_inflight_task_exit(struct task_struct *task);
size_t mq_inflight_bytes(void);
unsigned int mq_inflight_used(void);

/* Record a finished stall of @kind for cgroup @cgid. */
void mq_stall_account(enum mq_stall_kind kind, u64 cgid, u64 start_ns,
		      u64 end_ns);

#endif /* MQ_INFLIGHT_H */
