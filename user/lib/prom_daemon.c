// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's decisions in Prometheus text format, see prom_daemon.h.
 * A few families of at most a few series per managed cgroup: plain stdio,
 * without prom.c's label-set copying.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "prom.h"
#include "prom_daemon.h"

static const char *const knob_names[PROM_KNOB_NR] = {
	[PROM_KNOB_MIN] = "min",
	[PROM_KNOB_LOW] = "low",
	[PROM_KNOB_HIGH] = "high",
	[PROM_KNOB_RECLAIM] = "reclaim",
};

/* What writing a cgroup's memory files fails with; the rest is "other". */
static const struct {
	int err;
	const char *name;
} errnos[PROM_ERRNO_NR - 1] = {
	{ EACCES, "EACCES" }, { EPERM, "EPERM" }, { EROFS, "EROFS" },
	{ EINVAL, "EINVAL" }, { ERANGE, "ERANGE" }, { EBUSY, "EBUSY" },
	{ ENOMEM, "ENOMEM" }, { ENOSPC, "ENOSPC" }, { EIO, "EIO" },
};

unsigned int mq_prom_errno_slot(int err)
{
	unsigned int i;

	for (i = 0; i < PROM_ERRNO_NR - 1; i++)
		if (errnos[i].err == -err)
			return i;
	return PROM_ERRNO_NR - 1;
}

const char *mq_prom_errno_name(unsigned int slot)
{
	return slot < PROM_ERRNO_NR - 1 ? errnos[slot].name : "other";
}

/* Upper bounds in microseconds: a pass walks every cgroup, 10,000 take s. */
static const uint64_t pass_le_us[PROM_PASS_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};

void mq_prom_pass_observe(struct mq_prom_pass_hist *h, uint64_t us)
{
	unsigned int b = 0;

	while (b < PROM_PASS_BUCKETS && us > pass_le_us[b])
		b++;
	h->bucket[b]++;
	h->count++;
	h->sum_us += us;
}

