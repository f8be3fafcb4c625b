// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim attribution: who took memory from whom.
 *
 * Every batch of pages reclaimed (mm_vmscan_lru_shrink_inactive) is charged
 * to a pair: the reclaimer (the cgroup of the task in memcg or direct
 * reclaim, or kswapd of the node) and the victim (the memory cgroup whose
 * LRU was shrunk, which only a kprobe on shrink_lruvec() or, with MGLRU,
 * evict_folios() can see).
 *
 * Where the Multi-Gen LRU reclaims without that tracepoint (6.1,
 * compat.h), its batches are not seen: from the first evict_folios() call
 * on, attribution is incomplete and reported unavailable (never as
 * zeros) until every counter is reset.
 *
 * Two views:
 * - per cgroup, exact and monotonic (in its record): pages taken from its
 *   own LRU, split by who took them (itself, another cgroup by the level of
 *   their lowest common ancestor, kswapd, unknown), and pages it took from
 *   others. Summing a subtree's records by that level tells, for any
 *   cgroup, how much of its subtree's reclaim came from inside it and how
 *   much was inflicted from outside;
 * - node-wide, the pair matrix: a bounded table of (reclaimer, victim,
 *   node) with pages scanned and reclaimed, a decaying score so old pairs
 *   fade and give their slot to new ones, and the victim's workingset
 *   refaults shared out among the pairs that recently reclaimed from it:
 *   harm, not just activity. The attribution-get dump of the netlink
 *   family is at the end of this file.
 */
#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/memqos.h>
#include <net/genetlink.h>

#include "attrib.h"
#include "cgtable.h"
#include "config.h"
#include "genl-gen.h"
#include "hist.h"
#include "inflight.h"
#include "ksym.h"
#include "levels.h"
#include "nldump.h"
#include "stats.h"

#define MQ_PAIR_BITS	10
#define MQ_PAIRS	BIT(MQ_PAIR_BITS)
#define MQ_PAIR_PROBE	16

enum mq_pair_state {
	MQ_PAIR_FREE,
	MQ_PAIR_CLAIMED,	/* keys being written */
	MQ_PAIR_READY,
	MQ_PAIR_RETIRED,	/* waiting for a grace period before reuse */
};

struct mq_pair {
	int nid;
	u64 reclaimer;		/* cgroup id, or MQ_RECLAIMER_KSWAPD */
	u64 victim;
	atomic64_t scanned;
	atomic64_t reclaimed_anon;
	atomic64_t reclaimed_file;
	/* Owned by the monitor's work item. */
	u64 refaults;
	u64 last_reclaimed;
	u64 score;		/* decayed recent pages, << MQ_SCORE_SHIFT */
	int state;		/* last: mq_pair_recycle() clears the rest */
};

#define MQ_SCORE_SHIFT	10

static struct mq_pair *mq_pairs;
/* The victim kswapd of each node is shrinking; one kswapd per node. */
static u64 mq_kswapd_victim[MAX_NUMNODES];
/* Reclaim ran that attribution cannot see (see above). */
static bool mq_attrib_blind;

static int mq_pair_state(struct mq_pair *p)
{
	/* Pairs with mq_pair_publish(): keys are read after the state. */
	return smp_load_acquire(&p->state);
}

static void mq_pair_publish(struct mq_pair *p, int state)
{
	/* Pairs with mq_pair_state(): keys are written before the state. */
	smp_store_release(&p->state, state);
}

/*
 * Makes a RETIRED pair FREE for reuse, once no probe or copy can hold it
 * (after a grace period). The state stays RETIRED, which no claimer
 * touches, until every other field is zero; then the release store
 * publishes FREE, and a claimer that sees FREE (its cmpxchg reads that
 * store) finds the pair clean: nothing is zeroed under the keys it writes.
 * A memset() of the whole pair would store FREE (0) in the middle of the
 * clearing, and the publish after it would take back a pair claimed since.
 */
