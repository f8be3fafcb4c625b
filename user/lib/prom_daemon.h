/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's decisions in Prometheus text format, for the exporter of
 * `memqos daemon --listen`: one pass's snapshot, taken by the daemon and
 * written by the exporter's thread. Per-cgroup families only for the
 * cgroups the daemon manages, labelled as the exporter's (cgroup and the
 * identity labels of cgident.h), so that they join memqos_cgroup_info
 * (the tier) on cgroup. Pure formatting, unit tested.
 */
#ifndef MEMQOS_PROM_DAEMON_H
#define MEMQOS_PROM_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The files the daemon writes; the first three in daemon/'s F_* order. */
enum mq_prom_knob {
	PROM_KNOB_MIN,
	PROM_KNOB_LOW,
	PROM_KNOB_HIGH,
	PROM_KNOB_RECLAIM,
	PROM_KNOB_NR
};

/* The errno label of write failures: a few names, the rest "other". */
#define PROM_ERRNO_NR	10

/* The slot of -@err (negative errno) among the errno labels. */
unsigned int mq_prom_errno_slot(int err);
/* The errno label of slot @slot: "EACCES", ..., "other". */
const char *mq_prom_errno_name(unsigned int slot);

/* Pass durations: buckets up to 10 s, then +Inf. */
#define PROM_PASS_BUCKETS	13
struct mq_prom_pass_hist {
	uint64_t bucket[PROM_PASS_BUCKETS + 1];	/* not cumulative */
	uint64_t count;
	uint64_t sum_us;
};

void mq_prom_pass_observe(struct mq_prom_pass_hist *h, uint64_t us);

/* One managed cgroup at the end of a pass. */
struct mq_prom_daemon_cg {
	char *path;			/* owned */
	unsigned int knobs;		/* 1 << PROM_KNOB_MIN..HIGH it manages */
	uint64_t value[PROM_KNOB_HIGH + 1];	/* in the file after the pass */
	/* memory.min and memory.low tiers: what sized the protection */
	bool estimated;
	uint64_t working_set;		/* refault boost included */
	uint64_t refault_boost;
	uint64_t headroom;		/* protection wanted - working set */
	/* batch tiers, since the daemon first saw the cgroup */
	bool batch;
	uint64_t reclaim_steps;		/* memory.reclaim written */
	uint64_t high_steps;		/* memory.high lowered a step */
	uint64_t releases;		/* memory.high raised a step back */
};

struct mq_prom_daemon {
	struct mq_prom_daemon_cg *cg;	/* owned */
	size_t n;
	/* the node's memory.min budget, this pass */
	uint64_t budget, demand, granted;
	unsigned int scaled;		/* cgroups granted less than asked */
	/* since the daemon started */
	struct mq_prom_pass_hist passes;
	uint64_t last_pass_unix_ms;
	uint64_t writes[PROM_KNOB_NR];
	uint64_t write_failures[PROM_KNOB_NR][PROM_ERRNO_NR];
};

/* The memqos_daemon_* families of @d; every family has HELP and TYPE. */
void mq_prom_write_daemon(FILE *fp, const struct mq_prom_daemon *d);

/* Free what @d owns (not @d). */
void mq_prom_daemon_free(struct mq_prom_daemon *d);

#endif /* MEMQOS_PROM_DAEMON_H */
