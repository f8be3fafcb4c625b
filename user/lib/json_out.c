// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming JSON writer, see json_out.h.
 *
 * `memqos dump` of 10,000 cgroups writes millions of keys and numbers:
 * the writers below use the unlocked stdio calls (the tool has one
 * thread) and format integers by hand rather than through printf.
 */
#include <string.h>

#include "json_out.h"
#include "units.h"

#define JSON_INDENT	2

void mq_json_init(struct mq_json_out *jw, FILE *fp, bool pretty)
{
	memset(jw, 0, sizeof(*jw));
	jw->fp = fp;
	jw->pretty = pretty;
}

int mq_json_finish(struct mq_json_out *jw)
{
	if (fflush(jw->fp) || ferror(jw->fp))
		return -1;
	if (jw->misused || jw->depth || jw->overflow || jw->key_pending)
		return -1;
	return 0;
}

/*
 * @len bytes of @s. A dump writes millions of short keys and numbers:
 * putc_unlocked() is inline, fwrite() a call through the FILE's jump
 * table that costs more than copying a few bytes.
 */
static void put_mem(FILE *fp, const void *s, size_t len)
{
	const char *p = s;

	if (len > 16) {
		fwrite_unlocked(p, 1, len, fp);
		return;
	}
	while (len--)
		putc_unlocked(*p++, fp);
}

static void newline_indent(struct mq_json_out *jw, unsigned int level)
{
	static const char spaces[JSON_MAX_DEPTH * JSON_INDENT] = {
		[0 ... JSON_MAX_DEPTH * JSON_INDENT - 1] = ' '
	};

	if (!jw->pretty)
		return;
	putc_unlocked('\n', jw->fp);
	/* level <= JSON_MAX_DEPTH: begin_container() stops deeper ones */
	put_mem(jw->fp, spaces, level * JSON_INDENT);
}

/*
 * Length of the valid UTF-8 sequence at @s, 0 if there is none. Overlong
 * forms, surrogates and code points past U+10FFFF are invalid (RFC 3629).
 * Stops at the first bad byte, so never reads past a terminating NUL.
 */
static size_t utf8_sequence_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;	/* range of the second byte */
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}

	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return len;
}

/*
 * Bytes written as they are: printable ASCII but '"' and '\\'. One look-up
 * per byte of the keys and paths instead of four comparisons.
 */
static const bool json_plain[256] = {
	[' ' ... '!'] = true,
	['#' ... '['] = true,
	[']' ... 0x7f] = true,
};

size_t mq_json_plain_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;

	for (len = 0; json_plain[s[len]]; len++)
		;
	return len;
}

void mq_json_write_string(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putc_unlocked('"', fp);
	while (*s) {
		size_t len = mq_json_plain_len((const char *)s);

		if (len) {
			put_mem(fp, s, len);
			s += len;
		} else if (*s == '"' || *s == '\\') {
			putc_unlocked('\\', fp);
			putc_unlocked(*s++, fp);
		} else if (*s < 0x20) {
			fprintf(fp, "\\u%04x", *s++);
		} else if ((len = utf8_sequence_len(s))) {
			put_mem(fp, s, len);
			s += len;
		} else {
			fputs_unlocked("\\ufffd", fp);
			s++;
		}
	}
	putc_unlocked('"', fp);
}

/* Separator and indentation before a value or a container. */
static void begin_value(struct mq_json_out *jw)
{
	unsigned int level;

	if (jw->overflow || !jw->depth)
		return;

	level = jw->depth - 1;
	if (jw->in_object[level]) {
		/* mq_json_key() already wrote separator and name */
		if (!jw->key_pending)
			jw->misused = true;
		jw->key_pending = false;
		return;
	}
	if (jw->has_members[level])
		putc_unlocked(',', jw->fp);
	jw->has_members[level] = true;
	newline_indent(jw, jw->depth);
}

/* A complete top-level value ends its line. */
static void end_value(struct mq_json_out *jw)
{
	if (!jw->depth && !jw->overflow)
		putc_unlocked('\n', jw->fp);
}

static void begin_container(struct mq_json_out *jw, bool object)
{
	begin_value(jw);
	putc_unlocked(object ? '{' : '[', jw->fp);

	if (jw->overflow || jw->depth == JSON_MAX_DEPTH) {
		jw->misused = true;
		jw->overflow++;
		return;
	}
	jw->in_object[jw->depth] = object;
	jw->has_members[jw->depth] = false;
	jw->depth++;
}

