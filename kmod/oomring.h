/* SPDX-License-Identifier: GPL-2.0 */
/* oomring.c: the recent OOM kills, node-wide */
#ifndef MQ_OOMRING_H
#define MQ_OOMRING_H

#include <linux/types.h>
#include <linux/sched.h>

struct mq_oom_kill {
	u64 seq;		/* 1, 2, ... since load */
	u64 time_ns;		/* CLOCK_REALTIME */
	u64 boot_ns;		/* CLOCK_BOOTTIME */
	u64 cgid;
	pid_t pid;		/* thread-group id of the victim */
	uid_t uid;
	char comm[TASK_COMM_LEN];
	u64 rss_anon_bytes;
	u64 rss_file_bytes;
	u64 rss_shmem_bytes;
	u64 pgtables_bytes;
	short oom_score_adj;
	/* What out_of_memory() was told (probes_oomscope.c), if known. */
	bool has_scope;
	u8 scope;		/* MEMQOS_OOM_SCOPE_* */
	u64 trigger_cgid;	/* 0: none (sysrq) */
	u64 scope_cgid;		/* scope memcg */
	u64 scope_max_bytes;	/* scope memcg */
};

int mq_oomring_init(void);
void mq_oomring_exit(void);
void mq_oomring_add(const struct mq_oom_kill *k);
struct mq_oom_kill *mq_oomring_snapshot(size_t *nr);
size_t mq_oomring_bytes(void);

#endif /* MQ_OOMRING_H */
