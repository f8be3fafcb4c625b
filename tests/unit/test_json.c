// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/json_out.c: structure, commas, pretty printing, escaping, misuse.
 */
#include <stdint.h>
#include <string.h>

#include "json_out.h"
#include "unit.h"

static struct mq_json_out jw;

static void begin(bool pretty)
{
	mq_json_init(&jw, unit_capture_begin(), pretty);
}

/* All writes must have gone to the capture before it is read. */
static int finish(void)
{
	return mq_json_finish(&jw);
}

static void compact_object_all_types(void)
{
	begin(false);
	mq_json_obj_begin(&jw);
	mq_json_kv_str(&jw, "s", "x");
	mq_json_kv_u64(&jw, "u", UINT64_MAX);
	mq_json_kv_s64(&jw, "i", INT64_MIN);
	mq_json_kv_bool(&jw, "t", true);
	mq_json_kv_bool(&jw, "f", false);
	mq_json_key(&jw, "n");
	mq_json_null(&jw);
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(finish(), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		      "{\"s\":\"x\",\"u\":18446744073709551615,"
		      "\"i\":-9223372036854775808,\"t\":true,\"f\":false,"
		      "\"n\":null}\n");
}

static void compact_nesting_and_commas(void)
{
	begin(false);
	mq_json_obj_begin(&jw);
	mq_json_kv_arr_begin(&jw, "a");
	mq_json_u64(&jw, 1);
	mq_json_s64(&jw, -2);
	mq_json_obj_begin(&jw);
	mq_json_kv_arr_begin(&jw, "b");
	mq_json_arr_end(&jw);
	mq_json_obj_end(&jw);
	mq_json_arr_end(&jw);
	mq_json_kv_obj_begin(&jw, "c");
	mq_json_obj_end(&jw);
	mq_json_kv_arr_begin(&jw, "d");
	mq_json_arr_begin(&jw);
	mq_json_arr_end(&jw);
	mq_json_arr_begin(&jw);
	mq_json_obj_begin(&jw);
	mq_json_obj_end(&jw);
	mq_json_arr_end(&jw);
	mq_json_arr_end(&jw);
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(finish(), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		      "{\"a\":[1,-2,{\"b\":[]}],\"c\":{},\"d\":[[],[{}]]}\n");
}

static void pretty_indents_two_spaces(void)
{
	begin(true);
	mq_json_obj_begin(&jw);
	mq_json_kv_str(&jw, "name", "memqos");
	mq_json_kv_arr_begin(&jw, "ops");
	mq_json_u64(&jw, 1);
	mq_json_obj_begin(&jw);
	mq_json_kv_u64(&jw, "id", 2);
	mq_json_obj_end(&jw);
	mq_json_arr_end(&jw);
	mq_json_kv_obj_begin(&jw, "empty");
	mq_json_obj_end(&jw);
	mq_json_kv_arr_begin(&jw, "none");
	mq_json_arr_end(&jw);
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(finish(), 0);
	EXPECT_STR_EQ(unit_capture_end(),
		      "{\n"
		      "  \"name\": \"memqos\",\n"
		      "  \"ops\": [\n"
		      "    1,\n"
		      "    {\n"
		      "      \"id\": 2\n"
		      "    }\n"
		      "  ],\n"
		      "  \"empty\": {},\n"
		      "  \"none\": []\n"
		      "}\n");
}

static void top_level_values_one_per_line(void)
{
	begin(false);
	mq_json_obj_begin(&jw);
	mq_json_obj_end(&jw);
	mq_json_obj_begin(&jw);
	mq_json_kv_u64(&jw, "a", 1);
	mq_json_obj_end(&jw);
	mq_json_u64(&jw, 5);
	mq_json_str(&jw, "x");
	EXPECT_INT_EQ(finish(), 0);
	EXPECT_STR_EQ(unit_capture_end(), "{}\n{\"a\":1}\n5\n\"x\"\n");
}

static const char *escaped(const char *str)
{
	mq_json_write_string(unit_capture_begin(), str);
	return unit_capture_end();
}

static void escape_quote_and_backslash(void)
{
	EXPECT_STR_EQ(escaped(""), "\"\"");
	EXPECT_STR_EQ(escaped("a\"b\\c"), "\"a\\\"b\\\\c\"");
	/* '/' may stay as is; cgroup paths are full of it */
	EXPECT_STR_EQ(escaped("/sys/fs/cgroup"), "\"/sys/fs/cgroup\"");
}

static void escape_control_chars(void)
{
	EXPECT_STR_EQ(escaped("\x01\x1f"), "\"\\u0001\\u001f\"");
	EXPECT_STR_EQ(escaped("a\nb\tc\r"),
		      "\"a\\u000ab\\u0009c\\u000d\"");
	/* DEL is not a JSON control character */
	EXPECT_STR_EQ(escaped("\x7f"), "\"\x7f\"");
	EXPECT_STR_EQ(escaped(" ~"), "\" ~\"");
}

