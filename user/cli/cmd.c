// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the subcommands: common options, error reporting and
 * access to the memqos generic netlink family.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/memqos.h>

#include "cgquery.h"
#include "cmd.h"

static const char *cmd_name(const struct memqos_ctx *ctx)
{
	return ctx->cmd ? ctx->cmd->name : NULL;
}

__attribute__((format(printf, 2, 0)))
static void vreport(struct memqos_ctx *ctx, const char *fmt, va_list ap)
{
	/* keep the order of stdout and stderr when both go to one place */
	fflush(stdout);
	fputs("memqos: ", stderr);
	if (cmd_name(ctx))
		fprintf(stderr, "%s: ", cmd_name(ctx));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cmd_error(struct memqos_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, fmt, ap);
	va_end(ap);
}

int cmd_usage_error(struct memqos_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, fmt, ap);
	va_end(ap);

	fprintf(stderr, "Try 'memqos %s%s--help' for more information.\n",
		cmd_name(ctx) ? cmd_name(ctx) : "", cmd_name(ctx) ? " " : "");
	return MEMQOS_EXIT_USAGE;
}

/* How the user wrote the option getopt_long() just rejected. */
static void rejected_option(char **argv, char *buf, size_t len)
{
	const char *arg = argv[optind - 1];

	/* for "-xy" optind may already point past the group */
	if (!strncmp(arg, "--", 2))
		snprintf(buf, len, "%s", arg);
	else if (optopt)
		snprintf(buf, len, "-%c", optopt);
	else
		snprintf(buf, len, "%s", arg);
}

int cmd_common_opt(struct memqos_ctx *ctx, int opt, char **argv)
{
	char name[64];

	switch (opt) {
	case 'h':
		cmd_print_help(ctx->cmd);
		return MEMQOS_EXIT_OK;
	case 'j':
		ctx->json = true;
		return CMD_CONTINUE;
	case 'p':
		ctx->json = true;
		ctx->pretty = true;
		return CMD_CONTINUE;
	case ':':
		rejected_option(argv, name, sizeof(name));
		return cmd_usage_error(ctx, "option '%s' needs an argument",
				       name);
	case '?':
		rejected_option(argv, name, sizeof(name));
		return cmd_usage_error(ctx, "invalid option '%s'", name);
	default:
		/* in the command's table but not handled by it: a bug */
		return cmd_usage_error(ctx, "unhandled option '%c'", opt);
	}
}

void cmd_nl_warn(const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "memqos: warning: %s\n", msg);
}

int cmd_nl(struct memqos_ctx *ctx, uint8_t genl_cmd, struct mq_nl **nlp)
{
	int err;

	err = mq_nl_ready(&ctx->nl, genl_cmd);
	if (err)
		return err;
	*nlp = ctx->nl;
	return 0;
}

/*
 * "memqos: ..." on stderr for @err from cmd_nl() or a request, with @what
 * (the subcommand name) for context:
 *   -ENOENT before the family was resolved: module not loaded (modprobe
 *   memqos); -EPERM, -EACCES: permission denied (need CAP_NET_ADMIN);
 *   -EOPNOTSUPP: module too old for <what>; -EBADMSG: malformed reply;
 *   -EINTR: dump interrupted, try again; anything else: the extended ACK
 *   message if any and strerror().
 * @nl may be NULL (the socket could not even be opened).
 */
static void nl_perror(const struct mq_nl *nl, const char *what, int err)
{
	const char *msg = nl ? mq_nl_errmsg(nl) : NULL;

	if (!what)
		what = "netlink";
	/* stdout first when both go to the same place */
	fflush(stdout);

	switch (-err) {
	case ENOENT:
		if (!nl || nl->family.id)
			break;
		if (!strcmp(nl->wanted_family, MEMQOS_FAMILY_NAME))
			fputs("memqos: module not loaded (modprobe memqos)\n",
			      stderr);
		else
			fprintf(stderr, "memqos: genl family '%s' not found\n",
				nl->wanted_family);
		return;
	case EPERM:
	case EACCES:
		fprintf(stderr,
			"memqos: permission denied (need CAP_NET_ADMIN)\n");
		return;
	case ENODATA:
		if (msg)
			break;
		fprintf(stderr,
			"memqos: %s: not available on this kernel now (memqos stats says why)\n",
			what);
		return;
	case EOPNOTSUPP:
		/* an unknown command has no message; a known one may */
		if (msg)
			break;
		fprintf(stderr, "memqos: module too old for %s\n", what);
		return;
	case EBADMSG:
		if (msg)
			break;
		fprintf(stderr, "memqos: %s: malformed reply from the kernel\n",
			what);
		return;
	case EINTR:
		fprintf(stderr, "memqos: %s: %s\n", what,
			"interrupted by a concurrent change, try again");
		return;
	}

	fprintf(stderr, "memqos: %s: ", what);
	if (msg)
		fprintf(stderr, "%s (%s)", msg, strerror(-err));
	else
		fputs(strerror(-err), stderr);
	if (nl && nl->bad_attr >= 0)
		fprintf(stderr, " [attribute %d]", nl->bad_attr);
	if (nl && nl->missing_attr >= 0)
		fprintf(stderr, " [missing attribute %d]", nl->missing_attr);
	fputc('\n', stderr);
}

int cmd_nl_error(struct memqos_ctx *ctx, int err)
{
	nl_perror(ctx->nl, cmd_name(ctx), err);
	return MEMQOS_EXIT_ERROR;
}

/* ENOENT: no such cgroup, or one without the memory controller. */
static int not_found(struct memqos_ctx *ctx, const char *arg)
{
	const char *msg = mq_nl_errmsg(ctx->nl);

	fflush(stdout);
	if (msg && strcmp(msg, "no such cgroup"))
		fprintf(stderr, "memqos: %s: %s\n", arg, msg);
	else
		fprintf(stderr, "memqos: no such cgroup: %s\n", arg);
	return MEMQOS_EXIT_NOTFOUND;
}

int cmd_cgroup_get(struct memqos_ctx *ctx, const char *arg,
		   struct mq_cg_rec *rec)
{
	bool bad_arg;
	int err;

	err = mq_cgq_get(&ctx->nl, arg, rec, &bad_arg);
	if (bad_arg)
		return cmd_usage_error(ctx, "invalid cgroup '%s'", arg);
	if (err == -ENOENT && ctx->nl && ctx->nl->family.id)
		return not_found(ctx, arg);
	if (err)
		return cmd_nl_error(ctx, err);
	return MEMQOS_EXIT_OK;
}

int cmd_one_cgroup(struct memqos_ctx *ctx, int argc, char **argv)
{
	if (optind >= argc)
		return cmd_usage_error(ctx, "no cgroup given");
	if (argc - optind > 1)
		return cmd_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + 1]);
	return CMD_CONTINUE;
}

int cmd_no_operands(struct memqos_ctx *ctx, int argc, char **argv)
{
	if (optind < argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind]);
	return CMD_CONTINUE;
}

int cmd_parse_common(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_COMMON_LONGOPTS,
		{ }
	};
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":" CMD_COMMON_SHORTOPTS, opts,
				  NULL)) != -1) {
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	return CMD_CONTINUE;
}

int cmd_parse_common_only(struct memqos_ctx *ctx, int argc, char **argv)
{
	int ret;

	ret = cmd_parse_common(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	return cmd_no_operands(ctx, argc, argv);
}
