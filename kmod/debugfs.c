// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/memqos/: a view for people poking at a node. Every file
 * is root-only; tools use the generic netlink family instead.
 */
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "memqos.h"

static struct dentry *mq_debugfs_dir;

static int version_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%s\n", MEMQOS_VERSION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

static int stats_show(struct seq_file *m, void *unused)
{
	mq_tp_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

int mq_debugfs_init(void)
{
	struct dentry *dir;

	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	mq_debugfs_dir = dir;

	debugfs_create_file("version", 0400, dir, NULL, &version_fops);
	debugfs_create_file("stats", 0400, dir, NULL, &stats_fops);
	return 0;
}

void mq_debugfs_exit(void)
{
	debugfs_remove_recursive(mq_debugfs_dir);
	mq_debugfs_dir = NULL;
}
