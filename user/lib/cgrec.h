/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One cgroup as CGROUP_GET replies it: decoded through the cgroup field
 * table (fields.h), kept in lists for dumps, printed as a JSON object or
 * as a text detail view. stat, dump, top and hist share all of it.
 */
#ifndef MEMQOS_CGREC_H
#define MEMQOS_CGREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/memqos.h>

#include "fields.h"
#include "print.h"

#define CG_STALL_KINDS	__MEMQOS_STALL_KIND_MAX

/* "memcg_reclaim", ...: JSON keys and Prometheus kind label values */
extern const char *const mq_cg_stall_names[CG_STALL_KINDS];

struct mq_cg_hist {
	bool present;
	uint64_t count;
	uint64_t sum_us;
	uint64_t max_us;
	/*
	 * MEMQOS_HIST_BUCKETS counts, or NULL if all are 0: most cgroups never
	 * stall, and without arrays of zeros the records of a 10,000-cgroup
	 * dump take half the memory (and half the page faults). Read it
	 * through mq_cg_hist_buckets().
	 */
	uint64_t *bucket;
};

extern const uint64_t mq_cg_hist_no_buckets[MEMQOS_HIST_BUCKETS];

static inline const uint64_t *mq_cg_hist_buckets(const struct mq_cg_hist *h)
{
	return h->bucket ? h->bucket : mq_cg_hist_no_buckets;
}

/* @h's own buckets to write into (zeroed when new); NULL on ENOMEM. */
uint64_t *mq_cg_hist_buckets_mut(struct mq_cg_hist *h);

struct mq_cg_rec {
	uint64_t id;
	char *path;		/* owned */
	bool tracked;
	struct mq_field_vals v;	/* the mq_cgroup_fields attributes */
	struct mq_cg_hist hist[CG_STALL_KINDS];
};

/*
 * Decode a CGROUP_GET reply into @rec (overwritten; mq_cg_rec_free() it even
 * on error). Attributes and stall kinds this tool does not know are
 * skipped; id and path are required. 0, -EBADMSG or -ENOMEM.
 */
int mq_cg_rec_decode(const struct nlmsghdr *nlh, struct mq_cg_rec *rec);
void mq_cg_rec_free(struct mq_cg_rec *rec);

/* The value of cgroup attribute @attr, 0 if the module did not send it. */
static inline uint64_t mq_cg_val(const struct mq_cg_rec *r, uint16_t attr)
{
	return mq_field_has(&r->v, attr) ? r->v.val[attr] : 0;
}

/* Total stall time, all kinds: what the module's pressure monitor uses. */
uint64_t mq_cg_stall_us(const struct mq_cg_rec *r);

struct mq_cg_list {
	struct mq_cg_rec *recs;
	size_t n;
	size_t cap;
};

/* mnl callback for a CGROUP_GET dump: appends to the cg_list @data. */
int mq_cg_list_add_cb(const struct nlmsghdr *nlh, void *data);
void mq_cg_list_free(struct mq_cg_list *list);
/* Frees the records but keeps the array, for the next dump into @list. */
void mq_cg_list_clear(struct mq_cg_list *list);
const struct mq_cg_rec *mq_cg_list_find(const struct mq_cg_list *list,
					uint64_t id);

/* Components of @path: 0 for the root "/", 1 for "/a", 2 for "/a/b". */
unsigned int mq_cg_path_depth(const char *path);

/*
 * Keeps the cgroups of @list at most @max_depth deep whose path matches the
 * fnmatch(3) pattern @glob (NULL: any), in order; frees the others.
 */
void mq_cg_list_keep(struct mq_cg_list *list, unsigned int max_depth,
		     const char *glob);

/*
 * @r through the print path: a JSON object with id, path, tracked, every
 * field of mq_cgroup_fields and "stalls" (per kind: count, sum_us, p50_us,
 * p90_us, p99_us, max_us, buckets); or a text detail view, sizes and
 * times in human units unless @exact.
 */
void mq_cg_rec_print(struct mq_print_ctx *pc, const struct mq_cg_rec *r,
		     bool exact);

/*
 * The same JSON object written in one piece (cgrec_json.c): what
 * mq_cg_rec_print() uses for JSON. false if @jw is nested too deep for it,
 * and nothing was written.
 */
bool mq_cg_rec_json(struct mq_json_out *jw, const struct mq_cg_rec *r);

/* mq_cg_rec_print() through the generic print path only: the reference. */
void mq_cg_rec_print_generic(struct mq_print_ctx *pc, const struct mq_cg_rec *r,
			     bool exact);

#endif /* MEMQOS_CGREC_H */