static void mq_pair_recycle(struct mq_pair *p)
{
	BUILD_BUG_ON(sizeof(*p) != ALIGN(offsetofend(struct mq_pair, state),
					 __alignof__(struct mq_pair)));
	memset(p, 0, offsetof(struct mq_pair, state));
	mq_pair_publish(p, MQ_PAIR_FREE);
}

static struct mq_pair *mq_pair_slot(u64 reclaimer, u64 victim, int nid,
				    unsigned int i)
{
	u32 h = hash_64(reclaimer * 31 + victim * 7 + nid, MQ_PAIR_BITS);

	return &mq_pairs[(h + i) & (MQ_PAIRS - 1)];
}

/* The pair's slot, claimed if new; NULL when the table is full there. */
static struct mq_pair *mq_pair_get(u64 reclaimer, u64 victim, int nid)
{
	struct mq_pair *p, *free = NULL;
	unsigned int i;
	int state;

	for (i = 0; i < MQ_PAIR_PROBE; i++) {
		p = mq_pair_slot(reclaimer, victim, nid, i);
		state = mq_pair_state(p);
		if (state == MQ_PAIR_READY && p->reclaimer == reclaimer &&
		    p->victim == victim && p->nid == nid)
			return p;
		if (state == MQ_PAIR_FREE && !free)
			free = p;
	}
	/* Racing claimers may each add the same pair: readers merge them. */
	if (!free || cmpxchg(&free->state, MQ_PAIR_FREE, MQ_PAIR_CLAIMED) !=
		     MQ_PAIR_FREE) {
		mq_stat_inc(MQ_STAT_PAIRS_FULL);
		return NULL;
	}
	free->reclaimer = reclaimer;
	free->victim = victim;
	free->nid = nid;
	mq_pair_publish(free, MQ_PAIR_READY);
	return free;
}

/* Level of the lowest common ancestor of two records (both tracked). */
static unsigned int mq_lca_level(const struct mq_cgroup *a,
				 const struct mq_cgroup *b)
{
	unsigned int l, top = min(a->level, b->level);

	for (l = 1; l <= top && l < MQ_ATTR_DEPTH; l++)
		if (a->ancestors[l] != b->ancestors[l])
			break;
	return l - 1;
}

void mq_attrib_account(int nid, unsigned long scanned,
		       unsigned long reclaimed, bool file)
{
	u64 victim_id, reclaimer_id = MQ_RECLAIMER_KSWAPD;
	struct mq_cgroup *victim, *reclaimer = NULL;
	unsigned int where;
	struct mq_pair *p;

	if (current->flags & PF_KSWAPD) {
		victim_id = READ_ONCE(mq_kswapd_victim[nid]);
	} else if (!mq_inflight_peek(MQ_SLOT_VICTIM, &victim_id)) {
		victim_id = 0;
	} else if (!mq_inflight_peek(MQ_STALL_MEMCG_RECLAIM, &reclaimer_id) &&
		   !mq_inflight_peek(MQ_STALL_DIRECT_RECLAIM, &reclaimer_id)) {
		reclaimer_id = MQ_RECLAIMER_UNKNOWN;
	}
	if (!victim_id) {
		mq_stat_inc(MQ_STAT_UNKNOWN_VICTIM);
		return;
	}

	rcu_read_lock();
	victim = mq_cg_lookup(victim_id);
	if (!victim) {
		mq_stat_inc(MQ_STAT_UNTRACKED_EVENTS);
		goto out;
	}
	atomic64_add(scanned, &victim->victim_scanned);
	atomic64_add(reclaimed, file ? &victim->victim_reclaimed_file :
				       &victim->victim_reclaimed_anon);

	if (reclaimer_id == MQ_RECLAIMER_KSWAPD) {
		where = MQ_BY_KSWAPD;
	} else {
		reclaimer = mq_cg_lookup(reclaimer_id);
		where = reclaimer ? mq_lca_level(reclaimer, victim) :
				    MQ_BY_UNKNOWN;
	}
	atomic64_add(reclaimed, &victim->victim_by[where]);
	if (reclaimer == victim)
		atomic64_add(reclaimed, &victim->victim_self);
	else if (reclaimer)
		atomic64_add(reclaimed, &reclaimer->inflicted);

	p = mq_pair_get(reclaimer_id, victim_id, nid);
	if (p) {
		atomic64_add(scanned, &p->scanned);
		atomic64_add(reclaimed, file ? &p->reclaimed_file :
					       &p->reclaimed_anon);
	}
out:
	rcu_read_unlock();
}

