// SPDX-License-Identifier: GPL-2.0
/*
 * The "memqos" generic netlink family: the API tools build on. Commands and
 * attributes are specified in Documentation/netlink/specs/memqos.yaml and
 * numbered in include/uapi/linux/memqos.h (generated from it).
 *
 * Reading is open to everyone, like memory.stat; state changes carry
 * GENL_ADMIN_PERM. A requester sees only the cgroups of its cgroup
 * namespace (cgroup_get_from_id() and cgroup_get_from_path() resolve
 * relative to it), with paths relative to its root. OOM victims' pids,
 * uids and names go only to CAP_NET_ADMIN or to the victim's own uid.
 *
 * The "events" group needs CAP_NET_ADMIN (GENL_MCAST_CAP_NET_ADMIN, which
 * genl_bind() enforces on 6.1 as on newer kernels): a multicast message
 * goes to every member alike, so it cannot be cut to what each listener's
 * cgroup namespace shows, and other tenants' OOM kills and pressure are
 * not theirs to watch. Events still carry no pid, uid or comm.
 *
 * The policies and the ops table are generated from the spec (genl-gen.c);
 * the dumps of OOM kills and of attribution pairs live with their data
 * (oomring.c, attrib.c), and all dumps go through nldump.c.
 */
#include <linux/module.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <linux/unaligned.h>
#include <net/genetlink.h>
#include <linux/memqos.h>

#include "attrib.h"
#include "cgtable.h"
#include "config.h"
#include "events.h"
#include "genl-gen.h"
#include "genl.h"
#include "hist.h"
#include "idlist.h"
#include "inflight.h"
#include "levels.h"
#include "memcg_stat.h"
#include "nldump.h"
#include "oomring.h"
#include "probes_high.h"
#include "probes_oomscope.h"
#include "report.h"
#include "stats.h"
#include "tracepoints.h"

static struct genl_family mq_genl_family;
static bool mq_genl_registered;

/* Where each level, counter and stat goes in the cgroup/stats sets. */
static const u16 mq_level_attr[MQ_NR_LEVELS] = {
	[MQ_L_USAGE] = MEMQOS_A_CGROUP_USAGE_BYTES,
	[MQ_L_PEAK] = MEMQOS_A_CGROUP_PEAK_BYTES,
	[MQ_L_SWAP] = MEMQOS_A_CGROUP_SWAP_BYTES,
	[MQ_L_MIN] = MEMQOS_A_CGROUP_MIN_BYTES,
	[MQ_L_LOW] = MEMQOS_A_CGROUP_LOW_BYTES,
	[MQ_L_HIGH] = MEMQOS_A_CGROUP_HIGH_BYTES,
	[MQ_L_MAX] = MEMQOS_A_CGROUP_MAX_BYTES,
	[MQ_L_ANON] = MEMQOS_A_CGROUP_ANON_BYTES,
	[MQ_L_FILE_MAPPED] = MEMQOS_A_CGROUP_FILE_MAPPED_BYTES,
	[MQ_L_SHMEM] = MEMQOS_A_CGROUP_SHMEM_BYTES,
	[MQ_L_RSS] = MEMQOS_A_CGROUP_RSS_BYTES,
	[MQ_L_SLAB_RECLAIMABLE] = MEMQOS_A_CGROUP_SLAB_RECLAIMABLE_BYTES,
	[MQ_L_SLAB_UNRECLAIMABLE] = MEMQOS_A_CGROUP_SLAB_UNRECLAIMABLE_BYTES,
	[MQ_L_KERNEL_STACK] = MEMQOS_A_CGROUP_KERNEL_STACK_BYTES,
	[MQ_L_PAGETABLES] = MEMQOS_A_CGROUP_PAGETABLES_BYTES,
	[MQ_L_SEC_PAGETABLES] = MEMQOS_A_CGROUP_SEC_PAGETABLES_BYTES,
	[MQ_L_KMEM] = MEMQOS_A_CGROUP_KMEM_BYTES,
	[MQ_L_FILE] = MEMQOS_A_CGROUP_FILE_BYTES,
	[MQ_L_ACTIVE_ANON] = MEMQOS_A_CGROUP_ACTIVE_ANON_BYTES,
	[MQ_L_INACTIVE_ANON] = MEMQOS_A_CGROUP_INACTIVE_ANON_BYTES,
	[MQ_L_ACTIVE_FILE] = MEMQOS_A_CGROUP_ACTIVE_FILE_BYTES,
	[MQ_L_INACTIVE_FILE] = MEMQOS_A_CGROUP_INACTIVE_FILE_BYTES,
	[MQ_L_REFAULT_ANON] = MEMQOS_A_CGROUP_WORKINGSET_REFAULT_ANON,
	[MQ_L_REFAULT_FILE] = MEMQOS_A_CGROUP_WORKINGSET_REFAULT_FILE,
	[MQ_L_EV_LOW] = MEMQOS_A_CGROUP_EVENTS_LOW,
	[MQ_L_EV_HIGH] = MEMQOS_A_CGROUP_EVENTS_HIGH,
	[MQ_L_EV_MAX] = MEMQOS_A_CGROUP_EVENTS_MAX,
	[MQ_L_EV_OOM] = MEMQOS_A_CGROUP_EVENTS_OOM,
	[MQ_L_EV_OOM_KILL] = MEMQOS_A_CGROUP_EVENTS_OOM_KILL,
	[MQ_L_PSI_SOME_US] = MEMQOS_A_CGROUP_PSI_SOME_US,
	[MQ_L_PSI_FULL_US] = MEMQOS_A_CGROUP_PSI_FULL_US,
	[MQ_L_KERNEL] = MEMQOS_A_CGROUP_KERNEL_BYTES,
	[MQ_L_PERCPU] = MEMQOS_A_CGROUP_PERCPU_BYTES,
	[MQ_L_SOCK] = MEMQOS_A_CGROUP_SOCK_BYTES,
	[MQ_L_VMALLOC] = MEMQOS_A_CGROUP_VMALLOC_BYTES,
	[MQ_L_ZSWAP] = MEMQOS_A_CGROUP_ZSWAP_BYTES,
	[MQ_L_ZSWAPPED] = MEMQOS_A_CGROUP_ZSWAPPED_BYTES,
	[MQ_L_ZSWPWB] = MEMQOS_A_CGROUP_ZSWPWB,
	[MQ_L_PGDEMOTE_KSWAPD] = MEMQOS_A_CGROUP_PGDEMOTE_KSWAPD,
	[MQ_L_PGDEMOTE_DIRECT] = MEMQOS_A_CGROUP_PGDEMOTE_DIRECT,
	[MQ_L_PGDEMOTE_KHUGEPAGED] = MEMQOS_A_CGROUP_PGDEMOTE_KHUGEPAGED,
	[MQ_L_WS_ACTIVATE_ANON] = MEMQOS_A_CGROUP_WORKINGSET_ACTIVATE_ANON,
	[MQ_L_WS_ACTIVATE_FILE] = MEMQOS_A_CGROUP_WORKINGSET_ACTIVATE_FILE,
	[MQ_L_WS_RESTORE_ANON] = MEMQOS_A_CGROUP_WORKINGSET_RESTORE_ANON,
	[MQ_L_WS_RESTORE_FILE] = MEMQOS_A_CGROUP_WORKINGSET_RESTORE_FILE,
};

