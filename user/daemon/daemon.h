/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memqos daemon: applies QoS tiers to cgroups by writing memory.min,
 * memory.low, memory.high and memory.reclaim, from the module's levels
 * and pressure events (or, without the module, from memory.stat and
 * memory.pressure polled every squeeze_interval_ms).
 *
 * One pass: walk cgroupfs, mq_classify every cgroup (mq_classify.h), measure
 * the tiered ones, size their protection (policy.h) within the node
 * budget, cover it with their ancestors, squeeze batch cgroups while a
 * protected one stalls, write what changed, and put back the original of
 * every file no longer managed (state.h). Passes run every reconcile_ms,
 * every squeeze_interval_ms while squeezing, and at once on a pressure
 * event of a protected cgroup.
 */
#ifndef MEMQOS_DAEMON_H
#define MEMQOS_DAEMON_H

#include <stdbool.h>

#include "exit_status.h"

struct daemon_opts {
	const char *config;	/* NULL: CFG_DEFAULT_PATH, may be absent */
	bool dry_run;		/* print the changes, make none */
	bool once;		/* one pass, keep what it set, exit */
	bool restore;		/* put back every original value, exit */
	bool verbose;		/* log every pass's decisions */
	const char *listen;	/* serve the metrics there (exporter.h) */
};

/* Returns an exit status (enum mq_exit). */
int daemon_run(const struct daemon_opts *o);

#endif /* MEMQOS_DAEMON_H */
