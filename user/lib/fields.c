// SPDX-License-Identifier: GPL-2.0
/*
 * The attribute tables, see fields.h. Entries follow the spec
 * (Documentation/netlink/specs/memqos.yaml); HELP texts are its docs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/memqos.h>

#include "fields.h"
#include "nla_inline.h"
#include "units.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SET(table)	{ table, ARRAY_SIZE(table) }

#define BYTES(a, k, l, h) { MEMQOS_A_CGROUP_##a, FIELD_BYTES, k "_bytes", \
			    "memqos_" k "_bytes", l, h }
#define LIMIT(a, k, l, h) { MEMQOS_A_CGROUP_##a, FIELD_LIMIT, k "_bytes", \
			    "memqos_" k "_bytes", l, h }
#define COUNT(a, k, l, h) { MEMQOS_A_CGROUP_##a, FIELD_COUNT, k "_total", \
			    "memqos_" k "_total", l, h }
#define USEC(a, k, l, h)  { MEMQOS_A_CGROUP_##a, FIELD_USEC, k "_us", \
			    "memqos_" k "_seconds_total", l, h }

static const struct mq_field cgroup_table[] = {
	BYTES(USAGE_BYTES, "usage", "usage", "memory.current"),
	BYTES(PEAK_BYTES, "peak", "peak", "memory.peak"),
	BYTES(SWAP_BYTES, "swap", "swap", "memory.swap.current"),
	LIMIT(MIN_BYTES, "min", "min", "memory.min"),
	LIMIT(LOW_BYTES, "low", "low", "memory.low"),
	LIMIT(HIGH_BYTES, "high", "high", "memory.high"),
	LIMIT(MAX_BYTES, "max", "max", "memory.max"),
	BYTES(ANON_BYTES, "anon", "anon", "memory.stat anon"),
	BYTES(FILE_MAPPED_BYTES, "file_mapped", "file_mapped",
	      "memory.stat file_mapped"),
	BYTES(SHMEM_BYTES, "shmem", "shmem", "memory.stat shmem"),
	BYTES(RSS_BYTES, "rss", "rss", "anon + file_mapped + shmem"),
	BYTES(SLAB_RECLAIMABLE_BYTES, "slab_reclaimable", "slab_reclaimable",
	      "memory.stat slab_reclaimable"),
	BYTES(SLAB_UNRECLAIMABLE_BYTES, "slab_unreclaimable",
	      "slab_unreclaimable", "memory.stat slab_unreclaimable"),
	BYTES(KERNEL_STACK_BYTES, "kernel_stack", "kernel_stack",
	      "memory.stat kernel_stack"),
	BYTES(PAGETABLES_BYTES, "pagetables", "pagetables",
	      "memory.stat pagetables"),
	BYTES(SEC_PAGETABLES_BYTES, "sec_pagetables", "sec_pagetables",
	      "memory.stat sec_pagetables"),
	BYTES(KMEM_BYTES, "kmem", "kmem",
	      "slab + kernel_stack + pagetables + sec_pagetables"),
	BYTES(FILE_BYTES, "file", "file", "memory.stat file"),
	BYTES(ACTIVE_ANON_BYTES, "active_anon", "active_anon",
	      "memory.stat active_anon"),
	BYTES(INACTIVE_ANON_BYTES, "inactive_anon", "inactive_anon",
	      "memory.stat inactive_anon"),
	BYTES(ACTIVE_FILE_BYTES, "active_file", "active_file",
	      "memory.stat active_file"),
	BYTES(INACTIVE_FILE_BYTES, "inactive_file", "inactive_file",
	      "memory.stat inactive_file"),
	COUNT(WORKINGSET_REFAULT_ANON, "workingset_refault_anon",
	      "workingset_refault_anon", "memory.stat workingset_refault_anon"),
	COUNT(WORKINGSET_REFAULT_FILE, "workingset_refault_file",
	      "workingset_refault_file", "memory.stat workingset_refault_file"),
	COUNT(EVENTS_LOW, "events_low", "events_low", "memory.events low"),
	COUNT(EVENTS_HIGH, "events_high", "events_high", "memory.events high"),
	COUNT(EVENTS_MAX, "events_max", "events_max", "memory.events max"),
	COUNT(EVENTS_OOM, "events_oom", "events_oom", "memory.events oom"),
	COUNT(EVENTS_OOM_KILL, "events_oom_kill", "events_oom_kill",
	      "memory.events oom_kill"),
	USEC(PSI_SOME_US, "psi_some", "psi_some",
	     "memory.pressure some total (0 for the root)"),
	USEC(PSI_FULL_US, "psi_full", "psi_full",
	     "memory.pressure full total (0 for the root)"),
	COUNT(MEMCG_RECLAIMS, "memcg_reclaims", "memcg_reclaims",
	      "memcg reclaim stalls of its tasks"),
	COUNT(MEMCG_RECLAIM_PAGES, "memcg_reclaim_pages", "memcg_reclaim_pages",
	      "pages memcg reclaim stalls reclaimed"),
	USEC(MEMCG_RECLAIM_US, "memcg_reclaim", "memcg_reclaim_time",
	     "time in memcg reclaim stalls"),
	COUNT(DIRECT_RECLAIMS, "direct_reclaims", "direct_reclaims",
	      "global direct reclaim stalls"),
	COUNT(DIRECT_RECLAIM_PAGES, "direct_reclaim_pages",
	      "direct_reclaim_pages", "pages direct reclaim stalls reclaimed"),
	USEC(DIRECT_RECLAIM_US, "direct_reclaim", "direct_reclaim_time",
	     "time in direct reclaim stalls"),
	COUNT(HIGH_THROTTLES, "high_throttles", "high_throttles",
	      "memory.high handling stalls"),
	USEC(HIGH_THROTTLE_US, "high_throttle", "high_throttle_time",
	     "time in memory.high handling stalls"),
	COUNT(KSWAPD_WAKEUPS, "kswapd_wakeups", "kswapd_wakeups",
	      "allocations of its tasks that woke kswapd"),
	COUNT(THROTTLED, "throttled", "throttled", "reclaim throttling sleeps"),
	USEC(THROTTLED_US, "throttled", "throttled_time",
	     "time in reclaim throttling sleeps"),
	COUNT(OOM_KILLS, "oom_kills", "oom_kills",
	      "OOM victims among its own tasks"),
	COUNT(VICTIM_SCANNED_PAGES, "victim_scanned_pages", "victim_scanned",
	      "pages scanned on its own LRU by any reclaim"),
	COUNT(VICTIM_RECLAIMED_ANON_PAGES, "victim_reclaimed_anon_pages",
	      "victim_reclaimed_anon",
	      "anon pages reclaimed from its own LRU (local pgsteal)"),
	COUNT(VICTIM_RECLAIMED_FILE_PAGES, "victim_reclaimed_file_pages",
	      "victim_reclaimed_file", "file pages reclaimed from its own LRU"),
	COUNT(RECLAIMED_BY_SELF_PAGES, "reclaimed_by_self_pages",
	      "reclaimed_by_self", "pages of its LRU reclaimed by its own tasks"),
	COUNT(RECLAIMED_BY_OTHERS_PAGES, "reclaimed_by_others_pages",
	      "reclaimed_by_others",
	      "pages of its LRU reclaimed by tasks of other cgroups"),
	COUNT(RECLAIMED_BY_KSWAPD_PAGES, "reclaimed_by_kswapd_pages",
	      "reclaimed_by_kswapd", "pages of its LRU reclaimed by kswapd"),
	COUNT(RECLAIMED_BY_UNKNOWN_PAGES, "reclaimed_by_unknown_pages",
	      "reclaimed_by_unknown",
	      "pages of its LRU reclaimed by a reclaimer memqos could not tell"),
	COUNT(RECLAIMED_FROM_OTHERS_PAGES, "reclaimed_from_others_pages",
	      "reclaimed_from_others",
	      "pages its tasks reclaimed from other cgroups' LRUs"),
	COUNT(SUBTREE_RECLAIMED_WITHIN_PAGES, "subtree_reclaimed_within_pages",
	      "subtree_reclaim_within",
	      "pages reclaimed from its subtree's LRUs by reclaimers inside the subtree"),
	COUNT(SUBTREE_RECLAIMED_OUTSIDE_PAGES,
	      "subtree_reclaimed_outside_pages", "subtree_reclaim_outside",
	      "pages reclaimed from its subtree's LRUs by reclaimers outside it (other cgroups, kswapd, unknown)"),
	BYTES(KERNEL_BYTES, "kernel", "kernel",
	      "memory.stat kernel: all kernel memory charged"),
	BYTES(PERCPU_BYTES, "percpu", "percpu", "memory.stat percpu"),
	BYTES(SOCK_BYTES, "sock", "sock", "memory.stat sock"),
	BYTES(VMALLOC_BYTES, "vmalloc", "vmalloc", "memory.stat vmalloc"),
	BYTES(ZSWAP_BYTES, "zswap", "zswap",
	      "memory.stat zswap (compressed size)"),
	BYTES(ZSWAPPED_BYTES, "zswapped", "zswapped",
	      "memory.stat zswapped (original size)"),
	COUNT(ZSWPWB, "zswpwb", "zswpwb",
	      "memory.stat zswpwb: pages written back from zswap"),
	COUNT(PGDEMOTE_KSWAPD, "pgdemote_kswapd", "pgdemote_kswapd",
	      "memory.stat pgdemote_kswapd"),
	COUNT(PGDEMOTE_DIRECT, "pgdemote_direct", "pgdemote_direct",
	      "memory.stat pgdemote_direct"),
	COUNT(PGDEMOTE_KHUGEPAGED, "pgdemote_khugepaged", "pgdemote_khugepaged",
	      "memory.stat pgdemote_khugepaged"),
	COUNT(WORKINGSET_ACTIVATE_ANON, "workingset_activate_anon",
	      "workingset_activate_anon", "memory.stat workingset_activate_anon"),
	COUNT(WORKINGSET_ACTIVATE_FILE, "workingset_activate_file",
	      "workingset_activate_file", "memory.stat workingset_activate_file"),
	COUNT(WORKINGSET_RESTORE_ANON, "workingset_restore_anon",
	      "workingset_restore_anon", "memory.stat workingset_restore_anon"),
	COUNT(WORKINGSET_RESTORE_FILE, "workingset_restore_file",
	      "workingset_restore_file", "memory.stat workingset_restore_file"),
	COUNT(LIMIT_RECLAIMS, "limit_reclaims", "limit_reclaims",
	      "memcg reclaims aimed at this cgroup's limits, by any task"),
	COUNT(LIMIT_RECLAIM_PAGES, "limit_reclaim_pages", "limit_reclaim_pages",
	      "pages reclaims aimed at this cgroup's limits reclaimed"),
};

#undef BYTES
#undef COUNT
#undef USEC
#define BYTES(a, k, l, h) { MEMQOS_A_STATS_##a, FIELD_BYTES, k "_bytes", \
			    "memqos_module_" k "_bytes", l, h }
#define COUNT(a, k, l, h) { MEMQOS_A_STATS_##a, FIELD_COUNT, k "_total", \
			    "memqos_module_" k "_total", l, h }
#define GAUGE(a, k, l, h) { MEMQOS_A_STATS_##a, FIELD_GAUGE, k, \
			    "memqos_module_" k, l, h }

static const struct mq_field stats_table[] = {
	GAUGE(RECORDS, "records", "records", "cgroups tracked now"),
	GAUGE(RECORDS_DELEGATED, "records_delegated", "records_delegated",
	      "records of cgroups in delegated subtrees"),
	BYTES(RECORD_BYTES, "record", "record_size", "bytes per tracked cgroup"),
	BYTES(BYTES_USED, "memory_used", "memory_used",
	      "records plus fixed tables"),
	COUNT(RECORDS_CREATED, "records_created", "records_created",
	      "records created"),
	COUNT(RECORDS_FREED, "records_freed", "records_freed", "records freed"),
	COUNT(DROPPED_CAP, "dropped_cap", "dropped_cap",
	      "records refused at max-cgroups"),
	COUNT(DROPPED_DELEGATED, "dropped_delegated", "dropped_delegated",
	      "records refused to delegated cgroups: only the reserve left"),
	COUNT(DROPPED_NOMEM, "dropped_nomem", "dropped_nomem",
	      "records refused for lack of atomic memory"),
	COUNT(UNTRACKED_EVENTS, "untracked_events", "untracked_events",
	      "events for a cgroup without a record"),
	COUNT(UNPAIRED_END, "unpaired_end", "unpaired_end",
	      "end tracepoints without a begin"),
	COUNT(INFLIGHT_FULL, "inflight_full", "inflight_full",
	      "begins with no free pairing slot"),
	COUNT(KSWAPD_WAKE, "kswapd_wake", "kswapd_wake",
	      "kswapd wakeups, all nodes"),
	COUNT(OOM_KILLS, "oom_kills", "oom_kills", "OOM victims since load"),
	COUNT(RECLAIM_STALLS, "reclaim_stalls", "reclaim_stalls",
	      "memcg and direct reclaim stalls, all cgroups"),
	COUNT(EVENTS_SENT, "events_sent", "events_sent",
	      "multicast events built and sent"),
	COUNT(EVENTS_DROPPED, "events_dropped", "events_dropped",
	      "events lost (queue full or send failed)"),
	GAUGE(EVENTS_SEQ, "events_seq", "events_seq",
	      "sequence number of the last event raised"),
	GAUGE(INFLIGHT, "inflight", "inflight",
	      "begin/end stall pairs in progress"),
	COUNT(PAIRS_FULL, "pairs_full", "pairs_full",
	      "reclaim batches not paired: attribution table full"),
	COUNT(UNKNOWN_VICTIM, "unknown_victim", "unknown_victim",
	      "reclaim batches whose LRU memqos did not see"),
	GAUGE(ATTRIBUTION, "attribution", "attribution",
	      "1 if the reclaim path is probed and victims are attributed"),
	GAUGE(HIGH_PROBE_MAXACTIVE, "high_probe_maxactive",
	      "high_probe_maxactive",
	      "memory.high throttles that can be timed at once"),
	COUNT(HIGH_PROBE_MISSED, "high_probe_missed", "high_probe_missed",
	      "memory.high handling calls not timed (more at once than high_probe_maxactive): throttle time undercounted"),
};

#undef GAUGE
#define GAUGE(a, k, h) { MEMQOS_A_CONFIG_##a, FIELD_GAUGE, k, \
			 "memqos_config_" k, k, h }

static const struct mq_field config_table[] = {
	GAUGE(MAX_CGROUPS, "max_cgroups",
	      "cap on tracked cgroups (1..1048576)"),
	GAUGE(OOM_RING_ENTRIES, "oom_ring_entries",
	      "recent OOM kills kept (1..4096)"),
	GAUGE(PRESSURE_THRESHOLD_PERMILLE, "pressure_threshold_permille",
	      "stall time per wall time, permille, that makes a cgroup pressured (1..1000)"),
	GAUGE(PRESSURE_HYSTERESIS_PERMILLE, "pressure_hysteresis_permille",
	      "pressure ends below threshold minus this (0..threshold)"),
	GAUGE(STORM_RECLAIMS_PER_SEC, "storm_reclaims_per_sec",
	      "node-wide reclaim stalls per second that make a storm (1..10000000)"),
	GAUGE(EVENT_INTERVAL_MS, "event_interval_ms",
	      "how often pressure and storms are evaluated (100..60000)"),
	GAUGE(ATTRIBUTION_HALFLIFE_MS, "attribution_halflife_ms",
	      "attribution pairs' recent score halves in this time (1000..3600000)"),
};

const struct mq_field_set mq_cgroup_fields = SET(cgroup_table);
const struct mq_field_set mq_stats_fields = SET(stats_table);
const struct mq_field_set mq_config_fields = SET(config_table);

const struct mq_field *mq_field_by_attr(const struct mq_field_set *set,
					 uint16_t attr)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->fields[i].attr == attr)
			return &set->fields[i];
	return NULL;
}

const struct mq_field *mq_field_by_key(const struct mq_field_set *set,
				       const char *key)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->fields[i].key, key))
			return &set->fields[i];
	return NULL;
}

/*
 * Values of attributes the set does not name are kept too (printing walks
 * the set, so they never show): a lookup per attribute cost more than the
 * rest of decoding a 10,000-cgroup dump. Only a length no integer has needs
 * it, to tell a malformed field from a newer module's other attribute.
 * Attributes are read in line (nla_inline.h), not through libmnl calls.
 */
