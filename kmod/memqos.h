/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memqos: declarations shared between the module's files. Each part has an
 * init/exit pair called in order from main.c.
 */
#ifndef MEMQOS_H
#define MEMQOS_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/rhashtable-types.h>
#include <linux/sched.h>
#include <linux/mmzone.h>

struct tracepoint;
struct seq_file;
struct cgroup;
struct cgroup_subsys_state;
struct mem_cgroup;
struct lruvec;

/* ---- ksym.c: global kernel functions that are not exported ---- */

int mq_ksym_init(void);
/* The address of global function @name, 0 if not found. */
unsigned long mq_ksym_lookup(const char *name);
/*
 * Which parameter of kernel function @func is named @arg, from the
 * kernel's BTF: -ENOENT if it has none of that name, -ENODATA without BTF.
 */
int mq_ksym_arg_index(const char *func, const char *arg);

/* ---- memcg_stat.c: the kernel's memcg statistics accessors ---- */

enum mq_accessor {
	MQ_ACC_LRUVEC,		/* lruvec_page_state(): per-node items */
	MQ_ACC_MEMCG,		/* memcg_page_state(): memcg-wide items */
	MQ_ACC_EVENTS,		/* memcg_events(): per-memcg vm events */
	MQ_NR_ACCESSORS,
};

int mq_memcg_stat_init(void);
/* Resolved and verified against the node counters at load. */
bool mq_accessor_ok(enum mq_accessor acc);
const char *mq_accessor_name(enum mq_accessor acc);
void mq_accessors_show(struct seq_file *m);
/* @memcg's LRUs on node @nid. */
struct lruvec *mq_memcg_lruvec(struct mem_cgroup *memcg, int nid);
/* The kernel's raw values (pages, bytes or KiB as the item is kept). */
unsigned long mq_lruvec_page_state(struct lruvec *lruvec,
				   enum node_stat_item idx);
unsigned long mq_memcg_page_state(struct mem_cgroup *memcg, int idx);
unsigned long mq_memcg_events(struct mem_cgroup *memcg, int event);

/* ---- tracepoints.c: binding probes by name ---- */

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

/* probes_*.c: one table per tracepoint system */
extern struct mq_tp_probe mq_vmscan_probes[];
extern struct mq_tp_probe mq_oom_probes[];
extern struct mq_tp_probe mq_cgroup_probes[];
extern struct mq_tp_probe mq_sched_probes[];

/* ---- hist.c: log2 stall-time histograms ---- */

enum mq_stall_kind {
	MQ_STALL_MEMCG_RECLAIM,		/* try_to_free_mem_cgroup_pages() */
	MQ_STALL_DIRECT_RECLAIM,	/* global direct reclaim */
	MQ_STALL_HIGH_THROTTLE,		/* memory.high handling on return to user */
	MQ_NR_STALL_KINDS,
};

/*
 * Bucket 0 counts stalls under 1 us; bucket b (1..24) counts
 * [2^(b-1), 2^b) us; the last bucket everything from 2^24 us (16.8 s) on.
 */
#define MQ_HIST_BUCKETS	26

struct mq_hist {
	atomic64_t count;
	atomic64_t sum_us;
	atomic64_t max_us;
	atomic64_t bucket[MQ_HIST_BUCKETS];
};

extern const char *const mq_stall_names[MQ_NR_STALL_KINDS];
void mq_hist_add(struct mq_hist *h, u64 us);
void mq_hist_reset(struct mq_hist *h);

/* ---- cgtable.c: one record per tracked memory cgroup ---- */

/*
 * Reclaim attribution keeps, per record, the ids of its ancestors (levels
 * 0..MQ_ATTR_DEPTH-1) and the pages reclaimed from its LRU by who took
 * them: victim_by[l] for a reclaimer whose lowest common ancestor with it
 * is at level l (its own level when it reclaimed from itself), then kswapd,
 * then reclaimers memqos could not tell. Exact for hierarchies up to
 * MQ_ATTR_DEPTH levels deep.
 */
#define MQ_ATTR_DEPTH		16
#define MQ_BY_KSWAPD		MQ_ATTR_DEPTH
#define MQ_BY_UNKNOWN		(MQ_ATTR_DEPTH + 1)
#define MQ_NR_BY		(MQ_ATTR_DEPTH + 2)
/* Reclaimer ids that are not cgroups (cgroup ids start at 1). */
#define MQ_RECLAIMER_KSWAPD	0ULL
#define MQ_RECLAIMER_UNKNOWN	U64_MAX

