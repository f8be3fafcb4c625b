// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition of a dump, see prom.h.
 *
 * A dump of 10,000 cgroups is hundreds of megabytes, most of it the same
 * label set again and again: the cgroup writers build each label set once
 * and copy it through a local buffer (outbuf.h); the others use the
 * unlocked stdio calls (the tool has one thread).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cgident.h"
#include "hist.h"
#include "membuf.h"
#include "outbuf.h"
#include "prom.h"
#include "units.h"

#define HIST_METRIC	"memqos_stall_seconds"

static void put_str(FILE *fp, const char *s)
{
	fputs_unlocked(s, fp);
}

static void put_u64(FILE *fp, uint64_t v)
{
	char buf[UNITS_U64_LEN], *digits;
	size_t len;

	digits = mq_units_u64_dec(buf, v, &len);
	fwrite_unlocked(digits, 1, len, fp);
}

/* @s with a backslash before each byte of @special, newline as "\n". */
static void write_escaped(FILE *fp, const char *s, const char *special)
{
	size_t len;

	for (;;) {
		len = strcspn(s, special);
		fwrite_unlocked(s, 1, len, fp);
		s += len;
		if (!*s)
			return;
		putc_unlocked('\\', fp);
		putc_unlocked(*s == '\n' ? 'n' : *s, fp);
		s++;
	}
}

void mq_prom_write_label_value(FILE *fp, const char *s)
{
	write_escaped(fp, s, "\\\"\n");
}

/* HELP text escapes only \ and newline. */
static void write_help(FILE *fp, const char *s)
{
	write_escaped(fp, s, "\\\n");
}

const char *mq_prom_format_seconds(uint64_t us, char *buf, size_t len)
{
	char whole[UNITS_U64_LEN], *digits;
	uint64_t frac = us % 1000000;
	size_t n, i;

	digits = mq_units_u64_dec(whole, us / 1000000, &n);
	/* too small for "<whole>.<6 digits>": cut it as before */
	if (n + 8 > len) {
		snprintf(buf, len, "%s.%06" PRIu64, digits, frac);
		return buf;
	}
	memcpy(buf, digits, n);
	if (frac) {
		buf[n] = '.';
		for (i = 6; i; i--, frac /= 10)
			buf[n + i] = '0' + frac % 10;
		n += 7;
		while (buf[n - 1] == '0')
			n--;
	}
	buf[n] = '\0';
	return buf;
}

static void family(FILE *fp, const char *name, const char *type,
		   const char *help)
{
	fprintf(fp, "# HELP %s ", name);
	write_help(fp, help);
	fprintf(fp, "\n# TYPE %s %s\n", name, type);
}

static const char *field_type(const struct mq_field *f)
{
	return f->kind == FIELD_COUNT || f->kind == FIELD_USEC ?
	       "counter" : "gauge";
}

#define VALUE_LEN	32

/* @v of field @f as a sample value: +Inf, seconds or an integer. */
static const char *format_value(const struct mq_field *f, uint64_t v,
				char buf[VALUE_LEN])
{
	size_t n;

	if (f->kind == FIELD_LIMIT && v == MEMQOS_UNLIMITED)
		return "+Inf";
	if (f->kind == FIELD_USEC)
		return mq_prom_format_seconds(v, buf, VALUE_LEN);
	_Static_assert(VALUE_LEN >= UNITS_U64_LEN, "room for any u64");
	return mq_units_u64_dec(buf, v, &n);
}

static void write_value(FILE *fp, const struct mq_field *f, uint64_t v)
{
	char buf[VALUE_LEN];

	put_str(fp, format_value(f, v, buf));
}

/*
 * Each cgroup's label set, {cgroup="<path>",id="<id>" (the exporter's:
 * {cgroup="<path>" and the identity labels of cgident.h) without the
 * closing brace: struct mq_prom_labels. Written once per cgroup through
 * mq_prom_write_label_value(), then copied into each of its samples:
 * escaping the path and formatting the id every time was most of a
 * 10,000-cgroup dump's output cost.
 */
static void ident_label(FILE *fp, const char *name, const char *value)
{
	if (!*value)
		return;
	fprintf(fp, ",%s=\"", name);
	mq_prom_write_label_value(fp, value);
	putc_unlocked('"', fp);
}

