// SPDX-License-Identifier: GPL-2.0
/*
 * memqos events: stream the module's multicast events, noticing lost
 * ones: a gap in the sequence numbers, or a receive buffer overflow
 * (ENOBUFS), after which the cgroup paths are read afresh.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/memqos.h>

#include "cgquery.h"
#include "cmd.h"
#include "idpath.h"
#include "module.h"
#include "oomkill.h"
#include "signal_fd.h"
#include "units.h"

struct event {
	uint8_t cmd;
	uint64_t seq;
	uint64_t time_ns;
	uint64_t cgroup_id;	/* 0: none (storm) */
	uint64_t rss_bytes;
	/* oom_kill: see struct mq_oom_kill */
	bool has_scope, has_scope_max;
	uint32_t scope;
	uint64_t trigger_cgroup_id, scope_cgroup_id, scope_max_bytes;
	uint64_t reclaims_per_sec;
	uint32_t stall_permille;
	bool on;		/* pressured, or storm starting */
};

struct listener {
	struct memqos_ctx *ctx;
	struct mq_nl *ev;		/* joined to the events group */
	struct mq_idpath_cache paths;
	struct mq_print_ctx pc;
	uint64_t last_seq;		/* 0: none seen yet */
	uint64_t events, lost, resyncs;
	uint64_t want;			/* --count, 0: no limit */
};

static const char *kind_name(uint8_t cmd)
{
	switch (cmd) {
	case MEMQOS_CMD_OOM_KILL_NTF:
		return "oom_kill";
	case MEMQOS_CMD_PRESSURE_NTF:
		return "pressure";
	case MEMQOS_CMD_STORM_NTF:
		return "storm";
	case MEMQOS_CMD_CGROUP_REMOVED_NTF:
		return "cgroup_removed";
	}
	return NULL;
}

static int attr_uint(const struct nlattr *a, uint64_t *v)
{
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		*v = mnl_attr_get_u8(a);
		return 0;
	case 4:
		*v = mnl_attr_get_u32(a);
		return 0;
	case 8:
		*v = mnl_attr_get_u64(a);
		return 0;
	}
	return -EBADMSG;
}

static int decode_event(const struct nlmsghdr *nlh, struct event *e)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	e->cmd = genl->cmd;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == MEMQOS_A_EVENT_PAD)
			continue;
		if (attr_uint(a, &v))
			return -EBADMSG;
		switch (mnl_attr_get_type(a)) {
		case MEMQOS_A_EVENT_SEQ:
			e->seq = v;
			break;
		case MEMQOS_A_EVENT_TIME_NS:
			e->time_ns = v;
			break;
		case MEMQOS_A_EVENT_CGROUP_ID:
			e->cgroup_id = v;
			break;
		case MEMQOS_A_EVENT_RSS_BYTES:
			e->rss_bytes = v;
			break;
		case MEMQOS_A_EVENT_TRIGGER_CGROUP_ID:
			e->trigger_cgroup_id = v;
			break;
		case MEMQOS_A_EVENT_SCOPE:
			e->scope = v;
			e->has_scope = true;
			break;
		case MEMQOS_A_EVENT_SCOPE_CGROUP_ID:
			e->scope_cgroup_id = v;
			break;
		case MEMQOS_A_EVENT_SCOPE_MAX_BYTES:
			e->scope_max_bytes = v;
			e->has_scope_max = true;
			break;
		case MEMQOS_A_EVENT_RECLAIMS_PER_SEC:
			e->reclaims_per_sec = v;
			break;
		case MEMQOS_A_EVENT_STALL_PERMILLE:
			e->stall_permille = v;
			break;
		case MEMQOS_A_EVENT_PRESSURED:
		case MEMQOS_A_EVENT_STORM:
			e->on = v;
			break;
		}
	}
	return e->seq ? 0 : -EBADMSG;
}

/* "15:00:21.123" in local time. */
static const char *format_time(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return "-";
	snprintf(buf, len, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (unsigned int)(ns / 1000000 % 1000));
	return buf;
}

/* @prefix: "" for the event's cgroup, "trigger_" or "scope_" for others. */
static void print_cgroup_as(struct listener *l, const char *prefix,
			    const char *label, uint64_t id)
{
	const char *path = mq_idpath_get(&l->ctx->nl, &l->paths, id);
	char id_key[32], path_key[32], fmt[32];

	snprintf(id_key, sizeof(id_key), "%scgroup_id", prefix);
	snprintf(path_key, sizeof(path_key), "%spath", prefix);
	snprintf(fmt, sizeof(fmt), "%s %%s", label);
	mq_print_u64(&l->pc, id_key, fmt, id);
	if (path)
		mq_print_str(&l->pc, path_key, " %s", path);
	else
		mq_print_null(&l->pc, path_key, NULL, NULL);
}

