// SPDX-License-Identifier: GPL-2.0
/*
 * memqos debug-family: what the generic netlink controller says about a
 * family (id, version, operations, multicast groups), or about all of
 * them. Hidden: for checking a module build and for exercising nl.c
 * against families every kernel has ("nlctrl").
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"

static void print_op_flags(struct mq_print_ctx *pc, uint32_t flags)
{
	static const struct {
		uint32_t flag;
		const char *name;
	} names[] = {
		{ GENL_CMD_CAP_DO,	"do" },
		{ GENL_CMD_CAP_DUMP,	"dump" },
		{ GENL_CMD_CAP_HASPOL,	"policy" },
		{ GENL_ADMIN_PERM,	"admin" },
		{ GENL_UNS_ADMIN_PERM,	"netns-admin" },
	};
	size_t i;

	mq_print_u64(pc, "flags", NULL, flags);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].flag)
			mq_print_text(pc, " %s", names[i].name);
	}
}

static void print_family(const struct mq_nl_family *fam, void *data)
{
	struct mq_print_ctx *pc = data;
	unsigned int i;

	mq_print_obj_begin(pc, NULL);
	mq_print_str(pc, "name", "%s", fam->name);
	mq_print_u64(pc, "id", " id %s", fam->id);
	mq_print_u64(pc, "version", " version %s", fam->version);
	mq_print_u64(pc, "hdrsize", " hdrsize %s", fam->hdrsize);
	mq_print_u64(pc, "maxattr", " maxattr %s\n", fam->maxattr);

	mq_print_arr_begin(pc, "ops");
	for (i = 0; i < MEMQOS_NL_MAX_OPS; i++) {
		if (!fam->op_listed[i])
			continue;
		mq_print_obj_begin(pc, NULL);
		mq_print_u64(pc, "id", "  op %s", i);
		print_op_flags(pc, fam->op_flags[i]);
		mq_print_text(pc, "\n");
		mq_print_obj_end(pc);
	}
	mq_print_arr_end(pc);

	mq_print_arr_begin(pc, "mcgrps");
	for (i = 0; i < fam->n_mcgrps; i++) {
		mq_print_obj_begin(pc, NULL);
		mq_print_str(pc, "name", "  mcgrp %s", fam->mcgrps[i].name);
		mq_print_u64(pc, "id", " id %s\n", fam->mcgrps[i].id);
		mq_print_obj_end(pc);
	}
	mq_print_arr_end(pc);
	mq_print_obj_end(pc);
}

static int debug_family_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	struct mq_print_ctx pc;
	struct mq_nl *nl;
	const char *name;
	int ret, err;

	ret = cmd_parse_common(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	if (argc - optind > 1)
		return cmd_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	name = optind < argc ? argv[optind] : NULL;

	/* any family, so not cmd_nl(), which insists on memqos */
	err = mq_nl_open(&ctx->nl);
	if (err)
		return cmd_nl_error(ctx, err);
	nl = ctx->nl;

	mq_print_init(&pc, stdout, ctx->json, ctx->pretty);
	if (name) {
		err = mq_nl_resolve(nl, name);
		if (!err)
			print_family(&nl->family, &pc);
	} else {
		mq_print_arr_begin(&pc, NULL);
		err = mq_nl_list_families(nl, print_family, &pc);
		mq_print_arr_end(&pc);
	}
	mq_print_finish(&pc);

	if (err)
		return cmd_nl_error(ctx, err);
	return MEMQOS_EXIT_OK;
}

const struct cmd cmd_debug_family = {
	.name		= "debug-family",
	.run		= debug_family_run,
	.summary	= "show a generic netlink family as the kernel has it",
	.synopsis	= "[FAMILY]",
	.description	=
		"Ask the generic netlink controller about FAMILY (default:\n"
		"list every family) and print its id, version, header size,\n"
		"highest attribute, operations with their flags (do, dump,\n"
		"policy, admin) and multicast groups.\n"
		"\n"
		"'memqos debug-family memqos' shows which commands the loaded\n"
		"module supports; 'memqos debug-family nlctrl' works on any\n"
		"kernel. A debugging aid, not listed by 'memqos --help'.\n",
	.hidden		= true,
};
