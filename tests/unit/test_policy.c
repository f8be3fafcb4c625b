// SPDX-License-Identifier: GPL-2.0
/*
 * user/daemon/policy.c: working set, protection sizing, Kubernetes'
 * memory.high, the node budget, ancestor coverage and the batch squeeze.
 */
#include <string.h>

#include "policy.h"
#include "unit.h"

#define PAGE	4096ULL
#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

static struct ws_sample sample(uint64_t t_ms, uint64_t anon,
			       uint64_t cache, uint64_t refaults,
			       uint64_t stall_us)
{
	struct ws_sample s = {
		.t_ms = t_ms, .usage = anon + cache, .anon = anon,
		.cache = cache, .refaults = refaults,
		.stall_us = stall_us,
	};

	return s;
}

static void ws_peak_plus_refaults(void)
{
	struct ws_window w = { };
	struct ws_estimate e;
	struct ws_sample s;

	s = sample(0, 100 * MiB, 50 * MiB, 1000, 0);
	ws_add(&w, &s, 60000);
	s = sample(1000, 80 * MiB, 100 * MiB, 1000, 0);
	ws_add(&w, &s, 60000);
	s = sample(2000, 60 * MiB, 40 * MiB, 1256, 500000);
	ws_add(&w, &s, 60000);
	ws_estimate(&w, PAGE, &e);
	/* the largest resident sample, plus 256 pages refaulted */
	EXPECT_U64_EQ(e.resident, 180 * MiB);
	EXPECT_U64_EQ(e.refault_bytes, 1 * MiB);
	EXPECT_U64_EQ(e.ws, 181 * MiB);
	/* 0.5 s of stall over 2 s; 0.5 s over the last 1 s */
	EXPECT_INT_EQ(e.stall_permille, 250);
	EXPECT_INT_EQ(e.recent_permille, 500);
}

static void ws_refaults_capped(void)
{
	struct ws_window w = { };
	struct ws_estimate e;
	struct ws_sample s;

	s = sample(0, 10 * MiB, 10 * MiB, 0, 0);
	ws_add(&w, &s, 60000);
	s = sample(1000, 10 * MiB, 10 * MiB, 1000000, 0);
	ws_add(&w, &s, 60000);
	ws_estimate(&w, PAGE, &e);
	/* thrashing counts at most as much again as it holds */
	EXPECT_U64_EQ(e.ws, 40 * MiB);
}

static void ws_window_drops_old(void)
{
	struct ws_window w = { };
	struct ws_estimate e;
	struct ws_sample s;
	int i;

	s = sample(0, 500 * MiB, 0, 0, 0);
	ws_add(&w, &s, 10000);
	for (i = 1; i <= 20; i++) {
		s = sample(i * 1000, 100 * MiB, 0, 0, 0);
		ws_add(&w, &s, 10000);
	}
	ws_estimate(&w, PAGE, &e);
	EXPECT_U64_EQ(e.ws, 100 * MiB);
	EXPECT_INT_EQ(w.n, 11);
	/* more samples than slots: the oldest go */
	for (i = 21; i < 21 + 2 * WS_SAMPLES; i++) {
		s = sample(i, 100 * MiB, 0, 0, 0);
		ws_add(&w, &s, 1000000);
	}
	EXPECT_INT_EQ(w.n, WS_SAMPLES);
}

static void ws_counter_reset_restarts(void)
{
	struct ws_window w = { };
	struct ws_estimate e;
	struct ws_sample s;

	s = sample(0, 300 * MiB, 0, 5000, 900000);
	ws_add(&w, &s, 60000);
	s = sample(1000, 10 * MiB, 0, 10, 0);
	ws_add(&w, &s, 60000);
	ws_estimate(&w, PAGE, &e);
	EXPECT_INT_EQ(w.n, 1);
	EXPECT_U64_EQ(e.ws, 10 * MiB);
	EXPECT_INT_EQ(e.stall_permille, 0);
}

static struct mq_tier_cfg tier(enum mq_tier_action a)
{
	struct mq_daemon_cfg cfg;

	mq_daemon_cfg_defaults(&cfg);
	return cfg.tiers[a == TIER_MIN ? 0 : a == TIER_LOW ? 1 : 2];
}

