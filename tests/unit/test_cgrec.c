// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/fields.c and user/lib/cgrec.c: the naming rule over every table, and
 * a synthetic CGROUP_GET reply decoded and printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "cgrec.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The rule of fields.h, for one entry. */
static bool follows_rule(const struct mq_field *f)
{
	char metric[128];

	switch (f->kind) {
	case FIELD_BYTES:
	case FIELD_LIMIT:
		if (!ends_with(f->key, "_bytes"))
			return false;
		break;
	case FIELD_COUNT:
		if (!ends_with(f->key, "_total"))
			return false;
		break;
	case FIELD_USEC:
		if (!ends_with(f->key, "_us"))
			return false;
		snprintf(metric, sizeof(metric), "%.*s_seconds_total",
			 (int)strlen(f->key) - 3, f->key);
		return ends_with(f->metric, metric) &&
		       !strncmp(f->metric, "memqos_", 7);
	case FIELD_GAUGE:
		if (ends_with(f->key, "_bytes") || ends_with(f->key, "_total") ||
		    ends_with(f->key, "_us"))
			return false;
		break;
	}
	return !strncmp(f->metric, "memqos_", 7) &&
	       ends_with(f->metric, f->key);
}

static void naming_rule(void)
{
	const struct mq_field_set *sets[] = {
		&mq_cgroup_fields, &mq_stats_fields, &mq_config_fields,
	};
	size_t s, i, j;

	for (s = 0; s < 3; s++) {
		for (i = 0; i < sets[s]->n; i++) {
			const struct mq_field *f = &sets[s]->fields[i];

			if (!EXPECT_TRUE(follows_rule(f)))
				printf("# bad name: %s / %s\n", f->key,
				       f->metric);
			EXPECT_TRUE(f->attr < FIELD_MAX_ATTRS);
			EXPECT_TRUE(strspn(f->key, "abcdefghijklmnopqrstuvwxyz_") ==
				    strlen(f->key));
			for (j = 0; j < i; j++) {
				EXPECT_TRUE(strcmp(f->key,
						   sets[s]->fields[j].key));
				EXPECT_TRUE(f->attr != sets[s]->fields[j].attr);
			}
		}
	}
}

/*
 * Every attribute of @max but those in @skip (ids, strings, nests, pads)
 * has exactly one entry in @set: a new attribute in the header fails
 * until its table has it.
 */
static void set_complete(const struct mq_field_set *set, unsigned int max,
			 const unsigned int *skip, size_t n_skip)
{
	unsigned int attr;
	size_t i, n, total = 0;
	bool skipped;

	for (attr = 1; attr <= max; attr++) {
		skipped = false;
		for (i = 0; i < n_skip; i++)
			skipped |= skip[i] == attr;
		n = 0;
		for (i = 0; i < set->n; i++)
			n += set->fields[i].attr == attr;
		if (!EXPECT_U64_EQ(n, skipped ? 0 : 1))
			printf("# attribute %u: %zu table entries\n", attr, n);
		total += n;
	}
	EXPECT_U64_EQ(set->n, total);
}

static void cgroup_table_complete(void)
{
	static const unsigned int skip[] = {
		MEMQOS_A_CGROUP_ID, MEMQOS_A_CGROUP_PATH, MEMQOS_A_CGROUP_PAD,
		MEMQOS_A_CGROUP_TRACKED, MEMQOS_A_CGROUP_HIST,
		MEMQOS_A_CGROUP_SELECT,	/* request only */
	};

	set_complete(&mq_cgroup_fields, MEMQOS_A_CGROUP_MAX, skip,
		     ARRAY_SIZE(skip));
}

static void stats_table_complete(void)
{
	static const unsigned int skip[] = {
		MEMQOS_A_STATS_PAD, MEMQOS_A_STATS_PROBE,
	};

	set_complete(&mq_stats_fields, MEMQOS_A_STATS_MAX, skip,
		     ARRAY_SIZE(skip));
}

static void config_table_complete(void)
{
	set_complete(&mq_config_fields, MEMQOS_A_CONFIG_MAX, NULL, 0);
}

static char buf[8192];

static struct nlmsghdr *msg_begin(void)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 0x20;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = MEMQOS_CMD_CGROUP_GET;
	genl->version = MEMQOS_FAMILY_VERSION;
	return nlh;
}

