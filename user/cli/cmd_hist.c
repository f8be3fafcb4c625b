// SPDX-License-Identifier: GPL-2.0
/*
 * memqos hist: stall percentiles of one cgroup and a text histogram.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cgquery.h"
#include "cmd.h"
#include "hist.h"
#include "units.h"

#define BAR_WIDTH	40

/* "[1.0 ms, 2.0 ms)", "< 1 us" or ">= 17 s" */
static const char *bucket_range(unsigned int b, char *buf, size_t len)
{
	char lo[UNITS_BUF_SIZE], hi[UNITS_BUF_SIZE];

	mq_units_format_usec(lo, sizeof(lo), mq_hist_bucket_lower_us(b));
	if (b == 0)
		snprintf(buf, len, "< 1 us");
	else if (b == HIST_LAST_BUCKET)
		snprintf(buf, len, ">= %s", lo);
	else
		snprintf(buf, len, "[%s, %s)", lo,
			 mq_units_format_usec(hi, sizeof(hi),
					      mq_hist_bucket_upper_us(b)));
	return buf;
}

static void print_bars(struct mq_print_ctx *pc, const struct mq_cg_hist *h)
{
	const uint64_t *bucket = mq_cg_hist_buckets(h);
	unsigned int b, first = MEMQOS_HIST_BUCKETS, last = 0;
	uint64_t top = 0;
	char range[64];
	int len;

	for (b = 0; b < MEMQOS_HIST_BUCKETS; b++) {
		if (!bucket[b])
			continue;
		first = first < b ? first : b;
		last = b;
		top = top > bucket[b] ? top : bucket[b];
	}
	for (b = first; b <= last && top; b++) {
		len = (int)((bucket[b] * BAR_WIDTH + top - 1) / top);
		mq_print_text(pc, "  %-20s %10llu %.*s\n",
			      bucket_range(b, range, sizeof(range)),
			      (unsigned long long)bucket[b], len,
			      "########################################");
	}
}

static void print_kind(struct mq_print_ctx *pc, const char *name,
		       const struct mq_cg_hist *h)
{
	const uint64_t *bucket = mq_cg_hist_buckets(h);
	unsigned int b;

	mq_print_obj_begin(pc, name);
	mq_print_text(pc, "%s: ", name);
	mq_print_u64(pc, "count", "%s stalls", h->count);
	mq_print_usec(pc, "sum_us", ", total %s", h->sum_us);
	mq_print_usec(pc, "p50_us", ", p50 %s",
		      mq_hist_percentile_us(bucket, h->max_us, 50));
	mq_print_usec(pc, "p90_us", ", p90 %s",
		      mq_hist_percentile_us(bucket, h->max_us, 90));
	mq_print_usec(pc, "p99_us", ", p99 %s",
		      mq_hist_percentile_us(bucket, h->max_us, 99));
	mq_print_usec(pc, "max_us", ", max %s\n", h->max_us);
	mq_print_arr_begin(pc, "buckets");
	for (b = 0; b < MEMQOS_HIST_BUCKETS; b++)
		mq_print_u64(pc, NULL, NULL, bucket[b]);
	mq_print_arr_end(pc);
	print_bars(pc, h);
	mq_print_obj_end(pc);
}

static void print_hists(struct mq_print_ctx *pc, const struct mq_cg_rec *r)
{
	unsigned int k;

	mq_print_obj_begin(pc, NULL);
	mq_print_u64(pc, "id", NULL, r->id);
	mq_print_str(pc, "path", "%s", r->path);
	mq_print_text(pc, " (id %llu)\n", (unsigned long long)r->id);
	mq_print_obj_begin(pc, "stalls");
	for (k = 0; k < CG_STALL_KINDS; k++)
		if (r->hist[k].present)
			print_kind(pc, mq_cg_stall_names[k], &r->hist[k]);
	mq_print_obj_end(pc);
	mq_print_obj_end(pc);
}

static int hist_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	struct mq_print_ctx pc;
	struct mq_cg_rec rec;
	int ret;

	ret = cmd_parse_common(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	ret = cmd_one_cgroup(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;

	ret = cmd_cgroup_get(ctx, argv[optind], &rec);
	if (ret == MEMQOS_EXIT_OK) {
		mq_print_init(&pc, stdout, ctx->json, ctx->pretty);
		print_hists(&pc, &rec);
		mq_print_finish(&pc);
	}
	mq_cg_rec_free(&rec);
	return ret;
}

const struct cmd cmd_hist = {
	.name		= "hist",
	.run		= hist_run,
	.summary	= "show stall percentiles and histograms of a cgroup",
	.synopsis	= "CGROUP",
	.description	=
		"For each kind of stall the module times in CGROUP\n"
		"(memcg_reclaim: reclaim at memory.max or memory.high;\n"
		"direct_reclaim: global direct reclaim; high_throttle:\n"
		"memory.high handling on return to user space), print the\n"
		"number of stalls, their total time, the 50th, 90th and 99th\n"
		"percentiles and the longest, then a bar per non-empty\n"
		"bucket range.\n"
		"\n"
		"The module keeps log2 buckets (under 1 us, [1, 2) us,\n"
		"[2, 4) us, ... and from 2^24 us on), so a percentile is the\n"
		"upper bound of the bucket it falls in, never more than the\n"
		"longest stall; p100 is the longest stall. CGROUP is named as\n"
		"for 'memqos stat'.\n"
		"\n"
		"With --json, {\"id\", \"path\", \"stalls\": {KIND: {\"count\",\n"
		"\"sum_us\", \"p50_us\", \"p90_us\", \"p99_us\", \"max_us\",\n"
		"\"buckets\"}}}.\n",
};
