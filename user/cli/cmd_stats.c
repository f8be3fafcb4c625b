// SPDX-License-Identifier: GPL-2.0
/*
 * memqos stats: module-wide counters and probe states.
 */
#include <getopt.h>

#include "cmd.h"
#include "module.h"

static int stats_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exact",	no_argument,	NULL, 'x' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	struct mq_mod_stats st;
	struct mq_print_ctx pc;
	bool exact = false;
	int opt, ret, err;

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
	ret = cmd_no_operands(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;

	err = mq_mod_stats_get(&ctx->nl, &st);
	if (!err) {
		mq_print_init(&pc, stdout, ctx->json, ctx->pretty);
		mq_print_obj_begin(&pc, NULL);
		mq_mod_stats_print(&pc, &st, exact);
		mq_print_obj_end(&pc);
		mq_print_finish(&pc);
	}
	mq_mod_stats_free(&st);
	return err ? cmd_nl_error(ctx, err) : MEMQOS_EXIT_OK;
}

const struct cmd cmd_stats = {
	.name		= "stats",
	.run		= stats_run,
	.summary	= "show module-wide counters and probe states",
	.synopsis	= "[-x]",
	.description	=
		"Print the module's own counters: cgroups tracked and the\n"
		"memory their records use, records created, freed and refused\n"
		"(dropped_cap at max_cgroups, dropped_delegated when only the\n"
		"share kept for cgroups outside delegated subtrees is left,\n"
		"dropped_nomem), events for\n"
		"untracked cgroups, unpaired or unpairable tracepoints, kswapd\n"
		"wakeups, OOM kills, reclaim stalls, multicast events sent and\n"
		"dropped, the last event sequence number, how many\n"
		"memory.high throttles can be timed at once and how many\n"
		"calls were not (high_probe_missed: while it grows, the\n"
		"high_throttle counters undercount); then each\n"
		"tracepoint or kprobe the module uses, whether it is bound on\n"
		"this kernel and how often it fired.\n"
		"\n"
		"With --json, one object: the counters (keys as in the\n"
		"module section of 'memqos dump --json') and \"probes\": [{\"name\",\n"
		"\"bound\", \"hits_total\"}].\n",
	.options	=
		"-x, --exact\n"
		"       Print exact integers instead of human units.\n",
};