/* ---- which LRU is being shrunk: kprobes on the reclaim path ---- */

/*
 * A kprobe on a static reclaim function that takes the lruvec it shrinks.
 * Which argument that is comes from the kernel's BTF at load (ksym.c);
 * without BTF, from compat.h. The pointer is still checked before use: a
 * wrong index must cost attribution, never the machine.
 */
struct mq_shrink_probe {
	struct kprobe kp;
	unsigned int arg;
	unsigned int fallback;	/* the lruvec's index per compat.h */
	bool bound;
};

static int mq_shrink_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct mq_shrink_probe *p =
		container_of(kp, struct mq_shrink_probe, kp);
	struct lruvec *lruvec =
		(struct lruvec *)regs_get_kernel_argument(regs, p->arg);
	struct mem_cgroup *memcg;
	u64 id, unused;

	if (!virt_addr_valid(lruvec))
		return 0;
	memcg = lruvec_memcg(lruvec);
	if (!memcg)
		return 0;
	id = cgroup_id(memcg->css.cgroup);
	if (current->flags & PF_KSWAPD)
		WRITE_ONCE(mq_kswapd_victim[lruvec_pgdat(lruvec)->node_id], id);
	/* Only inside a stall that ends: its end releases the slot. */
	else if (mq_inflight_peek(MQ_STALL_MEMCG_RECLAIM, &unused) ||
		 mq_inflight_peek(MQ_STALL_DIRECT_RECLAIM, &unused))
		mq_inflight_set(MQ_SLOT_VICTIM, id);
	return 0;
}

static int mq_evict_pre(struct kprobe *kp, struct pt_regs *regs)
{
#ifndef MQ_HAVE_MGLRU_SHRINK_TP
	if (!READ_ONCE(mq_attrib_blind))
		WRITE_ONCE(mq_attrib_blind, true);
#endif
	return mq_shrink_pre(kp, regs);
}

/* shrink_lruvec() for the classic LRU, evict_folios() for MGLRU. */
static struct mq_shrink_probe mq_shrink_probes[] = {
	{ .kp = { .symbol_name = "shrink_lruvec", .pre_handler = mq_shrink_pre },
	  .fallback = 0 },
	{ .kp = { .symbol_name = "evict_folios", .pre_handler = mq_evict_pre },
	  .fallback = MQ_EVICT_FOLIOS_LRUVEC_ARG },
};

/* Registers @p where its lruvec argument is known; false, said, if not. */
static bool mq_shrink_probe_bind(struct mq_shrink_probe *p)
{
	const char *name = p->kp.symbol_name;
	int arg = mq_ksym_arg_index(name, "lruvec"), ret;

	if (arg == -ENODATA) {
		pr_info("no BTF: taking argument %u of %s as its lruvec\n",
			p->fallback, name);
		arg = p->fallback;
	} else if (arg < 0) {
		pr_warn("%s has no lruvec argument here: reclaim victims not attributed there\n",
			name);
		return false;
	}
	p->arg = arg;
	ret = register_kprobe(&p->kp);
	if (ret)
		pr_info("%s not probed (%d): reclaim victims not attributed there\n",
			name, ret);
	return !ret;
}

/*
 * Whether every batch of reclaim since the counters began was seen: the
 * reclaim path is probed, and no reclaim ran that has no tracepoint.
 */
bool mq_attrib_available(void)
{
	return (mq_shrink_probes[0].bound || mq_shrink_probes[1].bound) &&
	       !READ_ONCE(mq_attrib_blind);
}

/* Every counter was zeroed: what they count from now on is complete. */
void mq_attrib_counters_reset(void)
{
	WRITE_ONCE(mq_attrib_blind, false);
}

