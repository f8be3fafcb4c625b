// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: the main loop and one pass, see daemon.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <linux/memqos.h>

#include "attrib.h"
#include "attribquery.h"
#include "cgfs.h"
#include "cgquery.h"
#include "classify.h"
#include "daemon.h"
#include "daemon_config.h"
#include "nl.h"
#include "policy.h"
#include "signal_fd.h"
#include "state.h"
#include "units.h"

#define MAX_DEPTH	64

enum cg_file { F_MIN, F_LOW, F_HIGH, NR_FILES };

static const char *const file_names[NR_FILES] = {
	[F_MIN] = "memory.min",
	[F_LOW] = "memory.low",
	[F_HIGH] = "memory.high",
};

/* What the kernel says about one cgroup now. */
struct levels {
	uint64_t usage, anon, shmem, file, active_file, slab_recl, kmem;
	uint64_t refaults, stall_us, throttle_us;
	uint64_t max, cur[NR_FILES];
};

/* Per tiered cgroup, kept across passes (keyed by cgroup id). */
struct rt {
	uint64_t id;
	struct ws_window win;
	struct ws_boost boost;
	struct squeeze_state sq;
	bool ev_pressured;	/* the module's pressure event */
	bool pressured;		/* event or own measure, last pass */
	uint64_t aggressor;	/* the last one logged while it stalls */
	bool aggressor_known;
	uint64_t last_throttle_us, last_ms;
	unsigned int seen;	/* pass number */
	bool from_files;	/* its levels' source, last pass */
};

/* An owner's tag the daemon said it ignores (keyed by cgroup id). */
struct note {
	uint64_t id;
	enum owner_verdict verdict;
	unsigned int seen;	/* pass number */
};

#define MAX_NOTES	4096

/* One cgroup in this pass. */
struct dcg {
	char *rel;
	uint64_t id;
	int parent;
	int root_depth;			/* cgfs_node */
	struct tier_result tr;
	bool has_levels;
	bool from_files;		/* memory.stat and memory.pressure */
	struct levels lv;
	struct rt *rt;
	struct ws_estimate est;
	/* the plan */
	bool manage[NR_FILES];
	uint64_t want[NR_FILES];
	bool exact[NR_FILES];		/* no change_pct slack */
	char why[NR_FILES][160];
	uint64_t reclaim;
	const char *reclaim_why;
	uint64_t harm;			/* batch: recent pages it took from
					 * stalling protected cgroups
					 */
	bool protected_below;		/* a protected cgroup in its subtree */
};

struct daemon {
	struct memqos_nl *nl;		/* requests; opened on first use */
	const struct daemon_opts *o;
	struct daemon_cfg cfg;
	char cfg_name[PATH_MAX];
	struct cgfs fs;
	struct state st;
	char state_path[PATH_MAX + 16];
	bool module;
	struct memqos_nl *ev;
	bool ev_warned;		/* joining the events failed, logged */
	struct rt *rts;
	size_t n_rts, cap_rts;
	struct note *notes;	/* MAX_NOTES */
	size_t n_notes;
	uint64_t page, ram;
	unsigned int pass_no;
	bool pressure;		/* a protected cgroup stalled, last pass */
	bool squeezing;		/* a batch cgroup has a lowered high */
	bool react;		/* a pressure event asks for a pass now */
	unsigned int last_scaled;
	bool warned_cover;
	bool no_attrib;		/* the module has no reclaim attribution */
	bool attrib_warned;	/* said that it has none now */
	int mglru;		/* Multi-Gen LRU on (1), off (0), unknown (-1) */
	bool targeted;		/* squeeze the aggressors only */
	bool state_dirty;
	int lock_fd;		/* state_dir/lock, held while it runs */
	int sfd;		/* SIGTERM, SIGINT, SIGHUP */
	/* this pass */
	struct dcg *cg;
	size_t n, cap;
	int depth_idx[MAX_DEPTH];
	struct cg_list list;
	bool swap;
	unsigned int changes, failures;
};

/* ---- logging ---- */

__attribute__((format(printf, 3, 4)))
static void dlog(struct daemon *d, int prio, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fputs("memqos daemon: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (d->cfg.syslog) {
		va_start(ap, fmt);
		vsyslog(prio, fmt, ap);
		va_end(ap);
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *size_str(uint64_t v, char *buf)
{
	if (v == UINT64_MAX)
		return "max";
	return units_format_bytes(buf, UNITS_BUF_SIZE, v);
}

/* ---- the walk ---- */

static int add_cg(const struct cgfs_node *n, void *data)
{
	struct daemon *d = data;
	int depth = n->depth;
	struct dcg *c;

	if (depth >= MAX_DEPTH)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dcg *n = realloc(d->cg, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->cg = n;
		d->cap = cap;
	}
	c = &d->cg[d->n];
	memset(c, 0, sizeof(*c));
	c->rel = strdup(n->rel);
	if (!c->rel)
		return -ENOMEM;
	c->id = n->st.st_ino;
	c->root_depth = n->root_depth;
	c->parent = depth ? d->depth_idx[depth - 1] : -1;
	d->depth_idx[depth] = (int)d->n;
	d->n++;
	return 0;
}

static void free_pass(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->cg[i].rel);
	d->n = 0;
	cg_list_free(&d->list);
}

/*
 * The trusted sources' tier, and what the owner's tag asks, which an
 * admin hears about once per cgroup when it is ignored: an upgrade from
 * owners' tags that raised tiers changes protection.
 */
static void note_owner_tag(struct daemon *d, struct dcg *c, const char *tag)
{
	char text[CFG_NAME_LEN + 192];
	struct note *nt = NULL;
	size_t i;

	for (i = 0; i < d->n_notes; i++)
		if (d->notes[i].id == c->id)
			nt = &d->notes[i];
	if (!nt && d->n_notes < MAX_NOTES) {
		nt = &d->notes[d->n_notes++];
		nt->id = c->id;
		nt->verdict = OWNER_UNSET;
	}
	if (!nt)
		return;
	nt->seen = d->pass_no;
	if (nt->verdict == c->tr.owner)
		return;
	nt->verdict = c->tr.owner;
	if (c->tr.owner != OWNER_RAISE && c->tr.owner != OWNER_UNKNOWN)
		return;
	classify_owner_text(&d->cfg, &c->tr, tag, text, sizeof(text));
	dlog(d, LOG_WARNING, "%s: %s; root's tag is %s ('memqos tier set')",
	     c->rel, text, d->cfg.tier_xattr);
}

static void classify_all(struct daemon *d)
{
	char tag[CFG_NAME_LEN + 1], owner[CFG_NAME_LEN + 1];
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		struct classify_in in = { c->rel, NULL, NULL, c->root_depth };
		int fd;

		if (!i) {
			/* the root is never managed */
			in.tag = "none";
			classify(&d->cfg, &in, &c->tr);
			continue;
		}
		/* the tags of the cgroup walked, not of one made since */
		fd = cgfs_cg_open(&d->fs, c->rel, c->id);
		in.tag = cgfs_read_tag(fd, d->cfg.tier_xattr, tag, sizeof(tag));
		in.owner_tag = cgfs_read_tag(fd, d->cfg.owner_tier_xattr, owner,
					sizeof(owner));
		if (fd >= 0)
			close(fd);
		classify(&d->cfg, &in, &c->tr);
		if (in.owner_tag)
			note_owner_tag(d, c, in.owner_tag);
	}
	/* forget the notes of cgroups gone or untagged */
	for (i = 0; i < d->n_notes; ) {
		if (d->notes[i].seen != d->pass_no)
			d->notes[i] = d->notes[--d->n_notes];
		else
			i++;
	}
}

