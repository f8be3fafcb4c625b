/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who a cgroup belongs to, read from its path alone: the Kubernetes pod
 * and QoS class, the container, the systemd unit. The exporter labels its
 * series with these so that a dashboard can join them with kube-state-
 * metrics and cAdvisor without a lookup. Pure string work, unit tested.
 *
 *   kubepods.slice/kubepods-burstable.slice/
 *     kubepods-burstable-pod<uid, _ for ->.slice/cri-containerd-<id>.scope
 *   kubepods/burstable/pod<uid>/<id>                  (cgroupfs driver)
 *   kubepods.slice/kubepods-pod<uid>.slice/...         (guaranteed: no
 *   kubepods/pod<uid>/<id>                              QoS level)
 *   machine.slice/libpod-<id>.scope, system.slice/docker-<id>.scope,
 *   crio-<id>.scope, cri-containerd-<id>.scope        container_id
 *   system.slice/foo.service                          unit
 */
#ifndef MEMQOS_CGIDENT_H
#define MEMQOS_CGIDENT_H

#include <stdbool.h>

/* a pod UID is 36 characters, a container ID 64 hex digits */
#define CGIDENT_UID_LEN		40
#define CGIDENT_ID_LEN		80
#define CGIDENT_UNIT_LEN	256

/* Each member "" when the path does not say. */
struct mq_cg_ident {
	char pod_uid[CGIDENT_UID_LEN];	/* with dashes, as in the API */
	const char *qos_class;		/* "Guaranteed", as in the API */
	char container_id[CGIDENT_ID_LEN];
	char unit[CGIDENT_UNIT_LEN];	/* outside pods and containers */
};

/*
 * Fill @id from cgroup path @path ("/..." or relative to the root). Pods
 * are what mq_classify_kube_depth() finds, the daemon's tiers and these
 * labels agree; qos_class is the API's name (kube-state-metrics'
 * kube_pod_status_qos_class has the same). A UID must be of letters,
 * digits and dashes, a container ID of letters and digits: anything else
 * leaves the label empty rather than guess. The unit is the last
 * component with a systemd unit suffix (.service, .scope, .slice,
 * .socket, .mount, .swap) of a cgroup in neither a pod nor a container.
 */
void mq_cg_ident_parse(const char *path, struct mq_cg_ident *id);

#endif /* MEMQOS_CGIDENT_H */