static void protection_headroom(void)
{
	struct mq_tier_cfg t = tier(TIER_MIN);
	struct ws_estimate e = { .ws = 200 * MiB };

	/* 10% of 200M beats the 8M minimum */
	EXPECT_U64_EQ(pol_protection(&t, &e, POL_UNLIMITED, false, PAGE),
		      220 * MiB);
	/* the minimum beats 10% of 20M */
	e.ws = 20 * MiB;
	EXPECT_U64_EQ(pol_protection(&t, &e, POL_UNLIMITED, false, PAGE),
		      28 * MiB);
	/* stalling: 10% more */
	e.ws = 200 * MiB;
	EXPECT_U64_EQ(pol_protection(&t, &e, POL_UNLIMITED, true, PAGE),
		      240 * MiB);
	e.ws = 0;
	EXPECT_U64_EQ(pol_protection(&t, &e, POL_UNLIMITED, true, PAGE), 0);
	/* page aligned */
	e.ws = 100 * MiB + 1;
	EXPECT_U64_EQ(pol_protection(&t, &e, POL_UNLIMITED, false, PAGE) % PAGE,
		      0);
}

/* 1 MiB of refaults in pages */
#define RF_MIB	(MiB / PAGE)

static void boost_grows_by_refaults(void)
{
	struct mq_tier_cfg t = tier(TIER_MIN);
	struct ws_boost b = { };

	/* the first sight only primes */
	EXPECT_U64_EQ(ws_boost_update(&t, &b, 1000, 500, 40 * MiB, 40 * MiB,
				      100 * MiB, PAGE), 0);
	EXPECT_U64_EQ(b.bytes, 0);
	/* held at its protection, 4 MiB refaulted: +4 MiB */
	EXPECT_U64_EQ(ws_boost_update(&t, &b, 2000, 500 + 4 * RF_MIB,
				      40 * MiB, 40 * MiB, 100 * MiB, PAGE),
		      4 * MiB);
	/* within headroom_min (8M) below it still counts as held down */
	EXPECT_U64_EQ(ws_boost_update(&t, &b, 3000, 500 + 6 * RF_MIB,
				      33 * MiB, 40 * MiB, 100 * MiB, PAGE),
		      2 * MiB);
	EXPECT_U64_EQ(b.bytes, 6 * MiB);
	/* refault_grow_pct scales it */
	t.refault_grow_pct = 50;
	EXPECT_U64_EQ(ws_boost_update(&t, &b, 4000, 500 + 10 * RF_MIB,
				      40 * MiB, 40 * MiB, 100 * MiB, PAGE),
		      2 * MiB);
	EXPECT_U64_EQ(b.bytes, 8 * MiB);
}

static void boost_not_for_own_limit(void)
{
	struct mq_tier_cfg t = tier(TIER_MIN);
	struct ws_boost b = { };

	ws_boost_update(&t, &b, 1000, 0, 20 * MiB, 60 * MiB, 100 * MiB, PAGE);
	/* 20M + 8M headroom_min < 60M: not reclaimed from outside */
	EXPECT_U64_EQ(ws_boost_update(&t, &b, 2000, 10 * RF_MIB, 20 * MiB,
				      60 * MiB, 100 * MiB, PAGE), 0);
	EXPECT_U64_EQ(b.bytes, 0);
	/* a counter that went backwards: primes again, keeps the boost */
	b.bytes = 5 * MiB;
	EXPECT_U64_EQ(ws_boost_update(&t, &b, 3000, 3, 60 * MiB, 60 * MiB,
				      100 * MiB, PAGE), 0);
	EXPECT_U64_EQ(b.bytes, 5 * MiB);
}

static void boost_capped_at_peak_usage(void)
{
	struct mq_tier_cfg t = tier(TIER_MIN);
	struct ws_boost b = { };

	ws_boost_update(&t, &b, 1000, 0, 20 * MiB, 20 * MiB, 24 * MiB, PAGE);
	ws_boost_update(&t, &b, 2000, 100 * RF_MIB, 20 * MiB, 20 * MiB,
			24 * MiB, PAGE);
	EXPECT_U64_EQ(b.bytes, 24 * MiB);
}

