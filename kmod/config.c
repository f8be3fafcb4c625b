// SPDX-License-Identifier: GPL-2.0
/*
 * Tunables, set through debugfs (and later netlink). Every value is range
 * checked; a rejected write changes nothing.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "memqos.h"

struct mq_config mq_config = {
	.max_cgroups = 65536,
	.oom_ring_entries = 64,
};

static DEFINE_MUTEX(mq_config_lock);

struct mq_config_key {
	const char *name;
	unsigned int *val;
	unsigned int min, max;
	int (*apply)(unsigned int val);	/* may fail: then nothing changes */
};

static const struct mq_config_key mq_config_keys[] = {
	{ "max_cgroups", &mq_config.max_cgroups, 1, 1 << 20, NULL },
	{ "oom_ring_entries", &mq_config.oom_ring_entries, 1, 4096,
	  mq_oomring_resize },
};

int mq_config_set(const char *key, const char *val)
{
	const struct mq_config_key *k;
	unsigned int v;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(mq_config_keys); i++)
		if (!strcmp(mq_config_keys[i].name, key))
			break;
	if (i == ARRAY_SIZE(mq_config_keys))
		return -EINVAL;
	k = &mq_config_keys[i];

	ret = kstrtouint(val, 10, &v);
	if (ret)
		return ret;
	if (v < k->min || v > k->max)
		return -ERANGE;

	mutex_lock(&mq_config_lock);
	ret = k->apply ? k->apply(v) : 0;
	if (!ret)
		WRITE_ONCE(*k->val, v);
	mutex_unlock(&mq_config_lock);
	return ret;
}

void mq_config_show(struct seq_file *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mq_config_keys); i++)
		seq_printf(m, "%s %u\n", mq_config_keys[i].name,
			   READ_ONCE(*mq_config_keys[i].val));
}
