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
#include <linux/memqos.h>

#include "config.h"
#include "genl-gen.h"

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

/* Each key's netlink attribute, whose checks in the spec are its range. */
const u16 mq_config_attr[MQ_NR_CONFIG] = {
	[MQ_CFG_MAX_CGROUPS] = MEMQOS_A_CONFIG_MAX_CGROUPS,
	[MQ_CFG_OOM_RING_ENTRIES] = MEMQOS_A_CONFIG_OOM_RING_ENTRIES,
	[MQ_CFG_PRESSURE_THRESHOLD] = MEMQOS_A_CONFIG_PRESSURE_THRESHOLD_PERMILLE,
	[MQ_CFG_PRESSURE_HYSTERESIS] = MEMQOS_A_CONFIG_PRESSURE_HYSTERESIS_PERMILLE,
	[MQ_CFG_STORM_RATE] = MEMQOS_A_CONFIG_STORM_RECLAIMS_PER_SEC,
	[MQ_CFG_EVENT_INTERVAL_MS] = MEMQOS_A_CONFIG_EVENT_INTERVAL_MS,
	[MQ_CFG_ATTRIB_HALFLIFE_MS] = MEMQOS_A_CONFIG_ATTRIBUTION_HALFLIFE_MS,
};

static const struct netlink_range_validation
	mq_config_range[MEMQOS_A_CONFIG_MAX + 1] = MEMQOS_CONFIG_RANGES;

/*
 * The netlink policy checks the same ranges (both come from the spec);
 * debugfs writes have only this check. A hysteresis must also not exceed
 * the threshold, which no policy can say.
 */
static bool mq_config_in_range(int k, u32 val)
{
	const struct netlink_range_validation *r =
		&mq_config_range[mq_config_attr[k]];

	return val >= r->min && val <= r->max;
}

static DEFINE_MUTEX(mq_config_lock);
static int (*mq_config_prepare[MQ_NR_CONFIG])(u32 val);
static void (*mq_config_changed)(void);

void mq_config_on_prepare(enum mq_config_key key, int (*prepare)(u32 val))
{
	mutex_lock(&mq_config_lock);
	mq_config_prepare[key] = prepare;
	mutex_unlock(&mq_config_lock);
}

void mq_config_on_change(void (*changed)(void))
{
	mutex_lock(&mq_config_lock);
	mq_config_changed = changed;
	mutex_unlock(&mq_config_lock);
}

int mq_config_set_many(const u32 *val, const bool *present,
		       enum mq_config_key *bad)
{
	u32 next[MQ_NR_CONFIG];
	int k, ret = 0;

	mutex_lock(&mq_config_lock);
	for (k = 0; k < MQ_NR_CONFIG; k++) {
		next[k] = present[k] ? val[k] : mq_config[k];
		if (present[k] && !mq_config_in_range(k, val[k])) {
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
	/* The only steps that can fail, so they go before the others. */
	for (k = 0; k < MQ_NR_CONFIG; k++) {
		if (!mq_config_prepare[k] || next[k] == mq_config[k])
			continue;
		ret = mq_config_prepare[k](next[k]);
		if (ret)
			goto out;
	}
	for (k = 0; k < MQ_NR_CONFIG; k++)
		WRITE_ONCE(mq_config[k], next[k]);
	if (mq_config_changed)
		mq_config_changed();
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
