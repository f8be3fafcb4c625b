// SPDX-License-Identifier: GPL-2.0
/*
 * CGROUP_GET for the commands, see cgquery.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_arg.h"
#include "cgquery.h"

/* A dump restarts when cgroups come and go; give up after this many. */
#define DUMP_TRIES	5
/* The family version whose CGROUP_GET took MEMQOS_A_CGROUP_SELECT. */
#define SELECT_VERSION	5

static void read_all(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int open_stat(const char *mountinfo, const char *path)
{
	char file[PATH_MAX];

	if (mq_cgroup_arg_fs_path(mountinfo, path, "memory.stat", file))
		return -1;
	return open(file, O_RDONLY | O_CLOEXEC);
}

/*
 * The kernel's memcg statistics, which levels come from, lag up to 2 s on
 * 6.1 and a module cannot flush them: reading memory.stat does (the whole
 * tree, when enough changed). Best effort: the file may not be visible.
 */
static void flush_stats(const char *mountinfo, const char *path)
{
	int fd = open_stat(mountinfo, path);

	if (fd < 0)
		return;
	read_all(fd);
	close(fd);
}

/*
 * The root's flush before each dump, through a file kept open with @nl:
 * finding and opening it again cost a long-running exporter a tenth of a
 * small scrape (/proc/self/mountinfo, a path walk).
 */
static void flush_stats_root(struct mq_nl *nl)
{
	char *mountinfo;

	if (nl->stat_fd < 0) {
		mountinfo = mq_cgroup_arg_read_mountinfo();
		nl->stat_fd = open_stat(mountinfo, "/");
		free(mountinfo);
		if (nl->stat_fd < 0)
			return;
	} else if (lseek(nl->stat_fd, 0, SEEK_SET)) {
		return;
	}
	read_all(nl->stat_fd);
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = mq_cg_rec_decode(nlh, data);

	if (err) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int request_one(struct mq_nl *nl, const struct mq_cgroup_arg *cg,
		       struct mq_cg_rec *rec)
{
	struct nlmsghdr *nlh;
	int err;

	nlh = mq_nl_msg_prepare(nl, MEMQOS_CMD_CGROUP_GET, 0);
	if (cg->id)
		mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, cg->id);
	else
		mnl_attr_put_strz(nlh, MEMQOS_A_CGROUP_PATH, cg->path);
	err = mq_nl_request(nl, nlh, get_cb, rec);
	if (!err && !rec->path)
		err = -EBADMSG;		/* ACK without a reply */
	return err;
}

int mq_cgq_get(struct mq_nl **nlp, const char *arg, struct mq_cg_rec *rec,
	       bool *bad_arg)
{
	struct mq_cgroup_arg *cg = malloc(sizeof(*cg));
	char *mountinfo = mq_cgroup_arg_read_mountinfo();
	int err;

	memset(rec, 0, sizeof(*rec));
	*bad_arg = false;
	err = cg ? mq_cgroup_arg_parse(arg, mountinfo, cg) : -ENOMEM;
	if (err == -EINVAL || err == -ENAMETOOLONG) {
		*bad_arg = true;
		goto out;
	}
	if (!err)
		err = mq_nl_ready(nlp, MEMQOS_CMD_CGROUP_GET);
	/* an id has no path yet: the root's flushes the tree on 6.1 */
	if (!err)
		flush_stats(mountinfo, cg->id ? "/" : cg->path);
	if (!err)
		err = request_one(*nlp, cg, rec);
out:
	free(mountinfo);
	free(cg);
	return err;
}

int mq_cgq_dump_some(struct mq_nl **nlp, struct mq_cg_list *list,
		     const struct mq_cgq_select *sel)
{
	struct mq_nl *nl;
	struct nlmsghdr *nlh;
	int err, tries;

	err = mq_nl_ready(nlp, MEMQOS_CMD_CGROUP_GET);
	if (err)
		return err;
	nl = *nlp;
	flush_stats_root(nl);
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		mq_cg_list_clear(list);
		nlh = mq_nl_msg_prepare(nl, MEMQOS_CMD_CGROUP_GET,
					NLM_F_DUMP);
		if (sel && nl->family.version >= SELECT_VERSION)
			mnl_attr_put(nlh, MEMQOS_A_CGROUP_SELECT,
				     sizeof(sel->bits), sel->bits);
		err = mq_nl_request(nl, nlh, mq_cg_list_add_cb, list);
		if (err != -EINTR)
			break;
	}
	return err;
}

int mq_cgq_dump(struct mq_nl **nlp, struct mq_cg_list *list)
{
	return mq_cgq_dump_some(nlp, list, NULL);
}