static void put_hist(struct nlmsghdr *nlh, uint32_t kind, uint64_t max_us,
		     unsigned int nbuckets, unsigned int hot)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, MEMQOS_A_CGROUP_HIST);
	unsigned int b;

	mnl_attr_put_u32(nlh, MEMQOS_A_HIST_KIND, kind);
	mnl_attr_put_u64(nlh, MEMQOS_A_HIST_COUNT, hot < nbuckets ? 4 : 0);
	mnl_attr_put_u64(nlh, MEMQOS_A_HIST_SUM_US, hot < nbuckets ? 3000 : 0);
	mnl_attr_put_u64(nlh, MEMQOS_A_HIST_MAX_US, max_us);
	for (b = 0; b < nbuckets; b++)
		mnl_attr_put_u64(nlh, MEMQOS_A_HIST_BUCKET, b == hot ? 4 : 0);
	mnl_attr_nest_end(nlh, nest);
}

/* A small reply: a few fields, one unknown attribute, two kinds. */
static struct nlmsghdr *sample_reply(void)
{
	struct nlmsghdr *nlh = msg_begin();

	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, 4242);
	mnl_attr_put_strz(nlh, MEMQOS_A_CGROUP_PATH, "/a \"b\"");
	mnl_attr_put_u8(nlh, MEMQOS_A_CGROUP_TRACKED, 1);
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_USAGE_BYTES, 3 << 20);
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_MAX_BYTES, MEMQOS_UNLIMITED);
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_HIGH_BYTES, 64 << 20);
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_MEMCG_RECLAIM_US, 1500);
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_OOM_KILLS, 2);
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_MAX + 5, 99);	/* newer */
	put_hist(nlh, MEMQOS_STALL_KIND_MEMCG_RECLAIM, 1000, 26, 10);
	put_hist(nlh, MEMQOS_STALL_KIND_HIGH_THROTTLE, 0, 26, 99);
	put_hist(nlh, 7, 0, 26, 99);		/* unknown kind: skipped */
	return nlh;
}

static void decode_sample(void)
{
	struct mq_cg_rec r;

	EXPECT_INT_EQ(mq_cg_rec_decode(sample_reply(), &r), 0);
	EXPECT_U64_EQ(r.id, 4242);
	EXPECT_STR_EQ(r.path, "/a \"b\"");
	EXPECT_TRUE(r.tracked);
	EXPECT_U64_EQ(mq_cg_val(&r, MEMQOS_A_CGROUP_USAGE_BYTES), 3 << 20);
	EXPECT_U64_EQ(mq_cg_val(&r, MEMQOS_A_CGROUP_OOM_KILLS), 2);
	EXPECT_TRUE(!mq_field_has(&r.v, MEMQOS_A_CGROUP_RSS_BYTES));
	EXPECT_TRUE(r.hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].present);
	EXPECT_TRUE(!r.hist[MEMQOS_STALL_KIND_DIRECT_RECLAIM].present);
	EXPECT_U64_EQ(r.hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].bucket[10], 4);
	EXPECT_U64_EQ(r.hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].max_us, 1000);
	EXPECT_U64_EQ(mq_cg_stall_us(&r), 3000);
	mq_cg_rec_free(&r);
}

static void decode_rejects_bad(void)
{
	struct nlmsghdr *nlh;
	struct mq_cg_rec r;

	/* no path */
	nlh = msg_begin();
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, 1);
	EXPECT_INT_EQ(mq_cg_rec_decode(nlh, &r), -EBADMSG);
	mq_cg_rec_free(&r);

	/* a u64 level sent as 3 bytes */
	nlh = msg_begin();
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, 1);
	mnl_attr_put_strz(nlh, MEMQOS_A_CGROUP_PATH, "/");
	mnl_attr_put(nlh, MEMQOS_A_CGROUP_RSS_BYTES, 3, "abc");
	EXPECT_INT_EQ(mq_cg_rec_decode(nlh, &r), -EBADMSG);
	mq_cg_rec_free(&r);

	/* a histogram without its kind */
	nlh = msg_begin();
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, 1);
	mnl_attr_put_strz(nlh, MEMQOS_A_CGROUP_PATH, "/");
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_HIST, 0);
	EXPECT_INT_EQ(mq_cg_rec_decode(nlh, &r), -EBADMSG);
	mq_cg_rec_free(&r);

	/* the same kind twice */
	nlh = msg_begin();
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, 1);
	mnl_attr_put_strz(nlh, MEMQOS_A_CGROUP_PATH, "/");
	put_hist(nlh, MEMQOS_STALL_KIND_DIRECT_RECLAIM, 0, 26, 99);
	put_hist(nlh, MEMQOS_STALL_KIND_DIRECT_RECLAIM, 0, 26, 99);
	EXPECT_INT_EQ(mq_cg_rec_decode(nlh, &r), -EBADMSG);
	mq_cg_rec_free(&r);
}

