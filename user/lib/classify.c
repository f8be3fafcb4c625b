// SPDX-License-Identifier: GPL-2.0
/*
 * Tier resolution, see mq_classify.h.
 */
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"

#define COMP_MAX	256

/* Copy path component @i (0 is the first after the root) into @buf. */
static bool component(const char *path, int i, char *buf)
{
	const char *s = path, *end;
	size_t len;

	for (;;) {
		s += strspn(s, "/");
		if (!*s)
			return false;
		end = strchrnul(s, '/');
		if (!i--)
			break;
		s = end;
	}
	len = end - s;
	if (len >= COMP_MAX)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* "<prefix>pod<uid><suffix>" with a non-empty uid. */
static bool is_pod(const char *c, const char *prefix, const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix), n = strlen(c);

	return n > p + 3 + s && !strncmp(c, prefix, p) &&
	       !strncmp(c + p, "pod", 3) && has_suffix(c, suffix);
}

/*
 * The kubelet's systemd driver: slices named after their parents. The
 * pod is component @k + *@pod of @path.
 */
static enum mq_kube_qos systemd_layout(const char *path, int k, const char *kp,
				       int *pod)
{
	char prefix[COMP_MAX + 16], n[COMP_MAX], name[COMP_MAX];
	static const struct {
		const char *name;
		enum mq_kube_qos qos;
	} classes[] = {
		{ "burstable", KUBE_BURSTABLE },
		{ "besteffort", KUBE_BESTEFFORT },
	};
	size_t i;

	/* "kubepods.slice" -> "kubepods-" */
	snprintf(prefix, sizeof(prefix), "%.*s-",
		 (int)(strlen(kp) - strlen(".slice")), kp);
	if (!component(path, k + 1, n))
		return KUBE_NONE;
	*pod = 1;
	if (is_pod(n, prefix, ".slice"))
		return KUBE_GUARANTEED;
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		char qos[COMP_MAX + 32], podpfx[COMP_MAX + 32];

		snprintf(qos, sizeof(qos), "%s%s.slice", prefix,
			 classes[i].name);
		if (strcmp(n, qos))
			continue;
		snprintf(podpfx, sizeof(podpfx), "%s%s-", prefix,
			 classes[i].name);
		*pod = 2;
		if (component(path, k + 2, name) &&
		    is_pod(name, podpfx, ".slice"))
			return classes[i].qos;
		return KUBE_NONE;
	}
	return KUBE_NONE;
}

/* The cgroupfs driver: /kubepods/[burstable|besteffort/]pod<uid>/<id> */
static enum mq_kube_qos cgroupfs_layout(const char *path, int k, int *pod)
{
	char n[COMP_MAX], name[COMP_MAX];
	enum mq_kube_qos qos;

	if (!component(path, k + 1, n))
		return KUBE_NONE;
	*pod = 1;
	if (is_pod(n, "", ""))
		return KUBE_GUARANTEED;
	if (!strcmp(n, "burstable"))
		qos = KUBE_BURSTABLE;
	else if (!strcmp(n, "besteffort"))
		qos = KUBE_BESTEFFORT;
	else
		return KUBE_NONE;
	*pod = 2;
	if (component(path, k + 2, name) && is_pod(name, "", ""))
		return qos;
	return KUBE_NONE;
}

enum mq_kube_qos mq_classify_kube_depth(const char *path, int *pod_depth)
{
	enum mq_kube_qos qos = KUBE_NONE;
	char c[COMP_MAX];
	int k, pod = 0;

	for (k = 0; component(path, k, c); k++) {
		if (!strcmp(c, "kubepods")) {
			qos = cgroupfs_layout(path, k, &pod);
			break;
		}
		if (!strcmp(c, "kubepods.slice") ||
		    has_suffix(c, "-kubepods.slice")) {
			qos = systemd_layout(path, k, c, &pod);
			break;
		}
	}
	/* components 0..k + pod lead to the pod's cgroup */
	*pod_depth = qos == KUBE_NONE ? 0 : k + pod + 1;
	return qos;
}

bool mq_classify_kubepods(const char *path)
{
	const char *name = strrchr(path, '/');

	name = name ? name + 1 : path;
	return !strcmp(name, "kubepods") || !strcmp(name, "kubepods.slice") ||
	       has_suffix(name, "-kubepods.slice");
}

enum mq_kube_qos mq_classify_kube(const char *path)
{
	int depth;

	return mq_classify_kube_depth(path, &depth);
}

/* What a tier gives its cgroups: min > low > nothing > squeezed. */
static int tier_rank(const struct mq_daemon_cfg *cfg, int tier)
{
	static const int rank[] = {
		[TIER_MIN] = 3,
		[TIER_LOW] = 2,
		[TIER_SQUEEZE] = 0,
	};

	if (tier == CFG_NO_TIER)
		return 1;
	return rank[cfg->tiers[tier].action];
}

bool mq_tier_at_most(const struct mq_daemon_cfg *cfg, int want, int granted)
{
	return want == granted ||
	       tier_rank(cfg, want) < tier_rank(cfg, granted);
}

