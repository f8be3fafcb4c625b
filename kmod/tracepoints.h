/* SPDX-License-Identifier: GPL-2.0 */
/* tracepoints.c: binding probes by name */
#ifndef MQ_TRACEPOINTS_H
#define MQ_TRACEPOINTS_H

#include <linux/types.h>
#include <linux/percpu.h>

struct tracepoint;
struct seq_file;

/*
 * One tracepoint the module binds by name. The probe gets its own
 * struct mq_tp_probe as @data, so it can count its hits without a lookup.
 * Tables of these end with an entry whose name is NULL.
 */
struct mq_tp_probe {
	const char *name;
	void *func;
	bool optional;		/* may be absent on a kernel: skip, say so */
	struct tracepoint *tp;	/* found by name at bind time */
	bool bound;
	u64 __percpu *hits;
};

static inline void mq_tp_hit(void *data)
{
	struct mq_tp_probe *p = data;

	this_cpu_inc(*p->hits);
}

u64 mq_tp_hits(const struct mq_tp_probe *p);
int mq_tp_bind(void);
void mq_tp_unbind(void);
void mq_tp_show(struct seq_file *m);
int mq_tp_for_each(int (*fn)(struct mq_tp_probe *p, void *arg), void *arg);

#endif /* MQ_TRACEPOINTS_H */
