// SPDX-License-Identifier: GPL-2.0
/*
 * The recent OOM kills, see oomkill.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/memqos.h>

#include "oomkill.h"

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return -EBADMSG;
	*v = mnl_attr_get_u64(a);
	return 0;
}

static int get_u32(const struct nlattr *a, uint32_t *v, bool *has)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EBADMSG;
	*v = mnl_attr_get_u32(a);
	*has = true;
	return 0;
}

const char *mq_oom_scope_name(uint32_t scope)
{
	switch (scope) {
	case MEMQOS_OOM_SCOPE_MEMCG:
		return "memcg";
	case MEMQOS_OOM_SCOPE_GLOBAL:
		return "global";
	case MEMQOS_OOM_SCOPE_SYSRQ:
		return "sysrq";
	}
	return NULL;
}

static int get_path(const struct nlattr *a, char **path)
{
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 || *path)
		return -EBADMSG;
	*path = strdup(mnl_attr_get_str(a));
	return *path ? 0 : -ENOMEM;
}

static int decode_attr(const struct nlattr *a, struct mq_oom_kill *k)
{
	switch (mnl_attr_get_type(a)) {
	case MEMQOS_A_OOM_KILL_SEQ:
		return get_u64(a, &k->seq);
	case MEMQOS_A_OOM_KILL_TIME_NS:
		return get_u64(a, &k->time_ns);
	case MEMQOS_A_OOM_KILL_BOOT_NS:
		return get_u64(a, &k->boot_ns);
	case MEMQOS_A_OOM_KILL_CGROUP_ID:
		return get_u64(a, &k->cgroup_id);
	case MEMQOS_A_OOM_KILL_RSS_ANON_BYTES:
		return get_u64(a, &k->rss_anon_bytes);
	case MEMQOS_A_OOM_KILL_RSS_FILE_BYTES:
		return get_u64(a, &k->rss_file_bytes);
	case MEMQOS_A_OOM_KILL_RSS_SHMEM_BYTES:
		return get_u64(a, &k->rss_shmem_bytes);
	case MEMQOS_A_OOM_KILL_PGTABLES_BYTES:
		return get_u64(a, &k->pgtables_bytes);
	case MEMQOS_A_OOM_KILL_OOM_SCORE_ADJ:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		k->oom_score_adj = (int32_t)mnl_attr_get_u32(a);
		return 0;
	case MEMQOS_A_OOM_KILL_PID:
		return get_u32(a, &k->pid, &k->has_pid);
	case MEMQOS_A_OOM_KILL_UID:
		return get_u32(a, &k->uid, &k->has_uid);
	case MEMQOS_A_OOM_KILL_COMM:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return -EBADMSG;
		snprintf(k->comm, sizeof(k->comm), "%s", mnl_attr_get_str(a));
		k->has_comm = true;
		return 0;
	case MEMQOS_A_OOM_KILL_PATH:
		return get_path(a, &k->path);
	case MEMQOS_A_OOM_KILL_TRIGGER_CGROUP_ID:
		return get_u64(a, &k->trigger_cgroup_id);
	case MEMQOS_A_OOM_KILL_TRIGGER_PATH:
		return get_path(a, &k->trigger_path);
	case MEMQOS_A_OOM_KILL_SCOPE:
		return get_u32(a, &k->scope, &k->has_scope);
	case MEMQOS_A_OOM_KILL_SCOPE_CGROUP_ID:
		return get_u64(a, &k->scope_cgroup_id);
	case MEMQOS_A_OOM_KILL_SCOPE_PATH:
		return get_path(a, &k->scope_path);
	case MEMQOS_A_OOM_KILL_SCOPE_MAX_BYTES:
		k->has_scope_max = true;
		return get_u64(a, &k->scope_max_bytes);
	}
	return 0;
}

static int oom_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mq_oom_list *list = data;
	const struct nlattr *a;
	struct mq_oom_kill *kills, *k;
	int err = 0;

	kills = realloc(list->kills, (list->n + 1) * sizeof(*kills));
	if (!kills) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	list->kills = kills;
	k = &kills[list->n++];
	memset(k, 0, sizeof(*k));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		err = decode_attr(a, k);
		if (err)
			break;
	}
	if (!err && !k->seq)
		err = -EBADMSG;
	if (err) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int mq_oom_list_get(struct mq_nl **nlp, struct mq_oom_list *list)
{
	struct mq_nl *nl;
	int err;

	memset(list, 0, sizeof(*list));
	err = mq_nl_ready(nlp, MEMQOS_CMD_OOM_KILLS_GET);
	if (err)
		return err;
	nl = *nlp;
	return mq_nl_request(nl,
			     mq_nl_msg_prepare(nl,
					       MEMQOS_CMD_OOM_KILLS_GET,
					       NLM_F_DUMP),
				 oom_cb, list);
}

void mq_oom_list_free(struct mq_oom_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		free(list->kills[i].path);
		free(list->kills[i].trigger_path);
		free(list->kills[i].scope_path);
	}
	free(list->kills);
	memset(list, 0, sizeof(*list));
}

/* "2024-05-01 12:34:56" in local time. */
static const char *format_time(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
	return buf;
}

