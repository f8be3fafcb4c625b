// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: apply. Write what changed, remember the originals, and
 * put them back where nothing is managed any more.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conflict.h"
#include "daemon_priv.h"
#include "units.h"

/*
 * A file of a removed cgroup: ENOENT to open by path or relative to its
 * directory still open, ENODEV to read or write once open.
 */
static bool gone(int err)
{
	return err == -ENOENT || err == -ENODEV;
}

/* A value not written, counted by file and errno for the exporter. */
static void failed(struct daemon *d, enum mq_prom_knob k, int err)
{
	d->failures++;
	d->write_failures[k][mq_prom_errno_slot(err)]++;
}

static enum mq_prom_knob knob_of(const char *file)
{
	enum cg_file f;

	for (f = 0; f < NR_FILES; f++)
		if (!strcmp(file, file_names[f]))
			return (enum mq_prom_knob)f;
	return PROM_KNOB_RECLAIM;
}

/* What @f of @c holds after this pass. */
static void holds(struct dcg *c, enum cg_file f, uint64_t v)
{
	c->has_value[f] = true;
	c->value[f] = v;
}

bool daemon_save_state(struct daemon *d)
{
	int err = state_save(&d->st, d->state_path);

	if (err) {
		dlog(d, LOG_ERR, "cannot write %s: %s", d->state_path,
		     strerror(-err));
		return false;
	}
	d->state_dirty = false;
	return true;
}

/* Forget the originals recorded for @rel, saying why. */
static void drop_entries(struct daemon *d, const char *rel, const char *why)
{
	unsigned int n = 0;
	size_t i = 0;

	while (i < d->st.n) {
		if (!strcmp(d->st.e[i].path, rel)) {
			state_del(&d->st, i);
			d->state_dirty = true;
			n++;
		} else {
			i++;
		}
	}
	if (n)
		dlog(d, LOG_INFO, "%s: %s, %u original values forgotten", rel,
		     why, n);
}

/*
 * Set file @f of @c to what the plan wants, through @dfd, its directory
 * opened and checked to be the cgroup measured: a cgroup removed and made
 * again at its path meanwhile is another, never written.
 */
static void apply_one(struct daemon *d, struct dcg *c, int dfd,
		      enum cg_file f)
{
	struct state_ent *e = state_find(&d->st, c->rel, file_names[f]);
	char cur_s[CGFS_VALUE_LEN], want_s[CGFS_VALUE_LEN];
	char prev[STATE_VALUE_LEN];
	const char *name = file_names[f];
	bool added = false;
	uint64_t cur;
	int err;

	if (e && e->id != c->id) {
		/* a new cgroup under an old name: not ours to restore */
		drop_entries(d, c->rel, "a new cgroup at this path");
		e = NULL;
	}
	if (e)
		e->mark = d->pass_no;
	err = mq_cgfs_read_at(dfd, name, cur_s, sizeof(cur_s));
	if (!err && mq_cgfs_read_u64_at(dfd, name, &cur))
		err = -EINVAL;
	if (gone(err)) {
		drop_entries(d, c->rel, "cgroup vanished");
		return;
	}
	if (err) {
		dlog(d, LOG_ERR, "read %s %s: %s", c->rel, name,
		     strerror(-err));
		failed(d, (enum mq_prom_knob)f, err);
		return;
	}
	holds(c, f, cur);
	switch (conflict_check(e, cur_s, d->page)) {
	case CONFLICT_FOREIGN:
		daemon_yield(d, e, cur_s, " since the last pass");
		return;
	case CONFLICT_YIELDED:
		return;
	case CONFLICT_UNKNOWN:
		/* a state file of version 1: what is there is ours */
		state_set_last(e, cur_s);
		d->state_dirty = true;
		break;
	case CONFLICT_NONE:
		break;
	}
	if (c->exact[f] ? cur == c->want[f] :
	    !pol_changed(cur, c->want[f], d->cfg.change_pct))
		return;
	mq_cgfs_fmt(c->want[f], want_s, sizeof(want_s));
	if (d->o->dry_run) {
		printf("would set %s %s: %s -> %s (%s)\n", c->rel, name,
		       cur_s, want_s, c->why[f]);
		d->changes++;
		holds(c, f, c->want[f]);
		return;
	}
	if (!e) {
		err = state_add(&d->st, c->id, c->rel, name, cur_s);
		if (err) {
			dlog(d, LOG_ERR, "%s %s: cannot record the original: %s",
			     c->rel, name, strerror(-err));
			failed(d, (enum mq_prom_knob)f, err);
			return;
		}
		e = &d->st.e[d->st.n - 1];
		e->mark = d->pass_no;
		state_set_last(e, cur_s);
		added = true;
	}
	/*
	 * The original and the value about to be written go to disk before
	 * the file changes: a daemon started after a crash must not take
	 * its own write for another writer's.
	 */
	strcpy(prev, e->last);
	state_set_last(e, want_s);
	if (!daemon_save_state(d)) {
		if (added)
			state_del(&d->st, d->st.n - 1);
		else
			strcpy(e->last, prev);
		dlog(d, LOG_ERR, "%s %s left at %s: its original could not be recorded",
		     c->rel, name, cur_s);
		/* the state file's error is in the log: "other" */
		failed(d, (enum mq_prom_knob)f, 0);
		return;
	}
	err = mq_cgfs_write_at(dfd, name, want_s);
	if (gone(err)) {
		drop_entries(d, c->rel, "cgroup vanished");
		return;
	}
	if (err) {
		/* the file still holds what it held */
		strcpy(e->last, prev);
		d->state_dirty = true;
		dlog(d, LOG_ERR, "write %s %s: %s -> %s: %s (%s)", c->rel, name,
		     cur_s, want_s, strerror(-err), c->why[f]);
		failed(d, (enum mq_prom_knob)f, err);
		return;
	}
	d->changes++;
	d->writes[f]++;
	holds(c, f, c->want[f]);
	dlog(d, LOG_INFO, "%s %s: %s -> %s (%s)", c->rel, name, cur_s,
	     want_s, c->why[f]);
}

