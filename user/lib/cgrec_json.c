// SPDX-License-Identifier: GPL-2.0
/*
 * One cgroup as a JSON object, written in one piece.
 *
 * `memqos dump` of 10,000 cgroups writes 800,000 members. Through the
 * generic print path each took a dozen calls (mq_print_u64, mq_json_key,
 * mq_json_write_string, begin_value, put_mem, ...): a third of the dump's
 * CPU time in the guest. Here a record is built in a buffer from
 * precomputed member names and goes out in one write. The text is byte
 * for byte what the print path writes, compact or pretty (unit tests
 * compare the two).
 */
#include <stdio.h>
#include <string.h>

#include "cgrec.h"
#include "hist.h"
#include "outbuf.h"

/* Levels below the record: stalls, a kind, its buckets. */
#define CG_JSON_LEVELS	4

struct jbuf {
	struct mq_outbuf out;
	bool pretty;
	unsigned int depth;	/* of the record's own members */
};

static void jb_put(struct jbuf *b, const char *s, size_t n)
{
	mq_outbuf_put(&b->out, s, n);
}

static void jb_u64(struct jbuf *b, uint64_t v)
{
	mq_outbuf_u64(&b->out, v);
}

/* Newline and indentation before a member or a closing bracket. */
static void jb_indent(struct jbuf *b, unsigned int level)
{
	static const char nl_spaces[1 + JSON_MAX_DEPTH * 2] = {
		'\n', [1 ... JSON_MAX_DEPTH * 2] = ' '
	};

	/* level <= JSON_MAX_DEPTH: mq_json_raw_begin() saw to it */
	if (b->pretty)
		jb_put(b, nl_spaces, 1 + 2 * level);
}

/*
 * A member name at @level below the record (0: the record's own); @first
 * if it opens its object. Names are plain snake_case (fields.h), nothing
 * to escape.
 */
static void jb_key(struct jbuf *b, unsigned int level, bool first,
		   const char *key)
{
	if (!first)
		jb_put(b, ",", 1);
	jb_indent(b, b->depth + level);
	jb_put(b, "\"", 1);
	jb_put(b, key, strlen(key));
	jb_put(b, b->pretty ? "\": " : "\":", b->pretty ? 3 : 2);
}

/* The closing bracket of a non-empty container at @level. */
static void jb_close(struct jbuf *b, unsigned int level, char bracket)
{
	jb_indent(b, b->depth + level - 1);
	jb_put(b, &bracket, 1);
}

/* ,"key": of each cgroup field: compact output's members in one copy */
struct member {
	unsigned char len;	/* 0: too long, use jb_key() */
	char text[63];
};

static const struct member *compact_members(void)
{
	static struct member m[FIELD_MAX_ATTRS];
	static bool ready;
	size_t i;
	int n;

	for (i = 0; !ready && i < mq_cgroup_fields.n; i++) {
		n = snprintf(m[i].text, sizeof(m[i].text), ",\"%s\":",
			     mq_cgroup_fields.fields[i].key);
		m[i].len = n > 0 && (size_t)n < sizeof(m[i].text) ? n : 0;
	}
	ready = true;
	return m;
}

/* A string literal and its length, for jb_put(). */
#define LIT(s)	s, sizeof(s) - 1

/* ",0,0,...": the zero buckets after the last non-zero one, compact */
static const char zero_tail[] = ",0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0";
_Static_assert(sizeof(zero_tail) - 1 == 2 * MEMQOS_HIST_BUCKETS,
	       "zero_tail: ,0 per bucket");

static bool hist_is_zero(const struct mq_cg_hist *h, unsigned int *used)
{
	unsigned int n = h->bucket ? MEMQOS_HIST_BUCKETS : 0;

	while (n && !h->bucket[n - 1])
		n--;
	*used = n;
	return !n && !h->count && !h->sum_us && !h->max_us;
}

/*
 * Compact output of a histogram. Most cgroups never stall: three empty
 * histograms are most of a record's members, so an empty one is a single
 * copy, and the trailing empty buckets of the others are too.
 */
