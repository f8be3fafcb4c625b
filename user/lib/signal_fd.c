// SPDX-License-Identifier: GPL-2.0
/*
 * The signals that end a waiting program, see mq_signal_fd.h.
 */
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>

#include "signal_fd.h"

int mq_signal_fd(int flags)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}
