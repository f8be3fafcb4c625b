// SPDX-License-Identifier: GPL-2.0
/*
 * One print path for human text and JSON, see print.h.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "print.h"
#include "units.h"

void mq_print_init(struct mq_print_ctx *pc, FILE *fp, bool json, bool pretty)
{
	memset(pc, 0, sizeof(*pc));
	pc->fp = fp;
	pc->json = json;
	mq_json_init(&pc->jw, fp, pretty);
}

int mq_print_finish(struct mq_print_ctx *pc)
{
	if (pc->json)
		return mq_json_finish(&pc->jw);
	if (fflush(pc->fp) || ferror(pc->fp))
		return -1;
	return 0;
}

void mq_print_obj_begin(struct mq_print_ctx *pc, const char *key)
{
	if (!pc->json)
		return;
	if (key)
		mq_json_key(&pc->jw, key);
	mq_json_obj_begin(&pc->jw);
}

void mq_print_obj_end(struct mq_print_ctx *pc)
{
	if (pc->json)
		mq_json_obj_end(&pc->jw);
}

void mq_print_arr_begin(struct mq_print_ctx *pc, const char *key)
{
	if (!pc->json)
		return;
	if (key)
		mq_json_key(&pc->jw, key);
	mq_json_arr_begin(&pc->jw);
}

void mq_print_arr_end(struct mq_print_ctx *pc)
{
	if (pc->json)
		mq_json_arr_end(&pc->jw);
}

void mq_print_text(struct mq_print_ctx *pc, const char *fmt, ...)
{
	va_list ap;

	if (pc->json)
		return;
	va_start(ap, fmt);
	vfprintf(pc->fp, fmt, ap);
	va_end(ap);
}

bool mq_print_fmt_is_valid(const char *fmt)
{
	unsigned int conversions = 0;
	const char *p;

	for (p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		/* flags, width, precision; no '*': it would take an int */
		p++;
		p += strspn(p, "-+ #0");
		p += strspn(p, "0123456789");
		if (*p == '.') {
			p++;
			p += strspn(p, "0123456789");
		}
		if (*p != 's')
			return false;
		conversions++;
	}
	return conversions == 1;
}

/* Text output of a value already rendered as a string. */
static void print_text_value(struct mq_print_ctx *pc, const char *fmt,
			     const char *rendered)
{
	/*
	 * The formats are the programs' own, never input: one that is not
	 * a single %s is a bug, stopped before printf() reads past @rendered.
	 */
	assert(mq_print_fmt_is_valid(fmt));
	fprintf(pc->fp, fmt, rendered);
}

void mq_print_str(struct mq_print_ctx *pc, const char *key, const char *fmt,
		  const char *value)
{
	if (pc->json) {
		if (key)
			mq_json_key(&pc->jw, key);
		mq_json_str(&pc->jw, value);
	} else if (fmt) {
		print_text_value(pc, fmt, value);
	}
}

void mq_print_u64(struct mq_print_ctx *pc, const char *key, const char *fmt,
		  uint64_t value)
{
	char buf[UNITS_BUF_SIZE];

	if (pc->json) {
		if (key)
			mq_json_key(&pc->jw, key);
		mq_json_u64(&pc->jw, value);
	} else if (fmt) {
		snprintf(buf, sizeof(buf), "%" PRIu64, value);
		print_text_value(pc, fmt, buf);
	}
}

void mq_print_s64(struct mq_print_ctx *pc, const char *key, const char *fmt,
		  int64_t value)
{
	char buf[UNITS_BUF_SIZE];

	if (pc->json) {
		if (key)
			mq_json_key(&pc->jw, key);
		mq_json_s64(&pc->jw, value);
	} else if (fmt) {
		snprintf(buf, sizeof(buf), "%" PRId64, value);
		print_text_value(pc, fmt, buf);
	}
}

void mq_print_bool(struct mq_print_ctx *pc, const char *key, const char *fmt,
		   bool value)
{
	if (pc->json) {
		if (key)
			mq_json_key(&pc->jw, key);
		mq_json_bool(&pc->jw, value);
	} else if (fmt) {
		print_text_value(pc, fmt, value ? "yes" : "no");
	}
}

void mq_print_bytes(struct mq_print_ctx *pc, const char *key, const char *fmt,
		    uint64_t bytes)
{
	char buf[UNITS_BUF_SIZE];

	if (pc->json) {
		mq_print_u64(pc, key, fmt, bytes);
	} else if (fmt) {
		mq_units_format_bytes(buf, sizeof(buf), bytes);
		print_text_value(pc, fmt, buf);
	}
}

void mq_print_usec(struct mq_print_ctx *pc, const char *key, const char *fmt,
		   uint64_t usec)
{
	char buf[UNITS_BUF_SIZE];

	if (pc->json) {
		mq_print_u64(pc, key, fmt, usec);
	} else if (fmt) {
		mq_units_format_usec(buf, sizeof(buf), usec);
		print_text_value(pc, fmt, buf);
	}
}

void mq_print_null(struct mq_print_ctx *pc, const char *key, const char *fmt,
		   const char *text)
{
	if (pc->json) {
		if (key)
			mq_json_key(&pc->jw, key);
		mq_json_null(&pc->jw);
	} else if (fmt) {
		print_text_value(pc, fmt, text);
	}
}

const char *mq_print_fit_left(const char *s, size_t width, char *buf,
			      size_t len)
{
	size_t n = strlen(s);
	const char *tail;

	if (n <= width)
		return s;
	tail = s + n - (width - 3);
	/* a UTF-8 continuation byte: start at the next character */
	while (((unsigned char)*tail & 0xc0) == 0x80)
		tail++;
	snprintf(buf, len, "...%s", tail);
	return buf;
}
