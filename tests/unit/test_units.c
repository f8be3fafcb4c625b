// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/units.c: human formatting of bytes and durations, size parsing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "units.h"
#include "unit.h"

#define KiB	(1ULL << 10)
#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)
#define PiB	(1ULL << 50)
#define EiB	(1ULL << 60)

static char buf[UNITS_BUF_SIZE];

#define BYTES(v)	mq_units_format_bytes(buf, sizeof(buf), (v))
#define USEC(v)		mq_units_format_usec(buf, sizeof(buf), (v))

static void format_bytes_below_one_kib(void)
{
	EXPECT_STR_EQ(BYTES(0), "0 B");
	EXPECT_STR_EQ(BYTES(1), "1 B");
	EXPECT_STR_EQ(BYTES(1023), "1023 B");
}

static void format_bytes_one_decimal_below_ten(void)
{
	EXPECT_STR_EQ(BYTES(1024), "1.0 KiB");
	EXPECT_STR_EQ(BYTES(1536), "1.5 KiB");
	EXPECT_STR_EQ(BYTES(3 * MiB / 2), "1.5 MiB");
	EXPECT_STR_EQ(BYTES(GiB), "1.0 GiB");
	EXPECT_STR_EQ(BYTES(9 * KiB), "9.0 KiB");
}

static void format_bytes_whole_from_ten(void)
{
	EXPECT_STR_EQ(BYTES(10 * KiB), "10 KiB");
	EXPECT_STR_EQ(BYTES(12 * GiB), "12 GiB");
	EXPECT_STR_EQ(BYTES(1023 * KiB), "1023 KiB");
	EXPECT_STR_EQ(BYTES(1023 * PiB), "1023 PiB");
}

static void format_bytes_rounds_half_up(void)
{
	/* 1.0498 KiB and 1.0508 KiB */
	EXPECT_STR_EQ(BYTES(1075), "1.0 KiB");
	EXPECT_STR_EQ(BYTES(1076), "1.1 KiB");
	/* exactly 10.5 KiB and one byte less */
	EXPECT_STR_EQ(BYTES(10752), "11 KiB");
	EXPECT_STR_EQ(BYTES(10751), "10 KiB");
}

static void format_bytes_carries_into_next_digit(void)
{
	/* 9.9492 KiB stays, 9.9502 KiB rounds to 10.0 and drops the .0 */
	EXPECT_STR_EQ(BYTES(10188), "9.9 KiB");
	EXPECT_STR_EQ(BYTES(10189), "10 KiB");
}

static void format_bytes_never_1024_of_a_unit(void)
{
	EXPECT_STR_EQ(BYTES(1048063), "1023 KiB");	/* 1023.499 */
	EXPECT_STR_EQ(BYTES(1048064), "1.0 MiB");	/* 1023.5 */
	EXPECT_STR_EQ(BYTES(MiB - 1), "1.0 MiB");
	EXPECT_STR_EQ(BYTES(GiB - 1), "1.0 GiB");
}

static void format_bytes_extremes(void)
{
	EXPECT_STR_EQ(BYTES(EiB), "1.0 EiB");
	EXPECT_STR_EQ(BYTES(15 * EiB), "15 EiB");
	/* 15.99999 EiB: no overflow in the rounding */
	EXPECT_STR_EQ(BYTES(UINT64_MAX), "16 EiB");
}

static void format_truncates_to_buffer(void)
{
	char small[4];

	EXPECT_TRUE(mq_units_format_bytes(small, sizeof(small), 1536) == small);
	EXPECT_STR_EQ(small, "1.5");
	EXPECT_TRUE(mq_units_format_usec(small, sizeof(small), 123456) ==
		    small);
	EXPECT_STR_EQ(small, "123");
}

