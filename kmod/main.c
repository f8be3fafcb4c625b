// SPDX-License-Identifier: GPL-2.0
/*
 * memqos: per-cgroup memory pressure accounting for cgroup v2.
 *
 * Init is a ladder: state first, then the probes that fill it, then the
 * files and the netlink family that read it. Each step is undone by the
 * label named after it; exit undoes everything in exactly reverse order.
 */
#include <linux/module.h>

#include "attrib.h"
#include "cgtable.h"
#include "debugfs.h"
#include "discover.h"
#include "events.h"
#include "genl.h"
#include "inflight.h"
#include "ksym.h"
#include "levels.h"
#include "memcg_stat.h"
#include "oomring.h"
#include "pressure.h"
#include "probes_high.h"
#include "probes_oomscope.h"
#include "stats.h"
#include "tracepoints.h"

static int __init memqos_init(void)
{
	int ret;

	ret = mq_ksym_init();
	if (ret)
		return ret;

	ret = mq_memcg_stat_init();
	if (ret)
		return ret;
	mq_levels_init();

	ret = mq_stats_init();
	if (ret)
		return ret;

	ret = mq_cgtable_init();
	if (ret)
		goto err_stats;

	ret = mq_inflight_init();
	if (ret)
		goto err_cgtable;

	ret = mq_oomring_init();
	if (ret)
		goto err_inflight;

	ret = mq_events_init(&mq_genl_event_sink);
	if (ret)
		goto err_oomring;

	ret = mq_attrib_init();
	if (ret)
		goto err_events;

	/* Before mark_victim is bound, which reads what it records. */
	ret = mq_oomscope_probe_init();
	if (ret)
		goto err_attrib;

	ret = mq_tp_bind();
	if (ret)
		goto err_oomscope;

	ret = mq_high_probe_init();
	if (ret)
		goto err_tp;

	/* After the cgroup probes are bound, so that no cgroup is missed. */
	ret = mq_cg_discover();
	if (ret)
		goto err_high_probe;

	ret = mq_pressure_init();
	if (ret)
		goto err_high_probe;

	ret = mq_debugfs_init();
	if (ret)
		goto err_pressure;

	ret = mq_genl_init();
	if (ret)
		goto err_debugfs;

	pr_info("version %s loaded, tracking %lu cgroups\n", MEMQOS_VERSION,
		mq_cg_count());
	return 0;

err_debugfs:
	mq_debugfs_exit();
err_pressure:
	mq_pressure_exit();
err_high_probe:
	mq_high_probe_exit();
err_tp:
	mq_tp_unbind();
	mq_cg_sync();
err_oomscope:
	mq_oomscope_probe_exit();
err_attrib:
	mq_attrib_exit();
err_events:
	mq_events_exit();
err_oomring:
	mq_oomring_exit();
err_inflight:
	mq_inflight_exit();
err_cgtable:
	mq_cgtable_exit();
err_stats:
	mq_stats_exit();
	return ret;
}

static void __exit memqos_exit(void)
{
	mq_genl_exit();
	mq_debugfs_exit();
	mq_pressure_exit();
	mq_high_probe_exit();
	mq_tp_unbind();
	/* What the cgroup probes queued last may still raise events. */
	mq_cg_sync();
	mq_oomscope_probe_exit();
	mq_attrib_exit();
	mq_events_exit();
	mq_oomring_exit();
	mq_inflight_exit();
	mq_cgtable_exit();
	mq_stats_exit();
	pr_info("unloaded\n");
}

module_init(memqos_init);
module_exit(memqos_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-cgroup memory pressure accounting and QoS");
MODULE_VERSION(MEMQOS_VERSION);
