// SPDX-License-Identifier: GPL-2.0
/*
 * The framework's own checks must fail on a mismatch, or every other test
 * could pass vacuously.
 */
#include <stdint.h>

#include "unit.h"

static void str_check_detects_mismatch(void)
{
	bool ok[4];

	unit_mute_begin();
	ok[0] = EXPECT_STR_EQ("1.0 KiB", "1.0 KiB");
	ok[1] = EXPECT_STR_EQ("1.0 KiB", "1.0 KiB ");
	ok[2] = EXPECT_STR_EQ(NULL, "");
	ok[3] = EXPECT_STR_EQ(NULL, NULL);
	EXPECT_INT_EQ(unit_mute_end(), 2);

	EXPECT_TRUE(ok[0]);
	EXPECT_TRUE(!ok[1]);
	EXPECT_TRUE(!ok[2]);
	EXPECT_TRUE(ok[3]);
}

static void int_checks_detect_mismatch(void)
{
	bool ok[5];

	unit_mute_begin();
	ok[0] = EXPECT_INT_EQ(-1, -1);
	ok[1] = EXPECT_INT_EQ(-1, 1);
	/* 64-bit all the way: these differ only above bit 32 */
	ok[2] = EXPECT_U64_EQ(UINT64_MAX, UINT64_MAX - (1ULL << 40));
	ok[3] = EXPECT_INT_EQ(INT64_MIN, 0);
	ok[4] = EXPECT_TRUE(1 + 1 == 3);
	EXPECT_INT_EQ(unit_mute_end(), 4);

	EXPECT_TRUE(ok[0]);
	EXPECT_TRUE(!ok[1] && !ok[2] && !ok[3] && !ok[4]);
}

static void capture_returns_written_text(void)
{
	FILE *fp = unit_capture_begin();

	fprintf(fp, "a%cb\n", 0x01);
	EXPECT_STR_EQ(unit_capture_end(), "a\001b\n");

	unit_capture_begin();
	EXPECT_STR_EQ(unit_capture_end(), "");
}

static const struct unit_test tests[] = {
	UNIT_TEST(str_check_detects_mismatch),
	UNIT_TEST(int_checks_detect_mismatch),
	UNIT_TEST(capture_returns_written_text),
};

UNIT_SUITE(unit_self_suite, "unit", tests);
