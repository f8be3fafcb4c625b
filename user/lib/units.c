// SPDX-License-Identifier: GPL-2.0
/*
 * Human units: format byte counts and durations, parse sizes and seconds.
 *
 * All arithmetic is on integers so the output does not depend on floating
 * point rounding and every uint64_t value formats without overflow.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>

#include "units.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct unit {
	const char *name;
	uint64_t scale;		/* in the base unit; ascending in a table */
};

static const struct unit byte_units[] = {
	{ "B",	 1 },
	{ "KiB", 1ULL << 10 },
	{ "MiB", 1ULL << 20 },
	{ "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 },
	{ "PiB", 1ULL << 50 },
	{ "EiB", 1ULL << 60 },
};

static const struct unit usec_units[] = {
	{ "us", 1 },
	{ "ms", 1000 },
	{ "s",	1000000 },
};

/*
 * The rule documented in units.h, for any table whose largest scale times
 * ten fits in 64 bits (true for both tables: 10 << 60 < 2^64).
 */
static const char *format_scaled(char *buf, size_t len, uint64_t value,
				 const struct unit *units, size_t n_units)
{
	size_t i = 0;

	while (i + 1 < n_units && value >= units[i + 1].scale)
		i++;

	if (i == 0) {
		snprintf(buf, len, "%" PRIu64 " %s", value, units[0].name);
		return buf;
	}

	for (;;) {
		uint64_t scale = units[i].scale;
		uint64_t whole = value / scale;
		uint64_t rem = value % scale;

		if (whole < 10) {
			/* rem * 10 < scale * 10: no overflow, see above */
			uint64_t tenths = whole * 10 +
					  (rem * 10 + scale / 2) / scale;

			if (tenths < 100) {
				snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s",
					 tenths / 10, tenths % 10,
					 units[i].name);
				return buf;
			}
			whole = 10;	/* 9.95 and up shows as "10" */
		} else if (rem >= scale - rem) {
			whole++;	/* half up, without rem * 2 overflow */
		}

		/* "1024 KiB" reads better as "1.0 MiB" */
		if (i + 1 < n_units && whole >= units[i + 1].scale / scale) {
			i++;
			continue;
		}
		snprintf(buf, len, "%" PRIu64 " %s", whole, units[i].name);
		return buf;
	}
}

/* "00" to "99": two digits per division, half the divisions */
static const char digit_pairs[201] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

char *mq_units_u64_dec(char buf[UNITS_U64_LEN], uint64_t value, size_t *len)
{
	char *p = buf + UNITS_U64_LEN - 1;

	*p = '\0';
	while (value >= 100) {
		unsigned int i = value % 100 * 2;

		value /= 100;
		*--p = digit_pairs[i + 1];
		*--p = digit_pairs[i];
	}
	if (value >= 10) {
		*--p = digit_pairs[value * 2 + 1];
		*--p = digit_pairs[value * 2];
	} else {
		*--p = '0' + value;
	}
	*len = buf + UNITS_U64_LEN - 1 - p;
	return p;
}

const char *mq_units_format_bytes(char *buf, size_t len, uint64_t bytes)
{
	return format_scaled(buf, len, bytes, byte_units,
			     ARRAY_SIZE(byte_units));
}

const char *mq_units_format_usec(char *buf, size_t len, uint64_t usec)
{
	return format_scaled(buf, len, usec, usec_units,
			     ARRAY_SIZE(usec_units));
}

/* Binary shift for a suffix letter, or -1 if it is not one. */
static int size_suffix_shift(char c)
{
	static const char letters[] = "KMGTPE";
	size_t i;

	for (i = 0; letters[i]; i++) {
		if (c == letters[i] || c == letters[i] - 'A' + 'a')
			return 10 * (int)(i + 1);
	}
	return -1;
}

/*
 * The decimal digits at *@p, at least one, into *@value; *@p moves past
 * them. By hand: strtoull() would accept " ", "+", "-" and "0x".
 */
static int parse_digits(const char **p, uint64_t *value, bool *overflow)
{
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	*value = 0;
	*overflow = false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned int digit = *s - '0';

		if (*value > (UINT64_MAX - digit) / 10)
			*overflow = true;
		*value = *value * 10 + digit;
	}
	*p = s;
	return 0;
}

int mq_units_parse_uint(const char *str, uint64_t min, uint64_t max,
			uint64_t *out)
{
	const char *p = str;
	uint64_t value;
	bool overflow;

	if (!str || parse_digits(&p, &value, &overflow) || *p)
		return -EINVAL;
	if (overflow || value < min || value > max)
		return -ERANGE;
	*out = value;
	return 0;
}

int mq_units_parse_u32(const char *str, uint32_t min, uint32_t max,
		       uint32_t *out)
{
	uint64_t v;
	int err;

	err = mq_units_parse_uint(str, min, max, &v);
	if (!err)
		*out = (uint32_t)v;
	return err;
}

int mq_units_parse_size(const char *str, uint64_t *out)
{
	uint64_t value = 0;
	const char *p = str;
	bool overflow = false;
	int shift = 0;

	if (!str)
		return -EINVAL;
	if (!strcasecmp(str, "max")) {
		*out = UINT64_MAX;
		return 0;
	}

	if (parse_digits(&p, &value, &overflow))
		return -EINVAL;
	if (*p) {
		shift = size_suffix_shift(*p++);
		if (shift < 0)
			return -EINVAL;
		if (*p && strcasecmp(p, "iB"))
			return -EINVAL;
	}

	/* Syntax first: "99999999999999999999Q" is garbage, not a range. */
	if (overflow || value > UINT64_MAX >> shift)
		return -ERANGE;

	*out = value << shift;
	return 0;
}

int mq_units_parse_msec(const char *str, uint64_t min_ms, uint64_t max_ms,
			uint64_t *ms)
{
	uint64_t v = 0, scale = 1000;
	bool point = false, big = false;
	const char *p;

	if (*str < '0' || *str > '9')
		return -EINVAL;
	/* syntax is judged before range */
	for (p = str; *p; p++) {
		if (*p == '.' && !point && p[1]) {
			point = true;
			continue;
		}
		if (*p < '0' || *p > '9' || (point && scale == 1))
			return -EINVAL;
		if (point)
			scale /= 10;
		big |= v > (UINT64_MAX - 9) / 10;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (big || v > UINT64_MAX / scale)
		return -ERANGE;
	v *= scale;
	if (v < min_ms || v > max_ms)
		return -ERANGE;
	*ms = v;
	return 0;
}
