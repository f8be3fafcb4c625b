// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/prom.c: Prometheus label escaping, seconds, a cgroup's samples.
 */
#include <string.h>

#include "hist.h"
#include "prom.h"
#include "unit.h"

static void label_escaping(void)
{
	FILE *fp = unit_capture_begin();

	mq_prom_write_label_value(fp, "/a\\b\"c\"\nd é");
	EXPECT_STR_EQ(unit_capture_end(), "/a\\\\b\\\"c\\\"\\nd é");
	fp = unit_capture_begin();
	mq_prom_write_label_value(fp, "");
	EXPECT_STR_EQ(unit_capture_end(), "");
}

static void seconds(void)
{
	char buf[32];

	EXPECT_STR_EQ(mq_prom_format_seconds(0, buf, sizeof(buf)), "0");
	EXPECT_STR_EQ(mq_prom_format_seconds(1, buf, sizeof(buf)), "0.000001");
	EXPECT_STR_EQ(mq_prom_format_seconds(1500, buf, sizeof(buf)), "0.0015");
	EXPECT_STR_EQ(mq_prom_format_seconds(2000000, buf, sizeof(buf)), "2");
	EXPECT_STR_EQ(mq_prom_format_seconds(16777216, buf, sizeof(buf)),
		      "16.777216");
	EXPECT_STR_EQ(mq_prom_format_seconds(UINT64_MAX, buf, sizeof(buf)),
		      "18446744073709.551615");
	EXPECT_STR_EQ(mq_prom_format_seconds(10000000, buf, sizeof(buf)), "10");
	EXPECT_STR_EQ(mq_prom_format_seconds(10500000, buf, sizeof(buf)),
		      "10.5");
	/* a buffer too small is cut, not overrun */
	EXPECT_STR_EQ(mq_prom_format_seconds(1500000, buf, 5), "1.50");
	EXPECT_STR_EQ(mq_prom_format_seconds(1500000, buf, 8), "1.50000");
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void cgroup_samples(void)
{
	struct mq_cg_rec rec = { .id = 7, .path = "/q\"x", .tracked = true };
	struct mq_cg_list list = { .recs = &rec, .n = 1 };
	struct mq_cg_hist *h = &rec.hist[MEMQOS_STALL_KIND_DIRECT_RECLAIM];
	uint64_t bucket[MEMQOS_HIST_BUCKETS] = { };
	const char *out;

	mq_field_mark(&rec.v, MEMQOS_A_CGROUP_USAGE_BYTES);
	mq_field_mark(&rec.v, MEMQOS_A_CGROUP_MAX_BYTES);
	mq_field_mark(&rec.v, MEMQOS_A_CGROUP_PSI_SOME_US);
	mq_field_mark(&rec.v, MEMQOS_A_CGROUP_OOM_KILLS);
	rec.v.val[MEMQOS_A_CGROUP_USAGE_BYTES] = 4096;
	rec.v.val[MEMQOS_A_CGROUP_MAX_BYTES] = MEMQOS_UNLIMITED;
	rec.v.val[MEMQOS_A_CGROUP_PSI_SOME_US] = 2500000;
	rec.v.val[MEMQOS_A_CGROUP_OOM_KILLS] = 3;
	h->present = true;
	h->bucket = bucket;
	bucket[0] = 1;
	bucket[2] = 2;
	bucket[HIST_LAST_BUCKET] = 1;
	h->sum_us = 20000003;
	h->count = 4;

	mq_prom_write_cgroups(unit_capture_begin(), &list);
	out = unit_capture_end();
	EXPECT_TRUE(has_line(out, "# HELP memqos_usage_bytes memory.current"));
	EXPECT_TRUE(has_line(out, "# TYPE memqos_usage_bytes gauge"));
	EXPECT_TRUE(has_line(out,
		"memqos_usage_bytes{cgroup=\"/q\\\"x\",id=\"7\"} 4096"));
	EXPECT_TRUE(has_line(out,
		"memqos_max_bytes{cgroup=\"/q\\\"x\",id=\"7\"} +Inf"));
	EXPECT_TRUE(has_line(out, "# TYPE memqos_psi_some_seconds_total counter"));
	EXPECT_TRUE(has_line(out,
		"memqos_psi_some_seconds_total{cgroup=\"/q\\\"x\",id=\"7\"} 2.5"));
	EXPECT_TRUE(has_line(out,
		"memqos_oom_kills_total{cgroup=\"/q\\\"x\",id=\"7\"} 3"));
	/* absent fields have no sample */
	EXPECT_TRUE(!strstr(out, "memqos_rss_bytes{"));
	EXPECT_TRUE(has_line(out, "# TYPE memqos_stall_seconds histogram"));
	EXPECT_TRUE(has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"0.000001\"} 1"));
	EXPECT_TRUE(has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"0.000002\"} 1"));
	EXPECT_TRUE(has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"0.000004\"} 3"));
	EXPECT_TRUE(has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"16.777216\"} 3"));
	EXPECT_TRUE(has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"+Inf\"} 4"));
	EXPECT_TRUE(has_line(out, "memqos_stall_seconds_sum{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\"} 20.000003"));
	EXPECT_TRUE(has_line(out, "memqos_stall_seconds_count{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\"} 4"));
	/* only the kinds the module sent */
	EXPECT_TRUE(!strstr(out, "kind=\"memcg_reclaim\""));
}

static void attribution_samples(void)
{
	struct mq_attrib_pair pairs[] = {
		{ .reclaimer = 11, .reclaimer_path = "/hog", .victim = 10,
		  .victim_path = "/svc", .node = 0, .scanned = 30,
		  .reclaimed_anon = 1, .reclaimed_file = 20, .refaults = 7,
		  .recent = 15 },
		{ .reclaimer = ATTRIB_KSWAPD, .victim = 10,
		  .victim_path = "/svc", .node = 1, .scanned = 2,
		  .reclaimed_file = 2 },
	};
	struct mq_attrib_list list = { .pairs = pairs, .n = 2 };
	const char *out;

	mq_prom_write_attribution(unit_capture_begin(), &list, 4096);
	out = unit_capture_end();
	EXPECT_TRUE(has_line(out,
		"# TYPE memqos_attribution_scanned_bytes_total counter"));
	EXPECT_TRUE(has_line(out, "memqos_attribution_scanned_bytes_total{"
			     "reclaimer=\"/hog\",reclaimer_id=\"11\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"0\"} 122880"));
	EXPECT_TRUE(has_line(out, "memqos_attribution_reclaimed_bytes_total{"
			     "reclaimer=\"/hog\",reclaimer_id=\"11\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"0\","
			     "type=\"anon\"} 4096"));
	EXPECT_TRUE(has_line(out, "memqos_attribution_reclaimed_bytes_total{"
			     "reclaimer=\"kswapd\",reclaimer_id=\"0\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"1\","
			     "type=\"file\"} 8192"));
	EXPECT_TRUE(has_line(out, "memqos_attribution_refaults_total{"
			     "reclaimer=\"/hog\",reclaimer_id=\"11\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"0\"} 7"));
	EXPECT_TRUE(has_line(out,
		"# TYPE memqos_attribution_recent_bytes gauge"));
	EXPECT_TRUE(has_line(out, "memqos_attribution_recent_bytes{"
			     "reclaimer=\"/hog\",reclaimer_id=\"11\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"0\"} 61440"));
}

static const struct unit_test tests[] = {
	UNIT_TEST(label_escaping),
	UNIT_TEST(seconds),
	UNIT_TEST(cgroup_samples),
	UNIT_TEST(attribution_samples),
};

UNIT_SUITE(prom_suite, "prom", tests);
