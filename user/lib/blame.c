// SPDX-License-Identifier: GPL-2.0
/*
 * memqos blame's arithmetic, see blame.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blame.h"

/* Whether cgroup path @p is @root or below it. */
static bool path_under(const char *p, const char *root)
{
	size_t n = strlen(root);

	if (!p)
		return false;
	if (!strcmp(root, "/"))
		return true;
	return !strncmp(p, root, n) && (p[n] == '/' || !p[n]);
}

/* Whether the pair's victim is the cgroup or one of its descendants. */
static bool in_subtree(const struct mq_attrib_pair *p, uint64_t victim,
		       const char *path)
{
	return p->victim == victim || path_under(p->victim_path, path);
}

static enum mq_blame_kind kind_of(const struct mq_attrib_pair *p,
				  uint64_t victim, const char *path)
{
	if (p->reclaimer == ATTRIB_KSWAPD)
		return BLAME_KSWAPD;
	if (p->reclaimer == ATTRIB_UNKNOWN)
		return BLAME_UNKNOWN;
	if (p->reclaimer == victim)
		return BLAME_SELF;
	return path_under(p->reclaimer_path, path) ? BLAME_SUBTREE :
						     BLAME_OTHER;
}

const char *mq_blame_kind_name(enum mq_blame_kind kind)
{
	static const char *const names[] = {
		[BLAME_SELF] = "self",
		[BLAME_SUBTREE] = "subtree",
		[BLAME_OTHER] = "other",
		[BLAME_KSWAPD] = "kswapd",
		[BLAME_UNKNOWN] = "unknown",
	};

	return names[kind];
}

/* The pair's slot was recycled between the dumps. */
static bool went_down(const struct mq_attrib_pair *b,
		      const struct mq_attrib_pair *a)
{
	return a->scanned < b->scanned ||
	       a->reclaimed_anon < b->reclaimed_anon ||
	       a->reclaimed_file < b->reclaimed_file ||
	       a->refaults < b->refaults;
}

static struct mq_blame_row *row_get(struct mq_blame *b,
				    const struct mq_attrib_pair *p,
				    uint64_t victim, const char *path)
{
	int node = p->reclaimer == ATTRIB_KSWAPD ? (int)p->node : -1;
	struct mq_blame_row *rows;
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->rows[i].reclaimer == p->reclaimer &&
		    b->rows[i].node == node)
			return &b->rows[i];
	rows = realloc(b->rows, (b->n + 1) * sizeof(*rows));
	if (!rows)
		return NULL;
	b->rows = rows;
	rows = &rows[b->n++];
	memset(rows, 0, sizeof(*rows));
	rows->reclaimer = p->reclaimer;
	rows->node = node;
	rows->path = p->reclaimer_path;
	rows->kind = kind_of(p, victim, path);
	return rows;
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int row_cmp(const void *x, const void *y)
{
	const struct mq_blame_row *a = x, *b = y;

	return cmp_u64_desc(mq_blame_row_pages(a), mq_blame_row_pages(b)) ?:
	       cmp_u64_desc(a->refaults, b->refaults) ?:
	       -cmp_u64_desc(a->reclaimer, b->reclaimer) ?:
	       (a->node > b->node) - (a->node < b->node);
}

int mq_blame_compute(const struct mq_attrib_list *before,
		     const struct mq_attrib_list *after, uint64_t victim,
		     const char *path, struct mq_blame *out)
{
	static const struct mq_attrib_pair zero;
	const struct mq_attrib_pair *a, *b;
	struct mq_blame_row *r;
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < after->n; i++) {
		a = &after->pairs[i];
		if (!in_subtree(a, victim, path))
			continue;
		b = mq_attrib_find(before, a->reclaimer, a->victim, a->node);
		if (!b || went_down(b, a))
			b = &zero;
		r = row_get(out, a, victim, path);
		if (!r)
			return -ENOMEM;
		r->scanned += a->scanned - b->scanned;
		r->anon += a->reclaimed_anon - b->reclaimed_anon;
		r->file += a->reclaimed_file - b->reclaimed_file;
		r->refaults += a->refaults - b->refaults;
		r->recent += a->recent;
	}
	for (i = 0; i < out->n; i++) {
		r = &out->rows[i];
		if (!mq_blame_row_pages(r) && !r->refaults)
			continue;
		out->rows[n++] = *r;
		out->scanned += r->scanned;
		out->pages += mq_blame_row_pages(r);
		out->refaults += r->refaults;
		if (mq_blame_kind_outside(r->kind)) {
			out->outside_pages += mq_blame_row_pages(r);
			out->outside_refaults += r->refaults;
		}
	}
	out->n = n;
	if (n)
		qsort(out->rows, out->n, sizeof(*out->rows), row_cmp);
	return 0;
}

void mq_blame_free(struct mq_blame *b)
{
	free(b->rows);
	memset(b, 0, sizeof(*b));
}

unsigned int mq_blame_percent(uint64_t part, uint64_t whole)
{
	return whole ? (unsigned int)((part * 100 + whole / 2) / whole) : 0;
}

uint64_t mq_blame_counter(const struct mq_cg_rec *before,
			  const struct mq_cg_rec *after, uint16_t attr)
{
	uint64_t b = before ? mq_cg_val(before, attr) : 0;
	uint64_t a = mq_cg_val(after, attr);

	return a >= b ? a - b : a;
}

/* The reclaimer of @r as the verdict names it. */
static const char *who(const struct mq_blame_row *r, char *buf, size_t len)
{
	if (r->reclaimer == ATTRIB_KSWAPD)
		snprintf(buf, len, "kswapd on node %d", r->node);
	else if (r->reclaimer == ATTRIB_UNKNOWN)
		snprintf(buf, len, "an unknown reclaimer");
	else if (r->kind == BLAME_SELF)
		snprintf(buf, len, "itself");
	else
		snprintf(buf, len, "%s", mq_attrib_reclaimer_name(r->reclaimer,
								  r->path));
	return buf;
}

const char *mq_blame_verdict(const struct mq_blame *b, const char *path,
			     char *buf, size_t len)
{
	const struct mq_blame_row *top = b->rows;
	size_t takers = 0, n;
	unsigned int share;
	char name[4096];

	if (!b->pages) {
		snprintf(buf, len, "nothing was reclaimed from %s", path);
		return buf;
	}
	/* rows with refaults only, of earlier reclaim, come last */
	while (takers < b->n && mq_blame_row_pages(&b->rows[takers]))
		takers++;
	who(top, name, sizeof(name));
	share = mq_blame_percent(mq_blame_row_pages(top), b->pages);
	if (takers == 1)
		n = snprintf(buf, len, "all reclaimed by %s, %u%% of it refaulted",
			     name, mq_blame_percent(top->refaults, b->pages));
	else if (share >= 50)
		n = snprintf(buf, len,
			     "mostly reclaimed by %s (%u%%), %u%% of it refaulted",
			     name, share,
			     mq_blame_percent(top->refaults,
					      mq_blame_row_pages(top)));
	else
		n = snprintf(buf, len,
			     "reclaimed by %zu reclaimers, the most by %s (%u%%); %u%% of it refaulted",
			     takers, name, share,
			     mq_blame_percent(b->refaults, b->pages));
	if (!b->outside_pages && n < len)
		snprintf(buf + n, len - n, "; none from outside its subtree");
	return buf;
}