static void format_usec_units(void)
{
	EXPECT_STR_EQ(USEC(0), "0 us");
	EXPECT_STR_EQ(USEC(850), "850 us");
	EXPECT_STR_EQ(USEC(999), "999 us");
	EXPECT_STR_EQ(USEC(1000), "1.0 ms");
	EXPECT_STR_EQ(USEC(1234), "1.2 ms");
	EXPECT_STR_EQ(USEC(12345), "12 ms");
	EXPECT_STR_EQ(USEC(3400000), "3.4 s");
	EXPECT_STR_EQ(USEC(86400000000ULL), "86400 s");
}

static void format_usec_rounding(void)
{
	EXPECT_STR_EQ(USEC(1250), "1.3 ms");
	EXPECT_STR_EQ(USEC(1249), "1.2 ms");
	EXPECT_STR_EQ(USEC(9949), "9.9 ms");
	EXPECT_STR_EQ(USEC(9950), "10 ms");
	EXPECT_STR_EQ(USEC(999499), "999 ms");
	EXPECT_STR_EQ(USEC(999500), "1.0 s");
	/* seconds is the last unit: 18446744073709.551615 s */
	EXPECT_STR_EQ(USEC(UINT64_MAX), "18446744073710 s");
}

/* Never a value any test expects, to see that errors leave *out alone. */
#define UNTOUCHED	0x5a5a5a5a5a5a5a5aULL

static void check_parse(const char *str, int ret, uint64_t value,
			const char *file, int line)
{
	uint64_t out = UNTOUCHED;

	unit_expect_s64(mq_units_parse_size(str, &out), ret, file, line);
	unit_expect_u64(out, ret ? UNTOUCHED : value, file, line);
}

#define EXPECT_PARSE(str, value)					\
	check_parse((str), 0, (value), __FILE__, __LINE__)
#define EXPECT_PARSE_ERR(str, err)					\
	check_parse((str), (err), 0, __FILE__, __LINE__)

static void parse_size_plain(void)
{
	EXPECT_PARSE("0", 0);
	EXPECT_PARSE("1", 1);
	EXPECT_PARSE("1023", 1023);
	EXPECT_PARSE("007", 7);
	EXPECT_PARSE("18446744073709551615", UINT64_MAX);
}

static void parse_size_suffixes(void)
{
	EXPECT_PARSE("1k", KiB);
	EXPECT_PARSE("1K", KiB);
	EXPECT_PARSE("1KiB", KiB);
	EXPECT_PARSE("1kib", KiB);
	EXPECT_PARSE("1KIB", KiB);
	EXPECT_PARSE("5M", 5 * MiB);
	EXPECT_PARSE("5MiB", 5 * MiB);
	EXPECT_PARSE("2G", 2 * GiB);
	EXPECT_PARSE("3T", 3ULL << 40);
	EXPECT_PARSE("1P", PiB);
	EXPECT_PARSE("15E", 15 * EiB);
	EXPECT_PARSE("0G", 0);
}

static void parse_size_max(void)
{
	EXPECT_PARSE("max", UINT64_MAX);
	EXPECT_PARSE("MAX", UINT64_MAX);
	EXPECT_PARSE("Max", UINT64_MAX);
}

static void parse_size_overflow(void)
{
	EXPECT_PARSE_ERR("18446744073709551616", -ERANGE);
	EXPECT_PARSE_ERR("99999999999999999999999", -ERANGE);
	EXPECT_PARSE_ERR("16E", -ERANGE);
	EXPECT_PARSE_ERR("16384P", -ERANGE);
	EXPECT_PARSE_ERR("17179869184G", -ERANGE);
	EXPECT_PARSE("17179869183G", 17179869183ULL * GiB);
}

