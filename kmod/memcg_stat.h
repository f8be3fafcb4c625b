/* SPDX-License-Identifier: GPL-2.0 */
/* memcg_stat.c: the kernel's memcg statistics accessors */
#ifndef MQ_MEMCG_STAT_H
#define MQ_MEMCG_STAT_H

#include <linux/types.h>
#include <linux/mmzone.h>

struct seq_file;
struct mem_cgroup;
struct lruvec;

enum mq_accessor {
	MQ_ACC_LRUVEC,		/* lruvec_page_state(): per-node items */
	MQ_ACC_MEMCG,		/* memcg_page_state(): memcg-wide items */
	MQ_ACC_EVENTS,		/* memcg_events(): per-memcg vm events */
	MQ_NR_ACCESSORS,
};

int mq_memcg_stat_init(void);
/* Resolved and verified against the node counters at load. */
bool mq_accessor_ok(enum mq_accessor acc);
const char *mq_accessor_name(enum mq_accessor acc);
void mq_accessors_show(struct seq_file *m);
/* @memcg's LRUs on node @nid. */
struct lruvec *mq_memcg_lruvec(struct mem_cgroup *memcg, int nid);
/* The kernel's raw values (pages, bytes or KiB as the item is kept). */
unsigned long mq_lruvec_page_state(struct lruvec *lruvec,
				   enum node_stat_item idx);
unsigned long mq_memcg_page_state(struct mem_cgroup *memcg, int idx);
unsigned long mq_memcg_events(struct mem_cgroup *memcg, int event);

#endif /* MQ_MEMCG_STAT_H */
