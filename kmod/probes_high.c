// SPDX-License-Identifier: GPL-2.0
/*
 * memory.high throttling: a task over its cgroup's memory.high reclaims and
 * then sleeps off a penalty in mem_cgroup_handle_over_high() on its way back
 * to user space. No tracepoint covers it on 6.1, so a kretprobe times the
 * whole call. The kernel calls it on every notify-resume and it returns at
 * once unless the task charged pages over high: only those calls count.
 * By v7.2 the work is in __mem_cgroup_handle_over_high() behind an inline
 * wrapper (compat.h): the names are tried newest first. The symbol is not
 * ABI: when neither is there the probe is skipped and module stats say so.
 */
#include <linux/kprobes.h>
#include <linux/seq_file.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "cgtable.h"
#include "hist.h"
#include "inflight.h"
#include "probes_high.h"

static const char *const mq_high_symbols[] = {
	"__mem_cgroup_handle_over_high",
	"mem_cgroup_handle_over_high",
};

static const char *mq_high_symbol;

struct mq_high_call {
	u64 cgid;
	u64 start_ns;
};

static atomic64_t mq_high_hits = ATOMIC64_INIT(0);
static bool mq_high_bound;

/*
 * Each task inside the function holds one kretprobe instance, and a task
 * over memory.high sleeps there for up to 2 s (the kernel's
 * MEMCG_MAX_HIGH_DELAY_JIFFIES): every thread of a cgroup over its limit
 * can be in at once, however few the CPUs. A call that finds none free is
 * not timed, only counted (mq_high_probe_missed()). 32 per possible CPU,
 * from 256 (a small node's pod of many threads) to 4096: each instance
 * is 64 bytes, and from 6.7 every CPU also keeps a slot per instance.
 */
#define MQ_HIGH_MAXACTIVE_MIN	256
#define MQ_HIGH_MAXACTIVE_MAX	4096
#define MQ_HIGH_MAXACTIVE_LIMIT	65536

static unsigned int high_maxactive;
module_param(high_maxactive, uint, 0400);
MODULE_PARM_DESC(high_maxactive,
		 "memory.high throttles timed at once (1..65536; 0: 32 per possible CPU, 256..4096)");

static int mq_high_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mq_high_call *call = (struct mq_high_call *)ri->data;

	if (!READ_ONCE(current->memcg_nr_pages_over_high))
		return 1;	/* no return handler for this call */
	rcu_read_lock();
	call->cgid = mq_current_memcg_id(NULL);
	rcu_read_unlock();
	if (!call->cgid)
		return 1;
	call->start_ns = ktime_get_ns();
	return 0;
}

static int mq_high_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mq_high_call *call = (struct mq_high_call *)ri->data;

	atomic64_inc(&mq_high_hits);
	mq_stall_account(MQ_STALL_HIGH_THROTTLE, call->cgid, call->start_ns,
			 ktime_get_ns());
	return 0;
}

static struct kretprobe mq_high_krp;

static int mq_high_maxactive(void)
{
	if (high_maxactive)
		return high_maxactive;
	return clamp_t(int, 32 * num_possible_cpus(), MQ_HIGH_MAXACTIVE_MIN,
		       MQ_HIGH_MAXACTIVE_MAX);
}

int mq_high_probe_init(void)
{
	int ret = -ENOENT;
	size_t i;

	if (high_maxactive > MQ_HIGH_MAXACTIVE_LIMIT) {
		pr_err("high_maxactive=%u: at most %u\n", high_maxactive,
		       MQ_HIGH_MAXACTIVE_LIMIT);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(mq_high_symbols); i++) {
		mq_high_krp = (struct kretprobe) {
			.kp.symbol_name = mq_high_symbols[i],
			.entry_handler = mq_high_entry,
			.handler = mq_high_return,
			.data_size = sizeof(struct mq_high_call),
			.maxactive = mq_high_maxactive(),
		};
		ret = register_kretprobe(&mq_high_krp);
		if (!ret) {
			mq_high_symbol = mq_high_symbols[i];
			mq_high_bound = true;
			return 0;
		}
	}
	pr_warn("neither %s nor %s probed (%d): memory.high stalls not tracked\n",
		mq_high_symbols[0], mq_high_symbols[1], ret);
	return 0;
}

void mq_high_probe_exit(void)
{
	if (mq_high_bound)
		unregister_kretprobe(&mq_high_krp);
	mq_high_bound = false;
}

/* The function probed, or the newest name when none could be. */
const char *mq_high_probe_name(void)
{
	return mq_high_symbol ?: mq_high_symbols[0];
}

bool mq_high_probe_bound(void)
{
	return mq_high_bound;
}

u64 mq_high_probe_hits(void)
{
	return atomic64_read(&mq_high_hits);
}

/*
 * Calls not timed: no free instance (more tasks throttled at once than
 * maxactive), or the probe hit while another kprobe ran on the CPU.
 */
u64 mq_high_probe_missed(void)
{
	if (!mq_high_bound)
		return 0;
	return (unsigned int)READ_ONCE(mq_high_krp.nmissed) +
	       READ_ONCE(mq_high_krp.kp.nmissed);
}

/* Instances, so calls that can be timed at once; 0 when not bound. */
u32 mq_high_probe_maxactive(void)
{
	return mq_high_bound ? mq_high_krp.maxactive : 0;
}

void mq_high_probe_show(struct seq_file *m)
{
	seq_printf(m, "kretprobe %s %s %llu\n", mq_high_probe_name(),
		   mq_high_bound ? "bound" : "absent", mq_high_probe_hits());
	seq_printf(m, "kretprobe_missed %llu\n", mq_high_probe_missed());
	seq_printf(m, "kretprobe_maxactive %u\n", mq_high_probe_maxactive());
}
