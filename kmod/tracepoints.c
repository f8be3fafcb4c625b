// SPDX-License-Identifier: GPL-2.0
/*
 * Binding probes to the kernel's built-in tracepoints by name.
 *
 * The mm tracepoints are not exported to modules, but a GPL module may walk
 * every built-in tracepoint with for_each_kernel_tracepoint() and register
 * on the one whose name matches. Each probes_*.c file owns one table; this
 * file binds and unbinds all of them.
 */
#include <linux/module.h>
#include <linux/tracepoint.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "probes.h"
#include "tracepoints.h"

/*
 * Bound in this order: task exit first, so that no task can take a pairing
 * slot in inflight.c before its exit would release it; then the cgroup
 * lifecycle, so that records follow cgroups before any event needs them.
 */
static struct mq_tp_probe *const mq_tp_tables[] = {
	mq_sched_probes,
	mq_cgroup_probes,
	mq_oom_probes,
	mq_vmscan_probes,
};

/* Calls @fn on every probe of every table; stops at the first error. */
int mq_tp_for_each(int (*fn)(struct mq_tp_probe *p, void *arg), void *arg)
{
	struct mq_tp_probe *p;
	size_t t;
	int ret;

	for (t = 0; t < ARRAY_SIZE(mq_tp_tables); t++) {
		for (p = mq_tp_tables[t]; p->name; p++) {
			ret = fn(p, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int mq_tp_match_one(struct mq_tp_probe *p, void *arg)
{
	struct tracepoint *tp = arg;

	if (!p->tp && !strcmp(tp->name, p->name))
		p->tp = tp;
	return 0;
}

static void mq_tp_match(struct tracepoint *tp, void *unused)
{
	mq_tp_for_each(mq_tp_match_one, tp);
}

u64 mq_tp_hits(const struct mq_tp_probe *p)
{
	u64 sum = 0;
	int cpu;

	if (!p->hits)
		return 0;
	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(p->hits, cpu);
	return sum;
}

static int mq_tp_unregister(struct mq_tp_probe *p, void *unused)
{
	if (p->bound)
		tracepoint_probe_unregister(p->tp, p->func, p);
	p->bound = false;
	return 0;
}

static int mq_tp_free(struct mq_tp_probe *p, void *unused)
{
	free_percpu(p->hits);
	p->hits = NULL;
	p->tp = NULL;
	return 0;
}

void mq_tp_unbind(void)
{
	mq_tp_for_each(mq_tp_unregister, NULL);
	/* No probe may still be running when its state or text goes away. */
	tracepoint_synchronize_unregister();
	mq_tp_for_each(mq_tp_free, NULL);
}

static int mq_tp_register(struct mq_tp_probe *p, void *unused)
{
	int ret;

	if (!p->tp) {
		if (p->optional) {
			pr_info("tracepoint %s absent, skipped\n", p->name);
			return 0;
		}
		pr_err("tracepoint %s not found\n", p->name);
		return -ENOENT;
	}
	p->hits = alloc_percpu(u64);
	if (!p->hits)
		return -ENOMEM;
	ret = tracepoint_probe_register(p->tp, p->func, p);
	if (ret) {
		pr_err("cannot attach to %s: %d\n", p->name, ret);
		return ret;
	}
	p->bound = true;
	return 0;
}

int mq_tp_bind(void)
{
	int ret;

	for_each_kernel_tracepoint(mq_tp_match, NULL);
	ret = mq_tp_for_each(mq_tp_register, NULL);
	if (ret)
		mq_tp_unbind();
	return ret;
}

static int mq_tp_show_one(struct mq_tp_probe *p, void *arg)
{
	struct seq_file *m = arg;

	seq_printf(m, "tracepoint %s %s %llu\n", p->name,
		   p->bound ? "bound" : "absent", mq_tp_hits(p));
	return 0;
}

void mq_tp_show(struct seq_file *m)
{
	mq_tp_for_each(mq_tp_show_one, m);
}
