// SPDX-License-Identifier: GPL-2.0
/*
 * memqos reset: zero the counters and histograms of one cgroup or all.
 */
#include <errno.h>
#include <getopt.h>

#include <linux/memqos.h>

#include "cgquery.h"
#include "cmd.h"

static int reset_request(struct memqos_ctx *ctx, uint64_t id)
{
	struct mq_nl *nl;
	struct nlmsghdr *nlh;
	int err;

	err = cmd_nl(ctx, MEMQOS_CMD_RESET, &nl);
	if (err)
		return cmd_nl_error(ctx, err);
	nlh = mq_nl_msg_prepare(nl, MEMQOS_CMD_RESET, 0);
	if (id)
		mnl_attr_put_u64(nlh, MEMQOS_A_RESET_CGROUP_ID, id);
	err = mq_nl_request(nl, nlh, NULL, NULL);
	/* not tracked: its counters are zero already */
	if (err == -ENOENT && id)
		err = 0;
	return err ? cmd_nl_error(ctx, err) : MEMQOS_EXIT_OK;
}

static int reset_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	struct mq_cg_rec rec;
	uint64_t id = 0;
	int ret;

	ret = cmd_parse_common(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	if (argc - optind > 1)
		return cmd_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (optind < argc) {
		ret = cmd_cgroup_get(ctx, argv[optind], &rec);
		id = rec.id;
		mq_cg_rec_free(&rec);
		if (ret)
			return ret;
	}
	return reset_request(ctx, id);
}

const struct cmd cmd_reset = {
	.name		= "reset",
	.run		= reset_run,
	.summary	= "zero the counters of one cgroup or of all",
	.synopsis	= "[CGROUP]",
	.description	=
		"Zero the module's counters and stall histograms of CGROUP,\n"
		"or of every cgroup without CGROUP. Levels read from the\n"
		"memory cgroup (usage, rss, memory.events, PSI) are not the\n"
		"module's and do not change. Needs CAP_NET_ADMIN. CGROUP is\n"
		"named as for 'memqos stat'. Prints nothing on success.\n",
};
