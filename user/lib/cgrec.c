// SPDX-License-Identifier: GPL-2.0
/*
 * One cgroup of CGROUP_GET: decode, lists, printing; see cgrec.h.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "cgrec.h"
#include "hist.h"
#include "nla_inline.h"

_Static_assert(MEMQOS_A_CGROUP_MAX < FIELD_MAX_ATTRS,
	       "cgroup attributes must fit struct field_vals");

const char *const mq_cg_stall_names[CG_STALL_KINDS] = {
	[MEMQOS_STALL_KIND_MEMCG_RECLAIM] = "memcg_reclaim",
	[MEMQOS_STALL_KIND_DIRECT_RECLAIM] = "direct_reclaim",
	[MEMQOS_STALL_KIND_HIGH_THROTTLE] = "high_throttle",
};

const uint64_t mq_cg_hist_no_buckets[MEMQOS_HIST_BUCKETS];

uint64_t *mq_cg_hist_buckets_mut(struct mq_cg_hist *h)
{
	if (!h->bucket)
		h->bucket = calloc(MEMQOS_HIST_BUCKETS, sizeof(*h->bucket));
	return h->bucket;
}

static void cg_hist_free(struct mq_cg_hist *h)
{
	free(h->bucket);
	h->bucket = NULL;
}

/* Width of the labels in the text detail view. */
#define LABEL_WIDTH	24

/* The hot loop of a dump: attributes read in line, see nla_inline.h. */
static int get_u64(const struct nlattr *a, uint64_t *v)
{
	return mq_nla_u64(a, v) ? 0 : -EBADMSG;
}

/* Bucket *@nb; an array of its own only once one is not 0. */
static int decode_bucket(const struct nlattr *a, struct mq_cg_hist *h,
			 unsigned int *nb)
{
	uint64_t v, *b;

	if (get_u64(a, &v))
		return -EBADMSG;
	/* a newer module with more buckets: keep the ones we know */
	if (*nb == MEMQOS_HIST_BUCKETS)
		return 0;
	if (v) {
		b = mq_cg_hist_buckets_mut(h);
		if (!b)
			return -ENOMEM;
		b[*nb] = v;
	}
	(*nb)++;
	return 0;
}

/* A histogram attribute but its kind (hist_kind() read that). */
static int decode_hist_attr(const struct nlattr *a, struct mq_cg_hist *h,
			    unsigned int *nb)
{
	switch (mq_nla_type_of(a)) {
	case MEMQOS_A_HIST_COUNT:
		return get_u64(a, &h->count);
	case MEMQOS_A_HIST_SUM_US:
		return get_u64(a, &h->sum_us);
	case MEMQOS_A_HIST_MAX_US:
		return get_u64(a, &h->max_us);
	case MEMQOS_A_HIST_BUCKET:
		return decode_bucket(a, h, nb);
	}
	return 0;
}

/* The kind of a histogram nest: the module sends it first. */
static int hist_kind(const struct nlattr *nest, uint32_t *kind)
{
	const struct nlattr *a;

	nla_for_each_nested(a, nest) {
		if (mq_nla_type_of(a) != MEMQOS_A_HIST_KIND)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		*kind = mnl_attr_get_u32(a);
		return 0;
	}
	return -EBADMSG;
}

/* Decoded in place (rec is zeroed): a copy per kind cost as much. */
static int decode_hist(const struct nlattr *nest, struct mq_cg_rec *rec)
{
	struct mq_cg_hist unknown = { }, *h = &unknown;
	const struct nlattr *a;
	unsigned int nb = 0;
	uint32_t kind;
	int err;

	err = hist_kind(nest, &kind);
	if (err)
		return err;
	if (kind < CG_STALL_KINDS) {
		h = &rec->hist[kind];
		if (h->present)
			return -EBADMSG;	/* the same kind twice */
	}
	h->present = true;
	err = 0;
	nla_for_each_nested(a, nest) {
		err = decode_hist_attr(a, h, &nb);
		if (err)
			break;
	}
	cg_hist_free(&unknown);
	return err;
}

static int decode_attr(const struct nlattr *a, struct mq_cg_rec *rec)
{
	switch (mq_nla_type_of(a)) {
	case MEMQOS_A_CGROUP_ID:
		return get_u64(a, &rec->id);
	case MEMQOS_A_CGROUP_PATH:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    rec->path)
			return -EBADMSG;
		rec->path = strdup(mnl_attr_get_str(a));
		return rec->path ? 0 : -ENOMEM;
	case MEMQOS_A_CGROUP_TRACKED:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return -EBADMSG;
		rec->tracked = mnl_attr_get_u8(a);
		return 0;
	case MEMQOS_A_CGROUP_HIST:
		return decode_hist(a, rec);
	}
	return mq_field_vals_put(&rec->v, &mq_cgroup_fields, a);
}

int mq_cg_rec_decode(const struct nlmsghdr *nlh, struct mq_cg_rec *rec)
{
	const struct nlattr *a;
	const void *end;
	int err;

	memset(rec, 0, sizeof(*rec));
	nla_for_each_msg(a, end, nlh, GENL_HDRLEN) {
		err = decode_attr(a, rec);
		if (err)
			return err;
	}
	return rec->id && rec->path ? 0 : -EBADMSG;
}

