// SPDX-License-Identifier: GPL-2.0
/*
 * memqos: command line interface to the memqos kernel module.
 *
 * Global options, subcommand dispatch and help texts. Each subcommand
 * lives in its own cmd_<name>.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "man.h"
#include "nl.h"

#ifndef MEMQOS_TOOL_VERSION
#error "MEMQOS_TOOL_VERSION must be defined (see user/Makefile)"
#endif

static int help_run(struct memqos_ctx *ctx, int argc, char **argv);

static const struct cmd cmd_help = {
	.name		= "help",
	.run		= help_run,
	.summary	= "show help for a command",
	.synopsis	= "[COMMAND]",
	.description	=
		"Show the manual of COMMAND, the same text as\n"
		"'memqos COMMAND --help'; without COMMAND, list the\n"
		"commands.\n",
};

static int debug_man_run(struct memqos_ctx *ctx, int argc, char **argv);

static const struct cmd cmd_debug_man = {
	.name		= "debug-man",
	.run		= debug_man_run,
	.summary	= "print the man page memqos.8 from the help texts",
	.description	=
		"Print memqos.8 (troff, man(7) macros) made from the help\n"
		"texts of every command, so the two never disagree. 'make -C\n"
		"user man' regenerates the file, 'make -C user check-man'\n"
		"checks it is current.\n",
	.hidden		= true,
};

/* In the order "memqos --help" lists them. */
static const struct cmd *const commands[] = {
	&cmd_stat,
	&cmd_top,
	&cmd_blame,
	&cmd_hist,
	&cmd_events,
	&cmd_dump,
	&cmd_exporter,
	&cmd_oom,
	&cmd_stats,
	&cmd_daemon,
	&cmd_tier,
	&cmd_config,
	&cmd_reset,
	&cmd_version,
	&cmd_help,
	&cmd_debug_family,
	&cmd_debug_man,
};

#define N_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* Man-style sections are indented like man(1) renders them. */
#define HELP_INDENT	"       "

/* Shared by every command's --help and the man page (man.c). */
const char cmd_common_options[] =
	"-j, --json\n"
	"       Print JSON instead of text. Sizes are in bytes\n"
	"       and times in microseconds.\n"
	"\n"
	"-p, --pretty\n"
	"       Print indented JSON; implies --json.\n"
	"\n"
	"-h, --help\n"
	"       Show this help.\n";

const char cmd_exit_status[] =
	"0      Success.\n"
	"1      Runtime error: the module is not loaded, is\n"
	"       too old for the command, permission was denied,\n"
	"       or the kernel refused the request.\n"
	"2      Usage error: bad option or argument; nothing\n"
	"       was done.\n"
	"3      Not found: a cgroup the command was given does\n"
	"       not exist or has no memory controller.\n";

static const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++) {
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	}
	return NULL;
}

static void print_usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"Usage: memqos [OPTIONS] COMMAND [ARGS...]\n"
		"       memqos help COMMAND\n"
		"\n"
		"Per-cgroup memory pressure accounting: talks to the memqos\n"
		"kernel module over generic netlink.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < N_COMMANDS; i++) {
		if (!commands[i]->hidden)
			fprintf(fp, "  %-12s %s\n", commands[i]->name,
				commands[i]->summary);
	}
	fprintf(fp,
		"\n"
		"Options:\n"
		"  -j, --json     print JSON instead of text\n"
		"  -p, --pretty   print indented JSON (implies --json)\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the tool version (no module needed)\n"
		"\n"
		"Exit status: 0 success, 1 runtime error (e.g. module not\n"
		"loaded), 2 usage error, 3 not found.\n"
		"\n"
		"Run 'memqos help COMMAND' or 'memqos COMMAND --help' for the\n"
		"manual of a command.\n");
}