void mq_attrib_show(struct seq_file *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mq_shrink_probes); i++) {
		const struct mq_shrink_probe *p = &mq_shrink_probes[i];

		seq_printf(m, "kprobe %s %s %lu arg %u\n", p->kp.symbol_name,
			   p->bound ? "bound" : "absent", p->kp.nmissed,
			   p->arg);
	}
	seq_printf(m, "attribution %s\n", mq_attrib_available() ?
		   "complete" : "unavailable");
}

/* ---- the matrix, aged by the monitor ---- */

/* Scratch of the monitor: ready pairs ordered by victim. */
static u32 *mq_pair_order;

static int mq_cmp_victim(const void *a, const void *b)
{
	u64 va = mq_pairs[*(const u32 *)a].victim;
	u64 vb = mq_pairs[*(const u32 *)b].victim;

	return va < vb ? -1 : va > vb;
}

/*
 * New refaults of victim @id since the last tick, 0 the first time: the
 * refaults before the first tick that saw a pair of @id are its base, so
 * those within an interval of its first reclaim go unshared.
 */
static u64 mq_victim_new_refaults(u64 id)
{
	struct mq_cgroup *cg;
	u64 now, delta = 0;

	if (mq_cgroup_refaults(id, &now))
		return 0;
	rcu_read_lock();
	cg = mq_cg_lookup(id);
	if (cg) {
		if (cg->attrib_refaults_seen && now > cg->attrib_refaults)
			delta = now - cg->attrib_refaults;
		cg->attrib_refaults = now;
		cg->attrib_refaults_seen = true;
	}
	rcu_read_unlock();
	return delta;
}

/*
 * A victim's refaults after reclaim are the harm reclaim did it: each pair
 * that reclaimed from it gets a share in proportion to its recent score.
 * The refault count is the victim's hierarchical one (6.1 keeps no local
 * copy), so a victim with child cgroups includes theirs.
 */
static void mq_attrib_share_refaults(void)
{
	size_t n = 0, i, j;
	u64 refaults, sum;

	for (i = 0; i < MQ_PAIRS; i++)
		if (mq_pair_state(&mq_pairs[i]) == MQ_PAIR_READY)
			mq_pair_order[n++] = i;
	sort(mq_pair_order, n, sizeof(*mq_pair_order), mq_cmp_victim, NULL);

	for (i = 0; i < n; i = j) {
		u64 victim = mq_pairs[mq_pair_order[i]].victim;

		sum = 0;
		for (j = i; j < n && mq_pairs[mq_pair_order[j]].victim == victim;
		     j++)
			sum += mq_pairs[mq_pair_order[j]].score;
		refaults = mq_victim_new_refaults(victim);
		if (!refaults || !sum)
			continue;
		for (j = i; j < n && mq_pairs[mq_pair_order[j]].victim == victim;
		     j++) {
			struct mq_pair *p = &mq_pairs[mq_pair_order[j]];

			p->refaults += div64_u64(refaults * p->score, sum);
		}
	}
}

/*
 * Ages the pairs, retires those faded to nothing, and shares out each
 * victim's new refaults among its pairs by their recent score. Runs in the
 * monitor's work item: it may sleep.
 */
void mq_attrib_tick(u64 elapsed_ms)
{
	u32 halflife = READ_ONCE(mq_config[MQ_CFG_ATTRIB_HALFLIFE_MS]);
	bool retired = false;
	u64 decay, now, delta;
	struct mq_pair *p;
	size_t i;

	/* e^-x ~ 1/(1+x), x = ln2 * elapsed / halflife: fine per tick. */
	decay = div64_u64((u64)halflife << MQ_SCORE_SHIFT,
			  halflife + div_u64(elapsed_ms * 693, 1000));
	for (i = 0; i < MQ_PAIRS; i++) {
		p = &mq_pairs[i];
		if (mq_pair_state(p) != MQ_PAIR_READY)
			continue;
		now = atomic64_read(&p->reclaimed_anon) +
		      atomic64_read(&p->reclaimed_file);
		delta = now - p->last_reclaimed;
		p->last_reclaimed = now;
		p->score = ((p->score * decay) >> MQ_SCORE_SHIFT) +
			   (delta << MQ_SCORE_SHIFT);
		if (p->score < (1 << MQ_SCORE_SHIFT) && !delta) {
			WRITE_ONCE(p->state, MQ_PAIR_RETIRED);
			retired = true;
		}
	}
	mq_attrib_share_refaults();
	if (!retired)
		return;
	/* No probe or copy may still hold a retired pair when it is reused. */
	synchronize_rcu();
	for (i = 0; i < MQ_PAIRS; i++) {
		p = &mq_pairs[i];
		if (READ_ONCE(p->state) == MQ_PAIR_RETIRED)
			mq_pair_recycle(p);
	}
}