void mq_cg_rec_free(struct mq_cg_rec *rec)
{
	unsigned int k;

	free(rec->path);
	rec->path = NULL;
	for (k = 0; k < CG_STALL_KINDS; k++)
		cg_hist_free(&rec->hist[k]);
}

uint64_t mq_cg_stall_us(const struct mq_cg_rec *r)
{
	uint64_t sum = 0;
	unsigned int k;

	for (k = 0; k < CG_STALL_KINDS; k++)
		sum += r->hist[k].sum_us;
	return sum;
}

int mq_cg_list_add_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mq_cg_list *list = data;
	struct mq_cg_rec *recs;
	int err;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;

		recs = realloc(list->recs, cap * sizeof(*recs));
		if (!recs) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		list->recs = recs;
		list->cap = cap;
	}
	err = mq_cg_rec_decode(nlh, &list->recs[list->n]);
	if (err) {
		mq_cg_rec_free(&list->recs[list->n]);
		errno = -err;
		return MNL_CB_ERROR;
	}
	list->n++;
	return MNL_CB_OK;
}

void mq_cg_list_clear(struct mq_cg_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		mq_cg_rec_free(&list->recs[i]);
	list->n = 0;
}

void mq_cg_list_free(struct mq_cg_list *list)
{
	mq_cg_list_clear(list);
	free(list->recs);
	memset(list, 0, sizeof(*list));
}

const struct mq_cg_rec *mq_cg_list_find(const struct mq_cg_list *list,
					uint64_t id)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (list->recs[i].id == id)
			return &list->recs[i];
	return NULL;
}

unsigned int mq_cg_path_depth(const char *path)
{
	unsigned int depth = 0;
	const char *p = path;

	for (;;) {
		p += strspn(p, "/");
		if (!*p)
			return depth;
		depth++;
		p += strcspn(p, "/");
	}
}

void mq_cg_list_keep(struct mq_cg_list *list, unsigned int max_depth,
		     const char *glob)
{
	struct mq_cg_rec *r;
	size_t i, n = 0;

	for (i = 0; i < list->n; i++) {
		r = &list->recs[i];
		if (mq_cg_path_depth(r->path) > max_depth ||
		    (glob && fnmatch(glob, r->path, 0))) {
			mq_cg_rec_free(r);
			continue;
		}
		if (n != i)
			list->recs[n] = *r;
		n++;
	}
	list->n = n;
}

static void print_time(struct mq_print_ctx *pc, const char *key,
		       const char *fmt, uint64_t us, bool exact)
{
	if (exact)
		mq_print_u64(pc, key, fmt, us);
	else
		mq_print_usec(pc, key, fmt, us);
}

static void print_hist(struct mq_print_ctx *pc, const char *name,
		       const struct mq_cg_hist *h, bool exact)
{
	const uint64_t *bucket = mq_cg_hist_buckets(h);
	unsigned int b;

	mq_print_obj_begin(pc, name);
	mq_print_text(pc, "  %-*s", LABEL_WIDTH - 8, name);
	mq_print_u64(pc, "count", "%8s", h->count);
	print_time(pc, "sum_us", " %10s", h->sum_us, exact);
	print_time(pc, "p50_us", " %10s",
		   mq_hist_percentile_us(bucket, h->max_us, 50), exact);
	print_time(pc, "p90_us", " %10s",
		   mq_hist_percentile_us(bucket, h->max_us, 90), exact);
	print_time(pc, "p99_us", " %10s",
		   mq_hist_percentile_us(bucket, h->max_us, 99), exact);
	print_time(pc, "max_us", " %10s\n", h->max_us, exact);
	mq_print_arr_begin(pc, "buckets");
	for (b = 0; b < MEMQOS_HIST_BUCKETS; b++)
		mq_print_u64(pc, NULL, NULL, bucket[b]);
	mq_print_arr_end(pc);
	mq_print_obj_end(pc);
}

void mq_cg_rec_print_generic(struct mq_print_ctx *pc, const struct mq_cg_rec *r,
			     bool exact)
{
	unsigned int k;

	mq_print_obj_begin(pc, NULL);
	mq_print_u64(pc, "id", NULL, r->id);
	mq_print_str(pc, "path", "%s", r->path);
	mq_print_text(pc, " (id %llu)\n", (unsigned long long)r->id);
	mq_print_text(pc, "  %-*s ", LABEL_WIDTH, "tracked");
	mq_print_bool(pc, "tracked", "%s\n", r->tracked);
	mq_field_print_all(pc, &mq_cgroup_fields, &r->v, exact, "  ", LABEL_WIDTH);

	mq_print_obj_begin(pc, "stalls");
	mq_print_text(pc, "  %-*s%8s %10s %10s %10s %10s %10s\n",
		      LABEL_WIDTH - 8, "stalls", "count", "total", "p50", "p90",
		      "p99", "max");
	for (k = 0; k < CG_STALL_KINDS; k++)
		if (r->hist[k].present)
			print_hist(pc, mq_cg_stall_names[k], &r->hist[k],
				   exact);
	mq_print_obj_end(pc);
	mq_print_obj_end(pc);
}

void mq_cg_rec_print(struct mq_print_ctx *pc, const struct mq_cg_rec *r,
		     bool exact)
{
	if (mq_print_is_json(pc) && mq_cg_rec_json(&pc->jw, r))
		return;
	mq_cg_rec_print_generic(pc, r, exact);
}