static void family(FILE *fp, const char *name, const char *type,
		   const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_value(FILE *fp, uint64_t v)
{
	if (v == UINT64_MAX)
		fputs("+Inf\n", fp);
	else
		fprintf(fp, "%" PRIu64 "\n", v);
}

/* name{<the cgroup's labels>, then the caller's and the closing brace */
static void cg_begin(FILE *fp, const char *name,
		     const struct mq_prom_daemon_cg *c)
{
	fprintf(fp, "%s{", name);
	mq_prom_write_cg_labels(fp, c->path);
}

static void write_protection(FILE *fp, const struct mq_prom_daemon *d)
{
	const char *name = "memqos_daemon_protection_bytes";
	unsigned int k;
	size_t i;

	family(fp, name, "gauge",
	       "memory.min, memory.low or memory.high (knob) of a cgroup the daemon manages, as its last pass left the file; +Inf is max");
	for (i = 0; i < d->n; i++)
		for (k = PROM_KNOB_MIN; k <= PROM_KNOB_HIGH; k++) {
			if (!(d->cg[i].knobs & 1U << k))
				continue;
			cg_begin(fp, name, &d->cg[i]);
			fprintf(fp, ",knob=\"%s\"} ", knob_names[k]);
			put_value(fp, d->cg[i].value[k]);
		}
}

enum cg_value { V_WS, V_BOOST, V_HEADROOM, V_RELEASES };

static uint64_t cg_value(const struct mq_prom_daemon_cg *c, enum cg_value v)
{
	switch (v) {
	case V_WS:
		return c->working_set;
	case V_BOOST:
		return c->refault_boost;
	case V_HEADROOM:
		return c->headroom;
	case V_RELEASES:
		break;
	}
	return c->releases;
}

/* One sample per cgroup with an estimate (protected tiers), or batch. */
static void write_cg_family(FILE *fp, const struct mq_prom_daemon *d,
			    const char *name, const char *type,
			    const char *help, enum cg_value v)
{
	const struct mq_prom_daemon_cg *c;
	size_t i;

	family(fp, name, type, help);
	for (i = 0; i < d->n; i++) {
		c = &d->cg[i];
		if (v == V_RELEASES ? !c->batch : !c->estimated)
			continue;
		cg_begin(fp, name, c);
		fprintf(fp, "} %" PRIu64 "\n", cg_value(c, v));
	}
}

static void write_squeezes(FILE *fp, const struct mq_prom_daemon *d)
{
	const char *name = "memqos_daemon_squeezes_total";
	size_t i;

	family(fp, name, "counter",
	       "squeeze steps the daemon took on a batch cgroup while a protected one stalled: memory.reclaim written (step=reclaim) or memory.high lowered (step=high)");
	for (i = 0; i < d->n; i++) {
		if (!d->cg[i].batch)
			continue;
		cg_begin(fp, name, &d->cg[i]);
		fprintf(fp, ",step=\"reclaim\"} %" PRIu64 "\n",
			d->cg[i].reclaim_steps);
		cg_begin(fp, name, &d->cg[i]);
		fprintf(fp, ",step=\"high\"} %" PRIu64 "\n",
			d->cg[i].high_steps);
	}
}

static void write_budget(FILE *fp, const struct mq_prom_daemon *d)
{
	family(fp, "memqos_daemon_budget_bytes", "gauge",
	       "the node's memory.min budget: min_budget_pct of its RAM");
	fprintf(fp, "memqos_daemon_budget_bytes %" PRIu64 "\n", d->budget);
	family(fp, "memqos_daemon_budget_demand_bytes", "gauge",
	       "memory.min the daemon's tiers asked for, outermost cgroups, last pass");
	fprintf(fp, "memqos_daemon_budget_demand_bytes %" PRIu64 "\n",
		d->demand);
	family(fp, "memqos_daemon_budget_granted_bytes", "gauge",
	       "memory.min granted within the budget, outermost cgroups, last pass");
	fprintf(fp, "memqos_daemon_budget_granted_bytes %" PRIu64 "\n",
		d->granted);
	family(fp, "memqos_daemon_budget_scale_ratio", "gauge",
	       "granted / demand: 1 while the demands fit the budget");
	fprintf(fp, "memqos_daemon_budget_scale_ratio %.6g\n",
		d->demand ? (double)d->granted / (double)d->demand : 1.0);
	family(fp, "memqos_daemon_budget_scaled_cgroups", "gauge",
	       "cgroups granted less memory.min than they asked for, last pass");
	fprintf(fp, "memqos_daemon_budget_scaled_cgroups %u\n", d->scaled);
}

static void write_passes(FILE *fp, const struct mq_prom_daemon *d)
{
	const char *name = "memqos_daemon_pass_duration_seconds";
	const struct mq_prom_pass_hist *h = &d->passes;
	uint64_t cum = 0;
	char le[32];
	unsigned int b;

	family(fp, name, "histogram",
	       "time of the daemon's passes (walk, measure, size, squeeze, write); _count is the passes");
	for (b = 0; b <= PROM_PASS_BUCKETS; b++) {
		cum += h->bucket[b];
		fprintf(fp, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name,
			b < PROM_PASS_BUCKETS ?
			mq_prom_format_seconds(pass_le_us[b], le, sizeof(le)) :
			"+Inf", cum);
	}
	fprintf(fp, "%s_sum %s\n", name,
		mq_prom_format_seconds(h->sum_us, le, sizeof(le)));
	fprintf(fp, "%s_count %" PRIu64 "\n", name, h->count);
	family(fp, "memqos_daemon_last_pass_timestamp_seconds", "gauge",
	       "when the daemon's last pass ended, seconds since the epoch");
	fprintf(fp, "memqos_daemon_last_pass_timestamp_seconds %s\n",
		mq_prom_format_seconds(d->last_pass_unix_ms * 1000, le,
				       sizeof(le)));
	family(fp, "memqos_daemon_managed_cgroups", "gauge",
	       "cgroups whose memory files the daemon manages, last pass");
	fprintf(fp, "memqos_daemon_managed_cgroups %zu\n", d->n);
}

static void write_writes(FILE *fp, const struct mq_prom_daemon *d)
{
	unsigned int k, e;

	family(fp, "memqos_daemon_writes_total", "counter",
	       "values the daemon wrote to memory.min, memory.low, memory.high (originals restored included) and memory.reclaim");
	for (k = 0; k < PROM_KNOB_NR; k++)
		fprintf(fp, "memqos_daemon_writes_total{knob=\"%s\"} %" PRIu64
			"\n", knob_names[k], d->writes[k]);
	family(fp, "memqos_daemon_write_failures_total", "counter",
	       "values the daemon could not write, by file (knob) and the error (errno: a few names, the rest other)");
	for (k = 0; k < PROM_KNOB_NR; k++)
		for (e = 0; e < PROM_ERRNO_NR; e++)
			fprintf(fp, "memqos_daemon_write_failures_total{knob=\"%s\",errno=\"%s\"} %"
				PRIu64 "\n", knob_names[k],
				mq_prom_errno_name(e),
				d->write_failures[k][e]);
}

void mq_prom_write_daemon(FILE *fp, const struct mq_prom_daemon *d)
{
	write_protection(fp, d);
	write_cg_family(fp, d, "memqos_daemon_working_set_bytes", "gauge",
			"the working set the daemon estimated for a memory.min or memory.low tier, refault boost included",
			V_WS);
	write_cg_family(fp, d, "memqos_daemon_refault_boost_bytes", "gauge",
			"the refault boost counted in the working set",
			V_BOOST);
	write_cg_family(fp, d, "memqos_daemon_headroom_bytes", "gauge",
			"protection wanted above the working set (headroom, stall boost, less the room kept for cache below memory.max), before the node budget",
			V_HEADROOM);
	write_squeezes(fp, d);
	write_cg_family(fp, d, "memqos_daemon_releases_total", "counter",
			"steps the daemon raised a squeezed batch cgroup's memory.high back, the last one restoring its original",
			V_RELEASES);
	write_budget(fp, d);
	write_passes(fp, d);
	write_writes(fp, d);
}

void mq_prom_daemon_free(struct mq_prom_daemon *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->cg[i].path);
	free(d->cg);
	d->cg = NULL;
	d->n = 0;
}