static const u16 mq_counter_attr[MQ_NR_COUNTERS] = {
	[MQ_C_MEMCG_RECLAIMS] = MEMQOS_A_CGROUP_MEMCG_RECLAIMS,
	[MQ_C_MEMCG_RECLAIM_PAGES] = MEMQOS_A_CGROUP_MEMCG_RECLAIM_PAGES,
	[MQ_C_MEMCG_RECLAIM_US] = MEMQOS_A_CGROUP_MEMCG_RECLAIM_US,
	[MQ_C_DIRECT_RECLAIMS] = MEMQOS_A_CGROUP_DIRECT_RECLAIMS,
	[MQ_C_DIRECT_RECLAIM_PAGES] = MEMQOS_A_CGROUP_DIRECT_RECLAIM_PAGES,
	[MQ_C_DIRECT_RECLAIM_US] = MEMQOS_A_CGROUP_DIRECT_RECLAIM_US,
	[MQ_C_HIGH_THROTTLES] = MEMQOS_A_CGROUP_HIGH_THROTTLES,
	[MQ_C_HIGH_THROTTLE_US] = MEMQOS_A_CGROUP_HIGH_THROTTLE_US,
	[MQ_C_KSWAPD_WAKEUPS] = MEMQOS_A_CGROUP_KSWAPD_WAKEUPS,
	[MQ_C_THROTTLED] = MEMQOS_A_CGROUP_THROTTLED,
	[MQ_C_THROTTLED_US] = MEMQOS_A_CGROUP_THROTTLED_US,
	[MQ_C_OOM_KILLS] = MEMQOS_A_CGROUP_OOM_KILLS,
	[MQ_C_VICTIM_SCANNED] = MEMQOS_A_CGROUP_VICTIM_SCANNED_PAGES,
	[MQ_C_VICTIM_RECLAIMED_ANON] = MEMQOS_A_CGROUP_VICTIM_RECLAIMED_ANON_PAGES,
	[MQ_C_VICTIM_RECLAIMED_FILE] = MEMQOS_A_CGROUP_VICTIM_RECLAIMED_FILE_PAGES,
	[MQ_C_RECLAIMED_BY_SELF] = MEMQOS_A_CGROUP_RECLAIMED_BY_SELF_PAGES,
	[MQ_C_RECLAIMED_BY_OTHERS] = MEMQOS_A_CGROUP_RECLAIMED_BY_OTHERS_PAGES,
	[MQ_C_RECLAIMED_BY_KSWAPD] = MEMQOS_A_CGROUP_RECLAIMED_BY_KSWAPD_PAGES,
	[MQ_C_RECLAIMED_BY_UNKNOWN] = MEMQOS_A_CGROUP_RECLAIMED_BY_UNKNOWN_PAGES,
	[MQ_C_RECLAIMED_FROM_OTHERS] = MEMQOS_A_CGROUP_RECLAIMED_FROM_OTHERS_PAGES,
	[MQ_C_SUBTREE_RECLAIMED_WITHIN] =
		MEMQOS_A_CGROUP_SUBTREE_RECLAIMED_WITHIN_PAGES,
	[MQ_C_SUBTREE_RECLAIMED_OUTSIDE] =
		MEMQOS_A_CGROUP_SUBTREE_RECLAIMED_OUTSIDE_PAGES,
	[MQ_C_LIMIT_RECLAIMS] = MEMQOS_A_CGROUP_LIMIT_RECLAIMS,
	[MQ_C_LIMIT_RECLAIM_PAGES] = MEMQOS_A_CGROUP_LIMIT_RECLAIM_PAGES,
};

