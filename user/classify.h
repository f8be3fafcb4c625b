/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which QoS tier a cgroup is in, and why. In this order:
 *   1. the user.memqos.tier xattr on its cgroupfs directory (set by
 *      memqos-oci-hook or 'memqos tier set'); "none" opts out;
 *   2. the Kubernetes QoS class of the pod it belongs to, read from the
 *      kubepods hierarchy the kubelet lays out (systemd and cgroupfs
 *      drivers; Guaranteed pods sit directly under kubepods);
 *   3. the first [classify] rule whose glob matches its path (fnmatch);
 *   4. the configured default.
 * Pure: the caller reads the xattr. Unit tested.
 */
#ifndef MEMQOS_CLASSIFY_H
#define MEMQOS_CLASSIFY_H

#include "daemon_config.h"

enum kube_qos {
	KUBE_NONE = -1,
	KUBE_GUARANTEED = 0,
	KUBE_BURSTABLE,
	KUBE_BESTEFFORT,
};

enum tier_reason {
	REASON_NONE,		/* nothing matched and no default */
	REASON_XATTR,
	REASON_KUBE,
	REASON_RULE,
	REASON_DEFAULT,
};

struct tier_result {
	int tier;		/* index in cfg->tiers, CFG_NO_TIER */
	enum tier_reason reason;
	enum kube_qos qos;	/* REASON_KUBE */
	int rule;		/* REASON_RULE: index in cfg->rules */
	/* the xattr named no known tier and was ignored */
	bool bad_xattr;
};

/*
 * The QoS class of @path (from the cgroup2 root) if it is a pod's cgroup
 * or inside one:
 *   /kubepods.slice/kubepods-pod<uid>.slice/...                Guaranteed
 *   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/...
 *   /kubepods/pod<uid>/...                                      Guaranteed
 *   /kubepods/besteffort/pod<uid>/<container id>               BestEffort
 * The kubepods component may sit deeper (a kubelet --cgroup-root, or a
 * slice named <prefix>-kubepods.slice). The QoS-level cgroups themselves
 * are no pod: KUBE_NONE.
 */
enum kube_qos classify_kube(const char *path);

/* The tier of @path whose xattr reads @xattr (NULL: none set). */
void classify(const struct daemon_cfg *cfg, const char *path,
	      const char *xattr, struct tier_result *out);

/* "xattr", "kubernetes", "rule", "default", "none" */
const char *tier_reason_name(enum tier_reason r);
/* "Guaranteed", "Burstable", "BestEffort" */
const char *kube_qos_name(enum kube_qos q);

#endif /* MEMQOS_CLASSIFY_H */