void mq_prom_write_cg_labels(FILE *fp, const char *path)
{
	struct mq_cg_ident id;

	put_str(fp, "cgroup=\"");
	mq_prom_write_label_value(fp, path);
	putc_unlocked('"', fp);
	mq_cg_ident_parse(path, &id);
	ident_label(fp, "pod_uid", id.pod_uid);
	ident_label(fp, "qos_class", id.qos_class);
	ident_label(fp, "container_id", id.container_id);
	ident_label(fp, "unit", id.unit);
}

/* The cgroup id and path of label set idx, for reuse by the next scrape */
struct mq_prom_label_key {
	uint64_t id;
	size_t idx;
	size_t path_at;		/* in mq_prom_labels.paths */
};

static int key_cmp(const void *a, const void *b)
{
	const struct mq_prom_label_key *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Label set @i of @l, @len bytes from '{'. */
static const char *labels_of(const struct mq_prom_labels *l, size_t i,
			     size_t *len)
{
	size_t start = i ? l->end[i - 1] : 0;

	*len = l->end[i] - start;
	return l->text + start;
}

/* The label set of @r in @prev, if @r's id had it with the same path. */
static const char *labels_reuse(const struct mq_prom_labels *prev,
				const struct mq_cg_rec *r, size_t *len)
{
	const struct mq_prom_label_key key = { .id = r->id }, *k;

	if (!prev || !prev->n)
		return NULL;
	k = bsearch(&key, prev->keys, prev->n, sizeof(key), key_cmp);
	if (!k || strcmp(prev->paths + k->path_at, r->path))
		return NULL;
	return labels_of(prev, k->idx, len);
}

/* @list's paths and ids into @l, sorted by id, for labels_reuse() */
static int labels_keep_keys(struct mq_prom_labels *l,
			    const struct mq_cg_list *list)
{
	size_t i, len, at = 0;

	for (i = 0; i < list->n; i++)
		at += strlen(list->recs[i].path) + 1;
	l->keys = malloc((list->n ? list->n : 1) * sizeof(*l->keys));
	l->paths = malloc(at ? at : 1);
	if (!l->keys || !l->paths)
		return -ENOMEM;
	for (i = at = 0; i < list->n; i++) {
		len = strlen(list->recs[i].path) + 1;
		memcpy(l->paths + at, list->recs[i].path, len);
		l->keys[i] = (struct mq_prom_label_key){
			.id = list->recs[i].id, .idx = i, .path_at = at,
		};
		at += len;
	}
	qsort(l->keys, list->n, sizeof(*l->keys), key_cmp);
	return 0;
}

/*
 * The label sets of @list into @l; @prev (the exporter's last scrape, or
 * NULL): sets to copy for the cgroups whose id and path are the same, and
 * the keys for the next scrape are kept in @l.
 */
static int cg_labels_build(struct mq_prom_labels *l,
			   const struct mq_cg_list *list, bool exporter,
			   const struct mq_prom_labels *prev)
{
	struct mq_membuf b;
	const char *reused;
	size_t i, len;
	FILE *ms = NULL;

	memset(l, 0, sizeof(*l));
	l->end = malloc((list->n ? list->n : 1) * sizeof(*l->end));
	if (l->end && (!prev || !labels_keep_keys(l, list)))
		ms = mq_membuf_open(&b, prev && prev->n ?
				    prev->end[prev->n - 1] + 4096 :
				    list->n * 64);
	if (!ms) {
		mq_prom_labels_free(l);
		return -ENOMEM;
	}
	for (i = 0; i < list->n; i++) {
		reused = labels_reuse(prev, &list->recs[i], &len);
		if (reused) {
			fwrite_unlocked(reused, 1, len, ms);
		} else if (exporter) {
			putc_unlocked('{', ms);
			mq_prom_write_cg_labels(ms, list->recs[i].path);
		} else {
			put_str(ms, "{cgroup=\"");
			mq_prom_write_label_value(ms, list->recs[i].path);
			put_str(ms, "\",id=\"");
			put_u64(ms, list->recs[i].id);
			putc_unlocked('"', ms);
		}
		/* unbuffered: what was written is in b */
		l->end[i] = b.len;
	}
	if (mq_membuf_close(&b, ms)) {
		mq_prom_labels_free(l);
		return -ENOMEM;
	}
	l->text = b.buf;
	l->n = list->n;
	return 0;
}

void mq_prom_labels_free(struct mq_prom_labels *l)
{
	free(l->text);
	free(l->end);
	free(l->keys);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}

/*
 * name{cgroup="...",id="..." of record @i, @name of @name_len bytes (known
 * once per family, not measured per sample); the caller's labels follow.
 */
static void cg_sample_begin(struct mq_outbuf *o, const char *name,
			    size_t name_len, const struct mq_prom_labels *l,
			    size_t i)
{
	const char *labels;
	size_t len;

	labels = labels_of(l, i, &len);
	mq_outbuf_put(o, name, name_len);
	mq_outbuf_put(o, labels, len);
}

/* cg_sample_begin() of a string constant */
#define CG_SAMPLE_BEGIN(o, name, l, i) \
	cg_sample_begin(o, name, sizeof(name) - 1, l, i)

/*
 * Family @name of field @f, its values times @scale (pages to bytes):
 * one sample per cgroup of @list that has it.
 */
static void write_field(struct mq_outbuf *o, const struct mq_field *f,
			const char *name, const char *help, uint64_t scale,
			const struct mq_cg_list *list,
			const struct mq_prom_labels *l)
{
	const struct mq_cg_rec *r;
	size_t i, name_len = strlen(name);
	char buf[VALUE_LEN];

	mq_outbuf_flush(o);
	family(o->fp, name, field_type(f), help);
	for (i = 0; i < list->n; i++) {
		r = &list->recs[i];
		if (!mq_field_has(&r->v, f->attr))
			continue;
		cg_sample_begin(o, name, name_len, l, i);
		mq_outbuf_put(o, "} ", 2);
		if (scale != 1)
			mq_outbuf_u64(o, r->v.val[f->attr] * scale);
		else
			mq_outbuf_str(o, format_value(f, r->v.val[f->attr],
						      buf));
		mq_outbuf_char(o, '\n');
	}
}

/*
 * The histogram labels written once: ,kind="..." of each stall kind and
 * the le of each bucket, "0.000001" to "+Inf" (the exporter's: "0.000004"
 * to "16.777216" and "+Inf").
 */
struct hist_labels {
	char kind[CG_STALL_KINDS][64];
	int kind_len[CG_STALL_KINDS];
	char le[MEMQOS_HIST_BUCKETS][32];
	unsigned int n;		/* buckets, +Inf the last */
};

static void hist_labels_init(struct hist_labels *hl, bool log4)
{
	unsigned int k, b;
	uint64_t upper;

	/* the names are plain words (mq_cg_stall_names) */
	for (k = 0; k < CG_STALL_KINDS; k++)
		hl->kind_len[k] = snprintf(hl->kind[k], sizeof(hl->kind[k]),
					   ",kind=\"%s\"", mq_cg_stall_names[k]);
	hl->n = log4 ? HIST_LOG4_BUCKETS + 1 : MEMQOS_HIST_BUCKETS;
	/* bucket b holds stalls below 2^b us: le is inclusive */
	for (b = 0; b < hl->n - 1; b++) {
		upper = log4 ? mq_hist_log4_upper_us(b) :
			       mq_hist_bucket_upper_us(b);
		mq_prom_format_seconds(upper, hl->le[b], sizeof(hl->le[b]));
	}
	strcpy(hl->le[hl->n - 1], "+Inf");
}

/* Kind @k of record @i with the hl->n cumulative counts @cum. */
static void write_hist(struct mq_outbuf *o, const struct mq_cg_list *list,
		       size_t i, unsigned int k, const uint64_t *cum,
		       const struct hist_labels *hl,
		       const struct mq_prom_labels *l)
{
	const struct mq_cg_hist *h = &list->recs[i].hist[k];
	const char *kind = hl->kind[k];
	int n = hl->kind_len[k];
	unsigned int b;
	char buf[32];

	for (b = 0; b < hl->n; b++) {
		CG_SAMPLE_BEGIN(o, HIST_METRIC "_bucket", l, i);
		mq_outbuf_put(o, kind, n);
		mq_outbuf_put(o, ",le=\"", 5);
		mq_outbuf_str(o, hl->le[b]);
		mq_outbuf_put(o, "\"} ", 3);
		mq_outbuf_u64(o, cum[b]);
		mq_outbuf_char(o, '\n');
	}
	CG_SAMPLE_BEGIN(o, HIST_METRIC "_sum", l, i);
	mq_outbuf_put(o, kind, n);
	mq_outbuf_put(o, "} ", 2);
	mq_outbuf_str(o, mq_prom_format_seconds(h->sum_us, buf, sizeof(buf)));
	mq_outbuf_char(o, '\n');
	CG_SAMPLE_BEGIN(o, HIST_METRIC "_count", l, i);
	mq_outbuf_put(o, kind, n);
	mq_outbuf_put(o, "} ", 2);
	mq_outbuf_u64(o, cum[hl->n - 1]);
	mq_outbuf_char(o, '\n');
}

static void hist_family(FILE *fp)
{
	family(fp, HIST_METRIC, "histogram",
	       "stall times by kind (memcg_reclaim, direct_reclaim, high_throttle)");
}

int mq_prom_write_cgroups(FILE *fp, const struct mq_cg_list *list)
{
	struct hist_labels hl;
	struct mq_prom_labels l;
	struct mq_outbuf *o;
	unsigned int k;
	size_t i;

	o = malloc(sizeof(*o));
	if (!o || cg_labels_build(&l, list, false, NULL)) {
		free(o);
		return -ENOMEM;
	}
	mq_outbuf_init(o, fp);
	for (i = 0; i < mq_cgroup_fields.n; i++)
		write_field(o, &mq_cgroup_fields.fields[i],
			    mq_cgroup_fields.fields[i].metric,
			    mq_cgroup_fields.fields[i].help, 1, list, &l);

	mq_outbuf_flush(o);
	hist_family(fp);
	hist_labels_init(&hl, false);
	for (i = 0; i < list->n; i++) {
		for (k = 0; k < CG_STALL_KINDS; k++) {
			const struct mq_cg_hist *h = &list->recs[i].hist[k];
			const uint64_t *bucket = mq_cg_hist_buckets(h);
			uint64_t cum[MEMQOS_HIST_BUCKETS], sum = 0;
			unsigned int b;

			if (!h->present)
				continue;
			for (b = 0; b < MEMQOS_HIST_BUCKETS; b++)
				cum[b] = sum += bucket[b];
			write_hist(o, list, i, k, cum, &hl, &l);
		}
	}
	mq_outbuf_flush(o);
	mq_prom_labels_free(&l);
	free(o);
	return 0;
}

const struct mq_prom_collector_desc mq_prom_collectors[PROM_C_NR] = {
	[PROM_C_MEMORY] = { "memory", true,
		"usage, swap, anon and file bytes; memory.min/low/high/max" },
	[PROM_C_EVENTS] = { "events", true,
		"memory.events high, max, oom and oom_kill" },
	[PROM_C_PRESSURE] = { "pressure", true,
		"memory.pressure some and full, seconds" },
	[PROM_C_STALLS] = { "stalls", true,
		"memcg reclaim, direct reclaim and memory.high stalls: count and seconds" },
	[PROM_C_REFAULTS] = { "refaults", true,
		"workingset refaults, anon and file" },
	[PROM_C_RECLAIMED] = { "reclaimed", true,
		"bytes of its LRU reclaimed by other cgroups' tasks" },
	[PROM_C_INFO] = { "info", true,
		"memqos_cgroup_info: the cgroup ID and the memqos tier" },
	[PROM_C_HISTOGRAMS] = { "histograms", true,
		"log4 stall histograms, of the cgroups that stalled since the last scrape" },
	[PROM_C_DETAIL] = { "detail", false,
		"every other field the module sends (memory.stat, attribution, ...)" },
	[PROM_C_OOM] = { "oom", true,
		"the node's recent OOM kills: victim, trigger and scope cgroups" },
};

unsigned int mq_prom_default_collect(void)
{
	unsigned int c, mask = 0;

	for (c = 0; c < PROM_C_NR; c++)
		if (mq_prom_collectors[c].on)
			mask |= 1U << c;
	return mask;
}

int mq_prom_collector_by_name(const char *name)
{
	unsigned int c;

	for (c = 0; c < PROM_C_NR; c++)
		if (!strcmp(mq_prom_collectors[c].name, name))
			return c;
	return -ENOENT;
}

/* The fields of the default collectors; the rest are PROM_C_DETAIL. */
static const struct {
	uint16_t attr;
	enum mq_prom_collector c;
} field_collector[] = {
	{ MEMQOS_A_CGROUP_USAGE_BYTES, PROM_C_MEMORY },
	{ MEMQOS_A_CGROUP_SWAP_BYTES, PROM_C_MEMORY },
	{ MEMQOS_A_CGROUP_ANON_BYTES, PROM_C_MEMORY },
	{ MEMQOS_A_CGROUP_FILE_BYTES, PROM_C_MEMORY },
	{ MEMQOS_A_CGROUP_MIN_BYTES, PROM_C_MEMORY },
	{ MEMQOS_A_CGROUP_LOW_BYTES, PROM_C_MEMORY },
	{ MEMQOS_A_CGROUP_HIGH_BYTES, PROM_C_MEMORY },
	{ MEMQOS_A_CGROUP_MAX_BYTES, PROM_C_MEMORY },
	{ MEMQOS_A_CGROUP_EVENTS_HIGH, PROM_C_EVENTS },
	{ MEMQOS_A_CGROUP_EVENTS_MAX, PROM_C_EVENTS },
	{ MEMQOS_A_CGROUP_EVENTS_OOM, PROM_C_EVENTS },
	{ MEMQOS_A_CGROUP_EVENTS_OOM_KILL, PROM_C_EVENTS },
	{ MEMQOS_A_CGROUP_PSI_SOME_US, PROM_C_PRESSURE },
	{ MEMQOS_A_CGROUP_PSI_FULL_US, PROM_C_PRESSURE },
	{ MEMQOS_A_CGROUP_MEMCG_RECLAIMS, PROM_C_STALLS },
	{ MEMQOS_A_CGROUP_MEMCG_RECLAIM_US, PROM_C_STALLS },
	{ MEMQOS_A_CGROUP_DIRECT_RECLAIMS, PROM_C_STALLS },
	{ MEMQOS_A_CGROUP_DIRECT_RECLAIM_US, PROM_C_STALLS },
	{ MEMQOS_A_CGROUP_HIGH_THROTTLES, PROM_C_STALLS },
	{ MEMQOS_A_CGROUP_HIGH_THROTTLE_US, PROM_C_STALLS },
	{ MEMQOS_A_CGROUP_WORKINGSET_REFAULT_ANON, PROM_C_REFAULTS },
	{ MEMQOS_A_CGROUP_WORKINGSET_REFAULT_FILE, PROM_C_REFAULTS },
	{ MEMQOS_A_CGROUP_RECLAIMED_BY_OTHERS_PAGES, PROM_C_RECLAIMED },
};

enum mq_prom_collector mq_prom_field_collector(const struct mq_field *f)
{
	size_t i;

	for (i = 0; i < sizeof(field_collector) / sizeof(field_collector[0]);
	     i++)
		if (field_collector[i].attr == f->attr)
			return field_collector[i].c;
	return PROM_C_DETAIL;
}

static int seen_cmp(const void *a, const void *b)
{
	const struct mq_prom_seen_ent *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int mq_prom_seen_update(struct mq_prom_seen *seen,
			const struct mq_cg_list *list)
{
	struct mq_prom_seen_ent *ent;
	unsigned int k;
	size_t i;

	ent = calloc(list->n ? list->n : 1, sizeof(*ent));
	if (!ent)
		return -ENOMEM;
	for (i = 0; i < list->n; i++) {
		ent[i].id = list->recs[i].id;
		for (k = 0; k < CG_STALL_KINDS; k++)
			ent[i].count[k] = list->recs[i].hist[k].count;
	}
	qsort(ent, list->n, sizeof(*ent), seen_cmp);
	free(seen->ent);
	seen->ent = ent;
	seen->n = list->n;
	return 0;
}

void mq_prom_seen_free(struct mq_prom_seen *seen)
{
	free(seen->ent);
	seen->ent = NULL;
	seen->n = 0;
}

bool mq_prom_stalled_since(const struct mq_prom_seen *seen,
			   const struct mq_cg_rec *r, unsigned int k)
{
	const struct mq_prom_seen_ent key = { .id = r->id }, *e = NULL;
	const struct mq_cg_hist *h = &r->hist[k];

	if (!h->present || !h->count)
		return false;
	if (seen && seen->n)
		e = bsearch(&key, seen->ent, seen->n, sizeof(key), seen_cmp);
	return !e || e->count[k] != h->count;
}

/*
 * The exporter's name of field @f into @buf: its own, but a page count,
 * memqos_<x>_pages_total, becomes memqos_<x>_bytes_total (Prometheus
 * wants base units). Returns the page size to scale by, or 1.
 */
static uint64_t exporter_name(const struct mq_field *f, uint64_t page_size,
			      char *buf, size_t len, char *help,
			      size_t help_len)
{
	static const char pages[] = "_pages_total";
	size_t n = strlen(f->metric), p = sizeof(pages) - 1;

	/* promtool reads "sec" as seconds abbreviated */
	if (f->attr == MEMQOS_A_CGROUP_SEC_PAGETABLES_BYTES) {
		snprintf(buf, len, "memqos_secondary_pagetables_bytes");
		snprintf(help, help_len, "%s", f->help);
		return 1;
	}
	if (f->kind != FIELD_COUNT || n < p ||
	    strcmp(f->metric + n - p, pages)) {
		snprintf(buf, len, "%s", f->metric);
		snprintf(help, help_len, "%s", f->help);
		return 1;
	}
	snprintf(buf, len, "%.*s_bytes_total", (int)(n - p), f->metric);
	snprintf(help, help_len, "%s, in bytes", f->help);
	return page_size;
}

static void write_info(struct mq_outbuf *o, const struct mq_cg_list *list,
		       const struct mq_prom_labels *l,
		       const struct mq_prom_opts *opts)
{
	const char *tier, *source;
	size_t i;

	mq_outbuf_flush(o);
	family(o->fp, "memqos_cgroup_info", "gauge",
	       "always 1; the cgroup's ID and, where memqos gave it one, its tier and where the tier came from");
	for (i = 0; i < list->n; i++) {
		CG_SAMPLE_BEGIN(o, "memqos_cgroup_info", l, i);
		mq_outbuf_put(o, ",id=\"", 5);
		mq_outbuf_u64(o, list->recs[i].id);
		mq_outbuf_char(o, '"');
		source = NULL;
		tier = opts->tier ? opts->tier(opts->tier_ctx, &list->recs[i],
					       &source) : NULL;
		if (tier) {
			/* escaped through the FILE: the buffer goes first */
			mq_outbuf_flush(o);
			put_str(o->fp, ",tier=\"");
			mq_prom_write_label_value(o->fp, tier);
			put_str(o->fp, "\",tier_source=\"");
			mq_prom_write_label_value(o->fp, source ?: "");
			putc_unlocked('"', o->fp);
		}
		mq_outbuf_put(o, "} 1\n", 4);
	}
}

static void write_exporter_hists(struct mq_outbuf *o,
				 const struct mq_cg_list *list,
				 const struct mq_prom_labels *l,
				 const struct mq_prom_seen *seen)
{
	uint64_t cum[HIST_LOG4_BUCKETS + 1];
	const uint64_t *bucket;
	struct hist_labels hl;
	unsigned int k;
	size_t i;

	mq_outbuf_flush(o);
	hist_family(o->fp);
	hist_labels_init(&hl, true);
	for (i = 0; i < list->n; i++) {
		for (k = 0; k < CG_STALL_KINDS; k++) {
			if (!mq_prom_stalled_since(seen, &list->recs[i], k))
				continue;
			bucket = mq_cg_hist_buckets(&list->recs[i].hist[k]);
			mq_hist_log4(bucket, cum);
			cum[HIST_LOG4_BUCKETS] = mq_hist_total(bucket);
			write_hist(o, list, i, k, cum, &hl, l);
		}
	}
}

int mq_prom_write_exporter(FILE *fp, const struct mq_cg_list *list,
			   const struct mq_prom_opts *opts)
{
	char name[128], help[256];
	const struct mq_field *f;
	struct mq_outbuf *o;
	struct mq_prom_labels l;
	uint64_t scale;
	size_t i;

	o = malloc(sizeof(*o));
	if (!o || cg_labels_build(&l, list, true, opts->labels)) {
		free(o);
		return -ENOMEM;
	}
	mq_outbuf_init(o, fp);
	for (i = 0; i < mq_cgroup_fields.n; i++) {
		f = &mq_cgroup_fields.fields[i];
		if (!(opts->collect & 1U << mq_prom_field_collector(f)))
			continue;
		scale = exporter_name(f, opts->page_size, name, sizeof(name),
				      help, sizeof(help));
		write_field(o, f, name, help, scale, list, &l);
	}
	if (opts->collect & 1U << PROM_C_INFO)
		write_info(o, list, &l, opts);
	if (opts->collect & 1U << PROM_C_HISTOGRAMS)
		write_exporter_hists(o, list, &l, opts->seen);
	mq_outbuf_flush(o);
	/* the next scrape copies the sets of the cgroups that stay */
	if (opts->labels) {
		mq_prom_labels_free(opts->labels);
		*opts->labels = l;
	} else {
		mq_prom_labels_free(&l);
	}
	free(o);
	return 0;
}

static const char *oom_scope_label(const struct mq_oom_kill *k)
{
	const char *name = k->has_scope ? mq_oom_scope_name(k->scope) : NULL;

	return name ?: "";
}

/* Compares the labels of two kills, then their seqs. */
static int oom_cmp_labels(const struct mq_oom_kill *x,
			  const struct mq_oom_kill *y)
{
	int c;

	c = strcmp(x->path ?: "", y->path ?: "");
	if (!c)
		c = strcmp(x->trigger_path ?: "", y->trigger_path ?: "");
	if (!c)
		c = strcmp(oom_scope_label(x), oom_scope_label(y));
	if (!c)
		c = strcmp(x->scope_path ?: "", y->scope_path ?: "");
	return c;
}

static int oom_cmp(const void *a, const void *b)
{
	const struct mq_oom_kill *x = *(const struct mq_oom_kill *const *)a;
	const struct mq_oom_kill *y = *(const struct mq_oom_kill *const *)b;
	int c = oom_cmp_labels(x, y);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void oom_label(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, "%s=\"", name);
	mq_prom_write_label_value(fp, value ?: "");
	putc_unlocked('"', fp);
}

static void oom_sample_begin(FILE *fp, const char *name,
			     const struct mq_oom_kill *k)
{
	fprintf(fp, "%s{", name);
	oom_label(fp, "victim_cgroup", k->path);
	putc_unlocked(',', fp);
	oom_label(fp, "trigger_cgroup", k->trigger_path);
	putc_unlocked(',', fp);
	oom_label(fp, "scope", oom_scope_label(k));
	putc_unlocked(',', fp);
	oom_label(fp, "scope_cgroup", k->scope_path);
	put_str(fp, "} ");
}

/* Where the kills of @k[@i]'s label set end, @k sorted by oom_cmp. */
static size_t oom_group_end(const struct mq_oom_kill **k, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && !oom_cmp_labels(k[i], k[j]))
		j++;
	return j;
}

int mq_prom_write_oom_kills(FILE *fp, const struct mq_oom_list *list)
{
	const struct mq_oom_kill **k;
	char buf[VALUE_LEN];
	size_t i, j;

	k = malloc((list->n ? list->n : 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (i = 0; i < list->n; i++)
		k[i] = &list->kills[i];
	qsort(k, list->n, sizeof(*k), oom_cmp);

	family(fp, "memqos_oom_kill_timestamp_seconds", "gauge",
	       "time of the newest of the node's recent OOM kills with these victim, trigger and scope cgroups (Unix seconds); scope memcg, global or sysrq; \"\" where a cgroup is none, gone or not visible");
	for (i = 0; i < list->n; i = j) {
		j = oom_group_end(k, list->n, i);
		oom_sample_begin(fp, "memqos_oom_kill_timestamp_seconds",
				 k[j - 1]);
		put_str(fp, mq_prom_format_seconds(k[j - 1]->time_ns / 1000,
						   buf, sizeof(buf)));
		putc_unlocked('\n', fp);
	}
	family(fp, "memqos_oom_kills_recent", "gauge",
	       "how many of the node's recent OOM kills (the last oom_ring_entries) had these victim, trigger and scope cgroups");
	for (i = 0; i < list->n; i = j) {
		j = oom_group_end(k, list->n, i);
		oom_sample_begin(fp, "memqos_oom_kills_recent", k[i]);
		put_u64(fp, j - i);
		putc_unlocked('\n', fp);
	}
	free(k);
	return 0;
}

void mq_prom_write_up(FILE *fp, bool up)
{
	family(fp, "memqos_up", "gauge",
	       "1 if this scrape read the memqos module, 0 if it is not loaded or did not answer");
	fprintf(fp, "memqos_up %d\n", up);
}

/* name{reclaimer="...",...,node="N" and the caller's labels follow */
static void pair_sample_begin(FILE *fp, const char *name,
			      const struct mq_attrib_pair *p)
{
	fprintf(fp, "%s{reclaimer=\"", name);
	mq_prom_write_label_value(fp,
				  mq_attrib_reclaimer_name(p->reclaimer,
							   p->reclaimer_path));
	fprintf(fp, "\",reclaimer_id=\"%" PRIu64 "\",victim=\"", p->reclaimer);
	mq_prom_write_label_value(fp, p->victim_path ?: "-");
	fprintf(fp, "\",victim_id=\"%" PRIu64 "\",node=\"%" PRIu32 "\"",
		p->victim, p->node);
}

enum pair_value { PAIR_SCANNED, PAIR_ANON, PAIR_FILE, PAIR_REFAULTS,
		  PAIR_RECENT };

static uint64_t pair_value(const struct mq_attrib_pair *p, enum pair_value v)
{
	switch (v) {
	case PAIR_SCANNED:
		return p->scanned;
	case PAIR_ANON:
		return p->reclaimed_anon;
	case PAIR_FILE:
		return p->reclaimed_file;
	case PAIR_REFAULTS:
		return p->refaults;
	case PAIR_RECENT:
		break;
	}
	return p->recent;
}

/* One sample per pair of value @v times @scale, with label @extra. */
static void write_pairs(FILE *fp, const char *name,
			const struct mq_attrib_list *list, enum pair_value v,
			uint64_t scale, const char *extra)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		pair_sample_begin(fp, name, &list->pairs[i]);
		fprintf(fp, "%s} %" PRIu64 "\n", extra,
			pair_value(&list->pairs[i], v) * scale);
	}
}

void mq_prom_write_attribution(FILE *fp, const struct mq_attrib_list *list,
			       uint64_t page_size)
{
	family(fp, "memqos_attribution_scanned_bytes_total", "counter",
	       "bytes the reclaimer scanned on the victim's LRU on the node, since the pair appeared");
	write_pairs(fp, "memqos_attribution_scanned_bytes_total", list,
		    PAIR_SCANNED, page_size, "");
	family(fp, "memqos_attribution_reclaimed_bytes_total", "counter",
	       "bytes the reclaimer reclaimed from the victim's LRU on the node, since the pair appeared");
	write_pairs(fp, "memqos_attribution_reclaimed_bytes_total", list,
		    PAIR_ANON, page_size, ",type=\"anon\"");
	write_pairs(fp, "memqos_attribution_reclaimed_bytes_total", list,
		    PAIR_FILE, page_size, ",type=\"file\"");
	family(fp, "memqos_attribution_refaults_total", "counter",
	       "the victim's workingset refaults shared out to the pair by its recent score (harm)");
	write_pairs(fp, "memqos_attribution_refaults_total", list,
		    PAIR_REFAULTS, 1, "");
	family(fp, "memqos_attribution_recent_bytes", "gauge",
	       "bytes reclaimed recently, decayed with attribution_halflife_ms (the ranking score)");
	write_pairs(fp, "memqos_attribution_recent_bytes", list, PAIR_RECENT,
		    page_size, "");
}

/* Fields without labels: one sample each. */
static void write_set(FILE *fp, const struct mq_field_set *set,
		      const struct mq_field_vals *v)
{
	const struct mq_field *f;
	size_t i;

	for (i = 0; i < set->n; i++) {
		f = &set->fields[i];
		if (!mq_field_has(v, f->attr))
			continue;
		family(fp, f->metric, field_type(f), f->help);
		fprintf(fp, "%s ", f->metric);
		write_value(fp, f, v->val[f->attr]);
		putc('\n', fp);
	}
}

static void write_probes(FILE *fp, const struct mq_mod_stats *st)
{
	size_t i;

	family(fp, "memqos_probe_bound", "gauge",
	       "1 if the tracepoint or kprobe is attached, 0 if absent on this kernel");
	for (i = 0; i < st->n_probes; i++) {
		fputs("memqos_probe_bound{probe=\"", fp);
		mq_prom_write_label_value(fp, st->probes[i].name);
		fprintf(fp, "\"} %d\n", st->probes[i].bound);
	}
	family(fp, "memqos_probe_hits_total", "counter",
	       "times the tracepoint or kprobe fired");
	for (i = 0; i < st->n_probes; i++) {
		fputs("memqos_probe_hits_total{probe=\"", fp);
		mq_prom_write_label_value(fp, st->probes[i].name);
		fprintf(fp, "\"} %" PRIu64 "\n", st->probes[i].hits);
	}
}

static void write_build_info(FILE *fp, const struct mq_mod_version *ver)
{
	family(fp, "memqos_build_info", "gauge",
	       "always 1; the module release, its uapi version and the kernel release");
	fputs("memqos_build_info{module=\"", fp);
	mq_prom_write_label_value(fp, ver->module);
	fprintf(fp, "\",uapi=\"%" PRIu32 "\",kernel=\"", ver->uapi);
	mq_prom_write_label_value(fp, ver->kernel);
	fputs("\"} 1\n", fp);
}

void mq_prom_write_module(FILE *fp, const struct mq_mod_version *ver,
			  const struct mq_mod_stats *st,
			  const struct mq_mod_config *cfg)
{
	if (ver)
		write_build_info(fp, ver);
	if (st) {
		write_set(fp, &mq_stats_fields, &st->v);
		write_probes(fp, st);
	}
	if (cfg)
		write_set(fp, &mq_config_fields, &cfg->v);
}
