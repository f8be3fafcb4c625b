// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: what a pass decided, copied for the exporter of
 * --listen (exporter.h): the tiers for memqos_cgroup_info, and the
 * protection, its inputs, the squeezes and the daemon's counters for the
 * memqos_daemon_* families (prom_daemon.h). A copy per pass, so that a
 * scrape never holds up the next pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon_priv.h"
#include "exporter.h"

uint64_t daemon_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The tiered cgroups of this pass; -ENOMEM. */
static int copy_tiers(const struct daemon *d, struct exporter_view *v)
{
	char source[CFG_GLOB_LEN + 128];
	struct exporter_tier *t;
	size_t i;

	v->tiers = calloc(d->n ? d->n : 1, sizeof(*v->tiers));
	if (!v->tiers)
		return -ENOMEM;
	for (i = 1; i < d->n; i++) {
		const struct dcg *c = &d->cg[i];

		if (c->tr.tier == CFG_NO_TIER)
			continue;
		mq_classify_source_text(&d->cfg, &c->tr, source,
					sizeof(source));
		t = &v->tiers[v->n_tiers++];
		t->id = c->id;
		t->tier = strdup(mq_tier_name(&d->cfg, c->tr.tier));
		t->source = strdup(source);
		if (!t->tier || !t->source)
			return -ENOMEM;
	}
	return 0;
}

/* One managed cgroup: false if the pass manages nothing of @c. */
static bool copy_cg(const struct daemon *d, const struct dcg *c,
		    struct mq_prom_daemon_cg *o)
{
	const struct mq_tier_cfg *t = daemon_tier_of(d, c);
	enum cg_file f;

	memset(o, 0, sizeof(*o));
	for (f = 0; f < NR_FILES; f++) {
		if (!c->manage[f] || !c->has_value[f])
			continue;
		o->knobs |= 1U << f;
		o->value[f] = c->value[f];
	}
	if (!o->knobs)
		return false;
	if (t && c->rt && daemon_tier_protects(t)) {
		o->estimated = true;
		o->working_set = c->est.ws;
		o->refault_boost = c->est.boost;
		o->headroom = c->asked > c->est.ws ? c->asked - c->est.ws : 0;
	}
	if (t && c->rt && t->action == TIER_SQUEEZE) {
		o->batch = true;
		o->reclaim_steps = c->rt->reclaim_steps;
		o->high_steps = c->rt->high_steps;
		o->releases = c->rt->releases;
	}
	return true;
}

static int copy_decisions(const struct daemon *d, struct mq_prom_daemon *o)
{
	size_t i;

	o->budget = d->budget;
	o->demand = d->demand;
	o->granted = d->granted;
	o->scaled = d->last_scaled;
	o->passes = d->passes;
	o->last_pass_unix_ms = unix_ms();
	memcpy(o->writes, d->writes, sizeof(o->writes));
	memcpy(o->write_failures, d->write_failures,
	       sizeof(o->write_failures));
	o->cg = calloc(d->n ? d->n : 1, sizeof(*o->cg));
	if (!o->cg)
		return -ENOMEM;
	for (i = 1; i < d->n; i++) {
		if (!copy_cg(d, &d->cg[i], &o->cg[o->n]))
			continue;
		o->cg[o->n].path = strdup(d->cg[i].rel);
		if (!o->cg[o->n++].path)
			return -ENOMEM;
	}
	return 0;
}

/* The pass begun at @start_us is done: count it, and tell the exporter. */
void daemon_publish(struct daemon *d, uint64_t start_us)
{
	struct exporter_view v = { };

	mq_prom_pass_observe(&d->passes, daemon_now_us() - start_us);
	if (!d->exporter)
		return;
	/* out of memory, the scrapes keep the last pass's view */
	v.text = daemon_coexist_metrics(d);
	if (!v.text || copy_tiers(d, &v) || copy_decisions(d, &v.dec)) {
		exporter_view_free(&v);
		return;
	}
	exporter_publish(d->exporter, &v);
}