static int mq_cmp_score_desc(const void *a, const void *b)
{
	const struct mq_pair_snap *pa = a, *pb = b;

	return pa->score < pb->score ? 1 : -(pa->score > pb->score);
}

/* Copies up to @max pairs, highest recent score first; returns how many. */
static size_t mq_attrib_copy(struct mq_pair_snap *out, size_t max)
{
	struct mq_pair *p;
	size_t i, n = 0;

	/*
	 * Under RCU, like the probes: a pair read as READY is not recycled
	 * under the copy (mq_attrib_tick() waits for a grace period), so its
	 * keys are never half of one pair and half of the next.
	 */
	rcu_read_lock();
	for (i = 0; i < MQ_PAIRS && n < max; i++) {
		p = &mq_pairs[i];
		if (mq_pair_state(p) != MQ_PAIR_READY)
			continue;
		out[n++] = (struct mq_pair_snap) {
			.reclaimer = p->reclaimer,
			.victim = p->victim,
			.nid = p->nid,
			.scanned = atomic64_read(&p->scanned),
			.reclaimed_anon = atomic64_read(&p->reclaimed_anon),
			.reclaimed_file = atomic64_read(&p->reclaimed_file),
			.refaults = READ_ONCE(p->refaults),
			.score = READ_ONCE(p->score) >> MQ_SCORE_SHIFT,
		};
	}
	rcu_read_unlock();
	sort(out, n, sizeof(*out), mq_cmp_score_desc, NULL);
	return n;
}

/*
 * mq_attrib_copy() of every pair, in memory charged to the caller and
 * sized to the pairs in use; NULL without memory.
 */
struct mq_pair_snap *mq_attrib_snapshot(size_t *nr)
{
	struct mq_pair_snap *out;
	size_t i, n = 0;

	for (i = 0; i < MQ_PAIRS; i++)
		n += mq_pair_state(&mq_pairs[i]) == MQ_PAIR_READY;
	/* Pairs claimed meanwhile: a little room, and more if it filled up. */
	n = min_t(size_t, n + n / 8 + 16, MQ_PAIRS);
	for (;;) {
		out = kvmalloc_array(n, sizeof(*out),
				     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!out)
			return NULL;
		*nr = mq_attrib_copy(out, n);
		if (*nr < n || n == MQ_PAIRS)
			return out;
		kvfree(out);
		n = min_t(size_t, 2 * n, MQ_PAIRS);
	}
}

size_t mq_attrib_bytes(void)
{
	return MQ_PAIRS * (sizeof(struct mq_pair) + sizeof(u32));
}

int mq_attrib_init(void)
{
	size_t i;

	mq_pairs = kvcalloc(MQ_PAIRS, sizeof(*mq_pairs), GFP_KERNEL);
	mq_pair_order = kvcalloc(MQ_PAIRS, sizeof(*mq_pair_order), GFP_KERNEL);
	if (!mq_pairs || !mq_pair_order) {
		kvfree(mq_pairs);
		kvfree(mq_pair_order);
		return -ENOMEM;
	}
	/* Either symbol may be absent (or not probe-able): then say so. */
	for (i = 0; i < ARRAY_SIZE(mq_shrink_probes); i++)
		mq_shrink_probes[i].bound =
			mq_shrink_probe_bind(&mq_shrink_probes[i]);
	return 0;
}

