// SPDX-License-Identifier: GPL-2.0
/*
 * memqos stat: one cgroup in detail, or a table of all of them.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cgquery.h"
#include "cmd.h"
#include "units.h"

/* Table columns: width in human and in exact mode. */
#define COL_HUMAN	9
#define COL_EXACT	13

static const char *cell(const struct mq_cg_rec *r, uint16_t attr, bool exact,
			char *buf, size_t len)
{
	const struct mq_field *f = mq_field_by_attr(&mq_cgroup_fields, attr);

	if (!f || !mq_field_has(&r->v, attr))
		return "-";
	return mq_field_format(f, r->v.val[attr], exact, buf, len);
}

static void print_row(struct mq_print_ctx *pc, const struct mq_cg_rec *r,
		      bool exact)
{
	int w = exact ? COL_EXACT : COL_HUMAN;
	char b[5][UNITS_BUF_SIZE];

	if (exact)
		snprintf(b[4], sizeof(b[4]), "%" PRIu64, mq_cg_stall_us(r));
	else
		mq_units_format_usec(b[4], sizeof(b[4]), mq_cg_stall_us(r));
	mq_print_text(pc, "%10" PRIu64 " %*s %*s %*s %*s %10" PRIu64 " %*s %5"
		      PRIu64 "  %s\n", r->id,
		      w, cell(r, MEMQOS_A_CGROUP_USAGE_BYTES, exact, b[0], 32),
		      w, cell(r, MEMQOS_A_CGROUP_RSS_BYTES, exact, b[1], 32),
		      w, cell(r, MEMQOS_A_CGROUP_KMEM_BYTES, exact, b[2], 32),
		      w, cell(r, MEMQOS_A_CGROUP_MAX_BYTES, exact, b[3], 32),
		      mq_cg_val(r, MEMQOS_A_CGROUP_MEMCG_RECLAIMS) +
		      mq_cg_val(r, MEMQOS_A_CGROUP_DIRECT_RECLAIMS),
		      w, b[4], mq_cg_val(r, MEMQOS_A_CGROUP_OOM_KILLS),
		      r->path);
}

static void print_table(struct mq_print_ctx *pc, const struct mq_cg_list *list,
			bool exact)
{
	int w = exact ? COL_EXACT : COL_HUMAN;
	size_t i;

	mq_print_obj_begin(pc, NULL);
	mq_print_arr_begin(pc, "cgroups");
	mq_print_text(pc, "%10s %*s %*s %*s %*s %10s %*s %5s  %s\n", "ID",
		      w, "USAGE", w, "RSS", w, "KMEM", w, "MAX", "RECLAIMS",
		      w, "STALL", "OOM", "PATH");
	for (i = 0; i < list->n; i++) {
		if (mq_print_is_json(pc))
			mq_cg_rec_print(pc, &list->recs[i], exact);
		else
			print_row(pc, &list->recs[i], exact);
	}
	mq_print_arr_end(pc);
	mq_print_obj_end(pc);
}

static int stat_all(struct memqos_ctx *ctx, bool exact)
{
	struct mq_cg_list list = { };
	struct mq_print_ctx pc;
	int err;

	err = mq_cgq_dump(&ctx->nl, &list);
	if (!err) {
		mq_print_init(&pc, stdout, ctx->json, ctx->pretty);
		print_table(&pc, &list, exact);
		mq_print_finish(&pc);
	}
	mq_cg_list_free(&list);
	return err ? cmd_nl_error(ctx, err) : MEMQOS_EXIT_OK;
}

static int stat_one(struct memqos_ctx *ctx, const char *arg, bool exact)
{
	struct mq_print_ctx pc;
	struct mq_cg_rec rec;
	int ret;

	ret = cmd_cgroup_get(ctx, arg, &rec);
	if (ret == MEMQOS_EXIT_OK) {
		mq_print_init(&pc, stdout, ctx->json, ctx->pretty);
		mq_cg_rec_print(&pc, &rec, exact);
		mq_print_finish(&pc);
	}
	mq_cg_rec_free(&rec);
	return ret;
}

static int stat_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exact",	no_argument,	NULL, 'x' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	bool exact = false;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":x" CMD_COMMON_SHORTOPTS, opts,
				  NULL)) != -1) {
		if (opt == 'x') {
			exact = true;
			continue;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	if (argc - optind > 1)
		return cmd_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (optind < argc)
		return stat_one(ctx, argv[optind], exact);
	return stat_all(ctx, exact);
}

const struct cmd cmd_stat = {
	.name		= "stat",
	.run		= stat_run,
	.summary	= "show one cgroup in detail, or a table of all",
	.synopsis	= "[-x] [CGROUP]",
	.description	=
		"With CGROUP, print every level, counter and stall histogram\n"
		"summary the module reports for that memory cgroup. Without,\n"
		"print one line per memory cgroup visible to the caller,\n"
		"parents first: id, usage, RSS, kmem, memory.max, reclaim\n"
		"stalls (memcg and direct), total stall time, OOM kills of\n"
		"its own tasks, path.\n"
		"\n"
		"CGROUP is a cgroup id, a path from the cgroup2 root\n"
		"(/system.slice/foo.service) or a path under a cgroup2 mount\n"
		"(/sys/fs/cgroup/system.slice/foo.service). Paths are relative\n"
		"to the root of the caller's cgroup namespace.\n"
		"\n"
		"Levels (usage, rss, ...) are read from the memory cgroup when\n"
		"asked and include its descendants, like memory.stat. The\n"
		"kernel's memory statistics lag up to 2 s behind on 6.1 and the\n"
		"module cannot flush them, so stat first reads the cgroup's\n"
		"memory.stat under the cgroup2 mount (the root's for an id, or\n"
		"for all cgroups), which does; where that file is not visible,\n"
		"levels may be up to 2 s old. Counters and stall histograms\n"
		"count since the module started tracking the cgroup or since\n"
		"'memqos reset'. Sizes and times are shown in binary units\n"
		"(KiB, MiB) and us/ms/s; an unlimited min, low, high or max\n"
		"shows as \"max\".\n"
		"\n"
		"With --json, CGROUP gives one object and no CGROUP gives\n"
		"{\"cgroups\": [...]}, each cgroup as in 'memqos dump --json'.\n",
	.options	=
		"-x, --exact\n"
		"       Print exact integers (bytes, microseconds) instead of\n"
		"       human units.\n",
};
