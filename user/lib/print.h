/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print path for human text and JSON (like iproute2's json_print).
 *
 * A command describes its output once; the context decides whether each
 * call becomes text or JSON:
 *
 *	mq_print_obj_begin(pc, NULL);
 *	mq_print_str(pc, "cgroup", "%s:\n", path);
 *	mq_print_bytes(pc, "rss", "  rss %s\n", rss);
 *	mq_print_text(pc, "  (%u children)\n", n);	   <- text only
 *	mq_print_u64(pc, "generation", NULL, gen);	   <- JSON only
 *	mq_print_obj_end(pc);
 *
 * Text:  "/a/b:\n  rss 1.5 MiB\n  (2 children)\n"
 * JSON:  {"cgroup":"/a/b","rss":1572864,"generation":7}
 *
 * Value calls take (key, fmt, value):
 *  - key: JSON member name; NULL for an array element or a top-level value.
 *  - fmt: printf format for text with exactly one %s conversion (flags and
 *    width allowed, e.g. "%-12s"), which receives the value already
 *    rendered as a string; NULL to print nothing in text mode. Using %s for
 *    every type keeps wrong conversions out; a bad format is a bug and
 *    aborts rather than invoking undefined behaviour.
 * Byte and time values are raw integers in JSON (bytes, microseconds) and
 * human units in text (see units.h).
 */
#ifndef MEMQOS_PRINT_H
#define MEMQOS_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json_out.h"

struct mq_print_ctx {
	FILE *fp;
	bool json;
	struct mq_json_out jw;
};

void mq_print_init(struct mq_print_ctx *pc, FILE *fp, bool json, bool pretty);
/* Flushes; 0 on success, -1 on write error or malformed JSON. */
int mq_print_finish(struct mq_print_ctx *pc);

static inline bool mq_print_is_json(const struct mq_print_ctx *pc)
{
	return pc->json;
}

/* Structure: JSON only, text output is unaffected. */
void mq_print_obj_begin(struct mq_print_ctx *pc, const char *key);
void mq_print_obj_end(struct mq_print_ctx *pc);
void mq_print_arr_begin(struct mq_print_ctx *pc, const char *key);
void mq_print_arr_end(struct mq_print_ctx *pc);

/* Text only: labels, headers, newlines. */
void mq_print_text(struct mq_print_ctx *pc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void mq_print_str(struct mq_print_ctx *pc, const char *key, const char *fmt,
		  const char *value);
void mq_print_u64(struct mq_print_ctx *pc, const char *key, const char *fmt,
		  uint64_t value);
void mq_print_s64(struct mq_print_ctx *pc, const char *key, const char *fmt,
		  int64_t value);
/* Text renders "yes" / "no". */
void mq_print_bool(struct mq_print_ctx *pc, const char *key, const char *fmt,
		   bool value);
void mq_print_bytes(struct mq_print_ctx *pc, const char *key, const char *fmt,
		    uint64_t bytes);
void mq_print_usec(struct mq_print_ctx *pc, const char *key, const char *fmt,
		   uint64_t usec);

/* No value: JSON null, text @fmt with @text (e.g. "max", "-"). */
void mq_print_null(struct mq_print_ctx *pc, const char *key, const char *fmt,
		   const char *text);

/* Whether @fmt has exactly one conversion and it is %s (with %% allowed). */
bool mq_print_fmt_is_valid(const char *fmt);

/*
 * @s cut from the left to at most @width bytes for a text column, "..."
 * where the cut is ("...atch/hog"), never inside a UTF-8 sequence.
 * Returns @s when it fits, else @buf (@len bytes, > @width; @width >= 4).
 */
const char *mq_print_fit_left(const char *s, size_t width, char *buf,
			      size_t len);

#endif /* MEMQOS_PRINT_H */
