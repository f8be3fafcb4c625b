// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/prom.c: Prometheus label escaping, seconds, a cgroup's samples.
 */
#include <errno.h>
#include <stdlib.h>
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
	EXPECT_TRUE(unit_has_line(out, "# HELP memqos_usage_bytes memory.current"));
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_usage_bytes gauge"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_usage_bytes{cgroup=\"/q\\\"x\",id=\"7\"} 4096"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_max_bytes{cgroup=\"/q\\\"x\",id=\"7\"} +Inf"));
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_psi_some_seconds_total counter"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_psi_some_seconds_total{cgroup=\"/q\\\"x\",id=\"7\"} 2.5"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_oom_kills_total{cgroup=\"/q\\\"x\",id=\"7\"} 3"));
	/* absent fields have no sample */
	EXPECT_TRUE(!strstr(out, "memqos_rss_bytes{"));
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_stall_seconds histogram"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"0.000001\"} 1"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"0.000002\"} 1"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"0.000004\"} 3"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"16.777216\"} 3"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\",le=\"+Inf\"} 4"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_sum{cgroup=\"/q\\\"x\","
			     "id=\"7\",kind=\"direct_reclaim\"} 20.000003"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_count{cgroup=\"/q\\\"x\","
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
	EXPECT_TRUE(unit_has_line(out,
		"# TYPE memqos_attribution_scanned_bytes_total counter"));
	EXPECT_TRUE(unit_has_line(out, "memqos_attribution_scanned_bytes_total{"
			     "reclaimer=\"/hog\",reclaimer_id=\"11\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"0\"} 122880"));
	EXPECT_TRUE(unit_has_line(out, "memqos_attribution_reclaimed_bytes_total{"
			     "reclaimer=\"/hog\",reclaimer_id=\"11\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"0\","
			     "type=\"anon\"} 4096"));
	EXPECT_TRUE(unit_has_line(out, "memqos_attribution_reclaimed_bytes_total{"
			     "reclaimer=\"kswapd\",reclaimer_id=\"0\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"1\","
			     "type=\"file\"} 8192"));
	EXPECT_TRUE(unit_has_line(out, "memqos_attribution_refaults_total{"
			     "reclaimer=\"/hog\",reclaimer_id=\"11\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"0\"} 7"));
	EXPECT_TRUE(unit_has_line(out,
		"# TYPE memqos_attribution_recent_bytes gauge"));
	EXPECT_TRUE(unit_has_line(out, "memqos_attribution_recent_bytes{"
			     "reclaimer=\"/hog\",reclaimer_id=\"11\","
			     "victim=\"/svc\",victim_id=\"10\",node=\"0\"} 61440"));
}

/* A record with every cgroup field the module has, each worth @v. */
static void full_rec(struct mq_cg_rec *rec, const char *path, uint64_t v)
{
	size_t i;

	memset(rec, 0, sizeof(*rec));
	rec->id = 42;
	rec->path = (char *)path;
	rec->tracked = true;
	for (i = 0; i < mq_cgroup_fields.n; i++) {
		mq_field_mark(&rec->v, mq_cgroup_fields.fields[i].attr);
		rec->v.val[mq_cgroup_fields.fields[i].attr] = v;
	}
}

/* Samples of @text (lines not comments), and check each family's HELP. */
static size_t samples(const char *text)
{
	const char *line, *end;
	char name[160], want[200];
	size_t n = 0, len;

	for (line = text; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			break;
		if (*line == '#')
			continue;
		n++;
		len = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)len, line);
		/* a histogram's samples are of the family less the suffix */
		if (strstr(name, "_bucket") || strstr(name, "_count") ||
		    (strstr(name, "_sum") && strstr(name, "stall_seconds")))
			*strrchr(name, '_') = '\0';
		snprintf(want, sizeof(want), "# HELP %s ", name);
		EXPECT_TRUE(strstr(text, want));
		snprintf(want, sizeof(want), "# TYPE %s ", name);
		EXPECT_TRUE(strstr(text, want));
	}
	return n;
}

static const char *export(const struct mq_cg_list *list, unsigned int collect,
			  const struct mq_prom_seen *seen)
{
	struct mq_prom_opts opts = {
		.collect = collect, .page_size = 4096, .seen = seen,
	};

	EXPECT_INT_EQ(mq_prom_write_exporter(unit_capture_begin(), list,
					     &opts), 0);
	return unit_capture_end();
}

