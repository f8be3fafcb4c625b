// SPDX-License-Identifier: GPL-2.0
/*
 * Tunables, set through debugfs and netlink. Every value is range checked
 * and all values of one request are checked before any is applied: a
 * rejected request changes nothing.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "memqos.h"

unsigned int mq_config[MQ_NR_CONFIG] = {
	[MQ_CFG_MAX_CGROUPS] = 65536,
	[MQ_CFG_OOM_RING_ENTRIES] = 64,
	[MQ_CFG_PRESSURE_THRESHOLD] = 100,
	[MQ_CFG_PRESSURE_HYSTERESIS] = 50,
	[MQ_CFG_STORM_RATE] = 1000,
	[MQ_CFG_EVENT_INTERVAL_MS] = 500,
	[MQ_CFG_ATTRIB_HALFLIFE_MS] = 60000,
};

const char *const mq_config_names[MQ_NR_CONFIG] = {
	[MQ_CFG_MAX_CGROUPS] = "max_cgroups",
	[MQ_CFG_OOM_RING_ENTRIES] = "oom_ring_entries",
	[MQ_CFG_PRESSURE_THRESHOLD] = "pressure_threshold_permille",
	[MQ_CFG_PRESSURE_HYSTERESIS] = "pressure_hysteresis_permille",
	[MQ_CFG_STORM_RATE] = "storm_reclaims_per_sec",
	[MQ_CFG_EVENT_INTERVAL_MS] = "event_interval_ms",
	[MQ_CFG_ATTRIB_HALFLIFE_MS] = "attribution_halflife_ms",
};

static const struct {
	u32 min, max;
} mq_config_range[MQ_NR_CONFIG] = {
	[MQ_CFG_MAX_CGROUPS] = { 1, 1 << 20 },
	[MQ_CFG_OOM_RING_ENTRIES] = { 1, 4096 },
	[MQ_CFG_PRESSURE_THRESHOLD] = { 1, 1000 },
	[MQ_CFG_PRESSURE_HYSTERESIS] = { 0, 1000 },	/* and <= threshold */
	[MQ_CFG_STORM_RATE] = { 1, 10000000 },
	[MQ_CFG_EVENT_INTERVAL_MS] = { 100, 60000 },
	[MQ_CFG_ATTRIB_HALFLIFE_MS] = { 1000, 3600000 },
};

static DEFINE_MUTEX(mq_config_lock);

int mq_config_set_many(const u32 *val, const bool *present,
		       enum mq_config_key *bad)
{
	u32 next[MQ_NR_CONFIG];
	int k, ret = 0;

	mutex_lock(&mq_config_lock);
	for (k = 0; k < MQ_NR_CONFIG; k++) {
		next[k] = present[k] ? val[k] : mq_config[k];
		if (present[k] && (val[k] < mq_config_range[k].min ||
				   val[k] > mq_config_range[k].max)) {
			ret = -ERANGE;
			goto out;
		}
	}
	/* Pressure must end below where it starts. */
	if (next[MQ_CFG_PRESSURE_HYSTERESIS] > next[MQ_CFG_PRESSURE_THRESHOLD]) {
		k = present[MQ_CFG_PRESSURE_HYSTERESIS] ?
			MQ_CFG_PRESSURE_HYSTERESIS : MQ_CFG_PRESSURE_THRESHOLD;
		ret = -ERANGE;
		goto out;
	}
	/* The only step that can fail, so it goes before the others. */
	if (next[MQ_CFG_OOM_RING_ENTRIES] != mq_config[MQ_CFG_OOM_RING_ENTRIES]) {
		k = MQ_CFG_OOM_RING_ENTRIES;
		ret = mq_oomring_resize(next[k]);
		if (ret)
			goto out;
	}
	for (k = 0; k < MQ_NR_CONFIG; k++)
		WRITE_ONCE(mq_config[k], next[k]);
	mq_pressure_reschedule();
out:
	if (ret && bad)
		*bad = k;
	mutex_unlock(&mq_config_lock);
	return ret;
}

/* "key" "value" as written to debugfs. */
int mq_config_set(const char *key, const char *val)
{
	bool present[MQ_NR_CONFIG] = { };
	u32 v[MQ_NR_CONFIG] = { };
	int k, ret;

	for (k = 0; k < MQ_NR_CONFIG; k++)
		if (!strcmp(mq_config_names[k], key))
			break;
	if (k == MQ_NR_CONFIG)
		return -EINVAL;
	ret = kstrtou32(val, 10, &v[k]);
	if (ret)
		return ret;
	present[k] = true;
	return mq_config_set_many(v, present, NULL);
}

void mq_config_show(struct seq_file *m)
{
	int k;

	for (k = 0; k < MQ_NR_CONFIG; k++)
		seq_printf(m, "%s %u\n", mq_config_names[k],
			   READ_ONCE(mq_config[k]));
}
