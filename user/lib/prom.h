/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition format (version 0.0.4) of a dump, for the
 * node_exporter textfile collector. Metric names come from the field
 * tables (fields.h); each family has its HELP and TYPE lines once, then
 * one sample per cgroup labelled {cgroup="<path>",id="<id>"}. Times are
 * in seconds, sizes in bytes; stall histograms are real histograms,
 * memqos_stall_seconds{kind=...} with cumulative buckets up to +Inf.
 * Like json_out.h, these use the unlocked stdio calls.
 */
#ifndef MEMQOS_PROM_H
#define MEMQOS_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib.h"
#include "cgrec.h"
#include "module.h"
#include "oomkill.h"

/* @s as a label value, without the quotes: \ " and newline escaped. */
void mq_prom_write_label_value(FILE *fp, const char *s);

/* @us as decimal seconds, exact, without trailing zeros: "0.0015". */
const char *mq_prom_format_seconds(uint64_t us, char *buf, size_t len);

/*
 * Every field of every cgroup of @list, and the stall histograms; 0, or
 * -ENOMEM before writing anything.
 */
int mq_prom_write_cgroups(FILE *fp, const struct mq_cg_list *list);

/*
 * The attribution matrix in bytes (pages of @page_size): counters
 * memqos_attribution_{scanned,reclaimed}_bytes_total (reclaimed with
 * type="anon"|"file") and memqos_attribution_refaults_total, the gauge
 * memqos_attribution_recent_bytes; labelled reclaimer (path, "kswapd" or
 * "unknown"), reclaimer_id, victim, victim_id and node. @list merged.
 */
void mq_prom_write_attribution(FILE *fp, const struct mq_attrib_list *list,
			       uint64_t page_size);
/*
 * The exporter's view of a dump (memqos exporter, memqos daemon
 * --listen): what an SRE dashboards, by default at most
 * PROM_DEFAULT_SERIES series per cgroup, labelled cgroup and, where the
 * path says (cgident.h), pod_uid, qos_class, container_id or unit. The
 * cgroup ID and tier are labels of memqos_cgroup_info only, so that they
 * do not multiply every series. Page counts are in bytes. Collectors
 * group the families, as node_exporter's do; see mq_prom_collectors.
 */
enum mq_prom_collector {
	PROM_C_MEMORY,		/* usage, swap, anon, file, the limits */
	PROM_C_EVENTS,		/* memory.events high, max, oom(_kill) */
	PROM_C_PRESSURE,	/* PSI some and full */
	PROM_C_STALLS,		/* reclaim, throttle stalls: count, time */
	PROM_C_REFAULTS,	/* workingset refaults */
	PROM_C_RECLAIMED,	/* bytes other cgroups reclaimed from it */
	PROM_C_INFO,		/* memqos_cgroup_info */
	PROM_C_HISTOGRAMS,	/* log4 stall histograms of who stalled */
	PROM_C_DETAIL,		/* every other field of the module's */
	PROM_C_OOM,		/* the node's recent OOM kills */
	PROM_C_NR
};

struct mq_prom_collector_desc {
	const char *name;	/* --collect NAME */
	bool on;		/* by default */
	const char *help;
};
extern const struct mq_prom_collector_desc mq_prom_collectors[PROM_C_NR];

/* Bits 1 << PROM_C_* of the collectors on by default. */
unsigned int mq_prom_default_collect(void);

/* The collector named @name, -ENOENT if none. */
int mq_prom_collector_by_name(const char *name);

/* The collector a cgroup field is part of. */
enum mq_prom_collector mq_prom_field_collector(const struct mq_field *f);

/* What the default collectors give a cgroup that stalled in no kind. */
#define PROM_DEFAULT_SERIES	25

/*
 * Each cgroup's stall counts at one scrape, sorted by ID, to tell which
 * stalled before the next: only those get histograms.
 */
struct mq_prom_seen {
	struct mq_prom_seen_ent {
		uint64_t id;
		uint64_t count[CG_STALL_KINDS];
	} *ent;
	size_t n;
};

/* Replace @seen's counts by those of @list: 0 or -ENOMEM (@seen kept). */
int mq_prom_seen_update(struct mq_prom_seen *seen,
			const struct mq_cg_list *list);
void mq_prom_seen_free(struct mq_prom_seen *seen);

/*
 * Whether @r stalled in kind @k since @seen was taken; a cgroup @seen
 * does not hold counts from 0. @seen NULL: whether it ever stalled.
 */
bool mq_prom_stalled_since(const struct mq_prom_seen *seen,
			   const struct mq_cg_rec *r, unsigned int k);

/*
 * The label set of each cgroup of a dump, {cgroup="<path>",... without
 * the closing brace, built once and copied into each of its samples.
 */
struct mq_prom_label_key;
struct mq_prom_labels {
	char *text;		/* the sets, one after the other */
	size_t *end;		/* where set i ends in text */
	size_t n;
	/* kept for the next scrape (mq_prom_opts.labels) */
	struct mq_prom_label_key *keys;	/* by cgroup id */
	char *paths;
};

void mq_prom_labels_free(struct mq_prom_labels *l);

struct mq_prom_opts {
	unsigned int collect;		/* 1 << PROM_C_* */
	uint64_t page_size;
	const struct mq_prom_seen *seen;	/* see mq_prom_stalled_since */
	/*
	 * The tier of @r and where it came from, for memqos_cgroup_info;
	 * NULL (or returning NULL): no tier labels.
	 */
	const char *(*tier)(void *ctx, const struct mq_cg_rec *r,
			    const char **source);
	void *tier_ctx;
	/*
	 * The last scrape's label sets, replaced by this one's: a cgroup
	 * with the same id and path gets its set copied, not its identity
	 * parsed and its path escaped again. NULL: built anew.
	 */
	struct mq_prom_labels *labels;
};

/*
 * A cgroup's label set in the exporter, without the braces:
 * cgroup="<path>" and the identity labels its path gives (cgident.h).
 */
void mq_prom_write_cg_labels(FILE *fp, const char *path);

/* The cgroups of @list as @opts says: 0, or -ENOMEM before any output. */
int mq_prom_write_exporter(FILE *fp, const struct mq_cg_list *list,
			   const struct mq_prom_opts *opts);

/*
 * The node's recent OOM kills (@list, oldest first), one series per set of
 * labels victim_cgroup, trigger_cgroup, scope ("memcg", "global",
 * "sysrq") and scope_cgroup (paths; "" when not known, none, gone or not
 * visible): memqos_oom_kill_timestamp_seconds, the time of the newest kill
 * with those labels, and memqos_oom_kills_recent, how many of the kills
 * the module keeps (oom_ring_entries) have them. So at most
 * oom_ring_entries series each. 0, or -ENOMEM before writing anything.
 */
int mq_prom_write_oom_kills(FILE *fp, const struct mq_oom_list *list);

/* memqos_up: 1 if the scrape read the module, 0 if it could not. */
void mq_prom_write_up(FILE *fp, bool up);

/* Any of the three may be NULL (the module is too old for it). */
void mq_prom_write_module(FILE *fp, const struct mq_mod_version *ver,
			  const struct mq_mod_stats *st,
			  const struct mq_mod_config *cfg);

#endif /* MEMQOS_PROM_H */
