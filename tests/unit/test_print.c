// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/print.c: one set of calls, text or JSON output.
 */
#include <stdint.h>

#include "print.h"
#include "unit.h"

static struct mq_print_ctx pc;

static void begin(bool json, bool pretty)
{
	mq_print_init(&pc, unit_capture_begin(), json, pretty);
}

/* What a stat-like command would print for one cgroup. */
static void emit_record(void)
{
	mq_print_obj_begin(&pc, NULL);
	mq_print_str(&pc, "cgroup", "%s:\n", "/a \"b\"");
	mq_print_bytes(&pc, "rss", "  rss %s\n", 3 << 19);
	mq_print_usec(&pc, "stall", "  stall %s", 1234);
	mq_print_s64(&pc, "delta", " (%s)\n", -5);
	mq_print_bool(&pc, "throttled", "  throttled %s\n", true);
	mq_print_text(&pc, "  (%u children)\n", 2u);
	mq_print_u64(&pc, "generation", NULL, 7);
	mq_print_arr_begin(&pc, "pids");
	mq_print_u64(&pc, NULL, "  pid %s\n", 10);
	mq_print_u64(&pc, NULL, "  pid %s\n", 11);
	mq_print_arr_end(&pc);
	mq_print_obj_end(&pc);
}

static void text_output(void)
{
	begin(false, false);
	emit_record();
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		      "/a \"b\":\n"
		      "  rss 1.5 MiB\n"
		      "  stall 1.2 ms (-5)\n"
		      "  throttled yes\n"
		      "  (2 children)\n"
		      "  pid 10\n"
		      "  pid 11\n");
}

static void json_output_from_same_calls(void)
{
	begin(true, false);
	emit_record();
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		      "{\"cgroup\":\"/a \\\"b\\\"\",\"rss\":1572864,"
		      "\"stall\":1234,\"delta\":-5,\"throttled\":true,"
		      "\"generation\":7,\"pids\":[10,11]}\n");
}

static void pretty_json(void)
{
	begin(true, true);
	mq_print_obj_begin(&pc, NULL);
	mq_print_str(&pc, "tool_version", "memqos tool %s\n", "0.1.0");
	mq_print_u64(&pc, "uapi_version", " (uapi %s", 1);
	mq_print_obj_end(&pc);
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		      "{\n"
		      "  \"tool_version\": \"0.1.0\",\n"
		      "  \"uapi_version\": 1\n"
		      "}\n");
}

static void text_width_and_bool_no(void)
{
	begin(false, false);
	mq_print_str(&pc, "k", "[%-6s]", "ab");
	mq_print_u64(&pc, "k", "[%4s]", 7);
	mq_print_bool(&pc, "k", "[%s]", false);
	mq_print_u64(&pc, "k", "[%s]", UINT64_MAX);
	mq_print_s64(&pc, "k", "[%s]", INT64_MIN);
	mq_print_text(&pc, "[100%%]\n");
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		      "[ab    ][   7][no][18446744073709551615]"
		      "[-9223372036854775808][100%]\n");
}

static void text_only_and_json_only(void)
{
	begin(false, false);
	mq_print_text(&pc, "text");
	mq_print_u64(&pc, "json_only", NULL, 1);
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	EXPECT_STR_EQ(unit_capture_end(), "text");

	begin(true, false);
	mq_print_obj_begin(&pc, NULL);
	mq_print_text(&pc, "text");
	mq_print_u64(&pc, "json_only", NULL, 1);
	mq_print_obj_end(&pc);
	EXPECT_INT_EQ(mq_print_finish(&pc), 0);
	EXPECT_STR_EQ(unit_capture_end(), "{\"json_only\":1}\n");
}

static void json_misuse_reported_by_finish(void)
{
	begin(true, false);
	mq_print_obj_begin(&pc, NULL);
	mq_print_u64(&pc, NULL, "%s", 1);
	mq_print_obj_end(&pc);
	EXPECT_INT_EQ(mq_print_finish(&pc), -1);
	unit_capture_end();
}

static void fmt_validation(void)
{
	EXPECT_TRUE(mq_print_fmt_is_valid("%s"));
	EXPECT_TRUE(mq_print_fmt_is_valid("rss %s\n"));
	EXPECT_TRUE(mq_print_fmt_is_valid("%-12s|"));
	EXPECT_TRUE(mq_print_fmt_is_valid("%.3s"));
	EXPECT_TRUE(mq_print_fmt_is_valid("100%% %s"));
	EXPECT_TRUE(!mq_print_fmt_is_valid(""));
	EXPECT_TRUE(!mq_print_fmt_is_valid("no conversion"));
	EXPECT_TRUE(!mq_print_fmt_is_valid("%d"));
	EXPECT_TRUE(!mq_print_fmt_is_valid("%llu"));
	EXPECT_TRUE(!mq_print_fmt_is_valid("%s %s"));
	EXPECT_TRUE(!mq_print_fmt_is_valid("%*s"));
	EXPECT_TRUE(!mq_print_fmt_is_valid("%"));
	EXPECT_TRUE(!mq_print_fmt_is_valid("%%"));
}

static void fit_left(void)
{
	const char *path = "/batch/hog";
	char buf[32];

	EXPECT_TRUE(mq_print_fit_left(path, 10, buf, sizeof(buf)) == path);
	EXPECT_STR_EQ(mq_print_fit_left(path, 9, buf, sizeof(buf)), "...ch/hog");
	EXPECT_STR_EQ(mq_print_fit_left("/kubepods/pod-1234/ctr", 12, buf,
					sizeof(buf)), "...-1234/ctr");
	/* "\xc3\xa9" is one character: not cut in two */
	EXPECT_STR_EQ(mq_print_fit_left("/caf\xc3\xa9/x", 6, buf, sizeof(buf)),
		      ".../x");
	EXPECT_STR_EQ(mq_print_fit_left("/caf\xc3\xa9/x", 7, buf, sizeof(buf)),
		      "...\xc3\xa9/x");
}

static const struct unit_test tests[] = {
	UNIT_TEST(text_output),
	UNIT_TEST(json_output_from_same_calls),
	UNIT_TEST(pretty_json),
	UNIT_TEST(text_width_and_bool_no),
	UNIT_TEST(text_only_and_json_only),
	UNIT_TEST(json_misuse_reported_by_finish),
	UNIT_TEST(fmt_validation),
	UNIT_TEST(fit_left),
};

UNIT_SUITE(print_suite, "print", tests);
