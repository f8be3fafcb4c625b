// SPDX-License-Identifier: GPL-2.0
/*
 * memqos config get|set: the module's tunables.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/memqos.h>

#include "cmd.h"
#include "module.h"
#include "units.h"

static int config_get(struct memqos_ctx *ctx, int argc, char **argv)
{
	const struct mq_field *f = NULL;
	struct mq_mod_config cfg;
	struct mq_print_ctx pc;
	int err;

	if (argc > 1)
		return cmd_usage_error(ctx, "unexpected argument '%s'",
				       argv[1]);
	if (argc == 1) {
		f = mq_field_by_key(&mq_config_fields, argv[0]);
		if (!f)
			return cmd_usage_error(ctx, "unknown key '%s'",
					       argv[0]);
	}
	err = mq_mod_config_get(&ctx->nl, &cfg);
	if (err)
		return cmd_nl_error(ctx, err);
	if (f && !mq_field_has(&cfg.v, f->attr)) {
		cmd_error(ctx, "module too old for key '%s'", f->key);
		return MEMQOS_EXIT_ERROR;
	}

	mq_print_init(&pc, stdout, ctx->json, ctx->pretty);
	mq_print_obj_begin(&pc, NULL);
	if (f)
		mq_field_print(&pc, f, cfg.v.val[f->attr], true, "%s\n");
	else
		mq_mod_config_print(&pc, &cfg);
	mq_print_obj_end(&pc);
	mq_print_finish(&pc);
	return MEMQOS_EXIT_OK;
}

/* KEY VALUE pairs into the request; a usage error leaves it unsent. */
static int put_pairs(struct memqos_ctx *ctx, struct nlmsghdr *nlh,
		     int argc, char **argv)
{
	const struct mq_field *f;
	uint64_t v;
	int i;

	if (!argc || argc % 2)
		return cmd_usage_error(ctx, "expected KEY VALUE pairs");
	for (i = 0; i < argc; i += 2) {
		f = mq_field_by_key(&mq_config_fields, argv[i]);
		if (!f)
			return cmd_usage_error(ctx, "unknown key '%s'",
					       argv[i]);
		if (mq_units_parse_uint(argv[i + 1], 0, UINT32_MAX, &v))
			return cmd_usage_error(ctx, "%s: not a number: '%s'",
					       f->key, argv[i + 1]);
		if (nlh)
			mnl_attr_put_u32(nlh, f->attr, v);
	}
	return MEMQOS_EXIT_OK;
}

/* The kernel refused a value: name the key, it changed nothing. */
static int rejected(struct memqos_ctx *ctx)
{
	const struct mq_field *f = ctx->nl->bad_attr >= 0 ?
		mq_field_by_attr(&mq_config_fields, ctx->nl->bad_attr) : NULL;
	const char *msg = mq_nl_errmsg(ctx->nl);

	cmd_error(ctx, "%s%s%s; nothing changed", f ? f->key : "",
		  f ? ": " : "", msg ? msg : "invalid value");
	return MEMQOS_EXIT_USAGE;
}

static int config_set(struct memqos_ctx *ctx, int argc, char **argv)
{
	struct mq_nl *nl;
	struct nlmsghdr *nlh;
	int ret, err;

	/* check everything before opening the socket */
	ret = put_pairs(ctx, NULL, argc, argv);
	if (ret)
		return ret;
	err = cmd_nl(ctx, MEMQOS_CMD_CONFIG_SET, &nl);
	if (err)
		return cmd_nl_error(ctx, err);
	nlh = mq_nl_msg_prepare(nl, MEMQOS_CMD_CONFIG_SET, 0);
	put_pairs(ctx, nlh, argc, argv);
	err = mq_nl_request(nl, nlh, NULL, NULL);
	if (err == -EINVAL || err == -ERANGE)
		return rejected(ctx);
	return err ? cmd_nl_error(ctx, err) : MEMQOS_EXIT_OK;
}

static int config_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	int ret;

	ret = cmd_parse_common(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	if (optind >= argc)
		return cmd_usage_error(ctx, "expected 'get' or 'set'");
	if (!strcmp(argv[optind], "get"))
		return config_get(ctx, argc - optind - 1, argv + optind + 1);
	if (!strcmp(argv[optind], "set"))
		return config_set(ctx, argc - optind - 1, argv + optind + 1);
	return cmd_usage_error(ctx, "expected 'get' or 'set', not '%s'",
			       argv[optind]);
}

const struct cmd cmd_config = {
	.name		= "config",
	.run		= config_run,
	.summary	= "show or change the module's tunables",
	.synopsis	= "get [KEY] | set KEY VALUE [KEY VALUE]...",
	.description	=
		"'config get' prints every tunable as \"key value\" lines, or\n"
		"the value of KEY alone. 'config set' changes one or more\n"
		"tunables at once and needs CAP_NET_ADMIN; the module checks\n"
		"every value before applying any, so a refused set (exit 2)\n"
		"changes nothing. Keys:\n"
		"\n"
		"max_cgroups                   cap on tracked cgroups\n"
		"                              (1..1048576)\n"
		"oom_ring_entries              recent OOM kills kept (1..4096)\n"
		"pressure_threshold_permille   stall time per wall time,\n"
		"                              permille, that makes a cgroup\n"
		"                              pressured (1..1000)\n"
		"pressure_hysteresis_permille  pressure ends below threshold\n"
		"                              minus this (0..threshold)\n"
		"storm_reclaims_per_sec        node-wide reclaim stalls per\n"
		"                              second that make a storm\n"
		"                              (1..10000000)\n"
		"event_interval_ms             how often pressure and storms\n"
		"                              are evaluated (100..60000)\n"
		"attribution_halflife_ms       the reclaim attribution pairs'\n"
		"                              recent score halves in this\n"
		"                              time (1000..3600000)\n"
		"\n"
		"With --json, 'config get' prints one object of the keys\n"
		"asked for.\n",
};
