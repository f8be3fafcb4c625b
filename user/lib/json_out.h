/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Streaming JSON writer.
 *
 * The writer tracks nesting and places commas, colons and (when pretty)
 * newlines and indentation itself; callers only say what comes next:
 *
 *	mq_json_init(&jw, stdout, false);
 *	mq_json_obj_begin(&jw);
 *	mq_json_kv_str(&jw, "name", "memqos");
 *	mq_json_key(&jw, "ops");
 *	mq_json_arr_begin(&jw);
 *	mq_json_u64(&jw, 1);
 *	mq_json_arr_end(&jw);
 *	mq_json_obj_end(&jw);
 *	if (mq_json_finish(&jw)) ...error...
 *
 * writes {"name":"memqos","ops":[1]} and a newline. Every top-level value
 * ends with a newline, so a stream of them is one JSON document per line
 * (compact mode), as event monitors want.
 *
 * Misuse (a value in an object without a key, a key outside an object,
 * mismatched or missing ends, nesting deeper than JSON_MAX_DEPTH) does not
 * crash: it is remembered and reported by mq_json_finish().
 *
 * Strings are escaped per RFC 8259: '"' and '\' with a backslash, control
 * characters as \u00XX; bytes that are not valid UTF-8 (cgroup names may
 * hold any byte) become \ufffd so the output is always valid JSON.
 *
 * The writer uses the unlocked stdio calls: no other thread may write to
 * its stream meanwhile.
 */
#ifndef MEMQOS_JSON_OUT_H
#define MEMQOS_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	32

struct mq_json_out {
	FILE *fp;
	bool pretty;
	bool misused;		/* output is not valid JSON, see above */
	bool key_pending;	/* a key was written, its value is next */
	unsigned int depth;
	/* per open container (index depth - 1) */
	bool in_object[JSON_MAX_DEPTH];
	bool has_members[JSON_MAX_DEPTH];
	/* untracked levels past JSON_MAX_DEPTH, to keep ends balanced */
	unsigned int overflow;
};

void mq_json_init(struct mq_json_out *jw, FILE *fp, bool pretty);
/* 0 if all values were complete and well formed and fp had no error. */
int mq_json_finish(struct mq_json_out *jw);

void mq_json_obj_begin(struct mq_json_out *jw);
void mq_json_obj_end(struct mq_json_out *jw);
void mq_json_arr_begin(struct mq_json_out *jw);
void mq_json_arr_end(struct mq_json_out *jw);

/* Member name inside an object; the next call must write its value. */
void mq_json_key(struct mq_json_out *jw, const char *key);

/* Values: inside an array, after mq_json_key(), or at top level. */
void mq_json_str(struct mq_json_out *jw, const char *value);
void mq_json_u64(struct mq_json_out *jw, uint64_t value);
void mq_json_s64(struct mq_json_out *jw, int64_t value);
void mq_json_bool(struct mq_json_out *jw, bool value);
void mq_json_null(struct mq_json_out *jw);

/* Shorthands for mq_json_key() followed by the value or container. */
void mq_json_kv_str(struct mq_json_out *jw, const char *key, const char *value);
void mq_json_kv_u64(struct mq_json_out *jw, const char *key, uint64_t value);
void mq_json_kv_s64(struct mq_json_out *jw, const char *key, int64_t value);
void mq_json_kv_bool(struct mq_json_out *jw, const char *key, bool value);
void mq_json_kv_obj_begin(struct mq_json_out *jw, const char *key);
void mq_json_kv_arr_begin(struct mq_json_out *jw, const char *key);

/* Escaped string with quotes, as written for keys and string values. */
void mq_json_write_string(FILE *fp, const char *str);
/* Length of the run @str begins with that mq_json_write_string() copies. */
size_t mq_json_plain_len(const char *str);

/*
 * A value its caller writes to jw->fp itself, the way this writer would
 * (compact, or pretty with two spaces per level): mq_json_raw_begin() writes
 * what goes before it and returns the number of containers open around it
 * (its own members indent one level more); -1 if @levels more would pass
 * JSON_MAX_DEPTH, and nothing was written. mq_json_raw_end() after it.
 */
int mq_json_raw_begin(struct mq_json_out *jw, unsigned int levels);
void mq_json_raw_end(struct mq_json_out *jw);

#endif /* MEMQOS_JSON_OUT_H */