/* What an SRE dashboards, not all the module has: at most ~25 series. */
static void exporter_default_series(void)
{
	struct mq_cg_rec rec;
	struct mq_cg_list list = { .recs = &rec, .n = 1 };
	unsigned int all = (1U << PROM_C_NR) - 1;
	const char *out;

	full_rec(&rec, "/system.slice/a.service", 1);
	out = export(&list, mq_prom_default_collect(), NULL);
	EXPECT_TRUE(samples(out) <= PROM_DEFAULT_SERIES);
	EXPECT_INT_EQ(samples(out), 24);
	EXPECT_TRUE(unit_has_line(out, "memqos_usage_bytes{cgroup="
			     "\"/system.slice/a.service\","
			     "unit=\"a.service\"} 1"));
	/* pages are bytes here */
	EXPECT_TRUE(unit_has_line(out, "memqos_reclaimed_by_others_bytes_total{"
			     "cgroup=\"/system.slice/a.service\","
			     "unit=\"a.service\"} 4096"));
	EXPECT_TRUE(unit_has_line(out, "memqos_cgroup_info{cgroup="
			     "\"/system.slice/a.service\",unit=\"a.service\","
			     "id=\"42\"} 1"));
	EXPECT_TRUE(!strstr(out, "_pages"));
	EXPECT_TRUE(!strstr(out, "memqos_rss_bytes"));

	/* everything: still no page counts, each family described */
	out = export(&list, all, NULL);
	EXPECT_TRUE(samples(out) > 60);
	EXPECT_TRUE(!strstr(out, "_pages"));
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_victim_scanned_bytes_total "
			     "counter"));
	/* promtool would read "sec" as abbreviated seconds */
	EXPECT_TRUE(!strstr(out, "memqos_sec_"));
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_secondary_pagetables_bytes "
			     "gauge"));
	EXPECT_TRUE(unit_has_line(out, "memqos_rss_bytes{cgroup="
			     "\"/system.slice/a.service\","
			     "unit=\"a.service\"} 1"));
}

static void exporter_pod_labels(void)
{
	struct mq_cg_rec rec;
	struct mq_cg_list list = { .recs = &rec, .n = 1 };
	const char *out;

	full_rec(&rec, "/kubepods/burstable/pod0f2b-1c/abc123", 5);
	out = export(&list, 1U << PROM_C_MEMORY, NULL);
	EXPECT_TRUE(unit_has_line(out, "memqos_usage_bytes{cgroup="
			     "\"/kubepods/burstable/pod0f2b-1c/abc123\","
			     "pod_uid=\"0f2b-1c\",qos_class=\"Burstable\","
			     "container_id=\"abc123\"} 5"));
	EXPECT_TRUE(!strstr(out, "memqos_cgroup_info"));
	EXPECT_TRUE(!strstr(out, "memqos_events"));
}

/* An exporter scrape with the last scrape's labels, and one without. */
static void export_both(const struct mq_cg_list *list,
			struct mq_prom_labels *kept)
{
	struct mq_prom_opts opts = {
		.collect = mq_prom_default_collect(), .page_size = 4096,
		.labels = kept,
	};
	char *with;

	EXPECT_INT_EQ(mq_prom_write_exporter(unit_capture_begin(), list,
					     &opts), 0);
	with = strdup(unit_capture_end());
	EXPECT_STR_EQ(with, export(list, mq_prom_default_collect(), NULL));
	EXPECT_INT_EQ(kept->n, list->n);
	free(with);
}

/*
 * Label sets kept between scrapes: a cgroup that stays (same id, same
 * path) gets its set copied, one renamed or new gets a set of its own,
 * whatever the order; the text is what a scrape without them writes.
 */
static void exporter_labels_kept(void)
{
	struct mq_prom_labels kept = { };
	struct mq_cg_rec recs[3];
	struct mq_cg_list list = { .recs = recs, .n = 3 };

	full_rec(&recs[0], "/system.slice/a.service", 1);
	full_rec(&recs[1], "/kubepods/burstable/pod0f2b-1c/abc123", 2);
	full_rec(&recs[2], "/user.slice/we\"ird", 3);
	recs[1].id = 43;
	recs[2].id = 44;
	export_both(&list, &kept);
	EXPECT_TRUE(strstr(kept.text, "pod_uid=\"0f2b-1c\""));

	/* 44 gone, 43 renamed, 45 new, the order changed */
	full_rec(&recs[0], "/new.slice/b.service", 4);
	recs[0].id = 45;
	full_rec(&recs[1], "/system.slice/a.service", 5);
	full_rec(&recs[2], "/kubepods/besteffort/pod77/def456", 6);
	recs[2].id = 43;
	export_both(&list, &kept);
	EXPECT_TRUE(!strstr(kept.text, "0f2b-1c"));
	EXPECT_TRUE(strstr(kept.text, "pod_uid=\"77\",qos_class=\"BestEffort\""));

	list.n = 0;
	export_both(&list, &kept);
	mq_prom_labels_free(&kept);
}

