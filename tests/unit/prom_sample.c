// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's output for a few synthetic cgroups, every collector on,
 * the module's families and the daemon's (memqos daemon --listen) after it: what `make check-promtool` gives
 * promtool to check the names, units, HELP and TYPE lines of every
 * family without a module. The values mean nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "prom.h"
#include "prom_daemon.h"

static const char *const paths[] = {
	"/kubepods.slice/kubepods-burstable.slice/"
	"kubepods-burstable-pod0f2b1c3d_4e5f_6789_abcd_ef0123456789.slice/"
	"cri-containerd-4b825dc642cb6eb9a060e54bf8d69288fbee4904.scope",
	"/kubepods/pod0f2b1c3d-4e5f-6789-abcd-ef0123456789/4b825dc642cb",
	"/system.slice/nginx.service",
	"/machine.slice/libpod-4b825dc642cb.scope",
	"/odd \"path\"\\\n",
};
#define N_CG	(sizeof(paths) / sizeof(paths[0]))

static void fill(struct mq_field_vals *v, const struct mq_field_set *set,
		 uint64_t base)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		mq_field_mark(v, set->fields[i].attr);
		v->val[set->fields[i].attr] = base + i;
	}
}

/* A protected cgroup and a squeezed batch one of the paths above. */
static void write_daemon(void)
{
	static struct mq_prom_daemon_cg cg[2];
	struct mq_prom_daemon d = { .cg = cg, .n = 2, .budget = 3ULL << 30,
				    .demand = 4ULL << 30, .granted = 3ULL << 30,
				    .scaled = 1, .last_pass_unix_ms = 1 };

	cg[0] = (struct mq_prom_daemon_cg){
		.path = (char *)paths[0], .knobs = 1U << PROM_KNOB_MIN |
		1U << PROM_KNOB_HIGH, .value = { 1 << 30, 0, UINT64_MAX },
		.estimated = true, .working_set = 900 << 20,
		.headroom = 124 << 20,
	};
	cg[1] = (struct mq_prom_daemon_cg){
		.path = (char *)paths[2], .knobs = 1U << PROM_KNOB_LOW |
		1U << PROM_KNOB_HIGH, .value = { 0, 0, 256 << 20 },
		.batch = true, .reclaim_steps = 4, .high_steps = 1,
	};
	mq_prom_pass_observe(&d.passes, 12345);
	d.write_failures[PROM_KNOB_HIGH][mq_prom_errno_slot(-EBUSY)] = 1;
	mq_prom_write_daemon(stdout, &d);
}

int main(void)
{
	static uint64_t bucket[MEMQOS_HIST_BUCKETS] = { 1, 2, 0, 3, 0, 4 };
	static struct mq_cg_rec recs[N_CG];
	struct mq_cg_list list = { .recs = recs, .n = N_CG };
	struct mq_prom_opts opts = {
		.collect = (1U << PROM_C_NR) - 1, .page_size = 4096,
	};
	struct mq_mod_version ver = { .module = "0.0", .uapi = 1 };
	struct mq_mod_probe probe = { .bound = true, .hits = 5 };
	struct mq_mod_stats st = { .probes = &probe, .n_probes = 1 };
	struct mq_cg_hist *h;
	size_t i;

	strcpy(ver.kernel, "6.1.0");
	strcpy(probe.name, "vmscan:mm_vmscan_memcg_reclaim_begin");
	for (i = 0; i < N_CG; i++) {
		recs[i].id = 100 + i;
		recs[i].path = (char *)paths[i];
		recs[i].tracked = true;
		fill(&recs[i].v, &mq_cgroup_fields, 1000 * i);
		recs[i].v.val[MEMQOS_A_CGROUP_MAX_BYTES] = MEMQOS_UNLIMITED;
		h = &recs[i].hist[i % CG_STALL_KINDS];
		h->present = true;
		h->count = 10;
		h->sum_us = 1234;
		h->bucket = bucket;
	}
	static struct mq_oom_kill kills[] = {
		{ .seq = 1, .time_ns = 1700000000123456789ULL, .path = "/p/c2",
		  .trigger_path = "/p/c1", .has_scope = true,
		  .scope = MEMQOS_OOM_SCOPE_MEMCG, .scope_path = "/p" },
		{ .seq = 2, .time_ns = 1700000001000000000ULL,
		  .path = "/odd \"path\"\\\n", .has_scope = true,
		  .scope = MEMQOS_OOM_SCOPE_SYSRQ },
		{ .seq = 3, .time_ns = 1700000002000000000ULL, .path = "/p/c1" },
	};
	struct mq_oom_list oom = { .kills = kills, .n = 3 };

	fill(&st.v, &mq_stats_fields, 7);
	if (mq_prom_write_exporter(stdout, &list, &opts) ||
	    mq_prom_write_oom_kills(stdout, &oom))
		return 1;
	mq_prom_write_module(stdout, &ver, &st, NULL);
	mq_prom_write_up(stdout, true);
	write_daemon();
	return fflush(stdout) ? 1 : 0;
}
