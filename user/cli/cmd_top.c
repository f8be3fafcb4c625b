// SPDX-License-Identifier: GPL-2.0
/*
 * memqos top: a refreshing view of the cgroups under the most memory
 * pressure. Plain ANSI (clear and home) so it works in any terminal and
 * over ssh; raw keyboard input only when stdin is a terminal, restored
 * on every way out (q, SIGINT, SIGTERM, SIGHUP, errors).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "attribquery.h"
#include "cgquery.h"
#include "cmd.h"
#include "signal_fd.h"
#include "toprate.h"
#include "units.h"

#define ANSI_HOME_CLEAR	"\033[H\033[2J"
/* Terminal size when it cannot be asked (batch mode, not a tty). */
#define DEFAULT_COLS	120
/* Lines before the rows: title, blank, column header. */
#define HEADER_LINES	3
/* The AGGRESSOR column; longer paths lose their left end. */
#define AGGR_WIDTH	20

struct top {
	struct memqos_ctx *ctx;
	struct mq_cg_list prev, cur;
	struct mq_attrib_list attr;	/* with cur */
	bool no_attr;			/* the module has no ATTRIBUTION_GET */
	uint64_t prev_us, cur_us;	/* CLOCK_MONOTONIC of each dump */
	struct mq_top_row *rows;
	size_t n_rows;
	bool batch;
	bool keys;			/* stdin in raw mode */
	struct termios saved;
	int sfd;
	uint64_t delay_ms;
	uint64_t frames;		/* 0: until q or a signal */
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int take_dump(struct top *t)
{
	struct mq_cg_list tmp = t->prev;
	int err;

	/* the current dump becomes the previous one */
	t->prev = t->cur;
	t->prev_us = t->cur_us;
	t->cur = tmp;
	err = mq_cgq_dump(&t->ctx->nl, &t->cur);
	t->cur_us = mono_us();
	if (err || t->no_attr)
		return err;
	err = mq_attribq_dump(&t->ctx->nl, &t->attr);
	/* not available now (attribution incomplete): the column is empty */
	if (err == -ENODATA) {
		mq_attrib_list_free(&t->attr);
		return 0;
	}
	/* an older module: top without the column's contents */
	if (err == -EOPNOTSUPP) {
		t->no_attr = true;
		err = 0;
	}
	return err;
}

static int compute_rows(struct top *t)
{
	uint64_t wall = t->cur_us - t->prev_us;
	struct mq_top_row *rows;
	size_t i;

	rows = realloc(t->rows, (t->cur.n ?: 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	t->rows = rows;
	t->n_rows = t->cur.n;
	for (i = 0; i < t->cur.n; i++)
		mq_top_rate(mq_cg_list_find(&t->prev, t->cur.recs[i].id),
			    &t->cur.recs[i], wall, &rows[i]);
	qsort(rows, t->n_rows, sizeof(*rows), mq_top_row_cmp);
	return 0;
}

static void term_size(int *rows, int *cols)
{
	struct winsize ws;

	*rows = 0;
	*cols = DEFAULT_COLS;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* One text line, cut at the terminal width. */
static void put_line(int cols, const char *line)
{
	printf("%.*s\n", cols, line);
}

/* The top aggressor of cgroup @id for the AGGRESSOR column, or "-". */
static const char *aggressor_cell(const struct top *t, uint64_t id,
				  char *buf, size_t len)
{
	struct mq_attrib_aggressor a;

	if (!mq_attrib_aggressor(&t->attr, id, &a))
		return "-";
	return mq_print_fit_left(mq_attrib_reclaimer_name(a.reclaimer, a.path),
				 AGGR_WIDTH, buf, len);
}

static void print_text_frame(struct top *t)
{
	char line[1024], rss[UNITS_BUF_SIZE], kmem[UNITS_BUF_SIZE];
	char p99[UNITS_BUF_SIZE], when[16], aggr[AGGR_WIDTH + 1];
	int rows, cols;
	time_t now = time(NULL);
	struct tm tm;
	size_t i, max;

	term_size(&rows, &cols);
	max = t->batch || rows <= HEADER_LINES ? t->n_rows :
	      (size_t)(rows - HEADER_LINES);
	if (!localtime_r(&now, &tm) ||
	    !strftime(when, sizeof(when), "%H:%M:%S", &tm))
		strcpy(when, "-");
	if (!t->batch)
		fputs(ANSI_HOME_CLEAR, stdout);
	snprintf(line, sizeof(line),
		 "memqos top - %s, %zu cgroups, every %.1f s%s", when,
		 t->n_rows, t->delay_ms / 1000.0, t->keys ? ", q to quit" : "");
	put_line(cols, line);
	put_line(cols, "");
	snprintf(line, sizeof(line), "%7s %8s %9s %9s %9s %5s  %-*s  %s",
		 "STALL%", "RECL/s", "P99", "RSS", "KMEM", "OOM", AGGR_WIDTH,
		 "AGGRESSOR", "PATH");
	put_line(cols, line);
	for (i = 0; i < t->n_rows && i < max; i++) {
		const struct mq_top_row *r = &t->rows[i];

		mq_units_format_bytes(rss, sizeof(rss),
				      mq_cg_val(r->rec,
						MEMQOS_A_CGROUP_RSS_BYTES));
		mq_units_format_bytes(kmem, sizeof(kmem),
				      mq_cg_val(r->rec,
						MEMQOS_A_CGROUP_KMEM_BYTES));
		mq_units_format_usec(p99, sizeof(p99), r->p99_us);
		snprintf(line, sizeof(line),
			 "%5" PRIu64 ".%" PRIu64 " %6" PRIu64 ".%" PRIu64
			 " %9s %9s %9s %5" PRIu64 "  %-*s  %s",
			 r->stall_permille / 10, r->stall_permille % 10,
			 r->reclaims_per_10s / 10, r->reclaims_per_10s % 10,
			 p99, rss, kmem,
			 mq_cg_val(r->rec, MEMQOS_A_CGROUP_OOM_KILLS),
			 AGGR_WIDTH,
			 aggressor_cell(t, r->rec->id, aggr, sizeof(aggr)),
			 r->rec->path);
		put_line(cols, line);
	}
	if (t->batch)
		putchar('\n');
	fflush(stdout);
}

/* "aggressor", "aggressor_id" and "aggressor_recent_pages", or nulls. */
static void print_aggressor(struct mq_print_ctx *pc,
			    const struct mq_attrib_list *list, uint64_t id)
{
	struct mq_attrib_aggressor a;

	if (!mq_attrib_aggressor(list, id, &a)) {
		mq_print_null(pc, "aggressor", NULL, NULL);
		mq_print_null(pc, "aggressor_id", NULL, NULL);
		mq_print_null(pc, "aggressor_recent_pages", NULL, NULL);
		return;
	}
	mq_print_str(pc, "aggressor", NULL,
		     mq_attrib_reclaimer_name(a.reclaimer, a.path));
	mq_print_u64(pc, "aggressor_id", NULL, a.reclaimer);
	mq_print_u64(pc, "aggressor_recent_pages", NULL, a.recent);
}

static void print_json_frame(struct top *t)
{
	struct mq_print_ctx pc;
	size_t i;

	mq_print_init(&pc, stdout, true, t->ctx->pretty);
	mq_print_obj_begin(&pc, NULL);
	mq_print_u64(&pc, "interval_us", NULL, t->cur_us - t->prev_us);
	mq_print_arr_begin(&pc, "cgroups");
	for (i = 0; i < t->n_rows; i++) {
		const struct mq_top_row *r = &t->rows[i];

		mq_print_obj_begin(&pc, NULL);
		mq_print_u64(&pc, "id", NULL, r->rec->id);
		mq_print_str(&pc, "path", NULL, r->rec->path);
		mq_print_u64(&pc, "stall_permille", NULL, r->stall_permille);
		mq_print_u64(&pc, "reclaims_per_sec", NULL,
			     (r->reclaims_per_10s + 5) / 10);
		mq_print_u64(&pc, "p99_stall_us", NULL, r->p99_us);
		mq_print_u64(&pc, "rss_bytes", NULL,
			     mq_cg_val(r->rec, MEMQOS_A_CGROUP_RSS_BYTES));
		mq_print_u64(&pc, "kmem_bytes", NULL,
			     mq_cg_val(r->rec, MEMQOS_A_CGROUP_KMEM_BYTES));
		mq_print_u64(&pc, "oom_kills_total", NULL,
			     mq_cg_val(r->rec, MEMQOS_A_CGROUP_OOM_KILLS));
		print_aggressor(&pc, &t->attr, r->rec->id);
		mq_print_obj_end(&pc);
	}
	mq_print_arr_end(&pc);
	mq_print_obj_end(&pc);
	mq_print_finish(&pc);
}

static int keys_begin(struct top *t)
{
	struct termios raw;

	if (t->batch || !isatty(STDIN_FILENO) ||
	    tcgetattr(STDIN_FILENO, &t->saved))
		return 0;
	raw = t->saved;
	/* keys one at a time, unechoed; ISIG stays: ^C is SIGINT */
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw))
		return -errno;
	t->keys = true;
	return 0;
}

static void keys_end(struct top *t)
{
	if (t->keys)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
	t->keys = false;
}

/* Whether a q came in. */
static bool read_quit_key(void)
{
	char buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	return n > 0 && (memchr(buf, 'q', n) || memchr(buf, 'Q', n));
}

/*
 * Wait @t->delay_ms for the next frame. 1 to quit (q, a signal, EOF on
 * the keyboard), 0 to go on, or a negative errno.
 */
static int wait_frame(struct top *t)
{
	struct pollfd fds[2] = {
		{ .fd = t->sfd, .events = POLLIN },
		{ .fd = t->keys ? STDIN_FILENO : -1, .events = POLLIN },
	};
	uint64_t end = mono_us() + (uint64_t)t->delay_ms * 1000, now;

	while ((now = mono_us()) < end) {
		if (poll(fds, 2, (int)((end - now + 999) / 1000)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (fds[0].revents)
			return 1;
		if (fds[1].revents & (POLLHUP | POLLERR))
			return 1;
		if ((fds[1].revents & POLLIN) && read_quit_key())
			return 1;
	}
	return 0;
}

static int top_loop(struct top *t)
{
	unsigned long frame;
	int err;

	err = take_dump(t);
	if (!err && !t->batch && !t->ctx->json) {
		printf(ANSI_HOME_CLEAR "memqos top: sampling for %.1f s...\n",
		       t->delay_ms / 1000.0);
		fflush(stdout);
	}
	for (frame = 0; !err && (!t->frames || frame < t->frames); frame++) {
		err = wait_frame(t);
		if (err)
			return err < 0 ? err : 0;
		err = take_dump(t) ?: compute_rows(t);
		if (err)
			break;
		if (t->ctx->json)
			print_json_frame(t);
		else
			print_text_frame(t);
	}
	return err;
}

static int run_top(struct top *t)
{
	int err;

	t->sfd = mq_signal_fd(0);
	if (t->sfd < 0)
		return cmd_nl_error(t->ctx, t->sfd);
	err = keys_begin(t);
	if (!err)
		err = top_loop(t);
	keys_end(t);
	close(t->sfd);
	mq_cg_list_free(&t->prev);
	mq_cg_list_free(&t->cur);
	mq_attrib_list_free(&t->attr);
	free(t->rows);
	return err ? cmd_nl_error(t->ctx, err) : MEMQOS_EXIT_OK;
}

static int top_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delay",	required_argument,	NULL, 'd' },
		{ "iterations",	required_argument,	NULL, 'n' },
		{ "batch",	no_argument,		NULL, 'b' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	struct top t = { .ctx = ctx, .delay_ms = 2000 };
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":d:n:b" CMD_COMMON_SHORTOPTS,
				  opts, NULL)) != -1) {
		if (opt == 'd' &&
		    mq_units_parse_msec(optarg, 100, 86400000, &t.delay_ms))
			return cmd_usage_error(ctx, "bad delay '%s'", optarg);
		if (opt == 'n' && mq_units_parse_uint(optarg, 1, UINT64_MAX,
						   &t.frames))
			return cmd_usage_error(ctx, "bad iteration count '%s'",
					       optarg);
		if (opt == 'b')
			t.batch = true;
		if (opt == 'd' || opt == 'n' || opt == 'b')
			continue;
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	ret = cmd_no_operands(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	/* frames scroll by when they do not go to a terminal */
	if (ctx->json || !isatty(STDOUT_FILENO))
		t.batch = true;
	return run_top(&t);
}

const struct cmd cmd_top = {
	.name		= "top",
	.run		= top_run,
	.summary	= "live view of the cgroups under memory pressure",
	.synopsis	= "[-d SEC] [-n N] [-b]",
	.description	=
		"Show the memory cgroups sorted by stall rate, refreshed every\n"
		"SEC seconds. Each frame compares two dumps SEC seconds apart,\n"
		"so the first frame comes after one interval. Columns:\n"
		"\n"
		"STALL%   time its tasks spent in memcg reclaim, direct\n"
		"         reclaim and memory.high handling, per wall time (over\n"
		"         100% when several tasks stall at once): the rate the\n"
		"         module's pressure events use\n"
		"RECL/s   memcg plus direct reclaim stalls per second\n"
		"P99      99th percentile stall in the interval, all kinds\n"
		"RSS      anon + file_mapped + shmem now\n"
		"KMEM     slab + kernel stacks + page tables now\n"
		"OOM      OOM kills of its tasks since tracking began\n"
		"AGGRESSOR\n"
		"         who reclaimed the most from its own LRU recently:\n"
		"         another cgroup, kswapd or unknown (see 'memqos\n"
		"         blame'); ranked by the module's decayed score\n"
		"         (attribution_halflife_ms), itself left out; paths\n"
		"         too long lose their left end (...batch/hog); - for\n"
		"         none, or a module without reclaim attribution\n"
		"PATH     from the cgroup2 root of the caller's namespace\n"
		"\n"
		"Ties sort by reclaim rate, then usage. On a terminal the\n"
		"screen is cleared and redrawn with plain ANSI codes, rows cut\n"
		"to its size; press q (or ^C) to quit. When stdout is not a\n"
		"terminal, or with -b, frames are printed one after another.\n"
		"\n"
		"With --json (implies -b), one object per frame and line:\n"
		"{\"interval_us\", \"cgroups\": [{\"id\", \"path\",\n"
		"\"stall_permille\", \"reclaims_per_sec\", \"p99_stall_us\",\n"
		"\"rss_bytes\", \"kmem_bytes\", \"oom_kills_total\", \"aggressor\",\n"
		"\"aggressor_id\", \"aggressor_recent_pages\"}]} (the last three\n"
		"null without an aggressor), sorted as above.\n",
	.options	=
		"-d, --delay SEC\n"
		"       Seconds between frames, 0.1 to 86400 (default 2).\n"
		"\n"
		"-n, --iterations N\n"
		"       Exit after N frames.\n"
		"\n"
		"-b, --batch\n"
		"       Print frames one after another, without clearing\n"
		"       the screen or reading keys.\n",
};
