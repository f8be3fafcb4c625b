/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's policy, as pure functions of measurements and the
 * configuration: no I/O, unit tested.
 *
 * Working set: the most the cgroup held over the window of what it
 * cannot lose without paying for it (anon + shmem + the file cache it
 * re-uses), plus the larger of what it had to fault back in (refaults)
 * over the window and its refault boost, that extra capped at its peak
 * usage over the window so a thrashing cgroup cannot claim the node.
 *
 * The cache it re-uses is what the LRU can tell: on the classic LRU the
 * active file list (pages used twice while resident). The Multi-Gen LRU
 * splits active from inactive by generation instead, and cache read with
 * read() stays in the oldest generations however often it is used, so
 * there active_file misses exactly the cache a service re-reads (measured
 * on 6.12: a critical service protected by that estimate refaulted 100
 * MiB next to a hog). Under the Multi-Gen LRU all its file cache counts:
 * an upper bound, which the refault boost and the cap below keep honest,
 * where active_file is a lower one.
 *
 * Refault boost: cache it re-uses from the inactive list, or lost before
 * it was measured, shows only as refaults once it is evicted. While a
 * protected cgroup refaults and is held down near its protection (usage
 * within headroom_min of it: the reclaim came from outside, which
 * protection can stop), the boost grows by refault_grow_pct% of the
 * refaulted bytes each pass. Refaults of a cgroup well below its
 * protection come from its own limit, which protection cannot help: no
 * growth. Once it has not refaulted for boost_hold_s, the boost decays
 * exponentially with time constant boost_decay_s, so protection follows
 * a shrinking working set down slowly and is re-earned if it was needed.
 *
 * Protection (memory.min or memory.low): ws + max(ws * headroom_pct%,
 * headroom_min), + stall_boost_pct% of ws while it stalls in reclaim, and
 * never closer to memory.max than max(cache_room_pct% of max,
 * cache_room_min) so the cgroup can still reclaim its own cache instead
 * of being OOM-killed at its limit.
 *
 * memory.high (only with set_high, only below a limit): Kubernetes'
 * request + factor * (limit - request), the request being the protection.
 *
 * Node budget: the sum of memory.min the daemon asks for never exceeds
 * the budget; it goes to the tiers by priority, and the first tier that
 * does not fit is scaled down in proportion, those after it get nothing.
 *
 * Squeeze (batch tiers), one step per interval while a protected cgroup
 * stalls: memory.reclaim of step bytes; after reclaim_steps steps without
 * relief (calm shorter than release_delay does not count as relief: a
 * stall that comes and goes is one episode), memory.high lowered a step
 * below what it uses. Never below
 * max(floor, unreclaimable + livelock_margin), never more than a step at
 * a time; a cgroup throttled at its lowered memory.high for more than
 * livelock_permille of the time gets a step back at once (the livelock
 * Kubernetes' Memory QoS was cancelled over). Once calm for
 * release_delay, memory.high goes back up a step per interval until it
 * no longer constrains, then its original value is restored.
 */
#ifndef MEMQOS_POLICY_H
#define MEMQOS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon_config.h"

#define POL_UNLIMITED	UINT64_MAX
#define WS_SAMPLES	64

struct ws_sample {
	uint64_t t_ms;		/* monotonic */
	uint64_t usage;
	uint64_t anon;		/* anon + shmem */
	uint64_t cache;		/* file cache it re-uses, see above */
	uint64_t refaults;	/* workingset_refault_anon + _file, count */
	uint64_t stall_us;	/* reclaim and throttle stalls, cumulative */
};

/* Samples of one cgroup over the window, oldest first. */
struct ws_window {
	struct ws_sample s[WS_SAMPLES];
	unsigned int first, n;
};

struct ws_estimate {
	uint64_t ws;
	uint64_t resident;	/* max of anon + cache */
	uint64_t peak_usage;	/* max of usage */
	uint64_t refault_bytes;	/* faulted back in over the window */
	uint64_t boost;		/* the refault boost counted in ws */
	uint32_t stall_permille;	/* over the window */
	uint32_t recent_permille;	/* over the last interval */
};

/*
 * Add @s, dropping samples older than @window_ms before it. A counter
 * that went backwards (reset, or a new cgroup under an old id) restarts
 * the window.
 */
void ws_add(struct ws_window *w, const struct ws_sample *s,
	    uint64_t window_ms);
void ws_estimate(const struct ws_window *w, uint64_t page,
		 struct ws_estimate *e);

/* Refault boost of one cgroup, kept across passes. */
struct ws_boost {
	uint64_t bytes;
	uint64_t refaults;	/* counter at the last update */
	uint64_t t_ms;		/* last update */
	uint64_t calm_since_ms;	/* no refaults since, if !refaulting */
	bool refaulting;	/* grew at the last update */
	bool primed;
};

/*
 * Update @b at @now_ms from the cgroup's refault counter @refaults, its
 * @usage and the protection @prot it has now, capped at @cap (the peak
 * usage). Returns the bytes it grew by this update.
 */
uint64_t ws_boost_update(const struct mq_tier_cfg *t, struct ws_boost *b,
			 uint64_t now_ms, uint64_t refaults, uint64_t usage,
			 uint64_t prot, uint64_t cap, uint64_t page);

/* Count @boost in @e's working set, see above. */
void ws_apply_boost(struct ws_estimate *e, uint64_t boost, uint64_t page);

/* memory.min or memory.low for a cgroup of tier @t whose max is @max. */
uint64_t pol_protection(const struct mq_tier_cfg *t,
			const struct ws_estimate *e, uint64_t max, bool stalled,
			uint64_t page);

/* Kubernetes' memory.high; POL_UNLIMITED without a limit above @request. */
uint64_t pol_k8s_high(uint64_t request, uint64_t limit,
		      unsigned int factor_pct, uint64_t page);

/* Whether @cur should be rewritten to @want (more than @pct% apart). */
bool pol_changed(uint64_t cur, uint64_t want, unsigned int pct);

struct budget_item {
	int parent;		/* nearest protected ancestor, -1: none */
	unsigned int priority;	/* its tier's */
	uint64_t demand;
	uint64_t granted;	/* out */
};

/*
 * Grant @items (parents before children) at most @budget in total, see
 * above. Nested items need no budget of their own, their outermost
 * ancestor covers them: it counts max(own, children's) and they are
 * scaled like it. Returns how many items got less than they asked.
 */
unsigned int pol_budget(struct budget_item *items, size_t n, uint64_t budget,
			uint64_t page);

/*
 * Ancestor coverage: memory.min/low of a cgroup only protects as far as
 * every ancestor's does (mm/page_counter.c: a child's effective value is
 * capped by its parent's, shared by the siblings' claims). For each
 * node, parents first: base (what it has or is given) and parent index;
 * out: final = max(base, sum of the children's finals) where @raise.
 */
struct cover_node {
	int parent;		/* -1 for the root's children */
	uint64_t base;
	uint64_t final;		/* out */
	bool raised;		/* out: final > base */
};
void pol_cover(struct cover_node *nodes, size_t n, bool raise);

struct squeeze_state {
	bool active;		/* memory.high lowered by us */
	uint64_t high;		/* its value while active */
	uint64_t start_usage;	/* usage when the squeeze began */
	unsigned int steps;	/* reclaim steps under this pressure */
	uint64_t last_ms;	/* last step taken */
	uint64_t calm_since_ms;	/* 0: under pressure */
};

struct squeeze_in {
	uint64_t now_ms;
	bool pressure;		/* a protected cgroup stalls in reclaim */
	uint64_t usage;
	uint64_t unreclaimable;	/* what reclaim cannot take from it */
	uint64_t orig_high;	/* the admin's memory.high */
	uint32_t throttle_permille; /* its own stall at memory.high */
	uint64_t interval_ms;
	uint64_t release_delay_ms;
};

struct squeeze_out {
	uint64_t reclaim;	/* bytes for memory.reclaim, 0: none */
	uint64_t high;		/* memory.high it should have now */
	const char *why;	/* of this step, NULL if none */
};

void squeeze_step(const struct mq_tier_cfg *t, struct squeeze_state *st,
		  const struct squeeze_in *in, uint64_t page,
		  struct squeeze_out *out);

/* The lowest memory.high a squeeze may set. */
uint64_t squeeze_floor(const struct mq_tier_cfg *t, uint64_t unreclaimable,
		       uint64_t page);

#endif /* MEMQOS_POLICY_H */
