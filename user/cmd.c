// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the subcommands: common options, error reporting and
 * access to the memqos generic netlink family.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>

#include <linux/memqos.h>

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

int cmd_nl(struct memqos_ctx *ctx, uint8_t genl_cmd, struct memqos_nl **nlp)
{
	int err;

	if (!ctx->nl) {
		err = memqos_nl_open(&ctx->nl);
		if (err)
			return err;
	}
	if (!ctx->nl->family.id) {
		err = memqos_nl_resolve(ctx->nl, MEMQOS_FAMILY_NAME);
		if (err)
			return err;
	}
	/* ethtool style: ask the family rather than fail on the request */
	if (!memqos_nl_supports(ctx->nl, genl_cmd))
		return -EOPNOTSUPP;

	*nlp = ctx->nl;
	return 0;
}

int cmd_nl_error(struct memqos_ctx *ctx, int err)
{
	memqos_nl_perror(ctx->nl, cmd_name(ctx), err);
	return MEMQOS_EXIT_ERROR;
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

int cmd_signal_fd(int flags)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}