/* ---- levels ---- */

static void levels_from_rec(struct levels *lv, const struct cg_rec *r)
{
	lv->usage = cg_val(r, MEMQOS_A_CGROUP_USAGE_BYTES);
	lv->anon = cg_val(r, MEMQOS_A_CGROUP_ANON_BYTES);
	lv->shmem = cg_val(r, MEMQOS_A_CGROUP_SHMEM_BYTES);
	lv->file = cg_val(r, MEMQOS_A_CGROUP_FILE_BYTES);
	lv->active_file = cg_val(r, MEMQOS_A_CGROUP_ACTIVE_FILE_BYTES);
	lv->slab_recl = cg_val(r, MEMQOS_A_CGROUP_SLAB_RECLAIMABLE_BYTES);
	lv->kmem = cg_val(r, MEMQOS_A_CGROUP_KMEM_BYTES);
	lv->refaults = cg_val(r, MEMQOS_A_CGROUP_WORKINGSET_REFAULT_ANON) +
		       cg_val(r, MEMQOS_A_CGROUP_WORKINGSET_REFAULT_FILE);
	lv->stall_us = cg_stall_us(r);
	lv->throttle_us = cg_val(r, MEMQOS_A_CGROUP_HIGH_THROTTLE_US);
	lv->max = cg_val(r, MEMQOS_A_CGROUP_MAX_BYTES);
	lv->cur[F_MIN] = cg_val(r, MEMQOS_A_CGROUP_MIN_BYTES);
	lv->cur[F_LOW] = cg_val(r, MEMQOS_A_CGROUP_LOW_BYTES);
	lv->cur[F_HIGH] = cg_val(r, MEMQOS_A_CGROUP_HIGH_BYTES);
}

/* @c's levels from its cgroupfs files, if it is still the one walked. */
static int levels_from_files(struct daemon *d, const struct dcg *c,
			     struct levels *lv)
{
	static const char *const keys[] = {
		"anon", "shmem", "file", "active_file", "slab_reclaimable",
		"slab_unreclaimable", "kernel_stack", "pagetables",
		"workingset_refault_anon", "workingset_refault_file",
	};
	uint64_t v[sizeof(keys) / sizeof(keys[0])] = { };
	int err, f, dfd = cgfs_cg_open(&d->fs, c->rel, c->id);

	if (dfd < 0)
		return dfd;
	err = cgfs_read_keyed_at(dfd, "memory.stat", keys, v,
				 sizeof(keys) / sizeof(keys[0]));
	if (err)
		goto out;
	lv->anon = v[0];
	lv->shmem = v[1];
	lv->file = v[2];
	lv->active_file = v[3];
	lv->slab_recl = v[4];
	lv->kmem = v[4] + v[5] + v[6] + v[7];
	lv->refaults = v[8] + v[9];
	err = cgfs_read_u64_at(dfd, "memory.current", &lv->usage);
	if (!err)
		err = cgfs_read_u64_at(dfd, "memory.max", &lv->max);
	for (f = 0; !err && f < NR_FILES; f++)
		err = cgfs_read_u64_at(dfd, file_names[f], &lv->cur[f]);
	/* PSI "some" stands in for the module's stall and throttle time */
	if (!err && !cgfs_read_psi_some_at(dfd, "memory.pressure",
					   &lv->stall_us))
		lv->throttle_us = lv->stall_us;
out:
	close(dfd);
	return err;
}

static void module_gone(struct daemon *d, const char *what, int err);
static void module_rejoin(struct daemon *d);

static void read_levels(struct daemon *d)
{
	size_t i;
	int err;

	if (d->module) {
		err = cgq_dump(&d->nl, &d->list);
		if (err)
			module_gone(d, "dump", err);
	}
	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct cg_rec *r;

		r = d->module ? cg_list_find(&d->list, c->id) : NULL;
		if (r && r->tracked) {
			levels_from_rec(&c->lv, r);
			c->has_levels = true;
			continue;
		}
		/*
		 * The module has no record of it (its table was full when
		 * the cgroup was made) or it is not in the dump: its stall
		 * counters would read 0, so the kernel's files stand in.
		 */
		c->from_files = true;
		c->has_levels = !levels_from_files(d, c, &c->lv);
	}
}

/* 1 if the Multi-Gen LRU is on, 0 if off, -1 if this kernel has none. */
static int mglru_enabled(void)
{
	char buf[32];

	if (cgfs_read("/sys/kernel/mm/lru_gen/enabled", buf, sizeof(buf)))
		return -1;
	return strtoul(buf, NULL, 16) & 1;
}

/*
 * Which LRU the kernel runs now (it can be switched at any time): under
 * the Multi-Gen LRU, working sets count all file cache (policy.h).
 */
static void note_lru(struct daemon *d)
{
	int on = mglru_enabled();

	if (on != d->mglru && d->pass_no > 1)
		dlog(d, LOG_INFO, "Multi-Gen LRU %s: working sets count %s",
		     on == 1 ? "on" : "off",
		     on == 1 ? "all file cache" : "the active file cache");
	d->mglru = on;
}