/*
 * The levels and counters this kernel gives, as attribute types and
 * indexes into mq_report: the others are left out of every message. Two
 * sets: [1] with reclaim attribution's counters, [0] while it is
 * unavailable (attrib.c).
 */
struct mq_avail {
	int nr;
	u16 attr[MQ_NR_LEVELS + MQ_NR_COUNTERS];
	u8 idx[MQ_NR_LEVELS + MQ_NR_COUNTERS];	/* counters after levels */
};

static struct mq_avail mq_avail_sets[2];

static void mq_avail_build(struct mq_avail *a, bool attrib)
{
	int i;

	BUILD_BUG_ON(MQ_NR_LEVELS + MQ_NR_COUNTERS > U8_MAX);
	a->nr = 0;
	for (i = 0; i < MQ_NR_LEVELS; i++) {
		if (!mq_level_available(i))
			continue;
		a->attr[a->nr] = mq_level_attr[i];
		a->idx[a->nr++] = i;
	}
	for (i = 0; i < MQ_NR_COUNTERS; i++) {
		if (!mq_counter_on_kernel(i) ||
		    (mq_counter_is_attrib(i) && !attrib))
			continue;
		a->attr[a->nr] = mq_counter_attr[i];
		a->idx[a->nr++] = MQ_NR_LEVELS + i;
	}
}

static const struct mq_avail *mq_avail_now(void)
{
	return &mq_avail_sets[mq_attrib_available()];
}

/* Whether cgroup attribute @attr is one given now. */
static bool mq_attr_avail(u16 attr)
{
	const struct mq_avail *a = mq_avail_now();
	int i;

	for (i = 0; i < a->nr; i++)
		if (a->attr[i] == attr)
			return true;
	return false;
}

static const u16 mq_stat_attr[MQ_NR_STATS] = {
	[MQ_STAT_RECORDS_CREATED] = MEMQOS_A_STATS_RECORDS_CREATED,
	[MQ_STAT_RECORDS_FREED] = MEMQOS_A_STATS_RECORDS_FREED,
	[MQ_STAT_DROPPED_CAP] = MEMQOS_A_STATS_DROPPED_CAP,
	[MQ_STAT_DROPPED_DELEGATED] = MEMQOS_A_STATS_DROPPED_DELEGATED,
	[MQ_STAT_DROPPED_NOMEM] = MEMQOS_A_STATS_DROPPED_NOMEM,
	[MQ_STAT_UNTRACKED_EVENTS] = MEMQOS_A_STATS_UNTRACKED_EVENTS,
	[MQ_STAT_UNPAIRED_END] = MEMQOS_A_STATS_UNPAIRED_END,
	[MQ_STAT_INFLIGHT_FULL] = MEMQOS_A_STATS_INFLIGHT_FULL,
	[MQ_STAT_KSWAPD_WAKE] = MEMQOS_A_STATS_KSWAPD_WAKE,
	[MQ_STAT_OOM_KILLS] = MEMQOS_A_STATS_OOM_KILLS,
	[MQ_STAT_RECLAIM_STALLS] = MEMQOS_A_STATS_RECLAIM_STALLS,
	[MQ_STAT_EVENTS_SENT] = MEMQOS_A_STATS_EVENTS_SENT,
	[MQ_STAT_EVENTS_DROPPED] = MEMQOS_A_STATS_EVENTS_DROPPED,
	[MQ_STAT_PAIRS_FULL] = MEMQOS_A_STATS_PAIRS_FULL,
	[MQ_STAT_UNKNOWN_VICTIM] = MEMQOS_A_STATS_UNKNOWN_VICTIM,
};

