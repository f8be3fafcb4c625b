// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: the loop. Timers, signals (SIGHUP reloads), the module's
 * events and its going and coming back.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <linux/memqos.h>

#include "daemon_priv.h"

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemon *d = data;
	const struct nlattr *tb[MEMQOS_A_EVENT_MAX + 1];
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct rt *rt;
	size_t i;

	if (nlh->nlmsg_type != d->ev->family.id ||
	    mq_nl_parse(nlh, tb, MEMQOS_A_EVENT_MAX) < 0 ||
	    !tb[MEMQOS_A_EVENT_CGROUP_ID] ||
	    mnl_attr_validate(tb[MEMQOS_A_EVENT_CGROUP_ID], MNL_TYPE_U64) < 0)
		return MNL_CB_OK;
	rt = daemon_rt_get(d, mnl_attr_get_u64(tb[MEMQOS_A_EVENT_CGROUP_ID]),
			   false);
	if (!rt)
		return MNL_CB_OK;
	if (g->cmd == MEMQOS_CMD_PRESSURE_NTF && tb[MEMQOS_A_EVENT_PRESSURED]) {
		rt->ev_pressured = mnl_attr_get_u8(tb[MEMQOS_A_EVENT_PRESSURED]);
		/* only a protected cgroup's stall asks for a pass now */
		for (i = 0; rt->ev_pressured && i < d->n; i++)
			if (d->cg[i].rt == rt && daemon_tier_of(d, &d->cg[i]) &&
			    daemon_tier_protects(daemon_tier_of(d, &d->cg[i])))
				d->react = true;
	} else if (g->cmd == MEMQOS_CMD_CGROUP_REMOVED_NTF) {
		rt->ev_pressured = false;
	}
	return MNL_CB_OK;
}

static void read_events(struct daemon *d)
{
	char *buf = d->ev->rx_buf;
	ssize_t len;

	for (;;) {
		len = recv(mnl_socket_get_fd(d->ev->sock), buf,
			   MEMQOS_NL_RX_SIZE, MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS) {
			/* lost some: a pass measures for itself */
			d->react = true;
			continue;
		}
		if (len < 0 && errno != EAGAIN && errno != EINTR) {
			daemon_module_gone(d, "event socket", -errno);
			return;
		}
		if (len <= 0)
			return;
		mnl_cb_run(buf, len, 0, 0, event_cb, d);
	}
}

/* Socket and membership die with the family: a reload has new ids. */
static int open_events(struct daemon *d)
{
	int err = mq_nl_open(&d->ev);

	if (!err)
		err = mq_nl_resolve(d->ev, MEMQOS_FAMILY_NAME);
	if (!err)
		err = mq_nl_join_mcgrp(d->ev, MEMQOS_MCGRP_EVENTS);
	if (err) {
		mq_nl_close(d->ev);
		d->ev = NULL;
	}
	return err;
}

static void close_module(struct daemon *d)
{
	mq_nl_close(d->ev);
	d->ev = NULL;
	/* the next request opens a clean socket and resolves afresh */
	mq_nl_close(d->nl);
	d->nl = NULL;
	d->module = false;
}

/* Fall back to cgroupfs until daemon_module_rejoin() finds the family again. */
void daemon_module_gone(struct daemon *d, const char *what, int err)
{
	bool was = d->module;

	close_module(d);
	d->ev_warned = false;
	if (was)
		dlog(d, LOG_WARNING,
		     "module gone (%s: %s), polling cgroupfs: levels from memory.stat, pressure from memory.pressure",
		     what, strerror(-err));
}

/*
 * Each pass while the module is away (or its events are): a reloaded
 * module raises events only while someone listens, so join again.
 */