static bool swap_available(void)
{
	static const char *const keys[] = { "SwapFree:" };
	uint64_t free_kb = 0;
	char buf[8192], *p, *line;
	FILE *fp = fopen("/proc/meminfo", "re");
	size_t n;

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	p = buf;
	while ((line = strsep(&p, "\n")))
		if (!strncmp(line, keys[0], strlen(keys[0])))
			free_kb = strtoull(line + strlen(keys[0]), NULL, 10);
	return free_kb > 0;
}

/* ---- runtime state ---- */

static struct rt *rt_get(struct daemon *d, uint64_t id, bool create)
{
	size_t i;

	for (i = 0; i < d->n_rts; i++)
		if (d->rts[i].id == id)
			return &d->rts[i];
	if (!create)
		return NULL;
	if (d->n_rts == d->cap_rts) {
		size_t cap = d->cap_rts ? d->cap_rts * 2 : 32;
		struct rt *n = realloc(d->rts, cap * sizeof(*n));

		if (!n)
			return NULL;
		d->rts = n;
		d->cap_rts = cap;
	}
	memset(&d->rts[d->n_rts], 0, sizeof(d->rts[0]));
	d->rts[d->n_rts].id = id;
	return &d->rts[d->n_rts++];
}

/* Forget the cgroups this pass did not see: they are gone. */
static void rt_prune(struct daemon *d)
{
	size_t i = 0;

	while (i < d->n_rts) {
		if (d->rts[i].seen != d->pass_no)
			d->rts[i] = d->rts[--d->n_rts];
		else
			i++;
	}
}

static bool tier_protects(const struct tier_cfg *t)
{
	return t->action == TIER_MIN || t->action == TIER_LOW;
}

static const struct tier_cfg *tier_of(const struct daemon *d,
				      const struct dcg *c)
{
	return c->tr.tier == CFG_NO_TIER ? NULL : &d->cfg.tiers[c->tr.tier];
}

/* ---- the plan ---- */

__attribute__((format(printf, 4, 5)))
static void plan(struct dcg *c, enum cg_file f, uint64_t v,
		 const char *fmt, ...)
{
	va_list ap;

	c->manage[f] = true;
	c->want[f] = v;
	va_start(ap, fmt);
	vsnprintf(c->why[f], sizeof(c->why[f]), fmt, ap);
	va_end(ap);
}

static void source_text(const struct daemon *d, const struct dcg *c,
			char *buf, size_t len)
{
	classify_source_text(&d->cfg, &c->tr, buf, len);
}

/* Measure every tiered cgroup and size its protection. */
static void measure(struct daemon *d, uint64_t now)
{
	uint64_t window_ms = (uint64_t)d->cfg.window_s * 1000, grew;
	char b1[UNITS_BUF_SIZE], b2[UNITS_BUF_SIZE], b3[UNITS_BUF_SIZE];
	char b4[UNITS_BUF_SIZE];
	enum cg_file f;
	size_t i;

	d->pressure = false;
	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct tier_cfg *t = tier_of(d, c);
		struct ws_sample s;
		struct ws_estimate e;
		bool switched;

		if (!t || !c->has_levels)
			continue;
		c->rt = rt_get(d, c->id, true);
		if (!c->rt)
			continue;
		switched = c->rt->seen && c->rt->from_files != c->from_files;
		if (switched) {
			/* stall time from PSI and from the module differ */
			memset(&c->rt->win, 0, sizeof(c->rt->win));
			c->rt->last_ms = 0;
		}
		if (d->module && (switched || (!c->rt->seen && c->from_files)))
			dlog(d, LOG_INFO, "%s: %s", c->rel, c->from_files ?
			     "not tracked by the module: levels from memory.stat, pressure from memory.pressure" :
			     "tracked by the module again");
		c->rt->from_files = c->from_files;
		c->rt->seen = d->pass_no;
		s.t_ms = now;
		s.usage = c->lv.usage;
		s.anon = c->lv.anon + c->lv.shmem;
		/* memory.stat's file includes shmem, counted in anon */
		s.cache = d->mglru != 1 ? c->lv.active_file :
			  c->lv.file > c->lv.shmem ? c->lv.file - c->lv.shmem : 0;
		s.refaults = c->lv.refaults;
		s.stall_us = c->lv.stall_us;
		ws_add(&c->rt->win, &s, window_ms);
		ws_estimate(&c->rt->win, d->page, &e);
		c->rt->pressured = c->rt->ev_pressured ||
				   e.recent_permille >= d->cfg.pressure_permille;
		if (tier_protects(t) && c->rt->pressured)
			d->pressure = true;
		if (!tier_protects(t))
			continue;
		f = t->action == TIER_MIN ? F_MIN : F_LOW;
		grew = ws_boost_update(t, &c->rt->boost, now, c->lv.refaults,
				       c->lv.usage, c->lv.cur[f],
				       e.resident > e.peak_usage ?
				       e.resident : e.peak_usage,
				       d->page);
		ws_apply_boost(&e, c->rt->boost.bytes, d->page);
		if (grew && d->o->verbose)
			dlog(d, LOG_DEBUG,
			     "%s refaults with %s %s, usage %s: refault boost +%s, now %s",
			     c->rel, file_names[f], size_str(c->lv.cur[f], b1),
			     size_str(c->lv.usage, b2), size_str(grew, b3),
			     size_str(e.boost, b4));
		c->want[f] = pol_protection(t, &e, c->lv.max,
					    e.stall_permille >=
					    d->cfg.pressure_permille, d->page);
		c->est = e;
	}
}