/* A map entry left at 0 would silently drop a field: refuse to load. */
static int mq_genl_check_maps(void)
{
	int i;

	for (i = 0; i < MQ_NR_LEVELS; i++)
		if (!mq_level_attr[i])
			return -EINVAL;
	for (i = 0; i < MQ_NR_COUNTERS; i++)
		if (!mq_counter_attr[i])
			return -EINVAL;
	for (i = 0; i < MQ_NR_STATS; i++)
		if (!mq_stat_attr[i])
			return -EINVAL;
	for (i = 0; i < MQ_NR_CONFIG; i++)
		if (!mq_config_attr[i])
			return -EINVAL;
	return 0;
}

/* ---- version ---- */

int memqos_nl_get_version_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int i;

	msg = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &mq_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr)
		goto err_free;

	if (nla_put_string(msg, MEMQOS_A_VERSION_MODULE, MEMQOS_VERSION) ||
	    nla_put_u32(msg, MEMQOS_A_VERSION_UAPI, MEMQOS_FAMILY_VERSION) ||
	    nla_put_string(msg, MEMQOS_A_VERSION_KERNEL, init_utsname()->release))
		goto err_free;
	for (i = 0; i < MQ_NR_LEVELS; i++)
		if (!mq_attr_avail(mq_level_attr[i]) &&
		    nla_put_u32(msg, MEMQOS_A_VERSION_UNAVAILABLE,
				mq_level_attr[i]))
			goto err_free;
	for (i = 0; i < MQ_NR_COUNTERS; i++)
		if (!mq_attr_avail(mq_counter_attr[i]) &&
		    nla_put_u32(msg, MEMQOS_A_VERSION_UNAVAILABLE,
				mq_counter_attr[i]))
			goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ---- cgroups ---- */

/*
 * What a request's select attribute asks for: the attributes of
 * mq_avail_now() it keeps, whether the histograms go too, and the levels
 * to read for them.
 */
struct mq_select {
	struct mq_avail avail;
	bool hist;
	DECLARE_BITMAP(levels, MQ_NR_LEVELS);
};

static bool mq_select_bit(const struct nlattr *nla, unsigned int type)
{
	return type / 8 < nla_len(nla) &&
	       ((const u8 *)nla_data(nla))[type / 8] & BIT(type % 8);
}

/* @sel for the bitmap @nla, everything if it is NULL. */
static void mq_select_build(struct mq_select *sel, const struct nlattr *nla)
{
	const struct mq_avail *a = mq_avail_now();
	int i;

	BUILD_BUG_ON(MEMQOS_A_CGROUP_MAX >= 32 * 8);
	sel->avail.nr = 0;
	sel->hist = !nla || mq_select_bit(nla, MEMQOS_A_CGROUP_HIST);
	bitmap_zero(sel->levels, MQ_NR_LEVELS);
	for (i = 0; i < a->nr; i++) {
		if (nla && !mq_select_bit(nla, a->attr[i]))
			continue;
		sel->avail.attr[sel->avail.nr] = a->attr[i];
		sel->avail.idx[sel->avail.nr++] = a->idx[i];
		if (a->idx[i] < MQ_NR_LEVELS)
			set_bit(a->idx[i], sel->levels);
	}
	mq_levels_need(sel->levels);
}

/* Scratch space of one request; too large for the stack. */
struct mq_cg_scratch {
	struct mq_select sel;
	struct mq_report report;
	char path[PATH_MAX];
};

/*
 * @n u64 attributes of types @types[i] (all @type if @types is NULL) and
 * values @vals[i], exactly as nla_put_u64_64bit() puts them. A dump of
 * 10,000 cgroups puts 600,000: where no attribute needs padding (efficient
 * unaligned access) they take one reservation, not a chain of calls each.
 */
static int mq_put_u64s(struct sk_buff *skb, const u16 *types, u16 type,
		       const u64 *vals, int n, int padattr)
{
	const int one = nla_total_size(sizeof(u64));
	struct nlattr *nla;
	int i;

	if (!IS_ENABLED(CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS)) {
		for (i = 0; i < n; i++)
			if (nla_put_u64_64bit(skb, types ? types[i] : type,
					      vals[i], padattr))
				return -EMSGSIZE;
		return 0;
	}
	if (skb_tailroom(skb) < n * one)
		return -EMSGSIZE;
	nla = skb_put(skb, n * one);
	for (i = 0; i < n; i++) {
		nla->nla_type = types ? types[i] : type;
		nla->nla_len = nla_attr_size(sizeof(u64));
		put_unaligned(vals[i], (u64 *)nla_data(nla));
		nla = (struct nlattr *)((char *)nla + one);
	}
	return 0;
}

