// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: size. The protection of every tiered cgroup within the
 * node's budget, and its ancestors' cover of it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "daemon_priv.h"
#include "units.h"

__attribute__((format(printf, 4, 5)))
void daemon_plan(struct dcg *c, enum cg_file f, uint64_t v,
		 const char *fmt, ...)
{
	va_list ap;

	c->manage[f] = true;
	c->want[f] = v;
	va_start(ap, fmt);
	vsnprintf(c->why[f], sizeof(c->why[f]), fmt, ap);
	va_end(ap);
}

void daemon_source_text(const struct daemon *d, const struct dcg *c,
			char *buf, size_t len)
{
	mq_classify_source_text(&d->cfg, &c->tr, buf, len);
}

void daemon_size_protection(struct daemon *d)
{
	struct budget_item *items = calloc(d->n ? d->n : 1, sizeof(*items));
	int *item_of = calloc(d->n ? d->n : 1, sizeof(*item_of));
	uint64_t budget = d->ram / 100 * d->cfg.min_budget_pct;
	uint64_t demand = 0;
	size_t i, n = 0;
	unsigned int scaled;
	char b1[UNITS_BUF_SIZE], b2[UNITS_BUF_SIZE], b3[UNITS_BUF_SIZE];
	char src[CFG_GLOB_LEN + 128];

	if (!items || !item_of)
		goto out;
	/* memory.min items, each under its nearest memory.min ancestor */
	for (i = 0; i < d->n; i++) {
		const struct mq_tier_cfg *t = daemon_tier_of(d, &d->cg[i]);
		int p = d->cg[i].parent;

		item_of[i] = -1;
		if (!t || t->action != TIER_MIN || !d->cg[i].rt)
			continue;
		while (p >= 0 && item_of[p] < 0)
			p = d->cg[p].parent;
		items[n].parent = p >= 0 ? item_of[p] : -1;
		items[n].priority = t->priority;
		items[n].demand = d->cg[i].want[F_MIN];
		if (items[n].parent < 0)
			demand += items[n].demand;
		item_of[i] = (int)n++;
	}
	scaled = pol_budget(items, n, budget, d->page);
	d->budget = budget;
	d->demand = demand;
	d->granted = 0;
	for (i = 0; i < n; i++)
		if (items[i].parent < 0)
			d->granted += items[i].granted;
	if (scaled != d->last_scaled) {
		if (scaled)
			dlog(d, LOG_WARNING,
			     "node budget: memory.min demands of %s exceed %s (%u%% of %s RAM): %u cgroups scaled down by tier priority",
			     daemon_size_str(demand, b1),
			     daemon_size_str(budget, b2),
			     d->cfg.min_budget_pct, daemon_size_str(d->ram, b3),
			     scaled);
		else
			dlog(d, LOG_INFO,
			     "node budget: memory.min demands fit again (%s of %s)",
			     daemon_size_str(demand, b1),
			     daemon_size_str(budget, b2));
		d->last_scaled = scaled;
	}

	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct mq_tier_cfg *t = daemon_tier_of(d, c);
		uint64_t prot, high;
		enum cg_file f;

		if (!t || !daemon_tier_protects(t) || !c->rt)
			continue;
		f = t->action == TIER_MIN ? F_MIN : F_LOW;
		prot = c->want[f];
		daemon_source_text(d, c, src, sizeof(src));
		if (f == F_MIN && items[item_of[i]].granted < prot) {
			daemon_plan(c, f, items[item_of[i]].granted,
				    "%s (%s): working set %s, wants %s, scaled to fit the node budget",
				    t->name, src,
				    daemon_size_str(c->est.ws, b1),
				    daemon_size_str(prot, b2));
			prot = c->want[f];
		} else {
			daemon_plan(c, f, prot,
				    "%s (%s): working set %s (refaulted %s, boost %s, stalled %u.%u%%) + headroom",
				    t->name, src,
				    daemon_size_str(c->est.ws, b1),
				    daemon_size_str(c->est.refault_bytes, b2),
				    daemon_size_str(c->est.boost, b3),
				    c->est.stall_permille / 10,
				    c->est.stall_permille % 10);
		}
		if (!t->set_high)
			continue;
		high = pol_k8s_high(prot, c->lv.max, t->high_factor_pct,
				    d->page);
		if (high != POL_UNLIMITED)
			daemon_plan(c, F_HIGH, high,
				    "%s: protection + %u%% of (memory.max %s - protection)",
				    t->name, t->high_factor_pct,
				    daemon_size_str(c->lv.max, b1));
	}
out:
	free(items);
	free(item_of);
}

/*
 * The original value of @f for @c: the state's, else what it has now
 * (also for a file yielded to another writer: its value is theirs).
 */
uint64_t daemon_original(struct daemon *d, const struct dcg *c,
			 enum cg_file f)
{
	struct state_ent *e = state_find(&d->st, c->rel, file_names[f]);
	uint64_t v;

	if (e && e->id == c->id && !e->yielded) {
		if (!strcmp(e->value, "max"))
			return UINT64_MAX;
		if (sscanf(e->value, "%" SCNu64, &v) == 1)
			return v;
	}
	return c->lv.cur[f];
}

/* What reclaim cannot take from @c. */
uint64_t daemon_unreclaimable(const struct daemon *d, const struct dcg *c)
{
	uint64_t u = c->lv.kmem - (c->lv.kmem > c->lv.slab_recl ?
				   c->lv.slab_recl : c->lv.kmem);

	if (!d->swap)
		u += c->lv.anon + c->lv.shmem;
	return u;
}

/* Ancestors must cover their protected descendants' min and low. */
void daemon_cover(struct daemon *d)
{
	struct cover_node *nodes = calloc(d->n ? d->n : 1, sizeof(*nodes));
	bool raise = d->cfg.ancestors == PROT_AUTO;
	unsigned int uncovered = 0;
	enum cg_file f;
	size_t i;

	if (!nodes)
		return;
	for (f = F_MIN; f <= F_LOW; f++) {
		/* node i-1 is cgroup i: the root has no memory.min */
		for (i = 1; i < d->n; i++) {
			struct dcg *c = &d->cg[i];

			nodes[i - 1].parent = c->parent > 0 ? c->parent - 1 : -1;
			if (c->manage[f])
				nodes[i - 1].base = c->want[f];
			else
				nodes[i - 1].base = c->has_levels ?
					daemon_original(d, c, f) : 0;
		}
		pol_cover(nodes, d->n - 1, true);
		/* only ancestors of what we protect: others are not ours */
		for (i = 0; i < d->n; i++)
			d->cg[i].protected_below = false;
		for (i = d->n; --i > 0; ) {
			struct dcg *c = &d->cg[i];

			if ((c->protected_below || (c->manage[f] && c->want[f])) &&
			    c->parent >= 0)
				d->cg[c->parent].protected_below = true;
		}
		for (i = 1; i < d->n; i++) {
			struct dcg *c = &d->cg[i];
			char b[UNITS_BUF_SIZE];

			if (!nodes[i - 1].raised || !c->protected_below)
				continue;
			if (!raise) {
				uncovered++;
				continue;
			}
			/* a tiered cgroup covers its children too */
			daemon_plan(c, f, nodes[i - 1].final,
				    "covers the %s of protected descendants (%s)",
				    file_names[f],
				    daemon_size_str(nodes[i - 1].final, b));
		}
	}
	if (uncovered && !d->warned_cover)
		dlog(d, LOG_WARNING,
		     "ancestors = off: %u ancestors do not cover their descendants' protection, which is then partly ineffective",
		     uncovered);
	d->warned_cover = uncovered;
	free(nodes);
}
