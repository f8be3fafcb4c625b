// SPDX-License-Identifier: GPL-2.0
/*
 * memqos blame: who took memory from a cgroup and its subtree, how much,
 * and how much of it came back as refaults.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attribquery.h"
#include "blame.h"
#include "cgquery.h"
#include "cmd.h"
#include "module.h"
#include "signal_fd.h"
#include "units.h"

/* The RECLAIMER column's width; longer paths lose their left end. */
#define WHO_WIDTH	40

/* One end of the window: the cgroup's record and the matrix. */
struct blame_end {
	struct mq_cg_rec rec;
	struct mq_attrib_list attr;
	uint64_t mono_us;
};

struct blame_cmd {
	struct memqos_ctx *ctx;
	const char *arg;
	uint64_t interval_ms;		/* 0: no window, the table as it is */
	struct blame_end ends[2];
	uint64_t page_size;
	uint64_t halflife_ms;		/* 0 if the module did not say */
	struct mq_blame b;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* An exit status; errors are reported. */
static int take_end(struct blame_cmd *c, struct blame_end *e)
{
	int ret, err;

	ret = cmd_cgroup_get(c->ctx, c->arg, &e->rec);
	if (ret)
		return ret;
	err = mq_attribq_dump(&c->ctx->nl, &e->attr);
	e->mono_us = mono_us();
	return err ? cmd_nl_error(c->ctx, err) : MEMQOS_EXIT_OK;
}

/* Wait @ms, or until SIGINT, SIGTERM or SIGHUP: the window ends early. */
static int wait_window(uint64_t ms)
{
	uint64_t end = mono_us() + ms * 1000, now;
	struct pollfd pfd = { .events = POLLIN };

	pfd.fd = mq_signal_fd(0);
	if (pfd.fd < 0)
		return pfd.fd;
	while ((now = mono_us()) < end) {
		if (poll(&pfd, 1, (int)((end - now + 999) / 1000)) < 0 &&
		    errno != EINTR)
			break;
		if (pfd.revents)
			break;
	}
	close(pfd.fd);
	return 0;
}

/*
 * Whether the module attributes victims, and its half-life. A module
 * without the kprobe answers with an empty matrix: say why.
 */
static void check_module(struct blame_cmd *c)
{
	struct mq_mod_stats st = { };
	struct mq_mod_config cfg = { };

	if (!mq_mod_stats_get(&c->ctx->nl, &st) &&
	    mq_field_has(&st.v, MEMQOS_A_STATS_ATTRIBUTION) &&
	    !st.v.val[MEMQOS_A_STATS_ATTRIBUTION])
		cmd_error(c->ctx,
			  "the module cannot see which LRU reclaim shrinks on this kernel: victims are not attributed, only the cgroup counters are exact");
	mq_mod_stats_free(&st);
	if (!mq_mod_config_get(&c->ctx->nl, &cfg) &&
	    mq_field_has(&cfg.v, MEMQOS_A_CONFIG_ATTRIBUTION_HALFLIFE_MS))
		c->halflife_ms =
			cfg.v.val[MEMQOS_A_CONFIG_ATTRIBUTION_HALFLIFE_MS];
}

/* The cgroup's own counter @attr over the window (or since tracking). */
static uint64_t exact(const struct blame_cmd *c, uint16_t attr)
{
	if (!c->interval_ms)
		return mq_blame_counter(NULL, &c->ends[0].rec, attr);
	return mq_blame_counter(&c->ends[0].rec, &c->ends[1].rec, attr);
}

static const struct mq_cg_rec *last_rec(const struct blame_cmd *c)
{
	return &c->ends[c->interval_ms ? 1 : 0].rec;
}

static const char *row_name(const struct mq_blame_row *r, char *buf, size_t len)
{
	if (r->reclaimer == ATTRIB_KSWAPD)
		snprintf(buf, len, "kswapd (node %d)", r->node);
	else
		snprintf(buf, len, "%s",
			 mq_attrib_reclaimer_name(r->reclaimer, r->path));
	return buf;
}

static void print_text_rows(const struct blame_cmd *c)
{
	char name[4096], who[WHO_WIDTH + 1], size[UNITS_BUF_SIZE];
	const struct mq_blame_row *r;
	size_t i;

	printf("%-8s %10s %10s %10s %10s %5s %10s  %s\n", "KIND", "SCANNED",
	       "ANON", "FILE", "RECLAIMED", "SHARE", "REFAULTS", "RECLAIMER");
	for (i = 0; i < c->b.n; i++) {
		r = &c->b.rows[i];
		mq_units_format_bytes(size, sizeof(size),
				      mq_blame_row_pages(r) * c->page_size);
		printf("%-8s %10" PRIu64 " %10" PRIu64 " %10" PRIu64
		       " %10s %4u%% %10" PRIu64 "  %s\n",
		       mq_blame_kind_name(r->kind), r->scanned, r->anon,
		       r->file, size,
		       mq_blame_percent(mq_blame_row_pages(r), c->b.pages),
		       r->refaults,
		       mq_print_fit_left(row_name(r, name, sizeof(name)),
					 WHO_WIDTH, who, sizeof(who)));
	}
}

static void print_blame_text(const struct blame_cmd *c, const char *verdict)
{
	const struct mq_cg_rec *rec = last_rec(c);
	uint64_t interval = c->ends[1].mono_us - c->ends[0].mono_us;
	char a[UNITS_BUF_SIZE], b[UNITS_BUF_SIZE];

	if (c->interval_ms)
		printf("%s (id %" PRIu64 "), the last %s:\n", rec->path,
		       rec->id, mq_units_format_usec(a, sizeof(a), interval));
	else if (c->halflife_ms)
		printf("%s (id %" PRIu64 "), since each pair appeared (pairs fade, half-life %s):\n",
		       rec->path, rec->id,
		       mq_units_format_usec(a, sizeof(a),
					    c->halflife_ms * 1000));
	else
		printf("%s (id %" PRIu64 "), since each pair appeared:\n",
		       rec->path, rec->id);
	printf("%s\n", verdict);
	if (c->b.n) {
		printf("\n");
		print_text_rows(c);
	}
	printf("\nreclaimed %" PRIu64 " pages (%s), %" PRIu64
	       " refaulted (%u%%)\n", c->b.pages,
	       mq_units_format_bytes(a, sizeof(a), c->b.pages * c->page_size),
	       c->b.refaults, mq_blame_percent(c->b.refaults, c->b.pages));
	printf("harm from outside its subtree: %" PRIu64 " pages (%s), %"
	       PRIu64 " refaulted; within it: %" PRIu64 " pages (%s)\n",
	       c->b.outside_pages,
	       mq_units_format_bytes(a, sizeof(a),
				     c->b.outside_pages * c->page_size),
	       c->b.outside_refaults, c->b.pages - c->b.outside_pages,
	       mq_units_format_bytes(b, sizeof(b), (c->b.pages -
						    c->b.outside_pages) *
						c->page_size));
	printf("the cgroup's own counters%s: %" PRIu64 " pages from outside, %"
	       PRIu64 " within\n", c->interval_ms ? "" : " (since tracking began)",
	       exact(c, MEMQOS_A_CGROUP_SUBTREE_RECLAIMED_OUTSIDE_PAGES),
	       exact(c, MEMQOS_A_CGROUP_SUBTREE_RECLAIMED_WITHIN_PAGES));
}

static void print_json_row(struct mq_print_ctx *pc, const struct blame_cmd *c,
			   const struct mq_blame_row *r)
{
	char name[4096];

	mq_print_obj_begin(pc, NULL);
	mq_print_str(pc, "reclaimer", NULL,
		     mq_attrib_reclaimer_name(r->reclaimer, r->path));
	mq_print_u64(pc, "reclaimer_id", NULL, r->reclaimer);
	if (r->node >= 0)
		mq_print_u64(pc, "node", NULL, (uint64_t)r->node);
	else
		mq_print_null(pc, "node", NULL, NULL);
	mq_print_str(pc, "kind", NULL, mq_blame_kind_name(r->kind));
	mq_print_str(pc, "name", NULL, row_name(r, name, sizeof(name)));
	mq_print_u64(pc, "scanned_pages", NULL, r->scanned);
	mq_print_u64(pc, "reclaimed_anon_pages", NULL, r->anon);
	mq_print_u64(pc, "reclaimed_file_pages", NULL, r->file);
	mq_print_u64(pc, "reclaimed_pages", NULL, mq_blame_row_pages(r));
	mq_print_u64(pc, "reclaimed_bytes", NULL, mq_blame_row_pages(r) * c->page_size);
	mq_print_u64(pc, "share_percent", NULL,
		     mq_blame_percent(mq_blame_row_pages(r), c->b.pages));
	mq_print_u64(pc, "refaults", NULL, r->refaults);
	mq_print_u64(pc, "recent_pages", NULL, r->recent);
	mq_print_obj_end(pc);
}

static void print_blame_json(const struct blame_cmd *c, const char *verdict)
{
	const struct mq_cg_rec *rec = last_rec(c);
	struct mq_print_ctx pc;
	size_t i;

	mq_print_init(&pc, stdout, true, c->ctx->pretty);
	mq_print_obj_begin(&pc, NULL);
	mq_print_u64(&pc, "id", NULL, rec->id);
	mq_print_str(&pc, "path", NULL, rec->path);
	if (c->interval_ms)
		mq_print_u64(&pc, "interval_us", NULL,
			     c->ends[1].mono_us - c->ends[0].mono_us);
	else
		mq_print_null(&pc, "interval_us", NULL, NULL);
	if (c->halflife_ms)
		mq_print_u64(&pc, "halflife_ms", NULL, c->halflife_ms);
	else
		mq_print_null(&pc, "halflife_ms", NULL, NULL);
	mq_print_str(&pc, "verdict", NULL, verdict);
	mq_print_u64(&pc, "scanned_pages", NULL, c->b.scanned);
	mq_print_u64(&pc, "reclaimed_pages", NULL, c->b.pages);
	mq_print_u64(&pc, "reclaimed_bytes", NULL, c->b.pages * c->page_size);
	mq_print_u64(&pc, "refaults", NULL, c->b.refaults);
	mq_print_u64(&pc, "within_pages", NULL, c->b.pages - c->b.outside_pages);
	mq_print_u64(&pc, "outside_pages", NULL, c->b.outside_pages);
	mq_print_u64(&pc, "outside_bytes", NULL,
		     c->b.outside_pages * c->page_size);
	mq_print_u64(&pc, "outside_refaults", NULL, c->b.outside_refaults);
	mq_print_u64(&pc, "exact_within_pages", NULL,
		     exact(c, MEMQOS_A_CGROUP_SUBTREE_RECLAIMED_WITHIN_PAGES));
	mq_print_u64(&pc, "exact_outside_pages", NULL,
		     exact(c, MEMQOS_A_CGROUP_SUBTREE_RECLAIMED_OUTSIDE_PAGES));
	mq_print_arr_begin(&pc, "reclaimers");
	for (i = 0; i < c->b.n; i++)
		print_json_row(&pc, c, &c->b.rows[i]);
	mq_print_arr_end(&pc);
	mq_print_obj_end(&pc);
	mq_print_finish(&pc);
}

static int blame_cgroup(struct blame_cmd *c)
{
	static const struct mq_attrib_list none;
	const struct mq_attrib_list *before = &none;
	const struct mq_cg_rec *rec;
	char verdict[8192];
	int ret, err;

	ret = take_end(c, &c->ends[0]);
	if (ret)
		return ret;
	if (c->interval_ms) {
		err = wait_window(c->interval_ms);
		if (err)
			return cmd_nl_error(c->ctx, err);
		ret = take_end(c, &c->ends[1]);
		if (ret)
			return ret;
		before = &c->ends[0].attr;
	}
	check_module(c);
	rec = last_rec(c);
	err = mq_blame_compute(before, &c->ends[c->interval_ms ? 1 : 0].attr,
			       rec->id, rec->path, &c->b);
	if (err)
		return cmd_nl_error(c->ctx, err);
	mq_blame_verdict(&c->b, rec->path, verdict, sizeof(verdict));
	if (c->ctx->json)
		print_blame_json(c, verdict);
	else
		print_blame_text(c, verdict);
	return MEMQOS_EXIT_OK;
}

static int blame_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval",	required_argument,	NULL, 'i' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	struct blame_cmd c = { .ctx = ctx };
	int opt, ret;
	size_t i;