static const u16 mq_hist_attr[] = {
	MEMQOS_A_HIST_COUNT, MEMQOS_A_HIST_SUM_US, MEMQOS_A_HIST_MAX_US,
};

static int mq_fill_hist(struct sk_buff *skb, enum mq_stall_kind kind,
			const struct mq_hist_snap *h)
{
	const u64 totals[] = { h->count, h->sum_us, h->max_us };
	struct nlattr *nest;
	int used;

	BUILD_BUG_ON(ARRAY_SIZE(totals) != ARRAY_SIZE(mq_hist_attr));
	/* Trailing empty buckets are not sent: most cgroups never stall. */
	for (used = MQ_HIST_BUCKETS; used && !h->bucket[used - 1]; used--)
		;
	nest = nla_nest_start(skb, MEMQOS_A_CGROUP_HIST);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MEMQOS_A_HIST_KIND, kind) ||
	    mq_put_u64s(skb, mq_hist_attr, 0, totals, ARRAY_SIZE(totals),
			MEMQOS_A_HIST_PAD) ||
	    mq_put_u64s(skb, NULL, MEMQOS_A_HIST_BUCKET, h->bucket, used,
			MEMQOS_A_HIST_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One cgroup's attributes, those of @sel: the same for do and dump. */
static int mq_fill_cgroup(struct sk_buff *skb, const struct mq_report *r,
			  const char *path, const struct mq_select *sel)
{
	const struct mq_avail *a = &sel->avail;
	u64 vals[ARRAY_SIZE(a->attr)];
	int i;

	for (i = 0; i < a->nr; i++)
		vals[i] = a->idx[i] < MQ_NR_LEVELS ?
			  r->levels.v[a->idx[i]] :
			  r->counters[a->idx[i] - MQ_NR_LEVELS];
	if (nla_put_u64_64bit(skb, MEMQOS_A_CGROUP_ID, r->id,
			      MEMQOS_A_CGROUP_PAD) ||
	    nla_put_string(skb, MEMQOS_A_CGROUP_PATH, path) ||
	    nla_put_u8(skb, MEMQOS_A_CGROUP_TRACKED, r->tracked) ||
	    mq_put_u64s(skb, a->attr, 0, vals, a->nr, MEMQOS_A_CGROUP_PAD))
		return -EMSGSIZE;
	for (i = 0; sel->hist && i < MQ_NR_STALL_KINDS; i++)
		if (mq_fill_hist(skb, i, &r->hist[i]))
			return -EMSGSIZE;
	return 0;
}

/* The payload of the largest message: a path of PATH_MAX - 1 bytes. */
static size_t mq_cgroup_payload(void)
{
	const size_t hist = nla_total_size(0) + nla_total_size(sizeof(u32)) +
			    (ARRAY_SIZE(mq_hist_attr) + MQ_HIST_BUCKETS) *
			    MQ_NLA_U64;

	return MQ_NLA_U64 + MQ_NLA_PATH + nla_total_size(sizeof(u8)) +
	       (MQ_NR_LEVELS + MQ_NR_COUNTERS) * MQ_NLA_U64 +
	       MQ_NR_STALL_KINDS * hist;
}

/* Reads @cgrp and puts one message for it into @skb. */
static int mq_put_cgroup(struct sk_buff *skb, struct cgroup *cgrp,
			 const u64 *subtree, struct mq_cg_scratch *s,
			 u32 portid, u32 seq, int flags,
			 struct netlink_callback *cb)
{
	void *hdr;
	int ret;

	ret = mq_report_read(cgrp, &s->report, subtree, s->sel.levels);
	if (ret)
		return ret;
	ret = mq_nl_cgroup_path(cgrp, s->path, sizeof(s->path));
	if (ret)
		return ret;

	hdr = genlmsg_put(skb, portid, seq, &mq_genl_family, flags,
			  MEMQOS_CMD_CGROUP_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (mq_fill_cgroup(skb, &s->report, s->path, &s->sel)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static struct cgroup *mq_genl_find_cgroup(struct genl_info *info)
{
	struct nlattr *id = info->attrs[MEMQOS_A_CGROUP_ID];
	struct nlattr *path = info->attrs[MEMQOS_A_CGROUP_PATH];
	struct cgroup *cgrp;

	if (!id == !path) {
		NL_SET_ERR_MSG(info->extack, "give exactly one of id and path");
		return ERR_PTR(-EINVAL);
	}
	if (path && nla_data(path) && ((char *)nla_data(path))[0] != '/') {
		NL_SET_ERR_MSG_ATTR(info->extack, path,
				    "cgroup path must start with /");
		return ERR_PTR(-EINVAL);
	}
	cgrp = id ? cgroup_get_from_id(nla_get_u64(id)) :
		    cgroup_get_from_path(nla_data(path));
	if (IS_ERR(cgrp)) {
		NL_SET_ERR_MSG_ATTR(info->extack, id ? id : path,
				    "no such cgroup");
		return ERR_PTR(-ENOENT);
	}
	return cgrp;
}

int memqos_nl_cgroup_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mq_cg_scratch *s;
	struct cgroup *cgrp;
	struct sk_buff *msg;
	int ret;

	cgrp = mq_genl_find_cgroup(info);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);

	ret = -ENOMEM;
	s = kvmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	msg = genlmsg_new(mq_cgroup_payload(), GFP_KERNEL);
	if (!s || !msg)
		goto out;

	mq_cg_sync();
	mq_select_build(&s->sel, info->attrs[MEMQOS_A_CGROUP_SELECT]);
	ret = mq_put_cgroup(msg, cgrp, NULL, s, info->snd_portid,
			    info->snd_seq, 0, NULL);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG(info->extack,
			       "the memory controller is not enabled for this cgroup");
	if (!ret) {
		ret = genlmsg_reply(msg, info);
		msg = NULL;
	}
out:
	nlmsg_free(msg);
	kvfree(s);
	cgroup_put(cgrp);
	return ret;
}

/* A dump's scratch space: its snapshot of ids, and one cgroup's. */
struct mq_cg_dump {
	struct mq_idlist *ids;
	struct mq_cg_scratch cg;
};

static int mq_cg_dump_snapshot(struct mq_dump *d, struct netlink_callback *cb)
{
	struct mq_cg_dump *s = mq_dump_scratch(d);
	struct cgroup *top;

	/* "/" resolves to the root of the requester's cgroup namespace. */
	top = cgroup_get_from_path("/");
	if (IS_ERR(top))
		return PTR_ERR(top);
	/*
	 * The snapshot is taken at this generation; any cgroup created or
	 * removed before the dump ends marks it NLM_F_DUMP_INTR.
	 */
	cb->prev_seq = mq_cg_generation();
	/* validated by the op's policy; found here the same on every kernel */
	mq_select_build(&s->cg.sel,
			nlmsg_find_attr(cb->nlh, GENL_HDRLEN,
					MEMQOS_A_CGROUP_SELECT));
	s->ids = mq_idlist_collect(top, true);
	cgroup_put(top);
	if (!s->ids)
		return -ENOMEM;
	mq_dump_set(d, s->ids, s->ids->ids, s->ids->nr);
	return 0;
}

static int mq_cg_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			  const void *item, void *scratch)
{
	struct mq_cg_dump *s = scratch;
	const u64 *id = item;
	struct cgroup *cgrp;
	int ret;

	cgrp = cgroup_get_from_id(*id);
	if (IS_ERR(cgrp))
		return 0;	/* gone since the snapshot */
	ret = mq_put_cgroup(skb, cgrp, mq_idlist_subtree(s->ids, id), &s->cg,
			    NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			    NLM_F_MULTI, cb);
	cgroup_put(cgrp);
	/* Memory controller turned off, or a path too long: skip it. */
	if (ret == -ENOENT || ret == -ENAMETOOLONG)
		return 0;
	return ret;
}

static void mq_cg_dump_free(void *ids)
{
	mq_idlist_free(ids);
}

static const struct mq_dump_ops mq_cg_dump_ops = {
	.item_size = sizeof(u64),
	.scratch_size = sizeof(struct mq_cg_dump),
	.snapshot = mq_cg_dump_snapshot,
	.put = mq_cg_dump_put,
	.free = mq_cg_dump_free,
};

int memqos_nl_cgroup_get_dump_start(struct netlink_callback *cb)
{
	return mq_dump_start(cb, &mq_cg_dump_ops, mq_cgroup_payload());
}

int memqos_nl_cgroup_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	cb->seq = mq_cg_generation();
	return mq_dump_next(skb, cb);
}