/* A histogram's kind may come after its values; unknown kinds skipped. */
static void decode_hist_any_order(void)
{
	struct nlmsghdr *nlh = msg_begin();
	struct nlattr *nest;
	struct mq_cg_rec r;

	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, 1);
	mnl_attr_put_strz(nlh, MEMQOS_A_CGROUP_PATH, "/");
	nest = mnl_attr_nest_start(nlh, MEMQOS_A_CGROUP_HIST);
	mnl_attr_put_u64(nlh, MEMQOS_A_HIST_COUNT, 5);
	mnl_attr_put_u64(nlh, MEMQOS_A_HIST_BUCKET, 2);
	mnl_attr_put_u64(nlh, MEMQOS_A_HIST_BUCKET, 3);
	mnl_attr_put_u32(nlh, MEMQOS_A_HIST_KIND,
			 MEMQOS_STALL_KIND_HIGH_THROTTLE);
	mnl_attr_nest_end(nlh, nest);
	put_hist(nlh, 7, 0, 26, 3);
	EXPECT_INT_EQ(mq_cg_rec_decode(nlh, &r), 0);
	EXPECT_TRUE(r.hist[MEMQOS_STALL_KIND_HIGH_THROTTLE].present);
	EXPECT_U64_EQ(r.hist[MEMQOS_STALL_KIND_HIGH_THROTTLE].count, 5);
	EXPECT_U64_EQ(r.hist[MEMQOS_STALL_KIND_HIGH_THROTTLE].bucket[1], 3);
	EXPECT_U64_EQ(r.hist[MEMQOS_STALL_KIND_HIGH_THROTTLE].bucket[2], 0);
	EXPECT_TRUE(!r.hist[MEMQOS_STALL_KIND_MEMCG_RECLAIM].present);
	mq_cg_rec_free(&r);
}

static const char zeros25[] = "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0";

static void json_of_one_cgroup(void)
{
	struct mq_print_ctx pc;
	struct mq_cg_rec r;
	char expected[2048];

	EXPECT_INT_EQ(mq_cg_rec_decode(sample_reply(), &r), 0);
	mq_print_init(&pc, unit_capture_begin(), true, false);
	mq_cg_rec_print(&pc, &r, false);
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	snprintf(expected, sizeof(expected),
		 "{\"id\":4242,\"path\":\"/a \\\"b\\\"\",\"tracked\":true,"
		 "\"usage_bytes\":3145728,\"high_bytes\":67108864,"
		 "\"max_bytes\":null,\"memcg_reclaim_us\":1500,"
		 "\"oom_kills_total\":2,\"stalls\":{"
		 "\"memcg_reclaim\":{\"count\":4,\"sum_us\":3000,"
		 "\"p50_us\":1000,\"p90_us\":1000,\"p99_us\":1000,"
		 "\"max_us\":1000,\"buckets\":[0,0,0,0,0,0,0,0,0,0,4,"
		 "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]},"
		 "\"high_throttle\":{\"count\":0,\"sum_us\":0,\"p50_us\":0,"
		 "\"p90_us\":0,\"p99_us\":0,\"max_us\":0,\"buckets\":[0,%s]}"
		 "}}\n", zeros25);
	EXPECT_STR_EQ(unit_capture_end(), expected);
	mq_cg_rec_free(&r);
}

/* Every field, every kind, a path that takes each escaping branch. */
static void full_record(struct mq_cg_rec *r)
{
	unsigned int k, b;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->id = 18446744073709551615ULL;
	r->path = strdup("/k\xc3\xa9 \"q\" \\ \x01\xff/\n");
	for (i = 0; i < mq_cgroup_fields.n; i++) {
		const struct mq_field *f = &mq_cgroup_fields.fields[i];

		r->v.val[f->attr] = f->kind == FIELD_LIMIT && i % 2 ?
				    MEMQOS_UNLIMITED : i * 1000003;
		mq_field_mark(&r->v, f->attr);
	}
	for (k = 0; k < CG_STALL_KINDS; k++) {
		uint64_t *bucket = mq_cg_hist_buckets_mut(&r->hist[k]);

		r->hist[k].present = true;
		for (b = 0; b < MEMQOS_HIST_BUCKETS; b++)
			bucket[b] = (b * 7 + k) % 5;
		r->hist[k].count = 100 + k;
		r->hist[k].sum_us = 123456789;
		r->hist[k].max_us = 99999;
	}
}

