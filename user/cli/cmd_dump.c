// SPDX-License-Identifier: GPL-2.0
/*
 * memqos dump: everything, as JSON or in the Prometheus text format.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "attribquery.h"
#include "cgquery.h"
#include "cmd.h"
#include "module.h"
#include "oomkill.h"
#include "prom.h"

struct dump {
	struct mq_cg_list cgroups;
	struct mq_oom_list kills;
	struct mq_mod_version ver;
	struct mq_mod_stats stats;
	struct mq_mod_config cfg;
	struct mq_attrib_list attr;
	/* parts a module too old for them does not have */
	bool has_kills, has_ver, has_stats, has_cfg, has_attr;
};

/*
 * -EOPNOTSUPP (a module too old for it) and -ENODATA (not available on
 * this kernel now) leave a part out; other errors fail the dump.
 */
static int optional(int err, bool *has)
{
	*has = !err;
	return err == -EOPNOTSUPP || err == -ENODATA ? 0 : err;
}

static int collect(struct memqos_ctx *ctx, struct dump *d)
{
	int err;

	err = mq_cgq_dump(&ctx->nl, &d->cgroups);
	if (!err)
		err = optional(mq_oom_list_get(&ctx->nl, &d->kills),
			       &d->has_kills);
	if (!err)
		err = optional(mq_mod_version_get(&ctx->nl, &d->ver),
			       &d->has_ver);
	if (!err)
		err = optional(mq_mod_stats_get(&ctx->nl, &d->stats),
			       &d->has_stats);
	if (!err)
		err = optional(mq_mod_config_get(&ctx->nl, &d->cfg),
			       &d->has_cfg);
	if (!err)
		err = optional(mq_attribq_dump(&ctx->nl, &d->attr),
			       &d->has_attr);
	return err;
}

static void dump_free(struct dump *d)
{
	mq_cg_list_free(&d->cgroups);
	mq_oom_list_free(&d->kills);
	mq_mod_stats_free(&d->stats);
	mq_attrib_list_free(&d->attr);
}

static void print_json(struct memqos_ctx *ctx, const struct dump *d)
{
	struct mq_print_ctx pc;
	size_t i;

	mq_print_init(&pc, stdout, true, ctx->pretty);
	mq_print_obj_begin(&pc, NULL);
	mq_print_arr_begin(&pc, "cgroups");
	for (i = 0; i < d->cgroups.n; i++)
		mq_cg_rec_print(&pc, &d->cgroups.recs[i], true);
	mq_print_arr_end(&pc);
	if (d->has_kills)
		mq_oom_list_print(&pc, &d->kills);
	if (d->has_attr)
		mq_attrib_list_print(&pc, &d->attr);
	if (d->has_stats) {
		mq_print_obj_begin(&pc, "module");
		mq_mod_stats_print(&pc, &d->stats, true);
		mq_print_obj_end(&pc);
	}
	if (d->has_cfg) {
		mq_print_obj_begin(&pc, "config");
		mq_mod_config_print(&pc, &d->cfg);
		mq_print_obj_end(&pc);
	}
	mq_print_obj_begin(&pc, "version");
	mq_print_str(&pc, "tool_version", NULL, MEMQOS_TOOL_VERSION);
	if (d->has_ver) {
		mq_print_str(&pc, "module_version", NULL, d->ver.module);
		mq_print_u64(&pc, "uapi_version", NULL, d->ver.uapi);
		mq_print_str(&pc, "kernel_release", NULL, d->ver.kernel);
	}
	mq_print_obj_end(&pc);
	mq_print_obj_end(&pc);
	mq_print_finish(&pc);
}

static int print_prometheus(const struct dump *d)
{
	int err = mq_prom_write_cgroups(stdout, &d->cgroups);

	if (err)
		return err;
	if (d->has_kills) {
		err = mq_prom_write_oom_kills(stdout, &d->kills);
		if (err)
			return err;
	}
	if (d->has_attr)
		mq_prom_write_attribution(stdout, &d->attr,
					  (uint64_t)sysconf(_SC_PAGESIZE));
	mq_prom_write_module(stdout, d->has_ver ? &d->ver : NULL,
			     d->has_stats ? &d->stats : NULL,
			     d->has_cfg ? &d->cfg : NULL);
	return 0;
}

static char out_buf[64 << 10];

