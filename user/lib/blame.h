/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memqos blame's arithmetic: who reclaimed how much from a cgroup between
 * two dumps of the attribution matrix, and how much of it refaulted.
 * Pure, unit tested.
 */
#ifndef MEMQOS_BLAME_H
#define MEMQOS_BLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "cgrec.h"

/*
 * Where a reclaimer stands to the blamed cgroup: reclaim by the cgroup
 * itself or from inside its subtree (its own limit) is not harm; the
 * others are harm from outside.
 */
enum mq_blame_kind {
	BLAME_SELF,		/* the blamed cgroup's own tasks */
	BLAME_SUBTREE,		/* a cgroup below it */
	BLAME_OTHER,		/* a cgroup outside its subtree */
	BLAME_KSWAPD,
	BLAME_UNKNOWN,
};

/* "self", "subtree", "other", "kswapd", "unknown" */
const char *mq_blame_kind_name(enum mq_blame_kind kind);

static inline bool mq_blame_kind_outside(enum mq_blame_kind kind)
{
	return kind >= BLAME_OTHER;
}

/*
 * One reclaimer: a cgroup or "unknown" over all nodes, or the kswapd of
 * one node (each node has its own).
 */
struct mq_blame_row {
	uint64_t reclaimer;	/* cgroup id, ATTRIB_KSWAPD or ATTRIB_UNKNOWN */
	int node;		/* kswapd's node; -1 for the others */
	const char *path;	/* in a list; NULL for kswapd and unknown */
	enum mq_blame_kind kind;
	/* in the window, pages */
	uint64_t scanned;
	uint64_t anon;
	uint64_t file;
	uint64_t refaults;
	uint64_t recent;	/* the decayed score at the end, pages */
};

struct mq_blame {
	/* most pages first, then most refaults */
	struct mq_blame_row *rows;
	size_t n;
	uint64_t scanned;	/* all rows */
	uint64_t pages;		/* reclaimed, all rows */
	uint64_t refaults;	/* all rows */
	uint64_t outside_pages;	/* reclaimed by BLAME_OTHER, KSWAPD, UNKNOWN */
	uint64_t outside_refaults;
};

/*
 * What each reclaimer took from the cgroup @victim at @path, and from its
 * descendants, between the dumps @before and @after (merged lists; an
 * empty @before gives the totals since the pairs appeared). A pair only
 * in @after counts from 0; one whose counters went down left the table
 * and came back: its new values are the window's; one gone from @after
 * faded out. Rows with neither pages nor refaults are left out. A
 * reclaimer is inside the subtree when its id is @victim or its path is
 * below @path; one without a path (removed) counts as outside. 0 or
 * -ENOMEM; mq_blame_free() @out in any case.
 */
int mq_blame_compute(const struct mq_attrib_list *before,
		     const struct mq_attrib_list *after, uint64_t victim,
		     const char *path, struct mq_blame *out);
void mq_blame_free(struct mq_blame *b);

static inline uint64_t mq_blame_row_pages(const struct mq_blame_row *r)
{
	return r->anon + r->file;
}

/* @part of @whole in percent, rounded; 0 when @whole is 0. */
unsigned int mq_blame_percent(uint64_t part, uint64_t whole);

/*
 * Counter @attr of the cgroup between @before (NULL: since it began) and
 * @after; a counter that went down was reset and counts from 0.
 */
uint64_t mq_blame_counter(const struct mq_cg_rec *before,
			  const struct mq_cg_rec *after, uint16_t attr);

/*
 * One line for people, the cgroup being @path: "mostly reclaimed by
 * /batch/hog (83%), 61% of it refaulted", "reclaimed by 3 reclaimers,
 * the most by kswapd on node 0 (40%); 12% of it refaulted", "nothing was
 * reclaimed from /svc"; "all reclaimed by itself, ...; none from outside
 * its subtree" when no reclaim was harm. Returns @buf.
 */
const char *mq_blame_verdict(const struct mq_blame *b, const char *path,
			     char *buf, size_t len);

#endif /* MEMQOS_BLAME_H */