static void boost_holds_then_decays(void)
{
	struct mq_tier_cfg t = tier(TIER_MIN);
	struct ws_boost b = { };
	uint64_t now = 1000, rf = 0;

	ws_boost_update(&t, &b, now, rf, 40 * MiB, 40 * MiB, GiB, PAGE);
	rf += 100 * RF_MIB;
	now += 1000;
	ws_boost_update(&t, &b, now, rf, 40 * MiB, 40 * MiB, GiB, PAGE);
	EXPECT_U64_EQ(b.bytes, 100 * MiB);
	/* calm from the first pass without refaults (3 s) for less than
	 * boost_hold_s (30 s): kept
	 */
	for (now += 1000; now <= 3000 + 29000; now += 1000)
		ws_boost_update(&t, &b, now, rf, 40 * MiB, 40 * MiB, GiB,
				PAGE);
	EXPECT_U64_EQ(b.bytes, 100 * MiB);
	/* past it: a second of a 300 s time constant takes 1/300 */
	ws_boost_update(&t, &b, now, rf, 40 * MiB, 40 * MiB, GiB, PAGE);
	EXPECT_TRUE(b.bytes < 100 * MiB && b.bytes > 99 * MiB);
	/* 30 s more: about e^-0.1 of it */
	for (now += 1000; now <= 3000 + 60000; now += 1000)
		ws_boost_update(&t, &b, now, rf, 40 * MiB, 40 * MiB, GiB,
				PAGE);
	EXPECT_TRUE(b.bytes < 92 * MiB && b.bytes > 89 * MiB);
	/* refaults again: grows from there, the hold starts over */
	rf += RF_MIB;
	EXPECT_U64_EQ(ws_boost_update(&t, &b, now, rf, 40 * MiB, 40 * MiB,
				      GiB, PAGE), MiB);
	/* decay 0: dropped at once after the hold */
	t.boost_decay_s = 0;
	now += 1000;
	ws_boost_update(&t, &b, now, rf, 40 * MiB, 40 * MiB, GiB, PAGE);
	EXPECT_TRUE(b.bytes > 0);
	now += 30000;
	ws_boost_update(&t, &b, now, rf, 40 * MiB, 40 * MiB, GiB, PAGE);
	EXPECT_U64_EQ(b.bytes, 0);
}

static void boost_in_working_set(void)
{
	struct mq_tier_cfg t = tier(TIER_MIN);
	struct ws_estimate e = { .resident = 32 * MiB, .peak_usage = 40 * MiB,
				 .refault_bytes = 4 * MiB };

	/* the larger of the window's refaults and the boost */
	ws_apply_boost(&e, 16 * MiB, PAGE);
	EXPECT_U64_EQ(e.ws, 48 * MiB);
	ws_apply_boost(&e, 1 * MiB, PAGE);
	EXPECT_U64_EQ(e.ws, 36 * MiB);
	/* never more than the peak usage on top */
	ws_apply_boost(&e, GiB, PAGE);
	EXPECT_U64_EQ(e.boost, 40 * MiB);
	EXPECT_U64_EQ(e.ws, 72 * MiB);
	/* and the headroom rule still holds below memory.max */
	ws_apply_boost(&e, 16 * MiB, PAGE);
	EXPECT_U64_EQ(pol_protection(&t, &e, 64 * MiB, false, PAGE),
		      48 * MiB);
	EXPECT_U64_EQ(pol_protection(&t, &e, POL_UNLIMITED, false, PAGE),
		      56 * MiB);
}

/*
 * A 48 MiB cache working set of which 32 MiB looks active: while its
 * protection falls short, what is above it is evicted and faulted back
 * each pass; the boost closes the gap in a pass or two and stops there.
 */
static void boost_converges(void)
{
	struct mq_tier_cfg t = tier(TIER_MIN);
	struct ws_boost b = { };
	struct ws_estimate e;
	uint64_t prot = 0, rf = 0, now = 1000, set = 48 * MiB;
	int pass, converged = -1;

	for (pass = 0; pass < 10; pass++, now += 1000) {
		uint64_t usage = prot && prot < set ? prot : set;

		memset(&e, 0, sizeof(e));
		e.resident = 32 * MiB;
		e.peak_usage = set;
		ws_boost_update(&t, &b, now, rf, usage, prot, set, PAGE);
		ws_apply_boost(&e, b.bytes, PAGE);
		prot = pol_protection(&t, &e, POL_UNLIMITED, false, PAGE);
		if (prot >= set && converged < 0)
			converged = pass;
		/* what protection does not hold is re-read once per pass */
		if (prot < set)
			rf += (set - prot) / PAGE;
	}
	EXPECT_TRUE(converged >= 0 && converged <= 2);
	/* the working set, at most its headroom more */
	EXPECT_TRUE(prot >= set && prot <= set + 8 * MiB);
}

