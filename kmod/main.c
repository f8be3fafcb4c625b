// SPDX-License-Identifier: GPL-2.0
/*
 * memqos: per-cgroup memory pressure accounting for cgroup v2.
 *
 * Init is a ladder: each step is undone by the label named after it, and
 * exit undoes everything in exactly the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "memqos.h"

static int __init memqos_init(void)
{
	int ret;

	ret = mq_tp_bind();
	if (ret)
		return ret;

	ret = mq_debugfs_init();
	if (ret)
		goto err_tp;

	ret = mq_genl_init();
	if (ret)
		goto err_debugfs;

	pr_info("version %s loaded\n", MEMQOS_VERSION);
	return 0;

err_debugfs:
	mq_debugfs_exit();
err_tp:
	mq_tp_unbind();
	return ret;
}

static void __exit memqos_exit(void)
{
	mq_genl_exit();
	mq_debugfs_exit();
	mq_tp_unbind();
	pr_info("unloaded\n");
}

module_init(memqos_init);
module_exit(memqos_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-cgroup memory pressure accounting and QoS");
MODULE_VERSION(MEMQOS_VERSION);