void daemon_module_rejoin(struct daemon *d)
{
	int err;

	/*
	 * Unregistering the family drops its groups' members silently, and
	 * a reload between two passes may get the old family id back.
	 */
	if (d->module && d->ev &&
	    !mq_nl_mcgrp_joined(d->ev, MEMQOS_MCGRP_EVENTS))
		daemon_module_gone(d, "dropped from its event group", -ENOENT);
	if (d->module && (d->ev || d->o->once))
		return;
	if (!d->module) {
		err = mq_nl_ready(&d->nl, MEMQOS_CMD_CGROUP_GET);
		if (err) {
			/* ENOENT: still away; anything else: start afresh */
			if (err != -ENOENT)
				close_module(d);
			return;
		}
		d->module = true;
		if (d->o->once)
			return;
	}
	err = open_events(d);
	if (!err && d->pass_no)
		dlog(d, LOG_INFO, "module back, events rejoined");
	else if (err && !d->ev_warned)
		dlog(d, LOG_WARNING,
		     "cannot join the module's events (%s): pressure measured every pass",
		     strerror(-err));
	d->ev_warned = err != 0;
}

static void reload(struct daemon *d)
{
	struct mq_daemon_cfg *next = malloc(sizeof(*next));
	int err;

	if (!next)
		return;
	err = daemon_load_config(d, next, true);
	if (err) {
		dlog(d, LOG_ERR, "SIGHUP: configuration not reloaded, keeping the running one");
	} else if (strcmp(next->state_dir, d->cfg.state_dir)) {
		dlog(d, LOG_ERR, "SIGHUP: state_dir cannot change while running, keeping the running configuration");
	} else {
		d->cfg = *next;
		dlog(d, LOG_INFO, "SIGHUP: configuration reloaded from %s",
		     d->cfg_name);
		d->react = true;
	}
	free(next);
}

static void arm(int tfd, uint64_t delay_ms)
{
	struct itimerspec its = { };

	its.it_value.tv_sec = delay_ms / 1000;
	its.it_value.tv_nsec = (delay_ms % 1000) * 1000000 + 1;
	timerfd_settime(tfd, 0, &its, NULL);
}

/* Without events, pressure is only seen by measuring often. */
static uint64_t interval(const struct daemon *d)
{
	return d->pressure || d->squeezing || !d->ev ?
	       d->cfg.squeeze_interval_ms : d->cfg.reconcile_ms;
}

int daemon_loop(struct daemon *d)
{
	struct pollfd fds[3];
	struct signalfd_siginfo si;
	int sfd = d->sfd, tfd, nfds, ret = MEMQOS_EXIT_OK;
	bool running = true;
	uint64_t last;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0) {
		dlog(d, LOG_ERR, "signalfd/timerfd: %s", strerror(errno));
		return MEMQOS_EXIT_ERROR;
	}
	fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	last = daemon_now_ms();
	while (running) {
		uint64_t now = daemon_now_ms(), next = last + interval(d), junk;

		/* a pass may have dropped or rejoined the events */
		nfds = 2;
		if (d->ev) {
			fds[2] = (struct pollfd){
				.fd = mnl_socket_get_fd(d->ev->sock),
				.events = POLLIN
			};
			nfds = 3;
		}
		arm(tfd, next > now ? next - now : 0);
		if (poll(fds, nfds, -1) < 0 && errno != EINTR) {
			dlog(d, LOG_ERR, "poll: %s", strerror(errno));
			ret = MEMQOS_EXIT_ERROR;
			break;
		}
		if (nfds == 3 && fds[2].revents)
			read_events(d);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(d);
			} else {
				dlog(d, LOG_INFO, "%s: restoring original values",
				     strsignal(si.ssi_signo));
				running = false;
			}
		}
		if (!running)
			break;
		if (read(tfd, &junk, sizeof(junk)) < 0 && !d->react)
			continue;
		daemon_pass(d);
		last = daemon_now_ms();
	}
	if (daemon_restore_all(d, "original, daemon stopping"))
		ret = MEMQOS_EXIT_ERROR;
	close(tfd);
	return ret;
}
