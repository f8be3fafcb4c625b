// SPDX-License-Identifier: GPL-2.0
/*
 * The reclaim attribution matrix, see attrib.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/memqos.h>

#include "attrib.h"

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return -EBADMSG;
	*v = mnl_attr_get_u64(a);
	return 0;
}

static int get_str(const struct nlattr *a, char **s)
{
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 || *s)
		return -EBADMSG;
	*s = strdup(mnl_attr_get_str(a));
	return *s ? 0 : -ENOMEM;
}

/* Bit per required attribute seen. */
#define HAVE_RECLAIMER	1
#define HAVE_VICTIM	2
#define HAVE_NODE	4
#define HAVE_ALL	7

static int decode_attr(const struct nlattr *a, struct mq_attrib_pair *p,
		       unsigned int *have)
{
	switch (mnl_attr_get_type(a)) {
	case MEMQOS_A_PAIR_RECLAIMER:
		*have |= HAVE_RECLAIMER;
		return get_u64(a, &p->reclaimer);
	case MEMQOS_A_PAIR_RECLAIMER_PATH:
		return get_str(a, &p->reclaimer_path);
	case MEMQOS_A_PAIR_VICTIM:
		*have |= HAVE_VICTIM;
		return get_u64(a, &p->victim);
	case MEMQOS_A_PAIR_VICTIM_PATH:
		return get_str(a, &p->victim_path);
	case MEMQOS_A_PAIR_NODE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		p->node = mnl_attr_get_u32(a);
		*have |= HAVE_NODE;
		return 0;
	case MEMQOS_A_PAIR_SCANNED_PAGES:
		return get_u64(a, &p->scanned);
	case MEMQOS_A_PAIR_RECLAIMED_ANON_PAGES:
		return get_u64(a, &p->reclaimed_anon);
	case MEMQOS_A_PAIR_RECLAIMED_FILE_PAGES:
		return get_u64(a, &p->reclaimed_file);
	case MEMQOS_A_PAIR_REFAULTS:
		return get_u64(a, &p->refaults);
	case MEMQOS_A_PAIR_RECENT_PAGES:
		return get_u64(a, &p->recent);
	}
	return 0;
}

static void pair_free(struct mq_attrib_pair *p)
{
	free(p->reclaimer_path);
	free(p->victim_path);
}

static int decode(const struct nlmsghdr *nlh, struct mq_attrib_pair *p)
{
	const struct nlattr *a;
	unsigned int have = 0;
	int err;

	memset(p, 0, sizeof(*p));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		err = decode_attr(a, p, &have);
		if (err)
			return err;
	}
	return have == HAVE_ALL ? 0 : -EBADMSG;
}

int mq_attrib_list_add_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mq_attrib_list *list = data;
	struct mq_attrib_pair *pairs;
	int err;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;

		pairs = realloc(list->pairs, cap * sizeof(*pairs));
		if (!pairs) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		list->pairs = pairs;
		list->cap = cap;
	}
	err = decode(nlh, &list->pairs[list->n]);
	if (err) {
		pair_free(&list->pairs[list->n]);
		errno = -err;
		return MNL_CB_ERROR;
	}
	list->n++;
	return MNL_CB_OK;
}

void mq_attrib_list_free(struct mq_attrib_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		pair_free(&list->pairs[i]);
	free(list->pairs);
	memset(list, 0, sizeof(*list));
}

static bool same_pair(const struct mq_attrib_pair *a,
		      const struct mq_attrib_pair *b)
{
	return a->reclaimer == b->reclaimer && a->victim == b->victim &&
	       a->node == b->node;
}

