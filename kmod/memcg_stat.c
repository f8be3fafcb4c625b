// SPDX-License-Identifier: GPL-2.0
/*
 * Reading memcg statistics through the kernel's own accessors.
 *
 * The counters behind memory.stat are kept in structs private to
 * mm/memcontrol.c, whose layout changes with the kernel's config and even
 * its stable updates (in 7.3 two items moved in front of kernel_stack). A
 * module that indexed them itself would misread silently. Instead memqos
 * calls the functions memory.stat itself is built from, found by name
 * (ksym.c): memcg_page_state() on every kernel, lruvec_page_state() where
 * it is not an inline of the header, memcg_events() where it is global.
 * They take the public item numbers of the headers the module is built
 * against, and map them themselves.
 *
 * Before use, each accessor is checked against an independent value: for
 * the root memory cgroup, which holds every charged page, its file and
 * anon totals must agree with the node-wide vmstat counters (a different
 * set of counters, kept by mm/vmstat.c), once mem_cgroup_flush_stats()
 * has brought the memcg side up to date. An accessor that is missing or
 * disagrees is not used, the fields it would give are reported as not
 * available (never as 0), and the kernel log says why.
 */
#include <linux/cgroup.h>
#include <linux/delay.h>
#include <linux/memcontrol.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/static_call.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <linux/vmstat.h>

#include "ksym.h"
#include "memcg_stat.h"

/* The prototypes are the headers': a change breaks the build. */
DEFINE_STATIC_CALL_RET0(mq_memcg_page_state_call, memcg_page_state);
DEFINE_STATIC_CALL_NULL(mq_flush_stats_call, mem_cgroup_flush_stats);
#ifdef MQ_HAVE_LRUVEC_PAGE_STATE_FN
DEFINE_STATIC_CALL_RET0(mq_lruvec_page_state_call, lruvec_page_state);
#endif
#ifdef MQ_HAVE_MEMCG_EVENTS_FN
DEFINE_STATIC_CALL_RET0(mq_memcg_events_call, memcg_events);
#endif

static const char *const mq_accessor_names[MQ_NR_ACCESSORS] = {
	[MQ_ACC_LRUVEC] = "lruvec_page_state",
	[MQ_ACC_MEMCG] = "memcg_page_state",
	[MQ_ACC_EVENTS] = "memcg_events",
};

static char *verify_fault;
module_param(verify_fault, charp, 0400);
MODULE_PARM_DESC(verify_fault,
		 "testing only: make this accessor misread at load (e.g. memcg_page_state), to see it refused");

/* Bit per accessor that is resolved and verified. */
static unsigned long mq_accessors_ok;

bool mq_accessor_ok(enum mq_accessor acc)
{
	return test_bit(acc, &mq_accessors_ok);
}

const char *mq_accessor_name(enum mq_accessor acc)
{
	return mq_accessor_names[acc];
}

/*
 * Not mem_cgroup_lruvec(): for a NULL memcg that inline names
 * root_mem_cgroup, which 6.12 does not export.
 */
struct lruvec *mq_memcg_lruvec(struct mem_cgroup *memcg, int nid)
{
	return &memcg->nodeinfo[nid]->lruvec;
}

unsigned long mq_memcg_page_state(struct mem_cgroup *memcg, int idx)
{
	return static_call(mq_memcg_page_state_call)(memcg, idx);
}

unsigned long mq_lruvec_page_state(struct lruvec *lruvec,
				   enum node_stat_item idx)
{
#ifdef MQ_HAVE_LRUVEC_PAGE_STATE_FN
	return static_call(mq_lruvec_page_state_call)(lruvec, idx);
#else
	return mq_lruvec_page_state_inline(lruvec, idx);
#endif
}

unsigned long mq_memcg_events(struct mem_cgroup *memcg, int event)
{
#ifdef MQ_HAVE_MEMCG_EVENTS_FN
	return static_call(mq_memcg_events_call)(memcg, event);
#else
	return 0;
#endif
}

