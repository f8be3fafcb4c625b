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
	/*
	 * What out_of_memory() was told: absent when the module could not
	 * probe it. trigger_cgroup_id 0: none (sysrq); scope_cgroup_id and
	 * scope_max_bytes only for MEMQOS_OOM_SCOPE_MEMCG.
	 */
	bool has_scope;
	uint32_t scope;		/* MEMQOS_OOM_SCOPE_* */
	uint64_t trigger_cgroup_id;
	char *trigger_path;	/* owned; NULL: gone or not visible */
	uint64_t scope_cgroup_id;
	char *scope_path;	/* owned; NULL: gone or not visible */
	bool has_scope_max;
	uint64_t scope_max_bytes;
};

struct mq_oom_list {
	struct mq_oom_kill *kills;
	size_t n;
};

/* "memcg", "global", "sysrq", or NULL for a scope this tool does not know. */
const char *mq_oom_scope_name(uint32_t scope);

/*
 * "scope_max_bytes": ", memory.max 64.0M" in text, null when @has is
 * false (text: nothing) or the limit is "max".
 */
void mq_oom_print_max(struct mq_print_ctx *pc, bool has, uint64_t bytes);

/* Oldest first; 0 or a negative errno. */
int mq_oom_list_get(struct mq_nl **nlp, struct mq_oom_list *list);
void mq_oom_list_free(struct mq_oom_list *list);

/*
 * The JSON array "oom_kills" (pid, uid, comm, the paths, trigger and scope
 * null when absent), or a text table where absent values show as "-",
 * each kill's trigger and scope on a line of its own below it.
 */
void mq_oom_list_print(struct mq_print_ctx *pc, const struct mq_oom_list *list);

#endif /* MEMQOS_OOMKILL_H */