/* ---- module stats ---- */

static int mq_put_probe(struct sk_buff *skb, const char *name, bool bound,
			u64 hits)
{
	struct nlattr *nest = nla_nest_start(skb, MEMQOS_A_STATS_PROBE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, MEMQOS_A_PROBE_NAME, name) ||
	    nla_put_u8(skb, MEMQOS_A_PROBE_BOUND, bound) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_PROBE_HITS, hits,
			      MEMQOS_A_PROBE_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int mq_put_tp_probe(struct mq_tp_probe *p, void *skb)
{
	return mq_put_probe(skb, p->name, p->bound, mq_tp_hits(p));
}

static int mq_fill_stats(struct sk_buff *skb)
{
	u64 records;
	int i;

	mq_cg_sync();		/* count the cgroups made just before */
	records = mq_cg_count();
	if (nla_put_u64_64bit(skb, MEMQOS_A_STATS_RECORDS, records,
			      MEMQOS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_STATS_RECORDS_DELEGATED,
			      mq_cg_count_delegated(), MEMQOS_A_STATS_PAD) ||
	    nla_put_u32(skb, MEMQOS_A_STATS_RECORD_BYTES,
			sizeof(struct mq_cgroup)) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_STATS_BYTES_USED,
			      records * sizeof(struct mq_cgroup) +
			      mq_inflight_bytes() + mq_oomring_bytes() +
			      mq_attrib_bytes(), MEMQOS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_STATS_EVENTS_SEQ,
			      mq_event_last_seq(), MEMQOS_A_STATS_PAD) ||
	    nla_put_u32(skb, MEMQOS_A_STATS_INFLIGHT, mq_inflight_used()) ||
	    nla_put_u8(skb, MEMQOS_A_STATS_ATTRIBUTION, mq_attrib_available()) ||
	    nla_put_u32(skb, MEMQOS_A_STATS_HIGH_PROBE_MAXACTIVE,
			mq_high_probe_maxactive()) ||
	    nla_put_u64_64bit(skb, MEMQOS_A_STATS_HIGH_PROBE_MISSED,
			      mq_high_probe_missed(), MEMQOS_A_STATS_PAD))
		return -EMSGSIZE;
	for (i = 0; i < MQ_NR_STATS; i++)
		if (nla_put_u64_64bit(skb, mq_stat_attr[i], mq_stat_read(i),
				      MEMQOS_A_STATS_PAD))
			return -EMSGSIZE;
	if (mq_tp_for_each(mq_put_tp_probe, skb))
		return -EMSGSIZE;
	for (i = 0; i < MQ_NR_ACCESSORS; i++)
		if (mq_put_probe(skb, mq_accessor_name(i), mq_accessor_ok(i), 0))
			return -EMSGSIZE;
	if (mq_put_probe(skb, mq_high_probe_name(), mq_high_probe_bound(),
			 mq_high_probe_hits()))
		return -EMSGSIZE;
	return mq_put_probe(skb, mq_oomscope_probe_name(),
			    mq_oomscope_probe_bound(), mq_oomscope_probe_hits());
}

