// SPDX-License-Identifier: GPL-2.0
/*
 * Pod, QoS class, container and unit of a cgroup path, see cgident.h.
 */
#include <stddef.h>
#include <string.h>

#include "cgident.h"
#include "classify.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct comp {
	const char *s;
	size_t len;
};

static bool has_prefix(const struct comp *c, const char *prefix)
{
	size_t n = strlen(prefix);

	return c->len >= n && !memcmp(c->s, prefix, n);
}

/* @c less @suffix if it ends so; false (and @c kept) if not. */
static bool cut_suffix(struct comp *c, const char *suffix)
{
	size_t n = strlen(suffix);

	if (c->len < n || memcmp(c->s + c->len - n, suffix, n))
		return false;
	c->len -= n;
	return true;
}

static bool all_of(const char *s, size_t len, const char *set_extra)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!(ch >= '0' && ch <= '9') && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= 'A' && ch <= 'Z') && !strchr(set_extra, ch))
			return false;
	}
	return true;
}

/* Copy @len bytes of @s into @dst of @size, '_' as '-'; false if too long */
static bool copy_id(char *dst, size_t size, const char *s, size_t len)
{
	size_t i;

	if (len >= size)
		return false;
	for (i = 0; i < len; i++)
		dst[i] = s[i] == '_' ? '-' : s[i];
	dst[len] = '\0';
	return true;
}

/*
 * The UID of the pod's cgroup @c, found by mq_classify_kube_depth() (the
 * daemon's reading of the same paths): "pod<uid>" (cgroupfs) or
 * "<prefix>-pod<uid>.slice" (systemd, which cannot have dashes in a
 * name's parts: '_' stands for them).
 */
static bool pod_uid_of(struct comp c, struct mq_cg_ident *id)
{
	const char *dash;

	if (cut_suffix(&c, ".slice")) {
		dash = memrchr(c.s, '-', c.len);
		if (dash) {
			c.len -= dash + 1 - c.s;
			c.s = dash + 1;
		}
	}
	if (!has_prefix(&c, "pod"))
		return false;
	c.s += 3;
	c.len -= 3;
	if (!all_of(c.s, c.len, "-_"))
		return false;
	return copy_id(id->pod_uid, sizeof(id->pod_uid), c.s, c.len);
}

/*
 * The ID of a container runtime's scope: "<runtime>-<id>[.scope]". The
 * conmon scopes of podman and CRI-O ("libpod-conmon-<id>.scope") are not
 * the container: the dash in "conmon-<id>" fails the ID check.
 */
static bool container_of(struct comp c, struct mq_cg_ident *id)
{
	static const char *const runtimes[] = {
		"cri-containerd-", "crio-", "docker-", "libpod-",
	};
	size_t i, n;

	cut_suffix(&c, ".scope");
	for (i = 0; i < ARRAY_SIZE(runtimes); i++) {
		if (!has_prefix(&c, runtimes[i]))
			continue;
		n = strlen(runtimes[i]);
		if (!all_of(c.s + n, c.len - n, ""))
			return false;
		return copy_id(id->container_id, sizeof(id->container_id),
			       c.s + n, c.len - n);
	}
	return false;
}

static bool is_unit(struct comp c)
{
	static const char *const suffixes[] = {
		".service", ".scope", ".slice", ".socket", ".mount", ".swap",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (cut_suffix(&c, suffixes[i]))
			return c.len > 0;
	return false;
}

/* The next component of *@p into @c; false at the end. */
static bool next_comp(const char **p, struct comp *c)
{
	*p += strspn(*p, "/");
	if (!**p)
		return false;
	c->s = *p;
	c->len = strcspn(*p, "/");
	*p += c->len;
	return true;
}

void mq_cg_ident_parse(const char *path, struct mq_cg_ident *id)
{
	struct comp c, unit = { NULL, 0 };
	enum mq_kube_qos qos;
	const char *p = path;
	int k, pod_depth;

	memset(id, 0, sizeof(*id));
	id->qos_class = "";
	qos = mq_classify_kube_depth(path, &pod_depth);
	for (k = 1; next_comp(&p, &c); k++) {
		if (qos != KUBE_NONE) {
			if (k == pod_depth) {
				id->qos_class = mq_kube_qos_name(qos);
				pod_uid_of(c, id);
			} else if (k == pod_depth + 1) {
				/* a runtime's scope, or cgroupfs' bare ID */
				if (container_of(c, id) ||
				    !all_of(c.s, c.len, ""))
					continue;
				copy_id(id->container_id,
					sizeof(id->container_id), c.s, c.len);
			}
			continue;
		}
		/* the outermost scope is the container, not what it nests */
		if (container_of(c, id))
			return;
		if (is_unit(c))
			unit = c;
	}
	if (qos == KUBE_NONE && unit.s && unit.len < sizeof(id->unit)) {
		memcpy(id->unit, unit.s, unit.len);
		id->unit[unit.len] = '\0';
	}
}