static void protection_leaves_room_below_max(void)
{
	struct mq_tier_cfg t = tier(TIER_MIN);
	struct ws_estimate e = { .ws = 250 * MiB };

	/* max 256M: room is max(25.6M, 16M), so 230.4M at most */
	EXPECT_U64_EQ(pol_protection(&t, &e, 256 * MiB, false, PAGE),
		      (256 * MiB - 256 * MiB / 10) / PAGE * PAGE);
	/* a small limit: the 16M minimum room */
	e.ws = 100 * MiB;
	EXPECT_U64_EQ(pol_protection(&t, &e, 100 * MiB, false, PAGE),
		      84 * MiB);
	/* a limit below the room: no protection at all */
	EXPECT_U64_EQ(pol_protection(&t, &e, 8 * MiB, false, PAGE), 0);
	/* far below the limit the limit does not matter */
	EXPECT_U64_EQ(pol_protection(&t, &e, 1 * GiB, false, PAGE),
		      110 * MiB);
}

static void k8s_memory_high(void)
{
	/* request 256M, limit 1G, factor 0.9: 256M + 0.9 * 768M, paged */
	uint64_t want = (256 * MiB + 768 * MiB * 9 / 10) / PAGE * PAGE;

	EXPECT_U64_EQ(pol_k8s_high(256 * MiB, GiB, 90, PAGE), want);
	EXPECT_U64_EQ(pol_k8s_high(0, GiB, 90, PAGE),
		      (GiB * 9 / 10) / PAGE * PAGE);
	EXPECT_U64_EQ(pol_k8s_high(0, GiB, 100, PAGE), GiB);
	/* no limit, or nothing between request and limit */
	EXPECT_U64_EQ(pol_k8s_high(256 * MiB, POL_UNLIMITED, 90, PAGE),
		      POL_UNLIMITED);
	EXPECT_U64_EQ(pol_k8s_high(GiB, GiB, 90, PAGE), POL_UNLIMITED);
	EXPECT_U64_EQ(pol_k8s_high(GiB - PAGE, GiB, 10, PAGE),
		      POL_UNLIMITED);
	/* a huge limit does not overflow */
	EXPECT_U64_EQ(pol_k8s_high(0, UINT64_MAX - PAGE, 100, PAGE),
		      UINT64_MAX - PAGE - (UINT64_MAX - PAGE) % PAGE);
}

static void changed_threshold(void)
{
	EXPECT_TRUE(!pol_changed(100 * MiB, 100 * MiB, 5));
	EXPECT_TRUE(!pol_changed(100 * MiB, 104 * MiB, 5));
	EXPECT_TRUE(pol_changed(100 * MiB, 106 * MiB, 5));
	EXPECT_TRUE(pol_changed(100 * MiB, 94 * MiB, 5));
	EXPECT_TRUE(pol_changed(0, PAGE, 5));
	EXPECT_TRUE(pol_changed(PAGE, 0, 50));
	EXPECT_TRUE(pol_changed(POL_UNLIMITED, GiB, 5));
	EXPECT_TRUE(pol_changed(100 * MiB, 101 * MiB, 0));
}

static void budget_fits(void)
{
	struct budget_item it[] = {
		{ -1, 0, 100 * MiB, 0 },
		{ -1, 1, 200 * MiB, 0 },
	};

	EXPECT_INT_EQ(pol_budget(it, 2, 300 * MiB, PAGE), 0);
	EXPECT_U64_EQ(it[0].granted, 100 * MiB);
	EXPECT_U64_EQ(it[1].granted, 200 * MiB);
}