static int dump_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus",	no_argument,	NULL, 'P' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	struct dump d = { };
	bool prometheus = false;
	int opt, ret, err;

	while ((opt = getopt_long(argc, argv, ":P" CMD_COMMON_SHORTOPTS, opts,
				  NULL)) != -1) {
		if (opt == 'P') {
			prometheus = true;
			continue;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	ret = cmd_no_operands(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	if (prometheus && ctx->json)
		return cmd_usage_error(ctx, "choose --json or --prometheus");

	err = collect(ctx, &d);
	/* megabytes at 10,000 cgroups: 64 KiB writes, not 4 KiB ones */
	if (!err)
		setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	if (!err && prometheus)
		err = print_prometheus(&d);
	else if (!err)
		print_json(ctx, &d);
	dump_free(&d);
	return err ? cmd_nl_error(ctx, err) : MEMQOS_EXIT_OK;
}

const struct cmd cmd_dump = {
	.name		= "dump",
	.run		= dump_run,
	.summary	= "print everything as JSON or for Prometheus",
	.synopsis	= "[--json | --prometheus]",
	.description	=
		"Print every memory cgroup visible to the caller with all its\n"
		"fields and stall histograms, the recent OOM kills, the\n"
		"module's counters and probes, its tunables and versions:\n"
		"for scripts, pipelines and the node_exporter textfile\n"
		"collector. JSON is the default.\n"
		"\n"
		"JSON: {\"cgroups\": [...], \"oom_kills\": [...],\n"
		"\"attribution\": [...], \"module\": {...}, \"config\": {...},\n"
		"\"version\": {...}}. Each cgroup has \"id\",\n"
		"\"path\" (from the cgroup2 root of the caller's cgroup\n"
		"namespace), \"tracked\", its fields and \"stalls\". Keys are\n"
		"snake_case and end in their unit: sizes in _bytes, times\n"
		"in _us (microseconds), counts in _total; values are exact\n"
		"integers and an unlimited min, low, high or max is null.\n"
		"\"stalls\" has, per kind (memcg_reclaim, direct_reclaim,\n"
		"high_throttle), count, sum_us, p50_us, p90_us, p99_us,\n"
		"max_us and buckets: 26 counts, bucket 0 for stalls under\n"
		"1 us, bucket b for [2^(b-1), 2^b) us, the last from 2^24 us.\n"
		"\"attribution\" is the reclaim attribution matrix (see\n"
		"'memqos blame'), highest recent score first: per (reclaimer,\n"
		"victim, node) \"reclaimer\" (cgroup id, 0 for kswapd,\n"
		"18446744073709551615 unknown), \"reclaimer_path\" (null for\n"
		"kswapd and unknown), \"victim\", \"victim_path\", \"node\",\n"
		"\"scanned_pages_total\", \"reclaimed_anon_pages_total\",\n"
		"\"reclaimed_file_pages_total\" (since the pair appeared),\n"
		"\"refaults_total\" (the victim's refaults shared out to the\n"
		"pair) and \"recent_pages\" (the decayed score).\n"
		"\n"
		"Prometheus (text format 0.0.4): metric memqos_<key> for each\n"
		"cgroup field, with the labels cgroup=\"<path>\" and\n"
		"id=\"<id>\"; times become memqos_<name>_seconds_total in\n"
		"seconds, an unlimited limit is +Inf. The histograms are\n"
		"memqos_stall_seconds_bucket{kind=\"...\",le=\"...\"} (cumulative,\n"
		"up to le=\"+Inf\"), _sum and _count. The attribution matrix:\n"
		"memqos_attribution_scanned_bytes_total,\n"
		"memqos_attribution_reclaimed_bytes_total{type=\"anon\"|\"file\"},\n"
		"memqos_attribution_refaults_total and\n"
		"memqos_attribution_recent_bytes (gauge), labelled\n"
		"reclaimer=\"<path>\"|\"kswapd\"|\"unknown\", reclaimer_id,\n"
		"victim, victim_id and node; a pair that fades out of the\n"
		"table and comes back starts from 0 (a counter reset).\n"
		"Module-wide:\n"
		"memqos_module_*, memqos_probe_bound{probe=...},\n"
		"memqos_probe_hits_total, memqos_config_* and\n"
		"memqos_build_info. For the textfile collector write to a\n"
		"temporary file and rename it into place:\n"
		"\n"
		"    memqos dump --prometheus > $DIR/memqos.prom.$$ &&\n"
		"        mv $DIR/memqos.prom.$$ $DIR/memqos.prom\n",
	.options	=
		"--prometheus\n"
		"       Print the Prometheus text format instead of JSON.\n",
};
