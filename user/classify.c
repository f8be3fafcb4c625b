// SPDX-License-Identifier: GPL-2.0
/*
 * Tier resolution, see classify.h.
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

/* The kubelet's systemd driver: slices named after their parents. */
static enum kube_qos systemd_layout(const char *path, int k, const char *kp)
{
	char prefix[COMP_MAX + 16], n[COMP_MAX], pod[COMP_MAX];
	static const struct {
		const char *name;
		enum kube_qos qos;
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
		if (component(path, k + 2, pod) &&
		    is_pod(pod, podpfx, ".slice"))
			return classes[i].qos;
		return KUBE_NONE;
	}
	return KUBE_NONE;
}

/* The cgroupfs driver: /kubepods/[burstable|besteffort/]pod<uid>/<id> */
static enum kube_qos cgroupfs_layout(const char *path, int k)
{
	char n[COMP_MAX], pod[COMP_MAX];
	enum kube_qos qos;

	if (!component(path, k + 1, n))
		return KUBE_NONE;
	if (is_pod(n, "", ""))
		return KUBE_GUARANTEED;
	if (!strcmp(n, "burstable"))
		qos = KUBE_BURSTABLE;
	else if (!strcmp(n, "besteffort"))
		qos = KUBE_BESTEFFORT;
	else
		return KUBE_NONE;
	if (component(path, k + 2, pod) && is_pod(pod, "", ""))
		return qos;
	return KUBE_NONE;
}

enum kube_qos classify_kube(const char *path)
{
	char c[COMP_MAX];
	int k;

	for (k = 0; component(path, k, c); k++) {
		if (!strcmp(c, "kubepods"))
			return cgroupfs_layout(path, k);
		if (!strcmp(c, "kubepods.slice") ||
		    has_suffix(c, "-kubepods.slice"))
			return systemd_layout(path, k, c);
	}
	return KUBE_NONE;
}

void classify(const struct daemon_cfg *cfg, const char *path,
	      const char *xattr, struct tier_result *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->tier = CFG_NO_TIER;
	out->qos = KUBE_NONE;
	out->rule = -1;

	if (xattr) {
		if (!strcmp(xattr, "none")) {
			out->reason = REASON_XATTR;
			return;
		}
		out->tier = daemon_cfg_tier(cfg, xattr);
		if (out->tier != CFG_NO_TIER) {
			out->reason = REASON_XATTR;
			return;
		}
		/* a typo must not opt a cgroup out of its other sources */
		out->bad_xattr = true;
	}
	if (cfg->kubernetes) {
		out->qos = classify_kube(path);
		if (out->qos != KUBE_NONE) {
			out->tier = cfg->kube_tier[out->qos];
			out->reason = REASON_KUBE;
			return;
		}
	}
	for (i = 0; i < cfg->n_rules; i++) {
		if (!fnmatch(cfg->rules[i].glob, path, FNM_PATHNAME)) {
			out->tier = cfg->rules[i].tier;
			out->reason = REASON_RULE;
			out->rule = (int)i;
			return;
		}
	}
	out->tier = cfg->default_tier;
	out->reason = out->tier == CFG_NO_TIER ? REASON_NONE : REASON_DEFAULT;
}

const char *tier_reason_name(enum tier_reason r)
{
	static const char *const names[] = {
		[REASON_NONE] = "none",
		[REASON_XATTR] = "xattr",
		[REASON_KUBE] = "kubernetes",
		[REASON_RULE] = "rule",
		[REASON_DEFAULT] = "default",
	};

	return r <= REASON_DEFAULT ? names[r] : "?";
}

const char *kube_qos_name(enum kube_qos q)
{
	static const char *const names[] = {
		[KUBE_GUARANTEED] = "Guaranteed",
		[KUBE_BURSTABLE] = "Burstable",
		[KUBE_BESTEFFORT] = "BestEffort",
	};

	return q >= KUBE_GUARANTEED && q <= KUBE_BESTEFFORT ? names[q] : "-";
}
