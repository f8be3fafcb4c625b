// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: measure. Each tiered cgroup's levels, from the module or
 * from its files, and what is kept of it across passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/memqos.h>

#include "daemon_priv.h"
#include "units.h"

static void levels_from_rec(struct levels *lv, const struct mq_cg_rec *r)
{
	lv->usage = mq_cg_val(r, MEMQOS_A_CGROUP_USAGE_BYTES);
	lv->anon = mq_cg_val(r, MEMQOS_A_CGROUP_ANON_BYTES);
	lv->shmem = mq_cg_val(r, MEMQOS_A_CGROUP_SHMEM_BYTES);
	lv->file = mq_cg_val(r, MEMQOS_A_CGROUP_FILE_BYTES);
	lv->active_file = mq_cg_val(r, MEMQOS_A_CGROUP_ACTIVE_FILE_BYTES);
	lv->slab_recl = mq_cg_val(r, MEMQOS_A_CGROUP_SLAB_RECLAIMABLE_BYTES);
	lv->kmem = mq_cg_val(r, MEMQOS_A_CGROUP_KMEM_BYTES);
	lv->refaults = mq_cg_val(r, MEMQOS_A_CGROUP_WORKINGSET_REFAULT_ANON) +
		       mq_cg_val(r, MEMQOS_A_CGROUP_WORKINGSET_REFAULT_FILE);
	lv->stall_us = mq_cg_stall_us(r);
	lv->throttle_us = mq_cg_val(r, MEMQOS_A_CGROUP_HIGH_THROTTLE_US);
	lv->max = mq_cg_val(r, MEMQOS_A_CGROUP_MAX_BYTES);
	lv->cur[F_MIN] = mq_cg_val(r, MEMQOS_A_CGROUP_MIN_BYTES);
	lv->cur[F_LOW] = mq_cg_val(r, MEMQOS_A_CGROUP_LOW_BYTES);
	lv->cur[F_HIGH] = mq_cg_val(r, MEMQOS_A_CGROUP_HIGH_BYTES);
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
	int err, f, dfd = mq_cgfs_cg_open(&d->fs, c->rel, c->id);

	if (dfd < 0)
		return dfd;
	err = mq_cgfs_read_keyed_at(dfd, "memory.stat", keys, v,
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
	err = mq_cgfs_read_u64_at(dfd, "memory.current", &lv->usage);
	if (!err)
		err = mq_cgfs_read_u64_at(dfd, "memory.max", &lv->max);
	for (f = 0; !err && f < NR_FILES; f++)
		err = mq_cgfs_read_u64_at(dfd, file_names[f], &lv->cur[f]);
	/* PSI "some" stands in for the module's stall and throttle time */
	if (!err && !mq_cgfs_read_psi_some_at(dfd, "memory.pressure",
					      &lv->stall_us))
		lv->throttle_us = lv->stall_us;
out:
	close(dfd);
	return err;
}

void daemon_read_levels(struct daemon *d)
{
	size_t i;
	int err;

	if (d->module) {
		err = mq_cgq_dump(&d->nl, &d->list);
		if (err)
			daemon_module_gone(d, "dump", err);
	}
	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct mq_cg_rec *r;

		r = d->module ? mq_cg_list_find(&d->list, c->id) : NULL;
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

	if (mq_cgfs_read("/sys/kernel/mm/lru_gen/enabled", buf, sizeof(buf)))
		return -1;
	return strtoul(buf, NULL, 16) & 1;
}

/*
 * Which LRU the kernel runs now (it can be switched at any time): under
 * the Multi-Gen LRU, working sets count all file cache (policy.h).
 */
void daemon_note_lru(struct daemon *d)
{
	int on = mglru_enabled();

	if (on != d->mglru && d->pass_no > 1)
		dlog(d, LOG_INFO, "Multi-Gen LRU %s: working sets count %s",
		     on == 1 ? "on" : "off",
		     on == 1 ? "all file cache" : "the active file cache");
	d->mglru = on;
}

bool daemon_swap_available(void)
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

struct rt *daemon_rt_get(struct daemon *d, uint64_t id, bool create)
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
void daemon_rt_prune(struct daemon *d)
{
	size_t i = 0;

	while (i < d->n_rts) {
		if (d->rts[i].seen != d->pass_no)
			d->rts[i] = d->rts[--d->n_rts];
		else
			i++;
	}
}

bool daemon_tier_protects(const struct mq_tier_cfg *t)
{
	return t->action == TIER_MIN || t->action == TIER_LOW;
}

const struct mq_tier_cfg *daemon_tier_of(const struct daemon *d,
					 const struct dcg *c)
{
	return c->tr.tier == CFG_NO_TIER ? NULL : &d->cfg.tiers[c->tr.tier];
}

/* Measure every tiered cgroup and size its protection. */
void daemon_measure(struct daemon *d, uint64_t now)
{
	uint64_t window_ms = (uint64_t)d->cfg.window_s * 1000, grew;
	char b1[UNITS_BUF_SIZE], b2[UNITS_BUF_SIZE], b3[UNITS_BUF_SIZE];
	char b4[UNITS_BUF_SIZE];
	enum cg_file f;
	size_t i;

	d->pressure = false;
	for (i = 1; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		const struct mq_tier_cfg *t = daemon_tier_of(d, c);
		struct ws_sample s;
		struct ws_estimate e;
		bool switched;

		if (!t || !c->has_levels)
			continue;
		c->rt = daemon_rt_get(d, c->id, true);
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
		if (daemon_tier_protects(t) && c->rt->pressured)
			d->pressure = true;
		if (!daemon_tier_protects(t))
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
			     c->rel, file_names[f],
			     daemon_size_str(c->lv.cur[f], b1),
			     daemon_size_str(c->lv.usage, b2),
			     daemon_size_str(grew, b3),
			     daemon_size_str(e.boost, b4));
		c->want[f] = pol_protection(t, &e, c->lv.max,
					    e.stall_permille >=
					    d->cfg.pressure_permille, d->page);
		c->asked = c->want[f];
		c->est = e;
	}
}
