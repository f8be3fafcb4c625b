/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Human units: format byte counts and durations, parse sizes and seconds.
 *
 * Pure functions, no I/O, no allocation; unit tested in tests/unit/.
 */
#ifndef MEMQOS_UNITS_H
#define MEMQOS_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Large enough for any output of the formatters below. */
#define UNITS_BUF_SIZE	32

/* The longest uint64_t in decimal, 20 digits, and its NUL. */
#define UNITS_U64_LEN	21

/*
 * @value in decimal, NUL-terminated, at the end of @buf (UNITS_U64_LEN
 * bytes); returns its first digit and sets *@len to its length. For
 * output paths that print millions of numbers: printf's parsing of its
 * format string costs more than the conversion.
 */
char *mq_units_u64_dec(char buf[UNITS_U64_LEN], uint64_t value, size_t *len);

/*
 * Format @bytes with IEC binary units (B, KiB, MiB, GiB, TiB, PiB, EiB):
 *  - below 1 KiB the exact count: "0 B", "1023 B";
 *  - otherwise the largest unit that is <= @bytes, with one decimal below
 *    10 of that unit and none from 10 on: "1.0 KiB", "1.5 MiB", "12 GiB";
 *  - rounding is half up on the last shown digit; a value that rounds to
 *    1024 of a unit moves to the next one ("1.0 MiB", never "1024 KiB").
 * Returns @buf, truncated (but terminated) if @len is too small.
 */
const char *mq_units_format_bytes(char *buf, size_t len, uint64_t bytes);

/*
 * Format a duration in microseconds with the same rule over us, ms and s:
 * "850 us", "1.2 ms", "12 ms", "3.4 s", "86400 s". Seconds is the largest
 * unit. Returns @buf.
 */
const char *mq_units_format_usec(char *buf, size_t len, uint64_t usec);

/*
 * Parse a size in bytes as the cgroup memory files take it: decimal digits
 * with an optional binary suffix K, M, G, T, P, E (also written KiB, MiB,
 * ...; case-insensitive), or "max" for UINT64_MAX.
 * Strict: no sign, no whitespace, no fraction, no "KB" (ambiguous between
 * 1000 and 1024). Callers strip a trailing newline read from a file.
 * Returns 0 and sets *@out, or -EINVAL (malformed) / -ERANGE (does not fit
 * 64 bits) and leaves *@out untouched.
 */
int mq_units_parse_size(const char *str, uint64_t *out);

/*
 * Parse a count: decimal digits only, between @min and @max. Strict like
 * mq_units_parse_size(). Returns 0 and sets *@out, or -EINVAL (malformed)
 * / -ERANGE (out of bounds) and leaves *@out untouched.
 */
int mq_units_parse_uint(const char *str, uint64_t min, uint64_t max,
			uint64_t *out);
/* The same into 32 bits. */
int mq_units_parse_u32(const char *str, uint32_t min, uint32_t max,
		       uint32_t *out);

/*
 * Parse seconds with up to three decimals ("2", "0.5", "1.25") into
 * milliseconds, between @min_ms and @max_ms. Strict like
 * mq_units_parse_size(). Returns 0 and sets *@ms, or -EINVAL (malformed) /
 * -ERANGE (out of bounds) and leaves *@ms untouched.
 */
int mq_units_parse_msec(const char *str, uint64_t min_ms, uint64_t max_ms,
			uint64_t *ms);

#endif /* MEMQOS_UNITS_H */
