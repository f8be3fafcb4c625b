// SPDX-License-Identifier: GPL-2.0
/*
 * What an OOM kill relieved, and who asked for it. oom:mark_victim does
 * not say which limit was hit; out_of_memory(oc) is told, in oc->memcg
 * (NULL for the node), and it is what calls mark_oom_victim(), in the task
 * that invoked the OOM killer: the one whose charge or allocation failed
 * (a memcg OOM deferred to the end of a page fault still runs in the
 * faulting task), or the writer of a lower memory.max. SysRq-f calls it
 * from a worker, with oc->order -1.
 *
 * A kretprobe on out_of_memory() claims one slot on entry, the oom_control
 * and its task, and frees it on return; mark_victim reads it when the slot
 * is its own task's, so oc is alive (on that task's stack) while it is
 * read. Every caller holds oom_lock, so the slot is never contended: a
 * task that found it taken (a caller without oom_lock) records no scope.
 * struct oom_control is the public one of <linux/oom.h>, built against
 * each kernel's headers. out_of_memory() is no ABI: when it cannot be
 * probed the module loads without trigger and scope, and stats say so.
 */
#include <linux/cgroup.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/memcontrol.h>
#include <linux/oom.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/memqos.h>

#include "cgtable.h"
#include "levels.h"
#include "oomring.h"
#include "probes_oomscope.h"

static const char mq_oomscope_symbol[] = "out_of_memory";

static char *probe_fault;
module_param(probe_fault, charp, 0400);
MODULE_PARM_DESC(probe_fault,
		 "testing only: register this kprobe (out_of_memory) on a function no kernel has, to see the module load without it");

/* The owner is only compared with current, never dereferenced. */
static struct task_struct *mq_oomscope_owner;
static struct oom_control *mq_oomscope_oc;

static atomic64_t mq_oomscope_hits = ATOMIC64_INIT(0);
static bool mq_oomscope_bound;

static int mq_oomscope_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct oom_control *oc;

	oc = (struct oom_control *)regs_get_kernel_argument(regs, 0);
	if (!oc || cmpxchg(&mq_oomscope_owner, NULL, current))
		return 1;	/* not ours: no return handler */
	WRITE_ONCE(mq_oomscope_oc, oc);
	atomic64_inc(&mq_oomscope_hits);
	return 0;
}

static int mq_oomscope_return(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	WRITE_ONCE(mq_oomscope_oc, NULL);
	/* Ordered after that store: the next owner's oc is never cleared. */
	smp_store_release(&mq_oomscope_owner, NULL);
	return 0;
}

/* Few: out_of_memory() runs under oom_lock, one task at a time. */
static struct kretprobe mq_oomscope_krp = {
	.kp.symbol_name = mq_oomscope_symbol,
	.entry_handler = mq_oomscope_entry,
	.handler = mq_oomscope_return,
	.maxactive = 4,
};

void mq_oomscope_fill(struct mq_oom_kill *k)
{
	struct mem_cgroup *memcg;
	struct oom_control *oc;

	if (READ_ONCE(mq_oomscope_owner) != current)
		return;
	oc = READ_ONCE(mq_oomscope_oc);
	if (!oc)
		return;
	memcg = oc->memcg;
	if (memcg) {
		k->scope = MEMQOS_OOM_SCOPE_MEMCG;
		k->scope_cgid = cgroup_id(memcg->css.cgroup);
		k->scope_max_bytes =
			mq_limit_bytes(READ_ONCE(memcg->memory.max));
	} else if (oc->order == -1) {
		k->scope = MEMQOS_OOM_SCOPE_SYSRQ;
	} else {
		k->scope = MEMQOS_OOM_SCOPE_GLOBAL;
	}
	k->has_scope = true;
	if (k->scope == MEMQOS_OOM_SCOPE_SYSRQ)
		return;
	rcu_read_lock();
	k->trigger_cgid = mq_current_memcg_id(NULL);
	rcu_read_unlock();
}

int mq_oomscope_probe_init(void)
{
	int ret;

	if (probe_fault && !strcmp(probe_fault, mq_oomscope_symbol))
		mq_oomscope_krp.kp.symbol_name = "memqos_probe_fault";
	ret = register_kretprobe(&mq_oomscope_krp);
	if (ret) {
		pr_warn("%s not probed (%d): OOM kills have no trigger or scope\n",
			mq_oomscope_symbol, ret);
		return 0;
	}
	mq_oomscope_bound = true;
	return 0;
}

/* After mark_victim is unbound: nobody reads the slot any more. */
void mq_oomscope_probe_exit(void)
{
	if (mq_oomscope_bound)
		unregister_kretprobe(&mq_oomscope_krp);
	mq_oomscope_bound = false;
	WRITE_ONCE(mq_oomscope_oc, NULL);
	WRITE_ONCE(mq_oomscope_owner, NULL);
}

const char *mq_oomscope_probe_name(void)
{
	return mq_oomscope_symbol;
}

bool mq_oomscope_probe_bound(void)
{
	return mq_oomscope_bound;
}

u64 mq_oomscope_probe_hits(void)
{
	return atomic64_read(&mq_oomscope_hits);
}

void mq_oomscope_probe_show(struct seq_file *m)
{
	seq_printf(m, "kretprobe %s %s %llu\n", mq_oomscope_symbol,
		   mq_oomscope_bound ? "bound" : "absent",
		   mq_oomscope_probe_hits());
}