/*
 * @r twice in context @where (0: top level; 1: elements of an array in
 * an object; 2: the first in an array, the second at depth 29, past
 * what mq_cg_rec_json() takes), through mq_cg_rec_json() if @fast or the
 * generic print path. Returns the text (strdup'd).
 */
static char *render(const struct mq_cg_rec *r, bool pretty, int where,
		    bool fast)
{
	struct mq_print_ctx pc;
	int i, depth = 0;

	mq_print_init(&pc, unit_capture_begin(), true, pretty);
	if (where) {
		mq_print_obj_begin(&pc, NULL);
		mq_print_u64(&pc, "n", NULL, 2);
		mq_print_arr_begin(&pc, where == 1 ? "cgroups" : "deep");
		depth = 2;
	}
	for (i = 0; i < 2; i++) {
		if (where == 2 && i == 1) {
			while (depth < 29) {
				mq_print_arr_begin(&pc, NULL);
				depth++;
			}
		}
		if (!fast)
			mq_cg_rec_print_generic(&pc, r, true);
		else if (!EXPECT_TRUE(mq_cg_rec_json(&pc.jw, r) ==
				      (where != 2 || i == 0)))
			printf("# where %d, record %d\n", where, i);
		if (fast && where == 2 && i == 1)
			mq_cg_rec_print(&pc, r, true);	/* falls back */
	}
	while (depth-- > 2)
		mq_print_arr_end(&pc);
	if (where) {
		mq_print_arr_end(&pc);
		mq_print_obj_end(&pc);
	}
	/* past the depth limit the print path's JSON is invalid too */
	EXPECT_INT_EQ(mq_print_finish(&pc),
		      where == 2 && r->hist[0].present ? -1 : 0);
	return strdup(unit_capture_end());
}

static void json_writer_matches_print_path(void)
{
	struct mq_cg_rec recs[4];
	int i, where, pretty;

	EXPECT_INT_EQ(mq_cg_rec_decode(sample_reply(), &recs[0]), 0);
	full_record(&recs[1]);
	memset(&recs[2], 0, sizeof(recs[2]));	/* no fields, no stalls */
	recs[2].id = 1;
	recs[2].path = strdup("/");
	/* empty; no buckets but totals; only the last bucket */
	memset(&recs[3], 0, sizeof(recs[3]));
	recs[3].id = 2;
	recs[3].path = strdup("/x");
	for (i = 0; i < CG_STALL_KINDS; i++) {
		recs[3].hist[i].present = true;
		recs[3].hist[i].count = i ? 5 : 0;
		recs[3].hist[i].sum_us = i ? 300 : 0;
		recs[3].hist[i].max_us = i ? 70 : 0;
	}
	mq_cg_hist_buckets_mut(&recs[3].hist[2])[MEMQOS_HIST_BUCKETS - 1] = 5;
	for (i = 0; i < 4; i++) {
		for (pretty = 0; pretty < 2; pretty++) {
			for (where = 0; where < 3; where++) {
				char *slow = render(&recs[i], pretty, where,
						    false);
				char *fast = render(&recs[i], pretty, where,
						    true);

				if (!EXPECT_STR_EQ(fast, slow))
					printf("# record %d pretty %d where %d\n",
					       i, pretty, where);
				free(slow);
				free(fast);
			}
		}
		mq_cg_rec_free(&recs[i]);
	}
}