static void parse_size_garbage(void)
{
	EXPECT_PARSE_ERR("", -EINVAL);
	EXPECT_PARSE_ERR(NULL, -EINVAL);
	EXPECT_PARSE_ERR("10Q", -EINVAL);
	EXPECT_PARSE_ERR("-1", -EINVAL);
	EXPECT_PARSE_ERR("+1", -EINVAL);
	EXPECT_PARSE_ERR(" 5M", -EINVAL);
	EXPECT_PARSE_ERR("5M ", -EINVAL);
	EXPECT_PARSE_ERR("5 M", -EINVAL);
	EXPECT_PARSE_ERR("5M\n", -EINVAL);
	EXPECT_PARSE_ERR("K", -EINVAL);
	EXPECT_PARSE_ERR("5KB", -EINVAL);
	EXPECT_PARSE_ERR("5Ki", -EINVAL);
	EXPECT_PARSE_ERR("5KiBB", -EINVAL);
	EXPECT_PARSE_ERR("1.5G", -EINVAL);
	EXPECT_PARSE_ERR("0x10", -EINVAL);
	EXPECT_PARSE_ERR("maxx", -EINVAL);
	EXPECT_PARSE_ERR("ma", -EINVAL);
	/* syntax is judged before range */
	EXPECT_PARSE_ERR("99999999999999999999Q", -EINVAL);
}

static void check_uint(const char *str, uint64_t min, uint64_t max, int ret,
		       uint64_t value, const char *file, int line)
{
	uint64_t out = UNTOUCHED;
	uint32_t out32 = 0x5a5a5a5a;

	unit_expect_s64(mq_units_parse_uint(str, min, max, &out), ret, file,
			line);
	unit_expect_u64(out, ret ? UNTOUCHED : value, file, line);
	if (max > UINT32_MAX)
		return;
	unit_expect_s64(mq_units_parse_u32(str, min, max, &out32), ret, file,
			line);
	unit_expect_u64(out32, ret ? 0x5a5a5a5a : value, file, line);
}

#define EXPECT_UINT(str, min, max, value)				\
	check_uint((str), (min), (max), 0, (value), __FILE__, __LINE__)
#define EXPECT_UINT_ERR(str, min, max, err)				\
	check_uint((str), (min), (max), (err), 0, __FILE__, __LINE__)

