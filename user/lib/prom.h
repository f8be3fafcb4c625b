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

#include <stdint.h>
#include <stdio.h>

#include "attrib.h"
#include "cgrec.h"
#include "module.h"

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
/* Any of the three may be NULL (the module is too old for it). */
void mq_prom_write_module(FILE *fp, const struct mq_mod_version *ver,
			  const struct mq_mod_stats *st,
			  const struct mq_mod_config *cfg);

#endif /* MEMQOS_PROM_H */