	while ((opt = getopt_long(argc, argv, ":i:" CMD_COMMON_SHORTOPTS,
				  opts, NULL)) != -1) {
		if (opt == 'i') {
			if (mq_units_parse_msec(optarg, 100, 86400000,
						&c.interval_ms))
				return cmd_usage_error(ctx, "bad interval '%s'",
						       optarg);
			continue;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	ret = cmd_one_cgroup(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	c.arg = argv[optind];
	c.page_size = (uint64_t)sysconf(_SC_PAGESIZE);

	ret = blame_cgroup(&c);
	for (i = 0; i < 2; i++) {
		mq_cg_rec_free(&c.ends[i].rec);
		mq_attrib_list_free(&c.ends[i].attr);
	}
	mq_blame_free(&c.b);
	return ret;
}

const struct cmd cmd_blame = {
	.name		= "blame",
	.run		= blame_run,
	.summary	= "who reclaimed memory from a cgroup, and the harm",
	.synopsis	= "[-i SEC] CGROUP",
	.description	=
		"Show who took memory from CGROUP and its subtree: every\n"
		"reclaimer that scanned and reclaimed pages from the LRUs of\n"
		"CGROUP or of a cgroup below it, with pages scanned and\n"
		"reclaimed (anon and file), and how many of the victims'\n"
		"workingset refaults came after its reclaim: pages that were\n"
		"needed again, the harm.\n"
		"\n"
		"With -i SEC, blame takes two snapshots of the module's\n"
		"attribution matrix SEC seconds apart and reports exactly what\n"
		"was reclaimed between them: it waits SEC seconds (SIGINT or\n"
		"SIGTERM ends the window early and reports it). Without -i it\n"
		"answers at once from the matrix as it is: counts since each\n"
		"pair appeared. Pairs fade: the module ages each pair's recent\n"
		"score with attribution_halflife_ms and drops a pair once the\n"
		"score is below a page, so a reclaimer that stopped long ago\n"
		"leaves no trace. The matrix holds 1024 pairs; reclaim it had\n"
		"no room for (module counter pairs_full) is missing from the\n"
		"rows but not from the cgroup's own counters, shown last.\n"
		"\n"
		"A reclaimer is a cgroup (its tasks in memcg reclaim at a\n"
		"limit, or in direct reclaim: the module cannot tell which of\n"
		"the two for a pair), the kswapd of one NUMA node, or unknown.\n"
		"KIND says where it stands:\n"
		"\n"
		"self     CGROUP's own tasks\n"
		"subtree  a cgroup below CGROUP\n"
		"other    a cgroup outside CGROUP's subtree\n"
		"kswapd   background reclaim of the node\n"
		"unknown  a task memqos could not place\n"
		"\n"
		"self and subtree are reclaim within CGROUP's own subtree,\n"
		"under its own limits; other, kswapd and unknown are harm from\n"
		"outside. Refaults are the victim's, shared out among the pairs\n"
		"that recently reclaimed from it in proportion to their recent\n"
		"scores; a victim's refault count includes its descendants'\n"
		"(6.1 keeps no local copy). SHARE is the reclaimer's part of\n"
		"the pages reclaimed; rows are sorted by pages reclaimed.\n"
		"\n"
		"The last line gives the cgroup's own counters\n"
		"(subtree_reclaimed_outside_pages and _within_pages in\n"
		"'memqos stat'): exact, kept for every reclaim batch, over the\n"
		"same window, or since tracking began without -i.\n"
		"\n"
		"With --json: {\"id\", \"path\", \"interval_us\" (null without -i),\n"
		"\"halflife_ms\", \"verdict\", \"scanned_pages\",\n"
		"\"reclaimed_pages\", \"reclaimed_bytes\", \"refaults\",\n"
		"\"within_pages\", \"outside_pages\", \"outside_bytes\",\n"
		"\"outside_refaults\", \"exact_within_pages\",\n"
		"\"exact_outside_pages\", \"reclaimers\": [{\"reclaimer\" (path,\n"
		"\"kswapd\" or \"unknown\"), \"reclaimer_id\" (0 for kswapd,\n"
		"18446744073709551615 unknown), \"node\" (kswapd's; null for\n"
		"the others, summed over nodes), \"kind\", \"name\",\n"
		"\"scanned_pages\", \"reclaimed_anon_pages\",\n"
		"\"reclaimed_file_pages\", \"reclaimed_pages\",\n"
		"\"reclaimed_bytes\", \"share_percent\", \"refaults\",\n"
		"\"recent_pages\" (the decayed score now)}]}.\n",
	.options	=
		"-i, --interval SEC\n"
		"       Report the next SEC seconds, 0.1 to 86400, from two\n"
		"       snapshots; without it, the matrix as it is.\n",
};
