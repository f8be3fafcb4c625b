// SPDX-License-Identifier: GPL-2.0
/*
 * memqos oom: the recent OOM kills the module remembers.
 */
#include "cmd.h"
#include "oomkill.h"

static int oom_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	struct mq_oom_list list;
	struct mq_print_ctx pc;
	int ret, err;

	ret = cmd_parse_common_only(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;

	err = mq_oom_list_get(&ctx->nl, &list);
	if (!err) {
		mq_print_init(&pc, stdout, ctx->json, ctx->pretty);
		mq_print_obj_begin(&pc, NULL);
		mq_oom_list_print(&pc, &list);
		mq_print_obj_end(&pc);
		mq_print_finish(&pc);
	}
	mq_oom_list_free(&list);
	return err ? cmd_nl_error(ctx, err) : MEMQOS_EXIT_OK;
}

const struct cmd cmd_oom = {
	.name		= "oom",
	.run		= oom_run,
	.summary	= "list the recent OOM kills",
	.description	=
		"Print the OOM kills the module remembers (the last\n"
		"oom_ring_entries, see 'memqos config'), oldest first: sequence\n"
		"number, time, victim pid, uid and command name, its anon,\n"
		"file and shmem RSS at the kill, its oom_score_adj (ADJ), and\n"
		"its cgroup's id and path; then, on a line of its own, the\n"
		"trigger, the cgroup of the task that invoked the OOM killer\n"
		"(whose allocation failed, or that lowered memory.max; it may\n"
		"be the victim's), and the scope, what the kill was to relieve:\n"
		"memcg, a cgroup's memory.max (the victim is in its subtree),\n"
		"with that cgroup and its memory.max at the kill; global, the\n"
		"node (or the allocation's cpuset or memory policy); or sysrq,\n"
		"SysRq-f, with no trigger. Both are \"-\" when the module could\n"
		"not probe out_of_memory() (memqos stats lists the probe).\n"
		"\n"
		"The pid, uid and name are shown only to CAP_NET_ADMIN and to\n"
		"the victim's own uid; otherwise they print as \"-\" (null in\n"
		"JSON). A path is \"-\" when the cgroup is gone or outside the\n"
		"caller's cgroup namespace (the id is still shown); kills in\n"
		"removed cgroups are listed to CAP_NET_ADMIN only.\n"
		"\n"
		"With --json, {\"oom_kills\": [{\"seq\", \"time_ns\", \"boot_ns\",\n"
		"\"pid\", \"uid\", \"comm\", \"rss_anon_bytes\", \"rss_file_bytes\",\n"
		"\"rss_shmem_bytes\", \"pgtables_bytes\", \"oom_score_adj\",\n"
		"\"cgroup_id\", \"path\", \"trigger_cgroup_id\", \"trigger_path\",\n"
		"\"scope\" (\"memcg\", \"global\", \"sysrq\"), \"scope_cgroup_id\",\n"
		"\"scope_path\", \"scope_max_bytes\" (null when unlimited)}]};\n"
		"null where absent.\n",
};
