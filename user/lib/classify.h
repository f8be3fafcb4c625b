/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which QoS tier a cgroup is in, and why.
 *
 * The tier is what trusted sources grant, first match wins:
 *   1. root's tag: the trusted.memqos.tier xattr on its cgroupfs
 *      directory (only CAP_SYS_ADMIN can set trusted.* xattrs; set by
 *      'memqos tier set' and memqos-oci-hook); "none" opts out;
 *   2. the Kubernetes QoS class of the pod it belongs to, read from the
 *      kubepods hierarchy the kubelet lays out (systemd and cgroupfs
 *      drivers; Guaranteed pods sit directly under kubepods), if root
 *      owns every cgroup down to the pod's: a tenant can name the
 *      cgroups of its delegated subtree "kubepods/pod1" too;
 *   3. the first [mq_classify] rule whose glob matches its path (fnmatch);
 *   4. the configured default.
 * The owner of a cgroup (whoever may write its directory: a tenant of a
 * delegated subtree) may set the user.memqos.tier xattr. That tag only
 * lowers the tier granted, never raises it (mq_tier_at_most()): critical
 * (memory.min) > standard (memory.low) > none (never touched) > batch
 * (squeezed), by what the tier's action does.
 *
 * Pure: the caller reads the xattrs and the owners. Unit tested.
 */
#ifndef MEMQOS_CLASSIFY_H
#define MEMQOS_CLASSIFY_H

#include "daemon_config.h"

enum mq_kube_qos {
	KUBE_NONE = -1,
	KUBE_GUARANTEED = 0,
	KUBE_BURSTABLE,
	KUBE_BESTEFFORT,
};

enum mq_tier_reason {
	REASON_NONE,		/* nothing matched and no default */
	REASON_XATTR,		/* root's tag */
	REASON_KUBE,
	REASON_RULE,
	REASON_DEFAULT,
	REASON_OWNER,		/* the owner's tag lowered it */
};

/* What became of the owner's tag. */
enum mq_owner_verdict {
	OWNER_UNSET,		/* none set (or owner tags are off) */
	OWNER_LOWERED,		/* it lowered the tier granted */
	OWNER_SAME,		/* it asked for the tier granted */
	OWNER_RAISE,		/* it asked for more: ignored */
	OWNER_UNKNOWN,		/* it names no tier: ignored */
};

struct mq_classify_in {
	const char *path;	/* from the cgroup2 root */
	const char *tag;	/* root's tag, NULL if unset */
	const char *owner_tag;	/* the owner's tag, NULL if unset */
	/*
	 * How many components of @path, from the first, are cgroups root
	 * owns (cgfs_node): below them begins a subtree someone else may
	 * write. -1: all.
	 */
	int root_depth;
};

struct mq_tier_result {
	int tier;		/* index in cfg->tiers, CFG_NO_TIER */
	enum mq_tier_reason reason;	/* of @tier */
	/* what the trusted sources grant */
	int granted;
	enum mq_tier_reason granted_reason;
	enum mq_kube_qos qos;	/* REASON_KUBE */
	int rule;		/* REASON_RULE: index in cfg->rules */
	/* root's tag named no known tier and was ignored */
	bool bad_xattr;
	enum mq_owner_verdict owner;
	int owner_tier;		/* asked for: OWNER_LOWERED, _SAME, _RAISE */
	/* a pod's path in a subtree root does not own: not trusted */
	enum mq_kube_qos untrusted_qos;
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
enum mq_kube_qos mq_classify_kube(const char *path);
/* The same, with how many components lead down to the pod's cgroup. */
enum mq_kube_qos mq_classify_kube_depth(const char *path, int *pod_depth);

/*
 * Whether @path is the kubelet's kubepods cgroup, where its pods begin:
 * /kubepods (cgroupfs driver), /kubepods.slice or /<prefix>-kubepods.slice
 * (systemd driver), at any depth.
 */
bool mq_classify_kubepods(const char *path);

/*
 * Whether tier @want gives a cgroup no more than tier @granted: the same
 * tier, or one whose action ranks lower (min > low > no tier > squeeze).
 * Tiers of the same action are not ranked: their sizes differ.
 */
bool mq_tier_at_most(const struct mq_daemon_cfg *cfg, int want, int granted);

void mq_classify(const struct mq_daemon_cfg *cfg,
		 const struct mq_classify_in *in, struct mq_tier_result *out);

/*
 * One line on why the owner's tag @tag was ignored (OWNER_RAISE,
 * OWNER_UNKNOWN) or what it did, into @buf; "" for OWNER_UNSET.
 */
void mq_classify_owner_text(const struct mq_daemon_cfg *cfg,
			    const struct mq_tier_result *r, const char *tag,
			    char *buf, size_t len);

/*
 * Where @r's tier comes from, into @buf: "xattr trusted.memqos.tier",
 * "kubernetes Guaranteed", "rule GLOB", "default", "none", or "owner
 * user.memqos.tier, below standard of rule GLOB" where the owner lowered
 * it. @len: CFG_GLOB_LEN + 128 holds any.
 */
void mq_classify_source_text(const struct mq_daemon_cfg *cfg,
			     const struct mq_tier_result *r, char *buf,
			     size_t len);

/* "xattr", "kubernetes", "rule", "default", "none", "owner" */
const char *mq_tier_reason_name(enum mq_tier_reason r);
/* A tier's name, "none" for CFG_NO_TIER. */
const char *mq_tier_name(const struct mq_daemon_cfg *cfg, int tier);
/* "Guaranteed", "Burstable", "BestEffort" */
const char *mq_kube_qos_name(enum mq_kube_qos q);

#endif /* MEMQOS_CLASSIFY_H */
