// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's policy, see policy.h.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t page_down(uint64_t v, uint64_t page)
{
	return v - v % page;
}

/* @v * @num / @den without overflow, @num <= @den. */
static uint64_t scale(uint64_t v, uint64_t num, uint64_t den)
{
	return den ? (uint64_t)((unsigned __int128)v * num / den) : 0;
}

/* @v plus @pct percent of it, saturating. */
static uint64_t pct_of(uint64_t v, unsigned int pct)
{
	unsigned __int128 r = (unsigned __int128)v * pct / 100;

	return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- working set ---- */

static const struct ws_sample *ws_at(const struct ws_window *w,
				     unsigned int i)
{
	return &w->s[(w->first + i) % WS_SAMPLES];
}

void ws_add(struct ws_window *w, const struct ws_sample *s,
	    uint64_t window_ms)
{
	if (w->n) {
		const struct ws_sample *last = ws_at(w, w->n - 1);

		if (s->refaults < last->refaults ||
		    s->stall_us < last->stall_us || s->t_ms < last->t_ms)
			w->n = 0;
	}
	while (w->n && (w->n == WS_SAMPLES ||
			ws_at(w, 0)->t_ms + window_ms < s->t_ms)) {
		w->first = (w->first + 1) % WS_SAMPLES;
		w->n--;
	}
	w->s[(w->first + w->n) % WS_SAMPLES] = *s;
	w->n++;
}

static uint32_t permille(uint64_t stall_us, uint64_t ms)
{
	uint64_t p;

	if (!ms)
		return 0;
	p = stall_us / ms;	/* us per ms is permille */
	return p > UINT32_MAX ? UINT32_MAX : (uint32_t)p;
}

void ws_estimate(const struct ws_window *w, uint64_t page,
		 struct ws_estimate *e)
{
	const struct ws_sample *first, *last, *prev;
	unsigned int i;

	memset(e, 0, sizeof(*e));
	if (!w->n)
		return;
	for (i = 0; i < w->n; i++) {
		const struct ws_sample *s = ws_at(w, i);

		e->resident = max_u64(e->resident,
				      add_sat(s->anon, s->cache));
		e->peak_usage = max_u64(e->peak_usage, s->usage);
	}
	first = ws_at(w, 0);
	last = ws_at(w, w->n - 1);
	prev = w->n > 1 ? ws_at(w, w->n - 2) : last;
	e->refault_bytes = min_u64((last->refaults - first->refaults) * page,
				   max_u64(e->resident, e->peak_usage));
	e->ws = page_down(e->resident + e->refault_bytes, page);
	e->stall_permille = permille(last->stall_us - first->stall_us,
				     last->t_ms - first->t_ms);
	e->recent_permille = permille(last->stall_us - prev->stall_us,
				      last->t_ms - prev->t_ms);
}

void ws_apply_boost(struct ws_estimate *e, uint64_t boost, uint64_t page)
{
	uint64_t cap = max_u64(e->resident, e->peak_usage);

	e->boost = min_u64(boost, cap);
	e->refault_bytes = min_u64(e->refault_bytes, cap);
	e->ws = page_down(add_sat(e->resident,
				  max_u64(e->refault_bytes, e->boost)), page);
}

uint64_t ws_boost_update(const struct mq_tier_cfg *t, struct ws_boost *b,
			 uint64_t now_ms, uint64_t refaults, uint64_t usage,
			 uint64_t prot, uint64_t cap, uint64_t page)
{
	uint64_t dt, delta, grow = 0, hold = (uint64_t)t->boost_hold_s * 1000;
	uint64_t decay = (uint64_t)t->boost_decay_s * 1000;

	if (!b->primed || refaults < b->refaults || now_ms < b->t_ms) {
		/* first sight, or a counter reset: nothing to compare with */
		b->primed = true;
		b->refaults = refaults;
		b->t_ms = now_ms;
		b->calm_since_ms = now_ms;
		b->refaulting = false;
		b->bytes = min_u64(b->bytes, cap);
		return 0;
	}
	dt = now_ms - b->t_ms;
	delta = (refaults - b->refaults) * page;
	b->refaults = refaults;
	b->t_ms = now_ms;
	if (delta && add_sat(usage, t->headroom_min) >= prot) {
		grow = page_down(pct_of(delta, t->refault_grow_pct), page);
		b->bytes = add_sat(b->bytes, grow);
		b->refaulting = true;
	} else {
		/* refaults from its own limit count as calm */
		if (b->refaulting)
			b->calm_since_ms = now_ms;
		b->refaulting = false;
		if (now_ms - b->calm_since_ms >= hold && b->bytes)
			b->bytes -= decay ? scale(b->bytes, min_u64(dt, decay),
						  decay) : b->bytes;
	}
	b->bytes = page_down(min_u64(b->bytes, cap), page);
	return grow;
}

uint64_t pol_protection(const struct mq_tier_cfg *t,
			const struct ws_estimate *e, uint64_t max, bool stalled,
			uint64_t page)
{
	uint64_t head, prot, room;

	if (!e->ws)
		return 0;
	head = max_u64(pct_of(e->ws, t->headroom_pct), t->headroom_min);
	if (stalled)
		head = add_sat(head, pct_of(e->ws, t->stall_boost_pct));
	prot = add_sat(e->ws, head);
	if (max != POL_UNLIMITED) {
		room = max_u64(pct_of(max, t->cache_room_pct),
			       t->cache_room_min);
		prot = min_u64(prot, max > room ? max - room : 0);
	}
	return page_down(prot, page);
}

uint64_t pol_k8s_high(uint64_t request, uint64_t limit,
		      unsigned int factor_pct, uint64_t page)
{
	uint64_t high;

	if (limit == POL_UNLIMITED || request >= limit)
		return POL_UNLIMITED;
	high = request + scale(limit - request, factor_pct, 100);
	high = page_down(high, page);
	return high > request ? high : POL_UNLIMITED;
}

bool pol_changed(uint64_t cur, uint64_t want, unsigned int pct)
{
	uint64_t diff = cur > want ? cur - want : want - cur;

	if (cur == want)
		return false;
	if (!cur || !want || cur == POL_UNLIMITED || want == POL_UNLIMITED)
		return true;
	return diff > pct_of(cur, pct);
}

/* ---- node budget ---- */

unsigned int pol_budget(struct budget_item *items, size_t n, uint64_t budget,
			uint64_t page)
{
	uint64_t *cs = calloc(n ? n : 1, sizeof(*cs));
	uint64_t *gsub = calloc(n ? n : 1, sizeof(*gsub));
	size_t *top = calloc(n ? n : 1, sizeof(*top));
	uint64_t remaining = budget, prio = 0, next, d, g;
	unsigned int scaled = 0;
	size_t i;

	if (!cs || !gsub || !top) {
		/* no memory to think with: grant nothing rather than too much */
		for (i = 0; i < n; i++)
			items[i].granted = 0;
		scaled = n;
		goto out;
	}
	/* what each subtree needs: children come after their parent */
	for (i = n; i--; ) {
		cs[i] = max_u64(items[i].demand, cs[i]);
		if (items[i].parent >= 0)
			cs[items[i].parent] = add_sat(cs[items[i].parent],
						      cs[i]);
	}
	for (i = 0; i < n; i++)
		top[i] = items[i].parent < 0 ? i : top[items[i].parent];

	/* the outermost items, tier by tier */
	for (;;) {
		next = UINT64_MAX;
		for (i = 0; i < n; i++)
			if (items[i].parent < 0 && items[i].priority >= prio)
				next = min_u64(next, items[i].priority);
		if (next == UINT64_MAX)
			break;
		d = 0;
		for (i = 0; i < n; i++)
			if (items[i].parent < 0 && items[i].priority == next)
				d = add_sat(d, cs[i]);
		for (i = 0; i < n; i++) {
			if (items[i].parent >= 0 || items[i].priority != next)
				continue;
			g = d <= remaining ? cs[i] :
			    page_down(scale(cs[i], remaining, d), page);
			gsub[i] = g;
		}
		for (i = 0; i < n; i++)
			if (items[i].parent < 0 && items[i].priority == next)
				remaining -= gsub[i];
		prio = next + 1;
	}

	for (i = 0; i < n; i++) {
		size_t t = top[i];

		items[i].granted = gsub[t] >= cs[t] ? items[i].demand :
			page_down(scale(items[i].demand, gsub[t], cs[t]), page);
		scaled += items[i].granted < items[i].demand;
	}
out:
	free(cs);
	free(gsub);
	free(top);
	return scaled;
}

/* ---- ancestors ---- */

void pol_cover(struct cover_node *nodes, size_t n, bool raise)
{
	size_t i;

	for (i = 0; i < n; i++)
		nodes[i].final = 0;
	/* children first, summing into their parent's final */
	for (i = n; i--; ) {
		struct cover_node *c = &nodes[i];
		uint64_t children = c->final;

		c->final = raise ? max_u64(c->base, children) : c->base;
		c->raised = c->final > c->base;
		if (c->parent >= 0)
			nodes[c->parent].final = add_sat(nodes[c->parent].final,
							 c->final);
	}
}

/* ---- squeeze ---- */

uint64_t squeeze_floor(const struct mq_tier_cfg *t, uint64_t unreclaimable,
		       uint64_t page)
{
	uint64_t f = max_u64(t->floor, add_sat(unreclaimable,
					       t->livelock_margin));

	return f == UINT64_MAX ? f : page_down(f + page - 1, page);
}

/* memory.high a step higher, or the original once it would not bind. */
static void release_step(const struct mq_tier_cfg *t, struct squeeze_state *st,
			 const struct squeeze_in *in, uint64_t page,
			 struct squeeze_out *out)
{
	uint64_t inc = max_u64(pct_of(st->high, t->release_step_pct),
			       t->squeeze_step_min);
	uint64_t next = page_down(add_sat(st->high, inc), page);
	uint64_t ceiling = in->orig_high != POL_UNLIMITED ? in->orig_high :
			   max_u64(st->start_usage, in->usage);

	st->last_ms = in->now_ms;
	if (next >= ceiling) {
		st->active = false;
		out->high = in->orig_high;
		return;
	}
	st->high = next;
	out->high = next;
}

void squeeze_step(const struct mq_tier_cfg *t, struct squeeze_state *st,
		  const struct squeeze_in *in, uint64_t page,
		  struct squeeze_out *out)
{
	uint64_t floor = squeeze_floor(t, in->unreclaimable, page);
	uint64_t step, base, next;
	bool due = in->now_ms - st->last_ms >= in->interval_ms;

	out->reclaim = 0;
	out->high = st->active ? st->high : in->orig_high;
	out->why = NULL;

	/* throttled at our memory.high: the livelock comes first */
	if (st->active && in->throttle_permille >= t->livelock_permille) {
		if (due) {
			release_step(t, st, in, page, out);
			out->why = "throttled at memory.high, livelock guard";
		}
		return;
	}

	if (!in->pressure) {
		if (!st->calm_since_ms)
			st->calm_since_ms = in->now_ms;
		/* a pass without a stall does not end the episode */
		if (in->now_ms - st->calm_since_ms >= in->release_delay_ms)
			st->steps = 0;
		if (!st->active)
			return;
		if (in->now_ms - st->calm_since_ms < in->release_delay_ms ||
		    !due)
			return;
		release_step(t, st, in, page, out);
		out->why = "pressure gone, release";
		return;
	}

	st->calm_since_ms = 0;
	if (!due || in->usage <= floor)
		return;
	step = max_u64(pct_of(in->usage, t->squeeze_step_pct),
		       t->squeeze_step_min);
	step = page_down(min_u64(step, in->usage - floor), page);
	if (!step)
		return;
	st->last_ms = in->now_ms;
	out->reclaim = step;
	out->why = "protected tier stalls, proactive reclaim";
	if (++st->steps <= t->reclaim_steps)
		return;

	/* reclaim alone did not end the pressure */
	base = st->active ? min_u64(st->high, in->usage) : in->usage;
	next = base > floor + step ? page_down(base - step, page) : floor;
	if (next >= in->orig_high || (st->active && next >= st->high))
		return;
	if (!st->active) {
		st->active = true;
		st->start_usage = in->usage;
	}
	st->high = next;
	out->high = next;
	out->why = "protected tier stalls, reclaim not enough: memory.high";
}