void mq_attrib_list_merge(struct mq_attrib_list *list)
{
	struct mq_attrib_pair *p, *q;
	size_t i, j, n = 0;

	for (i = 0; i < list->n; i++) {
		q = &list->pairs[i];
		for (j = 0; j < n && !same_pair(&list->pairs[j], q); j++)
			;
		if (j == n) {
			list->pairs[n++] = *q;
			continue;
		}
		p = &list->pairs[j];
		p->scanned += q->scanned;
		p->reclaimed_anon += q->reclaimed_anon;
		p->reclaimed_file += q->reclaimed_file;
		p->refaults += q->refaults;
		p->recent += q->recent;
		pair_free(q);
	}
	list->n = n;
}

const struct mq_attrib_pair *mq_attrib_find(const struct mq_attrib_list *list,
					    uint64_t reclaimer, uint64_t victim,
					    uint32_t node)
{
	const struct mq_attrib_pair key = {
		.reclaimer = reclaimer, .victim = victim, .node = node,
	};
	size_t i;

	for (i = 0; i < list->n; i++)
		if (same_pair(&list->pairs[i], &key))
			return &list->pairs[i];
	return NULL;
}

const char *mq_attrib_reclaimer_name(uint64_t reclaimer, const char *path)
{
	if (reclaimer == ATTRIB_KSWAPD)
		return "kswapd";
	if (reclaimer == ATTRIB_UNKNOWN)
		return "unknown";
	return path ?: "-";
}

bool mq_attrib_aggressor(const struct mq_attrib_list *list, uint64_t victim,
			 struct mq_attrib_aggressor *out)
{
	const struct mq_attrib_pair *p, *q;
	uint64_t sum;
	size_t i, j;
	bool found = false;

	for (i = 0; i < list->n; i++) {
		p = &list->pairs[i];
		/* reclaiming its own pages is no aggression */
		if (p->victim != victim || p->reclaimer == victim)
			continue;
		/* each reclaimer once, at its first pair: sum its nodes */
		for (j = 0; j < i; j++)
			if (list->pairs[j].victim == victim &&
			    list->pairs[j].reclaimer == p->reclaimer)
				break;
		if (j < i)
			continue;
		sum = 0;
		for (j = i; j < list->n; j++) {
			q = &list->pairs[j];
			if (q->victim == victim && q->reclaimer == p->reclaimer)
				sum += q->recent;
		}
		if (!sum || (found && (sum < out->recent ||
				       (sum == out->recent &&
					p->reclaimer > out->reclaimer))))
			continue;
		out->reclaimer = p->reclaimer;
		out->path = p->reclaimer_path;
		out->recent = sum;
		found = true;
	}
	return found;
}

static void print_path(struct mq_print_ctx *pc, const char *key,
		       const char *path)
{
	if (path)
		mq_print_str(pc, key, NULL, path);
	else
		mq_print_null(pc, key, NULL, NULL);
}

void mq_attrib_list_print(struct mq_print_ctx *pc,
			  const struct mq_attrib_list *list)
{
	const struct mq_attrib_pair *p;
	size_t i;

	mq_print_arr_begin(pc, "attribution");
	for (i = 0; i < list->n; i++) {
		p = &list->pairs[i];
		mq_print_obj_begin(pc, NULL);
		mq_print_u64(pc, "reclaimer", NULL, p->reclaimer);
		print_path(pc, "reclaimer_path", p->reclaimer_path);
		mq_print_u64(pc, "victim", NULL, p->victim);
		print_path(pc, "victim_path", p->victim_path);
		mq_print_u64(pc, "node", NULL, p->node);
		mq_print_u64(pc, "scanned_pages_total", NULL, p->scanned);
		mq_print_u64(pc, "reclaimed_anon_pages_total", NULL,
			     p->reclaimed_anon);
		mq_print_u64(pc, "reclaimed_file_pages_total", NULL,
			     p->reclaimed_file);
		mq_print_u64(pc, "refaults_total", NULL, p->refaults);
		mq_print_u64(pc, "recent_pages", NULL, p->recent);
		mq_print_obj_end(pc);
	}
	mq_print_arr_end(pc);
}