static void parse_uint(void)
{
	EXPECT_UINT("0", 0, 10, 0);
	EXPECT_UINT("10", 0, 10, 10);
	EXPECT_UINT("007", 1, 10, 7);
	EXPECT_UINT("4294967295", 0, UINT32_MAX, UINT32_MAX);
	EXPECT_UINT("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
	/* range: after the syntax */
	EXPECT_UINT_ERR("0", 1, 10, -ERANGE);
	EXPECT_UINT_ERR("11", 1, 10, -ERANGE);
	EXPECT_UINT_ERR("4294967296", 0, UINT32_MAX, -ERANGE);
	EXPECT_UINT_ERR("18446744073709551616", 0, UINT64_MAX, -ERANGE);
	EXPECT_UINT_ERR("99999999999999999999x", 0, UINT64_MAX, -EINVAL);
	/* what strtoul() would take */
	EXPECT_UINT_ERR(NULL, 0, 10, -EINVAL);
	EXPECT_UINT_ERR("", 0, 10, -EINVAL);
	EXPECT_UINT_ERR(" 1", 0, 10, -EINVAL);
	EXPECT_UINT_ERR("+1", 0, 10, -EINVAL);
	EXPECT_UINT_ERR("-1", 0, UINT64_MAX, -EINVAL);
	EXPECT_UINT_ERR("0x1", 0, 10, -EINVAL);
	EXPECT_UINT_ERR("1 ", 0, 10, -EINVAL);
	EXPECT_UINT_ERR("1k", 0, UINT64_MAX, -EINVAL);
}

static void check_msec(const char *str, int ret, uint64_t value,
		       const char *file, int line)
{
	uint64_t out = UNTOUCHED;

	unit_expect_s64(mq_units_parse_msec(str, 100, 86400000, &out), ret,
			file, line);
	unit_expect_u64(out, ret ? UNTOUCHED : value, file, line);
}

#define EXPECT_MSEC(str, ret, value)					\
	check_msec((str), (ret), (value), __FILE__, __LINE__)

static void parse_msec(void)
{
	EXPECT_MSEC("2", 0, 2000);
	EXPECT_MSEC("0.5", 0, 500);
	EXPECT_MSEC("0.1", 0, 100);
	EXPECT_MSEC("1.25", 0, 1250);
	EXPECT_MSEC("007.125", 0, 7125);
	EXPECT_MSEC("86400", 0, 86400000);
	EXPECT_MSEC("86400.001", -ERANGE, 0);
	EXPECT_MSEC("0.099", -ERANGE, 0);
	EXPECT_MSEC("0", -ERANGE, 0);
	EXPECT_MSEC("99999999999999999999999", -ERANGE, 0);
	EXPECT_MSEC("99999999999999999999999x", -EINVAL, 0);
	EXPECT_MSEC("1.2345", -EINVAL, 0);
	EXPECT_MSEC("1.", -EINVAL, 0);
	EXPECT_MSEC(".5", -EINVAL, 0);
	EXPECT_MSEC("1.2.3", -EINVAL, 0);
	EXPECT_MSEC("-1", -EINVAL, 0);
	EXPECT_MSEC(" 1", -EINVAL, 0);
	EXPECT_MSEC("1e3", -EINVAL, 0);
	EXPECT_MSEC("", -EINVAL, 0);
}

static void check_u64_dec(uint64_t value, const char *expected,
			  const char *file, int line)
{
	char buf[UNITS_U64_LEN];
	const char *digits;
	size_t len;

	digits = mq_units_u64_dec(buf, value, &len);
	unit_expect_str(digits, expected, file, line);
	unit_expect_u64(len, strlen(expected), file, line);
}

#define EXPECT_U64_DEC(value, expected)					\
	check_u64_dec((value), (expected), __FILE__, __LINE__)

static void u64_dec(void)
{
	EXPECT_U64_DEC(0, "0");
	EXPECT_U64_DEC(7, "7");
	EXPECT_U64_DEC(10, "10");
	EXPECT_U64_DEC(1000000, "1000000");
	EXPECT_U64_DEC(UINT64_MAX, "18446744073709551615");
}

/* Every digit count, both sides of each power of ten, against printf. */
static void u64_dec_matches_printf(void)
{
	char want[UNITS_U64_LEN];
	uint64_t p = 1;
	int i, d;

	for (i = 0; i < 20; i++, p *= 10) {
		for (d = -1; d <= 1; d++) {
			uint64_t v = p + d;

			snprintf(want, sizeof(want), "%" PRIu64, v);
			EXPECT_U64_DEC(v, want);
			snprintf(want, sizeof(want), "%" PRIu64, v * 7 / 3);
			EXPECT_U64_DEC(v * 7 / 3, want);
		}
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(format_bytes_below_one_kib),
	UNIT_TEST(format_bytes_one_decimal_below_ten),
	UNIT_TEST(format_bytes_whole_from_ten),
	UNIT_TEST(format_bytes_rounds_half_up),
	UNIT_TEST(format_bytes_carries_into_next_digit),
	UNIT_TEST(format_bytes_never_1024_of_a_unit),
	UNIT_TEST(format_bytes_extremes),
	UNIT_TEST(format_truncates_to_buffer),
	UNIT_TEST(format_usec_units),
	UNIT_TEST(format_usec_rounding),
	UNIT_TEST(parse_size_plain),
	UNIT_TEST(parse_size_suffixes),
	UNIT_TEST(parse_size_max),
	UNIT_TEST(parse_size_overflow),
	UNIT_TEST(parse_size_garbage),
	UNIT_TEST(parse_uint),
	UNIT_TEST(parse_msec),
	UNIT_TEST(u64_dec),
	UNIT_TEST(u64_dec_matches_printf),
};

UNIT_SUITE(units_suite, "units", tests);
