// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup id -> path cache, see idpath.h. Linear: a node has hundreds of
 * cgroups, and events are rare.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/memqos.h>

#include "idpath.h"

static struct mq_idpath_entry *find(struct mq_idpath_cache *c, uint64_t id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->entries[i].id == id)
			return &c->entries[i];
	return NULL;
}

static struct mq_idpath_entry *add(struct mq_idpath_cache *c, uint64_t id,
				   const char *path)
{
	struct mq_idpath_entry *e;

	e = realloc(c->entries, (c->n + 1) * sizeof(*e));
	if (!e)
		return NULL;
	c->entries = e;
	e = &c->entries[c->n];
	e->id = id;
	e->path = path ? strdup(path) : NULL;
	/* without memory, no entry: the next event asks again */
	if (path && !e->path)
		return NULL;
	c->n++;
	return e;
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	return mq_cg_rec_decode(nlh, data) ? MNL_CB_ERROR : MNL_CB_STOP;
}

const char *mq_idpath_get(struct mq_nl **nlp, struct mq_idpath_cache *c,
			  uint64_t id)
{
	struct mq_idpath_entry *e = find(c, id);
	struct mq_cg_rec rec = { };
	struct mq_nl *nl;
	struct nlmsghdr *nlh;

	if (e)
		return e->path;
	if (mq_nl_ready(nlp, MEMQOS_CMD_CGROUP_GET))
		return NULL;
	nl = *nlp;
	nlh = mq_nl_msg_prepare(nl, MEMQOS_CMD_CGROUP_GET, 0);
	mnl_attr_put_u64(nlh, MEMQOS_A_CGROUP_ID, id);
	/* any failure (gone, not visible, no memory controller): no path */
	if (mq_nl_request(nl, nlh, get_cb, &rec))
		mq_cg_rec_free(&rec);
	e = add(c, id, rec.path);
	mq_cg_rec_free(&rec);
	return e ? e->path : NULL;
}

void mq_idpath_drop(struct mq_idpath_cache *c, uint64_t id)
{
	struct mq_idpath_entry *e = find(c, id);

	if (!e)
		return;
	free(e->path);
	*e = c->entries[--c->n];
}

void mq_idpath_fill(struct mq_idpath_cache *c, const struct mq_cg_list *list)
{
	size_t i;

	mq_idpath_free(c);
	for (i = 0; i < list->n; i++)
		add(c, list->recs[i].id, list->recs[i].path);
}

void mq_idpath_free(struct mq_idpath_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->entries[i].path);
	free(c->entries);
	memset(c, 0, sizeof(*c));
}