void mq_accessors_show(struct seq_file *m)
{
	int i;

	for (i = 0; i < MQ_NR_ACCESSORS; i++)
		seq_printf(m, "function %s %s\n", mq_accessor_names[i],
			   mq_accessor_ok(i) ? "bound" : "absent");
}

/* The address of global function @name, or 0 (said in the log). */
static unsigned long mq_resolve(const char *name)
{
	unsigned long addr = mq_ksym_lookup(name);

	if (!addr)
		pr_warn("%s not found on %s: the fields it reads are not available\n",
			name, init_utsname()->release);
	return addr;
}

/*
 * What each accessor is checked on: items large on any running system,
 * which the root memcg holds in full (every charged page, every fault of a
 * task), and their node-wide counters kept by mm/vmstat.c.
 */
static const struct {
	enum mq_accessor acc;
	int item;		/* node_stat_item, or vm_event_item for events */
	const char *name;
} mq_verify_items[] = {
	{ MQ_ACC_LRUVEC, NR_FILE_PAGES, "file pages" },
	{ MQ_ACC_LRUVEC, NR_ANON_MAPPED, "anon pages" },
	{ MQ_ACC_MEMCG, NR_FILE_PAGES, "file pages" },
	{ MQ_ACC_MEMCG, NR_ANON_MAPPED, "anon pages" },
	{ MQ_ACC_EVENTS, PGFAULT, "page faults" },
};

/* Sum over nodes of the root memcg's lruvec value of @item, in pages. */
static unsigned long mq_root_lruvec(struct mem_cgroup *root,
				    enum node_stat_item item)
{
	unsigned long sum = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		sum += mq_lruvec_page_state(mq_memcg_lruvec(root, nid), item);
	return sum;
}

/* A value of accessor @acc as the fault injection asks it to be misread. */
static unsigned long mq_faulty(enum mq_accessor acc, unsigned long got)
{
	if (verify_fault && !strcmp(verify_fault, mq_accessor_names[acc]))
		return got / 2 + SZ_8M / PAGE_SIZE;
	return got;
}

/* Entry @i of mq_verify_items, through its accessor and node-wide. */
static void mq_verify_sample(unsigned int i, struct mem_cgroup *root,
			     unsigned long *got, unsigned long *want)
{
	int item = mq_verify_items[i].item;
	unsigned long events = 0;
	int cpu;

	switch (mq_verify_items[i].acc) {
	case MQ_ACC_LRUVEC:
		*got = mq_root_lruvec(root, item);
		*want = global_node_page_state_pages(item);
		break;
	case MQ_ACC_MEMCG:
		*got = mq_memcg_page_state(root, item);
		*want = global_node_page_state_pages(item);
		break;
	default:
		*got = mq_memcg_events(root, item);
		for_each_possible_cpu(cpu)
			events += per_cpu(vm_event_states, cpu).event[item];
		*want = events;
		break;
	}
	*got = mq_faulty(mq_verify_items[i].acc, *got);
}

/*
 * Whether @got agrees with the node-wide total @want: within an eighth
 * (pages of no memcg, updates since the flush) plus what per-CPU deltas
 * may hold.
 */
static bool mq_close(unsigned long got, unsigned long want)
{
	unsigned long slack = want / 8 + 256UL * num_possible_cpus();

	return got + slack >= want && got <= want + slack;
}

/*
 * One comparison of accessor @acc on the root memcg, after a flush of the
 * memcg side. False, and the entry that disagrees in @bad with its values
 * (or the total, if too small to tell a right reader from a wrong one).
 */