static void print_cgroup(struct listener *l, uint64_t id)
{
	print_cgroup_as(l, "", " cgroup", id);
}

/* ", trigger cgroup 12 /p/c1, scope memcg cgroup 10 /p, memory.max 64M" */
static void print_oom_scope(struct listener *l, const struct event *e)
{
	struct mq_print_ctx *pc = &l->pc;
	const char *name = e->has_scope ? mq_oom_scope_name(e->scope) : NULL;

	if (e->trigger_cgroup_id) {
		print_cgroup_as(l, "trigger_", ", trigger cgroup",
				e->trigger_cgroup_id);
	} else {
		mq_print_null(pc, "trigger_cgroup_id", NULL, NULL);
		mq_print_null(pc, "trigger_path", NULL, NULL);
	}
	if (name)
		mq_print_str(pc, "scope", ", scope %s", name);
	else
		mq_print_null(pc, "scope", NULL, NULL);
	if (name && e->scope == MEMQOS_OOM_SCOPE_MEMCG && e->scope_cgroup_id) {
		print_cgroup_as(l, "scope_", " cgroup", e->scope_cgroup_id);
	} else {
		mq_print_null(pc, "scope_cgroup_id", NULL, NULL);
		mq_print_null(pc, "scope_path", NULL, NULL);
	}
	mq_oom_print_max(pc, e->has_scope_max, e->scope_max_bytes);
}

static void print_event(struct listener *l, const struct event *e)
{
	struct mq_print_ctx *pc = &l->pc;
	char buf[32];

	mq_print_obj_begin(pc, NULL);
	mq_print_text(pc, "%s", format_time(e->time_ns, buf, sizeof(buf)));
	mq_print_u64(pc, "seq", " #%s", e->seq);
	mq_print_str(pc, "kind", " %s", kind_name(e->cmd));
	mq_print_u64(pc, "time_ns", NULL, e->time_ns);
	if (e->cmd != MEMQOS_CMD_STORM_NTF)
		print_cgroup(l, e->cgroup_id);
	switch (e->cmd) {
	case MEMQOS_CMD_OOM_KILL_NTF:
		mq_print_bytes(pc, "rss_bytes", ", victim rss %s", e->rss_bytes);
		print_oom_scope(l, e);
		break;
	case MEMQOS_CMD_PRESSURE_NTF:
		mq_print_bool(pc, "pressured", NULL, e->on);
		mq_print_text(pc, "%s", e->on ? " entering" : " leaving");
		mq_print_u64(pc, "stall_permille", ", stall %s permille",
			     e->stall_permille);
		break;
	case MEMQOS_CMD_STORM_NTF:
		mq_print_bool(pc, "storm", NULL, e->on);
		mq_print_text(pc, "%s", e->on ? " starting" : " over");
		mq_print_u64(pc, "reclaims_per_sec", ", %s reclaim stalls/s",
			     e->reclaims_per_sec);
		break;
	}
	mq_print_text(pc, "\n");
	mq_print_obj_end(pc);
	fflush(pc->fp);
}

/* A gap in the sequence: events the module or the socket dropped. */
static void note_gap(struct listener *l, uint64_t seq)
{
	uint64_t n;

	if (!l->last_seq || seq <= l->last_seq + 1)
		return;
	n = seq - l->last_seq - 1;
	l->lost += n;
	if (mq_print_is_json(&l->pc)) {
		mq_print_obj_begin(&l->pc, NULL);
		mq_print_u64(&l->pc, "lost", NULL, n);
		mq_print_obj_end(&l->pc);
	} else {
		fflush(stdout);
		fprintf(stderr, "memqos: %" PRIu64 " events lost\n", n);
	}
}

static void handle_event(struct listener *l, const struct nlmsghdr *nlh)
{
	struct event e;

	if (nlh->nlmsg_type != l->ev->family.id ||
	    decode_event(nlh, &e) || !kind_name(e.cmd))
		return;
	note_gap(l, e.seq);
	if (e.seq > l->last_seq)
		l->last_seq = e.seq;
	print_event(l, &e);
	if (e.cmd == MEMQOS_CMD_CGROUP_REMOVED_NTF)
		mq_idpath_drop(&l->paths, e.cgroup_id);
	l->events++;
}