/* Event counters: everything the module counts itself, per cgroup. */
struct mq_cgroup {
	struct rhash_head node;
	u64 id;				/* cgroup id (kernfs id), never reused */
	/*
	 * A record waits on the change list (cgtable.c) for insertion, with
	 * a reference on its cgroup, or for removal; the rcu head is used
	 * only after it has left both table and list.
	 */
	union {
		struct {
			struct llist_node change;
			struct cgroup *change_cgrp;	/* NULL: a removal */
		};
		struct rcu_head rcu;
	};
	atomic_t removing;		/* 0, or MQ_CG_REMOVE_* once queued */
	bool delegated;			/* not seen made by root */
	unsigned int level;		/* 0 for the root */
	u64 ancestors[MQ_ATTR_DEPTH];	/* [l]: id at level l, itself last */
	atomic64_t memcg_reclaim_pages;
	atomic64_t direct_reclaim_pages;
	atomic64_t kswapd_wakeups;	/* allocations that woke kswapd */
	atomic64_t throttled;		/* mm_vmscan_throttled sleeps */
	atomic64_t throttled_us;
	atomic64_t oom_kills;		/* victims in this very cgroup */
	/* Memcg reclaims aimed at this cgroup (v7.1 on, see compat.h). */
	atomic64_t limit_reclaims;
	atomic64_t limit_reclaim_pages;
	struct mq_hist stall[MQ_NR_STALL_KINDS];
	/* Reclaim attribution, as victim and as reclaimer (attrib.c). */
	atomic64_t victim_scanned;
	atomic64_t victim_reclaimed_anon;
	atomic64_t victim_reclaimed_file;
	atomic64_t victim_by[MQ_NR_BY];
	atomic64_t victim_self;		/* reclaimed by its own tasks */
	atomic64_t inflicted;		/* its tasks reclaimed from others */
	/* Owned by the pressure monitor's work item alone. */
	u64 monitor_ns;			/* its last pass (ktime_get_ns()) */
	u64 monitor_stall_us;		/* stall total at its last pass */
	bool pressured;
	bool attrib_refaults_seen;
	u64 attrib_refaults;		/* refaults at the last pass */
};

int mq_cgtable_init(void);
void mq_cgtable_exit(void);
/* Lookup under RCU (any context); the record is valid until rcu unlock. */
struct mq_cgroup *mq_cg_lookup(u64 id);
struct mq_cgroup *mq_cg_lookup_or_create(struct mem_cgroup *memcg);
/* From the cgroup probes (IRQs off): queue the change for process context. */
void mq_cg_queue_create(struct cgroup *cgrp);
void mq_cg_queue_remove(u64 id, bool notify);
/* Applies the queued changes; readers call it so new cgroups show at once. */
void mq_cg_sync(void);
int mq_cg_discover(void);
unsigned long mq_cg_count(void);
/* Records of cgroups that count as delegated (cgtable.c). */
unsigned long mq_cg_count_delegated(void);

/*
 * A snapshot of the ids of online memory cgroups, in hierarchy order, and
 * optionally their subtree totals from the same walk: subtree[2 * i] and
 * [2 * i + 1] are ids[i]'s MQ_C_SUBTREE_RECLAIMED_WITHIN and _OUTSIDE, or
 * subtree is NULL (not asked for, no memory, or a hierarchy too deep).
 * Charged to the caller's memory cgroup, and sized to the cgroups listed.
 */
struct mq_idlist {
	size_t nr, cap;
	u64 *ids;
	u64 *subtree;
};

struct mq_idlist *mq_idlist_collect(struct cgroup *top, bool subtrees);
void mq_idlist_free(struct mq_idlist *list);

/* The subtree totals of the id at @id in @list's ids, or NULL. */
static inline const u64 *mq_idlist_subtree(const struct mq_idlist *list,
					   const u64 *id)
{
	return list->subtree ? &list->subtree[2 * (id - list->ids)] : NULL;
}

/* ---- walk.c: a subtree's memory cgroups, in bounded chunks ---- */

/*
 * A pre-order walk of the memory css of @top and its descendants (none if
 * @top has no memory controller):
 *
 *	mq_walk_start(&w, top);
 *	while ((pos = mq_walk_next(&w)))
 *		...;
 *	mq_walk_end(&w);
 *
 * The loop body runs under RCU and must not sleep; mq_walk_next() leaves
 * RCU and reschedules between chunks, so no pointer read under RCU may be
 * kept across it. To sleep between two cgroups, mq_walk_pin() the
 * position and, if it could, leave RCU and take it again before the next
 * mq_walk_next().
 */