static void jb_hist_compact(struct jbuf *b, const struct mq_cg_hist *h)
{
	const uint64_t *bucket = mq_cg_hist_buckets(h);
	static const char empty[] =
		"{\"count\":0,\"sum_us\":0,\"p50_us\":0,\"p90_us\":0,"
		"\"p99_us\":0,\"max_us\":0,\"buckets\":[0";
	unsigned int i, used;

	if (hist_is_zero(h, &used)) {
		jb_put(b, LIT(empty));
		jb_put(b, zero_tail + 2, sizeof(zero_tail) - 3);
		jb_put(b, LIT("]}"));
		return;
	}
	jb_put(b, LIT("{\"count\":"));
	jb_u64(b, h->count);
	jb_put(b, LIT(",\"sum_us\":"));
	jb_u64(b, h->sum_us);
	jb_put(b, LIT(",\"p50_us\":"));
	jb_u64(b, mq_hist_percentile_us(bucket, h->max_us, 50));
	jb_put(b, LIT(",\"p90_us\":"));
	jb_u64(b, mq_hist_percentile_us(bucket, h->max_us, 90));
	jb_put(b, LIT(",\"p99_us\":"));
	jb_u64(b, mq_hist_percentile_us(bucket, h->max_us, 99));
	jb_put(b, LIT(",\"max_us\":"));
	jb_u64(b, h->max_us);
	jb_put(b, LIT(",\"buckets\":["));
	/* totals without buckets still have "buckets":[0,...] */
	if (!used)
		used = 1;
	for (i = 0; i < used; i++) {
		if (i)
			jb_put(b, ",", 1);
		jb_u64(b, bucket[i]);
	}
	jb_put(b, zero_tail, 2 * (MEMQOS_HIST_BUCKETS - used));
	jb_put(b, LIT("]}"));
}

static void jb_hist(struct jbuf *b, const char *name, bool first,
		    const struct mq_cg_hist *h)
{
	static const unsigned int pct[] = { 50, 90, 99 };
	static const char *const pct_key[] = { "p50_us", "p90_us", "p99_us" };
	const uint64_t *bucket;
	unsigned int i;

	jb_key(b, 1, first, name);
	if (!b->pretty) {
		jb_hist_compact(b, h);
		return;
	}
	bucket = mq_cg_hist_buckets(h);
	jb_put(b, "{", 1);
	jb_key(b, 2, true, "count");
	jb_u64(b, h->count);
	jb_key(b, 2, false, "sum_us");
	jb_u64(b, h->sum_us);
	for (i = 0; i < 3; i++) {
		jb_key(b, 2, false, pct_key[i]);
		jb_u64(b, mq_hist_percentile_us(bucket, h->max_us, pct[i]));
	}
	jb_key(b, 2, false, "max_us");
	jb_u64(b, h->max_us);
	jb_key(b, 2, false, "buckets");
	jb_put(b, "[", 1);
	for (i = 0; i < MEMQOS_HIST_BUCKETS; i++) {
		if (i)
			jb_put(b, ",", 1);
		jb_indent(b, b->depth + 3);
		jb_u64(b, bucket[i]);
	}
	jb_close(b, 3, ']');
	jb_close(b, 2, '}');
}

/* Paths are plain ASCII but for odd names: those through the escaper. */
static void jb_path(struct jbuf *b, const char *path)
{
	size_t len = mq_json_plain_len(path);

	if (path[len]) {
		mq_outbuf_flush(&b->out);
		mq_json_write_string(b->out.fp, path);
		return;
	}
	jb_put(b, "\"", 1);
	jb_put(b, path, len);
	jb_put(b, "\"", 1);
}

static void jb_record(struct jbuf *b, const struct mq_cg_rec *r)
{
	const struct member *m = compact_members();
	const struct mq_field *f;
	bool first = true;
	unsigned int k;
	size_t i;

	jb_put(b, "{", 1);
	jb_key(b, 0, true, "id");
	jb_u64(b, r->id);
	jb_key(b, 0, false, "path");
	jb_path(b, r->path);
	jb_key(b, 0, false, "tracked");
	jb_put(b, r->tracked ? "true" : "false", r->tracked ? 4 : 5);
	for (i = 0; i < mq_cgroup_fields.n; i++) {
		f = &mq_cgroup_fields.fields[i];
		if (!mq_field_has(&r->v, f->attr))
			continue;
		if (!b->pretty && m[i].len)
			jb_put(b, m[i].text, m[i].len);
		else
			jb_key(b, 0, false, f->key);
		if (f->kind == FIELD_LIMIT && r->v.val[f->attr] ==
		    MEMQOS_UNLIMITED)
			jb_put(b, "null", 4);
		else
			jb_u64(b, r->v.val[f->attr]);
	}
	jb_key(b, 0, false, "stalls");
	jb_put(b, "{", 1);
	for (k = 0; k < CG_STALL_KINDS; k++) {
		if (!r->hist[k].present)
			continue;
		jb_hist(b, mq_cg_stall_names[k], first, &r->hist[k]);
		first = false;
	}
	if (first)
		jb_put(b, "}", 1);	/* empty: no newline inside */
	else
		jb_close(b, 1, '}');
	jb_close(b, 0, '}');
}

bool mq_cg_rec_json(struct mq_json_out *jw, const struct mq_cg_rec *r)
{
	struct jbuf b;
	int depth = mq_json_raw_begin(jw, CG_JSON_LEVELS);

	if (depth < 0)
		return false;
	mq_outbuf_init(&b.out, jw->fp);
	b.pretty = jw->pretty;
	b.depth = depth + 1;
	jb_record(&b, r);
	mq_outbuf_flush(&b.out);
	mq_json_raw_end(jw);
	return true;
}