/* The socket overflowed: events are gone, paths may be stale. */
static int resync(struct listener *l)
{
	struct mq_cg_list list = { };
	bool complete;
	int err;

	l->resyncs++;
	if (!mq_print_is_json(&l->pc)) {
		fflush(stdout);
		fputs("memqos: events lost (receive buffer overflow), resyncing\n",
		      stderr);
	}
	err = mq_cgq_dump(&l->ctx->nl, &list);
	/*
	 * Under constant cgroup churn every retry of the dump can race
	 * (NLM_F_DUMP_INTR). The paths it did bring are still right and
	 * the rest are looked up by id as events name them: go on.
	 */
	complete = !err;
	if (err == -EINTR)
		err = 0;
	if (!err)
		mq_idpath_fill(&l->paths, &list);
	if (!err && !complete && !mq_print_is_json(&l->pc))
		fputs("memqos: the resync raced with cgroup changes; paths are looked up as events arrive\n",
		      stderr);
	if (!err && mq_print_is_json(&l->pc)) {
		mq_print_obj_begin(&l->pc, NULL);
		mq_print_obj_begin(&l->pc, "resync");
		mq_print_str(&l->pc, "reason", NULL, "receive buffer overflow");
		mq_print_u64(&l->pc, "resyncs", NULL, l->resyncs);
		mq_print_u64(&l->pc, "cgroups", NULL, list.n);
		mq_print_bool(&l->pc, "complete", NULL, complete);
		mq_print_obj_end(&l->pc);
		mq_print_obj_end(&l->pc);
		fflush(stdout);
	}
	mq_cg_list_free(&list);
	return err;
}

/* Reads what the socket has; 0, or a negative errno to stop. */
static int receive(struct listener *l)
{
	char *buf = l->ev->rx_buf;
	const struct nlmsghdr *nlh;
	ssize_t len;
	int n;

	len = recv(mnl_socket_get_fd(l->ev->sock), buf, MEMQOS_NL_RX_SIZE,
		   MSG_DONTWAIT);
	if (len < 0 && errno == ENOBUFS)
		return resync(l);
	if (len < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	n = (int)len;
	for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, n);
	     nlh = mnl_nlmsg_next(nlh, &n)) {
		handle_event(l, nlh);
		if (l->want && l->events >= l->want)
			break;
	}
	return 0;
}

static int open_events_socket(struct listener *l)
{
	int err = mq_nl_open(&l->ev);

	if (!err)
		err = mq_nl_resolve(l->ev, MEMQOS_FAMILY_NAME);
	if (!err)
		err = mq_nl_join_mcgrp(l->ev, MEMQOS_MCGRP_EVENTS);
	/* a module without the group is too old for this command */
	return err == -ENOENT && l->ev && l->ev->family.id ? -EOPNOTSUPP : err;
}