void mq_oom_print_max(struct mq_print_ctx *pc, bool has, uint64_t bytes)
{
	if (!has)
		mq_print_null(pc, "scope_max_bytes", NULL, NULL);
	else if (bytes == MEMQOS_UNLIMITED)
		mq_print_null(pc, "scope_max_bytes", ", memory.max %s", "max");
	else
		mq_print_bytes(pc, "scope_max_bytes", ", memory.max %s", bytes);
}

/* A cgroup as "<path> (<id>)", its id alone when not visible. */
static void print_cg(struct mq_print_ctx *pc, const char *id_key,
		     const char *path_key, uint64_t id, const char *path)
{
	if (path)
		mq_print_str(pc, path_key, " %s", path);
	else
		mq_print_null(pc, path_key, NULL, NULL);
	mq_print_u64(pc, id_key, path ? " (%s)" : " %s", id);
}

/*
 * "  trigger /p/c1 (12), scope memcg /p (10), memory.max 64.0M": who
 * invoked the OOM killer and what it relieved, or "-" when not known.
 */
static void print_scope(struct mq_print_ctx *pc, const struct mq_oom_kill *k)
{
	const char *name = k->has_scope ? mq_oom_scope_name(k->scope) : NULL;

	mq_print_text(pc, "%8s", "trigger");
	if (k->has_scope && k->trigger_cgroup_id) {
		print_cg(pc, "trigger_cgroup_id", "trigger_path",
			 k->trigger_cgroup_id, k->trigger_path);
	} else {
		mq_print_null(pc, "trigger_cgroup_id", " %s", "-");
		mq_print_null(pc, "trigger_path", NULL, NULL);
	}
	if (name)
		mq_print_str(pc, "scope", ", scope %s", name);
	else
		mq_print_null(pc, "scope", ", scope %s", "-");
	if (name && k->scope == MEMQOS_OOM_SCOPE_MEMCG) {
		print_cg(pc, "scope_cgroup_id", "scope_path",
			 k->scope_cgroup_id, k->scope_path);
	} else {
		mq_print_null(pc, "scope_cgroup_id", NULL, NULL);
		mq_print_null(pc, "scope_path", NULL, NULL);
	}
	mq_oom_print_max(pc, k->has_scope_max, k->scope_max_bytes);
	mq_print_text(pc, "\n");
}

static void print_kill(struct mq_print_ctx *pc, const struct mq_oom_kill *k)
{
	char buf[32];

	mq_print_obj_begin(pc, NULL);
	mq_print_u64(pc, "seq", "%6s", k->seq);
	mq_print_u64(pc, "time_ns", NULL, k->time_ns);
	mq_print_u64(pc, "boot_ns", NULL, k->boot_ns);
	mq_print_text(pc, "  %-19s", format_time(k->time_ns, buf, sizeof(buf)));
	if (k->has_pid)
		mq_print_u64(pc, "pid", " %8s", k->pid);
	else
		mq_print_null(pc, "pid", " %8s", "-");
	if (k->has_uid)
		mq_print_u64(pc, "uid", " %6s", k->uid);
	else
		mq_print_null(pc, "uid", " %6s", "-");
	if (k->has_comm)
		mq_print_str(pc, "comm", " %-16s", k->comm);
	else
		mq_print_null(pc, "comm", " %-16s", "-");
	mq_print_bytes(pc, "rss_anon_bytes", " %9s", k->rss_anon_bytes);
	mq_print_bytes(pc, "rss_file_bytes", " %9s", k->rss_file_bytes);
	mq_print_bytes(pc, "rss_shmem_bytes", " %9s", k->rss_shmem_bytes);
	mq_print_bytes(pc, "pgtables_bytes", NULL, k->pgtables_bytes);
	mq_print_s64(pc, "oom_score_adj", " %5s", k->oom_score_adj);
	mq_print_u64(pc, "cgroup_id", " %10s", k->cgroup_id);
	if (k->path)
		mq_print_str(pc, "path", "  %s\n", k->path);
	else
		mq_print_null(pc, "path", "  %s\n", "-");
	print_scope(pc, k);
	mq_print_obj_end(pc);
}

void mq_oom_list_print(struct mq_print_ctx *pc, const struct mq_oom_list *list)
{
	size_t i;

	mq_print_arr_begin(pc, "oom_kills");
	mq_print_text(pc, "%6s  %-19s %8s %6s %-16s %9s %9s %9s %5s %10s  %s\n",
		      "SEQ", "TIME", "PID", "UID", "COMM", "ANON", "FILE",
		      "SHMEM", "ADJ", "CGROUP_ID", "PATH");
	for (i = 0; i < list->n; i++)
		print_kill(pc, &list->kills[i]);
	mq_print_arr_end(pc);
}
