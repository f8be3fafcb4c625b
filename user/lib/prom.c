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

#include "hist.h"
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
 * Each cgroup's label set, {cgroup="<path>",id="<id>" without the closing
 * brace. Written once per cgroup through mq_prom_write_label_value(), then
 * copied into each of its ~140 samples: escaping the path and formatting
 * the id every time was most of a 10,000-cgroup dump's output cost.
 */
struct cg_labels {
	char *text;	/* all of them, one after the other */
	size_t *end;	/* where the label set of record i ends in text */
};

static int cg_labels_build(struct cg_labels *l, const struct mq_cg_list *list)
{
	size_t size, i;
	FILE *ms = NULL;

	l->text = NULL;
	l->end = malloc((list->n ? list->n : 1) * sizeof(*l->end));
	if (l->end)
		ms = open_memstream(&l->text, &size);
	if (!ms) {
		free(l->end);
		return -ENOMEM;
	}
	for (i = 0; i < list->n; i++) {
		put_str(ms, "{cgroup=\"");
		mq_prom_write_label_value(ms, list->recs[i].path);
		put_str(ms, "\",id=\"");
		put_u64(ms, list->recs[i].id);
		putc_unlocked('"', ms);
		l->end[i] = ftell(ms);
	}
	if (fclose(ms) || !l->text) {
		free(l->text);
		free(l->end);
		return -ENOMEM;
	}
	return 0;
}

static void cg_labels_free(struct cg_labels *l)
{
	free(l->text);
	free(l->end);
}

/* name{cgroup="...",id="..." of record @i; the caller's labels follow */
static void cg_sample_begin(struct mq_outbuf *o, const char *name,
			    const struct cg_labels *l, size_t i)
{
	size_t start = i ? l->end[i - 1] : 0;

	mq_outbuf_str(o, name);
	mq_outbuf_put(o, l->text + start, l->end[i] - start);
}

static void write_field(struct mq_outbuf *o, const struct mq_field *f,
			const struct mq_cg_list *list,
			const struct cg_labels *l)
{
	const struct mq_cg_rec *r;
	char buf[VALUE_LEN];
	size_t i;

	mq_outbuf_flush(o);
	family(o->fp, f->metric, field_type(f), f->help);
	for (i = 0; i < list->n; i++) {
		r = &list->recs[i];
		if (!mq_field_has(&r->v, f->attr))
			continue;
		cg_sample_begin(o, f->metric, l, i);
		mq_outbuf_put(o, "} ", 2);
		mq_outbuf_str(o, format_value(f, r->v.val[f->attr], buf));
		mq_outbuf_char(o, '\n');
	}
}

/*
 * The histogram labels written once: ,kind="..." of each stall kind and
 * the le of each bucket, "0.000001" to "+Inf".
 */
struct hist_labels {
	char kind[CG_STALL_KINDS][64];
	int kind_len[CG_STALL_KINDS];
	char le[MEMQOS_HIST_BUCKETS][32];
};

static void hist_labels_init(struct hist_labels *hl)
{
	unsigned int k, b;

	/* the names are plain words (mq_cg_stall_names) */
	for (k = 0; k < CG_STALL_KINDS; k++)
		hl->kind_len[k] = snprintf(hl->kind[k], sizeof(hl->kind[k]),
					   ",kind=\"%s\"", mq_cg_stall_names[k]);
	/* bucket b holds stalls below 2^b us: le is inclusive */
	for (b = 0; b < HIST_LAST_BUCKET; b++)
		mq_prom_format_seconds(mq_hist_bucket_upper_us(b), hl->le[b],
				       sizeof(hl->le[b]));
	strcpy(hl->le[HIST_LAST_BUCKET], "+Inf");
}

static void write_hist(struct mq_outbuf *o, const struct mq_cg_list *list,
		       size_t i, unsigned int k, const struct hist_labels *hl,
		       const struct cg_labels *l)
{
	const struct mq_cg_hist *h = &list->recs[i].hist[k];
	const uint64_t *bucket = mq_cg_hist_buckets(h);
	const char *kind = hl->kind[k];
	int n = hl->kind_len[k];
	uint64_t cum = 0;
	unsigned int b;
	char buf[32];

	for (b = 0; b < MEMQOS_HIST_BUCKETS; b++) {
		cum += bucket[b];
		cg_sample_begin(o, HIST_METRIC "_bucket", l, i);
		mq_outbuf_put(o, kind, n);
		mq_outbuf_put(o, ",le=\"", 5);
		mq_outbuf_str(o, hl->le[b]);
		mq_outbuf_put(o, "\"} ", 3);
		mq_outbuf_u64(o, cum);
		mq_outbuf_char(o, '\n');
	}
	cg_sample_begin(o, HIST_METRIC "_sum", l, i);
	mq_outbuf_put(o, kind, n);
	mq_outbuf_put(o, "} ", 2);
	mq_outbuf_str(o, mq_prom_format_seconds(h->sum_us, buf, sizeof(buf)));
	mq_outbuf_char(o, '\n');
	cg_sample_begin(o, HIST_METRIC "_count", l, i);
	mq_outbuf_put(o, kind, n);
	mq_outbuf_put(o, "} ", 2);
	mq_outbuf_u64(o, cum);
	mq_outbuf_char(o, '\n');
}

int mq_prom_write_cgroups(FILE *fp, const struct mq_cg_list *list)
{
	struct hist_labels hl;
	struct cg_labels l;
	struct mq_outbuf *o;
	unsigned int k;
	size_t i;

	o = malloc(sizeof(*o));
	if (!o || cg_labels_build(&l, list)) {
		free(o);
		return -ENOMEM;
	}
	mq_outbuf_init(o, fp);
	for (i = 0; i < mq_cgroup_fields.n; i++)
		write_field(o, &mq_cgroup_fields.fields[i], list, &l);

	mq_outbuf_flush(o);
	family(fp, HIST_METRIC, "histogram",
	       "stall times by kind (memcg_reclaim, direct_reclaim, high_throttle)");
	hist_labels_init(&hl);
	for (i = 0; i < list->n; i++)
		for (k = 0; k < CG_STALL_KINDS; k++)
			if (list->recs[i].hist[k].present)
				write_hist(o, list, i, k, &hl, &l);
	mq_outbuf_flush(o);
	cg_labels_free(&l);
	free(o);
	return 0;
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