static void size_protection(struct daemon *d)
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
		const struct tier_cfg *t = tier_of(d, &d->cg[i]);
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
	if (scaled != d->last_scaled) {
		if (scaled)
			dlog(d, LOG_WARNING,
			     "node budget: memory.min demands of %s exceed %s (%u%% of %s RAM): %u cgroups scaled down by tier priority",
			     size_str(demand, b1), size_str(budget, b2),
			     d->cfg.min_budget_pct, size_str(d->ram, b3),
			     scaled);
		else
			dlog(d, LOG_INFO,
			     "node budget: memory.min demands fit again (%s of %s)",
			     size_str(demand, b1), size_str(budget, b2));
		d->last_scaled = scaled;
	}

	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct tier_cfg *t = tier_of(d, c);
		uint64_t prot, high;
		enum cg_file f;

		if (!t || !tier_protects(t) || !c->rt)
			continue;
		f = t->action == TIER_MIN ? F_MIN : F_LOW;
		prot = c->want[f];
		source_text(d, c, src, sizeof(src));
		if (f == F_MIN && items[item_of[i]].granted < prot) {
			plan(c, f, items[item_of[i]].granted,
			     "%s (%s): working set %s, wants %s, scaled to fit the node budget",
			     t->name, src, size_str(c->est.ws, b1),
			     size_str(prot, b2));
			prot = c->want[f];
		} else {
			plan(c, f, prot,
			     "%s (%s): working set %s (refaulted %s, boost %s, stalled %u.%u%%) + headroom",
			     t->name, src, size_str(c->est.ws, b1),
			     size_str(c->est.refault_bytes, b2),
			     size_str(c->est.boost, b3),
			     c->est.stall_permille / 10,
			     c->est.stall_permille % 10);
		}
		if (!t->set_high)
			continue;
		high = pol_k8s_high(prot, c->lv.max, t->high_factor_pct,
				    d->page);
		if (high != POL_UNLIMITED)
			plan(c, F_HIGH, high,
			     "%s: protection + %u%% of (memory.max %s - protection)",
			     t->name, t->high_factor_pct,
			     size_str(c->lv.max, b1));
	}
out:
	free(items);
	free(item_of);
}

/* The original value of @f for @c: the state's, else what it has now. */
static uint64_t original(struct daemon *d, const struct dcg *c,
			 enum cg_file f)
{
	struct state_ent *e = state_find(&d->st, c->rel, file_names[f]);
	uint64_t v;

	if (e && e->id == c->id) {
		if (!strcmp(e->value, "max"))
			return UINT64_MAX;
		if (sscanf(e->value, "%" SCNu64, &v) == 1)
			return v;
	}
	return c->lv.cur[f];
}

/* What reclaim cannot take from @c. */
static uint64_t unreclaimable(const struct daemon *d, const struct dcg *c)
{
	uint64_t u = c->lv.kmem - (c->lv.kmem > c->lv.slab_recl ?
				   c->lv.slab_recl : c->lv.kmem);

	if (!d->swap)
		u += c->lv.anon + c->lv.shmem;
	return u;
}

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
	struct attrib_list list = { };
	struct attrib_aggressor top;
	char b[UNITS_BUF_SIZE];
	size_t i, j;
	int err;

	d->targeted = false;
	if (!d->pressure || !d->module || d->no_attrib)
		return;
	err = attribq_dump(&d->nl, &list);
	if (err) {
		/* ENODATA may pass (attrib.c): said once, tried again */
		if (!d->attrib_warned)
			dlog(d, LOG_WARNING,
			     "no reclaim attribution from the module (%s): every batch cgroup squeezed alike",
			     strerror(-err));
		d->attrib_warned = true;
		d->no_attrib = err == -EOPNOTSUPP;
		attrib_list_free(&list);
		return;
	}
	d->attrib_warned = false;
	for (i = 1; i < d->n; i++) {
		struct dcg *v = &d->cg[i];
		const struct tier_cfg *t = tier_of(d, v);

		if (!t || !tier_protects(t) || !v->rt)
			continue;
		if (!v->rt->pressured) {
			v->rt->aggressor_known = false;
			continue;
		}
		for (j = 0; j < list.n; j++) {
			const struct attrib_pair *p = &list.pairs[j];
			struct dcg *a;

			if (p->victim != v->id || p->reclaimer == v->id ||
			    !p->recent)
				continue;
			a = find_cg(d, p->reclaimer);
			if (a && a->rt && tier_of(d, a) &&
			    tier_of(d, a)->action == TIER_SQUEEZE)
				a->harm += p->recent;
		}
		if (!attrib_aggressor(&list, v->id, &top) ||
		    (v->rt->aggressor_known &&
		     top.reclaimer == v->rt->aggressor))
			continue;
		v->rt->aggressor = top.reclaimer;
		v->rt->aggressor_known = true;
		dlog(d, LOG_INFO, "%s stalls in reclaim; its main aggressor: %s (%s reclaimed from it recently)",
		     v->rel, attrib_reclaimer_name(top.reclaimer, top.path),
		     size_str(top.recent * d->page, b));
	}
	attrib_list_free(&list);
	for (i = 1; i < d->n; i++) {
		struct dcg *a = &d->cg[i];
		const struct tier_cfg *t = tier_of(d, a);

		/* one that is down to its floor cannot give more */
		if (a->harm && a->lv.usage >
		    squeeze_floor(t, unreclaimable(d, a), d->page))
			d->targeted = true;
	}
}

static void squeeze(struct daemon *d, uint64_t now)
{
	size_t i;

	d->squeezing = false;
	find_aggressors(d);
	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct tier_cfg *t = tier_of(d, c);
		struct squeeze_in in = { };
		struct squeeze_out out;
		uint64_t elapsed;
		char src[CFG_GLOB_LEN + 128];
		bool was_active;

		if (!t || t->action != TIER_SQUEEZE || !c->rt)
			continue;
		source_text(d, c, src, sizeof(src));
		plan(c, F_LOW, 0, "%s (%s): batch tiers have no memory.low",
		     t->name, src);
		c->exact[F_LOW] = true;

		in.now_ms = now;
		/* the aggressors first, if any can still give */
		in.pressure = d->pressure && (!d->targeted || c->harm);
		in.usage = c->lv.usage;
		in.unreclaimable = unreclaimable(d, c);
		in.orig_high = original(d, c, F_HIGH);
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
		squeeze_step(t, &c->rt->sq, &in, d->page, &out);
		if (out.reclaim) {
			c->reclaim = out.reclaim;
			c->reclaim_why = d->targeted ?
				"it reclaims from a protected cgroup that stalls, squeezed first" :
				out.why;
		}
		/* the last release step says why the original is back */
		if (c->rt->sq.active || was_active ||
		    out.high != in.orig_high) {
			plan(c, F_HIGH, out.high, "%s: %s", t->name,
			     out.why ? out.why : "squeezed");
			c->exact[F_HIGH] = true;
			d->squeezing |= c->rt->sq.active;
		}
	}
}