static void utf8_valid_passes_through(void)
{
	/* U+00E9, U+20AC, U+1F600, U+10FFFF: 2, 3, 4 bytes and the last */
	EXPECT_STR_EQ(escaped("\xc3\xa9"), "\"\xc3\xa9\"");
	EXPECT_STR_EQ(escaped("\xe2\x82\xac"), "\"\xe2\x82\xac\"");
	EXPECT_STR_EQ(escaped("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
	EXPECT_STR_EQ(escaped("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");
	EXPECT_STR_EQ(escaped("\xef\xbf\xbd"), "\"\xef\xbf\xbd\"");
}

static void utf8_invalid_becomes_replacement(void)
{
	EXPECT_STR_EQ(escaped("\xff"), "\"\\ufffd\"");
	EXPECT_STR_EQ(escaped("\x80"), "\"\\ufffd\"");
	/* overlong '/' and overlong NUL */
	EXPECT_STR_EQ(escaped("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	EXPECT_STR_EQ(escaped("\xe0\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	/* UTF-16 surrogate, past U+10FFFF */
	EXPECT_STR_EQ(escaped("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	EXPECT_STR_EQ(escaped("\xf4\x90\x80\x80"),
		      "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* lead bytes no valid sequence starts with */
	EXPECT_STR_EQ(escaped("\xf5\x80\x80\x80"),
		      "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	EXPECT_STR_EQ(escaped("\xc1\xbf"), "\"\\ufffd\\ufffd\"");
	/* cut short by the end of the string or by ASCII */
	EXPECT_STR_EQ(escaped("a\xe2\x82"), "\"a\\ufffd\\ufffd\"");
	EXPECT_STR_EQ(escaped("\xe2\x82z"), "\"\\ufffd\\ufffdz\"");
}

static void keys_are_escaped(void)
{
	begin(false);
	mq_json_obj_begin(&jw);
	mq_json_kv_str(&jw, "k\"\n", "v");
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(finish(), 0);
	EXPECT_STR_EQ(unit_capture_end(), "{\"k\\\"\\u000a\":\"v\"}\n");
}

static void misuse_value_without_key(void)
{
	begin(false);
	mq_json_obj_begin(&jw);
	mq_json_u64(&jw, 1);
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(finish(), -1);
	unit_capture_end();
}

static void misuse_key_outside_object(void)
{
	begin(false);
	mq_json_key(&jw, "top");
	mq_json_u64(&jw, 1);
	EXPECT_INT_EQ(finish(), -1);
	unit_capture_end();

	begin(false);
	mq_json_arr_begin(&jw);
	mq_json_kv_u64(&jw, "in_array", 1);
	mq_json_arr_end(&jw);
	EXPECT_INT_EQ(finish(), -1);
	unit_capture_end();
}

static void misuse_key_without_value(void)
{
	begin(false);
	mq_json_obj_begin(&jw);
	mq_json_key(&jw, "a");
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(finish(), -1);
	unit_capture_end();

	begin(false);
	mq_json_obj_begin(&jw);
	mq_json_key(&jw, "a");
	mq_json_key(&jw, "b");
	mq_json_u64(&jw, 1);
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(finish(), -1);
	unit_capture_end();
}

static void misuse_unbalanced(void)
{
	begin(false);
	mq_json_obj_begin(&jw);
	EXPECT_INT_EQ(finish(), -1);
	unit_capture_end();

	begin(false);
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(finish(), -1);
	unit_capture_end();

	begin(false);
	mq_json_obj_begin(&jw);
	mq_json_arr_end(&jw);
	EXPECT_INT_EQ(finish(), -1);
	unit_capture_end();
}

static void nest(unsigned int levels)
{
	unsigned int i;

	for (i = 0; i < levels; i++)
		mq_json_arr_begin(&jw);
	for (i = 0; i < levels; i++)
		mq_json_arr_end(&jw);
}

static void depth_limit(void)
{
	const char *out;

	begin(false);
	nest(JSON_MAX_DEPTH);
	EXPECT_INT_EQ(finish(), 0);
	unit_capture_end();

	/* too deep: reported, but brackets still balance */
	begin(false);
	nest(JSON_MAX_DEPTH + 2);
	EXPECT_INT_EQ(finish(), -1);
	out = unit_capture_end();
	EXPECT_U64_EQ(strlen(out), 2 * (JSON_MAX_DEPTH + 2) + 1);
	EXPECT_INT_EQ(out[JSON_MAX_DEPTH + 1], '[');
	EXPECT_INT_EQ(out[JSON_MAX_DEPTH + 2], ']');
}

static void write_error_is_reported(void)
{
	FILE *full = fopen("/dev/full", "w");

	if (!full) {
		EXPECT_TRUE(full != NULL);
		return;
	}
	mq_json_init(&jw, full, false);
	mq_json_obj_begin(&jw);
	mq_json_obj_end(&jw);
	EXPECT_INT_EQ(mq_json_finish(&jw), -1);
	fclose(full);
}

static const struct unit_test tests[] = {
	UNIT_TEST(compact_object_all_types),
	UNIT_TEST(compact_nesting_and_commas),
	UNIT_TEST(pretty_indents_two_spaces),
	UNIT_TEST(top_level_values_one_per_line),
	UNIT_TEST(escape_quote_and_backslash),
	UNIT_TEST(escape_control_chars),
	UNIT_TEST(utf8_valid_passes_through),
	UNIT_TEST(utf8_invalid_becomes_replacement),
	UNIT_TEST(keys_are_escaped),
	UNIT_TEST(misuse_value_without_key),
	UNIT_TEST(misuse_key_outside_object),
	UNIT_TEST(misuse_key_without_value),
	UNIT_TEST(misuse_unbalanced),
	UNIT_TEST(depth_limit),
	UNIT_TEST(write_error_is_reported),
};

UNIT_SUITE(json_suite, "json", tests);
