/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * memqos: per-cgroup memory pressure accounting, generic netlink API.
 *
 * The family is described in Documentation/netlink/specs/memqos.yaml; this
 * header, the kernel policies (kmod/genl.c) and the userspace parser
 * (user/nl.c) follow it. Numbers below are ABI: append only.
 */
#ifndef _UAPI_LINUX_MEMQOS_H
#define _UAPI_LINUX_MEMQOS_H

#define MEMQOS_FAMILY_NAME	"memqos"
/* Bumped whenever commands or attributes are added. */
#define MEMQOS_FAMILY_VERSION	1

/*
 * MEMQOS_CMD_GET_VERSION
 *   request: no attributes
 *   reply:   MEMQOS_A_VERSION_MODULE, MEMQOS_A_VERSION_UAPI,
 *            MEMQOS_A_VERSION_KERNEL
 */
enum memqos_cmd {
	MEMQOS_CMD_UNSPEC,
	MEMQOS_CMD_GET_VERSION,

	__MEMQOS_CMD_MAX,
	MEMQOS_CMD_MAX = __MEMQOS_CMD_MAX - 1
};

/* Attribute set "version". */
enum memqos_a_version {
	MEMQOS_A_VERSION_UNSPEC,
	MEMQOS_A_VERSION_MODULE,	/* string: module release, "x.y.z" */
	MEMQOS_A_VERSION_UAPI,		/* u32: MEMQOS_FAMILY_VERSION built in */
	MEMQOS_A_VERSION_KERNEL,	/* string: kernel release (uname -r) */

	__MEMQOS_A_VERSION_MAX,
	MEMQOS_A_VERSION_MAX = __MEMQOS_A_VERSION_MAX - 1
};

#endif /* _UAPI_LINUX_MEMQOS_H */
