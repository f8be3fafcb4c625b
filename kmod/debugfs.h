/* SPDX-License-Identifier: GPL-2.0 */
/* debugfs.c: the module's state as text, and its tunables */
#ifndef MQ_DEBUGFS_H
#define MQ_DEBUGFS_H

int mq_debugfs_init(void);
void mq_debugfs_exit(void);

#endif /* MQ_DEBUGFS_H */