int mq_field_vals_put(struct mq_field_vals *v, const struct mq_field_set *set,
		      const struct nlattr *attr)
{
	uint16_t type = mq_nla_type_of(attr);
	const void *p = mq_nla_payload(attr);
	uint64_t value;

	if (type >= FIELD_MAX_ATTRS)
		return 0;
	switch (mq_nla_payload_len(attr)) {
	case 1:
		value = *(const uint8_t *)p;
		break;
	case 2: {
		uint16_t x;

		memcpy(&x, p, sizeof(x));
		value = x;
		break;
	}
	case 4: {
		uint32_t x;

		memcpy(&x, p, sizeof(x));
		value = x;
		break;
	}
	case 8:
		memcpy(&value, p, sizeof(value));
		break;
	default:
		return mq_field_by_attr(set, type) ? -EBADMSG : 0;
	}
	v->val[type] = value;
	mq_field_mark(v, type);
	return 0;
}

static bool is_unlimited(const struct mq_field *f, uint64_t value)
{
	return f->kind == FIELD_LIMIT && value == MEMQOS_UNLIMITED;
}

const char *mq_field_format(const struct mq_field *f, uint64_t value,
			    bool exact, char *buf, size_t len)
{
	if (is_unlimited(f, value))
		snprintf(buf, len, "max");
	else if (!exact && (f->kind == FIELD_BYTES || f->kind == FIELD_LIMIT))
		mq_units_format_bytes(buf, len, value);
	else if (!exact && f->kind == FIELD_USEC)
		mq_units_format_usec(buf, len, value);
	else
		snprintf(buf, len, "%" PRIu64, value);
	return buf;
}

void mq_field_print(struct mq_print_ctx *pc, const struct mq_field *f,
		    uint64_t value, bool exact, const char *fmt)
{
	char buf[UNITS_BUF_SIZE];

	if (is_unlimited(f, value))
		mq_print_null(pc, f->key, fmt, "max");
	else if (mq_print_is_json(pc))
		mq_print_u64(pc, f->key, NULL, value);
	else
		mq_print_str(pc, NULL, fmt,
			     mq_field_format(f, value, exact, buf,
					     sizeof(buf)));
}

void mq_field_print_all(struct mq_print_ctx *pc, const struct mq_field_set *set,
			const struct mq_field_vals *v, bool exact,
			const char *indent, int width)
{
	const struct mq_field *f;
	char fmt[128] = "";
	size_t i;

	for (i = 0; i < set->n; i++) {
		f = &set->fields[i];
		if (!mq_field_has(v, f->attr))
			continue;
		/* labels hold no '%': they are plain names; JSON has none */
		if (!mq_print_is_json(pc))
			snprintf(fmt, sizeof(fmt), "%s%-*s %%s\n", indent,
				 width, f->label);
		mq_field_print(pc, f, v->val[f->attr], exact, fmt);
	}
}