/* Histograms only of who stalled since the last scrape, 12 + 1 buckets. */
static void exporter_histograms(void)
{
	struct mq_cg_rec recs[2];
	struct mq_cg_list list = { .recs = recs, .n = 2 };
	uint64_t bucket[MEMQOS_HIST_BUCKETS] = { };
	struct mq_prom_seen seen = { };
	struct mq_cg_hist *h;
	const char *out;

	full_rec(&recs[0], "/a", 0);
	full_rec(&recs[1], "/b", 0);
	recs[1].id = 43;
	recs[0].hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].present = true;
	h = &recs[1].hist[MEMQOS_STALL_KIND_DIRECT_RECLAIM];
	h->present = true;
	h->bucket = bucket;
	bucket[1] = 1;		/* [1, 2) us */
	bucket[5] = 2;		/* [16, 32) us */
	bucket[HIST_LAST_BUCKET] = 1;
	h->count = 4;
	h->sum_us = 17000050;

	out = export(&list, 1U << PROM_C_HISTOGRAMS, NULL);
	EXPECT_INT_EQ(samples(out), HIST_LOG4_BUCKETS + 1 + 2);
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/b\","
			     "kind=\"direct_reclaim\",le=\"0.000004\"} 1"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/b\","
			     "kind=\"direct_reclaim\",le=\"0.000016\"} 1"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/b\","
			     "kind=\"direct_reclaim\",le=\"0.000064\"} 3"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/b\","
			     "kind=\"direct_reclaim\",le=\"16.777216\"} 3"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_bucket{cgroup=\"/b\","
			     "kind=\"direct_reclaim\",le=\"+Inf\"} 4"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_sum{cgroup=\"/b\","
			     "kind=\"direct_reclaim\"} 17.00005"));
	EXPECT_TRUE(unit_has_line(out, "memqos_stall_seconds_count{cgroup=\"/b\","
			     "kind=\"direct_reclaim\"} 4"));

	/* nothing new since: the family but no samples */
	EXPECT_INT_EQ(mq_prom_seen_update(&seen, &list), 0);
	out = export(&list, 1U << PROM_C_HISTOGRAMS, &seen);
	EXPECT_INT_EQ(samples(out), 0);
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_stall_seconds histogram"));
	h->count = 5;
	bucket[1]++;
	out = export(&list, 1U << PROM_C_HISTOGRAMS, &seen);
	EXPECT_INT_EQ(samples(out), HIST_LOG4_BUCKETS + 1 + 2);
	/* a cgroup the last scrape did not see counts from 0 */
	recs[1].id = 44;
	EXPECT_TRUE(mq_prom_stalled_since(&seen, &recs[1],
					  MEMQOS_STALL_KIND_DIRECT_RECLAIM));
	EXPECT_TRUE(!mq_prom_stalled_since(&seen, &recs[0],
					   MEMQOS_STALL_KIND_MEMCG_RECLAIM));
	mq_prom_seen_free(&seen);
}

static const char *tier_of(void *ctx, const struct mq_cg_rec *r,
			   const char **source)
{
	(void)ctx;
	*source = "rule \"db\"";
	return r->id == 42 ? "critical" : NULL;
}

static void exporter_info_and_up(void)
{
	struct mq_cg_rec rec;
	struct mq_cg_list list = { .recs = &rec, .n = 1 };
	struct mq_prom_opts opts = {
		.collect = 1U << PROM_C_INFO, .tier = tier_of,
	};
	const char *out;

	full_rec(&rec, "/db", 0);
	mq_prom_write_exporter(unit_capture_begin(), &list, &opts);
	out = unit_capture_end();
	EXPECT_TRUE(unit_has_line(out, "memqos_cgroup_info{cgroup=\"/db\","
			     "id=\"42\",tier=\"critical\","
			     "tier_source=\"rule \\\"db\\\"\"} 1"));
	mq_prom_write_up(unit_capture_begin(), false);
	out = unit_capture_end();
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_up gauge"));
	EXPECT_TRUE(unit_has_line(out, "memqos_up 0"));
}

