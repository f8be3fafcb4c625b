// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: squeeze. Batch cgroups, the aggressors first, while a
 * protected one stalls.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "attribquery.h"
#include "daemon_priv.h"
#include "units.h"

static struct dcg *find_cg(struct daemon *d, uint64_t id)
{
	size_t i;

	for (i = 1; i < d->n; i++)
		if (d->cg[i].id == id)
			return &d->cg[i];
	return NULL;
}

/*
 * Who harms the protected cgroups that stall: the module's reclaim
 * attribution names the cgroups that recently reclaimed from each. Batch
 * aggressors that can still give are then squeezed first, the other batch
 * cgroups only when there are none (kswapd, unknown or non-batch
 * reclaimers, or no attribution).
 */
static void find_aggressors(struct daemon *d)
{
	struct mq_attrib_list list = { };
	struct mq_attrib_aggressor top;
	char b[UNITS_BUF_SIZE];
	size_t i, j;
	int err;

	d->targeted = false;
	if (!d->pressure || !d->module || d->no_attrib)
		return;
	err = mq_attribq_dump(&d->nl, &list);
	if (err) {
		/* ENODATA may pass (attrib.c): said once, tried again */
		if (!d->attrib_warned)
			dlog(d, LOG_WARNING,
			     "no reclaim attribution from the module (%s): every batch cgroup squeezed alike",
			     strerror(-err));
		d->attrib_warned = true;
		d->no_attrib = err == -EOPNOTSUPP;
		mq_attrib_list_free(&list);
		return;
	}
	d->attrib_warned = false;
	for (i = 1; i < d->n; i++) {
		struct dcg *v = &d->cg[i];
		const struct mq_tier_cfg *t = daemon_tier_of(d, v);

		if (!t || !daemon_tier_protects(t) || !v->rt)
			continue;
		if (!v->rt->pressured) {
			v->rt->aggressor_known = false;
			continue;
		}
		for (j = 0; j < list.n; j++) {
			const struct mq_attrib_pair *p = &list.pairs[j];
			struct dcg *a;

			if (p->victim != v->id || p->reclaimer == v->id ||
			    !p->recent)
				continue;
			a = find_cg(d, p->reclaimer);
			if (a && a->rt && daemon_tier_of(d, a) &&
			    daemon_tier_of(d, a)->action == TIER_SQUEEZE)
				a->harm += p->recent;
		}
		if (!mq_attrib_aggressor(&list, v->id, &top) ||
		    (v->rt->aggressor_known &&
		     top.reclaimer == v->rt->aggressor))
			continue;
		v->rt->aggressor = top.reclaimer;
		v->rt->aggressor_known = true;
		dlog(d, LOG_INFO, "%s stalls in reclaim; its main aggressor: %s (%s reclaimed from it recently)",
		     v->rel, mq_attrib_reclaimer_name(top.reclaimer, top.path),
		     daemon_size_str(top.recent * d->page, b));
	}
	mq_attrib_list_free(&list);
	for (i = 1; i < d->n; i++) {
		struct dcg *a = &d->cg[i];
		const struct mq_tier_cfg *t = daemon_tier_of(d, a);

		/* one that is down to its floor cannot give more */
		if (a->harm && a->lv.usage >
		    squeeze_floor(t, daemon_unreclaimable(d, a), d->page))
			d->targeted = true;
	}
}

/*
 * The exporter's counts of a step from memory.high @high: a memory.reclaim
 * or a lower high squeezes, a higher one while squeezed releases.
 */
static void count_steps(struct rt *rt, const struct squeeze_out *out,
			bool was_active, uint64_t high)
{
	if (out->reclaim)
		rt->reclaim_steps++;
	if (out->high < high)
		rt->high_steps++;
	else if (was_active && out->high > high)
		rt->releases++;
}

void daemon_squeeze(struct daemon *d, uint64_t now)
{
	size_t i;

	d->squeezing = false;
	find_aggressors(d);
	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct mq_tier_cfg *t = daemon_tier_of(d, c);
		struct squeeze_in in = { };
		struct squeeze_out out;
		uint64_t elapsed, high;
		char src[CFG_GLOB_LEN + 128];
		bool was_active;

		/* another manager's: its limits are not ours to lower */
		if (!t || t->action != TIER_SQUEEZE || !c->rt || c->observed)
			continue;
		daemon_source_text(d, c, src, sizeof(src));
		daemon_plan(c, F_LOW, 0, "%s (%s): batch tiers have no memory.low",
			    t->name, src);
		c->exact[F_LOW] = true;

		in.now_ms = now;
		/* the aggressors first, if any can still give */
		in.pressure = d->pressure && (!d->targeted || c->harm);
		in.usage = c->lv.usage;
		in.unreclaimable = daemon_unreclaimable(d, c);
		in.orig_high = daemon_original(d, c, F_HIGH);
		elapsed = c->rt->last_ms ? now - c->rt->last_ms : 0;
		if (elapsed && c->lv.throttle_us >= c->rt->last_throttle_us)
			in.throttle_permille = (c->lv.throttle_us -
						c->rt->last_throttle_us) /
					       elapsed;
		c->rt->last_throttle_us = c->lv.throttle_us;
		c->rt->last_ms = now;
		in.interval_ms = d->cfg.squeeze_interval_ms;
		in.release_delay_ms = d->cfg.release_delay_ms;
		was_active = c->rt->sq.active;
		high = was_active ? c->rt->sq.high : in.orig_high;
		squeeze_step(t, &c->rt->sq, &in, d->page, &out);
		count_steps(c->rt, &out, was_active, high);
		if (out.reclaim) {
			c->reclaim = out.reclaim;
			c->reclaim_why = d->targeted ?
				"it reclaims from a protected cgroup that stalls, squeezed first" :
				out.why;
		}
		/* the last release step says why the original is back */
		if (c->rt->sq.active || was_active ||
		    out.high != in.orig_high) {
			daemon_plan(c, F_HIGH, out.high, "%s: %s", t->name,
				    out.why ? out.why : "squeezed");
			c->exact[F_HIGH] = true;
			d->squeezing |= c->rt->sq.active;
		}
	}
}