static void reclaim(struct daemon *d, struct dcg *c, int dfd)
{
	char amount[CGFS_VALUE_LEN], b[UNITS_BUF_SIZE];
	int err;

	if (d->o->dry_run) {
		printf("would reclaim %s from %s (%s)\n",
		       daemon_size_str(c->reclaim, b), c->rel, c->reclaim_why);
		return;
	}
	mq_cgfs_fmt(c->reclaim, amount, sizeof(amount));
	err = mq_cgfs_write_at(dfd, "memory.reclaim", amount);
	/* EAGAIN: it could not reclaim that much, the next step lowers high */
	if (err && err != -EAGAIN && !gone(err)) {
		dlog(d, LOG_ERR, "write %s memory.reclaim: %s: %s", c->rel,
		     amount, strerror(-err));
		failed(d, PROM_KNOB_RECLAIM, err);
		return;
	}
	if (!err)
		d->writes[PROM_KNOB_RECLAIM]++;
	dlog(d, LOG_INFO, "%s memory.reclaim %s%s (%s)", c->rel,
	     daemon_size_str(c->reclaim, b), err == -EAGAIN ? ", partly" : "",
	     c->reclaim_why);
}

/* What the plan wants of @c, written only to the cgroup it measured. */
void daemon_apply(struct daemon *d, struct dcg *c)
{
	bool any = c->reclaim;
	enum cg_file f;
	int dfd;

	for (f = 0; f < NR_FILES; f++)
		any |= c->manage[f];
	if (!any)
		return;
	dfd = mq_cgfs_cg_open(&d->fs, c->rel, c->id);
	if (gone(dfd) || dfd == -ESTALE) {
		/* its originals belong to a cgroup that is gone */
		drop_entries(d, c->rel, dfd == -ESTALE ?
			     "removed and made again since it was measured" :
			     "cgroup vanished");
		/* not to be restored into the one there now */
		return;
	}
	if (dfd < 0) {
		dlog(d, LOG_ERR, "open %s: %s", c->rel, strerror(-dfd));
		/* one failure, of the first file it would have written */
		for (f = 0; f < NR_FILES && !c->manage[f]; f++)
			;
		failed(d, f < NR_FILES ? (enum mq_prom_knob)f :
		       PROM_KNOB_RECLAIM, dfd);
		return;
	}
	for (f = 0; f < NR_FILES; f++)
		if (c->manage[f])
			apply_one(d, c, dfd, f);
	if (c->reclaim)
		reclaim(d, c, dfd);
	close(dfd);
}

/*
 * Write @e's original back if its cgroup is still the one we changed and
 * the file still holds what the daemon wrote: 0 when done (or nothing is
 * left to do), 1 when the file is another writer's (kept, yielded), or
 * -errno (kept, to be tried again).
 */
int daemon_restore_entry(struct daemon *d, struct state_ent *e,
			 const char *why)
{
	char cur[CGFS_VALUE_LEN];
	int err, dfd = mq_cgfs_cg_open(&d->fs, e->path, e->id);

	if (gone(dfd) || dfd == -ESTALE) {
		dlog(d, LOG_INFO, "%s %s: %s, original %s not restored",
		     e->path, e->file, dfd == -ESTALE ?
		     "a new cgroup at this path" : "cgroup gone", e->value);
		return 0;
	}
	if (dfd < 0) {
		/* kept, to be tried again */
		dlog(d, LOG_ERR, "restore %s %s: %s", e->path, e->file,
		     strerror(-dfd));
		return dfd;
	}
	if (mq_cgfs_read_at(dfd, e->file, cur, sizeof(cur)))
		cur[0] = '\0';
	err = 0;
	if (*cur && conflict_check(e, cur, d->page) == CONFLICT_FOREIGN)
		daemon_yield(d, e, cur, " before its restore");
	if (e->yielded) {
		/* never over the other writer's value */
		err = 1;
		goto out;
	}
	if (!strcmp(cur, e->value))
		goto out;
	if (d->o->dry_run) {
		printf("would set %s %s: %s -> %s (%s)\n", e->path, e->file,
		       cur, e->value, why);
		goto out;
	}
	err = mq_cgfs_write_at(dfd, e->file, e->value);
	if (gone(err)) {
		err = 0;
		goto out;
	}
	if (err) {
		dlog(d, LOG_ERR, "restore %s %s: %s -> %s: %s", e->path,
		     e->file, cur, e->value, strerror(-err));
		goto out;
	}
	d->writes[knob_of(e->file)]++;
	dlog(d, LOG_INFO, "%s %s: %s -> %s (%s)", e->path, e->file, cur,
	     e->value, why);
out:
	close(dfd);
	return err;
}

/* Originals of the files this pass did not manage go back. */
void daemon_restore_unmanaged(struct daemon *d)
{
	size_t i = 0;
	int err;

	while (i < d->st.n) {
		struct state_ent *e = &d->st.e[i];

		if (e->mark == d->pass_no) {
			i++;
			continue;
		}
		err = daemon_restore_entry(d, e, "original, no longer managed");
		if (err) {
			/* kept: retried next pass, or yielded */
			if (err < 0)
				failed(d, knob_of(e->file), err);
			i++;
			continue;
		}
		if (d->o->dry_run) {
			i++;
			continue;
		}
		state_del(&d->st, i);
		d->state_dirty = true;
	}
}