/* Builds a reply with one attribute set filled by @fill. */
static int mq_genl_reply(struct genl_info *info, int (*fill)(struct sk_buff *))
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mq_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr || fill(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int memqos_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mq_genl_reply(info, mq_fill_stats);
}

/* ---- config and reset ---- */

static int mq_fill_config(struct sk_buff *skb)
{
	int k;

	for (k = 0; k < MQ_NR_CONFIG; k++)
		if (nla_put_u32(skb, mq_config_attr[k], READ_ONCE(mq_config[k])))
			return -EMSGSIZE;
	return 0;
}

int memqos_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mq_genl_reply(info, mq_fill_config);
}

int memqos_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	bool present[MQ_NR_CONFIG] = { }, any = false;
	u32 val[MQ_NR_CONFIG] = { };
	enum mq_config_key bad;
	struct nlattr *a;
	int k, ret;

	for (k = 0; k < MQ_NR_CONFIG; k++) {
		a = info->attrs[mq_config_attr[k]];
		if (!a)
			continue;
		present[k] = true;
		any = true;
		val[k] = nla_get_u32(a);
	}
	if (!any) {
		NL_SET_ERR_MSG(info->extack, "no configuration attribute given");
		return -EINVAL;
	}
	ret = mq_config_set_many(val, present, &bad);
	if (ret == -ERANGE) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[mq_config_attr[bad]] ?:
				    info->attrs[mq_config_attr[MQ_CFG_PRESSURE_HYSTERESIS]],
				    "value out of range (hysteresis may not exceed threshold)");
		ret = -EINVAL;
	}
	return ret;
}

int memqos_nl_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[MEMQOS_A_RESET_CGROUP_ID];
	struct cgroup *cgrp;
	int ret;

	if (!id) {
		ret = mq_cg_reset(0);
		/* The pairs of the attribution matrix count since a reset too. */
		mq_attrib_counters_reset();
		return ret;
	}
	/* Only cgroups the requester can see, and all of those. */
	cgrp = cgroup_get_from_id(nla_get_u64(id));
	if (IS_ERR(cgrp)) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no such cgroup");
		return -ENOENT;
	}
	cgroup_put(cgrp);
	ret = mq_cg_reset(nla_get_u64(id));
	/* Untracked: its counters read 0 already. */
	return ret == -ENOENT ? 0 : ret;
}

/* ---- events ---- */

static bool mq_genl_has_listeners(void)
{
	return READ_ONCE(mq_genl_registered) &&
	       genl_has_listeners(&mq_genl_family, &init_net, MEMQOS_NLGRP_EVENTS);
}