/* Ancestors must cover their protected descendants' min and low. */
static void cover(struct daemon *d)
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
						    original(d, c, f) : 0;
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
			plan(c, f, nodes[i - 1].final,
			     "covers the %s of protected descendants (%s)",
			     file_names[f], size_str(nodes[i - 1].final, b));
		}
	}
	if (uncovered && !d->warned_cover)
		dlog(d, LOG_WARNING,
		     "ancestors = off: %u ancestors do not cover their descendants' protection, which is then partly ineffective",
		     uncovered);
	d->warned_cover = uncovered;
	free(nodes);
}

/* ---- applying ---- */

/*
 * A file of a removed cgroup: ENOENT to open by path or relative to its
 * directory still open, ENODEV to read or write once open.
 */
static bool gone(int err)
{
	return err == -ENOENT || err == -ENODEV;
}

static bool save_state(struct daemon *d)
{
	int err = state_save(&d->st, d->state_path);

	if (err) {
		dlog(d, LOG_ERR, "cannot write %s: %s", d->state_path,
		     strerror(-err));
		return false;
	}
	d->state_dirty = false;
	return true;
}

/* Forget the originals recorded for @rel, saying why. */
static void drop_entries(struct daemon *d, const char *rel, const char *why)
{
	unsigned int n = 0;
	size_t i = 0;

	while (i < d->st.n) {
		if (!strcmp(d->st.e[i].path, rel)) {
			state_del(&d->st, i);
			d->state_dirty = true;
			n++;
		} else {
			i++;
		}
	}
	if (n)
		dlog(d, LOG_INFO, "%s: %s, %u original values forgotten", rel,
		     why, n);
}

/*
 * Set file @f of @c to what the plan wants, through @dfd, its directory
 * opened and checked to be the cgroup measured: a cgroup removed and made
 * again at its path meanwhile is another, never written.
 */
static void apply_one(struct daemon *d, struct dcg *c, int dfd,
		      enum cg_file f)
{
	struct state_ent *e = state_find(&d->st, c->rel, file_names[f]);
	char cur_s[CGFS_VALUE_LEN], want_s[CGFS_VALUE_LEN];
	const char *name = file_names[f];
	uint64_t cur;
	int err;

	if (e && e->id != c->id) {
		/* a new cgroup under an old name: not ours to restore */
		drop_entries(d, c->rel, "a new cgroup at this path");
		e = NULL;
	}
	if (e)
		e->mark = d->pass_no;
	err = cgfs_read_at(dfd, name, cur_s, sizeof(cur_s));
	if (!err && cgfs_read_u64_at(dfd, name, &cur))
		err = -EINVAL;
	if (gone(err)) {
		drop_entries(d, c->rel, "cgroup vanished");
		return;
	}
	if (err) {
		dlog(d, LOG_ERR, "read %s %s: %s", c->rel, name,
		     strerror(-err));
		d->failures++;
		return;
	}
	if (c->exact[f] ? cur == c->want[f] :
	    !pol_changed(cur, c->want[f], d->cfg.change_pct))
		return;
	cgfs_fmt(c->want[f], want_s, sizeof(want_s));
	if (d->o->dry_run) {
		printf("would set %s %s: %s -> %s (%s)\n", c->rel, name,
		       cur_s, want_s, c->why[f]);
		d->changes++;
		return;
	}
	if (!e) {
		/* the original goes to disk before the file changes */
		err = state_add(&d->st, c->id, c->rel, name, cur_s);
		if (err) {
			dlog(d, LOG_ERR, "%s %s: cannot record the original: %s",
			     c->rel, name, strerror(-err));
			d->failures++;
			return;
		}
		d->st.e[d->st.n - 1].mark = d->pass_no;
		if (!save_state(d)) {
			state_del(&d->st, d->st.n - 1);
			dlog(d, LOG_ERR, "%s %s left at %s: its original could not be recorded",
			     c->rel, name, cur_s);
			d->failures++;
			return;
		}
	}
	err = cgfs_write_at(dfd, name, want_s);
	if (gone(err)) {
		drop_entries(d, c->rel, "cgroup vanished");
		return;
	}
	if (err) {
		dlog(d, LOG_ERR, "write %s %s: %s -> %s: %s (%s)", c->rel, name,
		     cur_s, want_s, strerror(-err), c->why[f]);
		d->failures++;
		return;
	}
	d->changes++;
	dlog(d, LOG_INFO, "%s %s: %s -> %s (%s)", c->rel, name, cur_s,
	     want_s, c->why[f]);
}

static void reclaim(struct daemon *d, struct dcg *c, int dfd)
{
	char amount[CGFS_VALUE_LEN], b[UNITS_BUF_SIZE];
	int err;

	if (d->o->dry_run) {
		printf("would reclaim %s from %s (%s)\n",
		       size_str(c->reclaim, b), c->rel, c->reclaim_why);
		return;
	}
	cgfs_fmt(c->reclaim, amount, sizeof(amount));
	err = cgfs_write_at(dfd, "memory.reclaim", amount);
	/* EAGAIN: it could not reclaim that much, the next step lowers high */
	if (err && err != -EAGAIN && !gone(err)) {
		dlog(d, LOG_ERR, "write %s memory.reclaim: %s: %s", c->rel,
		     amount, strerror(-err));
		d->failures++;
		return;
	}
	dlog(d, LOG_INFO, "%s memory.reclaim %s%s (%s)", c->rel,
	     size_str(c->reclaim, b), err == -EAGAIN ? ", partly" : "",
	     c->reclaim_why);
}

/* What the plan wants of @c, written only to the cgroup it measured. */
static void apply(struct daemon *d, struct dcg *c)
{
	bool any = c->reclaim;
	enum cg_file f;
	int dfd;

	for (f = 0; f < NR_FILES; f++)
		any |= c->manage[f];
	if (!any)
		return;
	dfd = cgfs_cg_open(&d->fs, c->rel, c->id);
	if (gone(dfd) || dfd == -ESTALE) {
		/* its originals belong to a cgroup that is gone */
		drop_entries(d, c->rel, dfd == -ESTALE ?
			     "removed and made again since it was measured" :
			     "cgroup vanished");
		/* not to be restored into the one there now */
		return;
	}
	if (dfd < 0) {
		dlog(d, LOG_ERR, "open %s: %s", c->rel, strerror(-dfd));
		d->failures++;
		return;
	}
	for (f = 0; f < NR_FILES; f++)
		if (c->manage[f])
			apply_one(d, c, dfd, f);
	if (c->reclaim)
		reclaim(d, c, dfd);
	close(dfd);
}

