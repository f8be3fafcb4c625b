// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: one pass. The walk of cgroupfs and the classification,
 * then measure, size, squeeze, cover and apply, and what it decided to
 * the exporter.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon_priv.h"

static int add_cg(const struct mq_cgfs_node *n, void *data)
{
	struct daemon *d = data;
	int depth = n->depth;
	struct dcg *c;

	if (depth >= MAX_DEPTH)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dcg *n = realloc(d->cg, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->cg = n;
		d->cap = cap;
	}
	c = &d->cg[d->n];
	memset(c, 0, sizeof(*c));
	c->rel = strdup(n->rel);
	if (!c->rel)
		return -ENOMEM;
	c->id = n->st.st_ino;
	c->root_depth = n->root_depth;
	c->parent = depth ? d->depth_idx[depth - 1] : -1;
	d->depth_idx[depth] = (int)d->n;
	d->n++;
	return 0;
}

void daemon_free_pass(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->cg[i].rel);
	d->n = 0;
	mq_cg_list_free(&d->list);
}

/*
 * The trusted sources' tier, and what the owner's tag asks, which an
 * admin hears about once per cgroup when it is ignored: an upgrade from
 * owners' tags that raised tiers changes protection.
 */
static void note_owner_tag(struct daemon *d, struct dcg *c, const char *tag)
{
	char text[CFG_NAME_LEN + 192];
	struct note *nt = NULL;
	size_t i;

	for (i = 0; i < d->n_notes; i++)
		if (d->notes[i].id == c->id)
			nt = &d->notes[i];
	if (!nt && d->n_notes < MAX_NOTES) {
		nt = &d->notes[d->n_notes++];
		nt->id = c->id;
		nt->verdict = OWNER_UNSET;
	}
	if (!nt)
		return;
	nt->seen = d->pass_no;
	if (nt->verdict == c->tr.owner)
		return;
	nt->verdict = c->tr.owner;
	if (c->tr.owner != OWNER_RAISE && c->tr.owner != OWNER_UNKNOWN)
		return;
	mq_classify_owner_text(&d->cfg, &c->tr, tag, text, sizeof(text));
	dlog(d, LOG_WARNING, "%s: %s; root's tag is %s ('memqos tier set')",
	     c->rel, text, d->cfg.tier_xattr);
}

static void classify_all(struct daemon *d)
{
	char tag[CFG_NAME_LEN + 1], owner[CFG_NAME_LEN + 1];
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct dcg *c = &d->cg[i];
		struct mq_classify_in in = { c->rel, NULL, NULL,
					     c->root_depth };
		int fd;

		if (!i) {
			/* the root is never managed */
			in.tag = "none";
			mq_classify(&d->cfg, &in, &c->tr);
			continue;
		}
		/* the tags of the cgroup walked, not of one made since */
		fd = mq_cgfs_cg_open(&d->fs, c->rel, c->id);
		in.tag = mq_cgfs_read_tag(fd, d->cfg.tier_xattr, tag,
					  sizeof(tag));
		in.owner_tag = mq_cgfs_read_tag(fd, d->cfg.owner_tier_xattr,
						owner, sizeof(owner));
		if (fd >= 0)
			close(fd);
		mq_classify(&d->cfg, &in, &c->tr);
		if (in.owner_tag)
			note_owner_tag(d, c, in.owner_tag);
	}
	/* forget the notes of cgroups gone or untagged */
	for (i = 0; i < d->n_notes; ) {
		if (d->notes[i].seen != d->pass_no)
			d->notes[i] = d->notes[--d->n_notes];
		else
			i++;
	}
}

int daemon_pass(struct daemon *d)
{
	uint64_t now = daemon_now_ms(), start = daemon_now_us();
	size_t i;
	int err;

	d->pass_no++;
	d->changes = d->failures = 0;
	d->react = false;
	daemon_free_pass(d);
	err = mq_cgfs_walk(&d->fs, add_cg, d);
	if (err) {
		dlog(d, LOG_ERR, "walking %s: %s", d->fs.root, strerror(-err));
		return err;
	}
	d->swap = daemon_swap_available();
	daemon_note_lru(d);
	classify_all(d);
	daemon_module_rejoin(d);
	daemon_read_levels(d);
	daemon_observe_mark(d);
	daemon_measure(d, now);
	daemon_size_protection(d);
	daemon_squeeze(d, now);
	daemon_observe_plan(d);
	daemon_hold_yielded(d);
	daemon_cover(d);
	daemon_rt_prune(d);

	for (i = 1; i < d->n; i++)
		daemon_apply(d, &d->cg[i]);
	daemon_restore_unmanaged(d);
	if (d->state_dirty && !d->o->dry_run)
		daemon_save_state(d);
	daemon_publish(d, start);
	if (d->o->verbose || d->o->dry_run || d->o->once)
		dlog(d, LOG_DEBUG,
		     "pass %u: %zu cgroups, %u changes, %u failures%s%s",
		     d->pass_no, d->n, d->changes, d->failures,
		     d->pressure ? ", protected cgroups stall" : "",
		     d->squeezing ? ", squeezing batch" : "");
	return 0;
}