void mq_attrib_exit(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mq_shrink_probes); i++)
		if (mq_shrink_probes[i].bound)
			unregister_kprobe(&mq_shrink_probes[i].kp);
	kvfree(mq_pairs);
	kvfree(mq_pair_order);
	mq_pairs = NULL;
	mq_pair_order = NULL;
}

/* ---- the attribution-get dump ---- */

static size_t mq_pair_payload(void)
{
	return 7 * MQ_NLA_U64 + 2 * MQ_NLA_PATH + nla_total_size(sizeof(u32));
}

static int mq_pair_dump_snapshot(struct mq_dump *d, struct netlink_callback *cb)
{
	struct mq_pair_snap *pairs;
	size_t nr;

	pairs = mq_attrib_snapshot(&nr);
	if (!pairs)
		return -ENOMEM;
	mq_dump_set(d, pairs, pairs, nr);
	return 0;
}

/*
 * Puts the path of cgroup @id as @attr. Returns -ENOENT, leaving nothing
 * out, when the requester's cgroup namespace does not show it.
 */
static int mq_put_visible_path(struct sk_buff *skb, int attr, u64 id,
			       char *buf)
{
	struct cgroup *cgrp = cgroup_get_from_id(id);
	int ret;

	if (IS_ERR(cgrp))
		return -ENOENT;
	ret = mq_nl_cgroup_path(cgrp, buf, PATH_MAX);
	cgroup_put(cgrp);
	if (ret)
		return -ENOENT;
	return nla_put_string(skb, attr, buf);
}

static int mq_pair_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			    const void *item, void *path)
{
	const struct mq_pair_snap *p = item;
	bool cgroup_reclaimer = p->reclaimer != MQ_RECLAIMER_KSWAPD &&
				p->reclaimer != MQ_RECLAIMER_UNKNOWN;
	void *hdr;
	int ret;

	hdr = mq_nl_dump_hdr(skb, cb, MEMQOS_CMD_ATTRIBUTION_GET);
	if (!hdr)
		return -EMSGSIZE;
	ret = mq_put_visible_path(skb, MEMQOS_A_PAIR_VICTIM_PATH, p->victim,
				  path);
	if (!ret && cgroup_reclaimer)
		ret = mq_put_visible_path(skb, MEMQOS_A_PAIR_RECLAIMER_PATH,
					  p->reclaimer, path);
	if (ret == -ENOENT) {
		/* Not visible from the requester's cgroup namespace. */
		genlmsg_cancel(skb, hdr);
		return 0;
	}
	if (ret ||
	    nla_put_u64_64bit(skb, MEMQOS_A_PAIR_RECLAIMER, p->reclaimer,
			      MEMQOS_A_PAIR_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_PAIR_VICTIM, p->victim,
			      MEMQOS_A_PAIR_PAD) ||
	    nla_put_u32(skb, MEMQOS_A_PAIR_NODE, p->nid) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_PAIR_SCANNED_PAGES, p->scanned,
			      MEMQOS_A_PAIR_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_PAIR_RECLAIMED_ANON_PAGES,
			      p->reclaimed_anon, MEMQOS_A_PAIR_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_PAIR_RECLAIMED_FILE_PAGES,
			      p->reclaimed_file, MEMQOS_A_PAIR_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_PAIR_REFAULTS, p->refaults,
			      MEMQOS_A_PAIR_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_PAIR_RECENT_PAGES, p->score,
			      MEMQOS_A_PAIR_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static const struct mq_dump_ops mq_pair_dump_ops = {
	.item_size = sizeof(struct mq_pair_snap),
	.scratch_size = PATH_MAX,
	.snapshot = mq_pair_dump_snapshot,
	.put = mq_pair_dump_put,
	.free = mq_dump_kvfree,
};

int memqos_nl_attribution_get_dump_start(struct netlink_callback *cb)
{
	/* No extack message: 6.1 gives a dump's start none to fill. */
	if (!mq_attrib_available())
		return -ENODATA;
	return mq_dump_start(cb, &mq_pair_dump_ops, mq_pair_payload());
}

int memqos_nl_attribution_get_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	return mq_dump_next(skb, cb);
}
