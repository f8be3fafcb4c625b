/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memqos: declarations shared between the module's files. Each part has an
 * init/exit pair called in order from main.c.
 */
#ifndef MEMQOS_H
#define MEMQOS_H

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

/* tracepoints.c: the registry of every probe table */
int mq_tp_bind(void);
void mq_tp_unbind(void);
void mq_tp_show(struct seq_file *m);

/* probes_*.c: one table per tracepoint system */
extern struct mq_tp_probe mq_vmscan_probes[];

/* debugfs.c */
int mq_debugfs_init(void);
void mq_debugfs_exit(void);

/* genl.c */
int mq_genl_init(void);
void mq_genl_exit(void);

#endif /* MEMQOS_H */