/* An OOM kill's trigger and scope: ids and the limit, never paths. */
static int mq_genl_put_oom_scope(struct sk_buff *msg, const struct mq_event *ev)
{
	if (!ev->has_scope)
		return 0;
	if (nla_put_u32(msg, MEMQOS_A_EVENT_SCOPE, ev->scope) ||
	    (ev->trigger_cgid &&
	     nla_put_u64_64bit(msg, MEMQOS_A_EVENT_TRIGGER_CGROUP_ID,
			       ev->trigger_cgid, MEMQOS_A_EVENT_PAD)))
		return -EMSGSIZE;
	if (ev->scope != MEMQOS_OOM_SCOPE_MEMCG)
		return 0;
	if (nla_put_u64_64bit(msg, MEMQOS_A_EVENT_SCOPE_CGROUP_ID,
			      ev->scope_cgid, MEMQOS_A_EVENT_PAD) ||
	    nla_put_u64_64bit(msg, MEMQOS_A_EVENT_SCOPE_MAX_BYTES,
			      ev->scope_max_bytes, MEMQOS_A_EVENT_PAD))
		return -EMSGSIZE;
	return 0;
}

/* Called from the event work item only. */
static int mq_genl_send_event(const struct mq_event *ev)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (!mq_genl_has_listeners())
		return 0;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &mq_genl_family, 0, ev->cmd);
	if (!hdr)
		goto err_free;
	if (nla_put_u64_64bit(msg, MEMQOS_A_EVENT_SEQ, ev->seq,
			      MEMQOS_A_EVENT_PAD) ||
	    nla_put_u64_64bit(msg, MEMQOS_A_EVENT_TIME_NS, ev->time_ns,
			      MEMQOS_A_EVENT_PAD))
		goto err_free;

	switch (ev->cmd) {
	case MEMQOS_CMD_STORM_NTF:
		if (nla_put_u8(msg, MEMQOS_A_EVENT_STORM, ev->storm) ||
		    nla_put_u64_64bit(msg, MEMQOS_A_EVENT_RECLAIMS_PER_SEC,
				      ev->rate, MEMQOS_A_EVENT_PAD))
			goto err_free;
		break;
	case MEMQOS_CMD_PRESSURE_NTF:
		if (nla_put_u8(msg, MEMQOS_A_EVENT_PRESSURED, ev->pressured) ||
		    nla_put_u32(msg, MEMQOS_A_EVENT_STALL_PERMILLE,
				ev->stall_permille))
			goto err_free;
		fallthrough;
	case MEMQOS_CMD_OOM_KILL_NTF:
		if (ev->cmd == MEMQOS_CMD_OOM_KILL_NTF &&
		    (nla_put_u64_64bit(msg, MEMQOS_A_EVENT_RSS_BYTES,
				       ev->rss_bytes, MEMQOS_A_EVENT_PAD) ||
		     mq_genl_put_oom_scope(msg, ev)))
			goto err_free;
		fallthrough;
	default:
		if (nla_put_u64_64bit(msg, MEMQOS_A_EVENT_CGROUP_ID, ev->cgid,
				      MEMQOS_A_EVENT_PAD))
			goto err_free;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_multicast(&mq_genl_family, msg, 0, MEMQOS_NLGRP_EVENTS,
				GFP_KERNEL);
	/*
	 * netlink_broadcast(): 0 if a listener took it; -ESRCH if none did,
	 * either because none is left (the last one left meanwhile: not a
	 * loss) or because every listener's receive queue was full, or the
	 * listeners are in other network namespaces (a loss: nobody got it);
	 * -ENOBUFS only if a NETLINK_BROADCAST_ERROR listener missed it.
	 * A listener sees its own losses as gaps in the seqs.
	 */
	if (ret == -ESRCH && !mq_genl_has_listeners())
		return 0;
	return ret;

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

const struct mq_event_sink mq_genl_event_sink = {
	.listening = mq_genl_has_listeners,
	.send = mq_genl_send_event,
};

static struct genl_family mq_genl_family __ro_after_init = {
	.name = MEMQOS_FAMILY_NAME,
	.version = MEMQOS_FAMILY_VERSION,
	.module = THIS_MODULE,
	.netnsok = true,
	.ops = memqos_nl_ops,
	.n_ops = ARRAY_SIZE(memqos_nl_ops),
	.mcgrps = memqos_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(memqos_nl_mcgrps),
};

int mq_genl_init(void)
{
	int ret = mq_genl_check_maps();

	if (ret) {
		pr_err("netlink attribute map incomplete\n");
		return ret;
	}
	mq_avail_build(&mq_avail_sets[0], false);
	mq_avail_build(&mq_avail_sets[1], true);
	mq_nl_set_family(&mq_genl_family);
	ret = genl_register_family(&mq_genl_family);
	if (!ret)
		WRITE_ONCE(mq_genl_registered, true);
	return ret;
}

void mq_genl_exit(void)
{
	/* No event may be sent on the family once it is gone. */
	WRITE_ONCE(mq_genl_registered, false);
	mq_events_flush();
	genl_unregister_family(&mq_genl_family);
}