/* @text with every non-empty line indented. */
static void print_indented(const char *text)
{
	const char *line, *end;

	for (line = text; *line; line = end) {
		end = strchrnul(line, '\n');
		if (end != line)
			fputs(HELP_INDENT, stdout);
		fwrite(line, 1, end - line, stdout);
		fputc('\n', stdout);
		if (*end)
			end++;
	}
}

void cmd_print_help(const struct cmd *cmd)
{
	if (!cmd) {
		print_usage(stdout);
		return;
	}

	printf("NAME\n" HELP_INDENT "memqos %s - %s\n\n", cmd->name,
	       cmd->summary);
	printf("SYNOPSIS\n" HELP_INDENT "memqos [-j] [-p] %s%s%s\n\n",
	       cmd->name, cmd->synopsis ? " " : "",
	       cmd->synopsis ? cmd->synopsis : "");

	printf("DESCRIPTION\n");
	print_indented(cmd->description);
	printf("\n");

	printf("OPTIONS\n");
	if (cmd->options) {
		print_indented(cmd->options);
		printf("\n");
	}
	print_indented(cmd_common_options);
	printf("\n");

	printf("EXIT STATUS\n");
	print_indented(cmd_exit_status);
}

static int help_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc > 2)
		return cmd_usage_error(ctx, "too many arguments");
	if (argc < 2) {
		print_usage(stdout);
		return MEMQOS_EXIT_OK;
	}

	cmd = cmd_find(argv[1]);
	if (!cmd)
		return cmd_usage_error(ctx, "unknown command '%s'", argv[1]);
	cmd_print_help(cmd);
	return MEMQOS_EXIT_OK;
}

static int debug_man_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	if (argc > 1)
		return cmd_usage_error(ctx, "unexpected argument '%s'",
				       argv[1]);
	man_print(stdout, commands, N_COMMANDS);
	return MEMQOS_EXIT_OK;
}

/*
 * "memqos CMD ... --help" shows the help before the command does anything
 * (opens netlink, validates other arguments). Stops at "--".
 */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

/* Exit status of the whole command line. */
static int run_command_line(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option global_opts[] = {
		{ "version",	no_argument,	NULL, 'V' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	int opt, ret;

	/* errors are reported by cmd_common_opt(), in our words */
	opterr = 0;
	/* '+': stop at the command, its options are its own */
	while ((opt = getopt_long(argc, argv, "+:V" CMD_COMMON_SHORTOPTS,
				  global_opts, NULL)) != -1) {
		if (opt == 'V') {
			printf("memqos tool %s\n", MEMQOS_TOOL_VERSION);
			return MEMQOS_EXIT_OK;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}

	if (optind >= argc)
		return cmd_usage_error(ctx, "no command given");
	ctx->cmd = cmd_find(argv[optind]);
	if (!ctx->cmd)
		return cmd_usage_error(ctx, "unknown command '%s'",
				       argv[optind]);

	argc -= optind;
	argv += optind;
	if (wants_help(argc, argv)) {
		cmd_print_help(ctx->cmd);
		return MEMQOS_EXIT_OK;
	}
	/* 0 makes glibc's getopt start afresh on the new argv */
	optind = 0;
	return ctx->cmd->run(ctx, argc, argv);
}

int main(int argc, char **argv)
{
	struct memqos_ctx ctx = { };
	int ret;

	mq_nl_on_warning(cmd_nl_warn);
	ret = run_command_line(&ctx, argc, argv);
	mq_nl_close(ctx.nl);

	/* "memqos version > /dev/full" must not exit 0 */
	errno = 0;
	if (fflush(stdout) || ferror(stdout)) {
		ctx.cmd = NULL;
		/* errno is lost if an earlier flush already failed */
		if (errno)
			cmd_error(&ctx, "write error: %s", strerror(errno));
		else
			cmd_error(&ctx, "write error");
		if (ret == MEMQOS_EXIT_OK)
			ret = MEMQOS_EXIT_ERROR;
	}
	return ret;
}