/* Write @e's original back if its cgroup is still the one we changed. */
static int restore_entry(struct daemon *d, const struct state_ent *e,
			 const char *why)
{
	char cur[CGFS_VALUE_LEN];
	int err, dfd = cgfs_cg_open(&d->fs, e->path, e->id);

	if (gone(dfd) || dfd == -ESTALE) {
		dlog(d, LOG_INFO, "%s %s: %s, original %s not restored",
		     e->path, e->file, dfd == -ESTALE ?
		     "a new cgroup at this path" : "cgroup gone", e->value);
		return 0;
	}
	if (dfd < 0) {
		/* kept, to be tried again */
		dlog(d, LOG_ERR, "restore %s %s: %s", e->path, e->file,
		     strerror(-dfd));
		return dfd;
	}
	if (cgfs_read_at(dfd, e->file, cur, sizeof(cur)))
		cur[0] = '\0';
	err = 0;
	if (!strcmp(cur, e->value))
		goto out;
	if (d->o->dry_run) {
		printf("would set %s %s: %s -> %s (%s)\n", e->path, e->file,
		       cur, e->value, why);
		goto out;
	}
	err = cgfs_write_at(dfd, e->file, e->value);
	if (gone(err)) {
		err = 0;
		goto out;
	}
	if (err) {
		dlog(d, LOG_ERR, "restore %s %s: %s -> %s: %s", e->path,
		     e->file, cur, e->value, strerror(-err));
		goto out;
	}
	dlog(d, LOG_INFO, "%s %s: %s -> %s (%s)", e->path, e->file, cur,
	     e->value, why);
out:
	close(dfd);
	return err;
}

/* Originals of the files this pass did not manage go back. */
static void restore_unmanaged(struct daemon *d)
{
	size_t i = 0;

	while (i < d->st.n) {
		struct state_ent *e = &d->st.e[i];

		if (e->mark == d->pass_no) {
			i++;
			continue;
		}
		if (restore_entry(d, e, "original, no longer managed")) {
			/* kept: retried next pass */
			d->failures++;
			i++;
			continue;
		}
		if (d->o->dry_run) {
			i++;
			continue;
		}
		state_del(&d->st, i);
		d->state_dirty = true;
	}
}

static int pass(struct daemon *d)
{
	uint64_t now = now_ms();
	size_t i;
	int err;

	d->pass_no++;
	d->changes = d->failures = 0;
	d->react = false;
	free_pass(d);
	err = cgfs_walk(&d->fs, add_cg, d);
	if (err) {
		dlog(d, LOG_ERR, "walking %s: %s", d->fs.root, strerror(-err));
		return err;
	}
	d->swap = swap_available();
	note_lru(d);
	classify_all(d);
	module_rejoin(d);
	read_levels(d);
	measure(d, now);
	size_protection(d);
	squeeze(d, now);
	cover(d);
	rt_prune(d);

	for (i = 1; i < d->n; i++)
		apply(d, &d->cg[i]);
	restore_unmanaged(d);
	if (d->state_dirty && !d->o->dry_run)
		save_state(d);
	if (d->o->verbose || d->o->dry_run || d->o->once)
		dlog(d, LOG_DEBUG,
		     "pass %u: %zu cgroups, %u changes, %u failures%s%s",
		     d->pass_no, d->n, d->changes, d->failures,
		     d->pressure ? ", protected cgroups stall" : "",
		     d->squeezing ? ", squeezing batch" : "");
	return 0;
}

/* ---- events ---- */

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemon *d = data;
	const struct nlattr *tb[MEMQOS_A_EVENT_MAX + 1];
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct rt *rt;
	size_t i;

	if (nlh->nlmsg_type != d->ev->family.id ||
	    memqos_nl_parse(nlh, tb, MEMQOS_A_EVENT_MAX) < 0 ||
	    !tb[MEMQOS_A_EVENT_CGROUP_ID] ||
	    mnl_attr_validate(tb[MEMQOS_A_EVENT_CGROUP_ID], MNL_TYPE_U64) < 0)
		return MNL_CB_OK;
	rt = rt_get(d, mnl_attr_get_u64(tb[MEMQOS_A_EVENT_CGROUP_ID]), false);
	if (!rt)
		return MNL_CB_OK;
	if (g->cmd == MEMQOS_CMD_PRESSURE_NTF && tb[MEMQOS_A_EVENT_PRESSURED]) {
		rt->ev_pressured = mnl_attr_get_u8(tb[MEMQOS_A_EVENT_PRESSURED]);
		/* only a protected cgroup's stall asks for a pass now */
		for (i = 0; rt->ev_pressured && i < d->n; i++)
			if (d->cg[i].rt == rt && tier_of(d, &d->cg[i]) &&
			    tier_protects(tier_of(d, &d->cg[i])))
				d->react = true;
	} else if (g->cmd == MEMQOS_CMD_CGROUP_REMOVED_NTF) {
		rt->ev_pressured = false;
	}
	return MNL_CB_OK;
}

static void read_events(struct daemon *d)
{
	char *buf = d->ev->rx_buf;
	ssize_t len;

	for (;;) {
		len = recv(mnl_socket_get_fd(d->ev->sock), buf,
			   MEMQOS_NL_RX_SIZE, MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS) {
			/* lost some: a pass measures for itself */
			d->react = true;
			continue;
		}
		if (len < 0 && errno != EAGAIN && errno != EINTR) {
			module_gone(d, "event socket", -errno);
			return;
		}
		if (len <= 0)
			return;
		mnl_cb_run(buf, len, 0, 0, event_cb, d);
	}
}

/* Socket and membership die with the family: a reload has new ids. */
static int open_events(struct daemon *d)
{
	int err = memqos_nl_open(&d->ev);

	if (!err)
		err = memqos_nl_resolve(d->ev, MEMQOS_FAMILY_NAME);
	if (!err)
		err = memqos_nl_join_mcgrp(d->ev, MEMQOS_MCGRP_EVENTS);
	if (err) {
		memqos_nl_close(d->ev);
		d->ev = NULL;
	}
	return err;
}