static void budget_by_tier_order(void)
{
	/* critical 2 x 200M, standard 2 x 100M, a second critical tier */
	struct budget_item it[] = {
		{ -1, 1, 100 * MiB, 0 },
		{ -1, 0, 200 * MiB, 0 },
		{ -1, 1, 300 * MiB, 0 },
		{ -1, 0, 200 * MiB, 0 },
		{ -1, 2, 50 * MiB, 0 },
	};

	/* 600M: critical gets its 400M, standard shares 200M of 400M */
	EXPECT_INT_EQ(pol_budget(it, 5, 600 * MiB, PAGE), 3);
	EXPECT_U64_EQ(it[1].granted, 200 * MiB);
	EXPECT_U64_EQ(it[3].granted, 200 * MiB);
	EXPECT_U64_EQ(it[0].granted, 50 * MiB);
	EXPECT_U64_EQ(it[2].granted, 150 * MiB);
	EXPECT_U64_EQ(it[4].granted, 0);
	/* less than the first tier asks: it is scaled, the rest get none */
	EXPECT_INT_EQ(pol_budget(it, 5, 100 * MiB, PAGE), 5);
	EXPECT_U64_EQ(it[1].granted, 50 * MiB);
	EXPECT_U64_EQ(it[3].granted, 50 * MiB);
	EXPECT_U64_EQ(it[0].granted, 0);
}

static void budget_nested(void)
{
	/* a pod (100M) whose containers ask 80M + 60M: it counts 140M */
	struct budget_item it[] = {
		{ -1, 0, 100 * MiB, 0 },
		{ 0, 0, 80 * MiB, 0 },
		{ 0, 0, 60 * MiB, 0 },
		{ -1, 0, 60 * MiB, 0 },
	};
	uint64_t sum;

	EXPECT_INT_EQ(pol_budget(it, 4, 200 * MiB, PAGE), 0);
	/* 100M for 200M of subtree demand: everyone halves */
	EXPECT_INT_EQ(pol_budget(it, 4, 100 * MiB, PAGE), 4);
	EXPECT_U64_EQ(it[0].granted, 50 * MiB);
	EXPECT_U64_EQ(it[1].granted, 40 * MiB);
	EXPECT_U64_EQ(it[2].granted, 30 * MiB);
	EXPECT_U64_EQ(it[3].granted, 30 * MiB);
	/* after ancestors cover their children, the total still fits */
	sum = (it[1].granted + it[2].granted > it[0].granted ?
	       it[1].granted + it[2].granted : it[0].granted) + it[3].granted;
	EXPECT_TRUE(sum <= 100 * MiB);
}

static void cover_raises_ancestors(void)
{
	/*
	 * 0 /a (0)            -> 150M
	 * 1   /a/b (0)        -> 150M
	 * 2     /a/b/c 100M
	 * 3     /a/b/d  50M
	 * 4   /a/e (unprotected, 0)
	 * 5 /f 10M, already covering itself
	 */
	struct cover_node n[] = {
		{ -1, 0, 0, false },
		{ 0, 0, 0, false },
		{ 1, 100 * MiB, 0, false },
		{ 1, 50 * MiB, 0, false },
		{ 0, 0, 0, false },
		{ -1, 10 * MiB, 0, false },
	};

	pol_cover(n, 6, true);
	EXPECT_U64_EQ(n[0].final, 150 * MiB);
	EXPECT_TRUE(n[0].raised);
	EXPECT_U64_EQ(n[1].final, 150 * MiB);
	EXPECT_U64_EQ(n[2].final, 100 * MiB);
	EXPECT_TRUE(!n[2].raised);
	EXPECT_U64_EQ(n[4].final, 0);
	EXPECT_U64_EQ(n[5].final, 10 * MiB);
	EXPECT_TRUE(!n[5].raised);
	/* an ancestor that already covers is left alone */
	n[1].base = 200 * MiB;
	pol_cover(n, 6, true);
	EXPECT_U64_EQ(n[1].final, 200 * MiB);
	EXPECT_TRUE(!n[1].raised);
	EXPECT_U64_EQ(n[0].final, 200 * MiB);
	/* off: nothing raised */
	n[1].base = 0;
	pol_cover(n, 6, false);
	EXPECT_U64_EQ(n[0].final, 0);
	EXPECT_TRUE(!n[1].raised);
}