struct mq_walk {
	struct cgroup_subsys_state *root;	/* referenced, or NULL */
	struct cgroup_subsys_state *pos;	/* the last one returned */
	struct cgroup_subsys_state *pinned;	/* referenced, or NULL */
	unsigned int visited;			/* since the last pin */
};

void mq_walk_start(struct mq_walk *w, struct cgroup *top) __acquires(RCU);
struct cgroup_subsys_state *mq_walk_next(struct mq_walk *w);
bool mq_walk_pin(struct mq_walk *w);
void mq_walk_end(struct mq_walk *w) __releases(RCU);

unsigned int mq_cg_generation(void);
void mq_cg_generation_bump(void);
int mq_cg_reset(u64 id);
void mq_cg_for_each(void (*fn)(struct mq_cgroup *cg, void *arg), void *arg);

/* ---- current.c: who is running, as memqos sees it ---- */

/* Cgroup id of current's memory cgroup; 0 when not in task context. */
u64 mq_current_memcg_id(struct mem_cgroup **memcgp);

/* ---- inflight.c: pairing begin/end tracepoints per task ---- */

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

/* ---- oomring.c: the recent OOM kills, node-wide ---- */

struct mq_oom_kill {
	u64 seq;		/* 1, 2, ... since load */
	u64 time_ns;		/* CLOCK_REALTIME */
	u64 boot_ns;		/* CLOCK_BOOTTIME */
	u64 cgid;
	pid_t pid;		/* thread-group id of the victim */
	uid_t uid;
	char comm[TASK_COMM_LEN];
	u64 rss_anon_bytes;
	u64 rss_file_bytes;
	u64 rss_shmem_bytes;
	u64 pgtables_bytes;
	short oom_score_adj;
};

int mq_oomring_init(void);
void mq_oomring_exit(void);
void mq_oomring_add(const struct mq_oom_kill *k);
struct mq_oom_kill *mq_oomring_snapshot(size_t *nr);
int mq_oomring_resize(unsigned int entries);
size_t mq_oomring_bytes(void);

/* ---- levels.c: what the memcg itself knows, read at read time ---- */

/*
 * Memcg statistics are ANON..REFAULT_FILE and KERNEL on; the rest are the
 * memcg's page counters, memory.events and PSI.
 */
enum mq_level {
	MQ_L_USAGE, MQ_L_PEAK, MQ_L_SWAP,
	MQ_L_MIN, MQ_L_LOW, MQ_L_HIGH, MQ_L_MAX,
	MQ_L_ANON, MQ_L_FILE_MAPPED, MQ_L_SHMEM, MQ_L_RSS,
	MQ_L_SLAB_RECLAIMABLE, MQ_L_SLAB_UNRECLAIMABLE, MQ_L_KERNEL_STACK,
	MQ_L_PAGETABLES, MQ_L_SEC_PAGETABLES, MQ_L_KMEM,
	MQ_L_FILE, MQ_L_ACTIVE_ANON, MQ_L_INACTIVE_ANON,
	MQ_L_ACTIVE_FILE, MQ_L_INACTIVE_FILE,
	MQ_L_REFAULT_ANON, MQ_L_REFAULT_FILE,
	MQ_L_EV_LOW, MQ_L_EV_HIGH, MQ_L_EV_MAX, MQ_L_EV_OOM, MQ_L_EV_OOM_KILL,
	MQ_L_PSI_SOME_US, MQ_L_PSI_FULL_US,
	MQ_L_KERNEL, MQ_L_PERCPU, MQ_L_SOCK, MQ_L_VMALLOC,
	MQ_L_ZSWAP, MQ_L_ZSWAPPED, MQ_L_ZSWPWB,
	MQ_L_PGDEMOTE_KSWAPD, MQ_L_PGDEMOTE_DIRECT, MQ_L_PGDEMOTE_KHUGEPAGED,
	MQ_L_WS_ACTIVATE_ANON, MQ_L_WS_ACTIVATE_FILE,
	MQ_L_WS_RESTORE_ANON, MQ_L_WS_RESTORE_FILE,
	MQ_NR_LEVELS,
};

extern const char *const mq_level_names[MQ_NR_LEVELS];
/* Unlimited min/low/high/max read as this. */
#define MQ_UNLIMITED	U64_MAX

struct mq_levels {
	u64 v[MQ_NR_LEVELS];
};

/* After mq_memcg_stat_init(): which levels this kernel gives. */
void mq_levels_init(void);
bool mq_level_available(enum mq_level level);
/*
 * Fills @l for cgroup @cgrp (levels not available read 0); -ENOENT when it
 * has no memory controller.
 */