static void end_container(struct mq_json_out *jw, bool object)
{
	unsigned int level;

	if (jw->overflow) {
		jw->overflow--;
		putc_unlocked(object ? '}' : ']', jw->fp);
		return;
	}
	if (!jw->depth) {
		jw->misused = true;
		return;
	}

	level = jw->depth - 1;
	if (jw->in_object[level] != object || jw->key_pending)
		jw->misused = true;
	jw->key_pending = false;

	if (jw->has_members[level])
		newline_indent(jw, level);
	putc_unlocked(object ? '}' : ']', jw->fp);
	jw->depth--;
	end_value(jw);
}

void mq_json_obj_begin(struct mq_json_out *jw)
{
	begin_container(jw, true);
}

void mq_json_obj_end(struct mq_json_out *jw)
{
	end_container(jw, true);
}

void mq_json_arr_begin(struct mq_json_out *jw)
{
	begin_container(jw, false);
}

void mq_json_arr_end(struct mq_json_out *jw)
{
	end_container(jw, false);
}

void mq_json_key(struct mq_json_out *jw, const char *key)
{
	if (jw->overflow) {
		/* invalid already, see begin_container() */
	} else if (!jw->depth || !jw->in_object[jw->depth - 1] ||
		   jw->key_pending) {
		jw->misused = true;
	} else {
		if (jw->has_members[jw->depth - 1])
			putc_unlocked(',', jw->fp);
		jw->has_members[jw->depth - 1] = true;
		newline_indent(jw, jw->depth);
	}

	mq_json_write_string(jw->fp, key);
	putc_unlocked(':', jw->fp);
	if (jw->pretty)
		putc_unlocked(' ', jw->fp);
	jw->key_pending = true;
}

void mq_json_str(struct mq_json_out *jw, const char *value)
{
	begin_value(jw);
	mq_json_write_string(jw->fp, value);
	end_value(jw);
}

void mq_json_u64(struct mq_json_out *jw, uint64_t value)
{
	char buf[UNITS_U64_LEN], *digits;
	size_t len;

	begin_value(jw);
	digits = mq_units_u64_dec(buf, value, &len);
	put_mem(jw->fp, digits, len);
	end_value(jw);
}

void mq_json_s64(struct mq_json_out *jw, int64_t value)
{
	char buf[UNITS_U64_LEN], *digits;
	uint64_t magnitude = value;	/* -INT64_MIN fits only a u64 */
	size_t len;

	begin_value(jw);
	if (value < 0) {
		putc_unlocked('-', jw->fp);
		magnitude = -magnitude;
	}
	digits = mq_units_u64_dec(buf, magnitude, &len);
	put_mem(jw->fp, digits, len);
	end_value(jw);
}

void mq_json_bool(struct mq_json_out *jw, bool value)
{
	begin_value(jw);
	fputs_unlocked(value ? "true" : "false", jw->fp);
	end_value(jw);
}

void mq_json_null(struct mq_json_out *jw)
{
	begin_value(jw);
	fputs_unlocked("null", jw->fp);
	end_value(jw);
}

int mq_json_raw_begin(struct mq_json_out *jw, unsigned int levels)
{
	if (jw->overflow || jw->depth + levels > JSON_MAX_DEPTH)
		return -1;
	begin_value(jw);
	return jw->depth;
}

void mq_json_raw_end(struct mq_json_out *jw)
{
	end_value(jw);
}

void mq_json_kv_str(struct mq_json_out *jw, const char *key, const char *value)
{
	mq_json_key(jw, key);
	mq_json_str(jw, value);
}

void mq_json_kv_u64(struct mq_json_out *jw, const char *key, uint64_t value)
{
	mq_json_key(jw, key);
	mq_json_u64(jw, value);
}

void mq_json_kv_s64(struct mq_json_out *jw, const char *key, int64_t value)
{
	mq_json_key(jw, key);
	mq_json_s64(jw, value);
}

void mq_json_kv_bool(struct mq_json_out *jw, const char *key, bool value)
{
	mq_json_key(jw, key);
	mq_json_bool(jw, value);
}

void mq_json_kv_obj_begin(struct mq_json_out *jw, const char *key)
{
	mq_json_key(jw, key);
	mq_json_obj_begin(jw);
}

void mq_json_kv_arr_begin(struct mq_json_out *jw, const char *key)
{
	mq_json_key(jw, key);
	mq_json_arr_begin(jw);
}