static struct squeeze_in sq_in(uint64_t now, bool pressure, uint64_t usage)
{
	struct squeeze_in in = {
		.now_ms = now, .pressure = pressure, .usage = usage,
		.unreclaimable = 20 * MiB, .orig_high = POL_UNLIMITED,
		.interval_ms = 1000, .release_delay_ms = 5000,
	};

	return in;
}

static void squeeze_reclaims_then_lowers_high(void)
{
	struct mq_tier_cfg t = tier(TIER_SQUEEZE);
	struct squeeze_state st = { };
	struct squeeze_out out;
	struct squeeze_in in;

	/* no pressure, nothing to do */
	in = sq_in(1000, false, 400 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_U64_EQ(out.reclaim, 0);
	EXPECT_U64_EQ(out.high, POL_UNLIMITED);
	EXPECT_TRUE(!out.why);

	/* reclaim_steps (2) steps of 10% by memory.reclaim alone */
	in = sq_in(2000, true, 400 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_U64_EQ(out.reclaim, 40 * MiB / PAGE * PAGE);
	EXPECT_U64_EQ(out.high, POL_UNLIMITED);
	/* within the interval: no new step */
	in = sq_in(2500, true, 380 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_U64_EQ(out.reclaim, 0);
	in = sq_in(3000, true, 380 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_U64_EQ(out.reclaim, 38 * MiB / PAGE * PAGE);
	EXPECT_U64_EQ(out.high, POL_UNLIMITED);
	/* still stalling: memory.high a step below usage */
	in = sq_in(4000, true, 360 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_U64_EQ(out.high, (360 * MiB - 36 * MiB) / PAGE * PAGE);
	EXPECT_TRUE(st.active);
	EXPECT_STR_EQ(out.why,
		      "protected tier stalls, reclaim not enough: memory.high");
}

/* A stall that comes and goes is one episode until calm for long. */
static void squeeze_intermittent_pressure(void)
{
	struct mq_tier_cfg t = tier(TIER_SQUEEZE);
	struct squeeze_state st = { };
	struct squeeze_out out;
	struct squeeze_in in;
	uint64_t now = 1000;
	int reclaims = 0;

	/* stall, calm, stall, calm...: reclaim_steps (2) reclaims, then high */
	for (; !st.active && now < 20000; now += 1000) {
		in = sq_in(now, (now / 1000) % 2, 400 * MiB);
		squeeze_step(&t, &st, &in, PAGE, &out);
		reclaims += out.reclaim > 0;
	}
	EXPECT_TRUE(st.active);
	EXPECT_INT_EQ(reclaims, 3);
	EXPECT_INT_EQ(now, 6000);

	/* calm for release_delay (5 s) ends it: reclaim first again */
	st = (struct squeeze_state){ };
	in = sq_in(1000, true, 400 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	in = sq_in(2000, true, 400 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	for (now = 3000; now <= 8000; now += 1000) {
		in = sq_in(now, false, 400 * MiB);
		squeeze_step(&t, &st, &in, PAGE, &out);
	}
	in = sq_in(9000, true, 400 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_TRUE(out.reclaim > 0 && !st.active);
	EXPECT_INT_EQ(st.steps, 1);
}

static void squeeze_never_below_floor(void)
{
	struct mq_tier_cfg t = tier(TIER_SQUEEZE);
	struct squeeze_state st = { };
	struct squeeze_out out;
	struct squeeze_in in;
	uint64_t now, lowest = POL_UNLIMITED;

	t.reclaim_steps = 0;
	for (now = 1000; now < 200000; now += 1000) {
		in = sq_in(now, true, 100 * MiB);
		in.unreclaimable = 90 * MiB;
		squeeze_step(&t, &st, &in, PAGE, &out);
		if (out.high < lowest)
			lowest = out.high;
	}
	/* unreclaimable 90M + margin 16M beats the 64M floor */
	EXPECT_U64_EQ(squeeze_floor(&t, 90 * MiB, PAGE), 106 * MiB);
	/* usage is already below that: nothing was touched */
	EXPECT_U64_EQ(lowest, POL_UNLIMITED);

	memset(&st, 0, sizeof(st));
	for (now = 1000; now < 200000; now += 1000) {
		in = sq_in(now, true, 300 * MiB);
		squeeze_step(&t, &st, &in, PAGE, &out);
		if (out.high < lowest)
			lowest = out.high;
		EXPECT_TRUE(out.reclaim <= 300 * MiB - 64 * MiB);
	}
	EXPECT_U64_EQ(lowest, 64 * MiB);
}

static void squeeze_livelock_guard(void)
{
	struct mq_tier_cfg t = tier(TIER_SQUEEZE);
	struct squeeze_state st = { };
	struct squeeze_out out;
	struct squeeze_in in;
	uint64_t high;

	t.reclaim_steps = 0;
	in = sq_in(1000, true, 200 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	high = out.high;
	EXPECT_TRUE(high < 200 * MiB);
	/* throttled at that high most of the time: a step back, pressure or not */
	in = sq_in(2000, true, high);
	in.throttle_permille = 800;
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_U64_EQ(out.reclaim, 0);
	EXPECT_TRUE(out.high > high);
	EXPECT_STR_EQ(out.why, "throttled at memory.high, livelock guard");
}

static void squeeze_release_in_steps(void)
{
	struct mq_tier_cfg t = tier(TIER_SQUEEZE);
	struct squeeze_state st = { };
	struct squeeze_out out;
	struct squeeze_in in;
	uint64_t now, prev;
	int steps = 0;

	t.reclaim_steps = 0;
	in = sq_in(1000, true, 400 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	prev = out.high;
	EXPECT_U64_EQ(prev, 360 * MiB);
	/* calm, but not yet for release_delay: held */
	in = sq_in(2000, false, 300 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	in = sq_in(6000, false, 300 * MiB);
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_U64_EQ(out.high, prev);
	/* then a step per interval, each up by at most 10% */
	for (now = 7000; st.active && now < 100000; now += 1000) {
		in = sq_in(now, false, 300 * MiB);
		squeeze_step(&t, &st, &in, PAGE, &out);
		if (st.active) {
			EXPECT_TRUE(out.high > prev &&
				    out.high <= prev + prev / 10 + PAGE);
			prev = out.high;
		}
		steps++;
	}
	EXPECT_TRUE(!st.active);
	EXPECT_U64_EQ(out.high, POL_UNLIMITED);
	EXPECT_INT_EQ(steps, 2);
	EXPECT_STR_EQ(out.why, "pressure gone, release");

	/* an admin's memory.high is the ceiling, and never exceeded */
	memset(&st, 0, sizeof(st));
	in = sq_in(1000, true, 400 * MiB);
	in.orig_high = 390 * MiB;
	squeeze_step(&t, &st, &in, PAGE, &out);
	EXPECT_U64_EQ(out.high, 360 * MiB);
	for (now = 7000; st.active && now < 100000; now += 1000) {
		in = sq_in(now, false, 300 * MiB);
		in.orig_high = 390 * MiB;
		squeeze_step(&t, &st, &in, PAGE, &out);
		EXPECT_TRUE(out.high <= 390 * MiB);
	}
	EXPECT_U64_EQ(out.high, 390 * MiB);
}

static const struct unit_test tests[] = {
	UNIT_TEST(ws_peak_plus_refaults),
	UNIT_TEST(ws_refaults_capped),
	UNIT_TEST(ws_window_drops_old),
	UNIT_TEST(ws_counter_reset_restarts),
	UNIT_TEST(boost_grows_by_refaults),
	UNIT_TEST(boost_not_for_own_limit),
	UNIT_TEST(boost_capped_at_peak_usage),
	UNIT_TEST(boost_holds_then_decays),
	UNIT_TEST(boost_in_working_set),
	UNIT_TEST(boost_converges),
	UNIT_TEST(protection_headroom),
	UNIT_TEST(protection_leaves_room_below_max),
	UNIT_TEST(k8s_memory_high),
	UNIT_TEST(changed_threshold),
	UNIT_TEST(budget_fits),
	UNIT_TEST(budget_by_tier_order),
	UNIT_TEST(budget_nested),
	UNIT_TEST(cover_raises_ancestors),
	UNIT_TEST(squeeze_reclaims_then_lowers_high),
	UNIT_TEST(squeeze_intermittent_pressure),
	UNIT_TEST(squeeze_never_below_floor),
	UNIT_TEST(squeeze_livelock_guard),
	UNIT_TEST(squeeze_release_in_steps),
};
UNIT_SUITE(policy_suite, "policy", tests);
