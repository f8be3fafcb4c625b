/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recent OOM kills (OOM_KILLS_GET), for oom and dump.
 */
#ifndef MEMQOS_OOMKILL_H
#define MEMQOS_OOMKILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl.h"
#include "print.h"

struct mq_oom_kill {
	uint64_t seq;
	uint64_t time_ns;	/* CLOCK_REALTIME */
	uint64_t boot_ns;	/* CLOCK_BOOTTIME */
	uint64_t cgroup_id;
	char *path;		/* owned; NULL: gone or not visible */
	/* sent only to CAP_NET_ADMIN and to the victim's own uid */
	bool has_pid, has_uid, has_comm;
	uint32_t pid;
	uint32_t uid;
	char comm[17];
	uint64_t rss_anon_bytes;
	uint64_t rss_file_bytes;
	uint64_t rss_shmem_bytes;
	uint64_t pgtables_bytes;
	int32_t oom_score_adj;
};

struct mq_oom_list {
	struct mq_oom_kill *kills;
	size_t n;
};

/* Oldest first; 0 or a negative errno. */
int mq_oom_list_get(struct mq_nl **nlp, struct mq_oom_list *list);
void mq_oom_list_free(struct mq_oom_list *list);

/*
 * The JSON array "oom_kills" (pid, uid, comm and path null when absent),
 * or a text table where absent values show as "-".
 */
void mq_oom_list_print(struct mq_print_ctx *pc, const struct mq_oom_list *list);

#endif /* MEMQOS_OOMKILL_H */
