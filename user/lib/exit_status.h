/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit statuses of the memqos programs, documented in every help text.
 * The library returns negative errnos; the programs map them to these.
 */
#ifndef MEMQOS_EXIT_STATUS_H
#define MEMQOS_EXIT_STATUS_H

enum mq_exit {
	MEMQOS_EXIT_OK		= 0,
	MEMQOS_EXIT_ERROR	= 1,	/* runtime: no module, kernel error */
	MEMQOS_EXIT_USAGE	= 2,	/* bad command line, nothing done */
	MEMQOS_EXIT_NOTFOUND	= 3,	/* e.g. unknown cgroup */
};

#endif /* MEMQOS_EXIT_STATUS_H */