static void close_module(struct daemon *d)
{
	memqos_nl_close(d->ev);
	d->ev = NULL;
	/* the next request opens a clean socket and resolves afresh */
	memqos_nl_close(d->nl);
	d->nl = NULL;
	d->module = false;
}

/* Fall back to cgroupfs until module_rejoin() finds the family again. */
static void module_gone(struct daemon *d, const char *what, int err)
{
	bool was = d->module;

	close_module(d);
	d->ev_warned = false;
	if (was)
		dlog(d, LOG_WARNING,
		     "module gone (%s: %s), polling cgroupfs: levels from memory.stat, pressure from memory.pressure",
		     what, strerror(-err));
}

/*
 * Each pass while the module is away (or its events are): a reloaded
 * module raises events only while someone listens, so join again.
 */
static void module_rejoin(struct daemon *d)
{
	int err;

	/*
	 * Unregistering the family drops its groups' members silently, and
	 * a reload between two passes may get the old family id back.
	 */
	if (d->module && d->ev &&
	    !memqos_nl_mcgrp_joined(d->ev, MEMQOS_MCGRP_EVENTS))
		module_gone(d, "dropped from its event group", -ENOENT);
	if (d->module && (d->ev || d->o->once))
		return;
	if (!d->module) {
		err = memqos_nl_ready(&d->nl, MEMQOS_CMD_CGROUP_GET);
		if (err) {
			/* ENOENT: still away; anything else: start afresh */
			if (err != -ENOENT)
				close_module(d);
			return;
		}
		d->module = true;
		if (d->o->once)
			return;
	}
	err = open_events(d);
	if (!err && d->pass_no)
		dlog(d, LOG_INFO, "module back, events rejoined");
	else if (err && !d->ev_warned)
		dlog(d, LOG_WARNING,
		     "cannot join the module's events (%s): pressure measured every pass",
		     strerror(-err));
	d->ev_warned = err != 0;
}

/* ---- start, signals, exit ---- */

static int load_config(struct daemon *d, struct daemon_cfg *cfg,
		       bool report)
{
	const char *path = d->o->config ? d->o->config : CFG_DEFAULT_PATH;
	struct cfg_errors *errs = malloc(sizeof(*errs));
	unsigned int i;
	int err;

	if (!errs)
		return -ENOMEM;
	err = daemon_cfg_load(cfg, path, errs);
	if (err == -ENOENT && !d->o->config) {
		daemon_cfg_defaults(cfg);
		snprintf(d->cfg_name, sizeof(d->cfg_name),
			 "built-in defaults (%s absent)", path);
		free(errs);
		return 0;
	}
	if (err && report) {
		for (i = 0; i < errs->n; i++)
			dlog(d, LOG_ERR, "%s", errs->msg[i]);
		if (errs->total > errs->n)
			dlog(d, LOG_ERR, "... and %u more errors",
			     errs->total - errs->n);
	}
	if (!err)
		snprintf(d->cfg_name, sizeof(d->cfg_name), "%s", path);
	free(errs);
	return err;
}

static void reload(struct daemon *d)
{
	struct daemon_cfg *next = malloc(sizeof(*next));
	int err;

	if (!next)
		return;
	err = load_config(d, next, true);
	if (err) {
		dlog(d, LOG_ERR, "SIGHUP: configuration not reloaded, keeping the running one");
	} else if (strcmp(next->state_dir, d->cfg.state_dir)) {
		dlog(d, LOG_ERR, "SIGHUP: state_dir cannot change while running, keeping the running configuration");
	} else {
		d->cfg = *next;
		dlog(d, LOG_INFO, "SIGHUP: configuration reloaded from %s",
		     d->cfg_name);
		d->react = true;
	}
	free(next);
}

/* Every original back; entries that cannot be restored stay on disk. */
static int restore_all(struct daemon *d, const char *why)
{
	size_t i = 0;
	int failed = 0;

	while (i < d->st.n) {
		if (restore_entry(d, &d->st.e[i], why)) {
			failed++;
			i++;
			continue;
		}
		if (d->o->dry_run)
			i++;
		else
			state_del(&d->st, i);
	}
	if (d->o->dry_run)
		return failed;
	if (!d->st.n) {
		if (unlink(d->state_path) && errno != ENOENT)
			dlog(d, LOG_ERR, "cannot remove %s: %s", d->state_path,
			     strerror(errno));
	} else {
		dlog(d, LOG_ERR, "%zu original values could not be restored; kept in %s",
		     d->st.n, d->state_path);
		save_state(d);
	}
	return failed;
}

/*
 * The state directory, made if absent, only root's to write in, and its
 * lock taken: a second daemon (a --once or --restore while the service
 * runs) would write the state file over the first one's, and originals
 * one of them recorded would be lost. A dry run changes nothing, so it
 * takes no lock.
 */
