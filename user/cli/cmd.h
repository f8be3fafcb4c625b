/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Subcommands of the memqos tool: table entry, shared context, helpers.
 *
 * Adding a command: write cmd_<name>.c defining a const struct cmd, declare
 * it below and list it in main.c's command table.
 */
#ifndef MEMQOS_CMD_H
#define MEMQOS_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "exit_status.h"
#include "nl.h"
#include "print.h"

struct mq_cg_rec;

struct memqos_ctx {
	const struct cmd *cmd;		/* running subcommand */
	bool json;
	bool pretty;
	struct mq_nl *nl;		/* opened on first use */
};

struct cmd {
	const char *name;
	/* argv[0] is the command name; returns an enum mq_exit */
	int (*run)(struct memqos_ctx *ctx, int argc, char **argv);
	const char *summary;		/* one line for "memqos --help" */
	const char *synopsis;		/* arguments after the name */
	const char *description;	/* man-style text, lines end in \n */
	const char *options;		/* own options, NULL if only common */
	bool hidden;			/* debugging aid, not listed */
};

extern const struct cmd cmd_version;
extern const struct cmd cmd_stat;
extern const struct cmd cmd_top;
extern const struct cmd cmd_blame;
extern const struct cmd cmd_stats;
extern const struct cmd cmd_config;
extern const struct cmd cmd_reset;
extern const struct cmd cmd_oom;
extern const struct cmd cmd_dump;
extern const struct cmd cmd_exporter;
extern const struct cmd cmd_hist;
extern const struct cmd cmd_events;
extern const struct cmd cmd_daemon;
extern const struct cmd cmd_tier;
extern const struct cmd cmd_debug_family;

/* main.c: the common options and exit statuses, man-style text. */
extern const char cmd_common_options[];
extern const char cmd_exit_status[];

/* main.c: man-style help of @cmd, or the general usage for NULL. */
void cmd_print_help(const struct cmd *cmd);

/*
 * Options every subcommand takes besides its own; put them at the end of
 * its getopt_long() tables and pass unknown results to cmd_common_opt().
 */
#define CMD_COMMON_SHORTOPTS	"hjp"
#define CMD_COMMON_LONGOPTS				\
	{ "help",	no_argument,	NULL, 'h' },	\
	{ "json",	no_argument,	NULL, 'j' },	\
	{ "pretty",	no_argument,	NULL, 'p' }

/* Returned by cmd_common_opt() when parsing should go on. */
#define CMD_CONTINUE	(-1)

/*
 * Handle @opt from getopt_long() for the common options and for errors
 * (call it with opterr = 0 and a ':' leading the short options). Returns
 * CMD_CONTINUE, or the exit status when the command must end now (--help
 * was shown, or a usage error was reported).
 */
int cmd_common_opt(struct memqos_ctx *ctx, int opt, char **argv);

/* "memqos: CMD: <message>" plus the --help hint; returns EXIT_USAGE. */
int cmd_usage_error(struct memqos_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * After the options: CMD_CONTINUE if exactly one argument (a CGROUP) is
 * left at optind, else the usage error's exit status.
 */
int cmd_one_cgroup(struct memqos_ctx *ctx, int argc, char **argv);

/*
 * After the options: CMD_CONTINUE if no argument is left at optind, else
 * the usage error's exit status.
 */
int cmd_no_operands(struct memqos_ctx *ctx, int argc, char **argv);

/*
 * Parse the options of a command that has only the common ones, leaving
 * its arguments at optind. Returns CMD_CONTINUE or the exit status, as
 * cmd_common_opt().
 */
int cmd_parse_common(struct memqos_ctx *ctx, int argc, char **argv);

/* cmd_parse_common() then cmd_no_operands(): a command with no arguments. */
int cmd_parse_common_only(struct memqos_ctx *ctx, int argc, char **argv);

/* "memqos: CMD: <message>" on stderr, after flushing stdout. */
void cmd_error(struct memqos_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Set *@nlp to the netlink socket with the memqos family resolved and
 * @genl_cmd supported by the loaded module. Opened on first use, closed
 * by main(). Prints nothing: on error (-ENOENT: module not loaded,
 * -EOPNOTSUPP: module too old for the command, ...) pass the result to
 * cmd_nl_error() once the command has written what it can.
 */
int cmd_nl(struct memqos_ctx *ctx, uint8_t genl_cmd, struct mq_nl **nlp);

/* Print the error of cmd_nl() or a request; returns MEMQOS_EXIT_ERROR. */
int cmd_nl_error(struct memqos_ctx *ctx, int err);

/* "memqos: warning: <msg>" for mq_nl_on_warning(). */
void cmd_nl_warn(const char *msg);

/*
 * Fill @rec with the record of the cgroup the user named in @arg (a path
 * or an id, see cgroup_arg.h). Returns the exit status: MEMQOS_EXIT_OK,
 * or having said what went wrong, USAGE for an invalid cgroup, NOTFOUND
 * for one the module does not track, ERROR for anything else.
 */
int cmd_cgroup_get(struct memqos_ctx *ctx, const char *arg,
		   struct mq_cg_rec *rec);

#endif /* MEMQOS_CMD_H */
