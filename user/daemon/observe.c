// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: observe-only subtrees, which another manager owns: the
 * configuration's observe globs, and kubepods where the kubelet's Memory
 * QoS (KEP-2570) is on. The daemon measures and sizes there as anywhere
 * else but writes nothing: what it would set is advice, exported.
 *
 * The kubelet's Memory QoS shows in what it writes: memory.min of each
 * pod with memory requests (their sum), which memqos did not write
 * (conflict_kubelet_min()). Seen once, kubepods stays observe-only while
 * the daemon runs: pods with and without requests coming and going must
 * not flip it back and forth.
 */
#include <inttypes.h>
#include <stdio.h>
#include <syslog.h>

#include "conflict.h"
#include "daemon_priv.h"

static int components(const char *rel)
{
	int n = 0;

	for (; *rel; rel++)
		n += *rel == '/';
	return n;
}

/* A pod's memory.min the kubelet set, not memqos. */
static bool kubelet_min(struct daemon *d, const struct dcg *c)
{
	char cur[CGFS_VALUE_LEN];
	struct state_ent *e;
	int depth;

	if (!c->has_levels ||
	    mq_classify_kube_depth(c->rel, &depth) == KUBE_NONE ||
	    depth != components(c->rel))
		return false;
	e = state_find(&d->st, c->rel, file_names[F_MIN]);
	if (e && e->id != c->id)
		e = NULL;
	mq_cgfs_fmt(c->lv.cur[F_MIN], cur, sizeof(cur));
	return conflict_kubelet_min(e, cur, d->page);
}

void daemon_observe_mark(struct daemon *d)
{
	bool kube = d->cfg.kube_observe == KUBE_OBSERVE_YES;
	size_t i;

	for (i = 1; d->cfg.kube_observe == KUBE_OBSERVE_AUTO &&
	     !d->kubelet_qos && i < d->n; i++) {
		const struct dcg *c = &d->cg[i];

		if (!kubelet_min(d, c))
			continue;
		d->kubelet_qos = true;
		dlog(d, LOG_WARNING,
		     "%s memory.min %" PRIu64 " was not set by memqos: the kubelet's Memory QoS is on, kubepods is observe-only from now on (kube_observe = auto): memqos measures and advises there, writes nothing",
		     c->rel, c->lv.cur[F_MIN]);
	}
	kube |= d->kubelet_qos;
	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		int p = c->parent;

		c->observed = (p > 0 && d->cg[p].observed) ||
			      (kube && mq_classify_kubepods(c->rel)) ||
			      mq_daemon_cfg_observed(&d->cfg, c->rel) >= 0;
	}
}

/* After sizing: the plan of an observed cgroup is advice only. */
void daemon_observe_plan(struct daemon *d)
{
	size_t i;

	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct mq_tier_cfg *t = daemon_tier_of(d, c);
		bool protects = t && daemon_tier_protects(t);
		enum cg_file f;

		if (!c->observed)
			continue;
		for (f = 0; f < NR_FILES; f++) {
			c->advised[f] = protects && c->manage[f];
			c->manage[f] = false;
		}
		c->reclaim = 0;
		if (d->o->dry_run)
			for (f = 0; f < NR_FILES; f++)
				if (c->advised[f])
					printf("observe-only, would advise %s %s: %" PRIu64 " (%s)\n",
					       c->rel, file_names[f], c->want[f],
					       c->why[f]);
	}
}
