// SPDX-License-Identifier: GPL-2.0
/*
 * Pod, QoS class, container and unit of a cgroup path, see cgident.h.
 */
#include <stddef.h>
#include <string.h>

#include "cgident.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct comp {
	const char *s;
	size_t len;
};

static bool comp_is(const struct comp *c, const char *word)
{
	return c->len == strlen(word) && !memcmp(c->s, word, c->len);
}

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

/* "burstable" of "burstable" or "kubepods-burstable.slice", else NULL. */
static const char *qos_of(struct comp c)
{
	static const char *const classes[] = { "burstable", "besteffort" };
	size_t i;

	if (has_prefix(&c, "kubepods-") && cut_suffix(&c, ".slice")) {
		c.s += 9;
		c.len -= 9;
	}
	for (i = 0; i < ARRAY_SIZE(classes); i++)
		if (comp_is(&c, classes[i]))
			return classes[i];
	return NULL;
}

/*
 * The pod UID of "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid>.slice"
 * (systemd, which cannot have dashes in a name's parts: '_' stands for
 * them).
 */
static bool pod_of(struct comp c, struct mq_cg_ident *id)
{
	const char *dash;

	if (has_prefix(&c, "kubepods-") && cut_suffix(&c, ".slice")) {
		dash = memrchr(c.s, '-', c.len);
		c.len -= dash + 1 - c.s;
		c.s = dash + 1;
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

void mq_cg_ident_parse(const char *path, struct mq_cg_ident *id)
{
	enum { OUTSIDE, PODS, POD, CONTAINER } where = OUTSIDE;
	const char *qos = NULL;
	struct comp c, unit = { NULL, 0 };
	const char *p = path;

	memset(id, 0, sizeof(*id));
	id->qos_class = "";
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		c.s = p;
		c.len = strcspn(p, "/");
		p += c.len;

		switch (where) {
		case OUTSIDE:
			if (comp_is(&c, "kubepods") ||
			    comp_is(&c, "kubepods.slice"))
				where = PODS;
			else if (container_of(c, id))
				where = CONTAINER;
			else if (is_unit(c))
				unit = c;
			break;
		case PODS:
			if (!qos && (qos = qos_of(c)))
				break;
			if (pod_of(c, id)) {
				id->qos_class = qos ?: "guaranteed";
				where = POD;
			}
			break;
		case POD:
			/* systemd driver: a runtime scope; cgroupfs: the ID */
			if (container_of(c, id) ||
			    (all_of(c.s, c.len, "") &&
			     copy_id(id->container_id,
				     sizeof(id->container_id), c.s, c.len)))
				where = CONTAINER;
			break;
		case CONTAINER:
			break;
		}
	}
	if (where == OUTSIDE && unit.s && unit.len < sizeof(id->unit)) {
		memcpy(id->unit, unit.s, unit.len);
		id->unit[unit.len] = '\0';
	}
}
