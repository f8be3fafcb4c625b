/* SPDX-License-Identifier: GPL-2.0 */
/* config.c: tunables, validated */
#ifndef MQ_CONFIG_H
#define MQ_CONFIG_H

#include <linux/types.h>

struct seq_file;

enum mq_config_key {
	MQ_CFG_MAX_CGROUPS,		/* cap on tracked cgroups */
	MQ_CFG_OOM_RING_ENTRIES,	/* recent OOM kills kept */
	MQ_CFG_PRESSURE_THRESHOLD,	/* stall permille that is pressure */
	MQ_CFG_PRESSURE_HYSTERESIS,	/* leave below threshold - this */
	MQ_CFG_STORM_RATE,		/* reclaim stalls per second: storm */
	MQ_CFG_EVENT_INTERVAL_MS,	/* pressure/storm evaluation period */
	MQ_CFG_ATTRIB_HALFLIFE_MS,	/* attribution pairs fade by half */
	MQ_NR_CONFIG,
};

/* Read with READ_ONCE(); written only under config.c's mutex. */
extern unsigned int mq_config[MQ_NR_CONFIG];
extern const char *const mq_config_names[MQ_NR_CONFIG];
/* Each key's attribute in the netlink config set. */
extern const u16 mq_config_attr[MQ_NR_CONFIG];

/*
 * Sets the keys whose @present is true to @val. All are validated first;
 * on error nothing changes and *@bad (if given) names the offending key.
 */
int mq_config_set_many(const u32 *val, const bool *present,
		       enum mq_config_key *bad);
int mq_config_set(const char *key, const char *val);
/*
 * Who acts on a change, set at init by the files that own what a tunable
 * sizes or times, so that config.c calls into none of them: @prepare(val)
 * when @key is about to change, before any value does (an error refuses
 * the request); @changed() once a request's values are in place. Both run
 * under config.c's mutex; NULL unsets.
 */
void mq_config_on_prepare(enum mq_config_key key, int (*prepare)(u32 val));
void mq_config_on_change(void (*changed)(void));
void mq_config_show(struct seq_file *m);

#endif /* MQ_CONFIG_H */