/* One series per label set: the newest kill's time, how many kills. */
static void oom_kills(void)
{
	struct mq_oom_kill k[4] = {
		{ .seq = 1, .time_ns = 1700000000500000000ULL, .path = "/p/c1",
		  .trigger_path = "/p/c1", .has_scope = true,
		  .scope = MEMQOS_OOM_SCOPE_MEMCG, .scope_path = "/p" },
		{ .seq = 2, .time_ns = 1700000002000000000ULL, .path = "/p/c2",
		  .trigger_path = "/p/c1", .has_scope = true,
		  .scope = MEMQOS_OOM_SCOPE_MEMCG, .scope_path = "/p" },
		{ .seq = 3, .time_ns = 1700000003250000000ULL, .path = "/p/c1",
		  .trigger_path = "/p/c1", .has_scope = true,
		  .scope = MEMQOS_OOM_SCOPE_MEMCG, .scope_path = "/p" },
		/* sysrq: no trigger; a victim gone; then an unknown scope */
		{ .seq = 4, .time_ns = 1700000004000000000ULL,
		  .has_scope = true, .scope = MEMQOS_OOM_SCOPE_SYSRQ },
	};
	struct mq_oom_list list = { .kills = k, .n = 4 };
	const char *out;

	EXPECT_INT_EQ(mq_prom_write_oom_kills(unit_capture_begin(), &list), 0);
	out = unit_capture_end();
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_oom_kill_timestamp_seconds "
			     "gauge"));
	EXPECT_TRUE(unit_has_line(out, "memqos_oom_kill_timestamp_seconds{"
			     "victim_cgroup=\"/p/c1\",trigger_cgroup=\"/p/c1\","
			     "scope=\"memcg\",scope_cgroup=\"/p\"} "
			     "1700000003.25"));
	EXPECT_TRUE(unit_has_line(out, "memqos_oom_kills_recent{"
			     "victim_cgroup=\"/p/c1\",trigger_cgroup=\"/p/c1\","
			     "scope=\"memcg\",scope_cgroup=\"/p\"} 2"));
	EXPECT_TRUE(unit_has_line(out, "memqos_oom_kills_recent{"
			     "victim_cgroup=\"/p/c2\",trigger_cgroup=\"/p/c1\","
			     "scope=\"memcg\",scope_cgroup=\"/p\"} 1"));
	EXPECT_TRUE(unit_has_line(out, "memqos_oom_kill_timestamp_seconds{"
			     "victim_cgroup=\"\",trigger_cgroup=\"\","
			     "scope=\"sysrq\",scope_cgroup=\"\"} 1700000004"));
	EXPECT_INT_EQ(samples(out), 6);

	/* no kills: the families, described, without samples */
	list.n = 0;
	EXPECT_INT_EQ(mq_prom_write_oom_kills(unit_capture_begin(), &list), 0);
	out = unit_capture_end();
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_oom_kills_recent gauge"));
	EXPECT_INT_EQ(samples(out), 0);
}

static void collectors(void)
{
	unsigned int def = mq_prom_default_collect();

	EXPECT_INT_EQ(mq_prom_collector_by_name("detail"), PROM_C_DETAIL);
	EXPECT_INT_EQ(mq_prom_collector_by_name("memory"), PROM_C_MEMORY);
	EXPECT_INT_EQ(mq_prom_collector_by_name("nope"), -ENOENT);
	EXPECT_TRUE(!(def & 1U << PROM_C_DETAIL));
	EXPECT_TRUE(def & 1U << PROM_C_HISTOGRAMS);
	EXPECT_INT_EQ(mq_prom_collector_by_name("oom"), PROM_C_OOM);
	EXPECT_TRUE(def & 1U << PROM_C_OOM);
}

static const struct unit_test tests[] = {
	UNIT_TEST(label_escaping),
	UNIT_TEST(seconds),
	UNIT_TEST(cgroup_samples),
	UNIT_TEST(attribution_samples),
	UNIT_TEST(exporter_default_series),
	UNIT_TEST(exporter_pod_labels),
	UNIT_TEST(exporter_labels_kept),
	UNIT_TEST(exporter_histograms),
	UNIT_TEST(exporter_info_and_up),
	UNIT_TEST(oom_kills),
	UNIT_TEST(collectors),
};

UNIT_SUITE(prom_suite, "prom", tests);