int mq_levels_read(struct cgroup *cgrp, struct mq_levels *l);

/* ---- report.c: one cgroup as read by debugfs and netlink ---- */

enum mq_counter {
	MQ_C_MEMCG_RECLAIMS, MQ_C_MEMCG_RECLAIM_PAGES, MQ_C_MEMCG_RECLAIM_US,
	MQ_C_DIRECT_RECLAIMS, MQ_C_DIRECT_RECLAIM_PAGES, MQ_C_DIRECT_RECLAIM_US,
	MQ_C_HIGH_THROTTLES, MQ_C_HIGH_THROTTLE_US,
	MQ_C_KSWAPD_WAKEUPS, MQ_C_THROTTLED, MQ_C_THROTTLED_US,
	MQ_C_OOM_KILLS,
	/* reclaim attribution: pages reclaimed from this cgroup's own LRU */
	MQ_C_VICTIM_SCANNED, MQ_C_VICTIM_RECLAIMED_ANON,
	MQ_C_VICTIM_RECLAIMED_FILE,
	MQ_C_RECLAIMED_BY_SELF, MQ_C_RECLAIMED_BY_OTHERS,
	MQ_C_RECLAIMED_BY_KSWAPD, MQ_C_RECLAIMED_BY_UNKNOWN,
	/* ... pages its tasks reclaimed from other cgroups */
	MQ_C_RECLAIMED_FROM_OTHERS,
	/* ... and its whole subtree's, by where the reclaimer was */
	MQ_C_SUBTREE_RECLAIMED_WITHIN, MQ_C_SUBTREE_RECLAIMED_OUTSIDE,
	/* memcg reclaims whose target was this cgroup, where known */
	MQ_C_LIMIT_RECLAIMS, MQ_C_LIMIT_RECLAIM_PAGES,
	MQ_NR_COUNTERS,
};

/* Whether this kernel lets memqos count @c (compat.h). */
bool mq_counter_on_kernel(enum mq_counter c);
/* One of reclaim attribution's, which may be unavailable (attrib.c). */
bool mq_counter_is_attrib(enum mq_counter c);
/* Whether @c is given now: on this kernel, and complete. */
bool mq_counter_available(enum mq_counter c);

extern const char *const mq_counter_names[MQ_NR_COUNTERS];

struct mq_hist_snap {
	u64 count, sum_us, max_us;
	u64 bucket[MQ_HIST_BUCKETS];
};

struct mq_report {
	u64 id;
	bool tracked;			/* has a record; else counters are 0 */
	struct mq_levels levels;
	u64 counters[MQ_NR_COUNTERS];
	struct mq_hist_snap hist[MQ_NR_STALL_KINDS];
};

/*
 * Fills @r for @cgrp; -ENOENT when it has no memory controller. @subtree:
 * its two subtree totals from an mq_idlist, or NULL to walk its subtree.
 */
int mq_report_read(struct cgroup *cgrp, struct mq_report *r,
		   const u64 *subtree);

/* Subtree totals of a whole pre-order walk, see report.c. */
struct mq_subtree_walk;
struct mq_subtree_walk *mq_subtree_walk_alloc(void);
void mq_subtree_walk_start(struct mq_subtree_walk *w);
void mq_subtree_visit(struct mq_subtree_walk *w, u64 *sums,
		      struct cgroup_subsys_state *pos, long idx);
bool mq_subtree_walk_complete(const struct mq_subtree_walk *w);

/* ---- stats.c: module-wide counters ---- */

enum mq_stat {
	MQ_STAT_RECORDS_CREATED,
	MQ_STAT_RECORDS_FREED,
	MQ_STAT_DROPPED_CAP,		/* record refused: max_cgroups reached */
	MQ_STAT_DROPPED_DELEGATED,	/* ... delegated: only the reserve left */
	MQ_STAT_DROPPED_NOMEM,		/* record refused: no atomic memory */
	MQ_STAT_UNTRACKED_EVENTS,	/* event for a cgroup with no record */
	MQ_STAT_UNPAIRED_END,		/* end without a begin (e.g. at load) */
	MQ_STAT_INFLIGHT_FULL,		/* begin with no free pairing slot */
	MQ_STAT_KSWAPD_WAKE,		/* kswapd woke (any node) */
	MQ_STAT_OOM_KILLS,
	MQ_STAT_RECLAIM_STALLS,		/* memcg + direct reclaim begins */
	MQ_STAT_EVENTS_SENT,
	MQ_STAT_EVENTS_DROPPED,		/* queue full or send failed */
	MQ_STAT_PAIRS_FULL,		/* attribution pair table full */
	MQ_STAT_UNKNOWN_VICTIM,		/* reclaim batch of an unseen LRU */
	MQ_NR_STATS,
};