/* What the trusted sources grant. */
static void granted(const struct mq_daemon_cfg *cfg,
		    const struct mq_classify_in *in, struct mq_tier_result *out)
{
	int depth;
	size_t i;

	if (in->tag) {
		if (!strcmp(in->tag, "none")) {
			out->granted_reason = REASON_XATTR;
			return;
		}
		out->granted = mq_daemon_cfg_tier(cfg, in->tag);
		if (out->granted != CFG_NO_TIER) {
			out->granted_reason = REASON_XATTR;
			return;
		}
		/* a typo must not opt a cgroup out of its other sources */
		out->bad_xattr = true;
	}
	if (cfg->kubernetes) {
		enum mq_kube_qos qos = mq_classify_kube_depth(in->path, &depth);

		if (qos != KUBE_NONE && in->root_depth >= 0 &&
		    depth > in->root_depth) {
			out->untrusted_qos = qos;
		} else if (qos != KUBE_NONE) {
			out->qos = qos;
			out->granted = cfg->kube_tier[qos];
			out->granted_reason = REASON_KUBE;
			return;
		}
	}
	for (i = 0; i < cfg->n_rules; i++) {
		if (!fnmatch(cfg->rules[i].glob, in->path, FNM_PATHNAME)) {
			out->granted = cfg->rules[i].tier;
			out->granted_reason = REASON_RULE;
			out->rule = (int)i;
			return;
		}
	}
	out->granted = cfg->default_tier;
	out->granted_reason = out->granted == CFG_NO_TIER ? REASON_NONE :
			      REASON_DEFAULT;
}

void mq_classify(const struct mq_daemon_cfg *cfg,
		 const struct mq_classify_in *in, struct mq_tier_result *out)
{
	int want;

	memset(out, 0, sizeof(*out));
	out->granted = CFG_NO_TIER;
	out->qos = KUBE_NONE;
	out->untrusted_qos = KUBE_NONE;
	out->rule = -1;
	out->owner_tier = CFG_NO_TIER;
	granted(cfg, in, out);
	out->tier = out->granted;
	out->reason = out->granted_reason;
	if (!in->owner_tag)
		return;
	want = mq_daemon_cfg_tier(cfg, in->owner_tag);
	if (want == CFG_NO_TIER && strcmp(in->owner_tag, "none")) {
		out->owner = OWNER_UNKNOWN;
		return;
	}
	out->owner_tier = want;
	if (want == out->granted) {
		out->owner = OWNER_SAME;
	} else if (mq_tier_at_most(cfg, want, out->granted)) {
		out->owner = OWNER_LOWERED;
		out->tier = want;
		out->reason = REASON_OWNER;
	} else {
		out->owner = OWNER_RAISE;
	}
}

const char *mq_tier_name(const struct mq_daemon_cfg *cfg, int tier)
{
	return tier == CFG_NO_TIER ? "none" : cfg->tiers[tier].name;
}

void mq_classify_owner_text(const struct mq_daemon_cfg *cfg,
			    const struct mq_tier_result *r, const char *tag,
			    char *buf, size_t len)
{
	const char *name = cfg->owner_tier_xattr;
	const char *granted = mq_tier_name(cfg, r->granted);

	switch (r->owner) {
	case OWNER_UNSET:
		snprintf(buf, len, "%s", "");
		break;
	case OWNER_LOWERED:
		snprintf(buf, len, "%s \"%s\" lowered it from %s", name, tag,
			 granted);
		break;
	case OWNER_SAME:
		snprintf(buf, len, "%s \"%s\" asks for the tier granted",
			 name, tag);
		break;
	case OWNER_RAISE:
		snprintf(buf, len,
			 "%s \"%s\" ignored: a cgroup's owner may lower its tier (%s), never raise it",
			 name, tag, granted);
		break;
	case OWNER_UNKNOWN:
		snprintf(buf, len, "%s \"%s\" ignored: no such tier", name,
			 tag);
		break;
	}
}

/* The source of the tier granted. */
static void granted_text(const struct mq_daemon_cfg *cfg,
			 const struct mq_tier_result *r, char *buf, size_t len)
{
	switch (r->granted_reason) {
	case REASON_XATTR:
		snprintf(buf, len, "xattr %s", cfg->tier_xattr);
		break;
	case REASON_KUBE:
		snprintf(buf, len, "kubernetes %s", mq_kube_qos_name(r->qos));
		break;
	case REASON_RULE:
		snprintf(buf, len, "rule %s", cfg->rules[r->rule].glob);
		break;
	default:
		snprintf(buf, len, "%s", mq_tier_reason_name(r->granted_reason));
	}
}

void mq_classify_source_text(const struct mq_daemon_cfg *cfg,
			     const struct mq_tier_result *r, char *buf,
			     size_t len)
{
	char granted[CFG_GLOB_LEN + 32];

	granted_text(cfg, r, granted, sizeof(granted));
	if (r->reason == REASON_OWNER)
		snprintf(buf, len, "owner %s, below %s of %s",
			 cfg->owner_tier_xattr,
			 mq_tier_name(cfg, r->granted), granted);
	else
		snprintf(buf, len, "%s", granted);
}

const char *mq_tier_reason_name(enum mq_tier_reason r)
{
	static const char *const names[] = {
		[REASON_NONE] = "none",
		[REASON_XATTR] = "xattr",
		[REASON_KUBE] = "kubernetes",
		[REASON_RULE] = "rule",
		[REASON_DEFAULT] = "default",
		[REASON_OWNER] = "owner",
	};

	return r <= REASON_OWNER ? names[r] : "?";
}

const char *mq_kube_qos_name(enum mq_kube_qos q)
{
	static const char *const names[] = {
		[KUBE_GUARANTEED] = "Guaranteed",
		[KUBE_BURSTABLE] = "Burstable",
		[KUBE_BESTEFFORT] = "BestEffort",
	};

	return q >= KUBE_GUARANTEED && q <= KUBE_BESTEFFORT ? names[q] : "-";
}
