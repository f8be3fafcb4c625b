/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reclaim attribution matrix as ATTRIBUTION_GET dumps it: one entry
 * per (reclaimer, victim, node) pair with the pages the reclaimer scanned
 * and reclaimed from the victim's LRU, the victim's refaults shared out
 * to it, and its decaying recent score. Decoded, merged and printed here
 * for blame, top and dump; pure, unit tested.
 */
#ifndef MEMQOS_ATTRIB_H
#define MEMQOS_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "print.h"

/* Reclaimer ids that are not cgroups (cgroup ids start at 1). */
#define ATTRIB_KSWAPD	0ULL
#define ATTRIB_UNKNOWN	UINT64_MAX

struct mq_attrib_pair {
	uint64_t reclaimer;	/* cgroup id, ATTRIB_KSWAPD or ATTRIB_UNKNOWN */
	char *reclaimer_path;	/* owned; NULL for kswapd and unknown */
	uint64_t victim;
	char *victim_path;	/* owned; NULL if the module sent none */
	uint32_t node;
	uint64_t scanned;	/* pages, since the pair appeared */
	uint64_t reclaimed_anon;
	uint64_t reclaimed_file;
	uint64_t refaults;	/* the victim's, shared by recent score */
	uint64_t recent;	/* decayed recent pages: the ranking score */
};

struct mq_attrib_list {
	struct mq_attrib_pair *pairs;
	size_t n;
	size_t cap;
};

/*
 * mnl callback for an ATTRIBUTION_GET dump: appends to the attrib_list
 * @data. Reclaimer, victim and node are required; attributes this tool
 * does not know are skipped.
 */
int mq_attrib_list_add_cb(const struct nlmsghdr *nlh, void *data);
void mq_attrib_list_free(struct mq_attrib_list *list);

/*
 * Racing reclaimers may give one pair two slots in the kernel's table:
 * sum entries with the same reclaimer, victim and node into the first.
 */
void mq_attrib_list_merge(struct mq_attrib_list *list);

/* The entry for (@reclaimer, @victim, @node), NULL if none. */
const struct mq_attrib_pair *mq_attrib_find(const struct mq_attrib_list *list,
					    uint64_t reclaimer, uint64_t victim,
					    uint32_t node);

/* "kswapd", "unknown", or the reclaimer's path ("-" if it has none). */
const char *mq_attrib_reclaimer_name(uint64_t reclaimer, const char *path);

struct mq_attrib_aggressor {
	uint64_t reclaimer;
	const char *path;	/* in the list; NULL for kswapd and unknown */
	uint64_t recent;	/* summed over nodes */
};

/*
 * The reclaimer with the highest recent score against @victim's own LRU,
 * its nodes summed (kswapd's too), @victim itself left out. Ties go to
 * the lower id. False if no other reclaimer has a recent score there.
 */
bool mq_attrib_aggressor(const struct mq_attrib_list *list, uint64_t victim,
			 struct mq_attrib_aggressor *out);

/*
 * The JSON array "attribution": one object per pair with reclaimer,
 * reclaimer_path (null for kswapd and unknown), victim, victim_path,
 * node, scanned_pages_total, reclaimed_anon_pages_total,
 * reclaimed_file_pages_total, refaults_total and recent_pages.
 */
void mq_attrib_list_print(struct mq_print_ctx *pc,
			  const struct mq_attrib_list *list);

#endif /* MEMQOS_ATTRIB_H */
