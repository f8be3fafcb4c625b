// SPDX-License-Identifier: GPL-2.0
/*
 * memqos version: versions of the tool, the module and the kernel.
 */
#include <stdio.h>

#include <linux/memqos.h>

#include "cmd.h"
#include "fields.h"
#include "module.h"

/* The cgroup fields this kernel cannot give, by their JSON keys. */
static void print_unavailable(struct mq_print_ctx *pc,
			      const struct mq_mod_version *ver)
{
	const struct mq_field *f;
	size_t i;

	mq_print_arr_begin(pc, "unavailable_fields");
	mq_print_text(pc, "not available on this kernel:");
	for (i = 0; i < ver->n_unavailable; i++) {
		f = mq_field_by_attr(&mq_cgroup_fields, ver->unavailable[i]);
		if (f)
			mq_print_str(pc, NULL, " %s", f->key);
	}
	mq_print_text(pc, ver->n_unavailable ? "\n" : " none\n");
	mq_print_arr_end(pc);
}

/* A mismatch is normal across upgrades: say so, do not fail. */
static void note_uapi_mismatch(uint32_t module_uapi)
{
	if (module_uapi == MEMQOS_FAMILY_VERSION)
		return;

	fflush(stdout);
	fprintf(stderr,
		"memqos: note: module uapi %u is %s than the tool's (%u)\n",
		module_uapi,
		module_uapi < MEMQOS_FAMILY_VERSION ? "older" : "newer",
		(unsigned int)MEMQOS_FAMILY_VERSION);
}

static int version_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	struct mq_mod_version ver;
	struct mq_print_ctx pc;
	int ret, err;

	ret = cmd_parse_common_only(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;

	/* ask first, print after: the error must follow the output */
	err = mq_mod_version_get(&ctx->nl, &ver);

	mq_print_init(&pc, stdout, ctx->json, ctx->pretty);
	mq_print_obj_begin(&pc, NULL);
	mq_print_str(&pc, "tool_version", "memqos tool %s\n",
		     MEMQOS_TOOL_VERSION);
	if (!err) {
		mq_print_str(&pc, "module_version", "memqos module %s",
			     ver.module);
		mq_print_u64(&pc, "uapi_version", " (uapi %s", ver.uapi);
		mq_print_str(&pc, "kernel_release", ", kernel %s)\n",
			     ver.kernel);
		print_unavailable(&pc, &ver);
	}
	mq_print_obj_end(&pc);
	/* a write error is reported by main() */
	mq_print_finish(&pc);

	if (err)
		return cmd_nl_error(ctx, err);
	note_uapi_mismatch(ver.uapi);
	return MEMQOS_EXIT_OK;
}

const struct cmd cmd_version = {
	.name		= "version",
	.run		= version_run,
	.summary	= "show tool, module and kernel versions",
	.description	=
		"Print the version of this tool and, when the memqos module\n"
		"is loaded, the module's release, the UAPI version it was\n"
		"built with and the release of the running kernel, as the\n"
		"module reports them:\n"
		"\n"
		"    memqos tool 0.1.0\n"
		"    memqos module 0.1.0 (uapi 2, kernel 6.1.0-57-amd64)\n"
		"    not available on this kernel: zswpwb_total ...\n"
		"\n"
		"The last line names the cgroup fields the running kernel\n"
		"cannot give (too old for them, or a statistics function the\n"
		"module could not find or verify at load; `memqos stats` lists\n"
		"those functions with the probes). Those fields are left out\n"
		"of every output, never shown as 0.\n"
		"\n"
		"Without the module the tool line is printed, then an error;\n"
		"the exit status is 1. A module whose UAPI version differs\n"
		"from the tool's is not an error: a note on stderr says which\n"
		"side is newer.\n"
		"\n"
		"With --json, one object with the keys tool_version,\n"
		"module_version, uapi_version, kernel_release and\n"
		"unavailable_fields (only tool_version without the module).\n",
};
