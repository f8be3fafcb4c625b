/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal host unit test framework printing KTAP version 1.
 *
 * A test is a void function using the EXPECT_* macros; each test file
 * lists its tests in a suite:
 *
 *	static void format_zero(void)
 *	{
 *		EXPECT_STR_EQ(fmt(0), "0 B");
 *	}
 *
 *	static const struct unit_test tests[] = {
 *		UNIT_TEST(format_zero),
 *	};
 *	UNIT_SUITE(units_suite, "units", tests);
 *
 * and unit.c lists the suites. A failed EXPECT prints
 * "# file:line: expected X got Y" and marks the test "not ok" but lets it
 * go on, so one run shows every mismatch. run-unit exits 1 if any test
 * failed; "run-unit NAME..." runs only the tests named "suite.test" or
 * whole suites "suite".
 */
#ifndef MEMQOS_UNIT_H
#define MEMQOS_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

struct unit_suite {
	const char *name;
	const struct unit_test *tests;
	size_t n_tests;
};

#define UNIT_TEST(fn)	{ #fn, fn }
#define UNIT_SUITE(var, name, table)					\
	const struct unit_suite var = {					\
		name, table, sizeof(table) / sizeof((table)[0])		\
	}

/* The checks return whether they passed; use the macros below. */
bool unit_expect_true(bool ok, const char *expr, const char *file,
		      int line);
bool unit_expect_s64(int64_t got, int64_t expected, const char *file,
		     int line);
bool unit_expect_u64(uint64_t got, uint64_t expected, const char *file,
		     int line);
bool unit_expect_str(const char *got, const char *expected,
		     const char *file, int line);

#define EXPECT_TRUE(cond)						\
	unit_expect_true(!!(cond), #cond, __FILE__, __LINE__)
#define EXPECT_INT_EQ(got, expected)					\
	unit_expect_s64((got), (expected), __FILE__, __LINE__)
#define EXPECT_U64_EQ(got, expected)					\
	unit_expect_u64((got), (expected), __FILE__, __LINE__)
#define EXPECT_STR_EQ(got, expected)					\
	unit_expect_str((got), (expected), __FILE__, __LINE__)

/*
 * A memory FILE for testing writers: unit_capture_begin() returns it,
 * unit_capture_end() closes it and returns what was written. The text is
 * freed when the test ends; one capture at a time.
 */
FILE *unit_capture_begin(void);
const char *unit_capture_end(void);

/* Whether @line is a whole line of @text (captured output). */
bool unit_has_line(const char *text, const char *line);

/*
 * For testing the framework itself: between these calls failed checks
 * are counted instead of failing the test and printing diagnostics.
 * unit_mute_end() returns how many failed.
 */
void unit_mute_begin(void);
unsigned int unit_mute_end(void);

#endif /* MEMQOS_UNIT_H */