static bool mq_verify_once(enum mq_accessor acc, struct mem_cgroup *root,
			   unsigned int *bad, unsigned long *got,
			   unsigned long *want)
{
	unsigned long total = 0;
	unsigned int i;

	static_call_cond(mq_flush_stats_call) MQ_FLUSH_STATS_ARGS(root);
	for (i = 0; i < ARRAY_SIZE(mq_verify_items); i++) {
		if (mq_verify_items[i].acc != acc)
			continue;
		mq_verify_sample(i, root, got, want);
		*bad = i;
		if (!mq_close(*got, *want))
			return false;
		total += *want;
	}
	/* 16 MiB of pages, or a thousand faults */
	if (total < (acc == MQ_ACC_EVENTS ? 1000 : SZ_16M >> PAGE_SHIFT)) {
		*got = *want = total;
		return false;
	}
	return true;
}

#define MQ_VERIFY_TRIES		20
#define MQ_VERIFY_WAIT_MS	50

/*
 * Checks accessor @acc on the root memcg against the node-wide counters.
 * Memory that is allocated and freed fast (an OOM loop frees 40 MiB twice
 * a second) moves both sides apart between a flush and the reads, and a
 * flush already under way elsewhere is not waited for: agreement once in
 * a second of tries proves the reader; a wrong one never agrees.
 */
static bool mq_verify(enum mq_accessor acc, struct mem_cgroup *root)
{
	unsigned long got = 0, want = 0;
	unsigned int bad = 0, try;

	for (try = 0; try < MQ_VERIFY_TRIES; try++) {
		if (mq_verify_once(acc, root, &bad, &got, &want))
			return true;
		msleep(MQ_VERIFY_WAIT_MS);
	}
	pr_err("%s reads the root cgroup's %s as %lu, the node counters %lu: not used on %s\n",
	       mq_accessor_names[acc], mq_verify_items[bad].name, got, want,
	       init_utsname()->release);
	return false;
}

static struct mem_cgroup *mq_root_memcg(void)
{
	struct cgroup_subsys_state *css;

	css = cgroup_get_e_css(&cgrp_dfl_root.cgrp, &memory_cgrp_subsys);
	return css ? mem_cgroup_from_css(css) : NULL;
}

/*
 * Points static call @call at the global function @fn, found by name;
 * true if it was found. The cast keeps the header's prototype.
 */
#define mq_bind(call, fn)						\
	({								\
		unsigned long __addr = mq_resolve(#fn);			\
									\
		if (__addr)						\
			static_call_update(call, (typeof(fn) *)__addr);	\
		__addr != 0;						\
	})

/* Sets @acc's bit if it was bound (@bound) and reads right. */
static void mq_accept(enum mq_accessor acc, bool bound,
		      struct mem_cgroup *root)
{
	if (bound && mq_verify(acc, root))
		set_bit(acc, &mq_accessors_ok);
}

int mq_memcg_stat_init(void)
{
	struct mem_cgroup *root = mq_root_memcg();

	if (!root)
		return -ENODEV;

	/* Without it the memcg side may lag by up to 2 s of updates. */
	mq_bind(mq_flush_stats_call, mem_cgroup_flush_stats);
	mq_accept(MQ_ACC_MEMCG,
		  mq_bind(mq_memcg_page_state_call, memcg_page_state), root);
#ifdef MQ_HAVE_LRUVEC_PAGE_STATE_FN
	mq_accept(MQ_ACC_LRUVEC,
		  mq_bind(mq_lruvec_page_state_call, lruvec_page_state), root);
#else
	/* the header's inline, copied in compat.h */
	mq_accept(MQ_ACC_LRUVEC, true, root);
#endif
#ifdef MQ_HAVE_MEMCG_EVENTS_FN
	mq_accept(MQ_ACC_EVENTS, mq_bind(mq_memcg_events_call, memcg_events),
		  root);
#endif
	css_put(&root->css);

	/* Without the per-node statistics memqos would read mostly nothing. */
	if (!mq_accessor_ok(MQ_ACC_LRUVEC)) {
		pr_err("cannot read memcg statistics on %s: not loading\n",
		       init_utsname()->release);
		return -EOPNOTSUPP;
	}
	return 0;
}