extern const char *const mq_stat_names[MQ_NR_STATS];

int mq_stats_init(void);
void mq_stats_exit(void);
void mq_stat_inc(enum mq_stat s);
u64 mq_stat_read(enum mq_stat s);
void mq_stats_show(struct seq_file *m);

/* ---- config.c: tunables, validated ---- */

enum mq_config_key {
	MQ_CFG_MAX_CGROUPS,		/* cap on tracked cgroups */
	MQ_CFG_OOM_RING_ENTRIES,	/* recent OOM kills kept */
	MQ_CFG_PRESSURE_THRESHOLD,	/* stall permille that is pressure */
	MQ_CFG_PRESSURE_HYSTERESIS,	/* leave below threshold - this */
	MQ_CFG_STORM_RATE,		/* reclaim stalls per second: storm */
	MQ_CFG_EVENT_INTERVAL_MS,	/* pressure/storm evaluation period */
	MQ_CFG_ATTRIB_HALFLIFE_MS,	/* attribution pairs fade by half */
	MQ_NR_CONFIG,
};

/* Read with READ_ONCE(); written only under config.c's mutex. */
extern unsigned int mq_config[MQ_NR_CONFIG];
extern const char *const mq_config_names[MQ_NR_CONFIG];
/* Each key's attribute in the netlink config set. */
extern const u16 mq_config_attr[MQ_NR_CONFIG];

/*
 * Sets the keys whose @present is true to @val. All are validated first;
 * on error nothing changes and *@bad (if given) names the offending key.
 */
int mq_config_set_many(const u32 *val, const bool *present,
		       enum mq_config_key *bad);
int mq_config_set(const char *key, const char *val);
void mq_config_show(struct seq_file *m);

/* ---- attrib.c: who reclaimed from whom ---- */

struct mq_pair_snap {
	u64 reclaimer;		/* cgroup id or MQ_RECLAIMER_* */
	u64 victim;
	int nid;
	u64 scanned, reclaimed_anon, reclaimed_file;
	u64 refaults;		/* victim's refaults shared out to this pair */
	u64 score;		/* decayed recent pages reclaimed */
};

int mq_attrib_init(void);
void mq_attrib_exit(void);
/* From mm_vmscan_lru_shrink_inactive: one batch of reclaim. */
void mq_attrib_account(int nid, unsigned long scanned,
		       unsigned long reclaimed, bool file);
void mq_attrib_tick(u64 elapsed_ms);
size_t mq_attrib_copy(struct mq_pair_snap *out, size_t max);
struct mq_pair_snap *mq_attrib_snapshot(size_t *nr);
size_t mq_attrib_bytes(void);
/* Probed, and no reclaim went unseen: else its counters are left out. */
bool mq_attrib_available(void);
void mq_attrib_counters_reset(void);
void mq_attrib_show(struct seq_file *m);
/* Workingset refaults (anon + file) of cgroup @id, hierarchical. */
int mq_cgroup_refaults(u64 id, u64 *refaults);

/* ---- events.c: multicast events, sent from a work item ---- */

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
};

int mq_events_init(void);
void mq_events_flush(void);
void mq_events_exit(void);
/* Any context; does nothing when nobody listens. */
void mq_event_raise(struct mq_event *ev);
void mq_event_cgroup_removed(u64 cgid);
u64 mq_event_last_seq(void);

/* ---- pressure.c: pressure and reclaim-storm monitor ---- */

int mq_pressure_init(void);
void mq_pressure_exit(void);
void mq_pressure_reschedule(void);

/* ---- probes_high.c: memory.high throttling via a kretprobe ---- */

int mq_high_probe_init(void);
void mq_high_probe_exit(void);
void mq_high_probe_show(struct seq_file *m);
bool mq_high_probe_bound(void);
u64 mq_high_probe_hits(void);
u64 mq_high_probe_missed(void);
u32 mq_high_probe_maxactive(void);
const char *mq_high_probe_name(void);

/* ---- debugfs.c ---- */

int mq_debugfs_init(void);
void mq_debugfs_exit(void);

/* ---- genl.c ---- */

int mq_genl_init(void);
void mq_genl_exit(void);
bool mq_genl_has_listeners(void);
int mq_genl_send_event(const struct mq_event *ev);

#endif /* MEMQOS_H */