static int lock_state(struct daemon *d)
{
	const char *dir = d->cfg.state_dir, *why;
	struct stat st;
	long holder;
	int fd;

	if (!d->o->dry_run && mkdir(dir, 0700) && errno != EEXIST) {
		dlog(d, LOG_ERR, "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st)) {
		if (errno == ENOENT && d->o->dry_run)
			return 0;	/* no state yet */
		dlog(d, LOG_ERR, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	why = state_dir_unsafe(st.st_mode, st.st_uid, geteuid());
	if (why) {
		dlog(d, LOG_ERR, "state_dir %s: %s (uid %u, mode %04o); the original values of cgroup files go only where no one else can write",
		     dir, why, (unsigned int)st.st_uid,
		     (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	if (d->o->dry_run)
		return 0;
	fd = state_lock(dir, &holder);
	if (fd == -EWOULDBLOCK) {
		dlog(d, LOG_ERR, "already running (pid %ld holds %s/lock): one daemon per node; stop it first (systemctl stop memqos)",
		     holder, dir);
		return fd;
	}
	if (fd < 0) {
		dlog(d, LOG_ERR, "cannot lock %s/lock: %s", dir,
		     strerror(-fd));
		return fd;
	}
	d->lock_fd = fd;
	return 0;
}

static int open_state(struct daemon *d)
{
	char err[128] = "";
	int ret;

	snprintf(d->state_path, sizeof(d->state_path), "%s/state",
		 d->cfg.state_dir);
	ret = lock_state(d);
	if (ret)
		return ret;
	ret = state_load(&d->st, d->state_path, err, sizeof(err));
	if (ret) {
		dlog(d, LOG_ERR, "%s: %s; fix or remove it (it holds the original values of cgroup files a previous run changed)",
		     d->state_path, err);
		return ret;
	}
	if (d->st.n)
		dlog(d, LOG_INFO,
		     "%s: %zu original values from a previous run; reconciling",
		     d->state_path, d->st.n);
	return 0;
}

static void arm(int tfd, uint64_t delay_ms)
{
	struct itimerspec its = { };

	its.it_value.tv_sec = delay_ms / 1000;
	its.it_value.tv_nsec = (delay_ms % 1000) * 1000000 + 1;
	timerfd_settime(tfd, 0, &its, NULL);
}

/* Without events, pressure is only seen by measuring often. */
static uint64_t interval(const struct daemon *d)
{
	return d->pressure || d->squeezing || !d->ev ?
	       d->cfg.squeeze_interval_ms : d->cfg.reconcile_ms;
}

static int loop(struct daemon *d)
{
	struct pollfd fds[3];
	struct signalfd_siginfo si;
	int sfd = d->sfd, tfd, nfds, ret = MEMQOS_EXIT_OK;
	bool running = true;
	uint64_t last;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0) {
		dlog(d, LOG_ERR, "signalfd/timerfd: %s", strerror(errno));
		return MEMQOS_EXIT_ERROR;
	}
	fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	last = now_ms();
	while (running) {
		uint64_t now = now_ms(), next = last + interval(d), junk;

		/* a pass may have dropped or rejoined the events */
		nfds = 2;
		if (d->ev) {
			fds[2] = (struct pollfd){
				.fd = mnl_socket_get_fd(d->ev->sock),
				.events = POLLIN
			};
			nfds = 3;
		}
		arm(tfd, next > now ? next - now : 0);
		if (poll(fds, nfds, -1) < 0 && errno != EINTR) {
			dlog(d, LOG_ERR, "poll: %s", strerror(errno));
			ret = MEMQOS_EXIT_ERROR;
			break;
		}
		if (nfds == 3 && fds[2].revents)
			read_events(d);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(d);
			} else {
				dlog(d, LOG_INFO, "%s: restoring original values",
				     strsignal(si.ssi_signo));
				running = false;
			}
		}
		if (!running)
			break;
		if (read(tfd, &junk, sizeof(junk)) < 0 && !d->react)
			continue;
		pass(d);
		last = now_ms();
	}
	if (restore_all(d, "original, daemon stopping"))
		ret = MEMQOS_EXIT_ERROR;
	close(tfd);
	return ret;
}

static void describe_start(struct daemon *d)
{
	char b[UNITS_BUF_SIZE];

	dlog(d, LOG_INFO, "configuration: %s; %zu tiers, %zu rules%s",
	     d->cfg_name, d->cfg.n_tiers, d->cfg.n_rules,
	     d->o->dry_run ? "; dry run, nothing will be changed" : "");
	if (d->module)
		dlog(d, LOG_INFO, "levels from the memqos module%s",
		     d->ev ? ", pressure from its events" :
		     ", pressure measured every pass");
	else
		dlog(d, LOG_INFO,
		     "memqos module not loaded: levels from memory.stat, pressure from memory.pressure every %u ms",
		     d->cfg.squeeze_interval_ms);
	if (!cgfs_trusted_ok())
		dlog(d, LOG_WARNING,
		     "without CAP_SYS_ADMIN root's tags (%s) cannot be read: they count as unset",
		     d->cfg.tier_xattr);
	dlog(d, LOG_INFO,
	     "protection: cgroup2 at %s %s memory_recursiveprot; %s; memory.min budget %u%% of %s",
	     d->fs.root, d->fs.recursiveprot ? "with" : "without",
	     d->cfg.ancestors == PROT_AUTO ?
	     "relying on ancestors' memory.min/low, raised where they do not cover their protected descendants" :
	     "ancestors left alone (ancestors = off): protection deeper than they cover is not effective",
	     d->cfg.min_budget_pct, size_str(d->ram, b));
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon *d = calloc(1, sizeof(*d));
	int ret = MEMQOS_EXIT_ERROR, err;

	if (!d)
		return MEMQOS_EXIT_ERROR;
	d->mglru = -1;
	d->lock_fd = -1;
	d->notes = calloc(MAX_NOTES, sizeof(*d->notes));
	if (!d->notes) {
		free(d);
		return MEMQOS_EXIT_ERROR;
	}
	d->o = o;
	d->page = sysconf(_SC_PAGESIZE);
	d->ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * d->page;

	if (load_config(d, &d->cfg, true)) {
		dlog(d, LOG_ERR, "bad configuration, not starting");
		ret = MEMQOS_EXIT_USAGE;
		goto out;
	}
	if (d->cfg.syslog)
		openlog("memqos", LOG_PID, LOG_DAEMON);
	err = cgfs_open(&d->fs);
	if (err) {
		dlog(d, LOG_ERR, "no cgroup2 mount: %s", strerror(-err));
		goto out;
	}
	if (open_state(d))
		goto out;
	if (o->restore) {
		ret = restore_all(d, "original, memqos daemon --restore") ?
		      MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
		goto out;
	}
	/* from here on a signal must not skip the restore */
	d->sfd = signal_fd(SFD_NONBLOCK);
	if (d->sfd < 0) {
		dlog(d, LOG_ERR, "signalfd: %s", strerror(-d->sfd));
		goto out;
	}
	module_rejoin(d);
	describe_start(d);

	if (pass(d))
		goto out;
	if (o->once) {
		ret = d->failures ? MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
		goto out;
	}
	ret = loop(d);
out:
	free_pass(d);
	free(d->cg);
	free(d->rts);
	free(d->notes);
	state_free(&d->st);
	memqos_nl_close(d->ev);
	memqos_nl_close(d->nl);
	if (d->sfd > 0)
		close(d->sfd);
	/* the lock goes last: the state file is final */
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	free(d);
	return ret;
}
