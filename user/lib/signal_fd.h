/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The signals that end a waiting program, as a file descriptor to poll.
 */
#ifndef MEMQOS_SIGNAL_FD_H
#define MEMQOS_SIGNAL_FD_H

/*
 * Block SIGINT, SIGTERM and SIGHUP and return a signalfd that reads
 * them, so a waiting command ends cleanly; or a negative errno.
 * @flags: extra signalfd() flags (SFD_NONBLOCK), SFD_CLOEXEC is always set.
 */
int mq_signal_fd(int flags);

#endif /* MEMQOS_SIGNAL_FD_H */