static void text_of_one_cgroup(void)
{
	struct mq_print_ctx pc;
	struct mq_cg_rec r;

	EXPECT_INT_EQ(mq_cg_rec_decode(sample_reply(), &r), 0);
	mq_print_init(&pc, unit_capture_begin(), false, false);
	mq_cg_rec_print(&pc, &r, false);
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		"/a \"b\" (id 4242)\n"
		"  tracked                  yes\n"
		"  usage                    3.0 MiB\n"
		"  high                     64 MiB\n"
		"  max                      max\n"
		"  memcg_reclaim_time       1.5 ms\n"
		"  oom_kills                2\n"
		"  stalls             count      total        p50"
		"        p90        p99        max\n"
		"  memcg_reclaim          4     3.0 ms     1.0 ms"
		"     1.0 ms     1.0 ms     1.0 ms\n"
		"  high_throttle          0       0 us       0 us"
		"       0 us       0 us       0 us\n");
	mq_cg_rec_free(&r);
}

static void dump_list(void)
{
	struct mq_cg_list list = { };
	int i;

	for (i = 0; i < 100; i++) {
		struct nlmsghdr *nlh = msg_begin();

		mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, 1000 + i);
		mnl_attr_put_strz(nlh, MEMQOS_A_CGROUP_PATH, "/x");
		EXPECT_INT_EQ(mq_cg_list_add_cb(nlh, &list), MNL_CB_OK);
	}
	EXPECT_U64_EQ(list.n, 100);
	EXPECT_TRUE(mq_cg_list_find(&list, 1099) == &list.recs[99]);
	EXPECT_TRUE(!mq_cg_list_find(&list, 7));
	EXPECT_INT_EQ(mq_cg_list_add_cb(msg_begin(), &list), MNL_CB_ERROR);
	EXPECT_U64_EQ(list.n, 100);
	mq_cg_list_free(&list);
}

static void path_depth(void)
{
	EXPECT_INT_EQ(mq_cg_path_depth("/"), 0);
	EXPECT_INT_EQ(mq_cg_path_depth(""), 0);
	EXPECT_INT_EQ(mq_cg_path_depth("/a"), 1);
	EXPECT_INT_EQ(mq_cg_path_depth("/a/b/"), 2);
	EXPECT_INT_EQ(mq_cg_path_depth("a//b/c"), 3);
}

/* A list of the four cgroups below, paths malloc'ed as a dump's are. */
static void keep_fill(struct mq_cg_list *list)
{
	static const char *const paths[] = {
		"/", "/system.slice", "/system.slice/a.service",
		"/kubepods.slice/x/y",
	};
	size_t i;

	list->n = 0;
	for (i = 0; i < 4; i++) {
		memset(&list->recs[i], 0, sizeof(list->recs[i]));
		list->recs[i].id = i + 1;
		list->recs[i].path = strdup(paths[i]);
	}
	list->n = 4;
}

static void list_keep(void)
{
	struct mq_cg_list list = {
		.recs = calloc(4, sizeof(*list.recs)), .cap = 4,
	};

	keep_fill(&list);
	mq_cg_list_keep(&list, 1, NULL);
	EXPECT_INT_EQ(list.n, 2);
	EXPECT_U64_EQ(list.recs[0].id, 1);
	EXPECT_U64_EQ(list.recs[1].id, 2);
	mq_cg_list_clear(&list);
	EXPECT_INT_EQ(list.n, 0);
	EXPECT_INT_EQ(list.cap, 4);
	/* fnmatch: * does not cross a / */
	keep_fill(&list);
	mq_cg_list_keep(&list, ~0U, "/system.slice/*");
	EXPECT_INT_EQ(list.n, 1);
	EXPECT_U64_EQ(list.recs[0].id, 3);
	EXPECT_STR_EQ(list.recs[0].path, "/system.slice/a.service");
	mq_cg_list_clear(&list);
	keep_fill(&list);
	mq_cg_list_keep(&list, 2, "/kube*");
	EXPECT_INT_EQ(list.n, 0);
	mq_cg_list_free(&list);
	EXPECT_TRUE(!list.recs);
}

static const struct unit_test tests[] = {
	UNIT_TEST(path_depth),
	UNIT_TEST(list_keep),
	UNIT_TEST(naming_rule),
	UNIT_TEST(cgroup_table_complete),
	UNIT_TEST(stats_table_complete),
	UNIT_TEST(config_table_complete),
	UNIT_TEST(decode_sample),
	UNIT_TEST(decode_rejects_bad),
	UNIT_TEST(decode_hist_any_order),
	UNIT_TEST(json_of_one_cgroup),
	UNIT_TEST(json_writer_matches_print_path),
	UNIT_TEST(text_of_one_cgroup),
	UNIT_TEST(dump_list),
};

UNIT_SUITE(cgrec_suite, "cgrec", tests);