/* The sequence number of the last event raised before we listened. */
static void seq_baseline(struct listener *l)
{
	struct mq_mod_stats st;

	if (!mq_mod_stats_get(&l->ctx->nl, &st) &&
	    mq_field_has(&st.v, MEMQOS_A_STATS_EVENTS_SEQ))
		l->last_seq = st.v.val[MEMQOS_A_STATS_EVENTS_SEQ];
	mq_mod_stats_free(&st);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The poll() timeout until @deadline in ms (-1: none, -1 returned). */
static int poll_timeout(int64_t deadline, bool *expired)
{
	int64_t left;

	*expired = false;
	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	if (left <= 0)
		*expired = true;
	return left <= 0 ? 0 : (left > INT_MAX ? INT_MAX : (int)left);
}

static int listen_loop(struct listener *l, int sfd, int64_t deadline)
{
	struct pollfd fds[2] = {
		{ .fd = mnl_socket_get_fd(l->ev->sock), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	bool expired;
	int err, timeout;

	while (!l->want || l->events < l->want) {
		timeout = poll_timeout(deadline, &expired);
		if (expired)
			return -ETIME;
		if (poll(fds, 2, timeout) < 0 && errno != EINTR)
			return -errno;
		if (fds[1].revents)
			return 0;	/* SIGINT, SIGTERM, SIGHUP: done */
		if (fds[0].revents) {
			err = receive(l);
			if (err)
				return err;
		}
	}
	return 0;
}

static int run_listener(struct memqos_ctx *ctx, uint64_t want,
			uint64_t timeout_s)
{
	struct listener l = { .ctx = ctx, .want = want };
	struct mq_nl *nl;
	int err, sfd = -1;

	err = cmd_nl(ctx, MEMQOS_CMD_CGROUP_GET, &nl);
	if (!err) {
		err = open_events_socket(&l);
		if (err == -EPERM) {
			cmd_error(ctx, "joining the events group needs "
				  "CAP_NET_ADMIN: it carries every cgroup's "
				  "events (watch your own with 'memqos stat', "
				  "memory.events and memory.pressure)");
			mq_nl_close(l.ev);
			return MEMQOS_EXIT_ERROR;
		}
	}
	if (!err) {
		seq_baseline(&l);
		sfd = mq_signal_fd(0);
		err = sfd < 0 ? sfd : 0;
	}
	if (!err) {
		mq_print_init(&l.pc, stdout, ctx->json, false);
		err = listen_loop(&l, sfd, timeout_s ?
				  now_ms() + (int64_t)timeout_s * 1000 : -1);
	}
	if (sfd >= 0)
		close(sfd);
	mq_idpath_free(&l.paths);
	mq_nl_close(l.ev);
	if (err == -ETIME && !want)
		return MEMQOS_EXIT_OK;
	if (err == -ETIME) {
		cmd_error(ctx, "timed out after %" PRIu64 " of %" PRIu64
			  " events", l.events, want);
		return MEMQOS_EXIT_ERROR;
	}
	return err ? cmd_nl_error(ctx, err) : MEMQOS_EXIT_OK;
}

static int events_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count",	required_argument,	NULL, 'c' },
		{ "timeout",	required_argument,	NULL, 't' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	uint64_t want = 0, timeout_s = 0;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":c:t:" CMD_COMMON_SHORTOPTS,
				  opts, NULL)) != -1) {
		if (opt == 'c' &&
		    mq_units_parse_uint(optarg, 1, UINT64_MAX, &want))
			return cmd_usage_error(ctx, "bad count '%s'", optarg);
		if (opt == 't' && mq_units_parse_uint(optarg, 1,
						      INT64_MAX / 1000,
						      &timeout_s))
			return cmd_usage_error(ctx, "bad timeout '%s'", optarg);
		if (opt == 'c' || opt == 't')
			continue;
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	ret = cmd_no_operands(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	return run_listener(ctx, want, timeout_s);
}

const struct cmd cmd_events = {
	.name		= "events",
	.run		= events_run,
	.summary	= "stream OOM kill, pressure, storm and removal events",
	.synopsis	= "[-c N] [-t SEC]",
	.description	=
		"Listen to the module's multicast events and print one line\n"
		"per event: local time, sequence number, kind and details.\n"
		"Kinds: oom_kill (the victim's cgroup and RSS, the trigger's\n"
		"cgroup, the scope and its memory.max as memqos oom shows\n"
		"them; never pid or name: see memqos oom), pressure (a cgroup's stall rate\n"
		"crossed pressure_threshold_permille, entering or leaving),\n"
		"storm (node-wide reclaim stalls per second crossed\n"
		"storm_reclaims_per_sec, starting or over) and\n"
		"cgroup_removed. Cgroup paths are looked up by id; one that\n"
		"is gone or not visible prints as its id alone. Runs until\n"
		"interrupted (SIGINT, SIGTERM, SIGHUP: exit 0).\n"
		"\n"
		"The events of every cgroup on the node go to one group,\n"
		"which only CAP_NET_ADMIN may join: without it the command\n"
		"fails (exit 1) and says so.\n"
		"\n"
		"Lost events are reported: a gap in the sequence numbers\n"
		"prints \"memqos: N events lost\" (the module's queue was full,\n"
		"or this socket's receive buffer was),\n"
		"and a receive buffer overflow prints \"memqos: events lost\n"
		"(receive buffer overflow), resyncing\" and reads the cgroups\n"
		"afresh; if cgroups keep changing under that read, it keeps\n"
		"what it got and goes on. In text mode these go to stderr.\n"
		"\n"
		"With --json, one JSON object per line: {\"seq\", \"kind\",\n"
		"\"time_ns\", \"cgroup_id\", \"path\" (null if unknown), and\n"
		"\"rss_bytes\", \"trigger_cgroup_id\", \"trigger_path\", \"scope\",\n"
		"\"scope_cgroup_id\", \"scope_path\" and \"scope_max_bytes\" (oom_kill;\n"
		"null when not known), \"pressured\" and \"stall_permille\"\n"
		"(pressure) or \"storm\" and \"reclaims_per_sec\" (storm)};\n"
		"losses as {\"lost\": N} and {\"resync\": {\"reason\", \"resyncs\",\n"
		"\"cgroups\", \"complete\"}}.\n",
	.options	=
		"-c, --count N\n"
		"       Exit after N events.\n"
		"\n"
		"-t, --timeout SEC\n"
		"       Exit after SEC seconds: status 0 without --count,\n"
		"       1 if fewer than N events came.\n",
};
